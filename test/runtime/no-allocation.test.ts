// No allocation on the decision path: once a decision has been seen, `decide` on a request of the
// policy's schema allocates nothing on the JS heap — the validate-and-encode pass writes into the
// module's memory, the module allocates nothing, and decisions without errors are shared frozen
// objects. Measured in a real Node process (the young generation's used bytes around 50,000
// decisions of the benchmark mix, with no scavenge in between), beside a wrapper that copies each
// decision, which shows the measure sees an allocation when there is one.

import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { policiesDir } from "../../bench/paths.js";
import { tempDir } from "../support/temp-dir.js";

const dir = tempDir("no-alloc");

const source = (path: string) => JSON.stringify(fileURLToPath(new URL(path, import.meta.url)));

const CHILD = `import v8 from "node:v8";
import { readFileSync } from "node:fs";
import { PerformanceObserver, constants } from "node:perf_hooks";
import { loadPolicy } from ${source("../../runtime/policy.ts")};
import { generateMix } from ${source("../../bench/mix.ts")};

const [moduleFile, manifestFile] = process.argv.slice(2);
const policy = loadPolicy({ module: readFileSync(moduleFile), manifest: JSON.parse(readFileSync(manifestFile, "utf8")) }, { allowUnsigned: true });
const mix = generateMix();
const youngBytes = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_used_size;
let scavenges = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
}).observe({ entryTypes: ["gc"] });

const decide = (r) => policy.decide(r);
const copying = (r) => ({ ...policy.decide(r) });
function pass(f) {
  let allowed = 0;
  for (let i = 0; i < mix.length; i++) if (f(mix[i]).decision === "allow") allowed++;
  return allowed;
}
function bytesPerCall(f, passes) {
  globalThis.gc();
  const before = youngBytes();
  for (let k = 0; k < passes; k++) pass(f);
  return (youngBytes() - before) / (passes * mix.length);
}
for (let k = 0; k < 200; k++) { pass(decide); pass(copying); } // every decision seen, the code optimised
await new Promise((resolve) => setTimeout(resolve, 10)); // gc entries arrive asynchronously
scavenges = 0;
const result = { decide: bytesPerCall(decide, 50), copying: bytesPerCall(copying, 5), allowed: pass(decide) };
await new Promise((resolve) => setTimeout(resolve, 10));
console.log(JSON.stringify({ ...result, scavenges }));
`;

describe("the decision path", () => {
  it.each(["agent-governance.writ", "agent-governance-large.writ"])("allocates nothing on the JS heap for decisions seen before (%s, the benchmark mix)", async (file) => {
    const path = join(policiesDir(), file);
    const compiled = await compilePolicy(readFileSync(path, "utf8"), { fileName: path });
    expect(compiled.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const moduleFile = join(dir, `${file}.wasm`);
    const manifestFile = join(dir, `${file}.json`);
    writeFileSync(moduleFile, compiled.bundle!.module);
    writeFileSync(manifestFile, JSON.stringify(compiled.bundle!.manifest));
    const script = join(dir, "measure.mts");
    writeFileSync(script, CHILD);
    // a young generation large enough that the copying wrapper's ~320 KB cannot set off a scavenge
    const run = spawnSync(process.execPath, ["--expose-gc", "--min-semi-space-size=16", "--import", "tsx", script, moduleFile, manifestFile], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    const measured = JSON.parse(run.stdout) as { decide: number; copying: number; allowed: number; scavenges: number };
    expect(measured.scavenges).toBe(0);
    expect(measured.allowed).toBeGreaterThan(100); // the mix decides both ways (about a fifth allowed)
    expect(measured.copying).toBeGreaterThan(16);
    expect(measured.decide).toBeLessThan(0.5);
  }, 60_000);
});
