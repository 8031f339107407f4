// SHA3-512 and BLAKE2b-512 digests. node:crypto is used when present (about ten times faster);
// @noble/hashes is the portable path (browsers, edge workers). Both give identical bytes.
// A browser bundle maps `node:crypto` to an empty module; the namespace import and the feature test
// below then select the noble path instead of failing at load.

import * as nodeCrypto from "node:crypto";
import { sha3_512 } from "@noble/hashes/sha3.js";
import { blake2b } from "@noble/hashes/blake2.js";
import { bytesToHex } from "./base64url.js";

export type CryptoPath = "native" | "noble";

const nativeHashes = new Set(typeof nodeCrypto.getHashes === "function" ? nodeCrypto.getHashes() : []);
const createHash = nodeCrypto.createHash;
const nativeAvailable = nativeHashes.has("sha3-512") && nativeHashes.has("blake2b512");

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
  if (path === "native") return new Uint8Array(createHash("sha3-512").update(data).digest());
  return sha3_512(data);
}

export function blake2b512Bytes(data: Uint8Array, path: CryptoPath = defaultPath): Uint8Array {
  if (path === "native") return new Uint8Array(createHash("blake2b512").update(data).digest());
  return blake2b(data, { dkLen: 64 });
}

export function toHex(bytes: Uint8Array): string {
  return bytesToHex(bytes);
}

const utf8 = new TextEncoder();

// The native path hashes strings as UTF-8 and writes hex itself: no intermediate copies, which
// matters for the several digests every authorization takes.
export function sha3_512Hex(data: Uint8Array | string, path: CryptoPath = defaultPath): string {
  if (path === "native") return createHash("sha3-512").update(data).digest("hex");
  return toHex(sha3_512Bytes(typeof data === "string" ? utf8.encode(data) : data, path));
}

export function blake2b512Hex(data: Uint8Array | string, path: CryptoPath = defaultPath): string {
  if (path === "native") return createHash("blake2b512").update(data).digest("hex");
  return toHex(blake2b512Bytes(typeof data === "string" ? utf8.encode(data) : data, path));
}

/** The pair of digests that names a module (and a lineage record's predecessor). */
export interface DigestPair {
  readonly sha3_512: string;
  readonly blake2b_512: string;
}

export function digestPair(data: Uint8Array, path: CryptoPath = defaultPath): DigestPair {
  return { sha3_512: sha3_512Hex(data, path), blake2b_512: blake2b512Hex(data, path) };
}
