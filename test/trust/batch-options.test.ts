// createBatchAuthorizer reads its options once, before anything is decided, and refuses what it
// cannot use with an error naming the option and what it must be: no signer (or one that is no
// Signer) was a "Cannot read properties of undefined" at creation or at every authorize, a delay of
// "5", [7], true or " " was coerced and taken, and `lineage: null` failed reading its appendMany.

import { describe, expect, it } from "vitest";
import { createBatchAuthorizer, type BatchAuthorizerOptions } from "../../runtime/trust/batch.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { ADMIN_OK, fakePolicy } from "./fake-policy.js";

const key = generateKeyPair();
const policy = fakePolicy();

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
