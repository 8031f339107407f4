// The statement an artifact carries, read out of the artifact itself, and whether a statement a host
// hands with an artifact is that one. Shared by the lineage log (which records an artifact with the
// statement it carries), replay, and the signer resuming a chain (chainHeadAfter): each goes by the
// artifact's own statement, never by a statement object handed beside it, which may be another's.

import type { Statement } from "./types.js";
import { canonicalJson } from "./jcs.js";
import { batchPlaceOf, isBatchedText, parseBatchedArtifact, type BatchPlace } from "./batch-artifact.js";
import { parseCompact } from "./jws.js";
import { parseStatement } from "./statement.js";
import { MAX_ARTIFACT_LENGTH } from "./verify-artifact.js";

/** The statement an artifact carries (either kind), strictly parsed, or why it has none. No signature check. */
export function statementOf(
  artifact: string,
): { ok: true; statement: Statement; batch: BatchPlace | null } | { ok: false; reason: string } {
  if (isBatchedText(artifact)) {
    const batched = parseBatchedArtifact(artifact);
    if (!batched.ok) return { ok: false, reason: batched.reason };
    const place = batchPlaceOf(batched);
    if (!place.ok) return { ok: false, reason: place.reason };
    return { ok: true, statement: batched.artifact.statement, batch: place.place };
  }
  const jws = parseCompact(artifact, MAX_ARTIFACT_LENGTH);
  if (!jws.ok) return { ok: false, reason: `artifact: ${jws.message}` };
  const read = parseStatement(jws.jws.payload);
  if (!read.ok) return { ok: false, reason: `artifact: ${read.message}` };
  return { ok: true, statement: read.statement, batch: null };
}

/** Whether two statements have the same canonical JSON (a host's object that is not JSON has none). Never throws. */
export function sameStatement(a: Statement, b: unknown): boolean {
  const x = canonicalJson(a);
  const y = canonicalJson(b);
  return x.ok && y.ok && x.text === y.text;
}
