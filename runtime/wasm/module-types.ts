// The shapes the WebAssembly binary reader (reader.ts) produces, and two small queries over them. Kept
// apart from the decoder so each reads in one sitting.

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
  | { readonly kind: "global"; readonly global: GlobalType }
  | { readonly kind: "tag"; readonly tag: TagType };
export type Import = { readonly module: string; readonly name: string; readonly offset: number } & ImportDesc;

export type ExternKind = "func" | "table" | "memory" | "global" | "tag";
/** an exception tag (exception handling): the type of the values an exception carries */
export interface TagType {
  /** index of a function type with no results */
  readonly type: number;
}
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
  /**
   * local declarations beyond the parameters, as run-length groups, as the module writes them (groups
   * of 0 locals included; at most MAX_LOCAL_GROUPS): decoded again on each access, read it once
   */
  readonly locals: readonly { readonly count: number; readonly type: ValType }[];
  /** every instruction, including the final `end` (decoded on first access) */
  readonly instructions: readonly Instruction[];
  /** byte offset of the body's size field */
  readonly offset: number;
  /** byte range of the instructions */
  readonly codeStart: number;
  readonly codeEnd: number;
  /**
   * Decodes the body again without building instruction objects: `visit` receives one reused view
   * per instruction (read it inside the callback, do not keep it). The fast path for validators.
   */
  forEachInstruction(visit: (op: OpView) => void): void;
}

/** One instruction as seen by `forEachInstruction`. Absent immediates are -1 or undefined. */
export interface OpView {
  /** position of the instruction in `listOpcodes()`: a dense key for per-opcode tables */
  readonly id: number;
  readonly offset: number;
  /** 0 for single-byte opcodes, else 0xFC, 0xFD or 0xFE */
  readonly prefix: number;
  readonly code: number;
  readonly name: string;
  readonly index: number;
  readonly index2: number;
  readonly block: BlockType | undefined;
  readonly types: readonly ValType[] | undefined;
  readonly labels: readonly number[] | undefined;
  /** memarg alignment exponent and offset */
  readonly align: number;
  readonly memOffset: number;
  readonly lane: number;
  /** i32.const only (other constants are skipped on this path) */
  readonly value: number | undefined;
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
  /** custom sections only: the first byte after the name, as the section encodes it */
  readonly contentStart?: number;
}

export interface WasmModule {
  readonly types: readonly FuncType[];
  /** byte offset of each type (its 0x60), by type index */
  readonly typeOffsets: readonly number[];
  readonly imports: readonly Import[];
  /** type index of each defined (non-imported) function */
  readonly functions: readonly number[];
  readonly tables: readonly TableType[];
  /** byte offset of each table the module declares (not imports), in the order of `tables` */
  readonly tableOffsets: readonly number[];
  readonly memories: readonly Limits[];
  /** byte offset of each memory the module declares (not imports), in the order of `memories` */
  readonly memoryOffsets: readonly number[];
  readonly globals: readonly Global[];
  /** exception tags defined by the module (the tag section), with their offsets */
  readonly tags: readonly (TagType & { readonly offset: number })[];
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
