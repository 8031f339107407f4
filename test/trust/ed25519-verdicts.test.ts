// One verdict per signature on every Ed25519 path: libsodium (the native path here), OpenSSL (the
// native path in a process with WRIT_NATIVE_ED25519=openssl) and noble. The signatures are crafted
// with noble's point arithmetic around the points of small order, where Ed25519 verifiers differ:
// OpenSSL accepts an R of small order that libsodium refuses, and a verifier that checks the
// cofactored equation ([8][S]B = [8](R + [k]A), noble's `verify`) accepts an R or a key off by a
// point of small order that the cofactorless equation ([S]B = R + [k]A) refuses.

import { spawnSync } from "node:child_process";
import { createPublicKey, verify as nodeVerify } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as ed from "@noble/ed25519";
import { sha512 } from "@noble/hashes/sha2.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../../runtime/crypto/base64url.js";
import { ed25519NativeBackend, ed25519Verify } from "../../runtime/crypto/ed25519.js";
import { tempDir } from "../support/temp-dir.js";

ed.hashes.sha512 = sha512;

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const P = 2n ** 255n - 19n;
const le32 = (n: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 255n));
const fromLe = (bytes: Uint8Array) => bytes.reduceRight((acc, b) => (acc << 8n) | BigInt(b), 0n);
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
/** k = SHA-512(R ‖ A ‖ M) mod L, over the bytes as given */
const challenge = (R: Uint8Array, A: Uint8Array, message: Uint8Array) => fromLe(sha512(cat(R, A, message))) % L;

const seed = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const { scalar: a, point: A, pointBytes: key } = ed.utils.getExtendedPublicKey(seed);
const message = new TextEncoder().encode("a statement to sign");
const B = ed.Point.BASE;
const T8 = ed.Point.fromBytes(hexToBytes("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05")!);
const torsion = Array.from({ length: 8 }, (_, i) => (i === 0 ? ed.Point.ZERO : T8.multiplyUnsafe(BigInt(i))));

interface Vector {
  readonly name: string;
  readonly key: Uint8Array;
  readonly signature: Uint8Array;
  readonly message: Uint8Array;
  /** the verdict every path must give */
  readonly valid: boolean;
}

/** S = k·a (+ r) for the R given as bytes: the signature a key holder makes around a chosen R. */
function signWithR(R: Uint8Array, r: bigint, publicKey: Uint8Array = key): Uint8Array {
  return cat(R, le32((r + challenge(R, publicKey, message) * a) % L));
}

// R encodings of small order: each point of the 8-torsion with either sign bit (for the identity and
// the point of order 2, x = 0, so the flipped one is no canonical encoding), and the unreduced
// spellings y = p and y = p + 1 of the points of order 4 and 1.
function smallOrderEncodings(): { label: string; bytes: Uint8Array }[] {
  const out: { label: string; bytes: Uint8Array }[] = [];
  torsion.forEach((t, i) => {
    const bytes = t.toBytes();
    const flipped = Uint8Array.from(bytes);
    flipped[31]! ^= 0x80;
    out.push({ label: `[${i}]T8`, bytes }, { label: `[${i}]T8, sign bit flipped`, bytes: flipped });
  });
  for (const [label, y] of [["y = p (0 unreduced)", P], ["y = p + 1 (1 unreduced)", P + 1n]] as const) {
    out.push({ label, bytes: le32(y) });
    out.push({ label: `${label}, sign bit set`, bytes: le32(y | (1n << 255n)) });
  }
  return out;
}

const crafted: Vector[] = [];
const honest: Vector[] = [];
{
  const good = ed.sign(message, seed);
  crafted.push({ name: "honest signature with S + L", key, message, signature: cat(good.subarray(0, 32), le32(fromLe(good.subarray(32)) + L)), valid: false });
  for (const { label, bytes } of smallOrderEncodings())
    crafted.push({ name: `R = ${label}, S = k·a`, key, message, signature: signWithR(bytes, 0n), valid: false });
  const r = 12345678901234567890n;
  crafted.push({ name: "R = rB + T8 (mixed order), S = r + k·a", key, message, signature: signWithR(B.multiply(r).add(T8).toBytes(), r), valid: false });
  // a key with a small-order part: aB + T8. With R = rB and S = r + k·a the cofactorless equation
  // is off by [k]T8, which vanishes only when 8 divides k.
  const mixedKey = A.add(T8).toBytes();
  const byK = (wantMultipleOf8: boolean) => {
    for (let r = 1n; ; r++) {
      const R = B.multiply(r).toBytes();
      if ((challenge(R, mixedKey, message) % 8n === 0n) === wantMultipleOf8) return signWithR(R, r, mixedKey);
    }
  };
  crafted.push({ name: "key aB + T8, R = rB, S = r + k·a, 8 ∤ k", key: mixedKey, message, signature: byK(false), valid: false });
  // the equation holds exactly: every path accepts (loading refuses the key: test/trust/keys.test.ts)
  crafted.push({ name: "key aB + T8, R = rB, S = r + k·a, 8 | k", key: mixedKey, message, signature: byK(true), valid: true });

  const pairs = fc.sample(fc.tuple(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 })), { numRuns: 25, seed: 8032 });
  for (const [s, m] of pairs) honest.push({ name: `honest signature ${honest.length}`, key: ed.getPublicKey(s), message: m, signature: ed.sign(m, s), valid: true });
}
const vectors = [...crafted, ...honest];

const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const opensslAlone = (v: Vector) => nodeVerify(null, v.message, createPublicKey({ key: Buffer.concat([SPKI_PREFIX, v.key]), format: "der", type: "spki" }), v.signature);
const cofactored = (v: Vector) => ed.verify(v.signature, v.message, v.key, { zip215: false });
const find = (name: string) => crafted.find((v) => v.name === name)!;

/** Each vector's verdict on the native path of a process with WRIT_NATIVE_ED25519=openssl. */
function opensslVerdicts(): { backend: string; verdicts: boolean[] } {
  const dir = tempDir("ed25519-verdicts");
  const module = fileURLToPath(new URL("../../runtime/crypto/ed25519.ts", import.meta.url));
  const input = join(dir, "vectors.json");
  writeFileSync(input, JSON.stringify(vectors.map((v) => [bytesToHex(v.signature), bytesToHex(v.message), bytesToHex(v.key)])));
  const script = join(dir, "verdicts.mts");
  writeFileSync(
    script,
    `import { readFileSync } from "node:fs";
import { ed25519NativeBackend, ed25519Verify } from ${JSON.stringify(module)};
const hex = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));
const vectors: string[][] = JSON.parse(readFileSync(${JSON.stringify(input)}, "utf8"));
const verdicts = vectors.map(([s, m, k]) => ed25519Verify(hex(s!), hex(m!), hex(k!), "native"));
console.log(JSON.stringify({ backend: ed25519NativeBackend(), verdicts }));`,
  );
  const run = spawnSync(process.execPath, ["--import", "tsx", script], { encoding: "utf8", env: { ...process.env, WRIT_NATIVE_ED25519: "openssl" } });
  expect(run.stderr).toBe("");
  return JSON.parse(run.stdout) as { backend: string; verdicts: boolean[] };
}

describe("Ed25519 verdicts on crafted signatures", () => {
  it("are edge cases where verifiers differ: OpenSSL alone accepts R = identity, the cofactored equation R or key off by T8", () => {
    expect(opensslAlone(find("R = [0]T8, S = k·a"))).toBe(true);
    expect(cofactored(find("R = [0]T8, S = k·a"))).toBe(true);
    expect(cofactored(find("R = [1]T8, S = k·a"))).toBe(true);
    expect(cofactored(find("R = rB + T8 (mixed order), S = r + k·a"))).toBe(true);
    expect(cofactored(find("key aB + T8, R = rB, S = r + k·a, 8 ∤ k"))).toBe(true);
    expect(opensslAlone(find("key aB + T8, R = rB, S = r + k·a, 8 ∤ k"))).toBe(false);
  });

  it("are the same on libsodium, OpenSSL and noble, for each crafted signature and for honest ones", () => {
    expect(ed25519NativeBackend()).toBe("libsodium");
    const openssl = opensslVerdicts();
    expect(openssl.backend).toBe("openssl");
    const table = vectors.map((v, i) => ({
      name: v.name,
      libsodium: ed25519Verify(v.signature, v.message, v.key, "native"),
      openssl: openssl.verdicts[i],
      noble: ed25519Verify(v.signature, v.message, v.key, "noble"),
    }));
    expect(table).toEqual(vectors.map((v) => ({ name: v.name, libsodium: v.valid, openssl: v.valid, noble: v.valid })));
  });
});
