// Published vectors, run verbatim from test/vectors: RFC 8032 section 7.1 (Ed25519, both crypto
// paths) and RFC 8785 (canonical JSON: the RFC's sample objects, Appendix B numbers, escaping, order).

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../../runtime/crypto/base64url.js";
import { ed25519PublicKey, ed25519Sign, ed25519Verify } from "../../runtime/crypto/ed25519.js";
import type { CryptoPath } from "../../runtime/crypto/digest.js";
import { canonicalJson } from "../../runtime/trust/jcs.js";

const rfc8032 = JSON.parse(readFileSync(new URL("../vectors/rfc8032-ed25519.json", import.meta.url), "utf8")) as {
  vectors: { name: string; secretKey: string; publicKey: string; message: string; signature: string }[];
};
const rfc8785 = JSON.parse(readFileSync(new URL("../vectors/rfc8785.json", import.meta.url), "utf8")) as {
  objects: { name: string; input: string; expected: string }[];
  numbers: { ieee754: string; expected: string }[];
  refusedNumbers: { ieee754: string; value: string }[];
};

const hex = (s: string): Uint8Array => hexToBytes(s)!;
const PATHS: CryptoPath[] = ["native", "noble"];

describe("RFC 8032 section 7.1 Ed25519 vectors", () => {
  it("has all five vectors of section 7.1", () => {
    expect(rfc8032.vectors.map((v) => v.name)).toEqual(["TEST 1", "TEST 2", "TEST 3", "TEST 1024", "TEST SHA(abc)"]);
    expect(hex(rfc8032.vectors[3]!.message).length).toBe(1023);
  });
  for (const path of PATHS) {
    for (const v of rfc8032.vectors) {
      it(`${v.name} on the ${path} path: public key, signature, verification`, () => {
        const seed = hex(v.secretKey);
        const message = hex(v.message);
        expect(bytesToHex(ed25519PublicKey(seed, path))).toBe(v.publicKey);
        const signature = ed25519Sign(message, seed, path);
        expect(bytesToHex(signature)).toBe(v.signature);
        expect(ed25519Verify(hex(v.signature), message, hex(v.publicKey), path)).toBe(true);
        // one flipped bit anywhere in signature or message must fail
        const badSig = hex(v.signature);
        badSig[5]! ^= 1;
        expect(ed25519Verify(badSig, message, hex(v.publicKey), path)).toBe(false);
        const badMsg = new Uint8Array([...message, 0]);
        expect(ed25519Verify(hex(v.signature), badMsg, hex(v.publicKey), path)).toBe(false);
      });
    }
  }
});

describe("RFC 8785 canonical JSON vectors", () => {
  for (const c of rfc8785.objects) {
    it(c.name, () => {
      const result = canonicalJson(JSON.parse(c.input));
      expect(result).toEqual({ ok: true, text: c.expected });
    });
  }
  it("serialises every Appendix B number as the RFC lists it", () => {
    expect(rfc8785.numbers.length).toBeGreaterThanOrEqual(20);
    for (const n of rfc8785.numbers) {
      const value = Buffer.from(n.ieee754, "hex").readDoubleBE(0);
      expect({ n: n.ieee754, text: canonicalJson(value) }).toEqual({ n: n.ieee754, text: { ok: true, text: n.expected } });
      expect(canonicalJson([value])).toEqual({ ok: true, text: `[${n.expected}]` });
    }
  });
  it("refuses the Appendix B values that are not JSON numbers", () => {
    for (const n of rfc8785.refusedNumbers) {
      const value = Buffer.from(n.ieee754, "hex").readDoubleBE(0);
      expect(String(value)).toBe(n.value);
      const result = canonicalJson({ x: value });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.path).toBe("x");
    }
  });
});
