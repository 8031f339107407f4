// How the harness times each engine (bench/harness.ts), with fake engines whose cost and stalls are
// injected: which engines are taken for slow, over how many requests and passes. The warm-up takes
// the fastest of at least three passes, so that one stalled pass does not make a fast engine slow.

import { describe, expect, it } from "vitest";
import { MIN_WARMUP_PASSES, timeEngines, type TimedEngine, type TimingOptions } from "../../bench/harness.js";
import { generateMix } from "../../bench/mix.js";
import { decideAgentGovernance } from "../../bench/engines/js-ifelse.js";

const mix = generateMix().slice(0, 200);
const expected = mix.map((r) => decideAgentGovernance(r, null));
type Request = (typeof mix)[number];

/** Busy for `us` microseconds, as an engine doing work (or a host taking the core away) would be. */
function spin(us: number): void {
  const end = process.hrtime.bigint() + BigInt(Math.round(us * 1000));
  while (process.hrtime.bigint() < end);
}

/** An engine that answers as expected after `costUs` of work, and stalls `stallMs` on the calls `stallAt` picks. */
function fake(name: string, costUs: number, stallAt: (call: number) => boolean = () => false, stallMs = 0): TimedEngine<Request> {
  let calls = 0;
  return {
    name,
    label: name,
    decide(_request, index) {
      if (stallAt(calls++)) spin(stallMs * 1000);
      if (costUs > 0) spin(costUs);
      return expected[index]!;
    },
  };
}

const OPTIONS: TimingOptions = { rounds: 5, roundBudgetMs: 2, singleCallBudgetMs: 0.2, warmupMs: 1 };

describe("interruptions", () => {
  it("in the warm-up do not make a fast engine slow: the fastest of at least three passes decides", () => {
    expect(MIN_WARMUP_PASSES).toBeGreaterThanOrEqual(3);
    const lines: string[] = [];
    const stallMs = OPTIONS.warmupMs + 30;
    // the first warm-up pass stalls past the whole warm-up; then the first two passes do
    const once = fake("stalled-once", 0, (call) => call === 0, stallMs);
    const twice = fake("stalled-twice", 0, (call) => call === 0 || call === mix.length, stallMs);
    const timings = timeEngines([once, twice], "t", mix, expected, OPTIONS, 0, (l) => lines.push(l));
    for (const t of timings) {
      expect(t.requestsTimed, t.engine).toBe(200);
      expect(t.passesPerRound, t.engine).toBeGreaterThan(5);
    }
    expect(lines.filter((l) => / 200 requests x \d+ passes per round$/.test(l))).toHaveLength(2);
  });
});
