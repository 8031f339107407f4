// The trust layer called near the end of the host's stack. A call there may fail (any call can, at
// the very edge), but it must fail as a whole: no batch taken and left with its promises pending, no
// lock file left behind by a close that returned, no failure remembered as if it were a fact about a
// schema or a key. Each test calls one operation from one frame above the edge after another, with
// 8 bytes more stack at each step, up to where it is done in full (test/support/stack-edge.ts).

import { spawnSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { RecordType } from "../../runtime/schema.js";
import { canonicalReaderFor } from "../../runtime/trust/jcs-codegen.js";
import { createBatchAuthorizer } from "../../runtime/trust/batch.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { openLog, tryOpenLog } from "../../runtime/trust/lineage.js";
import { LineageError } from "../../runtime/trust/lineage-error.js";
import { verifyLog } from "../../runtime/trust/lineage-verify.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { ADMIN_OK, USER_DENIED, fakePolicy } from "./fake-policy.js";
import { tempDir } from "../support/temp-dir.js";
import { sweepResults, sweepUp, sweepUpAsync, thrownFromInside } from "../support/stack-edge.js";
import { authorize } from "../../runtime/trust/authorize.js";
import { verifyArtifact } from "../../runtime/trust/verify-artifact.js";
import { verifyBatchedArtifact } from "../../runtime/trust/batch-artifact.js";
import { GuardError, guard } from "../../runtime/trust/guard.js";
import { canonicalJson } from "../../runtime/trust/jcs.js";

const issuer = generateKeyPair();
const policy = fakePolicy();

const RAN_OUT = /the host's stack ran out/;

describe("at the edge of the host's stack", () => {
  it("flush leaves no batch it took unsettled: every promise resolves, or rejects saying the stack ran out", async () => {
    const path = join(tempDir("stack-edge"), "batches.jsonl");
    const log = openLog(path, { fsync: "never" });
    const batcher = createBatchAuthorizer({ signer: createSigner(issuer), lineage: log, maxDelayMs: 60_000 });
    const states: { state: "pending" | "resolved" | "rejected"; reason?: unknown }[] = [];
    let thrownWithBatchTaken = 0;
    // as in a host that has run a while: clearing the batch's timer optimised, so that it takes less
    // stack than the handler that rejected a batch sealing had failed on
    for (let i = 0; i < 100_000; i++) clearTimeout(setTimeout(() => {}, 60_000));
    const began = sweepUp((run) => {
      for (const request of [ADMIN_OK, USER_DENIED]) {
        const s: (typeof states)[number] = { state: "pending" };
        states.push(s);
        batcher.authorize(policy, request).then(
          () => (s.state = "resolved"),
          (e: unknown) => ((s.state = "rejected"), (s.reason = e)),
        );
      }
      const records = log.head().records;
      const { thrown } = run(() => batcher.flush());
      // flush throws only when it could not begin: the batch is then still open, and closed here
      if (thrown !== undefined && batcher.pending === 0) thrownWithBatchTaken++;
      if (batcher.pending > 0) batcher.flush();
      return thrown === undefined && log.head().records === records + 2;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(began).toBeGreaterThan(0);
    expect(thrownWithBatchTaken).toBe(0);
    expect(states.filter((s) => s.state === "pending")).toHaveLength(0);
    const rejected = states.filter((s) => s.state === "rejected");
    expect(rejected.length).toBeGreaterThan(0); // the edge was reached: there, sealing ran out of stack
    for (const { reason } of rejected) expect((reason as Error).message).toMatch(/^the batch was not sealed: the host's stack ran out/);
    // what resolved was recorded, and nothing else was
    const records = log.head().records;
    expect(records).toBe(states.filter((s) => s.state === "resolved").length);
    log.close();
    expect(verifyLog(path, { trustedKeys: [issuer.publicKey] })).toMatchObject({ ok: true, records });
  });

  it("log.close removes the lock, or throws and removes it when called again: it never returns and leaves it", () => {
    const path = join(tempDir("stack-edge"), "closed.jsonl");
    const lock = `${path}.lock`;
    let leftBehind = 0;
    let threw = 0;
    const began = sweepUp((run) => {
      const log = openLog(path, { fsync: "never" });
      const { thrown } = run(() => log.close());
      if (thrown !== undefined) {
        // the host heard of it; closing again, with stack to spare, finishes the job
        threw++;
        log.close();
      }
      if (existsSync(lock)) {
        leftBehind++;
        rmSync(lock); // by hand, as an operator would, so that the sweep goes on
      }
      return thrown === undefined;
    });
    expect(began).toBeGreaterThan(0);
    expect(threw).toBeGreaterThan(0); // the edge was reached
    expect(leftBehind).toBe(0);
    // and the log opens again
    openLog(path, { fsync: "never" }).close();
  });

  it("a request schema whose canonical writer could not be made there gets one at the next call, not none for good", () => {
    // a schema object of its own each time: the writer is made once per schema object
    const schemaOfItsOwn = (): RecordType => ({
      kind: "record",
      fields: [
        { name: "amount", optional: false, type: { kind: "int" } },
        { name: "note", optional: true, type: { kind: "string", max: 16 } },
      ],
    });
    let missed = 0;
    let withoutWriter = 0;
    const began = sweepUp((run) => {
      const schema = schemaOfItsOwn();
      let made = false;
      run(() => {
        made = canonicalReaderFor(schema) !== undefined;
      });
      if (!made) missed++;
      // asked again with stack to spare, as the next authorize of the policy would
      if (canonicalReaderFor(schema) === undefined) withoutWriter++;
      return made;
    });
    expect(began).toBeGreaterThan(0);
    expect(missed).toBeGreaterThan(0); // the edge was reached: there, no writer could be made
    expect(withoutWriter).toBe(0);
  });

  it("a public key OpenSSL could not read there verifies at the next call, not refused for good", () => {
    // OpenSSL is the native path only where libsodium is not, so in a process told to use it
    const dir = tempDir("stack-edge");
    const ed25519 = fileURLToPath(new URL("../../runtime/crypto/ed25519.ts", import.meta.url));
    const support = fileURLToPath(new URL("../support/stack-edge.ts", import.meta.url));
    const script = join(dir, "verify-near-edge.mts");
    writeFileSync(
      script,
      `import { ed25519NativeBackend, ed25519PublicKey, ed25519Sign, ed25519Verify } from ${JSON.stringify(ed25519)};
import { sweepUp } from ${JSON.stringify(support)};
const seed = new Uint8Array(32).fill(7), message = new TextEncoder().encode("near the edge");
const signature = ed25519Sign(message, seed, "native"), publicKey = ed25519PublicKey(seed, "native");
let key = Uint8Array.from(publicKey), verified = false;
const verify = () => { verified = ed25519Verify(signature, message, key, "native"); };
let began = 0, missed = 0, refusedForGood = 0;
sweepUp((run) => {
  key = Uint8Array.from(publicKey); // a byte array of its own: the key is made once per array
  verified = false;
  if (run(verify).reached) began++;
  if (!verified) missed++;
  // asked again with stack to spare
  if (!ed25519Verify(signature, message, key, "native")) refusedForGood++;
  return verified;
});
console.log(JSON.stringify({ backend: ed25519NativeBackend(), began, missed, refusedForGood }));`,
    );
    const run = spawnSync(process.execPath, ["--import", "tsx", script], { encoding: "utf8", env: { ...process.env, WRIT_NATIVE_ED25519: "openssl" } });
    expect(run.stderr).toBe("");
    const found = JSON.parse(run.stdout) as { backend: string; began: number; missed: number; refusedForGood: number };
    expect(found.backend).toBe("openssl");
    expect(found.began).toBeGreaterThan(0);
    expect(found.missed).toBeGreaterThan(0); // the edge was reached: there, the signature could not be checked
    expect(found.refusedForGood).toBe(0);
  });

  it("verifyArtifact and verifyBatchedArtifact refuse what they could not finish checking, saying the stack ran out; they never throw", () => {
    const signer = createSigner(issuer);
    const { artifact } = authorize(policy, ADMIN_OK, { signer });
    const [batched] = createBatchAuthorizer({ signer: createSigner(issuer) }).authorizeBatch(policy, [ADMIN_OK]);
    const options = { trustedKeys: [issuer.publicKey], request: ADMIN_OK };
    const calls = {
      jws: () => verifyArtifact(artifact, options),
      batched: () => verifyArtifact(batched!.artifact, options),
      batchedOnly: () => verifyBatchedArtifact(batched!.artifact, options),
    };
    for (const [name, call] of Object.entries(calls)) {
      const { began, thrownInside, results } = sweepResults(call, (r) => r.ok);
      expect(began, name).toBeGreaterThan(0);
      expect(thrownInside, name).toEqual([]);
      const refused = results.filter((r) => !r.ok);
      expect(refused.length, name).toBeGreaterThan(0); // the edge was reached
      for (const r of refused) expect(r, name).toMatchObject({ ok: false, code: "malformed", message: expect.stringMatching(RAN_OUT) });
      // what was verified was verified in full, and a call with stack to spare verifies
      for (const r of results) if (r.ok) expect(r.statement.decision, name).toBe("allow");
      expect(call().ok, name).toBe(true);
    }
  });

  it("guard rejects only with a GuardError, carrying the artifact it issued, and the action does not run", async () => {
    const signer = createSigner(issuer);
    // An action whose call takes more of the stack than guard's own work: the caller fills a slot for
    // each of its 4,000 parameters (32 KB), as a host's action compiled at its first call takes
    // stack for the compiler. Called from guard's frame near the edge, the call failed before a line
    // of the action ran, after the allow was recorded and verified, and guard rejected with that
    // RangeError as though the action had thrown it.
    const parameters = Array.from({ length: 4_000 }, (_, i) => `p${i}`).join(", ");
    const actionFor = new Function("call", `return function theAction(${parameters}) { call.ran = true; }`) as (call: { ran: boolean }) => () => void;
    type Call = { promise: Promise<unknown> | undefined; ran: boolean; recorded: string[] };
    const calls: Call[] = [];
    const once = (): Call => {
      const call: Call = { promise: undefined, ran: false, recorded: [] };
      calls.push(call);
      const lineage = { append: (artifact: string) => void call.recorded.push(artifact) };
      const theAction = actionFor(call);
      call.promise = guard(policy, ADMIN_OK, theAction, { signer, lineage });
      return call;
    };
    for (let i = 0; i < 5; i++) await once().promise;
    calls.length = 0;
    let thrownInside = 0;
    // done in full when the action ran, which shows once guard's promise settles
    const began = await sweepUpAsync(async (run) => {
      let call: ReturnType<typeof once> | undefined;
      const { thrown } = run(() => {
        call = once();
      });
      if (thrown !== undefined && thrownFromInside(thrown)) thrownInside++;
      await call?.promise?.catch(() => {});
      return call?.ran === true;
    });
    // (a call of guard that could not begin threw, and returned no promise)
    const begun = calls.filter((c) => c.promise !== undefined);
    const outcomes = await Promise.all(begun.map((c) => c.promise!.then(() => null, (e: unknown) => e)));
    expect(began).toBeGreaterThan(0);
    expect(thrownInside).toBe(0);
    let ranOut = 0;
    outcomes.forEach((outcome, i) => {
      const { ran, recorded } = begun[i]!;
      if (outcome === null) return expect(ran).toBe(true);
      // Every rejection is guard's, wherever the stack ran out: the action's body cannot fail, and a
      // failure to call it is no error of its own.
      expect(outcome, String((outcome as Error).stack)).toBeInstanceOf(GuardError);
      expect(ran).toBe(false);
      const e = outcome as GuardError;
      // an allow recorded for an action that did not run is named on the error
      if (recorded.length > 0) {
        expect(e.artifact, e.message).toBe(recorded[0]);
        expect(e.code, e.message).toMatch(/^(artifact_invalid|lineage_failed)$/);
      }
      if (RAN_OUT.test(e.message)) ranOut++;
    });
    expect(ranOut).toBeGreaterThan(0); // the edge was reached
    const after = once();
    await after.promise;
    expect(after.ran).toBe(true);
  });

  it("canonicalJson refuses, saying the stack ran out, and never throws", () => {
    const value = { b: [1, 2.5, "three", { d: null, c: true }], a: "x\u0001" };
    const expected = '{"a":"x\\u0001","b":[1,2.5,"three",{"c":true,"d":null}]}';
    const { began, thrownInside, results } = sweepResults(() => canonicalJson(value), (r) => r.ok);
    expect(began).toBeGreaterThan(0);
    expect(thrownInside).toEqual([]);
    const refused = results.filter((r) => !r.ok);
    expect(refused.length).toBeGreaterThan(0); // the edge was reached
    for (const r of refused) expect(r).toMatchObject({ ok: false, path: "", reason: expect.stringMatching(RAN_OUT) });
    for (const r of results) if (r.ok) expect(r.text).toBe(expected);
    expect(canonicalJson(value)).toEqual({ ok: true, text: expected });
  });

  it("verifyLog says the log is unreadable, the stack having run out, and never throws", () => {
    const path = join(tempDir("stack-edge"), "verified.jsonl");
    const log = openLog(path, { fsync: "never" });
    const signer = createSigner(issuer);
    for (const request of [ADMIN_OK, USER_DENIED, ADMIN_OK]) authorize(policy, request, { signer, lineage: log });
    log.close();
    const options = { trustedKeys: [issuer.publicKey] };
    const { began, thrownInside, results } = sweepResults(() => verifyLog(path, options), (r) => r.ok);
    expect(began).toBeGreaterThan(0);
    expect(thrownInside).toEqual([]);
    const faults = results.filter((r) => !r.ok);
    expect(faults.length).toBeGreaterThan(0); // the edge was reached
    for (const r of faults) expect(r).toMatchObject({ ok: false, index: -1, kind: "unreadable", reason: expect.stringMatching(RAN_OUT) });
    for (const r of results) if (r.ok) expect(r.records).toBe(3);
    expect(verifyLog(path, options)).toMatchObject({ ok: true, records: 3 });
  });

  it("tryOpenLog and openLog fail with a LineageError saying the stack ran out, not blaming the lock, and the log opens afterwards", () => {
    const path = join(tempDir("stack-edge"), "opened.jsonl");
    const seed = openLog(path, { fsync: "never" });
    authorize(policy, ADMIN_OK, { signer: createSigner(issuer), lineage: seed });
    seed.close();
    let leftBehind = 0;
    const afterwards = () => {
      // with stack to spare, the log opens (a lock left behind would keep it from opening)
      if (existsSync(`${path}.lock`)) {
        leftBehind++;
        rmSync(`${path}.lock`);
      }
      openLog(path, { fsync: "never" }).close();
    };
    const tried = sweepResults(
      () => {
        const r = tryOpenLog(path, { fsync: "never" });
        if (r.ok) r.log.close();
        return r;
      },
      (r) => (afterwards(), r.ok),
    );
    expect(tried.began).toBeGreaterThan(0);
    expect(tried.thrownInside).toEqual([]);
    const failed = tried.results.filter((r) => !r.ok);
    expect(failed.length).toBeGreaterThan(0); // the edge was reached
    for (const r of failed) expect(r.ok === false && r.error).toMatchObject({ code: "io", message: expect.stringMatching(RAN_OUT) });

    // openLog: what it throws where it began is a LineageError (the error itself given back, as caught)
    const opened = sweepResults(
      (): unknown => {
        try {
          openLog(path, { fsync: "never" }).close();
          return null;
        } catch (e) {
          return e;
        }
      },
      (r) => (afterwards(), r === null),
    );
    expect(opened.thrownInside).toEqual([]);
    const thrown = opened.results.filter((r) => r instanceof LineageError || thrownFromInside(r));
    expect(thrown.length).toBeGreaterThan(0);
    for (const e of thrown) expect(e, String((e as Error).stack)).toMatchObject({ name: "LineageError", code: "io", message: expect.stringMatching(RAN_OUT) });
    expect(leftBehind).toBe(0);
  });

  it("appendMany throws only a LineageError saying the stack ran out, and the log goes on", () => {
    const path = join(tempDir("stack-edge"), "appended.jsonl");
    let log = openLog(path, { fsync: "never" });
    const nextEntry = () => {
      // a statement continuing the log as it is now
      const { artifact, statement } = authorize(policy, ADMIN_OK, { signer: createSigner(issuer, { head: log.head().chain }) });
      return [{ artifact, statement }];
    };
    let appended = 0;
    // made with stack to spare, before each call (authorize is not what is swept here)
    let entries = nextEntry();
    let before = log.head().records;
    const { began, thrownInside, results } = sweepResults(
      (): unknown => {
        try {
          log.appendMany(entries);
        } catch (e) {
          return e;
        }
        return null;
      },
      (r) => {
        const added = log.head().records - before;
        if (r === null) expect(added).toBe(1);
        else expect(added).toBe(0);
        if (r === null) appended++;
        if (r instanceof LineageError && /takes no more appends/.test(r.message)) {
          // as its message says: closed and opened again, which reads the file
          log.close();
          log = openLog(path, { fsync: "never" });
        }
        entries = nextEntry();
        before = log.head().records;
        return r === null;
      },
    );
    expect(began).toBeGreaterThan(0);
    expect(thrownInside).toEqual([]);
    const thrown = results.filter((r) => r instanceof LineageError || thrownFromInside(r));
    expect(thrown.length).toBeGreaterThan(0); // the edge was reached
    for (const e of thrown) expect(e, String((e as Error).stack)).toMatchObject({ name: "LineageError", code: "io", message: expect.stringMatching(RAN_OUT) });
    // with stack to spare, the log takes the next entry, and what it holds verifies
    log.appendMany(nextEntry());
    const records = log.head().records;
    log.close();
    expect(records).toBeGreaterThanOrEqual(appended + 1);
    expect(verifyLog(path, { trustedKeys: [issuer.publicKey] })).toMatchObject({ ok: true, records });
  });
});

