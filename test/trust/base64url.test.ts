// The base64url codec: the portable loops (used where Buffer does not exist) and the Buffer path
// agree on every input, and both refuse the same non-canonical encodings.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { base64urlDecode, base64urlEncode, base64urlEncodeText, hexInto, portableBase64url } from "../../runtime/crypto/base64url.js";

describe("base64url", () => {
  it("portable and Buffer paths encode and decode alike, and round-trip", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const text = base64urlEncode(bytes);
        expect(portableBase64url.encode(bytes)).toBe(text);
        expect(text).toBe(Buffer.from(bytes).toString("base64url"));
        expect(Array.from(base64urlDecode(text)!)).toEqual(Array.from(bytes));
        expect(Array.from(portableBase64url.decode(text)!)).toEqual(Array.from(bytes));
      }),
      { numRuns: 300 },
    );
  });
  it("both paths refuse padding, foreign characters, impossible lengths and leftover bits", () => {
    for (const bad of ["AA==", "A", "AAAAA", "A+B/", "AB C", "AB\n", "AB", "AAB", "Zg=", "é"]) {
      // "AB" has leftover bits (B = 000001), "AAB" likewise; "AA"/"AAA" would be fine
      expect([bad, base64urlDecode(bad)]).toEqual([bad, null]);
      expect([bad, portableBase64url.decode(bad)]).toEqual([bad, null]);
    }
    expect(Array.from(base64urlDecode("AA")!)).toEqual([0]);
    expect(Array.from(base64urlDecode("Zg")!)).toEqual([0x66]);
    expect(Array.from(base64urlDecode("")!)).toEqual([]);
  });
  it("any random string decodes the same on both paths", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (text) => {
        const a = base64urlDecode(text);
        const b = portableBase64url.decode(text);
        expect(a === null ? null : Array.from(a)).toEqual(b === null ? null : Array.from(b));
      }),
      { numRuns: 500 },
    );
  });
});

describe("base64urlEncodeText", () => {
  it("encodes the UTF-8 bytes of any text, short or longer than its scratch buffer, lone surrogates as U+FFFD", () => {
    const check = (text: string): void => {
      expect(base64urlEncodeText(text)).toBe(Buffer.from(text, "utf8").toString("base64url"));
    };
    fc.assert(fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), check), { numRuns: 200 });
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 300 }), check), { numRuns: 200 });
    // around the scratch buffer's 64 KiB, in 3-byte characters and in ASCII
    for (const length of [21_845, 21_846, 65_536, 70_000]) {
      check("€".repeat(length));
      check("a".repeat(length));
    }
    check("\ud800" + "x".repeat(10)); // a lone surrogate
  });
});

describe("hexInto", () => {
  it("decodes hex of either case into place, as Buffer does", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(8), fc.boolean(), (bytes, offset, upper) => {
        const hex = Buffer.from(bytes).toString("hex");
        const out = new Uint8Array(offset + bytes.length + 3).fill(0xee);
        expect(hexInto(upper ? hex.toUpperCase() : hex, out, offset)).toBe(true);
        expect(Buffer.from(out.subarray(offset, offset + bytes.length)).equals(Buffer.from(bytes))).toBe(true);
        // nothing outside its place is touched
        expect([...out.subarray(0, offset), ...out.subarray(offset + bytes.length)].every((b) => b === 0xee)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
  it("refuses odd lengths, characters that are not hex digits, and text that does not fit", () => {
    for (const bad of ["a", "0g", "g0", "0x", " 0", "0:", "@0", "`0", "é0", "0/"]) expect([bad, hexInto(bad, new Uint8Array(4), 0)]).toEqual([bad, false]);
    expect(hexInto("00112233", new Uint8Array(4), 1)).toBe(false);
    expect(hexInto("00112233", new Uint8Array(4), 0)).toBe(true);
  });
});
