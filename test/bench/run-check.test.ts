// `npm run bench -- --check` as it runs (plain node on a transpiled copy of the tree, a parent and its
// children): with --scaling it checks the scaling policies' engines against the interpreter too, and
// says so; when it cannot (Writ is not among the engines, or did not compile), the check fails rather
// than pass without them. Agreement only: nothing is timed. Writ is compiled at O0 (--unoptimized), which decides alike.

import { execFile } from "node:child_process";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repositoryRoot, writeTranspiledTree } from "../support/transpiled-tree.js";
import { tempDir } from "../support/temp-dir.js";

function bench(build: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const script = join(build, "bench/run.js");
    execFile(process.execPath, ["--expose-gc", script, ...args], { cwd: build, env: { ...process.env, NODE_OPTIONS: "" }, timeout: 180_000 }, (err, _stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stderr });
    });
  });
}

describe("npm run bench -- --check --scaling", () => {
  let build: string;
  beforeAll(() => {
    build = tempDir("bench-check");
    writeTranspiledTree(build, ["compiler", "runtime", "bench"], { name: "writ", version: "0.0.0-test" });
    // the benchmark's policies are read from bench/policies/ beside the code
    cpSync(join(repositoryRoot, "bench/policies"), join(build, "bench/policies"), { recursive: true, filter: (f) => !f.endsWith(".ts") });
  }, 60_000);

  it("checks the scaling policies' engines against the interpreter, and says so", async () => {
    const r = await bench(build, ["--check", "--engines=writ", "--unoptimized", "--scaling=10"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("agree: writ, writ-eval, js-closures (10 rules) match writ-interp on all 1000 requests");
    expect(r.stderr).toMatch(/check: every engine agrees with writ-interp on all 1000 requests and \d+ boundary requests, both policy sizes; the scaling engines agree with writ-interp on the policies of 10 rules\n/);
  }, 180_000);

  it("checks the other engines against Writ's interpreter when no Writ engine is measured", async () => {
    const r = await bench(build, ["--check", "--engines=js-ifelse,js-closures"]);
    expect(r.code, r.stderr).toBe(0);
    for (const engine of ["js-ifelse", "js-closures"]) {
      for (const size of ["small", "large"]) expect(r.stderr).toMatch(new RegExp(`agree: ${engine} \\(${size}\\) matches writ-interp on all 1000 requests`));
    }
    expect(r.stderr).not.toMatch(/agree: writ/); // the interpreter answers; Writ's module is not measured
    expect(r.stderr).toMatch(/check: every engine agrees with writ-interp on all 1000 requests and \d+ boundary requests/);
  }, 180_000);

  it("fails, saying why, when it cannot check them", async () => {
    const r = await bench(build, ["--check", "--engines=js-ifelse", "--scaling=10"]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("check incomplete: the scaling policies were not checked (they are Writ's, and Writ is not among the engines)");
  }, 180_000);

  it("fails, saying why, when Writ was asked for and did not compile", async () => {
    const policy = join(build, "bench/policies/agent-governance.writ");
    const source = readFileSync(policy, "utf8");
    writeFileSync(policy, `${source}\npermit broken when\n`);
    try {
      const r = await bench(build, ["--check", "--engines=writ,writ-eval,js-ifelse", "--unoptimized"]);
      expect(r.code, r.stderr).toBe(1);
      // each Writ engine asked for is named, with the compiler's diagnostic (the note said
      // "see the parent's note", and writ-eval was left out without one)
      const why = String.raw`\S*agent-governance\.writ did not compile: \S*agent-governance\.writ:\d+:\d+: error\[W\d+\]: [^\n]+`;
      expect(r.stderr).toMatch(new RegExp(`  writ: not checked: ${why}\n  writ-eval: not checked: ${why}\n`));
      expect(r.stderr).toMatch(new RegExp(`check: every engine checked agrees with js-ifelse .*\ncheck incomplete: writ was not checked \\(${why}\\)\ncheck incomplete: writ-eval was not checked \\(${why}\\)\n`));
      expect(r.stderr).not.toContain("parent's note");
    } finally {
      writeFileSync(policy, source);
    }
  }, 180_000);
});
