// The per-schema canonical writer (runtime/trust/jcs-codegen.ts) may decline any request, but what
// it writes must be exactly RFC 8785 as canonicalJson writes it, and the copy it reads (what signing
// decides) must have that very canonical form. Checked on random schemas with valid,
// mutated and arbitrary requests; on member names whose UTF-16 order differs from their code-point
// order or that need escaping; on the benchmark mix; and through requestDigest.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RecordType } from "../../runtime/schema.js";
import { canonicalJson } from "../../runtime/trust/jcs.js";
import { canonicalReaderFor, canonicalWriterSource } from "../../runtime/trust/jcs-codegen.js";
import { requestDigest } from "../../runtime/trust/request-digest.js";
import { generateMix } from "../../bench/mix.js";
import { Draw, drawMutation, drawRequest, drawSchema } from "../support/arbitraries/index.js";

const REQUEST_JSON = { bigint: "safe-number" } as const;

/**
 * The writer answers canonicalJson's text, or nothing; the reader answers the same text and a copy of
 * what it read whose canonical form is that text (the request that is decided is the one digested).
 * Returns whether it answered.
 */
function agrees(schema: RecordType, request: unknown): boolean {
  const read = canonicalReaderFor(schema)!(request);
  if (read === undefined) return false;
  const { text } = read;
  const reference = canonicalJson(request, REQUEST_JSON);
  expect(reference.ok).toBe(true);
  expect(text).toBe(reference.ok ? reference.text : undefined);
  expect(read.data).not.toBe(request); // a copy
  expect(canonicalJson(read.data, REQUEST_JSON)).toEqual({ ok: true, text });
  return true;
}

/** in a `u` regular expression a surrogate pair is one code point: only a lone surrogate is `Cs` */
const wellFormed = (s: string): boolean => !/\p{Cs}/u.test(s);

/** A value of JSON's own kinds: no BigInt, no lone surrogate in a string or a member name. */
function isPlain(v: unknown): boolean {
  if (typeof v === "bigint") return false;
  if (typeof v === "string") return wellFormed(v);
  if (Array.isArray(v)) return v.every(isPlain);
  if (typeof v === "object" && v !== null) return Object.entries(v).every(([k, x]) => wellFormed(k) && isPlain(x));
  return true;
}

describe("canonical writer generated from the request schema", () => {
  it("writes canonicalJson's text for every request it answers, and answers every plain valid one", () => {
    let plain = 0;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.array(fc.anything(), { maxLength: 4 }), (seed, junk) => {
        const d = Draw.seeded(seed);
        const schema = drawSchema(d, { maxDepth: 3, maxFields: 5 });
        expect(canonicalReaderFor(schema)).toBeDefined();
        // declining is allowed, not the rule: a valid request without BigInts or lone surrogates is written
        const request = drawRequest(d, schema);
        const answered = agrees(schema, request);
        if (isPlain(request)) {
          plain++;
          expect(answered, `declined a valid request without BigInts or lone surrogates: ${JSON.stringify(request)}`).toBe(true);
        }
        for (let i = 0; i < 8; i++) agrees(schema, drawMutation(d, schema).request);
        for (const j of junk) agrees(schema, j);
      }),
      { numRuns: 400 },
    );
    // about three valid requests in five are plain (240 of 400 seen); a few dozen at least, whatever the seed
    expect(plain).toBeGreaterThan(40);
  });

  it("orders members by UTF-16 code units and escapes names and values as RFC 8785 does", () => {
    const names = ["ｚ", "😀", "\ue000", "a", 'q"uote', "new\nline", "B", "é"];
    const schema: RecordType = {
      kind: "record",
      fields: names.map((name, i) => ({ name, optional: i % 2 === 1, type: i % 3 === 0 ? { kind: "string", max: 64 } : { kind: "int" } })),
    };
    const full = Object.fromEntries(names.map((n, i) => [n, i % 3 === 0 ? `v"\\\u0001\u001f${n}` : i - 3]));
    expect(agrees(schema, full)).toBe(true);
    // optional members absent, -0, 1e21 and a fraction in an int field (invalid, yet digested as sent)
    const partial = Object.fromEntries(names.filter((_, i) => i % 2 === 0).map((n, i) => [n, i % 3 === 0 ? "x" : [-0, 1e21, 0.5][i % 3]]));
    expect(agrees(schema, partial)).toBe(true);
  });

  it("declines what it cannot vouch for, and canonicalJson then has the last word", () => {
    const schema: RecordType = {
      kind: "record",
      fields: [
        { name: "s", optional: false, type: { kind: "string", max: 16 } },
        { name: "n", optional: true, type: { kind: "int" } },
        { name: "m", optional: true, type: { kind: "map", value: { kind: "list", element: { kind: "bool" }, max: 4 }, max: 4, keyMax: 8 } },
      ],
    };
    const reader = canonicalReaderFor(schema)!;
    const write = (request: unknown) => reader(request)?.text;
    expect(write({ s: "a", n: 1, m: { b: [true], a: [false, true] } })).toBe('{"m":{"a":[false,true],"b":[true]},"n":1,"s":"a"}');
    const declined: unknown[] = [
      { s: "a", extra: 1 }, // an unknown member belongs in the digest
      { s: "\ud800" }, // a lone surrogate has no JSON form
      { s: "a", n: 5n }, // BigInts: canonicalJson decides
      { s: "a", n: NaN },
      { s: "a", n: undefined }, // present as undefined: canonicalJson refuses
      { n: 1 }, // a required member missing
      Object.assign(Object.create({ inherited: 1 }), { s: "a" }),
      { s: "a", m: { k: [true, , false] } }, // eslint-disable-line no-sparse-arrays
      new Proxy({ s: "a" }, { get: () => { throw new Error("no"); } }),
      [],
      // an array holding the member, whose prototype was set to Object.prototype: a list, never a record
      Object.setPrototypeOf(Object.assign([], { s: "a" }), Object.prototype),
      null,
      "s",
    ];
    for (const r of declined) expect(write(r)).toBeUndefined();
    // a non-enumerable own member shadowing a field is not part of the JSON: declined, not written
    const hidden = Object.defineProperty({ s: "a" }, "n", { value: 3, enumerable: false });
    expect(write(hidden)).toBeUndefined();
    expect(canonicalJson(hidden, REQUEST_JSON)).toEqual({ ok: true, text: '{"s":"a"}' });
    // and beside an unknown member, as many keys as members read: declined all the same
    const hiddenAndUnknown = Object.defineProperty({ s: "a", x: 1 }, "n", { value: 3, enumerable: false });
    expect(write(hiddenAndUnknown)).toBeUndefined();
    expect(canonicalJson(hiddenAndUnknown, REQUEST_JSON)).toEqual({ ok: true, text: '{"s":"a","x":1}' });
  });

  it.each([3, 12, 13, 40])("declines unknown and non-enumerable members however they pair up (%i fields)", (width) => {
    // either side of MAX_CHAINED_FIELDS (record-keys.ts): a chain of compares, then a Set
    const names = Array.from({ length: width }, (_, i) => `f${i}`);
    const schema: RecordType = { kind: "record", fields: names.map((name) => ({ name, optional: false, type: { kind: "int" } })) };
    const reader = canonicalReaderFor(schema)!;
    const full = () => Object.fromEntries(names.map((n, i) => [n, i])) as Record<string, unknown>;
    const hide = (r: Record<string, unknown>, name: string) => Object.defineProperty(r, name, { value: 1, enumerable: false });
    const last = names[width - 1]!;
    const text = canonicalJson(full(), REQUEST_JSON);
    expect(reader(full())?.text).toBe(text.ok ? text.text : "");
    expect(reader(Object.fromEntries(names.map((n, i) => [n, i]).reverse()))?.text).toBe(text.ok ? text.text : "");
    for (const declined of [{ ...full(), extra: 1 }, hide(full(), last), hide({ ...full(), extra: 1 }, names[0]!), hide({ ...full(), [`${last}x`]: 1 }, last)])
      expect(reader(declined)).toBeUndefined();
  });

  it("reads a record's prototype as it is, not through a `__proto__` the object holds itself", () => {
    // An own `__proto__` data property answering Object.prototype hides the real one from a
    // `v.__proto__` read: a Date, Map or class instance would be written as a plain record, and its
    // digest signed where canonicalJson (and verifyArtifact's request check) says it has no JSON form.
    const schema: RecordType = { kind: "record", fields: [{ name: "a", optional: false, type: { kind: "int" } }] };
    const outer: RecordType = { kind: "record", fields: [{ name: "r", optional: false, type: schema }] };
    const disguised = <T extends object>(o: T): T => Object.assign(Object.defineProperty(o, "__proto__", { value: Object.prototype, enumerable: false }), { a: 1 });
    for (const [s, request] of [
      [schema, disguised(new Date(0))],
      [schema, disguised(new Map())],
      [outer, { r: disguised(new (class Point {})()) }],
    ] as const) {
      expect(canonicalJson(request, REQUEST_JSON)).toMatchObject({ ok: false });
      expect(canonicalReaderFor(s)!(request)).toBeUndefined();
      expect(requestDigest(request, "native", s)).toEqual(requestDigest(request, "native"));
    }
    // a plain record with the same own `__proto__` is a plain record still (not enumerable, JSON leaves it out)
    expect(agrees(schema, disguised({}))).toBe(true);
  });

  it("has no writer for schemas with inherited member names or a malformed shape", () => {
    const int = { kind: "int" } as const;
    expect(canonicalWriterSource({ kind: "record", fields: [{ name: "constructor", optional: false, type: int }] })).toBeUndefined();
    expect(canonicalWriterSource({ kind: "record", fields: [{ name: "__proto__", optional: false, type: int }] })).toBeUndefined();
    expect(canonicalWriterSource({ kind: "record", fields: [{ name: "a", optional: false, type: { kind: "float" } as never }] })).toBeUndefined();
    expect(canonicalWriterSource({ kind: "record", fields: [{ name: "a", optional: false, type: int }, { name: "a", optional: false, type: int }] })).toBeUndefined();
    expect(canonicalWriterSource({ kind: "record" } as never)).toBeUndefined();
    expect(canonicalReaderFor(null as never)).toBeUndefined();
  });

  it("keeps hostile member names inert", () => {
    const name = '"]; globalThis.pwned = 1; //\u2028';
    const schema: RecordType = { kind: "record", fields: [{ name, optional: false, type: { kind: "int" } }] };
    expect(agrees(schema, { [name]: 7 })).toBe(true);
    expect((globalThis as Record<string, unknown>).pwned).toBeUndefined();
  });

  it("writes every request of the benchmark mix, and requestDigest gives the same digest with or without the schema", async () => {
    const { readFileSync } = await import("node:fs");
    const { compilePolicy } = await import("../../compiler/driver.js");
    const result = await compilePolicy(readFileSync("bench/policies/agent-governance.writ", "utf8"), { stopAfter: "check" });
    const schema = result.ir!.schema;
    for (const request of generateMix()) {
      expect(agrees(schema, request)).toBe(true);
      expect(requestDigest(request, "native", schema)).toEqual(requestDigest(request, "native"));
    }
    // a request the writer declines is digested by the general path, refusals included
    expect(requestDigest({ principal: 1n << 60n }, "native", schema)).toEqual(requestDigest({ principal: 1n << 60n }, "native"));
  });
});
