// A small, strict WebAssembly binary reader: the input of the determinism-profile validator
// (runtime/wasm/profile.ts). It decodes the module structure and every instruction of every function
// body (MVP, sign-extension, saturating conversions, bulk memory, reference types, multi-value, tail
// calls, and the 0xFD SIMD and 0xFE atomic prefixes, so that such code is recognised and named rather
// than misread). It is not a type checker: the profile pairs it with `WebAssembly.validate` where the
// host has one.
//
// Malformed bytes never throw into the caller: `readModule` returns `{ ok: false, reason, offset }`
// with the byte offset of the first problem. The runtime must not depend on the compiler or on wabt,
// so this file has no dependencies.

export type ValType = "i32" | "i64" | "f32" | "f64" | "v128" | "funcref" | "externref";
export type BlockType =
  | { readonly kind: "empty" }
  | { readonly kind: "value"; readonly type: ValType }
  | { readonly kind: "type"; readonly index: number };

export interface FuncType {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}
export interface Limits {
  readonly min: number;
  readonly max?: number;
  readonly shared: boolean;
  readonly index64: boolean;
}
export interface TableType {
  readonly element: ValType;
  readonly limits: Limits;
}
export interface GlobalType {
  readonly type: ValType;
  readonly mutable: boolean;
}
export type ImportDesc =
  | { readonly kind: "func"; readonly type: number }
  | { readonly kind: "table"; readonly table: TableType }
  | { readonly kind: "memory"; readonly memory: Limits }
  | { readonly kind: "global"; readonly global: GlobalType };
export type Import = { readonly module: string; readonly name: string; readonly offset: number } & ImportDesc;

export type ExternKind = "func" | "table" | "memory" | "global";
export interface Export {
  readonly name: string;
  readonly kind: ExternKind;
  readonly index: number;
  readonly offset: number;
}
export interface MemArg {
  readonly align: number;
  readonly offset: number;
}

/** One decoded instruction. `offset` is the byte offset of its opcode in the module. */
export interface Instruction {
  readonly offset: number;
  /** text-format mnemonic, e.g. `i32.add`, `memory.grow`, `i32x4.add` */
  readonly name: string;
  /** 0xFC, 0xFD or 0xFE for prefixed instructions */
  readonly prefix?: number;
  /** the opcode byte, or the sub-opcode after a prefix */
  readonly code: number;
  /** first index immediate: function, type, local, global, table, label, data, element or memory */
  readonly index?: number;
  /** second index immediate (call_indirect's table, table.init's table, the source of a copy) */
  readonly index2?: number;
  readonly block?: BlockType;
  /** `select t*` operand types, `ref.null`'s reference type */
  readonly types?: readonly ValType[];
  /** br_table targets; the last one is the default */
  readonly labels?: readonly number[];
  readonly memarg?: MemArg;
  /** i32.const: number; i64.const: bigint; f32.const / f64.const: raw bits (number / bigint) */
  readonly value?: number | bigint;
  readonly lane?: number;
  /** v128.const bytes, i8x16.shuffle lanes */
  readonly bytes?: Uint8Array;
}

export interface Global {
  readonly type: GlobalType;
  readonly init: readonly Instruction[];
  readonly offset: number;
}
export interface ElementSegment {
  readonly mode: "active" | "passive" | "declarative";
  readonly table: number;
  readonly offsetExpr?: readonly Instruction[];
  readonly type: ValType;
  /** function indices (for the index encodings) or initialiser expressions */
  readonly functions: readonly number[];
  readonly exprs: readonly (readonly Instruction[])[];
  readonly offset: number;
}
export interface DataSegment {
  readonly mode: "active" | "passive";
  readonly memory: number;
  readonly offsetExpr?: readonly Instruction[];
  readonly bytes: Uint8Array;
  readonly offset: number;
}
export interface FunctionBody {
  /** local declarations beyond the parameters, as run-length groups */
  readonly locals: readonly { readonly count: number; readonly type: ValType }[];
  /** every instruction, including the final `end` */
  readonly instructions: readonly Instruction[];
  /** byte offset of the body's size field */
  readonly offset: number;
}
export interface SectionInfo {
  readonly id: number;
  /** offset of the section id byte */
  readonly start: number;
  /** offset of the first payload byte */
  readonly payloadStart: number;
  readonly payloadEnd: number;
  /** custom sections only */
  readonly name?: string;
}

export interface WasmModule {
  readonly types: readonly FuncType[];
  readonly imports: readonly Import[];
  /** type index of each defined (non-imported) function */
  readonly functions: readonly number[];
  readonly tables: readonly TableType[];
  readonly memories: readonly Limits[];
  readonly globals: readonly Global[];
  readonly exports: readonly Export[];
  readonly start?: { readonly func: number; readonly offset: number };
  readonly elements: readonly ElementSegment[];
  readonly dataCount?: number;
  readonly data: readonly DataSegment[];
  readonly code: readonly FunctionBody[];
  readonly sections: readonly SectionInfo[];
  /** function names from the `name` custom section, when present and well-formed */
  readonly functionNames: ReadonlyMap<number, string>;
}

export type ReadResult =
  | { readonly ok: true; readonly module: WasmModule }
  | { readonly ok: false; readonly reason: string; readonly offset: number };

/** Counts imports of one kind: imported entities come first in their index space. */
export function importCount(module: WasmModule, kind: ExternKind): number {
  let n = 0;
  for (const imp of module.imports) if (imp.kind === kind) n++;
  return n;
}

/** The signature of function `index` (imported or defined), or undefined when out of range. */
export function functionType(module: WasmModule, index: number): FuncType | undefined {
  let i = 0;
  for (const imp of module.imports) {
    if (imp.kind !== "func") continue;
    if (i === index) return module.types[imp.type];
    i++;
  }
  const t = module.functions[index - i];
  return t === undefined ? undefined : module.types[t];
}

/** Reads a whole module. Never throws: malformed input gives a reason and the offending offset. */
export function readModule(bytes: Uint8Array): ReadResult {
  if (!(bytes instanceof Uint8Array)) return { ok: false, reason: "module bytes must be a Uint8Array", offset: 0 };
  try {
    return { ok: true, module: new ModuleReader(bytes).read() };
  } catch (e) {
    if (e instanceof ReadError) return { ok: false, reason: e.message, offset: e.offset };
    // A bug in the reader must still not escape as an exception into a host.
    return { ok: false, reason: `reader failure: ${String(e)}`, offset: 0 };
  }
}

class ReadError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

// Section ids in their required order (custom sections may appear anywhere). 12 = data count.
const SECTION_ORDER = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 10, 11];
const SECTION_NAMES: Record<number, string> = {
  0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory", 6: "global",
  7: "export", 8: "start", 9: "element", 10: "code", 11: "data", 12: "data count",
};
const MAX_LOCALS = 50_000; // the JS API's limit; a larger count is a module no engine accepts

const utf8 = new TextDecoder("utf-8", { fatal: true });

class ModuleReader {
  private pos = 0;
  private readonly types: FuncType[] = [];
  private readonly imports: Import[] = [];
  private readonly functions: number[] = [];
  private readonly tables: TableType[] = [];
  private readonly memories: Limits[] = [];
  private readonly globals: Global[] = [];
  private readonly exports: Export[] = [];
  private start?: { func: number; offset: number };
  private readonly elements: ElementSegment[] = [];
  private dataCount?: number;
  private readonly data: DataSegment[] = [];
  private readonly code: FunctionBody[] = [];
  private readonly sections: SectionInfo[] = [];
  private readonly functionNames = new Map<number, string>();
  private functionCountDeclared?: number;

  constructor(private readonly b: Uint8Array) {}

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
      const name = this.section(id, payloadEnd);
      if (this.pos !== payloadEnd) this.fail(`${SECTION_NAMES[id]} section size mismatch`, this.pos);
      this.sections.push({ id, start, payloadStart, payloadEnd, ...(name === undefined ? {} : { name }) });
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
      memories: this.memories, globals: this.globals, exports: this.exports,
      ...(this.start ? { start: this.start } : {}),
      elements: this.elements, ...(this.dataCount !== undefined ? { dataCount: this.dataCount } : {}),
      data: this.data, code: this.code, sections: this.sections, functionNames: this.functionNames,
    };
  }

  // Returns the custom section's name, if any.
  private section(id: number, end: number): string | undefined {
    switch (id) {
      case 0: {
        const name = this.name();
        if (this.pos > end) this.fail("custom section name runs past the section", this.pos);
        if (name === "name") this.nameSection(end);
        this.pos = end;
        return name;
      }
      case 1: return void this.vec(() => this.funcType());
      case 2: return void this.vec(() => this.import());
      case 3: {
        const list = this.vec(() => this.u32());
        this.functions.push(...list);
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
      case 0: this.imports.push({ ...base, kind: "func", type: this.u32() }); return;
      case 1: this.imports.push({ ...base, kind: "table", table: this.tableType() }); return;
      case 2: this.imports.push({ ...base, kind: "memory", memory: this.limits(true) }); return;
      case 3: this.imports.push({ ...base, kind: "global", global: this.globalType() }); return;
    }
    this.fail(`unknown import kind ${kind}`, kindAt);
  }

  private export(): void {
    const offset = this.pos;
    const name = this.name();
    const kindAt = this.pos;
    const k = this.byte();
    const kind = (["func", "table", "memory", "global"] as const)[k];
    if (kind === undefined) this.fail(`unknown export kind ${k}`, kindAt);
    if (this.exports.some((e) => e.name === name)) this.fail(`duplicate export name "${name}"`, offset);
    this.exports.push({ name, kind, index: this.u32(), offset });
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
    const locals: { count: number; type: ValType }[] = [];
    let total = 0;
    const groups = this.u32();
    this.checkCount(groups, end);
    for (let i = 0; i < groups; i++) {
      const at = this.pos;
      const count = this.u32();
      total += count;
      if (total > MAX_LOCALS) this.fail(`too many locals (over ${MAX_LOCALS})`, at);
      locals.push({ count, type: this.valType() });
    }
    const instructions = this.instructions(end, false);
    if (this.pos !== end) this.fail(`body of function ${index} does not end at its declared size`, this.pos);
    return { locals, instructions, offset };
  }

  private constExpr(): Instruction[] {
    const list = this.instructions(this.b.length, true);
    list.pop(); // the closing `end` is framing, not part of the expression
    return list;
  }

  // Decodes instructions up to and including the `end` that closes the outermost frame.
  // INVARIANT: `stack` holds the opcode of every open block, loop and if.
  private instructions(limit: number, constant: boolean): Instruction[] {
    const out: Instruction[] = [];
    const stack: number[] = [];
    for (;;) {
      if (this.pos >= limit) this.fail(constant ? "unterminated constant expression" : "function body has no final end", this.pos);
      const ins = this.instruction();
      out.push(ins);
      if (ins.prefix === undefined) {
        if (ins.code === 0x02 || ins.code === 0x03 || ins.code === 0x04) stack.push(ins.code);
        else if (ins.code === 0x05) {
          if (stack[stack.length - 1] !== 0x04) this.fail("else outside an if", ins.offset);
        } else if (ins.code === 0x0b) {
          if (stack.length === 0) return out;
          stack.pop();
        } else if (ins.code === 0x0c || ins.code === 0x0d) {
          if (ins.index! > stack.length) this.fail(`branch depth ${ins.index} exceeds nesting`, ins.offset);
        } else if (ins.code === 0x0e) {
          for (const l of ins.labels!) if (l > stack.length) this.fail(`branch depth ${l} exceeds nesting`, ins.offset);
        }
      }
    }
  }

  private instruction(): Instruction {
    const offset = this.pos;
    const first = this.byte();
    const prefixed = first === 0xfc || first === 0xfd || first === 0xfe;
    const code = prefixed ? this.u32() : first;
    const prefix = prefixed ? first : undefined;
    const name = opcodeName(prefix, code);
    if (name === undefined) {
      this.fail(`unknown opcode 0x${first.toString(16)}${prefixed ? ` ${code}` : ""}`, offset);
    }
    const base = { offset, name, code, ...(prefix !== undefined ? { prefix } : {}) };
    switch (immediateKind(prefix, code)) {
      case Imm.None: return base;
      case Imm.Block: return { ...base, block: this.blockType() };
      case Imm.Index: return { ...base, index: this.u32() };
      case Imm.TwoIndices: return { ...base, index: this.u32(), index2: this.u32() };
      case Imm.BrTable: {
        const labels = this.vec(() => this.u32());
        labels.push(this.u32());
        return { ...base, labels };
      }
      case Imm.SelectTypes: return { ...base, types: this.vec(() => this.valType()) };
      case Imm.RefType: {
        const at = this.pos;
        const t = this.valType();
        if (t !== "funcref" && t !== "externref") this.fail("ref.null needs a reference type", at);
        return { ...base, types: [t] };
      }
      case Imm.MemArg: return { ...base, memarg: this.memarg() };
      case Imm.MemArgLane: return { ...base, memarg: this.memarg(), lane: this.byte() };
      case Imm.Lane: return { ...base, lane: this.byte() };
      case Imm.I32: return { ...base, value: Number(this.sleb(32)) };
      case Imm.I64: return { ...base, value: this.sleb(64) };
      case Imm.F32: {
        const v = this.fixed(4);
        return { ...base, value: (v[0]! | (v[1]! << 8) | (v[2]! << 16) | (v[3]! << 24)) >>> 0 };
      }
      case Imm.F64: {
        const v = this.fixed(8);
        let bits = 0n;
        for (let i = 7; i >= 0; i--) bits = (bits << 8n) | BigInt(v[i]!);
        return { ...base, value: bits };
      }
      case Imm.Bytes16: return { ...base, bytes: this.fixed(16) };
      case Imm.ZeroByte: {
        const at = this.pos;
        if (this.byte() !== 0) this.fail(`${name} expects a zero byte`, at);
        return base;
      }
    }
  }

  private blockType(): BlockType {
    const at = this.pos;
    const b = this.b[at];
    if (b === 0x40) {
      this.pos++;
      return { kind: "empty" };
    }
    if (b !== undefined && VALTYPES[b] !== undefined) {
      this.pos++;
      return { kind: "value", type: VALTYPES[b]! };
    }
    const index = this.sleb(33);
    if (index < 0n) this.fail("invalid block type", at);
    return { kind: "type", index: Number(index) };
  }

  private memarg(): MemArg {
    return { align: this.u32(), offset: this.u32() };
  }

  // Index checks that the profile relies on (call graph edges, type lookups, exports); full type
  // checking is left to WebAssembly.validate.
  private checkIndices(): void {
    const funcs = importCount(this.moduleView(), "func") + this.functions.length;
    const check = (what: string, i: number, bound: number, at: number) => {
      if (i >= bound) this.fail(`${what} index ${i} out of range (${bound})`, at);
    };
    for (const imp of this.imports) if (imp.kind === "func") check("type", imp.type, this.types.length, imp.offset);
    this.functions.forEach((t) => check("type", t, this.types.length, 8));
    for (const e of this.exports) {
      const bound = e.kind === "func" ? funcs
        : e.kind === "memory" ? importCount(this.moduleView(), "memory") + this.memories.length
        : e.kind === "table" ? importCount(this.moduleView(), "table") + this.tables.length
        : importCount(this.moduleView(), "global") + this.globals.length;
      check(e.kind, e.index, bound, e.offset);
    }
    if (this.start) check("start function", this.start.func, funcs, this.start.offset);
    for (const seg of this.elements) for (const f of seg.functions) check("function", f, funcs, seg.offset);
    this.code.forEach((body, i) => {
      const type = this.types[this.functions[i]!]!;
      const localCount = type.params.length + body.locals.reduce((n, l) => n + l.count, 0);
      for (const ins of body.instructions) {
        if (ins.prefix !== undefined) continue;
        if (ins.code === 0x10 || ins.code === 0x12 || ins.code === 0xd2) check("function", ins.index!, funcs, ins.offset);
        else if (ins.code === 0x11 || ins.code === 0x13) check("type", ins.index!, this.types.length, ins.offset);
        else if (ins.code >= 0x20 && ins.code <= 0x22) check("local", ins.index!, localCount, ins.offset);
        else if (ins.block?.kind === "type") check("type", ins.block.index, this.types.length, ins.offset);
      }
    });
  }

  private moduleView(): WasmModule {
    return { imports: this.imports } as unknown as WasmModule;
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

  // ---- primitives ----

  private fail(reason: string, offset: number): never {
    throw new ReadError(reason, offset);
  }

  private byte(): number {
    const v = this.b[this.pos];
    if (v === undefined) this.fail("unexpected end of module", this.pos);
    this.pos++;
    return v;
  }

  private fixed(n: number): Uint8Array {
    if (this.pos + n > this.b.length) this.fail("unexpected end of module", this.pos);
    const out = this.b.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  // A count cannot exceed the bytes left (every element takes at least one), which keeps a forged
  // huge count from allocating.
  private checkCount(n: number, end: number): void {
    if (n > end - this.pos) this.fail(`count ${n} exceeds the remaining bytes`, this.pos);
  }

  private vec<T>(item: () => T): T[] {
    const n = this.u32();
    this.checkCount(n, this.b.length);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item());
    return out;
  }

  private name(): string {
    const len = this.u32();
    const at = this.pos;
    const raw = this.fixed(len);
    try {
      return utf8.decode(raw);
    } catch {
      return this.fail("name is not valid UTF-8", at);
    }
  }

  private valType(): ValType {
    const at = this.pos;
    const b = this.byte();
    const t = VALTYPES[b];
    if (t === undefined) this.fail(`unknown value type 0x${b.toString(16)}`, at);
    return t;
  }

  private u32(): number {
    const at = this.pos;
    let result = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.byte();
      if (i === 4 && b > 0x0f) this.fail("u32 LEB128 out of range", at);
      result += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) return result;
    }
    return this.fail("u32 LEB128 too long", at);
  }

  private u64AsNumber(): number {
    const at = this.pos;
    let result = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << BigInt(7 * i);
      if ((b & 0x80) === 0) {
        if (result > BigInt(Number.MAX_SAFE_INTEGER)) this.fail("u64 limit too large", at);
        return Number(result);
      }
    }
    return this.fail("u64 LEB128 too long", at);
  }

  // Signed LEB128 of `bits` width; rejects encodings that are too long or whose unused bits in the
  // last byte are not a sign extension.
  private sleb(bits: number): bigint {
    const at = this.pos;
    const maxBytes = Math.ceil(bits / 7);
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < maxBytes; i++) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) {
        if (i === maxBytes - 1) {
          const used = bits - 7 * i; // payload bits that count in this byte
          const allOnes = 0x7f >> (used - 1);
          const rest = (b >> (used - 1)) & allOnes; // the sign bit and the unused bits above it
          if (rest !== 0 && rest !== allOnes) this.fail(`s${bits} LEB128 out of range`, at);
        }
        if (b & 0x40) result -= 1n << shift;
        return result;
      }
    }
    return this.fail(`s${bits} LEB128 too long`, at);
  }
}

const VALTYPES: Record<number, ValType> = {
  0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64", 0x7b: "v128", 0x70: "funcref", 0x6f: "externref",
};

// ---- opcode tables ----
// Names follow the text format. Immediate kinds decide how many bytes follow an opcode; a wrong kind
// would desynchronise decoding, so every prefixed range is listed explicitly.

const Imm = {
  None: 0, Block: 1, Index: 2, TwoIndices: 3, BrTable: 4, SelectTypes: 5, RefType: 6, MemArg: 7,
  MemArgLane: 8, Lane: 9, I32: 10, I64: 11, F32: 12, F64: 13, Bytes16: 14, ZeroByte: 15,
} as const;
type ImmKind = (typeof Imm)[keyof typeof Imm];

function table(entries: [number, string][]): Map<number, string> {
  const m = new Map<number, string>();
  for (const [start, names] of entries) {
    names.split(/\s+/).filter(Boolean).forEach((n, i) => {
      if (n !== "-") m.set(start + i, n);
    });
  }
  return m;
}
const cmpI = (t: string) => `${t}.eq ${t}.ne ${t}.lt_s ${t}.lt_u ${t}.gt_s ${t}.gt_u ${t}.le_s ${t}.le_u ${t}.ge_s ${t}.ge_u`;
const cmpF = (t: string) => `${t}.eq ${t}.ne ${t}.lt ${t}.gt ${t}.le ${t}.ge`;
const binI = (t: string) =>
  `${t}.clz ${t}.ctz ${t}.popcnt ${t}.add ${t}.sub ${t}.mul ${t}.div_s ${t}.div_u ${t}.rem_s ${t}.rem_u ` +
  `${t}.and ${t}.or ${t}.xor ${t}.shl ${t}.shr_s ${t}.shr_u ${t}.rotl ${t}.rotr`;
const binF = (t: string) =>
  `${t}.abs ${t}.neg ${t}.ceil ${t}.floor ${t}.trunc ${t}.nearest ${t}.sqrt ${t}.add ${t}.sub ${t}.mul ` +
  `${t}.div ${t}.min ${t}.max ${t}.copysign`;

const MVP = table([
  [0x00, "unreachable nop block loop if else"],
  [0x0b, "end br br_if br_table return call call_indirect return_call return_call_indirect"],
  [0x1a, "drop select select"],
  [0x20, "local.get local.set local.tee global.get global.set table.get table.set"],
  [0x28, "i32.load i64.load f32.load f64.load i32.load8_s i32.load8_u i32.load16_s i32.load16_u " +
    "i64.load8_s i64.load8_u i64.load16_s i64.load16_u i64.load32_s i64.load32_u i32.store i64.store " +
    "f32.store f64.store i32.store8 i32.store16 i64.store8 i64.store16 i64.store32 memory.size memory.grow " +
    "i32.const i64.const f32.const f64.const"],
  [0x45, `i32.eqz ${cmpI("i32")} i64.eqz ${cmpI("i64")} ${cmpF("f32")} ${cmpF("f64")}`],
  [0x67, `${binI("i32")} ${binI("i64")} ${binF("f32")} ${binF("f64")}`],
  [0xa7, "i32.wrap_i64 i32.trunc_f32_s i32.trunc_f32_u i32.trunc_f64_s i32.trunc_f64_u i64.extend_i32_s " +
    "i64.extend_i32_u i64.trunc_f32_s i64.trunc_f32_u i64.trunc_f64_s i64.trunc_f64_u f32.convert_i32_s " +
    "f32.convert_i32_u f32.convert_i64_s f32.convert_i64_u f32.demote_f64 f64.convert_i32_s f64.convert_i32_u " +
    "f64.convert_i64_s f64.convert_i64_u f64.promote_f32 i32.reinterpret_f32 i64.reinterpret_f64 " +
    "f32.reinterpret_i32 f64.reinterpret_i64 i32.extend8_s i32.extend16_s i64.extend8_s i64.extend16_s " +
    "i64.extend32_s"],
  [0xd0, "ref.null ref.is_null ref.func"],
]);

const MISC = table([
  [0, "i32.trunc_sat_f32_s i32.trunc_sat_f32_u i32.trunc_sat_f64_s i32.trunc_sat_f64_u i64.trunc_sat_f32_s " +
    "i64.trunc_sat_f32_u i64.trunc_sat_f64_s i64.trunc_sat_f64_u memory.init data.drop memory.copy " +
    "memory.fill table.init elem.drop table.copy table.grow table.size table.fill"],
]);

const rmw = (op: string) =>
  `i32.atomic.rmw.${op} i64.atomic.rmw.${op} i32.atomic.rmw8.${op}_u i32.atomic.rmw16.${op}_u ` +
  `i64.atomic.rmw8.${op}_u i64.atomic.rmw16.${op}_u i64.atomic.rmw32.${op}_u`;
const ATOMIC = table([
  [0x00, "memory.atomic.notify memory.atomic.wait32 memory.atomic.wait64 atomic.fence"],
  [0x10, "i32.atomic.load i64.atomic.load i32.atomic.load8_u i32.atomic.load16_u i64.atomic.load8_u " +
    "i64.atomic.load16_u i64.atomic.load32_u i32.atomic.store i64.atomic.store i32.atomic.store8 " +
    "i32.atomic.store16 i64.atomic.store8 i64.atomic.store16 i64.atomic.store32"],
  [0x1e, `${rmw("add")} ${rmw("sub")} ${rmw("and")} ${rmw("or")} ${rmw("xor")} ${rmw("xchg")} ${rmw("cmpxchg")}`],
]);

const vcmpI = (t: string, signed: boolean) =>
  signed ? cmpI(t) : `${t}.eq ${t}.ne ${t}.lt_s ${t}.gt_s ${t}.le_s ${t}.ge_s`;
const SIMD = table([
  [0x00, "v128.load v128.load8x8_s v128.load8x8_u v128.load16x4_s v128.load16x4_u v128.load32x2_s " +
    "v128.load32x2_u v128.load8_splat v128.load16_splat v128.load32_splat v128.load64_splat v128.store " +
    "v128.const i8x16.shuffle i8x16.swizzle i8x16.splat i16x8.splat i32x4.splat i64x2.splat f32x4.splat " +
    "f64x2.splat i8x16.extract_lane_s i8x16.extract_lane_u i8x16.replace_lane i16x8.extract_lane_s " +
    "i16x8.extract_lane_u i16x8.replace_lane i32x4.extract_lane i32x4.replace_lane i64x2.extract_lane " +
    "i64x2.replace_lane f32x4.extract_lane f32x4.replace_lane f64x2.extract_lane f64x2.replace_lane"],
  [0x23, `${vcmpI("i8x16", true)} ${vcmpI("i16x8", true)} ${vcmpI("i32x4", true)} ${cmpF("f32x4")} ${cmpF("f64x2")}`],
  [0x4d, "v128.not v128.and v128.andnot v128.or v128.xor v128.bitselect v128.any_true v128.load8_lane " +
    "v128.load16_lane v128.load32_lane v128.load64_lane v128.store8_lane v128.store16_lane v128.store32_lane " +
    "v128.store64_lane v128.load32_zero v128.load64_zero f32x4.demote_f64x2_zero f64x2.promote_low_f32x4"],
  [0x60, "i8x16.abs i8x16.neg i8x16.popcnt i8x16.all_true i8x16.bitmask i8x16.narrow_i16x8_s " +
    "i8x16.narrow_i16x8_u f32x4.ceil f32x4.floor f32x4.trunc f32x4.nearest i8x16.shl i8x16.shr_s " +
    "i8x16.shr_u i8x16.add i8x16.add_sat_s i8x16.add_sat_u i8x16.sub i8x16.sub_sat_s i8x16.sub_sat_u " +
    "f64x2.ceil f64x2.floor i8x16.min_s i8x16.min_u i8x16.max_s i8x16.max_u f64x2.trunc i8x16.avgr_u " +
    "i16x8.extadd_pairwise_i8x16_s i16x8.extadd_pairwise_i8x16_u i32x4.extadd_pairwise_i16x8_s " +
    "i32x4.extadd_pairwise_i16x8_u"],
  [0x80, "i16x8.abs i16x8.neg i16x8.q15mulr_sat_s i16x8.all_true i16x8.bitmask i16x8.narrow_i32x4_s " +
    "i16x8.narrow_i32x4_u i16x8.extend_low_i8x16_s i16x8.extend_high_i8x16_s i16x8.extend_low_i8x16_u " +
    "i16x8.extend_high_i8x16_u i16x8.shl i16x8.shr_s i16x8.shr_u i16x8.add i16x8.add_sat_s i16x8.add_sat_u " +
    "i16x8.sub i16x8.sub_sat_s i16x8.sub_sat_u f64x2.nearest i16x8.mul i16x8.min_s i16x8.min_u i16x8.max_s " +
    "i16x8.max_u - i16x8.avgr_u i16x8.extmul_low_i8x16_s i16x8.extmul_high_i8x16_s " +
    "i16x8.extmul_low_i8x16_u i16x8.extmul_high_i8x16_u"],
  [0xa0, "i32x4.abs i32x4.neg - i32x4.all_true i32x4.bitmask - - i32x4.extend_low_i16x8_s " +
    "i32x4.extend_high_i16x8_s i32x4.extend_low_i16x8_u i32x4.extend_high_i16x8_u i32x4.shl i32x4.shr_s " +
    "i32x4.shr_u i32x4.add - - i32x4.sub - - - i32x4.mul i32x4.min_s i32x4.min_u i32x4.max_s i32x4.max_u " +
    "i32x4.dot_i16x8_s - i32x4.extmul_low_i16x8_s i32x4.extmul_high_i16x8_s i32x4.extmul_low_i16x8_u " +
    "i32x4.extmul_high_i16x8_u"],
  [0xc0, "i64x2.abs i64x2.neg - i64x2.all_true i64x2.bitmask - - i64x2.extend_low_i32x4_s " +
    "i64x2.extend_high_i32x4_s i64x2.extend_low_i32x4_u i64x2.extend_high_i32x4_u i64x2.shl i64x2.shr_s " +
    `i64x2.shr_u i64x2.add - - i64x2.sub - - - i64x2.mul ${vcmpI("i64x2", false)} i64x2.extmul_low_i32x4_s ` +
    "i64x2.extmul_high_i32x4_s i64x2.extmul_low_i32x4_u i64x2.extmul_high_i32x4_u"],
  [0xe0, "f32x4.abs f32x4.neg - f32x4.sqrt f32x4.add f32x4.sub f32x4.mul f32x4.div f32x4.min f32x4.max " +
    "f32x4.pmin f32x4.pmax f64x2.abs f64x2.neg - f64x2.sqrt f64x2.add f64x2.sub f64x2.mul f64x2.div " +
    "f64x2.min f64x2.max f64x2.pmin f64x2.pmax i32x4.trunc_sat_f32x4_s i32x4.trunc_sat_f32x4_u " +
    "f32x4.convert_i32x4_s f32x4.convert_i32x4_u i32x4.trunc_sat_f64x2_s_zero i32x4.trunc_sat_f64x2_u_zero " +
    "f64x2.convert_low_i32x4_s f64x2.convert_low_i32x4_u"],
  // relaxed SIMD
  [0x100, "i8x16.relaxed_swizzle i32x4.relaxed_trunc_f32x4_s i32x4.relaxed_trunc_f32x4_u " +
    "i32x4.relaxed_trunc_f64x2_s_zero i32x4.relaxed_trunc_f64x2_u_zero f32x4.relaxed_madd " +
    "f32x4.relaxed_nmadd f64x2.relaxed_madd f64x2.relaxed_nmadd i8x16.relaxed_laneselect " +
    "i16x8.relaxed_laneselect i32x4.relaxed_laneselect i64x2.relaxed_laneselect f32x4.relaxed_min " +
    "f32x4.relaxed_max f64x2.relaxed_min f64x2.relaxed_max i16x8.relaxed_q15mulr_s " +
    "i16x8.relaxed_dot_i8x16_i7x16_s i32x4.relaxed_dot_i8x16_i7x16_add_s"],
]);

function opcodeName(prefix: number | undefined, code: number): string | undefined {
  switch (prefix) {
    case undefined: return MVP.get(code);
    case 0xfc: return MISC.get(code);
    case 0xfd: return SIMD.get(code);
    case 0xfe: return ATOMIC.get(code);
  }
  return undefined;
}

function immediateKind(prefix: number | undefined, code: number): ImmKind {
  if (prefix === 0xfc) {
    if (code <= 7) return Imm.None;
    if (code === 8 || code === 10 || code === 12 || code === 14) return Imm.TwoIndices;
    return Imm.Index;
  }
  if (prefix === 0xfe) return code === 3 ? Imm.ZeroByte : Imm.MemArg;
  if (prefix === 0xfd) {
    if (code <= 0x0b || code === 0x5c || code === 0x5d) return Imm.MemArg;
    if (code === 0x0c || code === 0x0d) return Imm.Bytes16;
    if (code >= 0x15 && code <= 0x22) return Imm.Lane;
    if (code >= 0x54 && code <= 0x5b) return Imm.MemArgLane;
    return Imm.None;
  }
  if (code >= 0x02 && code <= 0x04) return Imm.Block;
  if (code >= 0x28 && code <= 0x3e) return Imm.MemArg;
  switch (code) {
    case 0x0c: case 0x0d: case 0x10: case 0x12: case 0xd2: return Imm.Index;
    case 0x0e: return Imm.BrTable;
    case 0x11: case 0x13: return Imm.TwoIndices;
    case 0x1c: return Imm.SelectTypes;
    case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25: case 0x26: return Imm.Index;
    case 0x3f: case 0x40: return Imm.Index;
    case 0x41: return Imm.I32;
    case 0x42: return Imm.I64;
    case 0x43: return Imm.F32;
    case 0x44: return Imm.F64;
    case 0xd0: return Imm.RefType;
  }
  return Imm.None;
}
