// authorizeBatch, the synchronous way into batched signing: for the same requests, clock, key and
// random ids it issues byte for byte what the promise-per-decision path issues (artifacts, statements
// and lineage log files), splits at maxBatch, keeps the chain in order with the open async batch,
// and a batch that fails is not issued.

import { afterEach, describe, expect, it, vi } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { replayArtifact } from "../../runtime/trust/replay.js";
import { createBatchAuthorizer, type BatchAuthorizerOptions, type BatchedAuthorization } from "../../runtime/trust/batch.js";
import { verifyBatchedArtifact } from "../../runtime/trust/batch-artifact.js";
import { verifyArtifact } from "../../runtime/trust/verify-artifact.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { randomId } from "../../runtime/trust/statement.js";
import { openLog } from "../../runtime/trust/lineage.js";
import { verifyLog } from "../../runtime/trust/lineage-verify.js";
import { mulberry32 } from "../../bench/prng.js";
import { ADMIN_OK, TOO_MUCH, USER_DENIED, fakePolicy } from "./fake-policy.js";
import { tempDir } from "../support/temp-dir.js";
import { withSampleSeed } from "../support/arbitraries/replay.js";

const key = generateKeyPair();
const trustedKeys = [key.publicKey];
const policy = fakePolicy();
const FILE = "test/trust/batch-sync.test.ts";
const dir = tempDir("lineage");
afterEach(() => vi.restoreAllMocks());
const clock = () => new Date(Date.UTC(2026, 10, 28, 12, 0, 0));

const requestArb = fc.oneof(
  fc.record({ principal: fc.record({ role: fc.constantFrom("admin", "user") }), amount: fc.integer({ min: 0, max: 3000 }), tag: fc.string() }),
  fc.constantFrom<unknown>(ADMIN_OK, USER_DENIED, TOO_MUCH, null, { amount: "x" }),
);

/**
 * Makes the id pool deterministic: the CSPRNG is replaced by a seeded generator, and ids are drawn
 * until the pool refills, so the next run starts on a freshly filled pool whatever came before.
 */
function deterministicIds(seed: number): void {
  const prng = mulberry32(seed);
  let fills = 0;
  vi.spyOn(globalThis.crypto, "getRandomValues").mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
    const bytes = new Uint8Array(array!.buffer, array!.byteOffset, array!.byteLength);
    for (let i = 0; i < bytes.length; i++) bytes[i] = prng.int(256);
    fills++;
    return array;
  });
  // Draw until the pool refills; the draw that refilled it is the one we skip in every run.
  for (let before = fills; fills === before; ) randomId();
}

async function viaPromises(requests: readonly unknown[], options: Omit<BatchAuthorizerOptions, "signer">, seed: number, logPath?: string): Promise<BatchedAuthorization[]> {
  const log = logPath === undefined ? undefined : openLog(logPath, { fsync: "never" });
  deterministicIds(seed);
  const batcher = createBatchAuthorizer({ ...options, signer: createSigner(key), now: clock, ...(log ? { lineage: log } : {}) });
  const all = Promise.all(requests.map((r) => batcher.authorize(policy, r)));
  batcher.flush();
  const results = await all;
  vi.restoreAllMocks();
  log?.close();
  return results;
}

function viaBatch(requests: readonly unknown[], options: Omit<BatchAuthorizerOptions, "signer">, seed: number, logPath?: string): BatchedAuthorization[] {
  const log = logPath === undefined ? undefined : openLog(logPath, { fsync: "never" });
  deterministicIds(seed);
  const batcher = createBatchAuthorizer({ ...options, signer: createSigner(key), now: clock, ...(log ? { lineage: log } : {}) });
  const results = batcher.authorizeBatch(policy, requests);
  vi.restoreAllMocks();
  log?.close();
  return results;
}

describe("authorizeBatch", () => {
  it("issues byte for byte what the promise path issues, on random requests and batch sizes", () =>
    withSampleSeed(FILE, async (sampleSeed) => {
      const cases = fc.sample(fc.tuple(fc.array(requestArb, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 9 }), fc.integer()), { numRuns: 12, seed: sampleSeed });
      for (const [requests, maxBatch, seed] of cases) {
        const a = await viaPromises(requests, { maxBatch, maxDelayMs: 60_000 }, seed);
        const b = viaBatch(requests, { maxBatch }, seed);
        expect(b.map((r) => r.artifact)).toEqual(a.map((r) => r.artifact));
        expect(b.map((r) => r.statement)).toEqual(a.map((r) => r.statement));
        expect(b.map((r) => r.decision)).toEqual(a.map((r) => r.decision));
      }
    }));

  it("writes the same lineage log, byte for byte, and the log verifies", () =>
    withSampleSeed(FILE, async (sampleSeed) => {
      const requests = fc.sample(requestArb, { numRuns: 23, seed: sampleSeed });
      const a = join(dir, "promises.jsonl");
      const b = join(dir, "batch.jsonl");
      await viaPromises(requests, { maxBatch: 5, maxDelayMs: 60_000 }, 7, a);
      viaBatch(requests, { maxBatch: 5 }, 7, b);
      expect(readFileSync(b, "utf8")).toBe(readFileSync(a, "utf8"));
      expect(verifyLog(b, { trustedKeys })).toMatchObject({ ok: true, records: 23, batched: 23 });
    }));

  it("splits at maxBatch; every artifact verifies against its request; an empty list signs nothing", () => {
    const batcher = createBatchAuthorizer({ signer: createSigner(key), maxBatch: 4 });
    expect(batcher.authorizeBatch(policy, [])).toEqual([]);
    expect(batcher.head).toEqual({ seq: 0, prev: null });
    const requests = Array.from({ length: 10 }, (_, i) => [ADMIN_OK, USER_DENIED, TOO_MUCH][i % 3]);
    const results = batcher.authorizeBatch(policy, requests);
    const sizes = results.map((r) => (JSON.parse(r.artifact) as { head: string }).head).map((h) => JSON.parse(Buffer.from(h.split(".")[1]!, "base64url").toString()).size);
    expect(sizes).toEqual([4, 4, 4, 4, 4, 4, 4, 4, 2, 2]);
    results.forEach((r, i) => {
      expect(verifyBatchedArtifact(r.artifact, { trustedKeys, request: requests[i] }).ok).toBe(true);
      expect(r.statement.lineage.seq).toBe(i);
    });
    expect(batcher.head.seq).toBe(10);
    expect(batcher.pending).toBe(0);
  });

  it("closes the open batch of authorize first, so the chain stays in order", async () => {
    const batcher = createBatchAuthorizer({ signer: createSigner(key), maxBatch: 8, maxDelayMs: 60_000 });
    const early = [batcher.authorize(policy, ADMIN_OK), batcher.authorize(policy, USER_DENIED)];
    expect(batcher.pending).toBe(2);
    const now = batcher.authorizeBatch(policy, [TOO_MUCH]);
    expect(batcher.pending).toBe(0);
    const [e0, e1] = await Promise.all(early);
    expect([e0!.statement.lineage.seq, e1!.statement.lineage.seq, now[0]!.statement.lineage.seq]).toEqual([0, 1, 2]);
    const later = batcher.authorize(policy, ADMIN_OK);
    batcher.flush();
    expect((await later).statement.lineage.seq).toBe(3);
  });

  it("a batch the lineage sink refuses is not issued; the batches before it were, and the chain continues after them", () => {
    let batches = 0;
    const refusingSecond = {
      appendMany: () => {
        batches++;
        if (batches === 2) throw new Error("disk full");
      },
    };
    const batcher = createBatchAuthorizer({ signer: createSigner(key), maxBatch: 3, lineage: refusingSecond });
    expect(() => batcher.authorizeBatch(policy, [ADMIN_OK, ADMIN_OK, ADMIN_OK, ADMIN_OK, ADMIN_OK])).toThrow("disk full");
    expect(batcher.head.seq).toBe(3);
    expect(batcher.authorizeBatch(policy, [USER_DENIED])[0]!.statement.lineage.seq).toBe(3);
  });

  it("a sink or clock that throws null or undefined: every promise rejects with what was thrown, as authorizeBatch throws it", async () => {
    for (const thrown of [null, undefined]) {
      const throwing = { appendMany: () => { throw thrown; } };
      let reads = 0;
      const lateClock = () => {
        if (++reads > 1) throw thrown;
        return clock();
      };
      for (const options of [{ lineage: throwing }, { now: lateClock }] as Partial<BatchAuthorizerOptions>[]) {
        reads = 0;
        const batcher = createBatchAuthorizer({ signer: createSigner(key), ...options });
        const pending = [batcher.authorize(policy, ADMIN_OK), batcher.authorize(policy, USER_DENIED)];
        batcher.flush();
        const outcomes = await Promise.allSettled(pending);
        expect(outcomes).toEqual([{ status: "rejected", reason: thrown }, { status: "rejected", reason: thrown }]);
        expect(batcher.head).toEqual({ seq: 0, prev: null });
        reads = 0;
        let synchronous: unknown = "returned";
        try {
          batcher.authorizeBatch(policy, [ADMIN_OK]);
        } catch (e) {
          synchronous = e;
        }
        expect(synchronous).toBe(thrown);
      }
    }
  });

  it("a sink or clock that throws what cannot be looked at: every promise of a batch closed by flush or by its timer rejects with it, none left pending", async () => {
    const { proxy: revoked, revoke } = Proxy.revocable(new Error("clock down"), {});
    revoke();
    // a RangeError by its prototype whose `message` is code that throws: it cannot be told from V8's own error without running that code
    const sly = Object.create(RangeError.prototype, { message: { get: () => { throw new Error("message getter"); } } }) as object;
    const PENDING = Symbol("pending");
    const settledOrPending = (p: Promise<unknown>) => Promise.race([p.then((value) => ({ value }), (reason: unknown) => ({ reason })), new Promise((r) => setTimeout(() => r(PENDING), 500))]);
    for (const [name, thrown] of [["a revoked Proxy", revoked], ["a RangeError whose message getter throws", sly]] as const) {
      const throwing = { appendMany: () => { throw thrown; } };
      let reads = 0;
      const lateClock = () => {
        if (++reads > 2) throw thrown; // the two decisions read it, then the batch's seal
        return clock();
      };
      for (const [source, options] of [["sink", { lineage: throwing }], ["clock", { now: lateClock }]] as [string, Partial<BatchAuthorizerOptions>][]) {
        for (const closedBy of ["flush", "timer"]) {
          reads = 0;
          const batcher = createBatchAuthorizer({ signer: createSigner(key), maxDelayMs: 1, ...options });
          const pending = [batcher.authorize(policy, ADMIN_OK), batcher.authorize(policy, USER_DENIED)];
          if (closedBy === "flush") batcher.flush();
          const outcomes = await Promise.all(pending.map(settledOrPending));
          for (const outcome of outcomes) {
            expect(outcome, `${name} thrown by the ${source}, batch closed by ${closedBy}`).not.toBe(PENDING);
            expect((outcome as { reason?: unknown }).reason === thrown, `${name} thrown by the ${source}, batch closed by ${closedBy}: rejected with it`).toBe(true);
          }
          expect(batcher.head).toEqual({ seq: 0, prev: null });
          expect(batcher.pending).toBe(0);
        }
      }
    }
  });

  it("refuses a sink whose appendMany returns an object whose `then` cannot be read, as one returning a promise: a TypeError saying what it returned, nothing issued", async () => {
    // the sink recorded the batch and then returned it: V8's or the getter's own error was thrown
    // to the host, saying nothing of the sink
    const revoked = () => {
      const r = Proxy.revocable({}, {});
      r.revoke();
      return r.proxy;
    };
    const cases: [string, () => unknown, RegExp][] = [
      ["a revoked Proxy", revoked, /reading it threw: Cannot perform 'get' on a proxy that has been revoked\)$/],
      ["a getter that throws", () => ({ get then() { throw new Error("no then here"); } }), /reading it threw: no then here\)$/],
    ];
    for (const [name, returned, detail] of cases) {
      const recorded: unknown[] = [];
      const lineage = { appendMany: (entries: readonly unknown[]) => (recorded.push(...entries), returned()) as never };
      const batcher = createBatchAuthorizer({ signer: createSigner(key), lineage });
      let thrown: unknown;
      try {
        batcher.authorizeBatch(policy, [ADMIN_OK]);
      } catch (e) {
        thrown = e;
      }
      expect(thrown, name).toBeInstanceOf(TypeError);
      expect((thrown as Error).message, name).toMatch(/^the lineage sink's appendMany returned an object whose `then` could not be read, which may be a promise: lineage sinks record synchronously, so nothing was issued \(/);
      expect((thrown as Error).message, name).toMatch(detail);
      expect(batcher.head, name).toEqual({ seq: 0, prev: null });
      // a batch closed by flush: every promise rejects with the same refusal
      const pending = batcher.authorize(policy, ADMIN_OK);
      batcher.flush();
      const rejected = await pending.then(() => undefined, (e: unknown) => e);
      expect(rejected, name).toBeInstanceOf(TypeError);
      expect((rejected as Error).message, name).toBe((thrown as Error).message);
      expect(batcher.head, name).toEqual({ seq: 0, prev: null });
      expect(recorded, name).toHaveLength(2);
    }
  });

  it("a batched artifact replays like a JWS one", () => {
    const [allowed] = createBatchAuthorizer({ signer: createSigner(key) }).authorizeBatch(policy, [ADMIN_OK]);
    expect(replayArtifact(allowed!.artifact, ADMIN_OK, policy)).toEqual({ ok: true });
    const other = replayArtifact(allowed!.artifact, USER_DENIED, policy);
    expect(other.ok === false && other.differences.map((d) => d.split(":")[0])).toEqual(["request", "decision", "rules"]);
  });

  it("refuses a sink that cannot record a batch all or none, and one that records asynchronously", () => {
    expect(() => createBatchAuthorizer({ signer: createSigner(key), lineage: { append: () => {} } as never })).toThrow(/must have appendMany/);
    const later = createBatchAuthorizer({ signer: createSigner(key), lineage: { appendMany: () => Promise.reject(new Error("db down")) as never } });
    expect(() => later.authorizeBatch(policy, [ADMIN_OK])).toThrow(/returned a promise/);
    expect(later.head).toEqual({ seq: 0, prev: null });
    expect(() => later.authorizeBatch(policy, new Set([ADMIN_OK]) as never)).toThrow(/an array/);
    expect(() => createBatchAuthorizer({ signer: createSigner(key), maxDelayMs: 2 ** 31 })).toThrow(RangeError);
    expect(() => createBatchAuthorizer({ signer: createSigner(key), maxDelayMs: Infinity })).toThrow(RangeError);
  });

  it("refuses a call back from the lineage sink while it records a batch; the authorizer goes on", async () => {
    const path = join(dir, `reentrant-sink-${randomId()}.jsonl`);
    const log = openLog(path, { fsync: "never" });
    let batcher: ReturnType<typeof createBatchAuthorizer>;
    let inner: Promise<unknown> | undefined;
    let innerSync: unknown;
    const sink = {
      appendMany(entries: Parameters<typeof log.appendMany>[0]) {
        log.appendMany(entries);
        if (inner === undefined) {
          inner = batcher.authorize(policy, ADMIN_OK);
          try {
            batcher.authorizeBatch(policy, [ADMIN_OK]);
          } catch (e) {
            innerSync = e;
          }
        }
      },
    };
    batcher = createBatchAuthorizer({ signer: createSigner(key, { head: log.head().chain }), maxBatch: 2, maxDelayMs: 1, lineage: sink, now: clock });
    await Promise.all([batcher.authorize(policy, ADMIN_OK), batcher.authorize(policy, TOO_MUCH)]);
    await expect(inner).rejects.toThrow(/authorize was called back while the batch authorizer was sealing a batch/);
    expect(String(innerSync)).toMatch(/authorizeBatch was called back/);
    // the chain head is where the log is, and the authorizer keeps issuing
    expect(batcher.head.seq).toBe(2);
    const later = await Promise.all([batcher.authorize(policy, USER_DENIED), batcher.authorize(policy, ADMIN_OK)]);
    for (const r of later) expect(verifyBatchedArtifact(r.artifact, { trustedKeys, now: clock() }).ok).toBe(true);
    log.close();
    expect(verifyLog(path, { trustedKeys })).toMatchObject({ ok: true, records: 4 });
  });

  it("refuses a call back from a policy while authorizeBatch decides; every artifact it issues verifies", () => {
    let batcher: ReturnType<typeof createBatchAuthorizer>;
    let inner: Promise<unknown> | undefined;
    const calling = { ...policy, decide(request: unknown) {
      if (inner === undefined) {
        inner = batcher.authorize(policy, ADMIN_OK);
        inner.catch(() => {});
      }
      return policy.decide(request);
    } };
    batcher = createBatchAuthorizer({ signer: createSigner(key), now: clock });
    const issued = batcher.authorizeBatch(calling, [ADMIN_OK, TOO_MUCH, USER_DENIED]);
    expect(issued.map((r) => r.statement.lineage.seq)).toEqual([0, 1, 2]);
    for (const r of issued) expect(verifyBatchedArtifact(r.artifact, { trustedKeys, now: clock() }).ok).toBe(true);
    return expect(inner).rejects.toThrow(/authorize was called back while the batch authorizer was running authorizeBatch/);
  });

  it("refuses a call back from a policy's getter, its decide or the clock while the promise path states a decision; what it issues verifies and is recorded", async () => {
    const path = join(dir, `reentrant-prepare-${randomId()}.jsonl`);
    const log = openLog(path, { fsync: "never" });
    let batcher: ReturnType<typeof createBatchAuthorizer>;
    const refused: unknown[] = [];
    // each call back is tried once, from where host code runs while a decision is made and stated
    const callBack = () => {
      const inner = batcher.authorize(policy, ADMIN_OK);
      inner.catch((e: unknown) => refused.push(e));
      for (const call of [() => batcher.flush(), () => batcher.authorizeBatch(policy, [ADMIN_OK])]) {
        try {
          call();
        } catch (e) {
          refused.push(e);
        }
      }
    };
    let times = 0;
    const calling = {
      decide: (request: unknown) => (callBack(), policy.decide(request)),
      get name() {
        callBack();
        return policy.name;
      },
      get version() {
        callBack();
        return policy.version;
      },
      get digests() {
        callBack();
        return policy.digests;
      },
      manifest: policy.manifest,
      module: policy.module,
    };
    batcher = createBatchAuthorizer({ signer: createSigner(key, { head: log.head().chain }), maxBatch: 4, maxDelayMs: 1, lineage: log, now: () => (times++ < 3 && callBack(), clock()) });
    const issued = await Promise.all([batcher.authorize(calling as never, ADMIN_OK), batcher.authorize(calling as never, TOO_MUCH)]);
    expect(issued.map((r) => r.statement.lineage.seq)).toEqual([0, 1]);
    for (const r of issued) expect(verifyBatchedArtifact(r.artifact, { trustedKeys, now: clock() }).ok).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 0));
    // (the clock is read when a batch is sealed too: those calls are refused as the sink's are)
    for (const e of refused) expect(String(e)).toMatch(/(authorize|flush|authorizeBatch) was called back while the batch authorizer was (deciding a request|sealing a batch)/);
    // three calls refused for each of decide, name, version, digests and the clock, for each decision
    expect(refused.filter((e) => String(e).includes("deciding a request")).length).toBeGreaterThanOrEqual(2 * 5 * 3);
    expect(batcher.head.seq).toBe(2);
    log.close();
    expect(verifyLog(path, { trustedKeys })).toMatchObject({ ok: true, records: 2 });
  });

  it("takes the clock as a Date too, as the verifiers do", () => {
    const at = new Date(Date.now() - 60_000);
    const [issued] = createBatchAuthorizer({ signer: createSigner(key), now: at }).authorizeBatch(policy, [ADMIN_OK]);
    expect(issued!.statement.iat).toBe(Math.floor(at.getTime() / 1000));
    // and the verifiers take a function as authorize does
    expect(verifyBatchedArtifact(issued!.artifact, { trustedKeys: [key.publicKey], now: () => at }).ok).toBe(true);
    expect(verifyArtifact(issued!.artifact, { trustedKeys: [key.publicKey], now: () => new Date(at.getTime() + 3_600_000) })).toMatchObject({ ok: false, code: "expired" });
  });

  it("a clock that returns an invalid Date throws a RangeError and issues nothing", () => {
    const batcher = createBatchAuthorizer({ signer: createSigner(key), now: () => new Date(NaN) });
    expect(() => batcher.authorizeBatch(policy, [ADMIN_OK])).toThrow(RangeError);
    expect(batcher.head).toEqual({ seq: 0, prev: null });
  });
});
