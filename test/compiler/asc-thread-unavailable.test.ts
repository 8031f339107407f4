// asc that cannot be loaded is the installation's fault, not the policy's, wherever asc was loading:
// `writ compile` loads it on a thread of its own (asc-thread.ts), and that thread's AscUnavailable
// used to come back as asc's output for the generated code, reported as an internal compiler error
// of the backend ("please report this with the policy"). The CLI and the library now give one
// diagnostic. Both run from a transpiled copy of the tree (a thread cannot load TypeScript) whose
// node_modules holds assemblyscript but not binaryen, which it imports; the repository's install is
// not touched.

import { execFile } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repositoryRoot, writeTranspiledTree } from "../support/transpiled-tree.js";
import { tempDir } from "../support/temp-dir.js";

const policyFile = join(repositoryRoot, "policies/payments.writ");

function node(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd, env: { ...process.env, NODE_OPTIONS: "", WRIT_ASC_CACHE: "off" }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** node_modules as the repository's, but with a copy of assemblyscript and no binaryen. */
function installWithoutBinaryen(build: string): void {
  const modules = join(build, "node_modules");
  rmSync(modules);
  mkdirSync(modules);
  const installed = join(repositoryRoot, "node_modules");
  for (const name of readdirSync(installed)) {
    if (name === "binaryen" || name === ".cache") continue;
    // a link would resolve to the repository's node_modules, where binaryen is found
    if (name === "assemblyscript") cpSync(join(installed, name), join(modules, name), { recursive: true });
    else symlinkSync(join(installed, name), join(modules, name));
  }
}

const UNAVAILABLE = /the AssemblyScript compiler could not be loaded: .*binaryen.* \(the policy itself was checked: it has no errors\)/;

describe("asc that cannot be loaded on the compile thread", () => {
  let build: string;
  beforeAll(() => {
    build = tempDir("asc-gone");
    writeTranspiledTree(build, ["compiler", "runtime", "cli"], { name: "writ", version: "0.0.0-test" });
    installWithoutBinaryen(build);
  });

  it("is reported by `writ compile` as the library reports it, not as an internal error", async () => {
    const cli = await node([join(build, "cli/writ.js"), "compile", policyFile, "-o", join(build, "out")], build);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toMatch(/error\[W0901\]/);
    expect(cli.stderr).toMatch(UNAVAILABLE);
    expect(cli.stderr).toMatch(/check that the assemblyscript package is installed and readable/);
    expect(cli.stderr).not.toMatch(/internal compiler error|asc failed on the generated code|please report/);

    const script = `import { readFileSync } from "node:fs";
import { compilePolicy } from ${JSON.stringify(join(build, "compiler/driver.js"))};
const r = await compilePolicy(readFileSync(${JSON.stringify(policyFile)}, "utf8"), { fileName: "payments.writ" });
process.stdout.write(JSON.stringify(r.diagnostics.map((d) => ({ code: d.code, message: d.message, help: d.help }))));`;
    const library = await node(["--input-type=module", "-e", script], build);
    const [diagnostic, ...more] = JSON.parse(library.stdout) as { code: string; message: string; help?: string }[];
    expect(more).toEqual([]);
    expect(diagnostic!.message).toMatch(UNAVAILABLE);
    expect(cli.stderr).toContain(`error[${diagnostic!.code}]: ${diagnostic!.message}`);
    if (diagnostic!.help) expect(cli.stderr).toContain(diagnostic!.help);
  }, 180_000);
});
