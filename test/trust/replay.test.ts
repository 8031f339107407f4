// Replay: re-evaluating an artifact's request with its module confirms it, and each kind of
// difference (wrong request, wrong module, different decision) is named.

import { describe, expect, it } from "vitest";
import { authorize } from "../../runtime/trust/authorize.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { replayArtifact } from "../../runtime/trust/replay.js";
import { verifyArtifact } from "../../runtime/trust/verify-artifact.js";
import { createBatchAuthorizer } from "../../runtime/trust/batch.js";
import { requestDigest } from "../../runtime/trust/request-digest.js";
import { canonicalize } from "../../runtime/trust/jcs.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { ADMIN_OK, TOO_MUCH, USER_DENIED, fakePolicy, payments, shiftingPolicy } from "./fake-policy.js";

const issuer = generateKeyPair();
const policy = fakePolicy();

function issue(request: unknown, p = policy): string {
  return authorize(p, request, { signer: createSigner(issuer) }).artifact;
}

describe("replayArtifact", () => {
  it("confirms allows, denies, request errors and policy faults", () => {
    for (const request of [ADMIN_OK, TOO_MUCH, USER_DENIED, { amount: "x" }]) expect(replayArtifact(issue(request), request, policy)).toEqual({ ok: true });
    const throwing = fakePolicy({ decide: () => { throw new Error("trap"); } });
    expect(replayArtifact(issue(ADMIN_OK, throwing), ADMIN_OK, throwing)).toEqual({ ok: true });
    const cyclic: Record<string, unknown> = {};
    cyclic["me"] = cyclic;
    expect(replayArtifact(issue(cyclic), cyclic, policy)).toEqual({ ok: true });
  });
  it("names a wrong request, and the decision that differs with it", () => {
    const result = replayArtifact(issue(ADMIN_OK), TOO_MUCH, policy);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.differences[0]).toMatch(/^request: /);
    expect(result.differences).toContainEqual(expect.stringMatching(/^decision: the artifact says allow, re-evaluation gives deny/));
    expect(result.differences).toContainEqual(expect.stringMatching(/^rules: the artifact names \["admin"\], re-evaluation gives \["too_much"\]/));
  });
  it("names a wrong module even when it decides the same", () => {
    const other = fakePolicy({ moduleText: "rebuilt module", decide: payments });
    const result = replayArtifact(issue(ADMIN_OK), ADMIN_OK, other);
    expect(result).toEqual({ ok: false, differences: [expect.stringMatching(/^module: the artifact was issued by module sha3-512 [0-9a-f]{16}…/)] });
  });
  it("names a module claiming the right digests whose bytes differ (digests are recomputed)", () => {
    const liar = { ...fakePolicy({ moduleText: "tampered" }), digests: policy.digests };
    const result = replayArtifact(issue(ADMIN_OK), ADMIN_OK, liar);
    expect(result.ok).toBe(false);
  });
  it("names a different decision from a changed policy behaviour with the same bytes", () => {
    const flipped = { ...policy, decide: () => ({ decision: "deny" as const, rules: [], errors: [] }) };
    expect(replayArtifact(issue(ADMIN_OK), ADMIN_OK, flipped)).toEqual({
      ok: false,
      differences: ["decision: the artifact says allow, re-evaluation gives deny", 'rules: the artifact names ["admin"], re-evaluation gives []'],
    });
  });
  it("names errors that differ", () => {
    const artifact = issue({ amount: "x" });
    const other = { ...policy, decide: () => ({ decision: "deny" as const, rules: [], errors: [{ rule: null, code: "invalid_request" as const, message: "other", path: "amount" }] }) };
    const result = replayArtifact(artifact, { amount: "x" }, other);
    expect(result.ok === false && result.differences).toEqual([expect.stringMatching(/^errors: /)]);
  });
  it("reports a malformed artifact instead of throwing", () => {
    expect(replayArtifact("x.y", ADMIN_OK, policy)).toMatchObject({ ok: false, differences: [expect.stringMatching(/malformed/)] });
    expect(replayArtifact(undefined as unknown as string, ADMIN_OK, policy)).toMatchObject({ ok: false });
  });

  it("reads an artifact as verifyArtifact reads it: one behind a BOM or a no-break space is refused for that, in the same words", () => {
    const jws = issue(ADMIN_OK);
    const [batched] = createBatchAuthorizer({ signer: createSigner(issuer) }).authorizeBatch(policy, [ADMIN_OK]);
    const trustedKeys = [issuer.publicKey];
    for (const artifact of [jws, batched!.artifact]) {
      expect(replayArtifact(` \t${artifact}\r\n`, ADMIN_OK, policy)).toEqual({ ok: true });
      for (const before of ["\ufeff", "\u00a0", " \u2028", "="]) {
        const verified = verifyArtifact(`${before}${artifact}`, { trustedKeys });
        expect(verified, JSON.stringify(before)).toMatchObject({ ok: false, code: "malformed", message: expect.stringMatching(/^an artifact begins with "\{" \(a batched artifact\) or a base64url character/) });
        expect(replayArtifact(`${before}${artifact}`, ADMIN_OK, policy), JSON.stringify(before)).toEqual({ ok: false, differences: [`malformed: ${(verified as { message: string }).message}`] });
      }
    }
    expect(replayArtifact(" \r\n", ADMIN_OK, policy)).toEqual({ ok: false, differences: ["malformed: the artifact is empty (nothing but ASCII spaces, tabs and line ends)"] });
  });

  it("reports a batched statement changed after issue: its proof no longer holds, whatever it now says", () => {
    const [, denied] = createBatchAuthorizer({ signer: createSigner(issuer) }).authorizeBatch(policy, [ADMIN_OK, TOO_MUCH]);
    expect(replayArtifact(denied!.artifact, TOO_MUCH, policy)).toEqual({ ok: true });
    // the signed deny rewritten into an allow for another request, which re-decides as an allow
    const forged = JSON.parse(denied!.artifact);
    forged.statement.request.sha3_512 = requestDigest(ADMIN_OK).sha3_512;
    Object.assign(forged.statement, { decision: "allow", rules: ["admin"], errors: [] });
    const result = replayArtifact(JSON.stringify(forged), ADMIN_OK, policy);
    expect(result).toMatchObject({ ok: false, differences: [expect.stringMatching(/^proof: the statement is not leaf 1 of the tree its batch head states/)] });
  });

  it("reports an artifact that names another policy or version than the module's", () => {
    const { artifact } = authorize(policy, ADMIN_OK, { signer: createSigner(issuer) });
    const [h, p, sig] = artifact.split(".") as [string, string, string];
    const statement = JSON.parse(Buffer.from(p, "base64url").toString("utf8"));
    statement.policy.version = "9.9.9";
    const relabelled = `${h}.${Buffer.from(canonicalize(statement)).toString("base64url")}.${sig}`;
    expect(replayArtifact(relabelled, ADMIN_OK, policy)).toMatchObject({ ok: false, differences: [expect.stringMatching(/^policy: the artifact names payments 9\.9\.9, this module is payments 1\.0\.0/)] });
  });

  it("reads the policy's members once: the module compared and the decide that re-decides come from one reading", () => {
    const { policy: shifting, reads } = shiftingPolicy(policy);
    expect(replayArtifact(issue(ADMIN_OK), ADMIN_OK, shifting)).toEqual({ ok: true });
    expect(reads).toEqual({ module: 1, decide: 1 });
    // a member Object.prototype holds is not the policy's (own.ts)
    const { module: _module, ...moduleless } = policy;
    Object.defineProperty(Object.prototype, "module", { value: policy.module, configurable: true, writable: true });
    try {
      expect(replayArtifact(issue(ADMIN_OK), ADMIN_OK, moduleless as never)).toEqual({ ok: false, differences: [expect.stringMatching(/^policy: not a loaded policy/)] });
    } finally {
      delete (Object.prototype as { module?: unknown }).module;
    }
  });

  it("reports a policy or options it cannot use instead of throwing", () => {
    const { artifact } = authorize(policy, ADMIN_OK, { signer: createSigner(issuer) });
    for (const bad of [null, {}, { module: 5 }]) expect(replayArtifact(artifact, ADMIN_OK, bad as unknown as typeof policy)).toMatchObject({ ok: false });
    expect(replayArtifact(artifact, ADMIN_OK, policy, null as unknown as {})).toEqual({ ok: true });
  });
});
