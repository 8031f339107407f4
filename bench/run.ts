// The benchmark driver (`npm run bench`, or `npx tsx bench/run.ts` in development).
//
//   parent: builds the mix and the boundary requests (bench/boundary.ts), compiles Writ's bundles and
//           the reference answers with Writ's interpreter, whichever engines are measured
//           (bench/writ-build.ts), then runs each measurement in a fresh child process and writes
//           bench/results/.
//   child:  checks every engine against the reference on the boundary requests and the whole mix
//           (stops on any disagreement), then times all engines interleaved on the mix
//           (bench/harness.ts) and prints its figures as JSON.
//
// Two children: `wasm-flag` runs every engine under node --no-turbo-inline-js-wasm-calls, which
// engines/cedar.ts requires (cedar-wasm 4.13.0 can make V8 abort on Node 20 without it; see there);
// `no-flag` runs Writ (and the JS floor) without it, because the flag slows every JS→WASM call a
// little and Writ's users will not set it.
//
// Options: USAGE below (`--help` prints it).

import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_MIX_SEED, DEFAULT_MIX_SIZE, describeMix, generateMix, measureMix } from "./mix.js";
import { checkAgreement, checkEngine, describeDisagreements } from "./agreement.js";
import { boundaryRequests } from "./boundary.js";
import { measuredCommit } from "./commit.js";
import { FULL_TIMING, QUICK_TIMING, formatNs, measureTimerOverheadNs, measureTimerStepNs, timeEngineGroups, type EngineGroup } from "./harness.js";
import { HARNESS_FLOOR, harnessFloorEngine } from "./harness-floor.js";
import { ENGINE_ORDER, createEngines, isEngineName, type EngineName, type MissingEngine, type WritSupply } from "./engines/index.js";
import { POLICY_SIZES, type PolicySize } from "./engines/types.js";
import { WASM_CALL_FLAG } from "./engines/cedar.js";
import { decideAgentGovernance } from "./engines/js-ifelse.js";
import { largePermitPairs } from "./policies/large-permits.js";
import { buildWrit, type WritBuildResult } from "./writ-build.js";
import { RESULTS_FORMAT, summarize, type BenchResults, type HostProbe, type RunResult } from "./report/results.js";
import { hostProbeUs, parseWhenQuiet, waitForQuietHost } from "./host-probe.js";
import { renderResults, writeResults } from "./report/render.js";
import { packageRoot, resultsDir } from "./paths.js";
import { buildScaling, scalingEngines } from "./scaling.js";
import { MAX_SCALING_RULES, PARSER_MAX_TOKENS, SCALING_SIZES } from "./policies/generate-scaling.js";
import { withTempDir } from "./temp-dir.js";
import type { BenchRequest } from "./request.js";
import { isMainModule } from "../compiler/main-module.js";

const RESULT_MARKER = "@@bench-result ";

/** mulberry32 keeps a seed's low 32 bits (prng.ts): a larger seed would give a smaller one's mix */
const MAX_SEED = 2 ** 32 - 1;

export const USAGE = [
  "usage: npm run bench -- [options]   (or node --expose-gc dist/bench/run.js [options])",
  "",
  "  --quick                 a short run: indicative figures only (printed, not written)",
  "  --check                 agreement only: every engine against the reference on the whole mix",
  "                          and the boundary requests",
  "                          (and Writ on the scaling policies, with --scaling); times and writes nothing",
  "  --no-write              print the figures, do not touch bench/results/",
  "                          (a --quick run or a subset of the engines never writes there)",
  "  --engines=a,b           a subset of the engines, at least one of:",
  `                          ${ENGINE_ORDER.join(", ")}`,
  `  --seed=N                the mix's seed, from 0 to ${MAX_SEED} (default ${DEFAULT_MIX_SEED})`,
  "  --unoptimized           compile Writ at O0 (quicker, the same decisions); with --check or",
  "                          --no-write only, and the table says so: not the module writ compile builds",
  `  --scaling[=10,100,...]  also Writ on the scaling policies (default ${SCALING_SIZES.join(", ")} rules;`,
  `                          each size once, at most ${MAX_SCALING_RULES.toLocaleString("en-US")}: the parser takes no larger policy)`,
  "  --when-quiet=µs         start once two host probes in a row take under that many µs",
  "  --help                  this text",
  "",
  "Each option may be given once. npm run bench builds dist/ first; run directly, dist/bench/run.js",
  "measures dist/ as it was last built, while the commit the results name is the sources': build",
  "(npm run build) before a run whose figures you keep.",
].join("\n");

/** A whole number written in decimal digits (Number() would also take ``, `0x10`, `1e3`, ` 7`), or NaN. */
function decimal(text: string): number {
  return /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
}

/** The options that take no value or one: each may be given once (`--scaling` and `--scaling=` are one). */
const OPTION_NAMES = ["--quick", "--check", "--no-write", "--unoptimized", "--scaling", "--seed", "--engines", "--when-quiet"];

/** An argument's option name: `--seed` of `--seed=7`. */
function optionName(arg: string): string {
  const eq = arg.indexOf("=");
  return eq < 0 ? arg : arg.slice(0, eq);
}

export interface Options {
  readonly quick: boolean;
  readonly check: boolean;
  /** whether the figures replace bench/results/: only a full run's do */
  readonly write: boolean;
  /** why a timing run that was not told --no-write leaves bench/results/ alone, or null */
  readonly notWritten: string | null;
  /** compile Writ at O0 (faster; the decisions are the same) */
  readonly unoptimized: boolean;
  /** rule counts of the scaling policies to time Writ on, or null */
  readonly scaling: readonly number[] | null;
  readonly seed: number;
  readonly engines: readonly EngineName[];
  /** start once the host probe is under this many µs twice in a row (null: start at once) */
  readonly whenQuietUs: number | null;
}

/** What the parent hands a child (as a JSON file). */
interface Job {
  readonly seed: number;
  readonly count: number;
  readonly quick: boolean;
  readonly check: boolean;
  readonly reference: { readonly name: string; readonly answers: Readonly<Record<PolicySize, boolean[]>> };
  /** requests on either side of the policy's constants (boundary.ts): checked, never timed */
  readonly boundary: { readonly requests: readonly BenchRequest[]; readonly answers: Readonly<Record<PolicySize, boolean[]>> };
  /**
   * Writ's bundle directories per size, when a Writ engine is measured and Writ compiled; else why
   * there are none, which the child gives as the reason each Writ engine asked for is missing
   */
  readonly writ: { readonly bundleDirs: Readonly<Record<PolicySize, string>> } | { readonly missing: string };
  readonly runs: readonly RunSpec[];
  /** the scaling policies, compiled (run `scaling`) */
  readonly scaling: readonly ScalingJob[];
}

interface ScalingJob {
  readonly rules: number;
  readonly dir: string;
  readonly answers: boolean[];
  readonly compileMs: number;
  readonly moduleBytes: number;
}

const SCALING_RUN = "scaling";

interface RunSpec {
  readonly id: string;
  readonly description: string;
  readonly nodeFlags: readonly string[];
  readonly engines: readonly EngineName[];
}

/**
 * What a child prints, after RESULT_MARKER, when it has checked (and timed) what it could: its
 * figures, and the engines its run asked for that it could neither check nor time, each with why.
 * Under --check, where nothing is timed, `missing` is how the parent learns of a check not made.
 */
export interface ChildReport {
  readonly result: RunResult;
  readonly missing: readonly MissingEngine[];
}

const isWritEngine = (name: EngineName): boolean => name === "writ" || name === "writ-eval";

/** A reason on one line: its first, with the first diagnostic's headline when it goes on below ("p.writ did not compile:"). */
function oneLine(reason: string): string {
  const [first, next] = reason.split("\n");
  return first!.endsWith(":") && next !== undefined && next.trim() !== "" ? `${first} ${next.trim()}` : first!;
}

/** The options of `argv`, or a message saying which one is wrong and how (a usage error). */
export function parseOptions(argv: readonly string[]): Options | string {
  let quick = false;
  let check = false;
  let write = true;
  let unoptimized = false;
  let scaling: number[] | null = null;
  let seed = DEFAULT_MIX_SEED;
  let engines: EngineName[] = [...ENGINE_ORDER];
  let whenQuietUs: number | null = null;
  // an option given twice would have the second win (`--seed=1 --seed=2` ran seed 2) or drop the
  // first (`--engines=writ --engines=cedar` checked Cedar alone): neither is what was asked
  const given = new Map<string, string>();
  for (const arg of argv) {
    const name = optionName(arg);
    const before = given.get(name);
    if (before !== undefined) return `${name} is given twice (\`${before}\`, then \`${arg}\`): give each option once`;
    if (OPTION_NAMES.includes(name)) given.set(name, arg);
    if (arg === "--quick") quick = true;
    else if (arg === "--check") check = true;
    else if (arg === "--no-write") write = false;
    else if (arg === "--unoptimized") unoptimized = true;
    else if (arg === "--scaling") scaling = [...SCALING_SIZES];
    else if (arg.startsWith("--scaling=")) {
      const sizes = parseScalingSizes(arg.slice("--scaling=".length));
      if (typeof sizes === "string") return sizes;
      scaling = sizes;
    } else if (arg.startsWith("--seed=")) {
      seed = decimal(arg.slice("--seed=".length));
      if (!(seed <= MAX_SEED)) return `--seed needs a whole number from 0 to ${MAX_SEED}, got \`${arg.slice(7)}\``;
    } else if (arg.startsWith("--engines=")) {
      const names = parseEngineNames(arg.slice("--engines=".length));
      if (typeof names === "string") return names;
      engines = names;
    } else if (arg.startsWith("--when-quiet=")) {
      const us = parseWhenQuiet(arg.slice("--when-quiet=".length));
      if (typeof us === "string") return us;
      whenQuietUs = us;
    } else return `unknown option \`${arg}\` (known: --quick, --check, --no-write, --unoptimized, --scaling[=10,100,...], --seed=N, --engines=a,b, --when-quiet=µs, --help)`;
  }
  const notWritten = check || !write ? null : partialRun(quick, engines);
  const writes = write && !check && notWritten === null;
  // an O0 module is not what `writ compile` builds (O3): its figures must not become the published ones
  if (unoptimized && writes) {
    return "--unoptimized compiles Writ at O0, not as writ compile does (O3), so its figures are not to replace bench/results/: add --no-write (or --check)";
  }
  return { quick, check, write: writes, notWritten, unoptimized, scaling, seed, engines, whenQuietUs };
}

/** The engines of `--engines=a,b`, or what is wrong with them. */
function parseEngineNames(text: string): EngineName[] | string {
  const names = text.split(",");
  // no engine would check nothing ("every engine agrees") and time nothing
  if (names.every((n) => n === "")) return `--engines needs at least one engine, e.g. --engines=writ,cedar (known: ${ENGINE_ORDER.join(", ")})`;
  if (names.includes("")) return `--engines has an empty name in \`${text}\` (a comma too many): name each engine once, e.g. --engines=writ,cedar`;
  const unknown = names.filter((n) => !isEngineName(n));
  if (unknown.length > 0) return `unknown engine \`${unknown.join("`, `")}\` (known: ${ENGINE_ORDER.join(", ")})`;
  // one engine twice would be timed twice, its rounds counted as two engines'
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) return `--engines names \`${twice}\` twice`;
  return names as EngineName[];
}

/**
 * The rule counts of `--scaling=10,100`, or what is wrong with them. A size given twice would be
 * compiled twice into one directory (and its rounds counted as two sizes'); a size above
 * MAX_SCALING_RULES makes a policy the parser refuses, after generating its text and every rule.
 */
function parseScalingSizes(text: string): number[] | string {
  const sizes = text.split(",").map(decimal);
  if (sizes.some((n) => !Number.isSafeInteger(n) || n < 1)) return `--scaling needs rule counts, e.g. --scaling=10,100,1000, got \`${text}\``;
  const twice = sizes.find((n, i) => sizes.indexOf(n) !== i);
  if (twice !== undefined) return `--scaling names ${twice} rules twice, in \`${text}\`: give each size once`;
  const over = sizes.find((n) => n > MAX_SCALING_RULES);
  if (over !== undefined) {
    const most = MAX_SCALING_RULES.toLocaleString("en-US");
    return `--scaling: ${over.toLocaleString("en-US")} rules is too many; the largest size allowed is ${most} (a scaling policy of more rules has more than the ${PARSER_MAX_TOKENS.toLocaleString("en-US")} tokens the parser takes)`;
  }
  return sizes;
}

/**
 * Why a run's figures are not the published ones (bench/results/, which the README shows), or null
 * for a full run. A quick run's figures are indicative only, and a subset of the engines would
 * leave the table without the others: either, written, would replace the full run's.
 */
function partialRun(quick: boolean, engines: readonly EngineName[]): string | null {
  const missing = ENGINE_ORDER.filter((e) => !engines.includes(e));
  if (quick) return "a --quick run's figures are indicative only";
  if (missing.length > 0) return `this run left out ${missing.join(", ")}`;
  return null;
}

// ---------------------------------------------------------------------------------------------
// child

async function runChild(jobPath: string, runId: string): Promise<number> {
  const job = JSON.parse(readFileSync(jobPath, "utf8")) as Job;
  const spec = job.runs.find((r) => r.id === runId);
  if (spec === undefined) {
    console.error(`no run \`${runId}\` in ${jobPath}`);
    return 2;
  }
  const started = performance.now();
  const mix = generateMix(job.seed, job.count);
  if (spec.id === SCALING_RUN) return runScalingChild(job, spec, mix, started);
  const writ = await readWritSupply(job, spec);
  if (typeof writ === "string") {
    console.error(writ);
    return 3;
  }
  const notes: string[] = [];
  let missing: readonly MissingEngine[] = [];
  // one set of engines per policy size, so that both sizes are timed in every round (a slow stretch
  // of the host then falls on both, and the 1,012-rule figure compares with the 12-rule one)
  const groups: EngineGroup<BenchRequest>[] = [];
  for (const size of POLICY_SIZES) {
    const created = await createEngines(spec.engines, writ);
    if (groups.length === 0) {
      // the same engines are missing at both sizes: said once, on stderr and in the run's notes
      missing = created.missing;
      for (const m of missing) {
        const note = `${m.engine}: not ${job.check ? "checked" : "measured"}: ${m.why}`;
        notes.push(note);
        console.error(`  ${note}`);
      }
    }
    const expected = job.reference.answers[size];
    const boundary = { requests: job.boundary.requests, expected: job.boundary.answers[size] };
    for (const engine of created.engines) {
      try {
        await engine.prepare(size);
      } catch (e) {
        console.error(`${engine.name} could not prepare the ${size} policy: ${e instanceof Error ? e.message : String(e)}`);
        return 3;
      }
      const [edge, onMix] = checkEngine(engine, size, mix, expected, boundary);
      const failed = [edge, onMix].find((r) => r !== undefined && r.disagreementCount > 0);
      if (failed !== undefined) {
        console.error(describeDisagreements(failed, job.reference.name));
        return 4;
      }
      console.error(
        `  agree: ${engine.name} (${size}) matches ${job.reference.name} on all ${onMix!.checked} requests (${onMix!.allowed} allowed)` +
          ` and all ${edge!.checked} boundary requests (${edge!.allowed} allowed)`,
      );
    }
    // the harness floor, timed with the engines of its size in every round (harness-floor.ts)
    groups.push({ engines: [...created.engines, harnessFloorEngine<BenchRequest>(expected)], size, expected });
  }
  const timerOverheadNs = measureTimerOverheadNs();
  const timerStepNs = measureTimerStepNs();
  const timing = job.quick ? QUICK_TIMING : FULL_TIMING;
  const timed = job.check ? [] : timeEngineGroups(groups, mix, timing, timerOverheadNs, (line) => console.error(line));
  // kept apart from the engines' timings: it is no engine's row in the table, the ratios or the chart
  const timings = timed.filter((t) => t.engine !== HARNESS_FLOOR);
  const harnessFloor = timed.filter((t) => t.engine === HARNESS_FLOOR);
  const result: RunResult = {
    id: spec.id,
    description: spec.description,
    nodeFlags: spec.nodeFlags,
    timerOverheadNs,
    timerStepNs,
    reference: job.reference.name,
    timings,
    ...(harnessFloor.length > 0 ? { harnessFloor } : {}),
    notes,
    wallSeconds: (performance.now() - started) / 1000,
  };
  const report: ChildReport = { result, missing };
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(report)}\n`);
  return 0;
}

/**
 * Writ's bundles for a run, or the parent's reason for having none; or, as a message, why the
 * bundles the parent wrote cannot be read: the Writ engines the run asks for can then be neither
 * checked nor timed, and the run stops rather than go on without them.
 */
async function readWritSupply(job: Job, spec: RunSpec): Promise<WritSupply | string> {
  if ("missing" in job.writ) return job.writ;
  const wanted = spec.engines.filter(isWritEngine);
  if (wanted.length === 0) return { missing: "no Writ engine in this run" };
  const { readBundleResult } = await import("../runtime/trust/bundle-files.js");
  const small = readBundleResult(job.writ.bundleDirs.small);
  const large = readBundleResult(job.writ.bundleDirs.large);
  if (small.ok && large.ok) return { bundles: { small: small.bundle, large: large.bundle } };
  const why = !small.ok ? small.message : !large.ok ? large.message : "";
  return `${wanted.join(" and ")} cannot be ${job.check ? "checked" : "timed"}: the bundle the parent compiled cannot be read: ${why}`;
}

async function runScalingChild(job: Job, spec: RunSpec, mix: BenchRequest[], started: number): Promise<number> {
  const { readBundleResult } = await import("../runtime/trust/bundle-files.js");
  const timerOverheadNs = measureTimerOverheadNs();
  const groups: EngineGroup<BenchRequest>[] = [];
  for (const entry of job.scaling) {
    const read = readBundleResult(entry.dir);
    if (!read.ok) {
      console.error(`cannot read the ${entry.rules}-rule bundle: ${read.message}`);
      return 3;
    }
    const engines = await scalingEngines(entry.rules, read.bundle);
    for (const engine of engines) {
      engine.bindMix?.(mix);
      const report = checkAgreement(engine, "large", mix, entry.answers);
      if (report.disagreementCount > 0) {
        console.error(`${entry.rules} rules: ${describeDisagreements(report, job.reference.name)}`);
        return 4;
      }
    }
    console.error(`  agree: ${engines.map((e) => e.name).join(", ")} (${entry.rules} rules) match writ-interp on all ${mix.length} requests`);
    groups.push({ engines, size: String(entry.rules), expected: entry.answers });
  }
  // every size in every round, so that the ratios between sizes are measured side by side
  const timings = job.check ? [] : timeEngineGroups(groups, mix, job.quick ? QUICK_TIMING : FULL_TIMING, timerOverheadNs, (l) => console.error(l));
  const result: RunResult = {
    id: spec.id,
    description: spec.description,
    nodeFlags: spec.nodeFlags,
    timerOverheadNs,
    reference: "writ-interp",
    timings,
    notes: [],
    wallSeconds: (performance.now() - started) / 1000,
  };
  const report: ChildReport = { result, missing: [] };
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(report)}\n`);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// parent

/** Loader flags (tsx in development) are passed on; the flags under test are set per run. */
function inheritedExecArgv(): string[] {
  return process.execArgv.filter((a) => a !== "--expose-gc" && a !== WASM_CALL_FLAG);
}

function spawnRun(jobPath: string, spec: RunSpec): Promise<{ report?: ChildReport; error?: string }> {
  const script = fileURLToPath(import.meta.url);
  const args = [...spec.nodeFlags, ...inheritedExecArgv(), script, "--child", jobPath, spec.id];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => (out += chunk));
    child.on("error", (e) => resolve({ error: `cannot start the ${spec.id} run: ${e.message}` }));
    child.on("close", (code, signal) => {
      const line = out.split("\n").find((l) => l.startsWith(RESULT_MARKER));
      if (code === 0 && line !== undefined) resolve({ report: JSON.parse(line.slice(RESULT_MARKER.length)) as ChildReport });
      else resolve({ error: `the ${spec.id} run failed (${signal !== null ? `signal ${signal}` : `exit code ${code}`}); see the messages above` });
    });
  });
}

/** What the parent has made before the job directory: the job's contents, bar Writ's bundles. */
interface Prepared {
  readonly options: Options;
  readonly mix: BenchRequest[];
  readonly boundary: readonly BenchRequest[];
  readonly writ: WritBuildResult;
  readonly writMeasured: boolean;
  /** why there are no Writ bundles for the children, when there are none */
  readonly writMissing: string;
  readonly reference: Job["reference"];
  readonly boundaryAnswers: Job["boundary"]["answers"];
}

/** What the children ran, once the job directory is gone. */
interface Ran {
  readonly reports: ChildReport[];
  readonly hostProbes: HostProbe[];
  readonly scalingJobs: ScalingJob[];
  /** why the scaling policies asked for were not built, or undefined */
  readonly scalingMissed: string | undefined;
}

async function runParent(options: Options): Promise<number> {
  const quietStart = options.whenQuietUs === null ? undefined : await waitForQuietHost(options.whenQuietUs, (line) => console.error(line));
  const started = performance.now();
  const loadAtStart = loadavg();
  // the code as it is when the run starts is the code measured
  const commit = measuredCommit(packageRoot());
  const mix = generateMix(options.seed, DEFAULT_MIX_SIZE);
  const stats = measureMix(mix);
  console.error(`mix (seed ${options.seed}):\n${describeMix(stats).replace(/^/gm, "  ")}`);

  const wantsWrit = options.engines.some(isWritEngine);
  const boundary = boundaryRequests();
  // Writ's interpreter is the reference whichever engines are measured: compiled here even when no
  // Writ engine is (at O0 then, which decides alike and compiles faster)
  const writ = await buildWrit(mix, { optimize: wantsWrit && !options.unoptimized, boundary });
  const parentNotes: string[] = [];
  let reference: Job["reference"];
  let boundaryAnswers: Job["boundary"]["answers"];
  if (writ.ok) {
    reference = { name: "writ-interp", answers: writ.build.reference };
    boundaryAnswers = writ.build.boundaryReference;
  } else {
    // the hand-written JS answers instead, and every message names it as the reference
    const note = `${wantsWrit ? "Writ not measured" : "the engines are checked against js-ifelse, not Writ's interpreter"}: ${writ.reason}`;
    // a Writ engine asked for is named, with this reason, by the child's note on it
    if (!wantsWrit) parentNotes.push(oneLine(note));
    console.error(note);
    const large = largePermitPairs().byTool;
    const answers = (requests: readonly BenchRequest[]) => ({
      small: requests.map((r) => decideAgentGovernance(r, null)),
      large: requests.map((r) => decideAgentGovernance(r, large)),
    });
    reference = { name: "js-ifelse", answers: answers(mix) };
    boundaryAnswers = answers(boundary);
  }
  const writMeasured = writ.ok && wantsWrit;
  const writMissing = writ.ok ? "Writ is not among the engines" : oneLine(writ.reason);
  const prepared: Prepared = { options, mix, boundary, writ, writMeasured, writMissing, reference, boundaryAnswers };

  // removed whatever fails once it is made (a bundle that cannot be written, a child that cannot start)
  const ran = await withTempDir("writ-bench-", (jobDir) => runJob(jobDir, prepared));
  if (typeof ran === "number") return ran;
  const { reports, hostProbes, scalingJobs, scalingMissed } = ran;
  const scalingLine = scalingMissed === undefined ? undefined : scalingMissedText(scalingMissed, options.check).line;
  if (scalingLine !== undefined) parentNotes.push(`scaling not measured: ${scalingLine}`);
  if (options.check) {
    const referenceMissed = writ.ok || wantsWrit ? null : oneLine(writ.reason);
    const unchecked = uncheckedParts(reports, referenceMissed, scalingLine);
    const scaling = scalingJobs.length > 0 ? `; the scaling engines agree with writ-interp on the policies of ${scalingJobs.map((j) => j.rules).join(", ")} rules` : "";
    const engines = unchecked.length === 0 ? "every engine agrees" : "every engine checked agrees";
    console.error(`check: ${engines} with ${reference.name} on all ${mix.length} requests and ${boundary.length} boundary requests, both policy sizes${scaling}`);
    for (const what of unchecked) console.error(`check incomplete: ${what}`);
    return unchecked.length > 0 ? 1 : 0;
  }

  const results = reports.map((r) => r.result);
  const mainRuns = results.filter((r) => r.id !== SCALING_RUN);
  const scalingRun = results.find((r) => r.id === SCALING_RUN);
  const cpuList = cpus();
  const bench: BenchResults = {
    format: RESULTS_FORMAT,
    date: new Date().toISOString(),
    ...(commit === null ? {} : { commit }),
    quick: options.quick,
    machine: {
      node: process.version,
      v8: process.versions.v8,
      platform: process.platform,
      arch: process.arch,
      cpuModel: cpuList[0]?.model.trim() ?? "unknown",
      cpuCount: cpuList.length,
      memoryBytes: totalmem(),
      loadAverage: { start: loadAtStart, end: loadavg() },
      hostProbes,
      ...(quietStart === undefined ? {} : { quietStart }),
    },
    mix: { ...stats, seed: options.seed },
    writCompileMs: writ.ok && writMeasured ? writ.build.compileMs : null,
    ...(options.unoptimized && writMeasured ? { writUnoptimized: true as const } : {}),
    runs: mainRuns.map((r, i) => (i === 0 ? { ...r, notes: [...parentNotes, ...r.notes] } : r)),
    summary: summarize(mainRuns),
    scaling:
      scalingRun === undefined
        ? null
        : scalingJobs.map((j) => ({
            rules: j.rules,
            compileMs: j.compileMs,
            moduleBytes: j.moduleBytes,
            timings: scalingRun.timings.filter((t) => t.size === String(j.rules)),
          })),
    totalSeconds: (performance.now() - started) / 1000,
  };
  const { table } = renderResults(bench);
  console.log(table);
  for (const run of results) {
    for (const t of [...run.timings, ...(run.harnessFloor ?? [])]) {
      console.error(`  ${run.id} ${t.engine} ${t.size}: ${formatNs(t.medianNsPerDecision)} (p50 ${formatNs(t.p50Ns)}, p99 ${formatNs(t.p99Ns)})`);
    }
  }
  if (options.notWritten !== null) console.error(`bench/results/ left as it was: ${options.notWritten} (a full run without --quick or --engines writes them)`);
  if (options.write) {
    const paths = writeResults(bench, resultsDir());
    console.error(`wrote ${paths.join(", ")} (${bench.totalSeconds.toFixed(0)} s)`);
    // Writ's own figures (authorize, verify, bundle load, compile, memory) in a process of their own;
    // only a written run gets here, never a --quick one, so they are full figures and written too
    console.error("writ figures:");
    const figures = await runWritFigures();
    if (figures !== 0) return figures;
  }
  return 0;
}

/**
 * Writes the job into `jobDir` (Writ's bundles, the scaling policies', job.json) and runs each child
 * on it; an exit status when one fails.
 */
async function runJob(jobDir: string, p: Prepared): Promise<Ran | number> {
  const { options, mix, writ } = p;
  let writDirs: Job["writ"] = { missing: p.writMissing };
  if (writ.ok && p.writMeasured) {
    console.error(`writ: compiled 12 rules in ${writ.build.compileMs.small.toFixed(0)} ms, 1,012 rules in ${writ.build.compileMs.large.toFixed(0)} ms`);
    const { writeBundle } = await import("../runtime/trust/bundle-files.js");
    const bundleDirs = { small: join(jobDir, "small"), large: join(jobDir, "large") };
    for (const size of POLICY_SIZES) {
      mkdirSync(bundleDirs[size]);
      writeBundle(bundleDirs[size], writ.build.bundles[size]);
    }
    writDirs = { bundleDirs };
  }

  // built under --check too: the scaling engines' agreement with the interpreter is checked in their
  // child, as every other engine's is in its run, and a check that was asked for must be made
  const scalingJobs: ScalingJob[] = [];
  let scalingMissed: string | undefined;
  const wantsWrit = options.engines.some(isWritEngine);
  if (options.scaling !== null && !p.writMeasured) scalingMissed = wantsWrit ? "Writ did not compile" : "they are Writ's, and Writ is not among the engines";
  if (options.scaling !== null && p.writMeasured) {
    const built = await buildScaling(mix, options.scaling, { optimize: !options.unoptimized, log: (l) => console.error(l) });
    if (!built.ok) scalingMissed = built.reason;
    else {
      const { writeBundle } = await import("../runtime/trust/bundle-files.js");
      for (const b of built.builds) {
        const dir = join(jobDir, `scaling-${b.rules}`);
        mkdirSync(dir);
        writeBundle(dir, b.bundle);
        scalingJobs.push({ rules: b.rules, dir, answers: b.answers, compileMs: b.compileMs, moduleBytes: b.bundle.module.length });
      }
    }
  }
  if (scalingMissed !== undefined) console.error(scalingMissedText(scalingMissed, options.check).printed);

  const runs = runSpecs(options, p.writMeasured, scalingJobs);
  const job: Job = {
    seed: options.seed,
    count: DEFAULT_MIX_SIZE,
    quick: options.quick,
    check: options.check,
    reference: p.reference,
    boundary: { requests: p.boundary, answers: p.boundaryAnswers },
    writ: writDirs,
    runs,
    scaling: scalingJobs,
  };
  const jobPath = join(jobDir, "job.json");
  writeFileSync(jobPath, JSON.stringify(job));

  const reports: ChildReport[] = [];
  const hostProbes: HostProbe[] = [];
  const probe = (at: string): void => {
    const us = hostProbeUs();
    hostProbes.push({ at, us });
    console.error(`  host probe ${at}: SHA3-512 of 1.4 KB in ${us.toFixed(2)} µs`);
  };
  for (const spec of runs) {
    console.error(`run ${spec.id}: ${spec.description}${spec.engines.length > 0 ? ` (${spec.engines.join(", ")})` : ""}`);
    if (!options.check) probe(`before ${spec.id}`);
    const outcome = await spawnRun(jobPath, spec);
    if (outcome.error !== undefined) {
      console.error(`bench stopped: ${outcome.error}`);
      return 1;
    }
    reports.push(outcome.report!);
  }
  if (!options.check) probe("after the last run");
  return { reports, hostProbes, scalingJobs, scalingMissed };
}

/** The children to run: every engine under the flag Cedar needs, Writ again without it, the scaling policies. */
function runSpecs(options: Options, writMeasured: boolean, scalingJobs: readonly ScalingJob[]): RunSpec[] {
  const gcFlag = ["--expose-gc"];
  const runs: RunSpec[] = [
    {
      id: "wasm-flag",
      description: `all engines, node ${WASM_CALL_FLAG}`,
      nodeFlags: [...gcFlag, WASM_CALL_FLAG],
      engines: options.engines,
    },
  ];
  const writAlone = options.engines.filter((e) => e === "writ" || e === "writ-eval" || e === "js-ifelse" || e === "js-validated");
  if (writMeasured && !options.check && writAlone.some(isWritEngine)) {
    runs.push({ id: "no-flag", description: "without the flag", nodeFlags: gcFlag, engines: writAlone });
  }
  if (scalingJobs.length > 0) {
    runs.push({ id: SCALING_RUN, description: `Writ on ${scalingJobs.map((j) => j.rules.toLocaleString("en-US")).join(", ")} indexable rules, without the flag`, nodeFlags: gcFlag, engines: [] });
  }
  return runs;
}

/**
 * Why the scaling policies asked for are not checked or measured: the whole reason to print (a
 * policy that did not compile is "scaling-N.writ did not compile:" and then the compiler's
 * diagnostics, which are the reason), and a line of it for the table's notes and --check's verdict.
 */
export function scalingMissedText(reason: string, check: boolean): { readonly printed: string; readonly line: string } {
  return { printed: `scaling policies not ${check ? "checked" : "measured"}: ${reason}`, line: oneLine(reason) };
}

/**
 * What a --check did not check, one line each (a check asked for and not made is not a pass): each
 * engine a child could not check (named once, though more than one run asked for it), the
 * reference when no Writ engine was asked for and it is not Writ's interpreter (`referenceMissed`:
 * why), and the scaling policies when they were not built (`scalingMissed`: why).
 */
export function uncheckedParts(reports: readonly ChildReport[], referenceMissed: string | null, scalingMissed: string | undefined): string[] {
  const lines: string[] = [];
  const named = new Set<string>();
  for (const m of reports.flatMap((r) => r.missing)) {
    if (named.has(m.engine)) continue;
    named.add(m.engine);
    lines.push(`${m.engine} was not checked (${m.why})`);
  }
  if (referenceMissed !== null) lines.push(`the engines were checked against js-ifelse, not Writ's interpreter (${referenceMissed})`);
  if (scalingMissed !== undefined) lines.push(`the scaling policies were not checked (${scalingMissed})`);
  return lines;
}

function runWritFigures(): Promise<number> {
  const script = fileURLToPath(new URL("./writ-figures.js", import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--expose-gc", script], { stdio: ["ignore", "inherit", "inherit"] });
    child.on("exit", (code) => resolve(code ?? 1));
    child.on("error", () => resolve(1));
  });
}

export async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === "--child") return runChild(argv[1]!, argv[2]!);
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  const options = parseOptions(argv);
  if (typeof options === "string") {
    console.error(`bench: ${options}`);
    return 2;
  }
  return runParent(options);
}

// imported (by the tests, for parseOptions), nothing runs
if (isMainModule(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
