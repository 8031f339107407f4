// Scaling: does a decision get slower as the policy grows? Writ (decide and evaluate-only) and the
// JS closure list are timed on the policies of generate-scaling.ts (10 to 10,000 rules of the
// indexable form `action.tool == "tool-NNN" && "role-MM" in principal.roles`), after the same
// agreement check against Writ's interpreter. Compiling happens in the parent (buildScaling); the
// timing in a child without V8 flags (scalingEngines), like every other measurement.
// The scaling policies are compiled as `writ compile` compiles them (O3, shrink level 2; O0 with
// --unoptimized): the same settings at every size, so the sizes compare. 10,000 rules take about
// 10 s to compile on the 2-core machine.

import type { Bundle } from "../runtime/manifest.js";
import type { BenchRequest } from "./request.js";
import type { Engine } from "./engines/types.js";
import type { EngineTiming } from "./harness.js";
import { formatNs } from "./harness.js";
import { ratioOf } from "./report/results.js";
import { SCALING_SIZES, scalingPermits, scalingPolicySource } from "./policies/generate-scaling.js";

export interface ScalingBuild {
  readonly rules: number;
  readonly bundle: Bundle;
  /** Writ's interpreter on each request of the mix */
  readonly answers: boolean[];
  readonly compileMs: number;
}

export type ScalingBuildResult = { ok: true; builds: ScalingBuild[] } | { ok: false; reason: string };

/** Compiles each scaling policy (O3 unless `optimize` is false) and records the interpreter's answers. */
export async function buildScaling(
  mix: readonly BenchRequest[],
  sizes: readonly number[] = SCALING_SIZES,
  options: { optimize?: boolean; log?: (line: string) => void } = {},
): Promise<ScalingBuildResult> {
  let compiler: typeof import("../compiler/index.js");
  try {
    compiler = await import("../compiler/index.js");
  } catch (e) {
    return { ok: false, reason: `the Writ compiler cannot be loaded: ${e instanceof Error ? e.message : String(e)}` };
  }
  const builds: ScalingBuild[] = [];
  for (const rules of sizes) {
    const fileName = `scaling-${rules}.writ`;
    const t0 = performance.now();
    // the default cost budget too: 10,000 of these rules cost 1,316,000 (a membership test costs the
    // constant's bytes per element)
    const result = await compiler.compilePolicy(scalingPolicySource(rules), { fileName, optimize: options.optimize ?? true });
    const compileMs = performance.now() - t0;
    if (result.bundle === undefined || result.ir === undefined || result.checked === undefined) {
      return { ok: false, reason: `${fileName} did not compile:\n${compiler.renderDiagnostics(result.diagnostics.slice(0, 5), result.source)}` };
    }
    const interpreter = compiler.createInterpreter(result.ir, result.checked.errorSites);
    builds.push({ rules, bundle: result.bundle, answers: mix.map((r) => interpreter.decide(r).decision === "allow"), compileMs });
    options.log?.(`writ: compiled ${rules} rules in ${formatNs(compileMs * 1e6)} (${result.bundle.module.length} bytes)`);
  }
  return { ok: true, builds };
}

/** The engines timed at one scaling size; `bundle` is that size's compiled policy. */
export async function scalingEngines(rules: number, bundle: Bundle): Promise<Engine[]> {
  const { loadPolicy } = await import("../runtime/index.js");
  const policy = loadPolicy(bundle, { allowUnsigned: true });
  const permits = scalingPermits(rules).map(
    ({ tool, role }) =>
      (r: BenchRequest) =>
        r.action.tool === tool && r.principal.roles.includes(role),
  );
  const evaluator = policy.evaluator;
  let encoded: ReturnType<typeof evaluator.encode>[] = [];
  const prepare = async (): Promise<void> => {};
  return [
    {
      name: "writ",
      label: "Writ (WASM module, JS object → Decision)",
      usesWasm: true,
      prepare,
      decide: (r) => policy.decide(r).decision === "allow",
    },
    {
      name: "writ-eval",
      label: "Writ evaluate only (request pre-encoded)",
      usesWasm: true,
      prepare,
      bindMix: (mix) => {
        encoded = mix.map((r) => evaluator.encode(r));
      },
      decide: (_r, i) => evaluator.evaluateEncoded(encoded[i]) === 1,
    },
    {
      name: "js-closures",
      label: "JS list of rule closures",
      usesWasm: false,
      prepare,
      decide: (r) => {
        for (let i = 0; i < permits.length; i++) if (permits[i]!(r)) return true;
        return false;
      },
    },
  ];
}

export interface ScalingResult {
  readonly rules: number;
  readonly compileMs: number;
  readonly moduleBytes: number;
  readonly timings: readonly EngineTiming[];
}

/**
 * A markdown table: one row per rule count, one column per engine, and Writ's time over its time on
 * the fewest rules. That growth is taken within each round (all sizes are timed in the same rounds)
 * and is the median over the rounds, as the comparison's ratios are: on a host whose speed changes
 * from one round to the next, or within one, the ratio of two medians can say 2× where the rounds
 * say 1.4×.
 */
export function renderScalingTable(results: readonly ScalingResult[]): string {
  const engines = [...new Set(results.flatMap((r) => r.timings.map((t) => t.engine)))];
  const labels = engines.map((e) => results.flatMap((r) => r.timings).find((t) => t.engine === e)!.label);
  const writOf = (r: ScalingResult) => r.timings.find((t) => t.engine === "writ");
  const fewest = results.reduce<ScalingResult | undefined>((a, r) => (a === undefined || r.rules < a.rules ? r : a), undefined);
  const base = fewest === undefined ? undefined : writOf(fewest);
  const growthHeading = base === undefined ? "" : ` Writ × ${fewest!.rules.toLocaleString("en-US")} rules (per round) |`;
  const lines = [
    `| rules | ${labels.join(" | ")} |${growthHeading} Writ compile | module size |`,
    `| ---: | ${engines.map(() => "---:").join(" | ")} |${base === undefined ? "" : " ---: |"} ---: | ---: |`,
  ];
  for (const r of results) {
    const cells = engines.map((e) => {
      const t = r.timings.find((x) => x.engine === e);
      return t === undefined ? "–" : formatNs(t.medianNsPerDecision);
    });
    const writ = writOf(r);
    const growth = base === undefined ? "" : ` ${writ === undefined ? "–" : `${ratioOf(writ, base).toFixed(2)}×`} |`;
    lines.push(
      `| ${r.rules.toLocaleString("en-US")} | ${cells.join(" | ")} |${growth} ${formatNs(r.compileMs * 1e6)} | ${(r.moduleBytes / 1024).toFixed(1)} KiB |`,
    );
  }
  return `${lines.join("\n")}\n`;
}
