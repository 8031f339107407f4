// The canonical JSON encoder beyond the RFC's vectors: what it refuses (with the culprit's path),
// BigInt handling for requests, and properties over arbitrary JSON values.

import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { canonicalJson, canonicalize, INSERTION_SORT_MAX, MAX_DEPTH, sortNames } from "../../runtime/trust/jcs.js";

function refusal(value: unknown, options?: Parameters<typeof canonicalJson>[1]): { reason: string; path: string } {
  const result = canonicalJson(value, options);
  if (result.ok) throw new Error(`expected a refusal, got ${result.text}`);
  return { reason: result.reason, path: result.path };
}

describe("canonicalJson refuses what is not JSON", () => {
  it("non-finite numbers, naming the path", () => {
    expect(refusal({ a: [1, NaN] })).toEqual({ reason: "number NaN is not JSON", path: "a[1]" });
    expect(refusal({ "b c": { d: Infinity } }).path).toBe('["b c"].d');
    expect(refusal(-Infinity).path).toBe("");
  });
  it("undefined, functions, symbols, BigInt by default", () => {
    expect(refusal({ a: undefined }).reason).toMatch(/undefined/);
    expect(refusal([() => 1]).reason).toMatch(/function/);
    expect(refusal({ s: Symbol("x") }).reason).toMatch(/symbol/);
    expect(refusal({ n: 5n }).reason).toMatch(/BigInt/);
  });
  it("class instances, array holes, cycles, lone surrogates, excessive depth", () => {
    expect(refusal({ d: new Date(0) }).reason).toMatch(/Date is not a plain JSON object/);
    expect(refusal(new Map()).reason).toMatch(/Map/);
    expect(refusal(new Uint8Array(2)).reason).toMatch(/Uint8Array/);
    // eslint-disable-next-line no-sparse-arrays
    expect(refusal([1, , 3])).toEqual({ reason: "array has a hole", path: "[1]" });
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic["self"] = { back: cyclic };
    expect(refusal(cyclic)).toEqual({ reason: "cycle: the value contains itself", path: "self.back" });
    expect(refusal({ s: "ok\uD800" }).reason).toMatch(/lone surrogate/);
    expect(refusal({ ["\uDC00"]: 1 }).reason).toMatch(/lone surrogate/);
    let deep: unknown = 1;
    for (let i = 0; i < MAX_DEPTH + 5; i++) deep = [deep];
    expect(refusal(deep).reason).toMatch(/nested deeper/);
  });
  it("a getter that throws is a refusal, not an exception", () => {
    const tricky = Object.defineProperty({}, "x", { enumerable: true, get: () => { throw new Error("boom"); } });
    expect(refusal(tricky).reason).toMatch(/boom/);
  });
  it("canonicalize throws a TypeError naming the path", () => {
    expect(() => canonicalize({ a: { b: NaN } })).toThrow(/`a.b`/);
  });
});

describe("canonicalJson accepts", () => {
  it("the same value shared twice (a DAG is not a cycle)", () => {
    const shared = { x: 1 };
    expect(canonicalize({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });
  it("null-prototype objects", () => {
    const o = Object.create(null) as Record<string, number>;
    o["b"] = 1;
    o["a"] = 2;
    expect(canonicalize(o)).toBe('{"a":2,"b":1}');
  });
  it("safe BigInts as numbers when asked, and refuses larger ones", () => {
    expect(canonicalize({ n: 5n, m: -9007199254740991n }, { bigint: "safe-number" })).toBe('{"m":-9007199254740991,"n":5}');
    expect(refusal({ n: 9007199254740992n }, { bigint: "safe-number" }).reason).toMatch(/beyond/);
  });
});

describe("properties", () => {
  it("canonical text parses back to a value with the same canonical text (idempotent)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const once = canonicalize(value);
        expect(canonicalize(JSON.parse(once))).toBe(once);
      }),
      { numRuns: 300 },
    );
  });
  it("member order of the input never changes the output", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 8 }), (dict) => {
        const reversed = Object.fromEntries(Object.entries(dict).reverse());
        expect(canonicalize(reversed)).toBe(canonicalize(dict));
      }),
      { numRuns: 200 },
    );
  });
  it("agrees with JSON.stringify on values without objects (strings, numbers, arrays)", () => {
    const leafy = fc.array(fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null)));
    fc.assert(
      fc.property(leafy, (arr) => {
        // JSON.stringify writes -0 as 0 too; it differs from JCS only on lone surrogates, which fc.string avoids
        expect(canonicalize(arr)).toBe(JSON.stringify(arr));
      }),
      { numRuns: 300 },
    );
  });
});

describe("member names in UTF-16 code-unit order, at any count", () => {
  // U+E000–U+FFFF sort after astral characters by UTF-16 units (RFC 8785), before them by code point
  const UNITS = ["a", "b", "z", "é", "中", "\ue000", "\uffff", "\u{1f600}", "\u{10000}"];
  const byUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

  it("sortNames orders a few names and many alike", () => {
    const names = fc.uniqueArray(fc.array(fc.constantFrom(...UNITS), { maxLength: 4 }).map((cs) => cs.join("")), { maxLength: 120 });
    fc.assert(
      fc.property(names, (given) => {
        const sorted = [...given];
        sortNames(sorted);
        expect(sorted).toEqual([...given].sort(byUnits));
      }),
      { numRuns: 300 },
    );
  });

  it("an object of many names is sorted by the built-in sort, not name by name", () => {
    // An insertion sort is quadratic: 80,000 names in descending order (an unknown field of a
    // request, digested before its schema is looked at) took a minute. Counted, not timed: the
    // names of an object past INSERTION_SORT_MAX reach Array#sort, those of a smaller one do not.
    const descending = (n: number): Record<string, number> =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${String(n - i).padStart(6, "0")}`, i]));
    const sorts = vi.spyOn(Array.prototype, "sort");
    try {
      const small = canonicalize(descending(INSERTION_SORT_MAX));
      const bySmall = sorts.mock.calls.length;
      const large = canonicalize({ m: descending(1000) });
      const byLarge = sorts.mock.calls.length - bySmall;
      expect(bySmall).toBe(0);
      expect(byLarge).toBe(1);
      expect(small.startsWith('{"k000001":')).toBe(true);
      expect(large.startsWith('{"m":{"k000001":999,"k000002":998,')).toBe(true);
    } finally {
      sorts.mockRestore();
    }
  });
});
