// How many cells of a terminal a character takes, for the caret under a diagnostic's source line.
// It follows wcwidth (Markus Kuhn's, which glibc and the terminals built on it follow): a
// non-spacing or enclosing mark, a format character and a Hangul medial vowel or final consonant
// take none, as they join the character before them; an East Asian Wide or Fullwidth character
// takes two; everything else one.

/**
 * The code points whose East_Asian_Width is W (Wide) or F (Fullwidth) in EastAsianWidth.txt of
 * Unicode 14.0.0, as pairs of first and last: CJK ideographs, kana, Hangul syllables, fullwidth
 * forms, and the emoji of emoji presentation (Unicode gives every one of them W). Neighbouring
 * ranges are joined across code points unassigned in 14.0, which are W by the file's defaults in
 * the ideograph blocks and occur nowhere else, so the table stays small (81 ranges, sorted, for a
 * binary search). The two planes of ideographs run to their last code point (U+3FFFD), the file's
 * default there.
 */
const WIDE: readonly number[] = [
  0x1100, 0x115f, 0x231a, 0x231b, 0x2329, 0x232a, 0x23e9, 0x23ec, 0x23f0, 0x23f0, 0x23f3, 0x23f3,
  0x25fd, 0x25fe, 0x2614, 0x2615, 0x2648, 0x2653, 0x267f, 0x267f, 0x2693, 0x2693, 0x26a1, 0x26a1,
  0x26aa, 0x26ab, 0x26bd, 0x26be, 0x26c4, 0x26c5, 0x26ce, 0x26ce, 0x26d4, 0x26d4, 0x26ea, 0x26ea,
  0x26f2, 0x26f3, 0x26f5, 0x26f5, 0x26fa, 0x26fa, 0x26fd, 0x26fd, 0x2705, 0x2705, 0x270a, 0x270b,
  0x2728, 0x2728, 0x274c, 0x274c, 0x274e, 0x274e, 0x2753, 0x2755, 0x2757, 0x2757, 0x2795, 0x2797,
  0x27b0, 0x27b0, 0x27bf, 0x27bf, 0x2b1b, 0x2b1c, 0x2b50, 0x2b50, 0x2b55, 0x2b55, 0x2e80, 0x303e,
  0x3041, 0x3247, 0x3250, 0x4dbf, 0x4e00, 0xa4c6, 0xa960, 0xa97c, 0xac00, 0xd7a3, 0xf900, 0xfad9,
  0xfe10, 0xfe19, 0xfe30, 0xfe6b, 0xff01, 0xff60, 0xffe0, 0xffe6, 0x16fe0, 0x1b2fb, 0x1f004, 0x1f004,
  0x1f0cf, 0x1f0cf, 0x1f18e, 0x1f18e, 0x1f191, 0x1f19a, 0x1f200, 0x1f320, 0x1f32d, 0x1f335, 0x1f337, 0x1f37c,
  0x1f37e, 0x1f393, 0x1f3a0, 0x1f3ca, 0x1f3cf, 0x1f3d3, 0x1f3e0, 0x1f3f0, 0x1f3f4, 0x1f3f4, 0x1f3f8, 0x1f43e,
  0x1f440, 0x1f440, 0x1f442, 0x1f4fc, 0x1f4ff, 0x1f53d, 0x1f54b, 0x1f54e, 0x1f550, 0x1f567, 0x1f57a, 0x1f57a,
  0x1f595, 0x1f596, 0x1f5a4, 0x1f5a4, 0x1f5fb, 0x1f64f, 0x1f680, 0x1f6c5, 0x1f6cc, 0x1f6cc, 0x1f6d0, 0x1f6d2,
  0x1f6d5, 0x1f6df, 0x1f6eb, 0x1f6ec, 0x1f6f4, 0x1f6fc, 0x1f7e0, 0x1f7f0, 0x1f90c, 0x1f93a, 0x1f93c, 0x1f945,
  0x1f947, 0x1f9ff, 0x1fa70, 0x1faf6, 0x20000, 0x3fffd,
];

/**
 * Characters that take no cell: non-spacing and enclosing marks (the accent of `é` written as `e` and
 * U+0301, the variation selectors), format characters (the zero-width joiner of an emoji sequence;
 * the soft hyphen, which terminals show, lies below U+0300 and takes one), and the Hangul medial
 * vowels and final consonants, which join the leading consonant before them. A spacing mark (Devanagari's vowel signs, category
 * Mc) takes its cell, as wcwidth counts it. The categories are the JavaScript engine's (its
 * Unicode version), the wide ranges the table's.
 */
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}\u1160-\u11ff]$/u;

/** Whether the code point `cp` lies in one of WIDE's ranges. */
function isWide(cp: number): boolean {
  let lo = 0;
  let hi = WIDE.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < WIDE[2 * mid]!) hi = mid - 1;
    else if (cp > WIDE[2 * mid + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

/** The cells a terminal gives the one character (code point) `c`: 0, 1 or 2. */
export function cellWidth(c: string): number {
  const cp = c.codePointAt(0) ?? 0;
  if (cp < 0x300) return 1; // ASCII and Latin-1: the common case, no mark or wide character below U+0300
  if (ZERO_WIDTH.test(c)) return 0;
  return isWide(cp) ? 2 : 1;
}
