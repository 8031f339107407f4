// The decision fast path: one generated function that checks a request against the schema and writes
// it into the module's memory in the same pass, reading every field exactly once. The validator
// (request.ts) and the encoder (encoder.ts) each walk the request on their own; on the hot path that
// is two reads per field, two sets of type tests, and string interning through a `Map`. Here:
//
//   * each field is read once, tested once and stored at its layout address (constant addresses for
//     the request's own struct, so V8 sees straight-line code with monomorphic property reads);
//   * strings that travel as interned ids are looked up among the constants their slot meets (not
//     the whole table) by a generated decision tree — length, then the character that best splits
//     the candidates, then one `===` — written inline for a few constants; no hash map. A string
//     equal to a constant is also known to be well-formed and, when every constant fits the field's
//     bound, within that bound, so only the other strings pay for those checks;
//   * unread fields are still checked (the schema is the contract), but never written.
//
// It only ever accepts: anything unusual — a failed test, a key that is no field's name or a key
// count that does not match (an optional field given as `undefined`, a field that is not enumerable:
// record-keys.ts), an int beyond int32 that is not a safe integer, a BigInt, a prototype other than
// Object.prototype or null, an array where a record or map is expected, a list element equal to
// what Array.prototype holds at its index (a hole would read a value planted there), a getter that
// throws — returns `SLOW_PATH`, and the caller runs the full validator
// (which names the field and the reason) and the general encoder. So the fast path accepts a subset
// of what the validator accepts (but for one object no JSON text can produce, see `record`), and
// writes the same bytes the encoder writes for it (test/runtime/ingest.test.ts checks both on random
// requests).
//
// Schemas with field names that plain objects inherit (`constructor`, `__proto__`...) get no fast
// path: generateIngest returns undefined and every request takes the general path. Map keys with
// such names send that request the general way.
//
// Safety: the only data spliced into the source are field names and table strings through
// JSON.stringify (a JSON string is a valid JS string literal), and layout numbers and bounds, which
// must be safe integers. Where `new Function` is forbidden there is no fast path.

import type { RecordType, SchemaType } from "../schema.js";
import type { InputLayout, RecordLayout, SlotLayout, StringSlot } from "./layout.js";
import { elementStride } from "./layout.js";
import { fieldNamed } from "../field-named.js";
import { sortByCodePoint, utf8Length } from "../strings.js";
import { INHERITED, pollutedPrototypeKey } from "../request.js";
import { recordKeysCheck } from "../record-keys.js";
import { ownElement } from "../own.js";
import { FreshIdIndex, SCANNED_FRESH_IDS } from "./fresh-ids.js";

/** What the fast path returns when the request must take the general path. */
export const SLOW_PATH = -1;

/** Checks and writes a request; returns the end of the heap it used, or SLOW_PATH. Never throws. */
export type Ingest = (request: unknown) => number;

export interface IngestHelpers {
  readonly i32: Int32Array;
  /** writes [len][UTF-8] at `p`, returns the next heap address (4-aligned) */
  readonly writeStringAt: (s: string, p: number) => number;
  /** writes a safe integer that is not an int32 at byte address `at` */
  readonly writeWideInt: (v: number, at: number) => void;
}

/** Builds the fast path for one instance's memory. */
export type IngestFactory = (helpers: IngestHelpers) => Ingest;

class Unsupported extends Error {}

/**
 * JS that is true when `x` is not a plain object: one whose prototype is Object.prototype (read as
 * `__proto__`, which V8 folds to a map check) or null (what the general path's snapshots are made
 * of; asked of Object.getPrototypeOf only when the first test fails), and that is not an array:
 * an array whose prototype was set to either is still a list, never a record or a map (as the
 * validator's isPlainObject says). A null-prototype object has nothing to inherit, and an own
 * `__proto__` key is an unknown key (records) or an inherited name (map keys), both of which send
 * the request the general way.
 */
function notPlain(x: string): string {
  return `typeof ${x} !== "object" || ${x} === null || (${x}.__proto__ !== OP && Object.getPrototypeOf(${x}) !== null) || Array.isArray(${x})`;
}

function num(n: number): string {
  if (!Number.isSafeInteger(n)) throw new Unsupported(`layout number ${n} is not an integer`);
  return String(n);
}

/** An address: a number known now, or a JS expression evaluated per request. */
type Addr = { readonly at: number } | { readonly expr: string };

function plus(a: Addr, offset: number): Addr {
  return "at" in a ? { at: a.at + offset } : { expr: `${a.expr} + ${num(offset)}` };
}

/** the Int32Array index of an address */
function index(a: Addr): string {
  return "at" in a ? num(a.at >> 2) : `(${a.expr}) >> 2`;
}

/** Up to this many constants a slot's look-up is written inline where the slot is read. */
const INLINE_STRINGS = 16;

/**
 * Above this many constants a look-up is a `Map` (a huge generated tree would not be optimised).
 * Raising it to 1,024 made the 1,012-rule benchmark policy (250 tools, 60-odd roles) ~10 ns slower
 * over ten alternated processes each (medians 215 → 226 ns), and a 2,500-constant tree much slower.
 */
const MAX_TREE_STRINGS = 64;

/** A group this small is tested with `===` one by one rather than split further. */
const LEAF_SIZE = 2;

interface Constant {
  readonly s: string;
  readonly id: number;
}

/**
 * A decision tree finding `x` among `constants`: by length, then by the character code at the
 * position that splits the group into the most parts, until a group is small enough to compare
 * whole. `hit(id)` is the statement run on a match; a miss falls out of the outer `switch`.
 */
function lookupTree(constants: readonly Constant[], x: string, hit: (id: number) => string, lines: string[]): void {
  lines.push(`switch (${x}.length) {`);
  for (const [length, group] of groupBy(constants, (e) => e.s.length)) {
    lines.push(`case ${length}: {`);
    split(group, x, hit, lines);
    lines.push("break; }");
  }
  lines.push("}");
}

function split(group: readonly Constant[], x: string, hit: (id: number) => string, lines: string[]): void {
  if (group.length <= LEAF_SIZE) {
    for (const e of group) lines.push(`if (${x} === ${JSON.stringify(e.s)}) ${hit(e.id)}`);
    return;
  }
  const length = group[0]!.s.length;
  let best = 0;
  let bestParts = 0;
  for (let k = 0; k < length; k++) {
    const parts = new Set(group.map((e) => e.s.charCodeAt(k))).size;
    if (parts > bestParts) [best, bestParts] = [k, parts];
  }
  lines.push(`switch (${x}.charCodeAt(${best})) {`);
  for (const [code, sub] of groupBy(group, (e) => e.s.charCodeAt(best))) {
    lines.push(`case ${code}: {`);
    split(sub, x, hit, lines);
    lines.push("break; }");
  }
  lines.push("}");
}

function groupBy<T, K>(items: readonly T[], key: (t: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const g = groups.get(k);
    if (g) g.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

class IngestGenerator {
  private n = 0;
  readonly lines: string[] = [];
  /** shared look-up functions (larger constant sets), by the ids they find, and other constants */
  readonly functions: string[] = [];
  private readonly functionOf = new Map<string, string>();
  /** constant sets too large for a tree: `MAPS[k]` maps string to id */
  readonly maps: Map<string, number>[] = [];
  /** whether some slot numbers strings outside the table (then the function clears `later` per request) */
  numbersFreshStrings = false;
  /**
   * Variables the deferred key checks read, declared at the top of the function (`let name = 0` for
   * a count, `let name` for a record): the checks run after every read, outside the blocks that
   * assign them.
   */
  readonly hoisted: string[] = [];
  /** the key checks of records outside lists and maps, run once every field has been read */
  readonly deferred: string[] = [];
  /** how many lists and maps the value being generated sits in */
  private loops = 0;

  /** generates a list's element or a map's value (`generate`), counted as inside a loop */
  private inLoop(generate: () => void): void {
    this.loops++;
    generate();
    this.loops--;
  }

  constructor(private readonly strings: readonly string[]) {}

  fresh(p: string): string {
    return `${p}$${this.n++}`; // the `$` keeps locals apart from the parameters (`i32`, `h`, `v`)
  }

  /** a constant beside the shared functions, outside the fast path's own function */
  declare(initializer: string): string {
    const name = this.fresh("keys");
    this.functions.push(`const ${name} = ${initializer};`);
    return name;
  }

  private emit(s: string): void {
    this.lines.push(s);
  }

  /**
   * `id = <the per-request id of x>`: its index among the strings this request has numbered so far,
   * after the table. The first SCANNED_FRESH_IDS are found by a scan written inline (`seen`, counted
   * by the local `seen$n`), the rest through `later`, a FreshIdIndex (fresh-ids.ts), as the encoder
   * numbers them. `refuse` is tested only on a string not among the scanned ones (it goes the general
   * way when true).
   */
  private freshId(x: string, id: string, refuse: string): string {
    this.numbersFreshStrings = true;
    const j = this.fresh("j");
    return (
      `let ${j} = 0; while (${j} < seen$n && seen[${j}] !== ${x}) ${j}++; ` +
      `if (${j} === seen$n) { if (${refuse}) return -1; if (${j} < ${SCANNED_FRESH_IDS}) seen[seen$n++] = ${x}; else ${j} = later.indexOf(${x}); } ` +
      `${id} = FRESH + ${j};`
    );
  }

  /** the constants an id slot can be equal to: those it meets, or the whole table */
  private constantsOf(slot: StringSlot): Constant[] {
    const ids = slot.meets ?? this.strings.map((_, i) => i + 1);
    // an id past the table (a hand-made layout) names no string, whatever Array.prototype holds there (own.ts)
    return ids.map((id) => ({ s: ownElement(this.strings, id - 1), id })).filter((c): c is Constant => typeof c.s === "string");
  }

  /** `id = <the id of x among constants, or 0>`, inline for a few constants, else through a function */
  private lookup(constants: readonly Constant[], x: string, id: string): void {
    if (constants.length === 0) {
      this.emit(`let ${id} = 0;`);
      return;
    }
    if (constants.length <= INLINE_STRINGS) {
      const label = this.fresh("L");
      this.emit(`let ${id} = 0; ${label}: {`);
      lookupTree(constants, x, (c) => `{ ${id} = ${c}; break ${label}; }`, this.lines);
      this.emit("}");
      return;
    }
    const key = constants.map((c) => c.id).join(",");
    let fn = this.functionOf.get(key);
    if (fn === undefined) {
      fn = `lookup$${this.functionOf.size}`;
      this.functionOf.set(key, fn);
      if (constants.length <= MAX_TREE_STRINGS) {
        const body: string[] = [];
        lookupTree(constants, "s", (c) => `return ${c};`, body);
        this.functions.push(`function ${fn}(s) {\n${body.join("\n")}\nreturn 0;\n}`);
      } else {
        this.maps.push(new Map(constants.map((c) => [c.s, c.id])));
        this.functions.push(`const ${fn}$map = MAPS[${this.maps.length - 1}];\nfunction ${fn}(s) { return ${fn}$map.get(s) ?? 0; }`);
      }
    }
    this.emit(`let ${id} = ${fn}(${x});`);
  }

  /** the string test of the validator: a bound that might be exceeded, or a lone surrogate, goes slow */
  private stringProblem(x: string, max: number): string {
    return `${this.tooLong(x, max)} || ${this.illFormed(x)}`;
  }

  /**
   * true when `x` exceeds `max` UTF-8 bytes: measured (U8) only when its length leaves it in doubt
   * (a UTF-16 unit is 1 to 3 bytes). Measured, not sent the general way on its length alone: keys of
   * eight ASCII characters under `map<string(8), int>` would send every request that fills such a
   * map through the snapshot, the validator and the encoder, several times this pass's work.
   */
  private tooLong(x: string, max: number): string {
    const m = num(max);
    return `(${x}.length * 3 > ${m} && (${x}.length > ${m} || U8(${x}) > ${m}))`;
  }

  /** true when `x` holds a lone surrogate */
  private illFormed(x: string): string {
    return `!${x}.isWellFormed()`;
  }

  /**
   * `const e = x[i];`, and the general way when what it read is what Array.prototype answers at `i`
   * (undefined is refused by every element's type test anyway): a hole would read a value planted
   * there, enumerable or not, as the element. The general path's snapshot reads the element the same
   * way and then asks whether the list owns it (own.ts, ownElement), so the two read one request,
   * a Proxy's included. A compare, not `Object.hasOwn` on every element: about 0.4 ns an element
   * against 6 in a micro-benchmark of this loop (1 to 3 strings a list), and `e === AP[i]` alone,
   * without first testing the prototype's answer for undefined, 2.5.
   */
  private element(x: string, i: string, e: string): string {
    const q = this.fresh("q");
    return `const ${e} = ${x}[${i}]; { const ${q} = AP[${i}]; if (${q} !== undefined && ${e} === ${q}) return -1; }`;
  }

  /**
   * Checks `x` against `t` and, when `slot` is given, writes it at `at` (records inline when `inline`,
   * behind a pointer to a heap struct otherwise).
   */
  value(t: SchemaType, slot: SlotLayout | undefined, x: string, at: Addr, inline: boolean): void {
    switch (t.kind) {
      case "bool":
        this.emit(`if (typeof ${x} !== "boolean") return -1;`);
        if (slot) this.emit(`i32[${index(at)}] = ${x} ? 1 : 0;`);
        return;
      case "int": {
        if (!slot) {
          this.emit(`if (typeof ${x} !== "number" || !Number.isSafeInteger(${x})) return -1;`);
          return;
        }
        const k = this.fresh("k");
        this.emit(`if (typeof ${x} !== "number") return -1;`);
        this.emit(`{ const ${k} = ${index(at)}; if ((${x} | 0) === ${x}) { i32[${k}] = ${x}; i32[${k} + 1] = ${x} >> 31; }`);
        this.emit(`else if (Number.isSafeInteger(${x})) WI(${x}, ${k} << 2); else return -1; }`);
        return;
      }
      case "string": {
        this.emit(`if (typeof ${x} !== "string") return -1;`);
        if (slot?.kind === "string" && slot.rep === "id") {
          const id = this.fresh("id");
          const constants = this.constantsOf(slot);
          // A constant is well-formed, and within the bound when every constant of the slot is. A
          // string equal to one this request has numbered already was found well-formed then (the
          // bound, which differs between fields, is still tested): only the first of equal strings
          // (a tenant and a resource's owner, say) pays for the Unicode scan.
          const hitFits = constants.length > 0 && constants.every((c) => utf8Length(c.s) <= t.max);
          if (!hitFits) this.emit(`if (${this.tooLong(x, t.max)}) return -1;`);
          this.lookup(constants, x, id);
          const long = hitFits ? `if (${this.tooLong(x, t.max)}) return -1; ` : "";
          const miss = slot.intern === "constants" ? `if (${this.illFormed(x)}) return -1;` : this.freshId(x, id, this.illFormed(x));
          this.emit(`if (${id} === 0) { ${long}${miss} }`);
          this.emit(`i32[${index(at)}] = ${id};`);
          return;
        }
        this.emit(`if (${this.stringProblem(x, t.max)}) return -1;`);
        if (slot) this.emit(`i32[${index(at)}] = h; h = WS(${x}, h);`);
        return;
      }
      case "list": {
        const elementSlot = slot?.kind === "list" ? slot.element : undefined;
        const [n, p, i, e] = [this.fresh("n"), this.fresh("p"), this.fresh("i"), this.fresh("e")];
        this.emit(`if (!Array.isArray(${x})) return -1;`);
        // (a Proxy's `length` may be anything but a count)
        this.emit(`const ${n} = ${x}.length; if (${n} >>> 0 !== ${n} || ${n} > ${num(t.max)}) return -1;`);
        if (elementSlot) {
          const stride = num(elementStride(elementSlot));
          this.emit(`const ${p} = h; h += 4 + ${n} * ${stride}; i32[${p} >> 2] = ${n}; i32[${index(at)}] = ${p};`);
          this.emit(`for (let ${i} = 0; ${i} < ${n}; ${i}++) { ${this.element(x, i, e)}`);
          this.inLoop(() => this.value(t.element, elementSlot, e, { expr: `${p} + 4 + ${i} * ${stride}` }, false));
        } else {
          this.emit(`for (let ${i} = 0; ${i} < ${n}; ${i}++) { ${this.element(x, i, e)}`);
          this.inLoop(() => this.value(t.element, undefined, e, { at: 0 }, false));
        }
        this.emit("}");
        return;
      }
      case "map": {
        // as the encoder does: keys in code-point order, each key's bytes on the heap. Keys that plain
        // objects inherit (`constructor`, `__proto__`...) need own-property reads: the general path.
        const valueSlot = slot?.kind === "map" ? slot.value : undefined;
        const [ks, n, p, i, k, e] = ["ks", "n", "p", "i", "k", "e"].map((q) => this.fresh(q));
        this.emit(`if (${notPlain(x)}) return -1;`);
        this.emit(`const ${ks} = Object.keys(${x}); const ${n} = ${ks}.length; if (${n} > ${num(t.max)}) return -1;`);
        if (valueSlot) {
          const entry = num(4 + elementStride(valueSlot));
          // the keys are checked before they are sorted: one that sends the request the general way
          // (which sorts them again) costs no sort here
          this.emit(`for (let ${i} = 0; ${i} < ${n}; ${i}++) { const ${k} = ${ks}[${i}];`);
          this.emit(`if (INHERITED.has(${k}) || ${this.stringProblem(k, t.keyMax)}) return -1; }`);
          this.emit(`if (${n} > 1) SORT(${ks});`);
          this.emit(`const ${p} = h; h += 4 + ${n} * ${entry}; i32[${p} >> 2] = ${n}; i32[${index(at)}] = ${p};`);
          this.emit(`for (let ${i} = 0; ${i} < ${n}; ${i}++) { const ${k} = ${ks}[${i}];`);
          this.emit(`const ${e} = ${p} + 4 + ${i} * ${entry}; i32[${e} >> 2] = h; h = WS(${k}, h);`);
          const v = this.fresh("v");
          this.emit(`const ${v} = ${x}[${k}];`);
          this.inLoop(() => this.value(t.value, valueSlot, v, { expr: `${e} + 4` }, false));
        } else {
          this.emit(`for (let ${i} = 0; ${i} < ${n}; ${i}++) { const ${k} = ${ks}[${i}];`);
          this.emit(`if (INHERITED.has(${k}) || ${this.stringProblem(k, t.keyMax)}) return -1;`);
          const v = this.fresh("v");
          this.emit(`const ${v} = ${x}[${k}];`);
          this.inLoop(() => this.value(t.value, undefined, v, { at: 0 }, false));
        }
        this.emit("}");
        return;
      }
      case "record": {
        const rec = slot?.kind === "record" ? slot : undefined;
        if (!rec || inline) {
          this.record(t, rec, x, at);
          return;
        }
        const p = this.fresh("p");
        this.emit(`if (typeof ${x} !== "object" || ${x} === null) return -1;`);
        this.emit(`const ${p} = h; h += ${num(rec.size)}; i32[${index(at)}] = ${p};`);
        this.record(t, rec, x, { expr: p });
        return;
      }
    }
  }

  /** a record: a plain object with every required field and no other key; its fields at `base` */
  record(t: RecordType, layout: RecordLayout | undefined, x: string, base: Addr): void {
    const count = this.fresh("n");
    // `__proto__` rather than Object.getPrototypeOf: V8 folds it to a map check (about 8 ns less per
    // record). An own `__proto__` key shadows the accessor: JSON.parse makes such keys enumerable, and
    // the key check then sends the request the general way; a non-enumerable one that answers
    // Object.prototype can only be defined on purpose by the host's own code, and even then every
    // field is still read once and checked, and the decision is made on exactly what was read.
    this.emit(`if (${notPlain(x)}) return -1;`);
    // Outside lists and maps, a record's keys are checked once the whole request has been read (no
    // getter of the request runs after that): a getter that plants a property on Object.prototype
    // and a later one that removes it can then show the check neither a planted key (its name
    // counted as a field) nor a clean prototype: the end's pollution check sees the first, the key
    // count the second. Inside a list or a map, the check runs where the record is read, followed
    // by a pollution check of its own: about 2 ns a record, where noting each record to check it at
    // the end measured nearly twice that (32 records in a list: 415 ns a decision, 455 noted, 345
    // with neither).
    const deferred = this.loops === 0;
    if (deferred) this.hoisted.push(`${count} = 0`);
    else this.emit(`let ${count} = 0;`);
    for (const f of t.fields) {
      if (INHERITED.has(f.name)) throw new Unsupported(`field name \`${f.name}\` is inherited by plain objects`);
      const fl = layout ? fieldNamed(layout.fields, f.name) : undefined;
      const v = this.fresh("f");
      // a record field read outside loops is a record the deferred checks read: declared on top
      const hoist = deferred && f.type.kind === "record";
      if (hoist) this.hoisted.push(v);
      this.emit(`${hoist ? "" : "const "}${v} = ${x}[${JSON.stringify(f.name)}];`);
      const absent = f.optional ? (fl && fl.presence >= 0 ? `i32[${index(plus(base, fl.presence))}] = 0;` : "") : "return -1;";
      this.emit(`if (${v} === undefined) { ${absent} } else { ${count}++;`);
      if (fl && fl.presence >= 0) this.emit(`i32[${index(plus(base, fl.presence))}] = 1;`);
      const written = fl && fl.offset >= 0 ? fl.type : undefined;
      this.value(f.type, written, v, written ? plus(base, fl!.offset) : { at: 0 }, true);
      this.emit("}");
    }
    // no unknown key, and no field that only a read by name sees (record-keys.ts); for-in also
    // sees keys inherited from a polluted Object.prototype, and those go the general way too
    const keys = recordKeysCheck(x, count, t.fields.map((f) => f.name), "return -1;", this);
    if (deferred) this.deferred.push(x === "v" ? keys : `if (${x} !== undefined) { ${keys} }`);
    else this.emit(`${keys} if (POLLUTED() !== undefined) return -1;`);
  }
}

/** The generated source of a fast path, and the data it refers to. */
export interface IngestSource {
  /** the body of a function of (i32, WS, WI, MAPS, SORT, U8, INHERITED, POLLUTED, FRESH_INDEX) that returns the fast path */
  readonly body: string;
  /** constant sets too large for a tree, as `MAPS` */
  readonly maps: readonly Map<string, number>[];
}

/** The fast path's source for a schema and its layout at `inputPtr`, or undefined when it has none. */
export function ingestSource(schema: RecordType, layout: InputLayout, inputPtr: number): IngestSource | undefined {
  try {
    const g = new IngestGenerator(layout.strings);
    g.record(schema, layout.root, "v", { at: inputPtr });
    const heapStart = num(inputPtr + layout.root.size);
    const firstFresh = num(layout.strings.length + 1);
    const body = [
      `"use strict";`,
      `const OP = Object.prototype, AP = Array.prototype;`,
      ...g.functions,
      // strings outside the table: per-request ids after the table's (equal strings, equal ids)
      `const seen = [], FRESH = ${firstFresh}${g.numbersFreshStrings ? ", later = new FRESH_INDEX()" : ""};`,
      // polluted prototypes (request.ts), or a getter or proxy trap that throws: the general path
      // reports it. Looked for again at the end: a getter of this request may have planted it.
      `return function ingestRequest(v) {\nif (POLLUTED() !== undefined) return -1;\n${g.numbersFreshStrings ? "later.clear();\n" : ""}let h = ${heapStart}, seen$n = 0${g.hoisted.map((d) => `, ${d}`).join("")};\ntry {\n${[...g.lines, ...g.deferred].join("\n")}\n} catch { return -1; }\nif (POLLUTED() !== undefined) return -1;\nreturn h;\n};`,
    ].join("\n");
    return { body, maps: g.maps };
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}

/**
 * Turns a fast path's source into its factory, or undefined where `new Function` is not allowed.
 * (bench/decide-profile.ts hands it altered sources, to time the pass without one check or another.)
 */
export function compileIngest(source: IngestSource): IngestFactory | undefined {
  let factory: (...args: unknown[]) => Ingest;
  try {
    factory = new Function("i32", "WS", "WI", "MAPS", "SORT", "U8", "INHERITED", "POLLUTED", "FRESH_INDEX", source.body) as typeof factory;
  } catch {
    return undefined; // no eval here: every request takes the general path
  }
  return (helpers) => factory(helpers.i32, helpers.writeStringAt, helpers.writeWideInt, source.maps, sortByCodePoint, utf8Length, INHERITED, pollutedPrototypeKey, FreshIdIndex);
}

/**
 * The fast-path factory for a schema and its layout at `inputPtr`, or undefined when the schema has no
 * fast path (inherited field names) or `new Function` is not allowed here.
 */
export function generateIngest(schema: RecordType, layout: InputLayout, inputPtr: number): IngestFactory | undefined {
  const source = ingestSource(schema, layout, inputPtr);
  return source && compileIngest(source);
}
