// Writ, the engine under test, measured two ways from bundles compiled beforehand (bench/writ-build.ts):
//   * `writ`: loadPolicy(bundle).decide(request) — a plain JS request object in, a Decision out
//     (validation, encoding, WASM evaluation, decoding): what a host pays per decision.
//   * `writ-eval`: the WASM evaluator alone on requests encoded beforehand (encode() outside the
//     timed region, evaluateEncoded() timed), when the evaluator offers that pair.
// The runtime is imported lazily, so the benchmark still runs the peers when Writ cannot be loaded.

import type { Bundle } from "../../runtime/manifest.js";
import type { BenchRequest } from "../request.js";
import type { Engine, PolicySize } from "./types.js";

export type WritBundles = Readonly<Record<PolicySize, Bundle>>;

type Runtime = typeof import("../../runtime/index.js");
type Loaded = ReturnType<Runtime["loadPolicy"]>;

/**
 * What `writ-eval` needs from the WASM evaluator. Declared here rather than imported because only
 * these two members are used, and their absence must be detectable at run time.
 */
interface EncodingEvaluator {
  encode(request: unknown): unknown;
  evaluateEncoded(encoded: unknown): unknown;
}

function isEncodingEvaluator(e: unknown): e is EncodingEvaluator {
  const x = e as Partial<EncodingEvaluator> | null;
  return typeof x?.encode === "function" && typeof x.evaluateEncoded === "function";
}

/** allow/deny from whatever evaluateEncoded returns: a Decision, a boolean or a 1/0 verdict */
export function isAllow(result: unknown): boolean {
  if (typeof result === "boolean") return result;
  if (typeof result === "number") return result === 1;
  return (result as { decision?: unknown } | null)?.decision === "allow";
}

let runtime: Runtime | undefined;
async function loadRuntime(): Promise<Runtime> {
  runtime ??= await import("../../runtime/index.js");
  return runtime;
}

async function loadBundle(bundles: WritBundles, size: PolicySize): Promise<Loaded> {
  const { loadPolicy } = await loadRuntime();
  return loadPolicy(bundles[size], { allowUnsigned: true });
}

export function createWritEngine(bundles: WritBundles): Engine {
  let policy: Loaded | undefined;
  return {
    name: "writ",
    label: "Writ (WASM module, JS object → Decision)",
    usesWasm: true,
    async prepare(size: PolicySize) {
      policy = await loadBundle(bundles, size);
    },
    decide(request: BenchRequest) {
      return policy!.decide(request).decision === "allow";
    },
  };
}

/** null when the evaluator has no encode()/evaluateEncoded() pair (yet). */
export async function createWritEvalEngine(bundles: WritBundles): Promise<Engine | null> {
  const probe = await loadBundle(bundles, "small");
  if (!isEncodingEvaluator(probe.evaluator)) return null;
  let evaluator: EncodingEvaluator | undefined;
  let encoded: unknown[] = [];
  return {
    name: "writ-eval",
    label: "Writ evaluate only (request pre-encoded)",
    usesWasm: true,
    async prepare(size: PolicySize) {
      const loaded = await loadBundle(bundles, size);
      evaluator = loaded.evaluator as unknown as EncodingEvaluator;
      encoded = [];
    },
    bindMix(mix: readonly BenchRequest[]) {
      encoded = mix.map((r) => evaluator!.encode(r));
    },
    decide(_request: BenchRequest, index: number) {
      return isAllow(evaluator!.evaluateEncoded(encoded[index]));
    },
  };
}
