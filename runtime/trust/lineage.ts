// The lineage log: the embedded default LineageSink. An append-only JSON Lines file of authorization
// artifacts, each record chained to its predecessor by that record's SHA3-512 and BLAKE2b-512
// digests (record format and what is digested: lineage-record.ts; verification: lineage-verify.ts).
//
// Durability: `append` writes the whole line with one write(2) on an O_APPEND descriptor and, with
// `fsync: "always"` (the default), fdatasync(2)s it before returning; returning means acknowledged.
// With `fsync: "never"` a record survives a crash of the process (it is in the page cache) but not a
// power loss or kernel crash; appends are then about a thousand times cheaper on a real disk.
//
// Crash repair: a crash (or SIGKILL) can leave only the last write incomplete. On open, a final
// line without its newline that is the start of the next record, or a final line that is not a
// record and shows a lost write (zeros in whole sectors, the record due there around them:
// lineage-tail.ts), is moved to `<log>.torn-<timestamp>` and truncated away; so are the whole
// records of ONE batch that is not whole at the end of the log (a batch is one write, cut short):
// its leaves 0 … k, which continue the log by both chains, after a record that ends a complete
// write; everything before is kept. A final record that is whole and
// is the one the log expects next, lacking only its newline (a file cut by one byte, an editor
// stripping the final newline), was not cut short: it is kept and its newline written (a record is
// never moved aside whole, but for a batch cut short: it may have been acknowledged).
// Anything else that is wrong — a complete final line that does not parse, a record not in the
// writer's serialisation, a batched statement that does not fold to its head's root, leaves that do
// not continue the log (another chain's batch, a batch after one that is not complete, a batch
// whose leaf 0 links elsewhere), damage anywhere else — is never repaired: open refuses, naming the
// record, so the evidence stays as it is. (What open reads and how it tells the two apart:
// lineage-scan.ts.)
//
// Exclusion: one writer per log, enforced by `<log>.lock` (lineage-lock.ts).

import { closeSync, existsSync, fdatasyncSync, fstatSync, fsyncSync, ftruncateSync, lstatSync, openSync, readlinkSync, realpathSync, statSync, writeFileSync, writeSync, constants } from "node:fs";
import { systemErrorText } from "../file-write.js";
import { basename, dirname, join, resolve } from "node:path";
import type { DigestPair } from "../crypto/digest.js";
import type { ChainHead, LineageSink, Statement } from "./types.js";
import { acquireLock, releaseLock } from "./lineage-lock.js";
import { MAX_ARTIFACT_LENGTH } from "./verify-artifact.js";
import { chainEntryOf, chainLinkProblem, encodeRecord, issuedPlacesOf, linkTarget, recordDigests, recordOpen, type ChainEntry } from "./lineage-record.js";
import { withRecordBytes, type RecordBytes } from "./record-bytes.js";
import type { BatchedArtifactPieces } from "./batch-artifact.js";
import { describeThrown, isInstance, shownOption } from "../thrown.js";
import { ranOutOfStack } from "../stack-ran-out.js";
import { describeLimit, readFdBounded, READ_LIMITS } from "../bounded-read.js";
import { readClock, type Clock } from "./clock.js";
import { LineageError } from "./lineage-error.js";
import { scan, type ScanState } from "./lineage-scan.js";
import { frozenHead, GENESIS } from "./signer.js";
import { ownElement, ownMember, ownOption } from "../own.js";
import { optionNames, unknownOptionProblem } from "../option-names.js";

export { LineageError, type LineageErrorCode } from "./lineage-error.js";

export interface LogOptions {
  /** `always` (default): fdatasync after every append. `never`: leave flushing to the OS. */
  readonly fsync?: "always" | "never";
  /** the time a torn tail's file is named after: a Date or a function returning one (clock.ts) */
  readonly now?: Clock;
}

/** The names LogOptions has: any other is refused (`fsync: "never"` misspelt must not be taken for the default, nor the default for it). */
const LOG_OPTIONS = optionNames<LogOptions>({ fsync: true, now: true });

/** Where the log stands: enough to checkpoint it and to resume a signer's chain. */
export interface LogHead {
  /** number of records */
  readonly records: number;
  /** seq of the last record (records − 1), or −1 when empty */
  readonly seq: number;
  /** the last record's digests (lineage-record.ts): keep them elsewhere as a checkpoint (`verifyLog`'s `expectHead`) */
  readonly digests: DigestPair | null;
  /** where the next statement must link: give this to the signer that appends here */
  readonly chain: ChainHead;
}

/** What open moved aside: a record cut short, or the first whole records of a batch cut short. */
export interface TornRepair {
  readonly kind: "moved";
  /** index the torn record would have had (the first record moved aside) */
  readonly index: number;
  readonly bytes: number;
  /** where the torn bytes were saved */
  readonly savedTo: string;
  /** whole records moved aside: the first leaves of the one batch whose write did not complete (0 when none) */
  readonly records: number;
  /** the size of that batch, or null when no whole record was moved aside */
  readonly batchSize: number | null;
  /** whether a record cut short was moved aside (a line without its newline, or a lost write's zeros) */
  readonly torn: boolean;
}

/**
 * What open wrote: the newline after the last record, whole and continuing the log, that the file
 * ended without. Nothing was moved aside; appending continues after that record.
 */
export interface NewlineRepair {
  readonly kind: "newline";
  /** the last record, kept, whose newline was written */
  readonly index: number;
}

/** What open repaired at the end of the log (lineage-scan.ts tells which). */
export type LogRepair = TornRepair | NewlineRepair;


export interface LineageLog extends LineageSink {
  readonly path: string;
  /** set when open repaired the end of the log: moved aside what a crash left (`kind: "moved"`), or
   *  wrote the newline a whole last record lacked (`kind: "newline"`) */
  readonly repaired: LogRepair | null;
  /** appends one record; throws a LineageError when the log is closed, the statement does not
   *  continue the chain, the artifact is longer than verifiers read (1 MiB), it is a batched
   *  artifact that is not its batch's last leaf (`incomplete_batch`: a batch is appended whole, with
   *  appendMany), or the write fails (then the file is cut back to the last whole record; when that
   *  fails too, the record may be in the file, and the log refuses every later append: reopen it) */
  append(artifact: string, statement: Statement): void;
  /** appends several records with one write and one fsync: all or none (batched signing uses it);
   *  they end at the last leaf of the batch they end in, if any (`incomplete_batch` otherwise) */
  appendMany(entries: readonly { readonly artifact: string; readonly statement: Statement }[]): void;
  head(): LogHead;
  /** closes the file and removes the lock; idempotent. Throws a LineageError (`io`) when the lock
   *  cannot be removed, which a later close tries again */
  close(): void;
}

function fsyncDirectory(path: string): void {
  try {
    const fd = openSync(dirname(path), constants.O_RDONLY);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* some filesystems refuse fsync on directories; the file data itself is synced */
  }
}

function tornFileName(logPath: string, now: Date): string {
  const stamp = now.toISOString().replace(/[:.]/g, "-");
  let name = `${logPath}.torn-${stamp}`;
  for (let i = 1; existsSync(name); i++) name = `${logPath}.torn-${stamp}-${i}`;
  return name;
}

/**
 * The file the lock is named after: the log's real path, so that a symlink (or a `..` path) to a log
 * shares the lock of the log itself instead of getting one of its own and a second writer.
 */
function lockName(path: string, hops = 0): string {
  try {
    return realpathSync(path);
  } catch {
    // A symlink to a log not created yet: opening creates its target, which must then have the
    // lock it has when opened by its own name (realpath fails for a link whose target is missing)
    // (a relative target is resolved from the link's real directory, as the kernel resolves it)
    if (hops < MAX_SYMLINK_HOPS && isSymlink(path)) return lockName(resolve(realDirectory(path), readlinkSync(path)), hops + 1);
    try {
      return join(realpathSync(dirname(path)), basename(path)); // not created yet
    } catch {
      return path; // no directory either: opening fails below and says so
    }
  }
}

/** As many links as Linux follows before ELOOP. */
const MAX_SYMLINK_HOPS = 40;

function realDirectory(path: string): string {
  try {
    return realpathSync(dirname(path));
  } catch {
    return dirname(path);
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * Opens (creating if needed) the log at `path` for appending, after taking its lock, checking every
 * record and repairing a torn final record. Throws a LineageError (`locked`, `corrupt`, `io`, and
 * `bad_options`, before anything is opened, for options that are no object, hold a name LogOptions
 * does not have, or an `fsync` or clock that is none).
 */
export function openLog(path: string, options: LogOptions = {}): LineageLog {
  try {
    return openLogOnce(path, options);
  } catch (e) {
    // what openLogOnce could not let go, the stack having run out there too: let go here, with the
    // stack its frame held
    if (openingLock !== null || openingFd !== null) letGo();
    let failure: LineageError;
    try {
      failure = lineageErrorOf(e);
    } catch {
      // the host's stack ran out again, here
      failure = OPEN_RAN_OUT;
    }
    throw failure;
  }
}

/**
 * The lock and the descriptor an open holds until it has returned the log or let them go (its
 * failure's cleanup). Near the end of the host's stack that cleanup may run out of stack itself,
 * and a lock left behind keeps the log from being opened again while this process lives: openLog
 * and tryOpenLog, a frame or two shallower, let go what is still held (letGo). No code of the
 * host's runs while a log is being opened (its options are read before the lock is taken), so no
 * other open comes between.
 */
let openingLock: string | null = null;
let openingFd: number | null = null;

/** Closes the descriptor and removes the lock of an open that failed, as far as it can; what it cannot is left held, for the caller's frame to try. */
function letGo(): void {
  try {
    if (openingFd !== null) closeSync(openingFd);
    openingFd = null;
  } catch {
    // (still held: tried again further up)
  }
  try {
    if (openingLock !== null) releaseLock(openingLock);
    openingLock = null;
  } catch {
    // (still held: tried again further up)
  }
}

/**
 * The failure of an open the host's stack ran out in (openLog called too deep): built once and
 * frozen, since where it is thrown not even an object can be made.
 */
const OPEN_RAN_OUT = Object.freeze(
  new LineageError("io", "the log was not opened: the host's stack ran out while it was being opened (openLog was called too deep); open it again from a shallower call"),
);

/** What an open that threw `e` fails with: a LineageError as it is, OPEN_RAN_OUT where the stack ran out, anything else described. */
function lineageErrorOf(e: unknown): LineageError {
  if (e instanceof LineageError) return e;
  if (ranOutOfStack(e)) return OPEN_RAN_OUT;
  return new LineageError("io", describeThrown(e));
}

const notRegularLog = (path: string): string => `${path} is not a regular file; a lineage log is one (give a file's path, or one to create)`;
const directoryLog = (path: string): string => `${path} is a directory, not a lineage log (give a file's path, or one to create)`;

/**
 * Refuses `path` where it cannot be a log, before its lock is taken: its directory does not exist,
 * or it is a device, a FIFO or a directory, said to be no log rather than refused by the lock it
 * would be given (a pipe from `--log <(…)` has no directory to hold one). A regular file passes, and
 * so does nothing there in a directory that is (opening creates it). Throws a LineageError (io).
 */
function refuseUnlessLog(path: string): void {
  if (!existsSync(dirname(path))) throw new LineageError("io", `${path}: the directory ${dirname(path)} does not exist`);
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    if (ranOutOfStack(e)) throw e; // openLog says so
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return; // opening creates it
    throw new LineageError("io", `${path}: ${systemErrorText(e)}`);
  }
  if (st.isDirectory()) throw new LineageError("io", directoryLog(path));
  if (!st.isFile()) throw new LineageError("io", notRegularLog(path));
}

/**
 * Writes the newline the log's last record, `index`, lacks, and syncs it whatever the fsync mode (as a
 * repair that moves a torn tail aside is): the next append then starts a line of its own. Throws a
 * LineageError (io) when it cannot.
 */
function writeNewline(fd: number, path: string, index: number): void {
  try {
    if (writeSync(fd, NEWLINE) !== 1) throw new Error("nothing was written");
    fsyncSync(fd);
  } catch (e) {
    throw new LineageError("io", `${path}: its last record (${index}) is whole but the file ends without its newline, and writing the newline failed (${describeThrown(e)}): the record is in the file, with its newline or without; opening the log again decides from the file`);
  }
}

/** (not a Buffer: runtime/trust loads where the global Buffer is not, test/trust/portable.test.ts) */
const NEWLINE = new Uint8Array([0x0a]);

function openLogOnce(path: string, options: LogOptions): LineageLog {
  if (typeof path !== "string") throw new LineageError("bad_options", `a log's path is a string, got ${shownOption(path)}`);
  if (typeof options !== "object" || options === null) throw new LineageError("bad_options", "the options must be an object");
  const unknown = unknownOptionProblem(options, LOG_OPTIONS);
  if (unknown !== null) throw new LineageError("bad_options", unknown);
  // each option as the object holds it: one left out is not what Object.prototype holds under its
  // name (own.ts), or a planted `fsync: "never"` would keep records off the disk
  const fsyncMode = ownOption(options, "fsync") ?? "always";
  // anything but the two modes is refused: `fsync: true` read as not "always" would sync nothing
  if (fsyncMode !== "always" && fsyncMode !== "never") throw new LineageError("bad_options", `fsync must be "always" or "never", got ${shownOption(fsyncMode)}`);
  // the clock names a torn tail's file: read before anything is locked or cut, as every option is
  const clock = readClock(ownOption(options, "now"));
  if (!clock.ok) throw new LineageError("bad_options", clock.message);
  refuseUnlessLog(path);
  const lockFor = lockName(path);
  if (!existsSync(dirname(lockFor))) throw new LineageError("io", `${path} leads to ${lockFor}, whose directory ${dirname(lockFor)} does not exist`);
  let lock: ReturnType<typeof acquireLock>;
  try {
    lock = acquireLock(lockFor);
  } catch (e) {
    // the stack running out is not the lock's fault
    if (ranOutOfStack(e)) throw OPEN_RAN_OUT;
    throw new LineageError("io", `${path}: cannot take the lock: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!lock.ok) throw new LineageError("locked", `${path}: ${lock.reason}`);
  openingLock = lock.lockPath;
  let fd: number | null = null;
  try {
    const created = !existsSync(path);
    fd = openingFd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_APPEND, 0o644);
    if (created) fsyncDirectory(path);
    // A log is a file: a device opens as well (and /dev/zero would be read until memory ran out).
    // Looked at before the lock too (notALog); again here, on the file opened
    if (!fstatSync(fd).isFile()) throw new LineageError("io", notRegularLog(path));
    // read through the descriptor appended to (the name may have been given to another file since)
    const size = fstatSync(fd).size;
    if (size > READ_LIMITS.log) throw new LineageError("io", `${path} is ${size} bytes, more than the ${describeLimit(READ_LIMITS.log)} a log is read up to: start a new log (and keep this one for audits)`);
    const buf = readFdBounded(fd, READ_LIMITS.log, size);
    const { state, tornFrom, found, newline } = scan(buf, path);
    // A file that grew while it was read has another writer, one the lock did not keep out (a hard
    // link, a lock removed by hand): continuing from the records read would fork the chain.
    const now = fstatSync(fd).size;
    if (now !== buf.length)
      throw new LineageError(
        "locked",
        `${path}: the file ${now > buf.length ? "grew" : "shrank"} from ${buf.length} to ${now} bytes while it was opened: another process is writing it; nothing was changed`,
      );
    let repaired: LogRepair | null = null;
    if (newline) {
      writeNewline(fd, path, state.count - 1);
      repaired = Object.freeze({ kind: "newline", index: state.count - 1 });
    } else if (tornFrom !== null) {
      // Save what the crash left before cutting it, so nothing written disappears silently.
      const savedTo = tornFileName(path, new Date(clock.ms));
      writeFileSync(savedTo, buf.subarray(tornFrom), { mode: 0o644, flush: true });
      ftruncateSync(fd, tornFrom);
      fsyncSync(fd);
      fsyncDirectory(path);
      repaired = Object.freeze({ kind: "moved", index: state.count, bytes: buf.length - tornFrom, savedTo, ...found });
    }
    // the size appends are checked against is what was read (and repaired), not the file's size now
    const log = new FileLog(path, fd, lock.lockPath, fsyncMode, state, repaired, tornFrom ?? buf.length + (newline ? 1 : 0));
    // the log holds them now
    openingLock = openingFd = null;
    return log;
  } catch (e) {
    // the descriptor closed and the lock removed before anything is said: where the stack ran out
    // (openLog called too deep), saying it may run out again, and must not leave the lock behind
    let unreleased: unknown = null;
    try {
      if (fd !== null) closeSync(fd);
      openingFd = null;
    } finally {
      try {
        releaseLock(lock.lockPath);
        openingLock = null;
      } catch (r) {
        unreleased = r;
      }
    }
    if (ranOutOfStack(e) && unreleased === null) throw OPEN_RAN_OUT;
    // a directory cannot be opened for appending: said in words, as a device is, not as Node's EISDIR
    const failure =
      e instanceof LineageError
        ? e
        : (e as NodeJS.ErrnoException).code === "EISDIR"
          ? new LineageError("io", directoryLog(path))
          : new LineageError("io", `${path}: ${e instanceof Error ? e.message : String(e)}`);
    // a lock left behind keeps the log from being opened again: the failure says so (and openLog
    // does not try again what it says could not be done)
    if (unreleased !== null) {
      openingLock = null;
      throw new LineageError(failure.code, `${failure.message}; and the lock ${lock.lockPath} could not be removed (${describeThrown(unreleased)}): remove it once no writer runs`, failure.index);
    }
    throw failure;
  }
}

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

const OPEN_RAN_OUT_RESULT: { ok: false; error: LineageError } = Object.freeze({ ok: false, error: OPEN_RAN_OUT });

/** As `openLog`, with the failure as a value. */
export function tryOpenLog(path: string, options: LogOptions = {}): { ok: true; log: LineageLog } | { ok: false; error: LineageError } {
  try {
    return { ok: true, log: openLog(path, options) };
  } catch (e) {
    if (openingLock !== null || openingFd !== null) letGo();
    try {
      return { ok: false, error: lineageErrorOf(e) };
    } catch {
      // the host's stack ran out again, here
      return OPEN_RAN_OUT_RESULT;
    }
  }
}

class FileLog implements LineageLog {
  private fd: number | null;
  private size: number;
  private count: number;
  private lastDigests: DigestPair | null;
  private lastStatementSeq: number | null;
  /** the last record's artifact, which the next statement continues */
  private lastEntry: ChainEntry | null;
  /** why this log takes no more appends: a failed append that could not be cut back (appendInto) */
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
    const size = fstatSync(fd).size;
    if (size !== this.size)
      throw new LineageError("locked", `${this.path}: the file is ${size} bytes, not the ${this.size} this writer left: another process is writing it; nothing was recorded`);
    this.writing = true;
    try {
      const written = writeSync(fd, bytes, 0, length);
      if (written !== length) throw new Error(`short write (${written} of ${length} bytes)`);
      if (this.fsyncMode === "always") fdatasyncSync(fd);
    } catch (e) {
      // (cut back, or marked as taking no more appends, by failedAppend)
      const failure = this.failedAppend(fd, e);
      this.writing = false;
      throw failure;
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

  close(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
    if (!this.locked) return;
    try {
      releaseLock(this.lockPath);
    } catch (e) {
      throw new LineageError("io", `${this.path}: closed, but its lock ${this.lockPath} could not be removed (${describeThrown(e)}): the log cannot be opened again while the lock is there; close again to retry`);
    }
    this.locked = false;
  }
}
