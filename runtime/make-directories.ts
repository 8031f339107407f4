// Creating a directory and the directories missing above it, one plain mkdir(2) each. Node 20's
// mkdirSync(dir, { recursive: true }) never returns when mkdir says ENOENT although the parent is
// there (procfs refuses new names so: /proc/self/x, /proc/sys/x): it takes the ENOENT for a missing
// parent, finds the parent there, and tries again, for ever. It also says ENOENT of whatever
// stopped it (EROFS, EACCES). Here each missing directory is made once, top down, and the first
// refusal is thrown as mkdir(2) gave it, with the directory it was about.

import { mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { systemErrorText } from "./file-write.js";
import { isDirectory, leadsThroughFile, throughFileError } from "./given-path.js";

/**
 * Creates `dir` and the directories missing above it; returns the first directory it created (as
 * mkdirSync with `recursive` does), or undefined when `dir` was a directory already. Throws the
 * system error of the first directory that cannot be made (its `path` names that one); EEXIST when
 * something that is not a directory is in the way.
 */
export function makeDirectories(dir: string): string | undefined {
  // resolve() would take a `..` after a file away with the file, and make the directory beside it
  if (leadsThroughFile(dir)) throw throughFileError(dir, "mkdir");
  const missing: string[] = [];
  for (let p = resolve(dir); !isDirectory(p); p = dirname(p)) {
    missing.push(p);
    if (dirname(p) === p) break;
  }
  let first: string | undefined;
  for (const p of missing.reverse()) {
    try {
      mkdirSync(p);
    } catch (e) {
      // made by another process meanwhile: as good as made here
      if ((e as NodeJS.ErrnoException).code === "EEXIST" && isDirectory(p)) continue;
      throw e;
    }
    first ??= p;
  }
  return first;
}

/**
 * Why makeDirectories failed with `e`, in words: for ENOENT in a directory that is there, that no
 * directory can be created in it (the words a file that cannot be created there gets: file-write.ts),
 * otherwise the system's reason.
 */
export function directoryRefusal(e: unknown): string {
  const { code, path } = e as NodeJS.ErrnoException;
  if ((code === "EEXIST" || code === "ENOENT") && path !== undefined) {
    const unfollowed = cannotFollow(path);
    if (unfollowed !== undefined) return unfollowed;
  }
  if (code === "ENOENT" && path !== undefined && isDirectory(dirname(path))) return `no directory can be created in ${dirname(path)}: ${systemErrorText(e)}`;
  return systemErrorText(e);
}

/**
 * Why following `path` fails, in the system's words, when mkdir found its name taken (EEXIST) or
 * missing (ENOENT) only because of what is on the way: a loop of symbolic links (ELOOP, which mkdir
 * reports as the link's name being taken), a directory that may not be searched (EACCES). Said so,
 * as every command says it of a file it reads, rather than as a link to something that does not
 * exist or a file in the way. Undefined when `path` can be followed, or following it ends at nothing
 * (ENOENT: a link to nothing, which the caller names as one) or at a file (ENOTDIR: a file in the way).
 */
export function cannotFollow(path: string): string | undefined {
  try {
    statSync(path);
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === "ENOENT" || code === "ENOTDIR" ? undefined : systemErrorText(e);
  }
}

