// A bundle replaced whole. A bundle is two or three files (module, manifest, signature), and no file
// system renames several files at once: a process stopped between two renames (SIGKILL, the OOM
// killer, power loss) would leave new files beside old ones, which every loader refuses, and a
// signed bundle would stay refused until signed again with the authority's private key.
//
// So writeBundle, once every new file is staged whole and flushed beside its old one, writes a record
// of the write, `<dir>/.<name>.bundle-pending.json`, naming each staged file, the file it replaces
// and the SHA-256 of its contents, and flushes it; only then does it rename the staged files into
// place, and it removes the record once they all are. Whoever next reads or writes that bundle
// (readBundleResult, readBundle, writeBundle: every command) and finds a record finishes that write:
//
// - roll forward: when every file the record names is complete, staged or already in place, the
//   staged ones are renamed into place, a signature the write removes is removed, and the record goes;
// - roll back: when one is neither (which no stopped write leaves, the record being written only once
//   every staged file is flushed), the staged files and the record are removed and the files in
//   place stand, as they were before that write;
//
// and says which it did. A reader that may not rename in the directory (read-only, another user's)
// reads the bundle as that write was to leave it, from the bytes of its new files it read and checked
// against the record (never from the files' names again: in a sticky directory another user may
// create files under the staged names once the write is finished), and says so; the record stays for
// a writer to finish. The module's digests in the manifest, and the signature over the manifest, stay
// the last line of defence: a mix that no record explains is refused when loaded, never taken for a
// bundle.
//
// Whoever finds a record cannot tell a write that was stopped from one under way in another process:
// the notes say only that the write had not finished. A record that goes while it is looked at (the
// write ended meanwhile) is no record; one that is gone, or another write's, by the time a part of
// its write is found neither staged nor in place (the write was finished by another process, and
// the next begun) is looked at again, rather than that write said to be abandoned.
//
// A record is put in place only where none is (a hard link): a write never replaces another's
// record, and two writes never interleave their renames (bundle-writers.ts says what a writer that
// finds one does). A stale signature, and a record, are removed only while the record of the write
// that removes them is still there (linked to a private name and looked at there, the name left as
// it is otherwise): a process finishing a write late, after another finished it, never removes the
// next write's files, nor puts back what the write removed (bundle-removals.ts says what is left).
//
// A record is read as untrusted (bundle-record.ts reads it): it names only the bundle's own files,
// and staged files by the names stageFile gives them beside those files, so finishing one writes
// nowhere a write of that bundle would not, and only what the record's digests say was written.
//
// And a record is acted on (rolled forward, rolled back, or read as a view) only when whoever could
// have written the bundle wrote it: the record must be owned by the user reading it, by root, or by
// the owner of the bundle's module or manifest in place (not of its signature, which a bundle may
// lack, and which anyone may then create in a shared sticky directory such as /tmp); each staged
// file it names that is there must be owned by the user reading it, by root, or by the owner of the
// file it replaces, unless its part is whole in place already (the file it replaces holds what the
// record says): once renamed, a staged file's name is anyone's to create in a sticky directory, and a
// file created there then is passed over as absent, not allowed to keep the write from being
// finished. Otherwise anyone who may create files in the directory, though not replace the
// bundle's (a sticky directory), could have another user's reader load files of their choosing, an
// older signed release or an unsigned policy, in place of that user's bundle, and a root reader
// rename them into place. A record failing this is ignored, and said to be: the bundle is read from
// the files in place, as if there were no record. Owners are read from the descriptor a file is read
// through (fstat), and not checked where there are no uids (Windows).

import { randomBytes } from "node:crypto";
import { linkSync, renameSync, rmSync, unlinkSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { currentUid, ownerOf, processRuns, stageFile, syncDirectory, systemErrorText, targetOf, trustedOwner, type StagedFile } from "../file-write.js";
import { shownJson } from "../shown-name.js";
import { removeRecord, removeWhileRecorded, type RecordCheck } from "./bundle-removals.js";
import {
  bundleFileNames,
  FORMAT,
  NO_RECORD,
  pendingNames,
  pendingRecordPath,
  readOwnFile,
  readRecordFile,
  sha256,
  type PendingFile,
  type PendingRecord,
} from "./bundle-record.js";

/** A file staged for a bundle, with the bytes it holds. */
export interface StagedPart {
  readonly staged: StagedFile;
  readonly bytes: Uint8Array;
}

/** A write of a bundle under way: its record is on disk. */
export interface PendingWrite {
  readonly dir: string;
  readonly record: PendingRecord;
  readonly recordPath: string;
  /** each staged file with where it goes */
  readonly moves: readonly Move[];
}

interface Move {
  readonly part: PendingFile;
  readonly temp: string;
  readonly target: string;
}

/**
 * Writes the record of a write of bundle `name` whose files are `parts` (staged and flushed), and
 * which removes `remove`; flushed, with the staged files' directory entries, before it returns.
 * The staged files are handed over to the record. Throws a FileWriteError naming the record when it
 * cannot be written (nothing is then in place, and the caller discards the staged files).
 */
export function recordPendingWrite(dir: string, name: string, parts: readonly StagedPart[], remove: readonly string[]): PendingWrite {
  const moves = parts.map(({ staged, bytes }) => ({
    part: { file: basename(staged.path), staged: basename(staged.temp), size: bytes.length, sha256: sha256(bytes) },
    temp: staged.temp,
    target: staged.target,
  }));
  const record: PendingRecord = { v: FORMAT, id: randomBytes(16).toString("hex"), name, files: moves.map((m) => m.part), remove };
  // the staged files' names must be on disk before a record that names them
  for (const d of new Set(moves.map((m) => dirname(m.temp)))) syncDirectory(d);
  const recordPath = pendingRecordPath(dir, name);
  // put in place only where no record is (link(2)): another write's record, of a write that may be
  // renaming its files now, is never replaced, and the two writes' renames never interleave. EEXIST
  // then (a FileWriteError naming the record): the caller sees whose write it is (bundle-writers.ts).
  // `exclusive`: the record's own name, never the file a symbolic link there points to
  stageFile(recordPath, JSON.stringify(record) + "\n", { exclusive: true }).commitExclusive();
  syncDirectory(dir);
  for (const p of parts) p.staged.handOver();
  return { dir, record, recordPath, moves };
}

/** A file of a pending write that could not be put in place (or removed), and why, in words. */
export interface MoveFailure {
  readonly path: string;
  /** `cannot write <path>: <why>` */
  readonly message: string;
}

/**
 * Puts the files of a pending write in place, in order, then removes what it removes and the record.
 * Stops at the first file that cannot be put in place (the record stays, for whoever comes next).
 * A staged file already gone is taken as put in place by another process (a reader finishing the
 * write) when its file holds what it was to hold.
 *
 * `ownWrite`: the process that recorded the write finishes it. A staged file of its that is gone, its
 * file holding something else, was taken by a reader that finished the write, after which the next
 * write of the bundle replaced it: the write is done, and there is nothing left of it to do.
 */
export function finishPendingWrite(write: PendingWrite, ownWrite = false): { ok: true } | { ok: false; failure: MoveFailure } {
  for (const m of write.moves) {
    try {
      renameSync(m.temp, m.target);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT" && holds(m.target, m.part)) continue;
      if ((e as NodeJS.ErrnoException).code === "ENOENT" && ownWrite && ownerOf(m.temp) === undefined) return { ok: true };
      const path = join(write.dir, m.part.file);
      return { ok: false, failure: { path, message: `cannot write ${path}: ${systemErrorText(e)}` } };
    }
  }
  for (const file of write.record.remove) {
    try {
      removeWhileRecorded(join(write.dir, file), write.recordPath, recordOf(write.record.id));
    } catch (e) {
      const path = join(write.dir, file);
      return { ok: false, failure: { path, message: `cannot remove the old signature ${path}: ${systemErrorText(e)}; it does not sign the new manifest` } };
    }
  }
  for (const d of new Set([write.dir, ...write.moves.map((m) => dirname(m.target))])) syncDirectory(d);
  removeRecord(write.recordPath, recordOf(write.record.id));
  syncDirectory(write.dir);
  return { ok: true };
}

/** Whether the record at `path` is (still) the one of write `id`. */
function recordIs(path: string, id: string): boolean {
  const read = readRecordFile(path);
  return read.kind === "record" && read.record.id === id;
}

/** recordIs of write `id`, for the removals that look at its record (bundle-removals.ts). */
const recordOf = (id: string): RecordCheck => (path) => recordIs(path, id);

/**
 * The bytes of the regular file at `path` (not a link), read through one descriptor, when they are
 * the contents `part` records (its size and SHA-256) and, when `trusted` is given, the file is owned
 * by a uid it trusts; undefined otherwise. The bytes returned are the ones checked: a file put under
 * that name since is never read in their place.
 */
function readWhole(path: string, part: PendingFile, trusted?: (uid: number) => boolean): Buffer | undefined {
  try {
    const { st, bytes } = readOwnFile(path, part.size);
    if (trusted !== undefined && !trusted(st.uid)) return undefined;
    return st.size === part.size && bytes.length === part.size && sha256(bytes) === part.sha256 ? bytes : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the regular file at `path` holds the contents `part` records (readWhole). */
const holds = (path: string, part: PendingFile, trusted?: (uid: number) => boolean): boolean => readWhole(path, part, trusted) !== undefined;

/**
 * Whether a record of a write of bundle `name` is there now that is not the one a recovery saw
 * (`seen`, its Recovery's): a write of the bundle began since. A record gone since is not: the write
 * it recorded ended, and its files are in place.
 */
export function pendingWriteBegunSince(dir: string, name: string, seen: string): boolean {
  const read = readRecordFile(pendingRecordPath(dir, name));
  return read.kind !== "none" && read.mark !== seen;
}

/**
 * The process that recorded a write of bundle `name` in `dir`, when it may still be running on this
 * host: the record is there, is one this user may act on (see the top of this file), and its staged
 * files are named with the id of a running process (stageFile names them with the writer's) that is
 * not this one (whose writes are synchronous: none of its is under way when another begins). Another
 * writer leaves such a write to that process (bundle-writers.ts). Undefined for no record, or one of a
 * writer that has ended, or one not to be acted on (recoverPendingWrite says what of it).
 */
export function pendingWriter(dir: string, name: string): { pid: number; path: string; mark: string } | undefined {
  const path = pendingRecordPath(dir, name);
  const read = readRecordFile(path);
  if (read.kind !== "record" || read.record.name !== name || untrustedRecord(dir, name, read.owner) !== undefined) return undefined;
  const pids = new Set(read.record.files.map((part) => Number(/\.([1-9]\d{0,9})\.[0-9a-f]{12}\.tmp$/.exec(part.staged)?.[1])));
  const [pid] = pids;
  // pid 0 and 1: no writer's (kill(0) would ask of this process's group)
  if (pids.size !== 1 || pid === undefined || !Number.isSafeInteger(pid) || pid <= 1 || pid === process.pid || !processRuns(pid)) return undefined;
  return { pid, path, mark: read.mark };
}

/**
 * Moves the record at `path` out of the way, when it is still the one marked `mark` (a record not
 * acted on, recoverPendingWrite's "ignored"), so that a write's own record can be put in its place.
 * It is moved aside first and only then looked at, so that a record put there since, of a write
 * under way, is put back rather than removed. Whether it is gone; never throws.
 */
export function setAsideRecord(path: string, mark: string): boolean {
  const aside = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    renameSync(path, aside);
  } catch {
    return false;
  }
  const moved = readRecordFile(aside);
  // an entry's mark holds its change time, which the move changed: the rest must be the same
  const unmoved = (m: string): string => (m.startsWith("entry:") ? m.slice(0, m.lastIndexOf(":")) : m);
  if (moved.kind !== "none" && unmoved(moved.mark) === unmoved(mark)) {
    rmSync(aside, { force: true });
    return true;
  }
  try {
    linkSync(aside, path);
    unlinkSync(aside);
  } catch {
    /* another record there already: that one stands, and this one stays aside */
  }
  return false;
}

/** Why a bundle is refused when writes of it kept changing it while it was read `times` times. */
export function keptChangingMessage(dir: string, name: string, times: number): string {
  return `bundle ${shownJson(name)} in ${dir} kept changing while it was read: a write of it changed it each of the ${times} times it was read; try again once that write is done`;
}

/**
 * The names of the staged files that the records of pending writes among directory entries `entries`
 * of `dir` name (whoever owns them): files a write still needs, whatever else is said of them.
 */
export function stagedNamesInRecords(dir: string, entries: readonly string[]): Set<string> {
  const named = new Set<string>();
  for (const name of pendingNames(entries)) {
    const read = readRecordFile(pendingRecordPath(dir, name));
    if (read.kind === "record") for (const part of read.record.files) named.add(part.staged);
  }
  return named;
}

/**
 * Where the staged file `part` is, beside the file its bundle file is written to, when its name is
 * one stageFile gives (`.<file>.<pid>.<random>.tmp`); undefined otherwise, or when that file's
 * symbolic link cannot be followed.
 */
function moveOf(dir: string, part: PendingFile): Move | undefined {
  let target: string;
  try {
    target = targetOf(join(dir, part.file));
  } catch {
    return undefined;
  }
  const prefix = `.${basename(target).slice(0, 160)}.`;
  if (!part.staged.startsWith(prefix) || !/^\d+\.[0-9a-f]{12}\.tmp$/.test(part.staged.slice(prefix.length))) return undefined;
  return { part, temp: join(dirname(target), part.staged), target };
}

/** One of a bundle's files as a reader takes it: where it was read from, and the bytes read. */
export interface ViewedFile {
  readonly path: string;
  readonly bytes: Uint8Array;
}

/**
 * A bundle as a write that could not be finished leaves it: each file's new contents, as read and
 * checked against the record (its size and SHA-256, and a staged file's owner) through the one
 * descriptor they were read through.
 */
export interface BundleView {
  readonly module: ViewedFile;
  readonly manifest: ViewedFile;
  /** undefined: the bundle has no signature (the write removes the old one) */
  readonly signature: ViewedFile | undefined;
}

export type Recovery =
  /** no pending write (`seen`: the mark of no record, for pendingWriteBegunSince) */
  | { readonly kind: "none"; readonly seen: string }
  /** a pending write was finished (rolled forward), or abandoned (rolled back): `note` says which */
  | { readonly kind: "finished" | "abandoned"; readonly note: string; readonly seen: string }
  /**
   * a pending write that could not be finished here (`why`): read the bundle from `view`, as the
   * write was to leave it; `note` says so
   */
  | { readonly kind: "unfinished"; readonly why: string; readonly note: string; readonly view: BundleView; readonly seen: string }
  /** a record there that cannot be read: nothing can be said of the bundle's files */
  | { readonly kind: "unreadable"; readonly path: string; readonly message: string }
  /** a record that kept changing while it was acted on (writes of the bundle under way): the same */
  | { readonly kind: "changing"; readonly path: string; readonly message: string }
  /**
   * a record (at `path`), or a staged file it names, owned by a uid not trusted to write the bundle
   * (`owner`): not acted on, the bundle's files are those in place; `note` says so
   */
  | { readonly kind: "ignored"; readonly path: string; readonly owner: number; readonly note: string; readonly seen: string };

/** How many times a record is looked at again when it changed while it was acted on. */
const RECOVERY_ATTEMPTS = 3;

/** What recoverOnce gives when the record it acted on is no longer there, or another write's: look again. */
const CHANGED = Symbol("the record changed");

/**
 * Finishes the pending write of bundle `name` in `dir`, if there is one (see the top of this file).
 * `seen` in what it returns is the mark of the record it acted on (pendingWriteBegunSince). Never
 * throws.
 */
export function recoverPendingWrite(dir: string, name: string): Recovery {
  const recordPath = pendingRecordPath(dir, name);
  for (let attempt = 1; ; attempt++) {
    const recovery = recoverOnce(dir, name, recordPath);
    if (recovery !== CHANGED) return recovery;
    if (attempt === RECOVERY_ATTEMPTS) return { kind: "changing", path: recordPath, message: keptChangingMessage(dir, name, attempt) };
  }
}

function recoverOnce(dir: string, name: string, recordPath: string): Recovery | typeof CHANGED {
  const read = readRecordFile(recordPath);
  if (read.kind === "none") return { kind: "none", seen: NO_RECORD };
  const seen = read.mark;
  const bundle = `bundle ${shownJson(name)} in ${dir}`;
  // whose record it is, first: one another user planted is ignored whatever it holds, not refused
  // as unreadable, which would keep the bundle's owner from reading it (and, in a sticky directory,
  // from removing it)
  const foreign = untrustedRecord(dir, name, read.owner);
  if (foreign !== undefined)
    return { kind: "ignored", path: recordPath, owner: read.owner, seen, note: `${bundle} has a record of a write under way, ${recordPath}, ${foreign}: it was ignored, and the bundle's files are those in place` };
  if (read.kind === "unreadable" || read.record.name !== name)
    return {
      kind: "unreadable",
      path: recordPath,
      message: `${bundle} has a record of a write under way, ${recordPath}, that cannot be read (${read.kind === "unreadable" ? read.why : `it names bundle ${shownJson(read.record.name)}`}): no writ command wrote it as it is; remove it, and compile or sign the bundle again`,
    };
  const record = read.record;
  const untrusted = untrustedPart(dir, record);
  if (untrusted !== undefined)
    return {
      kind: "ignored",
      path: untrusted.path,
      owner: untrusted.owner,
      seen,
      note: `${bundle} has a record of a write under way, ${recordPath}, ${untrusted.what}: it was ignored, and the bundle's files are those in place`,
    };
  // the write may have been stopped, or be under way in another process: which, cannot be told
  const notDone = `${bundle} was being replaced by a write that had not finished (under way, or stopped before it was done)`;
  const moves: Move[] = [];
  // each new file as read and checked, for a reader that cannot finish the write (BundleView)
  const whole = new Map<string, ViewedFile>();
  const missing: string[] = [];
  for (const part of record.files) {
    const move = moveOf(dir, part);
    // a staged file is taken only from a trusted owner, on the descriptor it is read through: one
    // created under its name since it was looked at is not whole for this write
    const staged = move === undefined ? undefined : readWhole(move.temp, part, (uid) => trustedOwner(uid, [ownerOf(move.target)]));
    if (move !== undefined && staged !== undefined) {
      moves.push(move);
      whole.set(part.file, { path: move.temp, bytes: staged });
      continue;
    }
    const placed = move?.target ?? join(dir, part.file);
    const bytes = readWhole(placed, part);
    if (bytes !== undefined) whole.set(part.file, { path: placed, bytes });
    else missing.push(part.file);
  }
  if (missing.length > 0) {
    // no stopped write leaves a file neither staged nor in place; a write ended meanwhile by another
    // process, and followed by the next, does (its record is then gone, or that next write's): the
    // bundle is looked at again rather than a write abandoned that was not
    if (!recordIs(recordPath, record.id)) return CHANGED;
    // roll back: the staged files named are removed, and the files in place are what they are
    const left: string[] = [];
    for (const part of record.files) {
      const move = moveOf(dir, part);
      // another user's file, put under a staged file's name since it was looked at, is not this write's
      const owner = move === undefined ? undefined : ownerOf(move.temp);
      if (move === undefined || (owner !== undefined && !trustedOwner(owner, [ownerOf(move.target)]))) continue;
      try {
        rmSync(move.temp, { force: true });
      } catch {
        left.push(move.temp);
      }
    }
    removeRecord(recordPath, recordOf(record.id));
    const stays = left.length === 0 && !isThere(recordPath) ? "" : `; it could not be cleared away here (${[...left, recordPath].filter(isThere).join(", ")} stay)`;
    return {
      kind: "abandoned",
      seen,
      note: `${notDone}, and its new ${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} not whole: that write was abandoned, and the bundle's files are those in place${stays}`,
    };
  }
  // roll forward: every new file is whole, staged or in place
  const write: PendingWrite = { dir, record, recordPath, moves };
  const finished = finishPendingWrite(write);
  const placed = record.files.map((p) => p.file).join(", ");
  const removed = record.remove.length === 0 ? "" : `, and ${record.remove.join(", ")} removed`;
  if (finished.ok) return { kind: "finished", seen, note: `${notDone}; its new files were whole, and it was finished (${placed} put in place${removed})` };
  // a staged file taken away and its file changed since: the write ended meanwhile, and another began
  if (!recordIs(recordPath, record.id)) return CHANGED;
  // could not be finished here: read as the write was to leave it, from the new files' bytes as
  // they were read and checked above; never from their names again, under which, once the write is
  // finished by another process, anyone who may create files in the directory may put their own
  const names = bundleFileNames(name);
  const view: BundleView = {
    module: whole.get(names.module)!,
    manifest: whole.get(names.manifest)!,
    // a record either writes the signature or removes it (recordShape)
    signature: record.remove.length > 0 ? undefined : whole.get(names.signature)!,
  };
  const why = `${notDone}; its new files are whole, but it cannot be finished here (${finished.failure.message})`;
  return {
    kind: "unfinished",
    view,
    why,
    seen,
    note: `${why}: read as that write leaves it, from its new files as they were read and checked against its record; a writ command that may write in ${dir} finishes it`,
  };
}

/**
 * What makes the record of a pending write of bundle `name`, owned by `owner`, one not to act on:
 * whose it is and whose it should be (see the top of this file); undefined when it may be acted on.
 */
function untrustedRecord(dir: string, name: string, owner: number): string | undefined {
  const me = currentUid();
  if (me === undefined) return undefined;
  const names = bundleFileNames(name);
  if (trustedOwner(owner, [placedOwner(dir, names.module), placedOwner(dir, names.manifest)])) return undefined;
  return `owned by uid ${owner} (not by ${me === 0 ? "root" : "you, root"} or the bundle's owner)`;
}

/** The owner of the bundle file `file` in place (a link's target's), or undefined when there is none. */
function placedOwner(dir: string, file: string): number | undefined {
  try {
    return ownerOf(targetOf(join(dir, file)));
  } catch {
    return undefined;
  }
}

/**
 * The first staged file `record` names that a uid not trusted to write it owns (not the owner of the
 * file it replaces), or undefined. One whose part is whole in place already is passed over: the write
 * renamed it there, and whoever created a file under its name since cannot keep the write from being
 * finished (it is neither renamed nor removed).
 */
function untrustedPart(dir: string, record: PendingRecord): { path: string; owner: number; what: string } | undefined {
  const me = currentUid();
  if (me === undefined) return undefined;
  const you = me === 0 ? "root" : "you, root";
  for (const part of record.files) {
    const move = moveOf(dir, part);
    const owner = move === undefined ? undefined : ownerOf(move.temp);
    if (move !== undefined && owner !== undefined && !trustedOwner(owner, [ownerOf(move.target)]) && !holds(move.target, part))
      return { path: move.temp, owner, what: `names a staged file, ${move.temp}, owned by uid ${owner} (not by ${you} or the owner of ${move.target})` };
  }
  return undefined;
}

/** Whether anything is at `path` itself (a link to nothing included), as far as it can be looked at. */
const isThere = (path: string): boolean => ownerOf(path) !== undefined;
