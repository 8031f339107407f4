// The request encoder generated as JavaScript source for one input layout: straight-line stores with
// constant property names and, for the request's own struct, constant addresses — what the closure
// encoder in encoder.ts does, without its megamorphic calls. It must write exactly the bytes the
// closure encoder writes (test/backend/encoder-codegen.test.ts checks that on random requests), and
// refuse what it refuses: before each value it checks its type as the validator does, before each
// block the count or byte length against the schema's bound and the block's end against the input
// region's end, and throws the refusal the helpers build, with the path to the value (field names
// and bounds known now, list indexes and map keys joined in only when it throws).
//
// Safety: the only data spliced into the source are field names, through JSON.stringify, and layout
// numbers and bounds, which must be safe integers. Where `new Function` is forbidden it returns undefined and the
// closure encoder is used.

import type { RecordType, SchemaType } from "../schema.js";
import type { EncodingRefused, RefusedKind } from "./encoder.js";
import type { RecordLayout, SlotLayout, InputLayout, StringSlot } from "./layout.js";
import { elementStride } from "./layout.js";
import { boundOf, fieldType, keyBoundOf, schemaPart } from "./slot-bounds.js";

/** Writes a validated request; takes and returns the heap pointer. */
export type GeneratedEncode = (request: unknown, heap: number) => number;

export interface EncoderHelpers {
  readonly i32: Int32Array;
  /** the id function of an id string slot whose strings are bounded by `max` (encoder.ts, idFunction): -1 for a value refused */
  readonly idOf: (slot: StringSlot, max: number) => (v: unknown) => number;
  /** writes [len][UTF-8] at `p` within `max` bytes and before `end`; the next heap address (4-aligned), or -1 (memoryWriters) */
  readonly writeBoundedStringAt: (s: unknown, p: number, max: number, end: number) => number;
  /** writes an int that is not an int32 (a larger safe integer or a BigInt) at byte address `at` */
  readonly writeWideInt: (v: unknown, at: number) => void;
  /** reads an own property whose name plain objects also inherit */
  readonly readOwn: (obj: object, name: string) => unknown;
  /** a list's element, a hole as undefined (own.ts) */
  readonly ownElement: (list: readonly unknown[], i: number) => unknown;
  /** a record's member, one it lacks as undefined (own.ts) */
  readonly ownMember: (obj: object, name: string) => unknown;
  /** sorts a map's keys in code-point order, in place (strings.ts, sortByCodePoint) */
  readonly sortKeys: (keys: string[]) => void;
  readonly inherited: ReadonlySet<string>;
  /** the refusal to throw (encoder.ts, refusal) of the value at `path` (as the validator writes paths) */
  readonly refuse: (path: string, kind: RefusedKind, value: unknown, max: number) => Error;
  /** whether a value is a record or a map: a plain object (request.ts) */
  readonly isPlainObject: (v: unknown) => boolean;
  /** whether a value is an int the validator accepts (a safe integer, a BigInt in int64) */
  readonly isInt: (v: unknown) => boolean;
  /** the whole check of a value only marked present (encoder.ts, presentValueCheck) */
  readonly presentValueCheck: (t: SchemaType | undefined) => ((value: unknown) => EncodingRefused | undefined) | undefined;
  /** `refused` with `path` (the path to the value it was found in) outside its own */
  readonly at: (refused: EncodingRefused, path: string) => Error;
  /** a map key as a path segment (request.ts) */
  readonly keySegment: (key: string) => string;
  /** the end of the input region: nothing is written at or past it */
  readonly end: number;
}

/**
 * The path to a value as a JS expression: literal segments (field names) and expressions (a list
 * index, a map key's segment), joined only on the way to a refusal.
 */
type Path = readonly ({ readonly lit: string } | { readonly expr: string })[];

function pathSource(path: Path): string {
  const parts: string[] = [];
  let lit = "";
  for (const p of path) {
    if ("lit" in p) lit += p.lit;
    else {
      if (lit !== "") parts.push(JSON.stringify(lit));
      lit = "";
      parts.push(`(${p.expr})`);
    }
  }
  if (lit !== "" || parts.length === 0) parts.push(JSON.stringify(lit));
  return parts.join(" + ");
}

/**
 * JS that is true when `x` is not a plain object (request.ts, isPlainObject): its prototype read
 * first as `__proto__`, which V8 folds to a map check, as the decide fast path reads it
 * (ingest-codegen.ts, notPlain); isPlainObject on every record and map cost about 8 ns each. Any
 * other answer (a null prototype, an own `__proto__` key, which JSON.parse makes and a map may hold)
 * is asked of isPlainObject, so that no plain object is refused. An object that answers `__proto__`
 * with Object.prototype without having it as its prototype is made so on purpose by the host's own
 * code (docs/language.md, "Requests"); its fields are still each read once and checked.
 */
function notPlain(x: string): string {
  return `typeof ${x} !== "object" || ${x} === null || ((${x}.__proto__ !== OP || Array.isArray(${x})) && !PO(${x}))`;
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
  /** the id slots and their bounds, in order: slot k is numbered by `IDk` */
  readonly idSlots: (readonly [StringSlot, number])[] = [];
  /** the types of values only marked present, in order: value k is checked by `CKk` */
  readonly presentTypes: SchemaType[] = [];

  idSlot(t: StringSlot, max: number): number {
    this.idSlots.push([t, max]);
    return this.idSlots.length - 1;
  }

  presentType(t: SchemaType): number {
    this.presentTypes.push(t);
    return this.presentTypes.length - 1;
  }
  constructor(
    private readonly inherited: ReadonlySet<string>,
    /** the end of the input region, as source */
    private readonly end: string,
  ) {}

  /** `throw <the refusal of x at path>` */
  private refuse(path: Path, kind: RefusedKind, x: string, max: number): string {
    return `throw NO(${pathSource(path)}, "${kind}", ${x}, ${num(max)});`;
  }

  private fresh(p: string): string {
    return `${p}$${this.n++}`; // the `$` keeps locals apart from the parameters (`i32`, `h`, `v`)
  }

  private emit(s: string): void {
    this.lines.push(s);
  }

  /** `x` into the slot at `at`; records are inline when `inline` (a field), else behind a pointer */
  slot(t: SlotLayout, type: SchemaType | undefined, x: string, at: Addr, inline: boolean, path: Path): void {
    switch (t.kind) {
      case "bool":
        this.emit(`if (typeof ${x} !== "boolean") ${this.refuse(path, "bool", x, 0)} i32[${index(at)}] = ${x} ? 1 : 0;`);
        return;
      case "int": {
        const k = this.fresh("k");
        this.emit(`{ const ${k} = ${index(at)}; if (typeof ${x} === "number" && (${x} | 0) === ${x}) { i32[${k}] = ${x}; i32[${k} + 1] = ${x} < 0 ? -1 : 0; } else if (INT(${x})) WI(${x}, ${k} << 2); else ${this.refuse(path, "int", x, 0)} }`);
        return;
      }
      case "string": {
        const max = boundOf(type, "string");
        if (t.rep === "id") {
          const id = this.fresh("id");
          this.emit(`{ const ${id} = ID${this.idSlot(t, max)}(${x}); if (${id} < 0) ${this.refuse(path, "string", x, max)} i32[${index(at)}] = ${id}; }`);
        }
        else this.emit(`i32[${index(at)}] = h; if ((h = WB(${x}, h, ${num(max)}, ${this.end})) < 0) ${this.refuse(path, "string", x, max)}`);
        return;
      }
      case "list": {
        const stride = num(elementStride(t.element));
        const max = boundOf(type, "list");
        const [n, p, i, e] = [this.fresh("n"), this.fresh("p"), this.fresh("i"), this.fresh("e")];
        const refused = this.refuse(path, "list", x, max);
        this.emit(`{ if (!Array.isArray(${x})) ${refused} const ${n} = ${x}.length; if (${n} >>> 0 !== ${n} || ${n} > ${num(max)}) ${refused}`);
        this.emit(`const ${p} = h; h += 4 + ${n} * ${stride}; if (h > ${this.end}) ${refused} i32[${p} >> 2] = ${n}; i32[${index(at)}] = ${p};`);
        this.emit(`for (let ${i} = 0; ${i} < ${n}; ${i}++) { const ${e} = OE(${x}, ${i});`);
        this.slot(t.element, schemaPart(type, "list")?.element, e, { expr: `${p} + 4 + ${i} * ${stride}` }, false, [...path, { expr: `"[" + ${i} + "]"` }]);
        this.emit("} }");
        return;
      }
      case "map": {
        const entry = num(4 + elementStride(t.value));
        const [max, keyMax] = [boundOf(type, "map"), keyBoundOf(type)];
        const [keys, n, p, i, key, e, val] = ["ks", "n", "p", "i", "key", "e", "val"].map((s) => this.fresh(s));
        const refused = this.refuse(path, "entries", n, max);
        this.emit(`{ if (${notPlain(x)}) ${this.refuse(path, "map", x, max)} const ${keys} = Object.keys(${x}); const ${n} = ${keys}.length; if (${n} > ${num(max)}) ${refused} if (${n} > 1) SORT(${keys});`);
        this.emit(`const ${p} = h; h += 4 + ${n} * ${entry}; if (h > ${this.end}) ${refused} i32[${p} >> 2] = ${n}; i32[${index(at)}] = ${p};`);
        this.emit(`for (let ${i} = 0; ${i} < ${n}; ${i}++) { const ${key} = ${keys}[${i}]; const ${e} = ${p} + 4 + ${i} * ${entry};`);
        const at$ = [...path, { expr: `KS(${key})` }];
        this.emit(`i32[${e} >> 2] = h; if ((h = WB(${key}, h, ${num(keyMax)}, ${this.end})) < 0) ${this.refuse(at$, "key", key, keyMax)} const ${val} = RF(${x}, ${key});`);
        this.slot(t.value, schemaPart(type, "map")?.value, val, { expr: `${e} + 4` }, false, at$);
        this.emit("} }");
        return;
      }
      case "record": {
        if (inline) {
          this.fill(t, type, x, at, path);
          return;
        }
        const p = this.fresh("p");
        this.emit(`{ const ${p} = h; h += ${num(t.size)}; if (h > ${this.end}) ${this.refuse(path, "record", x, 0)} i32[${index(at)}] = ${p};`);
        this.fill(t, type, x, { expr: p }, path);
        this.emit("}");
        return;
      }
    }
  }

  /** the fields of record `x` into the struct at `base` */
  fill(rec: RecordLayout, type: SchemaType | undefined, x: string, base: Addr, path: Path): void {
    // (a string or a class instance has members to read too, that are no record's fields)
    this.emit(`if (${notPlain(x)}) ${this.refuse(path, "record", x, 0)}`);
    for (const f of rec.fields) {
      if (f.offset < 0 && f.presence < 0) continue;
      const v = this.fresh("f");
      const name = JSON.stringify(f.name);
      const at = [...path, { lit: `.${f.name}` }];
      const ft = fieldType(type, f.name);
      // an optional field left out is absent, never what Object.prototype holds under its name
      const read = this.inherited.has(f.name) ? `RF(${x}, ${name})` : f.presence >= 0 ? `OM(${x}, ${name})` : `${x}[${name}]`;
      this.emit(`const ${v} = ${read};`);
      if (f.presence < 0) {
        this.emit(`if (${v} === undefined) ${this.refuse(at, "missing", v, 0)}`);
        this.slot(f.type, ft, v, plus(base, f.offset), true, at);
        continue;
      }
      const flag = index(plus(base, f.presence));
      this.emit(`if (${v} === undefined) i32[${flag}] = 0; else {`);
      // a value whose presence alone is read is checked whole: the flag says a value of its type is there
      if (f.offset < 0 && ft !== undefined) {
        const c = this.fresh("c");
        this.emit(`const ${c} = CK${this.presentType(ft)}(${v}); if (${c} !== undefined) throw AT(${c}, ${pathSource(at)});`);
      }
      this.emit(`i32[${flag}] = 1;`);
      if (f.offset >= 0) this.slot(f.type, ft, v, plus(base, f.offset), true, at);
      this.emit("}");
    }
  }
}

/**
 * The generated encoder for `layout` (planned from `schema`) at `inputPtr`, or undefined where code
 * generation is not allowed.
 */
export function generateEncoder(layout: InputLayout, schema: RecordType, inputPtr: number, helpers: EncoderHelpers): GeneratedEncode | undefined {
  let source: string;
  let idSlots: readonly (readonly [StringSlot, number])[];
  let presentTypes: readonly SchemaType[];
  try {
    const g = new EncoderGenerator(helpers.inherited, num(helpers.end));
    g.fill(layout.root, schema, "v", { at: inputPtr }, []);
    const ids = g.idSlots.map((_, k) => `const ID${k} = IDS[${k}];`).join("\n");
    const checks = g.presentTypes.map((_, k) => `const CK${k} = CKS[${k}];`).join("\n");
    source = `"use strict";\nconst OP = Object.prototype;\n${ids}\n${checks}\nreturn function encodeRequest(v, h) {\n${g.lines.join("\n")}\nreturn h;\n};`;
    idSlots = g.idSlots;
    presentTypes = g.presentTypes;
  } catch {
    return undefined; // a layout number that is not an integer: leave it to the closure encoder
  }
  try {
    const factory = new Function("i32", "IDS", "WB", "WI", "RF", "SORT", "NO", "KS", "OE", "OM", "PO", "INT", "CKS", "AT", source) as (...a: unknown[]) => GeneratedEncode;
    return factory(
      helpers.i32,
      idSlots.map(([slot, max]) => helpers.idOf(slot, max)),
      helpers.writeBoundedStringAt,
      helpers.writeWideInt,
      helpers.readOwn,
      helpers.sortKeys,
      helpers.refuse,
      helpers.keySegment,
      helpers.ownElement,
      helpers.ownMember,
      helpers.isPlainObject,
      helpers.isInt,
      presentTypes.map(helpers.presentValueCheck),
      helpers.at,
    );
  } catch {
    return undefined;
  }
}
