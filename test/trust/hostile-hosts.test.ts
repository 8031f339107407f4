// Requests built by host code can be stranger than JSON: getters that answer differently on each
// read, properties that are not enumerable, keys of a megabyte, references shared thousands of ways,
// and exceptions that cannot even be turned into text. Whatever comes, the decision and the digest in
// a signed artifact must be about one and the same request, every backend must decide the same, and
// nothing may throw into the host. The real payments policy, compiled here, decides.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { createInterpreter } from "../../compiler/ir/interp.js";
import { loadPolicy, tryLoadPolicy, type LoadedPolicy } from "../../runtime/policy.js";
import type { Bundle, Manifest } from "../../runtime/manifest.js";
import { MANIFEST_SECTION } from "../../runtime/manifest-binding.js";
import { readModule } from "../../runtime/wasm/reader.js";
import { digestPair } from "../../runtime/crypto/digest.js";
import { signBundle } from "../../runtime/trust/bundle.js";
import { compileRequestCheck } from "../../runtime/request.js";
import { createWasmEvaluator } from "../../runtime/wasm/evaluator.js";
import { authorize, MAX_TTL_SECONDS } from "../../runtime/trust/authorize.js";
import { createBatchAuthorizer } from "../../runtime/trust/batch.js";
import { parseBatchedArtifact, verifyBatchedArtifact } from "../../runtime/trust/batch-artifact.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { replayArtifact } from "../../runtime/trust/replay.js";
import { readRequest, requestDigest, requestSchemaOf } from "../../runtime/trust/request-digest.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { verifyArtifact, type VerifyArtifactOptions } from "../../runtime/trust/verify-artifact.js";
import { canonicalJson, canonicalize } from "../../runtime/trust/jcs.js";
import { ARTIFACT_TYP, MAX_EPOCH_SECONDS } from "../../runtime/trust/types.js";
import type { Decision } from "../../runtime/decision.js";
import { plain } from "../backend/support.js";
import type { DecidingPolicy } from "../../runtime/policy-types.js";
import { repositoryRoot } from "../support/transpiled-tree.js";

const issuer = generateKeyPair();
let policy: LoadedPolicy;
let interpreter: { decide(r: unknown): Decision };
let portable: { decide(r: unknown): Decision };
let bundle: Bundle;

beforeAll(async () => {
  const compiled = await compilePolicy(readFileSync(join(repositoryRoot, "policies/payments.writ"), "utf8"));
  bundle = compiled.bundle!;
  policy = loadPolicy(bundle, { allowUnsigned: true });
  interpreter = createInterpreter(compiled.checked!.ir, compiled.checked!.errorSites);
  portable = createWasmEvaluator(new WebAssembly.Module(compiled.bundle!.module as Uint8Array<ArrayBuffer>), compiled.bundle!.manifest, { portable: true });
}, 60_000);

/** A payment a CFO may make: allowed as it stands. */
function payment(amount: number | bigint = 100) {
  return {
    principal: { id: "u-cfo", tenant: "acme", roles: ["cfo"] },
    payment: { amount, currency: "USD", usd_rate_bp: 10000, beneficiary: "bank-2", new_beneficiary: false },
    context: { approvals: ["u-ana", "u-ben"], spent_today: 0 } as Record<string, unknown>,
  };
}

/** The payment with `amount` answered by `values`, one per read (the last one repeats). */
function shifting(values: readonly (number | bigint)[]): { request: ReturnType<typeof payment>; reads: () => number } {
  const request = payment();
  let reads = 0;
  Object.defineProperty(request.payment, "amount", { enumerable: true, get: () => values[Math.min(reads++, values.length - 1)] });
  return { request, reads: () => reads };
}

describe("a request is read once wherever a decision is signed", () => {
  it("authorize signs the decision for the request whose digest it carries", () => {
    expect(policy.decide(payment(100)).decision).toBe("allow");
    expect(policy.decide(payment(900_000_000)).decision).toBe("deny");
    const { request, reads } = shifting([900_000_000, 100]); // huge when digested, harmless after
    const { statement, decision, artifact } = authorize(policy, request, { signer: createSigner(issuer) });
    expect(reads()).toBe(1);
    expect(statement.request.sha3_512).toBe(requestDigest(payment(900_000_000)).sha3_512);
    expect(decision).toEqual(policy.decide(payment(900_000_000)));
    const check = verifyArtifact(artifact, { trustedKeys: [issuer.publicKey], request: payment(900_000_000), requireAllow: true });
    expect(check).toMatchObject({ ok: false, code: "not_allowed" });
    expect(replayArtifact(artifact, payment(900_000_000), policy).ok).toBe(true);
  });

  it("batched signing does too", () => {
    const { request } = shifting([900_000_000, 100]);
    const batch = createBatchAuthorizer({ signer: createSigner(issuer) });
    const [issued] = batch.authorizeBatch(policy, [request]);
    expect(issued!.statement.request.sha3_512).toBe(requestDigest(payment(900_000_000)).sha3_512);
    expect(issued!.decision.decision).toBe("deny");
  });

  it("a non-enumerable field is not part of the request that is digested and decided", () => {
    const request = payment(2_000_000_00); // large: the policy wants a ticket
    Object.defineProperty(request.context, "ticket", { value: "FIN-1042", enumerable: false });
    const asJson = JSON.parse(JSON.stringify(request, (_k, v: unknown) => v)) as unknown;
    const { statement, decision } = authorize(policy, request, { signer: createSigner(issuer) });
    expect(statement.request.sha3_512).toBe(requestDigest(asJson).sha3_512);
    expect(decision).toEqual(policy.decide(asJson));
  });

  it("an unknown field beside a non-enumerable one is still refused, by authorize and by decide", () => {
    // one key fewer to enumerate, one more that no field has: the same count of keys as a valid request
    const request = payment(100);
    Object.defineProperty(request.payment, "currency", { value: "USD", enumerable: false });
    (request.payment as Record<string, unknown>)["currency_code"] = "USD";
    const asJson = JSON.parse(JSON.stringify(request)) as unknown;
    const { statement, decision } = authorize(policy, request, { signer: createSigner(issuer) });
    expect(statement.request.sha3_512).toBe(requestDigest(asJson).sha3_512);
    expect(decision.decision).toBe("deny");
    expect(decision.errors[0]).toMatchObject({ code: "invalid_request", path: "payment.currency" });
    expect(policy.decide(request)).toEqual(decision);
    expect(policy.decide(asJson)).toEqual(decision);
  });
});

describe("a call back into authorize with the same signer", () => {
  it("from the request's getter, the policy's decide or a policy getter: the call back issues its seq, the outer call issues nothing, and the chain does not fork", () => {
    const places = ["request getter", "decide", "name getter"] as const;
    for (const place of places) {
      const signer = createSigner(issuer);
      const inner: { seq: number }[] = [];
      let calls = 0;
      // the call back happens once, then the host's code behaves
      const callBack = () => {
        if (calls++ === 0) inner.push(authorize(policy, payment(), { signer }).statement.lineage);
      };
      const request = payment();
      if (place === "request getter") Object.defineProperty(request.payment, "currency", { enumerable: true, get: () => (callBack(), "USD") });
      const calling: DecidingPolicy = {
        decide: (r: unknown) => (place === "decide" && callBack(), policy.decide(r)),
        get name() {
          if (place === "name getter") callBack();
          return policy.name;
        },
        version: policy.version,
        digests: policy.digests,
        manifest: policy.manifest,
        module: policy.module,
      } as DecidingPolicy;
      expect(() => authorize(calling, request, { signer }), place).toThrow(/authorize was called back with the same signer while this artifact was being made/);
      expect(inner.map((l) => l.seq), place).toEqual([0]);
      // the chain goes on from the call back's artifact: the next one is seq 1, linked to it
      const next = authorize(policy, payment(), { signer });
      expect(next.statement.lineage.seq, place).toBe(1);
      expect(verifyArtifact(next.artifact, { trustedKeys: [issuer.publicKey] }).ok, place).toBe(true);
    }
  });
});

describe("the general path of every backend validates and decides the same reading", () => {
  // The getter answers 0 (refused by a forbid) until the read where a backend that reads twice would
  // encode or convert it, then 2^64 + 5, which an int64 slot would hold as 5 (allowed). A BigInt
  // sends the request past the module's generated fast path, which reads it once first.
  const big = 2n ** 64n + 5n;
  it.each([
    ["the module", () => policy, [0n, 0n, big]],
    ["the portable evaluator", () => portable, [0n, big]],
    ["the interpreter", () => interpreter, [0n, big]],
  ])("%s decides the value it validated", (_name, backend, values) => {
    const { request } = shifting(values);
    const d = backend().decide(request);
    expect(d).toEqual(interpreter.decide(payment(0n)));
    expect(d.rules).toContain("non_positive_amount");
  });
});

describe("a getter read twice is decided as the snapshot read it", () => {
  // decide's fast path and authorize's canonical writer read each field once; when they give up on a
  // request after reading a getter, what they read is dropped and the snapshot reads it again, alone
  // deciding (docs/language.md, "Requests"). A getter answering 1 (allowed) and 99 (forbidden) in
  // turn must get the decision of the value it gave the reading that decides, never the other's.
  let small: LoadedPolicy;
  let smallInterpreter: { decide(r: unknown): Decision };
  beforeAll(async () => {
    const compiled = await compilePolicy('policy "small" version "1"\ninput { a: int, b: int, s: string(4) }\nforbid big when a > 10\npermit ok when a >= 0\n');
    small = loadPolicy(compiled.bundle!, { allowUnsigned: true });
    smallInterpreter = createInterpreter(compiled.checked!.ir, compiled.checked!.errorSites);
  }, 60_000);

  /** `rest` with the field `a` a getter answering `values` in turn (the last one repeats). */
  function answering(values: readonly number[], rest: { b: number | bigint; s: string }) {
    let reads = 0;
    const request = Object.defineProperty({ ...rest }, "a", { enumerable: true, get: () => values[Math.min(reads++, values.length - 1)] });
    return { request, reads: () => reads };
  }

  it("decide: the fast path's reading decides when it takes the request, the snapshot's when it gives up", () => {
    for (const values of [[1, 99], [99, 1]]) {
      // read once: a plain request the fast path takes whole, a string within its bound only when
      // measured (two characters of two bytes in `string(4)`) included
      for (const s of ["a", "éé"]) {
        const { request, reads } = answering(values, { b: 1, s });
        expect(small.decide(request), `${values} ${s}`).toEqual(smallInterpreter.decide({ a: values[0], b: 1, s }));
        expect(reads()).toBe(1);
      }
      // read twice: a BigInt sends it the general way
      const rest = { b: 1n, s: "a" };
      const { request, reads } = answering(values, rest);
      const decision = small.decide(request);
      expect(reads(), `${values}`).toBe(2);
      expect(decision, `${values}`).toEqual(smallInterpreter.decide({ ...rest, a: values[1] }));
      expect(decision.decision).toBe(values[1] === 1 ? "allow" : "deny");
    }
  });

  it("authorize: the snapshot's reading is decided and signed when the canonical writer gives up", () => {
    for (const values of [[1, 99], [99, 1]]) {
      const { request, reads } = answering(values, { b: 1n, s: "a" }); // a BigInt: the writer gives up
      const { decision, statement } = authorize(small, request, { signer: createSigner(issuer) });
      expect(reads()).toBe(2);
      const read = { a: values[1], b: 1n, s: "a" };
      expect(decision).toEqual(smallInterpreter.decide(read));
      expect(statement.request.sha3_512).toBe(requestDigest(read).sha3_512);
    }
  });

  it("readRequest: a member the schema does not declare, found once the writer has read the getter, leaves data and digest of the snapshot's reading", () => {
    const schema = requestSchemaOf(small)!;
    for (const values of [[1, 99], [99, 1]]) {
      const { request, reads } = answering(values, { b: 1, s: "a" });
      (request as Record<string, unknown>).extra = true;
      const { data, digest } = readRequest(request, undefined, schema);
      expect(reads()).toBe(2);
      const read = { a: values[1], b: 1, s: "a", extra: true };
      expect(data).toEqual(read);
      expect(digest).toMatchObject({ ok: true, canonical: canonicalize(read), sha3_512: requestDigest(read).sha3_512 });
    }
  });
});

describe("denials stay small whatever the request holds", () => {
  it("an unknown key of 400 KB is named in 64 characters, and the artifact verifies", () => {
    const key = "k".repeat(400_000);
    const request = { ...payment(), [key]: 1 };
    const { decision, artifact } = authorize(policy, request, { signer: createSigner(issuer) });
    expect(decision.decision).toBe("deny");
    expect(decision.errors[0]!.message).toBe(`${"k".repeat(63)}…: unknown field \`${"k".repeat(63)}…\``);
    expect(artifact.length).toBeLessThan(10_000);
    expect(verifyArtifact(artifact, { trustedKeys: [issuer.publicKey], request }).ok).toBe(true);
  });

  it("a request of shared references too many to copy is refused, not walked for ever", () => {
    let shared: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 40; i++) shared = { a: shared, b: shared }; // 2^40 paths in a few kilobytes
    const request = { ...payment(), extra: shared };
    const { decision } = authorize(policy, request, { signer: createSigner(issuer) });
    expect(decision.errors[0]!.message).toMatch(/the request holds more than 1000000 values/);
    for (const backend of [policy, portable, interpreter]) expect(backend.decide(request).errors[0]!.message).toMatch(/more than 1000000 values/);
  });
});

describe("requests that cost more than they weigh", () => {
  it("a sparse list of four billion slots is refused by its length, not walked index by index", () => {
    const request = payment();
    (request.principal as { roles: unknown }).roles = new Array(2 ** 32 - 1);
    // deciding, the list is named with its bound, as the validator names it
    for (const backend of [policy, portable, interpreter]) expect(backend.decide(request).errors[0]!.message).toMatch(/^principal\.roles: list has 4294967295 elements, more than the \d+ allowed$/);
    // and authorizing too (the request has no canonical JSON to sign, for the same list)
    expect(authorize(policy, request, { signer: createSigner(issuer) }).decision.errors[0]).toMatchObject({
      message: expect.stringMatching(/^request is not JSON-representable: principal\.roles: list has 4294967295 elements, more than the \d+ allowed$/),
      path: "principal.roles",
    });
    // a hole counts like a value: a million of them are over the budget too, a few are not
    (request.principal as { roles: unknown }).roles = new Array(1_000_001);
    expect(policy.decide(request).errors[0]!.message).toMatch(/^principal\.roles: list has 1000001 elements/);
    expect(authorize(policy, request, { signer: createSigner(issuer) }).decision.errors[0]!.message).toMatch(/: principal\.roles: list has 1000001 elements/);
    (request.principal as { roles: unknown }).roles = new Array(3);
    expect(policy.decide(request).errors[0]!.message).toMatch(/principal\.roles\[0\]|roles/);
  });

  it("a few shared lists are refused by authorize and batched signing as by decide, within the budget", async () => {
    const compiled = await compilePolicy('policy "rows" version "1"\ninput { items: list<{ tags: list<string(8)>(4) }>(4) }\npermit any when size(items) > 0\n');
    const rows = loadPolicy(compiled.bundle!, { allowUnsigned: true });
    const row = { tags: Array(10_000).fill("x") };
    const request = { items: Array(10_000).fill(row) }; // 10^8 strings through 80 KB of arrays
    expect(rows.decide(request).errors[0]!.message).toMatch(/more than 1000000 values|more than the 4 allowed/);
    const { decision, statement } = authorize(rows, request, { signer: createSigner(issuer) });
    expect(decision.decision).toBe("deny");
    expect(statement.request.sha3_512).toBe(requestDigest(request).sha3_512);
    const [batched] = createBatchAuthorizer({ signer: createSigner(issuer) }).authorizeBatch(rows, [request]);
    expect(batched!.decision.decision).toBe("deny");
  });

  it("a thousand slots holding one long string are not written out as gigabytes of canonical JSON", () => {
    const request = payment();
    (request.principal as { roles: unknown }).roles = Array(100_000).fill("r".repeat(10_000));
    const digest = requestDigest(request);
    expect(digest).toMatchObject({ ok: false, reason: "canonical JSON longer than 67108864 characters" });
    const { decision } = authorize(policy, request, { signer: createSigner(issuer) });
    expect(decision.errors[0]!.message).toMatch(/canonical JSON longer than 67108864 characters/);
  });

  it("a valid request of more canonical JSON than is signed is decided by decide, and refused by authorize", async () => {
    const compiled = await compilePolicy('policy "long" version "1"\ninput { l: list<string(1048576)>(16) }\npermit any when size(l) > 0\n');
    const long = loadPolicy(compiled.bundle!, { allowUnsigned: true });
    // 16 MiB of strings, each character written out as `\u0001`: 96 MiB of canonical JSON
    const request = { l: Array(16).fill("\u0001".repeat(1_048_576)) };
    expect(long.decide(request).decision).toBe("allow");
    const refusal = { code: "invalid_request", message: "request is not JSON-representable: canonical JSON longer than 67108864 characters", path: "l[10]" };
    const { decision, statement } = authorize(long, request, { signer: createSigner(issuer) });
    expect(decision).toEqual({ decision: "deny", rules: [], errors: [{ rule: null, ...refusal }] });
    // the placeholder's digest, which a verifier given the request computes too (it has no canonical JSON)
    expect(requestDigest(request)).toMatchObject({ ok: false, reason: "canonical JSON longer than 67108864 characters" });
    expect(statement.request.sha3_512).toBe(requestDigest(request).sha3_512);
    const [batched] = createBatchAuthorizer({ signer: createSigner(issuer) }).authorizeBatch(long, [request]);
    expect(batched!.decision.errors[0]).toMatchObject(refusal);
  }, 60_000);

  it("a getter that decides another request in the middle of this one's reading does not mix the two", () => {
    // the outer request must be denied (a non-positive amount); the inner one is allowed
    const outer = payment(-5);
    const context = outer.context;
    let inner: Decision | undefined;
    Object.defineProperty(outer, "context", { enumerable: true, get: () => ((inner = policy.decide(payment())), context) });
    expect(plain(policy.decide(outer))).toEqual(plain(interpreter.decide(outer)));
    expect(policy.decide(outer).decision).toBe("deny");
    expect(inner!.decision).toBe("allow");
    // and the same with the other calls that write the input region
    Object.defineProperty(outer, "context", { enumerable: true, get: () => (policy.evaluator.encode(payment()), context) });
    expect(policy.decide(outer).decision).toBe("deny");
  });
});

describe("exceptions that cannot be described are described anyway", () => {
  const thrownValues: [string, () => unknown][] = [
    ["a null-prototype object", () => Object.create(null)],
    ["an object whose toString throws", () => ({ toString: () => { throw new Error("no text"); } })],
    ["an Error whose message getter throws", () => Object.defineProperty(new Error(), "message", { get: () => { throw new Error("no message"); } })],
    ["a Proxy whose prototype trap throws", () => new Proxy({}, { getPrototypeOf: () => { throw new Error("no prototype"); } })],
  ];
  for (const [name, thrown] of thrownValues) {
    it(`a getter throwing ${name}`, () => {
      const request = payment();
      Object.defineProperty(request.payment, "currency", { enumerable: true, get: () => { throw thrown(); } });
      expect(canonicalJson(request).ok).toBe(false);
      expect(requestDigest(request).ok).toBe(false);
      expect(compileRequestCheck(policy.manifest.schema)(request)).toMatchObject({ code: "invalid_request" });
      for (const backend of [policy, portable, interpreter]) expect(backend.decide(request).decision).toBe("deny");
      const { artifact, decision } = authorize(policy, request, { signer: createSigner(issuer) });
      expect(decision.decision).toBe("deny");
      expect(verifyArtifact(artifact, { trustedKeys: [issuer.publicKey], request })).toMatchObject({ ok: false, code: "request_mismatch" });
      expect(replayArtifact(artifact, request, policy).ok).toBe(true); // the same unreadable request, the same deny
      const throwing: DecidingPolicy = { ...policy, decide: () => { throw thrown(); } };
      expect(authorize(throwing, payment(), { signer: createSigner(issuer) }).decision.errors[0]!.message).toMatch(/^the policy threw: /);
    });
  }
});

describe("at the edge of the host's stack", () => {
  it("decide returns a decision from every depth its reading of the request begins at, never an exception", () => {
    // decide called from one depth after another, deeper each time, until the stack runs out before
    // decide is reached. On the way the stack runs out inside decide, and it ran out again in the
    // handler that wrote why, which let the second RangeError out to the host: no depth gave a deny.
    // (At the very edge the call itself cannot begin, and throws as any call would: a getter of the
    // request tells that decide had begun, and nothing may be thrown after that.)
    let thrownAfterBegun = 0;
    let denied = 0;
    let reached = false;
    const decide = (): void => {
      reached = true;
      let begun = false;
      const request = payment();
      const { principal } = request;
      Object.defineProperty(request, "principal", { enumerable: true, get: () => ((begun = true), principal) });
      try {
        if (policy.decide(request).decision === "deny") denied++;
      } catch {
        if (begun) thrownAfterBegun++;
      }
    };
    const at = (depth: number): void => {
      if (depth > 0) return at(depth - 1);
      decide();
    };
    let depth = 0;
    for (; depth < 1 << 20; depth += depth < 5_000 ? 1_000 : 1) {
      reached = false;
      try {
        at(depth);
      } catch {
        // the stack ran out on the way down
      }
      if (!reached) break;
    }
    expect(depth).toBeGreaterThan(5_000);
    expect(thrownAfterBegun).toBe(0);
    expect(denied).toBeGreaterThan(0); // the edge was reached: there, the allowed payment is denied
    expect(policy.decide(payment()).decision).toBe("allow");
  });
});

describe("verification options that would turn a check into something else are refused", () => {
  it("a skew given as text, or an invalid Date, for a JWS artifact and a batched one", () => {
    const dayAgo = new Date(Date.now() - 86_400_000);
    const { artifact } = authorize(policy, payment(), { signer: createSigner(issuer), now: () => dayAgo });
    const keys = [issuer.publicKey];
    expect(verifyArtifact(artifact, { trustedKeys: keys })).toMatchObject({ ok: false, code: "expired" });
    expect(verifyArtifact(artifact, { trustedKeys: keys, clockSkewSeconds: "30" as unknown as number })).toMatchObject({ ok: false, code: "bad_options" });
    expect(verifyArtifact(artifact, { trustedKeys: keys, now: new Date(Number.NaN) })).toMatchObject({ ok: false, code: "bad_options" });
    const [batched] = createBatchAuthorizer({ signer: createSigner(issuer), now: () => dayAgo }).authorizeBatch(policy, [payment()]);
    expect(verifyBatchedArtifact(batched!.artifact, { trustedKeys: keys })).toMatchObject({ ok: false, code: "expired" });
    expect(verifyBatchedArtifact(batched!.artifact, { trustedKeys: keys, clockSkewSeconds: "30" as unknown as number })).toMatchObject({ ok: false, code: "bad_options" });
  });

  it("a ttl that would put exp beyond exact integers is refused before anything is signed or logged", () => {
    const appended: string[] = [];
    const lineage = { append: (a: string) => void appended.push(a) };
    for (const ttl of [9007199254740000, MAX_TTL_SECONDS + 1, 0, 1.5])
      expect(() => authorize(policy, payment(), { signer: createSigner(issuer), ttlSeconds: ttl, lineage }), String(ttl)).toThrow(RangeError);
    expect(() => createBatchAuthorizer({ signer: createSigner(issuer), ttlSeconds: 9007199254740000 })).toThrow(RangeError);
    expect(appended).toEqual([]);
    const longest = authorize(policy, payment(), { signer: createSigner(issuer), ttlSeconds: MAX_TTL_SECONDS });
    expect(verifyArtifact(longest.artifact, { trustedKeys: [issuer.publicKey] }).ok).toBe(true);
  });

  it("options of the wrong shape, or whose getters throw, are refused by both verifiers, which never throw", () => {
    const { artifact } = authorize(policy, payment(), { signer: createSigner(issuer) });
    const [batched] = createBatchAuthorizer({ signer: createSigner(issuer) }).authorizeBatch(policy, [payment()]);
    const keys = [issuer.publicKey];
    const throwing = Object.defineProperty({ trustedKeys: keys }, "trustedPolicies", { enumerable: true, get: () => { throw new Error("no policies"); } });
    const wrong: [string, unknown, RegExp][] = [
      ["no options", undefined, /an object giving `trustedKeys`/],
      ["null", null, /an object giving `trustedKeys`/],
      ["no trustedKeys", {}, /`trustedKeys`, a list/],
      ["a key that is not one", { trustedKeys: [null] }, /trustedKeys\[0\] is not a public key/],
      ["a key of 31 bytes", { trustedKeys: [{ keyId: issuer.keyId, bytes: issuer.publicKey.bytes.subarray(1) }] }, /trustedKeys\[0\]/],
      ["trustedPolicies not a list", { trustedKeys: keys, trustedPolicies: {} }, /`trustedPolicies` must be a list/],
      ["a policy that is not a digest pair", { trustedKeys: keys, trustedPolicies: [{ sha3_512: "a" }] }, /trustedPolicies\[0\]/],
      ["an unknown crypto path", { trustedKeys: keys, path: "openssl" }, /`path` must be/],
      ["a getter that throws", throwing, /reading the options threw: no policies/],
    ];
    for (const [name, options, message] of wrong) {
      for (const token of [artifact, batched!.artifact]) {
        const result = verifyArtifact(token, options as VerifyArtifactOptions);
        expect(result, name).toMatchObject({ ok: false, code: "bad_options" });
        expect((result as { message: string }).message, name).toMatch(message);
      }
      expect(verifyBatchedArtifact(batched!.artifact, options as VerifyArtifactOptions), name).toMatchObject({ ok: false, code: "bad_options" });
    }
    // and the options that are right still verify
    expect(verifyArtifact(artifact, { trustedKeys: keys, trustedPolicies: [policy.digests], path: "noble" }).ok).toBe(true);
    expect(verifyBatchedArtifact(batched!.artifact, { trustedKeys: keys, trustedPolicies: [policy.digests], path: "native" }).ok).toBe(true);
  });

  it("options are read once: a getter answering differently the second time changes nothing", () => {
    const { artifact } = authorize(policy, payment(), { signer: createSigner(issuer) });
    const other = generateKeyPair();
    let reads = 0;
    const options = Object.defineProperty({}, "trustedKeys", { enumerable: true, get: () => (reads++ === 0 ? [issuer.publicKey] : [other.publicKey]) });
    expect(verifyArtifact(artifact, options as VerifyArtifactOptions).ok).toBe(true);
    expect(reads).toBe(1);
  });

  it("a statement whose iat or exp a date cannot hold is malformed, not a throw, even signed by a trusted key", () => {
    const { statement } = authorize(policy, payment(), { signer: createSigner(issuer) });
    for (const [iat, exp] of [[2 ** 52, 2 ** 52 + 300], [0, MAX_EPOCH_SECONDS + 1], [-(MAX_EPOCH_SECONDS + 1), 0]] as const) {
      const token = createSigner(issuer).signTyped(ARTIFACT_TYP, canonicalize({ ...statement, iat, exp }));
      const result = verifyArtifact(token, { trustedKeys: [issuer.publicKey] });
      expect(result, `${iat}..${exp}`).toMatchObject({ ok: false, code: "malformed" });
      expect((result as { message: string }).message).toMatch(/within ±8640000000000, the range of a date/);
    }
    // the ends of the range are dates, and read as such
    const last = createSigner(issuer).signTyped(ARTIFACT_TYP, canonicalize({ ...statement, iat: MAX_EPOCH_SECONDS - 10, exp: MAX_EPOCH_SECONDS }));
    expect(verifyArtifact(last, { trustedKeys: [issuer.publicKey] })).toMatchObject({ ok: false, code: "not_yet_valid", message: expect.stringContaining("+275760-09-12T23:59:50.000Z") });
  });

  it("a clock so late that exp would pass the last date is refused before anything is signed or logged", () => {
    const appended: string[] = [];
    const lineage = { append: (a: string) => void appended.push(a) };
    const late = () => new Date(MAX_EPOCH_SECONDS * 1000 - 60_000);
    expect(() => authorize(policy, payment(), { signer: createSigner(issuer), now: late, lineage })).toThrow(/the clock is too late/);
    expect(() => createBatchAuthorizer({ signer: createSigner(issuer), now: late }).authorizeBatch(policy, [payment()])).toThrow(/the clock is too late/);
    expect(appended).toEqual([]);
    // with a ttl that fits, the same clock issues an artifact its verifier reads
    const fits = authorize(policy, payment(), { signer: createSigner(issuer), now: late, ttlSeconds: 60 });
    expect(verifyArtifact(fits.artifact, { trustedKeys: [issuer.publicKey], now: late() }).ok).toBe(true);
  });

  it("a batched artifact that is not text", () => {
    expect(parseBatchedArtifact(null as unknown as string)).toMatchObject({ ok: false });
    expect(verifyBatchedArtifact(null as unknown as string, { trustedKeys: [issuer.publicKey] })).toMatchObject({ ok: false, code: "malformed" });
  });
});

describe("what the host plugs in is read once, and must be synchronous", () => {
  it("a Decision whose getters answer differently on each read is signed as first read", () => {
    let reads = 0;
    const shifty: DecidingPolicy = {
      ...policy,
      decide: () => ({
        get decision() {
          return reads++ === 0 ? "allow" : "ALLOW!";
        },
        rules: ["agent_payment"],
        errors: [],
      }) as unknown as Decision,
    };
    const { statement, artifact } = authorize(shifty, payment(), { signer: createSigner(issuer) });
    expect(statement.decision).toBe("allow");
    expect(reads).toBe(1);
    expect(verifyArtifact(artifact, { trustedKeys: [issuer.publicKey] }).ok).toBe(true);
  });

  it("a lineage sink that returns a promise is refused: nothing issued, no unhandled rejection", () => {
    const signer = createSigner(issuer);
    const lineage = { append: () => Promise.reject(new Error("database down")) as unknown as void };
    expect(() => authorize(policy, payment(), { signer, lineage })).toThrow(/returned a promise/);
    expect(signer.head).toEqual({ seq: 0, prev: null });
  });

  it("a lineage sink that returns what may be a promise is refused as one, its `then` read once, saying what it returned", () => {
    const revoked = () => {
      const r = Proxy.revocable({}, {});
      r.revoke();
      return r.proxy;
    };
    let reads = 0;
    const cases: [string, () => unknown, RegExp][] = [
      // the getter's or V8's own error was thrown, saying nothing of the sink
      ["a revoked Proxy", revoked, /^the lineage sink's append returned an object whose `then` could not be read, which may be a promise: lineage sinks record synchronously, so nothing was issued \(reading it threw: Cannot perform 'get' on a proxy that has been revoked\)$/],
      ["a `then` getter that throws", () => ({ get then() { throw new Error("no then here"); } }), /^the lineage sink's append returned an object whose `then` could not be read, .*\(reading it threw: no then here\)$/],
      ["a `then` getter throwing an object whose `name` getter throws", () => ({ get then() { throw { get name() { throw new Error("no name"); } }; } }), /^the lineage sink's append returned an object whose `then` could not be read, .*\(reading it threw: \[object Object\]\)$/],
      // the error of calling `then` was thrown
      ["a `then` that throws when called", () => ({ then() { throw new Error("not now"); } }), /^the lineage sink's append returned a promise: lineage sinks record synchronously, so nothing was issued$/],
      // read twice, the second read's error was thrown
      ["a `then` getter answering a function, then throwing", () => ({ get then() { if (reads++ > 0) throw new Error("second read"); return () => {}; } }), /^the lineage sink's append returned a promise: /],
    ];
    for (const [name, returned, message] of cases) {
      const signer = createSigner(issuer);
      let thrown: unknown;
      try {
        authorize(policy, payment(), { signer, lineage: { append: () => returned() as void } });
      } catch (e) {
        thrown = e;
      }
      expect(thrown, name).toBeInstanceOf(TypeError);
      expect((thrown as Error).message, name).toMatch(message);
      expect(signer.head, name).toEqual({ seq: 0, prev: null });
    }
    expect(reads).toBe(1);
  });
});

describe("a signed manifest must describe its module", () => {
  it("refuses a manifest whose memory size is not the module's, even signed", () => {
    const lying = signBundle({ module: bundle.module, manifest: { ...bundle.manifest, memoryPages: bundle.manifest.memoryPages + 1 } }, issuer);
    const r = tryLoadPolicy(lying, { trustedKeys: [issuer.publicKey] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: "manifest_mismatch", message: expect.stringMatching(/not the one the module was compiled with/) });
    expect(tryLoadPolicy(signBundle(bundle, issuer), { trustedKeys: [issuer.publicKey] }).ok).toBe(true);
  });

  it("refuses a cost bound that is not a whole number from 0 to 2^53 - 1, even signed (the null JSON writes for Infinity)", () => {
    const withBound = (costBound: unknown): Bundle => ({ module: bundle.module, manifest: { ...bundle.manifest, costBound: costBound as number } });
    const shown: [unknown, string][] = [[null, "null"], [Infinity, "Infinity"], [-1, "-1"], [1.5, "1.5"], [2 ** 53, "9007199254740992"], ["5", '"5"'], [undefined, "undefined"]];
    for (const [costBound, as] of shown) {
      const r = tryLoadPolicy(withBound(costBound), { allowUnsigned: true });
      expect(r.ok ? "loaded" : { code: r.error.code, message: r.error.message }, as).toEqual({
        code: "malformed",
        message: `the manifest's costBound ${as} is not a whole number from 0 to 9007199254740991`,
      });
    }
    const signed = tryLoadPolicy(signBundle(withBound(null), issuer), { trustedKeys: [issuer.publicKey] });
    expect(signed.ok ? "loaded" : signed.error.code).toBe("malformed");
    // a whole number is of its type, and the module binds it (manifest-binding.ts): another is refused
    for (const costBound of [0, bundle.manifest.costBound + 1, Number.MAX_SAFE_INTEGER]) {
      const r = tryLoadPolicy(withBound(costBound), { allowUnsigned: true });
      expect(r.ok ? "loaded" : r.error.code, String(costBound)).toBe("manifest_mismatch");
    }
    expect(tryLoadPolicy(withBound(bundle.manifest.costBound), { allowUnsigned: true }).ok).toBe(true);
  });

  it("refuses provenance the compiler would not write: a compiler that is not { name: \"writ\", version, optimize }, a source digest that is not 128 lowercase hex, a rule without its line or column", () => {
    const m = bundle.manifest;
    const notCompiler = "the manifest's compiler is not `{ name, version, optimize }` with two strings and a boolean";
    const edits: [string, Manifest, string][] = [
      ["no compiler", { ...m, compiler: undefined as unknown as Manifest["compiler"] }, notCompiler],
      ["compiler without version", { ...m, compiler: { name: "writ", optimize: m.compiler.optimize } as unknown as Manifest["compiler"] }, notCompiler],
      ["compiler without optimize", { ...m, compiler: { name: "writ", version: m.compiler.version } as unknown as Manifest["compiler"] }, notCompiler],
      ["optimize as a string", { ...m, compiler: { ...m.compiler, optimize: "true" as unknown as boolean } }, notCompiler],
      // the compiler's name is provenance no writ compiler writes otherwise (docs/abi.md)
      ["another compiler's name", { ...m, compiler: { ...m.compiler, name: "evil" as "writ" } }, `the manifest's compiler.name is "evil", not "writ": writ's compiler writes its own name there, so a manifest naming another compiler is not one it wrote`],
      ["a compiler name with a line end", { ...m, compiler: { ...m.compiler, name: "writ\nloaded" as "writ" } }, `the manifest's compiler.name is "writ\\nloaded", not "writ": writ's compiler writes its own name there, so a manifest naming another compiler is not one it wrote`],
      ["source digest 'x'", { ...m, sourceDigest: "x" }, `the manifest's sourceDigest ("x") is not a SHA3-512 in 128 lowercase hex digits`],
      ["source digest in capitals", { ...m, sourceDigest: m.sourceDigest.toUpperCase() }, `the manifest's sourceDigest (${JSON.stringify(m.sourceDigest.toUpperCase().slice(0, 40))}) is not a SHA3-512 in 128 lowercase hex digits`],
      ["no source digest", { ...m, sourceDigest: undefined as unknown as string }, "the manifest's sourceDigest (undefined) is not a SHA3-512 in 128 lowercase hex digits"],
      ["a rule without its line", { ...m, rules: m.rules.map((r, i) => (i === 1 ? { ...r, line: undefined as unknown as number } : r)) }, "the manifest's rules[1].line undefined is not a whole number from 1"],
      ["a rule at column 0", { ...m, rules: m.rules.map((r, i) => (i === 0 ? { ...r, column: 0 } : r)) }, "the manifest's rules[0].column 0 is not a whole number from 1"],
    ];
    for (const [what, manifest, message] of edits) {
      const r = tryLoadPolicy({ module: bundle.module, manifest }, { allowUnsigned: true });
      expect(r.ok ? "loaded" : { code: r.error.code, message: r.error.message }, what).toEqual({ code: "malformed", message });
    }
    // provenance is bound to the signature, not the module: signed, the same edit is still refused
    const signed = tryLoadPolicy(signBundle({ module: bundle.module, manifest: edits[2]![1] }, issuer), { trustedKeys: [issuer.publicKey] });
    expect(signed.ok ? "loaded" : signed.error.code).toBe("malformed");
    // a member the format does not name is ignored
    expect(tryLoadPolicy({ module: bundle.module, manifest: { ...m, note: "x" } as Manifest }, { allowUnsigned: true }).ok).toBe(true);
  });

  it("names an ABI version of the wrong type as what it is", () => {
    const r = tryLoadPolicy({ module: bundle.module, manifest: { ...bundle.manifest, abiVersion: "1" as unknown as number } }, { allowUnsigned: true });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: "abi_unsupported", message: 'module ABI version "1" is not supported (this runtime speaks 1)' });
  });

  it("the module states its manifest: a changed bound, rule name or error site is refused, signed or not", () => {
    const schema = structuredClone(bundle.manifest.schema);
    (schema.fields[0]!.type as unknown as { fields: { type: { max: number } }[] }).fields[0]!.type.max = 8; // principal.id: string(64) → string(8)
    const edits: [string, Manifest][] = [
      ["a bound", { ...bundle.manifest, schema }],
      ["a rule name", { ...bundle.manifest, rules: bundle.manifest.rules.map((r, i) => (i === 0 ? { ...r, name: "renamed" } : r)) }],
      ["an error site", { ...bundle.manifest, errorSites: Object.fromEntries(Object.entries(bundle.manifest.errorSites).map(([k, v]) => [k, v + 1])) }],
    ];
    for (const [name, manifest] of edits) {
      for (const edited of [{ module: bundle.module, manifest }, signBundle({ module: bundle.module, manifest }, issuer)]) {
        const r = tryLoadPolicy(edited, { trustedKeys: [issuer.publicKey], allowUnsigned: true });
        expect(r.ok, name).toBe(false);
        if (!r.ok) expect(r.error.code, name).toBe("manifest_mismatch");
      }
    }
    // a module without the section says nothing of its manifest, and is refused too
    const sections = readModule(bundle.module);
    if (!sections.ok) throw new Error(sections.reason);
    const last = sections.module.sections.at(-1)!;
    expect(last.name).toBe(MANIFEST_SECTION);
    const bare = bundle.module.subarray(0, last.start);
    const r = tryLoadPolicy({ module: bare, manifest: { ...bundle.manifest, digests: digestPair(bare) } }, { allowUnsigned: true });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: "manifest_mismatch", message: expect.stringMatching(/no `writ.manifest` section/) });
  });

  it("reads the section's content after its name as encoded, padded length included (as other hosts read it)", () => {
    const read = readModule(bundle.module);
    if (!read.ok) throw new Error(read.reason);
    const last = read.module.sections.at(-1)!;
    const content = bundle.module.subarray(last.contentStart!, last.payloadEnd);
    // the same section with the name's length written in two bytes (0x8d 0x00: 13, padded), as LEB128 allows
    const name = new TextEncoder().encode(MANIFEST_SECTION);
    const payload = [0x80 | name.length, 0x00, ...name, ...content];
    expect(payload.length).toBeLessThan(128 * 128);
    const size = payload.length < 128 ? [payload.length] : [0x80 | (payload.length & 0x7f), payload.length >> 7];
    const module = new Uint8Array([...bundle.module.subarray(0, last.start), 0, ...size, ...payload]);
    expect(tryLoadPolicy({ module, manifest: { ...bundle.manifest, digests: digestPair(module) } }, { allowUnsigned: true }).ok).toBe(true);
  });

  it("two policies that compile to the same code are two modules, and one's artifacts do not verify against the other", async () => {
    const text = (max: number) => `policy "p" version "1"\ninput { id: string(${max}) }\npermit ok\n`;
    const [wide, narrow] = await Promise.all([compilePolicy(text(64), { optimize: false }), compilePolicy(text(8), { optimize: false })]);
    expect(wide.bundle!.manifest.digests.sha3_512).not.toBe(narrow.bundle!.manifest.digests.sha3_512);
    const request = { id: "0123456789" };
    const { artifact } = authorize(loadPolicy(wide.bundle!, { allowUnsigned: true }), request, { signer: createSigner(issuer) });
    expect(loadPolicy(narrow.bundle!, { allowUnsigned: true }).decide(request).decision).toBe("deny");
    expect(verifyArtifact(artifact, { trustedKeys: [issuer.publicKey], trustedPolicies: [narrow.bundle!.manifest.digests], request })).toMatchObject({ ok: false, code: "untrusted_policy" });
    expect(verifyArtifact(artifact, { trustedKeys: [issuer.publicKey], trustedPolicies: [wide.bundle!.manifest.digests], request }).ok).toBe(true);
  });
});


describe("options a host builds from text or with getters", () => {
  it("refuse a flag that is not a boolean, rather than read `\"false\"` as true or `\"true\"` as false", () => {
    const signer = createSigner(issuer);
    const deny = authorize(policy, payment(10 ** 9), { signer });
    expect(deny.decision.decision).toBe("deny");
    for (const requireAllow of ["true", 1, "yes"])
      expect(verifyArtifact(deny.artifact, { trustedKeys: [issuer.publicKey], requireAllow } as unknown as VerifyArtifactOptions)).toMatchObject({ ok: false, code: "bad_options" });
    expect(verifyArtifact(deny.artifact, { trustedKeys: [issuer.publicKey], ignoreExpiry: "true" } as unknown as VerifyArtifactOptions)).toMatchObject({ ok: false, code: "bad_options" });
    // and `true`, which verifyArtifact does not do, is said to be so: the artifact was refused as expired
    const old = authorize(policy, payment(10), { signer: createSigner(issuer), now: new Date(Date.now() - 86_400_000) });
    expect(verifyArtifact(old.artifact, { trustedKeys: [issuer.publicKey] })).toMatchObject({ ok: false, code: "expired" });
    expect(verifyArtifact(old.artifact, { trustedKeys: [issuer.publicKey], ignoreExpiry: true } as unknown as VerifyArtifactOptions)).toMatchObject({
      ok: false,
      code: "bad_options",
      message: expect.stringMatching(/ignoreExpiry is verifyBatchedArtifact's option/),
    });
    const unsigned: Bundle = { module: bundle.module, manifest: bundle.manifest };
    for (const allowUnsigned of ["false", "no", 0]) {
      const load = tryLoadPolicy(unsigned, { allowUnsigned } as never);
      expect(load.ok ? "loaded" : load.error.code).toBe("bad_options");
    }
    expect(tryLoadPolicy(unsigned, { trustedKeys: issuer.publicKey } as never)).toMatchObject({ ok: false, error: { code: "bad_options" } });
    expect(tryLoadPolicy(unsigned, null as never)).toMatchObject({ ok: false, error: { code: "bad_options" } });
  });

  it("read each trusted key and policy once: a getter that throws or changes on a second read is not met", () => {
    const signer = createSigner(issuer);
    const { artifact } = authorize(policy, payment(), { signer });
    let reads = 0;
    const key = { get keyId() { if (++reads > 1) throw new Error("read twice"); return issuer.publicKey.keyId; }, bytes: issuer.publicKey.bytes };
    expect(verifyArtifact(artifact, { trustedKeys: [key], trustedPolicies: [policy.digests] })).toMatchObject({ ok: true });
    // a reason that cannot be shown still gives an answer, not an exception
    const nasty = { get trustedKeys(): never { throw Object.create(null); } };
    expect(verifyArtifact(artifact, nasty as unknown as VerifyArtifactOptions)).toMatchObject({ ok: false, code: "bad_options" });
  });
});
