// Verification before execution: the executor of an action checks an authorization artifact before
// acting on it — envelope, header, key, signature, statement, validity window, policy, request, and
// (when asked) that it is an allow. The first failure is returned with its own code. Either kind of
// artifact: a compact JWS, or a batched artifact, whose inclusion proof and signed tree head are
// checked instead of a signature of its own (batch-artifact.ts).

import type { CryptoPath, DigestPair } from "../crypto/digest.js";
import { headerProblem, parseCompact, verifyJws } from "./jws.js";
import { requestDigest } from "./request-digest.js";
import { parseStatement } from "./statement.js";
import { ARTIFACT_TYP, type ArtifactErrorCode, type PublicKey, type Statement } from "./types.js";
import { isBatchedText, verifyBatchedArtifact } from "./batch-artifact.js";
import { validityClock } from "./validity.js";

export { DEFAULT_CLOCK_SKEW_SECONDS } from "./validity.js";
export type { ArtifactErrorCode } from "./types.js";

export type ArtifactVerification = { ok: true; statement: Statement } | { ok: false; code: ArtifactErrorCode; message: string };

export interface VerifyArtifactOptions {
  /** issuer keys; the artifact's `kid` must be one of them */
  readonly trustedKeys: readonly PublicKey[];
  /** module digest pairs; when given, the artifact's policy must match one of them (both digests) */
  readonly trustedPolicies?: readonly DigestPair[];
  /** when given, the artifact must be about exactly this request (SHA3-512 of its canonical JSON) */
  readonly request?: unknown;
  /** when true, a deny is refused with `not_allowed` */
  readonly requireAllow?: boolean;
  readonly now?: Date;
  /** tolerance on both ends of the validity window; 30 s when absent */
  readonly clockSkewSeconds?: number;
  readonly path?: CryptoPath;
}

/** An artifact is a few hundred bytes to a few KiB; a megabyte is not an artifact. */
export const MAX_ARTIFACT_LENGTH = 1024 * 1024;

function fail(code: ArtifactErrorCode, message: string): ArtifactVerification {
  return { ok: false, code, message };
}

/**
 * Verifies an authorization artifact of either kind. A compact JWS: header, key, signature, then the
 * statement. A batched artifact (JSON text, recognised by its opening brace, which base64url never
 * starts with): the statement's inclusion proof against the tree head, whose JWS is checked as the
 * signature. Then, for both, the validity window and the checks `options` ask for. Never throws.
 */
export function verifyArtifact(token: string, options: VerifyArtifactOptions): ArtifactVerification {
  if (typeof options !== "object" || options === null || !Array.isArray(options.trustedKeys))
    return fail("bad_options", "the options must give `trustedKeys`, a list of public keys");
  const clock = validityClock(options);
  if (!clock.ok) return fail("bad_options", clock.message);
  const text = typeof token === "string" ? token.trim() : token;
  if (typeof text === "string" && isBatchedText(text)) {
    // the options named one by one: nothing else (`ignoreExpiry`, say) reaches the batched check
    const { trustedKeys, trustedPolicies, requireAllow, now, clockSkewSeconds, path } = options;
    const request = "request" in options ? { request: options.request } : {};
    const batched = verifyBatchedArtifact(text, { trustedKeys, trustedPolicies, requireAllow, now, clockSkewSeconds, path, ...request });
    return batched.ok ? { ok: true, statement: batched.statement } : batched;
  }
  const parsed = parseCompact(text, MAX_ARTIFACT_LENGTH);
  if (!parsed.ok) return fail("malformed", parsed.message);
  const { jws } = parsed;
  const problem = headerProblem(jws.header, ARTIFACT_TYP);
  if (problem) return fail("bad_header", problem);
  const kid = jws.header["kid"] as string;
  const key = options.trustedKeys.find((k) => k.keyId === kid);
  if (!key) return fail("unknown_key", `artifact is signed by key ${kid}, which is not a trusted issuer`);
  if (!verifyJws(jws, key.bytes, options.path)) return fail("bad_signature", `signature does not verify with key ${kid}`);

  const read = parseStatement(jws.payload);
  if (!read.ok) return fail("malformed", read.message);
  const { statement } = read;
  if (statement.iss !== kid) return fail("malformed", `statement issuer ${statement.iss} is not the signing key ${kid}`);

  const { now, skew } = clock;
  if (!(now < statement.exp + skew))
    return fail("expired", `artifact expired at ${new Date(statement.exp * 1000).toISOString()} (now ${new Date(now * 1000).toISOString()})`);
  if (now < statement.iat - skew) return fail("not_yet_valid", `artifact is issued for ${new Date(statement.iat * 1000).toISOString()}, in the future`);

  if (options.trustedPolicies !== undefined) {
    const p = statement.policy;
    if (!options.trustedPolicies.some((t) => t.sha3_512 === p.sha3_512 && t.blake2b_512 === p.blake2b_512))
      return fail("untrusted_policy", `policy ${p.name} ${p.version} (module sha3-512 ${p.sha3_512.slice(0, 16)}…) is not a trusted module`);
  }
  if ("request" in options) {
    const digest = requestDigest(options.request, options.path);
    if (!digest.ok) return fail("request_mismatch", `the request to check has no canonical JSON (${digest.reason} at \`${digest.path}\`)`);
    if (digest.sha3_512 !== statement.request.sha3_512) return fail("request_mismatch", "artifact was issued for a different request");
  }
  if (options.requireAllow && statement.decision !== "allow")
    return fail("not_allowed", `artifact records a deny${statement.rules.length ? ` by ${statement.rules.join(", ")}` : ""}`);
  return { ok: true, statement };
}
