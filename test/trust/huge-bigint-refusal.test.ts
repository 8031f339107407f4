// A request holding one huge BigInt has no canonical JSON: it is refused with a deny that names the
// BigInt by its size, as `decide` does, and stays small whatever the BigInt. Written out in decimal,
// a BigInt of 2^22 bits made the deny's artifact larger than a verifier reads, so authorize threw,
// a batch holding it threw for every request in it, and guard blamed the policy.

import { describe, expect, it } from "vitest";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { authorize } from "../../runtime/trust/authorize.js";
import { createBatchAuthorizer } from "../../runtime/trust/batch.js";
import { GuardError, guard } from "../../runtime/trust/guard.js";
import { canonicalJson } from "../../runtime/trust/jcs.js";
import { requestDigest } from "../../runtime/trust/request-digest.js";
import { MAX_REFUSAL_TEXT, unrepresentableDecision } from "../../runtime/trust/statement.js";
import { loadPolicy } from "../../runtime/policy.js";
import { handBundle } from "../runtime/hand-bundle.js";

const issuer = generateKeyPair();
// `{ n: int }`, allowing every valid request
const policy = loadPolicy(handBundle({ allow: true }), { allowUnsigned: true });
const HUGE = { n: 1n << (1n << 22n) }; // 4,194,305 bits
const HUGE_REASON = "request is not JSON-representable: integer (a BigInt of 4194305 bits) is beyond ±(2^53 − 1) and has no exact JSON number";
const SMALL = 10_000;

describe("a request holding a huge BigInt", () => {
  it("authorize issues a small deny naming the BigInt by its size", () => {
    const { decision, artifact } = authorize(policy, HUGE, { signer: createSigner(issuer) });
    expect(decision).toEqual({ decision: "deny", rules: [], errors: [{ rule: null, code: "invalid_request", message: HUGE_REASON, path: "n" }] });
    expect(artifact.length).toBeLessThan(SMALL);
  });

  it("authorizeBatch denies it and issues the valid request beside it", () => {
    const [refused, valid] = createBatchAuthorizer({ signer: createSigner(issuer) }).authorizeBatch(policy, [HUGE, { n: 1 }]);
    expect(refused!.decision.errors).toEqual([{ rule: null, code: "invalid_request", message: HUGE_REASON, path: "n" }]);
    expect(refused!.artifact.length).toBeLessThan(SMALL);
    expect(valid!.decision).toEqual({ decision: "allow", rules: ["ok"], errors: [] });
  });

  it("guard rejects it as an invalid request, with a small deny issued", async () => {
    let thrown: unknown;
    await guard(policy, HUGE, () => "ran", { signer: createSigner(issuer) }).catch((e: unknown) => (thrown = e));
    expect(thrown).toBeInstanceOf(GuardError);
    const error = thrown as GuardError;
    expect(error.code).toBe("invalid_request");
    expect(error.decision?.errors[0]?.message).toBe(HUGE_REASON);
    expect(error.artifact!.length).toBeLessThan(SMALL);
  });

  it("canonicalJson names a BigInt past 128 bits by its size, and writes one up to 128 bits whole", () => {
    expect(canonicalJson({ n: 1n << 4096n }, { bigint: "safe-number" })).toEqual({
      ok: false,
      reason: "integer (a BigInt of 4097 bits) is beyond ±(2^53 − 1) and has no exact JSON number",
      path: "n",
    });
    expect(canonicalJson({ n: -(1n << 4096n) }, { bigint: "safe-number" })).toMatchObject({ ok: false, reason: expect.stringMatching(/^integer -\(a BigInt of 4097 bits\) /) });
    const widest = (1n << 128n) - 1n;
    expect(canonicalJson({ n: widest }, { bigint: "safe-number" })).toMatchObject({ ok: false, reason: `integer ${widest} is beyond ±(2^53 − 1) and has no exact JSON number` });
  });
});

describe("a refused request's deny is bounded whatever its reason and path", () => {
  it("cuts a long reason and a long path", () => {
    const digest = { ok: false as const, sha3_512: requestDigest({}).sha3_512, reason: "r".repeat(5 * MAX_REFUSAL_TEXT), path: "p".repeat(5 * MAX_REFUSAL_TEXT) };
    const [error] = unrepresentableDecision(digest).errors;
    expect(error!.message).toBe(`request is not JSON-representable: ${"r".repeat(MAX_REFUSAL_TEXT - 1)}…`);
    expect((error as { path: string }).path).toBe(`${"p".repeat(MAX_REFUSAL_TEXT - 1)}…`);
  });

  it("a refusal deep under long keys is issued small", () => {
    // 255 levels of keys of 64 control characters, each written `\u0001` in the path
    let deep: unknown = 1n << 100n;
    for (let i = 0; i < 255; i++) deep = { ["\u0001".repeat(64)]: deep };
    const { decision, artifact } = authorize(policy, { n: 1, x: deep }, { signer: createSigner(issuer) });
    expect(decision.errors[0]?.message).toBe("request is not JSON-representable: integer 1267650600228229401496703205376 is beyond ±(2^53 − 1) and has no exact JSON number");
    expect(artifact.length).toBeLessThan(SMALL);
  });
});
