// Writing a file so that a failed or killed write never costs what was there. writeFileSync opens
// its target with O_TRUNC and then writes: a full disk (ENOSPC), a file-size limit (EFBIG) or a kill
// between the two leaves the old policy, bundle file, signature or key cut short or empty. Here the
// new contents go to a temporary file beside the target (same directory, so same file system),
// created exclusively with the mode the file is to have, written whole and flushed to disk, and only
// then renamed over the target (or, for a file that must not be overwritten, hard-linked to its name).
// A reader sees the old file or the new one, never a part. That holds for each file on its own: a
// bundle, several files replaced together, adds a record of the write that whoever comes next
// finishes (trust/bundle-pending.ts).
//
// On any failure the temporary file is removed. The temporary files this process has staged and not
// yet put in place are also listed (removeStagedFiles), so that the command line, which installs its
// handlers for SIGINT, SIGTERM and SIGHUP when it first stages a file (setStagingHook), removes
// them before it stops for one: every write here is synchronous, so such a signal waits for the
// write under way to end, and is never the cause of a temporary file left behind. Only a kill that
// cannot be caught (SIGKILL, the OOM killer, power loss) can leave one, named
// `.<name>.<pid>.<random>.tmp`.
//
// The target is replaced, not rewritten: a hard link to the old file keeps the old contents (as with
// `sed -i`). A symbolic link is followed: the file it points to is replaced and the link stays.

import { randomBytes } from "node:crypto";
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fsyncSync,
  linkSync,
  lstatSync,
  openSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { ownOption } from "./own.js";

/** A file that could not be written; `path` is the file named by the caller, `reason` says why in words. */
export class FileWriteError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
    /** the errno code when the system refused (`ENOSPC`, `EEXIST`, …) */
    readonly code?: string,
  ) {
    super(`cannot write ${path}: ${reason}`);
    this.name = "FileWriteError";
  }
}

/** A Node system error in words: `no space left on device (ENOSPC)`, without Node's `, write '…'` tail. */
export function systemErrorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const { code, syscall } = e as NodeJS.ErrnoException;
  let text = e.message;
  if (code !== undefined && text.startsWith(`${code}: `)) {
    text = text.slice(code.length + 2);
    const tail = syscall === undefined ? -1 : text.lastIndexOf(`, ${syscall}`);
    if (tail >= 0) text = text.slice(0, tail);
    return `${text} (${code})`;
  }
  return text;
}

/** New contents written beside their file, not yet in place. */
export interface StagedFile {
  /** the file to be replaced, as the caller named it */
  readonly path: string;
  /** the file actually replaced: `path`, or the file a symbolic link at `path` points to */
  readonly target: string;
  /** the temporary file holding the new contents */
  readonly temp: string;
  /** Renames the new contents over the target. On failure the temporary file is removed and a FileWriteError thrown. */
  commit(): void;
  /** Puts the new contents in place only if nothing is there (link(2), atomic); EEXIST otherwise. The temporary file goes either way. */
  commitExclusive(): void;
  /** Removes the temporary file (after a failure elsewhere); never throws. */
  discard(): void;
  /**
   * Leaves the temporary file to the caller: removeStagedFiles no longer removes it. For a file a
   * record names (a bundle's pending write), which whoever reads that record puts in place.
   */
  handOver(): void;
}

export interface StageOptions {
  /** the mode of a file that does not exist yet (default 0o666 less the umask, as writeFileSync); an existing file keeps its own */
  readonly mode?: number;
  /**
   * for a file that must not exist (commitExclusive): whatever is at `path` is not looked at, a
   * symbolic link is not followed, and the file gets `mode` exactly
   */
  readonly exclusive?: boolean;
}

/** The temporary files this process has staged and neither put in place, removed nor handed over. */
const liveTemps = new Set<string>();

/** Called before each temporary file is created; see setStagingHook. */
let stagingHook: (() => void) | undefined;

/**
 * Has `hook` called before each file is staged (undefined: no longer). The command line installs its
 * signal handlers there, on its first write rather than at start: a handler defers a signal until
 * the event loop turns, which a long synchronous step (formatting, a benchmark) would delay.
 */
export function setStagingHook(hook: (() => void) | undefined): void {
  stagingHook = hook;
}

/** Removes every temporary file this process has staged and not yet put in place, removed or handed over; never throws. */
export function removeStagedFiles(): void {
  for (const temp of liveTemps) removeQuietly(temp);
  liveTemps.clear();
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

/** Where a write to `path` lands: `path`, or the file its symbolic link points to. Throws a FileWriteError for a link that cannot be followed. */
export function targetOf(path: string): string {
  let link = false;
  try {
    link = lstatSync(path).isSymbolicLink();
  } catch {
    return path; // nothing there (or not reachable: the open below says why)
  }
  if (!link) return path;
  try {
    // realpath(3): Node's own realpathSync takes a `..` away by text first, and for `dir-link/../f`
    // would name the file beside the link, not the one the system opened by that path
    return realpathSync.native(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FileWriteError(path, code === "ENOENT" ? "it is a symbolic link to a file that does not exist" : `it is a symbolic link that cannot be followed: ${systemErrorText(e)}`, code);
  }
}

/** The mode and owner of the file at `target`, or undefined when there is none; refuses what is not a regular file. */
function existingFile(path: string, target: string): { mode: number; uid: number; gid: number } | undefined {
  let st;
  try {
    st = statSync(target);
  } catch {
    return undefined; // absent (anything else, no permission to look, the open reports)
  }
  if (st.isDirectory()) throw new FileWriteError(path, "it is a directory", "EISDIR");
  if (!st.isFile()) throw new FileWriteError(path, "it is not a regular file", "EINVAL");
  return { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
}

/**
 * Writes `data` into a new temporary file beside `path`, flushed to disk, ready to be put in place.
 * Nothing at `path` is touched. Throws a FileWriteError naming `path` (and leaves nothing behind)
 * when the file cannot be written.
 */
export function stageFile(path: string, data: string | Uint8Array, options: StageOptions = {}): StagedFile {
  // each option as the object holds it: one left out is not what Object.prototype holds under its
  // name (own.ts), or a planted `mode` would be a new file's
  const exclusive = ownOption(options, "exclusive");
  const target = exclusive ? path : targetOf(path);
  const existing = exclusive ? undefined : existingFile(path, target);
  // the temporary name: hidden, unique, and short enough for a file system's 255-byte names
  const temp = join(dirname(target), `.${basename(target).slice(0, 160)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  const mode = existing?.mode ?? ownOption(options, "mode");
  stagingHook?.();
  let fd: number;
  try {
    fd = openSync(temp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | (constants.O_NOFOLLOW ?? 0), mode ?? 0o666);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? // (a directory that exists may refuse new names so: /proc/self)
          directoryExists(dirname(target))
          ? `no file can be created in ${dirname(target)}: ${systemErrorText(e)}`
          : `the directory ${dirname(target)} does not exist`
        : code === "ENOTDIR"
          ? `${dirname(target)} is not a directory`
          : code === "EACCES" || code === "EPERM" || code === "EROFS"
            ? // a file replaced may itself be writable: say why its directory matters (a file only
              // created, never renamed over, needs no such word)
              `no file can be created in ${dirname(target)}: ${systemErrorText(e)}${exclusive ? "" : " (the new contents are written beside the file, then renamed over it)"}`
            : systemErrorText(e);
    throw new FileWriteError(path, why, code);
  }
  liveTemps.add(temp);
  const remove = (): void => {
    liveTemps.delete(temp);
    removeQuietly(temp);
  };
  try {
    // the umask may have taken bits from the mode asked for: a replaced file keeps exactly its own,
    // a key is exactly 0600
    if (mode !== undefined) fchmodSync(fd, mode);
    if (existing !== undefined && process.getuid?.() === 0 && (existing.uid !== 0 || existing.gid !== 0)) {
      try {
        fchownSync(fd, existing.uid, existing.gid); // root replacing another's file: it stays theirs
      } catch {
        /* a file system without owners */
      }
    }
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      /* reported below */
    }
    remove();
    throw new FileWriteError(path, systemErrorText(e), (e as NodeJS.ErrnoException).code);
  }
  try {
    closeSync(fd);
  } catch (e) {
    remove();
    throw new FileWriteError(path, systemErrorText(e), (e as NodeJS.ErrnoException).code);
  }
  return {
    path,
    target,
    temp,
    commit() {
      try {
        renameSync(temp, target);
        liveTemps.delete(temp);
      } catch (e) {
        remove();
        throw new FileWriteError(path, systemErrorText(e), (e as NodeJS.ErrnoException).code);
      }
    },
    commitExclusive() {
      try {
        linkSync(temp, target);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new FileWriteError(path, code === "EEXIST" ? "it already exists (EEXIST)" : systemErrorText(e), code);
      } finally {
        remove();
      }
    },
    discard() {
      remove();
    },
    handOver() {
      liveTemps.delete(temp);
    },
  };
}

/**
 * The process id in `entry`, when `entry` is a name stageFile gives a temporary file for `target`
 * (`.<file>.<pid>.<random>.tmp`, beside it); undefined for any other name. What stageFile staged
 * and a kill (SIGKILL) left can be told by it, and its process seen to be gone.
 */
export function stagedTempPid(target: string, entry: string): number | undefined {
  const prefix = `.${basename(target).slice(0, 160)}.`;
  if (!entry.startsWith(prefix)) return undefined;
  const rest = /^([1-9]\d{0,9})\.[0-9a-f]{12}\.tmp$/.exec(entry.slice(prefix.length));
  return rest === null ? undefined : Number(rest[1]);
}

/**
 * Whether a process of id `pid` runs on this host (signal 0 tests without sending): one of another
 * user's (EPERM) does, and so does this one; anything but ESRCH is not known to be none.
 */
export function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/**
 * Flushes a directory's entries (a rename or link in it) to disk. Best effort: some file systems
 * cannot sync a directory, and the file itself is already on disk by then.
 */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, constants.O_RDONLY | (constants.O_DIRECTORY ?? 0));
    fsyncSync(fd);
  } catch {
    /* not supported here */
  } finally {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        /* nothing was written through it */
      }
    }
  }
}

/** Replaces (or creates) `path` with `data` as stageFile and commit do, then syncs its directory. */
export function replaceFile(path: string, data: string | Uint8Array, options: StageOptions = {}): void {
  const staged = stageFile(path, data, options);
  staged.commit();
  syncDirectory(dirname(staged.target));
}

/**
 * Whether the directory holds an entry at `path`, a symbolic link to nothing (or in a loop)
 * included: existsSync follows links and says no for those, so a bundle whose signature file could
 * not be read would load as unsigned, and a key pair's half would be written over. Only "no such
 * entry" is no entry.
 */
export function hasEntry(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== "ENOENT";
  }
}

/**
 * Whether a file owned by `uid` may be taken as written by whoever may write what it stands for: the
 * user running writ, root (as SSH trusts it: root can change node itself), or one of `others` (the
 * owners of files it replaces). Always where there are no uids (Windows).
 */
export function trustedOwner(uid: number, others: readonly (number | undefined)[] = []): boolean {
  const me = currentUid();
  return me === undefined || uid === me || uid === 0 || others.includes(uid);
}

/** The uid of the process, or undefined where there are none (Windows): owners are then not checked. */
export function currentUid(): number | undefined {
  return process.getuid?.();
}

/** The owner of the entry at `path` itself (a link's own, not its target's), or undefined when nothing is there or it cannot be had. */
export function ownerOf(path: string): number | undefined {
  try {
    return lstatSync(path).uid;
  } catch {
    return undefined;
  }
}

/** Whether `dir` is a directory (a link to one followed); false when it cannot be looked at. */
function directoryExists(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
