// The benchmark's scratch directories (the job a run's children read, writ-figures' bundles and logs)
// are removed however the work in them ends: a failure after the directory was made left it behind.

import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { withTempDir } from "../../bench/temp-dir.js";

describe("withTempDir", () => {
  it("removes the directory when the work fails, and passes the failure on", async () => {
    let made = "";
    const failure = new Error("EEXIST: mkdir scaling-10");
    await expect(
      withTempDir("writ-bench-", async (dir) => {
        made = dir;
        writeFileSync(join(dir, "job.json"), "{}");
        await new Promise((resolve) => setTimeout(resolve, 1));
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(dirname(made)).toBe(tmpdir());
    expect(basename(made)).toMatch(/^writ-bench-/);
    expect(existsSync(made)).toBe(false);
  });

  it("removes it when the work throws before its first await, and when it returns", async () => {
    let made = "";
    await expect(
      withTempDir("writ-bench-", (dir) => {
        made = dir;
        throw new Error("at once");
      }),
    ).rejects.toThrow("at once");
    expect(existsSync(made)).toBe(false);
    const listed = await withTempDir("writ-figures-", (dir) => {
      made = dir;
      writeFileSync(join(dir, "log.jsonl"), "");
      return readdirSync(dir);
    });
    expect(listed).toEqual(["log.jsonl"]);
    expect(existsSync(made)).toBe(false);
  });
});
