// Ed25519 keys as JWK (RFC 8037 `OKP`/`Ed25519`), their ids (RFC 7638 thumbprints), and parsing.
// No file access here (see key-files.ts), so hosts without a file system can use keys too.
//
// Format: a public key is `{"kty":"OKP","crv":"Ed25519","x":<base64url 32 bytes>,"kid":<thumbprint>}`;
// a private key is the same object with `"d":<base64url 32-byte seed>`. Any JOSE library reads both.

import { base64urlDecode, base64urlEncode, bytesEqual, utf8Encode } from "../crypto/base64url.js";
import { ed25519PublicKey, isEd25519Point, isPrimeOrderEd25519Point, isWeakEd25519Key, randomSeed, sha256Bytes } from "../crypto/ed25519.js";
import type { CryptoPath } from "../crypto/digest.js";
import type { PrivateKey, PublicKey } from "./types.js";
import { describeThrown, isInstance, shownOption } from "../thrown.js";
import { shownJson, shownName } from "../shown-name.js";
import { ownElements, ownMember } from "../own.js";

export interface Ed25519PublicJwk {
  readonly kty: "OKP";
  readonly crv: "Ed25519";
  readonly x: string;
  readonly kid: string;
}
export interface Ed25519PrivateJwk extends Ed25519PublicJwk {
  readonly d: string;
}

export type KeyResult<K> = { ok: true; key: K } | { ok: false; message: string };

/**
 * RFC 7638 thumbprint: base64url SHA-256 of the JWK's required members in lexicographic order,
 * `{"crv":"Ed25519","kty":"OKP","x":"..."}` (RFC 8037 section 2 names these members for OKP keys).
 */
export function keyIdOf(publicKey: Uint8Array, path?: CryptoPath): string {
  const members = `{"crv":"Ed25519","kty":"OKP","x":"${base64urlEncode(publicKey)}"}`;
  return base64urlEncode(sha256Bytes(utf8Encode(members), path));
}

/**
 * What is wrong with 32 bytes as a key to verify with, or null. The checks cost a square root and a
 * scalar multiplication (about 2 ms in all, with noble): keys are checked when loaded, not at each use.
 */
function publicKeyProblem(bytes: Uint8Array): string | null {
  if (isWeakEd25519Key(bytes)) return "a point of small order or an unreduced encoding: anyone can make signatures it verifies";
  if (!isEd25519Point(bytes)) return "not a point of Ed25519: no signature would ever verify with it (a damaged or mistyped key)";
  // a signer's key is [a]B: one with a small-order part added was made, not generated
  if (!isPrimeOrderEd25519Point(bytes))
    return "a point of mixed order (outside the subgroup the base point generates): no Ed25519 key pair has such a public key, and verifiers disagree on its signatures";
  return null;
}

/** A public key from its 32 bytes, checked as a loaded JWK's `x` is; throws a TypeError when unusable. */
export function publicKeyFromBytes(bytes: Uint8Array): PublicKey {
  if (!isInstance(bytes, Uint8Array) || bytes.length !== 32) throw new TypeError("an Ed25519 public key is 32 bytes");
  const problem = publicKeyProblem(bytes);
  if (problem !== null) throw new TypeError(`this Ed25519 public key is ${problem}`);
  return { keyId: keyIdOf(bytes), bytes };
}

export function privateKeyFromSeed(seed: Uint8Array, path?: CryptoPath): PrivateKey {
  const publicBytes = ed25519PublicKey(seed, path);
  const keyId = keyIdOf(publicBytes, path);
  return { keyId, seed, publicKey: { keyId, bytes: publicBytes } };
}

/** A fresh key pair from the platform's CSPRNG. */
export function generateKeyPair(path?: CryptoPath): PrivateKey {
  return privateKeyFromSeed(randomSeed(), path);
}

export function publicJwk(key: PublicKey): Ed25519PublicJwk {
  return { kty: "OKP", crv: "Ed25519", x: base64urlEncode(key.bytes), kid: key.keyId };
}

export function privateJwk(key: PrivateKey): Ed25519PrivateJwk {
  return { ...publicJwk(key.publicKey), d: base64urlEncode(key.seed) };
}

/** Most entries of a JWK's `key_ops` read: RFC 7517 defines 8 operations, and a list names each once. */
const MAX_KEY_OPS = 64;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

type ReadOkp = { ok: true; x: Uint8Array; kid?: string; d?: unknown; ops?: unknown } | { ok: false; message: string };

/**
 * The members of an Ed25519 JWK, each read once, or why it is none. A JWK a host made may be a
 * Proxy whose traps throw, or a revoked one (which even Array.isArray throws for): refused, as the
 * key functions never throw.
 */
function readOkp(given: unknown): ReadOkp {
  try {
    return readOkpMembers(given);
  } catch (e) {
    return { ok: false, message: `the JWK could not be read: ${describeThrown(e)}` };
  }
}

function readOkpMembers(given: unknown): ReadOkp {
  if (!isRecord(given)) return { ok: false, message: "a JWK must be a JSON object" };
  // its own members: one it lacks (an optional `d`, `use`, `key_ops`) is not what Object.prototype holds under its name (own.ts)
  const jwk = (name: string): unknown => ownMember(given, name);
  const [kty, crv, encoded] = [jwk("kty"), jwk("crv"), jwk("x")];
  if (kty !== "OKP" || crv !== "Ed25519")
    return { ok: false, message: `expected an Ed25519 JWK (kty "OKP", crv "Ed25519"), got kty ${shownJson(kty)}, crv ${shownJson(crv)}` };
  const x = typeof encoded === "string" ? base64urlDecode(encoded) : null;
  if (!x || x.length !== 32) return { ok: false, message: "JWK member `x` must be 32 bytes of unpadded base64url" };
  const kid = jwk("kid");
  if (kid !== undefined && typeof kid !== "string") return { ok: false, message: "JWK member `kid` must be a string" };
  // RFC 7517 lets a key say what it is for; a key marked for anything but EdDSA signatures is not
  // one to sign or verify decisions with (the members are optional: absent means unrestricted)
  const use = jwk("use");
  if (use !== undefined && use !== "sig") return { ok: false, message: `JWK \`use\` is ${shownJson(use)}: only a signing key ("sig") signs or verifies` };
  const alg = jwk("alg");
  if (alg !== undefined && alg !== "EdDSA" && alg !== "Ed25519") return { ok: false, message: `JWK \`alg\` is ${shownJson(alg)}, not EdDSA` };
  const listed = jwk("key_ops");
  // (a JWK's key_ops names a few of eight operations: a list that says it holds more is no key's)
  if (Array.isArray(listed) && listed.length > MAX_KEY_OPS) return { ok: false, message: `JWK \`key_ops\` says it holds ${listed.length} operations (its length); more than the ${MAX_KEY_OPS} read (RFC 7517 defines 8)` };
  const ops = Array.isArray(listed) ? ownElements(listed) : listed;
  if (ops !== undefined && (!Array.isArray(ops) || !ops.some((o) => o === "sign" || o === "verify")))
    return { ok: false, message: "JWK `key_ops` allows neither `sign` nor `verify`" };
  return { ok: true, x, kid, d: jwk("d"), ops };
}

/** The key pair of a private JWK's `d`, whose public key must be its `x`. */
function pairOf(okp: { x: Uint8Array; d?: unknown }): KeyResult<PrivateKey> {
  const seed = typeof okp.d === "string" ? base64urlDecode(okp.d) : null;
  if (!seed || seed.length !== 32) return { ok: false, message: "private JWK member `d` must be 32 bytes of unpadded base64url" };
  const key = privateKeyFromSeed(seed);
  if (!bytesEqual(key.publicKey.bytes, okp.x)) return { ok: false, message: "JWK member `x` is not the public key of `d`" };
  return { ok: true, key };
}

/**
 * Reads a public JWK. A `kid`, if present, must be the key's thumbprint: a key id is derived, never
 * chosen, so a verifier can trust the id it looks keys up by. A private JWK is accepted as its public half.
 */
export function publicKeyFromJwk(jwk: unknown): KeyResult<PublicKey> {
  const okp = readOkp(jwk);
  if (!okp.ok) return okp;
  // a private JWK's `x` must be its `d`'s, as privateKeyFromJwk checks: a file whose two halves are
  // of different keys is damaged, and which half was meant cannot be told
  let key: PublicKey;
  if (okp.d !== undefined) {
    const pair = pairOf(okp);
    if (!pair.ok) return pair;
    key = pair.key.publicKey; // derived from `d`: a point of prime order
  } else {
    // a public key marked for operations that leave out verifying is not one to verify with, as
    // jose says too (a private JWK's `key_ops` speaks of `d`: its public half verifies whatever they say)
    if (Array.isArray(okp.ops) && !okp.ops.includes("verify")) return { ok: false, message: 'JWK `key_ops` does not allow "verify": this public key is not one to verify with' };
    const problem = publicKeyProblem(okp.x);
    if (problem !== null) return { ok: false, message: `JWK member \`x\` is ${problem}` };
    key = { keyId: keyIdOf(okp.x), bytes: okp.x };
  }
  if (okp.kid !== undefined && okp.kid !== key.keyId)
    return { ok: false, message: `JWK \`kid\` ${shownName(okp.kid)} is not the key's RFC 7638 thumbprint ${key.keyId}` };
  return { ok: true, key };
}

/** Reads a private JWK; `x` must be the public key of `d`. */
export function privateKeyFromJwk(jwk: unknown): KeyResult<PrivateKey> {
  const okp = readOkp(jwk);
  if (!okp.ok) return okp;
  // without `d` this is a public key: saying `d` is malformed would send the reader looking for a typo
  if (okp.d === undefined) return { ok: false, message: "this JWK is a public key (it has no private member `d`); a private key is needed here" };
  // a key marked for verifying only is not one to sign with (its public half verifies, as any does)
  if (Array.isArray(okp.ops) && !okp.ops.includes("sign")) return { ok: false, message: 'JWK `key_ops` does not allow "sign": this key is not one to sign with' };
  const pair = pairOf(okp);
  if (!pair.ok) return pair;
  const { key } = pair;
  if (okp.kid !== undefined && okp.kid !== key.keyId)
    return { ok: false, message: `JWK \`kid\` ${shownName(okp.kid)} is not the key's RFC 7638 thumbprint ${key.keyId}` };
  return { ok: true, key };
}

/** How a key file's load result handed over whole as a key is named, by every entry point that takes keys. */
export const KEY_LOAD_RESULT = "a key file's load result ({ ok, key } or { ok: false, message })";

/**
 * Whether `value` is what loadPublicKeyFile and loadPrivateKeyFile return, `{ ok, key }` or
 * `{ ok: false, message }`, rather than a key: the mistake of passing the result where its `key` is
 * meant. Its own members, each read once; a getter that throws is the caller's to catch.
 */
export function isKeyLoadResult(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  return ownMember(value, "ok") !== undefined && (ownMember(value, "key") !== undefined || ownMember(value, "message") !== undefined);
}

/**
 * A private key handed to a signing entry point (`who`: signBundle, createSigner), read once and
 * checked before anything is signed: the `{ ok, key }` a key file loads as, or a public key, would
 * otherwise fail later with a message about something else (a statement's JSON). The seed is copied
 * (the host may zero or reuse its array: signing must go on with the key it was given, on every
 * path alike) and its public key derived with `path`: a seed that is not the public key's, or ids
 * that are not that key's thumbprint, would sign artifacts that verify under no key the host names.
 */
export function readSigningKey(key: unknown, who: string, path?: CryptoPath): PrivateKey {
  let read: SigningKeyMembers | undefined;
  try {
    if (typeof key === "object" && key !== null) read = signingKeyMembers(key);
  } catch (e) {
    throw new TypeError(`${who}: the key could not be read: ${describeThrown(e)}`);
  }
  if (read !== undefined && typeof read.keyId === "string" && read.seed !== undefined && read.seed.length === 32 && read.publicKey !== undefined)
    return checkedPair(read.keyId, read.seed, read.publicKey, who, path);
  const what = read?.loadResult ? KEY_LOAD_RESULT : read?.publicOnly ? "a public key" : shownOption(key);
  throw new TypeError(
    `${who}: the key is not a private key ({ keyId, seed: 32 bytes, publicKey }) but ${what}: pass generateKeyPair()'s, or the \`key\` of loadPrivateKeyFile(path) once its \`ok\` is true`,
  );
}

interface SigningKeyMembers {
  readonly keyId: unknown;
  /** a copy of the seed, when it is a byte array */
  readonly seed: Uint8Array | undefined;
  /** the public key's members, when it is an object */
  readonly publicKey: { readonly keyId: unknown; readonly bytes: unknown } | undefined;
  readonly loadResult: boolean;
  readonly publicOnly: boolean;
}

/** A host's key object, each member read once (a getter or a Proxy's trap may throw: the caller says so). */
function signingKeyMembers(key: object): SigningKeyMembers {
  // its own members (a getter a class defines included): one it lacks is not what Object.prototype
  // holds under its name (own.ts)
  const k = (name: string): unknown => ownMember(key, name);
  const seed = k("seed");
  const publicKey = k("publicKey");
  let pub: SigningKeyMembers["publicKey"];
  if (typeof publicKey === "object" && publicKey !== null) {
    const keyId = ownMember(publicKey, "keyId");
    const bytes = ownMember(publicKey, "bytes");
    pub = { keyId, bytes: isInstance(bytes, Uint8Array) && bytes.length === 32 ? new Uint8Array(bytes) : bytes };
  }
  return {
    keyId: k("keyId"),
    // copied only when it is a seed's length: a host's megabyte array is refused, not copied
    seed: isInstance(seed, Uint8Array) && seed.length === 32 ? new Uint8Array(seed) : undefined,
    publicKey: pub,
    loadResult: isKeyLoadResult(key),
    publicOnly: k("bytes") !== undefined && seed === undefined,
  };
}

/**
 * The key pair of `seed` (the signer's own copy), or a TypeError naming the member that is not that
 * pair's: its public key's bytes, its public key's id, or its id.
 */
function checkedPair(keyId: string, seed: Uint8Array, given: NonNullable<SigningKeyMembers["publicKey"]>, who: string, path?: CryptoPath): PrivateKey {
  const pair = privateKeyFromSeed(seed, path);
  const refuse = (what: string) => new TypeError(`${who}: ${what}: this is not one key pair (the seed of one key with the public key of another, or a key changed since it was made); nothing was signed`);
  if (!isInstance(given.bytes, Uint8Array) || !bytesEqual(given.bytes, pair.publicKey.bytes))
    throw refuse(`the key's publicKey.bytes are not the public key of its seed (whose key id is ${pair.keyId})`);
  if (given.keyId !== pair.keyId) throw refuse(`the key's publicKey.keyId ${shownName(given.keyId as string)} is not the RFC 7638 thumbprint of its seed's public key, ${pair.keyId}`);
  if (keyId !== pair.keyId) throw refuse(`the key's keyId ${shownName(keyId)} is not the RFC 7638 thumbprint of its seed's public key, ${pair.keyId}`);
  return Object.freeze({ keyId: pair.keyId, seed, publicKey: Object.freeze(pair.publicKey) });
}
