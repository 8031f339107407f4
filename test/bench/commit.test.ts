// The commit a benchmark run measured (bench/commit.ts): recorded in latest.json beside the date, and
// shown in the table's caption, with whether tracked files had changes; nothing when git cannot say.

import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { measuredCommit } from "../../bench/commit.js";
import { renderResults } from "../../bench/report/render.js";
import { RESULTS_FORMAT, summarize, type BenchResults } from "../../bench/report/results.js";
import { tempDir } from "../support/temp-dir.js";

const env = { ...process.env };
afterEach(() => {
  process.env.PATH = env.PATH;
  if (env.GIT_CEILING_DIRECTORIES === undefined) delete process.env.GIT_CEILING_DIRECTORIES;
  else process.env.GIT_CEILING_DIRECTORIES = env.GIT_CEILING_DIRECTORIES;
});

function git(dir: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.org", ...args], { cwd: dir, encoding: "utf8" }).trim();
}

/** A repository with one commit of src/a.ts and bench/results/latest.json. */
function repository(): string {
  const dir = tempDir("bench-commit");
  git(dir, "init", "-q");
  mkdirSync(join(dir, "src"));
  mkdirSync(join(dir, "bench/results"), { recursive: true });
  writeFileSync(join(dir, "src/a.ts"), "export const a = 1;\n");
  writeFileSync(join(dir, "bench/results/latest.json"), "{}\n");
  git(dir, "add", ".");
  git(dir, "commit", "-q", "-m", "first");
  return dir;
}

describe("the commit a run measured", () => {
  it("is HEAD, clean until a tracked file outside bench/results/ changes", () => {
    const dir = repository();
    const sha = git(dir, "rev-parse", "HEAD");
    expect(measuredCommit(dir)).toEqual({ sha, dirty: false });
    // what a run writes, and files git does not track, do not count
    writeFileSync(join(dir, "bench/results/latest.json"), '{"date":"x"}\n');
    writeFileSync(join(dir, "src/untracked.ts"), "export {};\n");
    expect(measuredCommit(dir)).toEqual({ sha, dirty: false });
    writeFileSync(join(dir, "src/a.ts"), "export const a = 2;\n");
    expect(measuredCommit(dir)).toEqual({ sha, dirty: true });
    // from a folder inside the repository, the same
    expect(measuredCommit(join(dir, "src"))).toEqual({ sha, dirty: true });
  });

  it("is nothing outside a repository, in one without a commit, or without git", () => {
    process.env.GIT_CEILING_DIRECTORIES = tmpdir();
    expect(measuredCommit(tempDir("bench-no-repo"))).toBeNull();
    const empty = tempDir("bench-empty-repo");
    git(empty, "init", "-q");
    expect(measuredCommit(empty)).toBeNull();
    const dir = repository();
    process.env.PATH = "";
    expect(measuredCommit(dir)).toBeNull();
  });

  it("is shown in the table's caption beside the date and the machine", () => {
    const base: BenchResults = {
      format: RESULTS_FORMAT,
      date: "2026-11-28T12:00:00.000Z",
      quick: false,
      machine: { node: "v20.20.2", v8: "11", platform: "linux", arch: "x64", cpuModel: "Test CPU", cpuCount: 2, memoryBytes: 2 ** 33 },
      mix: { seed: 1, count: 1000, toolShare: 0.4, inTenantShare: 0.93, offHoursShare: 0.1, allowRateSmall: 0.2, allowRateLarge: 0.21 },
      writCompileMs: null,
      runs: [],
      summary: summarize([]),
      totalSeconds: 1,
    };
    const sha = "0123456789abcdef0123456789abcdef01234567";
    expect(renderResults(base).table).toContain("Measured 2026-11-28 on Test CPU (2 cores");
    expect(renderResults({ ...base, commit: { sha, dirty: false } }).table).toContain("Measured 2026-11-28 at commit 0123456789 on Test CPU (2 cores");
    expect(renderResults({ ...base, commit: { sha, dirty: true } }).table).toContain(
      "Measured 2026-11-28 at commit 0123456789 (with uncommitted changes) on Test CPU (2 cores",
    );
  });
});
