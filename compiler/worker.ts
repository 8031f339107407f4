// Compiling off the event loop. `asc` blocks its thread for the whole compile (0.2–1 s), so a host
// that compiles policies at run time does it here: in a worker thread, with a cache keyed by the
// source digest, the compiler version and the options, so the same policy is compiled once.

import { Worker, isMainThread, parentPort } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import { sha3_512Hex } from "../runtime/crypto/digest.js";
import type { Bundle } from "../runtime/manifest.js";
import type { Diagnostic } from "./diagnostics.js";
import { compilePolicy, compilerVersion, type CompileOptions } from "./driver.js";

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
  /** compiles in the worker; a cached result is returned without compiling again */
  compile(text: string, options?: CompileOptions): Promise<CompiledInWorker>;
  /** how many compiles the cache saved */
  readonly cacheHits: number;
  /** stops the worker; pending compiles are rejected */
  close(): Promise<void>;
}

export function createBackgroundCompiler(): BackgroundCompiler {
  const isTs = import.meta.url.endsWith(".ts");
  // Under tsx (development, tests) the worker must load TypeScript too.
  const worker = new Worker(fileURLToPath(import.meta.url), isTs ? { execArgv: ["--import", "tsx"] } : {});
  worker.unref();
  const pending = new Map<number, { resolve: (r: CompiledInWorker) => void; reject: (e: Error) => void }>();
  const cache = new Map<string, Promise<CompiledInWorker>>();
  let nextId = 0;
  let hits = 0;
  worker.on("message", (reply: Reply) => {
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if (reply.ok) p.resolve(reply.result);
    else p.reject(new Error(reply.message));
  });
  worker.on("error", (e) => {
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  });
  return {
    get cacheHits() {
      return hits;
    },
    compile(text, options = {}) {
      const key = sha3_512Hex(`${compilerVersion()}\0${JSON.stringify(options)}\0${text}`);
      const cached = cache.get(key);
      if (cached) {
        hits++;
        return cached;
      }
      const id = nextId++;
      const promise = new Promise<CompiledInWorker>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.ref();
        worker.postMessage({ id, text, options } satisfies Job);
      }).finally(() => {
        if (pending.size === 0) worker.unref();
      });
      // a failed compile (worker crash) is not cached; diagnostics are
      promise.catch(() => cache.delete(key));
      cache.set(key, promise);
      return promise;
    },
    async close() {
      for (const p of pending.values()) p.reject(new Error("background compiler closed"));
      pending.clear();
      await worker.terminate();
    },
  };
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  port.on("message", (job: Job) => {
    compilePolicy(job.text, job.options).then(
      (r) => port.postMessage({ id: job.id, ok: true, result: { bundle: r.bundle, diagnostics: r.diagnostics } } satisfies Reply),
      (e: unknown) => port.postMessage({ id: job.id, ok: false, message: e instanceof Error ? e.message : String(e) } satisfies Reply),
    );
  });
}
