// bench/budget.ts times what the default cost budget takes (compiler/ir/cost.ts and docs/language.md
// quote it): each of its shapes must be at the budget (the largest size within it) and its request
// the worst one, valid and matching nothing, so that every macro runs to its end.

import { describe, expect, it } from "vitest";
import { BUDGET_SHAPES, shapeCost, shapePolicy, sizeAtBudget } from "../../bench/budget.js";
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
