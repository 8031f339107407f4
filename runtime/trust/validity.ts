// The validity window both kinds of authorization artifact are judged by: the moment of judgement
// and the clock skew tolerated at both ends of [iat, exp].

import { isInstance } from "../thrown.js";

export const DEFAULT_CLOCK_SKEW_SECONDS = 30;

/**
 * The moment validity is judged at (seconds) and the tolerance, or why the options give none. A
 * skew passed as the string "30" would turn `exp + skew` into text and accept expired artifacts; an
 * invalid Date would compare false everywhere. Both are refused before anything is read.
 */
export function validityClock(options: { readonly now?: unknown; readonly clockSkewSeconds?: unknown }): { ok: true; now: number; skew: number } | { ok: false; message: string } {
  const date = options.now ?? new Date();
  const ms = isInstance(date, Date) ? date.getTime() : NaN;
  if (!Number.isFinite(ms)) return { ok: false, message: "`now` is not a valid Date" };
  const skew = options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  if (typeof skew !== "number" || !Number.isFinite(skew) || skew < 0)
    return { ok: false, message: `clockSkewSeconds must be a non-negative number of seconds, got ${typeof skew === "number" ? skew : `a ${typeof skew}`}` };
  return { ok: true, now: ms / 1000, skew };
}
