// The request encoder generated as JavaScript source for one input layout: straight-line stores with
// constant property names and, for the request's own struct, constant addresses — what the closure
// encoder in encoder.ts does, without its megamorphic calls. It must write exactly the bytes the
// closure encoder writes (test/backend/encoder-codegen.test.ts checks that on random requests).
//
// Safety: the only data spliced into the source are field names, through JSON.stringify, and layout
// numbers, which must be safe integers. Where `new Function` is forbidden it returns undefined and the
// closure encoder is used.

import type { RecordLayout, SlotLayout, InputLayout, StringSlot } from "./layout.js";
import { elementStride } from "./layout.js";

/** Writes a validated request; takes and returns the heap pointer. */
export type GeneratedEncode = (request: unknown, heap: number) => number;

export interface EncoderHelpers {
  readonly i32: Int32Array;
  /** the id function of an id string slot (encoder.ts, idFunction) */
  readonly idOf: (slot: StringSlot) => (s: string) => number;
  /** writes [len][UTF-8] at `p`, returns the next heap address (4-aligned) */
  readonly writeStringAt: (s: string, p: number) => number;
  /** writes an int that is not an int32 (a larger safe integer or a BigInt) at byte address `at` */
  readonly writeWideInt: (v: unknown, at: number) => void;
  /** reads an own property whose name plain objects also inherit */
  readonly readOwn: (obj: object, name: string) => unknown;
  readonly compareKeys: (a: string, b: string) => number;
  readonly inherited: ReadonlySet<string>;
}

/** An address: a number known now, or a JS expression evaluated per request. */
type Addr = { readonly at: number } | { readonly expr: string };

function num(n: number): string {
  if (!Number.isSafeInteger(n)) throw new Error(`layout number ${n} is not an integer`);
  return String(n);
}

function plus(a: Addr, offset: number): Addr {
  return "at" in a ? { at: a.at + offset } : { expr: `${a.expr} + ${num(offset)}` };
}

/** the Int32Array index of an address */
function index(a: Addr): string {
  return "at" in a ? num(a.at >> 2) : `(${a.expr}) >> 2`;
}

class EncoderGenerator {
  private n = 0;
  readonly lines: string[] = [];
  /** the id slots, in order: slot k is numbered by `IDk` */
  readonly idSlots: StringSlot[] = [];

  idSlot(t: StringSlot): number {
    this.idSlots.push(t);
    return this.idSlots.length - 1;
  }
  constructor(private readonly inherited: ReadonlySet<string>) {}

  private fresh(p: string): string {
    return `${p}$${this.n++}`; // the `$` keeps locals apart from the parameters (`i32`, `h`, `v`)
  }

  private emit(s: string): void {
    this.lines.push(s);
  }

  /** `x` into the slot at `at`; records are inline when `inline` (a field), else behind a pointer */
  slot(t: SlotLayout, x: string, at: Addr, inline: boolean): void {
    switch (t.kind) {
      case "bool":
        this.emit(`i32[${index(at)}] = ${x} ? 1 : 0;`);
        return;
      case "int": {
        const k = this.fresh("k");
        this.emit(`{ const ${k} = ${index(at)}; if (typeof ${x} === "number" && (${x} | 0) === ${x}) { i32[${k}] = ${x}; i32[${k} + 1] = ${x} < 0 ? -1 : 0; } else WI(${x}, ${k} << 2); }`);
        return;
      }
      case "string":
        if (t.rep === "id") this.emit(`i32[${index(at)}] = ID${this.idSlot(t)}(${x});`);
        else this.emit(`i32[${index(at)}] = h; h = WS(${x}, h);`);
        return;
      case "list": {
        const stride = num(elementStride(t.element));
        const [n, p, i, e] = [this.fresh("n"), this.fresh("p"), this.fresh("i"), this.fresh("e")];
        this.emit(`{ const ${n} = ${x}.length; const ${p} = h; h += 4 + ${n} * ${stride}; i32[${p} >> 2] = ${n}; i32[${index(at)}] = ${p};`);
        this.emit(`for (let ${i} = 0; ${i} < ${n}; ${i}++) { const ${e} = ${x}[${i}];`);
        this.slot(t.element, e, { expr: `${p} + 4 + ${i} * ${stride}` }, false);
        this.emit("} }");
        return;
      }
      case "map": {
        const entry = num(4 + elementStride(t.value));
        const [keys, n, p, i, key, e, val] = ["ks", "n", "p", "i", "key", "e", "val"].map((s) => this.fresh(s));
        this.emit(`{ const ${keys} = Object.keys(${x}); if (${keys}.length > 1) ${keys}.sort(CMP); const ${n} = ${keys}.length;`);
        this.emit(`const ${p} = h; h += 4 + ${n} * ${entry}; i32[${p} >> 2] = ${n}; i32[${index(at)}] = ${p};`);
        this.emit(`for (let ${i} = 0; ${i} < ${n}; ${i}++) { const ${key} = ${keys}[${i}]; const ${e} = ${p} + 4 + ${i} * ${entry};`);
        this.emit(`i32[${e} >> 2] = h; h = WS(${key}, h); const ${val} = RF(${x}, ${key});`);
        this.slot(t.value, val, { expr: `${e} + 4` }, false);
        this.emit("} }");
        return;
      }
      case "record": {
        if (inline) {
          this.fill(t, x, at);
          return;
        }
        const p = this.fresh("p");
        this.emit(`{ const ${p} = h; h += ${num(t.size)}; i32[${index(at)}] = ${p};`);
        this.fill(t, x, { expr: p });
        this.emit("}");
        return;
      }
    }
  }

  /** the fields of record `x` into the struct at `base` */
  fill(rec: RecordLayout, x: string, base: Addr): void {
    for (const f of rec.fields) {
      if (f.offset < 0 && f.presence < 0) continue;
      const v = this.fresh("f");
      const name = JSON.stringify(f.name);
      this.emit(`const ${v} = ${this.inherited.has(f.name) ? `RF(${x}, ${name})` : `${x}[${name}]`};`);
      if (f.presence < 0) {
        this.slot(f.type, v, plus(base, f.offset), true);
        continue;
      }
      const flag = index(plus(base, f.presence));
      this.emit(`if (${v} === undefined) i32[${flag}] = 0; else { i32[${flag}] = 1;`);
      if (f.offset >= 0) this.slot(f.type, v, plus(base, f.offset), true);
      this.emit("}");
    }
  }
}

/** The generated encoder for `layout` at `inputPtr`, or undefined where code generation is not allowed. */
export function generateEncoder(layout: InputLayout, inputPtr: number, helpers: EncoderHelpers): GeneratedEncode | undefined {
  let source: string;
  let idSlots: readonly StringSlot[];
  try {
    const g = new EncoderGenerator(helpers.inherited);
    g.fill(layout.root, "v", { at: inputPtr });
    const ids = g.idSlots.map((_, k) => `const ID${k} = IDS[${k}];`).join("\n");
    source = `"use strict";\n${ids}\nreturn function encodeRequest(v, h) {\n${g.lines.join("\n")}\nreturn h;\n};`;
    idSlots = g.idSlots;
  } catch {
    return undefined; // a layout number that is not an integer: leave it to the closure encoder
  }
  try {
    const factory = new Function("i32", "IDS", "WS", "WI", "RF", "CMP", source) as (...a: unknown[]) => GeneratedEncode;
    return factory(helpers.i32, idSlots.map(helpers.idOf), helpers.writeStringAt, helpers.writeWideInt, helpers.readOwn, helpers.compareKeys);
  } catch {
    return undefined;
  }
}
