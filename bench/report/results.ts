// The shape of bench/results/latest.json and the summary derived from the runs: one row per engine
// (per run), with both sizes and the ratios to Writ measured in the same process.

import { quantile, type EngineTiming } from "../harness.js";
import type { MixStats } from "../mix.js";
import type { PolicySize } from "../engines/types.js";
import type { ScalingResult } from "../scaling.js";
import type { QuietStart } from "../host-probe.js";
import type { MeasuredCommit } from "../commit.js";

export const RESULTS_FORMAT = "writ-bench/1";

/** What one child process measured. */
export interface RunResult {
  /** `wasm-flag`: every engine, node --no-turbo-inline-js-wasm-calls; `no-flag`: Writ without it */
  readonly id: string;
  readonly description: string;
  readonly nodeFlags: readonly string[];
  readonly timerOverheadNs: number;
  /**
   * the clock's step (harness.ts, measureTimerStepNs): a single-call figure under it is at the
   * timer's resolution; absent in results from before it was measured
   */
  readonly timerStepNs?: number;
  /** the engine every other one was checked against */
  readonly reference: string;
  readonly timings: readonly EngineTiming[];
  /**
   * the harness floor (bench/harness-floor.ts) at each policy size, timed in every round beside
   * `timings`: the loop's own cost per decision, inside every figure timed in whole passes; absent
   * in results from before it was timed, and in runs that timed nothing
   */
  readonly harnessFloor?: readonly EngineTiming[];
  /** notes from the child, e.g. why an engine is missing */
  readonly notes: readonly string[];
  readonly wallSeconds: number;
}

export interface SizeFigures {
  readonly medianNs: number;
  readonly p50Ns: number;
  readonly p99Ns: number;
  readonly requestsTimed: number;
  /**
   * this engine's time / Writ's, per round, the median over the rounds of the run (> 1: slower than
   * Writ); null without Writ
   */
  readonly ratioToWrit: number | null;
}

export interface SummaryRow {
  readonly run: string;
  readonly engine: string;
  readonly label: string;
  readonly small?: SizeFigures;
  readonly large?: SizeFigures;
}

/** One SHA3-512 of 1.4 KB timed in the parent (bench/host-probe.ts): how fast the host ran then. */
export interface HostProbe {
  /** when: `before <run id>`, or `after the last run` */
  readonly at: string;
  readonly us: number;
}

export interface BenchResults {
  readonly format: typeof RESULTS_FORMAT;
  readonly date: string;
  /** the commit measured (bench/commit.ts); absent when git could not say, and in older results */
  readonly commit?: MeasuredCommit;
  readonly quick: boolean;
  readonly machine: {
    readonly node: string;
    readonly v8: string;
    readonly platform: string;
    readonly arch: string;
    readonly cpuModel: string;
    readonly cpuCount: number;
    readonly memoryBytes: number;
    /** os.loadavg() (1, 5, 15 minutes) when the run started and when it ended: other load skews figures */
    readonly loadAverage?: { readonly start: readonly number[]; readonly end: readonly number[] };
    /** the host's speed before each run and after the last (bench/host-probe.ts) */
    readonly hostProbes?: readonly HostProbe[];
    /** how the run waited for a quiet host (bench --when-quiet), when it did */
    readonly quietStart?: QuietStart;
  };
  readonly mix: MixStats & { readonly seed: number };
  /** Writ's compile of the two policies, in the parent process (null when Writ was not measured) */
  readonly writCompileMs: Readonly<Record<PolicySize, number>> | null;
  /**
   * present when Writ was compiled at O0 (bench --unoptimized), not as `writ compile` compiles (O3):
   * its figures are then not the optimized module's (such runs are never written to bench/results/)
   */
  readonly writUnoptimized?: true;
  readonly runs: readonly RunResult[];
  readonly summary: readonly SummaryRow[];
  /** Writ and the closure list on 10 to 10,000 indexable rules (bench --scaling), or null */
  readonly scaling?: readonly ScalingResult[] | null;
  readonly totalSeconds: number;
}

/** The engine whose figures the ratios divide by. */
export const WRIT_ENGINE = "writ";

/**
 * How many times `t`'s time per decision is `base`'s: the median over the rounds of the ratio within
 * each round. The engines of a round run seconds apart, so a round sees one speed of the host, while
 * the host changes speed for a minute at a time: dividing the two medians could set one engine's
 * fast rounds against the other's slow ones (two runs here gave 4.1× and 12.9× for cel-js that
 * way, 6.9× and 7.2× per round). The ratio of the medians is the fallback when the rounds differ.
 */
export function ratioOf(t: EngineTiming, base: EngineTiming): number {
  const a = t.roundsNsPerDecision;
  const b = base.roundsNsPerDecision;
  if (a.length === 0 || a.length !== b.length || b.some((x) => !(x > 0))) return t.medianNsPerDecision / base.medianNsPerDecision;
  return quantile(a.map((x, k) => x / b[k]!), 0.5);
}

/**
 * ratioOf with the harness floor taken out of both figures: (t − floor) / (base − floor) within each
 * round, the median over the rounds (the ratio of the medians when the rounds differ). Null when
 * `base` is not above the floor, where the quotient would say nothing.
 */
export function ratioAboveFloor(t: EngineTiming, base: EngineTiming, floor: EngineTiming): number | null {
  const a = t.roundsNsPerDecision;
  const b = base.roundsNsPerDecision;
  const f = floor.roundsNsPerDecision;
  if (a.length > 0 && a.length === b.length && b.length === f.length && b.every((x, k) => x > f[k]!)) {
    return quantile(a.map((x, k) => (x - f[k]!) / (b[k]! - f[k]!)), 0.5);
  }
  const above = base.medianNsPerDecision - floor.medianNsPerDecision;
  return above > 0 ? (t.medianNsPerDecision - floor.medianNsPerDecision) / above : null;
}

export function summarize(runs: readonly RunResult[]): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const run of runs) {
    const writ = (size: PolicySize): EngineTiming | undefined =>
      run.timings.find((t) => t.engine === WRIT_ENGINE && t.size === size);
    const engines = [...new Set(run.timings.map((t) => t.engine))];
    for (const engine of engines) {
      const figures = (size: PolicySize): SizeFigures | undefined => {
        const t = run.timings.find((x) => x.engine === engine && x.size === size);
        if (t === undefined) return undefined;
        const w = writ(size);
        return {
          medianNs: t.medianNsPerDecision,
          p50Ns: t.p50Ns,
          p99Ns: t.p99Ns,
          requestsTimed: t.requestsTimed,
          ratioToWrit: w === undefined ? null : ratioOf(t, w),
        };
      };
      const label = run.timings.find((t) => t.engine === engine)!.label;
      const small = figures("small");
      const large = figures("large");
      rows.push({ run: run.id, engine, label, ...(small && { small }), ...(large && { large }) });
    }
  }
  return rows;
}
