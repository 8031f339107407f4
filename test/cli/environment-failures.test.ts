// The process's surroundings failing under writ — its working directory removed, no file descriptor
// left to load its next module with — are said in one line, exit 1, never as Node's stack trace. A
// command that needs no working directory (--version, --help, absolute paths) still runs without one.
// Real processes from a transpiled copy of the tree: tsx itself cannot start in a removed directory.

import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeTranspiledTree } from "../support/transpiled-tree.js";
import { tempDir } from "../support/temp-dir.js";

let writ: string;
const dir = tempDir("environment-failures");
const policy = 'policy "p" version "1.0.0"\ninput { a: int }\npermit ok when a > 0\n';

beforeAll(() => {
  const build = tempDir("environment-failures-build");
  writeTranspiledTree(build, ["compiler", "runtime", "cli"], { name: "writ", version: "0.0.0-test" });
  writ = join(build, "cli", "writ.js");
  writeFileSync(join(dir, "p.writ"), policy);
  writeFileSync(join(dir, "req.json"), '{"a": 1}\n');
}, 60_000);

/** `writ args` run from a directory removed just before (`cd gone && rmdir ../gone`), in a shell. */
function inRemovedDirectory(args: string[]): { status: number | null; stdout: string; stderr: string } {
  mkdirSync(join(dir, "gone"));
  const r = spawnSync("sh", ["-c", 'cd gone && rmdir ../gone && exec "$0" "$@"', process.execPath, writ, ...args], { cwd: dir, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `writ args` with at most `limit` open file descriptors (`ulimit -n`). */
function withFewFiles(limit: number, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("sh", ["-c", `ulimit -n ${limit} && exec "$0" "$@"`, process.execPath, writ, ...args], { cwd: dir, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const GONE = "the current directory no longer exists";

describe("a working directory that no longer exists", () => {
  it("is not needed for --version and --help", () => {
    const version = inRemovedDirectory(["--version"]);
    expect(version.stderr).toBe("");
    expect(version.stdout).toMatch(/^writ \S+\n$/);
    expect(version.status).toBe(0);
    const help = inRemovedDirectory(["--help"]);
    expect(help.stdout).toContain("usage: writ <command>");
    expect(help.status).toBe(0);
    const commandHelp = inRemovedDirectory(["check", "--help"]);
    expect(commandHelp.stdout).toContain("usage: writ check");
    expect(commandHelp.status).toBe(0);
  });

  it("nor for absolute paths", () => {
    const r = inRemovedDirectory(["check", join(dir, "p.writ")]);
    expect(r.stderr).toBe(`${join(dir, "p.writ")}: 0 errors, 0 warnings\n`);
    expect(r.status).toBe(0);
  }, 30_000);

  it("is said in one line, exit 1, when a relative path needs it", () => {
    for (const args of [["check", "p.writ"], ["eval", join(dir, "p.writ"), "--input", "req.json"], ["keygen"], ["audit", "verify", "log.jsonl"]]) {
      const r = inRemovedDirectory(args);
      expect(r.stderr, args.join(" ")).toMatch(new RegExp(`^writ ${args[0]}: (req\\.json: )?${GONE}[^\\n]*\\n$`));
      expect(r.stdout).toBe("");
      expect(r.status).toBe(1);
    }
  }, 30_000);
});

describe("running out of file descriptors", () => {
  it("while writ loads a command is said in one line, exit 1", () => {
    // enough for node and writ's first modules, too few for every command's (--help loads them all)
    const r = withFewFiles(40, ["--help"]);
    expect(r.stderr).toMatch(/^writ: too many open files \(EMFILE\)[^\n]*\n$/);
    expect(r.stdout).toBe("");
    expect(r.status).toBe(1);
  });
});
