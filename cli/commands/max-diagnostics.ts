// `--max-diagnostics N`, how many of a file's diagnostics a command prints (0: all of them). Every
// command that prints a policy's diagnostics takes it, read here the one way, so that the count line
// after the first MAX_DIAGNOSTICS can name it whatever the command.

import { MAX_DIAGNOSTICS, type RenderOptions } from "../../compiler/diagnostics.js";
import { decimalCount, flagString, type ParsedArgs } from "../io.js";
import { escapeControls } from "../../runtime/thrown.js";

/**
 * The option's line in a command's usage text, its description starting at `column`: on a line of
 * its own where the option's name reaches that column.
 */
export function maxDiagnosticsUsage(column: number): string {
  const name = "  --max-diagnostics N";
  const description = `print a file's first N diagnostics (default ${MAX_DIAGNOSTICS}; 0: all)`;
  return name.length < column ? `${name.padEnd(column)}${description}` : `${name}\n${" ".repeat(column)}${description}`;
}

/** `given`: whether the option was given (a bundle directory, which has no diagnostics to print, refuses it). */
export type MaxDiagnosticsOption = { ok: true; render: RenderOptions; given: boolean } | { ok: false; message: string };

/**
 * How a file's diagnostics are to be printed, from `--max-diagnostics` (absent: the first
 * MAX_DIAGNOSTICS), or the usage error to print: a whole number, 0 for all, up to the largest a
 * JavaScript number holds exactly (past it 9007199254740993 would be read as ...992). The refusal
 * names that range, as --max-cost's does: a larger value is a whole number too, and "takes a whole
 * number" refused it without saying why. The line counting those not printed says how to print them.
 */
export function maxDiagnosticsOption(parsed: ParsedArgs, command: string): MaxDiagnosticsOption {
  const text = flagString(parsed, "max-diagnostics");
  const moreHelp = "--max-diagnostics=0 prints them all";
  if (text === undefined) return { ok: true, render: { max: MAX_DIAGNOSTICS, moreHelp }, given: false };
  const max = decimalCount(text);
  if (!Number.isSafeInteger(max))
    return { ok: false, message: `writ ${command}: --max-diagnostics takes a whole number from 0 to ${Number.MAX_SAFE_INTEGER} (0 for all), not \`${escapeControls(text)}\`` };
  return { ok: true, render: { max: max === 0 ? Infinity : max, moreHelp }, given: true };
}

/** The refusal of `--max-diagnostics` with a bundle directory, which is compiled already: ignored, the caller would believe it applied. */
export function maxDiagnosticsWithBundle(command: string): string {
  return `writ ${command}: --max-diagnostics is how many of a .writ source's diagnostics are printed; a bundle directory is compiled already`;
}
