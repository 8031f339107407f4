// The seeds the properties draw (`Draw.seed`, test/support/arbitraries/draw.ts) are uniform over the
// 32-bit range: each run of a property explores cases no earlier run saw, rather than coming back to
// the few small seeds fast-check's integers favour.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Draw } from "../support/arbitraries/index.js";

describe("Draw.seed", () => {
  it("draws seeds spread over the 32-bit range, as a property's runs draw them", () => {
    const seeds: number[] = [];
    // 100 runs of a 12-run property, each with its own fast-check seed (fixed here so the count is exact)
    for (let run = 0; run < 100; run++) {
      fc.assert(
        fc.property(fc.gen(), (g) => {
          seeds.push(new Draw(g).seed());
        }),
        { numRuns: 12, seed: run },
      );
    }
    // uniform seeds: under 1,000 in magnitude about once in two million, and almost never twice
    expect(seeds.filter((s) => Math.abs(s) < 1000).length).toBeLessThanOrEqual(1);
    expect(new Set(seeds).size).toBeGreaterThanOrEqual(seeds.length - 2);
    expect(seeds.every((s) => Number.isInteger(s) && s >= -0x80000000 && s <= 0x7fffffff)).toBe(true);
  });

  it("from a local PRNG, is the same for the same seed", () => {
    const a = Draw.seeded(42);
    const b = Draw.seeded(42);
    expect(Array.from({ length: 5 }, () => a.seed())).toEqual(Array.from({ length: 5 }, () => b.seed()));
  });
});
