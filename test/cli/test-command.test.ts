// `writ test` prints each test's name on a line of its own: a name is the policy author's text, and a
// newline, an ANSI sequence or a bidirectional override in it must not forge another line of the
// report (a passing test where one failed) or repaint the terminal.

import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { testCommand } from "../../cli/commands/test.js";
import { runWrit } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

const dir = tempDir("test-names");

describe("writ test", () => {
  it("escapes what in a test's name could forge a line or repaint the terminal", async () => {
    const file = join(dir, "names.writ");
    writeFileSync(
      file,
      [
        `policy "names" version "1"`,
        `input { n: int }`,
        `permit p when n > 0`,
        `test "real\\n  ✓ security review passed" { input { n: 0 } expect allow }`,
        `test "red \\u001b[31m and \\u202eright-to-left" { input { n: 1 } expect allow }`,
      ].join("\n"),
    );
    const out: string[] = [];
    const code = await testCommand.run([file], { cwd: dir, out: (t) => out.push(t), err: (t) => out.push(t), readStdin: async () => "" });
    expect(code).toBe(1);
    const lines = out.join("\n").split("\n");
    expect(lines).toContain(`  ✗ real\\u000a  ✓ security review passed (${file}:4:1)`);
    expect(lines).toContain("  ✓ red \\u001b[31m and \\u202eright-to-left");
    expect(lines.filter((l) => l.startsWith("  ✓ security"))).toEqual([]);
  });

  it("tests a file once, given twice or found again in a directory given, as a directory given twice is walked once", async () => {
    const sub = join(dir, "once");
    mkdirSync(sub);
    writeFileSync(join(sub, "one.writ"), `policy "one" version "1"\ninput { n: int }\npermit p when n > 0\ntest "positive" { input { n: 1 } expect allow by [p] }\n`);
    for (const args of [["once/one.writ", "once/one.writ"], ["once", "once/one.writ"], ["once/one.writ", "./once/../once/one.writ"], ["once", "once"]]) {
      const r = await runWrit(["test", ...args], dir);
      expect(r.code, args.join(" ")).toBe(0);
      expect(r.out, args.join(" ")).toMatch(/^[^\n]*\(one 1\)\n  ✓ positive\n1 passed, 0 failed$/);
    }
  });

  it("names where each failing test is, so that two tests of one name can be told apart", async () => {
    const file = join(dir, "twins.writ");
    writeFileSync(file, [`policy "twins" version "1"`, `input { age: int }`, `permit adults when age >= 18`, `test "same" { input { age: 30 } expect allow }`, `  test "same" {`, `    input { age: 3 }`, `    expect allow`, `  }`, ``].join("\n"));
    const out: string[] = [];
    const code = await testCommand.run(["twins.writ"], { cwd: dir, out: (t) => out.push(t), err: () => {}, readStdin: async () => "" });
    expect(code).toBe(1);
    expect(out).toEqual(["twins.writ (twins 1)", "  ✓ same", "  ✗ same (twins.writ:5:3)", "      expected allow, got deny (no permit held)", "1 passed, 1 failed"]);
  });

  it("escapes the policy's version in its header line too", async () => {
    const file = join(dir, "version.writ");
    writeFileSync(file, `policy "v" version "1)\\n  ✓ forged\\n(x"\ninput { n: int }\npermit p when n > 0\ntest "real" { input { n: 0 } expect allow }\n`);
    const out: string[] = [];
    await testCommand.run([file], { cwd: dir, out: (t) => out.push(t), err: (t) => out.push(t), readStdin: async () => "" });
    const lines = out.join("\n").split("\n");
    expect(lines[0]).toBe(`${file} (v 1)\\u000a  ✓ forged\\u000a(x)`);
    expect(lines.filter((l) => l.startsWith("  ✓"))).toEqual([]);
  });

  it("escapes a refused request's message, a file's name and the duplicate-name diagnostics", async () => {
    const sub = join(dir, "esc");
    mkdirSync(sub);
    // a test-data key the schema does not declare: the refusal quotes it
    writeFileSync(join(sub, "a\n  ✓ fake.writ"), [
      `policy "k" version "1"`,
      `input { n: int }`,
      `permit p when n > 0`,
      `test "real" { input { n: 1, "x\\n  ✓ security review passed": 1 } expect allow }`,
      `test "t\\nforged.writ:1:1: error[W0201]: forged" { input { n: 1 } expect allow }`,
      `test "t\\nforged.writ:1:1: error[W0201]: forged" { input { n: 1 } expect allow }`,
    ].join("\n"));
    // a key given twice is an error whose message quotes the key; an ESC in the source line shown
    writeFileSync(join(sub, "b.writ"), [
      `policy "d" version "1"`,
      `input { n: int }`,
      `permit p when n > 0`,
      `test "t" { input { n: 1, "k\\nforged.writ:1:1: error[W0201]: forged": 1, "k\\nforged.writ:1:1: error[W0201]: forged": 2, "\u001b[2K": 3 } expect allow }`,
    ].join("\n"));
    const out: string[] = [];
    const err: string[] = [];
    const code = await testCommand.run([sub], { cwd: dir, out: (t) => out.push(t), err: (t) => err.push(t), readStdin: async () => "" });
    expect(code).toBe(1);
    const lines = [...out, ...err].join("\n").split("\n");
    // no line the texts above could forge: a passing security test, a diagnostic, a file's header
    expect(lines.filter((l) => /^\s*✓ security review|^forged\.writ|^\s*✓ fake\.writ/.test(l)), lines.join("\n")).toEqual([]);
    expect(lines.some((l) => l.includes("\u001b")), "a raw ESC reached the output").toBe(false);
    // the test's input is refused by the checker (W0605), so the file does not compile
    expect(lines.some((l) => /^✗ .*a\\u000a  ✓ fake\.writ: does not compile$/.test(l))).toBe(true);
    expect(lines.some((l) => l.includes("error[W0605]: the schema refuses this test's input: x\\u000a  ✓ security review passed: unknown field"))).toBe(true);
    expect(lines.some((l) => l.includes("warning[W0603]: test `t\\u000aforged.writ:1:1: error[W0201]: forged` is declared twice"))).toBe(true);
    expect(lines.some((l) => l.includes("error[W0602]: key `k\\u000aforged.writ:1:1: error[W0201]: forged` appears twice"))).toBe(true);
  });

  it("fails a run that tests nothing: an empty path, a directory of no policy beside others, policies without tests", async () => {
    const run = async (...inputs: string[]) => {
      const out: string[] = [];
      const code = await testCommand.run(inputs, { cwd: dir, out: (t) => out.push(t), err: (t) => out.push(t), readStdin: async () => "" });
      return { code, out: out.join("\n") };
    };
    mkdirSync(join(dir, "empty"));
    writeFileSync(join(dir, "ok.writ"), `policy "ok" version "1"\ninput { n: int }\npermit p when n > 0\ntest "t" { input { n: 1 } expect allow }\n`);
    writeFileSync(join(dir, "untested.writ"), `policy "u" version "1"\ninput { n: int }\npermit p when n > 0\n`);
    expect(await run("ok.writ")).toMatchObject({ code: 0 });
    expect(await run("")).toMatchObject({ code: 2, out: expect.stringContaining("an empty path names no file or directory") });
    expect(await run("ok.writ", "empty")).toMatchObject({ code: 1, out: expect.stringContaining("writ test: empty: no .writ files in it") });
    // counted as a failure, and said to be one no test ran for
    expect((await run("ok.writ", "empty")).out).toContain("1 passed, 1 failed (1 input not tested, said on standard error)");
    expect(await run("untested.writ")).toMatchObject({ code: 1, out: expect.stringContaining("0 passed, 0 failed: no test blocks in untested.writ") });
    expect(await run("ok.writ", "untested.writ")).toMatchObject({ code: 0 });
    // a directory whose policies an earlier input already covered still holds them, in either order
    mkdirSync(join(dir, "outer", "inner"), { recursive: true });
    writeFileSync(join(dir, "outer", "inner", "ok.writ"), `policy "ok" version "1"\ninput { n: int }\npermit p when n > 0\ntest "t" { input { n: 1 } expect allow }\n`);
    expect(await run("outer/inner", "outer")).toMatchObject({ code: 0 });
    expect(await run("outer", "outer/inner")).toMatchObject({ code: 0 });
  });

  it("says, when a directory holds no .writ file it searched, that it did not search entries starting with `.` or node_modules", async () => {
    const ok = `policy "ok" version "1"\ninput { n: int }\npermit p when n > 0\ntest "t" { input { n: 1 } expect allow }\n`;
    const hidden = join(dir, "hidden");
    for (const sub of [".ci", "node_modules", "deep/node_modules"]) mkdirSync(join(hidden, sub), { recursive: true });
    for (const file of [".p.writ", ".ci/p.writ", "node_modules/p.writ", "deep/node_modules/p.writ"]) writeFileSync(join(hidden, file), ok);
    const note = "no .writ files in it (entries starting with `.` and node_modules are not searched)";
    expect(await runWrit(["test", "hidden"], dir)).toMatchObject({ code: 1, err: `writ test: hidden: ${note}` });
    // below the directory given, and for a directory walked already (given again, or met again)
    mkdirSync(join(dir, "nested", "inner", "node_modules"), { recursive: true });
    writeFileSync(join(dir, "nested", "inner", "node_modules", "p.writ"), ok);
    expect(await runWrit(["test", "nested/inner", "nested"], dir)).toMatchObject({ code: 1, err: `writ test: nested/inner: ${note}\nwrit test: nested: ${note}` });
    // a directory with nothing left out says only that it holds no policy
    mkdirSync(join(dir, "bare"));
    expect(await runWrit(["test", "bare"], dir)).toMatchObject({ code: 1, err: "writ test: bare: no .writ files in it" });
    // and a directory whose policies were found does not mention what it left out
    writeFileSync(join(hidden, "deep", "ok.writ"), ok);
    expect(await runWrit(["test", "hidden"], dir)).toMatchObject({ code: 0 });
  });

  it("skips what is not a file in a directory (a FIFO would block the run) and reports a directory it may not read", async () => {
    const tree = join(dir, "tree");
    mkdirSync(join(tree, "locked"), { recursive: true });
    writeFileSync(join(tree, "ok.writ"), `policy "ok" version "1"\ninput { n: int }\npermit p when n > 0\ntest "t" { input { n: 1 } expect allow }\n`);
    execFileSync("mkfifo", [join(tree, "pipe.writ")]);
    const out: string[] = [];
    const io = { cwd: dir, out: (t: string) => out.push(t), err: (t: string) => out.push(t), readStdin: async () => "" };
    expect(await testCommand.run(["tree"], io)).toBe(0);
    expect(out.join("\n")).toContain("1 passed, 0 failed");
    // a directory that cannot be listed (root reads any directory: the walk is then simply complete)
    chmodSync(join(tree, "locked"), 0);
    out.length = 0;
    const code = await testCommand.run(["tree"], io);
    chmodSync(join(tree, "locked"), 0o755);
    if (process.getuid?.() === 0) expect(code).toBe(0);
    else {
      expect(code).toBe(1);
      expect(out.join("\n")).toMatch(/writ test: tree\/locked: permission denied \(EACCES\)/);
      expect(out.join("\n")).toContain("1 passed, 1 failed");
    }
  });
});
