// `writ test <files or dirs...> [--max-cost N]`: run every `test` block through both backends.

import { readdirSync, realpathSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { runPolicyTests } from "../../compiler/testing.js";
import { loadPolicy } from "../../runtime/policy.js";
import { escapeControls } from "../../runtime/thrown.js";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, parseArgs, unknownFlags, type Command, type CliIO } from "../io.js";
import { maxCostOption, maxCostUsage } from "./max-cost.js";
import { compileFile, failed } from "./policy-source.js";

function policyFiles(io: CliIO, inputs: readonly string[]): { files: string[]; missing: string[] } {
  const files: string[] = [];
  const missing: string[] = [];
  // directories already walked, by their real path: a symbolic link back up the tree is not a loop
  const walked = new Set<string>();
  const isDirectory = (path: string): boolean => {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false; // a dangling link, or one we may not follow: not a directory to walk
    }
  };
  const walk = (shown: string) => {
    const abs = resolve(io.cwd, shown);
    let st;
    try {
      st = statSync(abs);
    } catch {
      missing.push(shown);
      return;
    }
    if (st.isDirectory()) {
      let real: string;
      try {
        real = realpathSync(abs);
      } catch {
        missing.push(shown);
        return;
      }
      if (walked.has(real)) return;
      walked.add(real);
      for (const entry of readdirSync(abs).sort()) {
        if (entry === "node_modules" || entry.startsWith(".")) continue;
        const child = join(shown, entry);
        if (entry.endsWith(".writ") || isDirectory(resolve(io.cwd, child))) walk(child);
      }
    } else files.push(shown);
  };
  for (const i of inputs) walk(i);
  return { files, missing };
}

export const testCommand: Command = {
  name: "test",
  summary: "run the tests in policies through both backends",
  usage: [
    "usage: writ test <file.writ | dir>... [--max-cost N]",
    "",
    "Runs every `test` block of every policy through the interpreter and the WASM module,",
    "checks the expected decision, deciding rules and errors, and that both backends agree.",
    "Lists rules that no test exercised. Exits 1 on any failure.",
    maxCostUsage(25),
  ].join("\n"),
  async run(args, io) {
    const parsed = parseArgs(args);
    const unknown = unknownFlags(parsed, ["max-cost"]);
    if (unknown.length || parsed.positional.length === 0) {
      io.err(unknown.length ? `writ test: unknown option --${unknown[0]}` : this.usage);
      return EXIT_USAGE;
    }
    const budget = maxCostOption(parsed, "test");
    if (!budget.ok) {
      io.err(budget.message);
      return EXIT_USAGE;
    }
    const { files, missing } = policyFiles(io, parsed.positional);
    for (const m of missing) io.err(`writ test: ${m}: no such file or directory`);
    if (files.length === 0 && missing.length === 0) {
      // a CI step pointed at the wrong folder must not pass for having tested nothing
      io.err(`writ test: no .writ files in ${parsed.positional.join(", ")}`);
      return EXIT_FAILURE;
    }
    let passed = 0;
    let failedCount = missing.length;
    for (const file of files) {
      const result = await compileFile(io, file, { maxCost: budget.maxCost });
      if (failed(result) || !result?.bundle || !result.checked) {
        io.out(`✗ ${file}: does not compile`);
        failedCount++;
        continue;
      }
      const policy = loadPolicy(result.bundle, { allowUnsigned: true });
      const report = runPolicyTests(result.checked, policy);
      io.out(`${file} (${result.checked.ir.name} ${escapeControls(result.checked.ir.version)})`);
      for (const o of report.outcomes) {
        if (o.passed) {
          passed++;
          io.out(`  ✓ ${escapeControls(o.test.name)}`);
        } else {
          failedCount++;
          io.out(`  ✗ ${escapeControls(o.test.name)}`);
          for (const p of o.problems) io.out(`      ${p}`);
        }
      }
      if (report.outcomes.length === 0) io.out("  (no tests)");
      if (report.unexercised.length) io.out(`  rules no test exercised: ${report.unexercised.join(", ")}`);
    }
    io.out(`${passed} passed, ${failedCount} failed`);
    return failedCount === 0 ? EXIT_OK : EXIT_FAILURE;
  },
};
