// `writ fmt <file> [--write] [--max-diagnostics N]`: print a policy in canonical form, or rewrite the file in place.
// Needs only the syntax phase: a file with syntax errors is never rewritten (its diagnostics are
// printed instead), so formatting cannot lose text the parser did not understand; nor is one with a
// quoted name fmt could not print so that it shows (W0702, hidden-characters.ts).

import { hasErrors, renderDiagnostics } from "../../compiler/diagnostics.js";
import { formatPolicy, MAX_SOURCE_LENGTH, parsePolicy, W } from "../../compiler/syntax/index.js";
import { formattedTooLarge } from "../../compiler/syntax/format-size.js";
import { lintHiddenCharacters } from "../../compiler/syntax/hidden-characters.js";
import { append } from "../../runtime/arrays.js";
import { missingHeaderDiagnostic } from "../../compiler/check/codes.js";
import { commandLineProblem, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, parseArgs, printVerbatim, refuseUsage, unknownFlags, type Command, emptyPathError } from "../io.js";
import { readText } from "./policy-source.js";
import { maxDiagnosticsOption, maxDiagnosticsUsage } from "./max-diagnostics.js";
import { FileWriteError, replaceFile } from "../../runtime/file-write.js";

export const fmtCommand: Command = {
  name: "fmt",
  summary: "print a policy in canonical form (--write rewrites the file)",
  usage: [
    "usage: writ fmt <file.writ> [--write] [--max-diagnostics N]",
    "",
    "Prints the canonical formatting of a policy to stdout. With --write, rewrites the file instead",
    "(only when it changes). A file with syntax errors, or with no `policy \"name\" version \"x.y.z\"`",
    "header (an empty file, only white space or comments), is left alone: its diagnostics go to",
    "stderr (the first 50, then how many more there are) and the exit code is 1. So is one whose",
    "canonical form would not parse, or would be longer than a policy may be (4 MiB, 300,000 tokens:",
    "data too long for one line is broken one entry a line, indented two spaces a level of nesting;",
    "a character that cannot be seen is written as its escape; parentheses and commas are added).",
    "",
    "  -w, --write            rewrite the file with the canonical text instead of printing it",
    maxDiagnosticsUsage(25),
    "",
    "--write replaces the file whole: the new text is written to a temporary file beside it and",
    "renamed over it, so a full disk or a killed run leaves the old text, never a part. The file",
    "keeps its mode; a symbolic link is followed (the file it points to is replaced). As with",
    "`sed -i`, the file is a new one: another hard link to the old file keeps the old text, and",
    "its directory must let a file be created in it.",
  ].join("\n"),
  async run(args, io) {
    const parsed = parseArgs(args, ["write", "w"]);
    const unknown = unknownFlags(parsed, ["write", "w", "max-diagnostics"]);
    const problem = commandLineProblem("fmt", parsed, unknown, { what: "<file.writ>", min: 1, max: 1 });
    // an unknown option is said first; then a bad value, before the arguments are counted:
    // `--max-diagnostics p.writ` took the file for the value, and "missing <file.writ>" would not say why
    if (problem !== undefined && unknown.length > 0) return refuseUsage(io, this, problem);
    const shown = maxDiagnosticsOption(parsed, "fmt");
    if (!shown.ok) {
      io.err(shown.message);
      return EXIT_USAGE;
    }
    if (problem !== undefined) return refuseUsage(io, this, problem);
    const file = parsed.positional[0]!;
    const empty = emptyPathError("fmt", [file]);
    if (empty) {
      io.err(empty);
      return EXIT_USAGE;
    }
    const read = readText(io, file);
    if (!read.ok) {
      io.err(`writ fmt: ${read.message}`);
      return EXIT_FAILURE;
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
      io.err(renderDiagnostics(diagnostics, source, shown.render) + "\n");
      return EXIT_FAILURE;
    }
    // An annotation on the line where the rule before it ends (W0703) is the next rule's, and the
    // canonical form puts it on that rule's line: the layout that showed which rule its author may
    // have meant is gone once formatted, so the warning is said here, on stderr, as it is done.
    const misplaced = diagnostics.filter((d) => d.code === W.AnnotationAfterDeclaration);
    if (misplaced.length > 0) io.err(renderDiagnostics(misplaced, source, shown.render) + "\n");
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
      io.err(`writ fmt: ${file}: its canonical form ${tooLarge.what}, so the file is left as it is\n  = help: ${tooLarge.help}`);
      return EXIT_FAILURE;
    }
    if (hasErrors(again.diagnostics)) {
      io.err(`writ fmt: ${file}: its canonical form would not parse, so it is left as it is:\n${renderDiagnostics(again.diagnostics, { name: `${file} (formatted)`, text: formatted }, shown.render)}\n`);
      return EXIT_FAILURE;
    }
    if (parsed.flags.has("write") || parsed.flags.has("w")) {
      if (formatted !== text) {
        try {
          replaceFile(path, formatted);
        } catch (e) {
          io.err(`writ fmt: cannot write ${file}: ${e instanceof FileWriteError ? e.reason : e instanceof Error ? e.message : String(e)}; it is left as it was`);
          return EXIT_FAILURE;
        }
      }
      return EXIT_OK;
    }
    // the policy's own text (a comment may hold any character), as `cat` would print it (never
    // empty: a file without a header was refused above)
    printVerbatim(io, formatted);
    return EXIT_OK;
  },
};
