// The command line's flags: a flag that takes a value and has none is a usage error (exit 2), never
// dropped. Dropped, `--sign` gave an unsigned bundle and `--pub` skipped verification without a word;
// and a valued flag must not take the next flag as its value (`-o --O0` made a directory `--O0`).

import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseArgs, unknownFlags, UsageError } from "../../cli/io.js";
import { main } from "../../cli/writ.js";

async function run(argv: string[], cwd: string): Promise<{ code: number; err: string }> {
  const err: string[] = [];
  const code = await main(argv, { cwd, out: () => {}, err: (t) => err.push(t), readStdin: async () => "{}" });
  return { code, err: err.join("\n") };
}

describe("flags that take a value", () => {
  const cwd = mkdtempSync(join(tmpdir(), "writ-flags-"));
  it.each([
    [["compile", "p.writ", "-o", "out", "--sign"], "--sign"],
    [["compile", "p.writ", "-o", "--O0"], "-o"],
    [["eval", "bundle", "--input", "r.json", "--pub"], "--pub"],
    [["verify", "a.jws", "--pub"], "--pub"],
    [["authorize", "bundle", "--input", "r.json", "--key", "k.jwk", "--log"], "--log"],
    [["audit", "verify", "log.jsonl", "--pub"], "--pub"],
    [["bench", "p.writ", "--requests"], "--requests"],
  ])("writ %j is refused, naming the flag, exit 2", async (argv, flag) => {
    const r = await run(argv as string[], cwd);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${flag} needs a value`);
    expect(existsSync(join(cwd, "--O0"))).toBe(false);
  });

  it("still reads values given with `=`, `-` for standard input, and boolean flags anywhere", () => {
    expect(parseArgs(["--input", "-", "x"]).flags.get("input")).toBe("-");
    expect(parseArgs(["--sign=k.jwk"]).flags.get("sign")).toBe("k.jwk");
    const p = parseArgs(["p.writ", "--O0", "-o", "out"], ["O0"]);
    expect([p.flags.get("O0"), p.flags.get("o"), p.positional]).toEqual([true, "out", ["p.writ"]]);
    expect(() => unknownFlags(parseArgs(["p.writ", "-o"]), ["o"])).toThrow(UsageError);
    expect(unknownFlags(parseArgs(["p.writ", "--bogus"]), ["o"])).toEqual(["bogus"]); // unknown first
  });
});
