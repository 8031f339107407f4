// Creating the directory a command writes into (`-o`), with the reason in words when it cannot be.

import { mkdirSync } from "node:fs";
import type { CliIO } from "./io.js";

/** Creates `dir` (and its parents); on failure prints why, prefixed `writ <command>:`, and returns false. */
export function makeOutputDir(io: CliIO, command: string, dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "EEXIST" || code === "ENOTDIR" ? "a file is in the way" : e instanceof Error ? e.message : String(e);
    io.err(`writ ${command}: cannot create the output directory ${dir}: ${why}`);
    return false;
  }
}
