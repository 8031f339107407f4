// `writ test` prints each test's name on a line of its own: a name is the policy author's text, and a
// newline, an ANSI sequence or a bidirectional override in it must not forge another line of the
// report (a passing test where one failed) or repaint the terminal.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { testCommand } from "../../cli/commands/test.js";

const dir = mkdtempSync(join(tmpdir(), "writ-test-names-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
    expect(lines).toContain("  ✗ real\\u000a  ✓ security review passed");
    expect(lines).toContain("  ✓ red \\u001b[31m and \\u202eright-to-left");
    expect(lines.filter((l) => l.startsWith("  ✓ security"))).toEqual([]);
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
});
