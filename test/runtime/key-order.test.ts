// Map keys in code-point order (docs/abi.md, "map block"; the order of their UTF-8 bytes), on every
// path that orders them: sortByCodePoint (runtime/strings.ts) itself, which compares natively (UTF-16
// order) and sorts keys holding a unit at or above U+D800 in a form whose UTF-16 order is their
// code-point order; `decide`'s fast path (ingest-codegen.ts), the generated and the portable encoders
// (encoder-codegen.ts, encoder.ts), each read back from the memory it wrote; the interpreter's values
// (requestToValue) and map constants (mapValue). The references are Buffer.compare of the UTF-8 bytes
// and compareCodePoints, a comparator that reads the keys unit by unit; what the sort itself reads of
// the keys is counted, and stays within a few times their length whatever their order.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { requestToValue } from "../../runtime/request.js";
import type { RecordType } from "../../runtime/schema.js";
import type { MapValue } from "../../runtime/values.js";
import { compareCodePoints, sortByCodePoint } from "../../runtime/strings.js";
import { mapValue } from "../../compiler/ir/values.js";
import { countedStringReads } from "../support/counted-strings.js";
import { createEncoder, memoryWriters } from "../../runtime/wasm/encoder.js";
import { generateIngest, SLOW_PATH } from "../../runtime/wasm/ingest-codegen.js";
import type { InputLayout } from "../../runtime/wasm/layout.js";

const byUtf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

/**
 * Characters where the orders part: ASCII, two- and three-byte characters below the surrogates,
 * U+E000–U+FFFF (after astral characters in UTF-16 order, before them in code-point order) and
 * astral characters (a surrogate pair each).
 */
const LOW = ["a", "b", "z", "0", "~", "\u007f", "\u0080", "é", "\u07ff", "\u0800", "中", "\ud7ff"];
const HIGH = ["\ue000", "\uf8ff", "\uff5a", "\ufffd", "\uffff", "\u{10000}", "\u{1f600}", "\u{10ffff}"];

/** Unique keys of up to 4 characters from `alphabet`, at most 32 (put in place by insertion) or 33 to 80 (the built-in sort's). */
const keysOf = (alphabet: readonly string[], long: boolean): fc.Arbitrary<string[]> =>
  fc.uniqueArray(fc.array(fc.constantFrom(...alphabet), { maxLength: 4 }).map((cs) => cs.join("")), long ? { minLength: 33, maxLength: 80 } : { maxLength: 32 });

/** Keys with no unit at or above U+D800 (sorted as they are), or with some (sorted in their UTF-16-ordered form). */
const KEYS = fc.oneof(...[false, true].flatMap((long) => [keysOf(LOW, long), keysOf([...LOW, ...HIGH], long)]));

const shuffled = (keys: readonly string[], seed: number): string[] => {
  const out = [...keys];
  let s = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
};

describe("map keys in code-point order", () => {
  it("sortByCodePoint sorts as UTF-8 bytes compare, with and without surrogates and U+E000–U+FFFF", () => {
    const seen = { short: 0, builtIn: 0, remapped: 0 };
    fc.assert(
      fc.property(KEYS, fc.integer(), (keys, seed) => {
        const sorted = shuffled(keys, seed);
        sortByCodePoint(sorted);
        expect(sorted).toEqual([...keys].sort(byUtf8));
        const high = keys.some((k) => /[\ud800-\uffff]/.test(k));
        if (keys.length <= 32) seen.short++;
        else if (high) seen.remapped++;
        else seen.builtIn++;
      }),
      { numRuns: 600 },
    );
    // each of the three ways was taken
    expect(seen.short).toBeGreaterThan(50);
    expect(seen.builtIn).toBeGreaterThan(50);
    expect(seen.remapped).toBeGreaterThan(50);
  });

  it("sortByCodePoint orders as compareCodePoints does: any UTF-16 units, lone surrogates too, shared prefixes, around 32 keys", () => {
    // any unit at all, weighted towards the ranges the sort's form moves (U+D800–U+FFFF) and the
    // units just outside them
    const unit = fc.oneof(
      fc.integer({ min: 0, max: 0xffff }),
      fc.integer({ min: 0xd7f0, max: 0xffff }),
      fc.constantFrom(0x61, 0x62, 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe000, 0xf7ff, 0xf800, 0xffff),
    );
    const text = (maxLength: number) => fc.array(unit, { maxLength }).map((us) => String.fromCharCode(...us));
    const wellFormed = fc.string({ unit: "binary", maxLength: 4 });
    const keys = fc
      .tuple(fc.oneof(fc.constant(""), text(40), fc.string({ unit: "binary", minLength: 20, maxLength: 60 })), fc.oneof(text(4), wellFormed), fc.oneof(fc.constant(1), fc.integer({ min: 28, max: 36 }), fc.integer({ min: 37, max: 120 })))
      .chain(([prefix, suffix, size]) => fc.uniqueArray(fc.oneof(text(4), wellFormed, fc.constant(suffix)).map((s) => prefix + s), { minLength: Math.min(size, 2), maxLength: size }));
    fc.assert(
      fc.property(keys, fc.integer(), fc.boolean(), (keys, seed, inOrder) => {
        const expected = [...keys].sort(compareCodePoints);
        const sorted = inOrder ? [...expected] : shuffled(keys, seed);
        sortByCodePoint(sorted);
        expect(sorted).toEqual(expected);
      }),
      { numRuns: 800 },
    );
  });

  it("map constants (mapValue) hold their entries in code-point order of the keys, the last of a repeated key winning", () => {
    const key = fc.string({ unit: fc.constantFrom(...LOW, ...HIGH), maxLength: 3 });
    fc.assert(
      fc.property(fc.array(fc.tuple(key, fc.integer()), { maxLength: 50 }), (entries) => {
        const value = mapValue(entries.map(([k, v]) => [k, BigInt(v)]));
        const last = new Map(entries.map(([k, v]) => [k, BigInt(v)]));
        expect([...value.entries]).toEqual([...last.keys()].sort(compareCodePoints).map((k) => [k, last.get(k)]));
      }),
      { numRuns: 300 },
    );
  });

  it("sortByCodePoint reads each key a few times at most, however long the prefix the keys share and in whatever order they come", () => {
    // keys sharing all but their last few units, in reverse order or shuffled: a comparator reading
    // them would read the prefix again on every comparison
    const cases: [string, string[]][] = [];
    for (const [name, prefix] of [["ASCII", "a".repeat(4090)], ["astral", "\u{1f600}".repeat(1022)], ["U+E000–U+FFFF", "\uffff".repeat(2045)]] as const) {
      for (const n of [8, 32, 33, 300]) {
        const keys = Array.from({ length: n }, (_, i) => prefix + String(i).padStart(6, "0"));
        cases.push([`${name}, ${n} in reverse`, [...keys].reverse()], [`${name}, ${n} shuffled`, shuffled(keys, n)]);
      }
    }
    for (const [name, keys] of cases) {
      const expected = [...keys].sort(compareCodePoints);
      const units = keys.reduce((sum, k) => sum + k.length, 0);
      const read = countedStringReads(() => sortByCodePoint(keys));
      expect(keys, name).toEqual(expected);
      expect(read, name).toBeLessThanOrEqual(3 * units);
    }
  });

  it("orders what the JS default sort orders the other way", () => {
    const keys = [...Array.from({ length: 40 }, (_, i) => `k${i}`), "\ue000", "\u{1f600}", "\uff5a", "\u{10000}"];
    sortByCodePoint(keys);
    expect(keys.slice(-4)).toEqual(["\ue000", "\uff5a", "\u{10000}", "\u{1f600}"]);
  });

  it("the fast path, the generated and the portable encoders write the keys in that order, and the interpreter reads them so", async () => {
    const compiled = await compilePolicy('policy "keys" version "1.0.0"\ninput { m: map<string(16), int>(80) }\npermit p when "a" in m\n');
    expect(compiled.bundle).toBeDefined();
    const { layout, schema } = compiled.bundle!.manifest as { layout: InputLayout; schema: RecordType };
    const at = 64;
    const memories = [0, 1, 2].map(() => new WebAssembly.Memory({ initial: 2, maximum: 2 }));
    const ingest = generateIngest(schema, layout, at)!(memoryWriters(memories[0]!));
    const generated = createEncoder(layout, schema, memories[1]!, at);
    const portable = createEncoder(layout, schema, memories[2]!, at, { portable: true });
    const offset = layout.root.fields.find((f) => f.name === "m")!.offset;
    /** the keys of the map block the root's field `m` points to */
    const written = (memory: WebAssembly.Memory): string[] => {
      const i32 = new Int32Array(memory.buffer);
      const u8 = new Uint8Array(memory.buffer);
      const block = i32[(at + offset) >> 2]!;
      return Array.from({ length: i32[block >> 2]! }, (_, i) => {
        const key = i32[(block + 4 + i * 12) >> 2]!;
        return Buffer.from(u8.subarray(key + 4, key + 4 + i32[key >> 2]!)).toString("utf8");
      });
    };
    fc.assert(
      fc.property(KEYS, fc.integer(), (keys, seed) => {
        const request = { m: Object.fromEntries(shuffled(keys, seed).map((k, i) => [k, i])) };
        const expected = [...keys].sort(byUtf8);
        expect(ingest(request)).not.toBe(SLOW_PATH);
        generated.encode(request);
        portable.encode(request);
        for (const memory of memories) expect(written(memory)).toEqual(expected);
        const value = requestToValue(request, schema).fields.get("m") as MapValue;
        expect([...value.entries.keys()]).toEqual(expected);
      }),
      { numRuns: 120 },
    );
  });
});
