// Canonical JSON keeps the quoted form of member names it meets, to write `principal`, `action` ...
// once per process rather than once per request. What it keeps must not hold on to a request's
// data: a map's keys may be of any length, and keeping the first few thousand distinct ones for
// the life of the process kept hundreds of megabytes after the requests were gone. Measured in a
// real Node process: the heap after canonicalising 300 objects, each with one distinct 256 KB key,
// and a full collection, against the heap before.

import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/temp-dir.js";

const dir = tempDir("jcs-name-memory");
const source = (path: string) => JSON.stringify(fileURLToPath(new URL(path, import.meta.url)));

const CHILD = `import { canonicalJson } from ${source("../../runtime/trust/jcs.ts")};
const heap = () => { globalThis.gc(); globalThis.gc(); return process.memoryUsage().heapUsed; };
// a warm-up, so that what the first call compiles is not counted
canonicalJson({ warm: { up: 1 } });
const before = heap();
let written = 0;
for (let i = 0; i < 300; i++) {
  const key = String(i).padStart(6, "0") + "k".repeat(256 * 1024);
  const result = canonicalJson({ tenant: "t", attributes: { [key]: i } });
  if (!result.ok) throw new Error(result.reason);
  written += result.text.length;
}
const after = heap();
// short names are still kept and written as before
const short = canonicalJson({ b: 1, a: { c: [1, "x"] } });
console.log(JSON.stringify({ retainedBytes: after - before, written, short: short.ok ? short.text : short.reason }));
`;

describe("canonical JSON's member-name memo", () => {
  it("keeps nothing of long member names once the values that held them are gone", () => {
    const script = join(dir, "measure.mts");
    writeFileSync(script, CHILD);
    const run = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", script], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    const measured = JSON.parse(run.stdout) as { retainedBytes: number; written: number; short: string };
    // every object was written whole: 300 keys of 256 KB and more
    expect(measured.written).toBeGreaterThan(300 * 256 * 1024);
    expect(measured.short).toBe('{"a":{"c":[1,"x"]},"b":1}');
    // kept, the 300 names and their quoted forms measured 79 MB; 16 MB is far above what a run
    // keeps otherwise and far below that
    expect(measured.retainedBytes).toBeLessThan(16 * 1024 * 1024);
  }, 60_000);
});
