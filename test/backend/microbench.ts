// Quick micro-benchmark of the WASM path (not a test): `npx tsx test/backend/microbench.ts`.
// Per-decision cost over the benchmark-shaped mix for the 12- and 1,012-rule agent policies:
// validate + encode + evaluate + decode, encode alone, evaluate alone (request already in memory),
// and evaluate with a copy of a pre-encoded request. Medians over rounds of CPU time per call.

import { compileRequestCheck } from "../../runtime/request.js";
import { agentPolicy, agentRequests } from "./agent-policy.js";
import { compileIR } from "./support.js";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median over rounds of CPU time per call (CPU time, not wall time: the machine may be shared). */
function perCall(rounds: number, n: number, f: (i: number) => void): number {
  const times: number[] = [];
  const reps = Math.max(1, Math.floor(20_000 / n));
  for (let r = 0; r < rounds; r++) {
    const t0 = process.cpuUsage();
    for (let k = 0; k < reps; k++) for (let i = 0; i < n; i++) f(i);
    const t = process.cpuUsage(t0);
    times.push(((t.user + t.system) * 1000) / (n * reps));
  }
  return median(times);
}

const mix = agentRequests(1000, 42);
for (const extra of [0, 1000]) {
  const { ir, errorSites } = agentPolicy(extra);
  const t0 = performance.now();
  const c = await compileIR(ir, errorSites, true);
  const compileMs = performance.now() - t0;
  const check = compileRequestCheck(ir.schema);
  const ev = c.evaluator;
  let sink = 0;
  const N = mix.length;
  // warm up
  for (let k = 0; k < 20; k++) for (const r of mix) sink += c.decide(r).rules.length;
  const decide = perCall(30, N, (i) => {
    sink += c.decide(mix[i]!).rules.length;
  });
  const validate = perCall(30, N, (i) => {
    if (check(mix[i]!)) sink++;
  });
  const evaluate = perCall(30, N, (i) => {
    sink += ev.evaluate(mix[i]!).rules.length;
  });
  const encode = perCall(30, N, (i) => {
    ev.encode(mix[i]!);
  });
  ev.encode(mix[3]!);
  const evalOnly = perCall(30, 1000, () => {
    sink += ev.evaluateEncoded();
  });
  const encoded = mix.map((r) => ev.encode(r));
  const evalCopy = perCall(30, N, (i) => {
    sink += ev.evaluateEncoded(encoded[i]);
  });
  const allow = mix.filter((r) => c.decide(r).decision === "allow").length;
  console.log(
    `${ir.rules.length} rules (${c.indexedRules} indexed, ${c.wasm.length} bytes, O3 compile ${compileMs.toFixed(0)} ms, ${allow / 10}% allowed): ` +
      `decide ${decide.toFixed(0)} ns | validate ${validate.toFixed(0)} | encode+eval+decode ${evaluate.toFixed(0)} | ` +
      `encode+copy ${encode.toFixed(0)} | evaluate only ${evalOnly.toFixed(1)} | copy+evaluate ${evalCopy.toFixed(1)}  (${sink > 0 ? "" : "-"})`,
  );
}
