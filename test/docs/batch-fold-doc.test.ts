// docs/artifacts.md, "Batched artifacts" → "Verifying one offline", tells a verifier in another
// language how to check a batched artifact by hand. Its step 2, the RFC 9162 fold, is run here as
// the page states it: the fold's loop as written there, and each of the RFC's refusals only if the
// step states it in the words below. It must decide as verifyInclusion does. Without "if
// `index ≥ size`, fail" a verifier following the page accepted a leaf's real proof at indexes past
// the tree's end (leaf 0 of a tree of 4 at index 4, 8 and 12). Step 3 must state the lineage rules
// the statement reader holds a batched statement to (statement.ts).

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildTree, leafHash, verifyInclusion } from "../../runtime/trust/merkle.js";
import { repositoryRoot } from "../support/transpiled-tree.js";

const page = readFileSync(join(repositoryRoot, "docs/artifacts.md"), "utf8");

/** The text of step `n.` of the page's "Verifying one offline" (up to the next step or paragraph). */
function step(n: number): string {
  const section = page.indexOf("\n### Verifying one offline\n");
  expect(section, "docs/artifacts.md has no section Verifying one offline").toBeGreaterThanOrEqual(0);
  const start = page.indexOf(`\n${n}. `, section);
  expect(start, `no step ${n}`).toBeGreaterThan(section);
  const next = page.slice(start + 1).search(/\n(\d+\. |\n)/);
  return page.slice(start + 1, start + 1 + next).replace(/\s+/g, " ");
}

const FOLD = step(2);
/** The RFC's two refusals, as the page words them: each is run only if the step states it. */
const STATES_INDEX_CHECK = FOLD.includes("if `index ≥ size`, fail");
const STATES_PATH_CHECK = FOLD.includes("for each `p`: if `sn == 0`, fail");

const H = (...parts: Uint8Array[]) => new Uint8Array(createHash("sha256").update(Buffer.concat(parts)).digest());
const NODE = Uint8Array.of(1);

/** Step 2 from `r = leaf` on, as the page states it. */
function docFold(index: number, size: number, leaf: Uint8Array, path: readonly Uint8Array[], root: Uint8Array): boolean {
  if (STATES_INDEX_CHECK && index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (STATES_PATH_CHECK && sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      const wasEven = fn % 2 === 0;
      r = H(NODE, p, r);
      if (wasEven)
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
    } else r = H(NODE, r, p);
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && Buffer.from(r).equals(Buffer.from(root));
}

describe("docs/artifacts.md, verifying a batched artifact offline", () => {
  it("step 2's fold decides as verifyInclusion does, refusing every index past the tree's end", () => {
    const disagreements: string[] = [];
    for (let size = 1; size <= 16; size++) {
      const leaves = Array.from({ length: size }, (_, i) => leafHash(new TextEncoder().encode(`statement ${i}`)));
      const tree = buildTree(leaves);
      for (let leaf = 0; leaf < size; leaf++) {
        for (let index = 0; index < 4 * size; index++) {
          const doc = docFold(index, size, leaves[leaf]!, tree.proofs[leaf]!, tree.root);
          if (doc !== verifyInclusion(index, size, leaves[leaf]!, tree.proofs[leaf]!, tree.root))
            disagreements.push(`size ${size}: leaf ${leaf}'s proof at index ${index} ${doc ? "accepted" : "refused"} by the page's fold`);
        }
      }
    }
    expect(disagreements).toEqual([]);
  });

  it("step 2's fold refuses a path longer than the tree is deep", () => {
    // leaf 0 of a tree of 4, its proof and one node more, against the root that extra node folds to:
    // the loop alone reaches it (fn and sn stay 0), the RFC's `sn == 0` refusal does not
    const leaves = [0, 1, 2, 3].map((i) => leafHash(Uint8Array.of(i)));
    const tree = buildTree(leaves);
    const extra = leafHash(Uint8Array.of(9));
    const longer = [...tree.proofs[0]!, extra];
    const root = H(NODE, extra, tree.root);
    expect(verifyInclusion(0, 4, leaves[0]!, longer, root)).toBe(false);
    expect(docFold(0, 4, leaves[0]!, longer, root)).toBe(false);
  });

  it("step 3 states the lineage rules a batched statement is held to", () => {
    const check = step(3);
    expect(check).toContain("its `lineage.seq` is at least `index`");
    expect(check).toContain("its `lineage.prev` is `null` exactly when `lineage.seq` equals `index`");
  });
});
