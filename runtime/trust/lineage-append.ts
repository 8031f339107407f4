// The lineage log once open (FileLog, which openLog in lineage.ts returns): appending records,
// its head, closing it. Apart from opening, which reads the file, checks every record and repairs a
// crash's tail, because once open the log reads the file no more: it appends from what open found.
//
// Durability: `append` writes the whole line with one write(2) on an O_APPEND descriptor and, with
// `fsync: "always"` (the default), fdatasync(2)s it before returning; returning means acknowledged.
// With `fsync: "never"` a record survives a crash of the process (it is in the page cache) but not a
// power loss or kernel crash; appends are then about a thousand times cheaper on a real disk.
//
// A failed write is cut back to the last whole record; where that fails too, the log takes no more
// appends and the next open decides from the file (failedAppend). A write that another writer (one
// the lock did not keep out) raced is not acknowledged, not cut back, and the log takes no more
// appends (racedAppend).

import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, writeSync } from "node:fs";
import type { DigestPair } from "../crypto/digest.js";
import type { PublicKey, Statement } from "./types.js";
import type { LineageLog, LogHead, LogRepair } from "./lineage.js";
import { releaseLock } from "./lineage-lock.js";
import { MAX_ARTIFACT_LENGTH } from "./verify-artifact.js";
import { chainEntryOf, chainLinkProblem, encodeRecord, issuedPlacesOf, linkTarget, recordDigests, recordOpen, type ChainEntry } from "./lineage-record.js";
import { withRecordBytes, type RecordBytes } from "./record-bytes.js";
import type { BatchedArtifactPieces } from "./batch-artifact.js";
import { describeThrown, isInstance, shownOption } from "../thrown.js";
import { ranOutOfStack, V8_STACK_MESSAGE } from "../stack-ran-out.js";
import { LineageError } from "./lineage-error.js";
import type { ScanState } from "./lineage-scan.js";
import { frozenHead, GENESIS } from "./signer.js";
import { lastSignatureProblem } from "./lineage-last-signature.js";
import { ownElement, ownMember } from "../own.js";

/**
 * What appendMany throws where the host's stack ran out before its write (appendMany called too
 * deep): built beforehand, frozen; a caller's handler compares with it where it can make no call.
 */
export const APPEND_RAN_OUT = Object.freeze(
  new LineageError("io", "nothing was recorded: the host's stack ran out while the entries were being appended (the append was called too deep); append them again from a shallower call"),
);
/** Whether `e` is appendMany's failure for an append the host's stack ran out in before its write: nothing was recorded. */
export function ranOutAppending(e: unknown): boolean {
  return e === APPEND_RAN_OUT;
}
const RAN_OUT_WRITING = "the host's stack ran out while an append was being written (it was called too deep), so its record may be in the file";
/** What appendMany throws where the host's stack ran out from its write on, before the log knew the write's outcome. */
const APPEND_RAN_OUT_WRITING = Object.freeze(
  new LineageError(
    "io",
    `the append did not complete: ${RAN_OUT_WRITING}, whole or in part, so this log takes no more appends; close it and open the log again, which reads the file to decide what it holds`,
  ),
);

export class FileLog implements LineageLog {
  private fd: number | null;
  private size: number;
  private count: number;
  private lastDigests: DigestPair | null;
  private lastStatementSeq: number | null;
  /** the last record's artifact, which the next statement continues */
  private lastEntry: ChainEntry | null;
  /** why this log takes no more appends: a failed append that could not be cut back, or one another writer raced (appendInto) */
  private unwritable: string | null = null;
  /** whether the lock is still to be released: until close has removed it, a close tries again */
  private locked = true;
  /** from the write of an append until what the log knows of the file is brought up to it */
  private writing = false;

  constructor(
    readonly path: string,
    fd: number,
    private readonly lockPath: string,
    private readonly fsyncMode: "always" | "never",
    state: ScanState,
    readonly repaired: LogRepair | null,
    size: number,
  ) {
    this.fd = fd;
    this.size = size;
    this.count = state.count;
    this.lastDigests = state.lastDigests;
    this.lastStatementSeq = state.last ? state.last.statement.lineage.seq : null;
    this.lastEntry = state.last;
  }

  append(artifact: string, statement: Statement): void {
    this.appendMany([{ artifact, statement }]);
  }

  /**
   * Appends several records with one write and one fsync (group commit, used by batched signing):
   * all of them or none. Each statement must continue the chain from the one before it.
   */
  appendMany(entries: readonly { readonly artifact: string; readonly statement: Statement }[]): void {
    try {
      withRecordBytes((out) => this.appendInto(entries, out));
    } catch (e) {
      // Called too deep, the append may run out of the host's stack anywhere, its handlers too:
      // what it throws then is built beforehand. Run out between the write and what follows it,
      // the record may be in the file, and only reading the file can tell: no more appends.
      if (this.writing) {
        this.writing = false;
        this.unwritable = RAN_OUT_WRITING;
        throw APPEND_RAN_OUT_WRITING;
      }
      let failure: unknown;
      try {
        failure = e instanceof LineageError ? e : ranOutOfStack(e) ? APPEND_RAN_OUT : e;
      } catch {
        failure = APPEND_RAN_OUT;
      }
      throw failure;
    }
  }

  /** appendMany, the records gathered in `out` before their one write */
  private appendInto(entries: readonly { readonly artifact: string; readonly statement: Statement }[], out: RecordBytes): void {
    this.requireWritable();
    // The host's entries are read, and checked on their own, before anything of the log is looked
    // at: reading them runs the host's code (an entry's getters, a Proxy's traps, the members of a
    // statement compared with its artifact's), which may append to this log or close it. Only then
    // is the log's state taken, so these entries continue what is in the log by now (an append made
    // meanwhile included), and no code of the host's runs between the checks and the write.
    const owned = this.readEntries(entries);
    const fd = this.requireWritable();
    let count = this.count;
    let lastDigests = this.lastDigests;
    let lastStatementSeq = this.lastStatementSeq;
    let lastEntry = this.lastEntry;
    for (const { entry, pieces } of owned) {
      const link = entry.statement.lineage;
      if (lastStatementSeq === null || lastEntry === null) {
        // verifyLog reads a log that starts inside a batch as one whose first records were removed
        if (entry.batch !== null && entry.batch.index !== 0)
          throw new LineageError("chain_break", `${this.path}: a log starts at the first leaf of a batch, not at leaf ${entry.batch.index}; nothing was recorded`);
        if ((link.seq === 0) !== (link.prev === null)) throw new LineageError("chain_break", "a genesis statement (seq 0) and only it has no previous-artifact digest");
      } else {
        const problem = link.seq !== lastStatementSeq + 1 ? `holds seq ${link.seq}` : chainLinkProblem(lastEntry, entry);
        if (problem !== null)
          throw new LineageError(
            "chain_break",
            `${this.path}: statement seq ${link.seq} does not continue the log (it ${problem}; next expected: seq ${lastStatementSeq + 1} linking to the last artifact); start the signer from log.head().chain`,
          );
      }
      // the record's bytes: a batched artifact just issued from the pieces it was built of (record-bytes.ts)
      if (pieces !== undefined) out.addBatched(recordOpen(count, lastDigests), pieces);
      else out.addLine(encodeRecord({ seq: count, prev: lastDigests, artifact: entry.artifact }, entry.batch !== null));
      count++;
      lastDigests = recordDigests(entry);
      lastStatementSeq = link.seq;
      lastEntry = entry;
    }
    // A batch is recorded with one write, and open reads a log whose last records are the first
    // leaves of a batch as that write cut short (by a crash), and moves them aside: a write that
    // ended inside a batch would have its records, acknowledged, taken out of the log at the next
    // open. So the entries end at the last leaf of the batch they end in.
    const final = owned.length > 0 ? owned[owned.length - 1]!.entry.batch : null;
    if (final !== null && final.index !== final.size - 1)
      throw new LineageError(
        "incomplete_batch",
        `${this.path}: the entries end at leaf ${final.index} of a batch of ${final.size}, not at its last leaf: a batch is appended whole, with one appendMany (a log that ends inside a batch reads as a write cut short, whose records the next open moves aside); nothing was recorded`,
      );
    if (out.length === 0) return;
    const bytes = out.bytes();
    const length = bytes.length;
    // A file that grew since our last append has another writer (one that ignored the lock, or a
    // path the lock did not cover): appending would fork the chain, so refuse and write nothing.
    let size: number;
    try {
      size = fstatSync(fd).size;
    } catch (e) {
      // (EIO on a network file system, or a descriptor closed behind the log's back): as a failed write
      throw new LineageError("io", `${this.path}: reading the file's size failed (${describeThrown(e)}); nothing was recorded`);
    }
    if (size !== this.size)
      throw new LineageError("locked", `${this.path}: the file is ${size} bytes, not the ${this.size} this writer left: another process is writing it; nothing was recorded`);
    this.writing = true;
    const expected = this.size + length;
    let after: number;
    try {
      const written = writeSync(fd, bytes, 0, length);
      if (written !== length) throw new Error(`short write (${written} of ${length} bytes)`);
      after = fstatSync(fd).size;
    } catch (e) {
      throw this.failedWrite(fd, e);
    }
    // The size check above and the write are two calls: another writer that passed its own check
    // in between has appended too, before or after this record. The file is then not what this
    // write made of it, and this record is not acknowledged. It is not cut back either: the other
    // writer's record follows or precedes it, and may have been acknowledged. So of two appends
    // that race, the one that writes second always sees the other's bytes here: at most one is
    // acknowledged.
    if (after !== expected) {
      // (made while the write is still the log's, so that running out of stack here says so too)
      const refusal = this.racedAppend(after, expected);
      this.writing = false;
      throw refusal;
    }
    try {
      if (this.fsyncMode === "always") fdatasyncSync(fd);
    } catch (e) {
      throw this.failedWrite(fd, e);
    }
    this.size += length;
    this.count = count;
    this.lastDigests = lastDigests;
    this.lastStatementSeq = lastStatementSeq;
    this.lastEntry = lastEntry;
    this.writing = false;
  }

  /**
   * The entries as the log's own: each artifact with the statement it carries, read from the host's
   * list once and checked on its own (not yet against the log). Throws a LineageError for what the
   * log cannot record, whatever the host's code does meanwhile.
   */
  private readEntries(entries: readonly { readonly artifact: string; readonly statement: Statement }[]): { entry: ChainEntry; pieces?: BatchedArtifactPieces }[] {
    // where the batch authorizer says each entry sits in its batch (lineage-record.ts), if it handed them over
    const issued = issuedPlacesOf(entries);
    let n: number;
    try {
      // (Array.isArray throws for a revoked Proxy)
      if (!Array.isArray(entries)) throw new LineageError("chain_break", `${this.path}: appendMany takes an array of { artifact, statement }, not ${shownOption(entries)}; nothing was recorded`);
      n = entries.length;
    } catch (e) {
      if (isInstance(e, LineageError)) throw e;
      throw new LineageError("chain_break", `${this.path}: the entries' length cannot be read (${describeThrown(e)}); nothing was recorded`);
    }
    const owned: { entry: ChainEntry; pieces?: BatchedArtifactPieces }[] = [];
    for (let k = 0; k < n; k++) {
      const { artifact, statement } = this.entryAt(entries, k);
      // the batch authorizer's place for this very artifact, if it handed one over
      const candidate = issued?.[k];
      // handed with the very statement object issued in it (whose copy the place holds): any other is
      // read back from the artifact and compared
      const place = candidate !== undefined && candidate.artifact === artifact && candidate.handed === statement ? candidate : undefined;
      // A record the log's own reader would refuse would make the log unopenable once followed by
      // another: refuse it here, before anything is written (and before the artifact is read).
      if (artifact.length > MAX_ARTIFACT_LENGTH)
        throw new LineageError("too_large", `${this.path}: an artifact of ${artifact.length} characters is more than the ${MAX_ARTIFACT_LENGTH} verifiers read; nothing was recorded`);
      const read = chainEntryOf(artifact, statement, place);
      if (!read.ok) throw new LineageError("chain_break", `${this.path}: the artifact cannot continue a chain (${read.reason}); nothing was recorded`);
      owned.push({ entry: read.entry, pieces: place?.pieces });
    }
    return owned;
  }

  /**
   * The artifact and statement of `entries[k]`, each read once: a host's entry may be anything (null,
   * a getter that throws), and what is wrong with it is a refusal of the append, not a TypeError.
   */
  private entryAt(entries: readonly unknown[], k: number): { artifact: string; statement: Statement } {
    const refuse = (what: string) =>
      new LineageError("chain_break", `${this.path}: entry ${k} is not an { artifact, statement } pair (${what}); nothing was recorded`);
    let artifact: unknown;
    let statement: unknown;
    try {
      // the list's own element and the entry's own members: a hole, or a member left out, is not
      // what Array.prototype or Object.prototype holds there (own.ts)
      const entry = ownElement(entries, k);
      if (typeof entry !== "object" || entry === null) throw refuse(`it is ${shownOption(entry)}`);
      artifact = ownMember(entry, "artifact");
      statement = ownMember(entry, "statement");
    } catch (e) {
      throw isInstance(e, LineageError) ? e : refuse(`reading it threw: ${describeThrown(e)}`);
    }
    if (typeof artifact !== "string") throw refuse(`its artifact is ${shownOption(artifact)}, not the artifact's text`);
    if (typeof statement !== "object" || statement === null) throw refuse(`its statement is ${shownOption(statement)}`);
    return { artifact, statement: statement as Statement };
  }

  private closedError(): LineageError {
    return new LineageError("closed", `${this.path}: the log is closed`);
  }

  /** The descriptor to append to; throws when the log is closed or takes no more appends. */
  private requireWritable(): number {
    if (this.fd === null) throw this.closedError();
    if (this.unwritable !== null)
      throw new LineageError("io", `${this.path}: this log takes no more appends: ${this.unwritable}; close it and open the log again, which reads the file to decide what it holds; nothing was recorded`);
    return this.fd;
  }

  /** failedAppend, once the append is no longer being written */
  private failedWrite(fd: number, e: unknown): LineageError {
    // (cut back, or marked as taking no more appends, by failedAppend)
    const failure = this.failedAppend(fd, e);
    this.writing = false;
    return failure;
  }

  /**
   * The error of an append whose write left the file at `after` bytes, not the `expected` it makes:
   * another writer (one the lock did not keep out) wrote at the same moment. The file holds what
   * this writer does not know of, so the log takes no more appends, and nothing is cut.
   */
  private racedAppend(after: number, expected: number): LineageError {
    const what =
      after > expected
        ? "another writer appended to it at the same moment as this append: the log now holds both records, each continuing the same one, and will not open as it is"
        : "another process cut it at the same moment as this append";
    this.unwritable = `${what} (it is ${after} bytes, not the ${expected} this append made it)`;
    return new LineageError(
      "locked",
      `${this.path}: this record was written but is not acknowledged: ${this.unwritable}; this log takes no more appends. Stop the other writer (one the lock did not keep out: a hard link to the log, a lock removed by hand) and run \`writ audit verify ${this.path}\` to see what the log holds`,
    );
  }

  /**
   * The error of an append whose write or sync failed (`e`), once the file is cut back to the last
   * whole record. When it cannot be, the file may hold the record (whole, or part of it) after what
   * this writer knows of, and only reading the file can tell what is there: the log then refuses
   * every later append (each would be refused as the work of another writer, or continue a chain the
   * file does not hold), and the next open decides from the file.
   */
  private failedAppend(fd: number, e: unknown): LineageError {
    const failure = describeThrown(e);
    try {
      ftruncateSync(fd, this.size);
    } catch (cut) {
      this.unwritable = `an append failed (${failure}) and the file could not be cut back to its last whole record (${describeThrown(cut)}), so that record may be in the file`;
      return new LineageError("io", `${this.path}: append failed: ${failure}; cutting the file back to its last whole record failed too (${describeThrown(cut)}): the record may be in the file, whole or in part, so this log takes no more appends; close it and open the log again, which reads the file to decide what it holds`);
    }
    return new LineageError("io", `${this.path}: append failed: ${failure}; nothing was recorded`);
  }

  /**
   * Frozen throughout: `digests` and `chain.prev` are the very pairs the log continues from and the
   * signer links with (signer.ts, GENESIS), so a host's edit of its checkpoint must not reach them.
   */
  head(): LogHead {
    return Object.freeze({
      records: this.count,
      seq: this.count - 1,
      digests: this.lastDigests,
      chain: this.lastStatementSeq === null || this.lastEntry === null ? GENESIS : frozenHead(this.lastStatementSeq + 1, linkTarget(this.lastEntry)),
    });
  }

  lastSignatureProblem(trustedKeys: readonly PublicKey[]): string | undefined {
    return lastSignatureProblem(this.lastEntry, this.count - 1, trustedKeys);
  }

  close(): void {
    const fd = this.fd;
    let closeFailure: unknown = null;
    if (fd !== null) {
      // The descriptor is the log's no more from here, before it is closed: close(2) frees the number
      // even when it fails (EIO from NFS or FUSE, reporting a write-back that failed), and the host's
      // next open is handed it. Kept, a later close would close the host's file, and an append
      // (refused now, as after any close) would write a record into it.
      this.fd = null;
      try {
        closeSync(fd);
      } catch (e) {
        // Only the stack running out stops closeSync before close(2) (it is one call into the
        // binding): the descriptor is still open then, and still the log's, for a later close.
        // Told apart with no call (stack-ran-out.ts), and thrown as it is, as where it ran out
        // nothing can be built.
        if (typeof e === "object" && e !== null && (e as Error).name === "RangeError" && (e as Error).message === STACK_MESSAGE) {
          this.fd = fd;
          throw e;
        }
        closeFailure = e;
      }
    }
    let lockFailure: unknown = null;
    if (this.locked) {
      try {
        releaseLock(this.lockPath);
        this.locked = false;
      } catch (e) {
        lockFailure = e;
      }
    }
    if (closeFailure !== null) throw this.failedClose(closeFailure, lockFailure);
    if (lockFailure !== null) throw new LineageError("io", `${this.path}: closed, but its lock ${this.lockPath} could not be removed (${describeThrown(lockFailure)}): ${LOCK_LEFT}`);
  }

  /**
   * The error of a close whose close(2) failed (`e`): the file is closed all the same, and the file
   * system said that data written to it may be lost. What was synced as it was appended (`fsync:
   * "always"`) was on the disk when it was acknowledged; with `fsync: "never"` the records appended
   * last may never have reached it.
   */
  private failedClose(e: unknown, lockFailure: unknown): LineageError {
    const lost =
      this.fsyncMode === "never"
        ? 'the records appended last may not have reached the disk (the log was opened with fsync "never")'
        : "each record was synced before it was acknowledged, but a file system that fails a close (NFS, FUSE) may have lost what it was sent even so";
    const lock = lockFailure === null ? "" : `; and its lock ${this.lockPath} could not be removed (${describeThrown(lockFailure)}): ${LOCK_LEFT}`;
    return new LineageError("io", `${this.path}: closing the file failed (${describeThrown(e)}): ${lost}; run \`writ audit verify ${this.path}\` to see what it holds. The log is closed${lock}`);
  }
}

const LOCK_LEFT = "the log cannot be opened again while the lock is there; close again to retry";

/** V8's message for a stack that ran out, read from this module's own binding (stack-ran-out.ts) */
const STACK_MESSAGE = V8_STACK_MESSAGE;
