// The README's library sample runs as written: its code block is taken from README.md, run by plain
// node against the package's own entry points ("writ", "writ/compiler", "writ/trust", resolved
// through package.json's export map), on the policy the README shows and a key pair as `writ keygen`
// writes it. The decision it prints must be the one its last comment states. (It once loaded an
// unsigned bundle with trustedKeys, which throws `unsigned`, from names it never defined.)
//
// The README's table of entry points is held to package.json and to the modules: every name the
// export map gives is in it, the names of one row are one module, and each function a row lists is
// exported by that module and by no other. (It once said `writ` could authorize, which is
// `writ/trust`'s, and left `writ/runtime` out.)

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

/** The rows of the first table in the section under `heading`: each row's cells, the header and its rule left out. */
function tableRows(heading: string): string[][] {
  const section = readme.indexOf(`\n${heading}\n`);
  expect(section, `README.md has no heading ${heading}`).toBeGreaterThanOrEqual(0);
  const next = readme.indexOf("\n## ", section + heading.length + 1);
  const lines = readme.slice(section, next < 0 ? undefined : next).split("\n");
  const first = lines.findIndex((l) => l.startsWith("| "));
  const table: string[] = [];
  for (let i = first; i >= 0 && i < lines.length && lines[i]!.startsWith("|"); i++) table.push(lines[i]!);
  expect(table.length, `no table after ${heading}`).toBeGreaterThan(2);
  return table.slice(2).map((row) => row.split("|").slice(1, -1).map((cell) => cell.trim()));
}

/** The names in backticks in a table's cell. */
const quoted = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

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

describe("the README's entry points", () => {
  const entryRows = () => tableRows("## The library").map(([entries, , functions]) => ({ entries: quoted(entries!), functions: quoted(functions!) }));
  const pkg = JSON.parse(readFileSync(join(repositoryRoot, "package.json"), "utf8")) as { name: string; exports: Record<string, string> };
  const NUMBERS = ["no", "one", "two", "three", "four", "five", "six"];

  it("are package.json's, each name once, and as many as the text says", () => {
    const rows = entryRows();
    const named = rows.flatMap((r) => r.entries);
    const exported = Object.keys(pkg.exports).map((key) => (key === "." ? pkg.name : `${pkg.name}/${key.replace(/^\.\//, "")}`));
    expect([...named].sort()).toEqual([...exported].sort());
    const stated = /The package has (\w+) entry points/.exec(readme);
    expect(stated, "the README says how many entry points the package has").not.toBeNull();
    expect(NUMBERS.indexOf(stated![1]!)).toBe(rows.length);
    // the names a row gives together are one module: one target in the export map
    for (const { entries } of rows) {
      const targets = new Set(entries.map((e) => pkg.exports[e === pkg.name ? "." : `./${e.slice(pkg.name.length + 1)}`]));
      expect(targets.size, `${entries.join(", ")} are one module`).toBe(1);
    }
  });

  it("export the functions their row lists, and only that module does", async () => {
    const rows = entryRows();
    const build = tempDir("readme-entries");
    writeTranspiledTree(build, ["compiler", "runtime"], { name: pkg.name, version: "0.0.0-test", exports: exportsOfTree() });
    // each name imported as a host imports it; a row's names must give the one namespace
    const script = [
      `const rows = ${JSON.stringify(rows.map((r) => r.entries))};`,
      "const out = [];",
      "for (const entries of rows) {",
      "  const modules = [];",
      "  for (const e of entries) modules.push(await import(e));",
      "  const functions = Object.keys(modules[0]).filter((k) => typeof modules[0][k] === 'function');",
      "  out.push({ same: modules.every((m) => m === modules[0]), functions });",
      "}",
      "console.log(JSON.stringify(out));",
    ].join("\n");
    writeFileSync(join(build, "entries.mjs"), script);
    const r = await node(build, "entries.mjs");
    expect(r.code, r.stderr).toBe(0);
    const found = JSON.parse(r.stdout) as { same: boolean; functions: string[] }[];
    rows.forEach(({ entries, functions }, i) => {
      expect(found[i]!.same, `${entries.join(" and ")} import one module`).toBe(true);
      expect(functions.length, `${entries.join(", ")} lists its functions`).toBeGreaterThan(0);
      for (const fn of functions) {
        expect(found[i]!.functions, `${entries[0]} exports ${fn}`).toContain(fn);
        found.forEach((other, j) => {
          if (j !== i) expect(other.functions, `${rows[j]!.entries[0]} does not export ${fn}`).not.toContain(fn);
        });
      }
    });
  }, 120_000);
});
