// A command stopped by SIGINT (Ctrl-C), SIGTERM or SIGHUP leaves no temporary file beside a file it
// writes. Node's default for these signals ends the process wherever it is, half-way through writing
// a file included (file-write.ts writes the new contents beside the file first). So, once a command
// first stages a file, these signals get a handler: every write is synchronous, and a signal that
// arrives meanwhile waits for the write under way to end, whole or failed and cleared away; the
// handler then removes any staged file not yet in place and stops the process with the signal, as
// the default would have (a shell sees 130, 143 or 129). A handler runs when the event loop next
// turns, and a command whose last step is a write may finish with nothing left for the loop to wait
// on: the process would then end with the command's status, 0, the signal never acted on. So the
// loop is given one more turn before the process ends, in which a signal that arrived during the
// command stops it as it says. Installed at the first write, not at start:
// a handler holds a signal until the event loop turns, which a long synchronous step before any write
// (formatting a large policy, a benchmark) would delay.

import { constants } from "node:os";
import { removeStagedFiles, setStagingHook } from "../runtime/file-write.js";

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

let installed = false;

function installHandlers(): void {
  if (installed) return;
  installed = true;
  const handlers = SIGNALS.map((signal) => {
    const handler = (): void => {
      removeStagedFiles();
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

/** Has the signal handlers installed when this process first stages a file; the `writ` binary calls it at start. */
export function cleanUpStagedFilesOnSignals(): void {
  setStagingHook(installHandlers);
}
