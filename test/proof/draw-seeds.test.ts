// The seeds the properties draw (`Draw.seed`, test/support/arbitraries/draw.ts) are uniform over the
// 32-bit range: each run of a property explores cases no earlier run saw, rather than coming back to
// the few small seeds fast-check's integers favour. And a test that draws its cases with `fc.sample`
// gets its seed from WRIT_SEED through `withSampleSeed` (replay.ts), and a failure prints how to replay it.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Draw } from "../support/arbitraries/index.js";
import { withSampleSeed } from "../support/arbitraries/replay.js";

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

describe("withSampleSeed", () => {
  it("gives WRIT_SEED to the test, and a failure says how to replay it", async () => {
    const saved = process.env.WRIT_SEED;
    process.env.WRIT_SEED = "1234";
    try {
      let given: number | undefined;
      await withSampleSeed("test/x.test.ts", (seed) => {
        given = seed;
      });
      expect(given).toBe(1234);
      await expect(
        withSampleSeed("test/x.test.ts", () => {
          expect(1).toBe(2);
        }),
      ).rejects.toThrow(/^failed on the cases of seed 1234 — replay with:\n {2}WRIT_SEED=1234 npx vitest run test\/x\.test\.ts\n\n.*expected 1 to be 2/s);
    } finally {
      if (saved === undefined) delete process.env.WRIT_SEED;
      else process.env.WRIT_SEED = saved;
    }
  });

  it("without WRIT_SEED, draws a seed of its own", async () => {
    const saved = process.env.WRIT_SEED;
    delete process.env.WRIT_SEED;
    try {
      let given: number | undefined;
      await withSampleSeed("test/x.test.ts", (seed) => {
        given = seed;
      });
      expect(Number.isInteger(given)).toBe(true);
    } finally {
      if (saved !== undefined) process.env.WRIT_SEED = saved;
    }
  });
});
