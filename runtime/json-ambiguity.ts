// What JSON.parse accepts without a word but a request must not carry (RFC 7493, I-JSON): a member
// name twice in one object — JSON.parse keeps the last, a parser elsewhere may keep the first, so the
// request decided here and the one another party reads could differ — and a number beyond
// ±(2^53 − 1) however written, or a fraction or exponent that rounds onto an integer
// (1.9999999999999999), which JSON.parse rounds, so two different requests would read (and digest)
// as one.

import { clip, escapeControls } from "./thrown.js";

/** Integers at most this many digits long are exact as JS numbers without comparing further. */
const SAFE_DIGITS = 15;

/**
 * The first such ambiguity in `text`, as `line:column: why`, or undefined. `text` must already have
 * parsed with JSON.parse as one value: this only looks again at what it silently resolved. (JSON
 * Lines are scanned a line at a time: jsonAmbiguityAt.)
 */
export function jsonAmbiguity(text: string): string | undefined {
  const found = jsonAmbiguityAt(text);
  return found === undefined ? undefined : `${position(text, found.offset)}: ${found.why}`;
}

/** jsonAmbiguity's finding as the offset in `text` where it is, and why: for a caller that places it itself. */
export function jsonAmbiguityAt(text: string): { offset: number; why: string } | undefined {
  // one entry per open object (its member names so far) or array (null)
  const open: (Set<string> | null)[] = [];
  // whether the next string is a member name: after `{` or after `,` in an object, and after nothing
  // else (an object or array that closes, empty or not, is a value; so is a string after `[`)
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const end = stringEnd(text, i);
      if (expectKey) {
        const name = JSON.parse(text.slice(i, end + 1)) as string;
        const names = open[open.length - 1]!;
        // the name is the file's text (a manifest's, a key file's, a request's): shown on one line
        if (names.has(name)) return { offset: i, why: `the member ${escapeControls(JSON.stringify(clip(name, 64)))} appears twice in one object (JSON.parse keeps the last; other readers may keep the first)` };
        names.add(name);
        expectKey = false;
      }
      i = end;
    } else if (c === 0x7b /* { */) {
      open.push(new Set());
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      open.push(null);
      expectKey = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      open.pop();
      expectKey = false; // `{}` closes with expectKey still set by its `{`
    } else if (c === 0x2c /* , */) {
      expectKey = open[open.length - 1] instanceof Set;
    } else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      const m = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;
      m.lastIndex = i;
      const number = m.exec(text)![0];
      const integer = !/[.eE]/.test(number);
      const digits = number.replace("-", "");
      const read = Number(number);
      if (integer && digits.length > SAFE_DIGITS && !Number.isSafeInteger(read)) {
        const as = String(read) === number ? "its neighbours read as it" : `it would be read as ${read}`;
        return { offset: i, why: `the integer ${number} is beyond ±(2^53 − 1), where JSON numbers stop being exact (${as})` };
      }
      // Beyond ±(2^53 − 1), or beyond any double, a fraction or an exponent is as inexact as a long
      // integer: 9007199254740993.0 reads as 9007199254740992.0 does, 1e400 as 1e500 does, and the
      // two requests would be denied under one digest
      if (!integer && !(Math.abs(read) <= Number.MAX_SAFE_INTEGER))
        return { offset: i, why: `the number ${number} is beyond ±(2^53 − 1), where JSON numbers stop being exact; it would be read as ${read}` };
      // Requests hold integers only: a fraction or exponent that JSON.parse rounds onto a safe one
      // (1.9999999999999999 reads as 2, 1e-400 as 0) is another request read as that one
      if (!integer && Number.isSafeInteger(read) && !denotesExactly(number, read))
        return { offset: i, why: `the number ${number} is not exactly a JSON number; it would be read as the integer ${read}` };
      i += number.length - 1;
    }
  }
  return undefined;
}

/**
 * Whether the decimal `lexeme` (a JSON number with a fraction or an exponent) is exactly the integer
 * `n`. Its value is digits × 10^exponent; very long digit strings or exponents are not checked
 * exactly, and count as inexact unless the digits are all zeros.
 */
function denotesExactly(lexeme: string, n: number): boolean {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(lexeme)!;
  const digits = (m[2]! + (m[3] ?? "")).replace(/^0+(?=\d)/, "");
  if (/^0+$/.test(digits)) return n === 0;
  const exponent = Number(m[4] ?? "0") - (m[3]?.length ?? 0);
  if (digits.length > 400 || Math.abs(exponent) > 400) return false;
  let value = BigInt(digits);
  if (exponent >= 0) value *= 10n ** BigInt(exponent);
  else {
    const scale = 10n ** BigInt(-exponent);
    if (value % scale !== 0n) return false;
    value /= scale;
  }
  return (m[1] === "-" ? -value : value) === BigInt(n);
}

/** Index of the closing quote of the string opening at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (text.charCodeAt(i) !== 0x22) i += text.charCodeAt(i) === 0x5c /* \ */ ? 2 : 1;
  return i;
}

function position(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return `${line}:${offset - lineStart + 1}`;
}
