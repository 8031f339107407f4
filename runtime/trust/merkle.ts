// Merkle trees over batches of decision statements, as RFC 9162 (Certificate Transparency 2.0,
// section 2.1) defines them: leaves and interior nodes are hashed with distinct one-byte prefixes so
// a leaf can never be passed off as a node (second-preimage resistance), the tree of n leaves splits
// at the largest power of two below n, and an inclusion proof is the audit path of section 2.1.3.
//
// Hash: SHA-256, as in RFC 6962/9162, so any CT-style verifier folds our proofs unchanged; 32-byte
// nodes keep each proof at 32·⌈log2 n⌉ bytes. node:crypto computes it in about a microsecond.

// Portable like the rest of the trust core: a browser bundle maps `node:crypto` to an empty module,
// and then @noble/hashes computes the same SHA-256.
import * as nodeCrypto from "node:crypto";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes } from "../crypto/base64url.js";
import { ownElement, ownElements } from "../own.js";

export const MERKLE_HASH = "sha256";
export const HASH_BYTES = 32;
const utf8 = new TextEncoder();

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);
const native = typeof nodeCrypto.createHash === "function";
// One-shot hashing (Node ≥ 20.12) saves building a Hash object per node: the tree of a batch takes
// one node hash per decision.
type OneShot = (algorithm: string, data: string | Uint8Array, encoding: "buffer" | "hex") => Uint8Array | string;
const oneShot = typeof (nodeCrypto as { hash?: unknown }).hash === "function" ? (nodeCrypto as unknown as { hash: OneShot }).hash : null;
/** 0x01 || left || right for two 32-byte nodes; reused, since hashing is synchronous */
const nodeInput = new Uint8Array(1 + 2 * HASH_BYTES);
nodeInput[0] = 0x01;

function sha256(...parts: Uint8Array[]): Uint8Array {
  if (native) {
    const h = nodeCrypto.createHash("sha256");
    for (const p of parts) h.update(p);
    return new Uint8Array(h.digest());
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return nobleSha256(all);
}

/** MTH({d}) = SHA-256(0x00 || d) */
export function leafHash(data: Uint8Array): Uint8Array {
  return sha256(LEAF_PREFIX, data);
}

/**
 * Lowercase hex of the leaf hash of text's UTF-8 bytes (a canonical statement); where node:crypto
 * can, the text is hashed as it is, without a byte array of it first.
 */
export function leafHashHexOfText(text: string): string {
  // "\0" + text encodes as the byte 0x00 followed by text's UTF-8 bytes.
  if (oneShot !== null) return oneShot("sha256", "\0" + text, "hex") as string;
  return bytesToHex(leafHash(utf8.encode(text)));
}

/** SHA-256(0x01 || left || right) */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (oneShot !== null && left.length === HASH_BYTES && right.length === HASH_BYTES) {
    nodeInput.set(left, 1);
    nodeInput.set(right, 1 + HASH_BYTES);
    return new Uint8Array(oneShot("sha256", nodeInput, "buffer") as Uint8Array);
  }
  return sha256(NODE_PREFIX, left, right);
}

/** The largest power of two strictly less than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k << 1 < n) k <<= 1;
  return k;
}

export interface MerkleTree {
  readonly size: number;
  readonly root: Uint8Array;
  /** proofs[i]: the audit path of leaf i, from the leaf's sibling up to the root's child */
  readonly proofs: readonly (readonly Uint8Array[])[];
}

/**
 * Builds the tree over already-hashed leaves and every leaf's audit path in one pass
 * (O(n log n) hashes-worth of copying, n − 1 node hashes). Throws on an empty batch: RFC 9162's
 * empty-tree hash is never signed here, a batch always holds at least one decision; and a TypeError
 * for a leaf that is not a Uint8Array of 32 bytes (a leaf hash), a hole included.
 */
export function buildTree(given: readonly Uint8Array[]): MerkleTree {
  // the list's own elements, read once: a hole is no leaf, whatever Array.prototype holds at its index (own.ts)
  const leaves = ownElements(given);
  if (leaves.length === 0) throw new RangeError("a Merkle tree needs at least one leaf");
  const bad = leaves.findIndex((leaf) => !isNode(leaf));
  if (bad !== -1) throw new TypeError(`leaf ${bad} of the tree is not a leaf hash (a Uint8Array of ${HASH_BYTES} bytes)`);
  const proofs: Uint8Array[][] = leaves.map(() => []);
  // PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) for m < k, PATH(m − k, D[k:n]) : MTH(D[0:k]) otherwise.
  // Subtrees are built bottom-up by the recursion, so siblings are appended deepest first.
  const build = (lo: number, hi: number): Uint8Array => {
    if (hi - lo === 1) return leaves[lo] as Uint8Array;
    const k = splitPoint(hi - lo);
    const left = build(lo, lo + k);
    const right = build(lo + k, hi);
    for (let i = lo; i < lo + k; i++) proofs[i]!.push(right);
    for (let i = lo + k; i < hi; i++) proofs[i]!.push(left);
    return nodeHash(left, right);
  };
  const root = build(0, leaves.length);
  return { size: leaves.length, root, proofs };
}

export interface MerkleTreeText {
  readonly size: number;
  /** the tree hash, lowercase hex */
  readonly root: string;
  /** paths[i]: leaf i's audit path (as in MerkleTree) written as JSON array elements, `"<hex>","<hex>"…` */
  readonly paths: readonly string[];
}

const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;
/** 0x01 || left || right, written from hex straight into a reused buffer (hashing is synchronous) */
const hexNodeInput = oneShot !== null && NodeBuffer !== undefined ? NodeBuffer.alloc(1 + 2 * HASH_BYTES, 0x01) : null;

/** nodeHash on hex: what the tree of a batch is built from, without a byte array per node. */
function nodeHashHex(left: string, right: string): string {
  if (hexNodeInput !== null) {
    // write() stops at the first character that is not hex: a short count means a bad hash.
    const ok =
      left.length === 2 * HASH_BYTES &&
      right.length === 2 * HASH_BYTES &&
      hexNodeInput.write(left, 1, HASH_BYTES, "hex") === HASH_BYTES &&
      hexNodeInput.write(right, 1 + HASH_BYTES, HASH_BYTES, "hex") === HASH_BYTES;
    if (!ok) throw new RangeError("a Merkle node is 64 hex digits");
    return oneShot!("sha256", hexNodeInput, "hex") as string;
  }
  const l = hexToBytes(left);
  const r = hexToBytes(right);
  if (l === null || r === null || l.length !== HASH_BYTES || r.length !== HASH_BYTES) throw new RangeError("a Merkle node is 64 hex digits");
  return bytesToHex(nodeHash(l, r));
}

/**
 * The same tree as `buildTree`, over leaf hashes given as lowercase hex, with the audit paths as
 * text: what a batched artifact carries (batch.ts). Each node is written once, however many paths
 * it appears in.
 */
export function buildTreeText(leaves: readonly string[]): MerkleTreeText {
  if (leaves.length === 0) throw new RangeError("a Merkle tree needs at least one leaf");
  const paths: string[] = new Array<string>(leaves.length).fill("");
  const append = (from: number, to: number, quoted: string): void => {
    for (let i = from; i < to; i++) paths[i] = paths[i] === "" ? quoted : `${paths[i]},${quoted}`;
  };
  // As buildTree: PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) for m < k, else PATH(m − k, D[k:n]) : MTH(D[0:k]).
  const build = (lo: number, hi: number): string => {
    if (hi - lo === 1) return leaves[lo]!;
    const k = splitPoint(hi - lo);
    const left = build(lo, lo + k);
    const right = build(lo + k, hi);
    append(lo, lo + k, `"${right}"`);
    append(lo + k, hi, `"${left}"`);
    return nodeHashHex(left, right);
  };
  const root = build(0, leaves.length);
  return { size: leaves.length, root, paths };
}

// The typed-array getters themselves, called on a value: they answer for a Uint8Array of any realm
// (a Buffer too) and throw for anything else, a Proxy of one included, without running host code. A
// string of 32 characters, an array of 32 numbers or `{ length: 32 }` has a `length` of 32 as well,
// and TypedArray.set would read its characters as zeros, its numbers modulo 256 and its holes as zeros.
const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
const typedArrayTag = Object.getOwnPropertyDescriptor(typedArrayPrototype, Symbol.toStringTag)!.get!;
const typedArrayLength = Object.getOwnPropertyDescriptor(typedArrayPrototype, "length")!.get!;

/** Whether `v` is a Merkle node: a Uint8Array of HASH_BYTES bytes. Never throws. */
function isNode(v: unknown): v is Uint8Array {
  return typedArrayTag.call(v) === "Uint8Array" && typedArrayLength.call(v) === HASH_BYTES;
}

/**
 * A path longer than this belongs to no tree: each node halves the index range, and a size is below
 * 2^53. Checked before the path's elements are read, so that a host's array of millions is not.
 */
const MAX_PATH_NODES = 64;

/**
 * The nodes of an audit path, copied out of the host's array, or null when it is not an array of
 * Merkle nodes. Looked at and read by index inside a `try`: an array whose elements are getters, or a
 * Proxy of one, may throw, and Array.isArray throws for a revoked Proxy.
 */
function pathNodes(path: unknown): Uint8Array[] | null {
  try {
    if (!Array.isArray(path)) return null;
    const count: unknown = path.length;
    if (!Number.isSafeInteger(count) || (count as number) > MAX_PATH_NODES) return null;
    const nodes: Uint8Array[] = [];
    for (let i = 0; i < (count as number); i++) {
      // its own element: a hole is no node, whatever Array.prototype holds at its index (own.ts)
      const node: unknown = ownElement(path, i);
      if (!isNode(node)) return null;
      nodes.push(node);
    }
    return nodes;
  } catch {
    return null;
  }
}

/**
 * RFC 9162 section 2.1.3.2: folds an audit path from a leaf hash to the root it implies, or null when
 * the path cannot belong to a tree of that size (wrong length, index out of range) or the input is
 * not what the fold takes: `index` and `size` safe integers, `leaf` and every element of the array
 * `path` a Uint8Array of 32 bytes. Never throws.
 */
export function rootFromInclusionProof(index: number, size: number, leaf: Uint8Array, path: readonly Uint8Array[]): Uint8Array | null {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return null;
  if (!isNode(leaf)) return null;
  const nodes = pathNodes(path);
  if (nodes === null) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of nodes) {
    if (sn === 0) return null;
    if ((fn & 1) === 1 || fn === sn) {
      r = nodeHash(p, r);
      // Skip the levels where this node is the right-most and has no sibling.
      while ((fn & 1) === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

/**
 * Whether the audit path proves `leaf` at `index` in the tree of `size` leaves whose hash is `root`:
 * false too when any of them is not what rootFromInclusionProof takes, or `root` is not a Uint8Array
 * of 32 bytes. Never throws.
 */
export function verifyInclusion(index: number, size: number, leaf: Uint8Array, path: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!isNode(root)) return false;
  const computed = rootFromInclusionProof(index, size, leaf, path);
  return computed !== null && computed.every((b, i) => b === root[i]);
}
