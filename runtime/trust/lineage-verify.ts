// Verifies a lineage log offline and names the FIRST bad record: its 0-based index and what happened
// to it. Read-only: it never repairs anything (openLog does that, for what a crash leaves at the end only).
//
// Two chains are walked together. The record chain (each line's `prev` = digests of the previous
// record, lineage-record.ts; `seq` = position) catches accidental damage and naive edits, but anyone
// can recompute it.
// The statement chain (each signed statement's `lineage.seq` and `lineage.prev` = digests of the
// previous artifact; the statements of a batch share one link and their tree orders them, see
// lineage-record.ts chainLinkProblem) cannot be rewritten without the issuer's key: with
// `trustedKeys`, removing, inserting, reordering or changing records is detected even when the
// record chain was recomputed. Deleting whole records (or whole batches) at the END leaves a
// shorter, valid log: only a head kept elsewhere (`expectHead`, from `LineageLog.head()`) reveals it.
//
// How a break is classified (checked in this order for each record i):
//   malformed      the line is not a record, or its artifact/statement is not well-formed; or bytes
//                  after the last line are not the start of the record that would follow (not a
//                  torn write: opening the log refuses it as corrupt)
//   removed        seq jumps forward and the missing seq appears nowhere later
//   reordered      seq is out of place but every record is there once (the expected one comes later)
//   inserted       a record claims a seq that another record holds, or the records around it link
//                  to each other past it (a batched statement whose proof does not fold at its
//                  record's index links to nothing: it is edited, at its own index)
//   edited         the record's bytes no longer match what its successor chained, its own `prev` or
//                  its statement's link was changed (the other link still names its predecessor),
//                  it is not in the writer's exact serialisation, a batched statement no longer
//                  folds to its head's root, or it differs from the checkpoint
//   bad_signature  the artifact's signature does not verify with the trusted keys (for the last
//                  record this is the only evidence of an edit, since no successor chained it)
//   truncated      what a crash leaves, which opening the log moves aside (lineage-tail.ts): the
//                  start of the next record without its newline, or a last line holding a lost
//                  write's zeros; or the log ends inside a batch, or records the checkpoint names
//                  are missing
//   unterminated   the last record, whole and sound, ends the file without its newline (only that
//                  byte is missing: not a torn write); opening the log keeps it and writes the newline
//   replay_mismatch re-deciding the record's request with the given policy gives another decision,
//                  or a record of the policy's module (by its digests) names another policy name or
//                  version than the module does (replay.ts policyNameDifference, as `writ replay`)
//   bad_options    (index -1, no record's fault) the options cannot be used (a name VerifyLogOptions
//                  does not have, a value not of its type): checked before the log is read
//                  (lineage-verify-options.ts)
//
// The log's lines are parsed one at a time as the walk reaches them (lineage-lines.ts); this file
// holds the walk that classifies a break, and its results.

import { readFileBounded, READ_LIMITS, TooLargeError, tooLargeMessage } from "../bounded-read.js";
import type { CryptoPath, DigestPair } from "../crypto/digest.js";
import type { DecidingPolicy } from "../policy-types.js";
import { canonicalize } from "./jcs.js";
import { readRequest, requestSchemaOf } from "./request-digest.js";
import { decideSafely, unrepresentableDecision } from "./statement.js";
import type { ChainHead, Statement } from "./types.js";
import { verifyArtifact } from "./verify-artifact.js";
import { verifyTreeHead } from "./batch-artifact.js";
import { policyNameDifference } from "./replay.js";
import { chainLinkProblem, sameDigests, type ParsedRecord } from "./lineage-record.js";
import { lostWriteReason, NOT_A_CRASH, tornTailFinding, unterminatedReason, wholeTail } from "./lineage-tail.js";
import { LogLines, orderIndex, type OrderIndex } from "./lineage-lines.js";
import { readVerifyLogOptions, type VerifyLogOptions } from "./lineage-verify-options.js";
import { describeThrown } from "../thrown.js";
import { shownJson } from "../shown-name.js";
import { firstNonUtf8Line } from "../text-lines.js";
import { ranOutOfStack } from "../stack-ran-out.js";
import { systemErrorText } from "../file-write.js";

export type { ExpectedHead, VerifyLogOptions } from "./lineage-verify-options.js";

export type LogFaultKind =
  | "edited"
  | "removed"
  | "inserted"
  | "reordered"
  | "truncated"
  | "unterminated"
  | "malformed"
  | "bad_signature"
  | "replay_mismatch"
  | "unreadable"
  | "bad_options";

const GENESIS_START: ChainHead = { seq: 0, prev: null };

export interface LogSummary {
  readonly ok: true;
  readonly records: number;
  /** statement sequence numbers of the first and last record (null when empty) */
  readonly firstSeq: number | null;
  readonly lastSeq: number | null;
  /** ISO times of the earliest and latest `iat` */
  readonly firstTime: string | null;
  readonly lastTime: string | null;
  readonly allows: number;
  readonly denies: number;
  readonly batched: number;
  readonly issuers: readonly string[];
  readonly signatures: "verified" | "not checked";
  /** the log's head now: keep it as the next checkpoint */
  readonly head: { readonly seq: number; readonly digests: DigestPair | null };
  readonly replay?: {
    /** records decided by the replay policy's module */
    readonly samePolicy: number;
    readonly otherPolicy: number;
    /** records whose request was found and re-decided identically */
    readonly replayed: number;
  };
}

export interface LogFault {
  readonly ok: false;
  readonly index: number;
  readonly kind: LogFaultKind;
  readonly reason: string;
}

export type LogVerification = LogSummary | LogFault;

function fault(index: number, kind: LogFaultKind, reason: string): LogFault {
  return { ok: false, index, kind, reason };
}

/** Verifies the log file at `path`. Never throws. */
export function verifyLog(path: string, options: VerifyLogOptions = {}): LogVerification {
  try {
    return verifyLogOnce(path, options);
  } catch {
    // nothing there throws but the stack running out, in a handler (the host called too deep)
    return RAN_OUT;
  }
}

/**
 * What verifyLog and verifyLogBytes give when the host's stack runs out while they check a log
 * (they were called too deep): built once and frozen, since where it is given not even an object
 * can be made. It is no record's fault (index −1).
 */
const RAN_OUT: LogFault = Object.freeze({
  ok: false,
  index: -1,
  kind: "unreadable",
  reason: "verification could not be completed: the host's stack ran out while the log was being checked (the verifier was called too deep), not because of a fault found in the log",
});

function verifyLogOnce(path: string, options: VerifyLogOptions): LogVerification {
  const read = readVerifyLogOptions(options);
  if (!read.ok) return fault(-1, "bad_options", read.reason);
  let buf: Buffer;
  try {
    // capped: a log given as a device (/dev/zero) has no end to read to
    buf = readFileBounded(path, READ_LIMITS.log);
  } catch (e) {
    if (ranOutOfStack(e)) return RAN_OUT;
    // the file's fault, not record 0's (index −1), said in words as any file's is (`permission denied (EACCES)`)
    if (e instanceof TooLargeError) return fault(-1, "unreadable", tooLargeMessage(path, e, "a log"));
    return fault(-1, "unreadable", `cannot read ${path}: ${systemErrorText(e)}`);
  }
  return walkSafely(buf, read.options);
}

/** Verifies a log given as bytes (what `verifyLog` reads: the file from its first byte, from which a lost write's sectors are counted). Never throws. */
export function verifyLogBytes(buf: Uint8Array, options: VerifyLogOptions = {}): LogVerification {
  try {
    const read = readVerifyLogOptions(options);
    return read.ok ? walkSafely(buf, read.options) : fault(-1, "bad_options", read.reason);
  } catch {
    return RAN_OUT;
  }
}

/** walk, on options already read; never throws. */
function walkSafely(buf: Uint8Array, options: VerifyLogOptions): LogVerification {
  const progress: WalkProgress = { at: -1, done: false };
  try {
    return walk(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength), options, progress);
  } catch (e) {
    // Nothing in walk throws on bad input; this guards the host against a bug (or the process
    // running short of memory), fail-closed. It is no record's fault, so no record is named as bad
    // (index −1); the reason says how far the walk had come. Where the stack ran out (the host
    // called too deep), the fault built beforehand: saying more could run out again.
    if (ranOutOfStack(e)) return RAN_OUT;
    const where = progress.done ? "after every record was checked" : progress.at < 0 ? "before any record was checked" : `while checking record ${progress.at}`;
    return fault(-1, "unreadable", `verification could not be completed (it failed ${where}, not because of a fault found in the log): ${describeThrown(e)}`);
  }
}

/** How far walk has come, for the message when it fails. */
interface WalkProgress {
  /** the record it is checking (−1 before the first) */
  at: number;
  /** whether it has checked every record */
  done: boolean;
}

function walk(buf: Buffer, options: VerifyLogOptions, progress: WalkProgress): LogVerification {
  const end = buf.lastIndexOf(0x0a) + 1;
  // bytes after the last newline that are a whole record are walked as the last record (lineage-tail.ts)
  const whole = end < buf.length ? wholeTail(buf.subarray(end)) : null;
  const unterminated = whole !== null && whole.ok;
  // found as the walk reaches them: nothing is held per line, so a file of nothing but newlines
  // (2 GiB of them is 2^31 lines) is walked as any other, to its first line that is no record
  const lines = new LogLines(buf, end, firstNonUtf8Line(buf, end), unterminated);
  const ok = (i: number): ParsedRecord | null => {
    const r = lines.at(i);
    return r !== undefined && r.ok ? r.parsed : null;
  };
  /**
   * Whether record `a`'s signed statement continues record `b`'s (lineage-record.ts chainLinkProblem).
   * A batched statement whose proof does not fold at the index its record gives is not at that leaf
   * (its index or statement was changed): it continues nothing. Otherwise a leaf given the index just
   * before its own would seem to continue the record two before it, and the record between them
   * would be taken for one added (step 3 names the moved record edited instead).
   */
  const continues = (a: ParsedRecord, b: ParsedRecord): boolean => (a.batch === null || a.batch.proofHolds) && chainLinkProblem(b, a, () => b.linkDigests) === null;
  /** whether record `a` links to record `b` by the record chain or by its signed statement */
  const links = (a: ParsedRecord, b: ParsedRecord): boolean => sameDigests(a.record.prev, b.recordDigests) || continues(a, b);

  // Indexes for classifying a broken order, built when one is found.
  let index: OrderIndex | null = null;
  const order = (): OrderIndex => (index ??= orderIndex(lines));
  const laterRecordSeq = (seq: number, after: number): boolean => (order().recordSeqAt.get(seq) ?? []).some((j) => j > after);
  /** a record parsed for a look back at it, not kept */
  const recordAt = (i: number): ParsedRecord | null => {
    const r = lines.read(i);
    return r !== undefined && r.ok ? r.parsed : null;
  };

  // the replay module's digests, of the bytes read with the options (lineage-verify-options.ts)
  const policyDigests = options.replay ? options.replay.digests : null;
  const tally = { allows: 0, denies: 0, batched: 0, samePolicy: 0, otherPolicy: 0, replayed: 0 };
  // The tree head JWS last verified, and who signed it: the records of one batch carry the same head,
  // so its signature is checked once per batch rather than once per record (an Ed25519 verification,
  // which costs more than everything else a record takes to check).
  let verifiedHead: { readonly jws: string; readonly iss: string } | null = null;
  const issuers = new Set<string>();
  let firstIat = Infinity;
  let lastIat = -Infinity;

  /**
   * Step 6 for record `i`, or null when it holds (or no keys were given). A batched statement's proof
   * to its head's root held in step 3, so what is left is the head's signature and that its signer
   * issued the statement.
   */
  const signatureFault = (i: number, p: ParsedRecord): LogFault | null => {
    if (!options.trustedKeys) return null;
    if (p.batch === null) {
      const check = verifyArtifact(p.record.artifact, { trustedKeys: options.trustedKeys, now: new Date(p.statement.iat * 1000), path: options.path });
      return check.ok ? null : fault(i, "bad_signature", `record ${i}: ${check.code}: ${check.message}`);
    }
    if (verifiedHead === null || verifiedHead.jws !== p.batch.head) {
      const check = verifyTreeHead(p.batch.head, options.trustedKeys, options.path);
      if (!check.ok) return fault(i, "bad_signature", `record ${i}: ${check.code}: ${check.message}`);
      verifiedHead = { jws: p.batch.head, iss: check.head.iss };
    }
    return p.statement.iss === verifiedHead.iss ? null : fault(i, "bad_signature", `record ${i}: issuer_mismatch: statement issuer differs from the tree head's signing key`);
  };

  let first: ParsedRecord | null = null;
  let last: ParsedRecord | null = null;
  /** the number of lines, once the walk has passed the last */
  let n = 0;
  for (let i = 0; ; i++) {
    progress.at = i;
    // only the records around this one are looked at from here on (i − 1 back, i + 2 ahead)
    lines.forgetBefore(i - 1);
    const r = lines.at(i);
    if (r === undefined) {
      n = i;
      break;
    }
    if (!r.ok) return lines.isLostWrite(i, last === null ? null : last.recordDigests) ? fault(i, "truncated", lostWriteReason(i, last)) : fault(i, "malformed", `record ${i} is not a valid record: ${r.reason}${lines.isLast(i) ? NOT_A_CRASH : ""}`);
    const p = r.parsed;
    const prev = i > 0 ? ok(i - 1)! : null;
    const linksBack = sameDigests(p.record.prev, prev ? prev.recordDigests : null);
    /** step 6's verdict on this record, once taken */
    let signature: LogFault | null | undefined;

    // 1. Position in the file.
    const s = p.record.seq;
    if (s !== i) {
      if (linksBack) return fault(i, "edited", `record ${i} carries seq ${s} but chains to ${i === 0 ? "the log's start" : `record ${i - 1}`}: its seq was changed`);
      if (s < i) {
        const dup = recordAt(s)?.record.artifact === p.record.artifact ? ` (a copy of record ${s})` : "";
        return fault(i, "inserted", `record ${i} claims seq ${s}, which record ${s} already holds${dup}`);
      }
      if (!laterRecordSeq(i, i)) return fault(i, "removed", `record ${i} has seq ${s}: record${s - i > 1 ? `s ${i}..${s - 1} are` : ` ${i} is`} missing`);
      const genuine = order().recordSeqAt.get(s)?.length === 1 && (order().chainedRecords.has(p.recordDigests.sha3_512) || s === order().lines - 1);
      return genuine
        ? fault(i, "reordered", `record ${i} has seq ${s}; seq ${i} comes later in the file`)
        : fault(i, "inserted", `record ${i} (seq ${s}) is chained by no record: it was added`);
    }

    // 2. Order of the signed statements: record 0 starts where the chain is expected to start
    //    (genesis unless told otherwise), every later one continues the one before it.
    const start = options.chainStart ?? GENESIS_START;
    const expected = prev ? prev.statement.lineage.seq + 1 : start === "any" ? p.statement.lineage.seq : start.seq;
    const got = p.statement.lineage.seq;
    if (got !== expected) {
      if (got < expected) return fault(i, "inserted", `record ${i} holds statement seq ${got} where ${expected} is due: an artifact was added`);
      const later = (order().statementSeqAt.get(expected) ?? []).some((j) => j > i);
      if (!later) return fault(i, "removed", `record ${i} holds statement seq ${got}, ${expected} expected: statement${got - expected > 1 ? `s ${expected}..${got - 1} are` : ` ${expected} is`} missing`);
      return (order().statementSeqAt.get(got) ?? []).length === 1
        ? fault(i, "reordered", `record ${i} holds statement seq ${got}; seq ${expected} comes later in the file`)
        : fault(i, "inserted", `record ${i} holds statement seq ${got}, which another record holds too`);
    }
    if (!prev && start !== "any" && !sameDigests(p.statement.lineage.prev, start.prev))
      return fault(i, "edited", `record 0's statement does not link to the expected start of the chain`);
    // A batch is recorded whole: a log that starts inside one lost the batch's first records. Only a
    // record whose proof folds at its index is that leaf: one that does not had its index (or its
    // statement) changed, which step 3 names.
    if (!prev && start !== "any" && p.batch !== null && p.batch.index !== 0 && p.batch.proofHolds)
      return fault(i, "removed", `record 0 is leaf ${p.batch.index} of its batch: the batch's leaves before it are missing`);

    // 3. Its own bytes and backward links. A record its successor links past was added.
    const next = ok(i + 1);
    const skipsThis = next !== null && (prev ? links(next, prev) : next.record.prev === null);
    const insertedHere = () => fault(i, "inserted", `record ${i} is not part of the chain: record ${i + 1} links to ${prev ? `record ${i - 1}` : "genesis"}`);
    const linksBackSigned = !prev || continues(p, prev);
    if ((!p.canonical || !linksBack || !linksBackSigned) && skipsThis) return insertedHere();
    if (!p.canonical) return fault(i, "edited", `record ${i} is not in the writer's serialisation: it was rewritten`);
    // Statements of one batch share their link, so a changed statement shows in its proof instead:
    // it no longer folds to the root its batch's head states (checked without any key).
    if (p.batch !== null && !p.batch.proofHolds)
      return fault(i, "edited", `record ${i}'s statement is not leaf ${p.batch.index} of the tree its batch head states: it was changed`);
    // The signed link still names record i − 1's artifact, so that record is intact: this `prev` changed.
    if (!linksBack && linksBackSigned) return fault(i, "edited", `record ${i}'s \`prev\` does not match record ${i - 1}: it was changed`);
    // The record link holds, so record i − 1 is what i chained: i's statement changed — unless its
    // signature holds (with keys), and then it was not: record i − 1 is a statement another trusted
    // key signed in the place of the one record i continues (the record chain recomputed after it).
    if (linksBack && !linksBackSigned) {
      if (options.trustedKeys && signatureFault(i, p) === null)
        return fault(i, "edited", `record ${i}'s statement, whose signature holds, links to another artifact than record ${i - 1}'s: record ${i - 1} was replaced by a statement another trusted key signed, or record ${i} comes from another chain`);
      return fault(i, "edited", `record ${i}'s statement no longer links to record ${i - 1}'s artifact: it was changed`);
    }
    // Neither link holds. Had record i − 1 been changed, record i would be intact and the next record
    // would link to it; step 4 at i − 1 took that case. So record i is not what followed record i − 1:
    // it was replaced, unless it is the last record and nothing can tell an edit of record i − 1 from
    // it (no keys: with them, record i − 1's signature held in its step 6).
    if (!linksBackSigned) {
      if (next === null && lines.isLast(i) && !options.trustedKeys)
        return fault(i - 1, "edited", `record ${i - 1} was changed after record ${i} chained it, or record ${i} was replaced`);
      return fault(i, "edited", `record ${i} was replaced: it does not link to record ${i - 1}${next ? `, and record ${i + 1} does not link to it` : ""}`);
    }

    // 4. Forward: does the next record, in its place and confirmed by its own successor (or last),
    //    still chain to this one as it is now? If not, this record was changed.
    if (next && next.record.seq === i + 1 && next.statement.lineage.seq === p.statement.lineage.seq + 1) {
      const recordOk = sameDigests(next.record.prev, p.recordDigests);
      const signedOk = continues(next, p);
      if (!recordOk || !signedOk) {
        if (skipsThis) return insertedHere();
        const after = ok(i + 2);
        const anchored = !lines.has(i + 2) || (after !== null && links(after, next));
        // Both links broke: this record is no longer what its successor chained. When one of them
        // still holds, this record is intact and the successor's `prev` or statement was changed:
        // step 3 names it at i + 1.
        // Or this record is intact and the records from i + 1 on come from another chain: with keys,
        // this record's signature tells the two apart (it would not hold after an edit).
        if (anchored && !signedOk && !recordOk) {
          if (!options.trustedKeys) return fault(i, "edited", `record ${i} was changed after record ${i + 1} chained it, or the records from ${i + 1} on come from another chain`);
          signature = signatureFault(i, p);
          if (signature) return fault(i, "edited", `record ${i} was changed after record ${i + 1} chained it (${signature.reason})`);
          return fault(
            i + 1,
            "inserted",
            `the records from ${i + 1} on do not continue record ${i}, whose signature holds: they come from another chain${options.trustedKeys.length > 1 ? `, or record ${i} was replaced by a statement another trusted key signed` : ""}`,
          );
        }
      }
    } else if (next && next.record.seq === p.record.seq && skipsThis && next.record.artifact !== p.record.artifact) {
      // Two different records claim this seq: the one the record after them links to is genuine.
      const after = ok(i + 2);
      if (after !== null && links(after, next)) return insertedHere();
    }

    // 5. The checkpoint, if it names this record.
    if (options.expectHead && options.expectHead.seq === i) {
      const h = options.expectHead;
      if (p.recordDigests.sha3_512 !== h.sha3_512 || (h.blake2b_512 !== undefined && p.recordDigests.blake2b_512 !== h.blake2b_512))
        return fault(i, "edited", `record ${i} differs from the checkpoint`);
    }

    // 6. Signatures (checked in step 4 already when the next record broke from this one).
    if (signature === undefined) signature = signatureFault(i, p);
    if (signature) return signature;

    // 7. Replay.
    if (options.replay && policyDigests) {
      if (p.statement.policy.sha3_512 === policyDigests.sha3_512 && p.statement.policy.blake2b_512 === policyDigests.blake2b_512) {
        tally.samePolicy++;
        // the module names its policy: a statement of this module's digests naming another policy
        // name or version is refused as `writ replay` refuses it, whether or not its request is known
        const named = policyNameDifference(p.statement, options.replay);
        if (named !== null) return fault(i, "replay_mismatch", `record ${i}: ${named}`);
        // the host's look-up failing is not the log's fault: said as what it is, at the record it was for
        let request: unknown;
        try {
          request = options.requests?.(p.statement.request.sha3_512, p.statement);
        } catch (e) {
          return fault(i, "unreadable", `record ${i}: looking up its request failed, so it was not replayed: ${describeThrown(e)}`);
        }
        if (request !== undefined) {
          const differences = replayStatement(p.statement, request, options.replay, options.path);
          if (differences.length > 0) return fault(i, "replay_mismatch", `record ${i}: ${differences.join("; ")}`);
          tally.replayed++;
        }
      } else tally.otherPolicy++;
    }

    if (p.statement.decision === "allow") tally.allows++;
    else tally.denies++;
    if (p.batch !== null) tally.batched++;
    issuers.add(p.statement.iss);
    firstIat = Math.min(firstIat, p.statement.iat);
    lastIat = Math.max(lastIat, p.statement.iat);
    first ??= p;
    last = p;
  }
  progress.done = true;

  if (end < buf.length && !unterminated) {
    const tail = tornTailFinding(buf.subarray(end), n, last, whole !== null && !whole.ok ? whole : null);
    return fault(n, tail.kind, tail.reason);
  }

  // A batch is recorded whole (one write): a log that ends inside one lost its last records.
  const final = last;
  if (final !== null && final.batch !== null && final.batch.index !== final.batch.size - 1) {
    const missing = final.batch.size - 1 - final.batch.index;
    return fault(n, "truncated", `the log ends at leaf ${final.batch.index} of a batch of ${final.batch.size}: its last ${missing === 1 ? "record is" : `${missing} records are`} missing`);
  }

  if (options.expectHead) {
    const h = options.expectHead;
    // (a log of no records has no last record to name)
    const ends = n === 0 ? "but the log is empty" : `the log ends at record ${n - 1}`;
    if (h.seq >= n) return fault(n, "truncated", `the checkpoint names record ${h.seq}, ${ends}: record${h.seq > n ? `s ${n}..${h.seq} are` : ` ${n} is`} missing`);
  }

  // every record sound, the last one whole: only its newline is missing
  if (unterminated) return fault(n - 1, "unterminated", unterminatedReason(n - 1));

  return {
    ok: true,
    records: n,
    firstSeq: first ? first.statement.lineage.seq : null,
    lastSeq: last ? last.statement.lineage.seq : null,
    firstTime: n > 0 ? new Date(firstIat * 1000).toISOString() : null,
    lastTime: n > 0 ? new Date(lastIat * 1000).toISOString() : null,
    allows: tally.allows,
    denies: tally.denies,
    batched: tally.batched,
    issuers: [...issuers],
    signatures: options.trustedKeys ? "verified" : "not checked",
    head: { seq: n - 1, digests: last ? last.recordDigests : null },
    ...(options.replay ? { replay: { samePolicy: tally.samePolicy, otherPolicy: tally.otherPolicy, replayed: tally.replayed } } : {}),
  };
}

/** What differs between a statement and re-deciding its request now (empty: identical). */
function replayStatement(s: Statement, request: unknown, policy: DecidingPolicy, path?: CryptoPath): string[] {
  const differences: string[] = [];
  // read as authorize read it, along the policy's schema: a refusal then names the same path
  const { data, digest } = readRequest(request, path, requestSchemaOf(policy));
  if (digest.sha3_512 !== s.request.sha3_512) differences.push("the request given for it has another digest");
  const decision = digest.ok ? decideSafely(policy, data) : unrepresentableDecision(digest);
  if (decision.decision !== s.decision) differences.push(`decision: recorded ${s.decision}, re-evaluation gives ${decision.decision}`);
  // compared whole, shown cut and escaped: a record's rules and errors are anyone's text until a key vouches for them
  if (canonicalize(decision.rules) !== canonicalize(s.rules)) differences.push(`rules: recorded ${shownJson(s.rules)}, re-evaluation gives ${shownJson(decision.rules)}`);
  if (canonicalize(decision.errors) !== canonicalize(s.errors)) differences.push(`errors: recorded ${shownJson(s.errors)}, re-evaluation gives ${shownJson(decision.errors)}`);
  return differences;
}
