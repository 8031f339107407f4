// The reference interpreter's macro variables (compiler/ir/interp.ts): bound and unbound in one scope
// for the whole evaluation. Two properties:
// * on random nests of macros whose variables reuse one another's names and the input fields' names
//   (an inner `x` hiding an outer one, a variable named `l` hiding the list `l`, the outer variable
//   read again once the inner macro is done), with divisions and indexes that fail inside them, the
//   module returns the interpreter's Decision;
// * the interpreter's work per macro step does not grow with the nesting depth: the Map entries it
//   sets, counted through Map.prototype.set (which `new Map(map)` calls for each entry it copies, so
//   a scope copied per comprehension counts every entry of it), are proportional to the steps at
//   depth 30 and at depth 90 alike.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Draw } from "../support/arbitraries/index.js";
import { checkProperty } from "../support/arbitraries/replay.js";
import { compilePolicy } from "../../compiler/driver.js";
import { createInterpreter } from "../../compiler/ir/interp.js";
import { compilePair, decideBoth, show } from "../fuzz/differential.js";

const RUNS = 6; // policies (compiles) at CI size
const RULES = 12; // permits per policy: each one's outcome is in the Decision
const REQUESTS = 60; // decisions per policy

type Kind = "int" | "list";
/** What a name means where an expression is drawn: the input's fields, then the macro variables over them. */
type Scope = ReadonlyMap<string, Kind>;

const INPUT: Scope = new Map<string, Kind>([
  ["l", "list"],
  ["n", "int"],
]);
/** a macro's variable: often a name already bound (by an outer macro or the input) */
const VARIABLES = ["x", "y", "l", "n"];

const namesOf = (scope: Scope, kind: Kind): string[] => [...scope].filter(([, k]) => k === kind).map(([name]) => name);

function intExpr(d: Draw, scope: Scope, depth: number): string {
  const names = namesOf(scope, "int");
  const leaf = (): string => (names.length > 0 && d.chance(0.7) ? d.pick(names) : String(d.int(-1, 3)));
  if (depth <= 0) return leaf();
  return d.weighted<() => string>([
    [4, leaf],
    [2, () => `(${intExpr(d, scope, depth - 1)} + ${intExpr(d, scope, depth - 1)})`],
    [1, () => `(6 / (${intExpr(d, scope, depth - 1)} - ${intExpr(d, scope, depth - 1)}))`], // division_by_zero
    [1, () => `${listExpr(d, scope, depth - 1)}[${intExpr(d, scope, depth - 1)}]`], // index_out_of_range
    [1, () => `size(${listExpr(d, scope, depth - 1)})`],
  ])();
}

function listExpr(d: Draw, scope: Scope, depth: number): string {
  const names = namesOf(scope, "list");
  const leaf = (): string => (names.length > 0 && d.chance(0.8) ? d.pick(names) : `[${intExpr(d, scope, 0)}, ${intExpr(d, scope, 0)}]`);
  if (depth <= 0) return leaf();
  return d.weighted<() => string>([
    [4, leaf],
    [1, () => macro(d, scope, depth, "filter", (inner) => boolExpr(d, inner, depth - 1))],
    [1, () => macro(d, scope, depth, "map", (inner) => intExpr(d, inner, depth - 1))],
  ])();
}

function boolExpr(d: Draw, scope: Scope, depth: number): string {
  const compare = (): string => `(${intExpr(d, scope, depth - 1)} ${d.pick(["==", "!=", "<"])} ${intExpr(d, scope, depth - 1)})`;
  if (depth <= 0) return compare();
  return d.weighted<() => string>([
    [2, compare],
    [1, () => `(${intExpr(d, scope, depth - 1)} in ${listExpr(d, scope, depth - 1)})`],
    [4, () => macro(d, scope, depth, d.pick(["all", "exists", "exists_one"]), (inner) => boolExpr(d, inner, depth - 1))],
    // a macro, then what its variable's name meant outside it
    [2, () => `(${boolExpr(d, scope, depth - 1)} ${d.pick(["&&", "||"])} ${boolExpr(d, scope, depth - 1)})`],
  ])();
}

/** macro variables drawn with a name already bound where they are (by an outer macro or the input) */
let hiding = 0;

function macro(d: Draw, scope: Scope, depth: number, name: string, body: (inner: Scope) => string): string {
  const range = listExpr(d, scope, depth - 1);
  const v = d.pick(VARIABLES);
  if (scope.has(v)) hiding++;
  const inner = new Map(scope).set(v, "int");
  return `${range}.${name}(${v}, ${body(inner)})`;
}

function policyText(d: Draw): string {
  const rules = Array.from({ length: RULES }, (_, i) => `permit r${i} when ${boolExpr(d, INPUT, d.int(2, 5))}`);
  return `policy "scope" version "1.0.0"\ninput { l: list<int>(4), n: int }\n${rules.join("\n")}\n`;
}

function request(d: Draw): unknown {
  return { l: Array.from({ length: d.int(0, 4) }, () => d.int(-1, 3)), n: d.int(-1, 3) };
}

describe("the interpreter's macro variables", () => {
  it(`decide as the module does on ${RUNS} policies of nested macros reusing names × ${REQUESTS} requests`, async () => {
    const stats = { decisions: 0, allowed: 0, errors: 0 };
    hiding = 0;
    const property = fc.asyncProperty(fc.gen(), async (g) => {
      const d = Draw.seeded(new Draw(g).seed());
      const text = policyText(d);
      const pair = await compilePair(text);
      for (let i = 0; i < REQUESTS; i++) {
        const r = request(d);
        const both = decideBoth(pair, r);
        if (both.difference !== undefined) throw new Error(`${text}\nrequest ${show(r)}\n${both.difference}`);
        stats.decisions++;
        stats.allowed += both.interp.rules.length;
        stats.errors += both.interp.errors.length;
      }
    });
    await checkProperty(property, RUNS, "test/proof/macro-scope.test.ts", { endOnFailure: true });
    expect(stats.decisions).toBe(RUNS * REQUESTS);
    expect(hiding).toBeGreaterThan(RUNS * 2);
    expect(stats.allowed).toBeGreaterThan(stats.decisions / 4);
    expect(stats.errors).toBeGreaterThan(stats.decisions / 20);
  }, 300_000);

  /** `l.exists(x, [1].exists(a1, … [depth].exists(a<depth>, x == -1)))`: each level a few cost units. */
  const nest = (depth: number): string => {
    let s = "x == -1";
    for (let k = depth; k >= 1; k--) s = `[${k}].exists(a${k}, ${s})`;
    return `l.exists(x, ${s})`;
  };

  /** The Map entries one interpreter decision sets, and the policy's cost bound. */
  async function entriesSet(depth: number, n: number): Promise<{ sets: number; cost: number }> {
    const compiled = await compilePolicy(`policy "nest" version "1.0.0"\ninput { l: list<int>(${n}) }\npermit p when ${nest(depth)}\n`, { stopAfter: "cost" });
    expect(compiled.diagnostics).toEqual([]);
    const interpreter = createInterpreter(compiled.ir!, compiled.checked!.errorSites);
    const req = { l: Array.from({ length: n }, (_, i) => i) };
    const set = Map.prototype.set;
    let sets = 0;
    Map.prototype.set = function <K, V>(this: Map<K, V>, key: K, value: V): Map<K, V> {
      sets++;
      return set.call(this, key, value) as Map<K, V>;
    };
    let decision: unknown;
    try {
      decision = interpreter.decide(req);
    } finally {
      Map.prototype.set = set;
    }
    expect(decision).toMatchObject({ decision: "deny", errors: [] });
    return { sets, cost: compiled.costBound! };
  }

  it("take work per cost unit that does not grow with the macros' nesting depth (30 and 90 deep)", async () => {
    const n = 40;
    const shallow = await entriesSet(30, n);
    const deep = await entriesSet(90, n);
    // one binding per element of each macro: a level's one element, and l's n at the top
    expect(shallow.sets).toBeGreaterThanOrEqual(n * 30);
    expect(deep.sets).toBeGreaterThanOrEqual(n * 90);
    // a scope copied per comprehension sets about depth / 2 entries per level (15 and 45 here)
    expect(shallow.sets / shallow.cost).toBeLessThan(1);
    expect(deep.sets / deep.cost).toBeLessThan(1);
    expect(deep.sets / deep.cost).toBeLessThan((1.2 * shallow.sets) / shallow.cost);
  });
});
