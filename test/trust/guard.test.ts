// guard runs an action only after an allow whose artifact verifies for the same request. Each test
// uses an action that records whether it ran: on a deny, an invalid artifact, a throwing policy, a
// bad request or a failing lineage log it must never run.

import { describe, expect, it } from "vitest";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { GuardError, guard, type GuardErrorCode, type Grant } from "../../runtime/trust/guard.js";
import type { DecidingPolicy } from "../../runtime/policy-types.js";
import { createSigner, LAST_SEQ } from "../../runtime/trust/signer.js";
import { requestDigest } from "../../runtime/trust/request-digest.js";
import type { Statement } from "../../runtime/trust/types.js";
import { verifyArtifact } from "../../runtime/trust/verify-artifact.js";
import { ADMIN_OK, TOO_MUCH, USER_DENIED, fakePolicy } from "./fake-policy.js";
import { loadPolicy } from "../../runtime/policy.js";
import { handBundle } from "../runtime/hand-bundle.js";

const issuer = generateKeyPair();
const policy = fakePolicy();

function recorder() {
  const ran: unknown[] = [];
  return { ran, action: (grant: unknown) => { ran.push(grant); return "done"; } };
}

/** The paths of the objects in `value` (itself included) that are not frozen. */
function unfrozen(value: unknown, path = "request"): string[] {
  if (typeof value !== "object" || value === null) return [];
  const inner = Object.entries(value).flatMap(([k, v]) => unfrozen(v, `${path}.${k}`));
  return Object.isFrozen(value) ? inner : [path, ...inner];
}

async function refusal(promise: Promise<unknown>): Promise<GuardError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(GuardError);
    return e as GuardError;
  }
  throw new Error("guard let the action through");
}

describe("guard", () => {
  it("runs the action after an allow and hands it the verified artifact", async () => {
    const { ran, action } = recorder();
    const result = await guard(policy, ADMIN_OK, action, { signer: createSigner(issuer) });
    expect(result).toBe("done");
    expect(ran).toHaveLength(1);
    const grant = ran[0] as { artifact: string; statement: Statement };
    expect(grant.statement.decision).toBe("allow");
    expect(verifyArtifact(grant.artifact, { trustedKeys: [issuer.publicKey], request: ADMIN_OK, requireAllow: true }).ok).toBe(true);
  });
  it("awaits async actions", async () => {
    await expect(guard(policy, ADMIN_OK, async () => 7, { signer: createSigner(issuer) })).resolves.toBe(7);
  });

  const cases: [string, () => Promise<unknown>, GuardErrorCode, RegExp][] = [
    ["a deny by a forbid", () => guard(policy, TOO_MUCH, recorderAction, { signer: createSigner(issuer) }), "denied", /forbidden by too_much/],
    ["a deny because no permit holds", () => guard(policy, USER_DENIED, recorderAction, { signer: createSigner(issuer) }), "denied", /no permit rule holds/],
    ["a bad request", () => guard(policy, { principal: { role: 3 }, amount: 1 }, recorderAction, { signer: createSigner(issuer) }), "invalid_request", /principal\.role/],
    ["a request with no JSON form", () => guard(policy, { principal: { role: "admin" }, amount: 1, when: new Date() }, recorderAction, { signer: createSigner(issuer) }), "invalid_request", /not JSON-representable/],
    ["a throwing policy", () => guard(fakePolicy({ decide: () => { throw new Error("module trapped"); } }), ADMIN_OK, recorderAction, { signer: createSigner(issuer) }), "policy_error", /module trapped/],
    // known before anything is signed: refused as options, with nothing issued (see below)
    ["an artifact from an untrusted issuer", () => guard(policy, ADMIN_OK, recorderAction, { signer: createSigner(issuer), trustedKeys: [generateKeyPair().publicKey] }), "bad_options", /trustedKeys does not hold the signer's public key/],
    ["an artifact for an untrusted policy", () => guard(policy, ADMIN_OK, recorderAction, { signer: createSigner(issuer), trustedPolicies: [fakePolicy({ moduleText: "x" }).digests] }), "bad_options", /trustedPolicies does not hold the policy's digests/],
    ["a lineage log that refuses the artifact", () => guard(policy, ADMIN_OK, recorderAction, { signer: createSigner(issuer), lineage: { append: () => { throw new Error("EIO"); } } }), "lineage_failed", /EIO/],
  ];
  let actionRuns = 0;
  function recorderAction(): string {
    actionRuns++;
    return "ran";
  }
  for (const [what, run, code, reason] of cases) {
    it(`never runs the action on ${what} (${code})`, async () => {
      const before = actionRuns;
      const error = await refusal(run());
      expect(error.code).toBe(code);
      expect(error.reasons.join("; ")).toMatch(reason);
      expect(actionRuns).toBe(before);
    });
  }

  it("a deny is still issued and recorded in the lineage log", async () => {
    const log: Statement[] = [];
    const error = await refusal(guard(policy, TOO_MUCH, recorderAction, { signer: createSigner(issuer), lineage: { append: (_a, s) => log.push(s) } }));
    expect(log.map((s) => s.decision)).toEqual(["deny"]);
    expect(error.artifact).toBeDefined();
    expect(error.decision?.rules).toEqual(["too_much"]);
  });
  it("a policy that changes the request it is given changes only its own copy: the artifact is about the host's request", async () => {
    const sneaky = fakePolicy({
      decide: (r) => {
        (r as { amount: number }).amount = 999; // a decide that writes into the request it was handed
        return { decision: "allow", rules: ["admin"], errors: [] };
      },
    });
    const { ran, action } = recorder();
    const request = { ...ADMIN_OK };
    await guard(sneaky, request, action, { signer: createSigner(issuer) });
    expect(request).toEqual(ADMIN_OK); // the host's object was never handed to the policy
    const grant = ran[0] as { artifact: string };
    expect(verifyArtifact(grant.artifact, { trustedKeys: [issuer.publicKey], request: ADMIN_OK, requireAllow: true }).ok).toBe(true);
    expect(verifyArtifact(grant.artifact, { trustedKeys: [issuer.publicKey], request: { ...ADMIN_OK, amount: 999 } })).toMatchObject({ ok: false, code: "request_mismatch" });
  });

  /** Each case's options (with a signer and a sink of their own) refused as bad_options, nothing decided, signed or logged. */
  async function expectRefusedUpFront(cases: [string, Record<string, unknown>, RegExp][]): Promise<void> {
    for (const [what, extra, message] of cases) {
      const appended: string[] = [];
      const signer = createSigner(issuer);
      const { ran, action } = recorder();
      // (getters kept as getters: guard is the one to read them)
      const options = Object.defineProperties({ signer, lineage: { append: (a: string) => void appended.push(a) } }, Object.getOwnPropertyDescriptors(extra));
      const e = await refusal(guard(policy, ADMIN_OK, action, options));
      expect(e.code, what).toBe("bad_options");
      expect(e.reasons.join(" "), what).toMatch(message);
      expect(appended, what).toEqual([]);
      expect(signer.head, what).toEqual({ seq: 0, prev: null });
      expect(ran, what).toEqual([]);
    }
  }

  it("refuses options it cannot use before anything is decided, signed or logged", async () => {
    await expectRefusedUpFront([
      ["a clock that throws", { now: () => { throw new Error("clock broke"); } }, /the clock threw: clock broke/],
      ["a clock that is not a Date", { now: () => "noon" }, /`now` is neither a valid Date nor a function returning one/],
      ["a moment that is not a Date", { now: "noon" }, /`now` is neither a valid Date/],
      ["a skew given as text", { clockSkewSeconds: "30" }, /clockSkewSeconds must be a non-negative number/],
      ["a trusted key that is not one", { trustedKeys: [null] }, /trustedKeys\[0\] is not a public key/],
      // what verification would refuse after the fact: an allow signed and logged, the action not run
      ["trusted keys without the signer's", { trustedKeys: [generateKeyPair().publicKey] }, /trustedKeys does not hold the signer's public key/],
      ["trusted policies without this one", { trustedPolicies: [{ sha3_512: "0".repeat(128), blake2b_512: "0".repeat(128) }] }, /trustedPolicies does not hold the policy's digests/],
      ["a getter that throws", { get clockSkewSeconds(): number { throw new Error("getter"); } }, /getter/],
      ["a `now` getter that throws", { get now(): Date { throw new Error("now getter"); } }, /^`now` could not be read: now getter$/],
    ]);
  });

  it("takes only trustedKeys or trustedPolicies left out as the default: null is no list, as verifyArtifact says (it was the default)", async () => {
    await expectRefusedUpFront([
      ["trustedKeys: null", { trustedKeys: null }, /^`trustedKeys` must be a list of public keys, or left out for the signer's key; got null$/],
      ["trustedPolicies: null", { trustedPolicies: null }, /^`trustedPolicies` must be a list of digest pairs, or left out for the policy's digests; got null$/],
      ["trustedKeys: a key", { trustedKeys: issuer.publicKey }, /^`trustedKeys` must be a list of public keys, or left out for the signer's key; got an object$/],
    ]);
  });

  it("refuses a ttl, a signer or a clock authorize would refuse before the request is read (they were a policy_error)", async () => {
    await expectRefusedUpFront([
      ["a ttl given as text", { ttlSeconds: "5" }, /^ttlSeconds must be a whole number of seconds from 1 to \d+ \(a hundred years\), got "5"$/],
      ["a ttl of 0", { ttlSeconds: 0 }, /^ttlSeconds must be a whole number of seconds .*, got 0$/],
      ["a signer createSigner did not make", { signer: { publicKey: issuer.publicKey, path: undefined } }, /^`signer` must be a signer createSigner made, got an object$/],
      ["a signer past its last seq", { signer: createSigner(issuer, { head: { seq: LAST_SEQ + 1, prev: policy.digests } }) }, /^the chain head is at seq \d+: the last seq an artifact is issued with is/],
      ["a clock so late the artifact would expire after the last date", { now: new Date(8.64e15) }, /^the clock is too late: an artifact issued at 8640000000000 s would expire after the last date/],
      ["a clock late enough for the ttl given to pass the last date", { now: new Date(8.64e15 - 10_000), ttlSeconds: 11 }, /^the clock is too late/],
    ]);
  });

  it("refuses an action that is not a function before anything is signed or logged (an allow was on record, then a TypeError)", async () => {
    for (const action of [5, undefined, null, "run", { call: () => "done" }]) {
      const appended: string[] = [];
      const signer = createSigner(issuer);
      const e = await refusal(guard(policy, ADMIN_OK, action as never, { signer, lineage: { append: (a: string) => void appended.push(a) } }));
      expect(e.code, String(action)).toBe("bad_options");
      expect(e.reasons.join(" "), String(action)).toMatch(/the action must be a function/);
      expect(appended, String(action)).toEqual([]);
      expect(signer.head, String(action)).toEqual({ seq: 0, prev: null });
    }
  });

  it("takes the clock as a Date too, as the verifiers do", async () => {
    const { ran, action } = recorder();
    const at = new Date(Date.now() - 3_600_000);
    await guard(policy, ADMIN_OK, action, { signer: createSigner(issuer), now: at });
    expect((ran[0] as { statement: Statement }).statement.iat).toBe(Math.floor(at.getTime() / 1000));
  });

  it("rejects with a GuardError when there is no signer or no policy to speak of", async () => {
    const { ran, action } = recorder();
    for (const [p, options, message] of [
      // missing, not unreadable
      [policy, {}, /^there is no `signer`: guard signs with one \(createSigner makes one\)$/],
      [policy, undefined, /guard needs options giving at least `signer`/],
      [null, { signer: createSigner(issuer) }, /there is no policy: guard decides with one \(loadPolicy makes one\), got null/],
    ] as const) {
      const e = await refusal(guard(p as never, ADMIN_OK, action, options as never));
      expect(e).toBeInstanceOf(GuardError);
      expect(e.code).toBe("bad_options");
      expect(e.reasons.join(" ")).toMatch(message);
    }
    expect(ran).toEqual([]);
  });

  it("reads the clock once: the artifact is judged at the moment it was issued for", async () => {
    let reads = 0;
    const { ran, action } = recorder();
    await guard(policy, ADMIN_OK, action, { signer: createSigner(issuer), now: () => (reads++ === 0 ? new Date() : (() => { throw new Error("read twice"); })()) });
    expect(reads).toBe(1);
    expect(ran).toHaveLength(1);
  });

  it("reads the request once: the artifact is verified against the request that was decided, signed and logged", async () => {
    // a getter answering differently on a second read: checked against the host's object again, the
    // allow was signed and logged, then refused as issued for another request, and the action not run
    const loaded = loadPolicy(handBundle({ allow: true }), { allowUnsigned: true });
    let reads = 0;
    const request = {
      get n() {
        return ++reads === 1 ? 1 : 2;
      },
    };
    const log: Statement[] = [];
    const { ran, action } = recorder();
    await expect(guard(loaded, request, action, { signer: createSigner(issuer), lineage: { append: (_a, s) => log.push(s) } })).resolves.toBe("done");
    expect(reads).toBe(1);
    expect(log.map((s) => s.decision)).toEqual(["allow"]);
    const grant = ran[0] as { artifact: string };
    expect(verifyArtifact(grant.artifact, { trustedKeys: [issuer.publicKey], request: { n: 1 }, requireAllow: true }).ok).toBe(true);
  });

  it("refuses options behind a Proxy whose trap throws as options, before anything is signed or logged (a trap for `now` was a policy_error)", async () => {
    for (const name of ["now", "signer", "lineage", "trustedKeys", "trustedPolicies", "clockSkewSeconds"]) {
      const appended: string[] = [];
      const signer = createSigner(issuer);
      const { ran, action } = recorder();
      const target = { signer, lineage: { append: (a: string) => void appended.push(a) } };
      const options = new Proxy(target, {
        get(t, key) {
          if (key === name) throw new Error(`trap ${name}`);
          return Reflect.get(t, key);
        },
      });
      const e = await refusal(guard(policy, ADMIN_OK, action, options));
      expect(e.code, name).toBe("bad_options");
      expect(e.reasons.join(" "), name).toBe(`\`${name}\` could not be read: trap ${name}`);
      expect(appended, name).toEqual([]);
      expect(signer.head, name).toEqual({ seq: 0, prev: null });
      expect(ran, name).toEqual([]);
    }
  });

  it("reads trustedKeys and trustedPolicies once: the allow is verified with the lists it was checked against", async () => {
    // read again by the verification, a list answering differently had the allow signed and logged,
    // then refused (artifact_invalid), and the action not run
    const once = <T>(value: T, other: T | (() => never)) => {
      let reads = 0;
      const list: T[] = [];
      Object.defineProperty(list, 0, {
        enumerable: true,
        get: () => (++reads === 1 ? value : typeof other === "function" ? (other as () => never)() : other),
      });
      return { list, reads: () => reads };
    };
    const otherKey = generateKeyPair().publicKey;
    const otherDigests = fakePolicy({ moduleText: "another module" }).digests;
    const lists = {
      "trustedKeys throwing at a second read": { trustedKeys: once(issuer.publicKey, () => { throw new Error("read twice"); }) },
      "trustedKeys answering another key": { trustedKeys: once(issuer.publicKey, otherKey) },
      "trustedPolicies throwing at a second read": { trustedPolicies: once(policy.digests, () => { throw new Error("read twice"); }) },
      "trustedPolicies answering other digests": { trustedPolicies: once(policy.digests, otherDigests) },
    };
    for (const [what, given] of Object.entries(lists)) {
      const [name, { list, reads }] = Object.entries(given)[0]!;
      const log: Statement[] = [];
      const { ran, action } = recorder();
      await expect(guard(policy, ADMIN_OK, action, { signer: createSigner(issuer), lineage: { append: (_a, s) => log.push(s) }, [name]: list }), what).resolves.toBe("done");
      expect(reads(), what).toBe(1);
      expect(ran, what).toHaveLength(1);
      expect(log.map((s) => s.decision), what).toEqual(["allow"]);
    }
  });

  it("reads a host's policy's digests once: the artifact states the digests that were checked", async () => {
    // read again for the statement, digests answering differently had an allow signed and logged
    // for a module the verification then refused (untrusted_policy), and the action not run
    const base = fakePolicy();
    const other = fakePolicy({ moduleText: "another module" }).digests;
    let reads = 0;
    const shifty = {
      name: base.name,
      version: base.version,
      manifest: base.manifest,
      module: base.module,
      get digests() {
        return ++reads === 1 ? base.digests : other;
      },
      decide: (r: unknown) => base.decide(r),
    };
    const log: Statement[] = [];
    const { ran, action } = recorder();
    await expect(guard(shifty, ADMIN_OK, action, { signer: createSigner(issuer), lineage: { append: (_a, s) => log.push(s) } })).resolves.toBe("done");
    expect(reads).toBe(1);
    expect(ran).toHaveLength(1);
    expect(log.map((s) => [s.decision, s.policy.sha3_512])).toEqual([["allow", base.digests.sha3_512]]);
  });

  it("refuses a lineage that is no sink before anything is decided; only a lineage left out means no log", async () => {
    // false, 0 and "" meant no log, the action run and nothing recorded; "log.jsonl" or {} were
    // found only once the allow was signed (lineage_failed)
    for (const lineage of [null, false, 0, "", "log.jsonl", 1, {}, { append: "log.jsonl" }]) {
      const signer = createSigner(issuer);
      const { ran, action } = recorder();
      const e = await refusal(guard(policy, ADMIN_OK, action, { signer, lineage: lineage as never }));
      expect(e.code, String(lineage)).toBe("bad_options");
      expect(e.reasons.join(" "), String(lineage)).toMatch(/lineage must be a lineage sink \(an object with an append function/);
      expect(e.artifact, String(lineage)).toBeUndefined();
      expect(signer.head, String(lineage)).toEqual({ seq: 0, prev: null });
      expect(ran, String(lineage)).toEqual([]);
    }
    const { ran, action } = recorder();
    await expect(guard(policy, ADMIN_OK, action, { signer: createSigner(issuer), lineage: undefined })).resolves.toBe("done");
    expect(ran).toHaveLength(1);
  });

  it("reads the `then` of what the sink returned once: a promise is a lineage failure, and anything else a record", async () => {
    // read by guard and again by authorize, a getter answering a function and then nothing had a
    // promise taken for a record, and one answering nothing and then a function was a policy_error
    const thenable = (answers: unknown[]) => {
      const read = { count: 0 };
      const sink = { append: () => ({ get then() { return answers[read.count++]; } }) as unknown as void };
      return { sink, read };
    };
    const promise = thenable([() => {}, undefined]);
    const signer = createSigner(issuer);
    const refused = recorder();
    const e = await refusal(guard(policy, ADMIN_OK, refused.action, { signer, lineage: promise.sink }));
    expect(e.code).toBe("lineage_failed");
    expect(e.reasons[0]).toMatch(/returned a promise/);
    expect(promise.read.count).toBe(1);
    expect(signer.head.seq).toBe(0);
    expect(refused.ran).toEqual([]);

    const record = thenable([undefined, () => {}]);
    const recorded = recorder();
    await expect(guard(policy, ADMIN_OK, recorded.action, { signer, lineage: record.sink })).resolves.toBe("done");
    expect(record.read.count).toBe(1);
    expect(signer.head.seq).toBe(1);
    expect(recorded.ran).toHaveLength(1);
  });

  it("calls a sink that returns an object whose `then` cannot be read a lineage failure, saying what it returned", async () => {
    // V8's message was the reason, saying nothing of the sink
    const r = Proxy.revocable({}, {});
    r.revoke();
    const signer = createSigner(issuer);
    const { ran, action } = recorder();
    const e = await refusal(guard(policy, ADMIN_OK, action, { signer, lineage: { append: () => r.proxy as unknown as void } }));
    expect(e.code).toBe("lineage_failed");
    expect(e.reasons[0]).toMatch(/^the lineage log did not acknowledge the artifact \(the action did not run\): the lineage sink's append returned an object whose `then` could not be read, which may be a promise: lineage sinks record synchronously, so nothing was issued/);
    expect(signer.head.seq).toBe(0);
    expect(ran).toEqual([]);
  });

  it("calls a sink that records asynchronously a lineage failure", async () => {
    const { ran, action } = recorder();
    const e = await refusal(guard(policy, ADMIN_OK, action, { signer: createSigner(issuer), lineage: { append: () => Promise.resolve() as unknown as void } }));
    expect(e.code).toBe("lineage_failed");
    expect(e.reasons[0]).toMatch(/returned a promise/);
    expect(ran).toEqual([]);
  });

  it("names the option or the policy's member whose getter threw", async () => {
    const vault = (): never => {
      throw new Error("vault unreachable");
    };
    const base = fakePolicy();
    const digestsWith = (member: string) => Object.defineProperty({ ...base.digests }, member, { get: vault, enumerable: true });
    const cases: [string, DecidingPolicy, Record<string, unknown>, string][] = [
      ["trustedPolicies", base, { get trustedPolicies() { return vault(); } }, "`trustedPolicies` could not be read: vault unreachable"],
      ["trustedKeys", base, { get trustedKeys() { return vault(); } }, "`trustedKeys` could not be read: vault unreachable"],
      ["ttlSeconds", base, { get ttlSeconds() { return vault(); } }, "`ttlSeconds` could not be read: vault unreachable"],
      ["the policy's digests", { ...base, get digests() { return vault(); } }, {}, "the policy's `digests` could not be read: vault unreachable"],
      ["the policy's sha3_512", { ...base, digests: digestsWith("sha3_512") as never }, {}, "the policy's `digests.sha3_512` could not be read: vault unreachable"],
      ["the policy's blake2b_512", { ...base, digests: digestsWith("blake2b_512") as never }, {}, "the policy's `digests.blake2b_512` could not be read: vault unreachable"],
      ["the sink's append", base, { lineage: { get append() { return vault(); } } }, "the lineage sink's `append` could not be read: vault unreachable"],
    ];
    for (const [what, p, extra, reason] of cases) {
      const signer = createSigner(issuer);
      const { ran, action } = recorder();
      const options = Object.defineProperties({ signer }, Object.getOwnPropertyDescriptors(extra));
      const e = await refusal(guard(p, ADMIN_OK, action, options));
      expect(e.code, what).toBe("bad_options");
      expect(e.reasons, what).toEqual([reason]);
      expect(signer.head, what).toEqual({ seq: 0, prev: null });
      expect(ran, what).toEqual([]);
    }
  });

  it("hands the action the request as verified (grant.request), frozen, whatever the host's object reads by then", async () => {
    // The action ran on the host's object, read again after guard had awaited: a getter answering 10
    // and then 5000, or an edit made once guard was called, had it act on a request no artifact covers.
    const allowing = fakePolicy({ decide: () => ({ decision: "allow", rules: ["admin"], errors: [] }) });
    let reads = 0;
    // of the policy's schema ({ amount: int }), read once
    const getter = {
      get amount() {
        return ++reads === 1 ? 10 : 5000;
      },
    };
    const edited = { principal: { role: "admin" }, amount: 10, tags: JSON.parse('{"__proto__": "kept", "big": 9007199254740991}') as unknown };
    const bigint = { principal: { role: "admin" }, amount: 10n };
    const expected = [
      { amount: 10 },
      { principal: { role: "admin" }, amount: 10, tags: JSON.parse('{"__proto__": "kept", "big": 9007199254740991}') as unknown },
      // a BigInt within ±(2^53 − 1) as the number the digest took it as
      { principal: { role: "admin" }, amount: 10 },
    ];
    const grants: Grant[] = [];
    const pending = [getter, edited, bigint].map((request) => guard(allowing, request, (g) => void grants.push(g), { signer: createSigner(issuer) }));
    // the host's code runs while guard awaits: the edit is made after the request was read
    edited.amount = 5000;
    (edited.tags as Record<string, unknown>).big = 1;
    await Promise.all(pending);
    expect(grants).toHaveLength(3);
    expect(reads).toBe(1);
    expect(getter.amount).toBe(5000);
    grants.forEach((grant, i) => {
      expect(grant.request, String(i)).toStrictEqual(expected[i]);
      expect(requestDigest(grant.request).sha3_512, String(i)).toBe(grant.statement.request.sha3_512);
      expect(verifyArtifact(grant.artifact, { trustedKeys: [issuer.publicKey], request: grant.request, requireAllow: true }).ok, String(i)).toBe(true);
      expect(unfrozen(grant.request), String(i)).toEqual([]);
      expect(() => {
        "use strict";
        (grant.request as { amount: number }).amount = 5000;
      }, String(i)).toThrow(TypeError);
    });
    expect(Object.hasOwn(grants[1]!.request as object, "tags") && Object.hasOwn((grants[1]!.request as { tags: object }).tags, "__proto__")).toBe(true);
  });

  it("refuses a class as the action before anything is signed or logged; a method named `class` is a function", async () => {
    // made from source text, which is the function's text as written (a test file's is transformed,
    // its comments dropped)
    const made = (source: string): unknown => new Function(`return ${source}`)();
    const refused = [
      "class Transfer { constructor(grant) { this.grant = grant; } }",
      "class {}",
      "class extends Object {}",
      "class extends(Object) {}",
      "class{}",
      "class $ {}",
      "class Überweisung {}",
      "class /* the transfer */ Commented /* of funds */ {}",
      "class/**/Tight{}",
      "class // the transfer\n Lined {}",
      "class /* over\n lines */ Lines {}",
    ];
    for (const source of refused) {
      const appended: string[] = [];
      const signer = createSigner(issuer);
      const e = await refusal(guard(policy, ADMIN_OK, made(source) as never, { signer, lineage: { append: (a: string) => void appended.push(a) } }));
      expect(e.code, source).toBe("bad_options");
      expect(e.reasons, source).toEqual(["the action must be a function guard can call as `action(grant)`, got a class (a class constructor cannot be called without `new`)"]);
      expect(appended, source).toEqual([]);
      expect(signer.head, source).toEqual({ seq: 0, prev: null });
    }
    // functions whose text starts with `class`: methods, called as guard calls them
    const called = [
      "({ class() { return 1; } }).class",
      "({ class /* a comment */ () { return 2; } }).class",
      // a comment in the body is not the header's
      "({ class /* a */ () { /* b */ return 3; } }).class",
      // nor is a line comment's text a name
      "({ class // a line comment\n () { return 4; } }).class",
      "({ class//c\n () { return 5; } }).class",
      "({ classify() { return 6; } }).classify",
    ];
    for (const [i, source] of called.entries()) {
      expect(Function.prototype.toString.call(made(source)), source).toMatch(/^class/);
      await expect(guard(policy, ADMIN_OK, made(source) as () => number, { signer: createSigner(issuer) }), source).resolves.toBe(i + 1);
    }
  });

  it("does not tell a bound class or a revoked Proxy from a function: the call's TypeError is what guard rejects with, the allow issued", async () => {
    // guard cannot know without calling them (docs/artifacts.md says so); this is what the host gets
    class Transfer {}
    const revocable = Proxy.revocable(() => "ran", {});
    revocable.revoke();
    for (const [what, action, thrown] of [
      ["a bound class", Transfer.bind(null), /Class constructor Transfer cannot be invoked without 'new'/],
      ["a revoked Proxy", revocable.proxy, /revoked/],
    ] as const) {
      const appended: string[] = [];
      const rejected = await guard(policy, ADMIN_OK, action as never, { signer: createSigner(issuer), lineage: { append: (a: string) => void appended.push(a) } }).catch((e: unknown) => e);
      expect(rejected, what).toBeInstanceOf(TypeError);
      expect(rejected, what).not.toBeInstanceOf(GuardError);
      expect((rejected as Error).message, what).toMatch(thrown);
      expect(appended, what).toHaveLength(1);
    }
  });
});
