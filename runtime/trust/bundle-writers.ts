// Two writes of one bundle at the same time. A write's record is put in place only where none is
// (bundle-pending.ts), so a second writer never replaces the record of a write that may be renaming
// its files now, and the two never interleave their renames. A writer that finds another write's
// record, before it stages its files or when it comes to record its own, looks at whose it is:
//
// - a writer still running on this host (its staged files are named with its process id): the write
//   is left to it, and waited for, a few seconds at most (a write's record is there only while its
//   files are renamed into place); then this write goes on, or, when that write has not ended, is
//   refused, naming the other writer and its record, and nothing of either write is touched;
// - any other (a writer that has ended, killed half-way): the record is finished, or set aside, as
//   before (recoverPendingWrite, writeBundle), and this write goes on.
//
// So of two writes at once, the bundle is left as one of them wrote it, whole.

import { pendingWriter } from "./bundle-pending.js";

/** How long a write waits for another write of its bundle under way to end: a few seconds, where one takes milliseconds. */
export const OTHER_WRITE_WAIT_MS = 5_000;
/** How often it looks again meanwhile. */
const POLL_MS = 10;

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Waits while a write of bundle `name` in `dir` by another running process is under way
 * (pendingWriter), at most OTHER_WRITE_WAIT_MS. Undefined when there is none (at once, when there
 * was none); that writer and its record when it is still under way then.
 */
export function awaitOtherWrite(dir: string, name: string): { pid: number; path: string } | undefined {
  const until = Date.now() + OTHER_WRITE_WAIT_MS;
  for (;;) {
    const other = pendingWriter(dir, name);
    if (other === undefined) return undefined;
    if (Date.now() >= until) return { pid: other.pid, path: other.path };
    Atomics.wait(pause, 0, 0, POLL_MS);
  }
}
