// Merkle trees and inclusion proofs (RFC 9162 section 2.1): the root matches the RFC's recursive
// definition computed independently here, every leaf of every tree of size 1..33 proves its
// inclusion, and any change — leaf, sibling, index, size, root, path length — makes the proof fail.
// The fold takes only Uint8Arrays of 32 bytes as nodes, and refuses anything else without throwing.

import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { buildTree, leafHash, nodeHash, rootFromInclusionProof, verifyInclusion } from "../../runtime/trust/merkle.js";

const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

/** RFC 9162 MTH, written straight from the definition (independent of buildTree). */
function mth(data: Uint8Array[]): Uint8Array {
  if (data.length === 1) return sha256(Uint8Array.of(0), data[0]!);
  let k = 1;
  while (k * 2 < data.length) k *= 2;
  return sha256(Uint8Array.of(1), mth(data.slice(0, k)), mth(data.slice(k)));
}

const entries = (n: number) => Array.from({ length: n }, (_, i) => new TextEncoder().encode(`{"decision":"allow","n":${i}}`));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("Merkle tree", () => {
  it("hashes leaves and nodes with distinct prefixes", () => {
    const d = new TextEncoder().encode("x");
    expect(hex(leafHash(d))).toBe(hex(sha256(Uint8Array.of(0), d)));
    const a = leafHash(d);
    expect(hex(nodeHash(a, a))).toBe(hex(sha256(Uint8Array.of(1), a, a)));
    expect(hex(nodeHash(a, a))).not.toBe(hex(leafHash(new Uint8Array([...a, ...a]))));
  });

  it("gives the RFC 9162 tree hash for sizes 1..33", () => {
    for (let n = 1; n <= 33; n++) {
      const data = entries(n);
      expect(hex(buildTree(data.map(leafHash)).root), `size ${n}`).toBe(hex(mth(data)));
    }
  });

  it("refuses an empty batch", () => {
    expect(() => buildTree([])).toThrow(RangeError);
  });

  it("proves every leaf of every tree of size 1..33", () => {
    for (let n = 1; n <= 33; n++) {
      const leaves = entries(n).map(leafHash);
      const tree = buildTree(leaves);
      for (let i = 0; i < n; i++) {
        expect(verifyInclusion(i, n, leaves[i]!, tree.proofs[i]!, tree.root), `leaf ${i} of ${n}`).toBe(true);
        // The path is exactly as long as the leaf's depth: ceil(log2 n) at most.
        expect(tree.proofs[i]!.length).toBeLessThanOrEqual(Math.ceil(Math.log2(n)));
      }
    }
  });

  it("fails for a changed leaf, sibling, index, size or root", () => {
    for (let n = 2; n <= 33; n++) {
      const leaves = entries(n).map(leafHash);
      const tree = buildTree(leaves);
      for (let i = 0; i < n; i++) {
        const path = tree.proofs[i]!;
        const otherLeaf = leafHash(new TextEncoder().encode(`changed ${i}`));
        expect(verifyInclusion(i, n, otherLeaf, path, tree.root)).toBe(false);
        for (let j = 0; j < path.length; j++) {
          const changed = path.map((p) => p);
          const sibling = new Uint8Array(changed[j]!);
          sibling[j % 32]! ^= 0x01;
          changed[j] = sibling;
          expect(verifyInclusion(i, n, leaves[i]!, changed, tree.root), `sibling ${j} of leaf ${i}/${n}`).toBe(false);
        }
        expect(verifyInclusion((i + 1) % n, n, leaves[i]!, path, tree.root)).toBe(false);
        const badRoot = new Uint8Array(tree.root);
        badRoot[0]! ^= 0x80;
        expect(verifyInclusion(i, n, leaves[i]!, path, badRoot)).toBe(false);
        expect(verifyInclusion(i, n, leaves[i]!, [...path, path[0] ?? leaves[0]!], tree.root)).toBe(false);
        if (path.length > 0) expect(verifyInclusion(i, n, leaves[i]!, path.slice(1), tree.root)).toBe(false);
      }
      // A proof for one size does not pass for a tree of another size with the same root claim.
      expect(verifyInclusion(n - 1, n + 1, leaves[n - 1]!, tree.proofs[n - 1]!, tree.root)).toBe(false);
    }
  });

  it("rejects impossible indexes and sizes without throwing", () => {
    const leaf = leafHash(new Uint8Array([1]));
    expect(rootFromInclusionProof(-1, 4, leaf, [])).toBeNull();
    expect(rootFromInclusionProof(4, 4, leaf, [])).toBeNull();
    expect(rootFromInclusionProof(0, 0, leaf, [])).toBeNull();
    expect(rootFromInclusionProof(0.5, 4, leaf, [])).toBeNull();
    expect(rootFromInclusionProof(0, 2, leaf, [new Uint8Array(31)])).toBeNull();
    expect(hex(rootFromInclusionProof(0, 1, leaf, [])!)).toBe(hex(leaf));
  });
  it("takes only Uint8Arrays of 32 bytes as leaf, nodes and root, and never throws", () => {
    const leaf = leafHash(new TextEncoder().encode("statement"));
    const zeros = new Uint8Array(32);
    const root = nodeHash(leaf, zeros);
    expect(verifyInclusion(0, 2, leaf, [zeros], root)).toBe(true);
    expect(verifyInclusion(0, 2, Buffer.from(leaf), [Buffer.alloc(32)], Buffer.from(root))).toBe(true);
    // each of these has a length of 32, and copied into bytes reads as the 32 zeros of the real sibling
    const notNodes: [string, unknown][] = [
      ["a string of 32 characters", "x".repeat(32)],
      ["an array of 32 numbers of 256", Array(32).fill(256)],
      ["an array of 32 holes", new Array(32)],
      ["{ length: 32 }", { length: 32 }],
      ["a Uint16Array of 32", new Uint16Array(32)],
      ["an Int8Array of 32", new Int8Array(32)],
      ["a Proxy of a Uint8Array", new Proxy(new Uint8Array(32), {})],
    ];
    for (const [name, node] of notNodes) {
      expect(verifyInclusion(0, 2, leaf, [node as Uint8Array], root), `sibling: ${name}`).toBe(false);
      expect(rootFromInclusionProof(0, 2, leaf, [node as Uint8Array]), `sibling: ${name}`).toBeNull();
      expect(rootFromInclusionProof(0, 1, node as Uint8Array, []), `leaf: ${name}`).toBeNull();
    }
    // a root given as a plain array of the right numbers is not a root
    expect(verifyInclusion(0, 2, leaf, [zeros], [...root] as unknown as Uint8Array)).toBe(false);
    expect(verifyInclusion(0, 2, leaf, [zeros], new Uint8Array(33))).toBe(false);
    const throwing = Object.defineProperty([], 0, { get: () => { throw new Error("getter"); }, enumerable: true });
    const lying = new Proxy([zeros], { get: (t, k) => (k === "length" ? 1e12 : Reflect.get(t, k)) });
    const paths: [string, unknown][] = [
      ["null", null],
      ["undefined", undefined],
      ["a number", 5],
      ["a string", "ab"],
      ["a Uint8Array", zeros],
      ["[null]", [null]],
      ["[undefined]", [undefined]],
      ["an element whose getter throws", throwing],
      ["a Proxy claiming a length of 10^12", lying],
      ["65 nodes", Array.from({ length: 65 }, () => zeros)],
    ];
    for (const [name, path] of paths) {
      expect(() => rootFromInclusionProof(0, 2, leaf, path as Uint8Array[]), `path: ${name}`).not.toThrow();
      expect(rootFromInclusionProof(0, 2, leaf, path as Uint8Array[]), `path: ${name}`).toBeNull();
      expect(verifyInclusion(0, 2, leaf, path as Uint8Array[], root), `path: ${name}`).toBe(false);
    }
  });
  it("a revoked Proxy as path, leaf, sibling or root is no Merkle input, and nothing throws", () => {
    const leaf = leafHash(new TextEncoder().encode("statement"));
    const zeros = new Uint8Array(32);
    const root = nodeHash(leaf, zeros);
    const revoked = (target: object): never => {
      const { proxy, revoke } = Proxy.revocable(target, {});
      revoke();
      return proxy as never;
    };
    // Array.isArray and every reflective look at a revoked Proxy throw a TypeError
    for (const [name, path] of [["of an array of the right sibling", revoked([zeros])], ["of an empty array", revoked([])]] as const) {
      expect(() => rootFromInclusionProof(0, 2, leaf, path), `path: a revoked Proxy ${name}`).not.toThrow();
      expect(rootFromInclusionProof(0, 2, leaf, path), `path: a revoked Proxy ${name}`).toBeNull();
      expect(verifyInclusion(0, 2, leaf, path, root), `path: a revoked Proxy ${name}`).toBe(false);
    }
    const node = revoked(new Uint8Array(32));
    expect(rootFromInclusionProof(0, 2, node, [zeros])).toBeNull();
    expect(rootFromInclusionProof(0, 2, leaf, [node])).toBeNull();
    expect(verifyInclusion(0, 2, leaf, [zeros], node)).toBe(false);
  });
});
