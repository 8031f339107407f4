// The policy files a command is given: files as they are, directories searched for `.writ` files.
// `writ check`, `writ fmt --check` and `writ test` find them here, so that `writ check policies/`
// looks at exactly the files `writ test policies/` tests, in the same order, and fails the same way
// on what it cannot use.

import { readdirSync, realpathSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { unreachableFileText } from "./text-files.js";

/** How a directory is searched, for the help of each command that takes one. */
export const DIRECTORY_SEARCH = "A directory is searched for .writ files, leaving out entries starting with `.` and node_modules.";

export interface PolicyFiles {
  /** the files to look at, each once (by real path), in the order found */
  files: string[];
  /** why an input, or something under it, could not be used: one message each, naming the path */
  unusable: string[];
}

/**
 * The policy files `inputs` name, in the order found, and what could not be used: an input that
 * does not exist or is not a file, a path in a directory that cannot be followed, a directory that
 * cannot be read or holds no policy. Each of those fails the command — a CI step pointed at the
 * wrong folder, or at one it may not read, must not pass for having looked at nothing — while the
 * files found are still looked at. A file is named as found: under a directory given, that
 * directory's path as given joined with the names below it.
 */
export function policyFiles(cwd: string, inputs: readonly string[]): PolicyFiles {
  const files: string[] = [];
  const unusable: string[] = [];
  const isDirectory = (path: string): boolean => {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false; // a dangling link, or one we may not follow: not a directory to walk
    }
  };
  // a FIFO or a device named x.writ: reading it would block the run until something wrote to it
  // (a dangling link so named is walked: a policy that is missing, a failure said as such)
  const isSpecial = (path: string): boolean => {
    try {
      const st = statSync(path);
      return !st.isFile() && !st.isDirectory();
    } catch {
      return false;
    }
  };
  // policy files found under each directory walked, by real path: a directory given again, or met
  // again through a link, is not walked twice, but still holds what it held
  const foundUnder = new Map<string, number>();
  // the policy files listed, by real path
  const testedFiles = new Set<string>();
  // directories under which an entry was not searched (its name starts with `.`, or is node_modules),
  // and whether one was in the walk of the current input
  const skippedUnder = new Set<string>();
  let skipped = false;
  /** Walks `shown`, returning how many policy files it holds (found now or on an earlier walk). */
  const walk = (shown: string): number => {
    const abs = resolve(cwd, shown);
    let st;
    try {
      st = statSync(abs);
    } catch (e) {
      // in the words every command uses for a path it cannot follow (README: "in the same words for
      // every kind of file"): `no such file`, `too many symbolic links encountered (ELOOP)`
      unusable.push(unreachableFileText(shown, e));
      return 0;
    }
    if (st.isDirectory()) {
      let real: string;
      let entries: string[];
      try {
        real = realpathSync(abs);
        const known = foundUnder.get(real);
        if (known !== undefined) {
          skipped ||= skippedUnder.has(real);
          return known;
        }
        entries = readdirSync(abs).sort();
      } catch (e) {
        unusable.push(unreachableFileText(shown, e));
        return 0;
      }
      foundUnder.set(real, 0); // a link back up the tree finds it being walked: not a loop
      const skippedBefore = skipped;
      skipped = false;
      let found = 0;
      for (const entry of entries) {
        if (entry === "node_modules" || entry.startsWith(".")) {
          skipped = true;
          continue;
        }
        const child = join(shown, entry);
        const childAbs = resolve(cwd, child);
        if (entry.endsWith(".writ") ? !isSpecial(childAbs) : isDirectory(childAbs)) found += walk(child);
      }
      foundUnder.set(real, found);
      if (skipped) skippedUnder.add(real);
      skipped ||= skippedBefore;
      return found;
    }
    if (st.isFile()) {
      // a file given twice, or given and found again in a directory given, is tested once
      let real = abs;
      try {
        real = realpathSync(abs);
      } catch {
        /* followed by statSync a moment ago: kept by the path given */
      }
      if (!testedFiles.has(real)) {
        testedFiles.add(real);
        files.push(shown);
      }
      return 1;
    }
    unusable.push(`${shown}: not a regular file`);
    return 0;
  };
  for (const input of inputs) {
    const before = unusable.length;
    skipped = false;
    // each input must give something to test: a directory of no policy, given beside others, too;
    // where entries were left out, the message says which, since they may hold the policies meant
    if (walk(input) === 0 && unusable.length === before)
      unusable.push(`${input}: no .writ files in it${skipped ? " (entries starting with `.` and node_modules are not searched)" : ""}`);
  }
  return { files, unusable };
}
