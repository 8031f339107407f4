// Ed25519 (RFC 8032) on two paths with one API: native code (fast, Node only) and @noble/ed25519
// (portable). The native path is libsodium through `sodium-native` when that package loads, else
// node:crypto (OpenSSL): on the project's 2-core VM, alternated in one process, libsodium signs in
// 0.56–0.60 of OpenSSL 3.0's time (23–28 µs against 41–50) and verifies in 0.47–0.50 of it.
// Signatures are deterministic, so every implementation gives identical bytes; tests prove it.
// Also SHA-256, for key ids (RFC 7638).
//
// Inputs are validated here, at the boundary: wrong lengths give `false`/`null` from verify and
// key parsing, and throw only from signing (a caller bug: the key was loaded and checked before).

import * as nodeCrypto from "node:crypto";
import * as ed from "@noble/ed25519";
import { sha256 as nobleSha256, sha512 } from "@noble/hashes/sha2.js";
import { defaultCryptoPath, type CryptoPath } from "./digest.js";
import { bytesEqual, hexToBytes } from "./base64url.js";
import { isInstance } from "../thrown.js";

// @noble/ed25519 v3 has no synchronous SHA-512 of its own; the sync API needs it set once.
ed.hashes.sha512 = sha512;

/** What `sodium-native` offers that this module uses (its buffers may be any Uint8Array). */
interface Sodium {
  crypto_sign_seed_keypair(publicKey: Uint8Array, secretKey: Uint8Array, seed: Uint8Array): void;
  crypto_sign_detached(signature: Uint8Array, message: Uint8Array, secretKey: Uint8Array): void;
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

/**
 * libsodium, if `sodium-native` loads and WRIT_NATIVE_ED25519 does not say "openssl". Loaded through
 * `process.getBuiltinModule` so that a browser bundle, which has no `process`, sees no import to
 * resolve; any failure (no package, no prebuilt binary for this platform) means OpenSSL instead.
 */
function loadSodium(): Sodium | null {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined>; getBuiltinModule?: (id: string) => unknown } }).process;
  if (proc?.env?.WRIT_NATIVE_ED25519 === "openssl" || typeof proc?.getBuiltinModule !== "function") return null;
  try {
    const { createRequire } = proc.getBuiltinModule("node:module") as typeof import("node:module");
    const sodium = createRequire(import.meta.url)("sodium-native") as Partial<Sodium>;
    const usable =
      typeof sodium.crypto_sign_seed_keypair === "function" && typeof sodium.crypto_sign_detached === "function" && typeof sodium.crypto_sign_verify_detached === "function";
    return usable ? (sodium as Sodium) : null;
  } catch {
    return null;
  }
}

const sodium = loadSodium();

const opensslAvailable =
  typeof nodeCrypto.sign === "function" &&
  (() => {
    try {
      nodeCrypto.generateKeyPairSync("ed25519");
      return true;
    } catch {
      return false;
    }
  })();

const nativeAvailable = sodium !== null || opensslAvailable;

/** Which library the native path signs and verifies with, or null when there is none (noble only). */
export function ed25519NativeBackend(): "libsodium" | "openssl" | null {
  return sodium !== null ? "libsodium" : opensslAvailable ? "openssl" : null;
}

/** The path Ed25519 uses when none is given: the digest default, if native Ed25519 is available. */
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

// libsodium's secret key is seed ‖ public key (64 bytes), derived once per seed array.
const sodiumSecretKeys = new WeakMap<Uint8Array, { secretKey: Uint8Array; publicKey: Uint8Array }>();

function sodiumKeys(sodium: Sodium, seed: Uint8Array): { secretKey: Uint8Array; publicKey: Uint8Array } {
  let keys = sodiumSecretKeys.get(seed);
  if (!keys) {
    keys = { secretKey: new Uint8Array(64), publicKey: new Uint8Array(32) };
    sodium.crypto_sign_seed_keypair(keys.publicKey, keys.secretKey, seed);
    sodiumSecretKeys.set(seed, keys);
  }
  return keys;
}

function nativePrivateKey(seed: Uint8Array): nodeCrypto.KeyObject {
  let key = privateKeyObjects.get(seed);
  if (!key) {
    key = nodeCrypto.createPrivateKey({ key: Buffer.from(concat(PKCS8_PREFIX, seed)), format: "der", type: "pkcs8" });
    privateKeyObjects.set(seed, key);
  }
  return key;
}

/**
 * The KeyObject of a public key, or null when OpenSSL refuses its encoding; kept per byte array.
 * Only OpenSSL's refusal is kept: when the stack runs out while the key is made (a verification
 * called near its end), the RangeError is thrown on, that verification fails, and the next one makes
 * the key. Kept as a refusal, it would have every later signature under that key refused for the
 * life of the process.
 */
function nativePublicKey(publicKey: Uint8Array): nodeCrypto.KeyObject | null {
  let key = publicKeyObjects.get(publicKey);
  if (key === undefined) {
    try {
      key = nodeCrypto.createPublicKey({ key: Buffer.from(concat(SPKI_PREFIX, publicKey)), format: "der", type: "spki" });
    } catch (e) {
      if (isInstance(e, RangeError)) throw e;
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
  if (path === "native" && sodium !== null) return Uint8Array.from(sodiumKeys(sodium, seed).publicKey);
  if (path === "native") {
    const spki = nodeCrypto.createPublicKey(nativePrivateKey(seed)).export({ format: "der", type: "spki" });
    return new Uint8Array(spki.subarray(SPKI_PREFIX.length));
  }
  return ed.getPublicKey(seed);
}

export function ed25519Sign(message: Uint8Array, seed: Uint8Array, path: CryptoPath = ed25519DefaultPath()): Uint8Array {
  checkSeed(seed);
  if (path === "native" && sodium !== null) {
    const signature = new Uint8Array(64);
    sodium.crypto_sign_detached(signature, message, sodiumKeys(sodium, seed).secretKey);
    return signature;
  }
  if (path === "native") return new Uint8Array(nodeCrypto.sign(null, message, nativePrivateKey(seed)));
  return ed.sign(message, seed);
}

// The y coordinates (little-endian, sign bit cleared) of the points of small order, as libsodium
// lists them: 0 (order 4), 1 (the identity), the two of order 8, p − 1 (order 2), and p and p + 1,
// unreduced spellings of 0 and 1. Anyone can make a signature that such a key verifies.
const SMALL_ORDER_Y: readonly string[] = [
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0100000000000000000000000000000000000000000000000000000000000000",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
];
const SMALL_ORDER_BYTES = SMALL_ORDER_Y.map((hex) => hexToBytes(hex)!);

/**
 * Whether a 32-byte public key is one no verifier should accept signatures for: a point of small
 * order (either sign of x), or a y coordinate that is not reduced mod p = 2^255 − 19. OpenSSL's
 * verification accepts a signature anyone can forge under the identity point, where libsodium
 * refuses it; checking here first gives every path the same verdict. (ed25519Verify also refuses
 * an R of the signature on this list, as libsodium does.)
 */
export function isWeakEd25519Key(publicKey: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return true; // not a key at all
  const top = publicKey[31]! & 0x7f;
  let allOnes = top === 0x7f;
  for (let i = 1; i < 31 && allOnes; i++) allOnes = publicKey[i] === 0xff;
  if (allOnes && publicKey[0]! >= 0xed) return true; // y ≥ p
  return SMALL_ORDER_BYTES.some((y) => {
    for (let i = 0; i < 31; i++) if (publicKey[i] !== y[i]) return false;
    return top === y[31];
  });
}

/**
 * Whether 32 bytes decode to a point of the curve (RFC 8032 5.1.3, strictly). About half of all
 * 32-byte strings do not: a "public key" among them makes every signature fail to verify, which a
 * key loader should say when the key is read, not leave to each verification. (Costs a square root,
 * about 0.1 ms with noble: for loading keys, not for each use.)
 */
export function isEd25519Point(publicKey: Uint8Array): boolean {
  try {
    ed.Point.fromBytes(publicKey, false);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a point that decodes (isEd25519Point) lies in the subgroup of prime order L that B
 * generates, with no small-order component. Every key a signer derives, [a]B, does; a key aB + T
 * (T of small order) is made, not generated, and verifiers disagree on its signatures: those that
 * check the cofactored equation accept what the others refuse. (A scalar multiplication, about a
 * noble verification's cost: for loading keys, not for each use.) False for what does not decode.
 */
export function isPrimeOrderEd25519Point(publicKey: Uint8Array): boolean {
  try {
    return ed.Point.fromBytes(publicKey, false).isTorsionFree();
  } catch {
    return false;
  }
}

// The order of B: S must be below it (RFC 8032 5.1.7), and k is reduced by it.
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function littleEndian(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

/**
 * RFC 8032 verification on noble's points, as libsodium and OpenSSL do it: the cofactorless
 * equation, [S]B − [k]A encoded and compared byte for byte with R. noble's own `verify` checks the
 * cofactored one, [8][S]B = [8](R + [k]A), which also accepts an R or an A off by a point of small
 * order that the native libraries refuse. Comparing encodings needs R decoded no more than they do:
 * only the canonical encoding of a point can equal the computed one. Throws on an A that does not
 * decode (the caller makes that false).
 */
function nobleVerify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  const s = littleEndian(signature.subarray(32, 64));
  if (s >= L) return false;
  const A = ed.Point.fromBytes(publicKey, false);
  const R = signature.subarray(0, 32);
  const hashed = new Uint8Array(32 + 32 + message.length);
  hashed.set(R, 0);
  hashed.set(publicKey, 32);
  hashed.set(message, 64);
  const k = littleEndian(sha512(hashed)) % L;
  return bytesEqual(ed.Point.BASE.multiply(s, false).subtract(A.multiply(k, false)).toBytes(), R);
}

/**
 * RFC 8032 verification, with the same verdict on every path: weak keys (isWeakEd25519Key) are
 * refused, and so is a signature whose R is a point of small order (the same list: libsodium refuses
 * those, OpenSSL accepts R = identity with S = k·a, which only the key's holder can make but no signer
 * ever does); then each path checks the cofactorless equation (libsodium, OpenSSL, nobleVerify).
 * Never throws: malformed input is `false`.
 */
export function ed25519Verify(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
  path: CryptoPath = ed25519DefaultPath(),
): boolean {
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false;
  if (isWeakEd25519Key(publicKey) || isWeakEd25519Key(signature.subarray(0, 32))) return false;
  try {
    if (path === "native" && sodium !== null) return sodium.crypto_sign_verify_detached(signature, message, publicKey);
    if (path === "native") {
      const key = nativePublicKey(publicKey);
      return key !== null && nodeCrypto.verify(null, message, key, signature);
    }
    return nobleVerify(signature, message, publicKey);
  } catch {
    return false;
  }
}

export function sha256Bytes(data: Uint8Array, path: CryptoPath = defaultCryptoPath()): Uint8Array {
  if (path === "native") return new Uint8Array(nodeCrypto.createHash("sha256").update(data).digest());
  return nobleSha256(data);
}
