// authorize, authorizeRead and authorizeBatch called near the end of the host's stack. Where the call
// begins, it either issues an artifact that verifies, or throws what authorize documents: an Error
// saying the stack ran out (or the lineage log's own error), never V8's bare RangeError. And whatever
// it does, the signer's head and the lineage sink stay one chain: no seq taken without an artifact,
// no artifact recorded that the signer did not advance past, none issued that was not recorded.
// Each test sweeps the call up from the edge (test/support/stack-edge.ts).

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { authorize, authorizeRead, type Authorization } from "../../runtime/trust/authorize.js";
import { createBatchAuthorizer, type BatchedAuthorization } from "../../runtime/trust/batch.js";
import { verifyBatchedArtifact } from "../../runtime/trust/batch-artifact.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { openLog, type LineageLog } from "../../runtime/trust/lineage.js";
import { LineageError } from "../../runtime/trust/lineage-error.js";
import { verifyLog } from "../../runtime/trust/lineage-verify.js";
import { readRequest, requestSchemaOf } from "../../runtime/trust/request-digest.js";
import { chainHeadAfter, createSigner, GENESIS, type Signer } from "../../runtime/trust/signer.js";
import type { ChainHead, Statement } from "../../runtime/trust/types.js";
import { verifyArtifact } from "../../runtime/trust/verify-artifact.js";
import { ADMIN_OK, USER_DENIED, fakePolicy } from "./fake-policy.js";
import { tempDir } from "../support/temp-dir.js";
import { sweepUp, thrownFromInside } from "../support/stack-edge.js";

const issuer = generateKeyPair();
const trustedKeys = [issuer.publicKey];
const policy = fakePolicy();

const RAN_OUT = /the host's stack ran out/;
/** the lineage log's own failure for an append whose record may be in the file (lineage-append.ts) */
const TAKES_NO_MORE = /takes no more appends/;

/**
 * What a call near the edge threw, sorted: `bare` for V8's RangeError thrown from inside the runtime
 * (the defect), `none` for nothing or for a call that could not begin (which any call can fail so),
 * and otherwise the error itself, which the caller checks.
 */
function sortThrown(thrown: unknown): { kind: "none" } | { kind: "bare"; e: unknown } | { kind: "error"; e: unknown } {
  if (thrown === undefined) return { kind: "none" };
  const stackMessage = thrown instanceof RangeError && thrown.message === "Maximum call stack size exceeded";
  if (stackMessage) return thrownFromInside(thrown) ? { kind: "bare", e: thrown } : { kind: "none" };
  return { kind: "error", e: thrown };
}

/** An error thrown at the edge must be the runtime's own Error saying the stack ran out, never V8's RangeError. */
function expectRanOutError(thrown: unknown): Error {
  const e = thrown as Error;
  expect(e, String(e.stack)).toBeInstanceOf(Error);
  expect(e).not.toBeInstanceOf(RangeError);
  expect(e.message).toMatch(RAN_OUT);
  return e;
}

type Entry = { artifact: string; statement: Statement };

/** Where an error was thrown: its top frames, for a failure's message. */
const topFrames = (e: unknown): string =>
  String((e as Error).stack)
    .split("\n")
    .slice(1, 5)
    .map((f) => f.trim())
    .join(" < ");

/** Where the chain continues after `entries` (genesis for none): what the signer's head must be. */
function headAfterEntries(entries: readonly Entry[]): ChainHead {
  const last = entries[entries.length - 1];
  return last === undefined ? GENESIS : chainHeadAfter(last.artifact, last.statement);
}

/**
 * Appends what a sink was given, each call's entries at once, to a new log with stack to spare (the
 * log refuses a seq gap, a repeat or a fork) and verifies it.
 */
function verifiedAsOneChain(appends: readonly (readonly Entry[])[]) {
  const path = join(tempDir("authorize-stack-edge"), "replayed.jsonl");
  const log = openLog(path, { fsync: "never" });
  for (const entries of appends) log.appendMany(entries);
  log.close();
  return verifyLog(path, { trustedKeys });
}

type Issue = (signer: Signer, lineage: { append(artifact: string, statement: Statement): void }) => Authorization;

const calls: Record<string, Issue> = {
  authorize: (signer, lineage) => authorize(policy, ADMIN_OK, { signer, lineage }),
  authorizeRead: (signer, lineage) => authorizeRead(policy, read, { signer, lineage }),
};
// read with stack to spare: what is swept is the issuing, not the reading
const read = readRequest(ADMIN_OK, undefined, requestSchemaOf(policy));

/** Recurses `n` calls deep: stack a sink takes of its own. */
const deep = (n: number): number => (n === 0 ? 0 : 1 + deep(n - 1));

/** Sinks of the host's, each recording into `recorded`. */
const sinks: Record<string, (recorded: Entry[]) => { append(artifact: string, statement: Statement): void }> = {
  // as simple as a sink can be: little stack, so that the edge is reached after it returns too
  "a sink of the host's": (recorded) => ({ append: (artifact, statement) => void recorded.push({ artifact, statement }) }),
  // one that may run out of stack after recording: the artifact is then on record, not issued
  "a sink that takes stack after recording": (recorded) => ({
    append: (artifact, statement) => {
      recorded.push({ artifact, statement });
      deep(50);
    },
  }),
};

const BEFORE_RECORDING = /^authorize did not finish: the host's stack ran out before the artifact was recorded .*nothing was issued or recorded/;
const WHILE_RECORDING = /^authorize did not finish: the host's stack ran out while the lineage sink was recording the artifact .*the sink may hold a record of it/;

describe("authorize at the edge of the host's stack", () => {
  for (const [name, call] of Object.entries(calls))
    for (const [sinkName, makeSink] of Object.entries(sinks))
      it(`${name} with ${sinkName}: issues an artifact that verifies, or throws an Error saying the stack ran out and what was recorded; the signer and the sink stay one chain`, () => {
        let signer = createSigner(issuer);
        const recorded: Entry[] = [];
        const sink = makeSink(recorded);
        const bare: unknown[] = [];
        const issued: Authorization[] = [];
        const thrown = { before: 0, heldAnyway: 0 };
        const began = sweepUp((run) => {
          const before = recorded.length;
          const head = signer.head;
          let got: Authorization | undefined;
          const sorted = sortThrown(run(() => (got = call(signer, sink))).thrown);
          if (sorted.kind === "bare") bare.push(sorted.e);
          if (sorted.kind === "error") {
            const e = sorted.e as Error;
            expect(e, String(e.stack)).toBeInstanceOf(Error);
            expect(e).not.toBeInstanceOf(RangeError);
            expect(Object.isFrozen(e)).toBe(true);
            expect(signer.head).toBe(head); // not moved
            if (BEFORE_RECORDING.test(e.message)) {
              thrown.before++;
              expect(recorded.length).toBe(before);
            } else {
              expect(e.message).toMatch(WHILE_RECORDING);
              if (recorded.length > before) {
                // on record, not issued: as the error says, the signer continues from what the sink holds
                thrown.heldAnyway++;
                signer = createSigner(issuer, { head: headAfterEntries(recorded) });
              }
            }
          }
          if (got !== undefined) {
            issued.push(got);
            expect(recorded.length).toBe(before + 1);
            expect(recorded[before]!.artifact).toBe(got.artifact);
            expect(verifyArtifact(got.artifact, { trustedKeys, request: ADMIN_OK })).toMatchObject({ ok: true });
          }
          // whatever happened: the signer continues from the last artifact the sink holds, and only from it
          expect(signer.head).toEqual(headAfterEntries(recorded));
          return got !== undefined;
        });
        expect(began).toBeGreaterThan(0);
        expect(bare.map(topFrames)).toEqual([]);
        expect(thrown.before).toBeGreaterThan(0); // the edge was reached
        if (sinkName !== "a sink of the host's") expect(thrown.heldAnyway).toBeGreaterThan(0); // in the sink, after it recorded
        // with stack to spare, the chain goes on, and what the sink holds is one chain of what was
        // issued (and what it held of calls that threw saying it may)
        issued.push(call(signer, sink));
        expect(recorded.length).toBe(issued.length + thrown.heldAnyway);
        expect(issued.every((a) => recorded.some((r) => r.artifact === a.artifact))).toBe(true);
        expect(verifiedAsOneChain(recorded.map((r) => [r]))).toMatchObject({ ok: true, records: recorded.length });
      });

  it("authorize with a lineage log: the log and the signer stay one chain, and the log verifies", () => {
    const path = join(tempDir("authorize-stack-edge"), "authorized.jsonl");
    let log: LineageLog = openLog(path, { fsync: "never" });
    let signer = createSigner(issuer);
    const bare: unknown[] = [];
    let ranOut = 0;
    const began = sweepUp((run) => {
      const records = log.head().records;
      const options = { signer, lineage: log };
      let got: Authorization | undefined;
      const sorted = sortThrown(run(() => (got = authorize(policy, USER_DENIED, options))).thrown);
      if (sorted.kind === "bare") bare.push(sorted.e);
      if (sorted.kind === "error") {
        const e = expectRanOutError(sorted.e);
        ranOut++;
        if (e instanceof LineageError && TAKES_NO_MORE.test(e.message)) {
          // as the log's error says: opened again, it reads the file, which may hold the record;
          // the signer continues from what the log holds (docs/artifacts.md, "Chains")
          log.close();
          log = openLog(path, { fsync: "never" });
          signer = createSigner(issuer, { head: log.head().chain });
        } else expect(log.head().records).toBe(records); // nothing was recorded
      }
      if (got !== undefined) {
        expect(log.head().records).toBe(records + 1);
        expect(verifyArtifact(got.artifact, { trustedKeys, request: USER_DENIED })).toMatchObject({ ok: true });
      }
      expect(signer.head).toEqual(log.head().chain);
      return got !== undefined;
    });
    expect(began).toBeGreaterThan(0);
    expect(bare.map(topFrames)).toEqual([]);
    expect(ranOut).toBeGreaterThan(0); // the edge was reached
    authorize(policy, ADMIN_OK, { signer, lineage: log });
    const records = log.head().records;
    log.close();
    expect(verifyLog(path, { trustedKeys })).toMatchObject({ ok: true, records });
  });
});

describe("authorizeBatch at the edge of the host's stack", () => {
  const requests = [ADMIN_OK, USER_DENIED, ADMIN_OK];

  /** Checks what one sweep step gave: artifacts that verify, or an error saying the stack ran out. */
  function checkOutcome(got: BatchedAuthorization[] | undefined, thrown: unknown, bare: unknown[]): "issued" | "ran out" | "none" {
    const sorted = sortThrown(thrown);
    if (sorted.kind === "bare") bare.push(sorted.e);
    if (sorted.kind === "error") {
      expectRanOutError(sorted.e);
      return "ran out";
    }
    if (got === undefined) return "none";
    expect(got).toHaveLength(requests.length);
    got.forEach((a, i) => expect(verifyBatchedArtifact(a.artifact, { trustedKeys, request: requests[i] })).toMatchObject({ ok: true }));
    return "issued";
  }

  it("with a sink of the host's: issues every artifact, or throws an Error saying the stack ran out; the authorizer and the sink stay one chain", () => {
    // each call's entries as given (seal makes a list of them per batch): all of a batch or none
    const appends: (readonly Entry[])[] = [];
    const sink = { appendMany: (entries: readonly Entry[]) => void appends.push(entries) };
    const batcher = createBatchAuthorizer({ signer: createSigner(issuer), lineage: sink, maxDelayMs: 60_000 });
    const bare: unknown[] = [];
    let ranOut = 0;
    let issued = 0;
    const began = sweepUp((run) => {
      const before = appends.length;
      let got: BatchedAuthorization[] | undefined;
      const { thrown } = run(() => (got = batcher.authorizeBatch(policy, requests)));
      const outcome = checkOutcome(got, thrown, bare);
      if (outcome === "ran out") ranOut++;
      if (outcome === "issued") {
        issued += requests.length;
        expect(appends).toHaveLength(before + 1);
        expect(appends[before]!.map((r) => r.artifact)).toEqual(got!.map((a) => a.artifact));
      } else expect(appends).toHaveLength(before);
      expect(batcher.head).toEqual(headAfterEntries(appends.flat()));
      return outcome === "issued";
    });
    expect(began).toBeGreaterThan(0);
    expect(bare.map(topFrames)).toEqual([]);
    expect(ranOut).toBeGreaterThan(0); // the edge was reached
    issued += batcher.authorizeBatch(policy, requests).length;
    expect(verifiedAsOneChain(appends)).toMatchObject({ ok: true, records: issued });
  });

  it("with a lineage log: the log and the authorizer stay one chain, and the log verifies", () => {
    const path = join(tempDir("authorize-stack-edge"), "batched.jsonl");
    let log: LineageLog = openLog(path, { fsync: "never" });
    const authorizer = (head?: ChainHead) => createBatchAuthorizer({ signer: createSigner(issuer, { head }), lineage: log, maxDelayMs: 60_000 });
    let batcher = authorizer();
    const bare: unknown[] = [];
    let ranOut = 0;
    const began = sweepUp((run) => {
      const records = log.head().records;
      let got: BatchedAuthorization[] | undefined;
      const { thrown } = run(() => (got = batcher.authorizeBatch(policy, requests)));
      const outcome = checkOutcome(got, thrown, bare);
      if (outcome === "ran out") ranOut++;
      if (outcome === "ran out" && thrown instanceof LineageError && TAKES_NO_MORE.test(thrown.message)) {
        // as the log's error says (and the authorizer continues from what the log holds)
        log.close();
        log = openLog(path, { fsync: "never" });
        batcher = authorizer(log.head().chain);
      } else if (outcome === "issued") expect(log.head().records).toBe(records + requests.length);
      else expect(log.head().records).toBe(records); // nothing of the batch was recorded
      expect(batcher.head).toEqual(log.head().chain);
      return outcome === "issued";
    });
    expect(began).toBeGreaterThan(0);
    expect(bare.map(topFrames)).toEqual([]);
    expect(ranOut).toBeGreaterThan(0); // the edge was reached
    batcher.authorizeBatch(policy, requests);
    const records = log.head().records;
    log.close();
    expect(verifyLog(path, { trustedKeys })).toMatchObject({ ok: true, records });
  });
});
