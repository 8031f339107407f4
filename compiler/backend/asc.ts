// In-memory AssemblyScript compilation of a generated decision module. The generated `policy.ts` and
// the support library `writ.ts` (read from assembly/ once) are served to asc as virtual files: no disk
// I/O, relative names only, so the bytes do not depend on the directory or process. Options come
// from asconfig.json's `options` (stub runtime, abort disabled: zero imports) plus fixed memory
// (initial == maximum, so no `memory.grow` is reachable) and the constant pool's base address.
//
// For a fresh process (the CLI), loading asc and parsing its standard library cost more than the
// policy's own compile. So a compile can start before its source exists (startCompile), here or on
// a thread (asc-thread.ts), and be handed to the backend (prestartCompile); asc can come from a V8
// code cache (asc-cache.ts); and the CLI runs V8 without its optimising tier for WebAssembly
// (tuneForOneShotCompile). None of this changes a byte of the output.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { loadAscFromCache, notedV8Flags, noteV8Flags } from "./asc-cache.js";
import { describeThrown } from "../../runtime/thrown.js";
import { V8_STACK_MESSAGE } from "../../runtime/stack-ran-out.js";

export type AscModule = typeof import("assemblyscript/asc");

let ascModule: Promise<AscModule> | undefined;
let useCodeCache = false;

/** How asc is imported: from the code cache when asked for and valid, else the ordinary way. */
const importAsc = (): Promise<AscModule> =>
  useCodeCache ? loadAscFromCache().then((cached) => cached ?? import("assemblyscript/asc")) : import("assemblyscript/asc");
let ascImporter: () => Promise<AscModule> = importAsc;

/**
 * asc could not be imported: its files are missing, or the process had no file descriptor left
 * (EMFILE) while it read them. A fault of the compiler's surroundings, not of a policy: the message
 * names the cause in one line (Node's message and code, no stack).
 */
export class AscUnavailable extends Error {
  /** why, in one line: Node's message and code */
  readonly reason: string;
  constructor(cause: unknown, reason: string = loadFailure(cause)) {
    super(`the AssemblyScript compiler could not be loaded: ${reason}`);
    this.name = "AscUnavailable";
    this.reason = reason;
  }

  /** The failure another thread met (asc-thread.ts): an error crosses threads as a plain copy, so its reason is sent. */
  static because(reason: string): AscUnavailable {
    return new AscUnavailable(undefined, reason);
  }
}

/** Node's message for a failed import, its first line, with the error's code when the message lacks it. */
function loadFailure(cause: unknown): string {
  const message = describeThrown(cause).split("\n", 1)[0]!;
  let code: unknown;
  try {
    code = (cause as { code?: unknown } | null)?.code;
  } catch {
    code = undefined;
  }
  return typeof code === "string" && !message.includes(code) ? `${message} (${code})` : message;
}

/**
 * Importing asc takes about 0.5 s (0.2 s from the code cache): done once per thread, on first use.
 * A load that failed is not kept: the next call tries again, so a shortage of file descriptors that
 * has passed does not fail every later compile. (Node's module loader may keep a miss of its own: a
 * package.json it could not read is not read again in that thread. The background compiler replaces
 * a worker whose load failed for that reason.) Rejects with AscUnavailable.
 */
export function loadAsc(): Promise<AscModule> {
  if (ascModule === undefined) {
    const loading: Promise<AscModule> = ascImporter().catch((e: unknown) => {
      if (ascModule === loading) ascModule = undefined;
      throw new AscUnavailable(e);
    });
    ascModule = loading;
  }
  return ascModule;
}

/** Imports asc with `importer` from now on, or as usual without one (tests: a load that fails). */
export function importAscWith(importer?: () => Promise<AscModule>): void {
  ascImporter = importer ?? importAsc;
}

/** Uses the asc code cache (asc-cache.ts) when a valid one exists; call before the first loadAsc. */
export function preferAscCodeCache(): void {
  useCodeCache = true;
}

/** What a compile thread must repeat to load asc as this thread does (asc-thread.ts). */
export function ascThreadSettings(): { v8Flags: readonly string[]; codeCache: boolean } {
  return { v8Flags: notedV8Flags(), codeCache: useCodeCache };
}

/** Compiles with this asc from now on (the code-cache builder compares two of them). */
export function setAsc(asc: AscModule): void {
  ascModule = Promise.resolve(asc);
}

/**
 * V8 flags for a process that compiles once and exits (the CLI). Binaryen is a 10 MB WebAssembly
 * module; with V8's default dynamic tiering its hot functions are recompiled by TurboFan on
 * background threads, and a process that is done waits for those jobs at exit: 0.3–0.5 s of idle
 * time after a 12-rule compile. Liftoff alone (the baseline compiler) ends that wait and, on two
 * cores, is faster overall even for a 1,000-rule policy, because the optimising compiles no longer
 * compete with the compile itself. Output bytes do not depend on the tier. Must run before asc is
 * loaded; a long-running host should not call it (its decision modules would run unoptimised).
 */
export const ONE_SHOT_V8_FLAGS = "--liftoff-only";

export function tuneForOneShotCompile(): void {
  setFlagsFromString(ONE_SHOT_V8_FLAGS);
  noteV8Flags(ONE_SHOT_V8_FLAGS);
}

/** Finds a file of the package (works from the sources and from dist/). */
function packageFile(relative: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find ${relative} above ${dirname(fileURLToPath(import.meta.url))}`);
    dir = up;
  }
}

let cached: { options: Record<string, unknown>; library: string } | undefined;

function inputs(): { options: Record<string, unknown>; library: string } {
  if (!cached) {
    const config = JSON.parse(readFileSync(packageFile("asconfig.json"), "utf8")) as { options?: Record<string, unknown> };
    cached = { options: config.options ?? {}, library: readFileSync(packageFile("assembly/writ.ts"), "utf8") };
  }
  return cached;
}

/** The support library's source (assembly/writ.ts). */
export function supportLibrary(): string {
  return inputs().library;
}

/** The least shrink level used for optimised builds (see optionArguments). */
export const MIN_SHRINK_LEVEL = 2;

/** asconfig options → command-line arguments, in a fixed order. */
function optionArguments(options: Record<string, unknown>, optimize: boolean): string[] {
  const args: string[] = [];
  for (const [key, value] of Object.entries(options)) {
    if (key.startsWith("/")) continue; // comments
    if (key === "optimizeLevel" || key === "shrinkLevel") continue; // set below
    if (value === false || value === undefined || value === null) continue;
    if (value === true) args.push(`--${key}`);
    else if (Array.isArray(value)) args.push(`--${key}`, value.join(","));
    else args.push(`--${key}`, String(value));
  }
  args.push("--optimizeLevel", optimize ? String(options.optimizeLevel ?? 3) : "0");
  // At shrink level 0, Binaryen inlines every rule (each has one caller) into one giant
  // writ_evaluate: a 1,000-rule policy then takes ~40 s of CPU to optimise instead of ~1 s, the
  // module is 18x larger, and V8 needs longer to tier the giant function up. Level 2 keeps rules
  // as functions; steady-state decision time is the same.
  args.push("--shrinkLevel", optimize ? String(Math.max(Number(options.shrinkLevel ?? 0), MIN_SHRINK_LEVEL)) : "0");
  return args;
}

export interface AscResult {
  readonly binary?: Uint8Array;
  /** asc's diagnostics when the compile failed */
  readonly error?: string;
  /** true when the compile failed because the host's stack ran out in asc (AscCrashed.ranOutOfStack) */
  readonly ranOutOfStack?: boolean;
}

/** What a module's compile needs besides its source; known before the front end runs. */
export interface ModuleOptions {
  readonly memoryBase: number;
  readonly optimize: boolean;
}

/** A compile started before its source exists: asc parses its standard library meanwhile. */
export interface PendingCompile {
  /** supplies the generated source and the memory size; resolves with asc's result */
  finish(source: string, memoryPages: number): Promise<AscResult>;
  /** abandons the compile (the front end failed) */
  cancel(): void;
}

interface ModuleInput {
  readonly source: string;
  readonly memoryPages: number;
}

/**
 * Starts asc now, in this thread. asc.main parses the standard library before it reads the entry
 * file, so `readFile("policy.ts")` waits for `finish`. The memory size is the only option that
 * depends on the generated code: it is set on the program's options after parsing (asc reads it
 * only when it lays out memory, during compile), to the value `--initialMemory` and
 * `--maximumMemory` would have set.
 */
export function startCompile(opts: ModuleOptions): PendingCompile {
  let supply!: (input: ModuleInput | undefined) => void;
  const input = new Promise<ModuleInput | undefined>((resolve) => (supply = resolve));
  const result = runAsc(input, opts);
  result.catch(() => undefined); // observed by finish; a cancelled compile is not an error
  return {
    finish(source, memoryPages) {
      supply({ source, memoryPages });
      return result;
    },
    cancel() {
      supply(undefined);
    },
  };
}

/** A frame of asc.js in a stack trace, whether it was imported or run from the code cache. */
const ASC_FRAME = /assemblyscript[\\/]dist[\\/]asc\.js/;

/** What an exit called from asc.js becomes while trappingAscExit runs. */
export class AscCrashed extends Error {
  /**
   * Whether what asc crashed on was V8's error for a stack that ran out (asc's parser and binaryen
   * recurse over the generated code's nesting, on the host's stack): the host's condition, not a
   * fault of the generated code. asc caught the error itself, and its banner is all that is left of
   * it: the banner's error line is the one V8 writes for that error, and nothing else.
   */
  readonly ranOutOfStack: boolean;
  constructor(code: unknown, banner?: string) {
    const cause = banner === undefined ? undefined : crashCause(banner);
    super(`the AssemblyScript compiler crashed${cause ? ` ${cause}` : ""} (it asked to exit with code ${String(code)})`);
    this.name = "AscCrashed";
    this.ranOutOfStack = cause !== undefined && cause.endsWith(`: RangeError: ${V8_STACK_MESSAGE}`);
  }
}

/**
 * The phase and error of asc's crash banner (`▌ Whoops, the AssemblyScript compiler has crashed
 * during compile :-(` … `▌ RangeError: Maximum call stack size exceeded`): `during compile:
 * RangeError: …`, or undefined when the text is not that banner. What asc caught had no stack when
 * the banner says `There is no stack trace` and then `> undefined`: that is said in words.
 */
export function crashCause(banner: string): string | undefined {
  const lines = banner
    .replace(/\u001b\[[0-9;]*m/g, "")
    .split("\n")
    .map((l) => l.replace(/^\s*\u258c\s?/, "").trim())
    .filter((l) => l.length > 0);
  const phase = /crashed (during [\w ()]+?) :-\(/.exec(banner)?.[1];
  if (phase === undefined) return undefined;
  const hint = lines.findIndex((l) => l.startsWith("Here is the stack trace") || l.startsWith("There is no stack trace"));
  const error = hint >= 0 ? lines[hint + 1]?.replace(/^> /, "") : undefined;
  if (error === undefined || error === "undefined") return `${phase}: it threw a value with neither a message nor a stack trace`;
  return `${phase}: ${error}`;
}

/** What explainBinaryenExceptions needs of a binaryen module (asc's, as asc hands it to a transform). */
interface BinaryenExceptions {
  parseText(text: string): unknown;
  getExceptionMessage(thrown: unknown): unknown;
}

/** Binaryen modules whose C++ exceptions have been given a `stack` (explainBinaryenExceptions). */
const explained = new WeakSet<object>();

/**
 * Binaryen's C++ exceptions (std::bad_alloc when its memory runs out, std::runtime_error for its
 * fatal errors) reach JavaScript as objects of a class of its own, with no message and no stack, and
 * asc's crash banner then says `> undefined`: a rule whose function binaryen's optimiser ran out of
 * memory on failed as "crashed during optimize: undefined". This gives that class a `stack` saying
 * what was thrown, as binaryen's getExceptionMessage reads it ("std::bad_alloc: std::bad_alloc"),
 * which the banner then shows. The class is found by catching one: parsing a text that is no module.
 * Never throws; a binaryen without these functions is left as it is.
 */
export function explainBinaryenExceptions(binaryen: unknown): void {
  if (typeof binaryen !== "object" || binaryen === null || explained.has(binaryen)) return;
  explained.add(binaryen);
  const b = binaryen as Partial<BinaryenExceptions>;
  if (typeof b.parseText !== "function" || typeof b.getExceptionMessage !== "function") return;
  let sample: unknown;
  try {
    b.parseText("(");
  } catch (e) {
    sample = e;
  }
  if (typeof sample !== "object" || sample === null || sample instanceof Error) return;
  const proto: unknown = Object.getPrototypeOf(sample);
  if (typeof proto !== "object" || proto === null || proto === Object.prototype || Object.hasOwn(proto, "stack")) return;
  const describe = (thrown: unknown): string | undefined => {
    try {
      const read = b.getExceptionMessage!(thrown);
      if (!Array.isArray(read) || typeof read[0] !== "string") return undefined;
      const message = typeof read[1] === "string" ? read[1].trim() : "";
      return message === "" || message === read[0] ? read[0] : `${read[0]}: ${message}`;
    } catch {
      return undefined;
    }
  };
  Object.defineProperty(proto, "stack", {
    configurable: true,
    get(this: unknown) {
      return describe(this);
    },
  });
}

let trapping = 0;
let realExit: typeof process.exit = process.exit;
let realConsoleError: typeof console.error = console.error;
/** asc's crash banner, printed just before its exit: kept for the AscCrashed it becomes */
let banner: string | undefined;

function calledFromAsc(): boolean {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 16; // a host may have set it to 0
  const stack = new Error().stack ?? "";
  Error.stackTraceLimit = limit;
  return ASC_FRAME.test(stack);
}

const exitTrap = ((code?: number | string | null) => {
  if (calledFromAsc()) {
    const printed = banner;
    banner = undefined;
    throw new AscCrashed(code, printed);
  }
  return realExit.call(process, code);
}) as typeof process.exit;

// asc prints its banner with console.error, not to the stderr stream it was given: in a host that
// would be a page of "please report this" on the host's stderr for one failed compile
const consoleErrorTrap = ((...args: unknown[]) => {
  if (calledFromAsc()) {
    banner = args.map((a) => String(a)).join(" ");
    return;
  }
  realConsoleError.apply(console, args);
}) as typeof console.error;

/**
 * Runs `run` with asc's crash exit turned into an exception. When its compiler fails inside (a
 * stack overflow, an internal error), asc prints a banner and calls process.exit(1): in a host that
 * compiles in its own thread, one policy would end the host. While asc runs, an exit called from
 * asc.js throws AscCrashed instead (naming the phase and error the banner gave, which is not
 * printed), failing that compile alone; an exit or console.error from anywhere else goes through.
 * Counted, since compiles may overlap.
 */
export async function trappingAscExit<T>(run: () => Promise<T>): Promise<T> {
  if (trapping++ === 0) {
    realExit = process.exit;
    process.exit = exitTrap;
    realConsoleError = console.error;
    console.error = consoleErrorTrap;
  }
  try {
    return await run();
  } finally {
    if (--trapping === 0) {
      if (process.exit === exitTrap) process.exit = realExit;
      if (console.error === consoleErrorTrap) console.error = realConsoleError;
      banner = undefined;
    }
  }
}

async function runAsc(pending: Promise<ModuleInput | undefined>, opts: ModuleOptions): Promise<AscResult> {
  const asc = await loadAsc();
  const { options, library } = inputs();
  const outputs: Record<string, Uint8Array | string> = {};
  let input: ModuleInput | undefined;
  const argv = [
    "policy.ts",
    "--outFile",
    "policy.wasm",
    ...optionArguments(options, opts.optimize),
    "--memoryBase",
    String(opts.memoryBase),
    // drops the empty function table asc declares even without indirect calls (the profile refuses tables)
    "--runPasses",
    "remove-unused-module-elements",
  ];
  // a class: asc sets `binaryen`, its own binaryen module, on the prototype of a transform class
  class Hooks {
    declare readonly binaryen: unknown;
    afterInitialize(program: { options: { initialMemory: number; maximumMemory: number } }): void {
      explainBinaryenExceptions(this.binaryen);
      if (input) program.options.initialMemory = program.options.maximumMemory = input.memoryPages;
    }
  }
  const stderr = asc.createMemoryStream();
  let result;
  try {
    result = await trappingAscExit(() => asc.main(argv, {
    stdout: asc.createMemoryStream(),
    stderr,
    readFile: async (name: string) => {
      if (name === "policy.ts") {
        input = await pending;
        return input?.source ?? null;
      }
      return name === "writ.ts" ? library : null;
    },
    writeFile: (name: string, contents: Uint8Array | string) => {
      outputs[name] = contents;
    },
    listFiles: () => [],
    transforms: [Hooks as unknown as import("assemblyscript/asc").Transform],
    }));
  } catch (e) {
    if (e instanceof AscCrashed) return { error: `${e.message}\n${stderr.toString()}`, ...(e.ranOutOfStack ? { ranOutOfStack: true } : {}) };
    throw e;
  }
  if (!input) return { error: "cancelled" };
  const binary = outputs["policy.wasm"];
  if (result.error || !(binary instanceof Uint8Array)) {
    return { error: `${result.error?.message ?? "no output"}\n${stderr.toString()}` };
  }
  return { binary };
}

let prestarted: { opts: ModuleOptions; pending: PendingCompile } | undefined;

/**
 * Hands a compile started ahead of time (startCompile, or on a thread: asc-thread.ts) to the next
 * compileModule call with the same options. The CLI starts asc before it parses the policy.
 */
export function prestartCompile(opts: ModuleOptions, pending: PendingCompile): void {
  prestarted?.pending.cancel();
  prestarted = { opts, pending };
}

/** Cancels a prestarted compile nobody used (the front end reported errors). */
export function cancelPrestartedCompile(): void {
  prestarted?.pending.cancel();
  prestarted = undefined;
}

export async function compileModule(source: string, opts: { memoryPages: number; memoryBase: number; optimize: boolean }): Promise<AscResult> {
  const ahead = prestarted;
  if (ahead && ahead.opts.memoryBase === opts.memoryBase && ahead.opts.optimize === opts.optimize) {
    prestarted = undefined;
    return ahead.pending.finish(source, opts.memoryPages);
  }
  return startCompile({ memoryBase: opts.memoryBase, optimize: opts.optimize }).finish(source, opts.memoryPages);
}
