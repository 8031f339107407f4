// What a host that compiles at run time pays on its own thread with the background compiler
// (compiler/worker.ts): compiling runs in a worker, but the cache key, taking in the worker's reply and
// the copy each caller gets run on the host's event loop. Measured as the longest stall of that loop
// while a compile is awaited (perf_hooks' event-loop delay, sampled every millisecond) and, for cache
// hits and the key, as the time a call holds the thread. Part of writ-figures (README quotes them).

import { monitorEventLoopDelay } from "node:perf_hooks";
import { readFileSync } from "node:fs";
import { createBackgroundCompiler } from "../compiler/worker.js";

export type AddFigure = (what: string, value: number, unit: "µs" | "ms", target?: string) => void;

/**
 * A short policy whose every rule gets a diagnostic of 632 characters (a constant nested too deep to
 * show whole): `rules` diagnostics, the shape of result whose copies cost the host the most per byte
 * of source. `tag` makes texts distinct, so that each is a new compile.
 */
export function chattyPolicy(tag: string, rules: number): string {
  let text = `policy "p${tag}" version "1.0.0"\ninput { a: int }\nlet L = ${"[".repeat(99)}1${"]".repeat(99)}\n`;
  for (let i = 0; i < rules; i++) text += `permit r${i} when a in L\n`;
  return text;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/**
 * The longest the event loop was held (ms) while `work` ran. The monitor stays on for a few ms after
 * it settles: the stall of taking in a reply ends in the callback that settles it, before the
 * monitor's own timer can fire and record it.
 */
async function longestStall(work: () => Promise<unknown>): Promise<number> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  try {
    await work();
    await sleep(20);
  } finally {
    delay.disable();
  }
  // the histogram counts a timer's lateness beyond its 1 ms period
  return delay.max / 1e6;
}

/** Median ms `call` holds the thread until its promise settles, over `runs` calls, each on its own. */
async function heldMs(runs: number, call: () => Promise<unknown>): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await call();
    xs.push(performance.now() - t0);
  }
  return median(xs);
}

/** Median of `runs` measurements of `stall` (each a fresh compile it is given the index of). */
async function medianStall(runs: number, compile: (i: number) => Promise<unknown>): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) xs.push(await longestStall(() => compile(i)));
  return median(xs);
}

export async function measureBackgroundCompiler(smallFile: string, largeFile: string, quick: boolean, add: AddFigure): Promise<void> {
  const small = readFileSync(smallFile, "utf8");
  const large = readFileSync(largeFile, "utf8");
  const runs = quick ? 3 : 7;
  const compiler = createBackgroundCompiler();
  try {
    // the worker started and its compiler loaded, so that what follows is compiles only
    await compiler.compile(small, { fileName: smallFile });

    // what the same monitor shows with no compile at all: the host's own noise (timers, other processes)
    add("idle host, 200 ms: longest event-loop stall (the baseline of the stalls below)", await medianStall(runs, () => sleep(200)), "ms");
    // a fresh compile each time: the text differs in a comment, so its cache key does
    add("background compile, 12 rules: longest event-loop stall in the host", await medianStall(runs, (i) => compiler.compile(`${small}\n// ${i}\n`, { fileName: smallFile })), "ms");
    add("background compile, 1,012 rules: longest event-loop stall in the host", await medianStall(quick ? 1 : 3, (i) => compiler.compile(`${large}\n// ${i}\n`, { fileName: largeFile })), "ms");
    const smallHits = compiler.cacheHits;
    add("background compile, cache hit, 12 rules: host thread per call (key + copy)", (await heldMs(runs * 20, () => compiler.compile(small, { fileName: smallFile }))) * 1000, "µs");
    if (compiler.cacheHits !== smallHits + runs * 20) throw new Error("the 12-rule result was not kept in the cache");

    // a result of 10,000 diagnostics of 632 characters (about 15.8 MB as estimatedBytes counts): near
    // the largest the default cache keeps, a quarter of its 64 MiB
    const chatty = chattyPolicy("figures", 10_000);
    add("background compile, 10,000 diagnostics: longest event-loop stall in the host (reply + copy)", await longestStall(() => compiler.compile(chatty)), "ms");
    const hits = compiler.cacheHits;
    add("background compile, cache hit, 10,000 diagnostics: host thread per call (key + copy)", await heldMs(runs, () => compiler.compile(chatty)), "ms");
    // timed as cache hits, or the figure would be a compile's
    if (compiler.cacheHits !== hits + runs) throw new Error(`the 10,000-diagnostic result was not kept in the cache (${compiler.cacheHits - hits} hits of ${runs})`);

    // what a call of a large text holds the thread for before it returns: the cache key (SHA-256 of
    // the text, made on every call) and, the worker being idle, sending the text to it
    const length = 4_000_000;
    const head = `policy "huge" version "1.0.0"\ninput { a: int }\npermit r when a == 1\n`;
    const padding = "// padding to four million characters\n";
    const huge = (head + padding.repeat(Math.ceil(length / padding.length))).slice(0, length - 8);
    const keyMs: number[] = [];
    for (let i = 0; i < (quick ? 1 : 3); i++) {
      // flattened, as a text read from a file is: hashing a concatenation would flatten it first.
      // The last line is a comment whatever the cut left: the padding's lines are all comments
      const text = Buffer.from(`${huge}// ${String(i).padStart(4, "0")}\n`).toString();
      if (text.length !== length) throw new Error(`the large text has ${text.length} characters, not ${length}`);
      const t0 = performance.now();
      const pending = compiler.compile(text);
      keyMs.push(performance.now() - t0);
      await pending;
    }
    add("background compile of 4,000,000 characters: host thread until the call returns (cache key + text sent to the idle worker)", median(keyMs), "ms");
  } finally {
    await compiler.close();
  }
}
