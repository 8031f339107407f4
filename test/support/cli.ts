// Runs the CLI in this process, as the `writ` binary does, and keeps what it prints: for tests that
// check exit codes and messages without the cost of a child process.

import { main } from "../../cli/main.js";
import type { CliIO, Command } from "../../cli/io.js";

export interface CliRun {
  readonly code: number;
  /** the lines printed to standard output, joined with "\n" */
  readonly out: string;
  /** the lines printed to standard error, joined with "\n" */
  readonly err: string;
}

async function capture(cwd: string, stdin: string, go: (io: CliIO) => Promise<number>): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await go({ cwd, out: (t) => out.push(t), err: (t) => err.push(t), readStdin: async () => stdin });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** `writ <argv>` in `cwd`, through `main` (the terminal escaping included), with `stdin` as standard input. */
export function runWrit(argv: readonly string[], cwd: string, stdin = ""): Promise<CliRun> {
  return capture(cwd, stdin, (io) => main(argv, io));
}

/** One command's `run`, without `main` around it. */
export function runCommand(command: Pick<Command, "run">, args: readonly string[], cwd: string, stdin = ""): Promise<CliRun> {
  return capture(cwd, stdin, (io) => command.run(args, io));
}
