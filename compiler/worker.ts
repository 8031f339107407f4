// Compiling off the event loop. `asc` blocks its thread for the whole compile (0.2–1 s), so a host
// that compiles policies at run time does it here: in a worker thread, with a cache keyed by the
// source digest, the compiler version and the options, so the same policy is compiled once. The
// host's thread still makes the key (SHA-256 of the text, about 2 ms for 4,000,000 characters),
// takes in the worker's reply and copies the result for each caller: for a result of 45,000 long
// diagnostics, about 50 ms and 115–130 ms (README says so). The file name every diagnostic holds
// does not cross the boundary: the host puts its own back, one string for all (worker-reply.ts).

import { Worker, isMainThread, parentPort, workerData, type MessagePort, type ResourceLimits } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import type { Bundle } from "../runtime/manifest.js";
import { hasCompilerFault, type Diagnostic } from "./diagnostics.js";
import { diagnosticsFor, namesCompiledFile, sentDiagnostics, type SentDiagnostic } from "./worker-reply.js";
import { compilePolicy, compilerVersion, loadBackend, refusedInPollutedHost } from "./driver.js";
import { checkSource, describeValue, readCompileOptions, type CompileOptions } from "./options.js";
import { MAX_SOURCE_LENGTH } from "./syntax/index.js";
import { AscUnavailable, loadAsc } from "./backend/asc.js";
import { describeThrown, isInstance } from "../runtime/thrown.js";
import { ownOption } from "../runtime/own.js";
import { isWellFormed } from "../runtime/strings.js";
import { optionNames, unknownOptionProblem } from "../runtime/option-names.js";
import { cacheBound, readResourceLimits, timerOption } from "./worker-limits.js";
export { MAX_WORKER_CODE_RANGE_MB, MAX_WORKER_STACK_MB, MIN_WORKER_CODE_RANGE_MB, MIN_WORKER_STACK_MB } from "./worker-limits.js";

interface Job {
  readonly id: number;
  readonly text: string;
  readonly options: CompileOptions;
}

/** A background compile's result: the bundle and the diagnostics (no AST or IR), as sent across the thread boundary but for the file name (SentResult). */
export interface CompiledInWorker {
  readonly bundle: Bundle | undefined;
  readonly diagnostics: Diagnostic[];
}

/** A result as the worker sends it, and the cache keeps it: its diagnostics without the compile's file name (worker-reply.ts). */
export interface SentResult {
  readonly bundle: Bundle | undefined;
  readonly diagnostics: SentDiagnostic[];
}

/**
 * A result kept in the cache: as sent, with the one copy of the file name each caller's diagnostics
 * share, where any names it. A result naming it nowhere does not keep it: its bytes are not the
 * result's (a name of 90,000,000 characters is no reason to compile a clean policy again).
 */
interface CachedResult extends SentResult {
  readonly fileName?: string;
}

export type Reply = { id: number; ok: true; result: SentResult } | { id: number; ok: false; message: string; error: ErrorClass };
/** The worker's first message: the compiler and asc are loaded, compiles may come. */
type Ready = { ready: true };
/** Or instead: asc could not be loaded (the message says why), and the worker serves no compile. */
type StartFailed = { startFailed: string };

/** The classes of error a compile's refusal keeps across the thread boundary. */
const ERROR_CLASSES = { Error, RangeError, TypeError } as const;
type ErrorClass = keyof typeof ERROR_CLASSES;

/** The class `e` is rebuilt as on the other side: RangeError or TypeError as thrown, Error for anything else. */
function errorClass(e: unknown): ErrorClass {
  return isInstance(e, RangeError) ? "RangeError" : isInstance(e, TypeError) ? "TypeError" : "Error";
}

export interface BackgroundCompiler {
  /**
   * Compiles in the worker; a cached result is returned without compiling again. Each call gets its
   * own copy, so what one caller changes the next does not see. The options are read once, when
   * compile is called: changing the object afterwards changes nothing. Rejects (never throws, never
   * hangs) on options that are not of their types or hold a name CompileOptions does not have (a
   * RangeError or TypeError, as compilePolicy throws it), when the worker fails — a crash, running out of memory, or asc that could not be
   * loaded; the next call starts a new worker — or after `close`. A text longer than the parser takes
   * (MAX_SOURCE_LENGTH characters) is answered at once, in this thread, with compilePolicy's W0114,
   * unhashed and never sent to the worker. A result holding a fault of the compiler's own (W0901,
   * W0903, W0905) is not cached, and its worker is replaced: the next compile runs afresh.
   */
  compile(text: string, options?: CompileOptions): Promise<CompiledInWorker>;
  /** how many compiles the cache saved */
  readonly cacheHits: number;
  /** how many results the cache holds now (compiles still running not counted) */
  readonly cachedResults: number;
  /** the bytes the cache's results are estimated to hold now (estimatedBytes): at most `cacheBytes` */
  readonly cachedBytes: number;
  /** stops the worker; pending compiles are rejected, later ones too */
  close(): Promise<void>;
}

export interface BackgroundCompilerOptions {
  /**
   * memory limits of the worker (node:worker_threads): a compile that exceeds them fails alone, and
   * those waiting behind it go to a new worker. `stackSizeMb` must be from MIN_WORKER_STACK_MB (1) to
   * MAX_WORKER_STACK_MB (1,048,576), `codeRangeSizeMb` from MIN_WORKER_CODE_RANGE_MB (16) to
   * MAX_WORKER_CODE_RANGE_MB (1,024), the two generation sizes above 0 (all exported from
   * writ/compiler); any other limit, or a name Node does not know, is refused with a RangeError
   * (as is a name these options do not have, or a value out of range, for each of them).
   */
  readonly resourceLimits?: ResourceLimits;
  /** results kept, least recently used first out (default 256; 0 keeps none): a whole number */
  readonly cacheSize?: number;
  /**
   * bytes the kept results may hold together, as estimatedBytes counts them (default 64 MiB,
   * DEFAULT_CACHE_BYTES; 0 keeps none): a whole number. Least recently used results go first; a
   * result estimated above a quarter of it (16 MiB by default) is not kept at all. A policy of a
   * megabyte can have tens of megabytes of diagnostics: counted by results alone, a few hundred
   * such compiles held gigabytes, and V8 aborted the host.
   */
  readonly cacheBytes?: number;
  /**
   * Longest a compile may take, from the moment a started worker is given it (default 120,000 ms:
   * 20,000 rules of one comparison each take about 7 s of CPU, and 16,000 erroring forbids sharing
   * one index case, about the most rules of that size the token limit allows, 50 s): a compile still
   * running then is stopped with its worker and fails, and those waiting go to a new worker. The
   * optimiser's own memory lies outside `resourceLimits` (it is WebAssembly), so time is the bound
   * that always holds. A new worker's start (loading the compiler and asc, about 1 s) is not counted:
   * it has STARTUP_TIMEOUT_MS of its own, after which the compile waiting for it fails without having
   * run. The first compile on a new worker still runs the compiler's code cold, and may take two or
   * three times what the next one takes.
   */
  readonly timeoutMs?: number;
}

/**
 * How a new worker starts: for the project's own tests, which make a start slow on purpose and give it
 * a shorter allowance, to see a start that takes too long fail the compile waiting for it. A host has
 * no use for it. Its values are checked as BackgroundCompilerOptions' are, with a RangeError.
 */
export interface WorkerStartup {
  /** the worker waits this long before it says it is ready: a whole number of ms from 0 (default) to 2^31 − 1 */
  readonly delayMs?: number;
  /** instead of STARTUP_TIMEOUT_MS: a whole number of ms from 1 to 2^31 − 1 */
  readonly timeoutMs?: number;
}

/** The names BackgroundCompilerOptions and WorkerStartup have: any other is refused. */
const COMPILER_OPTIONS = optionNames<BackgroundCompilerOptions>({ resourceLimits: true, cacheSize: true, cacheBytes: true, timeoutMs: true });
const STARTUP_OPTIONS = optionNames<WorkerStartup>({ delayMs: true, timeoutMs: true });

/** An option's value, or `fallback` where it was left out (undefined); `null` is kept, for the option's check to refuse. */
const orDefault = (value: unknown, fallback: number): unknown => (value === undefined ? fallback : value);

/**
 * Longest a new worker may take to start. It loads the compiler and asc in about 1 s, several on a
 * busy machine; one that has not started in a minute is stuck (on a file system that does not
 * answer, say), and a compile must fail rather than wait for ever.
 */
export const STARTUP_TIMEOUT_MS = 60_000;

const DEFAULT_CACHE_SIZE = 256;
/** The bytes the cache's results may hold together by default (cacheBytes): 64 MiB. */
export const DEFAULT_CACHE_BYTES = 64 * 2 ** 20;
const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * The cache key of a compile: the SHA-256 of its parts, each fed to the hash on its own after its
 * length and encoding, so that no two lists of parts give the same bytes. The file name and the
 * text are hashed as UTF-8 when they are well-formed, as their UTF-16 code units otherwise, which
 * lose nothing: as UTF-8 a lone surrogate became U+FFFD, and a text the compiler refuses for one
 * (W0105) shared its key with the same text holding U+FFFD, which it accepts, and each got the
 * other's result. They are not written into one string first: as
 * JSON, a file name of 90,000,000 control characters (6 each, escaped) was longer than V8's longest
 * string, and compile rejected with a bare "Invalid string length". The options are checked
 * already (readCompileOptions): a budget is a whole number, which JSON writes exactly. The key is
 * made in the host's thread on every call, cache hits too: SHA-256 of the UTF-8 (native, and
 * collision-resistant, which is all a key needs) takes about 2 ms for a text of 4,000,000
 * characters, where SHA3-512 of the UTF-16 took about 25 and SHA-256 of it 4 and an allocation of 8 MB.
 */
function cacheKey(text: string, options: CompileOptions): string {
  const { fileName, optimize, maxCost, stopAfter } = options;
  const hash = createHash("sha256");
  const part = (s: string): void => {
    const encoding = isWellFormed(s) ? "utf8" : "utf16le";
    hash.update(`${s.length}:${encoding}:`).update(s, encoding);
  };
  part(JSON.stringify([compilerVersion(), fileName === undefined, optimize ?? null, maxCost ?? null, stopAfter ?? null]));
  part(fileName ?? "");
  part(text);
  return hash.digest("hex");
}

/**
 * The bytes a compile's result holds in the host's heap, estimated from above, or a number above
 * `limit` as soon as the count passes it (a result too large to keep is not walked to its end).
 * Strings count two bytes a character (V8 may keep them so) and a header; typed arrays (the
 * module) their bytes; objects and arrays a header and a slot each member. A value reached twice
 * counts once.
 */
export function estimatedBytes(value: unknown, limit = Infinity): number {
  let total = 0;
  const seen = new Set<object>();
  const pending: unknown[] = [value];
  while (pending.length > 0 && total <= limit) {
    const v = pending.pop();
    if (typeof v === "string") total += 16 + 2 * v.length;
    else if (typeof v !== "object" || v === null) total += 8;
    else if (!seen.has(v)) {
      seen.add(v);
      if (ArrayBuffer.isView(v)) total += 64 + v.byteLength;
      else {
        const values = Object.values(v);
        total += 32 + 16 * values.length;
        for (const member of values) pending.push(member);
      }
    }
  }
  return total;
}

/**
 * A compile worker with a cache keyed by the source digest, the compiler version and the options.
 * The worker compiles one policy at a time (a compile keeps its thread busy anyway); the others wait
 * here, so that when a compile brings the worker down (out of memory, say) it fails alone and those
 * waiting go to a new worker.
 */
export function createBackgroundCompiler(settings: BackgroundCompilerOptions = {}, startup: WorkerStartup = {}): BackgroundCompiler {
  // a name the options do not have is refused as a value out of range is: `timeoutms` must not
  // leave the default in place without a word
  for (const [what, options, known] of [
    ["createBackgroundCompiler", settings, COMPILER_OPTIONS],
    ["createBackgroundCompiler's startup", startup, STARTUP_OPTIONS],
  ] as const) {
    if (typeof options !== "object" || options === null) throw new RangeError(`${what}: the options must be an object, got ${describeValue(options)}`);
    const unknown = unknownOptionProblem(options, known);
    if (unknown !== null) throw new RangeError(`${what}: ${unknown}`);
  }
  // each option as the host's object holds it: one left out is the default, never what
  // Object.prototype holds under its name (a planted `timeoutMs: 1` stopped every compile)
  const resourceLimits = readResourceLimits(ownOption(settings, "resourceLimits"));
  const isTs = import.meta.url.endsWith(".ts");
  // (left out, or undefined, is the default; `null` is a value, and refused as any other of the
  // wrong type, as compile's own options and resourceLimits refuse it)
  const cacheSize = cacheBound("cacheSize", orDefault(ownOption(settings, "cacheSize"), DEFAULT_CACHE_SIZE));
  const cacheBytes = cacheBound("cacheBytes", orDefault(ownOption(settings, "cacheBytes"), DEFAULT_CACHE_BYTES));
  /** a result estimated above this is not kept: it would push out most others */
  const entryBytes = Math.floor(cacheBytes / 4);
  const timeoutMs = timerOption("timeoutMs", orDefault(ownOption(settings, "timeoutMs"), DEFAULT_TIMEOUT_MS), 1);
  interface Waiting {
    readonly job: Job;
    resolve(r: SentResult): void;
    reject(e: Error): void;
  }
  // checked as timeoutMs is: "abc", 0 or Infinity made every worker's start time out at once, and
  // every compile fail
  const startupTimeoutMs = timerOption("startup.timeoutMs", orDefault(ownOption(startup, "timeoutMs"), STARTUP_TIMEOUT_MS), 1);
  const startupDelayMs = timerOption("startup.delayMs", orDefault(ownOption(startup, "delayMs"), 0), 0);
  const queue: Waiting[] = [];
  /** the compile given to the worker, or waiting for a new worker to start */
  let inFlight: Waiting | undefined;
  /** stops a worker that takes longer than startupTimeoutMs to start, then the compile in flight after timeoutMs */
  let deadline: ReturnType<typeof setTimeout> | undefined;
  /** the compiles by key, least recently used first, each with the bytes its result holds (0 until it has one) */
  const cache = new Map<string, { readonly result: Promise<CachedResult>; bytes: number }>();
  /** the sum of the cache's bytes */
  let cachedBytes = 0;
  let worker: Worker | undefined;
  /** the worker has said it is ready */
  let started = false;
  let closed = false;
  let nextId = 0;
  let hits = 0;

  /** Sends the next waiting compile to the worker, if none is in flight (a new worker gets it once started). */
  const pump = (): void => {
    while (inFlight === undefined && queue.length > 0) {
      const next = queue.shift()!;
      let w: Worker;
      try {
        w = running();
      } catch (e) {
        // a worker that cannot start (ERR_WORKER_INIT_FAILED, whose message is only "EAGAIN": no room for its stack, say)
        // (a stack size given in resourceLimits is the likely cause: the check allows what no machine may have room for)
        const stack = resourceLimits?.stackSizeMb === undefined ? "" : ` (resourceLimits.stackSizeMb is ${resourceLimits.stackSizeMb} MB: a thread with a stack that large may not be made here)`;
        next.reject(new Error(`the compile worker could not start: ${describeThrown(e)}${stack}`));
        continue;
      }
      w.ref(); // a compile in flight keeps the process alive
      inFlight = next;
      if (started) give(w, next);
    }
    if (inFlight === undefined) worker?.unref();
  };
  /**
   * Sends a compile to a started worker: its time starts now. Counted from the worker's creation, a
   * compile's time took in the worker's start (about 1 s), and after one timeout every compile on a
   * new worker could time out, blamed on the compile.
   */
  const give = (w: Worker, waiting: Waiting): void => {
    w.postMessage(waiting.job); // the options are strings, numbers and booleans (copyOptions): they always clone
    deadline = setTimeout(() => timedOut(w, waiting), timeoutMs);
    deadline.unref(); // the worker's ref keeps the process alive while it compiles
  };
  /** The new worker has loaded the compiler and asc: the compile waiting for it goes now. */
  const workerStarted = (w: Worker): void => {
    started = true;
    clearTimeout(deadline);
    if (inFlight) give(w, inFlight);
  };
  /** The worker failed: the compile in flight fails with it; the rest go to a new worker. */
  const workerFailed = (w: Worker, e: Error): void => {
    if (worker !== w) return;
    worker = undefined;
    const failed = inFlight;
    inFlight = undefined;
    clearTimeout(deadline);
    failed?.reject(e);
    if (!closed) pump();
  };
  /** The compile in flight took too long: it is stopped with its worker, and fails. */
  const timedOut = (w: Worker, waiting: Waiting): void => {
    if (worker !== w || inFlight !== waiting) return;
    workerFailed(w, new Error(`the compile took longer than ${timeoutMs} ms (timeoutMs, timed from when the started worker was given it) and was stopped`));
    void w.terminate();
  };
  /** The new worker took too long to start: it is stopped, and the compile waiting for it fails unrun. */
  const startTimedOut = (w: Worker): void => {
    if (worker !== w || started) return;
    workerFailed(w, new Error(`the compile worker did not start within ${startupTimeoutMs} ms (loading the compiler and asc); the compile did not run`));
    void w.terminate();
  };
  /**
   * The new worker could not load asc: it is stopped, and the compile waiting for it fails unrun,
   * saying why. Those behind it go to a new worker, as after a crash: its module loader starts
   * afresh, where this one's may have kept the miss (asc.ts, loadAsc).
   */
  const startFailed = (w: Worker, why: string): void => {
    workerFailed(w, new Error(`the compile worker could not start: ${why}; the compile did not run`));
    void w.terminate();
  };
  /** A worker whose compile met a fault of the compiler's serves no other: the next compile gets a new one. */
  const retire = (w: Worker): void => {
    if (worker === w) worker = undefined;
    void w.terminate();
  };
  /** The running worker, or a new one: a worker that crashed or ran out of memory is not reused. */
  const running = (): Worker => {
    if (worker) return worker;
    // Under tsx (development) the worker must load TypeScript too.
    const w = new Worker(fileURLToPath(import.meta.url), {
      workerData: { writCompileWorker: true, startupDelayMs } satisfies WorkerSettings,
      ...(isTs ? { execArgv: ["--import", "tsx"] } : {}),
      ...(resourceLimits ? { resourceLimits } : {}),
    });
    w.unref();
    started = false;
    deadline = setTimeout(() => startTimedOut(w), startupTimeoutMs);
    deadline.unref();
    w.on("message", (reply: Reply | Ready | StartFailed) => {
      if (worker !== w) return;
      if ("ready" in reply) return workerStarted(w);
      if ("startFailed" in reply) return startFailed(w, reply.startFailed);
      const done = inFlight;
      if (done === undefined || done.job.id !== reply.id) return;
      inFlight = undefined;
      clearTimeout(deadline);
      if (reply.ok && hasCompilerFault(reply.result.diagnostics)) retire(w);
      if (reply.ok) done.resolve(reply.result);
      else done.reject(new ERROR_CLASSES[reply.error](reply.message));
      pump();
    });
    // what a worker dies of arrives as it was thrown there, cloned: a DOMException (a result that
    // could not be sent) or anything else a thread throws arrives as a bare object, not an Error
    w.on("error", (e: unknown) => workerFailed(w, isInstance(e, Error) ? e : new Error(`the compile worker failed: ${describeThrown(e)}`)));
    w.on("exit", (code) => workerFailed(w, new Error(`the compile worker stopped (exit code ${code})`)));
    worker = w;
    return w;
  };

  const compileOnce = (text: string, options: unknown): Promise<CompiledInWorker> => {
    if (closed) return Promise.reject(new Error("background compiler closed"));
    // checked before the cache: a Buffer or an array would otherwise share its text's key
    checkSource(text);
    // the options as they are now, read once and checked: the cache key and the job are both made
    // from this copy, so a host that changes its object afterwards (one reused for a loop of files)
    // changes neither
    const copy = readCompileOptions(options);
    // a host whose prototypes carry a planted property is answered here as compilePolicy answers it
    // (W0904), uncached and unsent: the worker's prototypes are not the host's, and the same text
    // and options are to get the same answer from both
    const refused = refusedInPollutedHost({ name: copy.fileName ?? "policy.writ", text });
    if (refused !== undefined) return Promise.resolve({ bundle: undefined, diagnostics: refused.diagnostics });
    if (text.length > MAX_SOURCE_LENGTH) return tooLong(text, copy);
    const key = cacheKey(text, copy);
    const entry = cache.get(key);
    let shared: Promise<CachedResult>;
    if (entry) {
      hits++;
      cache.delete(key); // most recently used: to the end
      cache.set(key, entry);
      shared = entry.result;
    } else {
      const id = nextId++;
      // the name the worker's diagnostics are of (compilePolicy's), kept from the host's copy of the options
      const fileName = copy.fileName ?? "policy.writ";
      const result = new Promise<SentResult>((resolve, reject) => {
        queue.push({ job: { id, text, options: copy }, resolve, reject });
        pump();
      }).then((sent): CachedResult => ({ bundle: sent.bundle, diagnostics: sent.diagnostics, ...(namesCompiledFile(sent.diagnostics) ? { fileName } : {}) }));
      shared = result;
      result.then((r) => keep(key, result, r), () => forget(key, result));
      cache.set(key, { result, bytes: 0 });
      if (cache.size > cacheSize) drop(cache.keys().next().value!);
    }
    return shared.then(forCaller);
  };

  /** A caller's own copy of a result: what one caller changes the next does not see. */
  const forCaller = (r: CachedResult): CompiledInWorker => ({
    bundle: structuredClone(r.bundle),
    // without a fileName, no diagnostic holds the marker it would replace
    diagnostics: diagnosticsFor(r.diagnostics, r.fileName ?? ""),
  });

  /** Takes `key` out of the cache, and its bytes with it. */
  const drop = (key: string): void => {
    cachedBytes -= cache.get(key)?.bytes ?? 0;
    cache.delete(key);
  };
  /** Takes `key` out of the cache if it still holds `result`: a failed compile (worker crash, bad options) is not kept. */
  const forget = (key: string, result: Promise<CachedResult>): void => {
    if (cache.get(key)?.result === result) drop(key);
  };
  /**
   * Counts the bytes of a compile's result, still cached: a compiler's fault, or a result above
   * entryBytes, is not kept; the least recently used results go until the rest fit in cacheBytes.
   * Diagnostics are kept, as any result is. The file name is counted once, where the result keeps it:
   * it holds the name once, and its diagnostics a marker each (worker-reply.ts).
   */
  const keep = (key: string, result: Promise<CachedResult>, r: CachedResult): void => {
    const entry = cache.get(key);
    if (entry?.result !== result) return;
    const bytes = hasCompilerFault(r.diagnostics) ? Infinity : estimatedBytes(r, entryBytes);
    if (bytes > entryBytes) return drop(key);
    entry.bytes = bytes;
    cachedBytes += bytes;
    // compiles still running hold nothing yet: they stay, for those who ask for them meanwhile
    for (const [older, { bytes: held }] of cache) {
      if (cachedBytes <= cacheBytes) break;
      if (held > 0) drop(older);
    }
  };

  /**
   * A text the parser does not take (W0114), answered by compilePolicy in this thread, which looks
   * at its length alone: making its cache key and sending it to the worker held the host's thread
   * for seconds (JSON, SHA3-512 and a copy of 200,000,000 characters: 4.3 s) to get the same answer.
   */
  const tooLong = (text: string, options: CompileOptions): Promise<CompiledInWorker> =>
    compilePolicy(text, options).then((r) => ({ bundle: r.bundle, diagnostics: r.diagnostics }));

  return {
    get cacheHits() {
      return hits;
    },
    get cachedResults() {
      let results = 0;
      for (const entry of cache.values()) if (entry.bytes > 0) results++;
      return results;
    },
    get cachedBytes() {
      return cachedBytes;
    },
    compile(text, options) {
      // whatever the options are (a Proxy, a throwing getter), the answer is a promise, as documented
      try {
        return compileOnce(text, options);
      } catch (e) {
        return Promise.reject(isInstance(e, Error) ? e : new Error(describeThrown(e)));
      }
    },
    async close() {
      closed = true;
      const error = new Error("background compiler closed");
      for (const waiting of [...(inFlight ? [inFlight] : []), ...queue.splice(0)]) waiting.reject(error);
      inFlight = undefined;
      clearTimeout(deadline);
      const w = worker;
      worker = undefined;
      if (w) await w.terminate();
    },
  };
}

/**
 * Sends a compile's reply to the host. A result that cannot be cloned (a value no structured clone
 * takes, which a result holding only the bundle and diagnostics should never have) is answered with
 * a failure saying so: thrown here, it would end the worker, and the host would have only what the
 * thread threw, a DOMException cloned into a bare object, to reject the compile with.
 */
export function sendReply(port: Pick<MessagePort, "postMessage">, reply: Reply): void {
  try {
    port.postMessage(reply);
  } catch (e) {
    port.postMessage({ id: reply.id, ok: false, message: `the compile's result could not be sent from the worker: ${describeThrown(e)}`, error: "Error" } satisfies Reply);
  }
}

/**
 * What a compile worker loads before it says it is ready: asc and the backend's modules (driver.ts,
 * BACKEND_MODULES), so that no compile it is given reads modules from disk. Rejects with
 * AscUnavailable when asc cannot be loaded.
 */
export async function prepareWorker(): Promise<void> {
  await Promise.all([loadAsc(), loadBackend()]);
}

/** What a worker is started with. */
interface WorkerSettings {
  readonly writCompileWorker: true;
  readonly startupDelayMs: number;
}

// Serve compiles only in a thread this module started: imported in some other worker thread of a
// host, it must not answer (or swallow) that thread's messages.
if (!isMainThread && parentPort && (workerData as Partial<WorkerSettings> | null)?.writCompileWorker === true) {
  const port = parentPort;
  const { startupDelayMs } = workerData as WorkerSettings;
  // asc and the backend's modules are loaded before the worker says it is ready, not in its first
  // compile: the host times a compile from then on, and stops a worker whose compile takes too
  // long, which must not be reading files then (a read in flight when a worker is terminated
  // leaves its descriptor open in the host's process). A worker that could not load them (EMFILE
  // while it started, say) says so instead, and is replaced: every compile it served would have
  // been an internal error.
  void prepareWorker()
    .then(() => new Promise((resolve) => setTimeout(resolve, startupDelayMs)))
    .then(() => {
      port.on("message", (job: Job) => {
        compilePolicy(job.text, job.options).then(
          (r) => sendReply(port, { id: job.id, ok: true, result: { bundle: r.bundle, diagnostics: sentDiagnostics(r.diagnostics, r.source.name) } }),
          (e: unknown) => sendReply(port, { id: job.id, ok: false, message: describeThrown(e), error: errorClass(e) }),
        );
      });
      port.postMessage({ ready: true } satisfies Ready);
    }, (e: unknown) => port.postMessage({ startFailed: isInstance(e, AscUnavailable) ? e.message : describeThrown(e) } satisfies StartFailed));
}
