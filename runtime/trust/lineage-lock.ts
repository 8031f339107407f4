// The writer lock of a lineage log: `<log>.lock`, created with O_EXCL and holding
// `{"pid":…,"host":…,"at":…}`, so two writers can never interleave records. A lock whose pid is dead
// on this host is stale (its writer crashed) and is taken over, by one taker at a time (acquireLock
// says how, and why no two processes ever hold the lock); a lock from another host, or from a live
// pid, refuses. A pid that was reused by an unrelated process reads as alive: we refuse rather
// than risk two writers, and the refusal names the lock file for the operator to remove by hand.
//
// The lock keeps honest writers apart; it is not the only guard. A writer that got past it (a hard
// link to the log, a lock removed by hand) is caught by the log itself, around each append
// (lineage-append.ts): before the write, a file that is not the size this writer left it at is
// refused and nothing is written; after it, a file that is not that size plus this record means the
// other writer appended at the same moment, and the append is refused, though its record is in the
// file (it is not cut: the other's may have been acknowledged), and the log takes no more appends.
// So of two appends that race, at most one is acknowledged; the file then holds both, and opening it
// refuses, naming the second record that continues the same one.

import { createHash, randomBytes } from "node:crypto";
import { closeSync, fstatSync, linkSync, lstatSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, unlinkSync, writeSync, constants } from "node:fs";
import type { Stats } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { ownMember } from "../own.js";
import { processRuns, systemErrorText } from "../file-write.js";
import { ranOutOfStack } from "../stack-ran-out.js";

export type LockResult = { ok: true; lockPath: string } | { ok: false; reason: string };

interface LockOwner {
  pid: number;
  host: string;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: the process exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  // A killed writer whose parent has not reaped it yet is a zombie: signalable, but it will never
  // write again. Linux says so in /proc/<pid>/stat (state after the parenthesised name).
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}

/**
 * The process a lock's text names, or null when it names none (not JSON, or not a lock's JSON).
 * Only the text's failing to parse means that: anything else thrown (the stack running out, near
 * its end) is thrown on, since taken for "no owner" it would have a live writer's lock judged stale,
 * or a lock of this process's kept when it is closed.
 */
function ownerOf(text: string): LockOwner | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    if (e instanceof SyntaxError) return null; // unreadable or half-written
    throw e;
  }
  // a pid of 0 or below names no process (kill(0) would signal our own group): no owner
  if (typeof v !== "object" || v === null) return null;
  // its own members: one the lock file lacks is not what Object.prototype holds under its name (own.ts)
  const pid = ownMember(v, "pid");
  const host = ownMember(v, "host");
  if (typeof pid === "number" && Number.isSafeInteger(pid) && pid > 0 && typeof host === "string") return { pid, host };
  return null;
}

/**
 * The locks this process has taken and not yet released, each with the text it wrote into it
 * (unique to each lock: its random id), so that releaseHeldLocks can remove them when the process is
 * stopped by a signal it handles. A lock is entered before it is created and taken out when it is
 * released (releaseLock): an entry for a lock not created, or since taken over, is harmless, as only
 * a file holding exactly the text entered is removed for it.
 */
const held = new Map<string, string>();

/** Called before a lock is taken; see setLockHook. */
let lockHook: (() => void) | undefined;

/**
 * Has `hook` called before each lock is taken (undefined: no longer). The command line installs its
 * signal handlers there (cli/signal-cleanup.ts), before the lock exists: stopped by a signal with
 * no handler, the process would leave the lock, which a writer on another host never takes over.
 */
export function setLockHook(hook: (() => void) | undefined): void {
  lockHook = hook;
}

/**
 * Removes each lock this process holds, if the file at its name is still the very lock it wrote
 * (the same text: pid, host, time and random id); never one another writer holds, and never throws.
 * For a process that is about to end (signal-cleanup.ts): a log whose lock is removed must get no
 * further append from this process.
 */
export function releaseHeldLocks(): void {
  for (const [lockPath, text] of held) {
    try {
      if (readLockText(lockPath) === text) unlinkSync(lockPath);
    } catch {
      /* gone, or not to be read or removed: left, as a lock of a process that died is */
    }
  }
  held.clear();
}

/**
 * A lock file is written whole into a private temporary file and then hard-linked to its final
 * name, so a lock that exists is always complete: link() fails with EEXIST atomically. A process
 * killed before it removed the temporary file leaves it; the next acquireLock removes it
 * (removeLeftoverLockTemps). `register`: the lock is entered in `held` before it is linked (after,
 * nothing may run out of stack before the caller holds it: acquireLock), and taken out again when
 * the link fails.
 */
let attempts = 0;
function tryCreate(lockPath: string, register = false): boolean {
  const tmp = `${lockPath}.${process.pid}.${Date.now()}.${attempts++}.tmp`;
  let fd: number;
  try {
    fd = openSync(tmp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644);
  } catch (e) {
    // the directory takes no new file (its mode, a read-only file system): said of the directory, in
    // words, as a file a command cannot create is, not in Node's words naming the temporary file
    if (ranOutOfStack(e)) throw e;
    throw Object.assign(new Error(`no file can be created in ${dirname(lockPath)}: ${systemErrorText(e)}`), { code: (e as NodeJS.ErrnoException).code });
  }
  // the temporary file goes on every path out, a failed write (a full disk) too
  let text: string | undefined;
  let previous: string | undefined;
  try {
    try {
      // `id` makes every lock's text unique, which is how a lock moved aside is told from another
      // created under the same name since (acquireLock): a file system hands a freed inode number
      // straight back to the next file created, so the inode alone does not tell them apart
      text = JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString(), id: randomBytes(16).toString("hex") }) + "\n";
      // a short write would leave a lock that names no owner: written to the end or failed
      const bytes = Buffer.from(text);
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
    } finally {
      closeSync(fd);
    }
    if (register) {
      previous = held.get(lockPath);
      held.set(lockPath, text);
    }
    linkSync(tmp, lockPath);
    return true;
  } catch (e) {
    // not linked: the entry is as it was (a lock of this name this process holds already, which a
    // second open is refused by, stays entered)
    if (register && text !== undefined) {
      if (previous === undefined) held.delete(lockPath);
      else held.set(lockPath, previous);
    }
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone: nothing is left */
    }
  }
}

/**
 * The pid in `entry` when it is the name tryCreate gives a temporary file of the lock `lockPath` or
 * of one of its takeover markers (`<lock>.<pid>.<ms>.<n>.tmp`, `<lock>.takeover-<id>-<k>.<pid>.<ms>.<n>.tmp`),
 * in the lock's directory; undefined for any other name.
 */
function lockTempPid(lockPath: string, entry: string): number | undefined {
  const prefix = `${basename(lockPath)}.`;
  if (!entry.startsWith(prefix)) return undefined;
  const rest = /^(?:takeover-[0-9a-f]{32}-[1-9]\d*\.)?([1-9]\d{0,9})\.\d{1,16}\.\d{1,16}\.tmp$/.exec(entry.slice(prefix.length));
  return rest === null ? undefined : Number(rest[1]);
}

/**
 * How long ago a lock's temporary file was last written, at least, for it to be removed: it lives
 * for a moment (tryCreate), but a directory shared with another host (or a container) may hold one
 * of a writer whose pid is none of this host's, and removing it would fail that writer's open.
 */
const LEFTOVER_LOCK_TEMP_AGE_MS = 60_000;

/**
 * Removes the temporary files of the lock `lockPath` (and of its takeover markers) that a process
 * killed inside tryCreate left: nothing else removes them, and every such kill adds one. Only a
 * regular file owned by the running user, named as tryCreate names them with the pid of no process on
 * this host (nor this one's), and older than a minute. Best effort: never throws (but for the stack
 * running out, which openLog says); nothing where there are no uids (Windows).
 */
function removeLeftoverLockTemps(lockPath: string): void {
  const me = process.getuid?.();
  if (me === undefined) return;
  const dir = dirname(lockPath);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (e) {
    if (ranOutOfStack(e)) throw e;
    return; // taking the lock says why, if it cannot be
  }
  const now = Date.now();
  for (const entry of entries) {
    const pid = lockTempPid(lockPath, entry);
    if (pid === undefined || pid === process.pid || processRuns(pid)) continue;
    const path = join(dir, entry);
    try {
      const st = lstatSync(path);
      if (!st.isFile() || st.uid !== me || now - st.mtimeMs < LEFTOVER_LOCK_TEMP_AGE_MS) continue;
      unlinkSync(path);
    } catch (e) {
      if (ranOutOfStack(e)) throw e;
      /* gone already, or not ours to remove */
    }
  }
}

/** Takes the writer lock of `logPath`. I/O errors other than contention are thrown. */
export function acquireLock(logPath: string): LockResult {
  const lockPath = `${logPath}.lock`;
  // first, before any file of the lock's is made (its temporary file, a takeover marker, the lock)
  lockHook?.();
  removeLeftoverLockTemps(lockPath);
  // made before the lock is: once it is, nothing may run out of stack before the caller holds it
  // (openLog called too deep), or the lock would be left with no one to remove it
  const taken: LockResult = { ok: true, lockPath };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(lockPath, true)) return taken;
    const standing = judge(lockPath);
    if (standing.state === "gone") continue; // it vanished: try again
    if (standing.state === "held") return { ok: false, reason: heldReason(lockPath, standing.owner) };
    const refused = takeOver(lockPath, standing.seen);
    if (refused !== null) return refused;
    // the stale lock is gone (removed here or by another taker): try again
  }
  return { ok: false, reason: `could not take the lock ${lockPath}: it keeps changing hands` };
}

// Taking a stale lock over. rename(2) and unlink(2) act on whatever file has the name by then, so a
// taker that judged the lock X stale and then removed "the lock" could remove a live writer's lock
// that replaced X meanwhile (another taker removed X and made its own), and that writer would go on
// believing it holds the log while a third process creates the lock anew. So the right to remove X
// is itself taken first, with a marker `<lock>.takeover-<X's identity>-<k>`, created by link(2) as a
// lock is (tryCreate), for k = 1, 2, …: a taker creates marker k only once it has found markers
// 1 … k−1 and judged the process of each dead (it died taking X over).
//
// Why no two processes ever hold the lock, whatever the order of the rename, link and unlink calls
// of any number of them:
//   1. The lock is only created by link(2), which fails while the name exists: a new holder needs
//      the lock file gone, and a lock file goes only by close() (its own writer) or by a taker.
//   2. No marker of X is removed while X is the lock: markers are cleared only by a process that
//      found X gone, and X does not come back (its identity includes its text, which carries a
//      random id). So while X is the lock its markers are 1 … n, created in that order, each one
//      after judging the process of the one before dead: at most one live process holds a marker of
//      X (the holder of n), and the dead do not come back either.
//   3. The holder of a marker reads the lock again and moves it aside only if it is still X. Nothing
//      else can have removed X between that reading and the move: X's writer is dead, and no other
//      live process holds a marker of X. A taker that finds the lock is no longer X removes nothing.
// So a live writer's lock is removed only by that writer, and the lock has one holder at a time.
// A taker that dies leaves its marker to the next one (k + 1); one whose removal fails with an I/O
// error keeps its marker until it exits, since giving it up while X is there would let a process
// that judged it dead a moment later create marker k + 1 beside a new marker k. The exception is a
// taker not permitted to move the lock (EPERM, EACCES: another user's lock in a sticky directory):
// nothing was moved, and it removes its marker before it says so, while it lives; a taker that read
// that marker and then found its process dead reads the marker again before going on, and finds it
// gone (claimTakeover), so failed takers are not counted as dead. A lock changed by
// something outside this protocol (edited, or removed and made again by hand) is the one case left:
// the file moved aside is checked against X, and when it is not X it is put back and never deleted.

/** A lock file as judged: its inode and its text (unique to it: tryCreate). */
interface Seen {
  ino: number;
  dev: number;
  uid: number;
  mtimeMs: number;
  text: string;
}

type Standing = { state: "gone" } | { state: "held"; owner: LockOwner | null } | { state: "stale"; seen: Seen };

/**
 * A lock file (or a takeover marker) and whether its process may still use it: a lock from another
 * host, or of a live pid (this one's included), is held; one whose pid is dead on this host is stale.
 */
function judge(path: string): Standing {
  const seen = readSeen(path);
  if (seen === null) return { state: "gone" };
  const owner = ownerOf(seen.text);
  // written by a tool that is not this one, or damaged: only one older than a minute is stale
  if (owner === null) return Date.now() - seen.mtimeMs < 60_000 ? { state: "held", owner } : { state: "stale", seen };
  if (owner.host !== hostname() || owner.pid === process.pid || pidAlive(owner.pid)) return { state: "held", owner };
  return { state: "stale", seen };
}

/**
 * Why a lock held by `owner` keeps this writer out, naming the lock file: a live pid may be the
 * writer, or a process that was given the dead writer's pid (after a reboot, say), which only the
 * operator can tell apart. The lock is never removed here; the operator removes it once sure.
 */
function heldReason(lockPath: string, owner: LockOwner | null): string {
  if (owner === null) return `log is locked (${lockPath} exists and names no owner)`;
  if (owner.host !== hostname()) return `log is locked by pid ${owner.pid} on host ${owner.host} (${lockPath}); remove it if that writer is gone`;
  if (owner.pid === process.pid)
    return `log is locked by pid ${owner.pid} (this process): another writer in this process has it open, or ${lockPath} was left by an earlier process with this pid; remove ${lockPath} if this process has no writer of this log open`;
  return `log is locked by pid ${owner.pid}: another writer has it open, or the writer that took ${lockPath} died and its pid now belongs to another process; remove ${lockPath} if pid ${owner.pid} is not a writer of this log`;
}

/**
 * The most a lock file (or a takeover marker) is read up to: this tool writes about 150 bytes, so a
 * larger file is none of its locks.
 */
const LOCK_READ_LIMIT = 4096;

/** A lock file that names no owner because it is no file a writer makes: a FIFO, a link, a huge file. */
export class NotALockFile extends Error {
  constructor(readonly path: string, why: string) {
    super(`${path} is ${why}, not a lock file this tool writes: it names no owner, so the log is not opened; remove ${path} once no writer of this log is running`);
  }
}

const kinds: [(s: Stats) => boolean, string][] = [
  [(s) => s.isFIFO(), "a FIFO (named pipe)"],
  [(s) => s.isCharacterDevice(), "a character device"],
  [(s) => s.isBlockDevice(), "a block device"],
  [(s) => s.isSocket(), "a socket"],
  [(s) => s.isDirectory(), "a directory"],
];

/**
 * The file at `path` with its identity, or null when there is none. A lock is opened without
 * following a symbolic link and without waiting (a FIFO would block the open until something wrote
 * to it), looked at through the descriptor, and read only when it is a regular file no larger than a
 * lock: anything else (planted in a shared directory, say) throws a NotALockFile naming it. Other
 * failures are thrown.
 */
function readSeen(path: string): Seen | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    // O_NOFOLLOW on a symbolic link: the lock is a link, to whatever it points at (/dev/zero, say)
    if (code === "ELOOP") throw new NotALockFile(path, "a symbolic link");
    throw e;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new NotALockFile(path, kinds.find(([is]) => is(stat))?.[1] ?? "not a regular file");
    if (stat.size > LOCK_READ_LIMIT) throw new NotALockFile(path, `${stat.size} bytes, larger than a lock (${LOCK_READ_LIMIT} bytes at most)`);
    // read to its end or one byte past the limit: a file that grew since fstat is refused as well
    const buf = new Uint8Array(LOCK_READ_LIMIT + 1);
    let length = 0;
    for (let n; length < buf.length && (n = readSync(fd, buf, length, buf.length - length, null)) > 0; ) length += n;
    if (length > LOCK_READ_LIMIT) throw new NotALockFile(path, `larger than a lock (${LOCK_READ_LIMIT} bytes at most)`);
    return { ino: stat.ino, dev: stat.dev, uid: stat.uid, mtimeMs: stat.mtimeMs, text: utf8.decode(buf.subarray(0, length)) };
  } finally {
    closeSync(fd);
  }
}

/**
 * Where releaseLock reads a lock: made once, as little as possible is made near the stack's end. A
 * Uint8Array, not a Buffer: made as the module loads, where a host without Buffer (the portable
 * path) loads it too.
 */
const releaseBuffer = new Uint8Array(LOCK_READ_LIMIT + 1);
/** the lock's text from its bytes (UTF-8, as written) */
const utf8 = new TextDecoder();

/**
 * The text of the lock at `lockPath` as releaseLock needs it, or null when it names no owner this
 * process could be: gone, a symbolic link, a directory, or no lock this tool writes (more than
 * LOCK_READ_LIMIT bytes). It is opened without following a link and without waiting, and at most
 * one byte past a lock's limit is read, so a FIFO or a device is read no further than that (a FIFO
 * with nothing written reads as empty). Lighter than readSeen (no fstat): released from near the
 * end of the host's stack, a frame or two shallower than where the open failed (lineage.ts).
 */
function readLockText(lockPath: string): string | null {
  let fd: number;
  try {
    fd = openSync(lockPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ELOOP") return null;
    throw e;
  }
  let length = 0;
  try {
    for (let n; length < releaseBuffer.length && (n = readSync(fd, releaseBuffer, length, releaseBuffer.length - length, null)) > 0; ) length += n;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // a directory, or a FIFO another process holds open for writing with nothing in it yet
    if (code !== "EISDIR" && code !== "EAGAIN") throw e;
    length = releaseBuffer.length;
  } finally {
    closeSync(fd);
  }
  return length > LOCK_READ_LIMIT ? null : utf8.decode(releaseBuffer.subarray(0, length));
}

/** Whether `path` is still the very file judged (same inode, same text). */
function isStill(path: string, judged: Seen): boolean {
  const now = readSeen(path);
  return now !== null && now.ino === judged.ino && now.dev === judged.dev && now.text === judged.text;
}

/** The name shared by the markers of one judged lock. */
function markerBase(lockPath: string, judged: Seen): string {
  const identity = createHash("sha256").update(`${judged.dev}:${judged.ino}:`).update(judged.text).digest("hex").slice(0, 32);
  return `${lockPath}.takeover-${identity}`;
}

/** How many takers may have died taking one lock over before the next one gives up. */
const MAX_TAKERS = 32;

/**
 * Removes the stale lock `judged`, once this process holds the right to (above). Returns a refusal,
 * or null when the judged lock is gone (removed here or by another taker).
 */
function takeOver(lockPath: string, judged: Seen): LockResult | null {
  const base = markerBase(lockPath, judged);
  const claim = claimTakeover(lockPath, base);
  if (claim === "cleared") return null;
  if (typeof claim === "string") return { ok: false, reason: claim };
  let gone = false;
  try {
    if (!isStill(lockPath, judged)) {
      gone = true; // another taker removed it: nothing to do here
      return null;
    }
    const aside = `${lockPath}.stale-${process.pid}-${Date.now()}`;
    try {
      renameSync(lockPath, aside);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EPERM" || code === "EACCES") {
        // Nothing was moved: this process may not remove the lock at all (another user's, in a
        // sticky directory). Its marker is given up, so that it is not taken for a taker that died;
        // this is safe while this process lives (a taker that finds the marker judges it alive, and
        // one that judges it dead looks again and finds it gone: claimTakeover).
        unlinkSync(claim.marker);
        throw new Error(notPermitted(lockPath, judged, code));
      }
      if (code !== "ENOENT") throw e;
    }
    gone = true;
    return removeIfJudged(lockPath, aside, judged);
  } finally {
    // once the judged lock is gone its markers guard nothing, and no taker can use them again (2.)
    if (gone) clearMarkers(base);
  }
}

/**
 * Takes the next marker of the lock whose markers are named `base`: "claimed", "cleared" (they were
 * cleared: the lock they guard is gone), or why the lock cannot be taken now.
 */
function claimTakeover(lockPath: string, base: string): { marker: string } | "cleared" | string {
  for (let k = 1; k <= MAX_TAKERS; k++) {
    const marker = `${base}-${k}`;
    if (tryCreate(marker)) return { marker };
    const standing = judge(marker);
    if (standing.state === "gone") return "cleared";
    if (standing.state === "held") return `log is locked: its writer died and ${takerName(standing.owner)} is taking its lock ${lockPath} over (${marker}); try again`;
    // That taker died before it was done, unless it gave its marker up first (it was not permitted
    // to move the lock: takeOver) and exited between our reading the marker and finding its pid
    // dead. A dead taker's marker stays until the lock is gone, so a marker that is no longer the
    // one read was given up: start again rather than take marker k + 1 beside a new marker k.
    if (standing.state === "stale" && !isStill(marker, standing.seen)) return "cleared";
  }
  return `could not take the lock ${lockPath}: ${MAX_TAKERS} processes died taking it over (${base}-*); remove those files and the lock once no writer is running`;
}

/**
 * Why this process may not move aside the stale lock `judged`, and what to do: in a sticky directory
 * (mode +t, as /tmp) only a file's owner (or root) may remove or rename it, so another user's dead
 * writer leaves a lock that no one else can take over.
 */
function notPermitted(lockPath: string, judged: Seen, code: string): string {
  const owner = ownerOf(judged.text);
  const dir = dirname(lockPath);
  const whose = `it is stale (${owner ? `its writer, pid ${owner.pid}, is no longer running` : "it names no owner and is over a minute old"}), but ${lockPath} belongs to uid ${judged.uid}`;
  const me = process.getuid?.();
  let sticky = false;
  try {
    sticky = (statSync(dir).mode & 0o1000) !== 0 // S_ISVTX;
  } catch {
    /* the directory cannot be looked at: said without the reason */
  }
  const because = sticky
    ? `${dir} is a sticky directory, where only a file's owner or root may remove it`
    : `this process may not remove files in ${dir} (${code})`;
  return (
    `${whose}${me === undefined ? "" : `, not to this process (uid ${me})`}, and ${because}; ` +
    `uid ${judged.uid} or root must remove ${lockPath}. A log written by several users needs them to write it as one user, or a directory shared by their group without the sticky bit`
  );
}

function takerName(owner: LockOwner | null): string {
  if (owner === null) return "a process it does not name";
  if (owner.host !== hostname()) return `pid ${owner.pid} on host ${owner.host}`;
  return `pid ${owner.pid}${owner.pid === process.pid ? " (this process)" : ""}`;
}

/**
 * The lock moved to `aside` is deleted if it is the one judged stale, which it is whenever every
 * writer follows this protocol. Otherwise something else changed the lock (by hand): what was moved
 * is put back if the name is still free, kept aside if not, and never deleted.
 */
function removeIfJudged(lockPath: string, aside: string, judged: Seen): LockResult | null {
  const moved = readSeen(aside);
  if (moved === null) return null; // nothing was there to move
  if (moved.ino === judged.ino && moved.dev === judged.dev && moved.text === judged.text) {
    unlinkSync(aside);
    return null;
  }
  const owner = ownerOf(moved.text);
  let putBack = true;
  try {
    linkSync(aside, lockPath);
    unlinkSync(aside);
  } catch {
    putBack = false; // someone holds the name now: the moved lock stays where it is, for its owner to see
  }
  return { ok: false, reason: `log is locked${owner ? ` by pid ${owner.pid}` : ""}: another writer took it over just now${putBack ? "" : ` (its lock is left at ${aside})`}` };
}

/** Deletes the markers named `base`-<k>; another taker may be clearing them at the same time. */
function clearMarkers(base: string): void {
  const prefix = `${basename(base)}-`;
  for (const name of readdirSync(dirname(base))) {
    if (!name.startsWith(prefix) || !/^\d+$/.test(name.slice(prefix.length))) continue;
    try {
      unlinkSync(join(dirname(base), name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }
}

/**
 * Releases the lock if this process still holds it: removes it, or finds it gone or another's (a
 * writer that took it over). Throws when it can tell neither (the lock cannot be read, or the stack
 * ran out) or cannot remove it: a lock left behind keeps the log from being opened again while this
 * process lives, so the caller must hear of it, and may try again.
 */
export function releaseLock(lockPath: string): void {
  const text = readLockText(lockPath);
  if (text !== null) {
    const owner = ownerOf(text);
    if (owner !== null && owner.pid === process.pid && owner.host === hostname()) {
      try {
        unlinkSync(lockPath);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
    }
  }
  // released, gone or another's: this process holds no lock of that name now (a log is opened once
  // in a process: a second open is refused by the lock), and a signal has none to remove
  held.delete(lockPath);
}
