// A file that cannot be created for ENOENT is said to be in a directory that does not exist only
// when that is so: a directory that exists may refuse new names with ENOENT too (/proc/self, a
// directory removed and its path taken by a link to nothing in between), and the message must not
// send the user looking for a directory that is there.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileWriteError, replaceFile } from "../../runtime/file-write.js";
import { tempDir } from "../support/temp-dir.js";

function refusal(path: string): FileWriteError {
  try {
    replaceFile(path, "x");
  } catch (e) {
    if (e instanceof FileWriteError) return e;
    throw e;
  }
  throw new Error(`${path} was written`);
}

describe("a file that cannot be created (ENOENT)", () => {
  it("in a directory that does not exist: says so", () => {
    const dir = join(tempDir("enoent"), "missing");
    expect(refusal(join(dir, "k.jwk")).message).toContain(`the directory ${dir} does not exist`);
  });

  it.skipIf(!existsSync("/proc/self/status"))("in a directory that exists but takes no new names (/proc/self): says no file can be created there", () => {
    const message = refusal("/proc/self/k.jwk").message;
    expect(message).not.toContain("does not exist");
    expect(message).toContain("no file can be created in /proc/self: ");
  });
});
