// `writ fmt --check <files or dirs...>` answers "is this file formatted?" for CI without writing anything:
// real `writ` processes on real files. The path of each file whose canonical form differs goes to
// stdout, one a line; exit 0 when all are formatted, 1 when one is not or has no canonical form
// (its diagnostics said as fmt says them), 2 with --write. No file's bytes or mtime change.

import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fmtCommand } from "../../cli/commands/fmt.js";
import { runWrit } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

const cli = new URL("../../cli/writ.ts", import.meta.url).pathname;
const tsx = new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url).href;
const dir = tempDir("fmt-check");

/** `writ args` in a process of its own, in `dir`. */
function writ(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", tsx, cli, ...args], { cwd: dir, encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const FORMATTED = 'policy "p" version "1.0.0"\n\ninput {\n  a: int\n}\n\npermit ok when a > 0\n';
const UNFORMATTED = 'policy "p" version "1.0.0"\ninput { a: int }\npermit ok when a>0\n';
const BROKEN = 'policy "p" versio "1.0.0"\ninput { a: int }\n';

/** Writes `text` as `name` in `dir`, its mtime set a while back so that a rewrite would move it. */
function policyFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  utimesSync(path, new Date(2001, 0, 1), new Date(2001, 0, 1));
  return path;
}

/** Each file's bytes and mtime, to compare before and after. */
function snapshot(names: string[]): { name: string; bytes: string; mtimeMs: number }[] {
  return names.map((name) => ({ name, bytes: readFileSync(join(dir, name)).toString("hex"), mtimeMs: statSync(join(dir, name)).mtimeMs }));
}

describe("writ fmt --check", () => {
  policyFile("formatted.writ", FORMATTED);
  policyFile("unformatted.writ", UNFORMATTED);
  policyFile("broken.writ", BROKEN);
  const all = ["formatted.writ", "unformatted.writ", "broken.writ"];

  it("the fixture's formatted file is what writ fmt prints, and the other is not", () => {
    expect(writ("fmt", "formatted.writ")).toEqual({ status: 0, stdout: FORMATTED, stderr: "" });
    expect(writ("fmt", "unformatted.writ")).toEqual({ status: 0, stdout: FORMATTED, stderr: "" });
  });

  it("says nothing and exits 0 for a formatted file", () => {
    const before = snapshot(all);
    expect(writ("fmt", "--check", "formatted.writ")).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(writ("fmt", "-c", "formatted.writ")).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(snapshot(all)).toEqual(before);
  });

  it("prints the path of an unformatted file, as given, and exits 1, leaving the file as it was", () => {
    const before = snapshot(all);
    const r = writ("fmt", "--check", "unformatted.writ");
    expect(r).toEqual({ status: 1, stdout: "unformatted.writ\n", stderr: "writ fmt: 1 file is not in canonical form (of 1 checked): writ fmt --write <file> rewrites one\n" });
    expect(writ("fmt", join(dir, "unformatted.writ"), "-c").stdout).toBe(`${join(dir, "unformatted.writ")}\n`);
    expect(snapshot(all)).toEqual(before);
  });

  it("lists only the unformatted files of several, in order, and exits 1", () => {
    policyFile("unformatted-too.writ", UNFORMATTED.replace("a>0", "a>1"));
    const names = ["unformatted.writ", "formatted.writ", "unformatted-too.writ"];
    const before = snapshot(names);
    expect(writ("fmt", "--check", ...names)).toEqual({
      status: 1,
      stdout: "unformatted.writ\nunformatted-too.writ\n",
      stderr: "writ fmt: 2 files are not in canonical form (of 3 checked): writ fmt --write <file> rewrites one\n",
    });
    expect(writ("fmt", "--check", "formatted.writ", "formatted.writ")).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(snapshot(names)).toEqual(before);
  });

  it("reports a file with a syntax error with its diagnostics, as fmt does, counts it as a failure, and goes on to the next", () => {
    const before = snapshot(all);
    const plain = writ("fmt", "broken.writ");
    expect(plain.status).toBe(1);
    expect(plain.stderr).toContain("broken.writ:1:12: error[W0101]: expected `version`, found `versio`");
    // alone: its diagnostics, nothing on stdout, exit 1
    expect(writ("fmt", "--check", "broken.writ")).toEqual({ status: 1, stdout: "", stderr: plain.stderr });
    // with a formatted file: still 1; with an unformatted one after it, that one is still listed
    expect(writ("fmt", "--check", "broken.writ", "formatted.writ")).toEqual({ status: 1, stdout: "", stderr: plain.stderr });
    const mixed = writ("fmt", "--check", "broken.writ", "unformatted.writ", "formatted.writ");
    expect(mixed.status).toBe(1);
    expect(mixed.stdout).toBe("unformatted.writ\n");
    // the count says the refused file was not found formatted either
    expect(mixed.stderr).toBe(plain.stderr + "writ fmt: 1 file is not in canonical form (of 3 checked); 1 file has no canonical form, said above: writ fmt --write <file> rewrites one\n");
    expect(snapshot(all)).toEqual(before);
  });

  it("refuses --check with --write, by either name, as a usage error (exit 2), writing nothing", () => {
    const before = snapshot(all);
    for (const argv of [["--check", "--write"], ["-c", "-w"], ["--write", "-c"], ["-w", "--check"]]) {
      const r = writ("fmt", ...argv, "unformatted.writ");
      expect(r.status, argv.join(" ")).toBe(2);
      expect(r.stdout, argv.join(" ")).toBe("");
      expect(r.stderr, argv.join(" ")).toBe(`writ fmt: --check and --write cannot be given together: --check writes nothing\n\n${fmtCommand.usage}\n`);
    }
    expect(snapshot(all)).toEqual(before);
  });

  it("fails closed on what fmt refuses to read: a missing file, a directory without a policy, an empty path", async () => {
    mkdirSync(join(dir, "policies"), { recursive: true });
    expect(await runWrit(["fmt", "--check", "missing.writ", "formatted.writ"], dir)).toMatchObject({ code: 1, out: "" });
    expect((await runWrit(["fmt", "--check", "missing.writ"], dir)).err).toMatch(/^writ fmt: missing\.writ: /);
    expect(await runWrit(["fmt", "--check", "policies"], dir)).toEqual({ code: 1, out: "", err: "writ fmt: policies: no .writ files in it" });
    expect(await runWrit(["fmt", "--check", "formatted.writ", ""], dir)).toEqual({ code: 2, out: "", err: "writ fmt: an empty path names no file or directory" });
  });

  it("takes several files only with --check, and needs one", async () => {
    expect((await runWrit(["fmt", "--check"], dir)).err).toMatch(/^writ fmt: missing <file\.writ \| dir>\n/);
    expect((await runWrit(["fmt", "formatted.writ", "unformatted.writ"], dir)).err).toMatch(/^writ fmt: unexpected argument `unformatted\.writ`: writ fmt takes one <file\.writ>\n/);
  });

  it("is in fmt's help, by both its names, with its exit codes", () => {
    expect(fmtCommand.usage).toContain("writ fmt --check <file.writ | dir>...");
    expect(fmtCommand.usage).toMatch(/^ {2}-c, --check\b/m);
    expect(fmtCommand.usage).toContain("Exit 0 when every file is formatted,\n1 when one is not or is refused, 2 for a usage error");
  });
});
