// Signed bundles. A policy authority signs the manifest (which holds the module's SHA3-512 and
// BLAKE2b-512 digests, so the signature binds the module too). A host verifies before loading:
// signature by a trusted key, signed manifest equal to the manifest supplied, module bytes matching
// the manifest's digests. Every refusal has its own code.

import { digestPair, isDigestHex, type CryptoPath } from "../crypto/digest.js";
import { utf8Encode } from "../crypto/base64url.js";
import type { Bundle, Manifest } from "../manifest.js";
import { canonicalJson, canonicalize } from "./jcs.js";
import { headerProblem, parseCompact, payloadText, signCompact, verifyJws } from "./jws.js";
import { BUNDLE_SIGNATURE_TYP, type PrivateKey, type PublicKey } from "./types.js";
import { describeThrown, escapeControls, shownOption } from "../thrown.js";
import { shownName } from "../shown-name.js";
import { copyPublicKeys } from "./artifact-checks.js";
import { readSigningKey } from "./keys.js";
import { ownMember } from "../own.js";
import { optionNames, unknownOptionProblem } from "../option-names.js";

export type BundleErrorCode =
  | "unsigned"
  | "untrusted_key"
  | "bad_signature"
  | "manifest_mismatch"
  | "module_digest_mismatch"
  | "malformed"
  /** the options cannot be used: a name they do not have, a flag that is not a boolean, keys that are not keys, a getter that throws */
  | "bad_options";

export type BundleVerification = { ok: true; keyId?: string } | { ok: false; code: BundleErrorCode; message: string };

export interface VerifyBundleOptions {
  /** keys whose signatures are accepted; a signed bundle by any other key is `untrusted_key` */
  readonly trustedKeys?: readonly PublicKey[];
  /** accept a bundle with no signature (development only); a present signature is still checked */
  readonly allowUnsigned?: boolean;
  readonly path?: CryptoPath;
}

/** The names VerifyBundleOptions has (loadPolicy's too): any other is refused. */
const BUNDLE_OPTIONS = optionNames<VerifyBundleOptions>({ trustedKeys: true, allowUnsigned: true, path: true });

/** Manifests can be large (rule tables, layouts); anything past this is not a Writ manifest. */
export const MAX_BUNDLE_SIGNATURE_LENGTH = 64 * 1024 * 1024;

/**
 * Returns the bundle with `signature` set: a compact JWS, header `{alg: "EdDSA", kid, typ:
 * "writ-manifest+jws"}`, payload the RFC 8785 canonical JSON of the manifest. Throws a TypeError,
 * before signing anything, when `key` is not a private key (`generateKeyPair()`, or the `key` of an
 * ok `loadPrivateKeyFile` result; not that result itself, nor a public key) or not one key pair (its
 * public key not its seed's, or an id not that key's: readSigningKey), and when the manifest is not
 * JSON (a caller bug; compiled manifests always are).
 */
export function signBundle(bundle: Bundle, key: PrivateKey, path?: CryptoPath): Bundle {
  const signing = readSigningKey(key, "signBundle", path);
  const payload = utf8Encode(canonicalize(bundle.manifest));
  const signature = signCompact({ alg: "EdDSA", kid: signing.keyId, typ: BUNDLE_SIGNATURE_TYP }, payload, signing, path);
  return { module: bundle.module, manifest: bundle.manifest, signature };
}

/**
 * The private key signBundle signs with, each member read once; or a TypeError saying what to pass.
 * Unchecked, the `{ ok, key }` a key file loads as went on to fail as the manifest's fault (its
 * header's `kid` undefined: "not canonicalisable JSON at `kid`"), and a public key deep in Ed25519.
 */

function fail(code: BundleErrorCode, message: string): BundleVerification {
  return { ok: false, code, message };
}


/** The manifest's digests, its own members (never what Object.prototype holds under their names), or null. */
function manifestDigests(manifest: unknown): Manifest["digests"] | null {
  if (typeof manifest !== "object" || manifest === null || Array.isArray(manifest)) return null;
  const digests = ownMember(manifest, "digests");
  if (typeof digests !== "object" || digests === null) return null;
  const [sha3_512, blake2b_512] = [ownMember(digests, "sha3_512"), ownMember(digests, "blake2b_512")];
  if (typeof sha3_512 !== "string" || typeof blake2b_512 !== "string") return null;
  return { sha3_512, blake2b_512 };
}

/** The options, each read once and checked; or why they cannot be used (loadPolicy reads them first too). */
export function readBundleOptions(options: unknown): { ok: true; options: VerifyBundleOptions } | { ok: false; code: BundleErrorCode; message: string } {
  const bad = (message: string) => ({ ok: false as const, code: "bad_options" as const, message });
  if (options === undefined) return { ok: true, options: { allowUnsigned: false, trustedKeys: [], path: undefined } };
  if (typeof options !== "object" || options === null) return bad("the options must be an object");
  // a misspelt name is refused, not left out: `trustedkeys` would otherwise be a bundle signed by an
  // untrusted key, and `allowunsigned` an unsigned one, with no word of the typo
  const unknown = unknownOptionProblem(options, BUNDLE_OPTIONS);
  if (unknown !== null) return bad(unknown);
  try {
    // each option as the object holds it: one left out is not what Object.prototype holds under its
    // name (own.ts), or `allowUnsigned: true` planted there would load unsigned bundles
    const o = options as object;
    // a flag is a boolean: `allowUnsigned: "false"` (a flag read from text) must not load an unsigned bundle
    const allowUnsigned = ownMember(o, "allowUnsigned") ?? false;
    if (typeof allowUnsigned !== "boolean") return bad(`allowUnsigned must be true or false, got ${shownOption(allowUnsigned)}`);
    const keys = ownMember(o, "trustedKeys") ?? [];
    if (!Array.isArray(keys)) return bad("`trustedKeys` must be a list of public keys");
    const copied = copyPublicKeys(keys);
    if (!copied.ok) return bad(copied.message);
    const trustedKeys = copied.keys;
    const path = ownMember(o, "path");
    if (path !== undefined && path !== "native" && path !== "noble") return bad('`path` must be "native" or "noble"');
    return { ok: true, options: { allowUnsigned, trustedKeys, path } };
  } catch (e) {
    return bad(`reading the options threw: ${describeThrown(e)}`);
  }
}

export function verifyBundle(bundle: Bundle, given: VerifyBundleOptions = {}): BundleVerification {
  const read = readBundleOptions(given);
  if (!read.ok) return read;
  try {
    return verifyReadBundle(bundle, read.options);
  } catch (e) {
    // a host's bundle object whose getter throws
    return fail("malformed", `the bundle could not be read: ${describeThrown(e)}`);
  }
}

function verifyReadBundle(bundle: Bundle, options: VerifyBundleOptions): BundleVerification {
  if (typeof bundle !== "object" || bundle === null) return fail("malformed", "a bundle is an object with `module` and `manifest`");
  // each part read once: a getter answering differently later must not have one manifest's digests
  // checked against the module and another manifest's text against the signature
  // (its own members: a `signature` it lacks is not what Object.prototype holds under the name)
  const [module, manifest, signature] = [ownMember(bundle, "module"), ownMember(bundle, "manifest"), ownMember(bundle, "signature")];
  if (!(module instanceof Uint8Array)) return fail("malformed", "bundle `module` must be the module's bytes (Uint8Array)");
  const declared = manifestDigests(manifest);
  if (!declared) return fail("malformed", "bundle manifest has no `digests` with `sha3_512` and `blake2b_512` strings");
  if (!isDigestHex(declared.sha3_512) || !isDigestHex(declared.blake2b_512))
    return fail("malformed", "manifest digests must be 128 lowercase hex digits each");

  let keyId: string | undefined;
  if (signature === undefined) {
    if (!options.allowUnsigned) return fail("unsigned", "bundle is not signed (pass allowUnsigned only in development)");
  } else {
    const parsed = parseCompact(signature, MAX_BUNDLE_SIGNATURE_LENGTH);
    if (!parsed.ok) return fail("malformed", `bundle signature: ${parsed.message}`);
    const { jws } = parsed;
    const problem = headerProblem(jws.header, BUNDLE_SIGNATURE_TYP);
    if (problem) return fail("malformed", `bundle signature: ${problem}`);
    const kid = jws.header["kid"] as string;
    const key = (options.trustedKeys ?? []).find((k) => k.keyId === kid);
    if (!key) return fail("untrusted_key", `bundle is signed by key ${shownName(kid)}, which is not among the ${(options.trustedKeys ?? []).length} trusted keys`);
    if (!verifyJws(jws, key.bytes, options.path)) return fail("bad_signature", `bundle signature does not verify with key ${shownName(kid)}`);
    const signed = payloadText(jws);
    const supplied = canonicalJson(manifest);
    if (!supplied.ok) return fail("malformed", `manifest is not JSON at \`${escapeControls(supplied.path)}\`: ${supplied.reason}`);
    if (signed !== supplied.text) return fail("manifest_mismatch", "the manifest differs from the manifest that was signed");
    keyId = kid;
  }

  const actual = digestPair(module, options.path);
  const wrong = [
    actual.sha3_512 !== declared.sha3_512 ? "SHA3-512" : null,
    actual.blake2b_512 !== declared.blake2b_512 ? "BLAKE2b-512" : null,
  ].filter((x) => x !== null);
  if (wrong.length > 0) return fail("module_digest_mismatch", `module bytes do not match the manifest's ${wrong.join(" and ")} digest`);
  return keyId === undefined ? { ok: true } : { ok: true, keyId };
}
