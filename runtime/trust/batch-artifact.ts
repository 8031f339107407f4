// The batched authorization artifact: one decision statement, its Merkle inclusion proof, and the
// signed head of the tree (batch) it belongs to. One Ed25519 signature covers a whole batch; each
// artifact proves its own membership. Anyone can check one offline, with standard tools, in this
// order (verifyBatchedChecked's; the first failure is the refusal):
//   0. parse the text strictly (a member name twice is refused) and require it to be exactly the
//      issuer's serialisation below, the statement as its RFC 8785 canonical JSON: the envelope is
//      not signed, and a text that reads one way here and another way elsewhere is no artifact
//   1. `head` is a compact JWS (alg EdDSA, typ writ-batch-head+jws) whose payload is the canonical
//      JSON of the tree head; check its header, find its key, verify it, read the tree head.
//   2. leaf = SHA-256(0x00 || RFC 8785 canonical JSON of `statement`); fold `path` from the leaf at
//      `index` (RFC 9162 section 2.1.3.2) → root, with the RFC's checks: fail if `index` >= `size`
//      (a leaf's proof also folds to its root from indexes past the tree's end), and fail if `sn`
//      reaches 0 while path elements remain (rootFromInclusionProof); compare with the head's `root`.
//   3. only now, signed as it is at that place, check the statement as a JWS artifact's, and its
//      lineage against its place: `lineage.seq` is at least `index` (the batch began at seq − index),
//      and `prev` is null exactly when they are equal.
//
// Format (JSON text on one line, so it fits a JSON Lines record):
//   {"typ":"writ-authz-batched/2","statement":{...},"index":3,"path":["<hex>",...],"head":"<JWS>"}
// Tree head (the JWS payload):
//   {"v":"writ-batch-head/1","batch":"<128-bit hex>","size":n,"root":"<hex>","hash":"sha256","iss":"<kid>","iat":<s>}

import { canonicalJson, canonicalize } from "./jcs.js";
import { MERKLE_HASH, leafHash, rootFromInclusionProof } from "./merkle.js";
import { MAX_EPOCH_SECONDS, type ArtifactErrorCode, type PublicKey, type Statement } from "./types.js";
import type { CryptoPath } from "../crypto/digest.js";
import { bytesToHex, hexToBytes, utf8Encode } from "../crypto/base64url.js";
import { headerProblem, parseCompact, payloadText, verifyJws } from "./jws.js";
import { parseStatement } from "./statement.js";
import { readCheckOptions, statementFailure, type ArtifactCheckOptions, type CheckedOptions } from "./artifact-checks.js";
import { trimLineSpace } from "../strings.js";
import type { Signer } from "./signer.js";
import { shownCut, shownJson, shownName } from "../shown-name.js";
import { jsonAmbiguityAt } from "../json-ambiguity.js";
import { shownOption } from "../thrown.js";
import { ownMember } from "../own.js";
import { STACK_RAN_OUT, unfinished } from "./unfinished.js";
import { jsonTooDeep } from "../json-bounds.js";

/**
 * The refusal for a verification the host's stack ran out in, held here: read where the stack has
 * run out, an imported binding can be a call (a loader that rewrites imports into getters).
 */
const RAN_OUT = STACK_RAN_OUT;

export const BATCHED_ARTIFACT_TYP = "writ-authz-batched/2";
export const BATCH_HEAD_FORMAT = "writ-batch-head/1";
export const BATCH_HEAD_TYP = "writ-batch-head+jws";

export interface TreeHead {
  readonly v: typeof BATCH_HEAD_FORMAT;
  /** random 128-bit id, 32 lowercase hex digits */
  readonly batch: string;
  /** number of leaves (statements) in the batch */
  readonly size: number;
  /** Merkle tree hash, lowercase hex */
  readonly root: string;
  readonly hash: "sha256";
  /** signing key id (equals the JWS header `kid`) */
  readonly iss: string;
  /** time the batch was closed and signed, seconds since the epoch */
  readonly iat: number;
}

export interface BatchedArtifact {
  readonly typ: typeof BATCHED_ARTIFACT_TYP;
  readonly statement: Statement;
  /** the leaf's position in the tree, 0-based */
  readonly index: number;
  /** audit path, lowercase hex hashes, deepest sibling first */
  readonly path: readonly string[];
  /** compact JWS over the tree head */
  readonly head: string;
}

/** the same codes as a compact artifact's (`ArtifactErrorCode`) */
export type BatchErrorCode = ArtifactErrorCode;

export type BatchVerifyResult =
  | { ok: true; statement: Statement; head: TreeHead }
  | { ok: false; code: BatchErrorCode; message: string };

/** The same options as verifyArtifact's, and `ignoreExpiry` (audits of old batches). */
export type BatchVerifyOptions = ArtifactCheckOptions;

const HEX_HASH = /^[0-9a-f]{64}$/;
/** A tree head JWS is a few hundred bytes. */
const MAX_HEAD_LENGTH = 16 * 1024;
/** As for JWS artifacts: a megabyte is not an artifact. */
const MAX_BATCHED_LENGTH = 1024 * 1024;

/**
 * A batched artifact's text in the pieces it is built from (the format above): the issuer writes it
 * from them as text (batchedArtifactText), and the lineage log writes the same pieces straight into
 * its record's bytes (record-bytes.ts), so that nothing is written from a layout of its own.
 */
export interface BatchedArtifactPieces {
  /** the statement's canonical JSON */
  readonly statement: string;
  /** batchedArtifactMiddle(index, path) */
  readonly middle: string;
  /** batchedArtifactTail(head): the same for every leaf of a batch */
  readonly tail: string;
}

/** What a batched artifact's text begins with, before its statement. */
export const BATCHED_ARTIFACT_OPEN = `{"typ":"${BATCHED_ARTIFACT_TYP}","statement":`;

/** What follows the statement: the index and the audit path (`"<hex>","<hex>"…`), up to the path's end. */
export function batchedArtifactMiddle(index: number, path: string): string {
  return `,"index":${index},"path":[${path}`;
}

/** What follows the audit path: its end and the tree head JWS. */
export function batchedArtifactTail(head: string): string {
  return `],"head":${JSON.stringify(head)}}`;
}

export function batchedArtifactText(pieces: BatchedArtifactPieces): string {
  return `${BATCHED_ARTIFACT_OPEN}${pieces.statement}${pieces.middle}${pieces.tail}`;
}

/** The most hashes an audit path holds: a batch of up to 2^53 − 1 statements is a tree 53 levels deep. */
const MAX_PATH_HASHES = 53;

/**
 * The longest statement (its canonical JSON, in UTF-16 units) a batched artifact can carry and still
 * be read (MAX_BATCHED_LENGTH), whatever its place in whatever batch: the rest of the artifact is
 * at most the longest index and audit path a batch can give, and the longest tree head the reader
 * takes (MAX_HEAD_LENGTH; a signer's is some 500 characters). The batch authorizer refuses a longer
 * statement before its batch is signed; some 20,000 characters short of the megabyte, where the
 * exact rest is only known once the batch is.
 */
export const MAX_BATCHED_STATEMENT_LENGTH =
  MAX_BATCHED_LENGTH -
  BATCHED_ARTIFACT_OPEN.length -
  batchedArtifactMiddle(Number.MAX_SAFE_INTEGER, new Array(MAX_PATH_HASHES).fill(`"${"0".repeat(64)}"`).join(",")).length -
  batchedArtifactTail("A".repeat(MAX_HEAD_LENGTH)).length;

/** Whether an artifact's text is a batched artifact (JSON text; a compact JWS never begins with `{`). */
export function isBatchedText(artifact: string): boolean {
  return artifact.startsWith("{");
}

type EnvelopeRead = { ok: true; artifact: BatchedArtifact; leaf: string } | { ok: false; reason: string };

/**
 * Parses the outer structure, and the statement as a statement at its `index`. No signature is
 * checked; a statement whose lineage does not fit its `index` is let through when its proof does not
 * fold at that index to the root its head states (misplacedStatement), for the proof check to
 * refuse. Never throws.
 */
export function parseBatchedArtifact(text: string): EnvelopeRead {
  const envelope = parseBatchedEnvelope(text);
  if (!envelope.ok) return envelope;
  const { artifact, leaf } = envelope;
  const st = parseStatement(utf8Encode(leaf), artifact.index);
  if (!st.ok && !misplacedStatement(artifact, leaf)) return { ok: false, reason: indexOutsideStatedTree(artifact.index, artifact.head) ?? `batched artifact ${st.message}` };
  return envelope;
}

/**
 * The outer structure alone: the five members, each of its type, in exactly the text the issuer
 * writes around the statement's canonical JSON (the leaf). The statement is not judged as one: the
 * verifier judges it once its tree head is verified and its proof folds (verifyBatchedChecked), so
 * that nothing unsigned is interpreted. Never throws.
 */
function parseBatchedEnvelope(text: string): EnvelopeRead {
  if (typeof text !== "string") return { ok: false, reason: `a batched artifact is JSON text, got ${shownOption(text)}` };
  if (text.length > MAX_BATCHED_LENGTH) return { ok: false, reason: `batched artifact is ${text.length} characters, more than the ${MAX_BATCHED_LENGTH} accepted` };
  const tooDeep = jsonTooDeep(text);
  if (tooDeep !== undefined) return { ok: false, reason: `batched artifact holds ${tooDeep.why} (at ${tooDeep.at})` };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { ok: false, reason: "batched artifact is not JSON" };
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return { ok: false, reason: "batched artifact is not a JSON object" };
  const a = v as Record<string, unknown>;
  if (a.typ !== BATCHED_ARTIFACT_TYP) return { ok: false, reason: `batched artifact \`typ\` is not \`${BATCHED_ARTIFACT_TYP}\`` };
  if (typeof a.statement !== "object" || a.statement === null || Array.isArray(a.statement)) return { ok: false, reason: "batched artifact has no statement object" };
  if (!Number.isSafeInteger(a.index) || (a.index as number) < 0) return { ok: false, reason: "batched artifact `index` is not a non-negative integer" };
  if (!Array.isArray(a.path) || !a.path.every((h) => typeof h === "string" && HEX_HASH.test(h))) return { ok: false, reason: "batched artifact `path` is not a list of SHA-256 hex hashes" };
  if (typeof a.head !== "string") return { ok: false, reason: "batched artifact has no `head` JWS" };
  // The leaf is the statement's canonical JSON.
  const canonical = canonicalJson(a.statement);
  if (!canonical.ok) return { ok: false, reason: `batched artifact statement has no canonical JSON: ${canonical.reason}` };
  // Only the statement is signed (as a leaf of the tree); the envelope around it is not. It must be
  // exactly what the issuer writes, so that no member can be added, repeated or reordered unnoticed
  // in an artifact or a lineage record that still verifies, and a reader that keeps the first of a
  // repeated member reads what this one reads.
  const path = (a.path as string[]).map((h) => `"${h}"`).join(",");
  const exact = batchedArtifactText({ statement: canonical.text, middle: batchedArtifactMiddle(a.index as number, path), tail: batchedArtifactTail(a.head) });
  if (text !== exact)
    return { ok: false, reason: "batched artifact is not in the issuer's serialisation (an extra, repeated or reordered member, whitespace, or a number or string spelt otherwise)" };
  return { ok: true, artifact: a as unknown as BatchedArtifact, leaf: canonical.text };
}

/** Why `index` is no leaf of a tree of `size` leaves, or null. */
function indexOutside(index: number, size: number): string | null {
  return index < size ? null : `batched artifact \`index\` ${index} is outside its tree: the tree head states a size of ${size} (leaves 0 to ${size - 1})`;
}

/**
 * indexOutside against the size the head JWS states, not yet verified (null when it states none). The
 * statement's lineage is read against the leaf index, and an index past the tree's end would be
 * blamed on the lineage (`lineage.seq` less than the index); it is what is wrong, and is named first.
 * Read only once the statement is refused: on the way to an accepted artifact the head is read where
 * it is verified.
 */
function indexOutsideStatedTree(index: number, jws: string): string | null {
  const head = statedTreeHead(jws);
  return head === null ? null : indexOutside(index, head.size);
}

/** The tree head a head JWS states, its signature not verified; null when it states none. */
function statedTreeHead(jws: string): TreeHead | null {
  const parsed = parseCompact(jws, MAX_HEAD_LENGTH);
  const read = parsed.ok ? treeHeadOf(payloadText(parsed.jws)) : null;
  return read?.ok ? read.head : null;
}

/**
 * Whether a statement that parseStatement refuses at the artifact's `index` was refused for that
 * place alone, and the place is not the one its proof shows: then the index (or the statement, or
 * a sibling) was changed after issue, and it is the proof that fails, as the same edit in a batch
 * whose lineage rule it keeps fails (bad_proof; a log's record `edited`). The index is not signed:
 * only the fold of `path` to the root places a statement, and the lineage rule that ties seq to the
 * index (prev null exactly where seq equals it) would blame a statement nobody touched.
 *
 * Refused for its place alone: the statement holds at another index. The rule allows, for a link to
 * nothing, only seq itself, and for any other link every index below seq, 0 among them: those two
 * are tried. A statement refused at both is malformed wherever it sits; one whose proof folds at
 * this index was signed there as it is, and its lineage is what is wrong; and an index outside the
 * stated tree, or a head that states no tree, is named as such (indexOutsideStatedTree,
 * verifyTreeHead): those stay refused here.
 */
function misplacedStatement(artifact: BatchedArtifact, canonical: string): boolean {
  const lineage = ownMember(artifact.statement, "lineage");
  const seq = typeof lineage === "object" && lineage !== null ? ownMember(lineage, "seq") : undefined;
  if (!Number.isSafeInteger(seq)) return false;
  const bytes = utf8Encode(canonical);
  if (![seq as number, 0].some((at) => at !== artifact.index && parseStatement(bytes, at).ok)) return false;
  const head = statedTreeHead(artifact.head);
  if (head === null || indexOutside(artifact.index, head.size) !== null) return false;
  return !proofReaches(artifact, leafHash(bytes), head);
}

/** Signs a tree head as a compact JWS with the signer's key. */
export function signTreeHead(head: TreeHead, signer: Signer): string {
  return signer.signJws({ typ: BATCH_HEAD_TYP }, utf8Encode(canonicalize(head)));
}

/** Verifies a tree-head JWS against the trusted keys and returns the head. Never throws. */
export function verifyTreeHead(
  jws: string,
  trustedKeys: readonly PublicKey[],
  path?: CryptoPath,
): { ok: true; head: TreeHead } | { ok: false; code: BatchErrorCode; message: string } {
  const parsed = parseCompact(jws, MAX_HEAD_LENGTH);
  if (!parsed.ok) return { ok: false, code: "malformed", message: `tree head: ${parsed.message}` };
  const problem = headerProblem(parsed.jws.header, BATCH_HEAD_TYP);
  if (problem) return { ok: false, code: "bad_header", message: `tree head ${problem}` };
  const kid = parsed.jws.header["kid"] as string;
  const key = trustedKeys.find((k) => k.keyId === kid);
  if (!key) return { ok: false, code: "unknown_key", message: `tree head is signed by key ${shownName(kid)}, which is not a trusted issuer` };
  if (!verifyJws(parsed.jws, key.bytes, path)) return { ok: false, code: "bad_signature", message: `tree head signature does not verify with key ${shownName(kid)}` };
  const read = treeHeadOf(payloadText(parsed.jws));
  if (!read.ok) return { ok: false, code: "malformed", message: read.reason };
  const { head } = read;
  // as a compact artifact's statement must name its signing key (verify-artifact.ts), with the same code
  if (head.iss !== kid) return { ok: false, code: "malformed", message: `tree head issuer ${shownName(head.iss)} is not the signing key ${shownName(kid)}` };
  return { ok: true, head };
}

const HEAD_MEMBERS = ["batch", "hash", "iat", "iss", "root", "size", "v"];
const HEX32_ID = /^[0-9a-f]{32}$/;

type TreeHeadRead = { ok: true; head: TreeHead } | { ok: false; reason: string };

/**
 * The tree head in a head JWS's payload text, or what keeps it from being one. As a statement must be
 * (statement.ts), the payload must be its own canonical JSON with exactly the head's members: a
 * duplicate `root` that JSON.parse resolves to the last would fold, for a reader that keeps the
 * first, against another root. A head that is one is read on the way to every accepted artifact, so
 * only a refused one is looked at again for its reason (treeHeadProblem).
 */
function treeHeadOf(text: string | null): TreeHeadRead {
  let head: unknown;
  try {
    head = text === null ? NOT_JSON : JSON.parse(text);
  } catch {
    head = NOT_JSON;
  }
  if (isTreeHead(head)) {
    const canonical = canonicalJson(head);
    if (canonical.ok && canonical.text === text) return { ok: true, head };
  }
  return { ok: false, reason: treeHeadProblem(text, head) };
}

/** Whether a parsed payload has exactly the tree head's members, each as the format says. */
function isTreeHead(head: unknown): head is TreeHead {
  if (typeof head !== "object" || head === null || Array.isArray(head)) return false;
  const members = Object.keys(head).sort();
  if (members.length !== HEAD_MEMBERS.length || members.some((m, i) => m !== HEAD_MEMBERS[i])) return false;
  return treeHeadMemberProblem(head as Record<string, unknown>) === null;
}

/** The first member of a tree head (all seven present) that is not as the format says, and why; null when none. */
function treeHeadMemberProblem(h: Record<string, unknown>): string | null {
  if (h.v !== BATCH_HEAD_FORMAT) return `\`v\` is ${shownJson(h.v)}, expected "${BATCH_HEAD_FORMAT}"`;
  if (typeof h.batch !== "string" || !HEX32_ID.test(h.batch)) return `\`batch\` must be 32 lowercase hex digits, got ${shownJson(h.batch)}`;
  if (!Number.isSafeInteger(h.size) || (h.size as number) < 1) return `\`size\` must be a whole number of leaves from 1 to 2^53 − 1, got ${shownJson(h.size)}`;
  if (typeof h.root !== "string" || !HEX_HASH.test(h.root)) return `\`root\` must be 64 lowercase hex digits (a SHA-256), got ${shownJson(h.root)}`;
  if (h.hash !== MERKLE_HASH) return `\`hash\` is ${shownJson(h.hash)}, expected "${MERKLE_HASH}"`;
  if (typeof h.iss !== "string" || h.iss === "") return `\`iss\` must name the signing key, got ${shownJson(h.iss)}`;
  if (!Number.isSafeInteger(h.iat) || Math.abs(h.iat as number) > MAX_EPOCH_SECONDS)
    return `\`iat\` must be a whole number of seconds since the epoch within ±${MAX_EPOCH_SECONDS}, got ${shownJson(h.iat)}`;
  return null;
}

/** What treeHeadOf holds for a payload that does not parse: `null` is JSON, and a payload may be it. */
const NOT_JSON: unique symbol = Symbol("not JSON");

/** Why a payload (`text`, parsed as `head`, NOT_JSON when it is no JSON) is not a tree head: the first fault, in the order read. */
function treeHeadProblem(text: string | null, head: unknown): string {
  if (text === null) return "tree head payload is not UTF-8";
  if (head === NOT_JSON) return "tree head payload is not JSON";
  if (typeof head !== "object" || head === null || Array.isArray(head)) return `tree head payload is not a JSON object (a ${BATCH_HEAD_FORMAT})`;
  // what JSON.parse resolved without a word (a repeated member, a number it rounds), before the
  // members it resolved to are judged
  const ambiguity = jsonAmbiguityAt(text);
  if (ambiguity !== undefined) return `tree head payload: ${ambiguity.why}`;
  const members = Object.keys(head);
  const missing = HEAD_MEMBERS.filter((m) => !members.includes(m));
  const extra = members.filter((m) => !HEAD_MEMBERS.includes(m)).sort();
  if (missing.length > 0 || extra.length > 0) {
    const said = [missing.length > 0 ? `lacks ${missing.join(", ")}` : "", extra.length > 0 ? `has ${shownCut(extra.map((m) => shownJson(m)).join(", "))}, which it does not` : ""];
    return `tree head payload ${said.filter((s) => s !== "").join(" and ")}: a ${BATCH_HEAD_FORMAT} has exactly ${HEAD_MEMBERS.join(", ")}`;
  }
  const member = treeHeadMemberProblem(head as Record<string, unknown>);
  if (member !== null) return `tree head ${member}`;
  return "tree head payload is not its own RFC 8785 canonical JSON (whitespace, members out of order, a number or a string spelt otherwise): one tree head has one text";
}

/**
 * Where a batched artifact sits in its batch, as the artifact states it: what the lineage chain of
 * batches is checked with (lineage-record.ts). Nothing here is signature-checked; `proofHolds` says
 * whether the statement folds, through `path`, to the root the head states — so a statement changed
 * after issue is caught even by a verifier without the issuer's key.
 */
export interface BatchPlace {
  /** the tree head JWS as carried: the same text in every artifact of one batch */
  readonly head: string;
  readonly index: number;
  /** number of statements in the batch, from the head */
  readonly size: number;
  /** the statement's leaf hash, SHA-256(0x00 || canonical statement), lowercase hex */
  readonly leaf: string;
  readonly proofHolds: boolean;
}

/** The place of a parsed batched artifact, or why it has none (its head is not a tree head). */
export function batchPlaceOf(parsed: { readonly artifact: BatchedArtifact; readonly leaf: string }): { ok: true; place: BatchPlace } | { ok: false; reason: string } {
  const { artifact } = parsed;
  const head = statedTreeHead(artifact.head);
  if (head === null) return { ok: false, reason: `batched artifact \`head\` is not a signed ${BATCH_HEAD_FORMAT}` };
  const leaf = leafHash(utf8Encode(parsed.leaf));
  return { ok: true, place: { head: artifact.head, index: artifact.index, size: head.size, leaf: bytesToHex(leaf), proofHolds: proofReaches(artifact, leaf, head) } };
}

/** Whether the leaf, at the artifact's `index`, folds through its `path` to the root the tree head states. */
function proofReaches(artifact: BatchedArtifact, leaf: Uint8Array, head: TreeHead): boolean {
  // parseBatchedArtifact let through only 64-hex-digit hashes, so every node is 32 bytes
  const path = artifact.path.map((h) => hexToBytes(h) ?? new Uint8Array(0));
  const root = rootFromInclusionProof(artifact.index, head.size, leaf, path);
  return root !== null && bytesToHex(root) === head.root;
}

/**
 * Verifies a batched artifact: proof, head signature, issuer, times, and the optional statement
 * checks. As verifyArtifact does, it first takes away the ASCII spaces, tabs and line ends around
 * the text (a file's last line end), and nothing else. Never throws.
 */
export function verifyBatchedArtifact(artifact: string, options: BatchVerifyOptions): BatchVerifyResult {
  try {
    return verifyBatchedOnce(artifact, options);
  } catch (e) {
    // called too deep, the host's stack ran out before it finished: refused, not verified
    try {
      return unfinished(e);
    } catch {
      return RAN_OUT;
    }
  }
}

function verifyBatchedOnce(artifact: string, options: BatchVerifyOptions): BatchVerifyResult {
  const read = readCheckOptions(options);
  if (!read.ok) return read;
  return verifyBatchedChecked(typeof artifact === "string" ? trimLineSpace(artifact) : artifact, read.options);
}

/** verifyBatchedArtifact with options already read and checked (verifyArtifact reads them once for either kind). */
export function verifyBatchedChecked(artifact: string, options: CheckedOptions): BatchVerifyResult {
  // In the order of verifyArtifact for a compact JWS: the text, the tree head's header, key and
  // signature (verifyTreeHead), the statement's place in the signed tree, and only then the statement
  // itself: nothing unsigned is interpreted, and a statement changed after issue is `bad_proof`
  // (that is what fails) whatever the change makes of it.
  const parsed = parseBatchedEnvelope(artifact);
  if (!parsed.ok) return { ok: false, code: "malformed", message: parsed.reason };
  const a = parsed.artifact;
  const headResult = verifyTreeHead(a.head, options.trustedKeys, options.path);
  if (!headResult.ok) return headResult;
  const head = headResult.head;
  const outside = indexOutside(a.index, head.size);
  if (outside) return { ok: false, code: "malformed", message: outside };
  const leaf = utf8Encode(parsed.leaf);
  if (!proofReaches(a, leafHash(leaf), head)) {
    return { ok: false, code: "bad_proof", message: `the statement is not leaf ${a.index} of the signed tree of size ${head.size}` };
  }
  // signed as it is, at this index: now read as a statement of that place in its batch
  const read = parseStatement(leaf, a.index);
  if (!read.ok) return { ok: false, code: "malformed", message: `batched artifact ${read.message}` };
  const { statement } = read;
  if (statement.iss !== head.iss) return { ok: false, code: "issuer_mismatch", message: "statement issuer differs from the tree head's signing key" };
  return statementFailure(statement, options) ?? { ok: true, statement, head };
}
