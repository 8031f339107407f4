// A tiny WebAssembly binary writer for tests: hand-made modules (types, imports, functions with raw
// body bytes, memory, tables and element segments, globals, exports, start, data, custom sections)
// so that tests can build exactly the module a rule needs, including ones no compiler would emit.


export type ValTypeName = "i32" | "i64" | "f32" | "f64" | "v128" | "funcref" | "externref";

export const VALTYPE: Record<ValTypeName, number> = {
  i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b, funcref: 0x70, externref: 0x6f,
};

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  if (!Number.isInteger(n) || n < 0) throw new Error(`uleb: ${n} is not a non-negative integer`);
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/** The unsigned LEB128 at `at` (at most five bytes: a u32), and how many bytes it takes. */
export function readU32(bytes: Uint8Array, at: number): { value: number; length: number } {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    const b = bytes[at + i]!;
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return { value, length: i + 1 };
  }
  throw new Error(`bad LEB128 at byte ${at}`);
}

/** Signed LEB128 (i32 and i64 constants). */
export function sleb(value: number | bigint): number[] {
  let n = BigInt(value);
  const out: number[] = [];
  for (;;) {
    const b = Number(n & 0x7fn);
    n >>= 7n;
    const done = (n === 0n && (b & 0x40) === 0) || (n === -1n && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
}

export function encodeName(s: string): number[] {
  const bytes = new TextEncoder().encode(s);
  return [...uleb(bytes.length), ...bytes];
}

/** Instruction encoders for the bodies tests write most often. */
export const op = {
  unreachable: 0x00, nop: 0x01, block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b,
  br: 0x0c, br_if: 0x0d, return: 0x0f, drop: 0x1a, select: 0x1b, blockEmpty: 0x40,
  i32_load: 0x28, i64_load: 0x29, i32_load8_u: 0x2d, i32_store: 0x36, i64_store: 0x37, i32_store8: 0x3a,
  i32_eqz: 0x45, i32_eq: 0x46, i32_ne: 0x47, i32_lt_s: 0x48, i32_gt_s: 0x4a,
  i32_add: 0x6a, i32_sub: 0x6b, i32_mul: 0x6c, i64_add: 0x7c, i32_wrap_i64: 0xa7,
  f32_add: 0x92, f64_add: 0xa0,
  i32Const: (n: number) => [0x41, ...sleb(n)],
  i64Const: (n: number | bigint) => [0x42, ...sleb(n)],
  f32Const: (x: number) => [0x43, ...new Uint8Array(new Float32Array([x]).buffer)],
  f64Const: (x: number) => [0x44, ...new Uint8Array(new Float64Array([x]).buffer)],
  localGet: (i: number) => [0x20, ...uleb(i)],
  localSet: (i: number) => [0x21, ...uleb(i)],
  globalGet: (i: number) => [0x23, ...uleb(i)],
  call: (f: number) => [0x10, ...uleb(f)],
  callIndirect: (type: number, table = 0) => [0x11, ...uleb(type), ...uleb(table)],
  /** memarg: alignment exponent and offset */
  mem: (align: number, offset = 0) => [...uleb(align), ...uleb(offset)],
  memorySize: [0x3f, 0x00],
  memoryGrow: [0x40, 0x00],
};

type ExportKind = "func" | "table" | "memory" | "global";
const EXPORT_KIND: Record<ExportKind, number> = { func: 0, table: 1, memory: 2, global: 3 };

interface FunctionDef {
  type: number;
  locals: ValTypeName[];
  declaredLocals?: Uint8Array;
  body: number[];
}

export interface FunctionSpec {
  params?: ValTypeName[];
  results?: ValTypeName[];
  locals?: ValTypeName[];
  /**
   * the local declarations as the body writes them (the count of groups, then each group's count and
   * type), in place of `locals`: groups of no locals, or of one type in a row, as no compiler writes
   */
  declaredLocals?: Uint8Array;
  /** instruction bytes; the final `end` is appended by the builder */
  body: readonly number[] | Uint8Array;
  /** export the function under this name */
  export?: string;
  /** record the name in the `name` custom section */
  name?: string;
}

export class ModuleBuilder {
  private readonly types: number[][] = [];
  private readonly imports: number[][] = [];
  private importedFuncs = 0;
  private readonly funcs: FunctionDef[] = [];
  private readonly tables: number[][] = [];
  private readonly memories: number[][] = [];
  private readonly globals: number[][] = [];
  private readonly exports: number[][] = [];
  private start?: number;
  private readonly elementSegments: number[][] = [];
  private readonly datas: number[][] = [];
  private readonly customs: number[][] = [];
  private readonly names = new Map<number, string>();

  /** Adds (or reuses) a function type and returns its index. */
  type(params: readonly ValTypeName[], results: readonly ValTypeName[]): number {
    const enc = [0x60, ...uleb(params.length), ...params.map((p) => VALTYPE[p]), ...uleb(results.length), ...results.map((r) => VALTYPE[r])];
    const found = this.types.findIndex((t) => t.length === enc.length && t.every((b, i) => b === enc[i]));
    if (found >= 0) return found;
    this.types.push(enc);
    return this.types.length - 1;
  }

  importFunction(module: string, name: string, params: ValTypeName[] = [], results: ValTypeName[] = []): number {
    if (this.funcs.length > 0) throw new Error("import functions before defining any");
    this.imports.push([...encodeName(module), ...encodeName(name), 0x00, ...uleb(this.type(params, results))]);
    return this.importedFuncs++;
  }

  importMemory(module: string, name: string, min: number, max?: number): this {
    this.imports.push([...encodeName(module), ...encodeName(name), 0x02, ...limits(min, max)]);
    return this;
  }

  importGlobal(module: string, name: string, type: ValTypeName, mutable = false): this {
    this.imports.push([...encodeName(module), ...encodeName(name), 0x03, VALTYPE[type], mutable ? 1 : 0]);
    return this;
  }

  /** The index the next defined function will get (for recursive or forward calls). */
  nextFunctionIndex(): number {
    return this.importedFuncs + this.funcs.length;
  }

  /** Defines a function and returns its index in the function index space. */
  func(spec: FunctionSpec): number {
    const type = this.type(spec.params ?? [], spec.results ?? []);
    this.funcs.push({ type, locals: spec.locals ?? [], ...(spec.declaredLocals ? { declaredLocals: spec.declaredLocals } : {}), body: [...spec.body] });
    const index = this.importedFuncs + this.funcs.length - 1;
    if (spec.export !== undefined) this.export(spec.export, "func", index);
    if (spec.name !== undefined) this.names.set(index, spec.name);
    return index;
  }

  memory(min: number, max?: number, options: { shared?: boolean } = {}): this {
    this.memories.push(limits(min, max, options.shared));
    return this;
  }

  table(min: number, max?: number): this {
    this.tables.push([VALTYPE.funcref, ...limits(min, max)]);
    return this;
  }

  /** `init` is the constant expression without its `end`. */
  global(type: ValTypeName, mutable: boolean, init: readonly number[]): number {
    this.globals.push([VALTYPE[type], mutable ? 1 : 0, ...init, op.end]);
    return this.globals.length - 1;
  }

  export(name: string, kind: ExportKind, index: number): this {
    this.exports.push([...encodeName(name), EXPORT_KIND[kind], ...uleb(index)]);
    return this;
  }

  setStart(func: number): this {
    this.start = func;
    return this;
  }

  /** An active element segment for table 0 at a constant offset. */
  elements(offset: number, funcs: readonly number[]): this {
    this.elementSegments.push([0x00, ...op.i32Const(offset), op.end, ...uleb(funcs.length), ...funcs.flatMap(uleb)]);
    return this;
  }

  /** An active data segment for memory 0 at a constant offset. */
  data(offset: number, bytes: readonly number[] | Uint8Array): this {
    this.datas.push([0x00, ...op.i32Const(offset), op.end, ...uleb(bytes.length), ...bytes]);
    return this;
  }

  custom(name: string, payload: readonly number[]): this {
    this.customs.push([...encodeName(name), ...payload]);
    return this;
  }

  build(): Uint8Array<ArrayBuffer> {
    const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    const section = (id: number, payload: number[]) => {
      out.push(id, ...uleb(payload.length));
      for (const byte of payload) out.push(byte); // not push(...payload): large modules overflow the stack
    };
    const vector = (id: number, items: number[][]) => {
      if (items.length > 0) section(id, [...uleb(items.length), ...items.flat()]);
    };
    vector(1, this.types);
    vector(2, this.imports);
    vector(3, this.funcs.map((f) => uleb(f.type)));
    vector(4, this.tables);
    vector(5, this.memories);
    vector(6, this.globals);
    vector(7, this.exports);
    if (this.start !== undefined) section(8, uleb(this.start));
    vector(9, this.elementSegments);
    vector(10, this.funcs.map(encodeBody));
    vector(11, this.datas);
    for (const c of this.customs) section(0, c);
    if (this.names.size > 0) {
      const entries = [...this.names].sort((a, b) => a[0] - b[0]);
      const sub = [...uleb(entries.length), ...entries.flatMap(([i, n]) => [...uleb(i), ...encodeName(n)])];
      section(0, [...encodeName("name"), 0x01, ...uleb(sub.length), ...sub]);
    }
    return new Uint8Array(out);
  }
}

function limits(min: number, max?: number, shared = false): number[] {
  const flags = (max !== undefined ? 1 : 0) | (shared ? 2 : 0);
  return [flags, ...uleb(min), ...(max !== undefined ? uleb(max) : [])];
}

function encodeBody(f: FunctionDef): number[] {
  const bytes = [...(f.declaredLocals ?? encodeLocals(f.locals)), ...f.body, op.end];
  return [...uleb(bytes.length), ...bytes];
}

// Locals are run-length encoded: consecutive equal types share one group.
function encodeLocals(locals: readonly ValTypeName[]): number[] {
  const groups: [number, ValTypeName][] = [];
  for (const t of locals) {
    const last = groups[groups.length - 1];
    if (last && last[1] === t) last[0]++;
    else groups.push([1, t]);
  }
  return [...uleb(groups.length), ...groups.flatMap(([n, t]) => [...uleb(n), VALTYPE[t]])];
}
