// Agreement before timing. Every engine must give the reference's allow/deny on every request of the
// mix and every boundary request (bench/boundary.ts) for both policy sizes: checked through the benchmark's own `--check` mode, in a real child
// process with the V8 flag Cedar needs, against Writ's interpreter. The
// checker itself must catch a wrong engine, and the benchmark must stop on one.

import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateMix } from "../../bench/mix.js";
import { checkAgreement, describeDisagreements } from "../../bench/agreement.js";
import { createJsIfElseEngine, decideAgentGovernance } from "../../bench/engines/js-ifelse.js";
import { createJsClosuresEngine } from "../../bench/engines/js-closures.js";
import { ENGINE_ORDER } from "../../bench/engines/index.js";
import type { Engine } from "../../bench/engines/types.js";
import { packageRoot } from "../../bench/paths.js";
import { buildScaling, scalingEngines } from "../../bench/scaling.js";
import { tempDir } from "../support/temp-dir.js";
import { boundaryRequests } from "../../bench/boundary.js";
import { largePermitPairs } from "../../bench/policies/large-permits.js";
import type { BenchRequest } from "../../bench/request.js";

const root = packageRoot();
const runScript = join(root, "bench", "run.ts");
const tmp = tempDir("bench-test");

function runBench(args: string[], nodeFlags: string[] = []) {
  return spawnSync(process.execPath, [...nodeFlags, "--import", "tsx", runScript, ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 240_000,
  });
}

describe("agreement with the reference", () => {
  it("holds for every engine on the whole mix, both sizes (bench --check, child process)", () => {
    const run = runBench(["--check", "--unoptimized"]);
    expect(run.status, run.stderr).toBe(0);
    const boundary = boundaryRequests().length;
    const agreed = new Set(
      [...run.stderr.matchAll(/agree: (\S+) \((small|large)\) matches (\S+) on all 1000 requests \(\d+ allowed\) and all (\d+) boundary requests/g)]
        .filter((m) => Number(m[4]) === boundary)
        .map((m) => `${m[1]}/${m[2]}`),
    );
    const peers = ENGINE_ORDER.filter((e) => !e.startsWith("writ"));
    for (const engine of peers) for (const size of ["small", "large"]) expect(agreed, `${engine} ${size}`).toContain(`${engine}/${size}`);
    // Writ itself, against its interpreter, which is then the reference
    expect(agreed).toContain("writ/small");
    expect(agreed).toContain("writ/large");
    expect(run.stderr).toMatch(/matches writ-interp/);
    expect(run.stderr).toMatch(/check: every engine agrees/);
  }, 240_000);

  it("names the engine, the request and both answers when an engine disagrees", async () => {
    const mix = generateMix();
    const expected = mix.map((r) => decideAgentGovernance(r, null));
    const honest = createJsClosuresEngine();
    await honest.prepare("small");
    expect(checkAgreement(honest, "small", mix, expected).disagreementCount).toBe(0);

    const flipped = new Set([3, 500, 999]);
    const wrong: Engine = {
      ...createJsIfElseEngine(),
      name: "wrong",
      decide: (r, i) => (flipped.has(i) ? !decideAgentGovernance(r, null) : decideAgentGovernance(r, null)),
    };
    const report = checkAgreement(wrong, "small", mix, expected);
    expect(report.disagreementCount).toBe(3);
    expect(report.disagreements.map((d) => d.index)).toEqual([3, 500, 999]);
    const text = describeDisagreements(report, "js-ifelse");
    expect(text).toContain("wrong disagrees with js-ifelse on 3 of 1000 requests (small policy)");
    expect(text).toContain(`request #3: js-ifelse says ${expected[3] ? "allow" : "deny"}, wrong says ${expected[3] ? "deny" : "allow"}`);
    expect(text).toContain(JSON.stringify(mix[3]));
  });

  it("reports an engine that throws as a disagreement, not a crash", async () => {
    const mix = generateMix().slice(0, 10);
    const throwing: Engine = { ...createJsIfElseEngine(), name: "throwing", decide: () => { throw new Error("boom"); } };
    const report = checkAgreement(throwing, "large", mix, mix.map(() => false));
    expect(report.disagreementCount).toBe(10);
    expect(report.disagreements[0]!.actual).toBe("threw: boom");
  });

  /** A child's job over the default mix, js-ifelse against its own answers, one of them flipped. */
  function tamperedJob(flip: "mix" | "boundary") {
    const large = largePermitPairs().byTool;
    const answers = (requests: readonly BenchRequest[]) => ({
      small: requests.map((r) => decideAgentGovernance(r, null)),
      large: requests.map((r) => decideAgentGovernance(r, large)),
    });
    const boundary = boundaryRequests();
    const reference = answers(generateMix());
    const edge = answers(boundary);
    const flipped = flip === "mix" ? reference.small : edge.small;
    flipped[7] = !flipped[7];
    return {
      seed: 20261128,
      count: 1000,
      quick: true,
      check: true,
      reference: { name: "tampered-reference", answers: reference },
      boundary: { requests: boundary, answers: edge },
      writ: { missing: "Writ is not among the engines" },
      runs: [{ id: "t", description: "test", nodeFlags: [], engines: ["js-ifelse"] }],
    };
  }

  it("stops the benchmark child with a clear message when an answer differs", () => {
    const jobPath = join(tmp, "job.json");
    writeFileSync(jobPath, JSON.stringify(tamperedJob("mix")));
    const run = runBench(["--child", jobPath, "t"]);
    expect(run.status).toBe(4);
    expect(run.stderr).toContain("js-ifelse disagrees with tampered-reference on 1 of 1000 requests (small policy)");
    expect(run.stderr).toContain("request #7:");
    expect(run.stdout).not.toContain("@@bench-result");
  }, 60_000);

  it("stops the benchmark child when an answer on a boundary request differs", () => {
    const job = tamperedJob("boundary");
    const jobPath = join(tmp, "job.json");
    writeFileSync(jobPath, JSON.stringify(job));
    const run = runBench(["--child", jobPath, "t"]);
    expect(run.status).toBe(4);
    expect(run.stderr).toContain(`js-ifelse disagrees with tampered-reference on 1 of ${job.boundary.requests.length} boundary requests (small policy)`);
    expect(run.stderr).toContain("boundary request #7:");
    expect(run.stderr).toContain(JSON.stringify(job.boundary.requests[7]));
    expect(run.stdout).not.toContain("@@bench-result");
  }, 60_000);

  it("holds for the scaling engines on a scaling policy, against Writ's interpreter", async () => {
    const mix = generateMix();
    const built = await buildScaling(mix, [100], { optimize: false });
    if (!built.ok) throw new Error(built.reason);
    const [build] = built.builds;
    // some requests call tools the 100 rules permit, so both answers occur
    expect(build!.answers.filter(Boolean).length).toBeGreaterThan(0);
    const engines = await scalingEngines(100, build!.bundle);
    expect(engines.map((e) => e.name)).toEqual(["writ", "writ-eval", "js-closures"]);
    for (const engine of engines) {
      engine.bindMix?.(mix);
      const report = checkAgreement(engine, "large", mix, build!.answers);
      expect(report.disagreementCount, describeDisagreements(report, "writ-interp")).toBe(0);
    }
  }, 120_000);
});
