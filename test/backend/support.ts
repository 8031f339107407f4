// Shared by the backend tests: compile hand-built IR to a module, wrap it in an evaluator with a
// manifest, and build the reference interpreter over the same IR for comparison.

import { generateModule } from "../../compiler/backend/index.js";
import type { IRPolicy } from "../../compiler/ir/ir.js";
import { createInterpreter } from "../../compiler/ir/interp.js";
import type { Decision } from "../../runtime/decision.js";
import { ABI_VERSION, MANIFEST_FORMAT, type Manifest } from "../../runtime/manifest.js";
import { createWasmEvaluator, type WasmEvaluator } from "../../runtime/wasm/evaluator.js";

export interface Compiled {
  readonly wasm: Uint8Array;
  readonly manifest: Manifest;
  readonly evaluator: WasmEvaluator;
  readonly source: string;
  readonly indexedRules: number;
  /** validate (as the runtime does) then evaluate with the module */
  decide(request: unknown): Decision;
  /** the reference interpreter's decision */
  reference(request: unknown): Decision;
}

export function manifestFor(ir: IRPolicy, errorSites: Record<string, number>, layout: unknown, memoryPages: number): Manifest {
  return {
    format: MANIFEST_FORMAT,
    name: ir.name,
    version: ir.version,
    compiler: { name: "writ", version: "0.0.0", optimize: false },
    abiVersion: ABI_VERSION,
    schema: ir.schema,
    layout,
    rules: ir.rules.map((r) => ({ name: r.name, effect: r.effect, annotations: r.annotations, line: 1, column: 1 })),
    errorSites,
    digests: { sha3_512: "", blake2b_512: "" },
    costBound: 0,
    memoryPages,
    sourceDigest: "",
  };
}

export async function compileIR(ir: IRPolicy, errorSites: Record<string, number>, optimize = false): Promise<Compiled> {
  const gen = await generateModule(ir, { optimize });
  if (!gen.wasm) throw new Error(gen.diagnostics.map((d) => `${d.code}: ${d.message}`).join("\n"));
  const manifest = manifestFor(ir, errorSites, gen.layout, gen.memoryPages);
  const evaluator = createWasmEvaluator(new WebAssembly.Module(gen.wasm as Uint8Array<ArrayBuffer>), manifest);
  const interp = createInterpreter(ir, errorSites);
  return {
    wasm: gen.wasm,
    manifest,
    evaluator,
    source: gen.source ?? "",
    indexedRules: gen.indexedRules ?? 0,
    decide: (request) => evaluator.decide(request),
    reference: (request) => interp.decide(request),
  };
}

/** A Decision as plain data (frozen shared arrays compare like fresh ones). */
export function plain(d: Decision): unknown {
  return JSON.parse(JSON.stringify(d));
}
