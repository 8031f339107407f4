// The policy files a command is given: files as they are, directories searched for `.writ` files.
// `writ check`, `writ fmt --check` and `writ test` find them here, so that `writ check policies/`
// looks at exactly the files `writ test policies/` tests, in the same order, and fails the same way
// on what it cannot use.

import { readdirSync, realpathSync, statSync, type Dirent } from "node:fs";
import { join, resolve, sep } from "node:path";
import { givenPath } from "../runtime/given-path.js";
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
 * does not exist or is not a file, a path in a directory that cannot be followed (a .writ file, or
 * any other name that might be a directory), one whose name is not UTF-8, a directory that cannot
 * be read or holds no policy. Each of those fails the command — a CI step pointed at the
 * wrong folder, or at one it may not read, must not pass for having looked at nothing — while the
 * files found are still looked at. A file is named as found: under a directory given, that
 * directory's path as given joined with the names below it.
 */
export function policyFiles(cwd: string, inputs: readonly string[]): PolicyFiles {
  const files: string[] = [];
  const unusable: string[] = [];
  // a FIFO or a device named x.writ: reading it would block the run until something wrote to it
  // (a dangling link so named is walked: a policy that is missing, a failure said as such)
  const isSpecial = (path: string | Buffer): boolean => {
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
    const abs = givenPath(cwd, shown);
    const textual = abs === resolve(cwd, shown);
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
      let entries: Dirent<Buffer>[];
      try {
        real = realpathSync(abs);
        const known = foundUnder.get(real);
        if (known !== undefined) {
          skipped ||= skippedUnder.has(real);
          return known;
        }
        // names as bytes: read as UTF-8 text, a name that is not would become another (U+FFFD for
        // each byte that is not), a directory silently missing and a file "no such file". Their types
        // come with them, so that a file of another name needs nothing followed (where the file system
        // does not say, Node asks lstat, and a failure there fails the directory as a whole).
        entries = readdirSync(abs, { withFileTypes: true, encoding: "buffer" });
      } catch (e) {
        unusable.push(unreachableFileText(shown, e));
        return 0;
      }
      foundUnder.set(real, 0); // a link back up the tree finds it being walked: not a loop
      const skippedBefore = skipped;
      skipped = false;
      let found = 0;
      for (const { entry, name } of byName(entries)) {
        if (name === "node_modules" || name.startsWith(".")) {
          skipped = true;
          continue;
        }
        const utf8 = Buffer.from(name).equals(entry.name);
        const child = below(shown, utf8 ? name : shownBytes(entry.name), textual);
        const childPath = utf8 ? givenPath(cwd, child) : Buffer.concat([Buffer.from(join(abs, sep)), entry.name]);
        let holdsPolicies: boolean;
        try {
          holdsPolicies = name.endsWith(".writ") ? !isSpecial(childPath) : mayBeDirectory(entry, childPath);
        } catch (e) {
          // a link that leads nowhere, under another name than .writ, is nothing to search: repositories
          // hold such links (to a build's output not made yet, to a file of another machine), and a
          // run must not fail for them. A link that cannot be followed (a loop, a directory we may
          // not search on its way) may lead to a directory of policies: said and failing, as a .writ
          // file that cannot be followed is.
          const code = (e as NodeJS.ErrnoException).code;
          if (code !== "ENOENT" && code !== "ENOTDIR") unusable.push(unreachableFileText(child, e));
          continue;
        }
        if (!holdsPolicies) continue;
        // the commands open a file by its name as text: one that is not UTF-8 cannot be named to them
        if (!utf8) {
          unusable.push(`${child}: its name is not UTF-8 (\\xNN: a byte that is not); writ looks only at names that are`);
          continue;
        }
        found += walk(child);
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

/**
 * The path of `name` in the directory `shown`, to be named and opened: joined as `join` joins it,
 * unless `shown` has a `..` after a symbolic link (`textual` false: givenPath did not give what
 * `resolve` gives), which `join` would take away with the link, making it another path
 * (`link/../d` is not `d`).
 */
function below(shown: string, name: string, textual: boolean): string {
  if (textual) return join(shown, name);
  return shown.endsWith(sep) || shown.endsWith("/") ? shown + name : shown + sep + name;
}

/**
 * Whether the entry `entry` at `path` is a directory, or may be: a file of another name than `.writ`
 * is not, and needs nothing followed to say so (a directory we may read but not search, whose
 * entries cannot be examined, still lists them with their types). Throws for a link that cannot be
 * followed.
 */
function mayBeDirectory(entry: Dirent<Buffer>, path: string | Buffer): boolean {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  return statSync(path).isDirectory();
}

/** `entries` with their names as text, in the order of the names (names read alike by their bytes). */
function byName(entries: Dirent<Buffer>[]): { entry: Dirent<Buffer>; name: string }[] {
  return entries.map((entry) => ({ entry, name: entry.name.toString("utf8") })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : Buffer.compare(a.entry.name, b.entry.name)));
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A name that is not UTF-8, as a message shows it: its characters, and `\xff` for each byte that is not one. */
function shownBytes(name: Uint8Array): string {
  let shown = "";
  for (let i = 0; i < name.length; ) {
    let n = 1;
    // the one length (1 to 4 bytes) at which a character starting here decodes, if any
    for (; n <= 4 && i + n <= name.length; n++) {
      try {
        shown += strictUtf8.decode(name.subarray(i, i + n));
        break;
      } catch {
        /* not a whole character yet */
      }
    }
    if (n > 4 || i + n > name.length) {
      shown += `\\x${name[i]!.toString(16).padStart(2, "0")}`;
      n = 1;
    }
    i += n;
  }
  return shown;
}
