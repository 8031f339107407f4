// The process's surroundings failing under writ — its working directory removed, no file descriptor
// left to load its next module with — are said in one line, exit 1, never as Node's stack trace. A
// command that needs no working directory (--version, --help, absolute paths) still runs without one.
// Real processes from a transpiled copy of the tree: tsx itself cannot start in a removed directory.
// With the fewest file descriptors Node can run a program with, writ failed while loading its own
// first modules, before any of its handlers existed, and Node printed the failure as a stack trace.

import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { environmentFailure } from "../../cli/environment-failure.js";
import { repositoryRoot, writeTranspiledTree } from "../support/transpiled-tree.js";
import { tempDir } from "../support/temp-dir.js";

let writ: string;
/** A program that opens no file but itself, beside writ's: the lowest limit it runs with is Node's own. */
let probe: string;
const dir = tempDir("environment-failures");
const policy = 'policy "p" version "1.0.0"\ninput { a: int }\npermit ok when a > 0\n';

beforeAll(() => {
  const build = tempDir("environment-failures-build");
  writeTranspiledTree(build, ["compiler", "runtime", "cli"], { name: "writ", version: "0.0.0-test" });
  writ = join(build, "cli", "writ.js");
  probe = join(build, "cli", "probe.js");
  writeFileSync(probe, 'process.stdout.write("ran");\n');
  writeFileSync(join(dir, "p.writ"), policy);
  writeFileSync(join(dir, "req.json"), '{"a": 1}\n');
}, 60_000);

/** `writ args` run from a directory removed just before (`cd gone && rmdir ../gone`), in a shell. */
function inRemovedDirectory(args: string[]): { status: number | null; stdout: string; stderr: string } {
  mkdirSync(join(dir, "gone"));
  const r = spawnSync("sh", ["-c", 'cd gone && rmdir ../gone && exec "$0" "$@"', process.execPath, writ, ...args], { cwd: dir, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `writ args` (or another `program`) with at most `limit` open file descriptors (`ulimit -n`). */
function withFewFiles(limit: number, args: string[], program = writ): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("sh", ["-c", `ulimit -n ${limit} && exec "$0" "$@"`, process.execPath, program, ...args], { cwd: dir, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The lowest limit on open files Node runs a program file with here: below it Node crashes, or
 * cannot open the program, before any code of the program runs. Found, not assumed: it depends on
 * the Node and the machine (19 for Node 20.20 on Linux).
 */
function nodesLowestLimit(): number {
  for (let limit = 8; limit <= 64; limit++) {
    const r = withFewFiles(limit, [], probe);
    if (r.status === 0 && r.stdout === "ran") return limit;
  }
  throw new Error("node ran no program with up to 64 open files");
}

/** An error as failing to open a file gives it, with `code`. */
function systemError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: open`), { code, syscall: "open" });
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

  it("while writ loads its first modules is said in one line, exit 1, from the lowest limit Node runs a program with", () => {
    const lowest = nodesLowestLimit();
    const said = `writ: ${environmentFailure(systemError("EMFILE"))}\n`;
    // from the first limit anything of writ's runs at to some past where main() catches the failure
    // (26 for --version, here): each fails in one line or runs; none prints Node's stack trace
    for (const args of [["--version"], ["check", join(dir, "p.writ")]]) {
      for (let limit = lowest; limit <= lowest + 12; limit++) {
        const r = withFewFiles(limit, args);
        const what = `ulimit -n ${limit}; writ ${args.join(" ")}`;
        if (r.status === 0) {
          expect(r.stderr, what).toBe(args[0] === "check" ? `${join(dir, "p.writ")}: 0 errors, 0 warnings\n` : "");
          continue;
        }
        expect(r.stderr, what).toBe(said);
        expect(r.stdout, what).toBe("");
        expect(r.status, what).toBe(1);
      }
      // with the fewest, loading itself fails: what is tested above is that failure
      expect(withFewFiles(lowest, args).stderr, args.join(" ")).toBe(said);
    }
  }, 60_000);

  it("is said while loading in the words main() says it with (the entry holds a copy of them)", () => {
    const entry = readFileSync(join(repositoryRoot, "cli", "writ.ts"), "utf8");
    for (const code of ["EMFILE", "ENFILE"]) expect(entry).toContain(`${code}: ${JSON.stringify(environmentFailure(systemError(code)))}`);
  });
});
