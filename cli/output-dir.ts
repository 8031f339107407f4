// Creating the directory a command writes into (`-o`), with the reason in words when it cannot be.

import { existsSync, lstatSync, mkdirSync, readlinkSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { escapeControls } from "../runtime/thrown.js";
import { systemErrorText } from "../runtime/file-write.js";
import type { CliIO } from "./io.js";

/**
 * When `path` does not exist because it, or a directory on the way to it, is a symbolic link to
 * nothing: that link and where it points, in words; otherwise undefined.
 */
export function danglingLink(path: string): string | undefined {
  for (let p = path; ; p = dirname(p)) {
    try {
      if (lstatSync(p).isSymbolicLink()) {
        try {
          statSync(p);
        } catch {
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
    mkdirSync(dir, { recursive: true });
    return true;
  } catch (e) {
    io.err(`writ ${command}: cannot create the output directory ${dir}: ${mkdirFailure(dir, e)}`);
    return false;
  }
}

/** Why creating `dir` failed with `e`, in words. */
function mkdirFailure(dir: string, e: unknown): string {
  let code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") {
    const link = danglingLink(dir);
    if (link !== undefined) return link;
    // not a link to nothing: a recursive mkdir says ENOENT of what stopped it, whatever that was
    const plain = plainMkdirError(dir);
    if (plain === undefined) return systemErrorText(e);
    e = plain;
    code = (plain as NodeJS.ErrnoException).code;
  }
  return code === "EEXIST" || code === "ENOTDIR" ? "a file is in the way" : systemErrorText(e);
}

/**
 * Why the first directory missing on the way to `dir` cannot be made, as a plain mkdir(2) says it:
 * a recursive mkdirSync reports ENOENT whatever stopped it (a read-only file system, EROFS; a parent
 * that takes no new entry, EACCES), which would say the parent is missing when it is there. Or
 * undefined when it can be made (it is made then, as the recursive mkdir would have made it).
 */
function plainMkdirError(dir: string): unknown {
  let missing = dir;
  while (dirname(missing) !== missing && !existsSync(dirname(missing))) missing = dirname(missing);
  try {
    mkdirSync(missing);
    return undefined;
  } catch (e) {
    return e;
  }
}
