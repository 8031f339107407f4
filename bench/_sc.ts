import { compilePolicy, renderDiagnostics } from "../compiler/index.js";
import { scalingPolicySource } from "./policies/generate-scaling.js";
for (const n of [10, 100, 1000, 10000]) {
  const t0 = performance.now();
  const r = await compilePolicy(scalingPolicySource(n), { fileName: `scaling-${n}.writ` });
  console.log(n, (performance.now() - t0).toFixed(0), "ms", r.bundle ? `bundle ok ${r.bundle.module.length} bytes` : renderDiagnostics(r.diagnostics.slice(0,3), r.source), JSON.stringify(r.timings));
}
