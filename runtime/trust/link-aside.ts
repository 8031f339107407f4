// Looking at a file under a name no other process changes, while its own name keeps it: a hard link
// to a private name beside it (never a move aside, which leaves the name empty for a moment in which
// another process may put a file there, or find none). bundle-pending.ts removes a stale signature
// and a finished write's record this way, only while they are still the ones it means to remove.

import { randomBytes } from "node:crypto";
import { linkSync, lstatSync, rmSync, unlinkSync, type Stats } from "node:fs";
import { basename, dirname, join } from "node:path";

/** A name of this process's own beside `path`, as stageFile names its files: one a kill leaves is removed as theirs are (bundle-leftovers.ts). */
export function privateName(path: string): string {
  return join(dirname(path), `.${basename(path).slice(0, 160)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
}

/**
 * Hard-links the entry at `path` to a private name beside it, and gives that name with the entry's
 * identity: what is at `path` is looked at there, under a name no other process changes, while
 * `path` keeps it (never left empty for a moment, as a move aside leaves it). "none": nothing at
 * `path`. "unlinkable": no link can be made (a file system without hard links, another user's file
 * where hard links to it are refused: EPERM; or a symbolic link, which link(2) follows on some
 * systems); the caller then moves the entry aside, as before.
 */
export function linkAside(path: string): { link: string; st: Stats } | "none" | "unlinkable" {
  try {
    if (lstatSync(path).isSymbolicLink()) return "unlinkable";
  } catch {
    return "none";
  }
  const link = privateName(path);
  try {
    linkSync(path, link);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ENOENT" ? "none" : "unlinkable";
  }
  try {
    return { link, st: lstatSync(link) };
  } catch {
    rmSync(link, { force: true });
    return "unlinkable";
  }
}

/**
 * Unlinks `path` when the entry there is still the one `st` is of (the caller holds a link to it, so
 * its identity cannot have been given to another file). Not ENOENT: gone already.
 *
 * INVARIANT gap: the look (lstat) and the unlink are two calls; an entry renamed to `path` between
 * them is removed in its place. No call unlinks a name only if it holds a given file.
 */
export function unlinkIfStill(path: string, st: Stats): void {
  let now: Stats;
  try {
    now = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  if (now.dev !== st.dev || now.ino !== st.ino) return;
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
}
