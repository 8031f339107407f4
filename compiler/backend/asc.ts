// In-memory AssemblyScript compilation of a generated decision module. The generated `policy.ts` and
// the support library `writ.ts` (read from assembly/ once) are served to asc as virtual files: no disk
// I/O, relative names only, so the bytes do not depend on the directory or process. Options come
// from asconfig.json's `options` (stub runtime, abort disabled: zero imports) plus fixed memory
// (initial == maximum, so no `memory.grow` is reachable) and the constant pool's base address.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { loadAscFromCache, noteV8Flags } from "./asc-cache.js";

export type AscModule = typeof import("assemblyscript/asc");

let ascModule: Promise<AscModule> | undefined;
let useCodeCache = false;

/**
 * Importing asc takes about 0.5 s: done once per process, on first use. Starting it early (before
 * the front end runs) lets binaryen's asynchronous WebAssembly instantiation overlap other work.
 */
export function loadAsc(): Promise<AscModule> {
  ascModule ??= useCodeCache ? loadAscFromCache().then((cached) => cached ?? import("assemblyscript/asc")) : import("assemblyscript/asc");
  return ascModule;
}

/** Uses the asc code cache (asc-cache.ts) when a valid one exists; call before the first loadAsc. */
export function preferAscCodeCache(): void {
  useCodeCache = true;
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
}

export async function compileModule(source: string, opts: { memoryPages: number; memoryBase: number; optimize: boolean }): Promise<AscResult> {
  const asc = await loadAsc();
  const { options, library } = inputs();
  const files: Record<string, string> = { "policy.ts": source, "writ.ts": library };
  const outputs: Record<string, Uint8Array | string> = {};
  const argv = [
    "policy.ts",
    "--outFile",
    "policy.wasm",
    ...optionArguments(options, opts.optimize),
    "--initialMemory",
    String(opts.memoryPages),
    "--maximumMemory",
    String(opts.memoryPages),
    "--memoryBase",
    String(opts.memoryBase),
    // drops the empty function table asc declares even without indirect calls (the profile refuses tables)
    "--runPasses",
    "remove-unused-module-elements",
  ];
  const stderr = asc.createMemoryStream();
  const result = await asc.main(argv, {
    stdout: asc.createMemoryStream(),
    stderr,
    readFile: (name: string) => (Object.prototype.hasOwnProperty.call(files, name) ? files[name]! : null),
    writeFile: (name: string, contents: Uint8Array | string) => {
      outputs[name] = contents;
    },
    listFiles: () => [],
  });
  const binary = outputs["policy.wasm"];
  if (result.error || !(binary instanceof Uint8Array)) {
    return { error: `${result.error?.message ?? "no output"}\n${stderr.toString()}` };
  }
  return { binary };
}
