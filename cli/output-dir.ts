// Creating the directory a command writes into (`-o`), with the reason in words when it cannot be.

import { lstatSync, readlinkSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { escapeControls } from "../runtime/thrown.js";
import { cannotFollow, directoryRefusal, makeDirectories } from "../runtime/make-directories.js";
import type { CliIO } from "./io.js";

/**
 * When `path` does not exist because it, or a directory on the way to it, is a symbolic link to
 * nothing: that link and where it points, in words; otherwise undefined. A link that cannot be
 * followed for another reason (a loop: ELOOP) is no link to nothing, and is not named so.
 */
export function danglingLink(path: string): string | undefined {
  for (let p = path; ; p = dirname(p)) {
    try {
      if (lstatSync(p).isSymbolicLink()) {
        try {
          statSync(p);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === "ENOENT")
            return `${p === path ? "it" : p} is a symbolic link to ${escapeControls(readlinkSync(p))}, which does not exist`;
        }
      }
    } catch {
      /* not there: look further up */
    }
    if (dirname(p) === p) return undefined;
  }
}

/** Creates `dir` (and its parents); on failure prints why, prefixed `writ <command>:`, and returns false. */
export function makeOutputDir(io: CliIO, command: string, dir: string): boolean {
  try {
    makeDirectories(dir);
    return true;
  } catch (e) {
    io.err(`writ ${command}: cannot create the output directory ${dir}: ${mkdirFailure(dir, e)}`);
    return false;
  }
}

/** Why creating `dir` failed with `e`, in words. */
function mkdirFailure(dir: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT" || code === "EEXIST") {
    // a loop of links on the way (mkdir says EEXIST of the link) is said as one, of the whole path,
    // as every command says it of a file it reads
    const unfollowed = cannotFollow(dir);
    if (unfollowed !== undefined) return unfollowed;
    const link = danglingLink(dir);
    if (link !== undefined) return link;
  }
  return code === "EEXIST" || code === "ENOTDIR" ? "a file is in the way" : directoryRefusal(e);
}
