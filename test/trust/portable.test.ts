// The trust core without Node: with `node:crypto` replaced by an empty module (as a browser bundle
// does) and no `Buffer` while the modules load, keys, bundles, artifacts, verification and replay
// run on the noble path and the portable codecs, and produce what the native path accepts.

import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// What a bundler's empty stub gives: every name undefined. (vitest's mock insists the names exist.)
vi.mock("node:crypto", () => ({
  getHashes: undefined,
  createHash: undefined,
  hash: undefined,
  sign: undefined,
  verify: undefined,
  generateKeyPairSync: undefined,
  createPrivateKey: undefined,
  createPublicKey: undefined,
}));

type Trust = typeof import("../../runtime/trust/index.js");
type Digest = typeof import("../../runtime/crypto/digest.js");
let trust: Trust;
let digest: Digest;

// Buffer stays absent for the whole file, so no code path can fall back on it unnoticed.
beforeAll(async () => {
  vi.stubGlobal("Buffer", undefined);
  trust = await import("../../runtime/trust/index.js");
  digest = await import("../../runtime/crypto/digest.js");
});
afterAll(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
});

const request = { principal: { role: "admin" }, amount: 10 };

describe("without node:crypto and Buffer", () => {
  it("defaults to the noble path", () => {
    expect((globalThis as { Buffer?: unknown }).Buffer).toBeUndefined();
    expect(digest.defaultCryptoPath()).toBe("noble");
    expect(() => digest.setDefaultCryptoPath("native")).toThrow(/node:crypto/);
  });
  it("RFC 8032 TEST 1 key id, bundle signing, authorize, verify and replay all work", async () => {
    const hex = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    const seed = Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16)));
    const key = trust.privateKeyFromSeed(seed);
    expect(key.keyId).toBe("kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");

    const module = new TextEncoder().encode("portable module");
    const digests = digest.digestPair(module);
    const manifest = { name: "p", version: "1", digests } as never;
    const signed = trust.signBundle({ module, manifest }, key);
    expect(trust.verifyBundle(signed, { trustedKeys: [key.publicKey] })).toEqual({ ok: true, keyId: key.keyId });

    const policy = {
      name: "p",
      version: "1",
      manifest,
      module,
      digests,
      decide: () => ({ decision: "allow" as const, rules: ["r"], errors: [] }),
    };
    const { artifact } = trust.authorize(policy, request, { signer: trust.createSigner(key) });
    const verified = trust.verifyArtifact(artifact, { trustedKeys: [key.publicKey], request, trustedPolicies: [digests], requireAllow: true });
    expect(verified.ok).toBe(true);
    expect(trust.replayArtifact(artifact, request, policy)).toEqual({ ok: true });
    const changedTail = artifact.endsWith("AA") ? "BA" : "AA"; // never the tail it already has
    expect(trust.verifyArtifact(artifact.slice(0, -2) + changedTail, { trustedKeys: [key.publicKey] })).toMatchObject({ ok: false });
  });
});
