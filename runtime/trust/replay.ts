// Replay: given an artifact, the request and the policy module, re-evaluate and confirm the artifact
// states exactly what this module decides for this request — same module digests, same request
// digest, same decision, rules and errors. Replay checks the content, not who signed it (that is
// verifyArtifact's job), so an auditor can replay artifacts from issuers they do not hold keys for.

import { canonicalize } from "./jcs.js";
import { digestPair, type CryptoPath } from "../crypto/digest.js";
import type { DecidingPolicy } from "../policy-types.js";
import { parseCompact } from "./jws.js";
import { readRequest } from "./request-digest.js";
import { decideSafely, parseStatement, unrepresentableDecision } from "./statement.js";
import { MAX_ARTIFACT_LENGTH } from "./verify-artifact.js";
import { parseBatchedArtifact } from "./batch-artifact.js";
import type { Statement } from "./types.js";

export type ReplayResult = { ok: true } | { ok: false; differences: string[] };

function short(hex: string): string {
  return `${hex.slice(0, 16)}…`;
}

/** The statement of a compact JWS artifact or of a batched one (JSON text), without checking signatures. */
function statementOfToken(token: string): { ok: true; statement: Statement } | { ok: false; message: string } {
  const text = typeof token === "string" ? token.trim() : token;
  if (typeof text === "string" && text.startsWith("{")) {
    const batched = parseBatchedArtifact(text);
    return batched.ok ? { ok: true, statement: batched.artifact.statement } : { ok: false, message: batched.reason };
  }
  const parsed = parseCompact(text, MAX_ARTIFACT_LENGTH);
  if (!parsed.ok) return { ok: false, message: parsed.message };
  const read = parseStatement(parsed.jws.payload);
  return read.ok ? { ok: true, statement: read.statement } : { ok: false, message: read.message };
}

export function replayArtifact(token: string, request: unknown, policy: DecidingPolicy, options: { path?: CryptoPath } = {}): ReplayResult {
  const read = statementOfToken(token);
  if (!read.ok) return { ok: false, differences: [`artifact is malformed: ${read.message}`] };
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
