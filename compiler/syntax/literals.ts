// Decoding of literal tokens: CEL string and bytes literals (prefixes, quotes, escapes) and integer
// literals. Pure functions over token text; problems come back as values with offsets relative to
// the token so the caller can place a diagnostic on the exact escape.

export interface LiteralProblem {
  /** offset of the problem from the start of the token */
  readonly offset: number;
  readonly length: number;
  readonly message: string;
}

export type DecodedString =
  | { readonly kind: "string"; readonly value: string; readonly problems: LiteralProblem[] }
  | { readonly kind: "bytes"; readonly value: Uint8Array; readonly problems: LiteralProblem[] };

const SIMPLE_ESCAPES: Record<string, number> = {
  a: 0x07, b: 0x08, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b,
  "\\": 0x5c, "?": 0x3f, '"': 0x22, "'": 0x27, "`": 0x60,
};

const HEX = /^[0-9a-fA-F]+$/;

/** Splits a string token into its prefix flags and the body between the quotes. */
function splitLiteral(image: string): { raw: boolean; bytes: boolean; bodyStart: number; bodyEnd: number } {
  let i = 0;
  let raw = false;
  let bytes = false;
  while (i < image.length && /[rRbB]/.test(image[i]!)) {
    if (image[i] === "r" || image[i] === "R") raw = true;
    else bytes = true;
    i++;
  }
  const q = image[i];
  const triple = image.length - i >= 6 && image[i + 1] === q && image[i + 2] === q;
  const quoteLen = triple ? 3 : 1;
  return { raw, bytes, bodyStart: i + quoteLen, bodyEnd: Math.max(i + quoteLen, image.length - quoteLen) };
}

function utf8(codePoint: number, out: number[]): void {
  if (codePoint < 0x80) out.push(codePoint);
  else if (codePoint < 0x800) out.push(0xc0 | (codePoint >> 6), 0x80 | (codePoint & 63));
  else if (codePoint < 0x10000)
    out.push(0xe0 | (codePoint >> 12), 0x80 | ((codePoint >> 6) & 63), 0x80 | (codePoint & 63));
  else
    out.push(
      0xf0 | (codePoint >> 18),
      0x80 | ((codePoint >> 12) & 63),
      0x80 | ((codePoint >> 6) & 63),
      0x80 | (codePoint & 63),
    );
}

/**
 * Decodes a complete string or bytes literal token (as matched by the lexer: prefix and closing
 * quotes included). Text strings give code points; in bytes literals `\x` and octal escapes give
 * single octets and other characters their UTF-8 encoding.
 */
export function decodeStringLiteral(image: string): DecodedString {
  const { raw, bytes, bodyStart, bodyEnd } = splitLiteral(image);
  const problems: LiteralProblem[] = [];
  // code points for text strings, octets for bytes
  const units: number[] = [];
  const emitChar = (cp: number) => (bytes ? utf8(cp, units) : units.push(cp));
  let i = bodyStart;
  while (i < bodyEnd) {
    const cp = image.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    if (cp !== 0x5c || raw) {
      emitChar(cp);
      i += width;
      continue;
    }
    const c = image[i + 1] ?? "";
    const at = i;
    const bad = (len: number, message: string) => problems.push({ offset: at, length: Math.max(1, len), message });
    if (c in SIMPLE_ESCAPES) {
      emitChar(SIMPLE_ESCAPES[c]!);
      i += 2;
    } else if (c === "x" || c === "X") {
      const h = image.slice(i + 2, i + 4);
      if (h.length === 2 && HEX.test(h)) {
        // a code point U+0000–U+00FF in text, an octet in bytes: the same number either way
        units.push(parseInt(h, 16));
        i += 4;
      } else {
        bad(2 + h.length, `invalid escape \`\\${c}${h}\`: expected two hexadecimal digits`);
        i += 2;
      }
    } else if (c === "u" || c === "U") {
      const n = c === "u" ? 4 : 8;
      const h = image.slice(i + 2, i + 2 + n);
      if (h.length !== n || !HEX.test(h)) {
        bad(2 + h.length, `invalid escape \`\\${c}${h}\`: expected ${n} hexadecimal digits`);
        i += 2;
        continue;
      }
      const v = parseInt(h, 16);
      if (bytes) bad(2 + n, `\`\\${c}\` escapes are not allowed in bytes literals`);
      else if (v >= 0xd800 && v <= 0xdfff) bad(2 + n, `invalid escape \`\\${c}${h}\`: surrogate code points are not characters`);
      else if (v > 0x10ffff) bad(2 + n, `invalid escape \`\\${c}${h}\`: beyond the last Unicode code point`);
      else units.push(v);
      i += 2 + n;
    } else if (c >= "0" && c <= "3") {
      const o = image.slice(i + 1, i + 4);
      if (/^[0-3][0-7][0-7]$/.test(o)) {
        units.push(parseInt(o, 8));
        i += 4;
      } else {
        bad(1 + o.length, `invalid escape \`\\${o}\`: an octal escape has three digits from \`000\` to \`377\``);
        i += 2;
      }
    } else {
      const shown = c === "" ? "\\" : "\\" + String.fromCodePoint(image.codePointAt(i + 1)!);
      bad(shown.length, `invalid escape sequence \`${shown}\``);
      i += 1 + (c === "" ? 0 : (image.codePointAt(i + 1)! > 0xffff ? 2 : 1));
    }
  }
  if (bytes) return { kind: "bytes", value: Uint8Array.from(units), problems };
  let value = "";
  // chunked to keep String.fromCodePoint's argument list short
  for (let k = 0; k < units.length; k += 4096) value += String.fromCodePoint(...units.slice(k, k + 4096));
  return { kind: "string", value, problems };
}

/** Value of an INT or UINT token (`42`, `0x2A`, `42u`, `0x2AU`); exact, never rounded. */
export function decodeIntLiteral(image: string): bigint {
  const body = image.replace(/[uU]$/, "");
  return BigInt(body);
}

/**
 * The characters a reader cannot see for what they are, written as escapes: controls, format
 * characters (zero-width ones, the bidirectional overrides and isolates, which make a string display
 * as other text than it holds: CVE-2021-42574, "Trojan Source"), line and paragraph separators, the
 * default-ignorable code points a terminal or editor shows as nothing (U+034F combining grapheme
 * joiner, the variation selectors, U+3164 Hangul filler, the tags) and every space but U+0020 (a
 * no-break space or an ideographic space reads as the space it is not).
 */
const INVISIBLE_CHARACTER = String.raw`(?! )[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Zs}\p{Default_Ignorable_Code_Point}]`;
const INVISIBLE = new RegExp(`^${INVISIBLE_CHARACTER}$`, "u");
const FIRST_INVISIBLE = new RegExp(INVISIBLE_CHARACTER, "u");

/** `U+202E`: a character named by its code point, which any reader sees. */
export function codePoint(ch: string): string {
  return "U+" + ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
}

/**
 * The first INVISIBLE character of `text` (undefined when there is none): one quoteString writes as
 * an escape. A quoted field name has no escapes, so the formatter prints a name holding one as the
 * index it means, and the lint in hidden-characters.ts names it where there is no index to print.
 */
export function firstInvisible(text: string): string | undefined {
  return FIRST_INVISIBLE.exec(text)?.[0];
}

/**
 * Canonical source form of a text string: double quotes, the shortest CEL escapes for control
 * characters, quotes and backslashes, `\xHH`, `\uHHHH` or `\UHHHHHHHH` for the other INVISIBLE
 * characters; everything else printed as itself. INVARIANT: decoding the result gives back `value`
 * exactly (the formatter relies on this).
 */
export function quoteString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case "\\": out += "\\\\"; break;
      case '"': out += '\\"'; break;
      case "\n": out += "\\n"; break;
      case "\r": out += "\\r"; break;
      case "\t": out += "\\t"; break;
      case "\x07": out += "\\a"; break;
      case "\b": out += "\\b"; break;
      case "\f": out += "\\f"; break;
      case "\v": out += "\\v"; break;
      default:
        if (cp < 0x20 || cp === 0x7f) out += "\\x" + cp.toString(16).padStart(2, "0");
        // lone surrogates cannot come from a valid literal, but keep the output decodable
        else if (cp >= 0xd800 && cp <= 0xdfff) out += "\\ufffd";
        // what cannot be seen for what it is (INVISIBLE) is written as an escape, so what is shown is what is compared
        else if (INVISIBLE.test(ch)) out += cp <= 0xff ? "\\x" + cp.toString(16).padStart(2, "0") : cp <= 0xffff ? "\\u" + cp.toString(16).padStart(4, "0") : "\\U" + cp.toString(16).padStart(8, "0");
        else out += ch;
    }
  }
  return out + '"';
}

/** Canonical source form of a bytes literal: printable ASCII as itself, every other octet as `\xHH`. */
export function quoteBytes(value: Uint8Array): string {
  let out = 'b"';
  for (const b of value) {
    if (b === 0x5c) out += "\\\\";
    else if (b === 0x22) out += '\\"';
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += "\\x" + b.toString(16).padStart(2, "0");
  }
  return out + '"';
}
