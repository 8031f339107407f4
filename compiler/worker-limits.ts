// The options of the background compiler (worker.ts) that bound its worker and its cache, read and
// checked once when the compiler is created: node:worker_threads' resource limits (only values that
// cannot take the host down with the worker), the cache's bounds and the timers' delays.

import type { ResourceLimits } from "node:worker_threads";
import { describeValue } from "./options.js";
import { optionNames, unknownNameProblem } from "../runtime/option-names.js";

/** The longest delay setTimeout keeps (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Below this a worker's stack (node:worker_threads `stackSizeMb`) overflows while it starts, taking the host down. */
export const MIN_WORKER_STACK_MB = 1;
/**
 * Above this a worker's stack may take the host down too. Node counts the stack's bytes in a 64-bit
 * integer, stackSizeMb × 2^20, which overflows from 2^44 MB (Infinity, 1e300): the worker starts on
 * a stack too small to run, and its RangeError ends the process (exit code 6) before any handler of
 * the host runs. A stack below that which the system cannot give fails the worker's start
 * (ERR_WORKER_INIT_FAILED), which fails the compile alone. 2^20 MB (1 TiB) is far from the overflow,
 * and far more than a compile needs (Node's default is 4 MB).
 */
export const MAX_WORKER_STACK_MB = 2 ** 20;

/**
 * The code range a worker may be given, in MB. Below about 3 MB the compiler's own code (binaryen's
 * WebAssembly, AssemblyScript) does not fit and V8 aborts the whole process ("Allocation failed"),
 * not the worker; far above V8's own maximum (a billion MB) it aborts as well. Within these bounds a
 * compile that needs more fails alone.
 */
export const MIN_WORKER_CODE_RANGE_MB = 16;
export const MAX_WORKER_CODE_RANGE_MB = 1024;

/** Each limit node:worker_threads takes, with the values that cannot take the host down with the worker. */
const LIMITS: Readonly<Record<keyof ResourceLimits, { readonly min: number; readonly max: number; readonly why: string }>> = {
  stackSizeMb: {
    min: MIN_WORKER_STACK_MB,
    max: MAX_WORKER_STACK_MB,
    why: "a smaller stack overflows while the worker starts, a larger one overflows Node's count of its bytes, and either takes the process with it",
  },
  codeRangeSizeMb: { min: MIN_WORKER_CODE_RANGE_MB, max: MAX_WORKER_CODE_RANGE_MB, why: "outside it V8 aborts the whole process, not the worker" },
  // a heap too small fails the worker alone ("reached its memory limit"): any positive size will do
  maxOldGenerationSizeMb: { min: Number.MIN_VALUE, max: Infinity, why: "a positive number of MB" },
  maxYoungGenerationSizeMb: { min: Number.MIN_VALUE, max: Infinity, why: "a positive number of MB" },
};

/** The limits node:worker_threads knows. */
const LIMIT_NAMES = optionNames<ResourceLimits>({ stackSizeMb: true, codeRangeSizeMb: true, maxOldGenerationSizeMb: true, maxYoungGenerationSizeMb: true });

/**
 * The host's resource limits, read once and checked, when the compiler is created: the worker is
 * started later, and again after each failure, from this copy — a value changed afterwards (or a
 * getter) must not reach a worker unchecked. Throws a RangeError for a limit that could take the host
 * down with the worker, or one Node does not know (a misspelt name is ignored by Node).
 */
export function readResourceLimits(limits: unknown): ResourceLimits | undefined {
  if (limits === undefined) return undefined;
  if (typeof limits !== "object" || limits === null || Array.isArray(limits)) throw new RangeError(`resourceLimits must be an object, got ${Array.isArray(limits) ? "a list" : describeValue(limits)}`);
  const copy: Record<string, number> = {};
  const names = Object.keys(limits);
  // its own names, listed once and read by that list: `constructor` is no limit, whatever
  // Object.prototype holds under the name
  const unknown = unknownNameProblem(names, LIMIT_NAMES);
  if (unknown !== null) throw new RangeError(`resourceLimits: ${unknown}`);
  for (const name of names) {
    const bounds = LIMITS[name as keyof ResourceLimits];
    const value: unknown = (limits as Record<string, unknown>)[name];
    if (value === undefined) continue;
    if (typeof value !== "number" || !(value >= bounds.min && value <= bounds.max))
      throw new RangeError(`resourceLimits.${name} must be from ${bounds.min === Number.MIN_VALUE ? "above 0" : bounds.min} to ${bounds.max} (${bounds.why}), got ${describeValue(value)}`);
    copy[name] = value;
  }
  return copy;
}

/**
 * A bound of the cache, as `name` (an option) holds it: a whole number from 0, or a RangeError. The
 * cache is cut when it holds more: never, against NaN or a string such as "abc".
 */
export function cacheBound(name: "cacheSize" | "cacheBytes", value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`${name} must be a whole number from 0 (no cache) to ${Number.MAX_SAFE_INTEGER}, got ${describeValue(value)}`);
  return value;
}

/**
 * A delay in milliseconds given to setTimeout, as `name` (an option) holds it: a whole number from
 * `min` to MAX_TIMER_MS, or a RangeError. setTimeout runs a longer delay (Infinity too) after 1 ms,
 * and takes 0.5, true or "50" as they come: every compile would be stopped at once.
 */
export function timerOption(name: string, value: unknown, min: 0 | 1): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > MAX_TIMER_MS)
    throw new RangeError(`${name} must be a whole number of milliseconds from ${min} to ${MAX_TIMER_MS}, got ${describeValue(value)}`);
  return value;
}
