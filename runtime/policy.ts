// Loading a bundle into a policy a host can ask for decisions. The load is refused unless the bundle
// verifies (signature by a trusted key, module matching the manifest's digests), the ABI version is
// supported and the module passes the determinism profile. After that, `decide` never throws:
// a bad request is a deny naming the field, a trap in the module is a deny with an internal error.

import type { Decision } from "./decision.js";
import { ABI_VERSION, EARLIER_MANIFEST_FORMATS, MANIFEST_FORMAT, type Bundle, type Manifest } from "./manifest.js";
import type { DecidingPolicy } from "./policy-types.js";
import { listViolations, validateProfile } from "./wasm/profile.js";
import { createWasmEvaluator, type WasmEvaluator } from "./wasm/evaluator.js";
import { readBundleOptions, verifyBundle, type BundleErrorCode } from "./trust/bundle.js";
import type { PublicKey } from "./trust/types.js";
import type { CryptoPath } from "./crypto/digest.js";
import { describeThrown, isInstance, shownOption } from "./thrown.js";
import { shownName } from "./shown-name.js";
import { provenanceProblem } from "./manifest-provenance.js";
import { manifestBindingProblem } from "./manifest-binding.js";
import { ownMember, withoutPrototypes } from "./own.js";
import { ranOutOfStack } from "./stack-ran-out.js";
import { markLoadedForReplay } from "./replay-loaded.js";

export type LoadErrorCode = BundleErrorCode | "abi_unsupported" | "profile_violation" | "instantiate_failed";

/** Why a bundle was refused. `code` is stable; `message` says what and why. */
export class PolicyLoadError extends Error {
  constructor(
    readonly code: LoadErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "PolicyLoadError";
  }
}

export interface LoadOptions {
  /** keys whose signatures are accepted */
  readonly trustedKeys?: readonly PublicKey[];
  /** load a bundle that carries no signature; only ever for development */
  readonly allowUnsigned?: boolean;
  /** the digest and Ed25519 implementation the bundle is verified with; the process default when absent */
  readonly path?: CryptoPath;
}

export interface LoadedPolicy extends DecidingPolicy {
  /** the key that signed the bundle, when it was signed */
  readonly signedBy: string | undefined;
  /** the WASM evaluator itself, for benchmarks: encode a request, then evaluate only */
  readonly evaluator: WasmEvaluator;
}

export type LoadResult = { ok: true; policy: LoadedPolicy } | { ok: false; error: PolicyLoadError };

/**
 * What a load is for. A policy loaded to decide (`loadPolicy`) is read in the current manifest format
 * alone. One loaded to replay what was decided (`loadPolicyForReplay`) may be of an earlier format
 * too: the artifacts and lineage records issued under it name its module's digests, which compiling
 * the policy again does not give back, and re-deciding never reads what the earlier module left
 * unbound (the cost bound, whether it was optimised).
 */
type LoadPurpose = "decide" | "replay";

// Each entry point holds its own try around loadPolicyOnce: a shared wrapper would be one more call
// made outside any try, which, at the edge of the host's stack, could fail before it began and
// throw the host's RangeError out of a function that promises never to (or to throw only a
// PolicyLoadError).

/** Loads a bundle, or says exactly why not. Never throws. */
export function tryLoadPolicy(bundle: Bundle, options: LoadOptions = {}): LoadResult {
  try {
    return { ok: true, policy: loadPolicyOnce(bundle, options, "decide") };
  } catch (e) {
    try {
      return { ok: false, error: loadErrorOf(e) };
    } catch {
      // the host's stack ran out again, here
      return LOAD_RAN_OUT;
    }
  }
}

/**
 * Loads a bundle to replay the artifacts and lineage records issued under it (replayArtifact,
 * verifyLog's `replay`), or says exactly why not. Never throws. As tryLoadPolicy, but a bundle of an
 * earlier manifest format (`writ-manifest/1`) is read too, its module's binding checked as the
 * runtime of its format checked it (manifest-binding.ts). Such a policy is for replay: a bundle a
 * host decides with is loaded by loadPolicy, which refuses the earlier formats. Its `decide` answers
 * as loadPolicy's does; authorize, guard and the batch authorizer refuse to issue with it
 * (replay-loaded.ts), whatever its format.
 */
export function tryLoadPolicyForReplay(bundle: Bundle, options: LoadOptions = {}): LoadResult {
  try {
    return { ok: true, policy: loadPolicyOnce(bundle, options, "replay") };
  } catch (e) {
    try {
      return { ok: false, error: loadErrorOf(e) };
    } catch {
      // the host's stack ran out again, here
      return LOAD_RAN_OUT;
    }
  }
}

/**
 * The refusal of a load the host's stack ran out in (loadPolicy or tryLoadPolicy called too deep):
 * built once and frozen, since where it is given not even an object can be made. Nothing of the
 * bundle is loaded.
 */
const STACK_RAN_OUT_LOADING = Object.freeze(
  new PolicyLoadError("malformed", "the bundle was not loaded: the host's stack ran out while it was being verified and loaded (the policy was loaded too deep)"),
);
const LOAD_RAN_OUT: LoadResult = Object.freeze({ ok: false, error: STACK_RAN_OUT_LOADING });

/**
 * What a load that threw `e` is refused with: a PolicyLoadError as it is, STACK_RAN_OUT_LOADING
 * when the stack ran out, any other thrown value described. Called where the stack may have run
 * out: its caller gives STACK_RAN_OUT_LOADING when this throws.
 */
function loadErrorOf(e: unknown): PolicyLoadError {
  if (isInstance(e, PolicyLoadError)) return e;
  if (ranOutOfStack(e)) return STACK_RAN_OUT_LOADING;
  return new PolicyLoadError("malformed", describeThrown(e));
}

/**
 * The bundle's parts, each read once, the module's bytes and the manifest copied: what is verified is
 * what is then checked, instantiated and exposed. Read again, a getter (or a host changing the bytes
 * or the manifest between two reads) could have the signature checked over one module and another
 * one loaded under the signer's name. A bundle that is no object goes on as it is, for verifyBundle
 * to refuse; parts that are not what they should be are copied as they are, for the same.
 */
function ownedBundle(bundle: Bundle): Bundle {
  if (typeof bundle !== "object" || bundle === null) return bundle;
  let module: unknown, manifest: unknown, signature: unknown;
  try {
    // (its own members: a `signature` it lacks is not what Object.prototype holds under the name)
    [module, manifest, signature] = [ownMember(bundle, "module"), ownMember(bundle, "manifest"), ownMember(bundle, "signature")];
    // the typed-array constructor copies the bytes themselves (no method of the object is called)
    if (module instanceof Uint8Array) module = new Uint8Array(module);
  } catch (e) {
    throw new PolicyLoadError("malformed", `the bundle could not be read: ${describeThrown(e)}`);
  }
  try {
    // plain data, each member read once (a manifest is JSON: a function or a Proxy is none), in
    // objects without a prototype: a member the manifest lacks (a layout slot's optional `intern`)
    // must not read as what Object.prototype holds under its name, planted or not (own.ts)
    manifest = withoutPrototypes(structuredClone(manifest));
  } catch (e) {
    throw new PolicyLoadError("malformed", `the bundle's manifest could not be copied: ${describeThrown(e)}`);
  }
  return (signature === undefined ? { module, manifest } : { module, manifest, signature }) as Bundle;
}

/**
 * Freezes a manifest copy and everything in it: the loaded policy states its digests, name and
 * version in every artifact it issues, and a host editing them by mistake (`policy.digests.sha3_512 =
 * …`) would otherwise have artifacts name a module that never decided.
 */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/** Whether a load for `purpose` reads a manifest of format `format`. */
function readsFormat(format: unknown, purpose: LoadPurpose): boolean {
  return format === MANIFEST_FORMAT || (purpose === "replay" && typeof format === "string" && EARLIER_MANIFEST_FORMATS.includes(format));
}

/**
 * Why a manifest of format `format` is not loaded for `purpose`. One an earlier compiler wrote is
 * named as such, with what to do: its module binds less of its manifest than this runtime checks
 * (manifest-binding.ts), and it would otherwise read as a manifest changed after compiling. What was
 * issued under it still replays, which the advice says, so that no one takes compiling again for
 * the way to replay it (the new module has other digests). A replay's refusal names the formats a
 * replay reads, and does not send anyone to compile.
 */
function formatProblem(format: string, purpose: LoadPurpose): string {
  if (purpose === "replay")
    return `manifest format ${shownName(format)} is neither \`${MANIFEST_FORMAT}\` nor an earlier format a replay reads (${EARLIER_MANIFEST_FORMATS.map((f) => `\`${f}\``).join(", ")})`;
  const stated = `manifest format ${shownName(format)} is not \`${MANIFEST_FORMAT}\``;
  if (EARLIER_MANIFEST_FORMATS.includes(format))
    return `${stated}: the bundle was compiled by an earlier writ, whose module does not bind its manifest's cost bound or whether it was optimised; to decide with the policy, compile it again (\`writ compile\`) and sign the new bundle (what was issued under this bundle still replays against it: \`writ replay\`, \`writ audit verify --replay\`)`;
  return stated;
}

/**
 * The deny decide gives when the host's stack runs out while it writes another: built once and
 * frozen, since where it is given not even an object can be made.
 */
const STACK_RAN_OUT: Decision = Object.freeze({
  decision: "deny",
  rules: Object.freeze([]),
  errors: Object.freeze([Object.freeze({ rule: "", code: "internal", message: "evaluation failed: the host's stack ran out while the decision was being written", at: -1 })]),
});

/** Loads a bundle; throws a PolicyLoadError (with a code) when it must be refused, and nothing else. */
export function loadPolicy(given: Bundle, options: LoadOptions = {}): LoadedPolicy {
  try {
    return loadPolicyOnce(given, options, "decide");
  } catch (e) {
    let error: PolicyLoadError;
    try {
      error = loadErrorOf(e);
    } catch {
      // the host's stack ran out again, here
      error = STACK_RAN_OUT_LOADING;
    }
    throw error;
  }
}

/**
 * Loads a bundle to replay what was issued under it, as tryLoadPolicyForReplay says; throws a
 * PolicyLoadError when it must be refused, and nothing else.
 */
export function loadPolicyForReplay(given: Bundle, options: LoadOptions = {}): LoadedPolicy {
  try {
    return loadPolicyOnce(given, options, "replay");
  } catch (e) {
    let error: PolicyLoadError;
    try {
      error = loadErrorOf(e);
    } catch {
      // the host's stack ran out again, here
      error = STACK_RAN_OUT_LOADING;
    }
    throw error;
  }
}

function loadPolicyOnce(given: Bundle, options: LoadOptions, purpose: LoadPurpose): LoadedPolicy {
  // the options first (bad_options before anything of the bundle), each read once: verifyBundle
  // gets the checked copy
  const read = readBundleOptions(options);
  if (!read.ok) throw new PolicyLoadError(read.code, read.message);
  const bundle = ownedBundle(given);
  const verified = verifyBundle(bundle, read.options);
  if (!verified.ok) throw new PolicyLoadError(verified.code, verified.message);
  const manifest: Manifest = deepFreeze(bundle.manifest);
  if (!readsFormat(manifest.format, purpose)) throw new PolicyLoadError("malformed", formatProblem(manifest.format, purpose));
  if (manifest.abiVersion !== ABI_VERSION)
    // JSON.stringify: the string "1" is not the number 1, and the message must not read as if it were
    throw new PolicyLoadError("abi_unsupported", `module ABI version ${JSON.stringify(manifest.abiVersion) ?? String(manifest.abiVersion)} is not supported (this runtime speaks ${ABI_VERSION})`);
  const profile = validateProfile(bundle.module);
  if (!profile.ok)
    throw new PolicyLoadError("profile_violation", `module breaks the determinism profile: ${listViolations(profile.violations)}`);
  // a member of the wrong type (a cost bound of null) is named as such, before the binding finds
  // the manifest changed
  const unstated = provenanceProblem(manifest);
  if (unstated !== undefined) throw new PolicyLoadError("malformed", unstated);
  // the module states the manifest it was compiled with (manifest-binding.ts): its schema, rules,
  // error sites and cost bound are part of what its digest identifies
  const unbound = manifestBindingProblem(profile.info.customSections, manifest);
  if (unbound !== null) throw new PolicyLoadError("manifest_mismatch", unbound);
  // the signed manifest states the memory the module was built with: a module that differs is not it
  if (profile.info.memoryPages !== manifest.memoryPages)
    throw new PolicyLoadError("malformed", `the manifest says ${typeof manifest.memoryPages === "number" ? manifest.memoryPages : shownOption(manifest.memoryPages)} pages of memory, the module has ${profile.info.memoryPages}`);
  // the input and result regions must lie past the module's static data (its constant pool among
  // it): a module whose data segments land where the loader cannot tell is refused
  const data = profile.info.initialData;
  if (!data.ok) throw new PolicyLoadError("instantiate_failed", `module could not be instantiated: ${data.reason}`);
  let evaluator: WasmEvaluator;
  try {
    evaluator = createWasmEvaluator(new WebAssembly.Module(bundle.module as Uint8Array<ArrayBuffer>), manifest, { initialData: data.extents });
  } catch (e) {
    throw new PolicyLoadError("instantiate_failed", `module could not be instantiated: ${describeThrown(e)}`);
  }
  // the evaluator is frozen (evaluator.ts); its decide, taken once, is what every decision runs
  const { decide } = evaluator;
  const policy: LoadedPolicy = Object.freeze({
    name: manifest.name,
    version: manifest.version,
    manifest,
    module: bundle.module,
    digests: manifest.digests,
    signedBy: verified.keyId,
    evaluator,
    decide(request: unknown): Decision {
      try {
        return decide(request);
      } catch (e) {
        // The evaluator turns traps into denies itself; this is the last line of fail-closed. Called
        // at the edge of the host's stack, what ran out may run out again while the deny is written
        // (a call, even an object literal, takes stack): the deny built beforehand is given then.
        try {
          return { decision: "deny", rules: [], errors: [{ rule: "", code: "internal", message: `evaluation failed: ${describeThrown(e)}`, at: -1 }] };
        } catch {
          return STACK_RAN_OUT;
        }
      }
    },
  });
  // a policy loaded for replay re-decides; authorize, guard and the batch authorizer refuse to issue
  // with it (replay-loaded.ts), as loadPolicy refuses the earlier formats it may be of
  return purpose === "replay" ? markLoadedForReplay(policy) : policy;
}
