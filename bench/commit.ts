// The commit a benchmark run measured, for bench/results/latest.json and the table's caption: a date
// alone does not say which code the figures belong to.

import { execFileSync } from "node:child_process";

export interface MeasuredCommit {
  /** `git rev-parse HEAD` */
  readonly sha: string;
  /**
   * true when tracked files differ from that commit, outside bench/results/ (which a run rewrites,
   * and which the code measured does not read); untracked files are not counted
   */
  readonly dirty: boolean;
}

function git(dir: string, args: readonly string[]): string {
  return execFileSync("git", args, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 30_000 });
}

/** The commit checked out in `dir`, or null when git is not installed or `dir` is not in a repository. */
export function measuredCommit(dir: string): MeasuredCommit | null {
  try {
    const sha = git(dir, ["rev-parse", "--verify", "HEAD"]).trim();
    if (!/^[0-9a-f]{40,64}$/.test(sha)) return null;
    const changes = git(dir, ["status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)bench/results"]);
    return { sha, dirty: changes.trim().length > 0 };
  } catch {
    return null;
  }
}
