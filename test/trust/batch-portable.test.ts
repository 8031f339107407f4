// Batched artifacts without Node: with `node:crypto` replaced by an empty module (as a browser bundle
// does) and no `Buffer`, the batch authorizer issues and verifyBatchedArtifact checks artifacts on
// the noble path (SHA-256 for the tree, SHA3-512 and BLAKE2b-512 for the links, Ed25519).

import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

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

let batch: typeof import("../../runtime/trust/batch.js");
let artifacts: typeof import("../../runtime/trust/batch-artifact.js");
let keys: typeof import("../../runtime/trust/keys.js");
let signers: typeof import("../../runtime/trust/signer.js");
let digest: typeof import("../../runtime/crypto/digest.js");

beforeAll(async () => {
  vi.stubGlobal("Buffer", undefined);
  batch = await import("../../runtime/trust/batch.js");
  artifacts = await import("../../runtime/trust/batch-artifact.js");
  keys = await import("../../runtime/trust/keys.js");
  signers = await import("../../runtime/trust/signer.js");
  digest = await import("../../runtime/crypto/digest.js");
});
afterAll(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
});

describe("batched artifacts without node:crypto and Buffer", () => {
  it("are issued, linked and verified on the noble path", async () => {
    expect((globalThis as { Buffer?: unknown }).Buffer).toBeUndefined();
    expect(digest.defaultCryptoPath()).toBe("noble");
    const key = keys.privateKeyFromSeed(new Uint8Array(32).fill(7));
    const module = new TextEncoder().encode("portable module");
    const policy = {
      name: "p",
      version: "1",
      manifest: {} as never,
      module,
      digests: digest.digestPair(module),
      decide: (r: unknown) => ({ decision: (r as { n: number }).n % 2 ? ("allow" as const) : ("deny" as const), rules: [], errors: [] }),
    };
    const batcher = batch.createBatchAuthorizer({ signer: signers.createSigner(key), maxBatch: 5, maxDelayMs: 1 });
    const issued = await Promise.all(Array.from({ length: 7 }, (_, n) => batcher.authorize(policy, { n })));
    issued.forEach((a, i) => {
      expect(artifacts.verifyBatchedArtifact(a.artifact, { trustedKeys: [key.publicKey], request: { n: i } })).toMatchObject({ ok: true, statement: { lineage: { seq: i } } });
      // batches of 5 and 2: the first links to nothing, the second to the first's signed head
      const expected = i < 5 ? null : digest.digestPair(new TextEncoder().encode(JSON.parse(issued[0]!.artifact).head));
      expect(a.statement.lineage.prev).toEqual(expected);
    });
    const changed = JSON.parse(issued[2]!.artifact);
    changed.statement.decision = "allow";
    expect(artifacts.verifyBatchedArtifact(JSON.stringify(changed), { trustedKeys: [key.publicKey] })).toMatchObject({ ok: false, code: "bad_proof" });
  });
});
