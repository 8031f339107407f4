// A member whose value is undefined is no member, as in JSON: `{ ticket: maybeTicket }` must be the
// same request to decide (fast path or general), to authorize (the digest it signs and the decision
// it states) and to a verifier recomputing the digest from the host's object, as to anyone holding
// the request as JSON text. Decide read an optional field set to undefined as absent while authorize
// refused the request as not JSON-representable: one request, an allow and a deny.

import { beforeAll, describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { loadPolicy } from "../../runtime/policy.js";
import type { DecidingPolicy } from "../../runtime/policy-types.js";
import { authorize } from "../../runtime/trust/authorize.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { requestDigest } from "../../runtime/trust/request-digest.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { verifyArtifact } from "../../runtime/trust/verify-artifact.js";

const SOURCE = `policy "tickets" version "1"
input {
  principal: { id: string, ticket?: string }
  limits: map<string, int>
  steps: list<int>
}
permit ticketed when has(principal.ticket) && principal.ticket.startsWith("T-")
permit small when !has(principal.ticket) && !("max" in limits)
`;

let policy: DecidingPolicy;
const key = generateKeyPair();

beforeAll(async () => {
  const compiled = await compilePolicy(SOURCE, { fileName: "tickets.writ" });
  if (!compiled.bundle) throw new Error(compiled.diagnostics.map((d) => d.message).join("\n"));
  policy = loadPolicy(compiled.bundle, { allowUnsigned: true });
}, 60_000);

describe("a member whose value is undefined", () => {
  const cases: [string, unknown, "allow" | "deny"][] = [
    ["an optional field set to undefined", { principal: { id: "a", ticket: undefined }, limits: {}, steps: [] }, "allow"],
    ["an unknown key set to undefined", { principal: { id: "a", tikcet: undefined }, limits: {}, steps: [] }, "allow"],
    ["a map entry set to undefined", { principal: { id: "a" }, limits: { max: undefined }, steps: [] }, "allow"],
    ["a required field set to undefined", { principal: { id: undefined }, limits: {}, steps: [] }, "deny"],
    ["a list element that is undefined (JSON would write null)", { principal: { id: "a" }, limits: {}, steps: [undefined] }, "deny"],
  ];

  it.each(cases)("%s: decide, authorize and the verifier read the request JSON would carry", (_, request, expected) => {
    const asJson = JSON.parse(JSON.stringify(request)) as unknown;
    const decided = policy.decide(request);
    expect(decided.decision).toBe(expected);
    expect(policy.decide(asJson).decision).toBe(expected === "allow" ? "allow" : decided.decision);
    const issued = authorize(policy, request, { signer: createSigner(key) });
    // (a deny may be stated with another reason: authorize refuses what has no JSON form first)
    if (expected === "deny") return expect(issued.decision.decision).toBe("deny");
    expect(issued.decision).toEqual(decided);
    // the digest signed is that of the JSON text's request, and a verifier given the host's object agrees
    expect(issued.statement.request.sha3_512).toBe(requestDigest(asJson).sha3_512);
    expect(verifyArtifact(issued.artifact, { trustedKeys: [key.publicKey], request, requireAllow: true })).toMatchObject({ ok: true });
    expect(verifyArtifact(issued.artifact, { trustedKeys: [key.publicKey], request: asJson, requireAllow: true })).toMatchObject({ ok: true });
  });

  it("the package's validator reads them as decide does", async () => {
    const { compileRequestCheck } = await import("../../runtime/index.js");
    const check = compileRequestCheck(policy.manifest.schema);
    for (const [what, request, expected] of cases) expect(check(request) === undefined ? "allow" : "deny", what).toBe(expected);
  });

  it("a required field set to undefined is missing, and says so", () => {
    expect(policy.decide({ principal: { id: undefined }, limits: {}, steps: [] }).errors[0]).toMatchObject({ path: "principal.id", message: expect.stringMatching(/missing required field/) });
  });
});
