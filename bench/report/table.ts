// The markdown table the README includes (bench/results/table.md): one row per engine of the main
// run (all engines in one process, with Cedar's required V8 flag), then Writ's rows from the run
// without the flag, followed by the machine and mix it was measured on.

import { MIN_PASSES, formatNs, singleCallCell } from "../harness.js";
import { WRIT_ENGINE, ratioAboveFloor, ratioOf, type BenchResults, type RunResult, type SizeFigures, type SummaryRow } from "./results.js";
import { POLICY_SIZES, RULE_COUNTS, type PolicySize } from "../engines/types.js";
import { renderScalingTable } from "../scaling.js";
import { DEFAULT_MIX_SEED } from "../mix.js";

function ratio(f: SizeFigures | undefined): string {
  return f === undefined || f.ratioToWrit === null ? "–" : ratioText(f.ratioToWrit);
}

/** The hand-written JS: the floor the design's "≤ 6× JS" target divides by. */
const JS_FLOOR_ENGINE = "js-ifelse";
/** The same JS behind a hand-written check of the request as strict as Writ's (engines/js-validated.ts). */
const JS_CHECKED_ENGINE = "js-validated";

/**
 * Whether a figure was timed over a subsample of the mix (a slow engine, marked * in the table and
 * the chart): its figure is then not a median pass over the whole mix.
 */
export function timedOnSubsample(f: SizeFigures, mixCount: number): boolean {
  return f.requestsTimed < mixCount;
}

function median(f: SizeFigures | undefined, mixCount: number): string {
  if (f === undefined) return "–";
  return timedOnSubsample(f, mixCount) ? `${formatNs(f.medianNs)}*` : formatNs(f.medianNs);
}

function latency(f: SizeFigures | undefined, timerStepNs: number | undefined): string {
  return f === undefined ? "–" : `${singleCallCell(f.p50Ns, timerStepNs)} / ${singleCallCell(f.p99Ns, timerStepNs)}`;
}

function row(r: SummaryRow, suffix: string, o0: boolean, run: RunResult, mixCount: number): string {
  const built = o0 && r.engine.startsWith("writ") ? ", compiled at O0" : "";
  const step = run.timerStepNs;
  return `| ${r.label}${built}${suffix} | ${median(r.small, mixCount)} | ${median(r.large, mixCount)} | ${ratio(r.small)} | ${ratio(r.large)} | ${latency(r.small, step)} | ${latency(r.large, step)} |`;
}

/** The note on single-call figures under the clock's step, when a printed one is. */
function timerStepNote(results: BenchResults, printed: readonly SummaryRow[]): string {
  const steps = new Map(results.runs.map((r) => [r.id, r.timerStepNs]));
  const under = printed.filter((r) =>
    [r.small, r.large].some((f) => f !== undefined && [f.p50Ns, f.p99Ns].some((ns) => singleCallCell(ns, steps.get(r.run)) !== formatNs(ns))),
  );
  if (under.length === 0) return "";
  const measured = [...new Set(under.map((r) => steps.get(r.run)).filter((s): s is number => s !== undefined))];
  const clock = measured.length > 0 ? `the clock's step, ${measured.map((s) => formatNs(s)).join(" or ")} on this host, measured at the start of the run,` : "the clock's step";
  return ` A single call faster than ${clock} cannot be told from none (the timer's overhead is subtracted and the rest clamped at 0): such a figure is printed as ${measured.length > 0 ? "≤ the step" : "< timer resolution"}, and latest.json keeps it as measured.`;
}

/** The timing of `engine` on `size` in `run`, if it timed it. */
function timingIn(run: RunResult, engine: string, size: PolicySize) {
  return run.timings.find((t) => t.engine === engine && t.size === size);
}

/** ` (main run)` or ` (<run description>)` where the results hold several runs, else nothing. */
function runLabel(results: BenchResults, run: RunResult): string {
  return results.runs.length > 1 ? ` (${run.id === results.runs[0]!.id ? "main run" : run.description})` : "";
}

/**
 * The harness floor of each run that timed it (bench/harness-floor.ts): what the loop takes per
 * decision, which every engine timed in whole passes carries; and Writ's ratio to the hand-written
 * JS with the floor taken out of both, from the same rounds. Results from before it was timed say
 * nothing of it.
 */
function harnessFloorNotes(results: BenchResults): string[] {
  const notes: string[] = [];
  for (const run of results.runs) {
    const floors = run.harnessFloor;
    if (floors === undefined || floors.length === 0) continue;
    const sizes = POLICY_SIZES.filter((size) => floors.some((f) => f.size === size));
    const figures = sizes.map((size) => `${formatNs(floors.find((f) => f.size === size)!.medianNsPerDecision)} (${RULE_COUNTS[size].toLocaleString("en-US")} rules)`).join(", ");
    const ratios = sizes.flatMap((size) => {
      const floor = floors.find((f) => f.size === size)!;
      const writ = timingIn(run, WRIT_ENGINE, size);
      const js = timingIn(run, JS_FLOOR_ENGINE, size);
      if (writ === undefined || js === undefined) return [];
      const above = ratioAboveFloor(writ, js, floor);
      const rules = `${RULE_COUNTS[size].toLocaleString("en-US")} rules`;
      const timed = ratioText(ratioOf(writ, js));
      return [above === null ? `no ratio on ${rules}, where the JS is not above the floor (${timed} with it)` : `${ratioText(above)} on ${rules} (${timed} with it)`];
    });
    notes.push(
      "",
      `Harness floor${runLabel(results, run)}: ${figures} per decision, for an engine that only returns the precomputed answer, timed through the same loop in every round. ` +
        "Every figure timed in whole passes over the mix (every figure not marked \\*) includes it." +
        (ratios.length > 0 ? ` With it taken out of both, in the same rounds, Writ takes the hand-written JS's time ${ratios.join(" and ")}.` : ""),
    );
  }
  return notes;
}

/**
 * Writ's time beside the hand-written JS that checks the request as Writ does, in each run that
 * timed both: per round, the median over the rounds (ratioOf). It is no target's divisor; it says
 * how much of the distance to the floor is the checking of the request.
 */
function checkedJsNotes(results: BenchResults): string[] {
  const notes: string[] = [];
  for (const run of results.runs) {
    const ratios = POLICY_SIZES.flatMap((size) => {
      const writ = timingIn(run, WRIT_ENGINE, size);
      const checked = timingIn(run, JS_CHECKED_ENGINE, size);
      return writ === undefined || checked === undefined ? [] : [`${ratioText(ratioOf(writ, checked))} on ${RULE_COUNTS[size].toLocaleString("en-US")} rules`];
    });
    if (ratios.length === 0) continue;
    notes.push(
      "",
      `Against the hand-written JS that checks the request as Writ does before it decides (every record a plain object with no unknown key, ints safe integers, strings well-formed and within their bound)${runLabel(results, run)}: Writ takes its time ${ratios.join(" and ")}, in the same rounds.`,
    );
  }
  return notes;
}

function ratioText(r: number): string {
  return `${r >= 100 ? Math.round(r).toLocaleString("en-US") : Number(r.toPrecision(2))}×`;
}

/** " at commit 0123456789 (with uncommitted changes)", or nothing when the results do not say */
function commitText(results: BenchResults): string {
  const c = results.commit;
  if (c === undefined) return "";
  return ` at commit ${c.sha.slice(0, 10)}${c.dirty ? " (with uncommitted changes)" : ""}`;
}

/**
 * The footnote of the rows marked *: how those engines were timed. Results from before slow engines'
 * calls were timed one by one (no `callsTimed`) timed each over one or a few whole passes a round.
 */
function subsampleNote(results: BenchResults): string {
  const timings = results.runs.flatMap((r) => r.timings);
  if (!timings.some((t) => t.requestsTimed < results.mix.count)) return "";
  if (timings.some((t) => t.callsTimed === true)) {
    return (
      " \\* slow engine: timed over an evenly spaced subsample of the mix, at least five passes a round with each call timed on its own;" +
      " a round's figure is the mean over the requests of each one's median call in that round, so that an interrupted call is discarded as an interrupted pass of a fast engine is."
    );
  }
  return " \\* timed over an evenly spaced subsample of the mix (slow engine).";
}

/**
 * What load does to the ratios: each engine's round keeps the median of short measurements (passes
 * or calls), which discards the interrupted ones for every engine alike. An engine timed in fewer
 * than MIN_PASSES passes a round, each one long (results from before slow engines' calls were timed
 * one by one), took every interruption in its figure, and its ratio to Writ with it.
 */
function ratiosUnderLoad(results: BenchResults): string {
  const exposed = results.runs.flatMap((r) => r.timings).filter((t) => t.callsTimed !== true && t.passesPerRound < MIN_PASSES);
  if (exposed.length === 0) return "the ratios, measured interleaved, hold better.";
  const names = [...new Set(exposed.map((t) => t.engine))].join(", ");
  return `so are the ratios to the engines timed in fewer than ${MIN_PASSES} passes a round (${names}), whose every pass took its share of the interruptions.`;
}

export function renderTable(results: BenchResults): string {
  const lines = [
    "| engine | 12 rules | 1,012 rules | × Writ (12) | × Writ (1,012) | single call p50 / p99 (12) | single call p50 / p99 (1,012) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  const [main, ...others] = results.runs;
  const o0 = results.writUnoptimized === true;
  const mixCount = results.mix.count;
  const printed: SummaryRow[] = [];
  if (main !== undefined) {
    for (const r of results.summary.filter((s) => s.run === main.id)) {
      lines.push(row(r, "", o0, main, mixCount));
      printed.push(r);
    }
  }
  for (const run of others) {
    for (const r of results.summary.filter((s) => s.run === run.id && s.engine.startsWith("writ"))) {
      lines.push(row(r, ` — ${run.description}`, o0, run, mixCount));
      printed.push(r);
    }
  }
  const m = results.machine;
  const notes = [
    ...(o0
      ? ["", "**Writ was compiled at O0 (`--unoptimized`), not as `writ compile` compiles it (O3): its figures, and the ratios to it, are not those of the module a user runs.**"]
      : []),
    "",
    // (another seed than the default is named: its figures are of another mix)
    `Median time per decision over a seeded mix of ${results.mix.count} requests${results.mix.seed === DEFAULT_MIX_SEED ? "" : ` (seed ${results.mix.seed}, not the default ${DEFAULT_MIX_SEED})`} ` +
      `(${(results.mix.allowRateSmall * 100).toFixed(1)}% allowed under 12 rules), all engines and both policy sizes in one Node process, ` +
      `interleaved in ${main?.timings[0]?.roundsNsPerDecision.length ?? 0} rounds; × Writ is the engine's time divided by Writ's ` +
      `in the same round, the median over the rounds. Single-call latencies are timed with \`process.hrtime.bigint()\`, timer overhead subtracted.` +
      timerStepNote(results, printed) +
      subsampleNote(results),
    ...harnessFloorNotes(results),
    ...checkedJsNotes(results),
    "",
    `Measured ${results.date.slice(0, 10)}${commitText(results)} on ${m.cpuModel} (${m.cpuCount} cores, ` +
      `${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB), Node ${m.node}` +
      `${results.quick ? " — quick run, indicative only" : ""}. Main run flags: \`${main?.nodeFlags.join(" ") ?? ""}\`.` +
      (m.loadAverage !== undefined && Math.max(m.loadAverage.start[0] ?? 0, m.loadAverage.end[0] ?? 0) > m.cpuCount
        ? ` The 1-minute load average was ${m.loadAverage.start[0]!.toFixed(1)} at the start and ` +
          `${m.loadAverage.end[0]!.toFixed(1)} at the end, on ${m.cpuCount} cores (it counts this run's own compiling and whatever ran in the minute before): ` +
          `where other work ran alongside, absolute figures are inflated; ${ratiosUnderLoad(results)}`
        : "") +
      (m.hostProbes !== undefined && m.hostProbes.length > 0
        ? ` How fast the host ran (one SHA3-512 of 1.4 KB, the median of 2,000; it rises when the host slows down): ${m.hostProbes.map((p) => `${p.us.toFixed(2)} µs ${p.at}`).join(", ")}.`
        : "") +
      (m.quietStart === undefined
        ? ""
        : m.quietStart.found
          ? ` The run started once two probes in a row took under ${m.quietStart.thresholdUs} µs (after waiting ${m.quietStart.waitedSeconds.toFixed(0)} s).`
          : ` It waited ${m.quietStart.waitedSeconds.toFixed(0)} s for two probes in a row under ${m.quietStart.thresholdUs} µs, saw none, and started anyway.`),
  ];
  if (results.writCompileMs != null) {
    const c = results.writCompileMs;
    notes.push("", `Writ compiled the 12-rule policy in ${formatNs(c.small * 1e6)} and the 1,012-rule policy in ${formatNs(c.large * 1e6)}${o0 ? " at O0" : ""} (before timing, in the parent process).`);
  }
  for (const run of results.runs) for (const note of run.notes) notes.push("", `Note (${run.id}): ${note}`);
  if (results.scaling != null && results.scaling.length > 0) {
    const compiled = o0 ? "compiled at O0" : "compiled as `writ compile` compiles";
    notes.push("", "Median time per decision as the policy grows (rules of the indexable form `action.tool == \"tool-NNN\" && \"role-MM\" in principal.roles`, no V8 flag; " + compiled + ", see bench/scaling.ts):", "", renderScalingTable(results.scaling).trimEnd());
  }
  return `${[...lines, ...notes].join("\n")}\n`;
}
