// The signature of a lineage log's last record, checked before a signer continues the log.
//
// Opening a log checks how its records chain (lineage-scan.ts), which needs no key, not their
// signatures, which do. A last record replaced by one that chains but was never signed by its
// issuer (a forged deny turned allow, in the signer's own name) would otherwise be continued: the
// next artifact's signed link would name it, as if its signer had seen it and built on it.
// `writ audit verify --pub` finds the forgery later; this refuses to build on it now. The signer
// knows its own public key, so a record in its own name is always checked; a record of another
// issuer is checked when the host trusts that issuer's key, and otherwise left as it is (a log
// may pass from one key to the next).

import type { ChainEntry } from "./lineage-record.js";
import type { PublicKey } from "./types.js";
import { verifyArtifact } from "./verify-artifact.js";

/**
 * Why the signature of `last` (record `index` of its log) does not hold with `trustedKeys` at the
 * time it was issued, or undefined: it holds, there is no last record, or its issuer is none of
 * `trustedKeys`. Keys that are no keys are said so, not taken for a bad record.
 */
export function lastSignatureProblem(last: ChainEntry | null, index: number, trustedKeys: readonly PublicKey[]): string | undefined {
  if (last === null) return undefined;
  // judged at its own issue time, as an audit does (lineage-verify.ts): a record outlives its window
  const check = verifyArtifact(last.artifact, { trustedKeys, now: new Date(last.statement.iat * 1000) });
  if (check.ok || check.code === "unknown_key") return undefined;
  if (check.code === "bad_options") return `the keys to check its last record with are not usable: ${check.message}`;
  return `its last record (${index}, sequence ${last.statement.lineage.seq}) does not verify: ${check.code}: ${check.message}; it was changed or forged after its issuer signed it, and the log is not continued from it`;
}
