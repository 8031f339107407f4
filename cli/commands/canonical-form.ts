// One policy file's canonical form, as every mode of `writ fmt` needs it: printed, written over the
// file (--write) or compared with it (--check). Needs only the syntax phase: a file with syntax
// errors has no canonical form (its diagnostics are printed instead), so formatting cannot lose text
// the parser did not understand; nor has one with a quoted name fmt could not print so that it
// shows (W0702, hidden-characters.ts).

import { hasErrors, renderDiagnostics, type RenderOptions } from "../../compiler/diagnostics.js";
import { formatPolicy, MAX_SOURCE_LENGTH, parsePolicy, W } from "../../compiler/syntax/index.js";
import { formattedTooLarge } from "../../compiler/syntax/format-size.js";
import { lintHiddenCharacters } from "../../compiler/syntax/hidden-characters.js";
import { append } from "../../runtime/arrays.js";
import { missingHeaderDiagnostic } from "../../compiler/check/codes.js";
import type { CliIO } from "../io.js";
import { escapeControls } from "../../runtime/thrown.js";
import { readText } from "./policy-source.js";

/**
 * `text`, the file as read, and `formatted`, its canonical form (equal when the file is formatted);
 * `path`, the file resolved. Not ok: the file has no canonical form fmt may give, and why has been
 * said on stderr.
 */
export type CanonicalForm = { ok: true; text: string; formatted: string; path: string } | { ok: false };

/**
 * The canonical form of the policy `file`, or, having printed why there is none (unreadable,
 * diagnostics, a canonical form that would not parse or would be too long), not ok.
 */
export function canonicalForm(io: CliIO, file: string, render: RenderOptions): CanonicalForm {
  const read = readText(io, file);
  // the file may be named as found in a directory: its name escaped, as the diagnostics escape it
  if (!read.ok) {
    io.err(`writ fmt: ${escapeControls(read.message)}`);
    return { ok: false };
  }
  const { text, path } = read;
  const source = { name: file, text };
  const { ast, diagnostics } = parsePolicy(source);
  // A quoted field name holding a character no reader can see, in `has()` (W0702), has no form fmt
  // could print it in that shows it: refused here as by every other command. (Its warnings, W0701,
  // are `writ check`'s to say.)
  if (!hasErrors(diagnostics)) append(diagnostics, lintHiddenCharacters(ast, text).filter((d) => d.severity === "error"));
  // A file without a header (empty, white space, comments: what `writ fmt p.writ > p.writ` reads,
  // the shell having emptied the file first) is no policy, as every other command says
  if (!ast.header && !hasErrors(diagnostics)) diagnostics.push(missingHeaderDiagnostic());
  if (hasErrors(diagnostics)) {
    io.err(renderDiagnostics(diagnostics, source, render) + "\n");
    return { ok: false };
  }
  // An annotation on the line where the rule before it ends (W0703) is the next rule's, and the
  // canonical form puts it on that rule's line: the layout that showed which rule its author may
  // have meant is gone once formatted, so the warning is said here, on stderr, as it is done (or,
  // with --check, before it is).
  const misplaced = diagnostics.filter((d) => d.code === W.AnnotationAfterDeclaration);
  if (misplaced.length > 0) io.err(renderDiagnostics(misplaced, source, render) + "\n");
  const formatted = formatPolicy(ast, source);
  // The canonical form adds parentheses (around `&&` inside `||`, around a `?:` in another), which
  // count towards the nesting limit: near it, the formatted text may not parse. Checked before it
  // is printed or written, so a file is never replaced by one that does not compile.
  const again = parsePolicy({ name: file, text: formatted });
  // A canonical form longer than the parser takes (deep data broken over indented lines) is said
  // as such, with help on formatting: the parser's W0114 help is on compiling, and the file is
  // within the limits as it is.
  const tooLarge = formattedTooLarge(text, formatted, MAX_SOURCE_LENGTH, again.diagnostics);
  if (tooLarge !== undefined) {
    io.err(`writ fmt: ${escapeControls(file)}: its canonical form ${tooLarge.what}, so the file is left as it is\n  = help: ${tooLarge.help}`);
    return { ok: false };
  }
  if (hasErrors(again.diagnostics)) {
    io.err(`writ fmt: ${escapeControls(file)}: its canonical form would not parse, so it is left as it is:\n${renderDiagnostics(again.diagnostics, { name: `${file} (formatted)`, text: formatted }, render)}\n`);
    return { ok: false };
  }
  return { ok: true, text, formatted, path };
}
