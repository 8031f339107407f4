// Reading a request as JSON, for the commands that take one (`eval`, `authorize`, `verify`,
// `replay`). Kept apart from the rest so that a command can read its request before loading the
// compiler or the runtime.

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { CliIO } from "../io.js";

/** Reads a request as JSON from a file or (`-`) standard input. */
export async function readRequestJson(io: CliIO, file: string): Promise<{ ok: true; value: unknown } | { ok: false; message: string }> {
  let text: string;
  try {
    text = file === "-" ? await io.readStdin() : readFileSync(resolve(io.cwd, file), "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { ok: false, message: `${file}: ${code === "ENOENT" ? "no such file" : (e as Error).message}` };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, message: `${file === "-" ? "standard input" : file}: not valid JSON: ${(e as Error).message}` };
  }
}
