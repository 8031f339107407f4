// CEL literal text for generated expressions: ints in every notation (decimal, hex, negated, the
// int64 edges), strings in every quoting form with escapes, and the small pools of strings and map
// keys that generated requests share with generated expressions, so lookups, membership tests and
// comparisons hit as often as they miss.

import type { Draw } from "./draw.js";

/**
 * Strings both policies and requests draw from: ASCII, empty, accented, astral, prefix pairs, and
 * BMP characters above the surrogates (U+FF5A, U+E000), which sort after astral ones in UTF-16
 * code-unit order but before them in code-point order — the order CEL and Writ use.
 */
export const STRING_POOL = ["", "a", "b", "ab", "ba", "k", "abc", "é", "😀", "a😀", "x y", "A", "\u0000", "\"", "\\", "ｚ", "\ue000", "aｚ"];
/** Map keys both policies and requests use. */
export const KEY_POOL = ["a", "b", "k", "", "é", "😀", "a😀", "zz", "ｚ", "\ue000"];
/** The keys that are identifiers too, usable as `m.key` and `has(m.key)`. */
export const IDENT_KEYS = ["a", "b", "k", "zz"];

export const INT64_MAX = (1n << 63n) - 1n;
export const INT64_MIN = -(1n << 63n);

/** Ints near the edges of int64 and of the products that overflow. */
export const EDGE_INTS: readonly bigint[] = [
  INT64_MAX,
  INT64_MIN,
  INT64_MAX - 1n,
  INT64_MIN + 1n,
  1n << 62n,
  -(1n << 62n),
  3037000500n, // its square is just above INT64_MAX
  -3037000500n,
  4294967296n,
  (1n << 53n) + 1n,
  -1n,
];

/** An int value: small mostly, 0 often (division), sometimes an edge. */
export function drawIntValue(d: Draw): bigint {
  return d.weighted<() => bigint>([
    [6, () => BigInt(d.int(-3, 10))],
    [2, () => 0n],
    [3, () => d.pick(EDGE_INTS)],
    [1, () => d.bigint(INT64_MIN, INT64_MAX)],
  ])();
}

/** The text of an int literal; negative ones in parentheses so they compose with any operator. */
export function intLiteral(d: Draw, v: bigint): string {
  const hex = d.chance(0.15);
  const abs = v < 0n ? -v : v;
  const digits = hex ? `0x${abs.toString(16)}` : abs.toString();
  return v < 0n ? `(-${digits})` : digits;
}

/** A string value for a literal: from the shared pool, or random Unicode. */
export function drawStringValue(d: Draw, maxCodePoints = 6): string {
  return d.chance(0.8) ? d.pick(STRING_POOL) : d.unicode(maxCodePoints);
}

const SIMPLE_ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\", '"': '\\"', "'": "\\'", "\u0007": "\\a", "\b": "\\b", "\f": "\\f", "\v": "\\v" };

/** The text of a CEL string literal meaning exactly `s`, in a randomly chosen form. */
export function stringLiteral(d: Draw, s: string): string {
  const form = d.int(0, 3);
  const safeRaw = !/["'\\\n\r]/.test(s) && !/[\u0000-\u001f\u007f]/.test(s);
  if (form === 1 && safeRaw) return d.chance(0.5) ? `r"${s}"` : `'${s}'`;
  if (form === 2 && safeRaw && !s.includes('"""') && !s.endsWith('"')) return `"""${s}"""`;
  let out = "";
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    const simple = SIMPLE_ESCAPES[ch];
    if (simple !== undefined) out += simple;
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, "0")}`;
    else if (form === 3 && cp > 0x7f) out += cp > 0xffff ? `\\U${cp.toString(16).padStart(8, "0")}` : `\\u${cp.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `"${out}"`;
}
