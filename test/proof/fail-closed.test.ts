// Fail-closed fuzzing: whatever arrives as a request — arbitrary JSON, arbitrary text and bytes
// (parsed with JSON.parse when they parse, else handed over as a string or Uint8Array), mutated
// requests with wrong types, missing and extra fields, `__proto__` / `constructor` / `prototype`
// keys, NaN, ±Infinity, -0, integers beyond 2^53 and 2^63, lone surrogates, invalid UTF-8, deep
// nesting, huge strings and lists — the loaded policy returns a decision and never throws or hangs.
// An invalid request is a deny carrying exactly one `invalid_request` error with a reason; a valid
// one gets exactly the interpreter's decision. A fixed probe request is decided before and after
// every batch of inputs and must not change.

import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { Decision } from "../../runtime/decision.js";
import { compileRequestCheck, type RequestCheck } from "../../runtime/request.js";
import { Draw, drawBatch, drawBatchMutation, drawBatchRequest, drawMutation, policyToWrit, type Batch } from "../support/arbitraries/index.js";
import { checkProperty } from "../support/arbitraries/replay.js";
import { compilePair, type CompiledPair } from "../fuzz/differential.js";

const FILE = "test/proof/fail-closed.test.ts";

describe("every failure denies", () => {
  let batch: Batch;
  let pair: CompiledPair;
  let valid: RequestCheck;
  let probe: unknown;
  let probeDecision: string;
  const seen = { valid: 0, invalid: 0 };

  beforeAll(async () => {
    batch = drawBatch(Draw.seeded(31337), 10);
    pair = await compilePair(policyToWrit(batch.policy));
    valid = compileRequestCheck(pair.wasm.manifest.schema);
    const d = Draw.seeded(1);
    let tries = 0;
    do probe = drawBatchRequest(d, batch, true);
    while (pair.interp.decide(probe).decision !== "allow" && ++tries < 1000);
    probeDecision = JSON.stringify(pair.wasm.decide(probe));
  }, 300_000);

  /** The property every input must satisfy. */
  function decidesFailClosed(request: unknown, knownInvalid = false): void {
    let got: Decision;
    try {
      got = pair.wasm.decide(request);
    } catch (e) {
      throw new Error(`decide threw for ${describeInput(request)}: ${e instanceof Error ? e.stack : String(e)}`);
    }
    // `knownInvalid` comes from the mutation itself, independently of the validator under test
    const isValid = !knownInvalid && safeValid(request);
    if (isValid) {
      seen.valid++;
      expect(JSON.stringify(got)).toBe(JSON.stringify(pair.interp.decide(request)));
    } else {
      seen.invalid++;
      expect(got.decision).toBe("deny");
      expect(got.rules).toEqual([]);
      expect(got.errors).toHaveLength(1);
      const e = got.errors[0]!;
      expect(e.rule).toBeNull();
      expect(e.code).toBe("invalid_request");
      expect(typeof e.message === "string" && e.message.length > 0).toBe(true);
      expect(JSON.stringify(pair.interp.decide(request))).toBe(JSON.stringify(got));
    }
  }

  function safeValid(request: unknown): boolean {
    return valid(request) === undefined;
  }

  function probeUnchanged(): void {
    expect(JSON.stringify(pair.wasm.decide(probe))).toBe(probeDecision);
  }

  it("the probe request is an allow (so a later change is visible)", () => {
    expect(JSON.parse(probeDecision).decision).toBe("allow");
  });

  it("arbitrary JSON values and JSON-parsed text", async () => {
    const json = fc.oneof(
      fc.jsonValue({ maxDepth: 6 }),
      fc.json({ maxDepth: 6 }).map((t) => JSON.parse(t) as unknown),
      // JSON objects that look like the request, with the policy's own field names
      fc.dictionary(fc.constantFrom("sel", "p0", "p1", "__proto__", "constructor", "prototype", "x"), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 6 }),
    );
    await checkProperty(fc.property(fc.array(json, { minLength: 1, maxLength: 20 }), (inputs) => {
      for (const i of inputs) decidesFailClosed(i);
      probeUnchanged();
    }), 150, FILE);
  });

  it("arbitrary text and bytes: parsed when they parse, else given as a string or a Uint8Array", async () => {
    const decoder = new TextDecoder("utf-8", { fatal: false });
    const input = fc.oneof(
      fc.string({ unit: "binary", maxLength: 64 }),
      fc.string({ unit: fc.constantFrom(..."{}[]\":,0123456789-eE.tfnrulasp_\\ \ud800"), maxLength: 64 }),
      fc.uint8Array({ maxLength: 64 }),
    );
    await checkProperty(fc.property(fc.array(input, { minLength: 1, maxLength: 20 }), (inputs) => {
      for (const x of inputs) {
        const text = typeof x === "string" ? x : decoder.decode(x); // invalid UTF-8 becomes U+FFFD
        let parsed: unknown = x;
        try {
          parsed = JSON.parse(text);
        } catch {
          /* not JSON: the raw string or bytes are the request */
        }
        decidesFailClosed(parsed);
        decidesFailClosed(x);
      }
      probeUnchanged();
    }), 150, FILE);
  });

  it("mutated requests: wrong types, missing and unknown fields, hostile numbers and strings", async () => {
    await checkProperty(fc.property(fc.gen(), (g) => {
      const d = Draw.seeded(new Draw(g).seed());
      for (let i = 0; i < 40; i++) {
        const m = drawBatchMutation(d, batch);
        const r = m.request;
        decidesFailClosed(r, m.invalid);
        // the same mutation one level down, inside a member's record
        const sel = (r as { sel?: unknown } | null)?.sel;
        if (Number.isInteger(sel) && (sel as number) >= 0 && (sel as number) < batch.members) {
          const whole = drawBatchRequest(d, batch, true) as Record<string, unknown>;
          const inner = drawMutation(d, batch.memberSchemas[sel as number]!);
          whole[`p${sel as number}`] = inner.request;
          decidesFailClosed(whole, inner.invalid);
        }
      }
      probeUnchanged();
    }), 100, FILE);
    expect(seen.invalid).toBeGreaterThan(1000);
    expect(seen.valid).toBeGreaterThan(10);
  });

  it("extremes: deep nesting, huge strings and lists, special numbers, prototype keys, odd objects", () => {
    const base = () => drawBatchRequest(Draw.seeded(5), batch, true) as Record<string, unknown>;
    const deepJson = (n: number) => JSON.parse("[".repeat(n) + "]".repeat(n)) as unknown;
    const deepObject = (n: number) => JSON.parse('{"p0":'.repeat(n) + "1" + "}".repeat(n)) as unknown;
    const cases: [string, () => unknown][] = [
      ["undefined", () => undefined],
      ["null", () => null],
      ["a number", () => 42],
      ["NaN", () => Number.NaN],
      ["a BigInt", () => 1n << 70n],
      ["a symbol", () => Symbol("request")],
      ["a function", () => () => ({})],
      ["a class instance", () => new (class Request { sel = 0; })()],
      ["a Map", () => new Map([["sel", 0]])],
      ["a Proxy that throws", () => new Proxy({}, { get() { throw new Error("boom"); }, ownKeys() { throw new Error("boom"); } })],
      ["a getter that throws", () => Object.defineProperty(base(), "sel", { get() { throw new Error("boom"); }, enumerable: true })],
      ["10,000 nested lists", () => deepJson(10_000)],
      ["10,000 nested objects", () => deepObject(10_000)],
      ["a 1 MB string for sel", () => ({ ...base(), sel: "x".repeat(1 << 20) })],
      ["a 200,000-element list for sel", () => ({ ...base(), sel: Array.from({ length: 200_000 }, (_, i) => i) })],
      ["a million-key object", () => Object.fromEntries(Array.from({ length: 1_000_000 }, (_, i) => [`k${i}`, i]))],
      ["sel = -0", () => ({ ...base(), sel: -0 })],
      ["sel = 2^53", () => ({ ...base(), sel: 2 ** 53 })],
      ["sel = 2^63 as BigInt", () => ({ ...base(), sel: 1n << 63n })],
      ["sel = -2^63 - 1 as BigInt", () => ({ ...base(), sel: -(1n << 63n) - 1n })],
      ["sel = Infinity", () => ({ ...base(), sel: Number.POSITIVE_INFINITY })],
      ["sel = -Infinity", () => ({ ...base(), sel: Number.NEGATIVE_INFINITY })],
      ["sel = 0.5", () => ({ ...base(), sel: 0.5 })],
      ["sel = a lone surrogate", () => ({ ...base(), sel: "\udc00" })],
      ['JSON "__proto__" key', () => JSON.parse(`{"__proto__": {"sel": 0}, "sel": 0}`) as unknown],
      ["own constructor key", () => ({ ...base(), constructor: 1 })],
      ["own prototype key", () => ({ ...base(), prototype: {} })],
      ["a polluted-looking record", () => Object.assign(Object.create({ sel: 0 }) as object, base())],
      ["a null-prototype copy (valid)", () => Object.assign(Object.create(null) as object, base())],
      ["a frozen copy (valid)", () => Object.freeze(base())],
      ["an array with the fields", () => Object.assign([], base())],
      ["a string with the request", () => JSON.stringify({ sel: 0 })],
      ["bytes of invalid UTF-8", () => new Uint8Array([0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80])],
    ];
    const validNames: string[] = [];
    for (const [name, make] of cases) {
      const request = make();
      try {
        decidesFailClosed(request);
      } catch (e) {
        throw new Error(`${name}: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (safeValid(request)) validNames.push(name);
      probeUnchanged();
    }
    // -0 is the int 0; a null-prototype or frozen plain object is a plain object: all else is refused
    expect(validNames).toEqual(["sel = -0", "a null-prototype copy (valid)", "a frozen copy (valid)"]);
  }, 120_000);
});

function describeInput(request: unknown): string {
  try {
    const s = JSON.stringify(request, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
    return s === undefined ? String(request) : s.length > 300 ? `${s.slice(0, 300)}…` : s;
  } catch {
    return Object.prototype.toString.call(request);
  }
}
