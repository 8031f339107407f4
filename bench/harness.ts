// Timing, interleaved: all engines of one run share the process and take turns. Each round visits
// every engine (round-robin), times its passes over its requests, then times single calls; the
// per-decision figure of an engine is the median over rounds, so a noisy moment (GC, a neighbour on
// the machine) hits every engine alike and is voted out. Warm-up happens before round one: at least
// MIN_WARMUP_PASSES passes over the whole mix, the fastest deciding how the engine is timed.
//
// Within a round, what is timed is kept short, so that an interruption by the OS lands in a few
// measurements and the round's median discards it, for every engine alike:
//   * fast engines (MIN_PASSES passes over the whole mix fit the round's budget) are timed pass by
//     pass over the whole mix, as many passes as the budget holds, the round keeping the median pass;
//   * slow engines are timed over a subsample spaced evenly over the whole mix (at least
//     MIN_SUBSAMPLE requests; stride()), small enough for MIN_PASSES passes in the budget, and at
//     least MIN_PASSES passes; each call is timed on its own, each request keeps the median of its
//     calls over the round's passes, and the round's figure is the mean of those. A slow engine's
//     pass takes milliseconds, long enough to be interrupted every time another process wants the
//     core; one of its calls is as short as a fast engine's pass.
// Results record how many requests were timed, how many passes a round made, and which engines
// were timed call by call.

/**
 * What the harness times: a request in, allow (true) or deny (false) out. The peers' `Engine` is one
 * (over the benchmark's requests); `writ bench` times a user's policy over the user's requests.
 */
export interface TimedEngine<R> {
  readonly name: string;
  readonly label: string;
  decide(request: R, index: number): boolean;
  /** the positions in the mix this engine can decide (all when absent) */
  readonly only?: readonly number[];
}

export interface TimingOptions {
  readonly rounds: number;
  /** time spent on whole-mix passes per engine per round */
  readonly roundBudgetMs: number;
  /** time spent on single timed calls per engine per round */
  readonly singleCallBudgetMs: number;
  /** warm-up per engine before the first round */
  readonly warmupMs: number;
}

export const FULL_TIMING: TimingOptions = { rounds: 21, roundBudgetMs: 40, singleCallBudgetMs: 15, warmupMs: 300 };
export const QUICK_TIMING: TimingOptions = { rounds: 5, roundBudgetMs: 20, singleCallBudgetMs: 5, warmupMs: 50 };

export const MIN_SUBSAMPLE = 100;
const MIN_SINGLE_CALLS = 20;
/** passes per round at the least, for every engine: the median of five discards two interrupted ones */
export const MIN_PASSES = 5;
/** warm-up passes at the least: the fastest sizes the rounds, so one stalled pass cannot */
export const MIN_WARMUP_PASSES = 3;

export interface EngineTiming {
  readonly engine: string;
  readonly label: string;
  /** the policy measured: "small" / "large", or a rule count for the scaling policies */
  readonly size: string;
  /** how many requests of the mix were timed (the whole mix unless the engine is slow) */
  readonly requestsTimed: number;
  readonly passesPerRound: number;
  /** present when each call was timed on its own (a slow engine): see timeCalls */
  readonly callsTimed?: true;
  /** ns per decision, one figure per round (the round's median pass) */
  readonly roundsNsPerDecision: readonly number[];
  /** median over rounds of ns per decision */
  readonly medianNsPerDecision: number;
  /** single-call latency percentiles, timer overhead subtracted */
  readonly p50Ns: number;
  readonly p99Ns: number;
  readonly singleCalls: number;
}

interface Slot<R> extends PassPlan {
  readonly engine: TimedEngine<R>;
  /** the warm-up's fastest speed, which the rounds' plan and cost come from */
  readonly perDecisionMs: number;
  readonly size: string;
  readonly expectedAllows: number;
  readonly rounds: number[];
  readonly singles: number[];
  cursor: number;
}

const gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;

/** The cost of `process.hrtime.bigint()` twice with nothing between, as single calls are timed. */
export function measureTimerOverheadNs(samples = 20_001): number {
  return quantile(backToBackReadings(samples), 0.5);
}

/**
 * The differences, in ns, of `samples` pairs of `process.hrtime.bigint()` readings with nothing
 * between, once the loop has run as many times before: the first pass of a process runs before V8
 * has compiled it, and read up to 30 ns more a pair (43, 42, 71, 42, 44 ns in fresh processes where
 * later passes read 39–40), which measureTimerOverheadNs would then take off every single call.
 */
function backToBackReadings(samples: number): number[] {
  readingsOnce(samples);
  return readingsOnce(samples);
}

/** backToBackReadings's one pass. */
function readingsOnce(samples: number): number[] {
  const values = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const t0 = process.hrtime.bigint();
    const t1 = process.hrtime.bigint();
    values[i] = Number(t1 - t0);
  }
  return Array.from(values);
}

/**
 * The clock's step: the smallest interval by which `process.hrtime.bigint()` readings differ, from
 * the differences of back-to-back readings (some hosts' clocks move in steps of 10 ns or more, so
 * that a very fast call reads as one step or as nothing). The differences are grouped where they lie
 * within 1 ns of each other (the clock's conversion to nanoseconds rounds, so a 10 ns step reads as
 * 10 or 11), groups seen less than once in a thousand readings (interruptions) are left out, and the
 * step is the smallest distance between neighbouring groups; 1 ns when the readings form one group,
 * or when a group runs over 2 ns or more (a clock that reads every nanosecond).
 */
export function measureTimerStepNs(samples = 20_001): number {
  return timerStepOf(backToBackReadings(samples));
}

/** measureTimerStepNs's arithmetic on given differences (ns), for testing. */
export function timerStepOf(differences: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const d of differences) counts.set(d, (counts.get(d) ?? 0) + 1);
  const common = [...counts].filter(([, n]) => n * 1000 >= differences.length).map(([d]) => d).sort((a, b) => a - b);
  // each group's lowest value; a value within 1 ns of the previous one joins its group
  const groups: number[] = [];
  let last = Number.NEGATIVE_INFINITY;
  for (const d of common) {
    if (d - last > 1) groups.push(d);
    // a group that runs over more than the conversion's rounding (38, 39, 40 … ns) is a clock that
    // reads every nanosecond, whatever cluster of slower readings lies apart from it: the distance
    // to that cluster is no step of the clock's
    else if (d - groups[groups.length - 1]! >= 2) return 1;
    last = d;
  }
  let step = Number.POSITIVE_INFINITY;
  for (let k = 1; k < groups.length; k++) step = Math.min(step, groups[k]! - groups[k - 1]!);
  return Number.isFinite(step) ? step : 1;
}

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** One pass over `indexes`; returns the number of allows (checked, so the work cannot be skipped). */
function pass<R>(engine: TimedEngine<R>, mix: readonly R[], indexes: readonly number[]): number {
  let allows = 0;
  for (let k = 0; k < indexes.length; k++) {
    const i = indexes[k]!;
    if (engine.decide(mix[i]!, i)) allows++;
  }
  return allows;
}

/**
 * `wanted` of the positions 0 … count - 1 (all of them when wanted >= count), evenly spaced over the
 * whole range: position floor(i · count / wanted) for each i. A whole step (count / wanted rounded
 * down) would be 1 whenever more than half are wanted, and the subsample the first `wanted` requests
 * of the mix: Cedar was timed on the first 614 of 1,000, whose share of each kind of request is not
 * the mix's. Deterministic, ascending, no position twice (the step is at least 1).
 */
export function stride(count: number, wanted: number): number[] {
  const n = Math.max(0, Math.min(count, Math.floor(wanted)));
  return Array.from({ length: n }, (_, i) => Math.floor((i * count) / n));
}

/**
 * Times `engines`, all already prepared for `size` (and bound to `mix`), interleaved in rounds.
 * `expected[i]` is the agreed answer for `mix[i]`: every timed pass must reproduce its allow count.
 * `log` receives one line per engine as warm-up ends.
 */
export function timeEngines<R>(
  engines: readonly TimedEngine<R>[],
  size: string,
  mix: readonly R[],
  expected: readonly boolean[],
  options: TimingOptions,
  timerOverheadNs: number,
  log: (line: string) => void = () => {},
): EngineTiming[] {
  return timeEngineGroups([{ engines, size, expected }], mix, options, timerOverheadNs, log);
}

/** Engines prepared for one policy size, with the agreed answers on the mix under that size. */
export interface EngineGroup<R> {
  readonly engines: readonly TimedEngine<R>[];
  readonly size: string;
  readonly expected: readonly boolean[];
}

/**
 * timeEngines for several policy sizes at once: every engine of every group is timed in each round,
 * so a stretch of a slower machine (a noisy neighbour, a frequency change) falls on all sizes alike
 * and the ratios between sizes stay what they are, where timing one size after another would put
 * the whole stretch on one of them.
 */
export function timeEngineGroups<R>(
  groups: readonly EngineGroup<R>[],
  mix: readonly R[],
  options: TimingOptions,
  timerOverheadNs: number,
  log: (line: string) => void = () => {},
): EngineTiming[] {
  return timeGroups(groups, mix, options, timerOverheadNs, log, Number.POSITIVE_INFINITY).timings;
}

/** What timeEnginesWithin gives: the timings of the rounds that were timed, and why it stopped early when it did. */
export interface TimedRun {
  /** one per engine, over `roundsTimed` rounds (none when it stopped before the first round) */
  readonly timings: EngineTiming[];
  readonly roundsTimed: number;
  /** why timing stopped before `options.rounds` rounds, or undefined when it did not */
  readonly stopped?: string;
}

/**
 * timeEngines, stopping at `deadline` (a performance.now() time) rather than passing it: for timing
 * requests nobody vetted (`writ bench --requests`), of which one may take seconds to decide and
 * would be decided thousands of times. The warm-up's first pass over the mix watches the clock
 * call by call, and stops as soon as the deadline is past; a later warm-up pass, and a round, starts
 * only when, at the speed seen so far, it would end in time; a round is abandoned (its figures
 * dropped) if it runs past the deadline all the same. The rounds timed before it stopped are kept.
 * What is timed is timed as timeEngines times it: the clock is read between passes and rounds, and
 * call by call only in that first warm-up pass.
 */
export function timeEnginesWithin<R>(
  engines: readonly TimedEngine<R>[],
  size: string,
  mix: readonly R[],
  expected: readonly boolean[],
  options: TimingOptions,
  timerOverheadNs: number,
  deadline: number,
): TimedRun {
  return timeGroups([{ engines, size, expected }], mix, options, timerOverheadNs, () => {}, deadline);
}

/** Timing ran out of time before its first round: the message says where. */
class OutOfTime extends Error {}

function timeGroups<R>(
  groups: readonly EngineGroup<R>[],
  mix: readonly R[],
  options: TimingOptions,
  timerOverheadNs: number,
  log: (line: string) => void,
  deadline: number,
): TimedRun {
  const everyRequest = mix.map((_, i) => i);
  let slots: Slot<R>[];
  try {
    slots = groups.flatMap(({ engines, size, expected }) =>
      engines.map((engine) => {
        const all = engine.only ?? everyRequest;
        const perDecisionMs = warmUp(engine, mix, all, options.warmupMs, deadline);
        const plan = planPasses(all, perDecisionMs, options);
        const expectedAllows = plan.indexes.reduce((n, i) => n + (expected[i] ? 1 : 0), 0);
        log(
          `  ${engine.name} (${size}): ~${formatNs(perDecisionMs * 1e6)}/decision in warm-up; ` +
            `${plan.indexes.length} requests x ${plan.passes} passes per round${plan.perCall ? ", each call timed" : ""}`,
        );
        return { engine, size, ...plan, perDecisionMs, expectedAllows, rounds: [], singles: [], cursor: 0 };
      }),
    );
  } catch (e) {
    if (e instanceof OutOfTime) return { timings: [], roundsTimed: 0, stopped: e.message };
    throw e;
  }

  // what a round costs at the warm-up's speed: its passes and its single calls, for every engine
  const roundMs = slots.reduce((ms, s) => ms + (s.passes * s.indexes.length + s.singleCalls) * s.perDecisionMs, 0);
  let stopped: string | undefined;
  let round = 0;
  for (; round < options.rounds; round++) {
    if (performance.now() + roundMs > deadline) {
      stopped = `round ${round + 1} would end past it (about ${formatNs(roundMs * 1e6)} a round at the warm-up's speed)`;
      break;
    }
    const kept = slots.map((s) => s.singles.length);
    let done = 0;
    for (const slot of slots) {
      // slower than the warm-up said: a round that cannot end in time is dropped whole, so that
      // every engine keeps as many rounds
      if (performance.now() > deadline) break;
      gc?.();
      const { allows, nsPerDecision } = slot.perCall ? timeCalls(slot, mix, timerOverheadNs) : timePasses(slot, mix);
      if (allows !== slot.expectedAllows * slot.passes) {
        throw new Error(`${slot.engine.name} (${slot.size}) changed its answers while being timed: ${allows} allows, expected ${slot.expectedAllows * slot.passes}`);
      }
      slot.rounds.push(nsPerDecision);
      timeSingleCalls(slot, mix, timerOverheadNs);
      done++;
    }
    // (a round whose last turn ran past the deadline is dropped too: it ran past it all the same)
    if (done < slots.length || performance.now() > deadline) {
      slots.forEach((s, k) => {
        if (k < done) s.rounds.pop();
        s.singles.length = kept[k]!;
      });
      stopped = `round ${round + 1} had not ended (about ${formatNs(roundMs * 1e6)} a round was expected at the warm-up's speed)`;
      break;
    }
  }

  const timings = slots.map((slot) => ({
    engine: slot.engine.name,
    label: slot.engine.label,
    size: slot.size,
    requestsTimed: slot.indexes.length,
    passesPerRound: slot.passes,
    ...(slot.perCall ? { callsTimed: true as const } : {}),
    roundsNsPerDecision: slot.rounds.map((x) => Math.round(x * 10) / 10),
    medianNsPerDecision: quantile(slot.rounds, 0.5),
    p50Ns: quantile(slot.singles, 0.5),
    p99Ns: quantile(slot.singles, 0.99),
    singleCalls: slot.singles.length,
  }));
  return stopped === undefined ? { timings, roundsTimed: round } : { timings, roundsTimed: round, stopped };
}

/**
 * Warm-up over the whole of `all`: at least MIN_WARMUP_PASSES passes and at least `warmupMs`.
 * Returns the fastest pass's milliseconds per decision (compiled code, least disturbed by other
 * work), which sizes the rounds. Several passes, because a first pass stalled by the host (a
 * descheduled process, a page fault, V8 compiling) would otherwise be the only one once it outlasts
 * `warmupMs`, and a fast engine would be sized as a slow one.
 */
function warmUp<R>(engine: TimedEngine<R>, mix: readonly R[], all: readonly number[], warmupMs: number, deadline: number): number {
  let fastest = Number.POSITIVE_INFINITY;
  let slowest = 0;
  const start = performance.now();
  for (let n = 0; n < MIN_WARMUP_PASSES || performance.now() - start < warmupMs; n++) {
    const t = performance.now();
    // the first pass, of a length nobody knows yet, watches the deadline; a later one is not begun
    // unless a pass as slow as the slowest so far would end before it
    if (n > 0 && t + slowest > deadline) throw new OutOfTime(`another warm-up pass of ${engine.label} would end past it (${formatNs(slowest * 1e6)} a pass over its ${all.length} requests)`);
    if (n === 0 && deadline !== Number.POSITIVE_INFINITY) passWithin(engine, mix, all, deadline);
    else pass(engine, mix, all);
    const ms = performance.now() - t;
    fastest = Math.min(fastest, ms);
    slowest = Math.max(slowest, ms);
  }
  return fastest / all.length;
}

/** pass(), reading the clock after every call: throws OutOfTime once `deadline` is past. */
function passWithin<R>(engine: TimedEngine<R>, mix: readonly R[], indexes: readonly number[], deadline: number): void {
  for (let k = 0; k < indexes.length; k++) {
    const i = indexes[k]!;
    engine.decide(mix[i]!, i);
    if (performance.now() > deadline) throw new OutOfTime(`the warm-up of ${engine.label} had not ended its first pass: ${k + 1} of its ${indexes.length} requests decided`);
  }
}

interface PassPlan {
  readonly indexes: readonly number[];
  readonly passes: number;
  readonly perCall: boolean;
  readonly singleCalls: number;
}

/**
 * How an engine is timed in each round, from its warm-up speed. An engine whose whole mix fits the
 * round's budget MIN_PASSES times or more is fast: whole passes over the mix, as many as the budget
 * holds. Any other is slow: an evenly spaced subsample (at least MIN_SUBSAMPLE requests) small
 * enough for MIN_PASSES passes in the budget, and at least MIN_PASSES passes, whatever the budget.
 */
export function planPasses(all: readonly number[], perDecisionMs: number, options: TimingOptions): PassPlan {
  const singleCalls = Math.max(MIN_SINGLE_CALLS, Math.min(2000, Math.floor(options.singleCallBudgetMs / perDecisionMs)));
  const affordable = Math.floor(options.roundBudgetMs / (perDecisionMs * MIN_PASSES));
  if (affordable >= all.length) {
    const passes = Math.max(MIN_PASSES, Math.round(options.roundBudgetMs / (perDecisionMs * all.length)));
    return { indexes: all, passes, perCall: false, singleCalls };
  }
  const indexes = stride(all.length, Math.max(MIN_SUBSAMPLE, affordable)).map((k) => all[k]!);
  const passes = Math.max(MIN_PASSES, Math.round(options.roundBudgetMs / (perDecisionMs * indexes.length)));
  return { indexes, passes, perCall: true, singleCalls };
}

/**
 * A fast engine's round: each pass over its requests timed on its own, the round keeping the median
 * pass. A pass is short (a millisecond or less), so one the OS scheduler interrupted is an outlier
 * to discard rather than a cost spread over the round.
 */
function timePasses<R>(slot: Slot<R>, mix: readonly R[]): { allows: number; nsPerDecision: number } {
  const passNs = new Float64Array(slot.passes);
  let allows = 0;
  for (let p = 0; p < slot.passes; p++) {
    const t0 = process.hrtime.bigint();
    allows += pass(slot.engine, mix, slot.indexes);
    passNs[p] = Number(process.hrtime.bigint() - t0);
  }
  return { allows, nsPerDecision: quantile(Array.from(passNs), 0.5) / slot.indexes.length };
}

/**
 * A slow engine's round: its passes with every call timed on its own (timer overhead subtracted);
 * each request keeps the median of its calls over the round's passes, and the round's figure is the
 * mean of those. A slow engine's pass lasts milliseconds, long enough for the OS to interrupt every
 * one of them when another process wants the core, so the median pass would keep an interruption;
 * one call is as short as a fast engine's pass, and an interrupted call is discarded as an
 * interrupted pass is.
 */
function timeCalls<R>(slot: Slot<R>, mix: readonly R[], timerOverheadNs: number): { allows: number; nsPerDecision: number } {
  const { engine, indexes, passes } = slot;
  const callNs = new Float64Array(indexes.length * passes);
  let allows = 0;
  for (let p = 0; p < passes; p++) {
    for (let k = 0; k < indexes.length; k++) {
      const i = indexes[k]!;
      const t0 = process.hrtime.bigint();
      const allowed = engine.decide(mix[i]!, i);
      const t1 = process.hrtime.bigint();
      if (allowed) allows++;
      callNs[k * passes + p] = Number(t1 - t0);
    }
  }
  let sum = 0;
  for (let k = 0; k < indexes.length; k++) {
    sum += Math.max(0, quantile(Array.from(callNs.subarray(k * passes, (k + 1) * passes)), 0.5) - timerOverheadNs);
  }
  return { allows, nsPerDecision: sum / indexes.length };
}

/** Single calls, timed one by one, taking the engine's requests in turn from round to round. */
function timeSingleCalls<R>(slot: Slot<R>, mix: readonly R[], timerOverheadNs: number): void {
  for (let s = 0; s < slot.singleCalls; s++) {
    const i = slot.indexes[slot.cursor]!;
    slot.cursor = (slot.cursor + 1) % slot.indexes.length;
    const request = mix[i]!;
    const a = process.hrtime.bigint();
    slot.engine.decide(request, i);
    const b = process.hrtime.bigint();
    slot.singles.push(Math.max(0, Number(b - a) - timerOverheadNs));
  }
}

/** 42 ns, 6.8 µs, 1.5 ms, 2.1 s: three significant figures at most. */
export function formatNs(ns: number): string {
  if (!Number.isFinite(ns)) return "n/a";
  const [value, unit] =
    ns >= 1e9 ? [ns / 1e9, "s"] : ns >= 1e6 ? [ns / 1e6, "ms"] : ns >= 1e3 ? [ns / 1e3, "µs"] : [ns, "ns"];
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${Number(value.toFixed(digits))} ${unit}`;
}

/**
 * A single-call figure as printed. The clock moves in steps (10 ns on some hosts), and the timer's own
 * overhead is subtracted and the rest clamped at 0, so a figure under one step is the timer's
 * resolution, not the call's time: "≤ step" where the run measured the step, and where it did not
 * (older results), a figure of 0 as "< timer resolution". The results keep the raw figure.
 */
export function singleCallCell(ns: number, timerStepNs: number | undefined): string {
  if (timerStepNs !== undefined) return ns < timerStepNs ? `≤ ${formatNs(timerStepNs)}` : formatNs(ns);
  return ns <= 0 ? "< timer resolution" : formatNs(ns);
}
