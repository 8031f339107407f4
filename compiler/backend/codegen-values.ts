// Value representation in generated AssemblyScript: AS types per slot, loads and stores, default
// values, the constant pool (one static data segment at a fixed address) and the generated helpers
// for deep equality and membership over lists and maps.

import { assertUnreachable } from "../diagnostics.js";
import type { MapValue, Value } from "../ir/ir.js";
import { elementStride, type SlotLayout } from "../../runtime/wasm/layout.js";
import { generatedName } from "./names.js";

/** Where the constant pool starts (asc --memoryBase); [0, 16) stays zero: a null pointer reads as empty. */
export const CONST_BASE = 16;

export function asType(s: SlotLayout): string {
  switch (s.kind) {
    case "bool":
      return "bool";
    case "int":
      return "i64";
    case "string":
      return s.rep === "id" ? "i32" : "usize";
    case "list":
    case "map":
    case "record":
      return "usize";
    default:
      return assertUnreachable(s);
  }
}

/** A list element or map value at `addr` (records there are pointers). */
export function loadElement(s: SlotLayout, addr: string): string {
  switch (s.kind) {
    case "bool":
      return `(load<i32>(${addr}) != 0)`;
    case "int":
      return `load<i64>(${addr})`;
    case "string":
      return s.rep === "id" ? `load<i32>(${addr})` : `load<usize>(${addr})`;
    default:
      return `load<usize>(${addr})`;
  }
}

export function storeElement(s: SlotLayout, addr: string, value: string): string {
  switch (s.kind) {
    case "bool":
      return `store<i32>(${addr}, <i32>${value});`;
    case "int":
      return `store<i64>(${addr}, ${value});`;
    default:
      return `store<i32>(${addr}, <i32>${value});`;
  }
}

/** The address of element `i` (an i32 expression) of list `list`. */
export function elementAddress(s: SlotLayout, list: string, i: string): string {
  return `(${list} + 4 + (<usize>${i} * ${elementStride(s)}))`;
}

/**
 * An int constant. INT64_MIN too is written as its digits (asc reads them as one i64 constant): not
 * as `i64.MIN_VALUE`, which names the type as a value, and a local of that name would be taken for it.
 */
export function intLiteral(v: bigint): string {
  return v < 0n ? `<i64>(${v})` : `<i64>${v}`;
}

/** Collects constants into one byte blob placed at CONST_BASE; values are addressed absolutely. */
export class ConstPool {
  readonly bytes: number[] = [];
  private readonly strings = new Map<string, number>();
  private readonly values = new Map<string, number>();
  /** a zeroed block (the default of every pointer-typed value, also the empty string/list/map) */
  readonly zero: number;

  constructor(zeroBytes: number, private readonly ids: ReadonlyMap<string, number>) {
    this.zero = this.reserve(Math.max(16, zeroBytes));
  }

  private reserve(n: number): number {
    const at = CONST_BASE + this.bytes.length;
    for (let i = 0; i < n; i++) this.bytes.push(0);
    while (this.bytes.length % 8 !== 0) this.bytes.push(0);
    return at;
  }

  private i32(at: number, v: number): void {
    const o = at - CONST_BASE;
    this.bytes[o] = v & 0xff;
    this.bytes[o + 1] = (v >>> 8) & 0xff;
    this.bytes[o + 2] = (v >>> 16) & 0xff;
    this.bytes[o + 3] = (v >>> 24) & 0xff;
  }

  private i64(at: number, v: bigint): void {
    const u = BigInt.asUintN(64, v);
    this.i32(at, Number(u & 0xffffffffn));
    this.i32(at + 4, Number(u >> 32n));
  }

  /** Address of a table of unsigned 16-bit numbers (rule indexing's case tables). */
  u16Table(numbers: readonly number[]): number {
    const at = this.reserve(2 * numbers.length);
    numbers.forEach((n, k) => {
      this.bytes[at - CONST_BASE + 2 * k] = n & 0xff;
      this.bytes[at - CONST_BASE + 2 * k + 1] = (n >>> 8) & 0xff;
    });
    return at;
  }

  string(s: string): number {
    const known = this.strings.get(s);
    if (known !== undefined) return known;
    const utf8 = Buffer.from(s, "utf8");
    const at = this.reserve(4 + utf8.length);
    this.i32(at, utf8.length);
    for (let i = 0; i < utf8.length; i++) this.bytes[at - CONST_BASE + 4 + i] = utf8[i]!;
    this.strings.set(s, at);
    return at;
  }

  /** The i32 stored in a slot for a constant: bool 0/1, interned id, or a pointer. */
  private slotWord(v: Value, s: SlotLayout): number {
    if (typeof v === "boolean") return v ? 1 : 0;
    if (typeof v === "string") return s.kind === "string" && s.rep === "id" ? this.ids.get(v)! : this.string(v);
    return this.pointer(v, s);
  }

  /** Address of a constant list or map (or byte string) laid out for slot `s`. */
  pointer(v: Value, s: SlotLayout): number {
    if (typeof v === "string") return this.string(v);
    const key = `${JSON.stringify(s)}:${stableKey(v)}`;
    const known = this.values.get(key);
    if (known !== undefined) return known;
    let at: number;
    if (Array.isArray(v)) {
      const el = s.kind === "list" ? s.element : ({ kind: "bool" } as const);
      const stride = elementStride(el);
      const words = v.map((x) => (typeof x === "bigint" ? x : this.slotWord(x, el)));
      at = this.reserve(4 + stride * v.length);
      this.i32(at, v.length);
      words.forEach((w, i) => (typeof w === "bigint" ? this.i64(at + 4 + i * stride, w) : this.i32(at + 4 + i * stride, w)));
    } else {
      const m = v as MapValue;
      const val = s.kind === "map" ? s.value : ({ kind: "bool" } as const);
      const entry = 4 + elementStride(val);
      const entries = [...m.entries]; // already in code-point order
      const keys = entries.map(([k]) => this.string(k));
      const vals = entries.map(([, x]) => (typeof x === "bigint" ? x : this.slotWord(x, val)));
      at = this.reserve(4 + entry * entries.length);
      this.i32(at, entries.length);
      entries.forEach((_, i) => {
        this.i32(at + 4 + i * entry, keys[i]!);
        const w = vals[i]!;
        if (typeof w === "bigint") this.i64(at + 8 + i * entry, w);
        else this.i32(at + 8 + i * entry, w);
      });
    }
    this.values.set(key, at);
    return at;
  }

  /** The AS expression of a constant of slot `s`. */
  expr(v: Value, s: SlotLayout): string {
    if (typeof v === "boolean") return v ? "true" : "false";
    if (typeof v === "bigint") return intLiteral(v);
    if (typeof v === "string" && s.kind === "string" && s.rep === "id") return `<i32>${this.ids.get(v)!}`;
    return `<usize>${this.pointer(v, s)}`;
  }

  /** Default value of a slot: what an erroring operation yields (never observed, always safe to read). */
  defaultOf(s: SlotLayout): string {
    switch (s.kind) {
      case "bool":
        return "false";
      case "int":
        return "<i64>0";
      case "string":
        return s.rep === "id" ? "<i32>0" : `<usize>${this.zero}`;
      default:
        return `<usize>${this.zero}`;
    }
  }
}

function stableKey(v: Value): string {
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "string" || typeof v === "boolean") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stableKey).join(",")}]`;
  const m = v as MapValue;
  return `{${[...m.entries].map(([k, x]) => `${JSON.stringify(k)}:${stableKey(x)}`).join(",")}}`;
}

/** Generated helper functions for deep equality and membership, one per slot type. */
export class Helpers {
  private readonly code = new Map<string, string>();
  private readonly names = new Map<string, string>();

  all(): string[] {
    return [...this.code.values()];
  }

  private nameFor(prefix: string, s: SlotLayout): string {
    const key = `${prefix}:${JSON.stringify(s)}`;
    let name = this.names.get(key);
    if (!name) {
      name = generatedName(prefix, this.names.size);
      this.names.set(key, name);
    }
    return name;
  }

  /** An expression: are `a` and `b` (simple expressions of slot `s`) equal? */
  eq(s: SlotLayout, a: string, b: string): string {
    switch (s.kind) {
      case "bool":
      case "int":
        return `(${a} == ${b})`;
      case "string":
        return s.rep === "id" ? `(${a} == ${b})` : `strEq(${a}, ${b})`;
      case "list":
      case "map":
        return `${this.deepEq(s)}(${a}, ${b})`;
      case "record":
        throw new Error("records are never compared");
      default:
        return assertUnreachable(s);
    }
  }

  private deepEq(s: SlotLayout & { kind: "list" | "map" }): string {
    const name = this.nameFor("eq", s);
    if (this.code.has(name)) return name;
    this.code.set(name, ""); // reserve the name (AS functions may be declared in any order)
    let body: string;
    if (s.kind === "list") {
      const el = s.element;
      const x = loadElement(el, elementAddress(el, "a", "i"));
      const y = loadElement(el, elementAddress(el, "b", "i"));
      body = [
        `  const n = load<i32>(a);`,
        `  if (n != load<i32>(b)) return false;`,
        `  for (let i = 0; i < n; i++) {`,
        `    const x = ${x};`,
        `    const y = ${y};`,
        `    if (!${this.eq(el, "x", "y")}) return false;`,
        `  }`,
        `  return true;`,
      ].join("\n");
    } else {
      const v = s.value;
      const entry = 4 + elementStride(v);
      body = [
        `  const n = load<i32>(a);`,
        `  if (n != load<i32>(b)) return false;`,
        `  for (let i = 0; i < n; i++) {`,
        `    const ea = a + 4 + <usize>(i * ${entry});`,
        `    const eb = b + 4 + <usize>(i * ${entry});`,
        `    if (!strEq(load<usize>(ea), load<usize>(eb))) return false;`,
        `    const x = ${loadElement(v, "ea + 4")};`,
        `    const y = ${loadElement(v, "eb + 4")};`,
        `    if (!${this.eq(v, "x", "y")}) return false;`,
        `  }`,
        `  return true;`,
      ].join("\n");
    }
    this.code.delete(name);
    this.code.set(name, `function ${name}(a: usize, b: usize): bool {\n${body}\n}`);
    return name;
  }

  /** An expression: is `x` (simple) an element of `list` (simple), elements of slot `el`? */
  inList(el: SlotLayout, x: string, list: string): string {
    switch (el.kind) {
      case "bool":
        return `listHasI32(${list}, <i32>${x})`;
      case "int":
        return `listHasI64(${list}, ${x})`;
      case "string":
        return el.rep === "id" ? `listHasI32(${list}, ${x})` : `listHasStr(${list}, ${x})`;
      default: {
        const name = this.nameFor("in", el);
        if (!this.code.has(name)) {
          const eq = this.eq(el, "x", "y");
          const y = loadElement(el, elementAddress(el, "list", "i"));
          this.code.set(
            name,
            `function ${name}(x: usize, list: usize): bool {\n  const n = load<i32>(list);\n  for (let i = 0; i < n; i++) {\n    const y = ${y};\n    if (${eq}) return true;\n  }\n  return false;\n}`,
          );
        }
        return `${name}(${x}, ${list})`;
      }
    }
  }
}
