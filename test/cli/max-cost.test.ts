// `--max-cost N` is taken by every command that compiles a source, read by one function: a policy
// over the default budget, compiled with a raised one, can be checked, tested and evaluated from its
// source as well (those commands refused the option), and a bad value is the same usage error
// everywhere. W0503's help names the option whatever the command that printed it.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { runWrit } from "../support/cli.js";

const cwd = tempDir("max-cost");

// 64 strings of up to 200,000 bytes, each searched: about 12.8 million, over the default 10 million
const costly = [
  `policy "costly" version "1"`,
  `input { ls: list<string(200000)>(64) }`,
  `permit p when ls.exists(x, x.contains("a"))`,
  `test "one match" { input { ls: ["a"] } expect allow by [p] }`,
  ``,
].join("\n");
writeFileSync(join(cwd, "costly.writ"), costly);
writeFileSync(join(cwd, "request.json"), JSON.stringify({ ls: ["xa"] }));
const RAISED = "100000000";

const run = (argv: string[]) => runWrit(argv, cwd);

describe("--max-cost", () => {
  it.each([["check"], ["test"], ["eval", "--input", "request.json", "--backend", "interp"], ["bench", "--rounds", "1"]])(
    "writ %s refuses the policy over the default budget, and takes it under a raised one",
    async (command, ...rest) => {
      const argv = [command!, "costly.writ", ...rest];
      const refused = await run(argv);
      expect(refused.code).toBe(1);
      expect(refused.err).toContain("error[W0503]");
      expect(refused.err).toContain("`--max-cost N` of writ check, compile, test, eval and bench");
      const raised = await run([...argv, "--max-cost", RAISED]);
      expect(raised.code, raised.err).toBe(0);
      expect(raised.err).not.toContain("W0503");
    },
    60_000,
  );

  it("writ test runs the tests, and writ eval decides on the module, under the raised budget", async () => {
    const tested = await run(["test", "costly.writ", "--max-cost", RAISED]);
    expect(tested.out).toContain("1 passed, 0 failed");
    const evaluated = await run(["eval", "costly.writ", "--input", "request.json", "--max-cost", RAISED]);
    expect(evaluated.code, evaluated.err).toBe(0);
    expect(JSON.parse(evaluated.out)).toEqual({ decision: "allow", rules: ["p"], errors: [] });
  }, 120_000);

  it.each(["0", "-5", "1.5", "ten", "1e400", "9007199254740992", "99999999999999999999", "0x1000000", "2e7", " 20000000"])("refuses --max-cost %s the same way in every command, exit 2", async (value) => {
    for (const command of [["check", "costly.writ"], ["test", "costly.writ"], ["eval", "costly.writ", "--input", "request.json"], ["compile", "costly.writ", "-o", "out"], ["bench", "costly.writ"]]) {
      const r = await run([...command, "--max-cost", value]);
      expect(r.code).toBe(2);
      expect(r.err).toBe(`writ ${command[0]}: --max-cost takes a whole number from 1 to 9007199254740991, not \`${value}\``);
    }
  });

  it("is read before the files are counted: a file taken for its value is said to be no number, not missing", async () => {
    for (const command of [["check"], ["test"], ["eval", "--input", "request.json"], ["bench"], ["compile"]]) {
      const r = await run([...command, "--max-cost", "costly.writ"]);
      expect(r).toEqual({ code: 2, out: "", err: `writ ${command[0]}: --max-cost takes a whole number from 1 to 9007199254740991, not \`costly.writ\`` });
    }
    // as are the other counts of the commands that take a source
    expect(await run(["fmt", "--max-diagnostics", "costly.writ"])).toEqual({ code: 2, out: "", err: "writ fmt: --max-diagnostics takes a whole number from 0 to 9007199254740991 (0 for all), not `costly.writ`" });
    expect(await run(["bench", "--rounds", "costly.writ"])).toEqual({ code: 2, out: "", err: "writ bench: --rounds takes a whole number from 1 to 1000 in decimal digits, not `costly.writ`" });
    // an unknown option is still said first
    expect((await run(["check", "--max-cost", "costly.writ", "--bogus"])).err).toMatch(/^writ check: unknown option --bogus/);
  });

  it("quotes a refused value escaped: a line end or an ANSI sequence in it cannot forge output", async () => {
    const r = await run(["check", "costly.writ", "--max-cost", "5\n\u001b[32mok"]);
    expect(r.code).toBe(2);
    expect(r.err).toBe("writ check: --max-cost takes a whole number from 1 to 9007199254740991, not `5\\u000a\\u001b[32mok`");
  });

  it("is refused with a bundle directory, which was compiled under its budget already, as a command line that means nothing (exit 2)", async () => {
    const compiled = await run(["compile", "costly.writ", "-o", "bundle", "--O0", "--max-cost", RAISED]);
    expect(compiled.code, compiled.err).toBe(0);
    const r = await run(["eval", "bundle", "--input", "request.json", "--max-cost", RAISED]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--max-cost is the budget a .writ source is compiled under");
    expect((await run(["eval", "bundle", "--input", "request.json"])).code).toBe(0);
    const bench = await run(["bench", "bundle", "--requests", "request.json", "--max-cost", RAISED]);
    expect(bench.code).toBe(2);
    expect(bench.err).toContain("writ bench: --max-cost is the budget a .writ source is compiled under");
    // as is the other option only a .writ source has a use for
    const interp = await run(["eval", "bundle", "--input", "request.json", "--backend", "interp"]);
    expect(interp).toMatchObject({ code: 2, out: "", err: "writ eval: --backend interp needs the policy's .writ source, not a bundle directory" });
  }, 60_000);

  it("is in the usage of every command that compiles a source", async () => {
    for (const command of ["check", "compile", "test", "eval", "bench"]) {
      const r = await run([command, "--help"]);
      expect(r.out).toMatch(/\[--max-cost N\]/);
      expect(r.out).toMatch(/ {2}--max-cost N +worst-case cost budget/);
    }
  });
});
