// `writ test <files or dirs...> [--max-cost N] [--max-diagnostics N]`: run every `test` block through both backends.

import { readdirSync, realpathSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { runPolicyTests } from "../../compiler/testing.js";
import { loadPolicy } from "../../runtime/policy.js";
import { lineColIndex } from "../../compiler/source.js";
import { escapeControls } from "../../runtime/thrown.js";
import { commandLineProblem, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, parseArgs, refuseUsage, unknownFlags, type Command, type CliIO, emptyPathError } from "../io.js";
import { maxCostUsage } from "./max-cost.js";
import { sourceOptions } from "./source-options.js";
import { maxDiagnosticsUsage } from "./max-diagnostics.js";
import { compileFile, failed } from "./policy-source.js";
import { unreachableFileText } from "../text-files.js";

/**
 * The policy files to test, and what could not be used: an input that does not exist or is not a
 * file, a directory that cannot be read or holds no policy. Each of those fails the run — a CI step
 * pointed at the wrong folder, or at one it may not read, must not pass for having tested nothing.
 */
function policyFiles(io: CliIO, inputs: readonly string[]): { files: string[]; unusable: string[] } {
  const files: string[] = [];
  const unusable: string[] = [];
  const isDirectory = (path: string): boolean => {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false; // a dangling link, or one we may not follow: not a directory to walk
    }
  };
  // a FIFO or a device named x.writ: reading it would block the run until something wrote to it
  // (a dangling link so named is walked: a policy that is missing, a failure said as such)
  const isSpecial = (path: string): boolean => {
    try {
      const st = statSync(path);
      return !st.isFile() && !st.isDirectory();
    } catch {
      return false;
    }
  };
  // policy files found under each directory walked, by real path: a directory given again, or met
  // again through a link, is not walked twice, but still holds what it held
  const foundUnder = new Map<string, number>();
  // the policy files listed, by real path
  const testedFiles = new Set<string>();
  // directories under which an entry was not searched (its name starts with `.`, or is node_modules),
  // and whether one was in the walk of the current input
  const skippedUnder = new Set<string>();
  let skipped = false;
  /** Walks `shown`, returning how many policy files it holds (found now or on an earlier walk). */
  const walk = (shown: string): number => {
    const abs = resolve(io.cwd, shown);
    let st;
    try {
      st = statSync(abs);
    } catch (e) {
      // in the words every command uses for a path it cannot follow (README: "in the same words for
      // every kind of file"): `no such file`, `too many symbolic links encountered (ELOOP)`
      unusable.push(unreachableFileText(shown, e));
      return 0;
    }
    if (st.isDirectory()) {
      let real: string;
      let entries: string[];
      try {
        real = realpathSync(abs);
        const known = foundUnder.get(real);
        if (known !== undefined) {
          skipped ||= skippedUnder.has(real);
          return known;
        }
        entries = readdirSync(abs).sort();
      } catch (e) {
        unusable.push(unreachableFileText(shown, e));
        return 0;
      }
      foundUnder.set(real, 0); // a link back up the tree finds it being walked: not a loop
      const skippedBefore = skipped;
      skipped = false;
      let found = 0;
      for (const entry of entries) {
        if (entry === "node_modules" || entry.startsWith(".")) {
          skipped = true;
          continue;
        }
        const child = join(shown, entry);
        const childAbs = resolve(io.cwd, child);
        if (entry.endsWith(".writ") ? !isSpecial(childAbs) : isDirectory(childAbs)) found += walk(child);
      }
      foundUnder.set(real, found);
      if (skipped) skippedUnder.add(real);
      skipped ||= skippedBefore;
      return found;
    }
    if (st.isFile()) {
      // a file given twice, or given and found again in a directory given, is tested once
      let real = abs;
      try {
        real = realpathSync(abs);
      } catch {
        /* followed by statSync a moment ago: kept by the path given */
      }
      if (!testedFiles.has(real)) {
        testedFiles.add(real);
        files.push(shown);
      }
      return 1;
    }
    unusable.push(`${shown}: not a regular file`);
    return 0;
  };
  for (const input of inputs) {
    const before = unusable.length;
    skipped = false;
    // each input must give something to test: a directory of no policy, given beside others, too;
    // where entries were left out, the message says which, since they may hold the policies meant
    if (walk(input) === 0 && unusable.length === before)
      unusable.push(`${input}: no .writ files in it${skipped ? " (entries starting with `.` and node_modules are not searched)" : ""}`);
  }
  return { files, unusable };
}

export const testCommand: Command = {
  name: "test",
  summary: "run the tests in policies through both backends",
  usage: [
    "usage: writ test <file.writ | dir>... [--max-cost N] [--max-diagnostics N]",
    "",
    "Runs every `test` block of every policy through the interpreter and the WASM module,",
    "checks the expected decision, deciding rules and errors, and that both backends agree.",
    "Lists rules that no test exercised. Exits 1 on any failure, and when nothing was tested",
    "(an input that holds no policy, or policies without a single test). A directory is",
    "searched for .writ files, leaving out entries starting with `.` and node_modules.",
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
    const { files, unusable } = policyFiles(io, parsed.positional);
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
    io.out(`${passed} passed, ${failedCount} failed`);
    return failedCount === 0 ? EXIT_OK : EXIT_FAILURE;
  },
};
