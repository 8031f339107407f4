// Temporary directories for tests, each removed when its test file has finished, failed tests
// included. The afterAll is registered when this module is loaded, that is while the importing file
// is being collected, so it is a hook of the file itself: a directory made at the top of a file, in
// a describe, in a beforeAll or in a test is removed at the same point. (Each file loads its own copy
// of this module: the forks pool isolates test files.)

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

const made: string[] = [];

afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A new empty directory `writ-<name>-XXXXXX` in the OS temp dir, removed after this test file. */
export function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `writ-${name}-`));
  made.push(dir);
  return dir;
}
