// The chart and table: a well-formed SVG with one bar per engine and policy size, on a log axis with
// labelled decades; a table row per engine; and the committed results files consistent with each
// other. Also the harness's own arithmetic (quantiles, formatting) and its guard against an engine
// whose answers change while it is timed.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderChart, type ChartEntry } from "../../bench/report/chart.js";
import { chartEntries, renderResults } from "../../bench/report/render.js";
import { ratioOf, summarize, RESULTS_FORMAT, type BenchResults, type RunResult } from "../../bench/report/results.js";
import { formatNs, quantile, timeEngineGroups, timeEngines, timerStepOf, QUICK_TIMING } from "../../bench/harness.js";
import { generateMix } from "../../bench/mix.js";
import { createJsIfElseEngine, decideAgentGovernance } from "../../bench/engines/js-ifelse.js";
import type { Engine } from "../../bench/engines/types.js";
import type { BenchRequest } from "../../bench/request.js";
import type { EngineTiming } from "../../bench/harness.js";
import { resultsDir } from "../../bench/paths.js";
import { checkXml } from "./xml-check.js";
import { waitForQuietHost } from "../../bench/host-probe.js";

function timing(engine: string, size: "small" | "large", ns: number): EngineTiming {
  return {
    engine,
    label: `${engine} label`,
    size,
    requestsTimed: 1000,
    passesPerRound: 1,
    roundsNsPerDecision: [ns],
    medianNsPerDecision: ns,
    p50Ns: ns,
    p99Ns: ns * 2,
    singleCalls: 100,
  };
}

function sampleResults(): BenchResults {
  const main: RunResult = {
    id: "wasm-flag",
    description: "all engines",
    nodeFlags: ["--expose-gc", "--no-turbo-inline-js-wasm-calls"],
    timerOverheadNs: 30,
    reference: "writ-interp",
    timings: [
      timing("writ", "small", 120),
      timing("writ", "large", 150),
      timing("js-ifelse", "small", 40),
      timing("js-ifelse", "large", 60),
      timing("cel-js", "small", 2700),
      timing("cel-js", "large", 144_000),
      timing("cedar", "small", 200_000),
      timing("cedar", "large", 4_100_000),
    ],
    notes: [],
    wallSeconds: 1,
  };
  const noFlag: RunResult = { ...main, id: "no-flag", description: "without the flag", timings: [timing("writ", "small", 100), timing("writ", "large", 130)] };
  const runs = [main, noFlag];
  return {
    format: RESULTS_FORMAT,
    date: "2026-11-28T12:00:00.000Z",
    quick: false,
    machine: { node: "v20.20.2", v8: "11", platform: "linux", arch: "x64", cpuModel: "Test CPU <x&y>", cpuCount: 2, memoryBytes: 2 ** 33 },
    mix: { seed: 1, count: 1000, toolShare: 0.4, inTenantShare: 0.93, offHoursShare: 0.1, allowRateSmall: 0.2, allowRateLarge: 0.21 },
    writCompileMs: { small: 900, large: 4000 },
    runs,
    summary: summarize(runs),
    totalSeconds: 10,
  };
}

function bars(svg: string) {
  return checkXml(svg).elements.filter((e) => e.name === "rect" && e.attributes.get("class") === "bar");
}

describe("the chart", () => {
  it("is well-formed SVG with one bar per engine and size, labelled decades and a legend", () => {
    const results = sampleResults();
    const { chart } = renderResults(results);
    const xml = checkXml(chart);
    expect(xml.problems).toEqual([]);
    expect(xml.elements[0]!.name).toBe("svg");
    expect(xml.elements[0]!.attributes.get("xmlns")).toBe("http://www.w3.org/2000/svg");
    const found = bars(chart).map((b) => `${b.attributes.get("data-engine")}/${b.attributes.get("data-size")}`);
    // four engines of the main run, plus Writ without the flag, each at both sizes
    expect(found.sort()).toEqual(
      ["cedar", "cel-js", "js-ifelse", "writ", "writ@no-flag"].flatMap((e) => [`${e}/large`, `${e}/small`]).sort(),
    );
    for (const label of ["10 ns", "100 ns", "1 µs", "10 µs", "100 µs", "1 ms", "10 ms"]) expect(chart).toContain(`>${label}</text>`);
    expect(chart).toContain(">12 rules</text>");
    expect(chart).toContain(">1,012 rules</text>");
    expect(chart).toContain("Test CPU &lt;x&amp;y&gt;");
  });

  it("draws taller bars for slower engines, on a log scale", () => {
    const entries: ChartEntry[] = [
      { label: "a", engine: "a", ns: { small: 20, large: 200 } },
      { label: "b", engine: "b", ns: { small: 2000, large: 20_000 } },
    ];
    const heights = bars(renderChart(entries, { title: "t" })).map((b) => Number(b.attributes.get("height")));
    expect(heights).toHaveLength(4);
    // equal steps of a decade give equal steps of height
    const step = heights[1]! - heights[0]!;
    expect(step).toBeGreaterThan(10);
    expect(heights[2]! - heights[1]!).toBeCloseTo(step, 0.5);
    expect(heights[3]! - heights[2]!).toBeCloseTo(step, 0.5);
  });

  it("leaves out a size that was not measured", () => {
    const svg = renderChart([{ label: "only small", engine: "x", ns: { small: 50 } }], { title: "t" });
    expect(bars(svg).map((b) => b.attributes.get("data-size"))).toEqual(["small"]);
    expect(checkXml(svg).problems).toEqual([]);
  });

  it("catches malformed markup (the checker works)", () => {
    expect(checkXml("<svg><g></svg>").problems.length).toBeGreaterThan(0);
    expect(checkXml('<svg a="1" a="2"/>').problems).toContain("duplicate attribute a on <svg> at 0");
    expect(checkXml("<svg>a & b</svg>").problems).toEqual(["bare & at 7"]);
  });
});

describe("the table and the summary", () => {
  it("has a row per engine with ratios to Writ from the same process", () => {
    const results = sampleResults();
    const { table } = renderResults(results);
    const rows = table.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| engine") && !l.startsWith("| ---"));
    expect(rows).toHaveLength(5);
    const cedar = rows.find((r) => r.startsWith("| cedar label"))!;
    // 200 µs / 120 ns and 4.1 ms / 150 ns
    expect(cedar).toContain("| 1,667× | 27,333× |");
    expect(rows.find((r) => r.startsWith("| writ label |"))).toContain("| 1× | 1× |");
    expect(table).toContain("Writ compiled the 12-rule policy in 900 ms and the 1,012-rule policy in 4 s");
    expect(rows.at(-1)).toMatch(/^\| writ label — without the flag \| 100 ns \| 130 ns \|/);
    const summary = summarize(results.runs);
    expect(summary.find((r) => r.run === "wasm-flag" && r.engine === "cel-js")!.small!.ratioToWrit).toBeCloseTo(22.5, 5);
  });

  it("takes each ratio within a round: a host that changes speed between rounds does not skew it", () => {
    // the host runs at two speeds; each engine's rounds follow it, cel-js 7× Writ in every round
    const speeds = [1, 2, 2, 1, 2, 1, 1, 2, 2];
    const rounds = (ns: number, shift = 0) => speeds.map((_, k) => ns * speeds[(k + shift) % speeds.length]!);
    const with_ = (t: EngineTiming, r: number[]): EngineTiming => ({ ...t, roundsNsPerDecision: r, medianNsPerDecision: quantile(r, 0.5) });
    const writ = with_(timing("writ", "small", 0), rounds(200));
    const cel = with_(timing("cel-js", "small", 0), rounds(1400));
    expect(ratioOf(cel, writ)).toBeCloseTo(7, 9);
    // medians alone would set Writ's fast rounds against cel-js's slow ones, or the other way round
    const writSkew = with_(timing("writ", "small", 0), [200, 200, 200, 200, 200, 400, 400, 400, 400]);
    const celSkew = with_(timing("cel-js", "small", 0), [1400, 1400, 1400, 1400, 2800, 2800, 2800, 2800, 2800]);
    expect(celSkew.medianNsPerDecision / writSkew.medianNsPerDecision).toBe(14);
    expect(ratioOf(celSkew, writSkew)).toBe(7);
    // rounds that do not pair up: the ratio of the medians
    expect(ratioOf(with_(timing("cel-js", "small", 0), [1400, 1400]), writ)).toBe(1400 / writ.medianNsPerDecision);
  });

  it("adds the scaling table when scaling was measured", () => {
    const results: BenchResults = {
      ...sampleResults(),
      scaling: [10, 10_000].map((rules) => ({
        rules,
        compileMs: rules,
        moduleBytes: rules * 100,
        timings: [timing("writ", String(rules) as "small", 100), timing("js-closures", String(rules) as "small", rules * 5)],
      })),
    };
    const { table } = renderResults(results);
    expect(table).toContain("| rules | writ label | js-closures label | Writ × 10 rules (per round) | Writ compile | module size |");
    expect(table).toContain("| 10 | 100 ns | 50 ns | 1.00× | 10 ms | 1.0 KiB |");
    expect(table).toContain("| 10,000 | 100 ns | 50 µs | 1.00× | 10 s | 976.6 KiB |");
  });

  it("takes the scaling growth within each round, where the ratio of medians would follow the host", () => {
    // in round 2 the host slowed while 10,000 rules were timed: the medians (110 and 220 ns) say 2×,
    // the rounds 1.3×, 2× and 1.17×: the median of those is 1.3×
    const rounds = (ns: number[]) => ({ ...timing("writ", "small", 0), roundsNsPerDecision: ns, medianNsPerDecision: [...ns].sort((a, b) => a - b)[1]! });
    const results: BenchResults = {
      ...sampleResults(),
      scaling: [
        { rules: 10, compileMs: 1, moduleBytes: 1024, timings: [rounds([100, 110, 300])] },
        { rules: 10_000, compileMs: 1, moduleBytes: 1024, timings: [rounds([130, 220, 350])] },
      ],
    };
    expect(renderResults(results).table).toContain("| 10,000 | 220 ns | 1.30× |");
  });

  it("says Writ was compiled at O0 when it was (bench --unoptimized), in its rows, a note and the chart", () => {
    const optimized = renderResults(sampleResults());
    expect(optimized.table).not.toContain("O0");
    expect(optimized.chart).not.toContain("O0");
    const o0 = renderResults({ ...sampleResults(), writUnoptimized: true });
    const rows = o0.table.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| engine") && !l.startsWith("| ---"));
    expect(rows.filter((r) => r.includes(", compiled at O0")).map((r) => r.split(" |")[0])).toEqual([
      "| writ label, compiled at O0",
      "| writ label, compiled at O0 — without the flag",
    ]);
    expect(o0.table).toContain("**Writ was compiled at O0 (`--unoptimized`), not as `writ compile` compiles it (O3)");
    expect(o0.table).toContain("the 1,012-rule policy in 4 s at O0 (before timing");
    expect(o0.chart).toContain("Writ compiled at O0");
  });

  it("says how the slow engines (*) were timed, as the results say they were", () => {
    const base = sampleResults();
    const [main, noFlag] = base.runs;
    const slow = (t: EngineTiming, callsTimed: boolean): EngineTiming =>
      t.engine === "cedar" ? { ...t, requestsTimed: 100, passesPerRound: callsTimed ? 5 : 1, ...(callsTimed ? { callsTimed: true as const } : {}) } : { ...t, passesPerRound: 300 };
    const withSlow = (callsTimed: boolean): BenchResults => {
      const runs = [{ ...main!, timings: main!.timings.map((t) => slow(t, callsTimed)) }, { ...noFlag!, timings: noFlag!.timings.map((t) => slow(t, callsTimed)) }];
      const loaded = { ...base.machine, loadAverage: { start: [3.5, 3, 3], end: [3.1, 3, 3] } };
      return { ...base, machine: loaded, runs, summary: summarize(runs) };
    };
    const now = renderResults(withSlow(true)).table;
    expect(now).toContain("| cedar label | 200 µs* |");
    expect(now).toContain("\\* slow engine: timed over an evenly spaced subsample of the mix, at least five passes a round with each call timed on its own;");
    expect(now).toContain("absolute figures are inflated; the ratios, measured interleaved, hold better.");
    // results from before: one long pass a round, which every interruption reached
    const before = renderResults(withSlow(false)).table;
    expect(before).toContain("\\* timed over an evenly spaced subsample of the mix (slow engine).");
    expect(before).toContain("absolute figures are inflated; so are the ratios to the engines timed in fewer than 5 passes a round (cedar), whose every pass took its share of the interruptions.");
  });

  it("says how fast the host ran before each run, when the run probed it", () => {
    const base = sampleResults();
    expect(renderResults(base).table).not.toContain("How fast the host ran");
    const probed: BenchResults = { ...base, machine: { ...base.machine, hostProbes: [{ at: "before wasm-flag", us: 7.04 }, { at: "after the last run", us: 13.5 }] } };
    expect(renderResults(probed).table).toContain("7.04 µs before wasm-flag, 13.50 µs after the last run.");
  });

  it("says whether the run waited for a quiet host, and what it found", () => {
    const base = sampleResults();
    const quiet = (found: boolean): BenchResults => ({ ...base, machine: { ...base.machine, quietStart: { thresholdUs: 8, waitedSeconds: 41.2, found } } });
    expect(renderResults(quiet(true)).table).toContain("The run started once two probes in a row took under 8 µs (after waiting 41 s).");
    expect(renderResults(quiet(false)).table).toContain("It waited 41 s for two probes in a row under 8 µs, saw none, and started anyway.");
  });

  it("waits for a quiet host only as long as it may", async () => {
    const lines: string[] = [];
    const found = await waitForQuietHost(1e5, (l) => lines.push(l)); // any host is this quiet
    expect(found.found).toBe(true);
    expect(lines).toHaveLength(1);
    const none = await waitForQuietHost(1e-6, (l) => lines.push(l), 0); // none is: no waiting allowed
    expect(none).toMatchObject({ thresholdUs: 1e-6, found: false });
    expect(lines[1]).toContain("starting anyway");
  });

  it("matches the committed results files, when present", () => {
    const dir = resultsDir();
    if (!existsSync(join(dir, "latest.json"))) return;
    const results = JSON.parse(readFileSync(join(dir, "latest.json"), "utf8")) as BenchResults;
    expect(results.format).toBe(RESULTS_FORMAT);
    const svg = readFileSync(join(dir, "chart.svg"), "utf8");
    expect(checkXml(svg).problems).toEqual([]);
    const entries = chartEntries(results);
    const expectedBars = entries.reduce((n, e) => n + Object.keys(e.ns).length, 0);
    expect(bars(svg)).toHaveLength(expectedBars);
    expect(readFileSync(join(dir, "table.md"), "utf8")).toBe(renderResults(results).table);
  });
});

describe("what the figures include and where they stop", () => {
  const withFloor = (): BenchResults => {
    const base = sampleResults();
    const [main, noFlag] = base.runs;
    const rounds = (t: EngineTiming, r: number[]): EngineTiming => ({ ...t, roundsNsPerDecision: r, medianNsPerDecision: quantile(r, 0.5) });
    // Writ 120 ns, the JS 12 ns and the floor 7 ns in every round: 10× as timed, 22.6× above the floor
    const timings = main!.timings.map((t) =>
      t.engine === "js-ifelse" && t.size === "small" ? rounds(t, [12, 12, 12]) : t.engine === "writ" && t.size === "small" ? rounds(t, [120, 120, 120]) : t,
    );
    const floor = (size: "small" | "large", ns: number[]) => rounds({ ...timing("harness-floor", size, 0), label: "harness floor" }, ns);
    const runs = [{ ...main!, timings, harnessFloor: [floor("small", [7, 7, 7]), floor("large", [8, 8, 8])] }, noFlag!];
    return { ...base, runs, summary: summarize(runs) };
  };

  it("prints the harness floor under the table, and Writ's ratio to the JS with it taken out of both", () => {
    const results = withFloor();
    const { table } = renderResults(results);
    expect(table).toContain("Harness floor (main run): 7 ns (12 rules), 8 ns (1,012 rules) per decision, for an engine that only returns the precomputed answer");
    expect(table).toContain("Every figure timed in whole passes over the mix (every figure not marked \\*) includes it.");
    // (120 − 7) / (12 − 7) = 22.6; (150 − 8) / (60 − 8) = 2.7
    expect(table).toContain("Writ takes the hand-written JS's time 23× on 12 rules (10× with it) and 2.7× on 1,012 rules (2.5× with it).");
    // the floor is no engine: no row, no ratio, no bar
    expect(table).not.toContain("| harness floor");
    expect(results.summary.some((r) => r.engine === "harness-floor")).toBe(false);
    expect(chartEntries(results).some((e) => e.engine.startsWith("harness-floor"))).toBe(false);
  });

  it("says nothing of a harness floor in results that did not time it", () => {
    expect(renderResults(sampleResults()).table).not.toContain("Harness floor");
  });

  it("marks the slow engines' bars in the chart as the table marks their figures, and says why", () => {
    const base = sampleResults();
    const runs = base.runs.map((r) => ({ ...r, timings: r.timings.map((t) => (t.engine === "cedar" || (t.engine === "cel-js" && t.size === "large") ? { ...t, requestsTimed: 120, callsTimed: true as const } : t)) }));
    const results: BenchResults = { ...base, runs, summary: summarize(runs) };
    const { chart, table } = renderResults(results);
    expect(checkXml(chart).problems).toEqual([]);
    expect(table).toContain("| 144 µs* |");
    for (const figure of [">144 µs*</text>", ">200 µs*</text>", ">4.1 ms*</text>", ">2.7 µs</text>"]) expect(chart).toContain(figure);
    // the groups' labels (split over two lines when long) and the subtitle's line on them
    expect(chart).toContain(">Cedar (wasm)*</text>");
    expect(chart).toContain(">CEL (cel-js)*</text>");
    expect(chart).toContain(">JS if/else</text>");
    expect(chart).toContain("* slow engine: over an evenly spaced subsample of the mix, the mean of each request's median call, not a median over the whole mix");
    // no slow engine: no asterisk, no line
    expect(renderResults(base).chart).not.toContain("*");
  });

  it("prints a single call under the clock's step as at the timer's resolution, never as 0 ns", () => {
    const base = sampleResults();
    const fast = (t: EngineTiming): EngineTiming => (t.engine === "js-ifelse" && t.size === "small" ? { ...t, p50Ns: 0, p99Ns: 71 } : t);
    const at = (step: number | undefined): BenchResults => {
      const runs = base.runs.map((r) => ({ ...r, timings: r.timings.map(fast), ...(step === undefined ? {} : { timerStepNs: step }) }));
      return { ...base, runs, summary: summarize(runs) };
    };
    const measured = renderResults(at(10)).table;
    expect(measured).toContain("| js-ifelse label | 40 ns | 60 ns | 0.33× | 0.4× | ≤ 10 ns / 71 ns | 60 ns / 120 ns |");
    expect(measured).toContain("A single call faster than the clock's step, 10 ns on this host, measured at the start of the run, cannot be told from none");
    expect(measured).not.toContain("| 0 ns");
    // results from before the step was measured: 0 is at the resolution, whatever it was
    const older = renderResults(at(undefined)).table;
    expect(older).toContain("| < timer resolution / 71 ns |");
    expect(older).toContain("printed as < timer resolution, and latest.json keeps it as measured.");
    // the results keep the raw figure
    expect(at(10).summary.find((r) => r.engine === "js-ifelse")!.small!.p50Ns).toBe(0);
    // no figure under the step: no note
    expect(renderResults(sampleResults()).table).not.toContain("cannot be told from none");
  });

  it("names the mix's seed in the caption when it is not the default, and only then", () => {
    expect(renderResults(sampleResults()).table).toContain("over a seeded mix of 1000 requests (seed 1, not the default 20261128) (");
    const byDefault = { ...sampleResults(), mix: { ...sampleResults().mix, seed: 20261128 } };
    expect(renderResults(byDefault).table).toContain("over a seeded mix of 1000 requests (20.0% allowed");
  });

  it("finds the clock's step from back-to-back readings, through its rounding and interruptions", () => {
    const readings = (counts: Record<number, number>) => Object.entries(counts).flatMap(([d, n]) => Array<number>(n).fill(Number(d)));
    expect(timerStepOf(readings({ 40: 2200, 41: 140, 50: 6400, 51: 500, 60: 430, 61: 40, 1403: 1 }))).toBe(10);
    // a clock of 1 ns: the readings run into one another
    expect(timerStepOf(readings({ 21: 900, 22: 3000, 23: 2500, 24: 2000, 25: 1000, 26: 300 }))).toBe(1);
    expect(timerStepOf(readings({ 50: 1000 }))).toBe(1);
    // a clock of 1 ns beside a cluster of slower readings apart from it: no step of 14 ns
    expect(timerStepOf(readings({ 38: 1000, 39: 1000, 40: 1000, 41: 1000, 42: 1000, 43: 1000, 44: 1000, 45: 1000, 46: 1000, 47: 1000, 52: 25 }))).toBe(1);
  });
});

describe("the harness", () => {
  it("computes quantiles and formats durations", () => {
    expect(quantile([5, 1, 3], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.99)).toBeCloseTo(10.9, 9);
    expect(formatNs(42.4)).toBe("42.4 ns");
    expect(formatNs(6800)).toBe("6.8 µs");
    expect(formatNs(1_534_000)).toBe("1.53 ms");
    expect(formatNs(4.25e9)).toBe("4.25 s");
    expect(formatNs(Number.NaN)).toBe("n/a");
  });

  it("times engines in rounds and refuses an engine whose answers change mid-run", async () => {
    const mix = generateMix().slice(0, 200);
    const expected = mix.map((r) => decideAgentGovernance(r, null));
    const honest = createJsIfElseEngine();
    await honest.prepare("small");
    // a budget far above what 200 decisions of hand-written JS need: the whole mix is timed
    const options = { ...QUICK_TIMING, rounds: 3, warmupMs: 5, roundBudgetMs: 50, singleCallBudgetMs: 1 };
    const [t] = timeEngines([honest], "small", mix, expected, options, 0);
    expect(t!.roundsNsPerDecision).toHaveLength(3);
    expect(t!.medianNsPerDecision).toBeGreaterThan(0);
    expect(t!.p99Ns).toBeGreaterThanOrEqual(t!.p50Ns);
    expect(t!.requestsTimed).toBe(200);

    // an engine far slower than the budget allows is timed over an evenly spaced subsample
    const spin = (us: number) => {
      const end = process.hrtime.bigint() + BigInt(us * 1000);
      while (process.hrtime.bigint() < end);
    };
    const slow: Engine = { ...createJsIfElseEngine(), name: "slow", decide: (r) => (spin(20), decideAgentGovernance(r, null)) };
    const [s] = timeEngines([slow], "small", mix, expected, { ...options, roundBudgetMs: 2 }, 0);
    expect(s!.requestsTimed).toBe(100);
    expect(s!.medianNsPerDecision).toBeGreaterThan(20_000);

    let calls = 0;
    const fickle: Engine = { ...createJsIfElseEngine(), name: "fickle", decide: (r) => (++calls > 400 ? true : decideAgentGovernance(r, null)) };
    expect(() => timeEngines([fickle], "small", mix, expected, options, 0)).toThrow(/fickle \(small\) changed its answers/);
  });

  it("times several policy sizes in the same rounds, each against its own answers", async () => {
    const mix = generateMix().slice(0, 200);
    const expected = mix.map((r) => decideAgentGovernance(r, null));
    const options = { ...QUICK_TIMING, rounds: 4, warmupMs: 2, roundBudgetMs: 5, singleCallBudgetMs: 1 };
    // the order in which slots run, round after round
    const order: string[] = [];
    const engine = (name: string, answers: (r: BenchRequest) => boolean): Engine => ({
      ...createJsIfElseEngine(),
      name,
      decide: (r, i) => {
        if (i === 0) order.push(name);
        return answers(r);
      },
    });
    const inverse = (r: BenchRequest) => !decideAgentGovernance(r, null);
    const groups = [
      { engines: [engine("a", (r) => decideAgentGovernance(r, null))], size: "10", expected },
      { engines: [engine("b", inverse)], size: "100", expected: expected.map((x) => !x) },
    ];
    const timings = timeEngineGroups(groups, mix, options, 0);
    expect(timings.map((t) => [t.engine, t.size, t.roundsNsPerDecision.length])).toEqual([
      ["a", "10", 4],
      ["b", "100", 4],
    ]);
    // a's warm-up, b's warm-up, then each of the four rounds times a, then b (one size after the
    // other would read "ab")
    expect(order.join("").replace(/(.)\1+/g, "$1")).toBe("ab".repeat(5));
    // each group is held to its own answers: b's answers would be wrong for a's size
    const swapped = [groups[0]!, { ...groups[1]!, expected }];
    expect(() => timeEngineGroups(swapped, mix, options, 0)).toThrow(/b \(100\) changed its answers/);
  });
});
