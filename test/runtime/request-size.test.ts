// A request is read (snapshotted) whole before the general path validates it, up to
// MAX_SNAPSHOT_VALUES values; the generated fast path reads it without a snapshot. So that both
// decide every valid request alike, the compiler refuses a schema whose largest request holds more
// (W0505), counting values as the snapshot counts them. A request that runs out of values at a list
// or map longer than its bound is refused for it, with its path, as the validator refuses it.

import { beforeAll, describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { createInterpreter } from "../../compiler/ir/interp.js";
import { loadPolicy, type LoadedPolicy } from "../../runtime/policy.js";
import { compileHostRequestCheck, MAX_SNAPSHOT_VALUES, newSnapshotBudget, snapshotPart } from "../../runtime/request.js";
import { largestRequestValues, type RecordType, type SchemaType } from "../../runtime/schema.js";

/** The largest request `t` allows: every optional field present, every list and map full. */
function fullest(t: SchemaType, at = 0): unknown {
  switch (t.kind) {
    case "bool":
      return true;
    case "int":
      return at;
    case "string":
      return "s";
    case "list":
      return Array.from({ length: t.max }, (_, i) => fullest(t.element, i));
    case "map":
      return Object.fromEntries(Array.from({ length: t.max }, (_, i) => [`k${i}`, fullest(t.value, i)]));
    case "record":
      return Object.fromEntries(t.fields.map((f) => [f.name, fullest(f.type)]));
  }
}

/** How many values the snapshot counts reading `request`. */
function snapshotCount(request: unknown): number {
  const budget = newSnapshotBudget();
  snapshotPart(request, budget);
  return MAX_SNAPSHOT_VALUES - budget.left;
}

const int: SchemaType = { kind: "int" };
const str: SchemaType = { kind: "string", max: 4 };
const record = (fields: [string, SchemaType, boolean?][]): RecordType => ({ kind: "record", fields: fields.map(([name, type, optional]) => ({ name, type, optional: optional ?? false })) });

describe("the largest request of a schema", () => {
  it("holds as many values as the snapshot counts reading it", () => {
    const schemas: RecordType[] = [
      record([]),
      record([["n", int]]),
      record([["l", { kind: "list", element: int, max: 7 }], ["s", str, true]]),
      record([["m", { kind: "map", keyMax: 4, max: 3, value: { kind: "list", element: str, max: 2 } }], ["b", { kind: "bool" }, true]]),
      record([["items", { kind: "list", max: 4, element: record([["a", int], ["tags", { kind: "list", element: str, max: 3 }], ["o", record([["x", int, true]]), true]]) }]]),
      record([["e", { kind: "list", element: { kind: "list", element: int, max: 5 }, max: 0 }], ["n", int]]),
    ];
    for (const schema of schemas) expect(largestRequestValues(schema), JSON.stringify(schema)).toBe(snapshotCount(fullest(schema)));
  });

  it("is refused by the compiler (W0505) when it holds more than a request may, at the input block", async () => {
    const source = (n: number) => `policy "p" version "1"\ninput { l: list<int>(${n}), s: string(30) }\npermit ok when size(l) > 0\n`;
    // 1 (the request) + 1 (l) + n (its ints) + 1 (s)
    const over = await compilePolicy(source(1_048_576), { stopAfter: "check" });
    expect(over.diagnostics.map((d) => d.code)).toEqual(["W0505"]);
    const d = over.diagnostics[0]!;
    expect(source(1_048_576).slice(d.span.start, d.span.end)).toBe("input { l: list<int>(1048576), s: string(30) }");
    expect(d.message).toBe(
      "the largest request this input block allows holds 1,048,579 values (every list and map full, every optional field present), more than the 1,000,000 a request may hold; `l` alone holds 1,048,577",
    );
    expect((await compilePolicy(source(999_998), { stopAfter: "check" })).diagnostics.map((x) => x.code)).toEqual(["W0505"]);
    expect((await compilePolicy(source(999_997), { stopAfter: "check" })).diagnostics).toEqual([]);
    // a list that is always empty holds nothing, however large its elements could be
    let deep = "int";
    for (let k = 0; k < 60; k++) deep = `list<${deep}>(1048576)`;
    expect((await compilePolicy(`policy "p" version "1"\ninput { e: list<${deep}>(0), n: int }\npermit ok when n > 0\n`, { stopAfter: "check" })).diagnostics).toEqual([]);
  });
});

describe("the largest request a schema may have", () => {
  let policy: LoadedPolicy;
  let interpreter: ReturnType<typeof createInterpreter>;
  beforeAll(async () => {
    // 1 + (1 + 999,997) + 1 = 1,000,000 values: as many as a request may hold
    const r = await compilePolicy(`policy "p" version "1"\ninput { l: list<int>(999997), s: string(30) }\npermit ok when size(l) > 0\n`, { optimize: false });
    if (!r.bundle || !r.checked) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
    policy = loadPolicy(r.bundle, { allowUnsigned: true });
    interpreter = createInterpreter(r.checked.ir, r.checked.errorSites);
  }, 60_000);

  it("is decided alike by the fast path, the general path and the interpreter", () => {
    const l = new Array(999_997).fill(1);
    const allow = { decision: "allow", rules: ["ok"], errors: [] };
    // a BigInt element sends the request the general path (snapshot, validator, encoder)
    const withBigInt = [1n, ...l.slice(1)];
    for (const list of [l, withBigInt]) {
      expect(policy.decide({ l: list, s: "short" })).toEqual(allow);
      expect(interpreter.decide({ l: list, s: "short" })).toEqual(allow);
    }
    // one more element than the bound: refused for the list by both, not as a request too large
    const over = { l: new Array(1_000_001).fill(1), s: "short" };
    const refused = { decision: "deny", rules: [], errors: [{ rule: null, code: "invalid_request", path: "l", message: "l: list has 1000001 elements, more than the 999997 allowed" }] };
    expect(policy.decide(over)).toEqual(refused);
    expect(interpreter.decide(over)).toEqual(refused);
  });
});

describe("a request too large to read", () => {
  const schema = record([["l", { kind: "list", element: int, max: 10 }], ["m", { kind: "map", keyMax: 16, max: 10, value: int }]]);
  const check = compileHostRequestCheck(schema);

  it("is refused for the list or map longer than its bound it stopped at, with its path", () => {
    expect(check({ l: new Array(1_000_000).fill(0), m: {} })).toEqual({ rule: null, code: "invalid_request", path: "l", message: "l: list has 1000000 elements, more than the 10 allowed" });
    expect(check({ l: new Array(2 ** 32 - 1), m: {} })).toMatchObject({ path: "l", message: "l: list has 4294967295 elements, more than the 10 allowed" });
    const m: Record<string, number> = {};
    for (let i = 0; i <= MAX_SNAPSHOT_VALUES; i++) m[`k${i}`] = i;
    expect(check({ l: [], m })).toEqual({ rule: null, code: "invalid_request", path: "m", message: "m: map has 1000001 entries, more than the 10 allowed" });
  });

  it("is refused for the kind it is not where it stopped at a list or object of another kind", () => {
    const huge = new Array(2 ** 32 - 1);
    const keys: Record<string, number> = {};
    for (let i = 0; i <= MAX_SNAPSHOT_VALUES; i++) keys[`k${i}`] = i;
    expect(check({ l: [], m: huge })).toEqual({ rule: null, code: "invalid_request", path: "m", message: "m: expected map, got a list" });
    expect(check({ l: keys, m: {} })).toEqual({ rule: null, code: "invalid_request", path: "l", message: "l: expected list, got an object" });
    expect(check({ l: [huge], m: {} })).toMatchObject({ path: "l[0]", message: "l[0]: expected int, got a list" });
    expect(check(huge)).toMatchObject({ path: "", message: "expected a record, got a list" });
  });

  it("is refused as too large where no list or map it stopped at is beyond its bound", () => {
    // ten lists of 10 are within their bound; the unknown field's values are what run out
    const junk = { l: new Array(10).fill(0), m: {}, x: new Array(1_000_000).fill(0) };
    expect(check(junk)).toMatchObject({ path: "", message: expect.stringMatching(/holds more than 1000000 values/) });
  });
});
