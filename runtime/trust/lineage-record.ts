// One record of the lineage log: its line format, how a line is parsed back, and what the next
// record and the next statement link to. Shared by the writer (lineage-append.ts) and the verifier
// (lineage-verify.ts) so both read the same bytes the same way.
//
// A record is one line of JSON, written with its members in this fixed order and no whitespace:
//   {"seq":<int>,"prev":null | {"sha3_512":"<hex>","blake2b_512":"<hex>"},"artifact":<artifact>}\n
// `seq` is the record's position in the file (0-based) and `artifact` the authorization artifact as
// issued: a compact JWS as a JSON string, or a batched artifact (runtime/trust/batch-artifact.ts) as
// the JSON object it is, byte for byte as issued. `prev` holds the previous record's digests (null
// for record 0): SHA3-512 and BLAKE2b-512 of
//   - for a compact JWS, its ASCII bytes: the digests its successor statement links to as well;
//   - for a batched artifact, its commitment: the 105 bytes
//       0x00 ‖ leaf hash (32) ‖ leaf index (8, big-endian) ‖ the head's digest (64)
//     naming the statement (its SHA-256 Merkle leaf), its place, and its batch's signed tree head
//     (whose root the statement's proof must reach). The SHA3-512 digest is taken over the head's
//     SHA3-512 and the BLAKE2b-512 over its BLAKE2b-512, so each chain of digests rests on its own
//     function; the zero byte keeps a commitment from ever being a compact JWS's (ASCII) bytes.
// Everything else in a line is checked, not digested: `seq` is the position, `prev` the digests of
// the record before, a batched artifact's `path` must fold to its head's root. So a record's
// digests come from hashes its artifact was made with (the signer's link digests, the leaf hash, the
// batch head's digests once per batch) rather than from hashing each line again.

import { blake2b512Hex, isDigestPair, sha3_512Hex, type DigestPair } from "../crypto/digest.js";
import { hexInto, hexToBytes } from "../crypto/base64url.js";
import type { Statement } from "./types.js";
import { isBatchedText, type BatchedArtifactPieces, type BatchPlace } from "./batch-artifact.js";
import { isEpochSeconds, policyMemberProblem } from "./statement.js";
import { sameStatement, statementOf } from "./artifact-statement.js";
import { shownOption } from "../thrown.js";
import { ownMember } from "../own.js";
import { artifactDigests, frozenDigests, isLastIssuedToken } from "./signer.js";
import { MAX_ARTIFACT_LENGTH } from "./verify-artifact.js";
import { jsonTooDeep } from "../json-bounds.js";

/**
 * More bytes than a record's line holds: its opening (a few hundred bytes) and an artifact of at most
 * MAX_ARTIFACT_LENGTH characters, three bytes each at the most in UTF-8. (So more characters, too.)
 */
export const LONGEST_RECORD = 3 * MAX_ARTIFACT_LENGTH + 4096;

export interface LineageRecord {
  readonly seq: number;
  readonly prev: DigestPair | null;
  /** the artifact's text as issued (a batched artifact's JSON text, though the line holds it as JSON) */
  readonly artifact: string;
}

/** One artifact of the statement chain, as the chain checks read it. */
export interface ChainEntry {
  readonly artifact: string;
  /** the statement inside the artifact (decoded, not yet signature-checked) */
  readonly statement: Statement;
  /** where a batched artifact sits in its batch; null for a compact JWS */
  readonly batch: BatchPlace | null;
}

/** A record parsed from its line, with what verification needs. */
export interface ParsedRecord extends ChainEntry {
  readonly record: LineageRecord;
  /** what the next statement links to (linkTarget), hashed once when the line is read */
  readonly linkDigests: DigestPair;
  /** the record's digests (recordDigests): what the next record's `prev` must hold */
  readonly recordDigests: DigestPair;
  /** whether the line is byte-for-byte the writer's serialisation of its parsed value */
  readonly canonical: boolean;
}

export type ParseResult = { ok: true; parsed: ParsedRecord } | { ok: false; reason: string };


/** The line for a record, without its newline. */
export function encodeRecord(record: LineageRecord, batched: boolean = isBatchedText(record.artifact)): string {
  // Written out member by member: exactly JSON.stringify({ seq, prev: { sha3_512, blake2b_512 } | null,
  // artifact }) without building the objects, the artifact being a string (JWS) or, for a batched
  // artifact, its own JSON text (lineage-log.test.ts holds the two to each other). Embedding a
  // batched artifact as JSON spares escaping each of its quotes, which cost more than writing it.
  const { artifact } = record;
  // (`batched` is passed by an appender that knows: reading the first character of an artifact
  // just built by concatenation would flatten it, a copy of ~2 KB before the copy into the line.)
  // A compact JWS just issued needs no escaping (isLastIssuedToken): the same text JSON.stringify gives.
  const artifactJson = batched ? artifact : isLastIssuedToken(artifact) ? `"${artifact}"` : JSON.stringify(artifact);
  return `${recordOpen(record.seq, record.prev)}${artifactJson}}`;
}

/** A record's line up to its artifact: `{"seq":…,"prev":…,"artifact":` (encodeRecord). */
export function recordOpen(seq: number, prev: DigestPair | null): string {
  // `prev` holds lowercase hex, as every DigestPair here does (hash output, or read back through
  // isDigestPair), so it is written without JSON.stringify's scan for escapes (0.65 µs a record).
  const prevJson = prev === null ? "null" : `{"sha3_512":"${prev.sha3_512}","blake2b_512":"${prev.blake2b_512}"}`;
  return `{"seq":${JSON.stringify(seq)},"prev":${prevJson},"artifact":`;
}

/**
 * What the record after this entry's holds as `prev` (the line format above): for a compact JWS the
 * digests of its bytes (linkTarget, which the signer computes anyway), for a batched artifact those
 * of its commitment (leaf hash, index, and the digests of its batch's head, hashed once per batch).
 * Every record has digests of its own, so the record chain tells the records of a batch apart, and a
 * verifier names the record that changed rather than its batch.
 */
export function recordDigests(entry: ChainEntry, link: DigestPair = linkTarget(entry)): DigestPair {
  if (entry.batch === null) return link;
  // a batched entry's link target is its head's digests
  return commitmentDigests(entry.batch, link);
}

// 105 bytes: two SHA3-512 blocks (72-byte rate, with its padding) and one BLAKE2b block (128), where
// the ~370 hex characters of the same facts took six and three; about 2 µs less per batched record.
const COMMITMENT_LENGTH = 105;
const LEAF_AT = 1;
const INDEX_AT = 33;
const HEAD_AT = 41;
const TWO_32 = 2 ** 32;

// The head's digests as bytes, decoded once per batch (linkTarget hands the same object for one head).
let headBytes: { digests: DigestPair; sha3: Uint8Array; blake2b: Uint8Array } | null = null;

function digestBytes(hex: string): Uint8Array {
  const bytes = hexToBytes(hex);
  if (bytes === null || bytes.length !== 64) throw new Error("a digest is 128 hex digits");
  return bytes;
}

// One buffer for every commitment (hashing is synchronous): allocating a typed array per record
// cost about as much as one of its digests. Byte 0 is never written and stays 0.
const commitment = new Uint8Array(COMMITMENT_LENGTH);

/** Writes `value` (a safe integer) as 8 bytes, big-endian, at `at`. */
function writeUint64(bytes: Uint8Array, at: number, value: number): void {
  const high = Math.floor(value / TWO_32);
  const low = value >>> 0;
  for (let i = 0; i < 4; i++) {
    bytes[at + 3 - i] = (high >>> (8 * i)) & 0xff;
    bytes[at + 7 - i] = (low >>> (8 * i)) & 0xff;
  }
}

/** The digests of a batched record's commitment (the line format above); frozen, as the log's state and head() share them. */
function commitmentDigests(place: BatchPlace, head: DigestPair): DigestPair {
  if (headBytes === null || headBytes.digests !== head) headBytes = { digests: head, sha3: digestBytes(head.sha3_512), blake2b: digestBytes(head.blake2b_512) };
  const bytes = commitment;
  // the leaf is a SHA-256 this runtime computed (batch.ts, batchPlaceOf): 64 hex digits
  if (place.leaf.length !== 64 || !hexInto(place.leaf, bytes, LEAF_AT)) throw new Error("a Merkle leaf hash is 64 hex digits");
  writeUint64(bytes, INDEX_AT, place.index);
  bytes.set(headBytes.sha3, HEAD_AT);
  const sha3 = sha3_512Hex(bytes);
  bytes.set(headBytes.blake2b, HEAD_AT);
  return frozenDigests(sha3, blake2b512Hex(bytes));
}

// Places of batched statements that the batch authorizer issued (batch.ts): the log appending them
// reads each place here instead of parsing the artifact it was just handed. Good only for the very
// array of entries handed to the sink, while the sink records it, and for the very artifact issued
// at each place. Nothing is kept afterwards: a weak map from the entries (or from each statement)
// to their places kept every artifact text alive through the young generation's collections, which
// then copied and promoted them all — that alone cost about as much per decision as deciding,
// stating and hashing it.
export interface IssuedPlace {
  readonly artifact: string;
  /** the statement object handed to the sink with `artifact`: the place is for this pair only */
  readonly handed: Statement;
  /** the log's own copy of it (issuedCopy), made before the sink was handed it */
  readonly statement: Statement;
  readonly place: BatchPlace;
  /** the pieces `artifact` was built from (batchedArtifactText), which the log writes instead of its text */
  readonly pieces?: BatchedArtifactPieces;
}
let issuedBatch: { readonly entries: readonly unknown[]; readonly places: readonly IssuedPlace[] } | null = null;

/** Runs `record` (a sink's appendMany) with the places of `entries` known to the log (batch.ts only). */
export function withIssuedPlaces<T>(entries: readonly unknown[], places: readonly IssuedPlace[], record: () => T): T {
  const outer = issuedBatch;
  issuedBatch = { entries, places };
  try {
    return record();
  } finally {
    issuedBatch = outer;
  }
}

/** The places of this array of entries, if the batch authorizer is recording it now. */
export function issuedPlacesOf(entries: readonly unknown[]): readonly IssuedPlace[] | undefined {
  return issuedBatch !== null && issuedBatch.entries === entries ? issuedBatch.places : undefined;
}

/**
 * The log's own copy of a statement an issuer is about to hand a lineage sink, for the chain checks
 * (which read its lineage, iat and exp). The sink is handed the issuer's object and may edit it
 * before it passes it on to a log (its seq and link "fixed up" to the log's head, say): checked with
 * that object, the log would take a link the artifact, signed with the real one, does not hold, and
 * record a chain that does not verify. Its lineage and policy are copied through (chainEntryOf
 * checks both), its other members one level deep (iat and exp are numbers); the log reads nothing
 * deeper. (A copy rather than freezing the statement handed out: freezing its seven objects and
 * lists cost several times as much, about half a microsecond a decision, some 5% of a batched one.)
 */
export function issuedCopy(s: Statement): Statement {
  const { seq, prev } = s.lineage;
  const { name, version, sha3_512, blake2b_512 } = s.policy;
  return { ...s, policy: { name, version, sha3_512, blake2b_512 }, lineage: { seq, prev: prev === null ? null : { sha3_512: prev.sha3_512, blake2b_512: prev.blake2b_512 } } };
}

// The compact artifact `authorize` is recording now, the statement object it hands the sink with it,
// and the log's own copy of that statement (issuedCopy): the log takes the artifact with the copy,
// without reading the artifact back (that costs a decode and a parse per authorization). Any other
// pair handed to a log is read and must match.
let issuedSingle: { readonly artifact: string; readonly handed: Statement; readonly statement: Statement } | null = null;

/**
 * Runs `record` (a sink's append) with `artifact` and `statement` known to the log as issued together
 * (authorize.ts only); the log checks the chain with a copy of `statement` made here, before the
 * sink has it.
 */
export function withIssuedArtifact<T>(artifact: string, statement: Statement, record: () => T): T {
  const outer = issuedSingle;
  issuedSingle = { artifact, handed: statement, statement: issuedCopy(statement) };
  try {
    return record();
  } finally {
    issuedSingle = outer;
  }
}

/** Why a batched artifact whose statement does not fold to its head's root is no record. */
export const NOT_FOLDING = "a batched statement that does not fold through its proof to the root its batch head states (changed after issue)";

/**
 * The chain entry for an artifact about to be appended, or why it cannot continue a chain. `issued`
 * is where the batch authorizer issued this very artifact (the caller has matched its text and the
 * statement object handed with it), if so. An artifact and statement issued together are taken with
 * the log's own copy of the statement (issuedCopy). An artifact the log was not told was issued with
 * this statement is read, and must carry it: the chain is checked with the statement, the artifact
 * is what is written, and a record whose two disagree would be refused by the log's own reader.
 */
export function chainEntryOf(artifact: string, statement: Statement, issued?: IssuedPlace): { ok: true; entry: ChainEntry } | { ok: false; reason: string } {
  const single = issuedSingle !== null && issuedSingle.artifact === artifact && issuedSingle.handed === statement ? issuedSingle : null;
  // taken as issued: the chain is checked with the log's own copy, not the object the sink handed on
  const own = issued !== undefined ? issued.statement : single !== null ? single.statement : null;
  // A statement taken as issued, not read back from its artifact, must still be one the log's reader
  // reads back: its seq a safe integer (statement.ts), as a seq past the signer's last would not be,
  // its iat and exp times a date holds, as a clock's out-of-range reading would not give, and its
  // policy's name, version and digests what the reader takes (policyMemberProblem), as a host's
  // policy object need not hold. Its rules and errors are decideSafely's, checked where decided.
  if (own !== null) {
    const seq = own.lineage.seq;
    if (!Number.isSafeInteger(seq) || seq < 0) return { ok: false, reason: `its statement's lineage.seq ${seq} is not a non-negative safe integer, which the log's reader refuses` };
    if (!isEpochSeconds(own.iat) || !isEpochSeconds(own.exp))
      return { ok: false, reason: `its statement's iat ${own.iat} or exp ${own.exp} is not a whole number of seconds within the range of a date, which the log's reader refuses` };
    const { name, version, sha3_512, blake2b_512 } = own.policy;
    const policy = policyMemberProblem(name, version, sha3_512, blake2b_512);
    if (policy !== null)
      return { ok: false, reason: `its statement's policy.${policy.member} is ${shownOption(policy.value)}, not ${policy.must}, which the log's reader refuses` };
  }
  // the issued place first: it is known without reading the artifact (see encodeRecord)
  if (issued !== undefined) return { ok: true, entry: { artifact, statement: issued.statement, batch: issued.place } };
  if (single !== null && !isBatchedText(artifact)) return { ok: true, entry: { artifact, statement: single.statement, batch: null } };
  const read = statementOf(artifact);
  if (!read.ok) return read;
  // what the log's reader refuses (openLog: corrupt), and any verifier, even without a key
  if (read.batch !== null && !read.batch.proofHolds) return { ok: false, reason: `the artifact holds ${NOT_FOLDING}` };
  if (single === null && !sameStatement(read.statement, statement)) return { ok: false, reason: "the artifact does not carry the statement handed with it" };
  // a host's statement, equal as JSON to the one the artifact carries, may still read differently a
  // second time (a getter): the log goes on with the artifact's own, strictly parsed
  return { ok: true, entry: { artifact, statement: single !== null ? single.statement : read.statement, batch: read.batch } };
}

/**
 * What the statement after this entry's artifact links to (`lineage.prev`): the digests of the
 * signed bytes — the compact JWS's ASCII bytes, or for a batched artifact those of its batch's
 * signed tree head, which commits to every statement of the batch. Statements inside one batch
 * all carry the link of the artifact before the batch; the tree orders them (chainLinkProblem).
 */
export function linkTarget(entry: ChainEntry): DigestPair {
  // artifactDigests remembers the last artifact it hashed: the signer advancing past the artifact
  // the log has just appended does not hash it again.
  return artifactDigests(entry.batch === null ? entry.artifact : entry.batch.head);
}

/**
 * Why `next`'s signed link does not continue the chain from `prev` (sequence numbers aside), or null.
 * Within one batch (the same signed head) each statement is the next leaf and carries the same link
 * as the one before it; across artifacts, the batch before must be complete, a batch starts at its
 * first leaf, and the link names the previous artifact's signed bytes (linkTarget).
 */
export function chainLinkProblem(prev: ChainEntry, next: ChainEntry, target: (e: ChainEntry) => DigestPair = linkTarget): string | null {
  const link = next.statement.lineage.prev;
  if (prev.batch !== null && next.batch !== null && prev.batch.head === next.batch.head) {
    if (next.batch.index !== prev.batch.index + 1) return `is leaf ${next.batch.index} of its batch, after leaf ${prev.batch.index}`;
    if (!sameDigests(link, prev.statement.lineage.prev)) return "holds a statement whose link differs from the rest of its batch";
    return null;
  }
  if (prev.batch !== null && prev.batch.index !== prev.batch.size - 1)
    return `follows leaf ${prev.batch.index} of a batch of ${prev.batch.size}: the rest of that batch is missing`;
  if (next.batch !== null && next.batch.index !== 0) return `starts its batch at leaf ${next.batch.index}, not 0`;
  if (!sameDigests(link, target(prev))) return "holds a statement that does not link to the previous artifact";
  return null;
}

export function sameDigests(a: DigestPair | null, b: DigestPair | null): boolean {
  if (a === null || b === null) return a === b;
  return a.sha3_512 === b.sha3_512 && a.blake2b_512 === b.blake2b_512;
}

/** Three base64url parts (the shape of a compact JWS; ASCII spaces and a carriage return around it, as a file may add). */
const COMPACT_JWS = /^[ \t]*[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+[ \t\r]*$/;

/** The members of a line, with the artifact's text, without reading the artifact. Never throws. */
function readLine(line: string): { ok: true; record: LineageRecord } | { ok: false; reason: string } {
  // A line of a log read whole may be hundreds of megabytes, nested as deep or holding as many
  // values, which JSON.parse would build before anything here could refuse it: a line longer than
  // any record, or nested deeper than any, is refused unparsed.
  if (line.length > LONGEST_RECORD) return { ok: false, reason: `record is ${line.length} characters, longer than any record (one is at most ${LONGEST_RECORD} bytes)` };
  const tooDeep = jsonTooDeep(line);
  if (tooDeep !== undefined) return { ok: false, reason: `record holds ${tooDeep.why} (at column ${tooDeep.offset + 1})` };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    // an artifact where a log was expected (`writ audit verify artifact.jws`): said as what it is
    if (COMPACT_JWS.test(line)) return { ok: false, reason: "record is not JSON: the line is a compact JWS, an artifact on its own, not a record of a lineage log holding one (`writ verify` checks an artifact)" };
    return { ok: false, reason: "record is not JSON" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, reason: "record is not a JSON object" };
  // the line's own members: one it lacks is not what Object.prototype holds under its name (own.ts)
  const r = { seq: ownMember(value, "seq"), prev: ownMember(value, "prev"), artifact: ownMember(value, "artifact") };
  if (!Number.isSafeInteger(r.seq) || (r.seq as number) < 0) return { ok: false, reason: "record `seq` is not a non-negative integer" };
  if (!(r.prev === null || isDigestPair(r.prev))) return { ok: false, reason: "record `prev` is neither null nor a digest pair" };
  let artifact: string;
  if (typeof r.artifact === "string") {
    if (isBatchedText(r.artifact)) return { ok: false, reason: "record `artifact` holds a batched artifact as a string: a record holds it as JSON" };
    artifact = r.artifact;
  } else if (typeof r.artifact === "object" && r.artifact !== null && !Array.isArray(r.artifact)) {
    // A batched artifact is JSON whose every member round-trips: the issuer's text is exactly this
    // (and a line that held it otherwise is not the writer's, which `canonical` says). Nesting too
    // deep to write back out (a crafted line) is no artifact either.
    try {
      artifact = JSON.stringify(r.artifact);
    } catch {
      return { ok: false, reason: "record `artifact` is nested too deeply to be an artifact" };
    }
  } else return { ok: false, reason: "record `artifact` is neither a compact JWS nor a batched artifact" };
  return { ok: true, record: { seq: r.seq as number, prev: r.prev as DigestPair | null, artifact } };
}

/**
 * The record envelope (seq, prev, artifact) and its digests: what opening a long log checks for
 * every record but the last ones. A compact JWS is only hashed, not decoded; a batched artifact is
 * read as far as its digests need, which folds its proof too (`proofHolds`; true for a compact JWS).
 * Never throws.
 */
export function parseRecordEnvelope(line: string): { ok: true; record: LineageRecord; recordDigests: DigestPair; proofHolds: boolean } | { ok: false; reason: string } {
  const read = readLine(line);
  if (!read.ok) return read;
  const { record } = read;
  if (!isBatchedText(record.artifact)) return { ok: true, record, recordDigests: artifactDigests(record.artifact), proofHolds: true };
  const st = statementOf(record.artifact);
  if (!st.ok) return { ok: false, reason: st.reason };
  return { ok: true, record, recordDigests: recordDigests({ artifact: record.artifact, statement: st.statement, batch: st.batch }), proofHolds: st.batch === null || st.batch.proofHolds };
}

/** Parses one line (without its newline). Never throws. */
export function parseRecordLine(line: string): ParseResult {
  const read = readLine(line);
  if (!read.ok) return read;
  const { record } = read;
  const st = statementOf(record.artifact);
  if (!st.ok) return { ok: false, reason: st.reason };
  const entry: ChainEntry = { artifact: record.artifact, statement: st.statement, batch: st.batch };
  const link = linkTarget(entry);
  return {
    ok: true,
    parsed: { record, ...entry, linkDigests: link, recordDigests: recordDigests(entry, link), canonical: encodeRecord(record) === line },
  };
}
