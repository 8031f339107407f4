// A name read from an artifact, a bundle, a key file or a log (a key id, an issuer, a policy's name or
// version, a rule), as a message shows it. Such a name is whatever its author wrote, signed or not:
// a forged artifact whose `kid` holds line ends would otherwise print lines of its own ("artifact
// verified") in the refusal that quotes it, in the host's log as on a terminal.

import { clip, cutCounted, escapeControls, shownOption } from "./thrown.js";

/** Longest name shown, in UTF-16 units: a key id of a megabyte must not make each message one. */
export const MAX_SHOWN_NAME = 200;

/** What a key id, a rule name or a version is made of: shown as it is. */
const PLAIN_NAME = /^[A-Za-z0-9_.+-]+$/;

/**
 * `name` as it is when it is plain (letters, digits, `_ . + -`: every key id, rule name and version
 * Writ writes), otherwise quoted as a JSON string, cut at MAX_SHOWN_NAME, with every control,
 * line or paragraph separator, zero-width and bidirectional character escaped: one line, and never
 * mistaken for a plain name (which cannot begin with `"`). Not a string: its type.
 */
export function shownName(name: string): string {
  // a host's policy object may name itself with anything: said by its type, never thrown over
  if (typeof name !== "string") return shownOption(name);
  if (name.length <= MAX_SHOWN_NAME && PLAIN_NAME.test(name)) return name;
  return escapeControls(JSON.stringify(clip(name, MAX_SHOWN_NAME)));
}

/** Most elements of a list, or members of an object, a message shows: the rest are counted. */
export const MAX_SHOWN_ITEMS = 10;

/** Deepest nesting a message shows: a statement may nest its errors as deep as canonical JSON allows. */
const MAX_SHOWN_DEPTH = 4;

/** Longest JSON a message shows, in UTF-16 units before escaping: ten errors of 200-character texts would be 6,000. */
export const MAX_SHOWN_JSON = 1000;

/**
 * A JSON value read from an artifact or a key file (a header's `alg`, a statement's `v`, its rules
 * or errors), as a message shows it: JSON, in RFC 8785 member order, with each string and member
 * name cut at MAX_SHOWN_NAME, each list and object after MAX_SHOWN_ITEMS (`…N more`), nesting
 * below MAX_SHOWN_DEPTH as `…`, the whole cut at MAX_SHOWN_JSON (ending with `…`), and the same
 * characters escaped as shownName escapes. A value that is not JSON (`undefined`: a member left
 * out) is said as shownOption says it. So a value of any size is a short line, and a forged one
 * prints no line of its own.
 */
export function shownJson(value: unknown): string {
  return escapeControls(clip(jsonText(value, 0), MAX_SHOWN_JSON));
}

function jsonText(value: unknown, depth: number): string {
  if (typeof value === "string") return JSON.stringify(clip(value, MAX_SHOWN_NAME));
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : shownOption(value);
  if (typeof value === "boolean" || value === null) return String(value);
  if (typeof value !== "object") return shownOption(value);
  if (depth >= MAX_SHOWN_DEPTH) return Array.isArray(value) ? "[…]" : "{…}";
  if (Array.isArray(value)) return `[${items(value, (v) => jsonText(v, depth + 1))}]`;
  // code-unit order, as RFC 8785 sorts member names (Array.prototype.sort compares strings so)
  const names = Object.keys(value).sort();
  const member = (name: string) => `${JSON.stringify(clip(name, MAX_SHOWN_NAME))}:${jsonText((value as Record<string, unknown>)[name], depth + 1)}`;
  return `{${items(names, member)}}`;
}

/** The first MAX_SHOWN_ITEMS of `list` shown, comma-separated, and how many more there are. */
function items<T>(list: readonly T[], show: (item: T) => string): string {
  const shown = list.slice(0, MAX_SHOWN_ITEMS).map(show);
  if (list.length > MAX_SHOWN_ITEMS) shown.push(`…${list.length - MAX_SHOWN_ITEMS} more`);
  return shown.join(",");
}

/**
 * Longest text a message quotes from an artifact or a request when the text is of no bounded length
 * (a list of rule names, a path, a tree head's extra members), in UTF-16 units: each name in it is
 * cut already, but a list of 60,000 of them made a refusal of half a megabyte.
 */
export const MAX_SHOWN_TEXT = 1000;

/** Text already shown safe (escaped, its names cut), cut at MAX_SHOWN_TEXT with how much is left out (cutCounted). */
export function shownCut(text: string): string {
  return cutCounted(text, MAX_SHOWN_TEXT);
}
