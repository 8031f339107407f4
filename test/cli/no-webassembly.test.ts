// A Node without WebAssembly (started with --jitless or --no-expose-wasm) cannot compile or run a
// decision module. The commands that need one say so in one line, as a fault of the process and not
// of the policy or the bundle (the compiler used to report it as an internal error at the policy's
// first rule, "please report this with the policy"); the commands that need none still work.

import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { tempDir } from "../support/temp-dir.js";

const cli = new URL("../../cli/writ.ts", import.meta.url).pathname;
const tsx = new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url).href;
const dir = tempDir("no-webassembly");
const policy = 'policy "p" version "1.0.0"\ninput { a: int }\npermit ok when a > 0\n';

function writ(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--no-expose-wasm", "--import", tsx, cli, ...args], { cwd: dir, encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("a Node without WebAssembly", () => {
  writeFileSync(join(dir, "p.writ"), policy);
  writeFileSync(join(dir, "r.json"), '{"a": 1}\n');

  it("refuses the commands that compile or run a module, in one line naming the cause", () => {
    for (const args of [["compile", "p.writ", "-o", "out"], ["eval", "p.writ", "--input", "r.json"], ["test", "p.writ"]]) {
      const r = writ(...args);
      expect(r, args.join(" ")).toMatchObject({ status: 1, stdout: "" });
      expect(r.stderr, args.join(" ")).toBe(`writ ${args[0]}: this Node has no WebAssembly (was it started with --jitless or --no-expose-wasm?), which writ ${args[0]} needs to compile or run a decision module\n`);
    }
  });

  it("still checks and formats a policy", () => {
    expect(writ("check", "p.writ")).toMatchObject({ status: 0, stderr: "p.writ: 0 errors, 0 warnings\n" });
    expect(writ("fmt", "p.writ")).toMatchObject({ status: 0, stdout: expect.stringMatching(/^policy "p" version "1\.0\.0"\n\ninput \{\n {2}a: int\n\}\n/) });
  });

  it("has the compiler API say it, not blame the policy", async () => {
    const saved = globalThis.WebAssembly;
    // as --no-expose-wasm leaves the global: absent
    delete (globalThis as { WebAssembly?: unknown }).WebAssembly;
    let result;
    try {
      result = await compilePolicy(policy, { fileName: "p.writ" });
    } finally {
      globalThis.WebAssembly = saved;
    }
    expect(result.bundle).toBeUndefined();
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({ code: "W0901", message: expect.stringMatching(/^this JavaScript engine has no WebAssembly/), help: expect.stringMatching(/--jitless/) });
  });
});
