// One record of the lineage log: its line format, how a line is parsed back, and what the next
// record and the next statement link to. Shared by the writer (lineage.ts) and the verifier
// (lineage-verify.ts) so both read the same bytes the same way.
//
// A record is one line of JSON, written with its members in this fixed order and no whitespace:
//   {"seq":<int>,"prev":null | {"sha3_512":"<hex>","blake2b_512":"<hex>"},"artifact":"<artifact>"}\n
// `seq` is the record's position in the file (0-based), `prev` the digests of the previous record's
// line bytes (without its newline; null for record 0) and `artifact` the authorization artifact as
// issued: a compact JWS, or a batched artifact (JSON text, runtime/trust/batch-artifact.ts).

import { digestPair, type DigestPair } from "../crypto/digest.js";
import { canonicalize } from "./jcs.js";
import type { Statement } from "./types.js";
import { parseBatchedArtifact } from "./batch-artifact.js";
import { parseCompact } from "./jws.js";
import { parseStatement } from "./statement.js";
import { MAX_ARTIFACT_LENGTH } from "./verify-artifact.js";
import { artifactDigests } from "./signer.js";

export interface LineageRecord {
  readonly seq: number;
  readonly prev: DigestPair | null;
  readonly artifact: string;
}

/** A record parsed from its line, with what verification needs. */
export interface ParsedRecord {
  readonly record: LineageRecord;
  /** the statement inside the artifact (decoded, not yet signature-checked) */
  readonly statement: Statement;
  readonly artifactKind: "jws" | "batched";
  /** digests of the line bytes (what the next record's `prev` must hold) */
  readonly lineDigests: DigestPair;
  /** whether the line is byte-for-byte the writer's serialisation of its parsed value */
  readonly canonical: boolean;
}

export type ParseResult = { ok: true; parsed: ParsedRecord } | { ok: false; reason: string };

const HEX128 = /^[0-9a-f]{128}$/;

/** The line for a record, without its newline. */
export function encodeRecord(record: LineageRecord): string {
  // Written out member by member: exactly JSON.stringify({ seq, prev: { sha3_512, blake2b_512 } | null,
  // artifact }) without building the objects (lineage-log.test.ts holds the two to each other).
  const { prev } = record;
  const prevJson = prev === null ? "null" : `{"sha3_512":${JSON.stringify(prev.sha3_512)},"blake2b_512":${JSON.stringify(prev.blake2b_512)}}`;
  return `{"seq":${JSON.stringify(record.seq)},"prev":${prevJson},"artifact":${JSON.stringify(record.artifact)}}`;
}

export function lineDigests(line: string): DigestPair {
  return digestPair(line);
}

function isDigestPair(v: unknown): v is DigestPair {
  if (typeof v !== "object" || v === null) return false;
  const d = v as Record<string, unknown>;
  return typeof d.sha3_512 === "string" && HEX128.test(d.sha3_512) && typeof d.blake2b_512 === "string" && HEX128.test(d.blake2b_512);
}

/** The statement an artifact carries (either kind), strictly parsed, or why it has none. No signature check. */
export function statementOf(artifact: string): { ok: true; statement: Statement; kind: "jws" | "batched" } | { ok: false; reason: string } {
  if (artifact.startsWith("{")) {
    const batched = parseBatchedArtifact(artifact);
    if (!batched.ok) return { ok: false, reason: batched.reason };
    return { ok: true, statement: batched.artifact.statement, kind: "batched" };
  }
  const jws = parseCompact(artifact, MAX_ARTIFACT_LENGTH);
  if (!jws.ok) return { ok: false, reason: `artifact: ${jws.message}` };
  const read = parseStatement(jws.jws.payload);
  if (!read.ok) return { ok: false, reason: `artifact: ${read.message}` };
  return { ok: true, statement: read.statement, kind: "jws" };
}

// Digests of batched statements' canonical JSON that the batch authorizer computed when it chained
// them (batch.ts): the log appending those statements reuses them instead of canonicalising and
// hashing each statement again. Keyed by the statement object, which nothing changes in between.
const batchedLinkTargets = new WeakMap<Statement, DigestPair>();

/** Records the digests of `statement`'s canonical JSON, computed by whoever built it (batch.ts only). */
export function rememberBatchedLinkTarget(statement: Statement, digests: DigestPair): void {
  batchedLinkTargets.set(statement, digests);
}

/**
 * What the statement after this one links to (`lineage.prev`): the digests of the artifact's signed
 * bytes — the compact JWS's ASCII bytes, or for a batched artifact the statement's canonical JSON
 * (the Merkle leaf content; the rest of a batched artifact only exists once its batch is signed).
 */
export function linkTarget(artifact: string, kind: "jws" | "batched", statement: Statement): DigestPair {
  // artifactDigests remembers the last artifact it hashed: the signer advancing past the artifact
  // the log has just appended does not hash it again.
  if (kind === "jws") return artifactDigests(artifact);
  return batchedLinkTargets.get(statement) ?? digestPair(canonicalize(statement));
}

export function sameDigests(a: DigestPair | null, b: DigestPair | null): boolean {
  if (a === null || b === null) return a === b;
  return a.sha3_512 === b.sha3_512 && a.blake2b_512 === b.blake2b_512;
}

/**
 * The record envelope alone (seq, prev, artifact as a string) and its line digests, without decoding
 * the artifact: what opening a long log checks for every record but the last ones. Never throws.
 */
export function parseRecordEnvelope(line: string): { ok: true; record: LineageRecord; lineDigests: DigestPair } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, reason: "record is not JSON" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, reason: "record is not a JSON object" };
  const r = value as Record<string, unknown>;
  if (!Number.isSafeInteger(r.seq) || (r.seq as number) < 0) return { ok: false, reason: "record `seq` is not a non-negative integer" };
  if (!(r.prev === null || isDigestPair(r.prev))) return { ok: false, reason: "record `prev` is neither null nor a digest pair" };
  if (typeof r.artifact !== "string") return { ok: false, reason: "record `artifact` is not a string" };
  return { ok: true, record: { seq: r.seq as number, prev: r.prev as DigestPair | null, artifact: r.artifact }, lineDigests: lineDigests(line) };
}

/** Parses one line (without its newline). Never throws. */
export function parseRecordLine(line: string): ParseResult {
  const envelope = parseRecordEnvelope(line);
  if (!envelope.ok) return envelope;
  const { record } = envelope;
  const st = statementOf(record.artifact);
  if (!st.ok) return { ok: false, reason: st.reason };
  return {
    ok: true,
    parsed: {
      record,
      statement: st.statement,
      artifactKind: st.kind,
      lineDigests: envelope.lineDigests,
      canonical: encodeRecord(record) === line,
    },
  };
}
