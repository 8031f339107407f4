// Ed25519 (RFC 8032) on two paths with one API: node:crypto (fast, Node only) and @noble/ed25519
// (portable). Signatures are deterministic, so both paths give identical bytes; tests prove it.
// Also SHA-256, needed for key ids (RFC 7638 thumbprints).
//
// Inputs are validated here, at the boundary: wrong lengths give `false`/`null` from verify and
// key parsing, and throw only from signing (a caller bug: the key was loaded and checked before).

import * as nodeCrypto from "node:crypto";
import * as ed from "@noble/ed25519";
import { sha256 as nobleSha256, sha512 } from "@noble/hashes/sha2.js";
import { defaultCryptoPath, type CryptoPath } from "./digest.js";

// @noble/ed25519 v3 has no synchronous SHA-512 of its own; the sync API needs it set once.
ed.hashes.sha512 = sha512;

const nativeAvailable =
  typeof nodeCrypto.sign === "function" &&
  (() => {
    try {
      nodeCrypto.generateKeyPairSync("ed25519");
      return true;
    } catch {
      return false;
    }
  })();

/** The path Ed25519 uses when none is given: the digest default, if node:crypto can do Ed25519. */
export function ed25519DefaultPath(): CryptoPath {
  const path = defaultCryptoPath();
  return path === "native" && nativeAvailable ? "native" : "noble";
}

// DER prefixes that wrap a raw seed / public key as PKCS8 / SPKI (RFC 8410), so node:crypto can take
// raw bytes without deriving the public key first.
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

// Building a KeyObject costs about as much as a signature; keys are reused, so cache per byte array.
const privateKeyObjects = new WeakMap<Uint8Array, nodeCrypto.KeyObject>();
const publicKeyObjects = new WeakMap<Uint8Array, nodeCrypto.KeyObject | null>();

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function nativePrivateKey(seed: Uint8Array): nodeCrypto.KeyObject {
  let key = privateKeyObjects.get(seed);
  if (!key) {
    key = nodeCrypto.createPrivateKey({ key: Buffer.from(concat(PKCS8_PREFIX, seed)), format: "der", type: "pkcs8" });
    privateKeyObjects.set(seed, key);
  }
  return key;
}

function nativePublicKey(publicKey: Uint8Array): nodeCrypto.KeyObject | null {
  let key = publicKeyObjects.get(publicKey);
  if (key === undefined) {
    try {
      key = nodeCrypto.createPublicKey({ key: Buffer.from(concat(SPKI_PREFIX, publicKey)), format: "der", type: "spki" });
    } catch {
      key = null; // not a point encoding OpenSSL accepts
    }
    publicKeyObjects.set(publicKey, key);
  }
  return key;
}

function checkSeed(seed: Uint8Array): void {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new TypeError("an Ed25519 private key (seed) is 32 bytes");
}

/** 32 random bytes from the platform's CSPRNG. */
export function randomSeed(): Uint8Array {
  const seed = new Uint8Array(32);
  globalThis.crypto.getRandomValues(seed);
  return seed;
}

export function ed25519PublicKey(seed: Uint8Array, path: CryptoPath = ed25519DefaultPath()): Uint8Array {
  checkSeed(seed);
  if (path === "native") {
    const spki = nodeCrypto.createPublicKey(nativePrivateKey(seed)).export({ format: "der", type: "spki" });
    return new Uint8Array(spki.subarray(SPKI_PREFIX.length));
  }
  return ed.getPublicKey(seed);
}

export function ed25519Sign(message: Uint8Array, seed: Uint8Array, path: CryptoPath = ed25519DefaultPath()): Uint8Array {
  checkSeed(seed);
  if (path === "native") return new Uint8Array(nodeCrypto.sign(null, message, nativePrivateKey(seed)));
  return ed.sign(message, seed);
}

/**
 * RFC 8032 verification. The noble path runs in its strict mode (`zip215: false`) so both paths
 * accept and refuse the same signatures. Never throws: malformed input is `false`.
 */
export function ed25519Verify(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
  path: CryptoPath = ed25519DefaultPath(),
): boolean {
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false;
  try {
    if (path === "native") {
      const key = nativePublicKey(publicKey);
      return key !== null && nodeCrypto.verify(null, message, key, signature);
    }
    return ed.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

export function sha256Bytes(data: Uint8Array, path: CryptoPath = defaultCryptoPath()): Uint8Array {
  if (path === "native") return new Uint8Array(nodeCrypto.createHash("sha256").update(data).digest());
  return nobleSha256(data);
}
