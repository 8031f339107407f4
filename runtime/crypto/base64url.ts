// Base64url without padding (RFC 4648 section 5, as JWS uses it), hex and strict UTF-8. Written out
// so the trust layer runs where `Buffer` does not exist (browsers, edge workers); where it does,
// Node's codec is used because it is several times faster.

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;
const STRICT_ALPHABET = /^[A-Za-z0-9_-]*$/;

const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;

function encodePortable(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]!;
  }
  return out;
}

function decodePortable(text: string): Uint8Array | null {
  if (text.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? LOOKUP[c]! : -1;
    if (v < 0) return null;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
    acc &= (1 << bits) - 1;
  }
  if (acc !== 0) return null;
  return out;
}

/** The portable codec alone, so tests can hold it to the same results as Node's. */
export const portableBase64url = { encode: encodePortable, decode: decodePortable };

export function base64urlEncode(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
  return encodePortable(bytes);
}

// Text is encoded for base64url in one scratch buffer (encoding is synchronous, so no two calls
// share it): a Buffer per call took a slice of Node's pool, and a fresh 8 KB pool every few calls;
// 1.33 → 0.82 µs for a 1 KB statement.
const SCRATCH = NodeBuffer ? NodeBuffer.allocUnsafeSlow(64 * 1024) : null;

/** Base64url of the UTF-8 bytes of `text`; on Node without the intermediate Uint8Array. */
export function base64urlEncodeText(text: string): string {
  if (NodeBuffer) {
    // at most 3 UTF-8 bytes per UTF-16 unit, so text this short fits the scratch buffer whole
    if (SCRATCH !== null && text.length * 3 <= SCRATCH.length) return SCRATCH.toString("base64url", 0, SCRATCH.write(text, 0, "utf8"));
    return NodeBuffer.from(text, "utf8").toString("base64url");
  }
  return encodePortable(encoder.encode(text));
}

/**
 * Decodes unpadded base64url; null for anything else. Strict on purpose: padding, characters outside
 * the alphabet, an impossible length or nonzero leftover bits are refused, so one byte string has
 * exactly one accepted encoding and a changed character can never decode to the same bytes.
 */
export function base64urlDecode(text: string): Uint8Array | null {
  if (!NodeBuffer) return decodePortable(text);
  // Buffer's decoder is lenient (skips junk, accepts padding): check strictness before using it.
  if (text.length % 4 === 1 || !STRICT_ALPHABET.test(text)) return null;
  const rest = text.length % 4;
  if (rest !== 0) {
    const last = LOOKUP[text.charCodeAt(text.length - 1)]!;
    if ((rest === 2 && (last & 0x0f) !== 0) || (rest === 3 && (last & 0x03) !== 0)) return null;
  }
  const buf = NodeBuffer.from(text, "base64url");
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

// On Node, Buffer.from encodes two to four times faster than TextEncoder (which allocates a fresh
// ArrayBuffer per call); the result is a plain Uint8Array view of the Buffer's bytes.
export function utf8Encode(text: string): Uint8Array {
  if (NodeBuffer) {
    const b = NodeBuffer.from(text, "utf8");
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }
  return encoder.encode(text);
}

/**
 * The bytes of text that is ASCII by construction (a JWS signing input: base64url and dots), where
 * they equal its UTF-8 bytes; Latin-1 encoding skips the UTF-8 encoder's work.
 */
export function asciiBytes(text: string): Uint8Array {
  if (NodeBuffer) {
    const b = NodeBuffer.from(text, "latin1");
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }
  return encoder.encode(text);
}

/** null for bytes that are not well-formed UTF-8 */
export function utf8Decode(bytes: Uint8Array): string | null {
  try {
    return decoder.decode(bytes);
  } catch {
    return null;
  }
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Value of one hex digit's char code (either case), or -1. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const lower = c | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/** Decodes `hex` into `out` from `offset`; false (with `out` partly written) if it is not hex or does not fit. */
export function hexInto(hex: string, out: Uint8Array, offset: number): boolean {
  if (hex.length % 2 !== 0 || offset + hex.length / 2 > out.length) return false;
  for (let i = 0; i < hex.length; i += 2) {
    const hi = hexDigit(hex.charCodeAt(i));
    const lo = hexDigit(hex.charCodeAt(i + 1));
    if (hi < 0 || lo < 0) return false;
    out[offset + i / 2] = (hi << 4) | lo;
  }
  return true;
}

export function hexToBytes(hex: string): Uint8Array | null {
  if (hex.length % 2 !== 0) return null;
  const out = new Uint8Array(hex.length / 2);
  return hexInto(hex, out, 0) ? out : null;
}

export function bytesToHex(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += bytes[i]!.toString(16).padStart(2, "0");
  return out;
}
