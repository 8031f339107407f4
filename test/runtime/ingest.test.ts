// The decision fast path (runtime/wasm/ingest-codegen.ts) validates and encodes in one pass. It may
// give up on any request, but whatever it accepts the full validator must accept, and the bytes it
// writes must be the general encoder's. These tests check both on random schemas, layouts and
// requests (valid, mutated, arbitrary), check that it really is the path valid requests take, and that
// decisions through it equal decisions through the general path, on the benchmark policy and on
// hostile requests.

import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { loadPolicy } from "../../runtime/policy.js";
import { compilePortableRequestCheck } from "../../runtime/request.js";
import type { RecordType, SchemaType } from "../../runtime/schema.js";
import { createEncoder, memoryWriters } from "../../runtime/wasm/encoder.js";
import { createWasmEvaluator } from "../../runtime/wasm/evaluator.js";
import { generateIngest, SLOW_PATH } from "../../runtime/wasm/ingest-codegen.js";
import { fieldSize, type InputLayout, type RecordLayout, type SlotLayout } from "../../runtime/wasm/layout.js";
import { generateMix } from "../../bench/mix.js";
import { Draw, drawMutation, drawRequest, drawSchema, STRING_POOL } from "../support/arbitraries/index.js";

const INPUT = 1024;

/** A layout a compiler could have planned: some fields read, some only tested, some ignored. */
function drawLayout(d: Draw, schema: RecordType): InputLayout {
  const slot = (t: SchemaType): SlotLayout => {
    switch (t.kind) {
      case "bool":
      case "int":
        return { kind: t.kind };
      case "string":
        if (d.chance(0.3)) return { kind: "string", rep: "bytes" };
        return {
          kind: "string",
          rep: "id",
          ...d.pick([{}, { intern: "constants" as const }, { intern: "values" as const }]),
          // the constants the slot meets: absent (all), or some table ids (an out-of-range one too)
          ...(d.chance(0.5) ? {} : { meets: [...new Set(Array.from({ length: d.int(0, 4) }, () => d.int(1, 7)))].sort((a, b) => a - b) }),
        };
      case "list":
        return { kind: "list", element: slot(t.element) };
      case "map":
        return { kind: "map", value: slot(t.value) };
      case "record":
        return record(t);
    }
  };
  const record = (t: RecordType): RecordLayout => {
    let size = 0;
    const fields = [];
    for (const f of t.fields) {
      const use = d.weighted<"skip" | "value" | "presence">([
        [1, "skip"],
        [4, "value"],
        [f.optional ? 1 : 0, "presence"],
      ]);
      if (use === "skip") continue;
      const type = slot(f.type);
      let offset = -1;
      if (use === "value") {
        offset = size;
        size += fieldSize(type);
      }
      let presence = -1;
      if (f.optional) {
        presence = size;
        size += 4;
      }
      fields.push({ name: f.name, offset, presence, type });
    }
    return { kind: "record", size, fields };
  };
  const strings = [...new Set(Array.from({ length: d.int(0, 6) }, () => d.pick(STRING_POOL)))];
  return { abi: 1, strings, root: record(schema), inputSize: 60000 };
}

describe("the decision fast path", () => {
  it("accepts only what the validator accepts, and writes the general encoder's bytes", () => {
    let fast = 0;
    let valid = 0;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.array(fc.anything(), { maxLength: 4 }), (seed, junk) => {
        const d = Draw.seeded(seed);
        const schema = drawSchema(d, { maxDepth: 3, maxFields: 5 });
        const layout = drawLayout(d, schema);
        const factory = generateIngest(schema, layout, INPUT);
        expect(factory).toBeDefined();
        const memories = [0, 1].map(() => new WebAssembly.Memory({ initial: 2, maximum: 2 }));
        const ingest = factory!(memoryWriters(memories[0]!));
        const encoder = createEncoder(layout, schema, memories[1]!, INPUT, { portable: true });
        const check = compilePortableRequestCheck(schema);
        const bytes = memories.map((m) => new Uint8Array(m.buffer));
        const requests: unknown[] = [drawRequest(d, schema), ...junk];
        for (let i = 0; i < 10; i++) requests.push(drawMutation(d, schema).request);
        requests.forEach((request, i) => {
          bytes[0]!.fill(0);
          bytes[1]!.fill(0);
          const end = ingest(request);
          if (i === 0) valid++;
          if (end === SLOW_PATH) return;
          if (i === 0) fast++;
          expect(check(request)).toBeUndefined();
          encoder.encode(request);
          expect(end - INPUT).toBe(encoder.usedBytes());
          expect(Buffer.compare(bytes[0]!.subarray(0, end), bytes[1]!.subarray(0, end))).toBe(0);
        });
      }),
      { numRuns: 400 },
    );
    // it is a path, not a wall: many valid requests take it. Those that do not hold a BigInt, an int
    // beyond 2^53 given as a number, or a key that plain objects inherit
    expect(fast / valid).toBeGreaterThan(0.3);
  });

  it("takes a string or map key that fits its bound in UTF-8 bytes, however many a character could take", () => {
    const layout: InputLayout = {
      abi: 1,
      strings: [],
      root: {
        kind: "record",
        size: 8,
        fields: [
          { name: "s", offset: 0, presence: -1, type: { kind: "string", rep: "bytes" } },
          { name: "m", offset: 4, presence: -1, type: { kind: "map", value: { kind: "int" } } },
        ],
      },
      inputSize: 256,
    };
    const schema: RecordType = {
      kind: "record",
      fields: [
        { name: "s", optional: false, type: { kind: "string", max: 8 } },
        { name: "m", optional: false, type: { kind: "map", value: { kind: "int" }, max: 2, keyMax: 8 } },
      ],
    };
    const ingest = generateIngest(schema, layout, INPUT)!(memoryWriters(new WebAssembly.Memory({ initial: 1, maximum: 1 })));
    // 8 bytes in ASCII, two-byte and four-byte characters: more units than a third of the bound
    for (const fits of ["kkkk1234", "éééé", "😀😀"]) {
      expect(ingest({ s: fits, m: { a: 1 } })).not.toBe(SLOW_PATH);
      expect(ingest({ s: "a", m: { [fits]: 1, b: 2 } })).not.toBe(SLOW_PATH);
    }
    // one byte more, or not Unicode text: the general way, which says what is wrong
    for (const over of ["kkkk12345", "éééé1", "😀😀1", "\ud800"]) {
      expect(ingest({ s: over, m: { a: 1 } })).toBe(SLOW_PATH);
      expect(ingest({ s: "a", m: { [over]: 1, b: 2 } })).toBe(SLOW_PATH);
    }
  });

  it("has no fast path for schemas with inherited field names; maps have one, but not inherited keys", () => {
    const layout: InputLayout = { abi: 1, strings: [], root: { kind: "record", size: 4, fields: [{ name: "m", offset: 0, presence: -1, type: { kind: "map", value: { kind: "int" } } }] }, inputSize: 256 };
    const withMap: RecordType = { kind: "record", fields: [{ name: "m", optional: false, type: { kind: "map", value: { kind: "int" }, max: 2, keyMax: 16 } }] };
    const inherited: RecordType = { kind: "record", fields: [{ name: "constructor", optional: false, type: { kind: "int" } }] };
    expect(generateIngest(inherited, layout, INPUT)).toBeUndefined();
    const ingest = generateIngest(withMap, layout, INPUT)!(memoryWriters(new WebAssembly.Memory({ initial: 1, maximum: 1 })));
    expect(ingest({ m: { b: 1, a: 2 } })).toBeGreaterThan(INPUT);
    expect(ingest(JSON.parse('{"m":{"__proto__":1}}'))).toBe(SLOW_PATH);
    expect(ingest({ m: { constructor: 1 } })).toBe(SLOW_PATH);
    expect(ingest({ m: { a: 1, b: 2, c: 3 } })).toBe(SLOW_PATH);
  });

  it.each([3, 12, 13, 40])("sends unknown keys and non-enumerable fields the general way, however they pair up (%i fields)", (width) => {
    // the widths either side of MAX_CHAINED_FIELDS: a chain of compares up to 12 fields, a Map above
    const names = Array.from({ length: width }, (_, i) => `f${i}`);
    const schema: RecordType = { kind: "record", fields: names.map((name) => ({ name, optional: false, type: { kind: "int" } })) };
    const layout: InputLayout = { abi: 1, strings: [], root: { kind: "record", size: 0, fields: [] }, inputSize: 64 };
    const ingest = generateIngest(schema, layout, INPUT)!(memoryWriters(new WebAssembly.Memory({ initial: 1, maximum: 1 })));
    const full = () => Object.fromEntries(names.map((n, i) => [n, i])) as Record<string, unknown>;
    const hide = (r: Record<string, unknown>, name: string) => Object.defineProperty(r, name, { value: 1, enumerable: false });
    const last = names[width - 1]!;
    expect(ingest(full())).not.toBe(SLOW_PATH);
    expect(ingest(Object.fromEntries(names.map((n, i) => [n, i]).reverse()))).not.toBe(SLOW_PATH);
    expect(ingest({ ...full(), extra: 1 })).toBe(SLOW_PATH);
    expect(ingest({ extra: 1, ...full() })).toBe(SLOW_PATH);
    expect(ingest({ ...full(), toString: 1 })).toBe(SLOW_PATH);
    expect(ingest(hide(full(), names[0]!))).toBe(SLOW_PATH);
    expect(ingest(hide(full(), last))).toBe(SLOW_PATH);
    // one key fewer by enumeration, one more unknown: the count matches, the names do not
    expect(ingest(hide({ ...full(), extra: 1 }, names[0]!))).toBe(SLOW_PATH);
    expect(ingest(hide({ ...full(), [`${last}x`]: 1 }, last))).toBe(SLOW_PATH);
  });

  it("takes objects without a prototype (what snapshots are made of), and refuses any other prototype", () => {
    const schema: RecordType = {
      kind: "record",
      fields: [
        { name: "r", optional: false, type: { kind: "record", fields: [{ name: "a", optional: true, type: { kind: "int" } }] } },
        { name: "m", optional: false, type: { kind: "map", value: { kind: "int" }, max: 4, keyMax: 8 } },
      ],
    };
    const layout: InputLayout = {
      abi: 1,
      strings: [],
      root: {
        kind: "record",
        size: 12,
        fields: [
          { name: "r", offset: 0, presence: -1, type: { kind: "record", size: 8, fields: [{ name: "a", offset: 0, presence: -1, type: { kind: "int" } }] } },
          { name: "m", offset: 8, presence: -1, type: { kind: "map", value: { kind: "int" } } },
        ],
      },
      inputSize: 256,
    };
    const ingest = generateIngest(schema, layout, INPUT)!(memoryWriters(new WebAssembly.Memory({ initial: 1, maximum: 1 })));
    const bare = <T extends object>(o: T): T => Object.assign(Object.create(null) as T, o);
    expect(ingest(bare({ r: bare({ a: 1 }), m: bare({ k: 2 }) }))).not.toBe(SLOW_PATH);
    // a chain through an object without a prototype: `a` would be inherited from it
    const inheriting = Object.create(bare({ a: 7 })) as object;
    expect(ingest({ r: inheriting, m: {} })).toBe(SLOW_PATH);
    expect(ingest({ r: {}, m: Object.create(bare({ k: 1 })) })).toBe(SLOW_PATH);
    expect(ingest({ r: new (class {})(), m: {} })).toBe(SLOW_PATH);
    // an array is a list whatever its prototype: never a record or a map
    for (const proto of [Object.prototype, null]) {
      expect(ingest({ r: Object.setPrototypeOf([], proto), m: {} })).toBe(SLOW_PATH);
      expect(ingest({ r: {}, m: Object.setPrototypeOf([1, 2], proto) })).toBe(SLOW_PATH);
    }
  });

  it("keeps hostile field names and table strings inert", () => {
    const schema: RecordType = {
      kind: "record",
      fields: [
        { name: '"); throw new Error("injected"); ("', optional: true, type: { kind: "int" } },
        { name: "a\u2028b", optional: false, type: { kind: "string", max: 64 } },
      ],
    };
    const layout: InputLayout = {
      abi: 1,
      strings: ['"); throw 1; ("', "\u2028", "`${x}`"],
      root: { kind: "record", size: 4, fields: [{ name: "a\u2028b", offset: 0, presence: -1, type: { kind: "string", rep: "id" } }] },
      inputSize: 64,
    };
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
    const ingest = generateIngest(schema, layout, INPUT)!(memoryWriters(memory));
    const i32 = new Int32Array(memory.buffer);
    for (const [s, id] of [['"); throw 1; ("', 1], ["\u2028", 2], ["`${x}`", 3], ["other", 4]] as const) {
      expect(ingest({ "a\u2028b": s })).toBe(INPUT + 4);
      expect(i32[INPUT >> 2]).toBe(id);
    }
    expect(ingest({ "a\u2028b": "x", '"); throw new Error("injected"); ("': "not an int" })).toBe(SLOW_PATH);
  });
});

  it("scans a string numbered twice for lone surrogates once, but tests it against each field's own bound", () => {
    // `a` and `b` are compared by equality only: per-request ids, equal strings sharing one
    const field = (name: string, max: number) => ({ name, optional: false, type: { kind: "string" as const, max } });
    const schema: RecordType = { kind: "record", fields: [field("a", 64), field("b", 2), field("c", 64)] };
    const id = { kind: "string" as const, rep: "id" as const, intern: "values" as const };
    const layout: InputLayout = {
      abi: 1,
      strings: [],
      root: { kind: "record", size: 12, fields: ["a", "b", "c"].map((name, i) => ({ name, offset: 4 * i, presence: -1, type: id })) },
      inputSize: 64,
    };
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
    const ingest = generateIngest(schema, layout, INPUT)!(memoryWriters(memory));
    const i32 = new Int32Array(memory.buffer);
    expect(ingest({ a: "xyz", b: "", c: "xyz" })).toBe(INPUT + 12);
    expect(i32[(INPUT >> 2) + 2]).toBe(i32[INPUT >> 2]);
    // seen in `a`, but three units may be nine bytes: over `b`'s bound of 2
    expect(ingest({ a: "xyz", b: "xyz", c: "" })).toBe(SLOW_PATH);
    expect(ingest({ a: "\ud800", b: "", c: "\ud800" })).toBe(SLOW_PATH);
    expect(ingest({ a: "ok", b: "", c: "\ud800" })).toBe(SLOW_PATH);
  });

describe("decisions through the fast path", () => {
  const source = readFileSync(new URL("../../bench/policies/agent-governance.writ", import.meta.url), "utf8");
  // 250 tools and 60-odd roles as constants: look-ups through generated trees of hundreds of strings
  const large = readFileSync(new URL("../../bench/policies/agent-governance-large.writ", import.meta.url), "utf8");

  it.each([
    ["12", source],
    ["1,012", large],
  ])("take it for every request of the benchmark mix, and decide as the general path does (%s rules)", async (_, text) => {
    const compiled = await compilePolicy(text, { fileName: "agent-governance.writ" });
    const bundle = compiled.bundle!;
    const module = new WebAssembly.Module(bundle.module as Uint8Array<ArrayBuffer>);
    const factory = generateIngest(bundle.manifest.schema, bundle.manifest.layout as InputLayout, 1024)!;
    const ingest = factory(memoryWriters(new WebAssembly.Memory({ initial: 1, maximum: 1 })));
    const general = createWasmEvaluator(module, bundle.manifest, { portable: true });
    const policy = loadPolicy(bundle, { allowUnsigned: true });
    let allowed = 0;
    for (const request of generateMix()) {
      expect(ingest(request)).not.toBe(SLOW_PATH);
      const d = policy.decide(request);
      expect(d).toEqual(general.decide(request));
      if (d.decision === "allow") allowed++;
    }
    expect(allowed).toBeGreaterThan(100);
  });

  it("hands every unusual request to the validator, and decides it as the general path does", async () => {
    const compiled = await compilePolicy(source, { fileName: "agent-governance.writ" });
    const bundle = compiled.bundle!;
    const general = createWasmEvaluator(new WebAssembly.Module(bundle.module as Uint8Array<ArrayBuffer>), bundle.manifest, { portable: true });
    const policy = loadPolicy(bundle, { allowUnsigned: true });
    const base = () => generateMix(7, 1)[0]! as unknown as Record<string, Record<string, unknown>>;
    class Principal {
      constructor(
        readonly id: string,
        readonly roles: string[],
        readonly clearance: number,
        readonly tenant: string,
      ) {}
    }
    const variants: [string, (r: Record<string, Record<string, unknown>>) => unknown][] = [
      ["unknown field", (r) => ((r.action!.extra = 1), r)],
      ["null prototype record (accepted)", (r) => ((r.action = Object.assign(Object.create(null), r.action)), r)],
      ["class instance", (r) => ((r.principal = new Principal("p", ["admin"], 1, "acme") as never), r)],
      ["own __proto__ key", (r) => JSON.parse(JSON.stringify(r).replace('"action":{', '"action":{"__proto__":{"x":1},'))],
      ["inherited field", (r) => ((r.action = Object.create(r.action!)), r)],
      ["non-enumerable field", (r) => (Object.defineProperty(r.action, "tool", { value: "curl", enumerable: false }), r)],
      // the two would cancel out in a key count: the unknown key must be noticed by its name
      ["non-enumerable field beside an unknown one", (r) => (Object.defineProperty(r.action, "tool", { value: "curl", enumerable: false }), (r.action!.extra = 1), r)],
      ["getter that throws", (r) => (Object.defineProperty(r.context, "hour", { get: () => { throw new Error("boom"); }, enumerable: true }), r)],
      ["BigInt int (accepted)", (r) => ((r.context!.amount = 5n), r)],
      ["int beyond int32 (accepted)", (r) => ((r.context!.amount = 2 ** 40), r)],
      ["unsafe int", (r) => ((r.context!.amount = 2 ** 60), r)],
      ["lone surrogate in a table-compared field", (r) => ((r.action!.name = "db.query\ud800"), r)],
      ["lone surrogate in an unread field", (r) => ((r.principal!.id = "\udc00"), r)],
      ["string over its bound", (r) => ((r.principal!.tenant = "x".repeat(300)), r)],
      ["too many roles", (r) => ((r.principal!.roles = Array.from({ length: 17 }, (_, i) => `r${i}`)), r)],
      ["hole in the roles", (r) => ((r.principal!.roles = [, "admin"] as unknown as string[]), r)],
      ["array as record", (r) => ((r.resource = [] as never), r)],
      // an array is a list whatever its prototype, even one holding every field as a member
      ["array with Object.prototype as its prototype, as record", (r) => ((r.resource = Object.assign(Object.setPrototypeOf([], Object.prototype), r.resource)), r)],
      ["array with no prototype, as request", (r) => Object.assign(Object.setPrototypeOf([], null), r)],
      ["null", () => null],
    ];
    for (const [name, make] of variants) {
      const request = make(base());
      const d = policy.decide(request);
      expect(d, name).toEqual(general.decide(request));
      if (name.endsWith("(accepted)")) expect(d.errors.filter((e) => e.code === "invalid_request"), name).toEqual([]);
      else expect(d.decision, name).toBe("deny");
    }
  });
});
