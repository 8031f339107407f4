// The runtime is what a host that only evaluates ships: it must not import the compiler, Chevrotain
// or AssemblyScript (design.md, "The pipeline").

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = new URL("../../runtime/", import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

describe("runtime boundaries", () => {
  it("no runtime file imports the compiler, chevrotain or assemblyscript", () => {
    const files = sources(root);
    expect(files.length).toBeGreaterThan(20);
    const offenders = files.flatMap((f) =>
      [...readFileSync(f, "utf8").matchAll(/(?:import|export)[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)]
        .map((m) => m[1] ?? m[2]!)
        .filter((spec) => /(^|\/)compiler\/|chevrotain|assemblyscript/.test(spec))
        .map((spec) => `${f}: ${spec}`),
    );
    expect(offenders).toEqual([]);
  });
});
