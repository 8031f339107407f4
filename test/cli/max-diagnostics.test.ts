// A file's diagnostics are printed the first 50 of them, then a line saying how many more there are
// and how to see them: `--max-diagnostics N`, taken by every command that prints a policy's
// diagnostics and read by one function, prints the first N, and 0 all of them. writ check said it
// printed every diagnostic, and stopped at the 50th with "... and 10 more".

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderDiagnostics } from "../../compiler/diagnostics.js";
import { compilePolicy } from "../../compiler/driver.js";
import { tempDir } from "../support/temp-dir.js";
import { runWrit } from "../support/cli.js";

const cwd = tempDir("max-diagnostics");

// 60 rules, each naming a name that is not there (W0204) on a line of its own
const rules = Array.from({ length: 60 }, (_, i) => `permit r${i} when zz${i}`);
writeFileSync(join(cwd, "many.writ"), [`policy "p" version "1.0.0"`, `input { n: int }`, ...rules, ``].join("\n"));
// 60 syntax errors, for writ fmt, which only parses
writeFileSync(join(cwd, "broken.writ"), [`policy "p" version "1.0.0"`, ...Array.from({ length: 60 }, (_, i) => `permit r${i} when n !! ${i}`), ``].join("\n"));
writeFileSync(join(cwd, "ok.writ"), `policy "ok" version "1.0.0"\ninput { n: int }\npermit p when n > 0\n`);
writeFileSync(join(cwd, "request.json"), `{"n": 1}`);

const run = (argv: string[]) => runWrit(argv, cwd);
const shownCount = (err: string) => (err.match(/^\S+:\d+:\d+: error\[W\d{4}\]/gm) ?? []).length;
const more = (hidden: number, shown: number) => `... and ${hidden} more diagnostics: the first ${shown} of 60 are shown; --max-diagnostics=0 prints them all`;

const commands: [string, string[]][] = [
  ["check", ["check", "many.writ"]],
  ["test", ["test", "many.writ"]],
  ["compile", ["compile", "many.writ", "-o", "out", "--O0"]],
  ["eval", ["eval", "many.writ", "--input", "request.json"]],
  ["bench", ["bench", "many.writ", "--rounds", "1"]],
  ["fmt", ["fmt", "broken.writ"]],
];

describe("--max-diagnostics", () => {
  it.each(commands)("writ %s prints the first 50 diagnostics and says how many more there are and how to see them", async (_, argv) => {
    const r = await run(argv);
    expect(r.code).toBe(1);
    expect(shownCount(r.err)).toBe(50);
    expect(r.err).toContain(`\n\n${more(10, 50)}\n`);
  }, 60_000);

  it.each(commands)("writ %s --max-diagnostics=0 prints every diagnostic, and N the first N", async (_, argv) => {
    const all = await run([...argv, "--max-diagnostics=0"]);
    expect(all.code).toBe(1);
    expect(shownCount(all.err)).toBe(60);
    expect(all.err).not.toContain("more diagnostics");
    const three = await run([...argv, "--max-diagnostics", "3"]);
    expect(shownCount(three.err)).toBe(3);
    expect(three.err).toContain(more(57, 3));
    // the first by position
    expect(three.err).toMatch(/:3:\d+: error/);
    expect(three.err).not.toMatch(/:6:\d+: error/);
  }, 60_000);

  it("writ check's count line still counts every diagnostic", async () => {
    const r = await run(["check", "many.writ", "--max-diagnostics", "1"]);
    expect(r.err.split("\n").at(-1)).toBe("many.writ: 60 errors, 0 warnings");
  });

  // a whole number past the largest a number holds exactly is refused too, and the message names the
  // range, which it did not: "takes a whole number, not `9007199254740992`" refused a whole number
  it.each(["-1", "ten", "1.5", "0x10", "9007199254740992", "99999999999999999999999", ""])("refuses --max-diagnostics=%j the same way in every command, exit 2", async (value) => {
    for (const [name, argv] of commands) {
      const r = await run([...argv, `--max-diagnostics=${value}`]);
      expect(r.code, name).toBe(2);
      if (value !== "") expect(r.err).toBe(`writ ${name}: --max-diagnostics takes a whole number from 0 to 9007199254740991 (0 for all), not \`${value}\``);
    }
  });

  it("takes the largest whole number it names", async () => {
    const r = await run(["check", "many.writ", "--max-diagnostics", "9007199254740991"]);
    expect(r.code).toBe(1);
    expect(shownCount(r.err)).toBe(60);
    expect(r.err).not.toContain("more diagnostics");
  });

  it("is refused with a bundle directory, which has no diagnostics to print, as a command line that means nothing (exit 2)", async () => {
    expect((await run(["compile", "ok.writ", "-o", "bundle", "--O0"])).code).toBe(0);
    for (const argv of [["eval", "bundle", "--input", "request.json"], ["bench", "bundle", "--requests", "request.json", "--rounds", "1"]]) {
      const r = await run([...argv, "--max-diagnostics", "0"]);
      expect(r.code).toBe(2);
      expect(r.err).toBe(`writ ${argv[0]}: --max-diagnostics is how many of a .writ source's diagnostics are printed; a bundle directory is compiled already`);
    }
  }, 60_000);

  it("is in the usage of every command that prints diagnostics", async () => {
    for (const [name] of commands) {
      const r = await run([name, "--help"]);
      expect(r.out, name).toMatch(/\[--max-diagnostics N\]/);
      expect(r.out, name).toMatch(/^ {2}--max-diagnostics N\s+print a file's first N diagnostics \(default 50; 0: all\)$/m);
    }
    expect((await run(["check", "--help"])).out).not.toContain("every diagnostic");
  });
});

describe("renderDiagnostics", () => {
  it("shows the first `max` diagnostics, all with Infinity, and refuses a max that is no count", async () => {
    const text = [`policy "p" version "1.0.0"`, `input { n: int }`, ...rules, ``].join("\n");
    const { diagnostics } = await compilePolicy(text, { fileName: "many.writ", stopAfter: "check" });
    const source = { name: "many.writ", text };
    expect(renderDiagnostics(diagnostics, source).split("\n").at(-1)).toBe("... and 10 more diagnostics: the first 50 of 60 are shown");
    expect(renderDiagnostics(diagnostics, source, { max: Infinity })).not.toContain("... and");
    expect(renderDiagnostics(diagnostics, source, { max: 1 }).split("\n").at(-1)).toBe("... and 59 more diagnostics: the first of 60 is shown");
    expect(renderDiagnostics(diagnostics, source, { max: 59, moreHelp: "see them all" }).split("\n").at(-1)).toBe("... and 1 more diagnostic: the first 59 of 60 are shown; see them all");
    for (const max of [0, -1, 1.5, NaN]) expect(() => renderDiagnostics(diagnostics, source, { max })).toThrow(RangeError);
    // a max of another type is refused as a wrong type (test/compiler/options-objects.test.ts)
    expect(() => renderDiagnostics(diagnostics, source, { max: "5" as unknown as number })).toThrow(TypeError);
  });
});
