// Diagnostics are values: every phase returns them instead of throwing for bad user input.
// They are collected, sorted by position, capped, and rendered as
//   file:line:col: error[code]: message
//      |
//   12 |   forbid x when principal.tenat != resource.owner
//      |                           ^^^^^
// Message style (from Cedar's guide): lowercase, no trailing period, user input in backticks.

import { type SourceFile, type Span } from "./source.js";
import { diagnosticsArgument, sourceFileArgument } from "./arguments.js";
import { type LineIndex, buildLineIndex, continuesCodePoint, offsetInText, placeOf, stepCodePoints } from "./line-index.js";
import { clip, escapeControls } from "../runtime/thrown.js";
import { cellWidth } from "./cell-width.js";
import { optionNames } from "../runtime/option-names.js";
import { ownMember } from "../runtime/own.js";
import { knownOptions, ownOptionOf, shownValue } from "./option-reading.js";

export type Severity = "error" | "warning";

export interface Diagnostic {
  /** stable code from docs/language.md, e.g. `W0101`; tests match on it */
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly span: Span;
  /** the file the span points into; filled in by the compile driver when absent */
  readonly file?: string;
  readonly help?: string;
}

/** Longest name a message quotes, in UTF-16 units: a name of a megabyte must not make each message one. */
export const MAX_QUOTED_NAME = 80;

/**
 * A name a policy gives (a name or function it uses, a field, a type, a constant, a rule, an
 * annotation, a test, a key, the policy's own) as a message quotes it: cut after MAX_QUOTED_NAME
 * UTF-16 units (ending with `…`), with every control, line or paragraph separator, zero-width and
 * bidirectional character escaped, so that it stays on the message's line and reads as it is.
 */
export function quotedName(name: string): string {
  return escapeControls(clip(name, MAX_QUOTED_NAME));
}

/**
 * `code` as a message quotes it: in backticks, or, where it holds a backtick, between a run of
 * backticks longer than any in it, a space inside each end (`` `x` ``, as Markdown writes such code):
 * a backtick in it is shown as itself, where one replaced by another character (`'`) quoted code
 * that was not written.
 */
export function inBackticks(code: string): string {
  if (!code.includes("`")) return "`" + code + "`";
  const longest = Math.max(...code.match(/`+/g)!.map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  return `${fence} ${code} ${fence}`;
}

/** Most names a message lists (the names in scope, a record's fields); the rest are counted. */
export const MAX_LISTED_NAMES = 10;

/** Names as a message lists them: each quoted (quotedName) in backticks, at most MAX_LISTED_NAMES, then how many more. */
export function listedNames(names: readonly string[]): string {
  const shown = names.slice(0, MAX_LISTED_NAMES).map((n) => `\`${quotedName(n)}\``).join(", ");
  return names.length > MAX_LISTED_NAMES ? `${shown} and ${(names.length - MAX_LISTED_NAMES).toLocaleString("en-US")} more` : shown;
}

export function error(code: string, message: string, span: Span, help?: string): Diagnostic {
  return help === undefined ? { code, severity: "error", message, span } : { code, severity: "error", message, span, help };
}

export function warning(code: string, message: string, span: Span, help?: string): Diagnostic {
  return help === undefined ? { code, severity: "warning", message, span } : { code, severity: "warning", message, span, help };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/**
 * The codes of the compiler's own faults, or its host's, never the policy's (docs/language.md:
 * "internal"): a generated module asc could not compile, asc that could not be loaded, a module
 * outside the determinism profile, prototypes carrying a planted property (W0904), a stack that ran
 * out (W0905). Compiling the same text again may succeed, so such a result is not cached.
 */
const COMPILER_FAULTS: ReadonlySet<string> = new Set(["W0901", "W0903", "W0904", "W0905"]);

/** Whether any of `diagnostics` is a fault of the compiler's rather than of the policy's. */
export function hasCompilerFault(diagnostics: readonly Pick<Diagnostic, "code">[]): boolean {
  return diagnostics.some((d) => COMPILER_FAULTS.has(d.code));
}

/**
 * The most diagnostics renderDiagnostics shows for one file unless told otherwise (`writ`'s
 * `--max-diagnostics`): a file broken throughout (a paste of another language) would otherwise bury
 * the first, which is often the cause of the rest. Those not shown are counted in one line.
 */
export const MAX_DIAGNOSTICS = 50;

/** Sorts by position (then code) and drops exact duplicates, so output is stable. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of [...diagnostics].sort(
    (a, b) => a.span.start - b.span.start || a.span.end - b.span.end || a.code.localeCompare(b.code),
  )) {
    const key = `${d.code}:${d.span.start}:${d.span.end}:${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out;
}

/** A line longer than this is shown from SHOWN_BEFORE characters before a span's start to SHOWN_AFTER after. */
const SHOWN_LINE = 160;
const SHOWN_BEFORE = 60;
const SHOWN_AFTER = 100;

/**
 * Each source's line index, built for the first of its diagnostics rendered and kept as long as the
 * source is: every diagnostic of a file is placed in it by a binary search, not by a rescan of the
 * file from its start (quadratic over tens of thousands of diagnostics on a long line). An index is
 * of the text it was built for: a source given another text is indexed again.
 */
const lineIndexes = new WeakMap<SourceFile, LineIndex>();

function lineIndexOf(source: SourceFile, text: string): LineIndex {
  const known = lineIndexes.get(source);
  if (known !== undefined && known.text === text) return known;
  const index = buildLineIndex(text);
  lineIndexes.set(source, index);
  return index;
}

/** Renders one diagnostic with its source line and a caret under the span. */
export function renderDiagnostic(d: Diagnostic, source: SourceFile): string {
  const text = source.text;
  const index = lineIndexOf(source, text);
  const start = offsetInText(text, d.span.start);
  const { line, column, textStart, codePoints } = placeOf(index, start);
  // the optional members as the diagnostic holds them: one it lacks is not what Object.prototype
  // holds under the name (a planted `help` would add its line to every diagnostic, a planted `file`
  // name another file)
  const file = ownMember(d, "file") as string | undefined;
  const help = ownMember(d, "help") as string | undefined;
  // a file's name is any text: escaped, it cannot end the line or forge another diagnostic
  const head = `${escapeControls(file ?? source.name)}:${line}:${column}: ${d.severity}[${d.code}]: ${d.message}`;
  const gutter = String(line).length;
  const pad = " ".repeat(gutter);
  // a long line (a constant of a thousand elements, a minified file) is shown around the span only,
  // with `…` where it was cut, rather than as megabytes of one line; only the code points shown are
  // taken from the text, `from` to `to` of the line's
  const whole = codePoints <= SHOWN_LINE;
  const from = whole ? 0 : Math.max(0, column - 1 - SHOWN_BEFORE);
  const to = whole ? codePoints : Math.min(codePoints, column - 1 + SHOWN_AFTER);
  // the line's code point `column - 1` starts at the span's start, or just past it when the span
  // starts within a surrogate pair (whose first half the column counts)
  const columnAt = start < textStart ? textStart : continuesCodePoint(text, start) ? start + 1 : start;
  const chars = [...text.slice(stepCodePoints(text, columnAt, from - (column - 1)), stepCodePoints(text, columnAt, to - (column - 1)))];
  const at = column - 1 - from; // the span's first code point among those shown
  const cutBefore = from > 0 ? "…" : "";
  // control characters (an ESC in a string literal) are shown escaped, as \u001b: the terminal is
  // not to act on them; the caret counts the escape's width
  const shownText = cutBefore + chars.map(shownChar).join("") + (to < codePoints ? "…" : "");
  const spanChars = spanCodePointsOnLine(text, start, d.span.end, to - (column - 1));
  const width = Math.max(1, chars.slice(at, at + spanChars).reduce((n, c) => n + shownWidth(c), 0));
  // under the line as the terminal shows it: a tab before the span is echoed as a tab, so the caret
  // lands where the tab stop puts the text (one space per tab would leave it short)
  const before = (cutBefore ? " " : "") + chars.slice(0, at).map((c) => (c === "\t" ? "\t" : " ".repeat(shownWidth(c)))).join("");
  const caret = before + "^".repeat(width);
  const lines = [head, `${pad} |`, `${line} | ${shownText}`, `${pad} | ${caret}`];
  if (help) lines.push(`${pad} = help: ${help}`);
  return lines.join("\n");
}

/**
 * The code points the caret marks: those of the span up to the first `\n` from its start, but at
 * most `most` (those shown after the span's start). They are counted over the first `2 * most`
 * UTF-16 units only, which hold at least `most` code points: a span of megabytes is not copied.
 */
function spanCodePointsOnLine(text: string, start: number, end: number, most: number): number {
  if (most <= 0) return 0;
  const window = text.slice(start, Math.min(end, start + 2 * most));
  const newline = window.indexOf("\n");
  return Math.min([...(newline < 0 ? window : window.slice(0, newline))].length, most);
}

/** A character of a shown source line: itself, a tab as a tab, a control character as its escape. */
function shownChar(c: string): string {
  return c === "\t" ? c : escapeControls(c);
}

/**
 * The cells a character of a shown line takes on a terminal: its escape's length where it is shown
 * escaped, else as the terminal gives it (cellWidth): two for a wide character (`管`, an emoji),
 * none for a combining mark (the accent of `é` written as `e` and U+0301), one for the rest.
 */
function shownWidth(c: string): number {
  const shown = shownChar(c);
  return shown === c ? cellWidth(c) : shown.length;
}

/** How renderDiagnostics shows a file's diagnostics. */
export interface RenderOptions {
  /** the most shown, the first by position: a whole number from 1, or Infinity for all (default MAX_DIAGNOSTICS) */
  readonly max?: number;
  /** said after the count of those not shown, such as how to see them */
  readonly moreHelp?: string;
}

/** The names RenderOptions has: any other is refused (`{ Max: 3 }` must not render the default 50). */
const RENDER_OPTIONS = optionNames<RenderOptions>({ max: true, moreHelp: true });

/**
 * The options a rendering runs with, each read once as the object holds it (a `max` planted on
 * Object.prototype is no option the host gave). Throws a TypeError for options that are no object,
 * a name RenderOptions does not have, or an option that is not of its type, and a RangeError for a
 * `max` that is a number but not a whole number from 1 or Infinity.
 */
function readRenderOptions(options: unknown): { readonly max: number; readonly moreHelp: string | undefined } {
  const what = "renderDiagnostics";
  const given = knownOptions(what, options, RENDER_OPTIONS);
  const max = ownOptionOf(what, given, "max") ?? MAX_DIAGNOSTICS;
  const moreHelp = ownOptionOf(what, given, "moreHelp");
  if (max !== Infinity && !(Number.isSafeInteger(max) && (max as number) >= 1)) {
    const problem = `${what}: max must be a whole number from 1, or Infinity for all, got ${shownValue(max)}`;
    throw typeof max === "number" ? new RangeError(problem) : new TypeError(problem);
  }
  if (moreHelp !== undefined && typeof moreHelp !== "string") throw new TypeError(`${what}: moreHelp must be a string, got ${shownValue(moreHelp)}`);
  return { max: max as number, moreHelp };
}

/**
 * Renders a list of diagnostics for one file, sorted by position: the first `max` of them, then, when
 * there were more, one line saying how many were not shown (`... and 10 more diagnostics: the first
 * 50 of 60 are shown`). Throws a TypeError for options that are no object, hold a name RenderOptions
 * does not have or an option that is not of its type, and a RangeError for a `max` that is not a
 * whole number from 1 or Infinity.
 */
export function renderDiagnostics(diagnostics: readonly Diagnostic[], source: SourceFile, options: RenderOptions = {}): string {
  const { max, moreHelp } = readRenderOptions(options);
  const sorted = sortDiagnostics(diagnosticsArgument("renderDiagnostics", diagnostics));
  const file = sourceFileArgument("renderDiagnostics", source, ["diagnostics"]);
  const shown = sorted.slice(0, max).map((d) => renderDiagnostic(d, file));
  if (sorted.length > max) {
    const more = sorted.length - max;
    const count = (n: number) => n.toLocaleString("en-US");
    shown.push(`... and ${count(more)} more diagnostic${more === 1 ? "" : "s"}: ${max === 1 ? `the first of ${count(sorted.length)} is shown` : `the first ${count(max)} of ${count(sorted.length)} are shown`}${moreHelp ? `; ${moreHelp}` : ""}`);
  }
  return shown.join("\n\n");
}

/** Exhaustive switches over node kinds end here: a missing case is a type error. */
export function assertUnreachable(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}
