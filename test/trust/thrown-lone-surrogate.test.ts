// What a host's code throws is quoted in the deny that authorize signs: a getter of the request that
// throws, a policy whose decide throws. Thrown text holding a lone surrogate has no UTF-8 form, so it
// is written with the surrogate escaped; quoted as it was, the deny had no canonical JSON and
// authorize threw (for a whole batch in authorizeBatch) instead of issuing it.

import { describe, expect, it } from "vitest";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { authorize } from "../../runtime/trust/authorize.js";
import { createBatchAuthorizer } from "../../runtime/trust/batch.js";
import { GuardError, guard } from "../../runtime/trust/guard.js";
import { describeThrown, MAX_THROWN_DESCRIPTION } from "../../runtime/thrown.js";
import { isWellFormed } from "../../runtime/strings.js";
import { loadPolicy } from "../../runtime/policy.js";
import type { LoadedPolicy } from "../../runtime/policy.js";
import { handBundle } from "../runtime/hand-bundle.js";

const issuer = generateKeyPair();
// `{ n: int }`, allowing every valid request
const policy = loadPolicy(handBundle({ allow: true }), { allowUnsigned: true });

/** a request whose `n` throws `thrown` when read */
function throwing(thrown: unknown): object {
  const request = {};
  Object.defineProperty(request, "n", { enumerable: true, get: () => { throw thrown; } });
  return request;
}

const messages = (errors: readonly { message: string }[]) => errors.map((e) => e.message).join("\n");

describe("thrown text holding a lone surrogate", () => {
  it("describeThrown escapes lone surrogates, keeps pairs, and stays within its bound", () => {
    expect(describeThrown(new Error("x\ud800y"))).toBe("x\\ud800y");
    expect(describeThrown("\udfffabc")).toBe("\\udfffabc");
    expect(describeThrown("a\ud83d\ude00b")).toBe("a\ud83d\ude00b");
    const long = describeThrown("\ud800".repeat(1000));
    expect(long.length).toBeLessThanOrEqual(MAX_THROWN_DESCRIPTION);
    expect(isWellFormed(long)).toBe(true);
    // a pair cut where the text is sliced before escaping
    const edge = describeThrown("a".repeat(MAX_THROWN_DESCRIPTION) + "\ud83d\ude00");
    expect(isWellFormed(edge)).toBe(true);
    expect(edge.length).toBeLessThanOrEqual(MAX_THROWN_DESCRIPTION);
  });

  it("authorize issues a deny for a request whose getter throws it", () => {
    for (const thrown of [new Error("x\ud800y"), "\udfff"]) {
      const { decision, artifact } = authorize(policy, throwing(thrown), { signer: createSigner(issuer) });
      expect(decision.decision).toBe("deny");
      expect(messages(decision.errors)).toMatch(/\\ud800|\\udfff/);
      expect(artifact.length).toBeGreaterThan(0);
    }
  });

  it("authorizeBatch denies that request and issues the valid one beside it", () => {
    const [refused, valid] = createBatchAuthorizer({ signer: createSigner(issuer) }).authorizeBatch(policy, [throwing(new Error("x\ud800y")), { n: 1 }]);
    expect(refused!.decision.decision).toBe("deny");
    expect(messages(refused!.decision.errors)).toContain("x\\ud800y");
    expect(valid!.decision).toEqual({ decision: "allow", rules: ["ok"], errors: [] });
  });

  it("guard rejects it as an invalid request, not as a policy error", async () => {
    let thrown: unknown;
    await guard(policy, throwing(new Error("x\ud800y")), () => "ran", { signer: createSigner(issuer) }).catch((e: unknown) => (thrown = e));
    expect(thrown).toBeInstanceOf(GuardError);
    expect((thrown as GuardError).code).toBe("invalid_request");
  });

  it("authorize issues a deny for a policy whose decide throws it", () => {
    const faulty = Object.create(policy, { decide: { value: () => { throw new Error("bad \ud800"); } } }) as LoadedPolicy;
    const { decision } = authorize(faulty, { n: 1 }, { signer: createSigner(issuer) });
    expect(decision.decision).toBe("deny");
    expect(messages(decision.errors)).toContain("bad \\ud800");
  });
});
