// Strings the policy compares only with one another (intern "values") travel as per-request ids:
// equal strings, equal ids, numbered in the order the encoder meets them (runtime/wasm/fresh-ids.ts).
// The cost bound counts such a string once, so numbering N of them must take work linear in N: a
// request of 40,000 distinct strings, each looked for among all those before it, took seconds where
// the interpreter took milliseconds. The work is counted, not timed: on the decision fast path every
// read of the scanned strings (`seen`, one comparison each) and every look-up in a Map. And every
// encoder numbers many strings, long ones too (V8 hashes a string of more than 16,383 units by its
// length alone), as the others do, the first of equal strings first; decisions are the interpreter's.

import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { createInterpreter } from "../../compiler/ir/interp.js";
import { MAX_COST_BUDGET } from "../../compiler/ir/cost.js";
import { loadPolicy } from "../../runtime/policy.js";
import type { RecordType } from "../../runtime/schema.js";
import { createEncoder, memoryWriters } from "../../runtime/wasm/encoder.js";
import { createWasmEvaluator } from "../../runtime/wasm/evaluator.js";
import { LONGEST_HASHED, SCANNED_FRESH_IDS } from "../../runtime/wasm/fresh-ids.js";
import { compileIngest, generateIngest, ingestSource, SLOW_PATH, type Ingest } from "../../runtime/wasm/ingest-codegen.js";
import type { InputLayout } from "../../runtime/wasm/layout.js";

const INPUT = 1024;

/** `{ l: list<string(max)>(n) }`, its strings numbered per request, with no table */
function listOfFreshStrings(n: number, max: number): { schema: RecordType; layout: InputLayout } {
  const schema: RecordType = { kind: "record", fields: [{ name: "l", optional: false, type: { kind: "list", max: n, element: { kind: "string", max } } }] };
  const layout: InputLayout = {
    abi: 1,
    strings: [],
    root: { kind: "record", size: 4, fields: [{ name: "l", offset: 0, presence: -1, type: { kind: "list", element: { kind: "string", rep: "id", intern: "values" } } }] },
    inputSize: 4 + 4 * (n + 1),
  };
  return { schema, layout };
}

/** distinct 8-character strings */
const distinct = (n: number): string[] => Array.from({ length: n }, (_, i) => String(i).padStart(8, "0"));

/**
 * The comparisons the fast path makes numbering `strings`: its reads of the scanned strings, through
 * a Proxy put in place of its `seen` array, and the look-ups and insertions of any Map.
 */
function comparisonsNumbering(strings: readonly string[]): number {
  const { schema, layout } = listOfFreshStrings(strings.length, 8);
  const source = ingestSource(schema, layout, INPUT)!;
  let comparisons = 0;
  const seen = new Proxy<string[]>([], {
    get(target, key, receiver) {
      if (typeof key === "string" && /^\d+$/.test(key)) comparisons++;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  const body = source.body.replace("const seen = [],", "const seen = MAPS.seen,");
  expect(body).not.toBe(source.body);
  const factory = compileIngest({ body, maps: Object.assign([...source.maps], { seen }) })!;
  const memory = new WebAssembly.Memory({ initial: 2, maximum: 2 });
  const ingest = factory(memoryWriters(memory));
  const { get, set, has } = Map.prototype;
  Map.prototype.get = function (this: Map<unknown, unknown>, key: unknown) {
    comparisons++;
    return get.call(this, key);
  };
  Map.prototype.set = function <K, V>(this: Map<K, V>, key: K, value: V): Map<K, V> {
    comparisons++;
    return set.call(this, key, value) as Map<K, V>;
  };
  Map.prototype.has = function (this: Map<unknown, unknown>, key: unknown) {
    comparisons++;
    return has.call(this, key);
  };
  let end: number;
  try {
    end = ingest({ l: strings });
  } finally {
    Object.assign(Map.prototype, { get, set, has });
  }
  expect(end).not.toBe(SLOW_PATH);
  return comparisons;
}

/** the ids written for `l` by an encoding at INPUT */
function listIds(memory: WebAssembly.Memory, n: number): number[] {
  const i32 = new Int32Array(memory.buffer);
  const p = i32[INPUT >> 2]!;
  expect(i32[p >> 2]).toBe(n);
  return Array.from(i32.subarray((p >> 2) + 1, (p >> 2) + 1 + n));
}

/** 1 + the index of each string's first occurrence among the distinct strings met so far */
function firstOccurrenceIds(strings: readonly string[]): number[] {
  const ids = new Map<string, number>();
  return strings.map((s) => {
    if (!ids.has(s)) ids.set(s, ids.size + 1);
    return ids.get(s)!;
  });
}

/**
 * Many distinct strings past the scanned ones, each met again later, in an order that mixes them:
 * short ones, and long ones of one length (beyond what V8 hashes by content) alike but for a few
 * units at their start, middle or end.
 */
function manyStrings(long: number): string[] {
  const L = LONGEST_HASHED + 17;
  const base = "x".repeat(L);
  const at = (k: number, i: number) => base.slice(0, k) + String(i).padStart(4, "0") + base.slice(k + 4);
  const longs = Array.from({ length: long }, (_, i) => at([0, L >> 1, L - 4][i % 3]!, i));
  const shorts = distinct(3 * SCANNED_FRESH_IDS);
  const firsts = [...shorts.slice(0, SCANNED_FRESH_IDS), ...longs, ...shorts.slice(SCANNED_FRESH_IDS)];
  // each again, the later ones first, then a string at its limit of length and one just past it
  return [...firsts, ...[...firsts].reverse(), "y".repeat(LONGEST_HASHED), "y".repeat(LONGEST_HASHED + 1), ...firsts.filter((_, i) => i % 2 === 0)];
}

describe("per-request ids of strings outside the table", () => {
  it("cost the fast path comparisons linear in their number", () => {
    const few = comparisonsNumbering(distinct(1_000));
    const many = comparisonsNumbering(distinct(4_000));
    // a scan of the first few, then a Map: a few comparisons a string, however many there are
    // (looked for among all those before, 4,000 strings took 8 million)
    expect(many).toBeLessThanOrEqual((SCANNED_FRESH_IDS + 3) * 4_000);
    expect(many).toBeLessThan(5 * few);
  });

  it("are numbered by each encoder in the order met, equal strings sharing one, long strings too", () => {
    const strings = manyStrings(60);
    const { schema, layout } = listOfFreshStrings(strings.length, LONGEST_HASHED + 17);
    const expected = firstOccurrenceIds(strings);
    expect(new Set(expected).size).toBe(3 * SCANNED_FRESH_IDS + 60 + 2);

    const fast = new WebAssembly.Memory({ initial: 2, maximum: 2 });
    const ingest: Ingest = generateIngest(schema, layout, INPUT)!(memoryWriters(fast));
    const encoders = [false, true].map((portable) => {
      const memory = new WebAssembly.Memory({ initial: 2, maximum: 2 });
      return { memory, encoder: createEncoder(layout, schema, memory, INPUT, { portable }) };
    });
    // twice each: the second request's ids start again from the first
    for (const request of [{ l: strings }, { l: [...strings].reverse() }, { l: strings }]) {
      expect(ingest(request)).not.toBe(SLOW_PATH);
      const ids = firstOccurrenceIds(request.l);
      expect(listIds(fast, strings.length)).toEqual(ids);
      for (const { memory, encoder } of encoders) {
        encoder.encode(request);
        expect(listIds(memory, strings.length)).toEqual(ids);
      }
    }
  });

  it("decide as the interpreter does, through the fast path and the general one", async () => {
    const strings = manyStrings(30);
    const max = LONGEST_HASHED + 17;
    const text = `policy "fresh" version "1"\ninput {\n  s: string(${max})\n  l: list<string(${max})>(${strings.length})\n}\npermit member when s in l\n`;
    const compiled = await compilePolicy(text, { maxCost: MAX_COST_BUDGET });
    expect(compiled.diagnostics).toEqual([]);
    const bundle = compiled.bundle!;
    const interpreter = createInterpreter(compiled.ir!, compiled.checked!.errorSites);
    const policy = loadPolicy(bundle, { allowUnsigned: true });
    const general = createWasmEvaluator(new WebAssembly.Module(bundle.module as Uint8Array<ArrayBuffer>), bundle.manifest, { portable: true });
    const unique = [...new Set(strings)];
    // members met first among the scanned strings and past them, short and long; and strings that
    // are none, alike but for one unit to long members
    const probes = [unique[0]!, unique[SCANNED_FRESH_IDS + 1]!, unique[unique.length - 1]!, ...unique.filter((s) => s.length > LONGEST_HASHED).slice(0, 4)];
    const others = probes.map((s) => s.slice(0, -1) + "z");
    let allowed = 0;
    for (const s of [...probes, ...others]) {
      const request = { s, l: strings };
      const expected = interpreter.decide(request);
      expect(policy.decide(request)).toEqual(expected);
      expect(general.decide(request)).toEqual(expected);
      if (expected.decision === "allow") allowed++;
    }
    expect(allowed).toBe(probes.length);
  });
});
