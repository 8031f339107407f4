// A list of trusted keys that names one key id with two different byte strings is ambiguous:
// verifiers check an artifact against the first key of its `kid`, while guard's check before signing
// took any entry of the signer's id and bytes. With the signer's id first under another key's bytes,
// guard signed and logged an allow, then refused it (bad_signature) and did not run the action. Such
// a list is refused as bad_options by every reader of trusted keys, naming the id and both places;
// the same key given twice is taken.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tryLoadPolicy } from "../../runtime/policy.js";
import { authorize } from "../../runtime/trust/authorize.js";
import { createBatchAuthorizer } from "../../runtime/trust/batch.js";
import { verifyBatchedArtifact } from "../../runtime/trust/batch-artifact.js";
import { signBundle, verifyBundle } from "../../runtime/trust/bundle.js";
import { guard, GuardError } from "../../runtime/trust/guard.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { openLog } from "../../runtime/trust/lineage.js";
import { verifyLog } from "../../runtime/trust/lineage-verify.js";
import { createSigner } from "../../runtime/trust/signer.js";
import type { PublicKey, Statement } from "../../runtime/trust/types.js";
import { verifyArtifact } from "../../runtime/trust/verify-artifact.js";
import { ADMIN_OK, fakeBundle, fakePolicy } from "./fake-policy.js";
import { tempDir } from "../support/temp-dir.js";

const key = generateKeyPair();
const other = generateKeyPair();
const policy = fakePolicy();
const NOW = new Date("2025-01-01T00:00:00Z");
const dir = tempDir("trusted-key-ids");

/** The signer's key id with another key's bytes, before the signer's key, after a stranger's key. */
const AMBIGUOUS: readonly PublicKey[] = [other.publicKey, { keyId: key.publicKey.keyId, bytes: other.publicKey.bytes }, key.publicKey];
const REFUSAL = `trustedKeys[1] and trustedKeys[2] both have keyId ${key.publicKey.keyId} but different bytes: an artifact signed under that id is checked against the first alone, so which key is trusted would depend on their order; give each key id once`;

describe("trusted keys naming one key id with two byte strings", () => {
  it("are refused by guard as bad_options, before anything is decided, signed or recorded", async () => {
    const signer = createSigner(key);
    const recorded: Statement[] = [];
    let decided = 0;
    let ran = false;
    const counting = { ...policy, decide: (r: unknown) => (decided++, policy.decide(r)) };
    const refused = await guard(counting, ADMIN_OK, () => (ran = true), {
      signer,
      now: NOW,
      lineage: { append: (_a: string, s: Statement) => void recorded.push(s) },
      trustedKeys: AMBIGUOUS,
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GuardError);
    expect(refused).toMatchObject({ code: "bad_options", reasons: [REFUSAL] });
    expect({ ran, decided, recorded: recorded.length, seq: signer.head.seq }).toEqual({ ran: false, decided: 0, recorded: 0, seq: 0 });
  });

  it("are refused as bad_options by verifyArtifact and verifyBatchedArtifact, whichever key signed", () => {
    const { artifact } = authorize(policy, ADMIN_OK, { signer: createSigner(key), now: NOW });
    const [batched] = createBatchAuthorizer({ signer: createSigner(key), now: NOW }).authorizeBatch(policy, [ADMIN_OK]);
    for (const a of [artifact, batched!.artifact]) {
      expect(verifyArtifact(a, { trustedKeys: AMBIGUOUS, now: NOW })).toEqual({ ok: false, code: "bad_options", message: REFUSAL });
      expect(verifyArtifact(a, { trustedKeys: [...AMBIGUOUS].reverse(), now: NOW })).toMatchObject({ ok: false, code: "bad_options", message: expect.stringMatching(/^trustedKeys\[0\] and trustedKeys\[1\] both have keyId /) });
    }
    expect(verifyBatchedArtifact(batched!.artifact, { trustedKeys: AMBIGUOUS, now: NOW })).toEqual({ ok: false, code: "bad_options", message: REFUSAL });
  });

  it("are refused as bad_options by verifyLog, verifyBundle and loadPolicy", () => {
    const path = join(dir, "log.jsonl");
    const log = openLog(path, { fsync: "never" });
    authorize(policy, ADMIN_OK, { signer: createSigner(key), lineage: log, now: NOW });
    log.close();
    expect(verifyLog(path, { trustedKeys: AMBIGUOUS })).toEqual({ ok: false, index: -1, kind: "bad_options", reason: REFUSAL });
    const bundle = signBundle(fakeBundle(), key);
    expect(verifyBundle(bundle, { trustedKeys: AMBIGUOUS })).toEqual({ ok: false, code: "bad_options", message: REFUSAL });
    expect(tryLoadPolicy(bundle, { trustedKeys: AMBIGUOUS })).toMatchObject({ ok: false, error: { code: "bad_options", message: expect.stringContaining(REFUSAL) } });
  });

  it("are taken when the key is given twice with the same bytes: guard runs the action, and the artifact verifies", async () => {
    const twice = [key.publicKey, other.publicKey, { keyId: key.publicKey.keyId, bytes: Uint8Array.from(key.publicKey.bytes) }];
    const path = join(dir, "twice.jsonl");
    const log = openLog(path, { fsync: "never" });
    const grant = await guard(policy, ADMIN_OK, (g) => g, { signer: createSigner(key), lineage: log, now: NOW, trustedKeys: twice });
    log.close();
    expect(verifyArtifact(grant.artifact, { trustedKeys: twice, now: NOW })).toMatchObject({ ok: true });
    expect(verifyLog(path, { trustedKeys: twice })).toMatchObject({ ok: true, signatures: "verified" });
  });
});
