// Compiling off the event loop (compiler/worker.ts), on a transpiled copy of the tree: Node 20 cannot
// load TypeScript in a worker thread. The same bytes as an in-thread compile; a cache that saves the
// second compile and hands each caller a copy of its own; a worker that runs out of memory fails its
// compile and the next one (which used to hang for ever); nothing after close.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import type * as WorkerModule from "../../compiler/worker.js";
import { repositoryRoot, writeTranspiledTree } from "../support/transpiled-tree.js";

describe("the background compiler", () => {
  let build: string;
  let worker: typeof WorkerModule;
  const source = readFileSync(join(repositoryRoot, "policies/payments.writ"), "utf8");
  beforeAll(async () => {
    build = mkdtempSync(join(tmpdir(), "writ-bg-"));
    writeTranspiledTree(build, ["compiler", "runtime"], { name: "writ", version: "0.0.0-test" });
    worker = (await import(pathToFileURL(join(build, "compiler/worker.js")).href)) as typeof WorkerModule;
  }, 60_000);
  afterAll(() => rmSync(build, { recursive: true, force: true }));

  it("compiles the bytes an in-thread compile gives, once per source and options, a copy per caller", async () => {
    const compiler = worker.createBackgroundCompiler();
    try {
      const first = await compiler.compile(source);
      expect(first.diagnostics).toEqual([]);
      const direct = await compilePolicy(source);
      expect(Buffer.from(first.bundle!.module).equals(Buffer.from(direct.bundle!.module))).toBe(true);
      (first.bundle!.manifest as { name: string }).name = "changed by the first caller";
      first.bundle!.module[0] = 0xff;
      const second = await compiler.compile(source);
      expect(compiler.cacheHits).toBe(1);
      expect(second.bundle!.manifest.name).toBe("payments");
      expect(Buffer.from(second.bundle!.module).equals(Buffer.from(direct.bundle!.module))).toBe(true);
      // options are part of the key, NaN and Infinity apart from each other and from the default
      await compiler.compile(source, { maxCost: Number.POSITIVE_INFINITY });
      await compiler.compile(source, { maxCost: Number.NaN }).catch(() => undefined);
      expect(compiler.cacheHits).toBe(1);
    } finally {
      await compiler.close();
    }
  }, 120_000);

  it("fails a compile whose worker runs out of memory, and the next one too instead of hanging", async () => {
    const compiler = worker.createBackgroundCompiler({ resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 } });
    try {
      await expect(compiler.compile(source)).rejects.toThrow(/memory limit/);
      await expect(compiler.compile(`${source}\n// another`)).rejects.toThrow(/memory limit/);
    } finally {
      await compiler.close();
    }
  }, 120_000);

  it("refuses options that cannot reach the worker, and everything after close", async () => {
    const compiler = worker.createBackgroundCompiler();
    await expect(compiler.compile(source, { optimize: (() => true) as unknown as boolean })).rejects.toThrow(/could not be cloned/);
    await compiler.close();
    await expect(compiler.compile(source)).rejects.toThrow("background compiler closed");
  }, 60_000);
});
