// A list a host hands the runtime may say it is longer than it is: `a.length = 2 ** 32 - 1` makes
// an array of that length holding nothing, which takes no memory. The runtime copies such lists
// element by element (own.ts, so that a hole is never read as what Array.prototype holds); a copy
// that large is more than V8 will make, and it ends the whole process with a fatal error no handler
// sees. Each reader refuses such a list as it refuses any list it cannot use — and this file runs
// in one process, so a reader that still copied it would end the test run.
//
// Beside them, the key functions' other promise: they never throw, whatever a host passes (a path
// that is no string, a JWK that is a Proxy whose traps throw, or a revoked one).

import { describe, expect, it } from "vitest";
import { MAX_COPIED_ELEMENTS, ownElements, withoutPrototypes } from "../../runtime/own.js";
import { tryLoadPolicy } from "../../runtime/policy.js";
import { authorize } from "../../runtime/trust/authorize.js";
import { createBatchAuthorizer } from "../../runtime/trust/batch.js";
import { verifyBundle } from "../../runtime/trust/bundle.js";
import { GuardError, guard } from "../../runtime/trust/guard.js";
import { loadPrivateKeyFile, loadPublicKeyFile } from "../../runtime/trust/key-files.js";
import { generateKeyPair, privateJwk, privateKeyFromJwk, publicJwk, publicKeyFromJwk } from "../../runtime/trust/keys.js";
import { verifyLog } from "../../runtime/trust/lineage-verify.js";
import { buildTree, leafHash } from "../../runtime/trust/merkle.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { verifyArtifact } from "../../runtime/trust/verify-artifact.js";
import { ADMIN_OK, fakeBundle, fakePolicy } from "./fake-policy.js";

const key = generateKeyPair();
const policy = fakePolicy();

/** An array that says it holds `length` elements and holds none. */
function holey(length = 2 ** 32 - 1): never[] {
  const a: never[] = [];
  a.length = length;
  return a;
}

describe("a list longer than the runtime copies", () => {
  it("is refused by the copying readers themselves, at one past the bound, and read whole at the bound", () => {
    expect(() => ownElements(holey())).toThrow(RangeError);
    expect(() => ownElements(holey(MAX_COPIED_ELEMENTS + 1))).toThrow(`a list of ${MAX_COPIED_ELEMENTS + 1} elements (its length), more than the ${MAX_COPIED_ELEMENTS} this reads`);
    expect(ownElements(holey(MAX_COPIED_ELEMENTS))).toHaveLength(MAX_COPIED_ELEMENTS);
    expect(() => withoutPrototypes({ rules: holey() })).toThrow(RangeError);
  });

  it("as trusted keys or policies, is bad_options for verifyArtifact, verifyBundle and verifyLog, and loads no policy", () => {
    const { artifact } = authorize(policy, ADMIN_OK, { signer: createSigner(key) });
    expect(verifyArtifact(artifact, { trustedKeys: [key.publicKey] })).toMatchObject({ ok: true });
    expect(verifyArtifact(artifact, { trustedKeys: holey() })).toMatchObject({ ok: false, code: "bad_options", message: expect.stringContaining(`trustedKeys says it holds ${2 ** 32 - 1} entries`) });
    expect(verifyArtifact(artifact, { trustedKeys: [key.publicKey], trustedPolicies: holey() })).toMatchObject({ ok: false, code: "bad_options", message: expect.stringContaining("trustedPolicies says it holds") });
    expect(verifyBundle(fakeBundle(), { trustedKeys: holey() })).toMatchObject({ ok: false, code: "bad_options" });
    expect(tryLoadPolicy(fakeBundle(), { trustedKeys: holey() })).toMatchObject({ ok: false, error: { code: "bad_options" } });
    expect(verifyLog("/nonexistent/log.jsonl", { trustedKeys: holey() })).toMatchObject({ ok: false, kind: "bad_options" });
  });

  it("in a bundle's manifest, is a malformed bundle", () => {
    const bundle = fakeBundle();
    const result = tryLoadPolicy({ ...bundle, manifest: { ...bundle.manifest, rules: holey() } }, { allowUnsigned: true });
    expect(result).toMatchObject({ ok: false, error: { code: "malformed", message: expect.stringContaining(`a list of ${2 ** 32 - 1} elements`) } });
  });

  it("as a decision's rules or errors, is a policy fault: a deny, signed as such", () => {
    for (const member of ["rules", "errors"] as const) {
      const lying = fakePolicy({ decide: () => ({ decision: "allow", rules: ["admin"], errors: [], [member]: holey() }) as never });
      const issued = authorize(lying, ADMIN_OK, { signer: createSigner(key) });
      expect(issued.decision.decision, member).toBe("deny");
      expect(issued.decision.errors[0]!.message, member).toContain(`a list of ${2 ** 32 - 1} elements`);
    }
  });

  it("as guard's trusted keys, is refused before anything is decided", async () => {
    let ran = false;
    const refused = await guard(policy, ADMIN_OK, () => (ran = true), { signer: createSigner(key), trustedKeys: holey() }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GuardError);
    expect(ran).toBe(false);
  });

  it("as a tree's leaves, is a RangeError; and a batch authorizer is not made to close a batch that large", () => {
    expect(() => buildTree(holey())).toThrow(RangeError);
    expect(buildTree([leafHash(new Uint8Array(1))]).root).toHaveLength(32);
    expect(() => createBatchAuthorizer({ signer: createSigner(key), maxBatch: MAX_COPIED_ELEMENTS + 1 })).toThrow(`maxBatch must be a whole number from 1 to ${MAX_COPIED_ELEMENTS}`);
    expect(() => createBatchAuthorizer({ signer: createSigner(key), maxBatch: MAX_COPIED_ELEMENTS })).not.toThrow();
    // nor asked to sign one artifact per index of such a list (each hole a missing request, denied)
    const batcher = createBatchAuthorizer({ signer: createSigner(key) });
    expect(() => batcher.authorizeBatch(policy, holey())).toThrow(`authorizeBatch takes at most ${MAX_COPIED_ELEMENTS} requests a call`);
    expect(batcher.authorizeBatch(policy, holey(2)).map((a) => a.decision.decision)).toEqual(["deny", "deny"]);
  });

  it("as a JWK's key_ops, is no key", () => {
    expect(publicKeyFromJwk({ ...publicJwk(key.publicKey), key_ops: ["verify"] })).toMatchObject({ ok: true });
    expect(publicKeyFromJwk({ ...publicJwk(key.publicKey), key_ops: holey() })).toMatchObject({ ok: false, message: expect.stringContaining("`key_ops` says it holds") });
    expect(privateKeyFromJwk({ ...privateJwk(key), key_ops: holey() })).toMatchObject({ ok: false, message: expect.stringContaining("`key_ops` says it holds") });
  });
});

describe("the key functions never throw", () => {
  it("for a path that is no string: refused, saying what was given", () => {
    const notPaths: unknown[] = [Symbol("k"), Object.create(null), { toString: () => { throw new Error("boom"); } }, 5, undefined, null, ["k.jwk"]];
    for (const load of [loadPublicKeyFile, loadPrivateKeyFile]) {
      for (const path of notPaths) {
        const result = load(path as string);
        expect(result, `${load.name} ${String(typeof path)}`).toEqual({ ok: false, message: expect.stringMatching(/^a key file is named by its path, a string; got /) });
      }
    }
  });

  it("for a JWK that is a Proxy whose traps throw, or a revoked one", () => {
    const throwing = new Proxy({}, { get: () => { throw new Error("trap"); } });
    const { proxy: revoked, revoke } = Proxy.revocable({}, {});
    revoke();
    for (const jwk of [throwing, revoked]) {
      for (const read of [publicKeyFromJwk, privateKeyFromJwk]) {
        expect(read(jwk), read.name).toEqual({ ok: false, message: expect.stringMatching(/^the JWK could not be read: /) });
      }
    }
  });
});
