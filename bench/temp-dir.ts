// A scratch directory for one piece of work (the bundles and job file a benchmark's children read,
// the bundles and logs writ-figures times), removed however the work ends: a temp directory left
// behind by each failed run piles up in the OS temp dir, holding policies and logs nobody looks at.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Runs `work` in a new directory `<prefix>XXXXXX` of the OS temp dir and removes the directory
 * whether `work` returns, throws or rejects; its value or its error is passed on.
 */
export async function withTempDir<T>(prefix: string, work: (dir: string) => T | Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    return await work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
