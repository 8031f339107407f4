// Counts the work of a decision module's decisions: every load from memory a decision makes. A
// decision works in loops over what it reads (a list's elements, a string's bytes, a map's keys) and
// each turn of each loop loads a word or a byte, so its loads follow its work; unlike its time, they
// do not depend on what else the machine is doing. binaryen's instrument-memory pass makes each load
// call an import first (`load_ptr`, with the address; `load_val_*`, with the value), and the count is
// kept there. The instrumented module has imports, so it is instantiated here directly, not loaded
// by the runtime: the request is written into its input region by the runtime's encoder, as decide
// writes it.

import binaryen from "binaryen";
import type { Bundle } from "../../runtime/manifest.js";
import type { RecordType } from "../../runtime/schema.js";
import { createEncoder } from "../../runtime/wasm/encoder.js";
import type { InputLayout } from "../../runtime/wasm/layout.js";

/**
 * The most loads a decision makes per unit of its cost bound (docs/language.md, "Cost"): a byte
 * compared is one unit and two loads (one of each string), a step of a macro one unit and about one
 * load.
 */
export const LOADS_PER_UNIT = 4;

/**
 * `n` (at most 1,000) keys of `bytes` (at least 3) bytes each, alike but for their last three, in
 * key order: the check of a map's key order compares each with the one before it to its end.
 */
export function alikeKeys(n: number, bytes: number): string[] {
  const prefix = "k".repeat(bytes - 3);
  return Array.from({ length: n }, (_, i) => prefix + String(i).padStart(3, "0"));
}

interface Exports {
  readonly memory: WebAssembly.Memory;
  writ_input_ptr(): number;
  writ_evaluate(): number;
}

export interface CountedModule {
  /**
   * The loads one decision of a valid request makes, and its verdict (1 allow, 0 deny; "trap" when
   * the module trapped).
   */
  decide(request: unknown): { loads: number; verdict: number | "trap" };
}

/** The bundle's module, instrumented to count its loads. */
export function countedModule(bundle: Bundle): CountedModule {
  const module = binaryen.readBinary(bundle.module);
  let binary: Uint8Array;
  try {
    module.runPasses(["instrument-memory"]);
    binary = module.emitBinary();
  } finally {
    module.dispose();
  }
  let loads = 0;
  // every import hands back its last argument: the address to load from, the value loaded, the
  // store's address or value, the memory's growth
  const through = (...args: unknown[]): unknown => args[args.length - 1];
  const env = {
    load_ptr: (...args: unknown[]): unknown => {
      loads++;
      return through(...args);
    },
    load_val_i32: through,
    load_val_i64: through,
    load_val_f32: through,
    load_val_f64: through,
    store_ptr: through,
    store_val_i32: through,
    store_val_i64: through,
    store_val_f32: through,
    store_val_f64: through,
    memory_grow_pre: through,
    memory_grow_post: through,
  };
  const instance = new WebAssembly.Instance(new WebAssembly.Module(binary as Uint8Array<ArrayBuffer>), { env });
  const exports = instance.exports as unknown as Exports;
  const { layout, schema } = bundle.manifest;
  const encoder = createEncoder(layout as InputLayout, schema as RecordType, exports.memory, exports.writ_input_ptr());
  return {
    decide(request) {
      encoder.encode(request);
      loads = 0;
      let verdict: number | "trap";
      try {
        verdict = exports.writ_evaluate();
      } catch (e) {
        if (!(e instanceof WebAssembly.RuntimeError)) throw e;
        verdict = "trap";
      }
      return { loads, verdict };
    },
  };
}
