// The native Ed25519 path's two libraries: libsodium (sodium-native) when it loads, OpenSSL
// (node:crypto) otherwise. Both sign the same bytes as noble and as node:crypto called directly,
// a process that cannot load sodium-native (or is told not to) falls back to OpenSSL, and keys that
// anyone can forge signatures for (points of small order, unreduced encodings) are refused on every
// path — OpenSSL on its own accepts such a forgery, which is why the check exists.

import { spawnSync } from "node:child_process";
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as ed from "@noble/ed25519";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex } from "../../runtime/crypto/base64url.js";
import { ed25519NativeBackend, ed25519PublicKey, ed25519Sign, ed25519Verify, isWeakEd25519Key } from "../../runtime/crypto/ed25519.js";
import { loadPublicKeyFile } from "../../runtime/trust/key-files.js";
import { publicKeyFromJwk } from "../../runtime/trust/keys.js";
import { tempDir } from "../support/temp-dir.js";

const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const opensslSign = (message: Uint8Array, seed: Uint8Array) =>
  nodeSign(null, message, createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" }));
const opensslVerify = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) =>
  nodeVerify(null, message, createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: "der", type: "spki" }), signature);

describe("the native path", () => {
  it("is libsodium here (sodium-native is installed with the package), as writ/trust reports too", async () => {
    expect(ed25519NativeBackend()).toBe("libsodium");
    const trust = await import("../../runtime/trust/index.js");
    expect(trust.ed25519NativeBackend()).toBe("libsodium");
    expect(trust.defaultCryptoPath()).toBe("native");
  });

  it("signs what OpenSSL and noble sign, byte for byte, and verifies what they sign", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 2000 }), (seed, message) => {
        const publicKey = ed25519PublicKey(seed, "native");
        expect(bytesToHex(publicKey)).toBe(bytesToHex(ed.getPublicKey(seed)));
        const signature = ed25519Sign(message, seed, "native");
        expect(bytesToHex(signature)).toBe(opensslSign(message, seed).toString("hex"));
        expect(bytesToHex(signature)).toBe(bytesToHex(ed.sign(message, seed)));
        expect(ed25519Verify(signature, message, publicKey, "native")).toBe(true);
        expect(opensslVerify(signature, message, publicKey)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});

describe("without libsodium", () => {
  const dir = tempDir("ed25519");
  const module = fileURLToPath(new URL("../../runtime/crypto/ed25519.ts", import.meta.url));
  // A child process reports its backend and a signature for a fixed seed and message.
  const probe = (env: Record<string, string>, preload: string[] = []) => {
    const script = join(dir, "probe.mts");
    writeFileSync(
      script,
      `import { ed25519NativeBackend, ed25519Sign, ed25519PublicKey, ed25519Verify } from ${JSON.stringify(module)};
const seed = new Uint8Array(32).fill(7), message = new TextEncoder().encode("fall back");
const signature = ed25519Sign(message, seed, "native");
// a signature anyone can make under the identity point (see "keys anyone can sign for" below)
const identity = new Uint8Array(32); identity[0] = 1;
const forged = new Uint8Array(64); forged.set(Buffer.from("5866666666666666666666666666666666666666666666666666666666666666", "hex"), 0); forged[32] = 1;
const forgeryAccepted = ed25519Verify(forged, message, identity, "native");
console.log(JSON.stringify({ backend: ed25519NativeBackend(), signature: Buffer.from(signature).toString("hex"), verifies: ed25519Verify(signature, message, ed25519PublicKey(seed, "native"), "native"), forgeryAccepted }));`,
    );
    const run = spawnSync(process.execPath, [...preload, "--import", "tsx", script], { encoding: "utf8", env: { ...process.env, ...env } });
    expect(run.stderr).toBe("");
    return JSON.parse(run.stdout) as { backend: string; signature: string; verifies: boolean; forgeryAccepted: boolean };
  };
  const expected = opensslSign(new TextEncoder().encode("fall back"), new Uint8Array(32).fill(7)).toString("hex");

  it("uses OpenSSL when WRIT_NATIVE_ED25519=openssl, with the same signatures and verdicts", () => {
    expect(probe({})).toEqual({ backend: "libsodium", signature: expected, verifies: true, forgeryAccepted: false });
    expect(probe({ WRIT_NATIVE_ED25519: "openssl" })).toEqual({ backend: "openssl", signature: expected, verifies: true, forgeryAccepted: false });
  });

  it("uses OpenSSL when sodium-native cannot be loaded", () => {
    // what a platform without a prebuilt binary sees: requiring the package throws
    const hook = join(dir, "no-sodium.cjs");
    writeFileSync(
      hook,
      `const Module = require("node:module");
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === "sodium-native") throw new Error("No native build was found for this platform");
  return load.call(this, request, ...rest);
};`,
    );
    expect(probe({}, ["--require", hook])).toEqual({ backend: "openssl", signature: expected, verifies: true, forgeryAccepted: false });
  });
});

describe("keys anyone can sign for", () => {
  const message = new TextEncoder().encode("forged");
  const identity = new Uint8Array(32);
  identity[0] = 1;
  // Under the identity key, R = [S]B with any S satisfies [S]B = R + [k]A.
  const S = new Uint8Array(32);
  S[0] = 1;
  const forged = new Uint8Array(64);
  forged.set(ed.Point.BASE.toBytes(), 0);
  forged.set(S, 32);

  it("OpenSSL alone accepts a signature forged under the identity point; no path of ours does", () => {
    expect(bytesToHex(ed.Point.BASE.toBytes())).toBe("5866666666666666666666666666666666666666666666666666666666666666");
    expect(opensslVerify(forged, message, identity)).toBe(true);
    for (const path of ["native", "noble"] as const) expect(ed25519Verify(forged, message, identity, path)).toBe(false);
  });

  it("the list is exactly the points of small order (noble decides), with either sign, and unreduced y", () => {
    // the 8-torsion subgroup, from a point of order 8
    const order8 = ed.Point.fromBytes(Uint8Array.from(Buffer.from("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", "hex")));
    expect(order8.isSmallOrder()).toBe(true);
    const torsion = Array.from({ length: 8 }, (_, k) => (k === 0 ? ed.Point.ZERO : order8.multiplyUnsafe(BigInt(k))));
    expect(new Set(torsion.map((p) => bytesToHex(p.toBytes()))).size).toBe(8);
    for (const p of torsion) {
      const bytes = p.toBytes();
      expect(isWeakEd25519Key(bytes)).toBe(true);
      const otherSign = Uint8Array.from(bytes);
      otherSign[31]! ^= 0x80;
      expect(isWeakEd25519Key(otherSign)).toBe(true);
    }
    // what is not 32 bytes is no key at all
    for (const length of [0, 31, 33, 64]) expect(isWeakEd25519Key(new Uint8Array(length).fill(9))).toBe(true);
    // y = p .. 2^255 − 1 is never a canonical encoding
    for (let low = 0xed; low <= 0xff; low++) {
      const y = new Uint8Array(32).fill(0xff);
      y[0] = low;
      y[31] = 0x7f;
      expect(isWeakEd25519Key(y)).toBe(true);
    }
    // real keys are not weak: noble decodes them to points of large order
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
        const key = ed.getPublicKey(seed);
        expect(ed.Point.fromBytes(key).isSmallOrder()).toBe(false);
        expect(isWeakEd25519Key(key)).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  it("every path refuses every weak key, whatever the signature", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 7 }), fc.boolean(), fc.uint8Array({ minLength: 64, maxLength: 64 }), (k, flip, signature) => {
        const order8 = ed.Point.fromBytes(Uint8Array.from(Buffer.from("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", "hex")));
        const key = (k === 0 ? ed.Point.ZERO : order8.multiplyUnsafe(BigInt(k))).toBytes();
        if (flip) key[31]! ^= 0x80;
        for (const path of ["native", "noble"] as const) expect(ed25519Verify(signature, message, key, path)).toBe(false);
        expect(ed25519Verify(forged, message, key, "native")).toBe(false);
      }),
      { numRuns: 60 },
    );
  });

  it("is refused as a trusted key, from a JWK or from an SPKI PEM file", () => {
    const x = Buffer.from(identity).toString("base64url");
    expect(publicKeyFromJwk({ kty: "OKP", crv: "Ed25519", x })).toEqual({ ok: false, message: expect.stringContaining("point of small order") });
    const dir = mkdtempSync(join(tmpdir(), "writ-weak-key-"));
    try {
      const pem = join(dir, "weak.pub.pem");
      writeFileSync(pem, `-----BEGIN PUBLIC KEY-----\n${Buffer.concat([SPKI_PREFIX, identity]).toString("base64")}\n-----END PUBLIC KEY-----\n`);
      expect(loadPublicKeyFile(pem)).toEqual({ ok: false, message: expect.stringContaining("point of small order") });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
