// `writ test <files or dirs...> [--max-cost N] [--max-diagnostics N]`: run every `test` block through both backends.

import { runPolicyTests } from "../../compiler/testing.js";
import { loadPolicy } from "../../runtime/policy.js";
import { lineColIndex } from "../../compiler/source.js";
import { escapeControls } from "../../runtime/thrown.js";
import { commandLineProblem, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, parseArgs, refuseUsage, unknownFlags, type Command, emptyPathError } from "../io.js";
import { maxCostUsage } from "./max-cost.js";
import { sourceOptions } from "./source-options.js";
import { maxDiagnosticsUsage } from "./max-diagnostics.js";
import { compileFile, failed } from "./policy-source.js";
import { DIRECTORY_SEARCH, policyFiles } from "../policy-files.js";

export const testCommand: Command = {
  name: "test",
  summary: "run the tests in policies through both backends",
  usage: [
    "usage: writ test <file.writ | dir>... [--max-cost N] [--max-diagnostics N]",
    "",
    "Runs every `test` block of every policy through the interpreter and the WASM module,",
    "checks the expected decision, deciding rules and errors, and that both backends agree.",
    "Lists rules that no test exercised. Exits 1 on any failure, and when nothing was tested",
    "(an input that holds no policy, or policies without a single test).",
    DIRECTORY_SEARCH,
    maxCostUsage(25),
    maxDiagnosticsUsage(25),
  ].join("\n"),
  async run(args, io) {
    const parsed = parseArgs(args);
    const unknown = unknownFlags(parsed, ["max-cost", "max-diagnostics"]);
    const problem = commandLineProblem("test", parsed, unknown, { what: "<file.writ | dir>", min: 1, max: Number.POSITIVE_INFINITY });
    // an unknown option is said first; then a bad value, before the arguments are counted:
    // `--max-cost p.writ` took the file for the value, and "missing <file.writ>" would not say why
    if (problem !== undefined && unknown.length > 0) return refuseUsage(io, this, problem);
    const options = sourceOptions(parsed, "test");
    if (!options.ok) {
      io.err(options.message);
      return EXIT_USAGE;
    }
    if (problem !== undefined) return refuseUsage(io, this, problem);
    const { maxCost, shown: shownDiagnostics } = options;
    // an unset variable ($DIR) would otherwise test the whole working directory
    const empty = emptyPathError("test", parsed.positional);
    if (empty) {
      io.err(empty);
      return EXIT_USAGE;
    }
    const { files, unusable } = policyFiles(io.cwd, parsed.positional);
    // Everything printed that comes from a file name, a policy or a request is escaped: a name or
    // a refused key holding a line end or an ANSI sequence must not forge a line of the report.
    for (const u of unusable) io.err(`writ test: ${escapeControls(u)}`);
    let passed = 0;
    let failedCount = unusable.length;
    for (const file of files) {
      const shown = escapeControls(file);
      const result = await compileFile(io, "test", file, { maxCost }, shownDiagnostics.render);
      if (failed(result) || !result?.bundle || !result.checked) {
        io.out(`✗ ${shown}: does not compile`);
        failedCount++;
        continue;
      }
      const policy = loadPolicy(result.bundle, { allowUnsigned: true });
      const report = runPolicyTests(result.checked, policy);
      io.out(`${shown} (${result.checked.ir.name} ${escapeControls(result.checked.ir.version)})`);
      // the file's lines found once, at its first failing test, not rescanned for each
      let lineColOf: ReturnType<typeof lineColIndex> | undefined;
      for (const o of report.outcomes) {
        if (o.passed) {
          passed++;
          io.out(`  ✓ ${escapeControls(o.test.name)}`);
        } else {
          failedCount++;
          // where the test is: two tests may share a name (W0603 warns of it), and the file is long
          lineColOf ??= lineColIndex(result.source.text);
          const { line, column } = lineColOf(o.test.span.start);
          io.out(`  ✗ ${escapeControls(o.test.name)} (${shown}:${line}:${column})`);
          for (const p of o.problems) io.out(`      ${escapeControls(p)}`);
        }
      }
      if (report.outcomes.length === 0) io.out("  (no tests)");
      if (report.unexercised.length) io.out(`  rules no test exercised: ${report.unexercised.join(", ")}`);
    }
    if (passed + failedCount === 0) {
      // policies without a single test: nothing was tested, which must not pass
      io.out(`0 passed, 0 failed: no test blocks in ${escapeControls(parsed.positional.join(", "))}`);
      return EXIT_FAILURE;
    }
    // an input that holds no policy to test counts as a failure (nothing must pass untested), and
    // the count says which failures those are: their reasons went to standard error
    const untested = unusable.length === 0 ? "" : ` (${unusable.length === 1 ? "1 input" : `${unusable.length} inputs`} not tested, said on standard error)`;
    io.out(`${passed} passed, ${failedCount} failed${untested}`);
    return failedCount === 0 ? EXIT_OK : EXIT_FAILURE;
  },
};
