// Compiling off the event loop. `asc` blocks its thread for the whole compile (0.2–1 s), so a host
// that compiles policies at run time does it here: in a worker thread, with a cache keyed by the
// source digest, the compiler version and the options, so the same policy is compiled once.

import { Worker, isMainThread, parentPort, workerData, type ResourceLimits } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import { sha3_512Hex } from "../runtime/crypto/digest.js";
import type { Bundle } from "../runtime/manifest.js";
import type { Diagnostic } from "./diagnostics.js";
import { compilePolicy, compilerVersion, type CompileOptions } from "./driver.js";
import { describeThrown } from "../runtime/thrown.js";

interface Job {
  readonly id: number;
  readonly text: string;
  readonly options: CompileOptions;
}

/** What crosses the thread boundary: the bundle and the diagnostics (no AST or IR). */
export interface CompiledInWorker {
  readonly bundle: Bundle | undefined;
  readonly diagnostics: Diagnostic[];
}

type Reply = { id: number; ok: true; result: CompiledInWorker } | { id: number; ok: false; message: string };

export interface BackgroundCompiler {
  /**
   * Compiles in the worker; a cached result is returned without compiling again. Each call gets its
   * own copy, so what one caller changes the next does not see. Rejects (never hangs) when the worker
   * fails — a crash or running out of memory; the next call starts a new worker — or after `close`.
   */
  compile(text: string, options?: CompileOptions): Promise<CompiledInWorker>;
  /** how many compiles the cache saved */
  readonly cacheHits: number;
  /** stops the worker; pending compiles are rejected, later ones too */
  close(): Promise<void>;
}

export interface BackgroundCompilerOptions {
  /** memory limits of the worker (node:worker_threads): a compile that exceeds them fails alone */
  readonly resourceLimits?: ResourceLimits;
  /** results kept, least recently used first out (default 256) */
  readonly cacheSize?: number;
}

/** The cache key of options: every value distinct (JSON alone would write NaN and Infinity as null). */
function optionsKey(options: CompileOptions): string {
  return JSON.stringify(options, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? `number:${v}` : typeof v === "bigint" ? `bigint:${v}` : v));
}

/** A compile worker with a cache keyed by the source digest, the compiler version and the options. */
export function createBackgroundCompiler(settings: BackgroundCompilerOptions = {}): BackgroundCompiler {
  const isTs = import.meta.url.endsWith(".ts");
  const cacheSize = settings.cacheSize ?? 256;
  const pending = new Map<number, { resolve: (r: CompiledInWorker) => void; reject: (e: Error) => void }>();
  const cache = new Map<string, Promise<CompiledInWorker>>();
  let worker: Worker | undefined;
  let closed = false;
  let nextId = 0;
  let hits = 0;

  const failAll = (e: Error) => {
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  /** The running worker, or a new one: a worker that crashed or ran out of memory is not reused. */
  const running = (): Worker => {
    if (worker) return worker;
    // Under tsx (development) the worker must load TypeScript too.
    const w = new Worker(fileURLToPath(import.meta.url), {
      workerData: { writCompileWorker: true },
      ...(isTs ? { execArgv: ["--import", "tsx"] } : {}),
      ...(settings.resourceLimits ? { resourceLimits: settings.resourceLimits } : {}),
    });
    w.unref();
    w.on("message", (reply: Reply) => {
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.result);
      else p.reject(new Error(reply.message));
      if (pending.size === 0) w.unref();
    });
    w.on("error", (e) => {
      if (worker === w) worker = undefined;
      failAll(e);
    });
    w.on("exit", (code) => {
      if (worker === w) worker = undefined;
      failAll(new Error(`the compile worker stopped (exit code ${code})`));
    });
    worker = w;
    return w;
  };

  return {
    get cacheHits() {
      return hits;
    },
    compile(text, options = {}) {
      if (closed) return Promise.reject(new Error("background compiler closed"));
      const key = sha3_512Hex(`${compilerVersion()}\0${optionsKey(options)}\0${text}`);
      let shared = cache.get(key);
      if (shared) {
        hits++;
        cache.delete(key); // most recently used: to the end
        cache.set(key, shared);
      } else {
        const id = nextId++;
        shared = new Promise<CompiledInWorker>((resolve, reject) => {
          pending.set(id, { resolve, reject });
          try {
            const w = running();
            w.ref();
            w.postMessage({ id, text, options } satisfies Job);
          } catch (e) {
            // options that cannot cross the thread boundary (a function, say)
            pending.delete(id);
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        });
        // a failed compile (worker crash, bad options) is not cached; diagnostics are
        shared.catch(() => cache.delete(key));
        cache.set(key, shared);
        if (cache.size > cacheSize) cache.delete(cache.keys().next().value!);
      }
      return shared.then((r) => structuredClone(r));
    },
    async close() {
      closed = true;
      failAll(new Error("background compiler closed"));
      const w = worker;
      worker = undefined;
      if (w) await w.terminate();
    },
  };
}

// Serve compiles only in a thread this module started: imported in some other worker thread of a
// host, it must not answer (or swallow) that thread's messages.
if (!isMainThread && parentPort && (workerData as { writCompileWorker?: boolean } | null)?.writCompileWorker === true) {
  const port = parentPort;
  port.on("message", (job: Job) => {
    compilePolicy(job.text, job.options).then(
      (r) => port.postMessage({ id: job.id, ok: true, result: { bundle: r.bundle, diagnostics: r.diagnostics } } satisfies Reply),
      (e: unknown) => port.postMessage({ id: job.id, ok: false, message: describeThrown(e) } satisfies Reply),
    );
  });
}
