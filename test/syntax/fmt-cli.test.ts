// `writ fmt`: canonical output on stdout, --write in place, syntax errors rendered on stderr with
// exit 1 and the file left untouched. Runs the command in-process on real files in a temp dir.

import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { fmtCommand } from "../../cli/commands/fmt.js";
import type { CliIO } from "../../cli/io.js";
import { tempDir } from "../support/temp-dir.js";

const dir = tempDir("fmt");

function io(): CliIO & { stdout: string; stderr: string } {
  const o = {
    cwd: dir,
    stdout: "",
    stderr: "",
    out(t: string) { o.stdout += t; },
    err(t: string) { o.stderr += t; },
    readStdin: async () => "",
  };
  return o;
}

const messy = `policy 'p' version "1"\ninput{a:int}\npermit p when a>1&&a<5`;
const canonical = `policy "p" version "1"\n\ninput {\n  a: int\n}\n\npermit p when a > 1 && a < 5\n`;

describe("writ fmt", () => {
  it("prints the canonical form and leaves the file alone", async () => {
    writeFileSync(join(dir, "a.writ"), messy);
    const s = io();
    expect(await fmtCommand.run(["a.writ"], s)).toBe(0);
    expect(s.stdout).toBe(canonical);
    expect(readFileSync(join(dir, "a.writ"), "utf8")).toBe(messy);
  });

  it("rewrites the file with --write, and a second run changes nothing", async () => {
    writeFileSync(join(dir, "b.writ"), messy);
    const s = io();
    expect(await fmtCommand.run(["b.writ", "--write"], s)).toBe(0);
    expect(s.stdout).toBe("");
    expect(readFileSync(join(dir, "b.writ"), "utf8")).toBe(canonical);
    expect(await fmtCommand.run(["--write", "b.writ"], io())).toBe(0);
    expect(readFileSync(join(dir, "b.writ"), "utf8")).toBe(canonical);
  });

  it("prints a quoted name holding a character no reader can see as the escaped index it means", async () => {
    const text = 'policy "p" version "1"\ninput { m: map<string, int> }\nforbid r when m.`ad\u202emin\u00a0` == 1\n';
    writeFileSync(join(dir, "hidden.writ"), text);
    const s = io();
    expect(await fmtCommand.run(["hidden.writ"], s)).toBe(0);
    expect(s.stdout).toBe('policy "p" version "1"\n\ninput {\n  m: map<string, int>\n}\n\nforbid r when m["ad\\u202emin\\xa0"] == 1\n');
    expect(s.stderr).toBe("");
  });

  it("refuses, and never rewrites, a file with such a name in has(), which has no index form (W0702)", async () => {
    const text = 'policy "p" version "1"\ninput { m: map<string, int> }\nforbid r when has(m.`admin\u00a0`)\n';
    writeFileSync(join(dir, "hidden-has.writ"), text);
    const s = io();
    expect(await fmtCommand.run(["hidden-has.writ", "--write"], s)).toBe(1);
    expect(s.stdout).toBe("");
    expect(s.stderr).toContain("hidden-has.writ:3:21: error[W0702]: the quoted field name `\"admin\\xa0\"` holds U+00A0");
    expect(s.stderr).toContain('help: on a map, `has(m.f)` is `"f" in m`: write `"admin\\xa0" in m`');
    expect(readFileSync(join(dir, "hidden-has.writ"), "utf8")).toBe(text);
  });

  it("reports syntax errors on stderr, exits 1 and never rewrites", async () => {
    const broken = `permit p when a >\nforbid f when (b\n`;
    writeFileSync(join(dir, "c.writ"), broken);
    const s = io();
    expect(await fmtCommand.run(["c.writ", "--write"], s)).toBe(1);
    expect(s.stdout).toBe("");
    expect(s.stderr).toContain("c.writ:2:1: error[W0101]: expected an expression, found `forbid`");
    expect(s.stderr).toContain("c.writ:3:1: error[W0101]: expected `)`, found end of input");
    expect(s.stderr).toMatch(/\| \^/);
    expect(readFileSync(join(dir, "c.writ"), "utf8")).toBe(broken);
  });

  it("refuses bad command lines and missing files", async () => {
    const s = io();
    expect(await fmtCommand.run([], s)).toBe(2);
    expect(s.stderr).toContain("usage: writ fmt");
    expect(await fmtCommand.run(["a.writ", "--bogus"], io())).toBe(2);
    const m = io();
    expect(await fmtCommand.run(["missing.writ"], m)).toBe(1);
    expect(m.stderr).toBe("writ fmt: missing.writ: no such file");
    const d = io();
    expect(await fmtCommand.run(["."], d)).toBe(1);
    expect(d.stderr).toContain("is a directory");
  });

  it("is reachable as `writ fmt` from the command line, in a real process", () => {
    writeFileSync(join(dir, "e.writ"), messy);
    // run from the repository so that `--import tsx` resolves; the file is named by absolute path
    const root = fileURLToPath(new URL("../../", import.meta.url));
    const r = spawnSync(process.execPath, ["--import", "tsx", "cli/writ.ts", "fmt", join(dir, "e.writ")], { cwd: root, encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(canonical);
  });

  it("refuses a file of blank lines as no policy, printing nothing and leaving --write's file alone, in a real process", () => {
    // no header: W0201, as every other command says; before, fmt printed nothing, exited 0 and
    // --write emptied the file
    writeFileSync(join(dir, "blank.writ"), "\n \n");
    const root = fileURLToPath(new URL("../../", import.meta.url));
    const env = { ...process.env, NODE_OPTIONS: "" };
    const r = spawnSync(process.execPath, ["--import", "tsx", "cli/writ.ts", "fmt", join(dir, "blank.writ")], { cwd: root, encoding: "utf8", env });
    expect([r.status, r.stdout]).toEqual([1, ""]);
    expect(r.stderr).toContain("blank.writ:1:1: error[W0201]: a policy starts with `policy \"name\" version \"x.y.z\"`");
    const written = spawnSync(process.execPath, ["--import", "tsx", "cli/writ.ts", "fmt", "--write", join(dir, "blank.writ")], { cwd: root, encoding: "utf8", env });
    expect([written.status, written.stdout]).toEqual([1, ""]);
    expect(readFileSync(join(dir, "blank.writ"), "utf8")).toBe("\n \n");
  });
});
