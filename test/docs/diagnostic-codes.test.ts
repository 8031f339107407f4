// docs/language.md's table of diagnostic codes and the compiler's sources name the same codes: a
// code the compiler gives is listed with what it means, and a code listed is one the compiler can
// give. Each code appears in the sources as a string literal ("W0905"), where it is defined.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repositoryRoot } from "../support/transpiled-tree.js";

/** The .ts files under `dir`, its subfolders included. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => join(e.parentPath, e.name));
}

describe("the diagnostic codes", () => {
  it("of docs/language.md's table are the ones the compiler's sources define, each listed once", () => {
    const page = readFileSync(join(repositoryRoot, "docs/language.md"), "utf8");
    const listed = [...page.matchAll(/^\| (W\d{4}) \|/gm)].map((m) => m[1]!);
    expect(new Set(listed).size).toBe(listed.length);
    const defined = new Set<string>();
    for (const dir of ["compiler", "cli", "runtime"])
      for (const file of sources(join(repositoryRoot, dir))) for (const m of readFileSync(file, "utf8").matchAll(/"(W\d{4})"/g)) defined.add(m[1]!);
    expect([...listed].sort()).toEqual([...defined].sort());
    // the host's stack running out is among them
    expect(listed).toContain("W0905");
  });
});
