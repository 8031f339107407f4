// Two writes of one bundle at the same time. A write's record is put in place only where none is
// (bundle-pending.ts), so a second writer never replaces the record of a write that may be renaming
// its files now, and the two never interleave their renames. A writer that finds another write's
// record, before it stages its files or when it comes to record its own, looks at whose it is:
//
// - a writer still running on this host (its staged files are named with its process id): the write
//   is left to it, and waited for, a few seconds at most (a write's record is there only while its
//   files are renamed into place, milliseconds);
// - any other (a writer that has ended, killed half-way), or one still there after the wait: the
//   record is finished as a reader finishes it, or set aside (recoverPendingWrite, writeBundle), and
//   this write goes on. A record still there after seconds is of a writer that was stopped (SIGSTOP)
//   or of a process id the system has given to another process since the writer was killed: a write
//   refused for as long as that process runs would leave the bundle unwritable, while readers finish
//   the write anyway. A stopped writer that resumes finds its write done (finishPendingWrite).
//
// So of two writes at once, the bundle is mostly left as one of them wrote it, whole; not always:
// with readers finishing writes beside them, a process finishing a write removes the old signature,
// and the record, by name after it looked at them (bundle-removals.ts, removeWhileRecorded), and a
// newer write's file renamed to that name between the look and the removal is removed in its place;
// where no hard link can be made, a signature removed can be put back. The mix is refused on load
// (manifest and module digests, signature); one writer of a bundle at a time is the supported use
// (docs/artifacts.md).

import { pendingWriter } from "./bundle-pending.js";

/** How long a write waits for another write of its bundle under way to end: a few seconds, where one takes milliseconds. */
export const OTHER_WRITE_WAIT_MS = 5_000;
/** How often it looks again meanwhile. */
const POLL_MS = 10;

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Waits while a write of bundle `name` in `dir` by another running process is under way
 * (pendingWriter), at most OTHER_WRITE_WAIT_MS; the caller then finishes what is left of it as a
 * reader would. Returns whether it waited the whole time (that write had not ended).
 */
export function awaitOtherWrite(dir: string, name: string): boolean {
  const until = Date.now() + OTHER_WRITE_WAIT_MS;
  for (;;) {
    if (pendingWriter(dir, name) === undefined) return false;
    if (Date.now() >= until) return true;
    Atomics.wait(pause, 0, 0, POLL_MS);
  }
}
