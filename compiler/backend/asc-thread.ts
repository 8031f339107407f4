// One module compile on a thread of its own, started before the policy is parsed. This is what
// makes a fresh `writ compile` fit its budget on two cores: while the main thread loads the front
// end (Chevrotain builds its grammar), parses, checks and generates AssemblyScript, the thread loads
// asc and parses asc's standard library; the generated source then goes to the thread, which only
// has the program's own code left to compile and optimise.
//
// The thread also gets a larger young generation than a main thread starts with: asc's parser
// allocates its whole AST at once, and with V8's default semi-space most of that is copied by
// scavenges before it is promoted anyway.
//
// The result is the same as compileModule's in-thread compile (the same function runs, on the same
// asc, with the same options), and so is a failure to load asc: AscUnavailable, which the backend
// reports as the installation's fault, not the policy's; only the thread differs.

import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { noteV8Flags } from "./asc-cache.js";
import { AscUnavailable, type AscResult, type ModuleOptions, type PendingCompile, preferAscCodeCache, startCompile } from "./asc.js";

const MARK = "writ-asc-thread";

interface ThreadData {
  readonly mark: typeof MARK;
  readonly opts: ModuleOptions;
  /** V8 flags the parent set at run time (they are process-wide; the code cache key names them) */
  readonly v8Flags: readonly string[];
  readonly codeCache: boolean;
}

type ToThread = { kind: "finish"; source: string; memoryPages: number };

/**
 * What the thread answers: asc's result, or that asc could not be loaded there (sent as its reason,
 * so that the caller gets the AscUnavailable an in-thread compile throws, not a compile error).
 */
type FromThread = { kind: "result"; result: AscResult } | { kind: "unavailable"; reason: string };

/** Young generation of the compile thread, in MiB (V8's default semi-space is 16 MiB on 64-bit). */
const YOUNG_GENERATION_MB = 96;

/** A compile on a thread; `usedThread` tells whether the result came from it (tests). */
export interface ThreadCompile extends PendingCompile {
  usedThread(): boolean;
}

/**
 * Starts a compile on a new thread. `v8Flags` and `codeCache` repeat what the parent did
 * (tuneForOneShotCompile, preferAscCodeCache) so that the thread finds the same code cache.
 * If the thread cannot start or dies, `finish` falls back to compiling in this thread. Run from
 * the TypeScript sources (tsx, vitest) the compile stays in this thread: Node 20 applies no loader
 * hooks to a worker's entry, so a thread could not load this file.
 */
export function startCompileThread(opts: ModuleOptions, settings: { v8Flags: readonly string[]; codeCache: boolean }): ThreadCompile {
  const inThisThread = (): ThreadCompile => ({ ...startCompile(opts), usedThread: () => false });
  if (import.meta.url.endsWith(".ts")) return inThisThread();
  let worker: Worker;
  try {
    worker = new Worker(new URL(import.meta.url), {
      workerData: { mark: MARK, opts, v8Flags: settings.v8Flags, codeCache: settings.codeCache } satisfies ThreadData,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
  } catch {
    return inThisThread();
  }
  // an abandoned thread must not keep the process alive
  worker.unref();
  let settled = false;
  const result = new Promise<FromThread | undefined>((resolve) => {
    worker.once("message", (r: FromThread) => {
      settled = true;
      resolve(r);
    });
    worker.once("error", () => resolve(undefined));
    worker.once("exit", () => resolve(undefined));
  });
  return {
    async finish(source, memoryPages) {
      worker.ref();
      worker.postMessage({ kind: "finish", source, memoryPages } satisfies ToThread);
      const r = await result;
      void worker.terminate();
      // a thread that failed (not a compile error: those are results) gives way to this thread
      if (!settled || !r) return startCompile(opts).finish(source, memoryPages);
      if (r.kind === "unavailable") throw AscUnavailable.because(r.reason);
      return r.result;
    },
    cancel() {
      void worker.terminate();
    },
    usedThread: () => settled,
  };
}

if (!isMainThread && parentPort && (workerData as ThreadData | undefined)?.mark === MARK) {
  const data = workerData as ThreadData;
  const port = parentPort;
  for (const f of data.v8Flags) noteV8Flags(f);
  if (data.codeCache) preferAscCodeCache();
  const pending = startCompile(data.opts);
  // the parent terminates the thread when it no longer needs the compile
  port.once("message", (m: ToThread) => {
    pending.finish(m.source, m.memoryPages).then(
      // copied, not transferred: the bytes may share a buffer with asc's
      (result) => port.postMessage({ kind: "result", result } satisfies FromThread),
      (e: unknown) => port.postMessage(thrownInThread(e)),
    );
  });
}

/** What a compile that threw becomes: asc that did not load stays that; anything else is a failed compile. */
function thrownInThread(e: unknown): FromThread {
  if (e instanceof AscUnavailable) return { kind: "unavailable", reason: e.reason };
  return { kind: "result", result: { error: e instanceof Error ? e.message : String(e) } };
}
