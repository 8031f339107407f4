// Compiles the benchmark policies with Writ's compiler (done once, in the parent process, so the
// timed children load bundles with the runtime alone and never import the compiler), and builds the
// reference interpreter's answers over the mix. Every failure is a value with a reason, so the
// benchmark can carry on with the peers and say why Writ is missing.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Bundle } from "../runtime/manifest.js";
import type { BenchRequest } from "./request.js";
import type { PolicySize } from "./engines/types.js";
import { policiesDir } from "./paths.js";
import { LARGE_POLICY_FILE, SMALL_POLICY_FILE } from "./policies/generate-large.js";

export interface WritBuild {
  readonly bundles: Readonly<Record<PolicySize, Bundle>>;
  /** the reference interpreter's allow/deny for each request of the mix, per size */
  readonly reference: Readonly<Record<PolicySize, boolean[]>>;
  /** the same for each of the boundary requests passed in (boundary.ts), per size */
  readonly boundaryReference: Readonly<Record<PolicySize, boolean[]>>;
  /** milliseconds to compile each policy (parse → validated module) */
  readonly compileMs: Readonly<Record<PolicySize, number>>;
}

export type WritBuildResult = { ok: true; build: WritBuild } | { ok: false; reason: string };

export const POLICY_FILES: Readonly<Record<PolicySize, string>> = { small: SMALL_POLICY_FILE, large: LARGE_POLICY_FILE };

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * `optimize: false` compiles at O0: faster, the same decisions (for agreement checks, and when the
 * interpreter is wanted as the reference alone). `boundary`: more requests to answer, not timed.
 */
export async function buildWrit(
  mix: readonly BenchRequest[],
  options: { optimize?: boolean; boundary?: readonly BenchRequest[] } = {},
): Promise<WritBuildResult> {
  let compiler: typeof import("../compiler/index.js");
  try {
    compiler = await import("../compiler/index.js");
  } catch (e) {
    return { ok: false, reason: `the Writ compiler cannot be loaded: ${message(e)}` };
  }
  const bundles: Partial<Record<PolicySize, Bundle>> = {};
  const reference: Partial<Record<PolicySize, boolean[]>> = {};
  const boundaryReference: Partial<Record<PolicySize, boolean[]>> = {};
  const compileMs: Partial<Record<PolicySize, number>> = {};
  for (const size of ["small", "large"] as const) {
    const fileName = POLICY_FILES[size];
    const text = readFileSync(join(policiesDir(), fileName), "utf8");
    const t0 = performance.now();
    let result: Awaited<ReturnType<typeof compiler.compilePolicy>>;
    try {
      result = await compiler.compilePolicy(text, { fileName, optimize: options.optimize ?? true });
    } catch (e) {
      return { ok: false, reason: `compiling ${fileName} threw: ${message(e)}` };
    }
    compileMs[size] = performance.now() - t0;
    if (result.bundle === undefined || result.ir === undefined || result.checked === undefined) {
      const rendered = compiler.renderDiagnostics(result.diagnostics.slice(0, 5), result.source);
      return { ok: false, reason: `${fileName} did not compile:\n${rendered}` };
    }
    bundles[size] = result.bundle;
    const interpreter = compiler.createInterpreter(result.ir, result.checked.errorSites);
    reference[size] = mix.map((r) => interpreter.decide(r).decision === "allow");
    boundaryReference[size] = (options.boundary ?? []).map((r) => interpreter.decide(r).decision === "allow");
  }
  return {
    ok: true,
    build: {
      bundles: bundles as Record<PolicySize, Bundle>,
      reference: reference as Record<PolicySize, boolean[]>,
      boundaryReference: boundaryReference as Record<PolicySize, boolean[]>,
      compileMs: compileMs as Record<PolicySize, number>,
    },
  };
}
