// The trust layer called near the end of the host's stack. A call there may fail (any call can, at
// the very edge), but it must fail as a whole: no batch taken and left with its promises pending, no
// lock file left behind by a close that returned, no failure remembered as if it were a fact about
// the policy. Each test calls one operation from one depth after another, with 8 bytes more stack
// used at each step, through the last few hundred frames before the stack runs out.

import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createBatchAuthorizer } from "../../runtime/trust/batch.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { openLog } from "../../runtime/trust/lineage.js";
import { verifyLog } from "../../runtime/trust/lineage-verify.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { ADMIN_OK, USER_DENIED, fakePolicy } from "./fake-policy.js";
import { tempDir } from "../support/temp-dir.js";

const issuer = generateKeyPair();
const policy = fakePolicy();

// Arguments of a call take a stack slot each: a call with n of them moves the edge by 8n bytes,
// finer than one frame of `down`.
const PADS = Array.from({ length: 16 }, (_, n) => new Array<number>(n).fill(0));

/**
 * Runs `f` `back` frames above the deepest frame the stack holds, with `pad` extra stack slots: it
 * recurses until the stack runs out, then calls `f` on the way back up. Measured from the edge
 * itself, the stack left to `f` does not depend on how large the engine makes its frames (which
 * changes as it optimises). Says whether `f` began, and what it threw.
 */
function nearEdge(back: number, pad: number, f: () => void): { reached: boolean; thrown: unknown } {
  let reached = false;
  let thrown: unknown;
  const begin = function () {
    reached = true;
    f();
  };
  const down = (): number => {
    let below: number;
    try {
      below = down();
    } catch {
      return 0; // the deepest frame: no call can begin from here
    }
    if (below === back)
      try {
        Reflect.apply(begin, null, PADS[pad]!);
      } catch (e) {
        thrown = e;
      }
    return below + 1;
  };
  down();
  return { reached, thrown };
}

type Run = (f: () => void) => { reached: boolean; thrown: unknown };

/**
 * Calls `each` from every padding at one frame above the edge after another, upward, until `each`
 * has found its call done in full (it says so) at three heights in a row: through the stretch where
 * the call begins and the stack runs out inside it. Returns how many calls began.
 */
function sweepUp(each: (run: Run) => boolean): number {
  // once well clear of the edge first: a function's first call compiles it, which takes far more
  // stack than running it, and the sweep is of the call, not of the compiler
  each((f) => nearEdge(3_000, 0, f));
  let began = 0;
  for (let back = 0, doneInARow = 0; doneInARow < 3 * PADS.length; back += back < 64 ? 1 : 4) {
    if (back > 20_000) throw new Error("the call was never done in full, however far from the edge");
    for (let pad = 0; pad < PADS.length; pad++) {
      const done = each((f) => {
        const r = nearEdge(back, pad, f);
        if (r.reached) began++;
        return r;
      });
      doneInARow = done ? doneInARow + 1 : 0;
    }
  }
  return began;
}

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
});
