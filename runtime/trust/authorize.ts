// Issuing authorization artifacts: decide a request, state the decision with everything needed to
// check it later (policy digests, request digest, issuer, validity, lineage link), sign the statement
// as a compact JWS, record it, and advance the chain. Denials are issued too: the audit trail shows
// what was refused, not only what was allowed.

import type { Decision } from "../decision.js";
import type { DecidingPolicy } from "../policy-types.js";
import { bytesToHex, utf8Encode } from "../crypto/base64url.js";
import { canonicalize } from "./jcs.js";
import { requestDigest } from "./request-digest.js";
import type { Signer } from "./signer.js";
import { decideSafely, unrepresentableDecision } from "./statement.js";
import { ARTIFACT_TYP, STATEMENT_FORMAT, type LineageSink, type Statement } from "./types.js";

export const DEFAULT_TTL_SECONDS = 300;

export interface AuthorizeOptions {
  readonly signer: Signer;
  /** receives every artifact before it is returned (the lineage log) */
  readonly lineage?: LineageSink;
  /** validity from `iat` to `exp`; a positive integer, 300 when absent */
  readonly ttlSeconds?: number;
  /** the clock; tests pin it */
  readonly now?: () => Date;
}

export interface Authorization {
  readonly decision: Decision;
  /** compact JWS, header `{alg: "EdDSA", kid, typ: "writ-authz+jws"}`, payload the statement's canonical JSON */
  readonly artifact: string;
  readonly statement: Statement;
}

// Random ids come from a pool refilled 64 ids at a time: one CSPRNG call per id costs several
// microseconds, a noticeable share of an authorization.
const ID_BYTES = 16;
const pool = new Uint8Array(ID_BYTES * 64);
let poolOffset = pool.length;

function randomId(): string {
  if (poolOffset === pool.length) {
    globalThis.crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  const id = bytesToHex(pool.subarray(poolOffset, poolOffset + ID_BYTES));
  // Zero what was handed out, so no id's bytes linger in memory to be reused by mistake.
  pool.fill(0, poolOffset, poolOffset + ID_BYTES);
  poolOffset += ID_BYTES;
  return id;
}

/**
 * Decides `request` with `policy` and issues the signed artifact. Never throws for a bad request or a
 * faulty policy (both are denies stated in the artifact). Throws only when the caller's setup is
 * wrong (a ttl that is not a positive integer, a clock that is not a Date) or the lineage sink throws;
 * in that last case nothing was issued and the signer's chain head is unchanged.
 */
export function authorize(policy: DecidingPolicy, request: unknown, options: AuthorizeOptions): Authorization {
  const ttl = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  if (!Number.isSafeInteger(ttl) || ttl <= 0) throw new RangeError(`ttlSeconds must be a positive integer, got ${ttl}`);
  const now = options.now ? options.now() : new Date();
  const nowMs = now instanceof Date ? now.getTime() : NaN;
  if (!Number.isFinite(nowMs)) throw new RangeError("the clock returned an invalid Date");
  const { signer } = options;

  const digest = requestDigest(request, signer.path);
  const decision = digest.ok ? decideSafely(policy, request) : unrepresentableDecision(digest);

  const iat = Math.floor(nowMs / 1000);
  const head = signer.head;
  const statement: Statement = {
    v: STATEMENT_FORMAT,
    jti: randomId(),
    iss: signer.keyId,
    iat,
    exp: iat + ttl,
    decision: decision.decision,
    rules: decision.rules,
    errors: decision.errors,
    policy: { name: policy.name, version: policy.version, sha3_512: policy.digests.sha3_512, blake2b_512: policy.digests.blake2b_512 },
    request: { sha3_512: digest.sha3_512 },
    lineage: { seq: head.seq, prev: head.prev === null ? null : { sha3_512: head.prev.sha3_512, blake2b_512: head.prev.blake2b_512 } },
  };
  const artifact = signer.signJws({ typ: ARTIFACT_TYP }, utf8Encode(canonicalize(statement)));
  options.lineage?.append(artifact, statement);
  signer.advance(artifact);
  return { decision, artifact, statement };
}
