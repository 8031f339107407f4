// Reproducibility: the same IR gives byte-identical modules in separate processes started from
// separate directories, and in this process. The backend is transpiled to plain JavaScript first
// (node without loader hooks, as an installed package runs it).

import { execFile } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeTranspiledTree } from "../support/transpiled-tree.js";
import { moduleDigests } from "./determinism-child.js";
import { tempDir } from "../support/temp-dir.js";

function run(script: string, cwd: string): Promise<{ cwd: string; digests: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script, "--print"], { cwd, timeout: 240_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as { cwd: string; digests: Record<string, string> });
    });
  });
}

describe("reproducible modules", () => {
  it("gives identical bytes in two processes in two directories, and in this one", async () => {
    const build = tempDir("build");
    writeTranspiledTree(build, ["compiler", "runtime", "test/backend", "bench"]);
    const script = join(build, "test", "backend", "determinism-child.js");
    const a = tempDir("a");
    const b = tempDir("b");
    const [ra, rb] = await Promise.all([run(script, a), run(script, b)]);
    expect(ra.cwd).not.toBe(rb.cwd);
    expect(Object.keys(ra.digests)).toEqual(["agent-O3", "expressions-O0"]);
    expect(ra.digests).toEqual(rb.digests);
    expect(await moduleDigests()).toEqual(ra.digests);
  }, 300_000);
});
