// A clock's reading must be a time a date can hold. A Date whose getTime is the host's (a subclass, a
// mocked clock) may answer -1e17 or 1.5: signed as an iat, that is a statement every verifier calls
// malformed, and appended, a record the lineage log's reader refuses, so the log neither verifies
// nor opens again. Such a reading is refused where it is read, before anything is issued.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { authorize } from "../../runtime/trust/authorize.js";
import { createBatchAuthorizer } from "../../runtime/trust/batch.js";
import { clockMs } from "../../runtime/trust/clock.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { openLog } from "../../runtime/trust/lineage.js";
import { withIssuedArtifact } from "../../runtime/trust/lineage-record.js";
import { verifyLog } from "../../runtime/trust/lineage-verify.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { buildStatement } from "../../runtime/trust/statement.js";
import { verifyArtifact } from "../../runtime/trust/verify-artifact.js";
import { ARTIFACT_TYP, MAX_EPOCH_SECONDS } from "../../runtime/trust/types.js";
import { canonicalize } from "../../runtime/trust/jcs.js";
import { ADMIN_OK, fakePolicy } from "./fake-policy.js";
import { tempDir } from "../support/temp-dir.js";

const key = generateKeyPair();
const trustedKeys = [key.publicKey];
const policy = fakePolicy();
const dir = tempDir("clock-range");
const OUT_OF_RANGE = /`now` is neither a valid Date nor a function returning one \(a Date whose getTime\(\) is a whole number of milliseconds within ±8640000000000000/;

/** A Date whose getTime answers `ms`, whatever it holds. */
function dateAnswering(ms: unknown): Date {
  return new (class extends Date {
    override getTime(): number {
      return ms as number;
    }
  })();
}

/** A log holding one artifact, and a signer continuing it. */
function started(name: string) {
  const path = join(dir, `${name}.jsonl`);
  const log = openLog(path, { fsync: "never" });
  const signer = createSigner(key);
  authorize(policy, ADMIN_OK, { signer, lineage: log });
  return { path, log, signer };
}

/** The log closed, verified and opened again: what was appended is what its reader takes. */
function stillReadable(path: string, log: ReturnType<typeof openLog>, records: number): void {
  log.close();
  expect(verifyLog(path, { trustedKeys })).toMatchObject({ ok: true, records });
  const again = openLog(path, { fsync: "never" });
  expect(again.head().records).toBe(records);
  again.close();
}

describe("a clock reading no date holds", () => {
  it("is no reading: getTime out of range, not a whole number, or not a number", () => {
    for (const ms of [-9e15, 8.64e15 + 1, -1e17, 1e20, 1.5, "5", Infinity])
      expect(clockMs(dateAnswering(ms)), String(ms)).toBeNaN();
    // the ends of the range are dates, and read as such
    expect(clockMs(dateAnswering(-8.64e15))).toBe(-8.64e15);
    expect(clockMs(() => dateAnswering(8.64e15))).toBe(8.64e15);
    expect(clockMs(new Date(0))).toBe(0);
  });

  it("authorize refuses it before anything is signed or logged; the log verifies and opens again", () => {
    const { path, log, signer } = started("authorize");
    const before = signer.head;
    for (const ms of [-9e15, -1e17, 1.5]) {
      expect(() => authorize(policy, ADMIN_OK, { signer, lineage: log, now: dateAnswering(ms) }), String(ms)).toThrow(RangeError);
      expect(() => authorize(policy, ADMIN_OK, { signer, lineage: log, now: () => dateAnswering(ms) })).toThrow(OUT_OF_RANGE);
    }
    expect(signer.head).toBe(before);
    expect(log.head().records).toBe(1);
    stillReadable(path, log, 1);
  });

  it("the batch authorizer refuses it, read for a decision or for the tree head, and issues nothing of the batch", async () => {
    const { path, log, signer } = started("batch");
    const odd = createBatchAuthorizer({ signer: createSigner(key, { head: signer.head }), lineage: log, now: () => dateAnswering(-1e17) });
    expect(() => odd.authorizeBatch(policy, [ADMIN_OK, ADMIN_OK])).toThrow(OUT_OF_RANGE);
    // a clock that goes out of range only when the batch is sealed (the tree head's iat)
    let reads = 0;
    const late = createBatchAuthorizer({ signer: createSigner(key, { head: signer.head }), lineage: log, now: () => (++reads > 1 ? dateAnswering(-1e17) : new Date()) });
    const pending = late.authorize(policy, ADMIN_OK);
    late.flush();
    await expect(pending).rejects.toThrow(OUT_OF_RANGE);
    expect(reads).toBe(2);
    expect(late.head).toEqual(signer.head);
    expect(log.head().records).toBe(1);
    // the authorizer goes on from where the batch began, with the log
    reads = 0;
    const fine = createBatchAuthorizer({ signer: createSigner(key, { head: signer.head }), lineage: log });
    expect(fine.authorizeBatch(policy, [ADMIN_OK]).map((a) => verifyArtifact(a.artifact, { trustedKeys }).ok)).toEqual([true]);
    stillReadable(path, log, 2);
  });

  it("buildStatement refuses an iat outside the range of a date, as it refuses an exp past the last date", () => {
    const decision = { decision: "deny" as const, rules: [], errors: [] };
    const build = (iat: number) => buildStatement({ policy, decision, requestSha3: "a".repeat(128), issuer: "k", iat, ttlSeconds: 300, head: { seq: 0, prev: null } });
    expect(() => build(-MAX_EPOCH_SECONDS - 1)).toThrow(/the clock is out of range: an artifact issued at -8640000000001 s/);
    expect(() => build(0.5)).toThrow(RangeError);
    expect(() => build(MAX_EPOCH_SECONDS)).toThrow(/the clock is too late/);
    expect(build(-MAX_EPOCH_SECONDS).iat).toBe(-MAX_EPOCH_SECONDS);
  });

  it("the log refuses an artifact taken as issued (not read back) whose statement's iat or exp no date holds", () => {
    const { path, log, signer } = started("taken-as-issued");
    const { statement } = authorize(policy, ADMIN_OK, { signer: createSigner(key, { head: signer.head }) });
    for (const times of [{ iat: -9e12 }, { exp: 1e13 }]) {
      // what an issuer that took such a reading would have signed, and told the log it issued
      const odd = { ...statement, ...times };
      const artifact = createSigner(key, { head: signer.head }).signTyped(ARTIFACT_TYP, canonicalize(odd));
      expect(() => withIssuedArtifact(artifact, odd, () => log.append(artifact, odd))).toThrow(/is not a whole number of seconds within the range of a date, which the log's reader refuses/);
    }
    expect(log.head().records).toBe(1);
    stillReadable(path, log, 1);
  });
});
