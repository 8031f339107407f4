// Vitest global setup: the run gets a temporary directory of its own. TMPDIR is set here, in
// vitest's main process, before any worker starts, and each worker's environment is copied from this
// process's, so the workers and the processes the tests spawn make their temporary files in it
// (os.tmpdir() reads TMPDIR at each call). At the end whatever is left in it is named, removed with
// it, and fails the run: a test that leaves files behind would otherwise go unnoticed.

import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

// tsx keeps its transform cache in the temp dir (tsx-<uid>) for as long as it is there: a cache by
// design, which the tests that run code through tsx do not make and cannot remove
const TSX_CACHE = `tsx-${process.geteuid?.() ?? userInfo().username}`;

export default function setup(): () => void {
  const outer = process.env.TMPDIR;
  const root = mkdtempSync(join(tmpdir(), "writ-test-run-"));
  process.env.TMPDIR = root;
  return () => {
    if (outer === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = outer;
    const left = readdirSync(root).filter((name) => name !== TSX_CACHE).sort();
    rmSync(root, { recursive: true, force: true });
    if (left.length === 0) return;
    console.error(`\nLeft in the temp dir by the tests (removed now; a test must remove what it makes there):\n${left.map((name) => `  ${name}\n`).join("")}`);
    process.exitCode = 1;
  };
}
