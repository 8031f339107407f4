// `writ check <files or dirs...> [--max-cost N] [--max-diagnostics N]`: parse and type-check policies,
// report their diagnostics (the first 50 of a file unless told otherwise), exit 1 on any error.

import { commandLineProblem, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, parseArgs, refuseUsage, unknownFlags, type Command, emptyPathError } from "../io.js";
import { maxCostUsage } from "./max-cost.js";
import { sourceOptions } from "./source-options.js";
import { maxDiagnosticsUsage } from "./max-diagnostics.js";
import { compileFile, countLine, failed } from "./policy-source.js";
import { DIRECTORY_SEARCH, policyFiles } from "../policy-files.js";
import { escapeControls } from "../../runtime/thrown.js";

export const checkCommand: Command = {
  name: "check",
  summary: "report the syntax and type errors in policies",
  usage: [
    "usage: writ check <file.writ | dir>... [--max-cost N] [--max-diagnostics N]",
    "",
    "Parses and type-checks each file and prints its diagnostics with their line, column and a caret:",
    "the first 50 of a file, then how many more there are (--max-diagnostics=0 prints them all).",
    "Exits 1 if any file has an error, and for an input it cannot use (not there, not a regular file,",
    "a directory it cannot read or that holds no policy), having checked the others.",
    DIRECTORY_SEARCH,
    maxCostUsage(25),
    maxDiagnosticsUsage(25),
  ].join("\n"),
  async run(args, io) {
    const parsed = parseArgs(args);
    const unknown = unknownFlags(parsed, ["max-cost", "max-diagnostics"]);
    const problem = commandLineProblem("check", parsed, unknown, { what: "<file.writ | dir>", min: 1, max: Number.POSITIVE_INFINITY });
    // an unknown option is said first; then a bad value, before the arguments are counted:
    // `--max-cost p.writ` took the file for the value, and "missing <file.writ>" would not say why
    if (problem !== undefined && unknown.length > 0) return refuseUsage(io, this, problem);
    const options = sourceOptions(parsed, "check");
    if (!options.ok) {
      io.err(options.message);
      return EXIT_USAGE;
    }
    if (problem !== undefined) return refuseUsage(io, this, problem);
    const { maxCost, shown } = options;
    const empty = emptyPathError("check", parsed.positional);
    if (empty) {
      io.err(empty);
      return EXIT_USAGE;
    }
    // as `writ test` finds them: a CI step given the wrong folder must not pass for checking nothing
    const { files, unusable } = policyFiles(io.cwd, parsed.positional);
    // a name read from a directory is escaped, as writ test escapes it: one holding a line end must
    // not forge a line of the report (`a<LF>writ check: p.writ: 0 errors.writ`)
    for (const u of unusable) io.err(`writ check: ${escapeControls(u)}`);
    let anyFailed = unusable.length > 0;
    for (const file of files) {
      // stop once the module is planned: its memory is checked there (W0902), and nothing up to
      // that point needs AssemblyScript
      const result = await compileFile(io, "check", file, { stopAfter: "plan", maxCost }, shown.render);
      if (failed(result)) anyFailed = true;
      if (result) io.err(countLine(escapeControls(file), result));
    }
    return anyFailed ? EXIT_FAILURE : EXIT_OK;
  },
};
