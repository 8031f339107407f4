// The subsample a slow engine is timed over (bench/harness.ts stride()): the table calls it "an evenly
// spaced subsample of the mix", so it must reach across the whole mix, not be its first requests, and
// time no request twice.

import { describe, expect, it } from "vitest";
import { stride } from "../../bench/harness.js";

/** How many of `indexes` fall in each quarter of 0 … count - 1. */
function perQuarter(indexes: readonly number[], count: number): number[] {
  const quarters = [0, 0, 0, 0];
  for (const i of indexes) quarters[Math.floor((i * 4) / count)]!++;
  return quarters;
}

describe("the harness's subsample of a slow engine's mix", () => {
  it("spans the whole mix when more than half of it is wanted (614 of 1,000, as Cedar was timed)", () => {
    const s = stride(1000, 614);
    expect(s).toHaveLength(614);
    expect(new Set(s).size).toBe(614);
    expect(s[0]).toBe(0);
    // evenly: each quarter of the mix holds a quarter of the subsample
    for (const n of perQuarter(s, 1000)) expect(Math.abs(n - 614 / 4)).toBeLessThanOrEqual(1);
    expect(stride(1000, 614)).toEqual(s); // deterministic
  });

  it("for any size: ascending positions within the mix, none twice, no gap wider than an even step", () => {
    const wrong: string[] = [];
    for (let count = 1; count <= 60; count++) {
      for (let wanted = 1; wanted <= 70; wanted++) {
        const s = stride(count, wanted);
        const step = Math.ceil(count / s.length);
        const fine =
          s.length === Math.min(count, wanted) &&
          s[0] === 0 &&
          s.every((i, k) => k === 0 || (i > s[k - 1]! && i - s[k - 1]! <= step)) &&
          // the last position is within one even step of the end of the mix
          count - s[s.length - 1]! <= step;
        if (!fine) wrong.push(`stride(${count}, ${wanted}) = ${s.join(",")}`);
      }
    }
    expect(wrong.slice(0, 3)).toEqual([]);
  });

  it("is every position when as many or more are wanted", () => {
    expect(stride(5, 5)).toEqual([0, 1, 2, 3, 4]);
    expect(stride(5, 100)).toEqual([0, 1, 2, 3, 4]);
  });
});
