// createBatchAuthorizer reads its options once, before anything is decided, and refuses what it
// cannot use with an error naming the option and what it must be: no signer (or one that is no
// Signer) was a "Cannot read properties of undefined" at creation or at every authorize, a delay of
// "5", [7], true or " " was coerced and taken, and `lineage: null` failed reading its appendMany.

import { describe, expect, it, vi } from "vitest";
import { createBatchAuthorizer, type BatchAuthorizerOptions } from "../../runtime/trust/batch.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { verifyArtifact } from "../../runtime/trust/verify-artifact.js";
import { ADMIN_OK, fakePolicy } from "./fake-policy.js";

const key = generateKeyPair();
const policy = fakePolicy();
/** The longest delay setTimeout keeps. */
const MAX_TIMER = 2 ** 31 - 1;

/** What createBatchAuthorizer throws for `options`, or "created". */
function refusal(options: unknown): unknown {
  try {
    createBatchAuthorizer(options as BatchAuthorizerOptions);
    return "created";
  } catch (e) {
    return e;
  }
}

describe("createBatchAuthorizer", () => {
  it("refuses a signer that is missing or no Signer, with a TypeError saying what it must be", () => {
    for (const [signer, shown] of [[undefined, "undefined"], [null, "null"], [{}, "an object"], [{ head: { seq: 0, prev: null } }, "an object"], ["key", '"key"']] as const) {
      const options = signer === undefined ? {} : { signer };
      expect(refusal(options), shown).toEqual(new TypeError(`createBatchAuthorizer: \`signer\` must be a Signer (createSigner makes one), got ${shown}`));
    }
  });

  it("refuses a number option that is no number, with a TypeError, rather than coerce it", () => {
    const signer = createSigner(key);
    for (const value of ["5", [7], true, " ", {}]) {
      expect(refusal({ signer, maxDelayMs: value }), JSON.stringify(value)).toMatchObject({
        name: "TypeError",
        message: expect.stringMatching(/^createBatchAuthorizer: `maxDelayMs` must be a number of milliseconds from 0 to 2147483647, got /),
      });
      expect(refusal({ signer, maxBatch: value })).toMatchObject({ name: "TypeError", message: expect.stringMatching(/^createBatchAuthorizer: `maxBatch` must be a positive integer, got /) });
      expect(refusal({ signer, ttlSeconds: value })).toMatchObject({ name: "TypeError", message: expect.stringMatching(/^createBatchAuthorizer: `ttlSeconds` must be a whole number of seconds, got /) });
    }
    expect(refusal({ signer, maxDelayMs: "5" })).toEqual(new TypeError('createBatchAuthorizer: `maxDelayMs` must be a number of milliseconds from 0 to 2147483647, got "5"'));
    // numbers out of range stay RangeErrors
    expect(refusal({ signer, maxDelayMs: -1 })).toBeInstanceOf(RangeError);
    expect(refusal({ signer, maxBatch: 1.5 })).toBeInstanceOf(RangeError);
    expect(refusal({ signer, ttlSeconds: 0 })).toBeInstanceOf(RangeError);
  });

  it("refuses a lineage sink that is none (null, false, 0, a path, an object without appendMany), naming what it got", () => {
    const signer = createSigner(key);
    for (const [lineage, shown] of [[null, "null"], [false, "a boolean"], [0, "a number"], ["", '""'], ["audit.jsonl", '"audit.jsonl"'], [{ append() {} }, "an object"]] as const) {
      expect(refusal({ signer, lineage }), shown).toEqual(
        new TypeError(
          `createBatchAuthorizer: \`lineage\` is ${shown}: batched signing records a batch at once, so the lineage sink must have appendMany (all or none), as LineageLog has`,
        ),
      );
    }
  });

  it("refuses a lineage sink whose appendMany cannot be read (a revoked Proxy, a getter that throws), naming it, not with V8's bare message", () => {
    const signer = createSigner(key);
    for (const target of [{}, () => {}]) {
      const { proxy, revoke } = Proxy.revocable(target, {});
      revoke();
      expect(refusal({ signer, lineage: proxy })).toEqual(new TypeError("createBatchAuthorizer: the lineage sink's `appendMany` could not be read: Cannot perform 'get' on a proxy that has been revoked"));
    }
    const throwing = { get appendMany() { throw new Error("not yet"); } };
    expect(refusal({ signer, lineage: throwing })).toEqual(new TypeError("createBatchAuthorizer: the lineage sink's `appendMany` could not be read: not yet"));
  });

  it("refuses a maxDelayMs the ttl does not leave room for, naming both, rather than hand over artifacts already expired", () => {
    // a decision's iat and exp are fixed when it is decided; its batch is signed up to maxDelayMs later
    expect(refusal({ signer: createSigner(key), ttlSeconds: 1, maxDelayMs: 33_000 })).toEqual(
      new RangeError(
        "maxDelayMs 33000 is too long for ttlSeconds 1: a decision's validity is fixed when it is decided (its iat in whole seconds, up to 1 s before), and its batch may wait maxDelayMs before it is signed, so its artifact could be handed over expired; maxDelayMs must be at most (ttlSeconds − 1) × 1000 = 0",
      ),
    );
    for (const [ttlSeconds, maxDelayMs] of [[1, 1], [2, 1001], [300, 299_001], [3600, MAX_TIMER]] as const) {
      const e = refusal({ signer: createSigner(key), ttlSeconds, maxDelayMs });
      expect(e, `${ttlSeconds} s, ${maxDelayMs} ms`).toBeInstanceOf(RangeError);
      expect((e as Error).message).toMatch(new RegExp(`^maxDelayMs ${maxDelayMs} is too long for ttlSeconds ${ttlSeconds}: .* = ${(ttlSeconds - 1) * 1000}$`));
    }
    for (const [ttlSeconds, maxDelayMs] of [[1, 0], [2, 1000], [300, 299_000], [30 * 86_400, MAX_TIMER]] as const)
      expect(refusal({ signer: createSigner(key), ttlSeconds, maxDelayMs }), `${ttlSeconds} s, ${maxDelayMs} ms`).toBe("created");
  });

  it("with a ttl of 1 s and no maxDelayMs, closes a batch at once rather than refuse the default delay", async () => {
    vi.useFakeTimers();
    try {
      const lone = (ttlSeconds: number) => {
        const batcher = createBatchAuthorizer({ signer: createSigner(key), ttlSeconds });
        void batcher.authorize(policy, ADMIN_OK);
        vi.advanceTimersByTime(1);
        return batcher.pending;
      };
      // the default 5 ms, where the ttl leaves room for it; none where it does not
      expect(lone(2)).toBe(1);
      expect(lone(1)).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("signs a batch closed by time, waiting the longest the ttl allows, with validity left", async () => {
    // decided at the end of a second (its iat the second before), the batch waits 1,000 ms
    vi.useFakeTimers({ now: 1_800_000_000_999 });
    try {
      const batcher = createBatchAuthorizer({ signer: createSigner(key), ttlSeconds: 2, maxDelayMs: 1000 });
      const issued = batcher.authorize(policy, ADMIN_OK);
      await vi.advanceTimersByTimeAsync(1000);
      expect(batcher.pending).toBe(0);
      const { statement, artifact } = await issued;
      expect(statement.exp * 1000).toBeGreaterThan(Date.now());
      expect(verifyArtifact(artifact, { trustedKeys: [key.publicKey], clockSkewSeconds: 0, now: new Date() }).ok).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it("takes what it can use: an absent option is its default, and a sink with appendMany is one", async () => {
    const recorded: number[] = [];
    const batcher = createBatchAuthorizer({ signer: createSigner(key), maxDelayMs: 0, lineage: { appendMany: (entries) => void recorded.push(entries.length) } });
    const issued = batcher.authorize(policy, ADMIN_OK);
    batcher.flush();
    expect((await issued).decision.decision).toBe("allow");
    expect(recorded).toEqual([1]);
  });
});

describe("authorizeBatch", () => {
  it("refuses requests that cannot be read as an array (a revoked Proxy), naming the argument, with nothing decided", () => {
    let decided = 0;
    const counted = fakePolicy({ decide: (r) => (decided++, policy.decide(r)) });
    const batcher = createBatchAuthorizer({ signer: createSigner(key) });
    const { proxy, revoke } = Proxy.revocable([ADMIN_OK], {});
    revoke();
    let thrown: unknown;
    try {
      batcher.authorizeBatch(counted, proxy);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toEqual(new TypeError("authorizeBatch takes an array of requests: `requests` could not be read: Cannot perform 'IsArray' on a proxy that has been revoked"));
    expect(decided).toBe(0);
    expect(batcher.head).toEqual({ seq: 0, prev: null });
  });
});
