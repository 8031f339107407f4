// The README's library sample runs as written: its code block is taken from README.md, run by plain
// node against the package's own entry points ("writ", "writ/compiler", "writ/trust", resolved
// through package.json's export map), on the policy the README shows and a key pair as `writ keygen`
// writes it. The decision it prints must be the one its last comment states. (It once loaded an
// unsigned bundle with trustedKeys, which throws `unsigned`, from names it never defined.)

import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeKeyPair } from "../../runtime/trust/key-files.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { repositoryRoot, writeTranspiledTree } from "../support/transpiled-tree.js";
import { tempDir } from "../support/temp-dir.js";

const readme = readFileSync(join(repositoryRoot, "README.md"), "utf8");

/** The first fenced block of `lang` after the heading `heading`. */
function codeBlock(heading: string, lang: string): string {
  const section = readme.indexOf(`\n${heading}\n`);
  expect(section, `README.md has no heading ${heading}`).toBeGreaterThanOrEqual(0);
  const open = readme.indexOf("\n```" + lang + "\n", section);
  const start = open + 4 + lang.length + 1;
  const end = readme.indexOf("\n```\n", start);
  expect(open > 0 && end > start, `no \`\`\`${lang} block after ${heading}`).toBe(true);
  return readme.slice(start, end + 1);
}

/** The package's export map, pointed at the transpiled tree instead of dist/. */
function exportsOfTree(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(join(repositoryRoot, "package.json"), "utf8")) as { exports: Record<string, string> };
  return Object.fromEntries(Object.entries(pkg.exports).map(([entry, target]) => [entry, target.replace(/^\.\/dist\//, "./")]));
}

function node(cwd: string, script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script], { cwd, env: { ...process.env, NODE_OPTIONS: "" }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe("the README's library sample", () => {
  let build: string;
  beforeAll(() => {
    build = tempDir("readme");
    writeTranspiledTree(build, ["compiler", "runtime"], { name: "writ", version: "0.0.0-test", exports: exportsOfTree() });
    // "the policy above": the README's policy block, in the file the sample reads
    writeFileSync(join(build, "agent-payments.writ"), codeBlock("## A policy", ""));
    mkdirSync(join(build, "keys"));
    writeKeyPair(join(build, "keys"), generateKeyPair());
  }, 120_000);

  it("runs as written and decides what its comment says", async () => {
    const sample = codeBlock("## The library", "ts");
    const stated = /\n\/\/ (\{ decision: .*\})\n$/.exec(sample);
    expect(stated, "the sample ends with the decision it gets, as a comment").not.toBeNull();
    writeFileSync(join(build, "readme-sample.mjs"), `${sample}console.log(JSON.stringify(decision));\n`);
    const r = await node(build, "readme-sample.mjs");
    expect(r.code, r.stderr).toBe(0);
    const expected = JSON.parse(stated![1]!.replace(/(\w+):/g, '"$1":'));
    expect(JSON.parse(r.stdout)).toEqual(expected);
    expect(expected).toEqual({ decision: "allow", rules: ["large_transfer"], errors: [] });
  }, 120_000);
});
