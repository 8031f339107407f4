// `==`, `!=` and `in` compare lists and maps level by level: the module's eq_N helpers call one
// another, one a level, and the interpreter's valuesEqual recurses. The cost bound (docs/language.md,
// "Cost") must count each level, not only the elements at the bottom: a list of one list of one ...
// of an int is as costly to compare as it is deep. Each policy here compares values nested 95 deep
// inside a macro, with a request that makes every comparison walk to the bottom (values alike but
// for their innermost int, or equal) and every macro run to its end. A decision's loads from memory,
// counted (test/support/counted-work.ts), must stay within a few per unit of the bound. When a nested
// list weighed as its elements alone, these decisions made 90 and more loads per unit.

import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { createInterpreter } from "../../compiler/ir/interp.js";
import { loadPolicy } from "../../runtime/policy.js";
import { countedModule, LOADS_PER_UNIT } from "../support/counted-work.js";

const DEPTH = 95;
const TURNS = 20;

/** `list<list<…list<int>(1)…>(1)>(1)`, `depth` lists deep */
const nestedType = (depth: number): string => Array.from({ length: depth }).reduce<string>((t) => `list<${t}>(1)`, "int");
/** `[[…[leaf]…]]`, `depth` lists deep */
const nested = (depth: number, leaf: number): unknown => Array.from({ length: depth }).reduce<unknown>((v) => [v], leaf);
const ints = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

interface Case {
  readonly name: string;
  readonly input: string;
  readonly rule: string;
  readonly request: unknown;
}

const T = nestedType(DEPTH);

const cases: Case[] = [
  {
    name: "membership in a list of nested lists",
    input: `a: ${T}\n  bs: list<${T}>(8)\n  zs: list<int>(${TURNS})`,
    // each element but the last differs from a only at the bottom; a is the last
    rule: "permit p when zs.all(z, a in bs) && size(zs) < 0",
    request: { a: nested(DEPTH, 7), bs: [...ints(7).map((k) => nested(DEPTH, 100 + k)), nested(DEPTH, 7)], zs: ints(TURNS) },
  },
  {
    name: "equality of nested lists",
    input: `a: ${T}\n  b: ${T}\n  zs: list<int>(${TURNS})`,
    rule: "permit p when zs.all(z, a == b) && size(zs) < 0",
    request: { a: nested(DEPTH, 7), b: nested(DEPTH, 7), zs: ints(TURNS) },
  },
  {
    name: "inequality of nested lists",
    input: `a: ${T}\n  b: ${T}\n  zs: list<int>(${TURNS})`,
    rule: "permit p when zs.exists(z, a != b)",
    request: { a: nested(DEPTH, 7), b: nested(DEPTH, 7), zs: ints(TURNS) },
  },
  {
    name: "equality of maps whose values are nested lists",
    input: `m: map<string(4), ${T}>(2)\n  n: map<string(4), ${T}>(2)\n  zs: list<int>(${TURNS})`,
    rule: "permit p when zs.all(z, m == n) && size(zs) < 0",
    request: { m: { k1: nested(DEPTH, 1), k2: nested(DEPTH, 2) }, n: { k1: nested(DEPTH, 1), k2: nested(DEPTH, 2) }, zs: ints(TURNS) },
  },
  {
    name: "membership of a map in a list of maps of nested lists",
    input: `m: map<string(4), ${T}>(1)\n  ms: list<map<string(4), ${T}>(1)>(4)\n  zs: list<int>(${TURNS})`,
    rule: "permit p when zs.all(z, m in ms) && size(zs) < 0",
    request: { m: { k: nested(DEPTH, 7) }, ms: [...ints(3).map((k) => ({ k: nested(DEPTH, 100 + k) })), { k: nested(DEPTH, 7) }], zs: ints(TURNS) },
  },
];

const policyOf = (c: Case): string => `policy "compare" version "1"\ninput {\n  ${c.input}\n}\n${c.rule}\n`;

describe("a comparison of nested lists and maps is within its cost bound", () => {
  it.each(cases.map((c) => [c.name, c] as const))("%s, 95 deep", async (_, c) => {
    const compiled = await compilePolicy(policyOf(c), { optimize: false, maxCost: 1e12 });
    expect(compiled.diagnostics).toEqual([]);
    const bundle = compiled.bundle!;
    const { loads, verdict } = countedModule(bundle).decide(c.request);
    // the counted module decides as the runtime and the interpreter do: nothing matches
    const decision = loadPolicy(bundle, { allowUnsigned: true }).decide(c.request);
    expect(decision).toEqual(createInterpreter(compiled.ir!, compiled.checked!.errorSites).decide(c.request));
    expect(decision).toMatchObject({ decision: "deny", rules: [], errors: [] });
    expect(verdict).toBe(0);
    const bound = compiled.costBound!;
    // each turn compares at least once, every level: the loads are of the comparisons, not of the rest
    expect(loads).toBeGreaterThan(TURNS * DEPTH * 4);
    expect(loads, `${loads} loads for a cost bound of ${bound}`).toBeLessThanOrEqual(LOADS_PER_UNIT * bound);
  }, 120_000);
});
