// A log's last record checked before a signer continues it (runtime/trust/lineage-last-signature.ts):
// opening a log checks its chains, which need no key, not its signatures. A last record edited after
// its issuer signed it still chains (nothing follows it); its signature, checked with the keys the
// signer has, tells. Real logs on disk, written by the library's own signer and batcher.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { authorize } from "../../runtime/trust/authorize.js";
import { createBatchAuthorizer } from "../../runtime/trust/batch.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { openLog } from "../../runtime/trust/lineage.js";
import { createSigner } from "../../runtime/trust/signer.js";
import type { PublicKey } from "../../runtime/trust/types.js";
import { fakePolicy } from "./fake-policy.js";
import { buildLog, editStatement, REQUESTS, writeLines } from "./lineage-fixtures.js";
import { tempDir } from "../support/temp-dir.js";

const problemOf = (path: string, keys: readonly PublicKey[]): string | undefined => {
  const log = openLog(path, { fsync: "never" });
  try {
    return log.lastSignatureProblem(keys);
  } finally {
    log.close();
  }
};

describe("LineageLog.lastSignatureProblem", () => {
  it("finds none in an empty log, nor in one whose last record holds, with the issuer's key or without it", () => {
    const dir = tempDir("last-signature");
    const stranger = generateKeyPair();
    expect(problemOf(join(dir, "empty.jsonl"), [stranger.publicKey])).toBeUndefined();
    const built = buildLog(3, generateKeyPair(), dir);
    expect(problemOf(built.path, [built.key.publicKey])).toBeUndefined();
    expect(problemOf(built.path, [stranger.publicKey, built.key.publicKey])).toBeUndefined();
    expect(problemOf(built.path, [stranger.publicKey])).toBeUndefined();
  });

  it("says why a last record edited after it was signed does not verify, with its issuer's key; without it, it cannot tell", () => {
    const built = buildLog(3, generateKeyPair(), tempDir("last-signature"));
    const lines = [...built.lines];
    lines[2] = editStatement(lines[2]!, (st) => (st.decision = "allow"));
    const path = writeLines(join(built.dir, "edited.jsonl"), lines);
    expect(problemOf(path, [built.key.publicKey])).toBe(
      `its last record (2, sequence 2) does not verify: bad_signature: signature does not verify with key ${built.key.keyId}; it was changed or forged after its issuer signed it, and the log is not continued from it`,
    );
    expect(problemOf(path, [generateKeyPair().publicKey])).toBeUndefined();
    // an edit before the last is for the next record's link to tell: opening refuses that log
    const earlier = [...built.lines];
    earlier[1] = editStatement(earlier[1]!, (st) => (st.decision = "allow"));
    expect(() => openLog(writeLines(join(built.dir, "earlier.jsonl"), earlier))).toThrow(expect.objectContaining({ code: "corrupt" }));
  });

  it("checks a batched last record by its tree head, judged at its own issue time however old", () => {
    const dir = tempDir("last-signature");
    const key = generateKeyPair();
    const path = join(dir, "batched.jsonl");
    const log = openLog(path, { fsync: "never" });
    // issued with a clock a day behind: a verifier judging it now would find it expired
    const dayAgo = () => new Date(Date.now() - 86_400_000);
    const signer = createSigner(key, { head: log.head().chain });
    authorize(fakePolicy(), REQUESTS[0], { signer, lineage: log, now: dayAgo });
    createBatchAuthorizer({ signer, maxBatch: 4, lineage: log, now: dayAgo }).authorizeBatch(fakePolicy(), [REQUESTS[0], REQUESTS[1], REQUESTS[2]]);
    expect(log.lastSignatureProblem([key.publicKey])).toBeUndefined();
    log.close();
    expect(problemOf(path, [generateKeyPair().publicKey])).toBeUndefined();
  });

  it("says that keys which are no keys cannot check anything, rather than blaming the record", () => {
    const built = buildLog(1, generateKeyPair(), tempDir("last-signature"));
    expect(problemOf(built.path, [{ kid: "x" } as unknown as PublicKey])).toMatch(/^the keys to check its last record with are not usable: /);
  });
});
