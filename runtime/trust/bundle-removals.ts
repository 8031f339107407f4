// Removing what a finished write of a bundle removes (an old signature, then the write's record)
// only while that write's record is still there: a process finishing a write late, after another
// finished it and the next write recorded itself, never removes the next write's files, nor puts
// back what the write removed. bundle-pending.ts finishes writes; whether a record is still the
// write's is its to say (a record is read as untrusted there), and is asked here through `ofWrite`.

import { linkSync, renameSync, rmSync } from "node:fs";
import { linkAside, privateName, unlinkIfStill } from "./link-aside.js";

/** Whether the file at a path is the record of the write being finished (read whole, its id that write's). */
export type RecordCheck = (path: string) => boolean;

/**
 * Removes the file at `path` while the record at `recordPath` is still the one of write `id`
 * (`ofWrite` says whether a record is), so that a process finishing write `id` late, after another
 * process finished it and removed its record, never removes what the next write of the bundle put
 * there: that write recorded itself only once the record of `id` was gone, and puts its files in
 * place only after. The file is
 * linked to a private name first, and the record looked at after: a record once gone is never put
 * back (removeRecord), so the file linked while it was still there is this write's to remove, and
 * `path` is unlinked only while it is still that file. When the record is gone by then, `path` is
 * left as it is: whoever removed the record removed the file first. Throws what a failed removal
 * throws (not ENOENT: nothing to remove).
 *
 * Where no hard link can be made, the file is moved aside instead, looked at, and put back when the
 * record went meanwhile: a signature the process that finished the write removed meanwhile is then
 * put back beside the new manifest (refused on load), and the record cannot be told from
 * one never there (removeRecord).
 */
export function removeWhileRecorded(path: string, recordPath: string, ofWrite: RecordCheck): void {
  if (!ofWrite(recordPath)) return;
  const aside = linkAside(path);
  if (aside === "none") return;
  if (aside === "unlinkable") return moveAsideWhileRecorded(path, recordPath, ofWrite);
  try {
    if (ofWrite(recordPath)) unlinkIfStill(path, aside.st);
  } finally {
    rmSync(aside.link, { force: true });
  }
}

/** removeWhileRecorded where no hard link can be made: moved aside, looked at, and put back if the record went meanwhile. */
function moveAsideWhileRecorded(path: string, recordPath: string, ofWrite: RecordCheck): void {
  const aside = privateName(path);
  try {
    renameSync(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  if (!ofWrite(recordPath)) {
    try {
      linkSync(aside, path);
    } catch {
      /* another file there since: the newer stands */
    }
  }
  rmSync(aside, { force: true });
}

/**
 * Removes the record at `path` if it is still the one of write `id` (`ofWrite` says whether a
 * record is; another write may have begun since); never throws. Linked to a private name first and
 * looked at there: a record of another write, recorded since, is never taken from its name, not even
 * for a moment in which a third write could record itself beside that write under way.
 *
 * Where no hard link can be made, it is moved aside instead, looked at there, and put back when it
 * is another write's: while it is aside, that write has no record, and a write that records itself
 * then keeps it from being put back (it is removed).
 */
export function removeRecord(path: string, ofWrite: RecordCheck): void {
  if (!ofWrite(path)) return;
  const aside = linkAside(path);
  if (aside === "none") return; // gone already: another process finished the write
  if (aside === "unlinkable") return moveRecordAside(path, ofWrite);
  try {
    if (ofWrite(aside.link)) unlinkIfStill(path, aside.st);
  } catch {
    /* left for whoever reads or writes the bundle next: a finished write's record is finished again */
  } finally {
    rmSync(aside.link, { force: true });
  }
}

/** removeRecord where no hard link can be made. */
function moveRecordAside(path: string, ofWrite: RecordCheck): void {
  const aside = privateName(path);
  try {
    renameSync(path, aside);
  } catch {
    return; // gone already: another process finished the write
  }
  try {
    if (!ofWrite(aside)) linkSync(aside, path);
  } catch {
    /* yet another record there since: the newer stands */
  }
  rmSync(aside, { force: true });
}
