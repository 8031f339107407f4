// The checker looks a field up at every read of it: by name, in an index made once per record type
// (runtime/field-named.ts). It searched the fields at each read, and a rule reading the last of
// 20,000 fields 20,000 times took 11 s to check. The work is counted here in reads of the fields'
// elements, which an index reads once each and a search one by one.

import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../compiler/syntax/index.js";
import { ExpressionChecker } from "../../compiler/check/expr.js";
import type { Diagnostic } from "../../compiler/diagnostics.js";
import type { IRType } from "../../compiler/ir/ir.js";
import { countFieldReads } from "../support/counted-fields.js";

const FIELDS = 2_000;
const READS = 500;

const ints = (prefix: string) => Array.from({ length: FIELDS }, (_, i) => ({ name: `${prefix}${i}`, optional: true, type: { kind: "int" } as IRType }));
const inputType = (): Extract<IRType, { kind: "record" }> => ({ kind: "record", fields: [...ints("f"), { name: "r", optional: false, type: { kind: "record", fields: ints("g") } }] });

/** Checks `condition` against the input { f0 … f1999, r: { g0 … g1999 } } (all optional ints). */
function check(condition: string) {
  const parsed = parsePolicy({ name: "p.writ", text: `policy "p" version "1"\ninput { a: int }\npermit p when ${condition}\n` });
  expect(parsed.diagnostics).toEqual([]);
  const type = inputType();
  const counted = countFieldReads(type);
  const diagnostics: Diagnostic[] = [];
  new ExpressionChecker(type, new Map(), diagnostics).checkCondition(parsed.ast.rules[0]!.condition!);
  return { reads: counted.reads, diagnostics };
}

/** A condition using `term` n times, as elements of one list. */
const times = (n: number, term: string) => `[${Array(n).fill(term).join(", ")}].size() > 0`;

describe("the checker's work in looking fields up", () => {
  it.each([
    ["a field of the input by name", `f${FIELDS - 1}`],
    ["a field of a record", `r.g${FIELDS - 1}`],
    ["has() of a field of the input", `has(f${FIELDS - 1})`],
    ["has() of a field of a record", `has(r.g${FIELDS - 1})`],
  ])("grows with the fields and the reads, not their product: %s", (_, term) => {
    const { reads, diagnostics } = check(times(READS, term));
    expect(diagnostics).toEqual([]);
    // each field read once or twice to index its record type; a few more reads at most for each use
    expect(reads).toBeLessThan(2 * (2 * FIELDS) + 10 * READS);
  });

  it("lists a record's fields for an unknown one without gathering them again at each", () => {
    const { reads, diagnostics } = check(times(READS, `r.unknown`));
    expect(diagnostics).toHaveLength(READS);
    expect(diagnostics[0]!.help).toBe("its fields are `g0`, `g1`, `g2`, `g3`, `g4`, `g5`, `g6`, `g7`, `g8`, `g9` and 1,990 more");
    expect(reads).toBeLessThan(3 * (2 * FIELDS) + 10 * READS);
  });
});
