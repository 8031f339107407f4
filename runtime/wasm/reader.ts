// A small, strict WebAssembly binary reader: the input of the determinism-profile validator
// (runtime/wasm/profile.ts). It decodes the module structure and every instruction of every function
// body (MVP, sign-extension, saturating conversions, bulk memory, reference types, multi-value, tail
// calls, legacy exception handling with its tag section, and the 0xFD SIMD and 0xFE atomic prefixes,
// so that such code is recognised and named rather than misread): what Node 20's V8 accepts. It is
// not a type checker: the profile pairs it with `WebAssembly.validate` where the host has one.
//
// Malformed bytes never throw into the caller: `readModule` returns `{ ok: false, reason, offset }`
// with the byte offset of the first problem. The runtime must not depend on the compiler or on wabt,
// so this file has no dependencies.

import { Imm, OPCODES, opcodeId } from "./opcodes.js";
export { listOpcodes } from "./opcodes.js";
import { ByteReader, ReadError } from "./bytes.js";

import type { ValType, BlockType, FuncType, Limits, TableType, TagType, GlobalType, ImportDesc, Import, ExternKind, Export, MemArg, Instruction, Global, ElementSegment, DataSegment, FunctionBody, OpView, SectionInfo, WasmModule, ReadResult } from "./module-types.js";
import { clip, describeThrown } from "../thrown.js";
import { append } from "../arrays.js";
export type { ValType, BlockType, FuncType, Limits, TableType, TagType, GlobalType, ImportDesc, Import, ExternKind, Export, MemArg, Instruction, Global, ElementSegment, DataSegment, FunctionBody, OpView, SectionInfo, WasmModule, ReadResult } from "./module-types.js";
export { importCount, functionType } from "./module-types.js";

/** Reads a whole module. Never throws: malformed input gives a reason and the offending offset. */
export function readModule(bytes: Uint8Array): ReadResult {
  if (!(bytes instanceof Uint8Array)) return { ok: false, reason: "module bytes must be a Uint8Array", offset: 0 };
  try {
    return { ok: true, module: new ModuleReader(bytes).read() };
  } catch (e) {
    if (e instanceof ReadError) return { ok: false, reason: e.message, offset: e.offset };
    // A bug in the reader must still not escape as an exception into a host.
    return { ok: false, reason: `reader failure: ${describeThrown(e)}`, offset: 0 };
  }
}


// Section ids in their required order (custom sections may appear anywhere). 12 = data count,
// 13 = tag (exception handling, between memory and global).
const SECTION_ORDER = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];
const SECTION_NAMES: Record<number, string> = {
  0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory", 6: "global",
  7: "export", 8: "start", 9: "element", 10: "code", 11: "data", 12: "data count", 13: "tag",
};
const MAX_LOCALS = 50_000; // the JS API's limit; a larger count is a module no engine accepts


class ModuleReader extends ByteReader {
  private readonly types: FuncType[] = [];
  private readonly imports: Import[] = [];
  /** imported functions so far: function indices start after them (kept, not recounted per body) */
  private importedFuncs = 0;
  private readonly exportNames = new Set<string>();
  private readonly functions: number[] = [];
  private readonly tables: TableType[] = [];
  private readonly memories: Limits[] = [];
  private readonly globals: Global[] = [];
  private readonly tags: (TagType & { offset: number })[] = [];
  private readonly exports: Export[] = [];
  private start?: { func: number; offset: number };
  private readonly elements: ElementSegment[] = [];
  private dataCount?: number;
  private readonly data: DataSegment[] = [];
  private readonly code: FunctionBody[] = [];
  private readonly sections: SectionInfo[] = [];
  private readonly functionNames = new Map<number, string>();
  private functionCountDeclared?: number;
  /** one reader shared by every body's later scans (a reader per body made 300,000 bodies slow) */
  private rescan?: ModuleReader;

  constructor(b: Uint8Array) {
    super(b);
  }

  read(): WasmModule {
    const magic = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    if (this.b.length < 8) this.fail("too short for a module header (8 bytes)", 0);
    for (let i = 0; i < 8; i++) {
      if (this.b[i] !== magic[i]) this.fail(i < 4 ? "missing \\0asm magic" : "unsupported binary version", i);
    }
    this.pos = 8;
    let lastOrder = -1;
    while (this.pos < this.b.length) {
      const start = this.pos;
      const id = this.byte();
      const size = this.u32();
      const payloadStart = this.pos;
      const payloadEnd = payloadStart + size;
      if (payloadEnd > this.b.length) this.fail(`${SECTION_NAMES[id] ?? `id ${id}`} section runs past the end of the module`, start);
      if (id !== 0) {
        const order = SECTION_ORDER.indexOf(id);
        if (order < 0) this.fail(`unknown or unsupported section id ${id}`, start);
        if (order <= lastOrder) this.fail(`${SECTION_NAMES[id]} section out of order or repeated`, start);
        lastOrder = order;
      }
      const custom = this.section(id, payloadEnd);
      if (this.pos !== payloadEnd) this.fail(`${SECTION_NAMES[id]} section size mismatch`, this.pos);
      this.sections.push({ id, start, payloadStart, payloadEnd, ...(custom === undefined ? {} : custom) });
    }
    const declared = this.functionCountDeclared ?? 0;
    if (declared !== this.code.length) {
      this.fail(`function section declares ${declared} functions, code section has ${this.code.length}`, this.b.length);
    }
    if (this.dataCount !== undefined && this.dataCount !== this.data.length) {
      this.fail(`data count ${this.dataCount} differs from ${this.data.length} data segments`, this.b.length);
    }
    this.checkIndices();
    return {
      types: this.types, imports: this.imports, functions: this.functions, tables: this.tables,
      memories: this.memories, globals: this.globals, tags: this.tags, exports: this.exports,
      ...(this.start ? { start: this.start } : {}),
      elements: this.elements, ...(this.dataCount !== undefined ? { dataCount: this.dataCount } : {}),
      data: this.data, code: this.code, sections: this.sections, functionNames: this.functionNames,
    };
  }

  // Returns a custom section's name and where its content starts (after the name as it is encoded).
  private section(id: number, end: number): { name: string; contentStart: number } | undefined {
    switch (id) {
      case 0: {
        const name = this.name();
        if (this.pos > end) this.fail("custom section name runs past the section", this.pos);
        const contentStart = this.pos;
        if (name === "name") this.nameSection(end);
        this.pos = end;
        return { name, contentStart };
      }
      case 1: return void this.vec(() => this.funcType());
      case 2: return void this.vec(() => this.import());
      case 3: {
        const list = this.vec(() => this.u32());
        append(this.functions, list);
        this.functionCountDeclared = list.length;
        return;
      }
      case 4: return void this.vec(() => this.tables.push(this.tableType()));
      case 5: return void this.vec(() => this.memories.push(this.limits(true)));
      case 6: return void this.vec(() => {
        const offset = this.pos;
        const type = this.globalType();
        this.globals.push({ type, init: this.constExpr(), offset });
      });
      case 7: return void this.vec(() => this.export());
      case 8: this.start = { offset: this.pos, func: this.u32() }; return;
      case 9: return void this.vec(() => this.element());
      case 10: {
        const n = this.u32();
        this.checkCount(n, end);
        for (let i = 0; i < n; i++) this.code.push(this.body(i));
        return;
      }
      case 11: return void this.vec(() => this.dataSegment());
      case 12: this.dataCount = this.u32(); return;
      case 13: return void this.vec(() => {
        const offset = this.pos;
        this.tags.push({ ...this.tagType(), offset });
      });
    }
    return this.fail(`unknown section id ${id}`, this.pos);
  }

  private funcType(): void {
    const at = this.pos;
    if (this.byte() !== 0x60) this.fail("function type must start with 0x60", at);
    const params = this.vec(() => this.valType());
    const results = this.vec(() => this.valType());
    this.types.push({ params, results });
  }

  private import(): void {
    const offset = this.pos;
    const module = this.name();
    const name = this.name();
    const kindAt = this.pos;
    const kind = this.byte();
    const base = { module, name, offset };
    switch (kind) {
      case 0: this.imports.push({ ...base, kind: "func", type: this.u32() }); this.importedFuncs++; return;
      case 1: this.imports.push({ ...base, kind: "table", table: this.tableType() }); return;
      case 2: this.imports.push({ ...base, kind: "memory", memory: this.limits(true) }); return;
      case 3: this.imports.push({ ...base, kind: "global", global: this.globalType() }); return;
      case 4: this.imports.push({ ...base, kind: "tag", tag: this.tagType() }); return;
    }
    this.fail(`unknown import kind ${kind}`, kindAt);
  }

  private export(): void {
    const offset = this.pos;
    const name = this.name();
    const kindAt = this.pos;
    const k = this.byte();
    const kind = (["func", "table", "memory", "global", "tag"] as const)[k];
    if (kind === undefined) this.fail(`unknown export kind ${k}`, kindAt);
    if (this.exportNames.has(name)) this.fail(`duplicate export name ${JSON.stringify(clip(name, 64))}`, offset);
    this.exportNames.add(name);
    this.exports.push({ name, kind, index: this.u32(), offset });
  }

  // An exception tag: an attribute byte (0, an exception) and the index of its function type.
  private tagType(): TagType {
    const at = this.pos;
    if (this.byte() !== 0) this.fail("tag attribute must be 0 (exception)", at);
    return { type: this.u32() };
  }

  private tableType(): TableType {
    const at = this.pos;
    const element = this.valType();
    if (element !== "funcref" && element !== "externref") this.fail("table element type must be a reference", at);
    return { element, limits: this.limits(false) };
  }

  private limits(memory: boolean): Limits {
    const at = this.pos;
    const flags = this.byte();
    const allowed = memory ? [0, 1, 3, 4, 5, 7] : [0, 1];
    if (!allowed.includes(flags)) this.fail(`invalid limits flags 0x${flags.toString(16)}`, at);
    const index64 = (flags & 4) !== 0;
    const min = index64 ? this.u64AsNumber() : this.u32();
    const hasMax = (flags & 1) !== 0;
    const max = hasMax ? (index64 ? this.u64AsNumber() : this.u32()) : undefined;
    if (max !== undefined && max < min) this.fail("limits maximum below minimum", at);
    return { min, ...(max !== undefined ? { max } : {}), shared: (flags & 2) !== 0, index64 };
  }

  private globalType(): GlobalType {
    const type = this.valType();
    const at = this.pos;
    const m = this.byte();
    if (m > 1) this.fail("global mutability must be 0 or 1", at);
    return { type, mutable: m === 1 };
  }

  private element(): void {
    const offset = this.pos;
    const flags = this.u32();
    if (flags > 7) this.fail(`invalid element segment flags ${flags}`, offset);
    const passiveOrDeclarative = (flags & 1) !== 0;
    const explicitTable = (flags & 2) !== 0;
    const usesExprs = (flags & 4) !== 0;
    const mode = !passiveOrDeclarative ? "active" : explicitTable ? "declarative" : "passive";
    const table = !passiveOrDeclarative && explicitTable ? this.u32() : 0;
    const offsetExpr = mode === "active" ? this.constExpr() : undefined;
    let type: ValType = "funcref";
    if (passiveOrDeclarative || explicitTable) {
      const at = this.pos;
      if (usesExprs) {
        type = this.valType();
        if (type !== "funcref" && type !== "externref") this.fail("element type must be a reference", at);
      } else if (this.byte() !== 0x00) this.fail("element kind must be 0x00 (func)", at);
    }
    const functions = usesExprs ? [] : this.vec(() => this.u32());
    const exprs = usesExprs ? this.vec(() => this.constExpr()) : [];
    this.elements.push({ mode, table, ...(offsetExpr ? { offsetExpr } : {}), type, functions, exprs, offset });
  }

  private dataSegment(): void {
    const offset = this.pos;
    const flags = this.u32();
    if (flags > 2) this.fail(`invalid data segment flags ${flags}`, offset);
    const memory = flags === 2 ? this.u32() : 0;
    const offsetExpr = flags === 1 ? undefined : this.constExpr();
    const len = this.u32();
    if (this.pos + len > this.b.length) this.fail("data segment runs past the end", this.pos);
    const bytes = this.b.subarray(this.pos, this.pos + len);
    this.pos += len;
    this.data.push({ mode: flags === 1 ? "passive" : "active", memory, ...(offsetExpr ? { offsetExpr } : {}), bytes, offset });
  }

  private body(index: number): FunctionBody {
    const offset = this.pos;
    const size = this.u32();
    const end = this.pos + size;
    if (end > this.b.length) this.fail(`body of function ${index} runs past the end`, offset);
    const type = this.types[this.functions[index] ?? -1];
    if (!type) this.fail(`function ${index} has an out-of-range type index`, offset);
    let total = type.params.length;
    const groups = this.u32();
    this.checkCount(groups, end);
    const locals: { count: number; type: ValType }[] = [];
    for (let i = 0; i < groups; i++) {
      const at = this.pos;
      const count = this.u32();
      total += count;
      if (total > MAX_LOCALS) this.fail(`too many locals (over ${MAX_LOCALS})`, at);
      locals.push({ count, type: this.valType() });
    }
    const codeStart = this.pos;
    this.sequence(end, false, { locals: total, funcs: this.funcCount, types: this.types.length }, undefined, undefined);
    if (this.pos !== end) this.fail(`body of function ${index} does not end at its declared size`, this.pos);
    this.rescan ??= new ModuleReader(this.b);
    return new LazyBody(this.rescan, locals.length === 0 ? NO_LOCALS : locals, offset, codeStart, end);
  }

  private constExpr(): Instruction[] {
    const list: Instruction[] = [];
    this.sequence(this.b.length, true, { locals: 0, funcs: this.funcCount, types: this.types.length }, undefined, list, "constant expression");
    list.pop(); // the closing `end` is framing, not part of the expression
    return list;
  }

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
      case Imm.MemArg: v.align = this.u32(); v.memOffset = this.u32(); return;
      case Imm.MemArgLane: v.align = this.u32(); v.memOffset = this.u32(); v.lane = this.byte(); return;
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

  private get funcCount(): number {
    return this.importedFuncs + this.functions.length;
  }

  // Module-level index checks (exports, start, element segments); body indices are checked while
  // decoding. Full type checking is left to WebAssembly.validate.
  private checkIndices(): void {
    const imported = new Map<ExternKind, number>();
    for (const i of this.imports) imported.set(i.kind, (imported.get(i.kind) ?? 0) + 1);
    const count = (kind: ExternKind) => imported.get(kind) ?? 0;
    const funcs = this.funcCount;
    const check = (what: string, i: number, bound: number, at: number) => {
      if (i >= bound) this.fail(`${what} index ${i} out of range (${bound})`, at);
    };
    for (const imp of this.imports) if (imp.kind === "func") check("type", imp.type, this.types.length, imp.offset);
    for (const imp of this.imports) if (imp.kind === "tag") check("type", imp.tag.type, this.types.length, imp.offset);
    for (const tag of this.tags) check("type", tag.type, this.types.length, tag.offset);
    this.functions.forEach((t) => check("type", t, this.types.length, 8));
    for (const e of this.exports) {
      const bound = e.kind === "func" ? funcs
        : e.kind === "memory" ? count("memory") + this.memories.length
        : e.kind === "table" ? count("table") + this.tables.length
        : e.kind === "tag" ? count("tag") + this.tags.length
        : count("global") + this.globals.length;
      check(e.kind, e.index, bound, e.offset);
    }
    if (this.start) check("start function", this.start.func, funcs, this.start.offset);
    for (const seg of this.elements) for (const f of seg.functions) check("function", f, funcs, seg.offset);
  }

  // Name section, subsection 1 (function names). Malformed custom sections are ignored, as the spec
  // requires, so this never fails the module.
  private nameSection(end: number): void {
    const saved = this.pos;
    try {
      while (this.pos < end) {
        const id = this.byte();
        const size = this.u32();
        const next = this.pos + size;
        if (next > end) break; // a subsection that claims more than its section holds: ignored
        if (id === 1) {
          const n = this.u32();
          for (let i = 0; i < n; i++) {
            const idx = this.u32();
            this.functionNames.set(idx, this.name());
          }
        }
        this.pos = next;
      }
    } catch {
      this.functionNames.clear();
    }
    this.pos = saved;
  }

  private valType(): ValType {
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

// A body that was validated while reading; its instructions are decoded again on demand, so a
// validator that only scans never builds instruction objects. One small object per body (no
// closures), and one reader per module for the scans: a module may have hundreds of thousands of
// bodies. The reader's position is saved and restored, so a visitor may scan another body.
class LazyBody implements FunctionBody {
  private decoded: Instruction[] | undefined;

  constructor(
    private readonly reader: ModuleReader,
    readonly locals: readonly { count: number; type: ValType }[],
    readonly offset: number,
    readonly codeStart: number,
    readonly codeEnd: number,
  ) {}

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

const NO_LOCALS: readonly { count: number; type: ValType }[] = Object.freeze([]);

const EMPTY_BLOCK: BlockType = Object.freeze({ kind: "empty" });
const VALUE_BLOCKS = Object.fromEntries(
  (["i32", "i64", "f32", "f64", "v128", "funcref", "externref"] as const).map((t) => [t, Object.freeze({ kind: "value", type: t })]),
) as Record<ValType, BlockType>;
const FUNCREF: readonly ValType[] = Object.freeze(["funcref"]);
const EXTERNREF: readonly ValType[] = Object.freeze(["externref"]);

const VALTYPES: Record<number, ValType> = {
  0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64", 0x7b: "v128", 0x70: "funcref", 0x6f: "externref",
};
