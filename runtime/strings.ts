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
 * Sorts strings by code point, in place (map keys, as the encoders write them). Map keys are mostly
 * few: an insertion sort costs a fraction of `Array.prototype.sort` with a comparator, whose setup
 * alone outweighs sorting a handful of keys. Long lists go to the built-in sort: without a
 * comparator when no key holds a UTF-16 unit at or above U+D800 (the only units whose UTF-16 order,
 * which V8 then compares in, differs from code-point order), with compareCodePoints otherwise. The
 * first took 0.23 s of CPU for 500,000 keys of 8 ASCII characters in random order, the second 0.36 s.
 */
export function sortByCodePoint(keys: string[]): void {
  const n = keys.length;
  if (n > 32) {
    if (belowSurrogates(keys)) keys.sort();
    else keys.sort(compareCodePoints);
    return;
  }
  for (let i = 1; i < n; i++) {
    const x = keys[i]!;
    let j = i - 1;
    while (j >= 0 && compareCodePoints(keys[j]!, x) > 0) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = x;
  }
}

/** Whether every unit of every string is below U+D800, where UTF-16 order is code-point order. */
function belowSurrogates(strings: readonly string[]): boolean {
  for (const s of strings) {
    for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0xd800) return false;
  }
  return true;
}

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
