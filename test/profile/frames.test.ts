// The frame model behind the profile's stack bound (runtime/wasm/frames.ts): each function's
// parameters, locals and highest operand stack, counted as a validator counts them. The bodies
// are real (V8 validates each module), and the heights are worked out by hand in the comments.

import { describe, expect, it } from "vitest";
import { FRAME_BYTES, FrameMeter, OPERAND_BYTES } from "../../runtime/wasm/frames.js";
import { listOpcodes, readModule, type OpView } from "../../runtime/wasm/reader.js";
import { ModuleBuilder, op, type ValTypeName } from "../support/wasm-builder.js";

interface Spec {
  params?: ValTypeName[];
  results?: ValTypeName[];
  locals?: ValTypeName[];
  body: number[];
}

/** The last function's frame, in a module of `helpers` (functions 0, 1, ...) and then `spec`. */
function frameOf(spec: Spec, helpers: Spec[] = []) {
  const b = new ModuleBuilder();
  b.memory(1, 1);
  for (const h of helpers) b.func(h);
  b.func(spec);
  const bytes = b.build();
  expect(WebAssembly.validate(bytes)).toBe(true);
  const r = readModule(bytes);
  if (!r.ok) throw new Error(r.reason);
  const m = r.module;
  const funcTypes = m.functions.map((t) => m.types[t]!);
  const meter = new FrameMeter(m.types, funcTypes);
  const last = m.code.length - 1;
  meter.start(funcTypes[last]!, m.code[last]!.locals);
  m.code[last]!.forEachInstruction((v) => meter.visit(v));
  return meter.frame();
}

const c = op.i32Const(1);

describe("the frame of a function", () => {
  it("counts parameters and locals at 8 bytes each, whatever their type", () => {
    const f = frameOf({ params: ["i32", "i64"], locals: ["i32", "i32", "i64", "externref"], body: [] });
    expect(f.valueBytes).toBe(6 * 8);
    expect(f.height).toBe(0);
    expect(f.bytes).toBe(FRAME_BYTES + 48);
  });

  it("counts the operand stack at its highest, straight-line", () => {
    // 1 2 3 (3) add (2) add (1) drop (0)
    const f = frameOf({ body: [...c, ...c, ...c, op.i32_add, op.i32_add, op.drop] });
    expect(f.height).toBe(3);
    expect(f.bytes).toBe(FRAME_BYTES + 3 * OPERAND_BYTES);
  });

  it("through stores, loads, select, conversions and memory.fill", () => {
    // addr (1) value (2) i64 (3) wrap (3) add (2) store (0) | a b cond (3) select (1) load (1) drop
    // | 3 operands (3) memory.fill (0)
    const f = frameOf({
      body: [
        ...c, ...c, ...op.i64Const(5), op.i32_wrap_i64, op.i32_add, op.i32_store, ...op.mem(2),
        ...c, ...c, ...c, op.select, op.i32_load, ...op.mem(2), op.drop,
        ...c, ...c, ...c, 0xfc, 11, 0x00,
      ],
    });
    expect(f.height).toBe(3);
  });

  it("inside blocks: a block's values stack on what is below it, and its results stay after its end", () => {
    // 1 (1) block(result i32) 1 1 (3) add (2) end (2: the block's result on the 1) block 1 1 1 (5)
    // drop drop drop end (2) add (1) drop
    const f = frameOf({
      body: [
        ...c, op.block, 0x7f, ...c, ...c, op.i32_add, op.end,
        op.block, op.blockEmpty, ...c, ...c, ...c, op.drop, op.drop, op.drop, op.end,
        op.i32_add, op.drop,
      ],
    });
    expect(f.height).toBe(5);
  });

  it("after a branch: the rest of the block starts from its base, and else from the if's parameters", () => {
    // block 1 1 (2) br 0; 1 1 (2, not 4: unreachable code counts from the block's base) drop drop end
    // 1 (1) if(result i32) [the condition is gone] 1 1 (2) add (1) else 1 1 (2, not 3) add end (1) drop
    const f = frameOf({
      body: [
        op.block, op.blockEmpty, ...c, ...c, op.br, 0, ...c, ...c, op.drop, op.drop, op.end,
        ...c, op.if, 0x7f, ...c, ...c, op.i32_add, op.else, ...c, ...c, op.i32_add, op.end, op.drop,
      ],
    });
    expect(f.height).toBe(2);
  });

  it("through br_if, br_table and return", () => {
    // block(result i32) 1 1 (2) br_if 0 (1) end (1) drop | block 1 (1) br_table 0 0 end | 1 1 1 (3) return
    const f = frameOf({
      results: ["i32"],
      body: [
        op.block, 0x7f, ...c, ...c, op.br_if, 0, op.end, op.drop,
        op.block, op.blockEmpty, ...c, 0x0e, 1, 0, 0, op.end,
        ...c, ...c, ...c, op.return,
      ],
    });
    expect(f.height).toBe(3);
  });

  it("through calls: the arguments leave the stack, the results come on", () => {
    // helper 0: (i32, i32, i32) -> (i64, i64); 1 1 1 (3) call (2) drop drop; 1 1 1 1 (4) call (3: 1 + 2) ...
    const helper: Spec = { params: ["i32", "i32", "i32"], results: ["i64", "i64"], body: [...op.i64Const(1), ...op.i64Const(2)] };
    const f = frameOf(
      { body: [...c, ...c, ...c, ...op.call(0), op.drop, op.drop, ...c, ...c, ...c, ...c, ...op.call(0), op.drop, op.drop, op.drop] },
      [helper],
    );
    expect(f.height).toBe(4);
  });

  it("through a block typed by a function type (multi-value parameters)", () => {
    // type 0, (i32, i32) -> (i32), the helper's: 1 1 (2) block(type 0) [its 2 parameters inside] 1 (3)
    // add add (1) end (1) drop
    const helper: Spec = { params: ["i32", "i32"], results: ["i32"], body: [...op.localGet(0)] };
    const f = frameOf({ body: [...c, ...c, op.block, 0, ...c, op.i32_add, op.i32_add, op.end, op.drop] }, [helper]);
    expect(f.height).toBe(3);
  });
});

describe("the meter's instruction table", () => {
  it("knows every instruction the other rules allow; it leaves only SIMD, atomics and exception handling", () => {
    const refused = /^(v128|i8x16|i16x8|i32x4|i64x2|f32x4|f64x2)\.|atomic|^(try|catch|catch_all|throw|rethrow|delegate)$/;
    const unknown: string[] = [];
    listOpcodes().forEach((o, id) => {
      const meter = new FrameMeter([{ params: [], results: [] }], [{ params: [], results: [] }]);
      meter.start({ params: [], results: [] }, []);
      const view = { id, name: o.name, offset: 0, prefix: o.prefix, code: o.code, index: 0, index2: 0, block: { kind: "empty" } } as unknown as OpView;
      meter.visit(view);
      if (meter.frame().unknown) unknown.push(o.name);
    });
    expect(unknown.filter((n) => !refused.test(n))).toEqual([]);
    expect(unknown.length).toBe(listOpcodes().filter((o) => refused.test(o.name)).length);
  });
});
