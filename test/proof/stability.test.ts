// Stability: a request gets the same decision on repeated calls, on a fresh instance of the module,
// in any interleaving with other requests (no state leaks from one evaluation to the next), after a
// trapped evaluation, and through a stress run of a million decisions with forced garbage
// collection in a child process (`node --expose-gc`), which must not crash.

import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { Decision } from "../../runtime/decision.js";
import type { LoadedPolicy } from "../../runtime/policy.js";
import { Draw, drawBatch, drawBatchRequest, policyToWrit, type Batch } from "../support/arbitraries/index.js";
import { checkProperty } from "../support/arbitraries/replay.js";
import { compilePair, type CompiledPair } from "../fuzz/differential.js";
import { tempDir } from "../support/temp-dir.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const tsxLoader = new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url).href;
const STRESS_DECISIONS = 1_000_000;

const json = (d: Decision) => JSON.stringify(d);

describe("stable decisions", () => {
  let batch: Batch;
  let pair: CompiledPair;
  let fresh: () => Promise<LoadedPolicy>;

  beforeAll(async () => {
    batch = drawBatch(Draw.seeded(77), 12);
    pair = await compilePair(policyToWrit(batch.policy));
    const { compilePolicy } = await import("../../compiler/driver.js");
    const { loadPolicy } = await import("../../runtime/policy.js");
    const bundle = (await compilePolicy(pair.text, { optimize: false })).bundle!;
    fresh = async () => loadPolicy(bundle, { allowUnsigned: true });
  }, 300_000);

  it("the same request gives the same decision on repeated calls and on a fresh instance", async () => {
    const other = await fresh();
    const property = fc.property(fc.gen(), (g) => {
      const request = drawBatchRequest(Draw.seeded(new Draw(g).seed()), batch, true);
      const first = json(pair.wasm.decide(request));
      for (let i = 0; i < 20; i++) expect(json(pair.wasm.decide(request))).toBe(first);
      expect(json(other.decide(request))).toBe(first);
      expect(json(pair.interp.decide(request))).toBe(first);
    });
    await checkProperty(property, 300, "test/proof/stability.test.ts");
  });

  it("decisions do not depend on the requests decided before (any interleaving)", async () => {
    const property = fc.property(fc.gen(), (g) => {
      const d = Draw.seeded(new Draw(g).seed());
      const requests = Array.from({ length: 40 }, (_, i) => drawBatchRequest(d, batch, i % 4 !== 3));
      // reference: each request alone on its own fresh path — the interpreter, which keeps no state
      const alone = requests.map((r) => json(pair.interp.decide(r)));
      // the module, in a random order with repeats
      for (let i = 0; i < 200; i++) {
        const k = d.int(0, requests.length - 1);
        expect(json(pair.wasm.decide(requests[k]))).toBe(alone[k]);
      }
    });
    await checkProperty(property, 60, "test/proof/stability.test.ts");
  });

  it("after a trapped or faulted evaluation the next decisions are unchanged", async () => {
    const policy = await fresh();
    const d = Draw.seeded(99);
    const probes = Array.from({ length: 50 }, () => drawBatchRequest(d, batch, true));
    const before = probes.map((p) => json(policy.decide(p)));
    let faults = 0;
    let refused = 0;
    for (let round = 0; round < 30; round++) {
      // Bypass validation: hand the evaluator what no validated request could be, so the encoder
      // refuses it half-way or fails mid-evaluation (a getter that throws); and feed it garbage
      // bytes as an encoded request.
      const unreadable = Object.defineProperty({ ...(probes[round] as object) }, "sel", {
        enumerable: true,
        get() {
          throw new Error("unreadable");
        },
      });
      const hostile: unknown[] = [{ sel: 0 }, { sel: "x", p0: 5 }, null, [], { ...(probes[round] as object), p0: { deep: [1, 2, 3] } }, unreadable];
      for (const h of hostile) {
        const r = policy.evaluator.evaluate(h);
        expect(r.decision).toBe("deny");
        if (r.errors.some((e) => e.code === "internal")) faults++;
        if (r.errors.some((e) => e.code === "invalid_request")) refused++;
      }
      const enc = policy.evaluator.encode(probes[round]);
      const garbage = new Uint8Array(enc.bytes.length);
      for (let i = 0; i < garbage.length; i++) garbage[i] = d.int(0, 255);
      expect([0, 1]).toContain(policy.evaluator.evaluateEncoded({ bytes: garbage }));
      expect(probes.map((p) => json(policy.decide(p)))).toEqual(before);
    }
    // the hostile inputs really were refused, or failed inside the evaluator (otherwise this proves nothing)
    expect(faults).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    expect(before).toEqual(probes.map((p) => json(pair.interp.decide(p))));
  });

  describe("a million decisions with forced garbage collection", () => {
    let dir: string;
    beforeAll(() => {
      dir = tempDir("stress");
    });

    it(`decides ${STRESS_DECISIONS} times in a child process without a crash or a changed decision`, async () => {
      const file = join(dir, "batch.writ");
      writeFileSync(file, pair.text);
      const out = await new Promise<string>((resolve, reject) =>
        execFile(
          process.execPath,
          ["--expose-gc", "--import", tsxLoader, join(root, "test/proof/children/stress-gc.ts"), file, String(STRESS_DECISIONS), "4242"],
          { cwd: root, timeout: 280_000, maxBuffer: 16 * 1024 * 1024 },
          (err, stdout, stderr) => (err ? reject(new Error(`stress child failed (${err.message}):\n${stderr}\n${stdout}`)) : resolve(stdout)),
        ),
      );
      const summary = JSON.parse(out.trim().split("\n").pop()!) as { decisions: number; mismatches: number; gcs: number; ms: number; first?: string };
      expect(summary.first).toBeUndefined();
      expect(summary).toMatchObject({ decisions: STRESS_DECISIONS, mismatches: 0, gcs: Math.floor(STRESS_DECISIONS / 50_000) });
      console.log(`stress: ${summary.decisions} decisions, ${summary.gcs} forced GCs, ${summary.ms} ms`);
    }, 300_000);
  });
});
