// What the compile, check, eval and test commands share: reading a policy file, compiling it, and
// printing diagnostics the way every command prints them.

import { statSync } from "node:fs";
import { givenPath } from "../../runtime/given-path.js";
import { readFileBounded, READ_LIMITS, TooLargeError, tooLargeMessage } from "../../runtime/bounded-read.js";
import { compilePolicy, type CompileOptions, type CompileResult } from "../../compiler/driver.js";
import { hasErrors, renderDiagnostics, type RenderOptions } from "../../compiler/diagnostics.js";
import { EMPTY_PATH, type CliIO } from "../io.js";
import { decodeUtf8, unreachableFileText } from "../text-files.js";
import { escapeControls } from "../../runtime/thrown.js";

export type ReadResult = { ok: true; text: string; path: string } | { ok: false; message: string };

/** The text of the policy source `file`: a regular file of strict UTF-8, up to READ_LIMITS.policy. */
export function readText(io: CliIO, file: string): ReadResult {
  if (file === "") return { ok: false, message: EMPTY_PATH };
  const path = givenPath(io.cwd, file);
  try {
    const st = statSync(path);
    if (st.isDirectory()) return { ok: false, message: `${file}: is a directory, expected a .writ file` };
    // a FIFO would block the command until something wrote to it, and a device has no end: a policy
    // is a file, as `writ test` finds them
    if (!st.isFile()) return { ok: false, message: `${file}: not a regular file` };
    // lines counted as the policy's diagnostics count them: a lone CR ends one
    const decoded = decodeUtf8(readFileBounded(path, READ_LIMITS.policy), "lf-or-cr");
    return decoded.ok ? { ok: true, text: decoded.text, path } : { ok: false, message: `${file}:${decoded.line}: not UTF-8 text` };
  } catch (e) {
    if (e instanceof TooLargeError) return { ok: false, message: tooLargeMessage(file, e, "a policy source") };
    return { ok: false, message: unreachableFileText(file, e) };
  }
}

/**
 * Compiles a policy file for `writ <command>`; prints its diagnostics (warnings too) to stderr, as
 * many as `render` says (`--max-diagnostics`: maxDiagnosticsOption), then how many more there were.
 */
export async function compileFile(io: CliIO, command: string, file: string, options: CompileOptions = {}, render: RenderOptions = {}): Promise<CompileResult | undefined> {
  const read = readText(io, file);
  // the file may be named as found in a directory (writ check, writ test): its name escaped, as the
  // diagnostics escape it
  if (!read.ok) {
    io.err(`writ ${command}: ${escapeControls(read.message)}`);
    return undefined;
  }
  const result = await compilePolicy(read.text, { ...options, fileName: file });
  if (result.diagnostics.length > 0) io.err(renderDiagnostics(result.diagnostics, result.source, render) + "\n");
  return result;
}

export function failed(result: CompileResult | undefined): boolean {
  return result === undefined || hasErrors(result.diagnostics);
}

/** Summary line after diagnostics, e.g. `policies/x.writ: 2 errors, 1 warning`. */
export function countLine(file: string, result: CompileResult): string {
  const errors = result.diagnostics.filter((d) => d.severity === "error").length;
  const warnings = result.diagnostics.length - errors;
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  return `${file}: ${plural(errors, "error")}, ${plural(warnings, "warning")}`;
}
