// The lineage log: the embedded default LineageSink. An append-only JSON Lines file of authorization
// artifacts, each record chained to its predecessor by that record's SHA3-512 and BLAKE2b-512
// digests (record format and what is digested: lineage-record.ts; verification: lineage-verify.ts).
// This file opens it: takes its lock, reads and checks every record, repairs a crash's tail. The log
// it returns appends (lineage-append.ts, which says what an append makes durable).
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

import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, lstatSync, openSync, readlinkSync, realpathSync, statSync, unlinkSync, writeSync, constants } from "node:fs";
import { systemErrorText } from "../file-write.js";
import { basename, dirname, join, resolve } from "node:path";
import type { DigestPair } from "../crypto/digest.js";
import type { ChainHead, LineageSink, PublicKey, Statement } from "./types.js";
import { acquireLock, releaseLock } from "./lineage-lock.js";
import { describeThrown, shownOption } from "../thrown.js";
import { ranOutOfStack, V8_STACK_MESSAGE } from "../stack-ran-out.js";
import { describeLimit, readFdBounded, READ_LIMITS } from "../bounded-read.js";
import { readClock, type Clock } from "./clock.js";
import { LineageError } from "./lineage-error.js";
import { scan } from "./lineage-scan.js";
import { FileLog } from "./lineage-append.js";
import { ownOption } from "../own.js";
import { optionNames, unknownOptionProblem } from "../option-names.js";

export { LineageError, type LineageErrorCode } from "./lineage-error.js";
export { APPEND_RAN_OUT, ranOutAppending } from "./lineage-append.js";

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
   *  fails too, the record may be in the file, and the log refuses every later append: reopen it),
   *  or another writer the lock did not keep out appended before it or at the same moment (`locked`;
   *  after the write, the record is in the file, unacknowledged, and the log refuses every later append) */
  append(artifact: string, statement: Statement): void;
  /** appends several records with one write and one fsync: all or none (batched signing uses it);
   *  they end at the last leaf of the batch they end in, if any (`incomplete_batch` otherwise) */
  appendMany(entries: readonly { readonly artifact: string; readonly statement: Statement }[]): void;
  head(): LogHead;
  /**
   * Why the signature of the last record does not hold, checked with `trustedKeys` at the time the
   * record was issued; undefined when it holds, when the log is empty, or when its issuer is none of
   * those keys (nothing to check it with). Opening a log checks how its records chain, which needs
   * no key, not their signatures: a signer about to continue the log asks this first with its own
   * public key, so as not to link its next artifact to a record forged in its name
   * (lineage-last-signature.ts).
   */
  lastSignatureProblem(trustedKeys: readonly PublicKey[]): string | undefined;
  /** closes the file and removes the lock; idempotent. Throws a LineageError (`io`) when the lock
   *  cannot be removed, which a later close tries again, or when closing the file fails (its last
   *  records may not have reached the disk): the log is closed all the same, and a later close does
   *  not close the number again, which the host's next open may have been given */
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
  for (let i = 1; taken(name); i++) name = `${logPath}.torn-${stamp}-${i}`;
  return name;
}

/**
 * Whether anything is at `name`, a symbolic link to nothing included (existsSync follows it and says
 * no). A name that cannot be looked at (too long) is not taken: creating the file says why.
 */
function taken(name: string): boolean {
  try {
    lstatSync(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes the torn tail of the log at `path` (its bytes from record `index` on) to `savedTo`, a new
 * file, and syncs it: only then is the tail cut from the log. When it cannot (a full disk), the
 * file is removed again, so that no empty or partial copy is left beside the log for a later open
 * to add another to, and a LineageError (io) says that nothing was cut.
 */
function saveTornTail(path: string, savedTo: string, tail: Uint8Array, index: number): void {
  const failed = (e: unknown, left = "") =>
    new LineageError(
      "io",
      `${path}: its last ${tail.length} bytes (from record ${index} on) are what a crash left, and saving them to ${savedTo} before cutting them failed: ${systemErrorText(e)}${left}; nothing was cut, the log is as it was (opening it again repairs it, once they can be saved)`,
    );
  let fd: number;
  try {
    // a new file only: the name was free a moment ago, and whatever took it since is not ours to overwrite
    fd = openSync(savedTo, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | (constants.O_NOFOLLOW ?? 0), 0o644);
  } catch (e) {
    throw failed(e);
  }
  try {
    for (let off = 0; off < tail.length; ) {
      const written = writeSync(fd, tail, off, tail.length - off);
      if (written <= 0) throw new Error(`short write (${off} of ${tail.length} bytes)`);
      off += written;
    }
    fsyncSync(fd);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      /* the write's failure is the one said */
    }
    throw failed(e, removed(savedTo));
  }
  try {
    closeSync(fd);
  } catch (e) {
    throw failed(e, removed(savedTo));
  }
}

/** Removes the part of a torn tail written to `savedTo`: "" when done, else what the message adds. */
function removed(savedTo: string): string {
  try {
    unlinkSync(savedTo);
    return "";
  } catch (e) {
    return `, and the part written could not be removed (${systemErrorText(e)}): remove ${savedTo}`;
  }
}

/**
 * The file the lock is named after: the log's real path, so that a symlink (or a `..` path) to a log
 * shares the lock of the log itself instead of getting one of its own and a second writer. Found by
 * realpath(3) (`realpathSync.native`): Node's own realpathSync takes a `..` away with the name before
 * it, by text, before it follows links, and for `link/../log` named the lock beside the link while
 * the log opened is beside the link's target, where another writer opening it by its own name takes
 * another lock.
 */
function lockName(path: string, hops = 0): string {
  try {
    return realpathSync.native(path);
  } catch {
    // A symlink to a log not created yet: opening creates its target, which must then have the
    // lock it has when opened by its own name (realpath fails for a link whose target is missing)
    // (a relative target is resolved from the link's real directory, as the kernel resolves it)
    if (hops < MAX_SYMLINK_HOPS && isSymlink(path)) return lockName(resolve(realDirectory(path), readlinkSync(path)), hops + 1);
    try {
      return join(realpathSync.native(dirname(path)), basename(path)); // not created yet
    } catch {
      return path; // no directory either: opening fails below and says so
    }
  }
}

/** As many links as Linux follows before ELOOP. */
const MAX_SYMLINK_HOPS = 40;

function realDirectory(path: string): string {
  try {
    return realpathSync.native(dirname(path));
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
  const fd = openingFd;
  if (fd !== null) {
    // let go before it is closed: close(2) frees the number even when it fails (EIO from NFS or
    // FUSE), and closing it again would close whatever was given that number since
    openingFd = null;
    try {
      closeSync(fd);
    } catch (e) {
      // (the stack ran out before close(2): still held, tried again further up)
      if (stoppedBeforeClosing(e)) openingFd = fd;
    }
  }
  try {
    if (openingLock !== null) releaseLock(openingLock);
    openingLock = null;
  } catch {
    // (still held: tried again further up)
  }
}

/**
 * Whether closeSync threw `e` before it reached close(2), the descriptor still open: only the stack
 * running out stops it there (it is one call into the binding). Any other failure is close(2)'s,
 * which frees the descriptor even when it fails. It makes no call of its own (stack-ran-out.ts says
 * why); where calling it runs out of stack too, the descriptor is left open, never closed twice.
 */
function stoppedBeforeClosing(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as Error).name === "RangeError" && (e as Error).message === STACK_MESSAGE;
}
const STACK_MESSAGE = V8_STACK_MESSAGE;

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
 * Refuses `path` where it cannot be a log, before its lock is taken: its directory does not exist or cannot be followed,
 * or it is a device, a FIFO or a directory, said to be no log rather than refused by the lock it
 * would be given (a pipe from `--log <(…)` has no directory to hold one), or a file that cannot be
 * opened for appending. A regular file passes, and so does nothing there in a directory that is
 * (opening creates it). Throws a LineageError (io).
 */
function refuseUnlessLog(path: string): void {
  try {
    statSync(dirname(path));
  } catch (e) {
    if (ranOutOfStack(e)) throw e; // openLog says so
    // only a directory that is not there is said not to exist: one that cannot be followed (a loop
    // of symbolic links, ELOOP; one that may not be searched, EACCES) is said so in the system's
    // words, of the log, as the log itself would be
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new LineageError("io", `${path}: the directory ${dirname(path)} does not exist`);
    throw new LineageError("io", `${path}: ${systemErrorText(e)}`);
  }
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
  // a log that cannot be opened to be appended to (its mode, a read-only file system) is said so in
  // words, as any file is, not in Node's (`EACCES: permission denied, open '…'`) nor as the lock's
  // failure: opened as the writer opens it, and closed at once (a regular file: nothing is changed)
  try {
    closeSync(openSync(path, constants.O_RDWR | constants.O_APPEND));
  } catch (e) {
    if (ranOutOfStack(e)) throw e; // openLog says so
    throw new LineageError("io", `${path}: ${systemErrorText(e)}`);
  }
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
      saveTornTail(path, savedTo, buf.subarray(tornFrom), state.count);
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
    if (fd !== null) {
      // let go before it is closed, as letGo does, and for the same reason
      openingFd = null;
      try {
        closeSync(fd);
      } catch (c) {
        // The stack ran out before close(2): still held, let go further up (openLog, tryOpenLog).
        // Any other failure freed the descriptor all the same, and what the open failed on is what
        // is said: nothing was appended through it.
        if (stoppedBeforeClosing(c)) openingFd = fd;
      }
    }
    try {
      releaseLock(lock.lockPath);
      openingLock = null;
    } catch (r) {
      unreleased = r;
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
