// The cost bound (docs/language.md, "Cost") bounds the work of every decision, the module's checks
// of the request included (docs/abi.md, "What the module refuses"). Each policy here reads, inside a
// macro, a map or a list whose check walks it, reached through an optional record, a list element or
// a map value; each request is the costliest those bounds allow for the check (map keys alike but
// for their last bytes, which the check of their order compares byte by byte). A decision's loads
// from memory, counted (test/support/counted-work.ts), must stay within a few per unit of the
// bound. When such a value was checked again at every read, these decisions made 28 to 990 loads
// per unit (the first policy, at larger bounds, took 1.8 s a decision in the module and 13 ms in
// the interpreter).

import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { createInterpreter } from "../../compiler/ir/interp.js";
import { loadPolicy } from "../../runtime/policy.js";
import { alikeKeys, countedModule, LOADS_PER_UNIT } from "../support/counted-work.js";

const ints = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const mapOf = (keys: readonly string[]): Record<string, number> => Object.fromEntries(keys.map((k, i) => [k, i]));

interface Case {
  readonly name: string;
  readonly input: string;
  readonly rules: readonly string[];
  readonly request: unknown;
}

const K = 1024;
const M = 8;

const cases: Case[] = [
  {
    name: "a map in an optional record",
    input: `l: list<int>(100)\n  o?: { m: map<string(${K}), int>(${M}) }`,
    rules: [`permit p when l.exists(i, "k" in o.m)`],
    request: { l: ints(100), o: { m: mapOf(alikeKeys(M, K)) } },
  },
  {
    name: "a list of bools in an optional record",
    input: `l: list<int>(300)\n  o?: { flags: list<bool>(300) }`,
    rules: [`permit p when l.exists(i, o.flags[0] && i < 0)`],
    request: { l: ints(300), o: { flags: Array<boolean>(300).fill(true) } },
  },
  {
    name: "a map in records of a list",
    input: `l: list<int>(50)\n  items: list<{ m: map<string(${K}), int>(${M}) }>(8)`,
    rules: [`permit p when l.exists(i, items.exists(x, "k" in x.m))`],
    request: { l: ints(50), items: Array.from({ length: 8 }, () => ({ m: mapOf(alikeKeys(M, K)) })) },
  },
  {
    name: "a map in records that are a map's values",
    input: `l: list<int>(100)\n  groups: map<string(8), { m: map<string(${K}), int>(${M}) }>(4)`,
    rules: [`permit p when l.exists(i, "k" in groups["g"].m)`],
    request: { l: ints(100), groups: { g: { m: mapOf(alikeKeys(M, K)) }, h: { m: mapOf(alikeKeys(M, K)) } } },
  },
  {
    name: "a map in an optional record inside an optional record",
    input: `l: list<int>(100)\n  a?: { b?: { m: map<string(${K}), int>(${M}) } }`,
    rules: [`permit p when l.exists(i, "k" in a.b.m)`],
    request: { l: ints(100), a: { b: { m: mapOf(alikeKeys(M, K)) } } },
  },
  {
    name: "an optional map in records of a list, read by several rules",
    input: `l: list<int>(50)\n  items: list<{ n: int, m?: map<string(${K}), int>(${M}) }>(8)`,
    rules: [
      `permit p when l.exists(i, items.exists(x, has(x.m) && "k" in x.m))`,
      `permit q when l.exists(i, items.exists(x, x.n == i && "j" in x.m))`,
      `forbid f when l.exists(i, items.exists(x, has(x.m) && size(x.m) > 99))`,
    ],
    request: { l: ints(50), items: Array.from({ length: 8 }, (_, n) => (n % 2 ? { n } : { n, m: mapOf(alikeKeys(M, K)) })) },
  },
];

const policyOf = (c: Case): string => `policy "work" version "1"\ninput {\n  ${c.input}\n}\n${c.rules.join("\n")}\n`;

describe("a decision's work, input checks included, is within its cost bound", () => {
  it.each(cases.map((c) => [c.name, c] as const))("%s, read inside a macro", async (_, c) => {
    const compiled = await compilePolicy(policyOf(c), { optimize: false });
    expect(compiled.diagnostics).toEqual([]);
    const bundle = compiled.bundle!;
    const { loads, verdict } = countedModule(bundle).decide(c.request);
    // the counted module decides as the runtime and the interpreter do
    const decision = loadPolicy(bundle, { allowUnsigned: true }).decide(c.request);
    expect(decision).toEqual(createInterpreter(compiled.ir!, compiled.checked!.errorSites).decide(c.request));
    expect(verdict).toBe(decision.decision === "allow" ? 1 : 0);
    const bound = compiled.costBound!;
    expect(loads, `${loads} loads for a cost bound of ${bound}`).toBeLessThanOrEqual(LOADS_PER_UNIT * bound);
  }, 120_000);
});
