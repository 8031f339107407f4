// Every entry point of the trust API that takes options refuses a name it does not know, the way it
// refuses an option of the wrong type: `requireallow: true` handed to verifyArtifact left a deny
// verified, `trustedkeys` handed to verifyLog left every signature unchecked and the log reported
// intact, `ttlseconds: 5` handed to authorize issued artifacts valid for 300 s. Each refusal names
// the name and the one meant (runtime/option-names.ts); what a prototype holds is still no option,
// and each option is still read once.

import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { createSigner, Signer, type SignerOptions } from "../../runtime/trust/signer.js";
import { authorize, type AuthorizeOptions } from "../../runtime/trust/authorize.js";
import { verifyArtifact, type VerifyArtifactOptions } from "../../runtime/trust/verify-artifact.js";
import { createBatchAuthorizer, type BatchAuthorizerOptions } from "../../runtime/trust/batch.js";
import { verifyBatchedArtifact, type BatchVerifyOptions } from "../../runtime/trust/batch-artifact.js";
import { signBundle, verifyBundle, type VerifyBundleOptions } from "../../runtime/trust/bundle.js";
import { GuardError, guard, type GuardOptions } from "../../runtime/trust/guard.js";
import { replayArtifact, type ReplayOptions } from "../../runtime/trust/replay.js";
import { LineageError, openLog, tryOpenLog, type LogOptions } from "../../runtime/trust/lineage.js";
import { verifyLog, verifyLogBytes, type VerifyLogOptions } from "../../runtime/trust/lineage-verify.js";
import { canonicalJson, canonicalize, type CanonicalOptions } from "../../runtime/trust/jcs.js";
import { ADMIN_OK, USER_DENIED, fakeBundle, fakePolicy } from "./fake-policy.js";
import { tempDir } from "../support/temp-dir.js";

const key = generateKeyPair();
const trustedKeys = [key.publicKey];
const policy = fakePolicy();
const dir = tempDir("unknown-options");
const deny = authorize(policy, USER_DENIED, { signer: createSigner(key) }).artifact;

/** `options` as given to a function typed for others: what a host's JavaScript can pass. */
const as = <T>(options: unknown): T => options as T;

/** A Proxy over `target` that counts how often each member is read. */
function counted<T extends object>(target: T): { options: T; reads: Map<PropertyKey, number> } {
  const reads = new Map<PropertyKey, number>();
  const options = new Proxy(target, {
    get(t, name, receiver) {
      reads.set(name, (reads.get(name) ?? 0) + 1);
      return Reflect.get(t, name, receiver) as unknown;
    },
  });
  return { options, reads };
}

describe("verifyArtifact and verifyBatchedArtifact", () => {
  it("refuse a misspelt requireAllow instead of verifying a deny", () => {
    expect(verifyArtifact(deny, { trustedKeys, requireAllow: true })).toMatchObject({ ok: false, code: "not_allowed" });
    expect(verifyArtifact(deny, as<VerifyArtifactOptions>({ trustedKeys, requireallow: true }))).toEqual({
      ok: false,
      code: "bad_options",
      message: "unknown option requireallow (did you mean requireAllow?)",
    });
    const batched = createBatchAuthorizer({ signer: createSigner(key) }).authorizeBatch(policy, [USER_DENIED])[0]!.artifact;
    expect(verifyBatchedArtifact(batched, as<BatchVerifyOptions>({ trustedKeys, requireAllow: true }))).toMatchObject({ ok: false, code: "not_allowed" });
    for (const verify of [verifyArtifact, verifyBatchedArtifact])
      expect(verify(batched, as<BatchVerifyOptions>({ trustedKeys, RequireAllow: true }))).toEqual({
        ok: false,
        code: "bad_options",
        message: "unknown option RequireAllow (did you mean requireAllow?)",
      });
  });

  it("name a misspelt trustedKeys as such, not as keys left out, and list the options when nothing is close", () => {
    expect(verifyArtifact(deny, as<VerifyArtifactOptions>({ trustedkeys: trustedKeys }))).toMatchObject({ code: "bad_options", message: "unknown option trustedkeys (did you mean trustedKeys?)" });
    expect(verifyArtifact(deny, as<VerifyArtifactOptions>({ trustedKeys, strict: true }))).toMatchObject({
      code: "bad_options",
      message: "unknown option strict (the options are trustedKeys, trustedPolicies, request, requireAllow, now, ignoreExpiry, clockSkewSeconds, path)",
    });
  });

  it("ignore a name a prototype holds, as they ignore a known option planted there", () => {
    const options = Object.assign(Object.create({ requireallow: true }) as object, { trustedKeys, now: new Date() }) as VerifyArtifactOptions;
    expect(verifyArtifact(deny, options)).toMatchObject({ ok: true });
  });
});

describe("verifyBundle", () => {
  it("refuses a name it does not have with bad_options", () => {
    const signed = signBundle(fakeBundle(), key);
    expect(verifyBundle(signed, { trustedKeys })).toMatchObject({ ok: true });
    expect(verifyBundle(signed, as<VerifyBundleOptions>({ trustedKeys, allowunsigned: false }))).toEqual({
      ok: false,
      code: "bad_options",
      message: "unknown option allowunsigned (did you mean allowUnsigned?)",
    });
  });
});

describe("authorize, createBatchAuthorizer and createSigner", () => {
  it("authorize throws a TypeError for a misspelt ttlSeconds, and issues nothing", () => {
    const signer = createSigner(key);
    expect(() => authorize(policy, ADMIN_OK, as<AuthorizeOptions>({ signer, ttlseconds: 5 }))).toThrow(
      new TypeError("authorize: unknown option ttlseconds (did you mean ttlSeconds?)"),
    );
    expect(signer.head.seq).toBe(0);
    const issued = authorize(policy, ADMIN_OK, { signer, ttlSeconds: 5 });
    expect(issued.statement.exp - issued.statement.iat).toBe(5);
  });

  it("createBatchAuthorizer throws a TypeError for a name it does not have", () => {
    expect(() => createBatchAuthorizer(as<BatchAuthorizerOptions>({ signer: createSigner(key), maxbatch: 1 }))).toThrow(
      new TypeError("createBatchAuthorizer: unknown option maxbatch (did you mean maxBatch?)"),
    );
    expect(() => createBatchAuthorizer(as<BatchAuthorizerOptions>({ signer: createSigner(key), ttlSecond: 5 }))).toThrow(
      new TypeError("createBatchAuthorizer: unknown option ttlSecond (did you mean ttlSeconds?)"),
    );
  });

  it("createSigner and new Signer throw a TypeError for a misspelt head, which would start another chain at genesis", () => {
    for (const make of [(o: SignerOptions) => createSigner(key, o), (o: SignerOptions) => new Signer(key, o)])
      expect(() => make(as<SignerOptions>({ Head: { seq: 3, prev: null } }))).toThrow(new TypeError("createSigner: unknown option Head (did you mean head?)"));
  });

  it("createSigner reads each option once: the key is derived on the path the signer signs on", () => {
    const { options, reads } = counted<SignerOptions>({ path: "noble" });
    expect(createSigner(key, options).path).toBe("noble");
    expect(reads.get("path")).toBe(1);
  });
});

describe("guard", () => {
  it("rejects with a bad_options GuardError for a misspelt trustedPolicies, and runs nothing", async () => {
    let ran = false;
    const refused = guard(policy, ADMIN_OK, () => (ran = true), as<GuardOptions>({ signer: createSigner(key), trustedpolicies: [] }));
    await expect(refused).rejects.toBeInstanceOf(GuardError);
    await expect(refused).rejects.toMatchObject({ code: "bad_options", reasons: ["unknown option trustedpolicies (did you mean trustedPolicies?)"] });
    expect(ran).toBe(false);
  });

  it("reads each option once, and hands authorize what it read, not the host's object again", async () => {
    const { options, reads } = counted<GuardOptions>({ signer: createSigner(key), ttlSeconds: 60, clockSkewSeconds: 5 });
    const grant = await guard(policy, ADMIN_OK, (g) => g, options);
    expect(grant.statement.exp - grant.statement.iat).toBe(60);
    for (const name of ["signer", "ttlSeconds", "clockSkewSeconds"]) expect(reads.get(name), name).toBe(1);
  });
});

describe("replayArtifact", () => {
  it("reports options it does not know as a difference, comparing nothing else", () => {
    const issued = authorize(policy, ADMIN_OK, { signer: createSigner(key) });
    expect(replayArtifact(issued.artifact, ADMIN_OK, policy, { path: "noble" })).toEqual({ ok: true });
    expect(replayArtifact(issued.artifact, ADMIN_OK, policy, as<ReplayOptions>({ pth: "noble" }))).toEqual({
      ok: false,
      differences: ["options: unknown option pth (did you mean path?)"],
    });
    expect(replayArtifact(issued.artifact, ADMIN_OK, policy, as<ReplayOptions>({ path: "nobel" }))).toEqual({
      ok: false,
      differences: ['options: path must be "native" or "noble", got "nobel"'],
    });
  });
});

describe("the lineage log", () => {
  it("openLog and tryOpenLog refuse a name LogOptions does not have, opening nothing", () => {
    const path = join(dir, "refused.jsonl");
    expect(() => openLog(path, as<LogOptions>({ fsinc: "never" }))).toThrow(LineageError);
    expect(() => openLog(path, as<LogOptions>({ fsinc: "never" }))).toThrow(expect.objectContaining({ code: "bad_options", message: "unknown option fsinc (did you mean fsync?)" }));
    expect(tryOpenLog(path, as<LogOptions>({ fsync: "never", clock: new Date() }))).toMatchObject({
      ok: false,
      error: { code: "bad_options", message: "unknown option clock (the options are fsync, now)" },
    });
    const log = openLog(path, { fsync: "never" }); // not locked by the refusals
    log.close();
  });

  it("verifyLog and verifyLogBytes refuse a misspelt trustedKeys instead of reporting the log intact, signatures unchecked", () => {
    const path = join(dir, "audited.jsonl");
    const log = openLog(path, { fsync: "never" });
    authorize(policy, ADMIN_OK, { signer: createSigner(key), lineage: log });
    log.close();
    expect(verifyLog(path, { trustedKeys })).toMatchObject({ ok: true, signatures: "verified" });
    const refusal = { ok: false, index: -1, kind: "bad_options", reason: "unknown option trustedkeys (did you mean trustedKeys?)" };
    expect(verifyLog(path, as<VerifyLogOptions>({ trustedkeys: trustedKeys }))).toEqual(refusal);
    expect(verifyLogBytes(readFileSync(path), as<VerifyLogOptions>({ trustedkeys: trustedKeys }))).toEqual(refusal);
  });
});

describe("canonicalJson and canonicalize", () => {
  it("refuse a misspelt bigint, and a mode that is none, instead of refusing every BigInt unsaid", () => {
    expect(canonicalJson({ n: 5n }, { bigint: "safe-number" })).toEqual({ ok: true, text: '{"n":5}' });
    expect(canonicalJson({ n: 5n }, as<CanonicalOptions>({ bigInt: "safe-number" }))).toEqual({
      ok: false,
      reason: "the options cannot be used: unknown option bigInt (did you mean bigint?)",
      path: "",
    });
    expect(canonicalJson({ n: 5n }, as<CanonicalOptions>({ bigint: "safe" }))).toMatchObject({ ok: false, reason: 'the options cannot be used: bigint must be "refuse" or "safe-number", got "safe"' });
    expect(() => canonicalize({ n: 5n }, as<CanonicalOptions>({ bigInt: "safe-number" }))).toThrow(
      new TypeError("canonicalize: the options cannot be used: unknown option bigInt (did you mean bigint?)"),
    );
  });
});
