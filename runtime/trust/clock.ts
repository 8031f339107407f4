// The `now` option of the trust API, one reading of it for every entry point. Authorize, guard, the
// batch authorizer and both verifiers take the same thing: a Date, or a function returning one (a
// test pins the clock either way). They took one kind each, so a Date handed to authorize threw a
// TypeError, and a function handed to verifyArtifact was refused as not a Date.

import { describeThrown, isInstance } from "../thrown.js";

/** A moment, or where to read one (called once per decision or per verification). */
export type Clock = Date | (() => Date);

/** The furthest a date reaches from the epoch either way, in ms (ECMAScript's time value range). */
const MAX_DATE_MS = 8.64e15;

/**
 * Milliseconds since the epoch for `now` (the current time when absent), or NaN when it is neither
 * a valid Date nor a function returning one. Throws what the host's function throws.
 */
export function clockMs(now: unknown): number {
  if (now === undefined) return Date.now();
  const date = typeof now === "function" ? (now as () => unknown)() : now;
  if (!isInstance(date, Date)) return NaN;
  // A Date (a subclass, a mocked clock) whose getTime is the host's may answer anything: a time no
  // date holds (-1e17, 1.5, "5") would be signed as an iat that no verifier, nor the lineage log's
  // reader, reads back. Only a time a date can hold is a reading.
  const ms: unknown = date.getTime();
  return Number.isInteger(ms) && Math.abs(ms as number) <= MAX_DATE_MS ? (ms as number) : NaN;
}

/**
 * `now` read as an option is read (guard, openLog): the time in ms, or what is wrong with it — a
 * clock that throws, or one that gives no valid Date.
 */
export function readClock(now: unknown): { ok: true; ms: number } | { ok: false; message: string } {
  let ms: number;
  try {
    ms = clockMs(now);
  } catch (e) {
    return { ok: false, message: `the clock threw: ${describeThrown(e)}` };
  }
  return Number.isFinite(ms) ? { ok: true, ms } : { ok: false, message: INVALID_CLOCK };
}

/** What is wrong with a clock whose reading was NaN. */
export const INVALID_CLOCK =
  "`now` is neither a valid Date nor a function returning one (a Date whose getTime() is a whole number of milliseconds within ±8640000000000000, the range of a date)";
