// Checks of the request the host wrote into the input region (docs/abi.md, "What the module
// refuses"). The JavaScript runtime's encoder writes valid encodings only, but any WebAssembly host
// may write the region, and the module must not decide on an encoding that breaks the ABI's rules:
// a map whose keys are out of order (a binary search misses a key the policy forbids) or repeated,
// a presence flag or bool of 2, a list longer than its bound, a count of -1 or a block outside the
// region (after it is the module's own memory, which changes as it decides) would each decide what
// no valid request decides. Such an encoding traps (assembly/writ.ts: flag, inString, inList,
// inRecord, inMap), and the host denies.
//
// A value is checked when the generated code reads it from its record field, whole: a string's
// length and block; a list's count and block, and each element that has rules of its own (a bool, a
// string's block, a record's pointer and the lists and maps in the record, an inner list or map); a
// map's block, every key's block, their order and its values likewise. Records are never built by
// the module (a record value is in the input region, or is the zeroed block an absent optional
// record reads as), so every read of the request goes through a field, and every value the rest of
// the code meets (an element loaded from a list, a key compared) was checked with the field that
// holds it. Ints and interned ids have no invalid values: an id the table does not have is a string
// no constant equals.
//
// The cost follows what the policy reads: a bool or a presence flag costs one comparison where it
// is read, and a field the policy never reads costs nothing (it is not in the layout). A string, or
// a list of ints or ids, costs a few comparisons where it is read; for a field at a fixed place in
// the region (reached through required record fields only) that the rules read in more than one
// place, once as the decision starts instead, and its reads are plain loads (the benchmark policy
// reads its list of roles in seven rules, the 1,012-rule one in over a thousand).
//
// A check that walks elements (a map, whose keys' order it compares byte by byte; a list of strings,
// bools, records, lists or maps) costs as much as the value can hold, so it is made at most once per
// decision, whatever the rules read it from: a macro reading it on each turn would otherwise pay it
// on each turn (a map of 64 keys of 64 KiB read in a macro over 1,000 elements took 1.8 s a
// decision). A field in a record at a place (the input, or a record inline in one there, optional
// or not) is checked when first read, and a flag that writ_evaluate resets remembers it: within a
// decision the record is read at one address, its place or the zeroed block of an absent optional
// record. A field in a record behind a pointer (a list element or map value, or a record inline in
// one) is checked with the list or map that holds the record, which checks each record whole: its
// pointer, then those of its fields read anywhere whose checks walk, each if present. So a walking
// check runs once per decision for each field at a place, and covers what the value holds;
// `checkedOnceFields` gives each with its most work, which the cost bound adds to the rules' costs
// (compiler/driver.ts; docs/language.md, "Cost").

import { assertUnreachable } from "../diagnostics.js";
import type { IRRule, Node } from "../ir/ir.js";
import type { RecordType, SchemaType } from "../../runtime/schema.js";
import { elementStride, type FieldLayout, type RecordLayout, type SlotLayout } from "../../runtime/wasm/layout.js";
import { fieldNamed } from "../../runtime/field-named.js";
import { times } from "../ir/cost.js";
import { forEachChild, type LayoutPlan } from "./layout.js";
import { generatedName } from "./names.js";
import { RESET_CHUNK, splitStatements, STATEMENT_CHUNK, type Define, type Passed } from "./split.js";

/** What the functions a record's check is split into take: the record's address. */
const RECORD: Passed = { declared: "p: usize", name: "p" };

/** The larger bounds of two positions of the schema that share one slot. */
function join(a: SchemaType, b: SchemaType): SchemaType {
  if (a.kind !== b.kind) throw new Error(`one slot holds a ${a.kind} and a ${b.kind}`);
  switch (a.kind) {
    case "bool":
    case "int":
      return a;
    case "string":
      return { kind: "string", max: Math.max(a.max, (b as typeof a).max) };
    case "list": {
      const c = b as typeof a;
      return { kind: "list", element: join(a.element, c.element), max: Math.max(a.max, c.max) };
    }
    case "map": {
      const c = b as typeof a;
      return { kind: "map", value: join(a.value, c.value), max: Math.max(a.max, c.max), keyMax: Math.max(a.keyMax, c.keyMax) };
    }
    case "record": {
      const c = b as typeof a;
      const fields = a.fields.map((f) => {
        const g = fieldNamed(c.fields, f.name);
        return g ? { ...f, type: join(f.type, g.type) } : f;
      });
      for (const g of c.fields) if (fieldNamed(a.fields, g.name) === undefined) fields.push(g);
      return { kind: "record", fields };
    }
    default:
      return assertUnreachable(a);
  }
}

/** The field `name` of a record slot's layout (the slot of a node whose value is a record). */
const fieldIn = (slot: SlotLayout | undefined, name: string): FieldLayout | undefined => fieldNamed((slot as RecordLayout | undefined)?.fields ?? [], name);

/**
 * The byte offset of a record value in the input region when it is at a fixed place there: the
 * input itself, or a field of a record at a fixed place reached through required fields only.
 */
export function placeOf(n: Node, slots: ReadonlyMap<number, SlotLayout>): number | undefined {
  if (n.op === "input") return 0;
  if (n.op !== "field" || n.optional) return undefined;
  const at = placeOf(n.record, slots);
  const f = fieldIn(slots.get(n.record.id), n.field);
  return at === undefined || !f || f.type.kind !== "record" ? undefined : at + f.offset;
}

/** How many times the rules read each field at a fixed place in the input region, by its place. */
export function readsByPlace(rules: readonly IRRule[], slots: ReadonlyMap<number, SlotLayout>): Map<number, number> {
  const reads = new Map<number, number>();
  const count = (n: Node): void => {
    if (n.op === "field") {
      const at = placeOf(n.record, slots);
      const f = fieldIn(slots.get(n.record.id), n.field);
      // an inline record shares its place with its first field, and is not a read of the region
      if (at !== undefined && f && f.type.kind !== "record") reads.set(at + f.offset, (reads.get(at + f.offset) ?? 0) + 1);
    }
    forEachChild(n, count);
  };
  for (const rule of rules) count(rule.condition);
  return reads;
}

/** The check of a value, as an expression of the word holding it (which it returns). */
interface Check {
  readonly of: (word: string) => string;
  /** whether it walks the value's elements (a map's keys, or elements with checks of their own) */
  readonly walks: boolean;
  /**
   * The most work it does, in the cost bound's units (compiler/ir/cost.ts): one a word it reads and
   * tests, one a byte of two keys it compares.
   */
  readonly work: number;
}

/** Where a record slot's values are: at one byte offset of the input region, or behind pointers. */
type Place = number | "pointed";

/** A walking check made once per decision: the field's path in the request, and the check's most work. */
export interface CheckedOnce {
  /** the field names from the request down to the field (records only: a walked field is in none) */
  readonly fields: readonly string[];
  /** `fields` joined with `.`, as messages show it */
  readonly path: string;
  readonly work: number;
}

export class InputChecks {
  /** the schema type (its bounds) of each field of each record slot */
  private readonly types = new Map<RecordLayout, Map<string, SchemaType>>();
  /** where the values of each record slot are */
  private readonly places = new Map<RecordLayout, Place>();
  /** generated functions, by name */
  private readonly code = new Map<string, string>();
  /** the names of the functions checking lists and maps, by slot and type */
  private readonly names = new Map<string, string>();
  private functions = 0;
  /** the checks of records behind pointers, by their slot */
  private readonly records = new Map<RecordLayout, Check>();
  /** adds a function of the checks, named as the others */
  private readonly define: Define = (code) => {
    const name = generatedName("check", this.functions++);
    this.code.set(name, code(name));
    return name;
  };
  /** flags of the checks made once per decision, by the field's place in the input region */
  private readonly once = new Map<number, string>();
  /** checks made at the start of every decision, by the field's place in the input region */
  private readonly first = new Map<number, string>();

  constructor(
    private readonly root: RecordLayout,
    schema: RecordType,
    /** the input region's size (writ_input_size) */
    private readonly size: number,
    /** how many times the code reads each field at a fixed place, by its place */
    private readonly reads: ReadonlyMap<number, number>,
  ) {
    this.walk(root, schema);
    this.locate(root, 0);
  }

  private walk(slot: SlotLayout, t: SchemaType): void {
    if (slot.kind === "record" && t.kind === "record") {
      let types = this.types.get(slot);
      if (!types) this.types.set(slot, (types = new Map()));
      for (const f of slot.fields) {
        const decl = fieldNamed(t.fields, f.name);
        if (!decl) throw new Error(`field ${f.name} of the layout is not in the schema`);
        const known = types.get(f.name);
        types.set(f.name, known ? join(known, decl.type) : decl.type);
        this.walk(f.type, decl.type);
      }
    } else if (slot.kind === "list" && t.kind === "list") this.walk(slot.element, t.element);
    else if (slot.kind === "map" && t.kind === "map") this.walk(slot.value, t.value);
  }

  /**
   * Notes where the values of each record slot are: `at`, a byte offset of the input region, for the
   * input and the records inline in a record there; behind pointers for list elements, map values
   * and the records inline in those. A record type is declared at one place of the schema, and only
   * values of one type share a slot, so no slot is in both (or at two places).
   */
  private locate(slot: SlotLayout, at: number | undefined): void {
    if (slot.kind === "list") return this.locate(slot.element, undefined);
    if (slot.kind === "map") return this.locate(slot.value, undefined);
    if (slot.kind !== "record") return;
    const place: Place = at ?? "pointed";
    const known = this.places.get(slot);
    if (known !== undefined) {
      if (known !== place) throw new Error(`one record slot is at ${String(known)} and at ${String(place)} in the input`);
      return;
    }
    this.places.set(slot, place);
    for (const f of slot.fields) if (f.offset >= 0) this.locate(f.type, at === undefined ? undefined : at + f.offset);
  }

  /** The generated functions (and the flags of the checks made once per decision). */
  all(): string[] {
    return [...[...this.once.values()].map((f) => `let ${f}: bool = false;`), ...this.code.values()];
  }

  /**
   * Statements for the start of a decision: forget which fields the last one checked, and check the
   * fields checked then. There are as many of each as such fields, so many are made by functions of
   * a bounded number each (added by `define`, split.ts): in writ_evaluate, 3,500 strings read twice
   * each made one function of 17,500 locals (140 KB of stack unoptimised, more than a module may
   * take; 13 minutes and 3.2 GB of binaryen's optimiser for 4,000).
   */
  start(define: Define): string[] {
    const resets = [...this.once.values()].map((f) => [`  ${f} = false;`]);
    const checks = [...this.first.values()].map((c) => [`  ${c}`]);
    return splitStatements(resets, RESET_CHUNK, "  ", define).concat(splitStatements(checks, STATEMENT_CHUNK, "  ", define));
  }

  /** An expression: the presence flag at `addr + off`, checked. */
  presence(addr: string, off: number): string {
    return `flag(load<u32>(${addr}, ${off}))`;
  }

  /**
   * An expression: the value of field `f` of the record at `addr`, checked. `at`: the field's byte
   * offset in the input region when the record is at a fixed place there.
   */
  field(rec: RecordLayout, f: FieldLayout, addr: string, at?: number): string {
    const t = this.types.get(rec)?.get(f.name);
    if (!t) throw new Error(`no schema type for field ${f.name}`);
    const s = f.type;
    switch (s.kind) {
      case "bool":
        return this.check(s, t)!.of(`load<u32>(${addr}, ${f.offset})`);
      case "int":
        return `load<i64>(${addr}, ${f.offset})`;
      case "record":
        return `(${addr} + ${f.offset})`;
      case "string":
      case "list":
      case "map": {
        const c = this.check(s, t);
        if (c === undefined) return `load<i32>(${addr}, ${f.offset})`; // an interned id
        if (c.walks) return this.walked(rec, f, addr, c);
        if (at !== undefined && (this.reads.get(at + f.offset) ?? 0) > 1) {
          // read in several places: checked once, when the decision starts (if present)
          const check = `${c.of(`load<usize>(__heap_base, ${at + f.offset})`)};`;
          this.first.set(at + f.offset, f.presence < 0 ? check : `if (${this.presence("__heap_base", at + f.presence)}) ${check}`);
          return `load<usize>(${addr}, ${f.offset})`;
        }
        return c.of(`load<usize>(${addr}, ${f.offset})`);
      }
      default:
        return assertUnreachable(s);
    }
  }

  /**
   * A field whose check walks its value. In a record at a place, it is checked once per decision,
   * when first read: within a decision the record is read at one address (its place, or the zeroed
   * block an absent optional record reads as). In a record behind a pointer it is not checked where
   * it is read: the list or map holding the record checked it whole (see `inside`).
   */
  private walked(rec: RecordLayout, f: FieldLayout, addr: string, c: Check): string {
    const place = this.places.get(rec);
    if (place === undefined) throw new Error(`the record holding field ${f.name} is not in the input layout`);
    if (place === "pointed") return `load<usize>(${addr}, ${f.offset})`;
    return `${this.checkedOnce(place + f.offset, f.offset, c)}(${addr})`;
  }

  /**
   * The checks made once per decision (of the fields at a place whose checks walk), with the path of
   * each field and its work: at most what checking the request adds to a decision besides the few
   * steps of a check made where a field is read.
   */
  checkedOnceFields(): CheckedOnce[] {
    const out: CheckedOnce[] = [];
    const visit = (rec: RecordLayout, above: readonly string[]): void => {
      for (const f of rec.fields) {
        if (f.offset < 0) continue;
        const fields = [...above, f.name];
        if (f.type.kind === "record") visit(f.type, fields);
        else {
          const c = this.check(f.type, this.types.get(rec)!.get(f.name)!);
          if (c?.walks) out.push({ fields, path: fields.join("."), work: c.work });
        }
      }
    };
    visit(this.root, []);
    return out;
  }

  /**
   * The check of a value of slot `s` (a record as a list element or map value: its pointer), as an
   * expression of the word that holds it; undefined when the slot has no invalid values.
   */
  private check(s: SlotLayout, t: SchemaType): Check | undefined {
    const size = this.size;
    switch (s.kind) {
      case "bool":
        // the elements of a list no value has are laid out as bools, and never read
        return t.kind === "bool" ? { of: (w) => `flag(${w})`, walks: false, work: 1 } : undefined;
      case "int":
        return undefined;
      case "string":
        if (s.rep === "id") return undefined;
        if (t.kind !== "string") throw new Error(`a string slot holds a ${t.kind}`);
        return { of: (w) => `inString(${w}, ${size}, ${t.max})`, walks: false, work: 1 };
      case "record":
        return this.record(s);
      case "list": {
        if (t.kind !== "list") throw new Error(`a list slot holds a ${t.kind}`);
        const stride = elementStride(s.element);
        const block = (w: string): string => `inList(${w}, ${size}, ${t.max}, ${stride})`;
        const element = this.check(s.element, t.element);
        if (element === undefined) return { of: block, walks: false, work: 1 };
        return this.walker(s, t, block("p"), element, stride, 4, 1 + times(t.max, element.work));
      }
      case "map": {
        if (t.kind !== "map") throw new Error(`a map slot holds a ${t.kind}`);
        const entry = 4 + elementStride(s.value);
        const block = (w: string): string => `inMap(${w}, ${size}, ${t.max}, ${entry}, ${t.keyMax})`;
        // inMap reads each key's block and compares its bytes with the key before it
        const keys = 1 + times(t.max, 1 + t.keyMax);
        const value = this.check(s.value, t.value);
        if (value === undefined) return { of: block, walks: true, work: keys };
        return this.walker(s, t, block("p"), value, entry, 8, keys + times(t.max, value.work));
      }
      default:
        return assertUnreachable(s);
    }
  }

  /**
   * The check of a record behind a pointer: its block, and the fields inside it whose checks walk
   * (so that they are made once per decision, with the list or map holding the record, and not each
   * time one is read). Its other fields are checked where they are read, as a record's at a place.
   */
  private record(s: RecordLayout): Check {
    const known = this.records.get(s);
    if (known) return known;
    const block = (w: string): string => `inRecord(${w}, ${this.size}, ${s.size})`;
    const inside = this.inside(s, "p");
    let check: Check;
    if (inside.statements.length === 0) check = { of: block, walks: false, work: 1 };
    else {
      const name = generatedName("check", this.functions++);
      const lines = splitStatements(inside.statements, STATEMENT_CHUNK, "  ", this.define, RECORD);
      this.code.set(name, [`function ${name}(p: usize): usize {`, `  ${block("p")};`, ...lines, `  return p;`, `}`].join("\n"));
      check = { of: (w) => `${name}(${w})`, walks: true, work: 1 + inside.work };
    }
    this.records.set(s, check);
    return check;
  }

  /**
   * Statements checking the fields of the record at `base` whose checks walk (those of the records
   * inline in it too, each if present), each as its lines in a function of `p`, and the most work
   * they do. A record may have as many such fields as the policy declares, so the statements of a
   * record are made by functions of a bounded number each (split.ts), which take `p` too.
   */
  private inside(rec: RecordLayout, base: string): { statements: string[][]; work: number } {
    const statements: string[][] = [];
    let work = 0;
    for (const f of rec.fields) {
      if (f.offset < 0) continue;
      let body: { statements: string[][]; work: number };
      if (f.type.kind === "record") body = this.inside(f.type, `(${base} + ${f.offset})`);
      else {
        const c = this.check(f.type, this.types.get(rec)!.get(f.name)!);
        if (!c?.walks) continue;
        body = { statements: [[`  ${c.of(`load<usize>(${base}, ${f.offset})`)};`]], work: c.work };
      }
      if (body.statements.length === 0) continue;
      if (f.presence < 0) for (const statement of body.statements) statements.push(statement);
      else {
        const inner = splitStatements(body.statements, STATEMENT_CHUNK, "  ", this.define, RECORD).map((l) => `  ${l}`);
        statements.push([`  if (${this.presence(base, f.presence)}) {`].concat(inner, [`  }`]));
      }
      work += body.work + (f.presence < 0 ? 0 : 1);
    }
    return { statements, work };
  }

  /** A function checking a list or map block (`block`), then each element or value (at `first` + i * `stride`). */
  private walker(s: SlotLayout, t: SchemaType, block: string, element: Check, stride: number, first: number, work: number): Check {
    const key = `${JSON.stringify(s)}:${JSON.stringify(t)}`;
    let name = this.names.get(key);
    if (name === undefined) {
      name = generatedName("check", this.functions++);
      this.names.set(key, name);
      const word = `load<u32>(p + ${first} + <usize>i * ${stride})`;
      const body = [`  ${block};`, `  const n = load<i32>(p);`, `  for (let i = 0; i < n; i++) ${element.of(word)};`, `  return p;`];
      this.code.set(name, [`function ${name}(p: usize): usize {`, ...body, `}`].join("\n"));
    }
    const fn = name;
    return { of: (w) => `${fn}(${w})`, walks: true, work };
  }

  /**
   * A function reading the pointer at `offset` in a record at a place, whose field is at `place` in
   * the input region, checked by `c` once per decision.
   */
  private checkedOnce(place: number, offset: number, c: Check): string {
    let flag = this.once.get(place);
    if (flag === undefined) {
      flag = generatedName("checked", this.once.size);
      this.once.set(place, flag);
      this.code.set(
        `read_${flag}`,
        [
          `@inline function read_${flag}(record: usize): usize {`,
          `  const p = load<usize>(record, ${offset});`,
          `  if (!${flag}) {`,
          `    ${c.of("p")};`,
          `    ${flag} = true;`,
          `  }`,
          `  return p;`,
          `}`,
        ].join("\n"),
      );
    }
    return `read_${flag}`;
  }
}

/**
 * The checks of the request a decision makes once (input-checks.ts), field by field with their most
 * work, for the policy's layout: the part of the cost bound they add (compiler/ir/cost.ts).
 */
export function checkedOnceFields(plan: LayoutPlan, schema: RecordType): CheckedOnce[] {
  return new InputChecks(plan.layout.root, schema, plan.layout.inputSize, new Map()).checkedOnceFields();
}
