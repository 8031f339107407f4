// Describing what a host's code threw, for the error messages of APIs that never throw. A getter,
// a Proxy trap or a policy may throw anything: an Error whose `message` is itself a throwing getter,
// an object whose `toString` throws, a null-prototype object that has no `toString` at all. Turning
// that into text must not throw in its turn, and a megabyte-long message must not end up in every
// decision and artifact that quotes it.

/** Longest description kept, in UTF-16 units (longer ones are cut and end with `…`). */
export const MAX_THROWN_DESCRIPTION = 200;

/**
 * `e.message` for an Error, `String(e)` otherwise; never throws, at most MAX_THROWN_DESCRIPTION
 * long, and well-formed: a lone surrogate in what was thrown is written as its escape (`\ud800`),
 * since the text ends up in denies that authorize signs, and text holding one has no UTF-8 form
 * (authorize would throw instead of issuing the deny).
 */
export function describeThrown(e: unknown): string {
  let text: string;
  try {
    text = e instanceof Error ? String(e.message) : String(e);
  } catch {
    text = "a value that cannot be turned into text";
  }
  // only the units clip can keep are read (a pair split here leaves a lone half past the cut)
  const head = text.length > MAX_THROWN_DESCRIPTION ? text.slice(0, MAX_THROWN_DESCRIPTION + 1) : text;
  return clip(head.replace(LONE_SURROGATE, escapeUnit), MAX_THROWN_DESCRIPTION);
}

/** A high surrogate not followed by a low one, or a low one not after a high one (UTF-16 units: no `u` flag). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** a UTF-16 unit written as a `\uXXXX` escape */
function escapeUnit(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/** `s` cut to at most `max` UTF-16 units (ending with `…` when cut), never inside a surrogate pair. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  return `${s.slice(0, pairEnd(s, max - 1))}…`;
}

/**
 * `s` cut after `max` UTF-16 units, never inside a surrogate pair, and when cut followed by how many
 * units are left out (`… (1234 more characters)`): for text of any length a message quotes (a list of
 * names, a path), where a reader is to see how much of it the message does not show.
 */
export function cutCounted(s: string, max: number): string {
  if (s.length <= max) return s;
  const end = pairEnd(s, max);
  return `${s.slice(0, end)}… (${s.length - end} more characters)`;
}

/** Where `s` is cut to keep at most `keep` units: `keep`, or one less rather than leave half of a pair. */
function pairEnd(s: string, keep: number): number {
  const last = s.charCodeAt(keep - 1);
  return last >= 0xd800 && last <= 0xdbff ? keep - 1 : keep;
}

/** `e instanceof C`, but false instead of a throw when `e` is a Proxy whose prototype trap throws. */
export function isInstance<T>(e: unknown, C: abstract new (...args: never[]) => T): e is T {
  try {
    return e instanceof C;
  } catch {
    return false;
  }
}

/**
 * What escapeControls escapes: C0 and C1 controls, zero-width characters, line and paragraph
 * separators, bidirectional overrides and isolates, the byte-order mark, and a lone surrogate (a
 * high one not followed by a low one, a low one not after a high one). Without the `u` flag the
 * class reads UTF-16 units, so a pair is two units that neither alternative matches.
 */
const ESCAPED = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * `s` with control characters written as `\u001b` escapes: text from a request or a module (a key,
 * a function name) or a policy (a test's name) shown in a one-line message must not be able to end
 * the line, erase it with an ANSI sequence, forge another, or display as other text than it holds
 * (zero-width characters, bidirectional overrides and isolates). A lone surrogate is escaped too
 * (`\ud800`): text holding one has no UTF-8 form, so a message quoting it could be neither written
 * out nor signed as it is.
 */
export function escapeControls(s: string): string {
  return s.replace(ESCAPED, escapeUnit);
}

/**
 * A key (a request's member name) as messages and paths show it: cut after MAX_SHOWN_KEY UTF-16
 * units. A request refused for an unknown or overlong key is quoted in signed artifacts and lineage
 * records: a key of a megabyte must not make each of them a megabyte too.
 */
export const MAX_SHOWN_KEY = 64;
export function shownKey(key: string): string {
  return clip(key, MAX_SHOWN_KEY);
}

/**
 * A key the request chose, as a message or a path shows it bare (an unknown field, `.a-b`): cut as
 * shownKey cuts it, then escaped as escapeControls escapes (a key is anyone's text: `"a\ud800b"`
 * is shown `a\ud800b`, a line end `\u000a`).
 */
export function shownBareKey(key: string): string {
  return escapeControls(shownKey(key));
}

/**
 * A key the request chose, quoted (a map key, `["k"]`): cut as shownKey cuts it, written as a JSON
 * string, and what JSON leaves as it is of escapeControls's characters (U+2028, U+202E…) escaped.
 */
export function quotedKey(key: string): string {
  return escapeControls(JSON.stringify(shownKey(key)));
}

/** An option's value as a refusal names it: a string quoted (its first 40 characters), anything else by its type. */
export function shownOption(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.slice(0, 40));
  if (v === null || v === undefined) return String(v);
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

/**
 * A BigInt as messages show it: whole up to 128 bits, else by its size. A request's BigInt is quoted
 * in its denial, which is signed and logged: a denial must stay small, and the decimal digits of a
 * huge BigInt take time to write out (its hexadecimal ones do not).
 */
export function shownBigInt(v: bigint): string {
  const hex = (v < 0n ? -v : v).toString(16);
  if (hex.length <= 32) return v.toString();
  const bits = (hex.length - 1) * 4 + parseInt(hex[0]!, 16).toString(2).length;
  return `${v < 0n ? "-" : ""}(a BigInt of ${bits} bits)`;
}
