// The request contract as the documentation states it, written from docs/language.md ("Requests")
// and docs/abi.md ("The request schema (`manifest.schema`) and what makes a request valid") alone.
//
// This module is the independent statement of that contract, against which
// test/differential/schema-referee.test.ts holds `decide` (both of its paths) and the interpreter.
// Those two share one validator (runtime/request.ts), so comparing them with each other never checks
// the validator itself. Keep it independent: import nothing from runtime/ or compiler/ (not even
// types), and when the two disagree, settle it from the docs, then change the docs or the code — not
// this file to match the code.
//
// refereeVerdict(schema, request) is undefined for a valid request, or the path of the first offence
// and what kind of offence it is (the kinds are this module's own words, not the runtime's messages).
// It is the contract of `decide` and the interpreter: the 64 MiB limit on canonical JSON is not part
// of it (docs/language.md: it applies only to what signs or digests a request).

/** The manifest's schema, as docs/abi.md writes it. */
export type RefereeType =
  | { readonly kind: "bool" }
  | { readonly kind: "int" }
  | { readonly kind: "string"; readonly max: number }
  | { readonly kind: "list"; readonly element: RefereeType; readonly max: number }
  | { readonly kind: "map"; readonly value: RefereeType; readonly max: number; readonly keyMax: number }
  | RefereeRecord;

export interface RefereeRecord {
  readonly kind: "record";
  readonly fields: readonly { readonly name: string; readonly type: RefereeType; readonly optional: boolean }[];
}

/** What makes a request invalid, in the referee's words. */
export type Offence =
  | "polluted" // a prototype carries an enumerable property
  | "unreadable" // reading a member threw
  | "too-large" // more than a million values, not stopped at a list or map over its bound
  | "over-long" // the walk stopped at a list or map the schema bounds below its length
  | "wrong-type" // not a value of the schema's type (null, a class instance, an array for a record...)
  | "missing" // a required field is absent
  | "unknown" // a record holds a key that is not one of its fields
  | "hole" // a list element that is a hole or undefined
  | "unsafe-number" // a JS number that is not a safe integer
  | "int-range" // a BigInt outside int64
  | "ill-formed" // a string with a lone surrogate
  | "string-bound" // a string over its byte bound
  | "list-bound" // a list over its bound
  | "map-bound" // a map over its entry bound
  | "key-ill-formed" // a map key with a lone surrogate
  | "key-bound"; // a map key over its byte bound

export interface Verdict {
  readonly path: string;
  readonly offence: Offence;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** language.md: a request of more than a million values is refused rather than walked. */
const MAX_VALUES = 1_000_000;
/** abi.md: a key the request chose is cut beyond 64 UTF-16 code units. */
const MAX_KEY = 64;

/**
 * abi.md: a key the request chose, longer than 64 UTF-16 code units, is cut to its first 63 and `…`;
 * when the 63rd is a high surrogate (the first half of a pair, or a lone one), to its first 62.
 */
export function cutKey(key: string): string {
  if (key.length <= MAX_KEY) return key;
  const c = key.charCodeAt(MAX_KEY - 2);
  const high = c >= 0xd800 && c <= 0xdbff;
  return `${key.slice(0, high ? MAX_KEY - 2 : MAX_KEY - 1)}…`;
}

/**
 * abi.md: in a key the request chose, cut (and, for a map key, quoted), each control character
 * (U+0000–U+001F, U+007F–U+009F), zero-width character (U+200B–U+200F), line or paragraph separator,
 * bidirectional override or isolate (U+202A–U+202E, U+2066–U+2069), byte-order mark and lone
 * surrogate is written `\uXXXX`, lowercase.
 */
export function escapeKey(key: string): string {
  let out = "";
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    const high = c >= 0xd800 && c <= 0xdbff;
    const low = c >= 0xdc00 && c <= 0xdfff;
    const next = key.charCodeAt(i + 1);
    if (high && next >= 0xdc00 && next <= 0xdfff) {
      out += key[i]! + key[i + 1]!; // a pair: one character, shown as it is
      i++;
      continue;
    }
    const escaped = c <= 0x1f || (c >= 0x7f && c <= 0x9f) || (c >= 0x200b && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c === 0xfeff || high || low;
    out += escaped ? `\\u${c.toString(16).padStart(4, "0")}` : key[i]!;
  }
  return out;
}

// abi.md: a field is joined with `.` by its name in the schema, whole; an unknown key with `.` as it
// is (cut, escaped); a list index with `[i]`; a map key with `["…"]` in JSON quoting, of the cut key,
// then escaped. A path that starts with a field starts with its name.
const joinField = (parent: string, name: string): string => (parent === "" ? name : `${parent}.${name}`);
const joinUnknown = (parent: string, key: string): string => joinField(parent, escapeKey(cutKey(key)));
const joinMapKey = (parent: string, key: string): string => `${parent}[${escapeKey(JSON.stringify(cutKey(key)))}]`;
const joinIndex = (parent: string, i: number): string => `${parent}[${i}]`;
// abi.md: where the schema has no place for a key, it is spelled as any JSON value's path is: `.key`
// for an identifier of at most 64 characters, `["key"]` otherwise (cut, then quoted).
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const joinAnyKey = (parent: string, key: string): string =>
  key.length <= MAX_KEY && IDENTIFIER.test(key) ? joinField(parent, key) : joinMapKey(parent, key);

function isWellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
}

/** UTF-8 bytes of a well-formed string. */
function utf8Bytes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Thrown inside the referee only, caught by refereeVerdict. */
class Refusal {
  constructor(
    readonly path: string,
    readonly offence: Offence,
  ) {}
}

// ---- the read: language.md, "Requests" ----
//
// A request is read whole before any of it is checked: every own enumerable property of a record or
// map (a member whose value is undefined is no member) and every own element of a list, each read
// once, depth first in JavaScript's order of own keys and a list's order. What is read is kept here
// in the referee's own shapes, so that the check below sees only what the read saw.

/** An element of a list that is not an own element of the array. */
const HOLE: unique symbol = Symbol("hole");

/** An object whose prototype is Object.prototype or null, read member by member. */
class ReadObject {
  readonly members = new Map<string, unknown>();
}
/** A value for which Array.isArray holds, read element by element. */
class ReadList {
  readonly items: unknown[] = [];
}
/** Any other object or a function: refused wherever it stands, so never read. */
class Unread {}

interface ReadBudget {
  /** values read so far (a hole counts like a value, a shared object each time it is met) */
  n: number;
}

/**
 * The walk stops at an array or object with more elements or keys than are left to read. Where the
 * schema has a list or map there bounded below that many, the request is refused for it at its
 * path; where it has another kind there (an array where a map, a record or a scalar is due, an
 * object where a list or a scalar is due), for the kind it is not, at its path; otherwise as too
 * large, at "".
 */
function stopped(type: RefereeType | undefined, members: number, path: string, at: "array" | "object"): Refusal {
  if (type === undefined) return new Refusal("", "too-large");
  const due = at === "array" ? "list" : "map";
  if (type.kind === due) return type.max < members ? new Refusal(path, "over-long") : new Refusal("", "too-large");
  if (at === "object" && type.kind === "record") return new Refusal("", "too-large");
  return new Refusal(path, "wrong-type");
}

/** Reads `v`, which the schema says is of `type` (undefined where it says nothing), at `path`. */
function read(type: RefereeType | undefined, v: unknown, path: string, budget: ReadBudget): unknown {
  if (++budget.n > MAX_VALUES) throw new Refusal("", "too-large");
  if (typeof v === "function") return new Unread();
  if (typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) return readList(type, v, path, budget);
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return new Unread();
  return readObject(type, v, path, budget);
}

function readList(type: RefereeType | undefined, v: readonly unknown[], path: string, budget: ReadBudget): ReadList {
  const length = v.length;
  if (length > MAX_VALUES - budget.n) throw stopped(type, length, path, "array");
  const element = type?.kind === "list" ? type.element : undefined;
  const out = new ReadList();
  for (let i = 0; i < length; i++) {
    const at = joinIndex(path, i);
    if (!Object.prototype.hasOwnProperty.call(v, i)) {
      if (++budget.n > MAX_VALUES) throw new Refusal("", "too-large");
      out.items.push(HOLE);
      continue;
    }
    let x: unknown;
    try {
      x = v[i];
    } catch {
      throw new Refusal(at, "unreadable");
    }
    out.items.push(read(element, x, at, budget));
  }
  return out;
}

function readObject(type: RefereeType | undefined, v: object, path: string, budget: ReadBudget): ReadObject {
  const keys = Object.keys(v);
  if (keys.length > MAX_VALUES - budget.n) throw stopped(type, keys.length, path, "object");
  const out = new ReadObject();
  for (const k of keys) {
    const { at, type: below } = member(type, k, path);
    let x: unknown;
    try {
      x = (v as Record<string, unknown>)[k];
    } catch {
      throw new Refusal(at, "unreadable");
    }
    const r = read(below, x, at, budget);
    if (r !== undefined) out.members.set(k, r);
  }
  return out;
}

/** The path and type of the member `key` of a value of `type`, as the schema spells it. */
function member(type: RefereeType | undefined, key: string, path: string): { at: string; type: RefereeType | undefined } {
  if (type?.kind === "map") return { at: joinMapKey(path, key), type: type.value };
  if (type?.kind === "record") {
    const field = type.fields.find((f) => f.name === key);
    return field ? { at: joinField(path, field.name), type: field.type } : { at: joinUnknown(path, key), type: undefined };
  }
  // the schema has no place for this member (below an unknown key, or in a value of another type
  // than the schema's): only a throw while reading it can be reported here, spelled as any JSON
  // value's path is
  return { at: joinAnyKey(path, key), type: undefined };
}

// ---- the check: abi.md, "what makes a request valid" ----

function check(type: RefereeType, v: unknown, path: string): void {
  switch (type.kind) {
    case "bool":
      if (typeof v !== "boolean") throw new Refusal(path, "wrong-type");
      return;
    case "int":
      return checkInt(v, path);
    case "string":
      if (typeof v !== "string") throw new Refusal(path, "wrong-type");
      // well-formedness before the length
      if (!isWellFormed(v)) throw new Refusal(path, "ill-formed");
      if (utf8Bytes(v) > type.max) throw new Refusal(path, "string-bound");
      return;
    case "list":
      return checkList(type, v, path);
    case "map":
      return checkMap(type, v, path);
    case "record":
      return checkRecord(type, v, path);
  }
}

/** A safe-integer number (-0 is 0) or a BigInt in int64. */
function checkInt(v: unknown, path: string): void {
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v)) throw new Refusal(path, Number.isInteger(v) ? "unsafe-number" : "wrong-type");
    return;
  }
  if (typeof v === "bigint") {
    if (v < INT64_MIN || v > INT64_MAX) throw new Refusal(path, "int-range");
    return;
  }
  throw new Refusal(path, "wrong-type");
}

/** The type, then the bound, then each element in order; a hole or undefined element is refused. */
function checkList(type: Extract<RefereeType, { kind: "list" }>, v: unknown, path: string): void {
  if (!(v instanceof ReadList)) throw new Refusal(path, "wrong-type");
  if (v.items.length > type.max) throw new Refusal(path, "list-bound");
  v.items.forEach((x, i) => {
    const at = joinIndex(path, i);
    if (x === HOLE || x === undefined) throw new Refusal(at, "hole");
    check(type.element, x, at);
  });
}

/** The type, then the entry count, then each entry in key order: its key before its value. */
function checkMap(type: Extract<RefereeType, { kind: "map" }>, v: unknown, path: string): void {
  if (!(v instanceof ReadObject)) throw new Refusal(path, "wrong-type");
  if (v.members.size > type.max) throw new Refusal(path, "map-bound");
  for (const [k, x] of v.members) {
    const at = joinMapKey(path, k);
    if (!isWellFormed(k)) throw new Refusal(at, "key-ill-formed");
    if (utf8Bytes(k) > type.keyMax) throw new Refusal(at, "key-bound");
    check(type.value, x, at);
  }
}

/** Every field in the schema's order (null is not absent), then the unknown keys in key order. */
function checkRecord(type: RefereeRecord, v: unknown, path: string): void {
  if (!(v instanceof ReadObject)) throw new Refusal(path, "wrong-type");
  for (const f of type.fields) {
    const at = joinField(path, f.name);
    if (!v.members.has(f.name)) {
      if (f.optional) continue;
      throw new Refusal(at, "missing");
    }
    check(f.type, v.members.get(f.name), at);
  }
  const names = new Set(type.fields.map((f) => f.name));
  for (const k of v.members.keys()) if (!names.has(k)) throw new Refusal(joinUnknown(path, k), "unknown");
}

/** language.md: while a prototype carries an enumerable property, every request is refused, at "". */
function polluted(): boolean {
  for (const _ in {}) return true;
  for (const _ in []) return true;
  return false;
}

/** Undefined when `request` is valid under `schema`; else where and what the first offence is. */
export function refereeVerdict(schema: RefereeRecord, request: unknown): Verdict | undefined {
  if (polluted()) return { path: "", offence: "polluted" };
  try {
    check(schema, read(schema, request, "", { n: 0 }), "");
    return undefined;
  } catch (e) {
    if (e instanceof Refusal) return { path: e.path, offence: e.offence };
    throw e;
  }
}
