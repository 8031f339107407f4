// The WebAssembly backend: IR policy → decision module bytes, input layout and memory size.
//   plan.ts: layout.ts (which fields, ids or bytes) → bounds.ts (arena size) → codegen*.ts
//   (AssemblyScript source and memory plan; W0902 when the memory is too large)
//   → asc.ts (in-memory asc) → checks of the output (no imports, the ABI exports, the constant pool
//   where the code expects it).
// Failures of generated code are internal errors, reported as diagnostic W0901; the host's stack
// running out is W0905 (stack-ran-out.ts).

import { error, type Diagnostic } from "../diagnostics.js";
import type { IRPolicy } from "../ir/ir.js";
import type { Span } from "../source.js";
import { WASM_ABI_VERSION, type InputLayout } from "../../runtime/wasm/layout.js";
import { AscUnavailable, compileModule } from "./asc.js";
import { CONST_BASE } from "./codegen-values.js";
import { backendError, planModule, policySpan, type ModulePlan } from "./plan.js";
import { stackRanOut } from "../stack-ran-out.js";
import { ranOutOfStack } from "../../runtime/stack-ran-out.js";

export type { InputLayout, RecordLayout, FieldLayout, SlotLayout } from "../../runtime/wasm/layout.js";
export { MAX_MEMORY_BYTES, planModule, type ModulePlan } from "./plan.js";

export interface GeneratedWasm {
  readonly wasm?: Uint8Array;
  readonly layout: InputLayout;
  readonly memoryPages: number;
  readonly diagnostics: Diagnostic[];
  /** the AssemblyScript source (for `--emit-as` style debugging and tests) */
  readonly source?: string;
  /** rules dispatched through a switch rather than evaluated unconditionally */
  readonly indexedRules?: number;
}

const REQUIRED_EXPORTS = ["memory", "writ_abi_version", "writ_input_ptr", "writ_input_size", "writ_evaluate", "writ_result_ptr"];

/**
 * Compiles the IR to a module. `plan` is `planModule(ir)` when the caller ran it already (the driver
 * does, as a stage of its own); it is not run twice.
 */
export async function generateModule(ir: IRPolicy, options: { optimize?: boolean; plan?: ModulePlan } = {}): Promise<GeneratedWasm> {
  const span = policySpan(ir);
  const { layout, memoryPages, diagnostics, generated: gen } = options.plan ?? planModule(ir);
  if (!gen || diagnostics.length > 0) return { layout, memoryPages, diagnostics };
  // asc runs binaryen as WebAssembly, and the module is checked by instantiating it: a Node started
  // with --jitless or --no-expose-wasm has neither, which is no fault of the policy's
  if (typeof WebAssembly === "undefined") return { layout, memoryPages, diagnostics: [noWebAssembly(span)] };
  try {
    const out = await compileModule(gen.source, { memoryPages, memoryBase: CONST_BASE, optimize: options.optimize ?? true });
    if (!out.binary && out.ranOutOfStack) return { layout, memoryPages, diagnostics: [stackRanOut("codegen")], source: gen.source };
    if (!out.binary) return internal(layout, memoryPages, `asc failed on the generated code: ${out.error ?? ""}`, span, gen.source);
    const problem = checkOutput(out.binary, gen.constants, gen.inputPtr, layout.inputSize);
    if (problem) return internal(layout, memoryPages, problem, span, gen.source);
    return { wasm: out.binary, layout, memoryPages, diagnostics: [], source: gen.source, indexedRules: gen.indexedRules };
  } catch (e) {
    if (e instanceof AscUnavailable) return { layout, memoryPages, diagnostics: [ascUnavailable(e, span)] };
    // a host's small stack is W0905, no bug of the compiler's
    if (ranOutOfStack(e)) return { layout, memoryPages, diagnostics: [stackRanOut("codegen")] };
    return internal(layout, 0, e instanceof Error ? (e.stack ?? e.message) : String(e), span);
  }
}

/** asc did not load: no fault of the policy's, and the next compile loads it again (asc.ts, loadAsc). */
function ascUnavailable(e: AscUnavailable, span: Span): Diagnostic {
  return error(
    "W0901",
    `${e.message} (the policy itself was checked: it has no errors)`,
    span,
    "compile again; if this persists, check that the assemblyscript package is installed and readable",
  );
}

function noWebAssembly(span: Span): Diagnostic {
  return error(
    "W0901",
    "this JavaScript engine has no WebAssembly, which compiling a module needs (the policy itself was checked: it has no errors)",
    span,
    "run Node without --jitless or --no-expose-wasm",
  );
}

function internal(layout: InputLayout, memoryPages: number, detail: string, span: Span, source?: string): GeneratedWasm {
  return { layout, memoryPages, diagnostics: [backendError(detail, span)], ...(source === undefined ? {} : { source }) };
}

/** Checks what the runtime relies on: no imports, the ABI exports, the memory plan. */
function checkOutput(binary: Uint8Array, constants: Uint8Array, inputPtr: number, inputSize: number): string | undefined {
  const module = new WebAssembly.Module(binary as Uint8Array<ArrayBuffer>);
  const imports = WebAssembly.Module.imports(module);
  if (imports.length > 0) return `the module imports ${imports.map((i) => `${i.module}.${i.name}`).join(", ")}`;
  const names = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  const missing = REQUIRED_EXPORTS.filter((n) => !names.has(n));
  if (missing.length > 0) return `the module lacks the exports ${missing.join(", ")}`;
  const instance = new WebAssembly.Instance(module, {});
  const x = instance.exports as Record<string, unknown>;
  const call = (name: string): number => (x[name] as () => number)();
  if (call("writ_abi_version") !== WASM_ABI_VERSION) return "wrong ABI version";
  // the input region starts after the constant pool, at most where the memory plan put it
  const ptr = call("writ_input_ptr");
  if (ptr % 8 !== 0 || ptr < CONST_BASE + constants.length || ptr > inputPtr) return `input pointer ${ptr}, expected ${inputPtr}`;
  if (call("writ_input_size") !== inputSize) return "wrong input size";
  if (names.has("writ_constants") && call("writ_constants") !== CONST_BASE) return `constant pool at ${call("writ_constants")}, expected ${CONST_BASE}`;
  const memory = new Uint8Array((x.memory as WebAssembly.Memory).buffer);
  for (let i = 0; i < constants.length; i++) {
    if (memory[CONST_BASE + i] !== constants[i]) return `constant pool differs at byte ${i}`;
  }
  return undefined;
}
