// Reading a request as JSON, for the commands that take one (`eval`, `authorize`, `verify`,
// `replay`). Kept apart from the rest so that a command can read its request before loading the
// compiler or the runtime.

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { CliIO } from "../io.js";
import { jsonAmbiguity } from "../json-ambiguity.js";

/** The text of a file or (`-`) standard input, and the name messages give it. */
async function readInput(io: CliIO, file: string): Promise<{ ok: true; text: string; name: string } | { ok: false; message: string }> {
  try {
    const text = file === "-" ? await io.readStdin() : readFileSync(resolve(io.cwd, file), "utf8");
    return { ok: true, text, name: file === "-" ? "standard input" : file };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { ok: false, message: `${file}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (e as Error).message}` };
  }
}

/** Reads a request as JSON from a file or (`-`) standard input. */
export async function readRequestJson(io: CliIO, file: string): Promise<{ ok: true; value: unknown } | { ok: false; message: string }> {
  const input = await readInput(io, file);
  if (!input.ok) return input;
  const { text, name } = input;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, message: `${name}: not valid JSON: ${(e as Error).message}` };
  }
  const ambiguity = jsonAmbiguity(text);
  return ambiguity === undefined ? { ok: true, value } : { ok: false, message: `${name}:${ambiguity}` };
}

/**
 * Reads a list of requests from a file or (`-`) standard input: a JSON array, or JSON Lines (one
 * request per line; blank lines are skipped). Errors name the line that is not JSON.
 */
export async function readRequestList(io: CliIO, file: string): Promise<{ ok: true; values: unknown[] } | { ok: false; message: string }> {
  const input = await readInput(io, file);
  if (!input.ok) return input;
  const { text, name } = input;
  if (text.trimStart().startsWith("[")) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      return { ok: false, message: `${name}: not a valid JSON array: ${(e as Error).message}` };
    }
    if (!Array.isArray(value)) return { ok: false, message: `${name}: expected a JSON array of requests or JSON Lines` };
    const ambiguity = jsonAmbiguity(text);
    if (ambiguity !== undefined) return { ok: false, message: `${name}:${ambiguity}` };
    return value.length > 0 ? { ok: true, values: value } : { ok: false, message: `${name}: the array holds no requests` };
  }
  const values: unknown[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    try {
      values.push(JSON.parse(line));
    } catch (e) {
      return { ok: false, message: `${name}:${i + 1}: not valid JSON: ${(e as Error).message}` };
    }
  }
  const ambiguity = jsonAmbiguity(text);
  if (ambiguity !== undefined) return { ok: false, message: `${name}:${ambiguity}` };
  return values.length > 0 ? { ok: true, values } : { ok: false, message: `${name}: no requests (expected a JSON array or JSON Lines)` };
}
