// The work of validating large modules against the determinism profile, counted, not timed: in the
// calls and block runs of the validator's JavaScript (runtime/wasm/, test/support/counted-blocks.ts).
// A module's work is compared with its parts', or with a smaller module's: linear, it is about their
// sum; quadratic, many times more.

import { describe, expect, it } from "vitest";
import { countedBlocks } from "../support/counted-blocks.js";

// loaded after counted-blocks, so that their functions are counted
const { MAX_LOCAL_GROUPS } = await import("../../runtime/wasm/reader.js");
const { validateProfile } = await import("../../runtime/wasm/profile.js");
const { decisionModule, emptyF32Groups } = await import("./decision-module.js");

const VALIDATOR = ["runtime/wasm/"];

/** The blocks the validator runs on `bytes`, and its result. */
function validated(bytes: Uint8Array): { blocks: number; result: ReturnType<typeof validateProfile> } {
  let result: ReturnType<typeof validateProfile> | undefined;
  const blocks = countedBlocks(VALIDATOR, () => void (result = validateProfile(bytes)));
  return { blocks, result: result! };
}

describe("the profile validator's work", () => {
  it("validates a module of many functions and many exports in about the work of the functions alone plus the exports alone", () => {
    // A label was built for every function, violation or not, each by a search of the exports:
    // 60,000 functions and 60,000 exports, 3.6 billion comparisons.
    const n = 5_000;
    const build = (functions: number, exports: number) =>
      decisionModule({
        after: (b) => {
          for (let i = 0; i < functions; i++) b.func({ body: [] });
          for (let i = 0; i < exports; i++) b.export(`alias${i}`, "func", 0);
        },
      });
    const [functions, exports, both] = [build(n, 0), build(0, n), build(n, n)].map((bytes) => {
      const { blocks, result } = validated(bytes);
      expect(result.ok).toBe(true);
      return blocks;
    }) as [number, number, number];
    expect(both).toBeLessThan(1.5 * (functions + exports));
  });

  it(`reads none of a function's groups of locals past a count of more than ${MAX_LOCAL_GROUPS}: 2,000,000 take the work of 2,000`, () => {
    const refused = (groups: number) => {
      const { blocks, result } = validated(decisionModule({ after: (b) => void b.func({ declaredLocals: emptyF32Groups(groups), body: [] }) }));
      expect(!result.ok && result.violations.map((v) => v.message)).toEqual([
        `function 6 declares its locals in ${groups} groups, more than the ${MAX_LOCAL_GROUPS} a function may have`,
      ]);
      return blocks;
    };
    const few = refused(2_000);
    expect(refused(2_000_000)).toBeLessThan(1.5 * few);
  });
});
