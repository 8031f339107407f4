#!/usr/bin/env node
// The `writ` program, as package.json's `bin` names it: it loads the command line (main.ts) and runs
// it, nothing more. Loading opens every module main.ts imports, and with few file descriptors left
// (`ulimit -n`) one of those opens fails before any of writ's handlers exist: imported statically,
// Node printed that as its own stack trace. So this file imports no file of its own (node: builtins
// need none), and says such a failure in one line, exit 1, in the words main() says it with once
// loaded. Importing this file runs the command line: tests import main from main.js instead.

import { writeSync } from "node:fs";

/**
 * environmentFailure's words (environment-failure.ts) for the failures loading can meet, copied:
 * importing that file would need a file descriptor too (test/cli/environment-failures.test.ts checks
 * that the two say the same).
 */
const LOADING_FAILURES: Readonly<Record<string, string>> = {
  EMFILE: "too many open files (EMFILE): the limit on open files (`ulimit -n`) is too low for writ to open the files it runs from and reads",
  ENFILE: "too many open files in the system (ENFILE): no file can be opened until others are closed",
};

try {
  const { runAsProgram } = await import("./main.js");
  runAsProgram();
} catch (e) {
  const failure = loadingFailure(e);
  // anything else is writ itself failing to load (a file missing from the install): an internal
  // error, said as main() says one, control characters escaped as terminal-text.ts would
  const line = failure !== undefined ? `writ: ${failure}` : `writ: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
  try {
    writeSync(2, line.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`) + "\n");
  } catch {
    /* standard error cannot be written either: the exit status says it */
  }
  process.exitCode = failure !== undefined ? 1 : 70;
}

/** What LOADING_FAILURES says of `e`, or undefined when it is none of them. */
function loadingFailure(e: unknown): string | undefined {
  try {
    const code = typeof e === "object" && e !== null ? (e as { code?: unknown }).code : undefined;
    return typeof code === "string" && Object.hasOwn(LOADING_FAILURES, code) ? LOADING_FAILURES[code] : undefined;
  } catch {
    return undefined; // a getter that throws is no system error
  }
}
