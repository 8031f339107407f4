// Hand-made modules in the shape of a decision module, for the determinism-profile tests
// (profile.test.ts, profile-work.test.ts).

import { ModuleBuilder, op, uleb, type FunctionSpec } from "../support/wasm-builder.js";

export interface Shape {
  /** runs before the ABI functions are defined (imports must come first) */
  before?: (b: ModuleBuilder) => void;
  /** runs after them: extra functions, tables, start, ... */
  after?: (b: ModuleBuilder, abi: { evaluate: number; helper: number }) => void;
  memory?: { min: number; max?: number; shared?: boolean } | null;
  exportMemory?: boolean;
  omitExport?: string;
}

// A small module in the shape of a decision module: fixed exported memory, the ABI exports, an
// evaluate that reads the request from memory and calls a helper (an acyclic call).
export function decisionModule(shape: Shape = {}): Uint8Array<ArrayBuffer> {
  const b = new ModuleBuilder();
  shape.before?.(b);
  const exp = (name: string) => (name === shape.omitExport ? {} : { export: name });
  const fn = (name: string, spec: FunctionSpec) => b.func({ ...spec, ...exp(name), name });
  fn("writ_input_ptr", { results: ["i32"], body: op.i32Const(1024) });
  fn("writ_input_size", { results: ["i32"], body: op.i32Const(64) });
  fn("writ_result_ptr", { results: ["i32"], body: op.i32Const(2048) });
  // helper(x) = x > 3
  const helper = b.func({
    params: ["i32"], results: ["i32"], name: "gt3",
    body: [...op.localGet(0), ...op.i32Const(3), op.i32_gt_s],
  });
  const evaluate = fn("writ_evaluate", {
    results: ["i32"],
    locals: ["i32"],
    body: [
      ...op.i32Const(1024), op.i32_load, ...op.mem(2), ...op.call(helper), ...op.localSet(0),
      ...op.i32Const(2048), ...op.localGet(0), op.i32_store, ...op.mem(2),
      ...op.localGet(0),
    ],
  });
  fn("writ_abi_version", { results: ["i32"], body: op.i32Const(1) }); // () -> i32, as docs/abi.md says
  const mem = shape.memory === undefined ? { min: 1, max: 1 } : shape.memory;
  if (mem) b.memory(mem.min, mem.max, { shared: mem.shared ?? false });
  if (mem && shape.exportMemory !== false && shape.omitExport !== "memory") b.export("memory", "memory", 0);
  shape.after?.(b, { evaluate, helper });
  return b.build();
}

/** `n` groups of 0 locals of type f32 (two bytes each), as a function body declares them. */
export function emptyF32Groups(n: number): Uint8Array {
  const count = uleb(n);
  const out = new Uint8Array(count.length + 2 * n);
  out.set(count);
  for (let i = 0; i < n; i++) out[count.length + 2 * i + 1] = 0x7d;
  return out;
}
