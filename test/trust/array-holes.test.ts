// Lists a host hands the trust layer are read by their own elements: a hole (or an index past the
// end) reads, by index, as whatever Array.prototype holds there, and a value planted there must not
// stand in for what is missing — a request signed as an allow, an entry recorded, a node of a proof.
// Each list is also read by its entries' own members (an `{ artifact }` entry lacking `statement`).

import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createBatchAuthorizer } from "../../runtime/trust/batch.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { LineageError, openLog } from "../../runtime/trust/lineage.js";
import { verifyLog } from "../../runtime/trust/lineage-verify.js";
import { buildTree, leafHash, verifyInclusion } from "../../runtime/trust/merkle.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { verifyArtifact } from "../../runtime/trust/verify-artifact.js";
import { ADMIN_OK, USER_DENIED, fakePolicy } from "./fake-policy.js";
import { tempDir } from "../support/temp-dir.js";

const key = generateKeyPair();
const trustedKeys = [key.publicKey];
const policy = fakePolicy();
const dir = tempDir("array-holes");

/** Plants `value` at `index` of Array.prototype (not enumerable, as a careful attacker would) until the test ends. */
function plantElement(index: number, value: unknown): void {
  Object.defineProperty(Array.prototype, index, { value, configurable: true, writable: true });
}
/** Plants `value` as `name` on Object.prototype until the test ends. */
function plantMember(name: string, value: unknown): void {
  Object.defineProperty(Object.prototype, name, { value, configurable: true, writable: true });
}
afterEach(() => {
  for (const i of [0, 1, 2]) delete (Array.prototype as unknown as Record<number, unknown>)[i];
  delete (Object.prototype as Record<string, unknown>)["statement"];
});

describe("authorizeBatch", () => {
  it("decides a hole in the requests as the missing request it is, not as what Array.prototype holds there", () => {
    const missing = createBatchAuthorizer({ signer: createSigner(key) }).authorizeBatch(policy, [undefined])[0]!;
    plantElement(1, ADMIN_OK);
    const out = createBatchAuthorizer({ signer: createSigner(key) }).authorizeBatch(policy, [USER_DENIED, , USER_DENIED]);
    expect(out.map((a) => a.decision.decision)).toEqual(["deny", "deny", "deny"]);
    expect(out[1]!.decision).toEqual(missing.decision);
    expect(out[1]!.statement.request).toEqual(missing.statement.request);
    // the planted request has no allow signed for it
    expect(verifyArtifact(out[1]!.artifact, { trustedKeys, request: ADMIN_OK })).toMatchObject({ ok: false, code: "request_mismatch" });
  });
});

describe("appendMany", () => {
  /** A batch of three, issued without a log: the entries a sink would be handed. */
  function batchOfThree() {
    return createBatchAuthorizer({ signer: createSigner(key) })
      .authorizeBatch(policy, [ADMIN_OK, USER_DENIED, ADMIN_OK])
      .map(({ artifact, statement }) => ({ artifact, statement }));
  }

  it("refuses a hole in the entries, whatever Array.prototype holds there, and records nothing", () => {
    const entries = batchOfThree();
    const path = join(dir, "hole.jsonl");
    const log = openLog(path, { fsync: "never" });
    plantElement(1, entries[1]);
    let refusal: unknown;
    try {
      log.appendMany([entries[0]!, , entries[2]!] as never);
    } catch (e) {
      refusal = e;
    }
    expect(refusal).toBeInstanceOf(LineageError);
    expect(refusal).toMatchObject({ code: "chain_break", message: expect.stringContaining("entry 1 is not an { artifact, statement } pair (it is undefined)") });
    expect(log.head().records).toBe(0);
    log.appendMany(entries);
    log.close();
    expect(verifyLog(path, { trustedKeys })).toMatchObject({ ok: true, records: 3 });
  });

  it("refuses an entry without its own statement, whatever Object.prototype holds under the name", () => {
    const entries = batchOfThree();
    const log = openLog(join(dir, "member.jsonl"), { fsync: "never" });
    plantMember("statement", entries[0]!.statement);
    expect(() => log.appendMany([{ artifact: entries[0]!.artifact } as never, entries[1]!, entries[2]!])).toThrow(/entry 0 is not an \{ artifact, statement \} pair \(its statement is undefined\)/);
    expect(log.head().records).toBe(0);
    log.close();
  });
});

describe("Merkle trees and proofs", () => {
  const leaves = ["a", "b", "c", "d"].map((t) => leafHash(new TextEncoder().encode(t)));

  it("verifyInclusion takes no hole in a path as a node, whatever Array.prototype holds there", () => {
    const tree = buildTree(leaves);
    const path = tree.proofs[0]!;
    expect(verifyInclusion(0, 4, leaves[0]!, path, tree.root)).toBe(true);
    plantElement(1, path[1]);
    expect(verifyInclusion(0, 4, leaves[0]!, [path[0]!, , ] as never, tree.root)).toBe(false);
  });

  it("buildTree refuses a hole among the leaves, and a leaf that is no leaf hash, with a TypeError naming it", () => {
    const whole = buildTree(leaves);
    plantElement(2, leaves[2]);
    expect(() => buildTree([leaves[0]!, leaves[1]!, , leaves[3]!] as never)).toThrow(new TypeError("leaf 2 of the tree is not a leaf hash (a Uint8Array of 32 bytes)"));
    expect(() => buildTree([leaves[0]!, new Uint8Array(31)])).toThrow(/leaf 1 of the tree is not a leaf hash/);
    expect(buildTree(leaves).root).toEqual(whole.root);
  });
});
