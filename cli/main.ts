// The `writ` command line: a table of commands, each in cli/commands/<name>.ts. The program itself
// is writ.ts, which loads this file and calls runAsProgram; tests call main.

import { writeSync } from "node:fs";
import type { CliIO, Command } from "./io.js";
import { CWD_GONE, EXIT_FAILURE, EXIT_INTERNAL, EXIT_USAGE, UsageError, machineOut, verbatimOut } from "./io.js";
import { environmentFailure } from "./environment-failure.js";
import { layoutPieces, terminalText } from "./terminal-text.js";
import { preferAscCodeCache, tuneForOneShotCompile } from "../compiler/backend/asc.js";
import { readFdBounded, TooLargeError, tooLargeMessage } from "../runtime/bounded-read.js";
import { systemErrorText } from "../runtime/file-write.js";
import { cleanUpOnSignals } from "./signal-cleanup.js";

/**
 * Standard output or error as this process writes them. Writing may fail (a full disk, `> /dev/full`):
 * the stream then reports an error, later, and the first such error is said once (onStreamError)
 * and makes the exit status 1; nothing more is written to a stream that failed.
 */
const streams = {
  /** the command being run, for the message */
  command: undefined as string | undefined,
  /** what the output being written was to show (io.out's `ifLost`) */
  note: undefined as string | undefined,
  failed: { stdout: false, stderr: false },
  /** of those, the ones whose reader closed the pipe (EPIPE): no failure of the command's */
  closedByReader: { stdout: false, stderr: false },
};

function processIO(): CliIO {
  return {
    cwd: currentDirectory(),
    out: (t, ifLost) => {
      if (streams.failed.stdout) return;
      if (ifLost !== undefined) streams.note = ifLost; // kept: the write it goes with may be the one that fails
      process.stdout.write(t.endsWith("\n") ? t : t + "\n");
    },
    err: (t) => {
      if (!streams.failed.stderr) process.stderr.write(t.endsWith("\n") ? t : t + "\n");
    },
    // strictly, as files are (commands/request-json.ts): a byte that is not UTF-8 is refused, not replaced
    readStdin: async (limit) => {
      try {
        // capped as a file for the same option is (runtime/bounded-read.ts): `< /dev/zero` would be
        // read until memory runs out
        return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(readFdBounded(0, limit.bytes));
      } catch (e) {
        if (e instanceof TooLargeError) throw new Error(tooLargeMessage("standard input", e, limit.what));
        if (e instanceof TypeError) throw new Error("standard input is not UTF-8 text");
        throw e;
      }
    },
  };
}

/**
 * The working directory, or CWD_GONE when it has been removed (`mkdir d; cd d; rmdir ../d`): a
 * command given absolute paths, or none, still runs; a relative path then fails where it is resolved
 * (commandFailure says so in one line).
 */
function currentDirectory(): string {
  try {
    return process.cwd();
  } catch {
    return CWD_GONE;
  }
}

function help(all: readonly Command[]): string {
  const width = Math.max(...all.map((c) => c.name.length));
  return [
    "writ — compile, check, test and evaluate Writ policies; sign and verify decisions",
    "",
    "usage: writ <command> [options]",
    "",
    ...all.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "writ <command> --help shows a command's options; writ --version the compiler's version.",
    "",
    "Exit status: 0 done (a deny is still done: the decision is the output); 1 refused or failed",
    "(the reason is printed); 2 a command line that means nothing (usage); 70 an internal error",
    "in writ itself (please report it with the command line).",
  ].join("\n");
}

/**
 * The command named `name`. `compile` and `eval` are loaded on their own: the command table imports
 * every command and what it needs (runtime, signing, formatting), which would delay the start of
 * their AssemblyScript thread on every run. (`writ test` compiles in this thread instead: a fresh
 * asc thread per file loses to one warm in-process asc from the second file on.)
 */
async function findCommand(name: string): Promise<{ command: Command | undefined; all: () => Promise<readonly Command[]> }> {
  const all = async () => (await import("./commands/index.js")).commands;
  if (name === "compile") return { command: (await import("./commands/compile.js")).compileCommand, all };
  if (name === "eval") return { command: (await import("./commands/eval.js")).evalCommand, all };
  return { command: (await all()).find((c) => c.name === name), all };
}

/**
 * `io` as commands print through it: every message and line of output escaped (terminal-text.ts),
 * what the command line gave included, but a file's own text printed as it is (printVerbatim), and
 * JSON for programs without looking for the command line in it (printJson).
 */
function terminalIO(io: CliIO, argv: readonly string[]): CliIO {
  const pieces = layoutPieces(argv);
  const shown: CliIO = {
    cwd: io.cwd,
    out: (t, ifLost) => (ifLost === undefined ? io.out(terminalText(t, pieces)) : io.out(terminalText(t, pieces), terminalText(ifLost, pieces))),
    err: (t) => io.err(terminalText(t, pieces)),
    readStdin: (limit) => io.readStdin(limit),
  };
  verbatimOut.set(shown, (t) => io.out(t));
  // JSON: its strings hold no raw control character; what else JSON leaves (U+2028, DEL) is escaped
  machineOut.set(shown, (t) => io.out(terminalText(t)));
  return shown;
}

/** Commands that run no WebAssembly: the policy's syntax and types, and keys. */
const WITHOUT_WEBASSEMBLY: ReadonlySet<string> = new Set(["fmt", "check", "keygen"]);

export async function main(argv: readonly string[], given: CliIO): Promise<number> {
  const io = terminalIO(given, argv);
  // the command, once known, as messages name it; before that, `writ`
  const named = { prefix: "writ" };
  try {
    return await runCommandLine(argv, io, named);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`${named.prefix}: ${e.message} (${named.prefix} --help shows the options)`);
      return EXIT_USAGE;
    }
    const failure = environmentFailure(e);
    if (failure !== undefined) {
      io.err(`${named.prefix}: ${failure}`);
      return EXIT_FAILURE;
    }
    // A command must turn bad input into diagnostics; reaching here is a bug in writ itself.
    io.err(`${named.prefix}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return EXIT_INTERNAL;
  }
}

async function runCommandLine(argv: readonly string[], io: CliIO, named: { prefix: string }): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const { commands } = await import("./commands/index.js");
    // asked for, the help is the output; with no command at all it is a usage error, and goes where
    // every other usage error goes (a script's `writ "$CMD"` must not print it into its output)
    if (name === undefined) {
      io.err(help(commands));
      return EXIT_USAGE;
    }
    io.out(help(commands));
    return 0;
  }
  if (name === "--version" || name === "-V") {
    const { compilerVersion } = await import("../compiler/driver.js");
    io.out(`writ ${compilerVersion()}`);
    return 0;
  }
  streams.command = name;
  const { command, all } = await findCommand(name);
  if (!command) {
    io.err(`writ: unknown command \`${name}\`\n\n${help(await all())}`);
    return EXIT_USAGE;
  }
  named.prefix = `writ ${name}`;
  if (rest.includes("--help") || rest.includes("-h")) {
    io.out(command.usage);
    return 0;
  }
  // Compiling runs binaryen as WebAssembly, and deciding runs the module: a Node started with
  // --jitless or --no-expose-wasm has no WebAssembly, which is said once here rather than as a fault
  // of the policy or the bundle. Formatting, checking and making keys need none.
  if (typeof WebAssembly === "undefined" && !WITHOUT_WEBASSEMBLY.has(name)) {
    io.err(`writ ${name}: this Node has no WebAssembly (was it started with --jitless or --no-expose-wasm?), which writ ${name} needs to compile or run a decision module`);
    return EXIT_FAILURE;
  }
  return await command.run(rest, io);
}

/** Runs the command line this process was started with, as the `writ` program (writ.ts calls it). */
export function runAsProgram(): void {
  // every command is one-shot: it compiles at most once and exits. So no optimising tier for
  // WebAssembly (binaryen's hot code is never worth it here, and the process would wait for those
  // compiles at exit), and asc from the code cache built at install time when a valid one exists
  // (see asc.ts, asc-cache.ts). A long-running command (a server) must not run under these flags.
  tuneForOneShotCompile();
  preferAscCodeCache();
  // Ctrl-C or a SIGTERM while a file is written waits for the write to end, and leaves no temporary
  // file, nor a log's lock
  cleanUpOnSignals();
  for (const which of ["stdout", "stderr"] as const) process[which].on("error", (e: NodeJS.ErrnoException) => onStreamError(which, e));
  main(process.argv.slice(2), processIO()).then(
    (code) => {
      // a command that finished but whose output was lost has not done what it was asked (output a
      // reader chose not to read was not lost)
      const lost = (which: "stdout" | "stderr") => streams.failed[which] && !streams.closedByReader[which];
      process.exitCode = code === 0 && (lost("stdout") || lost("stderr")) ? 1 : code;
    },
    (e: unknown) => {
      // main turns every failure into a status; this is writ itself failing outside it (printing
      // the failure threw): one line, no trace, the status of an internal error
      try {
        writeSync(2, terminalText(`writ: internal error: ${e instanceof Error ? e.message : String(e)}`) + "\n");
      } catch {
        /* standard error cannot be written either: the exit status says it */
      }
      process.exitCode = EXIT_INTERNAL;
    },
  );
}

/**
 * Standard output or error could not be written. `writ ... | head` closing the pipe early is the
 * reader's choice, not an error: nothing more is written to it, and the command runs to its end and
 * exits with its own status. (Exiting at once, the status was the one known so far: `writ check
 * bad.writ ... | head -1` exited 0 before the files were checked, and a gate under `set -o pipefail`
 * passed failing policies.) Any other failure (ENOSPC, EIO) is said in one line on standard error,
 * when that can still be written, with what the lost output was to show; the command runs to its
 * end, writing nothing more to the failed stream, and exits 1.
 */
function onStreamError(which: "stdout" | "stderr", e: NodeJS.ErrnoException): void {
  if (streams.failed[which]) return;
  streams.failed[which] = true;
  if (e.code === "EPIPE") {
    streams.closedByReader[which] = true;
    return;
  }
  if (!process.exitCode) process.exitCode = 1;
  if (which === "stderr" || streams.failed.stderr) return;
  const note = streams.note === undefined ? "" : `; ${streams.note}`;
  const line = terminalText(`writ${streams.command === undefined ? "" : ` ${streams.command}`}: cannot write standard output: ${systemErrorText(e)}${note}`, layoutPieces(process.argv)) + "\n";
  try {
    writeSync(2, line); // directly: the line must not wait behind a stream that may fail in turn
  } catch {
    /* standard error cannot be written either: the exit status says it */
  }
}
