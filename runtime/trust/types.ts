// Shared shapes of the trust layer: keys, the decision statement an authorization artifact carries,
// the chain head a signer keeps, and the sink that lineage logs implement. Kept free of code so the
// lineage log (runtime/trust/lineage*.ts) and hosts can depend on the shapes alone.

import type { DecisionError } from "../decision.js";
import type { DigestPair } from "../crypto/digest.js";

/** An Ed25519 public key with its id (RFC 7638 JWK thumbprint, base64url SHA-256). */
export interface PublicKey {
  readonly keyId: string;
  /** the 32-byte encoded point */
  readonly bytes: Uint8Array;
}

/** An Ed25519 private key: its 32-byte seed (RFC 8032 "private key") and the public half. */
export interface PrivateKey {
  readonly keyId: string;
  readonly seed: Uint8Array;
  readonly publicKey: PublicKey;
}

/** Where the next artifact of a chain links to. Genesis: `{ seq: 0, prev: null }`. */
export interface ChainHead {
  /** sequence number the next artifact will carry */
  readonly seq: number;
  /** SHA3-512 and BLAKE2b-512 of the previous artifact's compact JWS (its ASCII bytes); null at genesis */
  readonly prev: DigestPair | null;
}

/** The lineage link inside a statement. */
export interface LineageLink {
  readonly seq: number;
  readonly prev: DigestPair | null;
}

/**
 * The decision statement: the JWS payload of an authorization artifact, serialised as RFC 8785
 * canonical JSON. Field names follow JWT claims where one exists (iss, iat, exp, jti) so generic
 * JWT tooling understands issuer and expiry. docs/artifacts.md describes every field.
 */
export interface Statement {
  /** statement format, `writ-authz/1` */
  readonly v: typeof STATEMENT_FORMAT;
  /** random 128-bit id, 32 lowercase hex digits */
  readonly jti: string;
  /** issuer key id (equals the JWS header `kid`) */
  readonly iss: string;
  /** issued at, seconds since the epoch (integer) */
  readonly iat: number;
  /** expires at, seconds since the epoch (integer) */
  readonly exp: number;
  readonly decision: "allow" | "deny";
  /** the deciding rules, as the policy returned them */
  readonly rules: readonly string[];
  readonly errors: readonly DecisionError[];
  readonly policy: {
    readonly name: string;
    readonly version: string;
    /** digests of the decision module bytes */
    readonly sha3_512: string;
    readonly blake2b_512: string;
  };
  /** SHA3-512 of the request's canonical JSON (or of the unrepresentable-request placeholder) */
  readonly request: { readonly sha3_512: string };
  readonly lineage: LineageLink;
}

export const STATEMENT_FORMAT = "writ-authz/1";

/**
 * The furthest a date reaches from the epoch, in seconds (ECMA-262: ±8.64e15 ms). A statement's `iat`
 * and `exp` must lie within it: a verifier states them as dates, and an audit judges an artifact at
 * its own `iat`.
 */
export const MAX_EPOCH_SECONDS = 8_640_000_000_000;

/** JWS header `typ` of an authorization artifact */
export const ARTIFACT_TYP = "writ-authz+jws";
/** JWS header `typ` of a bundle signature */
export const BUNDLE_SIGNATURE_TYP = "writ-manifest+jws";

/**
 * Receives every artifact right after it is signed, before `authorize` returns it. The JSON Lines
 * lineage log implements this. If `append` throws, the artifact is not issued and the signer's chain
 * head does not advance, so the next artifact links to the last one that was recorded.
 */
export interface LineageSink {
  append(artifact: string, statement: Statement): void;
}

/** Why an authorization artifact (compact or batched) failed verification: the first check that failed. */
export type ArtifactErrorCode =
  | "malformed"
  | "bad_header"
  | "unknown_key"
  | "bad_signature"
  /** batched artifacts: the statement does not fold through its proof to the signed tree head's root */
  | "bad_proof"
  /** batched artifacts: the statement's issuer is not the key that signed its tree head */
  | "issuer_mismatch"
  | "expired"
  | "not_yet_valid"
  | "untrusted_policy"
  | "request_mismatch"
  | "not_allowed"
  | "bad_options";
