// What both kinds of authorization artifact are checked for besides their signature or proof: the
// caller's options themselves, the validity window, and the checks the options ask for (trusted
// policies, the request, allow only). The compact verifier (verify-artifact.ts) and the batched one
// (batch-artifact.ts) call the same functions, so they refuse the same things with the same words.

import { describeThrown, isInstance, shownOption } from "../thrown.js";
import { shownCut, shownName } from "../shown-name.js";
import { bytesEqual } from "../crypto/base64url.js";
import type { CryptoPath, DigestPair } from "../crypto/digest.js";
import { requestDigest } from "./request-digest.js";
import { MAX_EPOCH_SECONDS, type ArtifactErrorCode, type PublicKey, type Statement } from "./types.js";
import { clockMs, INVALID_CLOCK, type Clock } from "./clock.js";
import { MAX_COPIED_ELEMENTS, ownElements, ownMember } from "../own.js";
import { optionNames, unknownOptionProblem } from "../option-names.js";
import { isKeyLoadResult, KEY_LOAD_RESULT } from "./keys.js";

export const DEFAULT_CLOCK_SKEW_SECONDS = 30;

/** What the verifiers accept as options, before they are read. */
export interface ArtifactCheckOptions {
  /** issuer keys; the artifact's `kid` (a batched one's tree head's) must be one of them */
  readonly trustedKeys: readonly PublicKey[];
  /** module digest pairs; when given, the artifact's policy must match one of them (both digests) */
  readonly trustedPolicies?: readonly DigestPair[];
  /** when given, the artifact must be about exactly this request (SHA3-512 of its canonical JSON) */
  readonly request?: unknown;
  /** when true, a deny is refused with `not_allowed` */
  readonly requireAllow?: boolean;
  /** when to judge the validity window; now when absent */
  readonly now?: Clock;
  /** batched artifacts only: skip the validity window (audits of old batches) */
  readonly ignoreExpiry?: boolean;
  /** tolerance on both ends of the validity window; 30 s when absent */
  readonly clockSkewSeconds?: number;
  readonly path?: CryptoPath;
}

/** The names ArtifactCheckOptions has: any other is refused (`requireallow` must not leave a deny verified). */
const CHECK_OPTIONS = optionNames<ArtifactCheckOptions>({
  trustedKeys: true,
  trustedPolicies: true,
  request: true,
  requireAllow: true,
  now: true,
  ignoreExpiry: true,
  clockSkewSeconds: true,
  path: true,
});

/** The options as read once and checked: plain values, whatever object the caller passed. */
export interface CheckedOptions {
  readonly trustedKeys: readonly PublicKey[];
  readonly trustedPolicies: readonly DigestPair[] | undefined;
  /** present (`{ value }`) when the caller asked for the request check, even for `request: undefined` */
  readonly request: { readonly value: unknown } | undefined;
  readonly requireAllow: boolean;
  readonly ignoreExpiry: boolean;
  /** the moment validity is judged at, in seconds */
  readonly now: number;
  readonly skew: number;
  readonly path: CryptoPath | undefined;
}

export type CheckFailure = { readonly ok: false; readonly code: ArtifactErrorCode; readonly message: string };

function isPublicKey(k: unknown): k is PublicKey {
  return typeof k === "object" && k !== null && typeof (k as PublicKey).keyId === "string" && isInstance((k as PublicKey).bytes, Uint8Array) && (k as PublicKey).bytes.length === 32;
}

function isDigestPair(d: unknown): d is DigestPair {
  return typeof d === "object" && d !== null && typeof (d as DigestPair).sha3_512 === "string" && typeof (d as DigestPair).blake2b_512 === "string";
}

/**
 * A host's list of public keys, each member read once and copied (the bytes too: the host keeps its
 * array, and may change it); or why it cannot be used: the first entry that is not a key (notAPublicKey
 * says so), or the first that names a keyId an earlier entry names with other bytes. A getter that
 * answers differently on a second read cannot have one key checked and another used. Every reader
 * of trusted keys (verifyArtifact, verifyBatchedArtifact, guard, verifyBundle and loadPolicy,
 * verifyLog) copies them here, so that each refuses a list in the same words.
 */
export function copyPublicKeys(keys: readonly unknown[]): { ok: true; keys: PublicKey[] } | { ok: false; message: string } {
  if (keys.length > MAX_COPIED_ELEMENTS) return { ok: false, message: `trustedKeys says it holds ${keys.length} entries (its length), more than the ${MAX_COPIED_ELEMENTS} a list of keys may` };
  // the list's own elements and each key's own members: a hole, or a member a key lacks, is not what
  // a prototype holds there (own.ts), or a key planted on Array.prototype would be trusted
  const entries = ownElements(keys);
  const read = entries.map((k) => (typeof k === "object" && k !== null ? { keyId: ownMember(k, "keyId"), bytes: ownMember(k, "bytes") } : k));
  const index = read.findIndex((k) => !isPublicKey(k));
  if (index >= 0) return { ok: false, message: notAPublicKey(index, entries[index]) };
  const copied = (read as PublicKey[]).map((k) => ({ keyId: k.keyId, bytes: Uint8Array.from(k.bytes) }));
  const clash = keyIdClash(copied);
  return clash === null ? { ok: true, keys: copied } : { ok: false, message: clash.message };
}

/**
 * Why `trustedKeys[index]` is no public key, and what to pass where the mistake is a usual one: a key
 * file's `{ ok, key }` (which would otherwise be taken for a malformed key), or a private key, whose
 * `publicKey` is meant. What the entry is, read to say so, is read once more; a getter that throws
 * then leaves the message without the hint, as the entry is refused all the same.
 */
function notAPublicKey(index: number, entry: unknown): string {
  const refusal = `trustedKeys[${index}] is not a public key ({ keyId, bytes: 32 bytes })`;
  try {
    if (isKeyLoadResult(entry)) return `${refusal} but ${KEY_LOAD_RESULT}: pass the \`key\` of loadPublicKeyFile(path) once its \`ok\` is true`;
    if (typeof entry === "object" && entry !== null && ownMember(entry, "seed") !== undefined && ownMember(entry, "publicKey") !== undefined)
      return `${refusal} but a private key: pass its \`publicKey\``;
  } catch {
    // the entry is refused as no public key whatever it is
  }
  return refusal;
}

/**
 * The first key of `keys` whose keyId an earlier one has with other bytes, and what is wrong with
 * that; null when each keyId stands for one key. Verifiers take the first key of the artifact's
 * `kid`, and the list held a second, the signer's own, under it: guard found the signer's key in
 * the list, signed and logged an allow, and the verification then refused it. Such a list says two
 * things of one key id, and is refused, by every reader of trusted keys alike; the same key twice
 * says one thing, and is taken.
 */
function keyIdClash(keys: readonly PublicKey[]): { index: number; message: string } | null {
  if (keys.length < 2) return null;
  const first = new Map<string, number>();
  for (let i = 0; i < keys.length; i++) {
    const { keyId, bytes } = keys[i]!;
    const at = first.get(keyId);
    if (at === undefined) first.set(keyId, i);
    else if (!bytesEqual(keys[at]!.bytes, bytes))
      return {
        index: i,
        message: `trustedKeys[${at}] and trustedKeys[${i}] both have keyId ${shownName(keyId)} but different bytes: an artifact signed under that id is checked against the first alone, so which key is trusted would depend on their order; give each key id once`,
      };
  }
  return null;
}

/**
 * Reads the caller's options once, into plain values, or says what is wrong with them. Each field is
 * read a single time and inside a `try`: a getter that throws, or answers differently the second
 * time, cannot make a verifier throw or check one thing and use another. A skew passed as the string
 * "30" would turn `exp + skew` into text and accept expired artifacts, and an invalid Date would
 * compare false everywhere: both are refused before the artifact is read, as is a name the options
 * do not have (`requireallow`).
 */
export function readCheckOptions(options: unknown): { ok: true; options: CheckedOptions } | CheckFailure {
  const bad = (message: string): CheckFailure => ({ ok: false, code: "bad_options", message });
  if (typeof options !== "object" || options === null) return bad("the options must be an object giving `trustedKeys`, a list of public keys");
  // a name it does not know first: a misspelt `requireAllow` would leave a deny verified, and a
  // misspelt `trustedKeys` is better named as such than as no keys given
  const unknown = unknownOptionProblem(options, CHECK_OPTIONS);
  if (unknown !== null) return bad(unknown);
  try {
    // each option as the object holds it: one left out is not what Object.prototype holds under its
    // name (own.ts), or a planted `clockSkewSeconds` would accept expired artifacts
    const o = options as object;
    const keys = ownMember(o, "trustedKeys");
    if (!Array.isArray(keys)) return bad("the options must give `trustedKeys`, a list of public keys");
    // each entry copied as read, once: a getter that answers differently (or throws) on a second
    // read must not have one value checked and another used
    const copied = copyPublicKeys(keys);
    if (!copied.ok) return bad(copied.message);
    const trustedKeys = copied.keys;
    const policies = ownMember(o, "trustedPolicies");
    let trustedPolicies: DigestPair[] | undefined;
    if (policies !== undefined) {
      if (!Array.isArray(policies)) return bad("`trustedPolicies` must be a list of digest pairs ({ sha3_512, blake2b_512 })");
      if (policies.length > MAX_COPIED_ELEMENTS) return bad(`trustedPolicies says it holds ${policies.length} entries (its length), more than the ${MAX_COPIED_ELEMENTS} a list of policies may`);
      trustedPolicies = ownElements(policies).map((d) => (typeof d === "object" && d !== null ? { sha3_512: ownMember(d, "sha3_512"), blake2b_512: ownMember(d, "blake2b_512") } : d)) as DigestPair[];
      const badPolicy = trustedPolicies.findIndex((d) => !isDigestPair(d));
      if (badPolicy >= 0) return bad(`trustedPolicies[${badPolicy}] is not a digest pair ({ sha3_512, blake2b_512 })`);
    }
    const path = ownMember(o, "path");
    if (path !== undefined && path !== "native" && path !== "noble") return bad('`path` must be "native" or "noble"');
    const ms = clockMs(ownMember(o, "now"));
    if (!Number.isFinite(ms)) return bad(INVALID_CLOCK);
    const skew = ownMember(o, "clockSkewSeconds") ?? DEFAULT_CLOCK_SKEW_SECONDS;
    if (typeof skew !== "number" || !Number.isFinite(skew) || skew < 0)
      return bad(`clockSkewSeconds must be a non-negative number of seconds, got ${typeof skew === "number" ? skew : `a ${typeof skew}`}`);
    // flags are booleans: `requireAllow: "true"` (a flag read from text) must not be taken as false
    const requireAllow = ownMember(o, "requireAllow") ?? false;
    const ignoreExpiry = ownMember(o, "ignoreExpiry") ?? false;
    if (typeof requireAllow !== "boolean") return bad(`requireAllow must be true or false, got ${shownOption(requireAllow)}`);
    if (typeof ignoreExpiry !== "boolean") return bad(`ignoreExpiry must be true or false, got ${shownOption(ignoreExpiry)}`);
    // asked for even as `request: undefined`, as long as the object holds the member
    const request = ownMember(o, "request");
    const checksRequest = request !== undefined || Object.hasOwn(o, "request");
    return {
      ok: true,
      options: {
        trustedKeys,
        trustedPolicies,
        request: checksRequest ? { value: request } : undefined,
        requireAllow,
        ignoreExpiry,
        now: ms / 1000,
        skew,
        path,
      },
    };
  } catch (e) {
    return bad(`reading the options threw: ${describeThrown(e)}`);
  }
}



/** A moment given in seconds since the epoch, as an ISO date when a date can hold it. */
export function epochText(seconds: number): string {
  return Math.abs(seconds) <= MAX_EPOCH_SECONDS ? new Date(seconds * 1000).toISOString() : `${seconds} s after the epoch`;
}

/**
 * The first check a statement whose signature (or inclusion proof) holds fails, or null: the validity
 * window (unless `ignoreExpiry`), the trusted policies, the request, allow only.
 */
export function statementFailure(statement: Statement, options: CheckedOptions): CheckFailure | null {
  const fail = (code: ArtifactErrorCode, message: string): CheckFailure => ({ ok: false, code, message });
  const { now, skew } = options;
  if (!options.ignoreExpiry) {
    if (!(now < statement.exp + skew)) return fail("expired", `artifact expired at ${epochText(statement.exp)} (now ${epochText(now)})`);
    if (now < statement.iat - skew) return fail("not_yet_valid", `artifact is issued for ${epochText(statement.iat)}, in the future (now ${epochText(now)})`);
  }
  if (options.trustedPolicies !== undefined) {
    const p = statement.policy;
    if (!options.trustedPolicies.some((t) => t.sha3_512 === p.sha3_512 && t.blake2b_512 === p.blake2b_512))
      return fail("untrusted_policy", `policy ${shownName(p.name)} ${shownName(p.version)} (module sha3-512 ${p.sha3_512.slice(0, 16)}…) is not a trusted module`);
  }
  if (options.request !== undefined) {
    const digest = requestDigest(options.request.value, options.path);
    // a path strings up to 256 keys together, each cut: quoted up to MAX_SHOWN_TEXT, as is the reason
    if (!digest.ok) return fail("request_mismatch", `the request to check has no canonical JSON (${shownCut(digest.reason)} at \`${shownCut(digest.path)}\`)`);
    if (digest.sha3_512 !== statement.request.sha3_512) return fail("request_mismatch", "artifact was issued for a different request");
  }
  if (options.requireAllow && statement.decision !== "allow")
    // each rule's name cut, and the list too: a signed deny may name as many rules as an artifact holds
    return fail("not_allowed", `artifact records a deny${statement.rules.length ? ` by ${shownCut(statement.rules.map(shownName).join(", "))}` : ""}`);
  return null;
}
