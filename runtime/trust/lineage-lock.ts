// The writer lock of a lineage log: `<log>.lock`, created with O_EXCL and holding
// `{"pid":…,"host":…,"at":…}`, so two writers can never interleave records. A lock whose pid is dead
// on this host is stale (its writer crashed) and is taken over; a lock from another host, or from a
// live pid, refuses. A pid that was reused by an unrelated process reads as alive: we refuse rather
// than risk two writers (the operator removes the lock file by hand).
//
// The lock keeps honest writers apart; it is not the only guard. A writer that got past it (a hard
// link to the log, a lock removed by hand) is caught by the log itself: an append to a file that is
// not the size this writer left it at is refused (lineage.ts).

import { randomBytes } from "node:crypto";
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync, constants } from "node:fs";
import { hostname } from "node:os";

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

function readOwner(lockPath: string): LockOwner | null {
  const text = readLockText(lockPath);
  return text === null ? null : ownerOf(text);
}

/** The lock file's text, or null when it cannot be read (gone, or not a file). */
function readLockText(lockPath: string): string | null {
  try {
    return readFileSync(lockPath, "utf8");
  } catch {
    return null;
  }
}

function ownerOf(text: string): LockOwner | null {
  try {
    const v = JSON.parse(text);
    // a pid of 0 or below names no process (kill(0) would signal our own group): no owner
    if (typeof v === "object" && v !== null && Number.isSafeInteger(v.pid) && v.pid > 0 && typeof v.host === "string") return { pid: v.pid, host: v.host };
  } catch {
    /* unreadable or half-written */
  }
  return null;
}

/**
 * A lock file is written whole into a private temporary file and then hard-linked to its final
 * name, so a lock that exists is always complete: link() fails with EEXIST atomically.
 */
let attempts = 0;
function tryCreate(lockPath: string): boolean {
  const tmp = `${lockPath}.${process.pid}.${Date.now()}.${attempts++}.tmp`;
  const fd = openSync(tmp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644);
  // the temporary file goes on every path out, a failed write (a full disk) too
  try {
    try {
      // `id` makes every lock's text unique, which is how a lock moved aside is told from another
      // created under the same name since (acquireLock): a file system hands a freed inode number
      // straight back to the next file created, so the inode alone does not tell them apart
      const text = JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString(), id: randomBytes(16).toString("hex") }) + "\n";
      // a short write would leave a lock that names no owner: written to the end or failed
      const bytes = Buffer.from(text);
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
    } finally {
      closeSync(fd);
    }
    linkSync(tmp, lockPath);
    return true;
  } catch (e) {
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

/** Takes the writer lock of `logPath`. I/O errors other than contention are thrown. */
export function acquireLock(logPath: string): LockResult {
  const lockPath = `${logPath}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(lockPath)) return { ok: true, lockPath };
    // the file judged below, by identity: what is moved aside must be this very file, the same
    // inode with the same text (each lock's text is unique: tryCreate)
    let judged: { ino: number; dev: number; mtimeMs: number };
    try {
      judged = statSync(lockPath);
    } catch {
      continue; // it vanished: try again
    }
    const judgedText = readLockText(lockPath);
    if (judgedText === null) continue; // it vanished: try again
    const owner = ownerOf(judgedText);
    if (owner === null) {
      // Written by a tool that is not this one, or damaged: only a lock older than a minute is stale.
      if (Date.now() - judged.mtimeMs < 60_000) return { ok: false, reason: `log is locked (${lockPath} exists and names no owner)` };
    } else if (owner.host !== hostname()) {
      return { ok: false, reason: `log is locked by pid ${owner.pid} on host ${owner.host} (${lockPath}); remove it if that writer is gone` };
    } else if (owner.pid === process.pid || pidAlive(owner.pid)) {
      return { ok: false, reason: `log is locked by pid ${owner.pid}${owner.pid === process.pid ? " (this process)" : ""}: another writer has it open` };
    }
    // Stale: move it aside under a private name (atomic), check that what we moved is the lock we
    // judged stale — not a fresh one another process just created — then try again.
    const aside = `${lockPath}.stale-${process.pid}-${Date.now()}`;
    try {
      renameSync(lockPath, aside);
    } catch {
      continue;
    }
    let movedFile: { ino: number; dev: number } | null = null;
    try {
      movedFile = statSync(aside);
    } catch {
      /* moved and already gone: treated as another's below */
    }
    if (movedFile === null || movedFile.ino !== judged.ino || movedFile.dev !== judged.dev || readLockText(aside) !== judgedText) {
      // Between the judgment and the move another process took the stale lock over and made its
      // own, and we moved that one: put it back if the name is still free, and leave the log to it.
      const moved = readOwner(aside);
      try {
        linkSync(aside, lockPath);
      } catch {
        /* someone else holds the name now; they own the log */
      }
      try {
        unlinkSync(aside);
      } catch {
        /* gone */
      }
      return { ok: false, reason: `log is locked${moved ? ` by pid ${moved.pid}` : ""}: another writer took it over just now` };
    }
    unlinkSync(aside);
  }
  return { ok: false, reason: `could not take the lock ${lockPath}: it keeps changing hands` };
}

/** Releases the lock if this process still holds it. */
export function releaseLock(lockPath: string): void {
  const owner = readOwner(lockPath);
  if (owner !== null && owner.pid === process.pid && owner.host === hostname()) {
    try {
      unlinkSync(lockPath);
    } catch {
      /* already gone */
    }
  }
}
