// String helpers shared by the request validator, the interpreter and the encoder. Writ strings are
// Unicode text: compared by code point (the order of their UTF-8 bytes), sized in code points, bounded
// in UTF-8 bytes.

/**
 * Compares two strings by code point. JS `<` compares UTF-16 code units, which orders U+E000–U+FFFF
 * after astral characters; remapping units at or above 0xD800 fixes that without decoding.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800) x += x >= 0xe000 ? -0x800 : 0x2000;
    if (y >= 0xd800) y += y >= 0xe000 ? -0x800 : 0x2000;
    return x - y;
  }
  return a.length - b.length;
}

/**
 * Sorts strings by code point, in place (map keys, as the encoders write them), with the engine's
 * own string comparison only: a comparator in JS reads the units two keys share on every comparison,
 * which made sorting keys that share a long prefix cost the square of their count times their
 * length, where the cost bound counts a map's keys once each. Here JS reads each key at most twice,
 * and the O(n log n) comparisons are native. UTF-16 order, the engine's, is code-point order unless
 * a key holds a unit at or above U+D800; then the keys are ordered by forms whose UTF-16 order is
 * their code-point order (unitOrderForm).
 */
export function sortByCodePoint(keys: string[]): void {
  const n = keys.length;
  if (n < 2) return;
  if (belowSurrogates(keys)) {
    sortByUnits(keys);
    return;
  }
  const forms = keys.map(unitOrderForm);
  let sorted = 1;
  while (sorted < n && forms[sorted - 1]! <= forms[sorted]!) sorted++;
  if (sorted === n) return;
  const order = forms.map((_, i) => i).sort((a, b) => (forms[a]! < forms[b]! ? -1 : forms[a]! > forms[b]! ? 1 : 0));
  const given = [...keys];
  for (let i = 0; i < n; i++) keys[i] = given[order[i]!]!;
}

/**
 * Sorts strings by UTF-16 units, in place. Keys mostly arrive few and often in order already: that
 * is checked first (n − 1 comparisons); up to 32 keys are put in place by binary insertion (a
 * fraction of what the built-in sort's setup takes for so few), more by the built-in sort, which
 * without a comparator compares natively.
 */
function sortByUnits(keys: string[]): void {
  const n = keys.length;
  let sorted = 1;
  while (sorted < n && keys[sorted - 1]! <= keys[sorted]!) sorted++;
  if (sorted === n) return;
  if (n > 32) {
    keys.sort();
    return;
  }
  for (; sorted < n; sorted++) {
    const x = keys[sorted]!;
    let lo = 0;
    let hi = sorted;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (keys[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    for (let j = sorted; j > lo; j--) keys[j] = keys[j - 1]!;
    keys[lo] = x;
  }
}

/**
 * `s` with the units of U+E000–U+FFFF moved down to 0xD800–0xF7FF and the surrogates up to
 * 0xF800–0xFFFF, as compareCodePoints remaps them: the UTF-16 order of these forms is the
 * code-point order of the strings (and compareCodePoints' order of any strings, lone surrogates
 * too). A string with no unit at or above U+D800 is its own form. The units are read once into a
 * Uint16Array and turned back into a string a chunk at a time by String.fromCharCode, which keeps
 * lone surrogates (which the forms hold): building the string unit by unit took several times as
 * long as the sort. (No Buffer: this module runs where there is none, in a browser bundle.)
 */
function unitOrderForm(s: string): string {
  let first = 0;
  while (first < s.length && s.charCodeAt(first) < 0xd800) first++;
  if (first === s.length) return s;
  const units = new Uint16Array(s.length - first);
  for (let i = first; i < s.length; i++) {
    const u = s.charCodeAt(i);
    units[i - first] = u < 0xd800 ? u : u >= 0xe000 ? u - 0x800 : u + 0x2000;
  }
  let form = s.slice(0, first);
  for (let i = 0; i < units.length; i += FORM_CHUNK)
    form += String.fromCharCode.apply(null, units.subarray(i, i + FORM_CHUNK) as unknown as number[]);
  return form;
}

/** units turned into a string by one String.fromCharCode call: well under any engine's argument limit */
const FORM_CHUNK = 8192;

/**
 * Whether every unit of every string is below U+D800, where UTF-16 order is code-point order. A
 * regex: the engine scans natively, and skips a string stored one byte a unit (none of whose units
 * can be in the class) without reading it, where a charCodeAt loop read every unit of every key.
 */
function belowSurrogates(strings: readonly string[]): boolean {
  for (const s of strings) if (HIGH_UNIT.test(s)) return false;
  return true;
}

/** A UTF-16 unit at or above U+D800 (one match, no repetition: nothing to backtrack over). */
const HIGH_UNIT = /[\ud800-\uffff]/;

/** UTF-8 byte length of a well-formed string. */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 2; // a pair: 2 units already counted, 4 bytes in all
      i++;
    } else n += 2;
  }
  return n;
}

/** Above this many UTF-16 units, a string longer than its bound is refused by its length alone. */
const MEASURED_UNITS = 65_536;

/**
 * Why `s` is over its bound of `max` UTF-8 bytes when that shows from its length alone, unread;
 * undefined otherwise (it may still be over: measure it). Every UTF-16 unit is at least one UTF-8
 * byte, so more units than `max` is too long whatever they hold. Strings of more than MEASURED_UNITS
 * are refused so, with their length as the least they take: measuring megabytes on every decision
 * (`writ bench` decides each request a thousand times and more) is what a hostile request would ask
 * for. A shorter one is left to be measured, and its message gives its exact size.
 */
export function longStringProblem(s: string, max: number): string | undefined {
  return s.length > max && s.length > MEASURED_UNITS ? `string is at least ${s.length} bytes long, more than the ${max} allowed` : undefined;
}

/** Number of code points (CEL's `size` of a string). */
export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) i++;
    n++;
  }
  return n;
}

type WellFormed = { isWellFormed(): boolean };

/** False for strings with lone surrogates (not Unicode text, so not a valid Writ string). */
export function isWellFormed(s: string): boolean {
  return (s as unknown as WellFormed).isWellFormed();
}

/**
 * `s` without the ASCII spaces, tabs and line ends around it: the line end a file or a pipe adds to a
 * token (an artifact, a bundle's signature) is not part of it, and nothing else around it is taken
 * away. A BOM, a no-break space, U+2028 or a vertical tab (all of which String.prototype.trim
 * removes) stays, and the token is refused for it. A loop: a regex would backtrack on a long run.
 */
export function trimLineSpace(s: string): string {
  const space = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
  let start = 0;
  let end = s.length;
  while (start < end && space(s.charCodeAt(start))) start++;
  while (end > start && space(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}
