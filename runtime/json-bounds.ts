// How deep a JSON text nests and how many values it holds, found before JSON.parse builds them.
// JSON.parse has no bound of its own on either: 5 × 10^7 nested `[` took 13 s and 2.7 GB inside V8,
// and 64 MiB of `{},` 60 s and 2 GB, before anything could look at what was built. This scan counts
// instead, in one pass, allocating nothing, so that a text past its bounds is refused at the bracket
// or value that passes them, and JSON.parse only ever builds what the bounds allow.
//
// The scan reads the text as JSON.parse tokenises it (strings with their escapes, numbers, the
// literals, brackets) up to the end of its first value, and stops early at a character JSON cannot
// hold outside a string: JSON.parse refuses the text there at the latest, having built no more than
// the scan counted. It checks no other syntax; JSON.parse does, after it.

/**
 * Levels of arrays and objects within one another that a JSON text read from outside may have. The
 * deepest valid request nests about 100 (the compiler refuses an input block nested deeper than
 * MAX_NESTING, 100 brackets and `<…>` of types, compiler/syntax/nesting.ts), and a manifest, a
 * statement or anything else signed or digested at most 256 (its canonical form is refused deeper:
 * trust/jcs.ts MAX_DEPTH). 1024 leaves a margin of four times the deepest of those, and JSON.parse
 * takes under a millisecond for a text nested that deep.
 */
export const MAX_JSON_DEPTH = 1024;

/** What a scan allows: the text's values one by one are its units (`unitLevel`, scanJsonBounds). */
export interface JsonBounds {
  /** levels of arrays and objects one unit may nest */
  readonly depth: number;
  /** values (objects, arrays, strings, numbers, literals) one unit may hold, itself among them */
  readonly values?: number;
  /** values all the units together may hold */
  readonly totalValues?: number;
  /** units the text may hold */
  readonly units?: number;
}

/** Which bound a text passes. */
export type JsonBoundsFault = "depth" | "values" | "totalValues" | "units";

export type JsonBoundsScan =
  /** within its bounds, as far as JSON.parse will read it: how many values and units it holds */
  | { readonly ok: true; readonly values: number; readonly units: number }
  /** past `fault` at `offset` (the bracket or the value that passes it), in unit `unit` (1 for the first) */
  | { readonly ok: false; readonly fault: JsonBoundsFault; readonly offset: number; readonly unit: number };

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
/** a character of a number or a literal: what a run of one is skipped over by */
const isWordChar = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x2b || c === 0x2d || c === 0x2e;

/**
 * Scans `text` from `from` to `to` against `bounds`. With `unitLevel` 0 the text is one unit, its
 * one value; with 1 it is an array (the caller has seen its `[`), and each of its elements is a unit,
 * nesting and holding values of its own (the array around them counts for neither). The scan stops at
 * the first bound passed, at the end of the first value (anything after it is for JSON.parse to
 * refuse), or at a character no JSON holds outside a string.
 */
export function scanJsonBounds(text: string, bounds: JsonBounds, unitLevel: 0 | 1 = 0, from = 0, to = text.length): JsonBoundsScan {
  const maxValues = bounds.values ?? Infinity;
  const maxTotal = bounds.totalValues ?? Infinity;
  const maxUnits = bounds.units ?? Infinity;
  let depth = 0;
  let values = 0;
  let unitValues = 0;
  let units = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (isSpace(c) || c === 0x2c /* , */ || c === 0x3a /* : */) continue;
    if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
      if (depth <= 0) break; // the first value has ended (or never began): the rest is JSON.parse's
      continue;
    }
    let key = false;
    let end = i; // the value's last character
    if (c === 0x22 /* " */) {
      end = stringEnd(text, i, to);
      if (end < 0) break; // never closed: JSON.parse refuses it
      // a member name is no value: the string its `:` follows
      let next = end + 1;
      while (next < to && isSpace(text.charCodeAt(next))) next++;
      key = text.charCodeAt(next) === 0x3a;
      if (key) end = next;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      // the container is a value where it opens; its levels are counted below
    } else if (isWordChar(c)) {
      while (end + 1 < to && isWordChar(text.charCodeAt(end + 1))) end++;
    } else break; // no JSON holds this outside a string: JSON.parse stops here at the latest
    if (!key && depth >= unitLevel) {
      if (depth === unitLevel) {
        units++;
        unitValues = 0;
        if (units > maxUnits) return { ok: false, fault: "units", offset: i, unit: units };
      }
      unitValues++;
      values++;
      if (unitValues > maxValues) return { ok: false, fault: "values", offset: i, unit: units };
      if (values > maxTotal) return { ok: false, fault: "totalValues", offset: i, unit: units };
    }
    if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth - unitLevel > bounds.depth) return { ok: false, fault: "depth", offset: i, unit: units };
    } else if (depth === 0) break; // a value alone, not in a container: the first value has ended
    i = end;
  }
  return { ok: true, values, units };
}

/**
 * The index of the closing quote of the string opening at `start`, or −1 when it does not close before
 * `to`. Only `\` escapes are followed: what else a string may not hold is JSON.parse's to refuse.
 */
function stringEnd(text: string, start: number, to: number): number {
  for (let i = start + 1; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return i;
    if (c === 0x5c /* \ */) i++;
  }
  return -1;
}

/** Why a text is refused for nesting past `limit` levels, as messages say it after where. */
export function tooDeepWhy(limit = MAX_JSON_DEPTH): string {
  return `arrays and objects nested more than ${limit} levels deep`;
}

/**
 * Whether `text` nests past MAX_JSON_DEPTH: where (the offset of the bracket that passes it, and its
 * `line:column`) and why, or undefined. For the texts read whole and parsed as one value (a manifest, a JWS header, a
 * statement, a lineage record), whose size alone does not bound their nesting.
 */
export function jsonTooDeep(text: string): { offset: number; at: string; why: string } | undefined {
  const scan = scanJsonBounds(text, { depth: MAX_JSON_DEPTH });
  return scan.ok ? undefined : { offset: scan.offset, at: linePlace(text, scan.offset), why: tooDeepWhy() };
}

/** `line:column` of `offset` in `text`, both from 1, lines ended by line feeds. */
export function linePlace(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let nl = text.indexOf("\n"); nl >= 0 && nl < offset; nl = text.indexOf("\n", nl + 1)) {
    line++;
    lineStart = nl + 1;
  }
  return `${line}:${offset - lineStart + 1}`;
}
