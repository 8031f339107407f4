// SHA3-512 and BLAKE2b-512 digests. node:crypto is used when present (about ten times faster);
// @noble/hashes is the portable path (browsers, edge workers). Both give identical bytes.
// A browser bundle maps `node:crypto` to an empty module; the namespace import and the feature test
// below then select the noble path instead of failing at load.

import * as nodeCrypto from "node:crypto";
import { sha3_512 } from "@noble/hashes/sha3.js";
import { blake2b } from "@noble/hashes/blake2.js";
import { bytesToHex } from "./base64url.js";
import { ownMember } from "../own.js";

export type CryptoPath = "native" | "noble";

const nativeHashes = new Set(typeof nodeCrypto.getHashes === "function" ? nodeCrypto.getHashes() : []);
const createHash = nodeCrypto.createHash;
const nativeAvailable = nativeHashes.has("sha3-512") && nativeHashes.has("blake2b512");

// One-shot hashing (Node ≥ 20.12) skips building a Hash object per digest: 0.5–2 µs less per call,
// and an authorization takes five digests. Same bytes as createHash; older Nodes fall back to it.
type OneShot = (algorithm: string, data: string | Uint8Array, encoding: "hex" | "buffer") => string | Buffer;
const oneShot = typeof (nodeCrypto as { hash?: unknown }).hash === "function" ? ((nodeCrypto as unknown as { hash: OneShot }).hash) : null;

function nativeHex(algorithm: string, data: Uint8Array | string): string {
  if (oneShot !== null) return oneShot(algorithm, data, "hex") as string;
  return createHash(algorithm).update(data).digest("hex");
}
function nativeBytes(algorithm: string, data: Uint8Array): Uint8Array {
  const digest = oneShot !== null ? (oneShot(algorithm, data, "buffer") as Buffer) : createHash(algorithm).update(data).digest();
  return new Uint8Array(digest); // a plain copy: callers get a Uint8Array, not a (possibly pooled) Buffer
}

let defaultPath: CryptoPath = nativeAvailable ? "native" : "noble";

/** Chooses the default implementation (tests and benchmarks compare both). */
export function setDefaultCryptoPath(path: CryptoPath): void {
  if (path === "native" && !nativeAvailable) throw new Error("node:crypto lacks sha3-512 or blake2b512");
  defaultPath = path;
}
export function defaultCryptoPath(): CryptoPath {
  return defaultPath;
}

export function sha3_512Bytes(data: Uint8Array, path: CryptoPath = defaultPath): Uint8Array {
  if (path === "native") return nativeBytes("sha3-512", data);
  return sha3_512(data);
}

export function blake2b512Bytes(data: Uint8Array, path: CryptoPath = defaultPath): Uint8Array {
  if (path === "native") return nativeBytes("blake2b512", data);
  return blake2b(data, { dkLen: 64 });
}

export function toHex(bytes: Uint8Array): string {
  return bytesToHex(bytes);
}

const utf8 = new TextEncoder();

// The native path hashes strings as UTF-8 and writes hex itself: no intermediate copies, which
// matters for the several digests every authorization takes.
export function sha3_512Hex(data: Uint8Array | string, path: CryptoPath = defaultPath): string {
  if (path === "native") return nativeHex("sha3-512", data);
  return toHex(sha3_512Bytes(typeof data === "string" ? utf8.encode(data) : data, path));
}

export function blake2b512Hex(data: Uint8Array | string, path: CryptoPath = defaultPath): string {
  if (path === "native") return nativeHex("blake2b512", data);
  return toHex(blake2b512Bytes(typeof data === "string" ? utf8.encode(data) : data, path));
}

/** The pair of digests that names a module (and a lineage record's predecessor). */
export interface DigestPair {
  readonly sha3_512: string;
  readonly blake2b_512: string;
}

const HEX128 = /^[0-9a-f]{128}$/;

/** Whether `v` is a digest as statements, manifests and the lineage log write it: 128 lowercase hex digits. */
export function isDigestHex(v: unknown): v is string {
  return typeof v === "string" && HEX128.test(v);
}

/**
 * Whether `v` holds a DigestPair, each digest as isDigestHex says, as its own members: one it lacks
 * is not what Object.prototype holds under its name (own.ts), so a digest planted there cannot
 * complete a parsed or host-given pair.
 */
export function isDigestPair(v: unknown): v is DigestPair {
  if (typeof v !== "object" || v === null) return false;
  return isDigestHex(ownMember(v, "sha3_512")) && isDigestHex(ownMember(v, "blake2b_512"));
}

/** Both digests of `data`; text is hashed as its UTF-8 bytes, without an intermediate copy. */
export function digestPair(data: Uint8Array | string, path: CryptoPath = defaultPath): DigestPair {
  return { sha3_512: sha3_512Hex(data, path), blake2b_512: blake2b512Hex(data, path) };
}
