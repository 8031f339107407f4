// Reproducibility: the same IR gives byte-identical modules in separate processes started from
// separate directories, and in this process. The backend is transpiled to plain JavaScript first
// (node without loader hooks, as an installed package runs it).

import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { moduleDigests } from "./determinism-child.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function transpileTree(dir: string, out: string): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) transpileTree(path, out);
    else if (name.endsWith(".ts") && !name.endsWith(".test.ts") && !name.endsWith(".d.ts")) {
      const js = ts.transpileModule(readFileSync(path, "utf8"), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
      }).outputText;
      const target = join(out, relative(root, path)).replace(/\.ts$/, ".js");
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, js);
    }
  }
}

function run(script: string, cwd: string): Promise<{ cwd: string; digests: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script, "--print"], { cwd, timeout: 240_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as { cwd: string; digests: Record<string, string> });
    });
  });
}

describe("reproducible modules", () => {
  const temp: string[] = [];
  afterAll(() => {
    for (const d of temp) rmSync(d, { recursive: true, force: true });
  });

  it("gives identical bytes in two processes in two directories, and in this one", async () => {
    const build = mkdtempSync(join(tmpdir(), "writ-build-"));
    temp.push(build);
    for (const dir of ["compiler", "runtime", "test/backend", "bench"]) transpileTree(join(root, dir), build);
    writeFileSync(join(build, "package.json"), JSON.stringify({ type: "module" }));
    cpSync(join(root, "asconfig.json"), join(build, "asconfig.json"));
    cpSync(join(root, "assembly"), join(build, "assembly"), { recursive: true });
    symlinkSync(join(root, "node_modules"), join(build, "node_modules"));
    const script = join(build, "test", "backend", "determinism-child.js");
    const a = mkdtempSync(join(tmpdir(), "writ-a-"));
    const b = mkdtempSync(join(tmpdir(), "writ-b-"));
    temp.push(a, b);
    const [ra, rb] = await Promise.all([run(script, a), run(script, b)]);
    expect(ra.cwd).not.toBe(rb.cwd);
    expect(Object.keys(ra.digests)).toEqual(["agent-O3", "expressions-O0"]);
    expect(ra.digests).toEqual(rb.digests);
    expect(await moduleDigests()).toEqual(ra.digests);
  }, 300_000);
});
