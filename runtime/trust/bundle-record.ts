// The record of a bundle write under way (bundle-pending.ts says what it is for): its format, where
// it is, and how one is read. A record is read as untrusted: not through a link, not waiting on a
// FIFO, a few hundred bytes at most, and taken for a record only when it has exactly the shape
// writeBundle writes, naming only the bundle's own files.

import { createHash } from "node:crypto";
import { closeSync, constants, fstatSync, lstatSync, openSync, type Stats } from "node:fs";
import { join } from "node:path";
import { systemErrorText } from "../file-write.js";
import { readFdBounded, READ_LIMITS } from "../bounded-read.js";
import { isPolicyName } from "../manifest.js";

export const FORMAT = "writ-bundle-pending/1";
const RECORD_SUFFIX = ".bundle-pending.json";
/** a record names three files at most: a few hundred bytes */
const MAX_RECORD_BYTES = 16 * 1024;

/** One staged file of a pending write: the bundle file it replaces, by name in the bundle's directory. */
export interface PendingFile {
  /** `<name>.wasm`, `<name>.manifest.json` or `<name>.manifest.jws` */
  readonly file: string;
  /** the staged file's name, beside the file it replaces (or beside the file a symbolic link there points to) */
  readonly staged: string;
  readonly size: number;
  readonly sha256: string;
}

export interface PendingRecord {
  readonly v: typeof FORMAT;
  /** which write this is: a record is removed only by a process that holds this one */
  readonly id: string;
  readonly name: string;
  /** in the order they are put in place: module, manifest, signature */
  readonly files: readonly PendingFile[];
  /** bundle files the write removes once the others are in place (an old signature) */
  readonly remove: readonly string[];
}

/** The name of the record of a pending write of bundle `name`, in the bundle's directory. */
export function pendingRecordName(name: string): string {
  return `.${name}${RECORD_SUFFIX}`;
}

/** Where the record of a pending write of bundle `name` is. */
export function pendingRecordPath(dir: string, name: string): string {
  return join(dir, pendingRecordName(name));
}

/** The names of the bundles that directory entries `entries` hold a pending write of. */
export function pendingNames(entries: readonly string[]): string[] {
  return entries.filter((e) => e.startsWith(".") && e.endsWith(RECORD_SUFFIX)).map((e) => e.slice(1, -RECORD_SUFFIX.length)).filter(isPolicyName);
}

export function bundleFileNames(name: string): { module: string; manifest: string; signature: string } {
  return { module: `${name}.wasm`, manifest: `${name}.manifest.json`, signature: `${name}.manifest.jws` };
}

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Reads the regular file at `path` (not a link: opened without following one, and without waiting
 * on a FIFO put there), at most `limit` bytes, with its status from the descriptor read through.
 * Throws what open and read throw; a file that is not a regular file throws an Error saying so.
 */
export function readOwnFile(path: string, limit: number): { st: Stats; bytes: Buffer } {
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error("it is not a regular file");
    return { st, bytes: st.size > limit ? Buffer.alloc(0) : readFdBounded(fd, limit, st.size) };
  } finally {
    closeSync(fd);
  }
}

/**
 * A record as read: `mark` tells it from any other (its contents' digest, or for one that could not
 * be read whole, its entry's identity), so that a reader can tell whether the record it acted on is
 * still the one there.
 */
export type RecordRead =
  | { kind: "none" }
  | { kind: "record"; record: PendingRecord; owner: number; mark: string }
  | { kind: "unreadable"; why: string; owner: number; mark: string };

/** The mark of no record (RecordRead). */
export const NO_RECORD = "none";

export function readRecordFile(path: string): RecordRead {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    // none there, or the directory cannot be looked in (not there, a file, no permission): reading
    // the bundle's own files then says why, as it always has
    return { kind: "none" };
  }
  const entry = `entry:${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
  if (!st.isFile()) return { kind: "unreadable", why: "it is not a regular file", owner: st.uid, mark: entry };
  if (st.size > MAX_RECORD_BYTES) return { kind: "unreadable", why: `it is ${st.size} bytes, and a record is a few hundred`, owner: st.uid, mark: entry };
  let bytes: Buffer;
  let owner: number;
  try {
    // the owner is that of the file read, from its descriptor: not of a file put in its place since
    const read = readOwnFile(path, MAX_RECORD_BYTES);
    if (read.st.size > MAX_RECORD_BYTES) return { kind: "unreadable", why: `it is ${read.st.size} bytes, and a record is a few hundred`, owner: read.st.uid, mark: entry };
    bytes = read.bytes;
    owner = read.st.uid;
  } catch (e) {
    // gone since it was looked at: the write it recorded ended meanwhile, and there is no record
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { kind: "none" };
    return { kind: "unreadable", why: systemErrorText(e), owner: st.uid, mark: entry };
  }
  const mark = `sha256:${sha256(bytes)}`;
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch (e) {
    return { kind: "unreadable", why: `it is not valid JSON: ${(e as Error).message}`, owner, mark };
  }
  const record = recordShape(value);
  return record === undefined ? { kind: "unreadable", why: `it is not a record of a write of a bundle (${FORMAT})`, owner, mark } : { kind: "record", record, owner, mark };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const hasExactly = (o: Record<string, unknown>, names: readonly string[]): boolean => {
  const own = Object.keys(o);
  return own.length === names.length && names.every((n) => Object.hasOwn(o, n));
};

/** The record `value` is, when it has exactly the shape writeBundle writes; undefined otherwise. */
function recordShape(value: unknown): PendingRecord | undefined {
  if (!isObject(value) || !hasExactly(value, ["v", "id", "name", "files", "remove"])) return undefined;
  const { v, id, name, files, remove } = value;
  if (v !== FORMAT || typeof id !== "string" || !/^[0-9a-f]{32}$/.test(id) || typeof name !== "string" || !isPolicyName(name)) return undefined;
  if (!Array.isArray(files) || !Array.isArray(remove)) return undefined;
  const names = bundleFileNames(name);
  const parts: PendingFile[] = [];
  for (const f of files) {
    if (!isObject(f) || !hasExactly(f, ["file", "staged", "size", "sha256"])) return undefined;
    const { file, staged, size, sha256: digest } = f;
    if (typeof file !== "string" || typeof staged !== "string" || typeof size !== "number" || typeof digest !== "string") return undefined;
    if (!Object.values(names).includes(file) || parts.some((p) => p.file === file)) return undefined;
    if (!Number.isSafeInteger(size) || size < 0 || size > READ_LIMITS.module || !/^[0-9a-f]{64}$/.test(digest)) return undefined;
    parts.push({ file, staged, size, sha256: digest });
  }
  // a write of a bundle always writes its module and its manifest, and removes only a signature it does not write
  if (!parts.some((p) => p.file === names.module) || !parts.some((p) => p.file === names.manifest)) return undefined;
  if (!remove.every((r) => r === names.signature) || remove.length > 1 || parts.some((p) => p.file === names.signature) === (remove.length === 1)) return undefined;
  return { v: FORMAT, id, name, files: parts, remove: remove as string[] };
}
