// A host policy (any object with a policy's members) may answer with a Decision too long to sign:
// such an answer is issued as the policy-fault deny, as any faulty answer is, and nothing throws into
// the host. The bound is on what the decision's rules and errors take in the statement, as canonical
// JSON in UTF-8: counted in characters of text, it let through messages that JSON writes 6-fold
// (U+0001 is `\u0001`) and errors that are many and empty, and authorize and authorizeBatch threw a
// TypeError for an artifact longer than verifiers read.

import { describe, expect, it } from "vitest";
import type { Decision } from "../../runtime/decision.js";
import { authorize } from "../../runtime/trust/authorize.js";
import { createBatchAuthorizer } from "../../runtime/trust/batch.js";
import { canonicalize } from "../../runtime/trust/jcs.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { POLICY_FAULT_RULE } from "../../runtime/trust/statement.js";
import { MAX_ARTIFACT_LENGTH, verifyArtifact } from "../../runtime/trust/verify-artifact.js";
import { ADMIN_OK, fakePolicy } from "./fake-policy.js";

const key = generateKeyPair();
const NOW = new Date("2025-01-01T00:00:00Z");
/** The most bytes a decision's rules and errors may take in its statement (576 KiB, docs/artifacts.md) */
const MAX_DECISION_JSON = 589_824;

/** What a decision's rules and errors take in its statement: their canonical JSON, in UTF-8. */
function jsonBytes(d: Decision): number {
  return Buffer.byteLength(canonicalize(d.rules)) + Buffer.byteLength(canonicalize(d.errors));
}

const withMessage = (message: string): Decision => ({ decision: "deny", rules: [], errors: [{ rule: "r", code: "internal", message, at: 0 }] });

/** Both issuers' answer for a host policy that decides `answer`: the decision issued, and whether its artifact verifies. */
function issuedFor(answer: Decision): { decision: Decision; verifies: boolean }[] {
  const policy = fakePolicy({ decide: () => answer });
  const options = { trustedKeys: [key.publicKey], trustedPolicies: [policy.digests], now: NOW };
  const single = authorize(policy, ADMIN_OK, { signer: createSigner(key), now: NOW });
  const [batched] = createBatchAuthorizer({ signer: createSigner(key), now: NOW }).authorizeBatch(policy, [ADMIN_OK]);
  return [single, batched!].map(({ decision, artifact }) => {
    expect(artifact.length).toBeLessThanOrEqual(MAX_ARTIFACT_LENGTH);
    return { decision, verifies: verifyArtifact(artifact, options).ok };
  });
}

/** The policy-fault deny for a decision of `bytes` bytes of JSON. */
function faultFor(bytes: number): Decision {
  return {
    decision: "deny",
    rules: [],
    errors: [
      {
        rule: POLICY_FAULT_RULE,
        code: "internal",
        message: `the policy's decision takes ${bytes} bytes in its statement (its rules and errors as canonical JSON, in UTF-8), more than the ${MAX_DECISION_JSON} an artifact can carry`,
        at: -1,
      },
    ],
  };
}

const TOO_LONG: [string, Decision][] = [
  ["a message of 140,000 U+0001 (6 bytes each in JSON)", withMessage("\u0001".repeat(140_000))],
  ["a message of 190,000 U+0001", withMessage("\u0001".repeat(190_000))],
  ["a message of 300,000 quotes (2 bytes each)", withMessage('"'.repeat(300_000))],
  ["a message of 700,000 plain characters", withMessage("a".repeat(700_000))],
  // a host's decide may give any text as an error's code
  ["30,000 empty errors", { decision: "deny", rules: [], errors: Array.from({ length: 30_000 }, () => ({ rule: "", code: "" as "internal", message: "", at: -9007199254740991 })) }],
  ["20,000 empty request errors", { decision: "deny", rules: [], errors: Array.from({ length: 20_000 }, () => ({ rule: null, code: "" as "invalid_request", message: "", path: "" })) }],
  ["400,000 empty rule names", { decision: "allow", rules: Array<string>(400_000).fill(""), errors: [] }],
];

describe("a host policy's decision too long for its statement", () => {
  for (const [label, answer] of TOO_LONG) {
    it(`is issued as the policy-fault deny, naming its length, by authorize and authorizeBatch: ${label}`, () => {
      expect(jsonBytes(answer)).toBeGreaterThan(MAX_DECISION_JSON);
      for (const issued of issuedFor(answer)) expect(issued).toEqual({ decision: faultFor(jsonBytes(answer)), verifies: true });
    });
  }
});

describe("a host policy's decision at the bound", () => {
  // for each character, how many bytes JSON writes it in
  const WIDTHS: [string, string, number][] = [
    ["U+0001", "\u0001", 6],
    ["tabs", "\t", 2],
    ["backslashes", "\\", 2],
    ["plain characters", "a", 1],
    ["é", "é", 2],
    ["管", "管", 3],
    ["characters above U+FFFF", "😀", 4],
  ];
  for (const [label, c, width] of WIDTHS) {
    it(`is issued as decided when it takes MAX_DECISION_JSON bytes, and as the policy-fault deny one byte past it: ${label}`, () => {
      const room = MAX_DECISION_JSON - jsonBytes(withMessage(""));
      const count = Math.floor(room / width);
      const fits = withMessage(c.repeat(count) + "a".repeat(room - count * width));
      expect(jsonBytes(fits)).toBe(MAX_DECISION_JSON);
      for (const issued of issuedFor(fits)) expect(issued).toEqual({ decision: fits, verifies: true });
      const past = withMessage(`${fits.errors[0]!.message}a`);
      for (const issued of issuedFor(past)) expect(issued).toEqual({ decision: faultFor(MAX_DECISION_JSON + 1), verifies: true });
    });
  }
});
