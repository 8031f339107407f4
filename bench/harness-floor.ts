// The harness floor: an engine that decides nothing and returns the agreed answer for the request's
// position, timed through the same loop, in every round, beside the engines measured. What it takes
// is the loop's own cost per decision (the call through the engine interface, the mix's lookups, the
// counting of allows), which every engine timed in whole passes carries in its figure: about half of
// the hand-written JS's, so that a ratio to that floor divides two figures that both hold it. The
// ratios keep their definition (the engines' figures as timed); the floor is reported beside them,
// with what the JS-floor ratio is once it is taken out of both (results.ts, ratioAboveFloor).
//
// Its answers are the reference's by construction: the harness's allow count, checked on every
// pass, is all the agreement it needs.

import type { TimedEngine } from "./harness.js";

export const HARNESS_FLOOR = "harness-floor";
export const HARNESS_FLOOR_LABEL = "harness floor (returns the precomputed answer)";

/** The floor for a policy size, answering `expected[i]` for the mix's request i. */
export function harnessFloorEngine<R>(expected: readonly boolean[]): TimedEngine<R> {
  return {
    name: HARNESS_FLOOR,
    label: HARNESS_FLOOR_LABEL,
    decide: (_request: R, index: number) => expected[index]!,
  };
}
