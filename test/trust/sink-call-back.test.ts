// A lineage sink is host code that runs while an artifact is being recorded at its seq. One that
// calls authorize back with the same signer (an audit hook, a notifier) must not get a second
// artifact at that seq: the chain would fork, and the signer would end ahead of the log, which then
// refuses every later append. The call back is refused; the outer call issues, or not, as its sink
// says, and the signer advances past it once.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { authorize, type Authorization } from "../../runtime/trust/authorize.js";
import { guard, GuardError } from "../../runtime/trust/guard.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { openLog } from "../../runtime/trust/lineage.js";
import { verifyLog } from "../../runtime/trust/lineage-verify.js";
import { createSigner } from "../../runtime/trust/signer.js";
import type { LineageSink, Statement } from "../../runtime/trust/types.js";
import { ADMIN_OK, USER_DENIED, fakePolicy } from "./fake-policy.js";
import { tempDir } from "../support/temp-dir.js";

const issuer = generateKeyPair();
const policy = fakePolicy();
const CALLED_BACK = /called back with the same signer from the lineage sink/;

/** A real log, one artifact in it, and a signer continuing it. */
function started() {
  const path = join(tempDir("sink-call-back"), "audit.jsonl");
  const log = openLog(path, { fsync: "never" });
  const signer = createSigner(issuer);
  authorize(policy, ADMIN_OK, { signer, lineage: log });
  return { path, log, signer };
}

describe("a call back into authorize from the lineage sink, with the same signer", () => {
  it("is refused; a sink that catches the refusal has the artifact issued once, and the chain goes on", () => {
    const { path, log, signer } = started();
    const calledBack: unknown[] = [];
    const sink: LineageSink = {
      append(artifact: string, statement: Statement) {
        log.append(artifact, statement);
        try {
          calledBack.push(authorize(policy, USER_DENIED, { signer }));
        } catch (e) {
          calledBack.push(e);
        }
      },
    };
    const outer = authorize(policy, ADMIN_OK, { signer, lineage: sink });
    expect(outer.statement.lineage.seq).toBe(1);
    expect(calledBack).toHaveLength(1);
    expect(calledBack[0]).toBeInstanceOf(Error);
    expect((calledBack[0] as Error).message).toMatch(CALLED_BACK);
    // the signer is where the log is: the next artifact continues both
    expect(signer.head).toEqual(log.head().chain);
    expect(authorize(policy, ADMIN_OK, { signer, lineage: log }).statement.lineage.seq).toBe(2);
    log.close();
    expect(verifyLog(path, { trustedKeys: [issuer.publicKey] })).toMatchObject({ ok: true, records: 3 });
  });

  it("a sink that lets the refusal through has thrown: the outer call throws it and the head stays", () => {
    const { log, signer } = started();
    const before = signer.head;
    const recorded: string[] = [];
    const sink: LineageSink = {
      append(artifact: string) {
        recorded.push(artifact);
        authorize(policy, USER_DENIED, { signer });
      },
    };
    expect(() => authorize(policy, ADMIN_OK, { signer, lineage: sink })).toThrow(CALLED_BACK);
    expect(recorded).toHaveLength(1); // the call back issued nothing for a sink to record
    expect(signer.head).toBe(before);
    expect(authorize(policy, ADMIN_OK, { signer, lineage: log }).statement.lineage.seq).toBe(1);
    log.close();
  });

  it("through another signer's sink too, while a signer with its own sink may be called from it", () => {
    const { log, signer } = started();
    const other = createSigner(generateKeyPair());
    const outcomes: unknown[] = [];
    // the other signer's sink calls back the first signer, whose artifact is still being recorded
    const otherSink: LineageSink = {
      append() {
        try {
          outcomes.push(authorize(policy, USER_DENIED, { signer }));
        } catch (e) {
          outcomes.push(e);
        }
      },
    };
    const sink: LineageSink = {
      append(artifact: string, statement: Statement) {
        log.append(artifact, statement);
        outcomes.push(authorize(policy, USER_DENIED, { signer: other, lineage: otherSink }));
      },
    };
    const outer = authorize(policy, ADMIN_OK, { signer, lineage: sink });
    expect(outer.statement.lineage.seq).toBe(1);
    expect(outcomes).toHaveLength(2);
    expect((outcomes[0] as Error).message).toMatch(CALLED_BACK);
    expect((outcomes[1] as Authorization).statement.lineage.seq).toBe(0);
    expect(other.head.seq).toBe(1);
    expect(signer.head).toEqual(log.head().chain);
    // once the sink has returned, the signer is free again
    expect(authorize(policy, ADMIN_OK, { signer, lineage: log }).statement.lineage.seq).toBe(2);
    log.close();
  });

  it("from guard's sink: guard refuses with lineage_failed, the action does not run, nothing more is issued", async () => {
    const { log, signer } = started();
    const before = signer.head;
    let ran = false;
    const recorded: string[] = [];
    const sink: LineageSink = {
      append(artifact: string) {
        recorded.push(artifact);
        authorize(policy, USER_DENIED, { signer });
      },
    };
    const refused = await guard(policy, ADMIN_OK, () => (ran = true), { signer, lineage: sink }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(GuardError);
    expect(refused).toMatchObject({ code: "lineage_failed" });
    expect((refused as GuardError).message).toMatch(CALLED_BACK);
    expect(ran).toBe(false);
    expect(recorded).toHaveLength(1);
    expect(signer.head).toBe(before);
    log.close();
  });
});
