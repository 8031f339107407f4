// The public runtime API: everything a host that only evaluates needs. It does not import the
// compiler (no Chevrotain, no AssemblyScript).

export type { Decision, DecisionError, RuleError, RequestError, EvalErrorName } from "./decision.js";
export { EvalErrorCode } from "./decision.js";
export type { Manifest, Bundle, ManifestRule } from "./manifest.js";
export { ABI_VERSION, MANIFEST_FORMAT } from "./manifest.js";
export type { SchemaType, RecordType } from "./schema.js";
export { loadPolicy, tryLoadPolicy, loadPolicyForReplay, tryLoadPolicyForReplay, PolicyLoadError, type LoadedPolicy, type LoadOptions, type LoadErrorCode } from "./policy.js";
export type { DecidingPolicy } from "./policy-types.js";
export { compileHostRequestCheck as compileRequestCheck } from "./request.js";
export { validateProfile, REQUIRED_EXPORTS, formatViolations, type ProfileResult, type ProfileViolation, type ProfileInfo, type ProfileRule } from "./wasm/profile.js";
export { digestPair, sha3_512Hex, blake2b512Hex, type DigestPair, type CryptoPath } from "./crypto/digest.js";
