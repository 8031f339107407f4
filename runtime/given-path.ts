// The file a path given on the command line (or to the library) names, as the operating system opens it. `resolve`
// from node:path takes `..` away with the name before it, whatever that name is; the system goes
// up from where that name leads. Where it is a symbolic link to a directory elsewhere,
// `link/../p.writ` is `p.writ` beside the link's target for the system (and for `cat`), and
// `p.writ` beside the link for `resolve`: a command reading it would read another file than the one
// named, and one writing there would write somewhere else.

import { lstatSync, realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, parse, resolve, sep } from "node:path";

/** The names a path is made of, by either separator where the system takes both. */
const names = (path: string): string[] => path.split(sep === "\\" ? /[\\/]/ : "/");

/**
 * `path` made absolute against `cwd`, as the system opens it: a `..` after a name that is a
 * symbolic link goes up from where the link leads (the path to it then given as it really is). A
 * path with no `..` after a link is `resolve(cwd, path)` unchanged, so that messages name it as
 * given; so is the part of one that leads nowhere (a name not there, a link that cannot be
 * followed), which the system fails on, and which is said as the path given; making the
 * directories of such a path makes the same last one as `mkdir -p` does. A `..` after a file (or a
 * link to one) is left in the path, joined to `cwd` as written: the system refuses it (ENOTDIR),
 * and so then does whatever opens it, where `resolve` would have named the file beside it.
 *
 * As `resolve`, a relative path asks the process for its directory when `cwd` is empty (CWD_GONE),
 * and throws as that does.
 */
export function givenPath(cwd: string, path: string): string {
  const followed = followedPath(cwd, path);
  return asksForDirectory(path) && !isDirectory(followed) ? withSeparator(followed) : followed;
}

/** givenPath but for a path's closing `/` or `/.`, which `resolve` drops. */
function followedPath(cwd: string, path: string): string {
  const textual = resolve(cwd, path);
  const parts = names(path);
  if (!parts.includes("..")) return textual;
  let at = isAbsolute(path) ? parse(textual).root : resolve(cwd);
  for (const name of parts) {
    if (name === "" || name === ".") continue;
    if (name !== "..") {
      at = join(at, name);
      continue;
    }
    if (isFile(at)) return isAbsolute(path) ? path : `${resolve(cwd)}${sep}${path}`;
    at = dirname(linkFollowed(at) ?? at);
  }
  return at;
}

/**
 * Whether `path` ends in a separator or in `.` after one (`p.writ/`, `p.writ/.`): the system then
 * opens it only as a directory, and refuses a file there (ENOTDIR) or a new file to be made there
 * (EISDIR). `resolve` drops that ending: `writ check p.writ/` read the file, and `--log new.jsonl/`
 * would have made one. givenPath keeps it (one separator) where no directory is there, for the
 * system to refuse as `cat` does; where one is, the path is given as `resolve` gives it, as
 * messages have always named it.
 */
function asksForDirectory(path: string): boolean {
  const parts = names(path);
  const last = parts[parts.length - 1];
  return parts.length > 1 && (last === "" || last === ".");
}

/** `path` with one separator at its end. */
const withSeparator = (path: string): string => (path.endsWith(sep) ? path : path + sep);

/** Whether a directory is at `path`, its links followed; false when it cannot be looked at. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Whether there is something at `path` (its links followed) that is not a directory: no `..` leads up from it. */
function isFile(path: string): boolean {
  try {
    return !statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * `path` as the library's functions that join names to a directory they are given use it: the path
 * itself, but where a `..` follows a symbolic link to a directory, the path the system opens by it
 * (givenPath, against the process's directory). `join(dir, name)` takes such a `..` away by text
 * while the system creates and opens `dir` through the link: writeBundle("link/../out") wrote its
 * files beside the link, and readBundle of the same path then looked beside the link's target.
 */
export function systemPath(path: string): string {
  if (!names(path).includes("..")) return path;
  try {
    const followed = givenPath("", path);
    return followed === resolve(path) ? path : followed;
  } catch {
    return path; // the process's directory is gone: a relative path leads nowhere, as the system will say
  }
}

/**
 * Whether a `..` in `path` follows a file (or a link to one): the system refuses such a path
 * (ENOTDIR), where `join` and `resolve` take the `..` away with the file and name what is beside it.
 * Functions that join names to a directory they are given, or make its missing directories by their
 * resolved names, ask this first and refuse the path as the system would.
 */
export function leadsThroughFile(path: string): boolean {
  if (!names(path).includes("..")) return false;
  try {
    // followedPath leaves such a path as written (its `..` in it), and resolves any other
    const given = followedPath("", path);
    return given !== resolve(given);
  } catch {
    return false; // the process's directory is gone: a relative path leads nowhere, as the system will say
  }
}

/** The error the system gives for a path on which a `..` follows a file, for `syscall` on it. */
export function throughFileError(path: string, syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOTDIR: not a directory, ${syscall} '${path}'`), { code: "ENOTDIR", syscall, path });
}

/**
 * Where `path` leads when its last name is a symbolic link to a directory; else undefined (a link
 * to a file has no `..`: the system refuses the path, as it refuses one through a file).
 */
function linkFollowed(path: string): string | undefined {
  try {
    if (!lstatSync(path).isSymbolicLink()) return undefined;
    const real = realpathSync.native(path);
    return statSync(real).isDirectory() ? real : undefined;
  } catch {
    return undefined;
  }
}
