#!/usr/bin/env node
// The `writ` command line: a table of commands, each in cli/commands/<name>.ts.

import { readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { CliIO, Command } from "./io.js";
import { EXIT_USAGE } from "./io.js";
import { commands } from "./commands/index.js";

function processIO(): CliIO {
  return {
    cwd: process.cwd(),
    out: (t) => process.stdout.write(t.endsWith("\n") ? t : t + "\n"),
    err: (t) => process.stderr.write(t.endsWith("\n") ? t : t + "\n"),
    readStdin: async () => readFileSync(0, "utf8"),
  };
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
    "writ <command> --help shows a command's options.",
  ].join("\n");
}

export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.out(help(commands));
    return name === undefined ? EXIT_USAGE : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`writ: unknown command \`${name}\`\n\n${help(commands)}`);
    return EXIT_USAGE;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    // A command must turn bad input into diagnostics; reaching here is a bug in writ itself.
    io.err(`writ ${name}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return 70;
  }
}

// Run only when executed as a program (directly, or through the npm bin link), not when imported.
function invokedAsProgram(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (invokedAsProgram()) {
  // `writ ... | head` closes the pipe early: that is the reader's choice, not an error
  for (const stream of [process.stdout, process.stderr])
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw e;
    });
  main(process.argv.slice(2), processIO()).then((code) => {
    process.exitCode = code;
  });
}
