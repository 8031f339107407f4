// A benchmark run never leaves out an engine it was asked for without a word, and --check never
// passes with one unchecked: a child that cannot read the bundles the parent wrote stops, naming the
// Writ engines; an engine that cannot be made is reported missing with why; and the parent's verdict
// fails on every engine a child reports unchecked. The child runs here on a job of its own, as the
// parent would start it, and stops before checking anything.

import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createEngines } from "../../bench/engines/index.js";
import { generateMix } from "../../bench/mix.js";
import { boundaryRequests } from "../../bench/boundary.js";
import { decideAgentGovernance } from "../../bench/engines/js-ifelse.js";
import { largePermitPairs } from "../../bench/policies/large-permits.js";
import { packageRoot } from "../../bench/paths.js";
import type { BenchRequest } from "../../bench/request.js";
import { uncheckedParts, type ChildReport } from "../../bench/run.js";
import type { RunResult } from "../../bench/report/results.js";
import { tempDir } from "../support/temp-dir.js";

const tmp = tempDir("bench-child");

/** A --check job as runParent writes it, js-ifelse's answers as the reference, Writ's bundles in `bundleDirs`. */
function job(bundleDirs: { small: string; large: string }, engines: string[]) {
  const large = largePermitPairs().byTool;
  const answers = (requests: readonly BenchRequest[]) => ({
    small: requests.map((r) => decideAgentGovernance(r, null)),
    large: requests.map((r) => decideAgentGovernance(r, large)),
  });
  const boundary = boundaryRequests();
  return {
    seed: 20261128,
    count: 1000,
    quick: true,
    check: true,
    reference: { name: "js-ifelse", answers: answers(generateMix()) },
    boundary: { requests: boundary, answers: answers(boundary) },
    writ: { bundleDirs },
    runs: [{ id: "wasm-flag", description: "test", nodeFlags: [], engines }],
    scaling: [],
  };
}

function runChild(jobPath: string) {
  return spawnSync(process.execPath, ["--import", "tsx", join(packageRoot(), "bench", "run.ts"), "--child", jobPath, "wasm-flag"], {
    cwd: packageRoot(),
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: "" },
    timeout: 60_000,
  });
}

const result = (id: string): RunResult => ({ id, description: "", nodeFlags: [], timerOverheadNs: 0, reference: "writ-interp", timings: [], notes: [], wallSeconds: 0 });

describe("a benchmark child that cannot read Writ's bundles", () => {
  it("stops, naming the Writ engines it cannot check, where it reported them checked by leaving them out", () => {
    const gone = join(tmp, "gone");
    const jobPath = join(tmp, "job.json");
    writeFileSync(jobPath, JSON.stringify(job({ small: join(gone, "small"), large: join(gone, "large") }, ["writ", "writ-eval", "js-ifelse"])));
    const run = runChild(jobPath);
    expect(run.status, run.stderr).toBe(3);
    expect(run.stderr).toContain(`writ and writ-eval cannot be checked: the bundle the parent compiled cannot be read: bundle directory ${join(gone, "small")} does not exist`);
    expect(run.stderr).not.toContain("parent's note");
    expect(run.stdout).not.toContain("@@bench-result");
  }, 60_000);
});

describe("the engines a run asks for", () => {
  it("are each reported missing, with why, when Writ has no bundles: writ-eval was dropped without a word", async () => {
    const why = "agent-governance.writ did not compile: agent-governance.writ:3:1: error[W0102]: …";
    const created = await createEngines(["writ", "writ-eval", "js-ifelse"], { missing: why });
    expect(created.engines.map((e) => e.name)).toEqual(["js-ifelse"]);
    expect(created.missing).toEqual([
      { engine: "writ", why },
      { engine: "writ-eval", why },
    ]);
  });

  it("fail --check when a child could not check one, each named once", () => {
    const reports: ChildReport[] = [
      { result: result("wasm-flag"), missing: [{ engine: "writ-eval", why: "the WASM evaluator has no encode()/evaluateEncoded() pair" }] },
      { result: result("no-flag"), missing: [{ engine: "writ-eval", why: "the WASM evaluator has no encode()/evaluateEncoded() pair" }] },
    ];
    expect(uncheckedParts(reports, null, undefined)).toEqual(["writ-eval was not checked (the WASM evaluator has no encode()/evaluateEncoded() pair)"]);
    expect(uncheckedParts([{ result: result("wasm-flag"), missing: [] }], null, undefined)).toEqual([]);
    expect(uncheckedParts([{ result: result("wasm-flag"), missing: [] }], "p.writ did not compile: …", "Writ did not compile")).toEqual([
      "the engines were checked against js-ifelse, not Writ's interpreter (p.writ did not compile: …)",
      "the scaling policies were not checked (Writ did not compile)",
    ]);
  });
});

describe("a quick timing run", () => {
  it("times the harness floor beside the engines and records it apart from their timings", () => {
    const jobPath = join(tmp, "quick-job.json");
    const quick = { ...job({ small: join(tmp, "none"), large: join(tmp, "none") }, ["js-ifelse"]), check: false };
    writeFileSync(jobPath, JSON.stringify(quick));
    const run = runChild(jobPath);
    expect(run.status, run.stderr).toBe(0);
    const line = run.stdout.split("\n").find((l) => l.startsWith("@@bench-result "))!;
    const report = JSON.parse(line.slice("@@bench-result ".length)) as ChildReport;
    const { timings, harnessFloor, timerStepNs } = report.result;
    expect(timings.map((t) => [t.engine, t.size])).toEqual([
      ["js-ifelse", "small"],
      ["js-ifelse", "large"],
    ]);
    // in every round beside the engines, one figure per size, and no row of its own
    expect(harnessFloor?.map((t) => [t.engine, t.size, t.roundsNsPerDecision.length])).toEqual([
      ["harness-floor", "small", timings[0]!.roundsNsPerDecision.length],
      ["harness-floor", "large", timings[1]!.roundsNsPerDecision.length],
    ]);
    expect(timerStepNs).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
