// Keys: both Ed25519 paths agree byte for byte, key ids are RFC 7638 thumbprints (checked against
// RFC 8037's worked example and against jose), JWK round trips, and key files on disk: 0600 on write,
// refusal of a private key others can read, PEM from other tools accepted.

import { chmodSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { generateKeyPairSync } from "node:crypto";
import { join } from "node:path";
import * as ed from "@noble/ed25519";
import fc from "fast-check";
import { calculateJwkThumbprint } from "jose";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../../runtime/crypto/base64url.js";
import { ed25519PublicKey, ed25519Sign, ed25519Verify, isWeakEd25519Key } from "../../runtime/crypto/ed25519.js";
import { blake2b512Hex, digestPair, sha3_512Hex } from "../../runtime/crypto/digest.js";
import { loadPrivateKeyFile, loadPublicKeyFile, writeKeyPair } from "../../runtime/trust/key-files.js";
import {
  generateKeyPair,
  keyIdOf,
  privateJwk,
  privateKeyFromJwk,
  privateKeyFromSeed,
  publicJwk,
  publicKeyFromBytes,
  publicKeyFromJwk,
} from "../../runtime/trust/keys.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { signBundle, verifyBundle } from "../../runtime/trust/bundle.js";
import { authorize } from "../../runtime/trust/authorize.js";
import { guard } from "../../runtime/trust/guard.js";
import { verifyArtifact } from "../../runtime/trust/verify-artifact.js";
import type { PrivateKey } from "../../runtime/trust/types.js";
import { ADMIN_OK, fakeBundle, fakePolicy } from "./fake-policy.js";
import { tempDir } from "../support/temp-dir.js";

const RFC8032_TEST1_SEED = hexToBytes("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")!;

describe("two crypto paths", () => {
  it("give identical public keys and signatures, and each verifies the other's", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 600 }), (seed, message) => {
        expect(bytesToHex(ed25519PublicKey(seed, "noble"))).toBe(bytesToHex(ed25519PublicKey(seed, "native")));
        const a = ed25519Sign(message, seed, "native");
        const b = ed25519Sign(message, seed, "noble");
        expect(bytesToHex(a)).toBe(bytesToHex(b));
        const pub = ed25519PublicKey(seed, "native");
        expect(ed25519Verify(a, message, pub, "noble")).toBe(true);
        expect(ed25519Verify(b, message, pub, "native")).toBe(true);
      }),
      { numRuns: 25 },
    );
  });
  it("give identical digests", () => {
    const data = new TextEncoder().encode("the module");
    expect(digestPair(data, "noble")).toEqual(digestPair(data, "native"));
    for (const text of ["", "ascii", "é ü \u2028 😀"]) {
      expect(sha3_512Hex(text, "native")).toBe(sha3_512Hex(text, "noble"));
      expect(blake2b512Hex(text, "native")).toBe(blake2b512Hex(text, "noble"));
      expect(sha3_512Hex(text, "native")).toBe(sha3_512Hex(new TextEncoder().encode(text), "native"));
    }
    // SHA3-512("abc") and BLAKE2b-512("abc") from FIPS 202 / RFC 7693 appendix A
    expect(sha3_512Hex("abc")).toBe("b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0");
    expect(blake2b512Hex("abc")).toBe("ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
  });
  it("refuse malformed inputs alike, without throwing", () => {
    const pub = ed25519PublicKey(RFC8032_TEST1_SEED);
    const sig = ed25519Sign(new Uint8Array(), RFC8032_TEST1_SEED);
    for (const path of ["native", "noble"] as const) {
      expect(ed25519Verify(sig.subarray(0, 63), new Uint8Array(), pub, path)).toBe(false);
      expect(ed25519Verify(sig, new Uint8Array(), pub.subarray(0, 31), path)).toBe(false);
      expect(ed25519Verify(sig, new Uint8Array(), new Uint8Array(32).fill(0xff), path)).toBe(false);
      // S >= L (non-canonical scalar) is refused by RFC 8032 verification on both paths
      const bigS = Uint8Array.from(sig);
      bigS.fill(0xff, 32);
      expect(ed25519Verify(bigS, new Uint8Array(), pub, path)).toBe(false);
    }
  });
});

describe("both paths accept and refuse the same signatures", () => {
  const seed = RFC8032_TEST1_SEED;
  const pub = ed25519PublicKey(seed);
  const message = new TextEncoder().encode("agree on every verdict");
  const sig = ed25519Sign(message, seed);
  const agree = (s: Uint8Array, m: Uint8Array, p: Uint8Array): boolean => {
    const native = ed25519Verify(s, m, p, "native");
    expect(ed25519Verify(s, m, p, "noble")).toBe(native);
    return native;
  };

  it("for random single-bit changes to signature, message or key", () => {
    fc.assert(
      fc.property(fc.nat(64 * 8 - 1), fc.constantFrom("sig", "msg", "pub"), (bit, where) => {
        const s = Uint8Array.from(sig);
        const m = Uint8Array.from(message);
        const p = Uint8Array.from(pub);
        const target = where === "sig" ? s : where === "msg" ? m : p;
        const i = bit % (target.length * 8);
        target[i >> 3]! ^= 1 << (i & 7);
        expect(agree(s, m, p)).toBe(false);
      }),
      { numRuns: 60 },
    );
  });
  it("for S + L (the malleable twin of a valid signature) and for the identity point as key", () => {
    // L = 2^252 + 27742317777372353535851937790883648493, little-endian
    const L = hexToBytes("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")!;
    const twin = Uint8Array.from(sig);
    let carry = 0;
    for (let i = 0; i < 32; i++) {
      const v = twin[32 + i]! + L[i]! + carry;
      twin[32 + i] = v & 0xff;
      carry = v >> 8;
    }
    expect(agree(sig, message, pub)).toBe(true);
    expect(agree(twin, message, pub)).toBe(false);
    const identity = new Uint8Array(32);
    identity[0] = 1;
    expect(agree(sig, message, identity)).toBe(false);
  });
});

describe("key ids and JWK", () => {
  it("key id of RFC 8032 TEST 1 is the thumbprint RFC 8037 appendix A.3 computes", () => {
    const key = privateKeyFromSeed(RFC8032_TEST1_SEED);
    expect(key.keyId).toBe("kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    expect(keyIdOf(key.publicKey.bytes, "noble")).toBe(key.keyId);
  });
  it("key ids agree with jose's RFC 7638 thumbprint for random keys", async () => {
    for (let i = 0; i < 5; i++) {
      const key = generateKeyPair();
      const { kid: _kid, ...members } = publicJwk(key.publicKey);
      expect(await calculateJwkThumbprint(members, "sha256")).toBe(key.keyId);
    }
  });
  it("round-trips private and public JWKs", () => {
    const key = generateKeyPair();
    const back = privateKeyFromJwk(JSON.parse(JSON.stringify(privateJwk(key))));
    expect(back.ok && bytesToHex(back.key.seed)).toBe(bytesToHex(key.seed));
    const pub = publicKeyFromJwk(publicJwk(key.publicKey));
    expect(pub.ok && pub.key.keyId).toBe(key.keyId);
    // a private JWK given where a public key is expected yields its public half
    const half = publicKeyFromJwk(privateJwk(key));
    expect(half.ok && half.key.keyId).toBe(key.keyId);
  });
  it("refuses JWKs that are not Ed25519, whose kid is not the thumbprint, or whose x is not d's", () => {
    const key = generateKeyPair();
    const other = generateKeyPair();
    expect(publicKeyFromJwk({ kty: "EC", crv: "P-256", x: "a" })).toMatchObject({ ok: false, message: expect.stringMatching(/Ed25519 JWK/) });
    expect(publicKeyFromJwk({ ...publicJwk(key.publicKey), kid: "chosen" })).toMatchObject({ ok: false, message: expect.stringMatching(/thumbprint/) });
    expect(privateKeyFromJwk({ ...privateJwk(key), x: publicJwk(other.publicKey).x, kid: undefined })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/not the public key of `d`/),
    });
    expect(publicKeyFromJwk({ kty: "OKP", crv: "Ed25519", x: "AAAA" })).toMatchObject({ ok: false, message: expect.stringMatching(/32 bytes/) });
    expect(publicKeyFromJwk("text")).toMatchObject({ ok: false });
  });
  it("shows a kid that is not the thumbprint on one line, whatever it holds", () => {
    const key = generateKeyPair();
    const kid = "x\nwrit verify: artifact verified";
    for (const read of [publicKeyFromJwk({ ...publicJwk(key.publicKey), kid }), privateKeyFromJwk({ ...privateJwk(key), kid })]) {
      expect(read.ok).toBe(false);
      const message = read.ok ? "" : read.message;
      expect(message).not.toMatch(/\n/);
      expect(message).toContain(JSON.stringify(kid));
    }
  });

  it("refuses keys marked for another use or algorithm, and accepts those marked for signing", () => {
    const jwk = publicJwk(generateKeyPair().publicKey);
    expect(publicKeyFromJwk({ ...jwk, use: "enc" })).toMatchObject({ ok: false, message: expect.stringMatching(/`use` is "enc"/) });
    expect(publicKeyFromJwk({ ...jwk, alg: "ECDH-ES" })).toMatchObject({ ok: false, message: expect.stringMatching(/not EdDSA/) });
    expect(publicKeyFromJwk({ ...jwk, key_ops: ["encrypt"] })).toMatchObject({ ok: false, message: expect.stringMatching(/key_ops/) });
    expect(publicKeyFromJwk({ ...jwk, use: "sig", alg: "EdDSA", key_ops: ["verify"] }).ok).toBe(true);
  });

  it("refuses a public key marked for signing only, as jose does; a private key so marked still gives its public half", () => {
    const key = generateKeyPair();
    const jwk = publicJwk(key.publicKey);
    for (const ops of [["sign"], ["sign", "encrypt"]])
      expect(publicKeyFromJwk({ ...jwk, key_ops: ops })).toEqual({ ok: false, message: 'JWK `key_ops` does not allow "verify": this public key is not one to verify with' });
    expect(publicKeyFromJwk({ ...jwk, key_ops: ["sign", "verify"] })).toMatchObject({ ok: true, key: { keyId: key.keyId } });
    expect(publicKeyFromJwk({ ...privateJwk(key), key_ops: ["sign"] })).toMatchObject({ ok: true, key: { keyId: key.keyId } });
    // from a file, named; the public key file `writ keygen` writes says nothing of key_ops, and loads
    const dir = tempDir("key-ops");
    writeFileSync(join(dir, "signing-only.jwk"), JSON.stringify({ ...jwk, key_ops: ["sign"] }));
    expect(loadPublicKeyFile(join(dir, "signing-only.jwk"))).toEqual({ ok: false, message: `public key file ${join(dir, "signing-only.jwk")}: JWK \`key_ops\` does not allow "verify": this public key is not one to verify with` });
    const written = writeKeyPair(dir, key, "keygen");
    expect(JSON.parse(readFileSync(written.publicKeyPath, "utf8"))).not.toHaveProperty("key_ops");
    expect(loadPublicKeyFile(written.publicKeyPath)).toEqual({ ok: true, key: key.publicKey });
  });

  it("refuses a private key marked for verifying only, whose public half still verifies", () => {
    const key = generateKeyPair();
    const marked = { ...privateJwk(key), key_ops: ["verify"] };
    expect(privateKeyFromJwk(marked)).toMatchObject({ ok: false, message: expect.stringMatching(/does not allow "sign"/) });
    expect(privateKeyFromJwk({ ...marked, key_ops: ["sign", "verify"] }).ok).toBe(true);
    expect(publicKeyFromJwk(marked)).toMatchObject({ ok: true, key: { keyId: key.keyId } });
  });

  it("refuses, as a public key, a private JWK whose halves are of two keys, and an x that is not a curve point", () => {
    const key = generateKeyPair();
    const other = generateKeyPair();
    // which half was meant cannot be told: the verifier would trust `x`, the signer sign with `d`
    expect(publicKeyFromJwk({ ...privateJwk(key), x: publicJwk(other.publicKey).x, kid: undefined })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/not the public key of `d`/),
    });
    expect(publicKeyFromJwk({ ...privateJwk(key), d: "short" })).toMatchObject({ ok: false, message: expect.stringMatching(/`d` must be 32 bytes/) });
    // y = 2 has no x on the curve (2 is not a valid y: (y²-1)/(dy²+1) is not a square mod p)
    const notOnCurve = new Uint8Array(32);
    notOnCurve[0] = 2;
    const jwk = { kty: "OKP", crv: "Ed25519", x: Buffer.from(notOnCurve).toString("base64url") };
    expect(publicKeyFromJwk(jwk)).toMatchObject({ ok: false, message: expect.stringMatching(/not a point of Ed25519/) });
    // random 32-byte strings (about half are not points): refused exactly when RFC 8032's decoding,
    // written out here on BigInts, fails, or the key is one of the weak ones refused anyway
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        const read = publicKeyFromJwk({ kty: "OKP", crv: "Ed25519", x: Buffer.from(bytes).toString("base64url") });
        if (!rfc8032Decodes(bytes)) expect(read).toMatchObject({ ok: false, message: expect.stringMatching(/not a point of Ed25519|small order or an unreduced/) });
        else if (isWeakEd25519Key(bytes)) expect(read).toMatchObject({ ok: false, message: expect.stringMatching(/small order or an unreduced/) });
        // a point decodes; it is a key only if [L]P is the identity (7 in 8 of them are not)
        else if (hasPrimeOrder(ed.Point.fromBytes(bytes))) expect(read.ok).toBe(true);
        else expect(read).toMatchObject({ ok: false, message: expect.stringMatching(/mixed order/) });
      }),
      { numRuns: 300 },
    );
  });
});

describe("keys of mixed order", () => {
  // a real key plus a point of small order: on the curve, but outside the subgroup B generates
  const order8 = ed.Point.fromBytes(hexToBytes("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05")!);
  const key = generateKeyPair();
  const real = ed.Point.fromBytes(key.publicKey.bytes);
  const mixed = Array.from({ length: 7 }, (_, i) => real.add(order8.multiplyUnsafe(BigInt(i + 1))).toBytes());
  const dir = tempDir("mixed-keys");
  const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

  it("are refused when loaded from a JWK or an SPKI PEM file, saying why", () => {
    expect(hasPrimeOrder(real)).toBe(true);
    mixed.forEach((bytes, i) => {
      expect(hasPrimeOrder(ed.Point.fromBytes(bytes))).toBe(false);
      expect(isWeakEd25519Key(bytes)).toBe(false);
      expect(publicKeyFromJwk({ kty: "OKP", crv: "Ed25519", x: Buffer.from(bytes).toString("base64url") })).toEqual({
        ok: false,
        message: expect.stringMatching(/^JWK member `x` is a point of mixed order \(outside the subgroup the base point generates\)/),
      });
      const pem = join(dir, `mixed-${i}.pub.pem`);
      writeFileSync(pem, `-----BEGIN PUBLIC KEY-----\n${Buffer.concat([SPKI_PREFIX, bytes]).toString("base64")}\n-----END PUBLIC KEY-----\n`);
      expect(loadPublicKeyFile(pem)).toEqual({ ok: false, message: expect.stringMatching(new RegExp(`^public key file ${pem}: JWK member \`x\` is a point of mixed order`)) });
    });
    expect(publicKeyFromJwk(publicJwk(key.publicKey))).toEqual({ ok: true, key: key.publicKey });
  });

  it("are refused by publicKeyFromBytes too, as are keys of small order and bytes that are no point", () => {
    expect(publicKeyFromBytes(key.publicKey.bytes)).toEqual(key.publicKey);
    for (const bytes of mixed) expect(() => publicKeyFromBytes(bytes)).toThrow(/^this Ed25519 public key is a point of mixed order/);
    const identity = new Uint8Array(32);
    identity[0] = 1;
    expect(() => publicKeyFromBytes(identity)).toThrow(/small order/);
    const notOnCurve = new Uint8Array(32);
    notOnCurve[0] = 2;
    expect(() => publicKeyFromBytes(notOnCurve)).toThrow(/not a point of Ed25519/);
    expect(() => publicKeyFromBytes(new Uint8Array(31))).toThrow(/32 bytes/);
  });
});

describe("key files", () => {
  const dir = tempDir("keys");

  it("writes the private key 0600 and both files load back", () => {
    const key = generateKeyPair();
    const written = writeKeyPair(dir, key, "issuer");
    expect(statSync(written.privateKeyPath).mode & 0o777).toBe(0o600);
    const priv = loadPrivateKeyFile(written.privateKeyPath);
    const pub = loadPublicKeyFile(written.publicKeyPath);
    expect(priv.ok && priv.key.keyId).toBe(key.keyId);
    expect(pub.ok && pub.key.keyId).toBe(key.keyId);
    expect(JSON.parse(readFileSync(written.publicKeyPath, "utf8"))).not.toHaveProperty("d");
  });
  it("never overwrites an existing key", () => {
    writeKeyPair(dir, generateKeyPair(), "once");
    expect(() => writeKeyPair(dir, generateKeyPair(), "once")).toThrow(/EEXIST/);
  });
  it("writes both keys or neither: a public key already there leaves no new private key beside it", () => {
    writeFileSync(join(dir, "half.public.jwk"), "{}");
    expect(() => writeKeyPair(dir, generateKeyPair(), "half")).toThrow(/EEXIST/);
    expect(existsSync(join(dir, "half.private.jwk"))).toBe(false);
    const first = writeKeyPair(dir, generateKeyPair(), "whole");
    rmSync(first.publicKeyPath);
    expect(() => writeKeyPair(dir, generateKeyPair(), "whole")).toThrow(/EEXIST/); // the private key is there
    expect(existsSync(first.publicKeyPath)).toBe(false); // and no public key of another pair appeared
  });
  it("refuses a key file that names a member twice, saying which and where, whichever key either would be", () => {
    const trusted = generateKeyPair();
    const shown = generateKeyPair();
    const [a, b] = [publicJwk(trusted.publicKey), publicJwk(shown.publicKey)];
    // a person, or a reader that keeps the first member, sees `shown`; JSON.parse keeps the last: `trusted`
    const publicPath = join(dir, "dup.public.jwk");
    writeFileSync(publicPath, `{"kty":"OKP","crv":"Ed25519","x":"${b.x}","kid":"${b.kid}",\n"x":"${a.x}","kid":"${a.kid}"}\n`);
    expect(loadPublicKeyFile(publicPath)).toEqual({
      ok: false,
      message: `public key file ${publicPath}:2:1: the member "x" appears twice in one object (JSON.parse keeps the last; other readers may keep the first)`,
    });
    // a private key file whose `d` is given twice, mode 0600 as keygen writes it
    const privatePath = join(dir, "dup.private.jwk");
    const [pa, pb] = [privateJwk(trusted), privateJwk(shown)];
    writeFileSync(privatePath, JSON.stringify({ ...pa, d: pb.d }).replace(/}$/, `,"d":"${pa.d}"}`), { mode: 0o600 });
    expect(loadPrivateKeyFile(privatePath)).toMatchObject({ ok: false, message: expect.stringMatching(new RegExp(`^private key file ${privatePath}:1:\\d+: the member "d" appears twice in one object`)) });
    // a member named twice in a nested object too; the same members once each load
    const nested = join(dir, "nested.public.jwk");
    writeFileSync(nested, JSON.stringify({ ...a, ext: { n: 1 } }).replace('"n":1', '"n":1,"n":2'));
    expect(loadPublicKeyFile(nested)).toMatchObject({ ok: false, message: expect.stringContaining('the member "n" appears twice') });
    writeFileSync(nested, JSON.stringify({ ...a, ext: { n: 1 } }));
    expect(loadPublicKeyFile(nested)).toEqual({ ok: true, key: trusted.publicKey });
  });
  it("refuses a key file far larger than any key without reading it", () => {
    const big = join(dir, "big.jwk");
    writeFileSync(big, " ".repeat(100_000));
    expect(loadPublicKeyFile(big)).toMatchObject({ ok: false, message: expect.stringMatching(/100000 bytes; a key file is a few hundred/) });
  });
  it("refuses a private key that group or others can read, with a clear error", () => {
    const written = writeKeyPair(dir, generateKeyPair(), "loose");
    for (const mode of [0o644, 0o640, 0o604, 0o660]) {
      chmodSync(written.privateKeyPath, mode);
      const result = loadPrivateKeyFile(written.privateKeyPath);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.message).toContain(written.privateKeyPath);
        expect(result.message).toContain(`mode 0${mode.toString(8)}`);
        expect(result.message).toMatch(/chmod 600/);
      }
    }
    chmodSync(written.privateKeyPath, 0o400);
    expect(loadPrivateKeyFile(written.privateKeyPath).ok).toBe(true);
  });
  it("says a public key given as a private key is one, before its mode, and names the private key of its pair", () => {
    const written = writeKeyPair(dir, generateKeyPair(), "mistaken");
    const asPrivate = /mistaken\.public\.jwk is a public key, and a private key is needed here: give the private key of its pair, likely .*mistaken\.private\.jwk$/;
    expect(loadPrivateKeyFile(written.publicKeyPath)).toMatchObject({ ok: false, message: expect.stringMatching(asPrivate) }); // 0644, as written
    chmodSync(written.publicKeyPath, 0o600);
    expect(loadPrivateKeyFile(written.publicKeyPath)).toMatchObject({ ok: false, message: expect.stringMatching(asPrivate) });
    // without a pair beside it, and as PEM
    const { publicKey } = generateKeyPairSync("ed25519");
    const pem = join(dir, "lone.pem");
    writeFileSync(pem, publicKey.export({ format: "pem", type: "spki" }), { mode: 0o644 });
    expect(loadPrivateKeyFile(pem)).toMatchObject({ ok: false, message: expect.stringMatching(/lone\.pem is a public key, .*writ keygen` writes it as <name>\.private\.jwk/) });
    expect(privateKeyFromJwk(publicJwk(generateKeyPair().publicKey))).toMatchObject({ ok: false, message: expect.stringMatching(/is a public key \(it has no private member `d`\)/) });
  });
  it("names a missing or garbled key file", () => {
    expect(loadPublicKeyFile(join(dir, "absent.jwk"))).toMatchObject({ ok: false, message: expect.stringMatching(/absent\.jwk does not exist/) });
    const garbled = join(dir, "garbled.jwk");
    writeFileSync(garbled, "{not json", { mode: 0o600 });
    expect(loadPrivateKeyFile(garbled)).toMatchObject({ ok: false, message: expect.stringMatching(/garbled\.jwk: neither a JWK/) });
  });
  it("accepts PKCS8 and SPKI PEM keys as other tools write them", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const privPath = join(dir, "openssl.pem");
    const pubPath = join(dir, "openssl.pub.pem");
    writeFileSync(privPath, privateKey.export({ format: "pem", type: "pkcs8" }), { mode: 0o600 });
    writeFileSync(pubPath, publicKey.export({ format: "pem", type: "spki" }));
    const priv = loadPrivateKeyFile(privPath);
    const pub = loadPublicKeyFile(pubPath);
    expect(priv.ok && pub.ok && priv.key.keyId === pub.key.keyId).toBe(true);
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 });
    writeFileSync(pubPath, rsa.publicKey.export({ format: "pem", type: "spki" }));
    expect(loadPublicKeyFile(pubPath)).toMatchObject({ ok: false, message: expect.stringMatching(/not ed25519/) });
  });
});

/** RFC 8032 5.1.3: whether 32 bytes decode to a point (y < p, x recovered, x = 0 only with sign bit 0). */
function rfc8032Decodes(bytes: Uint8Array): boolean {
  const p = 2n ** 255n - 19n;
  const d = (-121665n * modPow(121666n, p - 2n, p)) % p;
  const mod = (a: bigint) => ((a % p) + p) % p;
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(bytes[i]!);
  const sign = y >> 255n;
  y &= (1n << 255n) - 1n;
  if (y >= p) return false;
  const u = mod(y * y - 1n);
  const v = mod(d * y * y + 1n);
  let x = mod(u * v ** 3n * modPow(mod(u * v ** 7n), (p - 5n) / 8n, p));
  const vx2 = mod(v * x * x);
  if (vx2 === mod(-u)) x = mod(x * modPow(2n, (p - 1n) / 4n, p));
  else if (vx2 !== u) return false;
  return !(x === 0n && sign === 1n);
}

/** Whether [L]P is the identity: P is in the subgroup of prime order L that B generates. */
function hasPrimeOrder(point: ed.Point): boolean {
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  return point.multiplyUnsafe(L - 1n).add(point).is0();
}

function modPow(base: bigint, exponent: bigint, m: bigint): bigint {
  let result = 1n;
  let b = ((base % m) + m) % m;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
  }
  return result;
}

describe("signing keys handed to createSigner and signBundle", () => {
  const a = generateKeyPair();
  const b = generateKeyPair();

  it("are refused, before anything is signed, when the seed is not the public key's or an id is not its thumbprint", () => {
    const cases: [PrivateKey, RegExp][] = [
      [{ keyId: a.keyId, seed: b.seed, publicKey: a.publicKey }, /the key's publicKey\.bytes are not the public key of its seed \(whose key id is /],
      [{ keyId: b.keyId, seed: b.seed, publicKey: { keyId: b.keyId, bytes: a.publicKey.bytes } }, /the key's publicKey\.bytes are not the public key of its seed/],
      [{ keyId: b.keyId, seed: b.seed, publicKey: { keyId: a.keyId, bytes: b.publicKey.bytes } }, new RegExp(`the key's publicKey\\.keyId ${a.keyId} is not the RFC 7638 thumbprint of its seed's public key, ${b.keyId}`)],
      [{ keyId: a.keyId, seed: b.seed, publicKey: b.publicKey }, new RegExp(`the key's keyId ${a.keyId} is not the RFC 7638 thumbprint of its seed's public key, ${b.keyId}`)],
      [{ keyId: b.keyId, seed: b.seed, publicKey: { keyId: b.keyId, bytes: "not bytes" } } as never, /the key's publicKey\.bytes are not the public key of its seed/],
    ];
    for (const [key, message] of cases) {
      for (const path of ["native", "noble"] as const) {
        expect(() => createSigner(key, { path }), path).toThrow(TypeError);
        expect(() => createSigner(key, { path })).toThrow(message);
        expect(() => signBundle(fakeBundle(), key, path)).toThrow(new RegExp(`^signBundle: ${message.source}`));
      }
    }
    // a key pair as generateKeyPair makes it, or one built from its parts (a Buffer seed included), signs
    const built = { keyId: b.keyId, seed: Buffer.from(b.seed), publicKey: { keyId: b.keyId, bytes: Uint8Array.from(b.publicKey.bytes) } };
    expect(createSigner(built).keyId).toBe(b.keyId);
    expect(verifyBundle(signBundle(fakeBundle(), built), { trustedKeys: [b.publicKey] })).toEqual({ ok: true, keyId: b.keyId });
  });

  it("are copied: a host zeroing its seed after createSigner changes nothing, on either path", async () => {
    const signatures: string[] = [];
    for (const path of ["noble", "native"] as const) {
      const key = privateKeyFromSeed(Uint8Array.from(a.seed), path);
      const signer = createSigner(key, { path });
      key.seed.fill(0);
      signatures.push(signer.signTyped("test+jws", "the same payload"));
      const issued = authorize(fakePolicy(), ADMIN_OK, { signer });
      expect(verifyArtifact(issued.artifact, { trustedKeys: [a.publicKey], path }).ok, path).toBe(true);
      let ran = false;
      await guard(fakePolicy(), ADMIN_OK, () => void (ran = true), { signer });
      expect(ran, path).toBe(true);
    }
    // deterministic signatures: both paths signed with the same key
    expect(signatures[0]).toBe(signatures[1]);
  });
});
