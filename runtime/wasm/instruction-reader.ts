// The instruction decoder of the WebAssembly binary reader (reader.ts, whose module reader extends
// it): every instruction of a function body or constant expression, decoded into one reused view
// (OpView), with the nesting of blocks and (given a context) the indices of calls, types and locals
// checked; and a body validated while the module was read, decoded again on demand (LazyBody).
// Malformed bytes raise a ReadError (reason and offset), as in bytes.ts.

import { Imm, OPCODES, opcodeId } from "./opcodes.js";
import { ByteReader } from "./bytes.js";
import type { BlockType, FunctionBody, Instruction, OpView, ValType } from "./module-types.js";

/** Decodes instructions from where `pos` stands; the module reader (reader.ts) adds the sections. */
export abstract class InstructionReader extends ByteReader {
  /**
   * Decodes instructions up to and including the `end` that closes the outermost frame, checking
   * nesting and (with `ctx`) the indices that the profile relies on: call targets, types, locals.
   * INVARIANT: `stack` holds the opcode of every open block, loop and if.
   */
  sequence(
    limit: number,
    full: boolean,
    ctx: { locals: number; funcs: number; types: number } | undefined,
    visit: ((op: OpView) => void) | undefined,
    out: Instruction[] | undefined,
    what = "function body",
  ): void {
    const v = new View();
    const stack: number[] = [];
    const check = (what: string, i: number, bound: number) => {
      if (i >= bound) this.fail(`${what} index ${i} out of range (${bound})`, v.offset);
    };
    for (;;) {
      if (this.pos >= limit) this.fail(`${what} has no final end`, this.pos);
      this.decode(v, full);
      if (v.prefix === 0) {
        switch (v.code) {
          case 0x02: case 0x03: case 0x04: case 0x06:
            stack.push(v.code);
            if (ctx && v.block?.kind === "type") check("type", v.block.index, ctx.types);
            break;
          case 0x05:
            if (stack[stack.length - 1] !== 0x04) this.fail("else outside an if", v.offset);
            break;
          case 0x07: case 0x19:
            if (stack[stack.length - 1] !== 0x06) this.fail(`${v.name} outside a try`, v.offset);
            break;
          case 0x18: // delegate closes its try, and names a block outside it
            if (stack[stack.length - 1] !== 0x06) this.fail("delegate outside a try", v.offset);
            stack.pop();
            if (v.index > stack.length) this.fail(`delegate depth ${v.index} exceeds nesting`, v.offset);
            break;
          case 0x09:
            if (v.index >= stack.length) this.fail(`rethrow depth ${v.index} exceeds nesting`, v.offset);
            break;
          case 0x0b:
            if (stack.length === 0) {
              visit?.(v);
              out?.push(toInstruction(v));
              return;
            }
            stack.pop();
            break;
          case 0x0c: case 0x0d:
            if (v.index > stack.length) this.fail(`branch depth ${v.index} exceeds nesting`, v.offset);
            break;
          case 0x0e:
            for (const l of v.labels!) if (l > stack.length) this.fail(`branch depth ${l} exceeds nesting`, v.offset);
            break;
          case 0x10: case 0x12: case 0xd2:
            if (ctx) check("function", v.index, ctx.funcs);
            break;
          case 0x11: case 0x13:
            if (ctx) check("type", v.index, ctx.types);
            break;
          case 0x20: case 0x21: case 0x22:
            if (ctx) check("local", v.index, ctx.locals);
            break;
        }
      }
      visit?.(v);
      out?.push(toInstruction(v));
    }
  }

  // Decodes one instruction into `v`. With `full` false, i64/f32/f64/v128 constants are skipped
  // (validated, not converted), which keeps the validator's pass free of BigInt and allocation.
  private decode(v: View, full: boolean): void {
    v.offset = this.pos;
    const first = this.byte();
    const prefixed = first === 0xfc || first === 0xfd || first === 0xfe;
    const code = prefixed ? this.u32() : first;
    const prefix = prefixed ? first : 0;
    const id = opcodeId(prefix, code);
    if (id < 0) this.fail(`unknown opcode 0x${first.toString(16)}${prefixed ? ` ${code}` : ""}`, v.offset);
    const name = OPCODES[id]!.name;
    v.id = id;
    v.prefix = prefix;
    v.code = code;
    v.name = name;
    v.index = v.index2 = v.align = v.memOffset = v.lane = -1;
    v.block = v.types = v.labels = v.value = v.big = v.bytes = undefined;
    switch (OPCODES[id]!.imm) {
      case Imm.None: return;
      case Imm.Block: v.block = this.blockType(); return;
      case Imm.Index: v.index = this.u32(); return;
      case Imm.TwoIndices: v.index = this.u32(); v.index2 = this.u32(); return;
      case Imm.BrTable: {
        const n = this.u32();
        this.checkCount(n, this.b.length);
        const labels = new Array<number>(n + 1);
        for (let i = 0; i <= n; i++) labels[i] = this.u32();
        v.labels = labels;
        return;
      }
      case Imm.SelectTypes: v.types = this.vec(() => this.valType()); return;
      case Imm.RefType: {
        // a heap type: a signed LEB128 of 33 bits, as V8 reads it; func is 0x70 (-16) and extern
        // 0x6f (-17), padded or not. Type indices and the GC proposal's heap types are refused.
        const at = this.pos;
        const x = Number(this.sleb(33));
        if (x !== -16 && x !== -17) this.fail("ref.null needs the heap type func or extern", at);
        v.types = x === -16 ? FUNCREF : EXTERNREF;
        return;
      }
      case Imm.MemArg: v.align = this.alignment(id); v.memOffset = this.u32(); return;
      case Imm.MemArgLane: v.align = this.alignment(id); v.memOffset = this.u32(); v.lane = this.byte(); return;
      case Imm.MemIndex: v.index = this.memoryIndex(name); return;
      case Imm.TwoMemIndices: v.index = this.memoryIndex(name); v.index2 = this.memoryIndex(name); return;
      case Imm.DataMemIndex: v.index = this.u32(); v.index2 = this.memoryIndex(name); return;
      case Imm.Lane: v.lane = this.byte(); return;
      case Imm.I32: v.value = this.s32(); return;
      case Imm.I64:
        if (full) v.big = this.sleb(64);
        else this.skipS64();
        return;
      case Imm.F32: {
        if (!full) return this.skip(4);
        const raw = this.fixed(4);
        v.value = (raw[0]! | (raw[1]! << 8) | (raw[2]! << 16) | (raw[3]! << 24)) >>> 0;
        return;
      }
      case Imm.F64: {
        if (!full) return this.skip(8);
        const raw = this.fixed(8);
        let bits = 0n;
        for (let i = 7; i >= 0; i--) bits = (bits << 8n) | BigInt(raw[i]!);
        v.big = bits;
        return;
      }
      case Imm.Bytes16:
        if (full) v.bytes = this.fixed(16);
        else this.skip(16);
        return;
      case Imm.ZeroByte: {
        const at = this.pos;
        if (this.byte() !== 0) this.fail(`${name} expects a zero byte`, at);
        return;
      }
    }
  }

  // A memarg's alignment: the exponent of the alignment the access states (a u32, as every engine
  // reads it). Under multi-memory (Wasm 3.0; V8 12 and later, Node 22) bit 0x40 of this field says
  // that a memory index follows, and engines read one more LEB128 before the offset: a reader taking
  // such a field as an alignment would read the rest of the body out of step with the engine, and
  // could take a float instruction or memory.grow for an immediate. No access may state more than its
  // natural alignment (the core specification's rule, V8's too), so anything from 0x40 up, or above
  // the natural alignment, is refused: the reader and any engine then read the same instructions.
  private alignment(id: number): number {
    const at = this.pos;
    const align = this.u32();
    const { name, natural } = OPCODES[id]!;
    if (align >= 0x40) {
      this.fail(`\`${name}\` has alignment field ${align}, with bit 0x40 or above set: under multi-memory that says a memory index follows, and a decision module has one memory`, at);
    }
    if (align > natural) this.fail(`\`${name}\` states alignment 2^${align}, more than its natural alignment 2^${natural}`, at);
    return align;
  }

  // The memory index of memory.size, memory.grow, memory.fill, memory.copy and memory.init: one byte,
  // 0x00 (V8 of Node 20 reads one byte and wants 0). Under multi-memory it is a u32 index, so a byte
  // other than 0x00 (0x80 would begin a longer one) would be read otherwise by such an engine.
  private memoryIndex(name: string): number {
    const at = this.pos;
    const b = this.byte();
    if (b !== 0) this.fail(`\`${name}\` must name memory 0 with the byte 0x00, not 0x${b.toString(16).padStart(2, "0")}: a decision module has one memory`, at);
    return 0;
  }

  // A block type is a signed LEB128 of 33 bits: a type index when it is not negative, else a
  // one-byte type code: 0x40 (-64) for none, or a value type. V8 reads the empty type padded to
  // several bytes too (`c0 7f`), and so does this; a value type it takes only as its one byte.
  private blockType(): BlockType {
    const at = this.pos;
    const b = this.b[at];
    if (b === 0x40) {
      this.pos++;
      return EMPTY_BLOCK;
    }
    const t = b === undefined ? undefined : VALTYPES[b];
    if (t !== undefined) {
      this.pos++;
      return VALUE_BLOCKS[t];
    }
    const x = this.sleb(33);
    if (x === -64n) return EMPTY_BLOCK;
    if (x < 0n) this.fail("invalid block type", at);
    return { kind: "type", index: Number(x) };
  }

  // The local declarations at `pos`, as the module reader checked them (reader.ts): at most
  // MAX_LOCAL_GROUPS groups, each as written.
  localGroups(): readonly { count: number; type: ValType }[] {
    const groups = this.u32();
    if (groups === 0) return NO_LOCALS;
    const locals = new Array<{ count: number; type: ValType }>(groups);
    for (let i = 0; i < groups; i++) locals[i] = { count: this.u32(), type: this.valType() };
    return locals;
  }

  protected valType(): ValType {
    const at = this.pos;
    const b = this.byte();
    const t = VALTYPES[b];
    if (t === undefined) this.fail(`unknown value type 0x${b.toString(16)}`, at);
    return t;
  }
}

// The decoder's reusable view of one instruction (see OpView); `big` holds i64.const and f64.const
// values on the full path.
class View implements OpView {
  id = 0;
  offset = 0;
  prefix = 0;
  code = 0;
  name = "";
  index = -1;
  index2 = -1;
  block: BlockType | undefined = undefined;
  types: readonly ValType[] | undefined = undefined;
  labels: readonly number[] | undefined = undefined;
  align = -1;
  memOffset = -1;
  lane = -1;
  value: number | undefined = undefined;
  big: bigint | undefined = undefined;
  bytes: Uint8Array | undefined = undefined;
}

function toInstruction(v: View): Instruction {
  const ins: { -readonly [K in keyof Instruction]: Instruction[K] } = { offset: v.offset, name: v.name, code: v.code };
  if (v.prefix !== 0) ins.prefix = v.prefix;
  if (v.index >= 0) ins.index = v.index;
  if (v.index2 >= 0) ins.index2 = v.index2;
  if (v.block) ins.block = v.block;
  if (v.types) ins.types = v.types;
  if (v.labels) ins.labels = v.labels;
  if (v.align >= 0) ins.memarg = { align: v.align, offset: v.memOffset };
  if (v.big !== undefined) ins.value = v.big;
  else if (v.value !== undefined) ins.value = v.value;
  if (v.lane >= 0) ins.lane = v.lane;
  if (v.bytes) ins.bytes = v.bytes;
  return ins;
}

// A body that was validated while reading; its local declarations and instructions are decoded
// again on demand, so a validator that only scans never builds instruction objects, and nothing is
// kept per local group. One small object per body (no closures), and one reader per module for the
// scans: a module may have hundreds of thousands of bodies. The reader's position is saved and
// restored, so a visitor may scan another body.
export class LazyBody implements FunctionBody {
  private decoded: Instruction[] | undefined;

  constructor(
    private readonly reader: InstructionReader,
    private readonly localsStart: number,
    readonly offset: number,
    readonly codeStart: number,
    readonly codeEnd: number,
  ) {}

  get locals(): readonly { count: number; type: ValType }[] {
    const r = this.reader;
    const saved = r.pos;
    r.pos = this.localsStart;
    try {
      return r.localGroups();
    } finally {
      r.pos = saved;
    }
  }

  get instructions(): readonly Instruction[] {
    if (!this.decoded) {
      const decoded: Instruction[] = [];
      this.again(true, undefined, decoded);
      this.decoded = decoded;
    }
    return this.decoded;
  }

  forEachInstruction(visit: (op: OpView) => void): void {
    this.again(false, visit, undefined);
  }

  private again(full: boolean, visit: ((op: OpView) => void) | undefined, out: Instruction[] | undefined): void {
    const r = this.reader;
    const saved = r.pos;
    r.pos = this.codeStart;
    try {
      r.sequence(this.codeEnd, full, undefined, visit, out);
    } finally {
      r.pos = saved;
    }
  }
}

export const NO_LOCALS: readonly { count: number; type: ValType }[] = Object.freeze([]);

const EMPTY_BLOCK: BlockType = Object.freeze({ kind: "empty" });
const VALUE_BLOCKS = Object.fromEntries(
  (["i32", "i64", "f32", "f64", "v128", "funcref", "externref"] as const).map((t) => [t, Object.freeze({ kind: "value", type: t })]),
) as Record<ValType, BlockType>;
const FUNCREF: readonly ValType[] = Object.freeze(["funcref"]);
const EXTERNREF: readonly ValType[] = Object.freeze(["externref"]);

const VALTYPES: Record<number, ValType> = {
  0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64", 0x7b: "v128", 0x70: "funcref", 0x6f: "externref",
};
