// Replay: given an artifact, the request and the policy module, re-evaluate and confirm the artifact
// states exactly what this module decides for this request — same module digests, same request
// digest, same decision, rules and errors. Replay checks the content, not who signed it (that is
// verifyArtifact's job), so an auditor can replay artifacts from issuers they do not hold keys for.

import { canonicalize } from "./jcs.js";
import { digestPair, type CryptoPath } from "../crypto/digest.js";
import type { DecidingPolicy } from "../policy-types.js";
import { readRequest } from "./request-digest.js";
import { decideSafely, unrepresentableDecision } from "./statement.js";
import { statementOf } from "./lineage-record.js";

export type ReplayResult = { ok: true } | { ok: false; differences: string[] };

function short(hex: string): string {
  return `${hex.slice(0, 16)}…`;
}

export function replayArtifact(token: string, request: unknown, policy: DecidingPolicy, options: { path?: CryptoPath } = {}): ReplayResult {
  // either kind of artifact (a compact JWS, or a batched one), without checking signatures
  const read = typeof token === "string" ? statementOf(token.trim()) : ({ ok: false, reason: "an artifact is text" } as const);
  if (!read.ok) return { ok: false, differences: [`malformed: ${read.reason}`] };
  const s = read.statement;
  const differences: string[] = [];

  // The module's identity is its bytes: recompute rather than trusting what the policy object claims.
  const module = digestPair(policy.module, options.path);
  if (module.sha3_512 !== s.policy.sha3_512 || module.blake2b_512 !== s.policy.blake2b_512)
    differences.push(
      `module: the artifact was issued by module sha3-512 ${short(s.policy.sha3_512)} (${s.policy.name} ${s.policy.version}), this module is ${short(module.sha3_512)} (${policy.name} ${policy.version})`,
    );

  const { data, digest } = readRequest(request, options.path);
  if (digest.sha3_512 !== s.request.sha3_512)
    differences.push(
      digest.ok
        ? `request: the artifact was issued for request sha3-512 ${short(s.request.sha3_512)}, this request is ${short(digest.sha3_512)}`
        : `request: this request has no canonical JSON (${digest.reason} at \`${digest.path}\`)`,
    );

  const decision = digest.ok ? decideSafely(policy, data) : unrepresentableDecision(digest);
  if (decision.decision !== s.decision) differences.push(`decision: the artifact says ${s.decision}, re-evaluation gives ${decision.decision}`);
  const rulesThen = canonicalize(s.rules);
  const rulesNow = canonicalize(decision.rules);
  if (rulesThen !== rulesNow) differences.push(`rules: the artifact names ${rulesThen}, re-evaluation gives ${rulesNow}`);
  const errorsThen = canonicalize(s.errors);
  const errorsNow = canonicalize(decision.errors);
  if (errorsThen !== errorsNow) differences.push(`errors: the artifact records ${errorsThen}, re-evaluation gives ${errorsNow}`);

  return differences.length === 0 ? { ok: true } : { ok: false, differences };
}
