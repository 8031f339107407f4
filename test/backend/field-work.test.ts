// Planning a module walks the schema beside its layout, and each read of a field looks the field up:
// by name, in an index made once per list of fields (runtime/field-named.ts), and from bounds of the
// request made once per plan. Each read rebuilt the whole request's bounds (bounds.ts), each record
// of the layout searched the schema for each of its fields (layout.ts, input-checks.ts), and each
// read searched its record's fields (shapes.ts, input-checks.ts, codegen-expr.ts) and walked the
// request's layout again (codegen.ts): a rule reading the last of 20,000 fields 20,000 times took 84 s
// to plan, one reading each of 20,000 fields once 53 s. Work is counted here, not timed: in reads of
// the elements of the lists of fields (a search reads them one by one, an index once each), and in
// entries put into new Maps (a record's bounds copied are as many entries as its fields).

import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { planInput, planModule } from "../../compiler/backend/plan.js";
import { ruleCosts } from "../../compiler/ir/cost.js";
import type { IRPolicy } from "../../compiler/ir/ir.js";
import { countFieldReads } from "../support/counted-fields.js";

const FIELDS = 2_000;
const READS = 2_000;

const fields = (prefix: string) => Array.from({ length: FIELDS }, (_, i) => `${prefix}${i}: int`).join(", ");
const list = (terms: readonly string[]) => `[${terms.join(", ")}].size() > 0`;

async function checked(input: string, condition: string): Promise<IRPolicy> {
  const r = await compilePolicy(`policy "q" version "1"\ninput { ${input} }\npermit p when ${condition}\n`, { stopAfter: "check" });
  expect(r.diagnostics).toEqual([]);
  return r.ir!;
}

/** Entries put into Maps made while `f` runs (Map is the global one the compiler's modules use). */
function countMapEntries(f: () => void): number {
  const Original = globalThis.Map;
  let entries = 0;
  globalThis.Map = class<K, V> extends Original<K, V> {
    constructor(init?: Iterable<readonly [K, V]> | null) {
      super(init);
      entries += this.size;
    }
  } as MapConstructor;
  try {
    f();
  } finally {
    globalThis.Map = Original;
  }
  return entries;
}

/** Costs and plans `ir` as the compile driver does; the reads of fields' elements, and the entries of new Maps. */
function planned(ir: IRPolicy): { reads: number; entries: number } {
  const counted = countFieldReads(ir);
  let layoutReads = { reads: 0 };
  const entries = countMapEntries(() => {
    ruleCosts(ir);
    const input = planInput(ir);
    if ("diagnostic" in input) throw new Error(input.diagnostic.message);
    layoutReads = countFieldReads(input.plan.layout.root);
    const plan = planModule(ir, undefined, input.plan);
    expect(plan.diagnostics).toEqual([]);
  });
  return { reads: counted.reads + layoutReads.reads, entries };
}

describe("planning a module's work", () => {
  it("grows with the fields plus the reads of one field, not their product", async () => {
    const { reads, entries } = planned(await checked(fields("f"), list(Array(READS).fill(`f${FIELDS - 1}`))));
    expect(reads).toBeLessThan(20 * (FIELDS + READS));
    expect(entries).toBeLessThan(20 * (FIELDS + READS));
  });

  it("grows with the fields, each read once, not with their square", async () => {
    const { reads, entries } = planned(await checked(fields("f"), list(Array.from({ length: FIELDS }, (_, i) => `f${i}`))));
    expect(reads).toBeLessThan(40 * FIELDS);
    expect(entries).toBeLessThan(40 * FIELDS);
  });

  it("does not copy a record's bounds at each read of it through ?:", async () => {
    const { reads, entries } = planned(await checked(`a: int, r: { ${fields("g")} }`, list(Array(READS).fill(`(a > 0 ? r : r).g${FIELDS - 1}`))));
    expect(reads).toBeLessThan(20 * (FIELDS + READS));
    expect(entries).toBeLessThan(20 * (FIELDS + READS));
  });
});
