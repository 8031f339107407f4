// How the harness times each engine (bench/harness.ts), with fake engines whose cost and stalls are
// injected: which engines are taken for slow, over how many requests and passes, and whether an
// interruption of the host reaches an engine's figure. A slow engine's round is five passes or more,
// each call timed on its own, so that an interrupted call is discarded as a fast engine's
// interrupted pass is; the warm-up takes the fastest of at least three passes, so that one stalled
// pass does not make a fast engine slow.

import { describe, expect, it } from "vitest";
import { FULL_TIMING, MIN_PASSES, MIN_WARMUP_PASSES, planPasses, timeEngines, timeEnginesWithin, type TimedEngine, type TimingOptions } from "../../bench/harness.js";
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

describe("the harness's plan for each engine", () => {
  it("times an engine in whole passes over the mix only when five of them fit the round's budget", () => {
    // 200 requests, 2 ms a round: 2 µs a decision is the most for whole passes
    const [fast, slow, between] = timeEngines([fake("fast", 0), fake("slow", 40), fake("between", 4)], "t", mix, expected, OPTIONS, 0);
    expect(fast).toMatchObject({ requestsTimed: 200 });
    expect(fast!.callsTimed).toBeUndefined();
    expect(fast!.passesPerRound).toBeGreaterThanOrEqual(MIN_PASSES);
    // one 0.8 ms pass fits the budget twice: it used to be timed in two whole passes, the median of
    // two being their mean, every interruption kept
    for (const t of [slow!, between!]) {
      expect(t.requestsTimed, t.engine).toBe(100);
      expect(t.passesPerRound, t.engine).toBeGreaterThanOrEqual(MIN_PASSES);
      expect(t.callsTimed, t.engine).toBe(true);
      expect(t.roundsNsPerDecision, t.engine).toHaveLength(OPTIONS.rounds);
    }
  });

  it("gives the benchmark's slow engines five passes a round and more requests when they fit", () => {
    const all = Array.from({ length: 1000 }, (_, i) => i);
    const plan = (perDecisionNs: number) => {
      const p = planPasses(all, perDecisionNs / 1e6, FULL_TIMING);
      return [p.indexes.length, p.passes, p.perCall];
    };
    expect(plan(120)).toEqual([1000, 333, false]); // Writ
    expect(plan(23_100)).toEqual([346, 5, true]); // casbin, 12 rules: was the whole mix, 2 passes
    expect(plan(69_400)).toEqual([115, 5, true]); // Cedar, 12 rules: was 576 requests, 1 pass
    expect(plan(1_560_000)).toEqual([100, 5, true]); // casbin and Cedar, 1,012 rules: was 1 pass
  });
});

describe("interruptions", () => {
  it("reach a slow engine's figure no more than a fast engine's: an interrupted call is discarded", () => {
    // the same work, but every 97th call of one is held up 10 ms, as by another process taking the
    // core: about one call a pass, never the same request twice in a round
    const clean = fake("clean", 20);
    const interrupted = fake("interrupted", 20, (call) => call % 97 === 0, 10);
    const [a, b] = timeEngines([clean, interrupted], "t", mix, expected, OPTIONS, 0);
    expect(b!.callsTimed).toBe(true);
    expect(b!.passesPerRound).toBeGreaterThanOrEqual(MIN_PASSES);
    // timed as one pass a round, each pass would carry 10 ms over 2 ms of work: 6 times the figure
    expect(b!.medianNsPerDecision / a!.medianNsPerDecision).toBeLessThan(2);
  });

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
      expect(t.callsTimed, t.engine).toBeUndefined();
      expect(t.passesPerRound, t.engine).toBeGreaterThan(MIN_PASSES);
    }
    expect(lines.filter((l) => / 200 requests x \d+ passes per round$/.test(l))).toHaveLength(2);
  });
});

describe("timing within a deadline (writ bench --time-limit)", () => {
  it("stops in the warm-up's first pass, call by call, once the deadline is past", () => {
    // a pass of 200 calls of 1 ms each against a deadline 30 ms away
    const run = timeEnginesWithin([fake("slow", 1000)], "t", mix, expected, OPTIONS, 0, performance.now() + 30);
    expect(run.roundsTimed).toBe(0);
    expect(run.timings).toEqual([]);
    const m = /^the warm-up of slow had not ended its first pass: (\d+) of its 200 requests decided$/.exec(run.stopped ?? "");
    expect(m, run.stopped).not.toBeNull();
    expect(Number(m![1])).toBeLessThan(200);
  });

  it("begins no round it expects to end past the deadline, and keeps the rounds timed before", () => {
    const rounds = 1000; // about 2.5 ms a round each: far more than 150 ms hold
    const run = timeEnginesWithin([fake("a", 0), fake("b", 0)], "t", mix, expected, { ...OPTIONS, rounds }, 0, performance.now() + 150);
    expect(run.roundsTimed).toBeGreaterThan(0);
    expect(run.roundsTimed).toBeLessThan(rounds);
    expect(run.stopped).toMatch(new RegExp(`^round ${run.roundsTimed + 1} (would end past it|had not ended) \\(about .+ a round`));
    for (const t of run.timings) expect(t.roundsNsPerDecision, t.engine).toHaveLength(run.roundsTimed);
  });

  it("drops a round that runs past the deadline all the same, for every engine", () => {
    // exactly three warm-up passes (warmupMs 0), then ten calls of 30 ms: slower than the warm-up said
    const warmUpCalls = MIN_WARMUP_PASSES * mix.length;
    const slowing = fake("slowing", 0, (call) => call >= warmUpCalls && call < warmUpCalls + 10, 30);
    const run = timeEnginesWithin([slowing, fake("steady", 0)], "t", mix, expected, { ...OPTIONS, warmupMs: 0 }, 0, performance.now() + 200);
    expect(run.roundsTimed).toBe(0);
    expect(run.stopped).toMatch(/^round 1 had not ended/);
    for (const t of run.timings) expect(t.roundsNsPerDecision, t.engine).toEqual([]);
  });

  it("drops a round whose last engine's turn runs past the deadline, though every turn began in time", () => {
    // the second engine is the last of the round, and stalls once past the deadline in its turn
    const stalling = fake("stalling", 0, (call) => call === MIN_WARMUP_PASSES * mix.length, 400);
    const run = timeEnginesWithin([fake("steady", 0), stalling], "t", mix, expected, { ...OPTIONS, warmupMs: 0 }, 0, performance.now() + 300);
    expect(run.roundsTimed).toBe(0);
    expect(run.stopped).toMatch(/^round 1 had not ended/);
    for (const t of run.timings) expect(t.roundsNsPerDecision, t.engine).toEqual([]);
  });

  it("times every round when they fit, and says nothing", () => {
    const run = timeEnginesWithin([fake("a", 0)], "t", mix, expected, OPTIONS, 0, performance.now() + 60_000);
    expect(run).toMatchObject({ roundsTimed: OPTIONS.rounds });
    expect(run.stopped).toBeUndefined();
    expect(run.timings[0]!.roundsNsPerDecision).toHaveLength(OPTIONS.rounds);
  });
});
