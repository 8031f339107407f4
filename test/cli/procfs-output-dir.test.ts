// An output directory (-o) that cannot be made because the directory above it refuses new names with
// ENOENT, as procfs does (/proc/self, /proc/sys, /proc/<pid>): a recursive mkdirSync took that ENOENT
// for a missing parent and tried again for ever, at full CPU. writ keygen and writ compile now end,
// saying which directory cannot be made and the system's reason, with a non-zero exit; so do the
// other places that make a directory a user names: writeBundle's directory, and the asc code
// cache's (WRIT_ASC_CACHE) at install. Plain node on
// a transpiled copy of the tree; each run is killed after a while, so that a command that hangs
// fails the test instead of holding it.

import { execFile } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeTranspiledTree } from "../support/transpiled-tree.js";
import { tempDir } from "../support/temp-dir.js";

interface Run {
  code: number;
  stderr: string;
  /** killed at the end of its time: it did not end by itself */
  hung: boolean;
}

function writ(build: string, cwd: string, timeout: number, ...args: string[]): Promise<Run> {
  return node(cwd, timeout, {}, join(build, "cli/writ.js"), ...args);
}

/** `node args` in `cwd`, killed after `timeout` ms. */
function node(cwd: string, timeout: number, env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, args, { cwd, env: { ...process.env, NODE_OPTIONS: "", ...env }, timeout, killSignal: "SIGKILL" }, (err, _stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stderr, hung: err?.killed === true });
    });
    child.stdin?.end();
  });
}

describe.skipIf(!existsSync("/proc/self/status"))("an output directory procfs will not make", () => {
  let build: string;
  let work: string;
  beforeAll(() => {
    build = tempDir("procfs-output-build");
    writeTranspiledTree(build, ["compiler", "runtime", "cli"], { name: "writ", version: "0.0.0-test" });
    work = tempDir("procfs-output");
    writeFileSync(join(work, "p.writ"), 'policy "p" version "1.0.0"\ninput { a: int }\npermit ok when a > 0\n');
  }, 60_000);

  it.each(["/proc/self/keys", "/proc/self/a/b", "/proc/sys/writ-keys"])("writ keygen -o %s ends with the directory and the reason", async (dir) => {
    const r = await writ(build, work, 5_000, "keygen", "-o", dir);
    expect(r.hung, "writ keygen was still running when killed").toBe(false);
    const parent = dir === "/proc/self/a/b" ? "/proc/self" : dir.slice(0, dir.lastIndexOf("/"));
    expect(r).toEqual({
      code: 1,
      stderr: `writ keygen: cannot create the output directory ${dir}: no directory can be created in ${parent}: no such file or directory (ENOENT)\n`,
      hung: false,
    });
  });

  it("writ compile -o /proc/self/build ends with the directory and the reason", async () => {
    // a compile takes a few seconds before it makes the directory: this run has longer
    const r = await writ(build, work, 30_000, "compile", "p.writ", "--O0", "-o", "/proc/self/build");
    expect(r.hung, "writ compile was still running when killed").toBe(false);
    expect(r).toEqual({
      code: 1,
      stderr: "writ compile: cannot create the output directory /proc/self/build: no directory can be created in /proc/self: no such file or directory (ENOENT)\n",
      hung: false,
    });
  }, 60_000);

  it("writeBundle into /proc/self/bundle throws a BundleFileError with the directory and the reason", async () => {
    const script = `import { writeBundle } from ${JSON.stringify(join(build, "runtime/trust/bundle-files.js"))};
      try { writeBundle("/proc/self/bundle", { manifest: { name: "p" }, module: new Uint8Array() }); }
      catch (e) { process.stderr.write(e.name + ": " + e.message + "\\n"); process.exit(1); }`;
    const r = await node(work, 5_000, {}, "--input-type=module", "-e", script);
    expect(r.hung, "writeBundle was still running when killed").toBe(false);
    expect(r).toEqual({
      code: 1,
      stderr: "BundleFileError: cannot create the bundle directory /proc/self/bundle: no directory can be created in /proc/self: no such file or directory (ENOENT)\n",
      hung: false,
    });
  });

  it("the asc code cache build with WRIT_ASC_CACHE=/proc/self/cache ends, with no cache and the reason", async () => {
    // the build compiles a sample twice before it makes the folder: this run has longer
    const r = await node(work, 60_000, { WRIT_ASC_CACHE: "/proc/self/cache" }, join(build, "compiler/backend/asc-cache-build.js"));
    expect(r.hung, "the cache build was still running when killed").toBe(false);
    expect(r.stderr).toContain("writ: no asc code cache (");
    expect(r.stderr).toContain("/proc/self/cache");
  }, 90_000);
});
