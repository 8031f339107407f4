// Child process for test/proof/stability.test.ts, run with `node --expose-gc`: loads one compiled
// policy, decides a seeded mix of requests (valid and mutated) through the WASM module DECISIONS
// times while forcing full garbage collections, and checks every decision against the reference
// decision the interpreter gave for that request. Prints one JSON line: decisions, mismatches, gcs,
// elapsed ms, and the first mismatch if any. A V8 crash shows as a non-zero exit with no JSON line.
//
// usage: node --expose-gc --import tsx stress-gc.ts <policy.writ> <decisions> <seed>

import { readFileSync } from "node:fs";
import { compilePolicy } from "../../../compiler/driver.js";
import { createInterpreter } from "../../../compiler/ir/interp.js";
import { loadPolicy } from "../../../runtime/policy.js";
import { Draw, drawMutatedRequest, drawRequest } from "../../support/arbitraries/index.js";

const [file, countText, seedText] = process.argv.slice(2);
const gc = (globalThis as { gc?: () => void }).gc;
if (!file || !countText || !seedText || !gc) {
  process.stderr.write("usage: node --expose-gc --import tsx stress-gc.ts <policy.writ> <decisions> <seed>\n");
  process.exit(2);
}
const r = await compilePolicy(readFileSync(file, "utf8"), { fileName: file, optimize: false });
if (!r.bundle || !r.checked) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
const interp = createInterpreter(r.checked.ir, r.checked.errorSites);
let policy = loadPolicy(r.bundle, { allowUnsigned: true });

const d = Draw.seeded(Number(seedText));
const requests = Array.from({ length: 2000 }, (_, i) => (i % 5 === 4 ? drawMutatedRequest(d, r.checked!.ir.schema) : drawRequest(d, r.checked!.ir.schema)));
const expected = requests.map((q) => JSON.stringify(interp.decide(q)));
const summaries = expected.map((e) => JSON.parse(e) as { decision: string; rules: string[]; errors: unknown[] });

const total = Number(countText);
let mismatches = 0;
let gcs = 0;
let first: string | undefined;
const t0 = performance.now();
for (let i = 0; i < total; i++) {
  const k = (i * 7919) % requests.length; // a fixed, non-sequential walk through the mix
  const got = policy.decide(requests[k]);
  // Cheap check on every decision, full comparison on a sample (JSON of a million decisions is slow).
  const s = summaries[k]!;
  const bad = got.decision !== s.decision || got.rules.length !== s.rules.length || got.errors.length !== s.errors.length || (i % 61 === 0 && JSON.stringify(got) !== expected[k]);
  if (bad) {
    mismatches++;
    first ??= `request ${k}: expected ${expected[k]}, got ${JSON.stringify(got)}`;
  }
  if (i % 50_000 === 49_999) {
    gc();
    gcs++;
  }
  // now and then a fresh instance of the same module, and garbage that the old one leaves behind
  if (i % 250_000 === 249_999) policy = loadPolicy(r.bundle, { allowUnsigned: true });
}
process.stdout.write(JSON.stringify({ decisions: total, mismatches, gcs, ms: Math.round(performance.now() - t0), first }) + "\n");
