// Schemas and requests at the edges of the request contract, for the schema referee
// (test/differential/schema-referee.test.ts).
//
// Schemas: nested records (empty ones too), optional fields, lists and maps with bounds 0..3 and 64
// (written, or left to their defaults), strings bounded at 0..12 and 256 bytes, map keys bounded at
// 0..8 and 256, records wider than 12 fields, field names that plain objects inherit (`__proto__`,
// `constructor`, `toString`…), keywords as nested field names, names of 65 and 70 characters.
//
// Requests: a valid one (each optional field present or not, or everything full to its bound), then
// up to two mutations somewhere in it: a bound reached and passed by one (in one- to four-byte UTF-8),
// int64 and 2^53 edges, -0, 1.5, NaN, lone surrogates, missing, unknown, undefined, null and
// non-enumerable members, arrays and class instances where a record is expected, null-prototype
// objects and arrays, Array subclasses, Proxies, frozen objects, holes, BigInts, boxed primitives,
// getters (answering the same value on every read, or always throwing), Symbol keys, keys beyond the
// 64 code units a path quotes, and an array whose length (2^32 − 1) is more than a request may hold.
//
// No request here touches a prototype (no pollution) or lies about its own members (a Proxy whose
// traps disagree with each other): those are tested where the runtime is fixed for them.

import type { Draw } from "./draw.js";

/** A schema type as drawn: the manifest's shape, plus whether each bound is written in the source. */
export type BoundaryType =
  | { readonly kind: "bool" }
  | { readonly kind: "int" }
  | { readonly kind: "string"; readonly max: number; readonly implicit?: boolean }
  | { readonly kind: "list"; readonly element: BoundaryType; readonly max: number; readonly implicit?: boolean }
  | {
      readonly kind: "map";
      readonly value: BoundaryType;
      readonly max: number;
      readonly keyMax: number;
      readonly implicit?: boolean;
      readonly implicitKey?: boolean;
    }
  | BoundaryRecord;

export interface BoundaryField {
  readonly name: string;
  readonly optional: boolean;
  readonly type: BoundaryType;
}

export interface BoundaryRecord {
  readonly kind: "record";
  readonly fields: readonly BoundaryField[];
}

/** Keywords of Writ and of CEL: fine as nested field names, not as top-level ones (variables). */
const KEYWORDS = ["policy", "input", "permit", "forbid", "when", "test", "true", "false", "null", "in", "as", "const", "else", "for", "function", "if", "let", "return", "var", "while"];
/** Names that plain objects inherit or that readers may treat specially. */
const TRICKY = ["__proto__", "constructor", "toString", "valueOf", "hasOwnProperty", "length", "then", "prototype", "toJSON", "_", "A", "size", "has", "int", "string", "map"];
/** Longer than the 64 code units a path quotes of a key the request chose (a field's name is whole). */
const LONG_NAMES = ["f".repeat(70), `g_${"x".repeat(63)}`];

function fieldName(d: Draw, top: boolean, used: Set<string>): string {
  for (;;) {
    const k = d.int(0, 9);
    let n: string;
    if (k < 4) n = String.fromCharCode(97 + d.int(0, 25)) + (d.chance(0.5) ? String(d.int(0, 99)) : "");
    else if (k < 7) n = d.pick(TRICKY);
    else if (k < 8) n = d.pick(LONG_NAMES);
    else n = top ? `t${d.int(0, 999)}` : d.pick(KEYWORDS);
    if (!used.has(n)) {
      used.add(n);
      return n;
    }
  }
}

/** A top-level record: 1..5 fields, or 13..20 (wider than 12) a fifth of the time. */
export function drawBoundarySchema(d: Draw): BoundaryRecord {
  return drawRecord(d, 0, true);
}

function drawRecord(d: Draw, depth: number, top: boolean): BoundaryRecord {
  const wide = d.chance(top ? 0.2 : 0.1);
  const n = wide ? d.int(13, 20) : top ? d.int(1, 5) : d.int(0, 3);
  const used = new Set<string>();
  const fields: BoundaryField[] = [];
  // a wide record's fields are scalars: it is the width that is tested there
  for (let i = 0; i < n; i++) fields.push({ name: fieldName(d, top, used), optional: d.chance(0.3), type: drawType(d, wide ? 4 : depth) });
  return { kind: "record", fields };
}

function drawType(d: Draw, depth: number): BoundaryType {
  // below three levels only scalars, which keeps the largest request far under a million values
  const k = depth > 3 ? d.int(0, 2) : d.int(0, 9);
  if (k === 0) return { kind: "bool" };
  if (k === 1) return { kind: "int" };
  if (k <= 3) return d.chance(0.2) ? { kind: "string", max: 256, implicit: true } : { kind: "string", max: d.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 256]) };
  if (k <= 5) {
    const max = d.chance(0.15) ? 64 : d.int(0, 3);
    return { kind: "list", element: drawType(d, depth + 1), max, implicit: max === 64 && d.chance(0.5) };
  }
  if (k <= 7) {
    const keyMax = d.chance(0.2) ? 256 : d.pick([0, 1, 2, 3, 4, 8]);
    const max = d.chance(0.15) ? 64 : d.int(0, 3);
    return { kind: "map", value: drawType(d, depth + 1), max, keyMax, implicit: max === 64 && d.chance(0.5), implicitKey: keyMax === 256 && d.chance(0.5) };
  }
  return drawRecord(d, depth + 1, false);
}

/** The type in Writ, each bound written unless it was drawn as left to its default. */
export function boundaryTypeToWrit(t: BoundaryType): string {
  switch (t.kind) {
    case "bool":
    case "int":
      return t.kind;
    case "string":
      return t.implicit ? "string" : `string(${t.max})`;
    case "list":
      return `list<${boundaryTypeToWrit(t.element)}>${t.implicit ? "" : `(${t.max})`}`;
    case "map":
      return `map<${t.implicitKey ? "string" : `string(${t.keyMax})`}, ${boundaryTypeToWrit(t.value)}>${t.implicit ? "" : `(${t.max})`}`;
    case "record":
      return `{ ${t.fields.map((f) => `${f.name}${f.optional ? "?" : ""}: ${boundaryTypeToWrit(f.type)}`).join(", ")} }`;
  }
}

/** The schema as the manifest states it (the drawing's own flags left out). */
export function manifestSchemaOf(t: BoundaryType): unknown {
  switch (t.kind) {
    case "bool":
    case "int":
      return { kind: t.kind };
    case "string":
      return { kind: "string", max: t.max };
    case "list":
      return { kind: "list", element: manifestSchemaOf(t.element), max: t.max };
    case "map":
      return { kind: "map", value: manifestSchemaOf(t.value), max: t.max, keyMax: t.keyMax };
    case "record":
      return { kind: "record", fields: t.fields.map((f) => ({ name: f.name, optional: f.optional, type: manifestSchemaOf(f.type) })) };
  }
}

// ---- values ----

const CHARS = ["a", "é", "€", "😀"]; // 1, 2, 3 and 4 bytes of UTF-8
const BYTES = [1, 2, 3, 4];

/** A well-formed string of exactly `n` UTF-8 bytes, mixing characters of one to four bytes. */
export function stringOfBytes(d: Draw, n: number): string {
  let s = "";
  for (let left = n; left > 0; ) {
    const i = d.int(0, Math.min(left, 4) - 1);
    s += CHARS[i];
    left -= BYTES[i]!;
  }
  return s;
}

/** Sets an own, enumerable member (an own `__proto__` too, which assignment would not make). */
function define(o: object, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** A valid value of `t`; `full` fills every bound and gives every optional field. */
export function boundaryValue(d: Draw, t: BoundaryType, full: boolean): unknown {
  switch (t.kind) {
    case "bool":
      return d.chance(0.5);
    case "int":
      return d.pick<unknown>([0, 1, -1, 42, -0, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2n ** 63n - 1n, -(2n ** 63n), 7n, 2n ** 53n]);
    case "string":
      return stringOfBytes(d, full ? t.max : d.int(0, t.max));
    case "list":
      return Array.from({ length: full ? t.max : d.int(0, Math.min(t.max, 3)) }, () => boundaryValue(d, t.element, full));
    case "map": {
      const n = full ? t.max : d.int(0, Math.min(t.max, 3));
      const o: Record<string, unknown> = {};
      for (let tries = 0; Object.keys(o).length < n && tries < 50; tries++) define(o, stringOfBytes(d, d.int(0, t.keyMax)), boundaryValue(d, t.value, full));
      return o;
    }
    case "record": {
      const o = {};
      for (const f of t.fields) if (!f.optional || full || d.chance(0.5)) define(o, f.name, boundaryValue(d, f.type, full));
      return o;
    }
  }
}

/** A place in a request: the value there, its type, and where it is held (none for the request). */
interface Place {
  readonly type: BoundaryType;
  readonly value: unknown;
  readonly holder?: { readonly obj: Record<string | number, unknown>; readonly key: string | number };
}

/** Every place of a value built by boundaryValue (mutations may have made some unreachable). */
function places(t: BoundaryType, v: unknown, holder: Place["holder"], out: Place[]): void {
  out.push({ type: t, value: v, holder });
  if (typeof v !== "object" || v === null || Object.isFrozen(v)) return;
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== (Array.isArray(v) ? Array.prototype : Object.prototype)) return;
  const obj = v as Record<string | number, unknown>;
  if (t.kind === "list" && Array.isArray(v) && v.length < 100) v.forEach((e, i) => places(t.element, e, { obj, key: i }, out));
  if (t.kind === "map" && !Array.isArray(v)) for (const k of Object.keys(v)) places(t.value, obj[k], { obj, key: k }, out);
  if (t.kind === "record" && !Array.isArray(v)) for (const f of t.fields) if (Object.hasOwn(v, f.name)) places(f.type, obj[f.name], { obj, key: f.name }, out);
}

class Instance {
  x = 1;
}
class ListSubclass<T> extends Array<T> {}

/** What a getter that throws throws. */
export class RefereeGetterError extends Error {}

/** An array of the greatest length, all holes: more elements than a request may hold. */
function hugeSparseArray(): unknown[] {
  const a: unknown[] = [];
  a.length = 2 ** 32 - 1;
  return a;
}

/**
 * An object whose member `key` throws when read. Frozen, as is any value holding such a getter, so
 * that later mutations do not descend into it (reading it would throw in the generator).
 */
function throwingMember(key: string, base: object = {}): object {
  const o = { ...base };
  Object.defineProperty(o, key, {
    enumerable: true,
    configurable: true,
    get() {
      throw new RefereeGetterError(`getter of ${key}`);
    },
  });
  return Object.freeze(o);
}

/** Values of no schema type, or of some type at its edge. */
function anyOddValue(d: Draw): unknown {
  return d.pick<() => unknown>([
    () => null,
    () => undefined,
    () => true,
    () => 0,
    () => "x",
    () => 1.5,
    () => Number.NaN,
    () => Number.POSITIVE_INFINITY,
    () => 2 ** 53,
    () => -(2 ** 53),
    () => 2n ** 63n,
    () => -(2n ** 63n) - 1n,
    () => [],
    () => ({}),
    () => Object.create(null),
    () => new Date(0),
    () => new Map(),
    () => new Set(),
    () => new Uint8Array(2),
    () => new Instance(),
    () => Symbol("s"),
    () => () => 1,
    () => new Number(1),
    () => new String("a"),
    () => /re/,
    () => Object.create({ a: 1 }),
    () => Object.setPrototypeOf([], Object.prototype),
    () => hugeSparseArray(),
    () => throwingMember("k"),
    () => throwingMember("a-b"),
    () => Object.freeze([throwingMember("k")]),
  ])();
}

function oddInt(d: Draw): unknown {
  return d.pick<unknown>([
    2 ** 53 - 1, 2 ** 53, -(2 ** 53) + 1, -(2 ** 53), 2 ** 53 + 2, -0, 0.5, 1.5, -1.5, Number.NaN, Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY, 2n ** 63n - 1n, 2n ** 63n, -(2n ** 63n), -(2n ** 63n) - 1n, 2n ** 64n, 0n, Number.MIN_VALUE, 1e300,
    "1", true, new Number(3), Object(5n), 2n ** 53n + 1n, 2 ** 63, -(2 ** 63), 4294967296, -2147483649,
  ]);
}

function oddBool(d: Draw): unknown {
  return d.pick<unknown>([true, false, 0, 1, "true", new Boolean(true), null]);
}

function oddString(d: Draw, max: number): unknown {
  return d.pick<() => unknown>([
    () => stringOfBytes(d, max),
    () => stringOfBytes(d, max + 1),
    () => "a".repeat(max) + "é",
    () => "€".repeat(Math.ceil((max + 1) / 3)),
    () => "😀".repeat(Math.floor(max / 4)),
    () => "😀".repeat(Math.floor(max / 4) + 1),
    () => "\ud800",
    () => "a\udc00",
    () => "\udc00\ud800",
    () => "😀".slice(0, 1),
    () => `${"a".repeat(max)}\ud800`,
    () => "\u0000".repeat(max),
    () => "\u0000".repeat(max + 1),
    () => "",
    () => new String("a"),
    () => 1,
  ])();
}

function oddList(d: Draw, t: Extract<BoundaryType, { kind: "list" }>, v: unknown): unknown {
  const base: unknown[] = Array.isArray(v) && v.length < 100 ? Array.from(v) : [];
  const element = (): unknown => boundaryValue(d, t.element, false);
  return d.pick<() => unknown>([
    () => Array.from({ length: t.max + 1 }, element),
    () => Array.from({ length: t.max }, element),
    () => Object.assign([...base], { length: base.length + 1 }), // a hole at the end
    () => (base.length ? [...base.slice(0, 1), undefined, ...base.slice(2)] : [undefined]),
    () => {
      const a = [...base, element()];
      delete a[0]; // a hole at the start
      return a;
    },
    () => Object.assign([...base], { extra: 1 }), // only elements count
    () => Object.freeze([...base]),
    () => ListSubclass.from(base),
    () => Object.setPrototypeOf([...base], null),
    () => Object.setPrototypeOf([...base], Object.prototype),
    () => new Proxy([...base], {}),
    () => Object.assign({ length: base.length }, base), // an array-like is not a list
    () => new Set(base),
    () => hugeSparseArray(),
    () => Object.assign([...base], { [Symbol("s")]: 1 }),
    () => {
      // an element behind a getter that answers the same on every read
      const a = base.length ? [...base] : [element()];
      const x = a[0];
      Object.defineProperty(a, "0", { get: () => x, enumerable: true, configurable: true });
      return a;
    },
    () => Object.freeze([...base, throwingMember("k")]),
    () => {
      const a = base.length ? [...base] : [element()];
      Object.defineProperty(a, "0", {
        enumerable: true,
        configurable: true,
        get() {
          throw new RefereeGetterError("getter of [0]");
        },
      });
      return Object.freeze(a);
    },
    () => [null],
    () => {
      const a: unknown[] = [];
      a.length = t.max + 1; // all holes, over the bound
      return a;
    },
  ])();
}

/** A key the request chose, beyond the 64 code units a path quotes of it. */
function longKey(d: Draw): string {
  return d.pick([
    `${"f".repeat(70)}ééé`,
    `${"a".repeat(62)}😀b`, // a pair at the 63rd and 64th: cut before it
    `${"a".repeat(62)}\ud800bb`, // a lone high surrogate at the 63rd: cut before it
    `${"a".repeat(63)}😀b`, // the pair starts at the 64th: the 63rd is kept
    `${"b".repeat(64)}`, // exactly 64: not cut
    `${"b".repeat(65)}`,
  ]);
}

function oddMap(d: Draw, t: Extract<BoundaryType, { kind: "map" }>, v: unknown): unknown {
  const base = typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  const value = (): unknown => boundaryValue(d, t.value, false);
  const copy = (): Record<string, unknown> => {
    const o = {};
    for (const k of Object.keys(base)) define(o, k, base[k]);
    return o;
  };
  return d.pick<() => unknown>([
    () => {
      const o = {};
      for (let i = 0; i <= t.max; i++) define(o, String(i).slice(0, Math.max(1, t.keyMax)), value());
      return o;
    },
    () => ({ [stringOfBytes(d, t.keyMax)]: value() }),
    () => ({ [stringOfBytes(d, t.keyMax + 1)]: value() }),
    () => ({ "\ud800": value() }),
    () => ({ [stringOfBytes(d, t.keyMax + 1)]: oddValue(d, t.value, undefined) }), // the key first
    () => ({ [longKey(d)]: d.chance(0.5) ? value() : oddValue(d, t.value, undefined) }),
    () => JSON.parse(`{"__proto__": 1}`) as unknown,
    () => Object.assign(Object.create(null) as object, base),
    () => new Map(Object.entries(base)),
    () => Object.assign(copy(), { und: undefined }), // a member set to undefined is no member
    () => Object.assign(copy(), { [Symbol("s")]: 1 }),
    () => [value()],
    () => Object.setPrototypeOf(copy(), Array.prototype),
    () => Object.assign(copy(), { k: null }),
    () => {
      const o = {};
      for (let i = 0; i < t.max; i++) define(o, String(i).slice(0, Math.max(0, t.keyMax)) || "", value());
      return Object.assign(o, { extra: undefined });
    },
    () => Object.freeze(copy()),
    () => {
      const o = copy();
      Object.defineProperty(o, "hid", { value: value(), enumerable: false });
      return o;
    },
    () => ({ ["constructor".slice(0, t.keyMax)]: value() }),
    () => new Proxy(copy(), {}),
    () => throwingMember(d.pick(["k", "__proto__", longKey(d)]), base),
    () => hugeSparseArray(),
    () => ({ "7": value(), "1": value(), "b": value() }),
  ])();
}

function oddRecord(d: Draw, t: BoundaryRecord, v: unknown): unknown {
  const base = typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  const copy = (): Record<string, unknown> => {
    const o = {};
    for (const k of Object.keys(base)) define(o, k, base[k]);
    return o;
  };
  const someField = (): string => (t.fields.length ? d.pick(t.fields).name : "q");
  const withMember = (k: string, x: unknown): Record<string, unknown> => {
    const o = copy();
    define(o, k, x);
    return o;
  };
  return d.pick<() => unknown>([
    () => withMember("zzz_unknown", 1),
    () => withMember("zzz_unknown", undefined),
    () => withMember(d.pick(["__proto__", "constructor", "prototype", "toString", "a-b", "r.x", "", "07"]), 1),
    () => {
      const o = copy();
      delete o[someField()];
      return o;
    },
    () => withMember(someField(), undefined),
    () => withMember(someField(), null),
    () => Object.assign(Object.create(null) as object, copy()),
    () => Object.freeze(copy()),
    () => {
      const o = new Instance() as unknown as Record<string, unknown>;
      delete o.x;
      for (const k of Object.keys(base)) define(o, k, base[k]);
      return o;
    },
    () => new Proxy(copy(), {}),
    () => Object.assign(copy(), { [Symbol("sym")]: 1 }),
    () => {
      // a field that is not enumerable is not part of the request
      const o = copy();
      const f = someField();
      if (Object.hasOwn(o, f)) Object.defineProperty(o, f, { value: o[f], enumerable: false, configurable: true });
      return o;
    },
    () => {
      // a field behind a getter that answers the same on every read
      const o = copy();
      const f = someField();
      const x = o[f];
      if (Object.hasOwn(o, f)) Object.defineProperty(o, f, { get: () => x, enumerable: true, configurable: true });
      return o;
    },
    () => throwingMember(someField(), base),
    () => throwingMember(d.pick(["zzz_unknown", "a-b", longKey(d)]), base),
    () => Object.freeze(withMember("zzz_unknown", throwingMember(d.pick(["k", "a-b", longKey(d)])))),
    () => [copy()],
    () => Object.setPrototypeOf(copy(), Array.prototype),
    () => withMember(longKey(d), 1),
    () => Object.assign(copy(), { "7": 1, zz: 2, "1": 3 }), // index keys first, ascending
    () => Object.setPrototypeOf(copy(), {}),
    () => Object.setPrototypeOf(copy(), Object.create(null) as object),
    () => withMember("zzz_unknown", hugeSparseArray()),
    () => twoUnreadable(d, t, base),
  ])();
}

/**
 * A record whose two fields cannot be read — both getters that throw, or both arrays too long to
 * read — given in the reverse of the schema's order: the one the request gives first is reported.
 */
function twoUnreadable(d: Draw, t: BoundaryRecord, base: Record<string, unknown>): unknown {
  if (t.fields.length < 2) return throwingMember("zzz_unknown", base);
  const i = d.int(0, t.fields.length - 2);
  const j = d.int(i + 1, t.fields.length - 1);
  const [first, second] = [t.fields[j]!.name, t.fields[i]!.name];
  const o = {};
  const getters = d.chance(0.5);
  for (const k of [first, second]) {
    if (!getters) define(o, k, hugeSparseArray());
    else
      Object.defineProperty(o, k, {
        enumerable: true,
        configurable: true,
        get() {
          throw new RefereeGetterError(`getter of ${k}`);
        },
      });
  }
  for (const k of Object.keys(base)) if (k !== first && k !== second) define(o, k, base[k]);
  return Object.freeze(o);
}

/** A value at a place of type `t` that may be invalid there (`v` is the valid value it replaces). */
function oddValue(d: Draw, t: BoundaryType, v: unknown): unknown {
  if (d.chance(0.1)) return anyOddValue(d);
  switch (t.kind) {
    case "int":
      return oddInt(d);
    case "bool":
      return oddBool(d);
    case "string":
      return oddString(d, t.max);
    case "list":
      return oddList(d, t, v);
    case "map":
      return oddMap(d, t, v);
    case "record":
      return oddRecord(d, t, v);
  }
}

/** A valid request, then none, one or two mutations at places drawn in it. */
export function drawBoundaryRequest(d: Draw, schema: BoundaryRecord): unknown {
  let request = boundaryValue(d, schema, d.chance(0.3));
  const mutations = d.pick([0, 1, 1, 1, 2]);
  for (let m = 0; m < mutations; m++) {
    const all: Place[] = [];
    places(schema, request, undefined, all);
    const place = d.pick(all);
    let odd: unknown;
    try {
      odd = oddValue(d, place.type, place.value);
    } catch (e) {
      // the value there holds a getter that throws (frozen, but a copy of it reads it): keep it
      if (e instanceof RefereeGetterError) continue;
      throw e;
    }
    // defined rather than assigned: the member there may be a getter
    if (place.holder === undefined) request = odd;
    else define(place.holder.obj, String(place.holder.key), odd);
  }
  return request;
}
