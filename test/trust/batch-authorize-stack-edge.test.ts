// A batch authorizer's authorize called near the end of the host's stack. It is documented to return
// a promise: wherever it begins, it returns one (a throw is left only to a call that cannot begin,
// as any call can fail so), and the promise rejects only with an Error built beforehand saying the
// stack ran out, the request then not in the batch and nothing issued for it, or with the batch's
// own "not sealed" error where the authorize that filled the batch could not seal it. The batch's
// other decisions are issued as they would have been, and the chain and the log go on as one.
// Each test sweeps the call up from the edge (test/support/stack-edge.ts).

import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createBatchAuthorizer, type BatchedAuthorization } from "../../runtime/trust/batch.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { openLog } from "../../runtime/trust/lineage.js";
import { verifyLog } from "../../runtime/trust/lineage-verify.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { ADMIN_OK, USER_DENIED, fakePolicy } from "./fake-policy.js";
import { tempDir } from "../support/temp-dir.js";
import { sweepUpAsync } from "../support/stack-edge.js";

const issuer = generateKeyPair();
const policy = fakePolicy();
// read here, not at the edge: an imported binding may be read through a getter, which is a call
const allowed: unknown = ADMIN_OK;
const denied: unknown = USER_DENIED;

const AUTHORIZE_RAN_OUT = /^authorize did not finish: the host's stack ran out while the request was being decided or added to a batch .*it was not added to a batch and nothing was issued for it/;
const NOT_SEALED = /^the batch was not sealed: the host's stack ran out/;

/**
 * Whether `e` was thrown from inside a call of the runtime: one of the frames below its top one is
 * the runtime's (the Promise constructor's, say, called from authorize). A frame of the runtime on
 * top alone, with the caller's below, is a call that failed at its entry, which any call can.
 */
const thrownFromInside = (e: unknown): boolean =>
  String((e as Error | undefined)?.stack)
    .split("\n")
    .slice(2, 4)
    .some((f) => /(?<![\\/]test)[\\/]runtime[\\/]/.test(f));

type Outcome = { ok: true; value: BatchedAuthorization } | { ok: false; error: unknown };
const outcomeOf = (p: Promise<BatchedAuthorization>): Promise<Outcome> =>
  p.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );

/** One step of the sweep: a decision made with stack to spare, then the swept one in the same batch. */
interface Step {
  swept: Outcome | undefined;
  other: Outcome;
  pendingBefore: number;
  pendingAfter: number;
  recordsAdded: number;
}

/** The tree head an artifact was issued under: artifacts of one batch share it. */
const treeHeadOf = (a: BatchedAuthorization) => (JSON.parse(a.artifact) as { head: string }).head;

describe("the batch authorizer's authorize at the edge of the host's stack", () => {
  // maxBatch 256: the swept request joins an open batch, which flush closes afterwards;
  // maxBatch 2: the swept request fills the batch, and its authorize closes it
  for (const maxBatch of [256, 2]) {
    it(`returns a promise wherever it begins, rejected only saying the stack ran out, the request not added and the batch going on (maxBatch ${maxBatch})`, async () => {
      const path = join(tempDir("batch-stack-edge"), "batches.jsonl");
      const log = openLog(path, { fsync: "never" });
      const batcher = createBatchAuthorizer({ signer: createSigner(issuer), lineage: log, maxBatch, maxDelayMs: 60_000 });
      const steps: Step[] = [];
      let thrownInside = 0;
      const began = await sweepUpAsync(async (run) => {
        const records = log.head().records;
        const other = outcomeOf(batcher.authorize(policy, denied));
        const pendingBefore = batcher.pending;
        let swept: Promise<BatchedAuthorization> | undefined;
        const { thrown } = run(() => {
          swept = batcher.authorize(policy, allowed);
        });
        if (thrown !== undefined && thrownFromInside(thrown)) thrownInside++;
        const pendingAfter = batcher.pending;
        batcher.flush();
        const step: Step = { swept: swept && (await outcomeOf(swept)), other: await other, pendingBefore, pendingAfter, recordsAdded: 0 };
        step.recordsAdded = log.head().records - records;
        steps.push(step);
        return step.swept?.ok === true;
      });
      expect(began).toBeGreaterThan(0);
      // where authorize began, it returned a promise
      expect(thrownInside).toBe(0);
      let ranOut = 0;
      for (const s of steps) {
        const where = JSON.stringify({ ...s, swept: s.swept && (s.swept.ok ? "resolved" : String((s.swept.error as Error).stack)) });
        if (s.swept?.ok === true) {
          // issued with the other, in one batch, and both recorded
          expect(s.other.ok, where).toBe(true);
          if (s.other.ok) expect(treeHeadOf(s.other.value), where).toBe(treeHeadOf(s.swept.value));
          expect(s.recordsAdded, where).toBe(2);
        } else if (s.swept !== undefined && NOT_SEALED.test((s.swept.error as Error).message) && maxBatch === 2) {
          // the authorize that filled the batch could not seal it: the whole batch is not issued
          expect(s.other, where).toEqual(s.swept);
          expect(s.recordsAdded, where).toBe(0);
        } else {
          // rejected saying the stack ran out, or (no promise) the call could not begin: the request
          // was not added, and the other decision of the batch was issued and recorded alone
          if (s.swept !== undefined) {
            expect(s.swept.error, where).toBeInstanceOf(Error);
            expect((s.swept.error as Error).message, where).toMatch(AUTHORIZE_RAN_OUT);
            expect(Object.isFrozen(s.swept.error), where).toBe(true);
            ranOut++;
          }
          expect(s.pendingAfter, where).toBe(s.pendingBefore);
          expect(s.other.ok, where).toBe(true);
          expect(s.recordsAdded, where).toBe(1);
        }
      }
      expect(ranOut).toBeGreaterThan(0); // the edge was reached where authorize had begun
      // the chain goes on from where the log ends: a later batch is issued, and the log verifies
      const later = batcher.authorize(policy, allowed);
      batcher.flush();
      const last = await later;
      const records = log.head().records;
      expect(records).toBe(steps.reduce((n, s) => n + s.recordsAdded, 0) + 1);
      expect(batcher.head.seq).toBe(records);
      expect(last.statement.lineage.seq).toBe(records - 1);
      log.close();
      expect(verifyLog(path, { trustedKeys: [issuer.publicKey] })).toMatchObject({ ok: true, records });
    });
  }

  it("rejects no promise at the edge itself: the host's stderr gets nothing from Node's rejection tracking", () => {
    // Node tracks a rejected promise with code of its own, run where the promise is rejected: run at
    // the edge, it ran out too and wrote "Exception in PromiseRejectCallback" to stderr
    const dir = tempDir("batch-stack-edge");
    const module = (path: string) => JSON.stringify(fileURLToPath(new URL(path, import.meta.url)));
    const script = join(dir, "authorize-near-edge.mts");
    writeFileSync(
      script,
      `import { createBatchAuthorizer } from ${module("../../runtime/trust/batch.ts")};
import { generateKeyPair } from ${module("../../runtime/trust/keys.ts")};
import { createSigner } from ${module("../../runtime/trust/signer.ts")};
import { ADMIN_OK, fakePolicy } from ${module("./fake-policy.ts")};
import { sweepUpAsync } from ${module("../support/stack-edge.ts")};
const policy = fakePolicy(), request = ADMIN_OK;
const batcher = createBatchAuthorizer({ signer: createSigner(generateKeyPair()), maxDelayMs: 60_000 });
let rejected = 0;
await sweepUpAsync(async (run) => {
  let p;
  run(() => { p = batcher.authorize(policy, request); });
  batcher.flush();
  const ok = p === undefined ? false : await p.then(() => true, () => (rejected++, false));
  return ok;
});
console.log(JSON.stringify({ rejected }));`,
    );
    const run = spawnSync(process.execPath, ["--import", "tsx", script], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect((JSON.parse(run.stdout) as { rejected: number }).rejected).toBeGreaterThan(0); // the edge was reached
  });
});
