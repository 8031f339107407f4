// Writ's own figures beside the comparison: authorize (decide + signed artifact, alone and with a
// lineage append in each fsync mode) on both crypto paths, batched authorize throughput (promise and
// synchronous APIs), artifact verification, bundle load (verify + instantiate), `writ compile` in a
// fresh process and in a warm one, what the background compiler costs the host's thread, module size
// and memory per loaded policy. Run by `npm run bench` (after a full comparison, which writes its
// results) or on its own: `node --expose-gc dist/bench/writ-figures.js [--quick]`. A full run writes bench/results/writ-figures.{json,md}, which
// the README includes; a --quick run's figures are indicative only, printed and never written there.

import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { isMainModule } from "../compiler/main-module.js";
import { loadPolicy, type LoadedPolicy } from "../runtime/policy.js";
import type { Bundle } from "../runtime/manifest.js";
import { setDefaultCryptoPath, type CryptoPath } from "../runtime/crypto/digest.js";
import { ed25519NativeBackend } from "../runtime/crypto/ed25519.js";
import { authorize, createBatchAuthorizer, createSigner, generateKeyPair, openLog, readBundle, signBundle, verifyArtifact } from "../runtime/trust/index.js";
import { hostProbeUs } from "./host-probe.js";
import { measuredCommit, type MeasuredCommit } from "./commit.js";
import { measureBackgroundCompiler } from "./background-compiler-figures.js";
import { generateMix } from "./mix.js";
import { packageRoot, policiesDir, resultsDir } from "./paths.js";
import { withTempDir } from "./temp-dir.js";

export const FIGURES_USAGE = [
  "usage: node --expose-gc dist/bench/writ-figures.js [--quick]",
  "",
  "  --quick   fewer runs: indicative figures, printed only (bench/results/ is left as it was)",
  "  --help    this text",
  "",
  "Without --quick the figures are written to bench/results/writ-figures.{json,md}.",
].join("\n");

export interface FiguresOptions {
  readonly quick: boolean;
}

/** The options of `argv`, or a message saying which one is wrong (a usage error; `--help` is main's). */
export function parseFiguresOptions(argv: readonly string[]): FiguresOptions | string {
  let quick = false;
  for (const arg of argv) {
    // a mistyped --quick (--quik) would start a full run of several minutes, and write its figures
    if (arg !== "--quick") return `unknown option \`${arg}\` (known: --quick, --help)`;
    if (quick) return "--quick is given twice: give it once";
    quick = true;
  }
  return { quick };
}

export interface Figure {
  readonly what: string;
  readonly value: number;
  readonly unit: "ns" | "µs" | "ms" | "s" | "/s" | "bytes" | "KiB";
  readonly target?: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

interface TimedMode {
  readonly label: string;
  /** calls timed in all, spread over the rounds */
  readonly runs: number;
  readonly target?: string | undefined;
  readonly run: (i: number) => unknown;
}

/** Each mode's median single-call time (µs), every mode timed in each of `rounds` rounds after a warm-up of a quarter of its runs. */
function timeInRounds(modes: readonly TimedMode[], rounds: number): number[] {
  for (const mode of modes) for (let i = 0; i < Math.max(20, mode.runs / 4); i++) mode.run(i);
  const times = modes.map((): number[] => []);
  for (let round = 0; round < rounds; round++) {
    modes.forEach((mode, k) => {
      const perRound = Math.ceil(mode.runs / rounds);
      for (let j = 0; j < perRound; j++) {
        const t0 = process.hrtime.bigint();
        mode.run(round * perRound + j);
        times[k]!.push(Number(process.hrtime.bigint() - t0) / 1000);
      }
    });
  }
  return times.map(median);
}

/** median wall time of `f` in microseconds, over `n` calls after `warm` warm-up calls */
function timeUs(n: number, warm: number, f: (i: number) => void): number {
  for (let i = 0; i < warm; i++) f(i);
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    f(i);
    xs.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return median(xs);
}

/**
 * Every figure, `quick` with fewer runs. `scratch` (removed by the caller however this ends) holds
 * the bundles `writ compile` writes and the lineage logs authorize appends to.
 */
async function measure(quick: boolean, scratch: string): Promise<{ meta: FiguresMeta; figures: Figure[] }> {
  const figures: Figure[] = [];
  const add = (what: string, value: number, unit: Figure["unit"], target?: string) => {
    figures.push(target === undefined ? { what, value, unit } : { what, value, unit, target });
    process.stderr.write(`  ${what}: ${value.toFixed(unit === "bytes" ? 0 : 2)} ${unit}${target ? ` (target ${target})` : ""}\n`);
  };
  const smallFile = join(policiesDir(), "agent-governance.writ");
  const largeFile = join(policiesDir(), "agent-governance-large.writ");
  const mix = generateMix();

  // `writ compile` in a fresh process, as a user runs it; the bundles it writes are the ones measured
  // below, so this process never loads the compiler (a host that only decides does not either)
  const cli = join(packageRoot(), "dist", "cli", "writ.js");
  const out = join(scratch, "bundles");
  mkdirSync(out);
  const fresh = (file: string, dir: string, runs: number) => {
    const xs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      execFileSync(process.execPath, [cli, "compile", file, "-o", dir], { stdio: "ignore" });
      xs.push((performance.now() - t0) / 1000);
    }
    return median(xs);
  };
  add("writ compile, 12 rules, fresh process", fresh(smallFile, join(out, "small"), quick ? 1 : 3), "s", "≤ 1.5 s");
  add("writ compile, 1,012 rules, fresh process", fresh(largeFile, join(out, "large"), 1), "s", "≤ 6 s");
  const smallBundle = readBundle(join(out, "small"));
  const largeBundle = readBundle(join(out, "large"));

  const key = generateKeyPair();
  const signed: Bundle = signBundle(smallBundle, key);
  add("module size, 12 rules", smallBundle.module.length, "bytes");
  add("module size, 1,012 rules", largeBundle.module.length, "bytes");

  // bundle load: signature, digests, ABI, profile, compile and instantiate
  add("load a signed bundle (verify + instantiate), 12 rules", timeUs(quick ? 20 : 100, 5, () => loadPolicy(signed, { trustedKeys: [key.publicKey] })) / 1000, "ms", "≤ 5 ms");
  const signedLarge = signBundle(largeBundle, key);
  add("load a signed bundle, 1,012 rules", timeUs(quick ? 5 : 20, 2, () => loadPolicy(signedLarge, { trustedKeys: [key.publicKey] })) / 1000, "ms");

  // memory per loaded policy: JS heap plus the module's fixed linear memory
  const g = (globalThis as { gc?: () => void }).gc;
  g?.();
  const before = process.memoryUsage();
  const kept: LoadedPolicy[] = [];
  for (let i = 0; i < 100; i++) kept.push(loadPolicy(signed, { trustedKeys: [key.publicKey] }));
  g?.();
  const after = process.memoryUsage();
  // each instance owns its fixed linear memory (manifest.memoryPages), outside the JS heap
  const linear = signed.manifest.memoryPages * 65536;
  add("memory per loaded policy: JS heap, 12 rules", Math.max(0, after.heapUsed - before.heapUsed) / kept.length / 1024, "KiB");
  add("memory per loaded policy: fixed linear memory, 12 rules", linear / 1024, "KiB");
  kept.length = 0;

  const policy = loadPolicy(signed, { trustedKeys: [key.publicKey] });
  const n = quick ? 500 : 3000;
  add("host probe before authorize: SHA3-512 of 1.4 KB (about 7 µs on a quiet host)", hostProbeUs(), "µs");
  // authorize: decide + signed artifact, then the same with a lineage append in each durability mode.
  // design.md's ≤ 60 µs target (decide + signed artifact + lineage append, native Ed25519) is set
  // against the append line that states its mode; with `fsync: "always"` (the default) fdatasync(2)
  // alone costs more than the target on most disks, so that line carries no target but is measured.
  // The modes of one path are timed interleaved, in rounds (as the comparison is): this host's speed
  // changes from minute to minute, and timed one after the other an early mode measured up to 1.8×
  // a later one that does more. Each figure is the median over every call of its mode.
  for (const path of ["native", "noble"] as CryptoPath[]) {
    setDefaultCryptoPath(path);
    const runs = path === "native" ? n : Math.max(50, n / 20);
    const signer = createSigner(key, { path });
    const dir = join(scratch, `log-${path}`);
    mkdirSync(dir);
    const logs = (["never", "always"] as const).map((fsync) => {
      const log = openLog(join(dir, `log-${fsync}.jsonl`), { fsync });
      return { fsync, log, signer: createSigner(key, { path, head: log.head().chain }) };
    });
    const tokens = Array.from({ length: 64 }, (_, i) => authorize(policy, mix[i], { signer }).artifact);
    const modes: TimedMode[] = [
      { label: `authorize: decide + signed artifact, no lineage, ${path}`, runs, run: (i) => authorize(policy, mix[i % mix.length], { signer }) },
      ...logs.map(({ fsync, log, signer: logged }) => ({
        label:
          fsync === "never"
            ? `authorize + lineage append, fsync "never" (record in the page cache), ${path}`
            : `authorize + lineage append, fsync "always" (default: fdatasync per record), ${path}`,
        // fdatasync per record is slow on any disk: fewer runs
        runs: fsync === "always" ? Math.max(50, Math.floor(runs / 6)) : runs,
        target: path === "native" && fsync === "never" ? "≤ 60 µs" : undefined,
        run: (i: number) => authorize(policy, mix[i % mix.length], { signer: logged, lineage: log }),
      })),
      {
        label: `verify an artifact, ${path}`,
        runs,
        target: path === "native" ? "≤ 150 µs" : undefined,
        run: (i) => verifyArtifact(tokens[i % 64]!, { trustedKeys: [key.publicKey], trustedPolicies: [policy.digests], path }),
      },
    ];
    const medians = timeInRounds(modes, 10);
    modes.forEach((mode, k) => add(mode.label, medians[k]!, "µs", mode.target));
    for (const { log } of logs) log.close();
  }
  setDefaultCryptoPath("native");
  add("host probe after verify: SHA3-512 of 1.4 KB", hostProbeUs(), "µs");

  // batched: one signature per Merkle tree head of 256 decisions. "One core" is counted in CPU time
  // (process.cpuUsage, GC and compiler threads included); wall time is shown beside it. Each mode
  // runs once untimed first: in a first pass V8 is still compiling the code on its background
  // threads, which process.cpuUsage counts (up to a quarter of the pass's CPU time, measured), so a
  // single timed pass would report start-up rather than the steady rate.
  const total = quick ? 5_000 : 40_000;
  const throughput = async (run: () => Promise<void> | void): Promise<{ wall: number; cpu: number }> => {
    await run();
    g?.();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await run();
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { wall: total / wall, cpu: total / ((cpu.user + cpu.system) / 1e6) };
  };
  // the promise API with every decision in flight at once: all 40,000 results stay alive until the end
  const batcher = createBatchAuthorizer({ signer: createSigner(key), maxBatch: 256, maxDelayMs: 5 });
  const allInFlight = await throughput(async () => {
    const inFlight: Promise<unknown>[] = [];
    for (let i = 0; i < total; i++) inFlight.push(batcher.authorize(policy, mix[i % mix.length]));
    await Promise.all(inFlight);
  });
  add(`batched authorize, promise per decision, ${total.toLocaleString("en")} in flight: signed decisions per second (wall)`, allInFlight.wall, "/s");
  add(`batched authorize, promise per decision, ${total.toLocaleString("en")} in flight: signed decisions per CPU-second`, allInFlight.cpu, "/s", "≥ 50,000/s");
  // the promise API as a server drives it: a bounded window of requests in flight (4 batches)
  const windowed = await throughput(async () => {
    for (let i = 0; i < total; i += 1024) {
      const wave: Promise<unknown>[] = [];
      for (let j = i; j < Math.min(i + 1024, total); j++) wave.push(batcher.authorize(policy, mix[j % mix.length]));
      await Promise.all(wave);
    }
  });
  add("batched authorize, promise per decision, 1,024 in flight: signed decisions per CPU-second", windowed.cpu, "/s", "≥ 50,000/s");
  // The synchronous API (a host that holds a queue hands over 256 requests at a time), without and
  // with the lineage log: design.md's authorize row counts the append, so the batched mode is
  // measured with it too (one write per batch, records in the page cache as for the single append).
  // The two alternate in rounds of a quarter of the requests, each after one untimed pass, and each
  // figure is the median over the rounds, so that a change of the host's speed falls on both alike.
  // Each logged pass writes a log of its own, from the start of a chain; all are removed afterwards.
  const queues = Array.from({ length: Math.ceil(total / 256) }, (_, q) => Array.from({ length: Math.min(256, total - q * 256) }, (_, j) => mix[(q * 256 + j) % mix.length]));
  const rounds = 4;
  const roundQueues = Array.from({ length: rounds }, (_, r) => queues.filter((_, q) => q % rounds === r));
  const syncBatcher = createBatchAuthorizer({ signer: createSigner(key), maxBatch: 256 });
  const logDir = join(scratch, "log-batched");
  mkdirSync(logDir);
  let pass = 0;
  const passes = {
    sync: (part: readonly unknown[][]) => {
      for (const queue of part) syncBatcher.authorizeBatch(policy, queue);
    },
    logged: (part: readonly unknown[][]) => {
      const batchLog = openLog(join(logDir, `batched-${pass++}.jsonl`), { fsync: "never" });
      const loggedBatcher = createBatchAuthorizer({ signer: createSigner(key), maxBatch: 256, lineage: batchLog });
      for (const queue of part) loggedBatcher.authorizeBatch(policy, queue);
      batchLog.close();
    },
  };
  const rates = { sync: { wall: [] as number[], cpu: [] as number[] }, logged: { wall: [] as number[], cpu: [] as number[] } };
  for (const mode of ["sync", "logged"] as const) passes[mode](roundQueues[0]!);
  for (let round = 0; round < rounds; round++) {
    for (const mode of ["sync", "logged"] as const) {
      const part = roundQueues[round]!;
      const decisions = part.reduce((sum, queue) => sum + queue.length, 0);
      g?.();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      passes[mode](part);
      const wall = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      rates[mode].wall.push(decisions / wall);
      rates[mode].cpu.push(decisions / ((cpu.user + cpu.system) / 1e6));
    }
  }
  add("batched authorizeBatch (synchronous), 256 per call: signed decisions per second (wall)", median(rates.sync.wall), "/s");
  add("batched authorizeBatch (synchronous), 256 per call: signed decisions per CPU-second", median(rates.sync.cpu), "/s", "≥ 50,000/s");
  add('batched authorizeBatch + lineage append (fsync "never"), 256 per call: signed decisions per second (wall)', median(rates.logged.wall), "/s");
  add('batched authorizeBatch + lineage append (fsync "never"), 256 per call: signed decisions per CPU-second', median(rates.logged.cpu), "/s", "≥ 50,000/s");
  add("host probe after batched: SHA3-512 of 1.4 KB", hostProbeUs(), "µs");

  // warm compile last: it loads AssemblyScript into this process
  const { compilePolicy } = await import("../compiler/driver.js");
  const warm: number[] = [];
  for (let i = 0; i < (quick ? 2 : 4); i++) {
    const t0 = performance.now();
    await compilePolicy(readFileSync(smallFile, "utf8"), { fileName: smallFile });
    warm.push(performance.now() - t0);
  }
  add("compile 12 rules, warm process", median(warm.slice(1)), "ms");
  // compiling at run time off the event loop: what the host's thread still pays
  await measureBackgroundCompiler(smallFile, largeFile, quick, add);

  const meta: FiguresMeta = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    // what the `native` lines sign and verify with (runtime/crypto/ed25519.ts)
    nativeEd25519: ed25519NativeBackend(),
    quick,
  };
  // which code these figures are of, as latest.json says for the engines' (the README shows both)
  const commit = measuredCommit(packageRoot());
  return { meta: commit === null ? meta : { ...meta, commit }, figures };
}

export interface FiguresMeta {
  readonly date: string;
  readonly node: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly nativeEd25519: string | null;
  readonly quick: boolean;
  /** the commit measured, when git says (bench/commit.ts) */
  readonly commit?: MeasuredCommit;
}

/** writ-figures.md: one row per figure, and where it was measured. */
export function figuresTable(meta: FiguresMeta, figures: readonly Figure[]): string {
  const rows = figures.map((f) => `| ${f.what} | ${f.unit === "bytes" ? f.value.toFixed(0) : f.value < 10 ? f.value.toFixed(2) : f.value.toFixed(0)} ${f.unit} | ${f.target ?? ""} |`);
  const commit = meta.commit === undefined ? "" : ` at commit ${meta.commit.sha.slice(0, 10)}${meta.commit.dirty ? " (with uncommitted changes)" : ""}`;
  const where = `Measured ${meta.date.slice(0, 10)}${commit} on ${meta.cpu} (${meta.cores} cores), Node ${meta.node}; native Ed25519: ${meta.nativeEd25519 ?? "none"}.`;
  return ["| Writ figure | measured | target |", "| --- | ---: | --- |", ...rows, "", where, ""].join("\n");
}

/**
 * Writes a full run's figures into `dir` (bench/results/, which the README includes) and says so on
 * `log`; a --quick run's are printed on `print` only, since they are indicative and would replace the
 * full run's. Returns the files written.
 */
export function reportFigures(meta: FiguresMeta, figures: readonly Figure[], dir: string, print: (text: string) => void, log: (line: string) => void): string[] {
  const table = figuresTable(meta, figures);
  if (meta.quick) {
    print(table);
    log("writ figures: a --quick run's figures are indicative only: printed, not written (bench/results/ left as it was)");
    return [];
  }
  const files = [join(dir, "writ-figures.json"), join(dir, "writ-figures.md")];
  writeFileSync(files[0]!, JSON.stringify({ ...meta, figures }, null, 2) + "\n");
  writeFileSync(files[1]!, table);
  log(`writ figures: wrote ${files.join(", ")}`);
  return files;
}

export async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(FIGURES_USAGE);
    return 0;
  }
  const options = parseFiguresOptions(argv);
  if (typeof options === "string") {
    console.error(`writ-figures: ${options}\n${FIGURES_USAGE}`);
    return 2;
  }
  try {
    const { meta, figures } = await withTempDir("writ-figures-", (scratch) => measure(options.quick, scratch));
    reportFigures(meta, figures, resultsDir(), (text) => console.log(text), (line) => console.error(line));
    return 0;
  } catch (e) {
    console.error(`writ figures failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return 1;
  }
}

// imported (by the tests), nothing runs
if (isMainModule(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
