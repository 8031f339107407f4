// Turns a BenchResults into the files under bench/results/: latest.json, chart.svg and table.md.
// Also a command: `npx tsx bench/report/render.ts` re-renders the chart and table from latest.json
// (after a change to their layout) without measuring again.

import { readFileSync, writeFileSync } from "node:fs";
import { makeDirectories } from "../../runtime/make-directories.js";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { renderChart, type ChartEntry } from "./chart.js";
import { renderTable, timedOnSubsample } from "./table.js";
import { summarize, type BenchResults } from "./results.js";
import { resultsDir } from "../paths.js";

const SHORT_LABELS: Readonly<Record<string, string>> = {
  writ: "Writ",
  "writ-eval": "Writ evaluate only",
  "js-ifelse": "JS if/else",
  "js-validated": "JS if/else + checks",
  "js-closures": "JS closures",
  "cel-js": "CEL (cel-js)",
  casbin: "casbin",
  cedar: "Cedar (wasm)",
};

export function shortLabel(engine: string): string {
  return SHORT_LABELS[engine] ?? engine;
}

/**
 * One chart group per engine of the main run (the first), then Writ from every other run (measured
 * without the V8 flag), labelled so. Engine ids of the extra groups are `writ@<run id>`.
 */
export function chartEntries(results: BenchResults): ChartEntry[] {
  const [main, ...others] = results.runs;
  const entries: ChartEntry[] = [];
  const ns = (r: (typeof results.summary)[number]): ChartEntry["ns"] => ({
    ...(r.small && { small: r.small.medianNs }),
    ...(r.large && { large: r.large.medianNs }),
  });
  // the table's * figures: timed over a subsample, each call on its own, not as a median pass
  const marked = (r: (typeof results.summary)[number]): Pick<ChartEntry, "marked"> => {
    const sizes = {
      ...(r.small && timedOnSubsample(r.small, results.mix.count) && { small: true }),
      ...(r.large && timedOnSubsample(r.large, results.mix.count) && { large: true }),
    };
    return Object.keys(sizes).length > 0 ? { marked: sizes } : {};
  };
  if (main !== undefined) {
    for (const r of results.summary.filter((x) => x.run === main.id)) {
      entries.push({ label: shortLabel(r.engine), engine: r.engine, ns: ns(r), highlight: r.engine.startsWith("writ"), ...marked(r) });
    }
  }
  for (const run of others) {
    for (const r of results.summary.filter((x) => x.run === run.id && x.engine === "writ")) {
      entries.push({ label: `${shortLabel(r.engine)} (no flag)`, engine: `${r.engine}@${run.id}`, ns: ns(r), highlight: true, ...marked(r) });
    }
  }
  return entries;
}

/** The chart's line on the bars marked *, as the table's footnote says how those figures were timed. */
function markedNote(results: BenchResults): string {
  const perCall = results.runs.some((r) => r.timings.some((t) => t.callsTimed === true));
  return perCall
    ? "* slow engine: over an evenly spaced subsample of the mix, the mean of each request's median call, not a median over the whole mix"
    : "* slow engine: timed over an evenly spaced subsample of the mix, not the whole mix (see the table)";
}

export function renderResults(results: BenchResults): { table: string; chart: string } {
  const m = results.machine;
  const chart = renderChart(chartEntries(results), {
    title: "Time per decision, agent-governance policy",
    subtitle:
      `median over a ${results.mix.count.toLocaleString("en-US")}-request mix, all engines in one process · ` +
      `${m.cpuModel} · Node ${m.node} · ${results.date.slice(0, 10)}${results.quick ? " · quick run" : ""}${results.writUnoptimized ? " · Writ compiled at O0" : ""}`,
    markedNote: markedNote(results),
  });
  return { table: renderTable(results), chart };
}

/** Writes latest.json, chart.svg and table.md into `dir`; returns their paths. */
export function writeResults(results: BenchResults, dir: string): string[] {
  makeDirectories(dir);
  const { table, chart } = renderResults(results);
  const files: [string, string][] = [
    ["latest.json", `${JSON.stringify(results, null, 2)}\n`],
    ["chart.svg", chart],
    ["table.md", table],
  ];
  return files.map(([name, text]) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = process.argv[2] ?? resultsDir();
  const read = JSON.parse(readFileSync(join(dir, "latest.json"), "utf8")) as BenchResults;
  // the summary again from the rounds, so that a change to how it is derived reaches older results
  const results: BenchResults = { ...read, summary: summarize(read.runs) };
  console.log(writeResults(results, dir).join("\n"));
}
