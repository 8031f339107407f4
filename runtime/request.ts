// Request validation: the gate every request passes before either backend sees it. A request that
// does not match the schema is denied with a reason naming the field; nothing here throws.
//
// What is accepted (docs/language.md, "Requests"):
//   record  a plain object (prototype Object.prototype or null) with every required field, no
//           unknown field; optional fields may be absent (undefined). null is not absent: it is refused.
//   int     a safe-integer number (|n| <= 2^53 - 1; -0 is 0) or a BigInt in int64 range
//   bool    true / false
//   string  well-formed Unicode (no lone surrogates), at most `max` UTF-8 bytes
//   list    an array of at most `max` elements
//   map     a plain object of at most `max` entries, keys well-formed and at most `keyMax` bytes
//
// The checker is built once per schema as a tree of closures (no per-request allocation unless the
// request is bad), so it can sit on the hot path of the WASM backend.

import type { RequestError } from "./decision.js";
import { INT64_MAX, INT64_MIN, type RecordField, type RecordType, type SchemaType } from "./schema.js";
import { isWellFormed, longStringProblem, sortByCodePoint, utf8Length } from "./strings.js";
import type { MapValue, RecordValue, Value } from "./values.js";
import { generateRequestCheck } from "./request-codegen.js";
import { describeThrown, isInstance, MAX_SHOWN_KEY, quotedKey, shownBareKey, shownBigInt } from "./thrown.js";
import { ownElement } from "./own.js";

/**
 * A failure on the way up: the path is assembled only when something is wrong. Segments are pushed
 * innermost first, each as it is joined: `.name` for a field (or an unknown key, whatever characters
 * it holds, cut and escaped: shownBareKey), `[3]` for a list index, `["k"]` for a map key.
 */
interface Failure {
  segments: string[];
  message: string;
}

type Check = (value: unknown) => Failure | undefined;

export type RequestCheck = (request: unknown) => RequestError | undefined;

const fail = (message: string): Failure => ({ segments: [], message });

/** How a value is named in messages. */
export function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "number") {
    if (Number.isNaN(v)) return "NaN";
    if (!Number.isFinite(v)) return v > 0 ? "Infinity" : "-Infinity";
    if (!Number.isInteger(v)) return `the non-integer number ${v}`;
    return `the number ${v}`;
  }
  if (typeof v === "object") return "an object";
  if (v === undefined) return "undefined (a hole, or no value)";
  return `a ${typeof v}`;
}

/** Names that plain objects inherit; reading them needs an own-property check. */
export const INHERITED = new Set(Object.getOwnPropertyNames(Object.prototype));

// Every reader of requests (this validator, the encoders, the fast path, the interpreter) reads a
// field as `obj[name]`. An enumerable property planted on Object.prototype or Array.prototype — the
// usual prototype-pollution bug, e.g. a deep merge fed `{"__proto__": {"isAdmin": true}}` — would make
// a missing field read as present, with the planted value. While one exists, every request is
// refused, with its name. A non-enumerable one is not seen here, but it never stands in for a missing
// field either: the general path reads a snapshot of own properties (snapshotRequest), and the
// generated readers, whose key count then falls short, hand the request to that path.
const PROBE: readonly unknown[] = Object.freeze([]);

/** The name of an enumerable property that arrays and plain objects inherit, if any. */
export function pollutedPrototypeKey(): string | undefined {
  for (const k in PROBE) return k;
  return undefined;
}

/** The refusal of every request while the prototypes are polluted. */
export function pollutionError(key: string): RequestError {
  return {
    rule: null,
    code: "invalid_request",
    message: `Object.prototype or Array.prototype carries the enumerable property \`${shownBareKey(key)}\` (prototype pollution): a missing field would read as that value, so no request is read`,
    path: "",
  };
}

/** A map key as a path segment: `["key"]`, cut and escaped as `quotedKey` does. */
export function keySegment(key: string): string {
  return `[${quotedKey(key)}]`;
}

export function ownValue(obj: object, key: string): unknown {
  if (INHERITED.has(key)) return Object.getOwnPropertyDescriptor(obj, key)?.value;
  return (obj as Record<string, unknown>)[key];
}

export function isPlainObject(v: unknown): v is object {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function checkerFor(t: SchemaType): Check {
  switch (t.kind) {
    case "bool":
      return (v) => (typeof v === "boolean" ? undefined : fail(`expected bool, got ${describe(v)}`));
    case "int":
      return (v) => {
        const m = intProblem(v);
        return m === undefined ? undefined : fail(m);
      };
    case "string": {
      const max = t.max;
      return (v) => (typeof v === "string" ? checkString(v, max) : fail(`expected string, got ${describe(v)}`));
    }
    case "list": {
      const element = checkerFor(t.element);
      const max = t.max;
      return (v) => {
        if (!Array.isArray(v)) return fail(`expected list, got ${describe(v)}`);
        if (v.length > max) return fail(`list has ${v.length} elements, more than the ${max} allowed`);
        for (let i = 0; i < v.length; i++) {
          // a hole is undefined, never what a prototype holds at its index (own.ts)
          const f = element(ownElement(v, i));
          if (f) {
            f.segments.push(`[${i}]`);
            return f;
          }
        }
        return undefined;
      };
    }
    case "map": {
      const value = checkerFor(t.value);
      const { max, keyMax } = t;
      return (v) => {
        if (!isPlainObject(v)) return fail(`expected map, got ${describe(v)}`);
        const keys = Object.keys(v);
        if (keys.length > max) return fail(`map has ${keys.length} entries, more than the ${max} allowed`);
        for (const k of keys) {
          const kf = checkString(k, keyMax);
          if (kf) {
            kf.message = `key: ${kf.message}`;
            kf.segments.push(keySegment(k));
            return kf;
          }
          const f = value(ownValue(v, k));
          if (f) {
            f.segments.push(keySegment(k));
            return f;
          }
        }
        return undefined;
      };
    }
    case "record":
      return recordChecker(t);
  }
}

/**
 * The validator's check of one value of type `t`, for a reader that takes a value without validating
 * the request (the encoder, of a value it does not write): what is wrong with it, in the validator's
 * words, and where below it (segments innermost first), or undefined when it is valid.
 */
export function compileValueCheck(t: SchemaType): (value: unknown) => { readonly message: string; readonly segments: readonly string[] } | undefined {
  return checkerFor(t);
}

function checkString(s: string, max: number): Failure | undefined {
  const m = stringProblem(s, max);
  return m === undefined ? undefined : fail(m);
}

/** Why `v` is not an int, or undefined when it is one. */
export function intProblem(v: unknown): string | undefined {
  if (typeof v === "number") {
    if (Number.isSafeInteger(v)) return undefined;
    if (Number.isInteger(v)) return `integer ${v} is beyond 2^53 and may have lost precision: send it as a BigInt`;
    return `expected int, got ${describe(v)}`;
  }
  if (typeof v === "bigint") return v >= INT64_MIN && v <= INT64_MAX ? undefined : `integer ${shownBigInt(v)} is outside the int64 range`;
  return `expected int, got ${describe(v)}`;
}

/** Why the string `s` is not a valid string of at most `max` UTF-8 bytes, or undefined. */
export function stringProblem(s: string, max: number): string | undefined {
  // a long string over its bound is refused by its length, unread (longStringProblem)
  const long = longStringProblem(s, max);
  if (long !== undefined) return long;
  if (!isWellFormed(s)) return "string is not well-formed Unicode (lone surrogate)";
  // fast path: every UTF-16 unit is at most 3 UTF-8 bytes
  if (s.length * 3 <= max) return undefined;
  const bytes = utf8Length(s);
  return bytes <= max ? undefined : `string is ${bytes} bytes long, more than the ${max} allowed`;
}

function recordChecker(t: RecordType): Check {
  const names = t.fields.map((f) => f.name);
  const optional = t.fields.map((f) => f.optional);
  const checks = t.fields.map((f) => checkerFor(f.type));
  const inherited = names.map((n) => INHERITED.has(n));
  const known = new Set(names);
  const n = names.length;
  return (v) => {
    if (!isPlainObject(v)) return fail(`expected a record, got ${describe(v)}`);
    for (let i = 0; i < n; i++) {
      const name = names[i]!;
      const x = inherited[i] ? ownValue(v, name) : (v as Record<string, unknown>)[name];
      if (x === undefined) {
        if (optional[i]) continue;
        const f = fail("missing required field");
        f.segments.push(`.${name}`);
        return f;
      }
      const f = checks[i]!(x);
      if (f) {
        f.segments.push(`.${name}`);
        return f;
      }
    }
    // Unknown fields are refused: a misspelt optional field must not silently read as absent. Each
    // key is looked up by name (a count of keys would let a field that is not enumerable and an
    // unknown key cancel out on a host's object).
    for (const k in v) {
      if (!known.has(k)) {
        const shown = shownBareKey(k);
        const f = fail(`unknown field \`${shown}\``);
        f.segments.push(`.${shown}`);
        return f;
      }
    }
    return undefined;
  };
}

/** The path that `segments` (innermost first) spell, as requests' errors name it. */
export function pathOf(segments: readonly string[]): string {
  let path = "";
  for (let i = segments.length - 1; i >= 0; i--) path += segments[i]!;
  // a path that starts with a field starts with its name
  return path.startsWith(".") ? path.slice(1) : path;
}

/**
 * Builds the validator for a schema once; call the result on every request. It is generated code
 * where the host allows `new Function` (request-codegen.ts, several times faster) and the portable
 * closure tree otherwise; both give the same answers.
 */
export function compileRequestCheck(schema: RecordType): RequestCheck {
  const generated = generateRequestCheck(schema);
  return generated === undefined ? compilePortableRequestCheck(schema) : refusingPollution(generated);
}

/** Wraps a validator with the prototype-pollution refusal (both validators go through it). */
function refusingPollution(check: RequestCheck): RequestCheck {
  return (request) => {
    const key = pollutedPrototypeKey();
    return key === undefined ? check(request) : pollutionError(key);
  };
}

/** The closure-tree validator: the reference the generated one is tested against. */
export function compilePortableRequestCheck(schema: RecordType): RequestCheck {
  const check = recordChecker(schema);
  return refusingPollution((request) => {
    let f: Failure | undefined;
    try {
      f = check(request);
    } catch (e) {
      // getters or proxies in a host-built object may throw: still a deny, never an exception
      return unreadableRequestError(e);
    }
    if (!f) return undefined;
    const path = pathOf(f.segments);
    return { rule: null, code: "invalid_request", message: path ? `${path}: ${f.message}` : f.message, path };
  });
}

/**
 * The denial of a request that threw while being read (a getter, a Proxy trap, too many values), where
 * it threw: the path spelled along `schema` (schemaPath), as the validator would spell it there.
 */
export function unreadableRequestError(e: unknown, schema?: RecordType): RequestError {
  const { path, cause } = whereUnreadable(e, schema);
  return { rule: null, code: "invalid_request", message: `request could not be read${path ? ` at ${path}` : ""}: ${describeThrown(cause)}`, path };
}

/**
 * A key where no schema says whether it is a field or a map's key: `.name` for an identifier of at
 * most MAX_SHOWN_KEY characters, `["…"]` otherwise, as trust/jcs.ts writes the path of any JSON value.
 */
function genericKeySegment(k: string): string {
  return k.length <= MAX_SHOWN_KEY && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? `.${k}` : keySegment(k);
}

/** One step down a request: a member's key, or a list element's index. */
export type PathStep = string | number;

/**
 * What a snapshot throws when reading a member throws (a getter, a Proxy trap): what was thrown and
 * the keys and indexes down to where, innermost first, gathered as the error passes back through
 * each level of the walk. The snapshot knows no schema, so they are spelled as a path only once a
 * caller that has one reports them (whereUnreadable).
 */
class UnreadableMember {
  readonly steps: PathStep[] = [];
  constructor(readonly cause: unknown) {}
}

/** The path (as the validator writes paths, along `schema`: schemaPath) and the original error of a snapshot's failure. */
export function whereUnreadable(e: unknown, schema?: RecordType): { path: string; cause: unknown } {
  return isInstance(e, UnreadableMember) ? { path: schemaPath(e.steps.toReversed(), schema).path, cause: e.cause } : { path: "", cause: e };
}

/** `e` (from reading the member `step` or what lies below it) with `step` on its path. */
function below(e: unknown, step: PathStep): UnreadableMember {
  const unreadable = isInstance(e, UnreadableMember) ? e : new UnreadableMember(e);
  unreadable.steps.push(step);
  return unreadable;
}

/**
 * The path to the value reached by `steps` (outermost first) and its type in `schema`, spelled as the
 * validator spells paths, whatever the keys look like: a field of a record is `.name` (the schema's
 * name, whole), a key of a map `["key"]`, an unknown key of a record `.key`, an index `[i]`; keys the
 * request chose are cut and escaped as shownBareKey and quotedKey do. Where the schema says nothing of a key (no schema is
 * given, or the key lies under an unknown key or in a value of another type), it is spelled as
 * trust/jcs.ts spells the paths of any JSON value (genericKeySegment), and the type is undefined.
 */
export function schemaPath(steps: readonly PathStep[], schema?: RecordType): { path: string; type: SchemaType | undefined } {
  try {
    return spelledAlong(steps, schema);
  } catch {
    // a host's policy object may hand over a schema that throws when read (a getter, a Proxy)
    return spelledAlong(steps, undefined);
  }
}

function spelledAlong(steps: readonly PathStep[], schema: RecordType | undefined): { path: string; type: SchemaType | undefined } {
  let t: SchemaType | undefined = schema;
  let path = "";
  for (const step of steps) {
    if (typeof step === "number") {
      path += `[${step}]`;
      t = t?.kind === "list" ? t.element : undefined;
    } else if (t?.kind === "map") {
      path += keySegment(step);
      t = t.value;
    } else if (t?.kind === "record") {
      const field: RecordField | undefined = t.fields.find((f) => f.name === step);
      path += `.${field === undefined ? shownBareKey(step) : field.name}`;
      t = field?.type;
    } else path += genericKeySegment(step);
  }
  // a path that starts with a field starts with its name (as pathOf writes it)
  return { path: path.startsWith(".") ? path.slice(1) : path, type: t };
}

/**
 * `request` read once (snapshotRequest) and validated: the snapshot to decide, or the error to deny
 * with. What the general path of every backend starts with. Never throws. With the `schema` `check`
 * was built from, a request too large to copy because of a list or map longer than its bound is
 * refused for it, as the validator would refuse it (overLongCollection).
 */
export function readValidRequest(request: unknown, check: RequestCheck, schema?: RecordType): { ok: true; data: unknown } | { ok: false; error: RequestError } {
  let data: unknown;
  try {
    data = snapshotRequest(request);
  } catch (e) {
    return { ok: false, error: (schema && overLongCollection(e, schema)) ?? unreadableRequestError(e, schema) };
  }
  const invalid = check(data);
  return invalid ? { ok: false, error: invalid } : { ok: true, data };
}

/**
 * The validator a host calls (`compileRequestCheck` of the package): the request read as every
 * deciding path reads it — snapshotted first, so that a member whose value is undefined is no member
 * (an unknown key or a map entry so set is not there) — then checked. Undefined when valid.
 */
export function compileHostRequestCheck(schema: RecordType): RequestCheck {
  const check = compileRequestCheck(schema);
  return (request) => {
    const read = readValidRequest(request, check, schema);
    return read.ok ? undefined : read.error;
  };
}

/**
 * Most values a snapshot copies: at least the largest request any schema accepts (the compiler
 * refuses a schema whose largest request holds more, W0505: largestRequestValues), far below a hang.
 */
export const MAX_SNAPSHOT_VALUES = 1_000_000;
/** Deepest nesting a snapshot copies; below it values are kept as they are (and refused). */
const MAX_SNAPSHOT_DEPTH = 256;

/**
 * The request as data, read once. Every own enumerable property of a plain object (into an object
 * without a prototype) and every element of an array (into an array without holes, a hole copied as
 * undefined) is read exactly once into a fresh copy, so that a getter or a Proxy cannot show the
 * validator one value and the encoder, the interpreter or the digest another: whoever reads the copy
 * reads the same request. As in JSON, properties that are not enumerable are not part of it, nor
 * are members whose value is undefined.
 * Anything else — a class instance, a Date, a typed array — is kept as it is: the validator and the
 * canonical writer refuse it whatever it holds. Throws a RangeError for a request of more than
 * MAX_SNAPSHOT_VALUES values (shared references are copied each time they are met, so a few
 * kilobytes of doubly-linked objects would otherwise take forever), and whatever a read throws;
 * callers catch both and deny.
 */
export function snapshotRequest(request: unknown): unknown {
  return snapshotValue(request, 0, newSnapshotBudget());
}

/**
 * What one request's snapshot may still copy. A value, not a global: a getter may call back into
 * Writ (decide the same or another request) in the middle of a snapshot, and the nested snapshot
 * must neither refill nor spend the outer one's budget.
 */
export interface SnapshotBudget {
  left: number;
}

export function newSnapshotBudget(): SnapshotBudget {
  return { left: MAX_SNAPSHOT_VALUES };
}

/**
 * snapshotRequest of one part of a request, charged to `budget`: the canonical reader
 * (trust/jcs-codegen.ts) copies each map it meets this way, so that many maps of one request share
 * one budget rather than getting a million values each.
 */
export function snapshotPart(v: unknown, budget: SnapshotBudget): unknown {
  return snapshotValue(v, 0, budget);
}

/**
 * The request as a whole is too large to copy: said of the request, not of the member it was met in,
 * unless it stopped at a list or map longer than its schema bound (overLongCollection). `members` is
 * the length of the array, or the number of keys of the object, it stopped at, if it stopped at one
 * before copying it; `steps` the keys and indexes down to it, innermost first, gathered only on the
 * way out.
 */
class SnapshotTooLarge extends RangeError {
  readonly steps: PathStep[] = [];
  constructor(
    readonly members?: number,
    readonly stoppedAt?: "list" | "object",
  ) {
    super(`the request holds more than ${MAX_SNAPSHOT_VALUES} values`);
  }
}

function overBudget(members?: number, stoppedAt?: "list" | "object"): RangeError {
  return new SnapshotTooLarge(members, stoppedAt);
}

/** `e` passing out of the member `step`: a snapshot too large notes where, anything else gets its path. */
function outOf(e: unknown, step: PathStep): unknown {
  if (!isInstance(e, SnapshotTooLarge)) return below(e, step);
  e.steps.push(step);
  return e;
}

/**
 * The refusal of a request whose snapshot stopped (`e`) at a list or map of `schema` longer than its
 * bound, with the validator's path and words; undefined otherwise. Only a request that is invalid
 * somewhere runs out of values: the compiler refuses a schema whose largest request holds more than
 * MAX_SNAPSHOT_VALUES (largestRequestValues).
 */
export function overLongCollection(e: unknown, schema: RecordType): RequestError | undefined {
  if (!isInstance(e, SnapshotTooLarge) || e.members === undefined || e.stoppedAt === undefined) return undefined;
  const { path, type: t } = schemaPath(e.steps.toReversed(), schema);
  if (t === undefined) return undefined;
  const message = overLongMessage(t, e.members, e.stoppedAt);
  return message === undefined ? undefined : { rule: null, code: "invalid_request", message: path ? `${path}: ${message}` : message, path };
}

/**
 * What the validator says of a list (`stoppedAt` "list") or an object of `n` members where `t` is
 * due: its bound passed, or the kind it is not (a list where a map is due is no map of n entries).
 * Undefined for a record of that many keys, whose unknown field the snapshot never reached.
 */
function overLongMessage(t: SchemaType, n: number, stoppedAt: "list" | "object"): string | undefined {
  const given = stoppedAt === "list" ? "a list" : "an object";
  switch (t.kind) {
    case "list":
      return stoppedAt === "list" ? (n > t.max ? `list has ${n} elements, more than the ${t.max} allowed` : undefined) : `expected list, got ${given}`;
    case "map":
      return stoppedAt === "object" ? (n > t.max ? `map has ${n} entries, more than the ${t.max} allowed` : undefined) : `expected map, got ${given}`;
    case "record":
      return stoppedAt === "list" ? `expected a record, got ${given}` : undefined;
    default:
      return `expected ${t.kind}, got ${given}`;
  }
}

function snapshotValue(v: unknown, depth: number, budget: SnapshotBudget): unknown {
  if (--budget.left < 0) throw overBudget();
  if (typeof v !== "object" || v === null || depth >= MAX_SNAPSHOT_DEPTH) return v;
  if (Array.isArray(v)) {
    const n: unknown = v.length;
    // an array's length always is a count; a Proxy's `length` may be anything
    if (typeof n !== "number" || n >>> 0 !== n) throw new TypeError(`list length ${typeof n === "number" ? n : `(${describe(n)})`} is not a count of elements`);
    // A hole costs its index like a value: `new Array(2 ** 32 - 1)` (or a Proxy's `length`) is
    // otherwise a walk of four billion indexes holding nothing.
    if (n > budget.left) throw overBudget(n, "list");
    // Every index is written, a hole as `undefined` (which the validator refuses): a copy with a hole
    // would read there, as `out[i]` reads it, whatever Array.prototype or Object.prototype holds at
    // that index, and a value planted there, enumerable or not, would be validated and decided.
    // Elements are read as the fast path reads them (own.ts, ownElement), so both read one request.
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) {
      try {
        out.push(snapshotValue(ownElement(v, i), depth + 1, budget));
      } catch (e) {
        throw outOf(e, i);
      }
    }
    return out;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return v;
  // Own properties only, into an object without a prototype: whoever reads the copy by name (the
  // validator, the encoder, the interpreter, the digest) reads what the request holds and nothing a
  // polluted Object.prototype offers — even pollution that is not enumerable, or that a getter of
  // this very request plants and removes while the request is being copied.
  const out: Record<string, unknown> = Object.create(null);
  const keys = Object.keys(v);
  // each member costs at least one value: an object of more keys than are left is too large already
  if (keys.length > budget.left) throw overBudget(keys.length, "object");
  for (const k of keys) {
    let x: unknown;
    try {
      x = snapshotValue((v as Record<string, unknown>)[k], depth + 1, budget);
    } catch (e) {
      throw outOf(e, k);
    }
    // A member whose value is undefined is no member, as in JSON (JSON.stringify leaves it out):
    // `{ ticket: maybeTicket }` is the request without a ticket on every path — decide, the digest
    // authorize signs, the one a verifier recomputes. (An array's undefined element stays: refused.)
    if (x === undefined) continue;
    // an own `__proto__` (JSON.parse makes them) must stay a property (no prototype here to set)
    if (k === "__proto__") Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
    else out[k] = x;
  }
  return out;
}

/** Converts a validated request into the interpreter's values (ints as bigint, maps sorted by key). */
export function requestToValue(request: unknown, schema: RecordType): RecordValue {
  return toValue(request, schema) as RecordValue;
}

function toValue(v: unknown, t: SchemaType): Value {
  switch (t.kind) {
    case "bool":
    case "string":
      return v as boolean | string;
    case "int":
      return typeof v === "bigint" ? v : BigInt(v as number);
    case "list":
      return (v as unknown[]).map((x) => toValue(x, t.element));
    case "map": {
      const keys = Object.keys(v as object);
      sortByCodePoint(keys);
      const entries = new Map<string, Value>();
      for (const k of keys) entries.set(k, toValue(ownValue(v as object, k), t.value));
      return { kind: "map", entries } satisfies MapValue;
    }
    case "record": {
      const fields = new Map<string, Value>();
      for (const f of t.fields) {
        const x = ownValue(v as object, f.name);
        if (x !== undefined) fields.set(f.name, toValue(x, f.type));
      }
      return { kind: "record", fields } satisfies RecordValue;
    }
  }
}
