import { describe, expect, it } from "vitest";
import { compilePortableRequestCheck, compileRequestCheck, readValidRequest, requestToValue } from "../../runtime/request.js";
import { requestDigest } from "../../runtime/trust/request-digest.js";
import { canonicalJson } from "../../runtime/trust/jcs.js";
import type { RecordType } from "../../runtime/schema.js";
import fc from "fast-check";
import { compareCodePoints, utf8Length, codePointLength, sortByCodePoint } from "../../runtime/strings.js";
import { countedStringReads } from "../support/counted-strings.js";

const schema: RecordType = {
  kind: "record",
  fields: [
    {
      name: "principal",
      optional: false,
      type: {
        kind: "record",
        fields: [
          { name: "id", optional: false, type: { kind: "string", max: 8 } },
          { name: "roles", optional: false, type: { kind: "list", max: 3, element: { kind: "string", max: 16 } } },
          { name: "clearance", optional: false, type: { kind: "int" } },
          { name: "constructor", optional: true, type: { kind: "bool" } },
        ],
      },
    },
    { name: "args", optional: false, type: { kind: "map", max: 2, keyMax: 4, value: { kind: "int" } } },
    { name: "ticket", optional: true, type: { kind: "string", max: 16 } },
  ],
};
const check = compileRequestCheck(schema);
const ok = () => ({ principal: { id: "u1", roles: ["a"], clearance: 3 }, args: { x: 1 } });

describe("request validation", () => {
  it("accepts a well-formed request, with optional fields absent or present", () => {
    expect(check(ok())).toBeUndefined();
    expect(check({ ...ok(), ticket: "T-1" })).toBeUndefined();
    expect(check({ ...ok(), principal: { ...ok().principal, clearance: 2n ** 62n } })).toBeUndefined();
  });

  const cases: [string, (r: any) => void, string, RegExp][] = [
    ["missing field", (r) => delete r.principal.clearance, "principal.clearance", /missing required field/],
    ["wrong type", (r) => (r.principal.clearance = "3"), "principal.clearance", /expected int, got a string/],
    ["non-integer", (r) => (r.principal.clearance = 1.5), "principal.clearance", /non-integer/],
    ["NaN", (r) => (r.principal.clearance = NaN), "principal.clearance", /NaN/],
    ["Infinity", (r) => (r.principal.clearance = -Infinity), "principal.clearance", /-Infinity/],
    ["beyond 2^53", (r) => (r.principal.clearance = 2 ** 60), "principal.clearance", /beyond 2\^53/],
    ["beyond int64", (r) => (r.principal.clearance = 2n ** 63n), "principal.clearance", /outside the int64 range/],
    ["list element", (r) => (r.principal.roles = ["a", 7]), "principal.roles[1]", /expected string, got the number 7/],
    ["list too long", (r) => (r.principal.roles = ["a", "b", "c", "d"]), "principal.roles", /4 elements, more than the 3/],
    ["string too long", (r) => (r.principal.id = "123456789"), "principal.id", /9 bytes long, more than the 8/],
    ["multi-byte bound", (r) => (r.principal.id = "ééééé"), "principal.id", /10 bytes long/],
    ["lone surrogate", (r) => (r.principal.id = "a\ud800"), "principal.id", /lone surrogate/],
    // up to 65,536 UTF-16 units a string over its bound is measured; beyond, refused by its length
    ["string measured", (r) => (r.principal.id = "é".repeat(65_536)), "principal.id", /: string is 131072 bytes long, more than the 8 allowed$/],
    ["long string, by its length", (r) => (r.principal.id = "é".repeat(65_537)), "principal.id", /: string is at least 65537 bytes long, more than the 8 allowed$/],
    ["long string with a lone surrogate", (r) => (r.principal.id = "\ud800".repeat(70_000)), "principal.id", /: string is at least 70000 bytes long, more than the 8 allowed$/],
    ["null is not absent", (r) => (r.ticket = null), "ticket", /expected string, got null/],
    ["unknown field", (r) => (r.principal.tenat = "x"), "principal.tenat", /unknown field `tenat`/],
    // as many keys as fields read: only the names tell the unknown one
    ["unknown field beside a non-enumerable one", (r) => (Object.defineProperty(r.principal, "id", { value: "u1", enumerable: false }), (r.principal.tenat = "x")), "principal.tenat", /unknown field `tenat`/],
    ["map value", (r) => (r.args = { x: "1" }), 'args["x"]', /expected int/],
    ["map key too long", (r) => (r.args = { toolong: 1 }), 'args["toolong"]', /key: string is 7 bytes/],
    ["map too big", (r) => (r.args = { a: 1, b: 2, c: 3 }), "args", /3 entries/],
    ["array as record", (r) => (r.principal = []), "principal", /expected a record, got a list/],
    ["class instance as record", (r) => (r.principal = new Date()), "principal", /expected a record/],
    ["inherited name is not a field", (r) => (r.principal.constructor = "x"), "principal.constructor", /expected bool/],
  ];
  const portable = compilePortableRequestCheck(schema);
  for (const [name, mutate, path, message] of cases) {
    it(`refuses ${name}, naming the field (generated and closure validators alike)`, () => {
      for (const validate of [check, portable]) {
        const r = ok();
        mutate(r);
        const e = validate(r);
        expect(e?.code).toBe("invalid_request");
        expect(e?.path).toBe(path);
        expect(e?.message).toMatch(message);
      }
    });
  }

  it("refuses a string of megabytes without reading it: no unit of the 10 MiB is read", () => {
    // measured, each check would read the 10 MiB (about 25 ms; `writ bench` checks a request a
    // thousand times and more)
    const r = ok();
    r.principal.id = "x".repeat(10 * 1024 * 1024);
    for (const validate of [check, portable]) {
      let message: string | undefined;
      expect(countedStringReads(() => void (message = validate(r)?.message))).toBe(0);
      expect(message).toBe("principal.id: string is at least 10485760 bytes long, more than the 8 allowed");
    }
    // a string short enough to be measured is read, and the count sees it
    r.principal.id = "é".repeat(100);
    for (const validate of [check, portable]) expect(countedStringReads(() => void validate(r))).toBeGreaterThanOrEqual(100);
  });

  it("refuses non-objects and __proto__ tricks without throwing", () => {
    for (const bad of [null, undefined, 1, "x", [], () => 1, Symbol("s")]) expect(check(bad)?.code).toBe("invalid_request");
    const parsed = JSON.parse('{"principal":{"id":"u","roles":[],"clearance":1},"args":{"ab":1}}');
    expect(check(parsed)).toBeUndefined();
    const protoKey = JSON.parse('{"m":{"__proto__":5}}');
    const s: RecordType = { kind: "record", fields: [{ name: "m", optional: false, type: { kind: "map", max: 2, keyMax: 16, value: { kind: "int" } } }] };
    expect(compileRequestCheck(s)(protoKey)).toBeUndefined();
    expect(requestToValue(protoKey, s).fields.get("m")).toEqual({ kind: "map", entries: new Map([["__proto__", 5n]]) });
    const polluted = JSON.parse('{"principal":{"id":"u","roles":[],"clearance":1},"args":{},"__proto__":{"ticket":"x"}}');
    expect(check(polluted)?.message).toMatch(/unknown field `__proto__`/);
  });

  it("names an unknown key that looks like an index as a field, in both validators", () => {
    const nested: RecordType = {
      kind: "record",
      fields: [
        { name: "r", optional: false, type: { kind: "record", fields: [{ name: "x", optional: false, type: { kind: "int" } }] } },
        { name: "l", optional: false, type: { kind: "list", max: 4, element: { kind: "record", fields: [] } } },
      ],
    };
    const checks = [compileRequestCheck(nested), compilePortableRequestCheck(nested)];
    for (const [request, path] of [
      [{ r: { x: 1, "[0]": 1 }, l: [] }, "r.[0]"],
      [{ r: { x: 1, '["k"]': 1 }, l: [] }, 'r.["k"]'],
      [{ r: { x: 1 }, l: [{ "[x": 1 }] }, "l[0].[x"],
      [{ r: { x: "1" }, l: [] }, "r.x"],
    ] as const) {
      for (const check of checks) expect(check(request)?.path).toBe(path);
    }
  });

  it("keeps denials short whatever the value: a huge BigInt by its size, a hole by name", () => {
    const schema: RecordType = {
      kind: "record",
      fields: [
        { name: "n", optional: false, type: { kind: "int" } },
        { name: "l", optional: false, type: { kind: "list", max: 4, element: { kind: "int" } } },
      ],
    };
    for (const check of [compileRequestCheck(schema), compilePortableRequestCheck(schema)]) {
      expect(check({ n: 10n ** 100_000n, l: [] })?.message).toBe("n: integer (a BigInt of 332193 bits) is outside the int64 range");
      expect(check({ n: -(2n ** 64n), l: [] })?.message).toBe("n: integer -18446744073709551616 is outside the int64 range");
      expect(check({ n: 1, l: [1, , 3] })?.message).toBe("l[1]: expected int, got undefined (a hole, or no value)");
    }
  });

  it("turns a throwing getter into a deny", () => {
    const r: any = ok();
    Object.defineProperty(r.principal, "id", { enumerable: true, get: () => { throw new Error("boom"); } });
    expect(check(r)?.message).toMatch(/could not be read: boom/);
  });

  it("says where a request could not be read: the member whose getter (or Proxy trap) threw", () => {
    const throwing = (message: string) => ({ enumerable: true, get: () => { throw new Error(message); } });
    const cases: [string, (r: any) => void, string][] = [
      ["a record's field", (r) => Object.defineProperty(r.principal, "id", throwing("boom")), "principal.id"],
      ["a record", (r) => Object.defineProperty(r, "args", throwing("boom")), "args"],
      ["a list element", (r) => Object.defineProperty(r.principal.roles, 0, throwing("boom")), "principal.roles[0]"],
      ["a key that is not a name", (r) => Object.defineProperty(r.args, "a b", throwing("boom")), 'args["a b"]'],
      ["a Proxy whose keys cannot be listed", (r) => (r.principal = new Proxy({}, { ownKeys: () => { throw new Error("boom"); } })), "principal"],
    ];
    for (const [what, plant, path] of cases) {
      const r: any = ok();
      plant(r);
      const read = readValidRequest(r, check);
      expect(read, what).toMatchObject({ ok: false, error: { path, message: `request could not be read at ${path}: boom` } });
      expect(requestDigest(r), what).toMatchObject({ ok: false, path, reason: "reading the value threw: boom" });
    }
    // the canonical writer called on the host's object says where too
    const r: any = ok();
    Object.defineProperty(r.principal, "id", throwing("boom"));
    expect(canonicalJson(r)).toMatchObject({ ok: false, path: "principal.id" });
    // a request too large to copy is said of the request, not of the member it was met in
    const big = { ...ok(), args: { x: new Array(2_000_000).fill(0) } };
    expect(readValidRequest(big, check)).toMatchObject({ ok: false, error: { path: "", message: expect.stringMatching(/holds more than 1000000 values/) } });
  });

  it("converts to interpreter values with map keys in code-point order", () => {
    const s: RecordType = { kind: "record", fields: [{ name: "m", optional: false, type: { kind: "map", max: 8, keyMax: 8, value: { kind: "int" } } }] };
    const v = requestToValue({ m: { "\u{1F600}": 1, "\uFFFD": 2, b: 3, a: 4 } }, s);
    expect([...(v.fields.get("m") as any).entries.keys()]).toEqual(["a", "b", "\uFFFD", "\u{1F600}"]);
  });
});

describe("string helpers", () => {
  it("orders by code point, unlike UTF-16 comparison", () => {
    expect("\u{1F600}" < "\uFFFD").toBe(true); // UTF-16 order
    expect(compareCodePoints("\u{1F600}", "\uFFFD")).toBeGreaterThan(0); // code point order
    expect(compareCodePoints("ab", "abc")).toBeLessThan(0);
    expect(compareCodePoints("b", "a")).toBeGreaterThan(0);
    expect(compareCodePoints("x", "x")).toBe(0);
  });
  it("sorts map keys by code point, few (insertion sort) or many (built-in sort) alike", () => {
    const key = fc.string({ unit: fc.constantFrom("a", "b", "é", "\uffff", "\u{1F600}", "\ue000", ""), maxLength: 3 });
    fc.assert(
      fc.property(fc.array(key, { maxLength: 40 }), (keys) => {
        const sorted = [...keys];
        sortByCodePoint(sorted);
        // the order UTF-8 bytes give, which is what the module compares
        const expected = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
        expect(sorted).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });
  it("measures UTF-8 bytes and code points", () => {
    for (const s of ["", "abc", "é", "€", "\u{1F600}", "a\u{1F600}é€"]) {
      expect(utf8Length(s)).toBe(Buffer.byteLength(s));
      expect(codePointLength(s)).toBe([...s].length);
    }
  });
});
