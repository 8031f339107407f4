// A code-cache build writes into `<key>.tmp-<pid>` and renames it. A write that failed (a full disk,
// a file size limit) left that folder, megabytes of it, and no later build removed it: it is not
// named like a cache. A failed write now removes it, and a build removes the temporary folders of
// builders that have ended, keeping a live one's. The builder runs from a transpiled copy of the
// tree, with plain node, as an installed package runs it.

import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeTranspiledTree } from "../support/transpiled-tree.js";
import { tempDir } from "../support/temp-dir.js";

function run(file: string, args: string[], env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: { ...process.env, NODE_OPTIONS: "", ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

/** The id of a process that has ended. */
function endedPid(): number {
  const child = spawnSync(process.execPath, ["-e", ""]);
  return child.pid;
}

describe("the asc code cache's temporary folder", () => {
  let builder: string;
  beforeAll(() => {
    const build = tempDir("asc-temp");
    writeTranspiledTree(build, ["compiler", "runtime"], { name: "writ", version: "0.0.0-test" });
    builder = join(build, "compiler/backend/asc-cache-build.js");
  });

  it("is removed when a write fails", async () => {
    const root = tempDir("asc-cache");
    // 4 MiB a file: binaryen.wasm (9 MB) cannot be written (EFBIG; Node ignores SIGXFSZ)
    const failed = await run("bash", ["-c", 'ulimit -f 4096 && exec "$0" "$1"', process.execPath, builder], { WRIT_ASC_CACHE: root });
    expect(failed.stderr).toMatch(/no asc code cache \(EFBIG/);
    expect(readdirSync(root)).toEqual([]);
  }, 120_000);

  it("is removed by a later build once its builder has ended, and kept while it runs", async () => {
    const root = tempDir("asc-cache");
    const key = "0123456789abcdef01234567";
    const ended = `${key}.tmp-${endedPid()}`;
    const live = `${key}.tmp-${process.pid}`;
    const lookalike = `${key}.tmp-x1`;
    for (const name of [ended, live, lookalike]) {
      mkdirSync(join(root, name));
      writeFileSync(join(root, name, "binaryen.wasm"), "half written");
    }
    const built = await run(process.execPath, [builder], { WRIT_ASC_CACHE: root });
    expect(built.stdout).toMatch(/asc code cache written to /);
    const entries = readdirSync(root);
    expect(entries).not.toContain(ended);
    expect(entries).toContain(live);
    expect(entries).toContain(lookalike);
    expect(entries.filter((e) => /^[0-9a-f]{24}$/.test(e))).toHaveLength(1);
    expect(entries).toHaveLength(3);
  }, 120_000);
});
