// A text of many short lines — a lineage log, or a list of requests, made of newlines — is read in
// memory bounded by the line looked at, not by how many lines there are; and a list opening as many
// arrays has its fault placed with a byte per open array, not a number. Each reader runs in a child
// process: one that kept a number or a string per line would make an array longer than V8 makes,
// and die of a fatal error (exit 133, as `writ audit verify` did on 180 MB of newlines), which would
// take a test worker with it.

import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { childCommand } from "../support/child-command.js";
import { tempDir } from "../support/temp-dir.js";

const CHILD = join(import.meta.dirname, "..", "support", "many-lines-child.ts");
let command: string[] = [];

beforeAll(async () => {
  command = await childCommand(CHILD, tempDir("many-lines"));
}, 60_000);

/** What the child printed reading `count` in `mode`, its heap held to `heapMiB`. */
function readInChild(mode: "lines" | "nesting", count: number, heapMiB: number): unknown {
  const child = spawnSync(process.execPath, [`--max-old-space-size=${heapMiB}`, ...command, mode, String(count)], { encoding: "utf8", maxBuffer: 1 << 20 });
  expect({ status: child.status, signal: child.signal, stderr: child.stderr.slice(0, 400) }).toEqual({ status: 0, signal: null, stderr: "" });
  return JSON.parse(child.stdout);
}

describe("many short lines", () => {
  it("1.4 × 10^8 newlines: a log whose record 0 is malformed, a list whose requests follow them, an array whose fault follows them", () => {
    // more lines than V8's longest array has elements (2^27 − 3 on 64-bit): 140 MB, under both a
    // log's 2 GiB and a list's 512 MiB. The heap holds the list's text, one string, and little else.
    const lines = 140_000_000;
    expect(readInChild("lines", lines, 512)).toEqual({
      log: { ok: false, index: 0, kind: "malformed", reason: "record 0 is not a valid record: record is not JSON" },
      requests: { ok: true, values: [{ n: 1 }, { n: 2 }], name: "standard input", lines: [lines + 1, lines + 3] },
      array: { ok: false, message: expect.stringMatching(new RegExp(`^standard input:${lines + 1}:1: not a valid JSON array: `)) },
    });
  }, 60_000);

  it("3 × 10^7 `[`: placed as ending too soon, in 64 MiB of heap (a number per open array would be 240 MB)", () => {
    expect(readInChild("nesting", 30_000_000, 64)).toBe(30_000_000);
  }, 60_000);
});
