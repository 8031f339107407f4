// Who may have written the asc code cache (asc-cache.ts). The cache holds JavaScript that runs in
// the compiler, and the digests in its manifest are kept in the same folder as the files they
// describe: whoever can write the folder can rewrite both, so the digests catch corruption (a cut
// file, flipped bits), not an edit. What keeps an edited compiler out is who can write the cache:
// as with SSH's StrictModes (and a private key file here, refused for its mode), a cache folder or
// file that another user owns, or that group or others may write, is refused, and so is a relative
// WRIT_ASC_CACHE (found from whatever directory writ runs in: a checked-out repository could ship
// one). Anyone who can write as the user can change node_modules as well, so that is as far as the
// cache need be trusted: as far as node_modules is.
//
// Checked: the cache root (followed if it is a symbolic link: where the user put it), each cache
// folder (lstat: not a link), and each file on the descriptor it is read from (opened without
// following a link). Not checked: the folders above the root, which are as much the install's as
// node_modules is.

import { chmodSync, type Stats } from "node:fs";
import { escapeControls } from "../../runtime/thrown.js";
import { trustedOwner } from "../../runtime/file-write.js";

/**
 * Modes of what a build creates, set whatever the umask: 0755 folders, 0644 files, as npm installs
 * node_modules. The cache holds nothing secret (it is derived from the installed compiler), and a
 * cache built by root for a global install must be readable by the users who run that install;
 * what matters is that only its owner can write it.
 */
export const CACHE_FOLDER_MODE = 0o755;
export const CACHE_FILE_MODE = 0o644;

/** Permission bits that make a cache folder or file refused: writable by group or others. */
const FORBIDDEN_MODE = 0o022;

/** A cache that is not trusted: its message is why, said to the user (printCacheNote). */
export class UntrustedCache extends Error {
  constructor(why: string) {
    super(escapeControls(why));
    this.name = "UntrustedCache";
  }
}

/**
 * The cache root WRIT_ASC_CACHE names: undefined when unset, "off" when the cache is off; throws
 * UntrustedCache for a relative path, which would name a different folder in every directory writ
 * runs in, a repository's own `.writ-cache` among them.
 */
export function configuredCacheRoot(value: string | undefined): string | undefined {
  if (value === undefined || value === "" || value === "off") return value === "off" ? "off" : undefined;
  if (!isAbsolutePath(value))
    throw new UntrustedCache(`WRIT_ASC_CACHE is a relative path (${value}), which would be looked for in the current directory: give an absolute path`);
  return value;
}

function isAbsolutePath(p: string): boolean {
  // on Windows, `C:\…` and `\\server\…`; a drive-relative `\x` or `C:x` is not absolute
  return process.platform === "win32" ? /^([a-zA-Z]:[\\/]|[\\/]{2})/.test(p) : p.startsWith("/");
}

/**
 * Throws UntrustedCache when `path` (`st` its status) belongs to another user than the one running
 * writ, or root, or when group or others may write it. Root is trusted as SSH trusts it: it can
 * change node itself, and a global install's cache is built by it. Platforms without uids or POSIX
 * modes (Windows) are not checked.
 */
export function checkOwnerAndMode(path: string, st: Stats): void {
  if (!trustedOwner(st.uid)) {
    const me = process.getuid?.();
    throw new UntrustedCache(`${path} is owned by uid ${st.uid}, not by you (${me === 0 ? "root" : `uid ${me}, or root`})`);
  }
  if (process.platform !== "win32" && (st.mode & FORBIDDEN_MODE) !== 0) {
    const octal = (st.mode & 0o777).toString(8).padStart(3, "0");
    throw new UntrustedCache(`${path} is writable by group or others (mode 0${octal}): run \`chmod ${st.isDirectory() ? "-R " : ""}go-w ${path}\``);
  }
}

/** Says that `path` is a symbolic link where the cache holds a folder or file of its own. */
export function symbolicLinkInCache(path: string): UntrustedCache {
  return new UntrustedCache(`${path} is a symbolic link, and a cache holds only its own folders and files`);
}

/** Gives a folder the build created its mode, whatever the umask took from it. */
export function setFolderMode(path: string): void {
  if (process.platform !== "win32") chmodSync(path, CACHE_FOLDER_MODE);
}

/** The one line said on standard error when a cache is refused: why, and that the compile goes on without it. */
export function cacheNote(why: string): string {
  return `writ: asc code cache not used (${why}); compiles import asc the ordinary way`;
}
