// The trust layer's public API: keys, canonical JSON, signed bundles, authorization artifacts,
// verification, guard and replay. docs/artifacts.md documents the formats.

export type { PublicKey, PrivateKey, ChainHead, LineageLink, Statement, LineageSink } from "./types.js";
export { STATEMENT_FORMAT, ARTIFACT_TYP, BUNDLE_SIGNATURE_TYP } from "./types.js";
export { canonicalJson, canonicalize, type CanonicalResult, type CanonicalOptions } from "./jcs.js";
export {
  keyIdOf,
  generateKeyPair,
  privateKeyFromSeed,
  publicKeyFromBytes,
  publicJwk,
  privateJwk,
  publicKeyFromJwk,
  privateKeyFromJwk,
  type Ed25519PublicJwk,
  type Ed25519PrivateJwk,
  type KeyResult,
} from "./keys.js";
export { writeKeyPair, loadPrivateKeyFile, loadPublicKeyFile, type WrittenKeyPair } from "./key-files.js";
export { signBundle, verifyBundle, type BundleErrorCode, type BundleVerification, type VerifyBundleOptions } from "./bundle.js";
export { readBundle, readBundleResult, writeBundle, bundlePaths, BundleFileError, type ReadBundleResult } from "./bundle-files.js";
export { Signer, createSigner, chainHeadAfter, artifactDigests, GENESIS, type SignerOptions } from "./signer.js";
export { authorize, DEFAULT_TTL_SECONDS, type AuthorizeOptions, type Authorization } from "./authorize.js";
export { requestDigest, UNREPRESENTABLE_REQUEST, type RequestDigest } from "./request-digest.js";
export { POLICY_FAULT_RULE, parseStatement } from "./statement.js";
export {
  verifyArtifact,
  DEFAULT_CLOCK_SKEW_SECONDS,
  type ArtifactErrorCode,
  type ArtifactVerification,
  type VerifyArtifactOptions,
} from "./verify-artifact.js";
export { guard, GuardError, type GuardErrorCode, type GuardOptions, type Grant } from "./guard.js";
export { replayArtifact, type ReplayResult, type ReplayOptions } from "./replay.js";
export { openLog, tryOpenLog, LineageError, type LineageLog, type LogOptions, type LogHead, type LogRepair, type TornRepair, type NewlineRepair, type LineageErrorCode } from "./lineage.js";
export { verifyLog, verifyLogBytes, type LogVerification, type LogSummary, type LogFault, type LogFaultKind, type VerifyLogOptions, type ExpectedHead } from "./lineage-verify.js";
export { createBatchAuthorizer, type BatchAuthorizer, type BatchAuthorizerOptions, type BatchedAuthorization } from "./batch.js";
export { verifyBatchedArtifact, parseBatchedArtifact, type BatchedArtifact, type TreeHead, type BatchErrorCode, type BatchVerifyResult, type BatchVerifyOptions } from "./batch-artifact.js";
export { buildTree, leafHash, nodeHash, rootFromInclusionProof, verifyInclusion, type MerkleTree } from "./merkle.js";
// which implementation signs and hashes: the process default path, and what the native path's Ed25519 runs on
export { setDefaultCryptoPath, defaultCryptoPath, type CryptoPath } from "../crypto/digest.js";
export { ed25519NativeBackend, isWeakEd25519Key } from "../crypto/ed25519.js";
