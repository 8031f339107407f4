// A batch authorizer issues its signer's chain alone, and hands out a head to continue it from only
// when one exists. `batcher.head` read while a batch was open carried the seq past the open batch
// with the link from before it: a signer started from it (a key rotation, "resume later from
// batcher.head") issued the next seqs linking past a batch it never saw, a fork of the chain that
// verified artifact by artifact and broke a shared log (chain_break). And two batch authorizers on
// one signer, or a batch authorizer and authorize, each issued seq 0 onwards.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { authorize } from "../../runtime/trust/authorize.js";
import { createBatchAuthorizer, type BatchedAuthorization } from "../../runtime/trust/batch.js";
import { GuardError, guard } from "../../runtime/trust/guard.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { openLog } from "../../runtime/trust/lineage.js";
import { verifyLog } from "../../runtime/trust/lineage-verify.js";
import { chainHeadAfter, createSigner } from "../../runtime/trust/signer.js";
import { verifyArtifact } from "../../runtime/trust/verify-artifact.js";
import { ADMIN_OK, TOO_MUCH, USER_DENIED, fakePolicy } from "./fake-policy.js";
import { tempDir } from "../support/temp-dir.js";

const key = generateKeyPair();
const rotated = generateKeyPair();
const trustedKeys = [key.publicKey, rotated.publicKey];
const policy = fakePolicy();
const REQUESTS = [ADMIN_OK, USER_DENIED, TOO_MUCH];
const dir = tempDir("batch-chain");

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return "nothing thrown";
}

describe("batcher.head", () => {
  it("cannot be read while a batch is open; after flush it is where the chain continues, and a rotated key's batches follow on in a shared log", async () => {
    const path = join(dir, "rotation.jsonl");
    const log = openLog(path);
    const old = createBatchAuthorizer({ signer: createSigner(key), maxBatch: 100, maxDelayMs: 60_000, lineage: log });
    const first = old.authorize(policy, ADMIN_OK);
    old.flush();
    await first;
    expect(old.head.seq).toBe(1);
    // a second batch, open: its seqs 1 to 3 are taken, its tree head not signed
    const open = [0, 1, 2].map((i) => old.authorize(policy, REQUESTS[i]));
    expect(old.pending).toBe(3);
    const e = thrown(() => old.head);
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toBe(
      "batcher.head cannot be read while a batch is open (3 decisions pending): the open batch has taken its seqs but is not signed yet, so no head a chain can continue from exists (one made of those seqs and the link before the batch would fork the chain). Call batcher.flush() first: it signs the open batch at once, and head is then where the chain continues",
    );
    old.flush();
    const head = old.head;
    const sealed = await Promise.all(open);
    expect(head).toEqual(chainHeadAfter(sealed[2]!.artifact));
    const next = createBatchAuthorizer({ signer: createSigner(rotated, { head }), maxBatch: 2, lineage: log });
    const after: BatchedAuthorization[] = next.authorizeBatch(policy, [ADMIN_OK, USER_DENIED]);
    expect(after.map((r) => r.statement.lineage)).toEqual([
      { seq: 4, prev: head.prev },
      { seq: 5, prev: head.prev },
    ]);
    log.close();
    expect([...sealed, ...after].every((r) => verifyArtifact(r.artifact, { trustedKeys }).ok)).toBe(true);
    expect(verifyLog(path, { trustedKeys })).toMatchObject({ ok: true, records: 6, firstSeq: 0, lastSeq: 5 });
  });

  it("cannot be read from inside the authorizer's own work: from the lineage sink while a batch is sealed, or from the policy while it decides", () => {
    const seen: unknown[] = [];
    const batcher = createBatchAuthorizer({ signer: createSigner(key), lineage: { appendMany: () => void seen.push(thrown(() => batcher.head)) } });
    batcher.authorizeBatch(policy, [ADMIN_OK]);
    expect(seen).toHaveLength(1);
    expect((seen[0] as Error).message).toMatch(/^batcher\.head cannot be read while the batch authorizer is running authorizeBatch \(it was read from the lineage sink, a policy, a request's getter or the clock\)/);
    // on the promise path, the sink is called while the batch is sealed
    const sealing = createBatchAuthorizer({ signer: createSigner(key), lineage: { appendMany: () => void seen.push(thrown(() => sealing.head)) } });
    void sealing.authorize(policy, ADMIN_OK);
    sealing.flush();
    expect((seen[1] as Error).message).toMatch(/^batcher\.head cannot be read while the batch authorizer is sealing a batch/);
    const asking = createBatchAuthorizer({ signer: createSigner(key) });
    const curious = fakePolicy({ decide: (r) => (seen.push(thrown(() => asking.head)), policy.decide(r)) });
    asking.authorizeBatch(curious, [ADMIN_OK]);
    expect((seen[2] as Error).message).toMatch(/^batcher\.head cannot be read while the batch authorizer is running authorizeBatch/);
    // and once the call has returned, with no batch open, it is there
    expect(asking.head.seq).toBe(1);
  });
});

describe("a signer a batch authorizer has taken", () => {
  const TAKEN = /this signer's chain was taken by a batch authorizer, which issues its seqs from the head it took: another issuer on the same signer would issue them again \(a fork of the chain\)/;

  it("is refused by a second batch authorizer and by authorize, with a TypeError, nothing issued", () => {
    const signer = createSigner(key);
    const batcher = createBatchAuthorizer({ signer, maxBatch: 2 });
    const second = thrown(() => createBatchAuthorizer({ signer, maxBatch: 2 }));
    expect(second).toBeInstanceOf(TypeError);
    expect((second as Error).message).toMatch(/^createBatchAuthorizer: /);
    expect((second as Error).message).toMatch(TAKEN);
    const single = thrown(() => authorize(policy, ADMIN_OK, { signer }));
    expect(single).toBeInstanceOf(TypeError);
    expect((single as Error).message).toMatch(/^authorize: /);
    expect((single as Error).message).toMatch(TAKEN);
    // the batch authorizer goes on from seq 0 alone
    expect(batcher.authorizeBatch(policy, [ADMIN_OK, USER_DENIED]).map((r) => r.statement.lineage.seq)).toEqual([0, 1]);
    expect(signer.head).toEqual({ seq: 0, prev: null });
  });

  it("is refused by guard as bad_options, the action not run", async () => {
    const signer = createSigner(key);
    createBatchAuthorizer({ signer });
    let ran = false;
    const outcome = await guard(policy, ADMIN_OK, () => (ran = true), { signer }).then(
      () => "ran",
      (e: unknown) => e,
    );
    expect(outcome).toBeInstanceOf(GuardError);
    expect((outcome as GuardError).code).toBe("bad_options");
    expect((outcome as GuardError).reasons.join("; ")).toMatch(TAKEN);
    expect(ran).toBe(false);
  });

  it("is not taken by a batch authorizer whose options were refused; one used by authorize first is continued", () => {
    const signer = createSigner(key);
    expect(() => createBatchAuthorizer({ signer, maxBatch: 0 })).toThrow(RangeError);
    const single = authorize(policy, ADMIN_OK, { signer });
    expect(single.statement.lineage.seq).toBe(0);
    const batcher = createBatchAuthorizer({ signer });
    const [batched] = batcher.authorizeBatch(policy, [USER_DENIED]);
    expect(batched!.statement.lineage).toEqual({ seq: 1, prev: chainHeadAfter(single.artifact).prev });
  });
});

// Whether a signer is taken was asked before the host's code that an issuer runs (the options'
// getters, the request's, the policy's, the lineage sink): that code could make a batch authorizer
// on the signer after the question and before the chain was used, and both then issued seq 0.
describe("a signer taken by the host's code while an issuer runs", () => {
  const TAKEN = /this signer's chain was taken by a batch authorizer/;
  const GENESIS_LINK = { seq: 0, prev: null };

  it("createBatchAuthorizer: one made from a getter of another's options keeps the chain, and the other is refused", () => {
    const signer = createSigner(key);
    let inner: ReturnType<typeof createBatchAuthorizer> | undefined;
    const outer = thrown(() =>
      createBatchAuthorizer({
        signer,
        get maxBatch() {
          inner ??= createBatchAuthorizer({ signer, maxDelayMs: 0 });
          return 4;
        },
        maxDelayMs: 0,
      }),
    );
    expect(outer).toBeInstanceOf(TypeError);
    expect((outer as Error).message).toMatch(/^createBatchAuthorizer: /);
    expect((outer as Error).message).toMatch(TAKEN);
    expect(inner!.authorizeBatch(policy, [ADMIN_OK, USER_DENIED]).map((r) => r.statement.lineage.seq)).toEqual([0, 1]);
  });

  it("authorize: a batch authorizer made from its `lineage` getter has the chain, and authorize issues nothing", () => {
    const signer = createSigner(key);
    let batcher: ReturnType<typeof createBatchAuthorizer> | undefined;
    const single = thrown(() =>
      authorize(policy, ADMIN_OK, {
        signer,
        get lineage() {
          batcher ??= createBatchAuthorizer({ signer, maxDelayMs: 0 });
          return undefined;
        },
      }),
    );
    expect(single).toBeInstanceOf(TypeError);
    expect((single as Error).message).toMatch(/^authorize: /);
    expect((single as Error).message).toMatch(TAKEN);
    expect(signer.head).toEqual(GENESIS_LINK);
    expect(batcher!.authorizeBatch(policy, [ADMIN_OK])[0]!.statement.lineage).toEqual(GENESIS_LINK);
  });

  it("authorize: one made from the request's getter or the policy's decide has the chain; nothing is recorded or issued", () => {
    const recorded: string[] = [];
    const lineage = { append: (artifact: string) => void recorded.push(artifact) };
    // from a getter of the request
    const signer = createSigner(key);
    let batcher: ReturnType<typeof createBatchAuthorizer> | undefined;
    const request = {
      ...ADMIN_OK,
      get principal() {
        batcher ??= createBatchAuthorizer({ signer, maxDelayMs: 0 });
        return ADMIN_OK.principal;
      },
    };
    const single = thrown(() => authorize(policy, request, { signer, lineage }));
    expect(single).toBeInstanceOf(TypeError);
    expect((single as Error).message).toMatch(TAKEN);
    expect(batcher!.authorizeBatch(policy, [ADMIN_OK])[0]!.statement.lineage).toEqual(GENESIS_LINK);
    // from the policy's decide
    const other = createSigner(key);
    let deciding: ReturnType<typeof createBatchAuthorizer> | undefined;
    const taking = fakePolicy({ decide: (r) => ((deciding ??= createBatchAuthorizer({ signer: other, maxDelayMs: 0 })), policy.decide(r)) });
    const decided = thrown(() => authorize(taking, ADMIN_OK, { signer: other, lineage }));
    expect(decided).toBeInstanceOf(TypeError);
    expect((decided as Error).message).toMatch(TAKEN);
    expect(deciding!.authorizeBatch(policy, [ADMIN_OK])[0]!.statement.lineage).toEqual(GENESIS_LINK);
    expect(recorded).toEqual([]);
    expect([signer.head, other.head]).toEqual([GENESIS_LINK, GENESIS_LINK]);
  });

  it("guard: one made from the request's getter or the policy's decide is bad_options, nothing recorded, the action not run", async () => {
    const recorded: string[] = [];
    const lineage = { append: (artifact: string) => void recorded.push(artifact) };
    let ran = false;
    const action = () => (ran = true);
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => "ran",
        (e: unknown) => e,
      );
    const signer = createSigner(key);
    let batcher: ReturnType<typeof createBatchAuthorizer> | undefined;
    const request = {
      ...ADMIN_OK,
      get principal() {
        batcher ??= createBatchAuthorizer({ signer, maxDelayMs: 0 });
        return ADMIN_OK.principal;
      },
    };
    const fromGetter = await refusal(guard(policy, request, action, { signer, lineage }));
    expect(fromGetter).toBeInstanceOf(GuardError);
    expect((fromGetter as GuardError).code).toBe("bad_options");
    expect((fromGetter as GuardError).reasons.join("; ")).toMatch(TAKEN);
    expect(batcher!.authorizeBatch(policy, [ADMIN_OK])[0]!.statement.lineage).toEqual(GENESIS_LINK);
    const other = createSigner(key);
    let deciding: ReturnType<typeof createBatchAuthorizer> | undefined;
    const taking = fakePolicy({ decide: (r) => ((deciding ??= createBatchAuthorizer({ signer: other, maxDelayMs: 0 })), policy.decide(r)) });
    const fromDecide = await refusal(guard(taking, ADMIN_OK, action, { signer: other, lineage }));
    expect(fromDecide).toBeInstanceOf(GuardError);
    expect((fromDecide as GuardError).code).toBe("bad_options");
    expect((fromDecide as GuardError).reasons.join("; ")).toMatch(TAKEN);
    expect(deciding!.authorizeBatch(policy, [ADMIN_OK])[0]!.statement.lineage).toEqual(GENESIS_LINK);
    expect(recorded).toEqual([]);
    expect(ran).toBe(false);
  });

  it("createBatchAuthorizer from authorize's lineage sink, while it records that signer's artifact, is refused; the chain goes on after it", () => {
    const signer = createSigner(key);
    const refusals: unknown[] = [];
    const single = authorize(policy, ADMIN_OK, {
      signer,
      lineage: { append: () => void refusals.push(thrown(() => createBatchAuthorizer({ signer, maxDelayMs: 0 }))) },
    });
    expect(single.statement.lineage).toEqual(GENESIS_LINK);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toBeInstanceOf(TypeError);
    expect((refusals[0] as Error).message).toMatch(/^createBatchAuthorizer: the lineage sink of authorize \(or guard\) is recording an artifact of this signer/);
    // not taken by the refused one: a batch authorizer made now continues after the recorded artifact
    const batcher = createBatchAuthorizer({ signer, maxDelayMs: 0 });
    expect(batcher.authorizeBatch(policy, [USER_DENIED])[0]!.statement.lineage).toEqual({ seq: 1, prev: chainHeadAfter(single.artifact).prev });
  });
});
