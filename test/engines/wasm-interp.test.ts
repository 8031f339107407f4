// Real decision modules in two independent engines. Every example policy is compiled as it ships
// (compilePolicy, O3) and loaded by the runtime (loadPolicy); for at least 100 seeded requests each,
// the runtime decides in V8 and encodes the request through its own evaluator, the encoded input
// region is replayed in a raw V8 instance and in wabt's wasm-interp, and the three must agree: the
// verdict, the deciding rules and the errors, word for word in the module's result region.

import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/index.js";
import { compileRequestCheck, loadPolicy, type Decision } from "../../runtime/index.js";
import { evalErrorName } from "../../runtime/decision.js";
import type { InputLayout } from "../../runtime/wasm/layout.js";
import { RESULT_RULES, resultErrorsOffset } from "../../runtime/wasm/layout.js";
import { addProbeExports, hasWasmInterp, runWasmInterpDetailed, type Probe } from "../support/wasm-interp.js";
import { generateRequest, mutateRequest, poolsFor, prng, selectDiverse } from "./requests.js";

const REQUESTS_PER_POLICY = 120;
/** candidates drawn per policy, from which the requests are chosen to cover every outcome seen */
const CANDIDATES = 4000;

const root = fileURLToPath(new URL("../../", import.meta.url));
// The example policies, plus the benchmark's 12-rule policy.
const policyFiles = [
  ...readdirSync(join(root, "policies"))
    .filter((f) => f.endsWith(".writ"))
    .sort()
    .map((f) => join("policies", f)),
  "bench/policies/agent-governance.writ",
];

const interp = hasWasmInterp();
if (!interp) {
  console.warn(
    "\n*** wasm-interp NOT FOUND: the two-engine decision-module tests are SKIPPED. Install it with `apt-get install -y wabt`. ***\n",
  );
}

const show = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === "bigint" ? `${x}n` : x));

interface RawResult {
  trapped: boolean;
  verdict: number;
  /** result words that carry meaning: decision, counts, the rule indices, the error triples */
  words: Map<number, number>;
}

describe.skipIf(!interp)("decision modules: V8 and wasm-interp agree", () => {
  it("finds policies to check", () => {
    expect(policyFiles.length).toBeGreaterThan(0);
  });

  for (const file of policyFiles) {
    describe(file, () => {
      let compiled: Awaited<ReturnType<typeof compilePolicy>>;
      beforeAll(async () => {
        compiled = await compilePolicy(readFileSync(join(root, file), "utf8"), { fileName: file });
      }, 180_000);

      it(`agrees on ${REQUESTS_PER_POLICY} requests`, () => {
        const bundle = compiled.bundle;
        if (!bundle) throw new Error(`${file} does not compile: ${compiled.diagnostics.map((d) => d.message).join("; ")}`);
        const policy = loadPolicy(bundle, { allowUnsigned: true });
        const manifest = bundle.manifest;
        const layout = manifest.layout as InputLayout;
        const nRules = manifest.rules.length;
        const check = compileRequestCheck(manifest.schema);

        // A raw V8 instance replays exactly what wasm-interp will see, in the same order.
        const raw = new WebAssembly.Instance(new WebAssembly.Module(bundle.module as Uint8Array<ArrayBuffer>), {});
        const ex = raw.exports as {
          memory: WebAssembly.Memory; writ_input_ptr(): number; writ_result_ptr(): number; writ_evaluate(): number;
        };
        const inputPtr = ex.writ_input_ptr();
        const resultPtr = ex.writ_result_ptr();
        const rawMemory = () => new DataView(ex.memory.buffer);

        const random = prng(0x5eed ^ file.length);
        const pools = poolsFor(readFileSync(join(root, file), "utf8"), layout.strings);
        const probes: Probe[] = [];
        const expected: { request: unknown; decision: Decision; raw: RawResult }[] = [];

        // Candidates: the policy's own test inputs, mutations of them, and fresh requests.
        const seeds = (compiled.checked?.tests ?? []).map((t) => t.request).filter((r) => check(r) === undefined);
        const candidates = Array.from({ length: CANDIDATES }, (_, i) => {
          const request =
            i < seeds.length ? seeds[i]
            : seeds.length > 0 && random() < 0.6 ? mutateRequest(seeds[Math.floor(random() * seeds.length)], manifest.schema, pools, random)
            : generateRequest(manifest.schema, pools, random);
          expect(check(request), show(request)).toBeUndefined();
          const d = policy.decide(request);
          return { item: request, signature: `${d.decision}|${d.rules.join(",")}|${d.errors.map((e) => `${e.rule}:${e.code}`).join(",")}` };
        });
        const requests = selectDiverse(candidates, REQUESTS_PER_POLICY);
        const outcomes = new Set(candidates.map((c) => c.signature)).size;
        expect(requests).toHaveLength(REQUESTS_PER_POLICY);

        for (const [i, request] of requests.entries()) {
          const decision = policy.decide(request);
          // encode through the runtime's own evaluator: the bytes it wrote into the input region
          const encoded = policy.evaluator.encode(request).bytes;

          new Uint8Array(ex.memory.buffer).set(encoded, inputPtr);
          let trapped = false;
          let verdict = 0;
          try {
            verdict = ex.writ_evaluate();
          } catch {
            trapped = true;
          }
          const words = new Map<number, number>();
          if (!trapped) {
            const view = rawMemory();
            const word = (offset: number) => words.set(offset, view.getInt32(resultPtr + offset, true));
            [0, 4, 8].forEach(word);
            const nr = words.get(4)!;
            const ne = words.get(8)!;
            for (let k = 0; k < Math.min(nr, nRules); k++) word(RESULT_RULES + 4 * k);
            for (let k = 0; k < Math.min(ne, nRules) * 3; k++) word(resultErrorsOffset(nRules) + 4 * k);
          }
          expected.push({ request, decision, raw: { trapped, verdict, words } });

          probes.push({ name: `q${i}`, writes: [{ address: inputPtr, bytes: encoded }], call: "writ_evaluate" });
          for (const offset of words.keys()) probes.push({ name: `q${i}_w${offset}`, load: resultPtr + offset });
        }

        const run = runWasmInterpDetailed(addProbeExports(bundle.module, probes));

        let allows = 0;
        let withErrors = 0;
        expected.forEach(({ request, decision, raw: r }, i) => {
          const what = `${file} request ${i}: ${show(request)}`;
          // wasm-interp against the raw V8 replay: trap for trap, verdict for verdict, word for word
          expect(run.traps.has(`q${i}`), what).toBe(r.trapped);
          if (r.trapped) {
            expect(decision.decision, what).toBe("deny");
            return;
          }
          expect(run.results.get(`q${i}`), what).toBe(r.verdict);
          for (const [offset, value] of r.words) expect(run.results.get(`q${i}_w${offset}`), `${what} word +${offset}`).toBe(value);

          // and both against the runtime's Decision
          expect(r.verdict, what).toBe(decision.decision === "allow" ? 1 : 0);
          const nr = r.words.get(4)!;
          const ne = r.words.get(8)!;
          const rules = Array.from({ length: nr }, (_, k) => manifest.rules[r.words.get(RESULT_RULES + 4 * k)!]!.name);
          expect(rules, what).toEqual(decision.rules);
          const errors = Array.from({ length: ne }, (_, k) => {
            const at = resultErrorsOffset(nRules) + 12 * k;
            return { rule: manifest.rules[r.words.get(at)!]!.name, code: evalErrorName(r.words.get(at + 4)!) };
          });
          expect(errors, what).toEqual(decision.errors.map((e) => ({ rule: e.rule, code: e.code })));
          if (decision.decision === "allow") allows++;
          if (decision.errors.length > 0) withErrors++;
        });
        // the requests exercise the policy rather than all landing on one side
        console.log(
          `${file}: ${allows} allow, ${REQUESTS_PER_POLICY - allows} deny, ${withErrors} with rule errors, ` +
            `${outcomes} distinct outcomes among ${CANDIDATES} candidates, ${probes.length} probes in wasm-interp`,
        );
        expect(allows).toBeGreaterThan(0);
        expect(allows).toBeLessThan(REQUESTS_PER_POLICY);
      });
    });
  }
});
