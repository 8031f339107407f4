// The stack a function's frame may take, for the profile's stack bound (docs/profile.md, rule
// `bounded-stack`): its parameters and locals, its operand stack at its highest (read from the
// instructions, as a validator counts it), and a fixed allowance per frame. The model follows V8,
// measured on x64: its baseline tier (Liftoff), where every function starts, keeps each parameter,
// local and operand in a slot of the frame (4 bytes for an i32, 8 for an i64 or a reference); its
// optimizing tier (TurboFan), where hot functions end, spills live values to 8-byte slots, an i32
// too; a call adds 48 bytes (return address, frame pointer, instance). So every value counts 8 bytes
// here (a v128 16), whatever its type and whether it is a local or an operand, and a frame 64 more.

import { listOpcodes } from "./opcodes.js";
import type { BlockType, FuncType, OpView, ValType } from "./module-types.js";

/** Bytes a parameter or local of each type takes in the frame (an 8-byte slot; two for a v128). */
export const VALUE_BYTES: Readonly<Record<ValType, number>> = Object.freeze({
  i32: 8, i64: 8, f32: 8, f64: 8, v128: 16, funcref: 8, externref: 8,
});
/** Bytes counted for each value on the operand stack (the operands' types are not tracked: 8, the widest but v128, which the profile refuses). */
export const OPERAND_BYTES = 8;
/** Bytes counted for each frame beyond its values: return address, frame pointer, instance and spare. */
export const FRAME_BYTES = 64;

// How each instruction moves the operand stack. SIMPLE ones pop and push fixed counts; the others
// depend on an immediate (a block type, a callee) or end a block's reachable code.
const SIMPLE = 0, BLOCK = 1, IF = 2, ELSE = 3, END = 4, JUMP = 5, BR_IF = 6, BR_TABLE = 7, CALL = 8,
  RETURN_CALL = 9, CALL_INDIRECT = 10, RETURN_CALL_INDIRECT = 11, UNKNOWN = 12;

const BINARY = new Set([
  "add", "sub", "mul", "div", "div_s", "div_u", "rem_s", "rem_u", "and", "or", "xor", "shl", "shr_s",
  "shr_u", "rotl", "rotr", "eq", "ne", "lt", "lt_s", "lt_u", "gt", "gt_s", "gt_u", "le", "le_s", "le_u",
  "ge", "ge_s", "ge_u", "min", "max", "copysign",
]);
const FIXED: Record<string, [pop: number, push: number]> = {
  nop: [0, 0], drop: [1, 0], select: [3, 1],
  "local.get": [0, 1], "local.set": [1, 0], "local.tee": [1, 1], "global.get": [0, 1], "global.set": [1, 0],
  "table.get": [1, 1], "table.set": [2, 0], "table.size": [0, 1], "table.grow": [2, 1], "table.fill": [3, 0],
  "table.copy": [3, 0], "table.init": [3, 0], "elem.drop": [0, 0],
  "memory.size": [0, 1], "memory.grow": [1, 1], "memory.copy": [3, 0], "memory.fill": [3, 0],
  "memory.init": [3, 0], "data.drop": [0, 0],
  "ref.null": [0, 1], "ref.is_null": [1, 1], "ref.func": [0, 1],
};
const CONTROL: Record<string, number> = {
  block: BLOCK, loop: BLOCK, if: IF, else: ELSE, end: END, unreachable: JUMP, br: JUMP, return: JUMP,
  br_if: BR_IF, br_table: BR_TABLE, call: CALL, return_call: RETURN_CALL, call_indirect: CALL_INDIRECT,
  return_call_indirect: RETURN_CALL_INDIRECT,
};

function effectOf(name: string): [kind: number, pop: number, push: number] {
  const control = CONTROL[name];
  if (control !== undefined) return [control, 0, 0];
  const fixed = FIXED[name];
  if (fixed) return [SIMPLE, fixed[0], fixed[1]];
  // numeric instructions of the scalar types: `i32.add`, `i64.load8_u`, `f64.convert_i32_s`, ...
  const m = /^(i32|i64|f32|f64)\.([a-z0-9_]+)$/.exec(name);
  if (m) {
    const op = m[2]!;
    if (op === "const") return [SIMPLE, 0, 1];
    if (op.startsWith("load")) return [SIMPLE, 1, 1];
    if (op.startsWith("store")) return [SIMPLE, 2, 0];
    return BINARY.has(op) ? [SIMPLE, 2, 1] : [SIMPLE, 1, 1]; // the rest are unary: eqz, clz, conversions, ...
  }
  // SIMD, atomics and exception handling: refused by their own rules, not measured
  return [UNKNOWN, 0, 0];
}

const OPS = listOpcodes().map((o) => effectOf(o.name));
const KIND = Uint8Array.from(OPS, (e) => e[0]);
const POP = Uint8Array.from(OPS, (e) => e[1]);
const PUSH = Uint8Array.from(OPS, (e) => e[2]);

/** What the meter found for one function. */
export interface Frame {
  /** bytes of the frame: FRAME_BYTES, parameters and locals, OPERAND_BYTES per operand at the highest */
  readonly bytes: number;
  /** bytes of the parameters and locals */
  readonly valueBytes: number;
  /** the operand stack at its highest, in values */
  readonly height: number;
  /** the first instruction the meter cannot count (SIMD, atomics, exceptions), if any */
  readonly unknown?: { readonly name: string; readonly offset: number };
}

/**
 * Measures a function's frame as its body is scanned: `start` it, `visit` each instruction in order
 * (the reader's view), then take the `frame()`. One meter serves every function of a module.
 */
export class FrameMeter {
  private height = 0;
  private highest = 0;
  // the open blocks, innermost last: operand height below the block, its parameter and result counts
  private readonly base: number[] = [];
  private readonly params: number[] = [];
  private readonly results: number[] = [];
  private unknown: { name: string; offset: number } | undefined;
  private valueBytes = 0;

  constructor(
    private readonly types: readonly FuncType[],
    /** the type of every function in the index space (imported ones first) */
    private readonly funcTypes: readonly FuncType[],
  ) {}

  /** Starts a function of this type and these declared locals. */
  start(type: FuncType, locals: readonly { readonly count: number; readonly type: ValType }[]): void {
    this.height = this.highest = 0;
    this.unknown = undefined;
    this.base.length = this.params.length = this.results.length = 0;
    this.base.push(0);
    this.params.push(0);
    this.results.push(type.results.length);
    let bytes = 0;
    for (const p of type.params) bytes += VALUE_BYTES[p];
    for (const l of locals) bytes += l.count * VALUE_BYTES[l.type];
    this.valueBytes = bytes;
  }

  visit(op: OpView): void {
    const id = op.id;
    switch (KIND[id]) {
      case SIMPLE:
        this.pop(POP[id]!);
        this.push(PUSH[id]!);
        return;
      case BLOCK:
      case IF: {
        if (KIND[id] === IF) this.pop(1);
        const [p, r] = this.blockArity(op.block);
        this.pop(p);
        this.base.push(this.height);
        this.params.push(p);
        this.results.push(r);
        this.push(p);
        return;
      }
      case ELSE:
        this.height = this.top(this.base) + this.top(this.params);
        return;
      case END: {
        const base = this.base.pop() ?? 0;
        this.params.pop();
        this.height = base;
        this.push(this.results.pop() ?? 0);
        return;
      }
      case BR_IF:
        this.pop(1);
        return;
      case BR_TABLE:
        this.pop(1);
        this.unreachable();
        return;
      case JUMP:
        this.unreachable();
        return;
      case CALL:
      case RETURN_CALL: {
        const t = this.funcTypes[op.index];
        this.pop(t ? t.params.length : 0);
        if (KIND[id] === CALL) this.push(t ? t.results.length : 0);
        else this.unreachable();
        return;
      }
      case CALL_INDIRECT:
      case RETURN_CALL_INDIRECT: {
        const t = this.types[op.index];
        this.pop(1 + (t ? t.params.length : 0));
        if (KIND[id] === CALL_INDIRECT) this.push(t ? t.results.length : 0);
        else this.unreachable();
        return;
      }
      default:
        this.unknown ??= { name: op.name, offset: op.offset };
    }
  }

  frame(): Frame {
    const bytes = FRAME_BYTES + this.valueBytes + OPERAND_BYTES * this.highest;
    return this.unknown
      ? { bytes, valueBytes: this.valueBytes, height: this.highest, unknown: this.unknown }
      : { bytes, valueBytes: this.valueBytes, height: this.highest };
  }

  private top(list: number[]): number {
    return list[list.length - 1] ?? 0;
  }

  private blockArity(block: BlockType | undefined): [params: number, results: number] {
    if (block === undefined || block.kind === "empty") return [0, 0];
    if (block.kind === "value") return [0, 1];
    const t = this.types[block.index];
    return t ? [t.params.length, t.results.length] : [0, 0];
  }

  // Below a block's base are only the values of the blocks around it; in unreachable code a
  // validator lets an instruction pop what is not there, so the count stops at the base.
  private pop(n: number): void {
    this.height = Math.max(this.height - n, this.top(this.base));
  }

  private push(n: number): void {
    this.height += n;
    if (this.height > this.highest) this.highest = this.height;
  }

  // After br, br_table, return, unreachable or a tail call the rest of the block is not reached:
  // its operand stack is empty (anything pushed there is still counted, which only overestimates).
  private unreachable(): void {
    this.height = this.top(this.base);
  }
}
