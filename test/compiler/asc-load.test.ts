// asc that could not be loaded (its files missing, or no file descriptor left while they were read)
// is no fault of the policy's: the compile says so in one line, and the next one loads asc again.
// The failed load used to be kept for the thread's life, and its W0901 carried the stack trace.
// (This file's process loads asc only through the importer it sets.)

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { AscUnavailable, importAscWith, loadAsc } from "../../compiler/backend/asc.js";
import { repositoryRoot } from "../support/transpiled-tree.js";

const source = readFileSync(join(repositoryRoot, "policies/payments.writ"), "utf8");

/** An error as Node's loader throws it: a message, a code, a stack. */
function loadError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe("a failed load of asc", () => {
  afterAll(() => importAscWith());

  it("is refused in one line naming Node's code, and is not kept", async () => {
    let attempts = 0;
    importAscWith(() => {
      attempts++;
      return Promise.reject(loadError("Cannot find package 'assemblyscript' imported from /srv/app/asc.js\nDid you mean to import it?", "ERR_MODULE_NOT_FOUND"));
    });
    for (let i = 1; i <= 2; i++) {
      const refused = await loadAsc().catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(AscUnavailable);
      expect((refused as Error).message).toBe(
        "the AssemblyScript compiler could not be loaded: Cannot find package 'assemblyscript' imported from /srv/app/asc.js (ERR_MODULE_NOT_FOUND)",
      );
      expect(attempts).toBe(i);
    }
  });

  it("fails that compile alone with a W0901 that says so, and the next compile loads asc", async () => {
    let attempts = 0;
    importAscWith(() => {
      attempts++;
      return attempts === 1 ? Promise.reject(loadError("EMFILE: too many open files, open '/srv/app/node_modules/binaryen/index.js'", "EMFILE")) : import("assemblyscript/asc");
    });
    const failed = await compilePolicy(source, { optimize: false });
    expect(failed.bundle).toBeUndefined();
    expect(failed.diagnostics).toEqual([
      expect.objectContaining({
        code: "W0901",
        message:
          "the AssemblyScript compiler could not be loaded: EMFILE: too many open files, open '/srv/app/node_modules/binaryen/index.js' (the policy itself was checked: it has no errors)",
      }),
    ]);
    const again = await compilePolicy(source, { optimize: false });
    expect(again.diagnostics).toEqual([]);
    expect(again.bundle).toBeDefined();
    expect(attempts).toBe(2);
  }, 60_000);
});
