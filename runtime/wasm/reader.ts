// A small, strict WebAssembly binary reader: the input of the determinism-profile validator
// (runtime/wasm/profile.ts). It decodes the module structure (this file: sections, their order and
// sizes, module-level index checks, the name section) and every instruction of every function body
// (instruction-reader.ts: MVP, sign-extension, saturating conversions, bulk memory, reference types,
// multi-value, tail calls, legacy exception handling with its tag section, and the 0xFD SIMD and 0xFE
// atomic prefixes, so that such code is recognised and named rather than misread): what Node 20's V8
// accepts. It is not a type checker: the profile pairs it with `WebAssembly.validate` where the host
// has one.
//
// Malformed bytes never throw into the caller: `readModule` returns `{ ok: false, reason, offset }`
// with the byte offset of the first problem. The runtime must not depend on the compiler or on wabt,
// so the reader's files have no dependencies outside the runtime.

export { listOpcodes } from "./opcodes.js";
import { ReadError } from "./bytes.js";
import { InstructionReader, LazyBody } from "./instruction-reader.js";

import type { ValType, FuncType, Limits, TableType, TagType, GlobalType, Import, ExternKind, Export, Instruction, Global, ElementSegment, DataSegment, FunctionBody, SectionInfo, WasmModule, ReadResult } from "./module-types.js";
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
/**
 * The most local declarations (groups: a count and a type) a function may have, groups of no locals
 * included. Engines bound the locals (MAX_LOCALS), not the groups: a group of 0 locals takes two
 * bytes, so a function could declare millions and every one of them would be read and checked. asc
 * (Binaryen) writes one group per value type, seven at most; wat2wasm one per run of locals of one
 * type.
 */
export const MAX_LOCAL_GROUPS = 1_024;


class ModuleReader extends InstructionReader {
  private readonly types: FuncType[] = [];
  private readonly typeOffsets: number[] = [];
  private readonly imports: Import[] = [];
  /** imported functions so far: function indices start after them (kept, not recounted per body) */
  private importedFuncs = 0;
  private readonly exportNames = new Set<string>();
  private readonly functions: number[] = [];
  private readonly tables: TableType[] = [];
  private readonly tableOffsets: number[] = [];
  private readonly memories: Limits[] = [];
  private readonly memoryOffsets: number[] = [];
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
  /**
   * one reader shared by every body's later scans (a reader per body made 300,000 bodies slow); a
   * ModuleReader, as the one reading the module is, so that the decoder meets one kind of reader
   */
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
      types: this.types, typeOffsets: this.typeOffsets, imports: this.imports, functions: this.functions,
      tables: this.tables, tableOffsets: this.tableOffsets, memories: this.memories, memoryOffsets: this.memoryOffsets,
      globals: this.globals, tags: this.tags, exports: this.exports,
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
      case 4: return void this.vec(() => {
        this.tableOffsets.push(this.pos);
        this.tables.push(this.tableType());
      });
      case 5: return void this.vec(() => {
        this.memoryOffsets.push(this.pos);
        this.memories.push(this.limits(true));
      });
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
    this.typeOffsets.push(at);
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
    const localsStart = this.pos;
    const total = this.localDeclarations(index, type.params.length, end);
    const codeStart = this.pos;
    this.sequence(end, false, { locals: total, funcs: this.funcCount, types: this.types.length }, undefined, undefined);
    if (this.pos !== end) this.fail(`body of function ${index} does not end at its declared size`, this.pos);
    this.rescan ??= new ModuleReader(this.b);
    // the declarations are read again when asked for (LazyBody.locals): nothing is kept per group
    return new LazyBody(this.rescan, localsStart, offset, codeStart, end);
  }

  // Checks a body's local declarations (at most MAX_LOCAL_GROUPS groups, at most MAX_LOCALS locals
  // with the parameters) and returns how many locals the function has, parameters included.
  private localDeclarations(index: number, params: number, end: number): number {
    const at = this.pos;
    const groups = this.u32();
    this.checkCount(groups, end);
    if (groups > MAX_LOCAL_GROUPS) {
      this.fail(`function ${index} declares its locals in ${groups} groups, more than the ${MAX_LOCAL_GROUPS} a function may have`, at);
    }
    let total = params;
    for (let i = 0; i < groups; i++) {
      const groupAt = this.pos;
      total += this.u32();
      if (total > MAX_LOCALS) this.fail(`too many locals (over ${MAX_LOCALS})`, groupAt);
      this.valType();
    }
    return total;
  }

  private constExpr(): Instruction[] {
    const list: Instruction[] = [];
    this.sequence(this.b.length, true, { locals: 0, funcs: this.funcCount, types: this.types.length }, undefined, list, "constant expression");
    list.pop(); // the closing `end` is framing, not part of the expression
    return list;
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
}
