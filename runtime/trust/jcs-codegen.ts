// The canonical JSON of a request, written by a function generated from the policy's request schema.
// Every artifact carries the SHA3-512 of its request's RFC 8785 form, so every authorization pays for
// canonicalising the request; the general fast path (jcs.ts) lists and sorts each object's keys and
// walks the value generically, about 2.6 µs for the benchmark request. A request that matches its
// schema has known member names, so their order is known in advance: the generated writer reads each
// field once, in canonical order, into one template — about a fifth of the time — and builds, from the
// same reads, the copy that signing decides (request-digest.ts, readRequest): the request decided is
// the request digested, without a second pass to copy it.
//
// It only ever answers what canonicalJson answers: a member that is missing, of an unexpected type,
// unknown or not enumerable (record-keys.ts), a BigInt, a prototype other than Object.prototype, a
// getter that throws, a lone surrogate — anything it is not sure of — returns undefined, and the
// caller runs canonicalJson, which has the last word (and the error messages).
// test/trust/jcs-codegen.test.ts holds the two to each other on random schemas and requests.
//
// Safety: the only data spliced into the source are member names, through JSON.stringify. Schemas
// with names that plain objects inherit (`constructor`, `__proto__` ...) get no writer, nor does
// anything that is not a well-formed schema; where `new Function` is forbidden there is none either.

import type { RecordType, SchemaType } from "../schema.js";
import { INHERITED, newSnapshotBudget, pollutedPrototypeKey, snapshotPart } from "../request.js";
import { fastParts, MAX_CANONICAL_LENGTH, MAX_DEPTH } from "./jcs.js";
import { isInstance } from "../thrown.js";
import { recordKeysCheck } from "../record-keys.js";

/**
 * The canonical JSON of a request of the schema and a copy of what was read for it (plain data, each
 * field read once: the request to decide, as snapshotRequest would copy it), or undefined. Never throws.
 */
export type CanonicalReader = (request: unknown) => { readonly text: string; readonly data: unknown } | undefined;

class Unsupported extends Error {}

/** A schema bound as source text: a whole number, or the schema is not one this writer handles. */
function bound(max: unknown): string {
  if (!Number.isSafeInteger(max) || (max as number) < 0) throw new Unsupported("bound is not a whole number");
  return String(max);
}

/** Writes JS that appends the canonical form of the value in `v` (typed `t`, at `depth`) to `out`. */
class Emitter {
  private counter = 0;
  readonly lines: string[] = [];
  /** constants hoisted out of the generated function */
  readonly declarations: string[] = [];
  /** whether a map is copied (then the function makes a snapshot budget for the request: one per call otherwise unneeded) */
  usesMaps = false;

  fresh(prefix: string): string {
    return `${prefix}${this.counter++}`;
  }

  declare(initializer: string): string {
    const name = this.fresh("keys");
    this.declarations.push(`const ${name} = ${initializer};`);
    return name;
  }

  /** Appends the canonical form of `v` (typed `t`) to `out`; returns the variable holding its copy. */
  value(v: string, t: SchemaType, depth: number): string {
    if (depth >= MAX_DEPTH) throw new Unsupported("schema nested too deep");
    switch (t.kind) {
      case "string":
        // more UTF-16 units than the bound allows bytes is too long whatever they are (each takes at
        // least one byte): refused here, before it is quoted, rather than after by the validator
        this.lines.push(`if (typeof ${v} !== "string" || ${v}.length > ${bound(t.max)}) return undefined;`, `out += Q(${v});`);
        return v;
      case "int":
        // what the fast path writes for any finite number (ints of the schema, but also 1.5 or -0)
        this.lines.push(`if (typeof ${v} !== "number" || ${v} - ${v} !== 0) return undefined;`, `out += "" + ${v};`);
        return v;
      case "bool":
        this.lines.push(`if (${v} === true) out += "true"; else if (${v} === false) out += "false"; else return undefined;`);
        return v;
      case "list": {
        const i = this.fresh("i");
        const e = this.fresh("e");
        const n = this.fresh("n");
        const q = this.fresh("q");
        const copy = this.fresh("l");
        this.lines.push(
          // over its bound, a list is refused (by the general path) before any element is read: a
          // few shared arrays would otherwise be copied and written out millions of times. Its
          // length is read once, and must be a count (a Proxy's may be anything), as the snapshot reads it
          `if (!Array.isArray(${v})) return undefined;`,
          `const ${n} = ${v}.length; if (${n} >>> 0 !== ${n} || ${n} > ${bound(t.max)}) return undefined;`,
          `const ${copy} = [];`,
          `out += "[";`,
          `for (let ${i} = 0; ${i} < ${n}; ${i}++) {`,
          `const ${e} = ${v}[${i}];`,
          `if (${e} === undefined) return undefined;`, // a hole, or undefined
          // what Array.prototype holds at the index: a hole would read a value planted there, so the
          // general path, which asks whether the list owns it, decides (as decide's fast path does)
          `{ const ${q} = AP[${i}]; if (${q} !== undefined && ${e} === ${q}) return undefined; }`,
          `if (${i} !== 0) out += ",";`,
        );
        const element = this.value(e, t.element, depth + 1);
        // as canonicalJson refuses it: a list of one long string shared a thousand times is small in
        // memory, and would otherwise be written out whole before the length is looked at
        this.lines.push(`${copy}.push(${element});`, `if (out.length > ${MAX_CANONICAL_LENGTH}) return undefined;`, `}`, `out += "]";`);
        return copy;
      }
      case "map": {
        // member names chosen by the request: copied by the generic snapshot (each read once), and
        // the text written from that copy by the fast path's own walk, which sorts them
        const copy = this.fresh("m");
        // (one budget for every map of the request: request.ts, snapshotPart)
        this.usesMaps = true;
        this.lines.push(`const ${copy} = S(${v}, budget);`, `out += V(${copy}, ${depth});`, `if (out.length > ${MAX_CANONICAL_LENGTH}) return undefined;`);
        return copy;
      }
      case "record":
        return this.record(v, t, depth);
      default:
        throw new Unsupported("unknown schema kind");
    }
  }

  record(v: string, t: RecordType, depth: number): string {
    if (!Array.isArray(t.fields)) throw new Unsupported("record without fields");
    const fields = [...t.fields];
    for (const f of fields) {
      if (typeof f?.name !== "string" || !f.name.isWellFormed() || INHERITED.has(f.name)) throw new Unsupported(`field name ${String(f?.name)}`);
      if (typeof f.optional !== "boolean") throw new Unsupported("field without optionality");
    }
    // RFC 8785: members in the order of their names' UTF-16 code units, which is what `<` compares
    fields.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (let k = 1; k < fields.length; k++) if (fields[k]!.name === fields[k - 1]!.name) throw new Unsupported("duplicate field");
    const n = this.fresh("n");
    const first = this.fresh("first");
    const copy = this.fresh("r");
    this.lines.push(
      // an array whose prototype was set to Object.prototype is a list all the same, never a record.
      // The prototype is asked of Object.getPrototypeOf, as canonicalJson asks it: a `v.__proto__`
      // read answers an own `__proto__` property instead (one holding Object.prototype had a Date or
      // a Map written as a plain record, and signed, where canonicalJson refuses it).
      `if (typeof ${v} !== "object" || ${v} === null || Object.getPrototypeOf(${v}) !== OP || Array.isArray(${v})) return undefined;`,
      `let ${n} = 0, ${first} = true;`,
      `const ${copy} = {};`,
      `out += "{";`,
    );
    for (const f of fields) {
      const x = this.fresh("f");
      const member = JSON.stringify(JSON.stringify(f.name) + ":");
      this.lines.push(`const ${x} = ${v}[${JSON.stringify(f.name)}];`);
      this.lines.push(f.optional ? `if (${x} !== undefined) {` : `if (${x} === undefined) return undefined; {`);
      this.lines.push(`${n}++;`, `if (!${first}) out += ","; ${first} = false;`, `out += ${member};`);
      const value = this.value(x, f.type, depth + 1);
      // names are never inherited ones (refused above), so plain assignment makes an own property
      this.lines.push(`${copy}[${JSON.stringify(f.name)}] = ${value};`, `}`);
    }
    // No member beyond the schema's (those would belong in the canonical form too), and none read by
    // name that JSON would leave out (not enumerable): record-keys.ts. The names go in the schema's
    // order, the order keys usually come in (`fields` above is sorted for the output). Checked once
    // the whole request has been read, as decide's fast path does (ingest-codegen.ts): a getter that
    // plants a property on Object.prototype and a later one that removes it cannot then have the
    // planted value copied for a missing member, signed, and decided.
    const check = this.fresh("keysOf");
    this.declarations.push(`function ${check}(x, n) { ${recordKeysCheck("x", "n", t.fields.map((f) => f.name), "return false;", this)} return true; }`);
    this.lines.push(`unchecked.push(${check}, ${v}, ${n});`, `out += "}";`);
    return copy;
  }
}

/**
 * The source of the writer's factory; undefined when the schema has no writer. Throws a RangeError
 * when the stack runs out while it is written (called near its end): that says nothing of the schema.
 */
export function canonicalWriterSource(schema: RecordType): string | undefined {
  try {
    if (typeof schema !== "object" || schema === null || schema.kind !== "record") return undefined;
    const e = new Emitter();
    const copy = e.record("v", schema, 0);
    return [
      '"use strict";',
      "const OP = Object.prototype, AP = Array.prototype;",
      ...e.declarations,
      "return function canonicalRequest(v) {",
      // polluted prototypes (request.ts): a missing member would read as the inherited value; looked
      // for again at the end, as a getter of this request may have planted one
      "if (P() !== undefined) return undefined;",
      'let out = "";',
      // each record read, with its key check and the count of its members found, for the end
      "const unchecked = [];",
      "try {",
      ...(e.usesMaps ? ["const budget = B();"] : []),
      ...e.lines,
      "for (let q = 0; q < unchecked.length; q += 3) if (!unchecked[q](unchecked[q + 1], unchecked[q + 2])) return undefined;",
      "if (P() !== undefined) return undefined;",
      // longer than canonicalJson writes (MAX_CANONICAL_LENGTH): it refuses the request, and says why
      `if (out.length > ${MAX_CANONICAL_LENGTH}) return undefined;`,
      `return { text: out, data: ${copy} };`,
      "} catch { return undefined; }",
      "};",
    ].join("\n");
  } catch (e) {
    // a malformed schema: members of the wrong type are met as TypeErrors
    if (isInstance(e, Unsupported) || isInstance(e, TypeError)) return undefined;
    throw e;
  }
}

const readers = new WeakMap<object, CanonicalReader | null>();

/**
 * The reader for a request schema (generated once per schema object), or undefined when there is
 * none: the schema is malformed, uses inherited names, or `new Function` is not allowed. Only those
 * are kept as the schema's answer. When the stack runs out while the reader is made (the first
 * authorize of a policy called near its end), this call goes without, and the next one makes it:
 * kept, the failure would send every later request of the schema down the general path for the
 * life of the process.
 */
export function canonicalReaderFor(schema: RecordType): CanonicalReader | undefined {
  if (typeof schema !== "object" || schema === null) return undefined;
  let reader = readers.get(schema);
  if (reader === undefined) {
    try {
      reader = makeReader(schema);
    } catch (e) {
      if (isInstance(e, RangeError)) return undefined; // the stack ran out: nothing is known of the schema
      throw e;
    }
    readers.set(schema, reader);
  }
  return reader ?? undefined;
}

/** The reader for `schema`, or null when it has none; throws a RangeError when the stack runs out. */
function makeReader(schema: RecordType): CanonicalReader | null {
  const source = canonicalWriterSource(schema);
  if (source === undefined) return null;
  try {
    type Factory = (q: typeof fastParts.quote, v: typeof fastParts.value, p: typeof pollutedPrototypeKey, s: typeof snapshotPart, b: typeof newSnapshotBudget) => CanonicalReader;
    return (new Function("Q", "V", "P", "S", "B", source) as Factory)(fastParts.quote, fastParts.value, pollutedPrototypeKey, snapshotPart, newSnapshotBudget);
  } catch (e) {
    if (isInstance(e, RangeError)) throw e;
    return null; // a Content Security Policy without 'unsafe-eval' (an EvalError)
  }
}
