// `writ fmt <file> [--write] [--max-diagnostics N]`: print a policy in canonical form, or rewrite the
// file in place; `writ fmt --check <files or dirs...>`: say which files are not in canonical form,
// writing nothing. A file with no canonical form fmt may give (syntax errors, W0702, a canonical
// form that would not parse or would be too long: canonical-form.ts) is never rewritten, and fails
// a check.

import { statSync } from "node:fs";
import { givenPath } from "../../runtime/given-path.js";
import { commandLineProblem, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, parseArgs, printVerbatim, refuseUsage, unknownFlags, type CliIO, type Command, emptyPathError } from "../io.js";
import type { RenderOptions } from "../../compiler/diagnostics.js";
import { maxDiagnosticsOption, maxDiagnosticsUsage } from "./max-diagnostics.js";
import { canonicalForm } from "./canonical-form.js";
import { FileWriteError, replaceFile } from "../../runtime/file-write.js";
import { DIRECTORY_SEARCH, policyFiles } from "../policy-files.js";
import { escapeControls } from "../../runtime/thrown.js";

export const fmtCommand: Command = {
  name: "fmt",
  summary: "print a policy in canonical form (--write rewrites the file, --check lists files not in it)",
  usage: [
    "usage: writ fmt <file.writ> [--write] [--max-diagnostics N]",
    "       writ fmt --check <file.writ | dir>... [--max-diagnostics N]",
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
    "  -c, --check            write nothing: print the path of each file not in canonical form",
    maxDiagnosticsUsage(25),
    "",
    "--write replaces the file whole: the new text is written to a temporary file beside it and",
    "renamed over it, so a full disk or a killed run leaves the old text, never a part. The file",
    "keeps its mode; a symbolic link is followed (the file it points to is replaced). As with",
    "`sed -i`, the file is a new one: another hard link to the old file keeps the old text, and",
    "its directory must let a file be created in it.",
    "",
    "--check takes files and directories, formats each file in memory and compares it with its",
    "bytes. It prints on stdout, one a line, the path of each file whose canonical form differs, as",
    "given or as found in a directory given, and says on stderr how many there are; it prints",
    "nothing for a file already formatted. A file fmt would refuse (syntax errors, no header, not",
    "readable) has its reason on stderr as without --check, and so has a directory it cannot read",
    "or that holds no policy, the other files still checked. Exit 0 when every file is formatted,",
    "1 when one is not or is refused, 2 for a usage error (--check with --write is one: --check",
    "writes nothing).",
    DIRECTORY_SEARCH,
    "Without --check, fmt takes one file, and refuses a directory.",
  ].join("\n"),
  async run(args, io) {
    const parsed = parseArgs(args, ["write", "w", "check", "c"]);
    const unknown = unknownFlags(parsed, ["write", "w", "check", "c", "max-diagnostics"]);
    const checking = parsed.flags.has("check") || parsed.flags.has("c");
    const writing = parsed.flags.has("write") || parsed.flags.has("w");
    const problem = commandLineProblem("fmt", parsed, unknown, { what: checking ? "<file.writ | dir>" : "<file.writ>", min: 1, max: checking ? Number.POSITIVE_INFINITY : 1 });
    // an unknown option is said first; then a bad value, before the arguments are counted:
    // `--max-diagnostics p.writ` took the file for the value, and "missing <file.writ>" would not say why
    if (problem !== undefined && unknown.length > 0) return refuseUsage(io, this, problem);
    const shown = maxDiagnosticsOption(parsed, "fmt");
    if (!shown.ok) {
      io.err(shown.message);
      return EXIT_USAGE;
    }
    // a check that rewrote files would pass the second time it ran: the two cannot mean one thing
    if (checking && writing) return refuseUsage(io, this, "--check and --write cannot be given together: --check writes nothing");
    if (problem !== undefined) return refuseUsage(io, this, problem);
    const empty = emptyPathError("fmt", parsed.positional);
    if (empty) {
      io.err(empty);
      return EXIT_USAGE;
    }
    if (checking) return checkFormatted(io, parsed.positional, shown.render);
    const file = parsed.positional[0]!;
    // one file is printed or rewritten: for a directory, the listing of its files is what --check gives
    if (isDirectory(io, file)) {
      // a directory named `-d` would be read as a flag where the suggestion puts it: after `--`, it is not
      const suggested = file.startsWith("-") && file !== "-" ? `-- ${file}` : file;
      io.err(`writ fmt: ${file}: is a directory: writ fmt prints or rewrites one file; writ fmt --check ${suggested} lists the files in it not in canonical form`);
      return EXIT_FAILURE;
    }
    const form = canonicalForm(io, file, shown.render);
    if (!form.ok) return EXIT_FAILURE;
    if (writing) {
      if (form.formatted !== form.text) {
        try {
          replaceFile(form.path, form.formatted);
        } catch (e) {
          io.err(`writ fmt: cannot write ${file}: ${e instanceof FileWriteError ? e.reason : e instanceof Error ? e.message : String(e)}; it is left as it was`);
          return EXIT_FAILURE;
        }
      }
      return EXIT_OK;
    }
    // the policy's own text (a comment may hold any character), as `cat` would print it (never
    // empty: a file without a header was refused above)
    printVerbatim(io, form.formatted);
    return EXIT_OK;
  },
};

/** Whether `file` is a directory (a link to one too); false for what cannot be followed. */
function isDirectory(io: CliIO, file: string): boolean {
  try {
    return statSync(givenPath(io.cwd, file)).isDirectory();
  } catch {
    return false; // not there, or not to be followed: said as such when it is read (readText)
  }
}

/**
 * `writ fmt --check`: prints the path of each of the files `inputs` name (a directory searched as
 * `writ test` searches it: policyFiles) whose canonical form is not its text, as gofmt -l does, so
 * that a script can pass the list on; every file is looked at, whatever the one before it was. Exit
 * 1 when one is not formatted, or has no canonical form (its reason said on stderr by
 * canonicalForm), or an input could not be used: a check that could not look at a file has not
 * found it formatted.
 */
function checkFormatted(io: CliIO, inputs: readonly string[], render: RenderOptions): number {
  const { files, unusable } = policyFiles(io.cwd, inputs);
  // a name read from a directory is escaped, as writ test escapes it: one holding a line end must not
  // forge a line of the list, which a script reads one path a line
  for (const u of unusable) io.err(`writ fmt: ${escapeControls(u)}`);
  let unformatted = 0;
  let refused = 0;
  for (const file of files) {
    const form = canonicalForm(io, file, render);
    if (!form.ok) refused++;
    else if (form.formatted !== form.text) {
      unformatted++;
      io.out(escapeControls(file));
    }
  }
  // (a file refused, with no canonical form, is said to be one: it was not found formatted either)
  const notChecked = refused === 0 ? "" : `; ${refused === 1 ? "1 file has" : `${refused} files have`} no canonical form, said above`;
  if (unformatted > 0) {
    const many = unformatted === 1 ? "1 file is" : `${unformatted} files are`;
    io.err(`writ fmt: ${many} not in canonical form (of ${files.length} checked)${notChecked}: writ fmt --write <file> rewrites one`);
  }
  return unformatted > 0 || refused > 0 || unusable.length > 0 ? EXIT_FAILURE : EXIT_OK;
}
