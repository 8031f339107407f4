// `writ verify <bundle> --pub <key>` on a bundle nobody signed, as a user runs it: plain node on a
// transpiled copy of the tree, a bundle `writ compile` wrote and a key `writ keygen` wrote. The
// refusal speaks of the command line (sign it with `writ sign`), not of the runtime's allowUnsigned,
// which no command takes; and unlike `eval`, it does not offer to leave out --pub, which verify requires.

import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeTranspiledTree } from "../support/transpiled-tree.js";
import { tempDir } from "../support/temp-dir.js";

function writ(build: string, cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [join(build, "cli/writ.js"), ...args], { cwd, env: { ...process.env, NODE_OPTIONS: "" }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr });
    });
    child.stdin?.end();
  });
}

describe("writ verify on an unsigned bundle directory", () => {
  let build: string;
  let cwd: string;
  beforeAll(async () => {
    build = tempDir("verify-unsigned-build");
    writeTranspiledTree(build, ["compiler", "runtime", "cli"], { name: "writ", version: "0.0.0-test" });
    cwd = tempDir("verify-unsigned");
    writeFileSync(join(cwd, "p.writ"), 'policy "p" version "1.0.0"\ninput { a: int }\npermit ok when a > 0\n');
    const compiled = await writ(build, cwd, ["compile", "p.writ", "-o", "bundle", "--O0"]);
    expect(compiled.code, compiled.stderr).toBe(0);
    const keys = await writ(build, cwd, ["keygen", "-o", "keys"]);
    expect(keys.code, keys.stderr).toBe(0);
  }, 120_000);

  it("is refused, exit 1, saying to sign it with writ sign and naming no runtime option", async () => {
    const r = await writ(build, cwd, ["verify", "bundle", "--pub", "keys/writ.public.jwk"]);
    expect(r).toEqual({
      code: 1,
      stdout: "",
      stderr: "writ verify: bundle p refused (unsigned): bundle is not signed, and only a bundle signed by one of the --pub keys verifies: sign it (`writ sign <bundle> --key <private key>`)\n",
    });
    expect(r.stderr).not.toContain("allowUnsigned");
  }, 120_000);

  it("verifies once signed", async () => {
    const signed = await writ(build, cwd, ["sign", "bundle", "--key", "keys/writ.private.jwk"]);
    expect(signed.code, signed.stderr).toBe(0);
    const r = await writ(build, cwd, ["verify", "bundle", "--pub", "keys/writ.public.jwk"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^bundle p 1\.0\.0 verified: signed by /);
  }, 120_000);
});
