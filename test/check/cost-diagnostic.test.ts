// A policy over the cost budget is refused at the rule that costs most (where the bounds multiply),
// with the figures written as people read them, not as a float at 1:1.

import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { formatCost } from "../../compiler/ir/cost.js";

const text = [
  `policy "p" version "1.0.0"`,
  `input { xs: list<list<int>(1000)>(1000), n: int }`,
  `permit cheap when n > 0`,
  `permit costly when xs.exists(x, x.exists(y, xs.exists(z, z.exists(w, w == y))))`,
  ``,
].join("\n");

describe("the cost budget", () => {
  it("names the costliest rule and points at it", async () => {
    const r = await compilePolicy(text, { stopAfter: "cost" });
    const d = r.diagnostics.find((x) => x.code === "W0503");
    expect(d).toBeDefined();
    expect(text.slice(d!.span.start, d!.span.end)).toMatch(/^permit costly when/);
    expect(d!.message).toMatch(/^worst-case cost [\d,]+ is over the budget of [\d,]+; rule `costly` alone costs [\d,]+$/);
  });

  it("writes exact costs with separators", async () => {
    const r = await compilePolicy(text.replace(/permit costly.*\n/, "permit costly when xs.exists(x, x.exists(y, y == n))\n"), { stopAfter: "cost", maxCost: 1000 });
    const d = r.diagnostics.find((x) => x.code === "W0503");
    expect(d!.message).toMatch(/^worst-case cost [\d,]+ is over the budget of 1,000; rule `costly` alone costs [\d,]+$/);
    expect(d!.message).toContain(",");
  });

  it("writes costs beyond exact integers as an estimate", () => {
    expect(formatCost(9.636254425722862e81)).toBe("about 9.6e+81");
    expect(formatCost(1234567)).toBe("1,234,567");
  });
});
