// A lineage sink is handed the statement the issuer signed, and may edit it before it passes it on
// to a LineageLog: its seq and link "fixed up" to the log's head, say. The log takes an artifact an
// issuer tells it it issued without reading it back, so it must not check the chain with the object
// the sink edited: the artifact, signed with the real link, would be recorded where it does not
// continue the chain, leaving a log that neither verifies nor opens, and guard would run the action.
// The log checks against its own copy of the statement, made before the sink had it.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { authorize } from "../../runtime/trust/authorize.js";
import { createBatchAuthorizer } from "../../runtime/trust/batch.js";
import { guard, GuardError } from "../../runtime/trust/guard.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { LineageError, openLog, type LineageLog } from "../../runtime/trust/lineage.js";
import { verifyLog } from "../../runtime/trust/lineage-verify.js";
import { createSigner } from "../../runtime/trust/signer.js";
import type { LineageSink, Statement } from "../../runtime/trust/types.js";
import { ADMIN_OK, USER_DENIED, fakePolicy } from "./fake-policy.js";
import { tempDir } from "../support/temp-dir.js";

const key = generateKeyPair();
const trustedKeys = [key.publicKey];
const policy = fakePolicy();
const dir = tempDir("sink-edits");

/** A log holding two artifacts of one chain. */
function started(name: string) {
  const path = join(dir, `${name}.jsonl`);
  const log = openLog(path, { fsync: "never" });
  const signer = createSigner(key);
  authorize(policy, ADMIN_OK, { signer, lineage: log });
  authorize(policy, USER_DENIED, { signer, lineage: log });
  return { path, log };
}

/**
 * Sets `statement`'s link to where the log's chain is, as a sink "fixing up" a stale signer would
 * (the statement at `leaf` of a batch: every statement of a batch links to what is before it).
 */
function fixUp(statement: Statement, log: LineageLog, leaf = 0): void {
  const head = log.head().chain;
  const lineage = statement.lineage as { seq: number; prev: unknown };
  lineage.seq = head.seq + leaf;
  lineage.prev = head.prev;
}

/** The log closed, verified and opened again. */
function stillReadable(path: string, log: LineageLog, records: number): void {
  log.close();
  expect(verifyLog(path, { trustedKeys })).toMatchObject({ ok: true, records });
  const again = openLog(path, { fsync: "never" });
  expect(again.head().records).toBe(records);
  again.close();
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("a lineage sink that edits the statement it is handed, then passes it on to a LineageLog", () => {
  it("authorize: the log checks the chain with the statement as issued and refuses the artifact; nothing is issued", () => {
    const { path, log } = started("authorize");
    const stale = createSigner(key); // at genesis: its artifact does not continue the log
    const fixing: LineageSink = {
      append(artifact, statement) {
        fixUp(statement, log);
        log.append(artifact, statement);
      },
    };
    const refusal = thrown(() => authorize(policy, ADMIN_OK, { signer: stale, lineage: fixing }));
    expect(refusal).toBeInstanceOf(LineageError);
    expect(refusal).toMatchObject({ code: "chain_break", message: expect.stringContaining("statement seq 0 does not continue the log") });
    expect(stale.head.seq).toBe(0);
    expect(log.head().records).toBe(2);
    stillReadable(path, log, 2);
  });

  it("guard: the sink's append fails, so the action does not run", async () => {
    const { path, log } = started("guard");
    let ran = false;
    const fixing: LineageSink = {
      append(artifact, statement) {
        fixUp(statement, log);
        log.append(artifact, statement);
      },
    };
    const refusal = await guard(policy, ADMIN_OK, () => void (ran = true), { signer: createSigner(key), lineage: fixing }).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(GuardError);
    expect(refusal).toMatchObject({ code: "lineage_failed" });
    expect(ran).toBe(false);
    stillReadable(path, log, 2);
  });

  it("a sink whose edit leaves the chain as it was has the artifact recorded as issued, and the chain goes on", () => {
    const { path, log } = started("harmless");
    const signer = createSigner(key, { head: log.head().chain });
    const editing: LineageSink = {
      append(artifact, statement) {
        (statement as { decision: string }).decision = "allow";
        (statement.rules as string[]).push("forged");
        log.append(artifact, statement);
      },
    };
    authorize(policy, USER_DENIED, { signer, lineage: editing });
    expect(authorize(policy, ADMIN_OK, { signer, lineage: log }).statement.lineage.seq).toBe(3);
    log.close();
    expect(verifyLog(path, { trustedKeys })).toMatchObject({ ok: true, records: 4, allows: 2, denies: 2 });
  });

  it("the batch authorizer: the log refuses the batch, whether the sink edits each statement or hands on edited copies", () => {
    const { path, log } = started("batch");
    const sinks = [
      (entries: readonly { artifact: string; statement: Statement }[]) => {
        entries.forEach((e, i) => fixUp(e.statement, log, i));
        log.appendMany(entries);
      },
      (entries: readonly { artifact: string; statement: Statement }[]) => {
        const copies = entries.map(({ artifact, statement }) => ({ artifact, statement: structuredClone(statement) }));
        copies.forEach((e, i) => fixUp(e.statement, log, i));
        (entries as { artifact: string; statement: Statement }[]).splice(0, entries.length, ...copies);
        log.appendMany(entries);
      },
    ];
    for (const appendMany of sinks) {
      const batcher = createBatchAuthorizer({ signer: createSigner(key), lineage: { appendMany } });
      const refusal = thrown(() => batcher.authorizeBatch(policy, [ADMIN_OK, USER_DENIED]));
      expect(refusal).toBeInstanceOf(LineageError);
      expect(refusal).toMatchObject({ code: "chain_break" });
      expect(batcher.head).toEqual({ seq: 0, prev: null });
    }
    expect(log.head().records).toBe(2);
    stillReadable(path, log, 2);
  });
});
