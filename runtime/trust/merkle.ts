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

export const MERKLE_HASH = "sha256";
export const HASH_BYTES = 32;

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);
const native = typeof nodeCrypto.createHash === "function";

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

/** SHA-256(0x01 || left || right) */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
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
 * empty-tree hash is never signed here, a batch always holds at least one decision.
 */
export function buildTree(leaves: readonly Uint8Array[]): MerkleTree {
  if (leaves.length === 0) throw new RangeError("a Merkle tree needs at least one leaf");
  const proofs: Uint8Array[][] = leaves.map(() => []);
  // PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) for m < k, PATH(m − k, D[k:n]) : MTH(D[0:k]) otherwise.
  // Subtrees are built bottom-up by the recursion, so siblings are appended deepest first.
  const build = (lo: number, hi: number): Uint8Array => {
    if (hi - lo === 1) return leaves[lo]!;
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

/**
 * RFC 9162 section 2.1.3.2: folds an audit path from a leaf hash to the root it implies, or null when
 * the path cannot belong to a tree of that size (wrong length, index out of range).
 */
export function rootFromInclusionProof(index: number, size: number, leaf: Uint8Array, path: readonly Uint8Array[]): Uint8Array | null {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (p.length !== HASH_BYTES || sn === 0) return null;
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

export function verifyInclusion(index: number, size: number, leaf: Uint8Array, path: readonly Uint8Array[], root: Uint8Array): boolean {
  const computed = rootFromInclusionProof(index, size, leaf, path);
  return computed !== null && computed.length === root.length && computed.every((b, i) => b === root[i]);
}
