// Timing, interleaved: all engines of one run share the process and take turns. Each round visits
// every engine (round-robin), times whole passes over its requests (each pass separately, keeping
// the round's median pass), then times single calls; the per-decision figure of an engine is the
// median over rounds, so a noisy moment (GC, a neighbour on the machine) hits every engine alike and
// is voted out. Warm-up happens before round one: at least MIN_WARMUP_PASSES passes over the whole
// mix, the fastest deciding how the engine is timed.
//
// Fast engines are timed over the whole mix; engines that need milliseconds per decision are timed
// over a subsample spaced evenly over the whole mix (at least MIN_SUBSAMPLE requests; stride()) so
// a full run stays within minutes; results record how many requests were timed.

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

const MIN_SUBSAMPLE = 100;
const MIN_SINGLE_CALLS = 20;
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
  /** ns per decision, one figure per round (the round's median pass) */
  readonly roundsNsPerDecision: readonly number[];
  /** median over rounds of ns per decision */
  readonly medianNsPerDecision: number;
  /** single-call latency percentiles, timer overhead subtracted */
  readonly p50Ns: number;
  readonly p99Ns: number;
  readonly singleCalls: number;
}

interface Slot<R> {
  readonly engine: TimedEngine<R>;
  readonly size: string;
  readonly indexes: readonly number[];
  readonly expectedAllows: number;
  readonly passes: number;
  readonly singleCalls: number;
  readonly rounds: number[];
  readonly singles: number[];
  cursor: number;
}

const gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;

/** The cost of `process.hrtime.bigint()` twice with nothing between, as single calls are timed. */
export function measureTimerOverheadNs(samples = 20_001): number {
  const values = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const t0 = process.hrtime.bigint();
    const t1 = process.hrtime.bigint();
    values[i] = Number(t1 - t0);
  }
  return quantile(Array.from(values), 0.5);
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
  const everyRequest = mix.map((_, i) => i);
  const slots: Slot<R>[] = groups.flatMap(({ engines, size, expected }) =>
    engines.map((engine) => {
      const all = engine.only ?? everyRequest;
      // warm-up over the whole mix, at least MIN_WARMUP_PASSES times and for warmupMs; the fastest
      // pass (compiled code, least disturbed by other work) sizes the rounds. Several passes, because
      // a first pass stalled by the host (a descheduled process, V8 compiling) would otherwise be the
      // only one once it outlasts warmupMs, and a fast engine would be timed as a slow one
      let fastest = Number.POSITIVE_INFINITY;
      const start = performance.now();
      for (let n = 0; n < MIN_WARMUP_PASSES || performance.now() - start < options.warmupMs; n++) {
        const t = performance.now();
        pass(engine, mix, all);
        fastest = Math.min(fastest, performance.now() - t);
      }
      const perDecisionMs = fastest / all.length;
      const affordable = Math.floor(options.roundBudgetMs / perDecisionMs);
      const indexes = affordable >= all.length ? all : stride(all.length, Math.max(MIN_SUBSAMPLE, affordable)).map((k) => all[k]!);
      const passes = Math.max(1, Math.round(options.roundBudgetMs / (perDecisionMs * indexes.length)));
      const singleCalls = Math.max(MIN_SINGLE_CALLS, Math.min(2000, Math.floor(options.singleCallBudgetMs / perDecisionMs)));
      const expectedAllows = indexes.reduce((n, i) => n + (expected[i] ? 1 : 0), 0);
      log(`  ${engine.name} (${size}): ~${formatNs(perDecisionMs * 1e6)}/decision in warm-up; ${indexes.length} requests x ${passes} passes per round`);
      return { engine, size, indexes, expectedAllows, passes, singleCalls, rounds: [], singles: [], cursor: 0 };
    }),
  );

  for (let round = 0; round < options.rounds; round++) {
    for (const slot of slots) {
      gc?.();
      const { engine, indexes } = slot;
      // each pass is timed on its own and the round keeps the median pass: a pass is short (a
      // millisecond or less for fast engines), so one that the OS scheduler interrupted is an
      // outlier to discard rather than a cost spread over the whole round
      const passNs = new Float64Array(slot.passes);
      let allows = 0;
      for (let p = 0; p < slot.passes; p++) {
        const t0 = process.hrtime.bigint();
        allows += pass(engine, mix, indexes);
        passNs[p] = Number(process.hrtime.bigint() - t0);
      }
      if (allows !== slot.expectedAllows * slot.passes) {
        throw new Error(`${engine.name} (${slot.size}) changed its answers while being timed: ${allows} allows, expected ${slot.expectedAllows * slot.passes}`);
      }
      slot.rounds.push(quantile(Array.from(passNs), 0.5) / indexes.length);
      for (let s = 0; s < slot.singleCalls; s++) {
        const i = indexes[slot.cursor]!;
        slot.cursor = (slot.cursor + 1) % indexes.length;
        const request = mix[i]!;
        const a = process.hrtime.bigint();
        engine.decide(request, i);
        const b = process.hrtime.bigint();
        slot.singles.push(Math.max(0, Number(b - a) - timerOverheadNs));
      }
    }
  }

  return slots.map((slot) => ({
    engine: slot.engine.name,
    label: slot.engine.label,
    size: slot.size,
    requestsTimed: slot.indexes.length,
    passesPerRound: slot.passes,
    roundsNsPerDecision: slot.rounds.map((x) => Math.round(x * 10) / 10),
    medianNsPerDecision: quantile(slot.rounds, 0.5),
    p50Ns: quantile(slot.singles, 0.5),
    p99Ns: quantile(slot.singles, 0.99),
    singleCalls: slot.singles.length,
  }));
}

/** 42 ns, 6.8 µs, 1.5 ms, 2.1 s: three significant figures at most. */
export function formatNs(ns: number): string {
  if (!Number.isFinite(ns)) return "n/a";
  const [value, unit] =
    ns >= 1e9 ? [ns / 1e9, "s"] : ns >= 1e6 ? [ns / 1e6, "ms"] : ns >= 1e3 ? [ns / 1e3, "µs"] : [ns, "ns"];
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${Number(value.toFixed(digits))} ${unit}`;
}
