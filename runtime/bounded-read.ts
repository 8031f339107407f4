// Reading a whole file with a cap. readFileSync reads until the end of a file, and a character
// device has none: `--pub /dev/zero` grew the process to 16 GB before it aborted, and a request
// read from /dev/zero never finished. Every file read whole is read through here, with a limit that
// fits what it should hold; past the limit the read stops and the file is refused.

import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from "node:fs";

const MiB = 1024 * 1024;
/** The most one read asks for. */
const MAX_CHUNK = 1024 * MiB;

/** The limits by kind of file, each far above what such a file holds. */
export const READ_LIMITS = {
  /** a key is a few hundred bytes */
  key: 64 * 1024,
  /** a request or an artifact: as long as the canonical JSON a request may have (jcs.ts) */
  input: 64 * MiB,
  /** a list of requests (one per record of a log an audit replays): about the longest string V8 makes */
  requests: 512 * MiB,
  /** a policy's source */
  policy: 64 * MiB,
  /** a bundle's manifest or signature */
  manifest: 64 * MiB,
  /** a bundle's module */
  module: 256 * MiB,
  /** a lineage log read whole: about the most readFileSync reads of any file (2 GiB less a byte) */
  log: 2 * 1024 * MiB,
} as const;

/** A file (or stream) longer than the limit it was read with; `size` is its size when known (a regular file). */
export class TooLargeError extends Error {
  readonly code = "EFBIG";
  constructor(
    readonly limit: number,
    readonly size?: number,
  ) {
    super(`${size === undefined ? "more than" : `${size} bytes, more than`} ${describeLimit(limit)}`);
    this.name = "TooLargeError";
  }
}

/**
 * What to print for a TooLargeError of the file `name`, which is read as `what` ("a request"):
 * `req.json is 70000000 bytes, more than the 64 MiB read for a request`, or for a device or a pipe,
 * which has no size, `… holds more than …; it was not read further`.
 */
export function tooLargeMessage(name: string, e: TooLargeError, what: string): string {
  const limit = describeLimit(e.limit);
  return e.size === undefined
    ? `${name} holds more than the ${limit} read for ${what}; it was not read further`
    : `${name} is ${e.size} bytes, more than the ${limit} read for ${what}`;
}

/** `2 GiB`, `64 MiB`, `64 KiB`, or a count of bytes. */
export function describeLimit(bytes: number): string {
  if (bytes % (1024 * MiB) === 0) return `${bytes / (1024 * MiB)} GiB`;
  if (bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/**
 * The bytes of the file at `path`, at most `limit` of them; throws a TooLargeError past it (before
 * reading, when the file's size says so), and what readFileSync throws otherwise (ENOENT, EISDIR).
 */
export function readFileBounded(path: string, limit: number): Buffer {
  const fd = openSync(path, "r");
  try {
    const st = fstatSync(fd);
    if (st.isFile() && st.size > limit) throw new TooLargeError(limit, st.size);
    return readFdBounded(fd, limit, st.isFile() ? st.size : undefined);
  } finally {
    closeSync(fd);
  }
}

/**
 * What a file that is not a regular file is, in words (`a FIFO`, `a character device`), for the
 * messages that refuse one; undefined for a regular file.
 */
export function notRegularKind(st: Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  return "not a file";
}

/** A file read where only a regular file may be; `kind` says what it is instead (notRegularKind). */
export class NotRegularFileError extends Error {
  constructor(readonly kind: string) {
    super(`not a regular file (${kind})`);
    this.name = "NotRegularFileError";
  }
}

/**
 * As readFileBounded, for a file that must be a regular file (a bundle's): anything else is refused
 * with a NotRegularFileError before it is opened, since a FIFO would block the process until
 * something wrote to it, and a device may have no end or act when opened. It is opened without
 * waiting (O_NONBLOCK, which leaves reads of a regular file as they are) and checked again once
 * open, so a file put in its place in between is refused too, not waited on.
 */
export function readRegularFileBounded(path: string, limit: number): Buffer {
  const before = notRegularKind(statSync(path));
  if (before !== undefined) throw new NotRegularFileError(before);
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const st = fstatSync(fd);
    const kind = notRegularKind(st);
    if (kind !== undefined) throw new NotRegularFileError(kind);
    if (st.size > limit) throw new TooLargeError(limit, st.size);
    return readFdBounded(fd, limit, st.size);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads `fd` to its end, at most `limit` bytes; throws a TooLargeError as soon as there is more.
 * `expected` (a regular file's size) lets a file be read in one call.
 */
export function readFdBounded(fd: number, limit: number, expected?: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    // one byte past what is left of the limit: reading it is how a longer file is seen to be one
    const room = limit - total + 1;
    // at most MAX_CHUNK a read: read(2) takes no more than 2^31 − 1 bytes at once (Node refuses more)
    const chunk = Buffer.allocUnsafe(Math.min(room, MAX_CHUNK, Math.max(expected === undefined ? 0 : expected - total + 1, 64 * 1024)));
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    total += n;
    if (total > limit) throw new TooLargeError(limit);
    chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}
