// The arguments of a compile, checked the one way for compilePolicy (driver.ts) and the background
// compiler (worker.ts). A source that is not text, or an option that is not of its type or not an
// option at all, is the host's mistake, not the policy's: it is refused with a TypeError (a
// RangeError for a budget out of range) naming the argument, before anything is compiled, where a
// policy's own problems are diagnostics.

import { describeThrown } from "../runtime/thrown.js";
import { optionNames, unknownOptionProblem } from "../runtime/option-names.js";
import { isCostBudget, MAX_COST_BUDGET } from "./ir/cost.js";
import { ownOption } from "../runtime/own.js";
import { ranOutOfStack } from "../runtime/stack-ran-out.js";

// plan: the module's layout, source and fixed memory (W0902), without AssemblyScript; codegen: asc
export const STAGES = ["parse", "check", "cost", "plan", "codegen", "validate"] as const;
export type Stage = (typeof STAGES)[number];

export interface CompileOptions {
  /** the name shown in diagnostics */
  readonly fileName?: string;
  /** O3 (default) or O0: O0 compiles faster, for tests and conformance runs */
  readonly optimize?: boolean;
  /** worst-case cost budget (docs/language.md, "Cost"): a whole number from 1 to MAX_COST_BUDGET; default DEFAULT_COST_BUDGET */
  readonly maxCost?: number;
  /** stop after this stage (the result holds what was produced so far) */
  readonly stopAfter?: Stage;
}

/** The names CompileOptions has: any other is refused (`maxcost: 1` must not compile under the default budget). */
const COMPILE_OPTIONS = optionNames<CompileOptions>({ fileName: true, optimize: true, maxCost: true, stopAfter: true });

/** How a value is named in an error message: a string quoted (and cut), anything else by its type. */
export function describeValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(describeThrown(v));
  if (typeof v === "number") return String(v);
  return v === null ? "null" : typeof v;
}

/**
 * `text` when it is a string; a TypeError otherwise. A Buffer (readFileSync without "utf8") is not
 * text: its bytes may not even be UTF-8, and it must not be taken for the text it may decode to.
 */
export function checkSource(text: unknown): string {
  if (typeof text === "string") return text;
  // the usual slip, said as such: readFileSync(path) without an encoding gives a Buffer
  if (text instanceof Uint8Array) throw new TypeError(`the policy source must be a string, got ${Buffer.isBuffer(text) ? "a Buffer" : "a Uint8Array"}: read the file as text (readFileSync(path, "utf8"))`);
  throw new TypeError(`the policy source must be a string, got ${text === null ? "null" : typeof text}`);
}

/**
 * `options[name]` as the object holds it (ownOption), read once; a getter or a Proxy that throws is
 * refused by name. An option left out is undefined (the default), never what Object.prototype holds
 * under its name: a planted `optimize: false` compiled another module, a planted `maxCost` let a
 * policy over the budget through.
 */
function readOption(options: object, name: keyof CompileOptions): unknown {
  try {
    return ownOption(options as CompileOptions, name);
  } catch (e) {
    // the host's stack running out (a call made at its very end) is no fault of the option's
    if (ranOutOfStack(e)) throw e;
    throw new TypeError(`options.${name} could not be read: ${describeThrown(e)}`);
  }
}

/**
 * The options a compile runs with, read once, as the object holds them: the known fields only, each
 * of its type, in a copy without a prototype that a host changing its object afterwards (one object reused for a loop of files, a budget raised
 * for a later compile) does not change. Throws a TypeError for an own enumerable name CompileOptions
 * does not have (a misspelt `maxCost` would compile under the default budget without a word), an
 * option that is not of its type, or a stage that is none, and a RangeError for a budget that is not a whole
 * number from 1 to MAX_COST_BUDGET (as `--max-cost` takes it): NaN compares false with every cost
 * (no budget at all), and a budget of Infinity or past 2^53 let a cost bound through that the
 * manifest cannot hold (JSON writes Infinity as null).
 */
export function readCompileOptions(options: unknown): CompileOptions {
  if (options === undefined) return Object.create(null) as CompileOptions;
  if (typeof options !== "object" || options === null) throw new TypeError(`the compile options must be an object, got ${describeValue(options)}`);
  const unknown = unknownOptionProblem(options, COMPILE_OPTIONS);
  if (unknown !== null) throw new TypeError(unknown);
  const fileName = readOption(options, "fileName");
  const optimize = readOption(options, "optimize");
  const maxCost = readOption(options, "maxCost");
  const stopAfter = readOption(options, "stopAfter");
  if (fileName !== undefined && typeof fileName !== "string") throw new TypeError(`options.fileName must be a string, got ${describeValue(fileName)}`);
  if (optimize !== undefined && typeof optimize !== "boolean") throw new TypeError(`options.optimize must be a boolean, got ${describeValue(optimize)}`);
  if (maxCost !== undefined && !isCostBudget(maxCost)) {
    const problem = `options.maxCost must be a whole number from 1 to ${MAX_COST_BUDGET}, got ${describeValue(maxCost)}`;
    throw typeof maxCost === "number" ? new RangeError(problem) : new TypeError(problem);
  }
  if (stopAfter !== undefined && !(STAGES as readonly unknown[]).includes(stopAfter))
    throw new TypeError(`options.stopAfter must be one of ${STAGES.join(", ")}, got ${describeValue(stopAfter)}`);
  // without a prototype: an option left out reads as undefined wherever the copy is read, whatever
  // Object.prototype comes to hold under its name while the compile runs
  return Object.assign(Object.create(null) as CompileOptions, {
    ...(fileName !== undefined ? { fileName } : {}),
    ...(optimize !== undefined ? { optimize } : {}),
    ...(maxCost !== undefined ? { maxCost } : {}),
    ...(stopAfter !== undefined ? { stopAfter: stopAfter as Stage } : {}),
  });
}
