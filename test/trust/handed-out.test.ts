// What the signer, the lineage log and the batch authorizer hand a host cannot change them: the
// digest pairs and chain heads are frozen (one object is the signer's link, the log's state, the
// digest memo's entry and the host's checkpoint at once), and the public key is a copy. A host that
// edits what it was handed (a digest dropped from a checkpoint, one upper-cased for display, a key's
// bytes zeroed) gets a TypeError at its edit, and the next artifact links, verifies and is recorded
// as if nothing had happened.

import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { digestPair } from "../../runtime/crypto/digest.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { artifactDigests, chainHeadAfter, createSigner, GENESIS } from "../../runtime/trust/signer.js";
import { authorize } from "../../runtime/trust/authorize.js";
import { guard } from "../../runtime/trust/guard.js";
import { createBatchAuthorizer } from "../../runtime/trust/batch.js";
import { openLog } from "../../runtime/trust/lineage.js";
import { verifyLog } from "../../runtime/trust/lineage-verify.js";
import { verifyArtifact } from "../../runtime/trust/verify-artifact.js";
import { randomId } from "../../runtime/trust/statement.js";
import { ADMIN_OK, fakePolicy } from "./fake-policy.js";
import { tempDir } from "../support/temp-dir.js";

const key = generateKeyPair();
const trustedKeys = [key.publicKey];
const policy = fakePolicy();
const dir = tempDir("handed-out");

/** Runs a host's edit of something it was handed: a frozen object refuses it with a TypeError. */
function hostEdits(edit: () => void): void {
  try {
    edit();
  } catch (e) {
    expect(e).toBeInstanceOf(TypeError);
  }
}

/** Drops the BLAKE2b-512 digest and upper-cases the SHA3-512 one, as a host keeping a checkpoint might. */
function editDigests(d: { sha3_512: string; blake2b_512?: string } | null): void {
  if (d === null) return;
  hostEdits(() => void delete d.blake2b_512);
  hostEdits(() => void (d.sha3_512 = d.sha3_512.toUpperCase()));
}

function freshLog(name: string) {
  const path = join(dir, `${name}-${randomId()}.jsonl`);
  return { path, log: openLog(path, { fsync: "never" }) };
}

describe("what is handed out cannot change the chain", () => {
  it("log.head(): an edited checkpoint leaves the next append, the reopened log and verifyLog as they were", () => {
    const { path, log } = freshLog("log-head");
    const signer = createSigner(key, { head: log.head().chain });
    const first = authorize(policy, ADMIN_OK, { signer, lineage: log });
    const checkpoint = log.head();
    const { seq, digests } = { seq: checkpoint.seq, digests: { ...checkpoint.digests! } };
    expect(Object.isFrozen(checkpoint) && Object.isFrozen(checkpoint.digests) && Object.isFrozen(checkpoint.chain) && Object.isFrozen(checkpoint.chain.prev)).toBe(true);
    editDigests(checkpoint.digests as never);
    editDigests(checkpoint.chain.prev as never);
    hostEdits(() => void ((checkpoint.chain as { seq: number }).seq = 7));
    const next = authorize(policy, ADMIN_OK, { signer, lineage: log });
    expect(next.statement.lineage.prev).toEqual(digestPair(first.artifact));
    expect(verifyArtifact(next.artifact, { trustedKeys }).ok).toBe(true);
    log.close();
    const reopened = openLog(path, { fsync: "never" });
    expect(reopened.head().records).toBe(2);
    reopened.close();
    expect(verifyLog(path, { trustedKeys, expectHead: { seq, ...digests } })).toMatchObject({ ok: true, records: 2 });
  });

  it("signer.head: its link is the signer's own", () => {
    const { path, log } = freshLog("signer-head");
    const signer = createSigner(key, { head: log.head().chain });
    const first = authorize(policy, ADMIN_OK, { signer, lineage: log });
    expect(Object.isFrozen(signer.head) && Object.isFrozen(signer.head.prev)).toBe(true);
    editDigests(signer.head.prev as never);
    hostEdits(() => void ((signer.head as { seq: number }).seq = 5));
    const second = authorize(policy, ADMIN_OK, { signer, lineage: log });
    expect(second.statement.lineage).toEqual({ seq: 1, prev: digestPair(first.artifact) });
    expect(verifyArtifact(second.artifact, { trustedKeys }).ok).toBe(true);
    log.close();
    expect(verifyLog(path, { trustedKeys })).toMatchObject({ ok: true, records: 2 });
  });

  it("artifactDigests: the pair a host files an artifact under is not the next link; guard then runs its action", async () => {
    const { path, log } = freshLog("artifact-digests");
    const signer = createSigner(key, { head: log.head().chain });
    const first = authorize(policy, ADMIN_OK, { signer, lineage: log });
    const row = artifactDigests(first.artifact);
    expect(Object.isFrozen(row)).toBe(true);
    editDigests(row as never);
    let ran = false;
    await guard(policy, ADMIN_OK, () => void (ran = true), { signer, lineage: log });
    expect(ran).toBe(true);
    log.close();
    expect(verifyLog(path, { trustedKeys })).toMatchObject({ ok: true, records: 2 });
  });

  it("GENESIS and chainHeadAfter's heads are frozen", () => {
    expect(Object.isFrozen(GENESIS)).toBe(true);
    hostEdits(() => void ((GENESIS as { seq: number }).seq = 3));
    expect(createSigner(key).head).toEqual({ seq: 0, prev: null });
    const issued = authorize(policy, ADMIN_OK, { signer: createSigner(key) });
    const after = chainHeadAfter(issued.artifact, issued.statement);
    expect(Object.isFrozen(after) && Object.isFrozen(after.prev)).toBe(true);
  });

  it("batcher.head: its link is the batcher's own, on the promise path and on authorizeBatch", async () => {
    const { path, log } = freshLog("batcher-head");
    const batcher = createBatchAuthorizer({ signer: createSigner(key, { head: log.head().chain }), maxBatch: 2, maxDelayMs: 1, lineage: log });
    await Promise.all([batcher.authorize(policy, ADMIN_OK), batcher.authorize(policy, ADMIN_OK)]);
    const head = batcher.head;
    expect(Object.isFrozen(head) && Object.isFrozen(head.prev)).toBe(true);
    editDigests(head.prev as never);
    hostEdits(() => void ((head as { seq: number }).seq = 9));
    const later = await Promise.all([batcher.authorize(policy, ADMIN_OK), batcher.authorize(policy, ADMIN_OK)]);
    editDigests(batcher.head.prev as never);
    const synchronous = batcher.authorizeBatch(policy, [ADMIN_OK]);
    for (const r of [...later, ...synchronous]) expect(verifyArtifact(r.artifact, { trustedKeys }).ok).toBe(true);
    expect(synchronous[0]!.statement.lineage.seq).toBe(4);
    log.close();
    expect(verifyLog(path, { trustedKeys })).toMatchObject({ ok: true, records: 5 });
  });

  it("signer.publicKey is a copy: zeroing its bytes leaves guard's check and the signer's key as they were", async () => {
    const signer = createSigner(key);
    const handed = signer.publicKey;
    expect(handed).toEqual(key.publicKey);
    handed.bytes.fill(0);
    expect(signer.publicKey.bytes).toEqual(key.publicKey.bytes);
    let ran = false;
    await guard(policy, ADMIN_OK, () => void (ran = true), { signer });
    expect(ran).toBe(true);
  });
});
