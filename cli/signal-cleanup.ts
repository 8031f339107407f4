// A command stopped by SIGINT (Ctrl-C), SIGTERM or SIGHUP leaves no temporary file beside a file it
// writes, and no lineage log's lock. Node's default for these signals ends the process wherever it
// is, half-way through writing a file included (file-write.ts writes the new contents beside the file
// first), and with a log's lock held: a writer on this host takes such a lock over once the pid is
// dead, but one on another host sharing the log never does (lineage-lock.ts), so it would wait for
// someone to remove it by hand. So, once a command first stages a file or is about to take a log's
// lock, these signals get a handler: every write is synchronous, and a signal that arrives meanwhile
// waits for the write under way to end, whole or failed and cleared away; the handler then removes
// any staged file not yet in place and the locks this process holds, and stops the process with the
// signal, as the default would have (a shell sees 130, 143 or 129).
//
// Removing the lock there lets no other writer in before this one's record is whole. The handler runs
// only when the event loop turns, never inside a synchronous step: an append (its write, its sync,
// and the cutting back of one that failed) and the open that repairs a torn tail each run whole
// before it. So when the lock goes, the log ends with a whole record, this writer's last one or the
// one before; and the process writes nothing after, as it ends by the signal right away. A lock is
// removed only if its file still holds the very text this process wrote into it (its pid, host and
// random id): one another writer took over is left. Only a kill that cannot be caught (SIGKILL, power
// loss) leaves a lock, and perhaps a record cut short, which the next writer on this host takes over
// and repairs. A handler runs when the event loop next
// turns, and a command whose last step is a write may finish with nothing left for the loop to wait
// on: the process would then end with the command's status, 0, the signal never acted on. So the
// loop is given one more turn before the process ends, in which a signal that arrived during the
// command stops it as it says. Installed at the first write or lock, not at start:
// a handler holds a signal until the event loop turns, which a long synchronous step before any write
// (formatting a large policy, a benchmark) would delay.

import { constants } from "node:os";
import { removeStagedFiles, setStagingHook } from "../runtime/file-write.js";
import { releaseHeldLocks, setLockHook } from "../runtime/trust/lineage-lock.js";

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

let installed = false;

function installHandlers(): void {
  if (installed) return;
  installed = true;
  const handlers = SIGNALS.map((signal) => {
    const handler = (): void => {
      removeStagedFiles();
      releaseHeldLocks();
      // the default action again, and the signal again: the process ends by it, as it would have
      for (const [s, h] of handlers) process.removeListener(s, h);
      process.kill(process.pid, signal);
      process.exit(128 + (constants.signals[signal] ?? 0));
    };
    return [signal, handler] as const;
  });
  for (const [s, h] of handlers) process.on(s, h);
  // one more turn of the loop, once the command is done: it reads the signals that arrived meanwhile
  process.once("beforeExit", () => setImmediate(() => {}));
}

/** Has the signal handlers installed when this process first stages a file or takes a log's lock; the `writ` binary calls it at start. */
export function cleanUpOnSignals(): void {
  setStagingHook(installHandlers);
  setLockHook(installHandlers);
}
