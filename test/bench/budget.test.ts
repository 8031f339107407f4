// bench/budget.ts times what the default cost budget takes (compiler/ir/cost.ts and docs/language.md
// quote it): each of its shapes must be at the budget (the largest size within it) and its request
// the worst one, valid and matching nothing, so that every macro runs to its end. Its options are read
// as npm run bench reads them.

import { describe, expect, it, vi } from "vitest";
import { BUDGET_SHAPES, BUDGET_USAGE, main, parseBudgetOptions, shapeCost, shapePolicy, sizeAtBudget } from "../../bench/budget.js";
import { parseOptions as parseBenchOptions } from "../../bench/run.js";
import { compilePolicy } from "../../compiler/driver.js";
import { DEFAULT_COST_BUDGET } from "../../compiler/ir/cost.js";
import { createInterpreter } from "../../compiler/ir/interp.js";

describe("the budget's shapes", () => {
  it.each(BUDGET_SHAPES.map((s) => [s.name, s] as const))("%s is at the default budget, and its request is valid and denied", async (_, shape) => {
    const n = await sizeAtBudget(shape);
    const cost = await shapeCost(shape, n);
    expect(cost).toBeLessThanOrEqual(DEFAULT_COST_BUDGET);
    expect(await shapeCost(shape, n + 1)).toBeGreaterThan(DEFAULT_COST_BUDGET);
    // within a thousandth of the budget: the figures are of policies at it, not of smaller ones
    expect(cost).toBeGreaterThan(DEFAULT_COST_BUDGET * 0.998);
    const checked = await compilePolicy(shapePolicy(shape, n), { stopAfter: "cost" });
    expect(checked.diagnostics).toEqual([]);
    const decision = createInterpreter(checked.ir!, checked.checked!.errorSites).decide(shape.request(n));
    expect(decision).toMatchObject({ decision: "deny", rules: [], errors: [] });
  }, 60_000);
});

describe("budget.js's options", () => {
  it("reads --when-quiet as npm run bench does, and refuses what it cannot read rather than wait 15 minutes", () => {
    expect(parseBudgetOptions([])).toEqual({ whenQuietUs: null });
    expect(parseBudgetOptions(["--when-quiet=8"])).toEqual({ whenQuietUs: 8 });
    expect(parseBudgetOptions(["--when-quiet=7.5"])).toEqual({ whenQuietUs: 7.5 });
    // Number() read `8us` as NaN (no probe is under it) and `0x10` as 16
    for (const text of ["8us", "0x10", "1e1", " 8", "", "0", "1000000"]) {
      expect(parseBudgetOptions([`--when-quiet=${text}`]), text).toBe(`--when-quiet needs a probe time in µs, e.g. --when-quiet=8, got \`${text}\``);
      // one parser for both tools
      expect(parseBenchOptions([`--when-quiet=${text}`]), text).toBe(parseBudgetOptions([`--when-quiet=${text}`]));
    }
    expect(parseBudgetOptions(["--when-quiet=8", "--when-quiet=9"])).toBe("--when-quiet is given twice: give it once");
    expect(parseBudgetOptions(["--when-quite=8"])).toBe("unknown option `--when-quite=8` (known: --when-quiet=µs, --help)");
    expect(parseBudgetOptions(["--quick"])).toBe("unknown option `--quick` (known: --when-quiet=µs, --help)");
  });

  it("exits 2 with its usage on a bad option, before compiling or waiting, and prints the usage for --help", async () => {
    const err = vi.spyOn(console, "error").mockImplementation(() => {});
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      expect(await main(["--when-quiet=8us"])).toBe(2);
      // the usage alone: waiting for a quiet host says so on stderr, and compiling begins with a line on stdout
      expect(err.mock.calls).toEqual([[`budget: --when-quiet needs a probe time in µs, e.g. --when-quiet=8, got \`8us\`\n${BUDGET_USAGE}`]]);
      expect(log).not.toHaveBeenCalled();
      expect(await main(["--help"])).toBe(0);
      expect(log.mock.calls).toEqual([[BUDGET_USAGE]]);
    } finally {
      vi.restoreAllMocks();
    }
  });
});
