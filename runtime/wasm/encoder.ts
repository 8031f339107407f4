// The host-side request encoder (docs/abi.md, "Input encoding"), specialised once per loaded module
// to its InputLayout: a tree of closures built from the layout data (no eval, no new Function) that
// writes the fields the policy reads straight into the module's memory with Int32Array / Uint8Array
// stores. Ints go as two i32 halves (no BigInt on the hot path for safe integers); strings go as
// interned ids (a Map lookup, with per-request ids for strings outside the table) or as UTF-8 bytes
// (an ASCII fast path, TextEncoder.encodeInto otherwise).
//
// It is handed requests that should have passed the schema check (runtime/request.ts), but it does
// not rely on it. After the input region comes memory the module keeps between decisions (the result
// region, which rules an indexed dispatch has visited), and a list longer than its bound written
// there would change later decisions of valid requests; and a value written as another type than it
// is (the string "false" as true, 2^64 + 5 as 5) decides a request the validator refuses, an allow
// among them. So every value it writes is checked first as the validator checks it — its type, and
// a list's, map's or string's bound — and each block's end against the region's end, and it throws
// EncodingRefused (with the validator's message and path) instead of writing.

import { INHERITED, compileValueCheck, describe, intProblem, isPlainObject, keySegment, stringProblem } from "../request.js";
import type { RecordType, SchemaType } from "../schema.js";
import { isWellFormed, sortByCodePoint } from "../strings.js";
import { isInstance } from "../thrown.js";
import { ownElement, ownMember } from "../own.js";
import type { InputLayout, RecordLayout, SlotLayout, StringSlot } from "./layout.js";
import { elementStride } from "./layout.js";
import { FreshIdIndex, SCANNED_FRESH_IDS } from "./fresh-ids.js";
import { generateEncoder } from "./encoder-codegen.js";
import { boundOf, fieldType, keyBoundOf, NO_BOUND, schemaPart } from "./slot-bounds.js";

export type Encode = (request: unknown) => void;

/** Writes a value into the slot at byte address `at`. */
type SlotWriter = (value: unknown, at: number) => void;

type Obj = Record<string, unknown>;
/** Writes one field of a record whose struct starts at `base`. */
type FieldStep = (obj: object, base: number) => void;

/**
 * The steps of required fields come from this fixed set of distinct function literals: V8 keeps
 * inline-cache feedback per literal, so one literal shared by every field goes megamorphic (about
 * 10 ns per property read), while a literal that only ever reads one name from one object shape
 * stays monomorphic. Each field a layout reads takes the next literal; past the end they are reused.
 */
const FIELD_SITES: readonly ((name: string, write: SlotWriter, offset: number) => FieldStep)[] = [
  (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d), (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d),
  (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d), (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d),
  (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d), (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d),
  (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d), (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d),
  (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d), (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d),
  (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d), (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d),
  (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d), (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d),
  (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d), (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d),
  (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d), (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d),
  (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d), (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d),
  (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d), (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d),
  (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d), (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d),
  (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d), (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d),
  (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d), (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d),
  (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d), (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d),
  (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d), (k, w, d) => (o, b) => w(required((o as Obj)[k]), b + d),
];

const TWO_32 = 4294967296;

/** A required field's value, refused as the validator refuses it when the request leaves it out. */
function required(v: unknown): unknown {
  if (v === undefined) throw refusal("missing", v, 0, 0);
  return v;
}

export interface RequestEncoder {
  /** writes a validated request into the input region */
  readonly encode: Encode;
  /** bytes of the input region the last request used */
  usedBytes(): number;
}

export interface EncoderOptions {
  /** use the closure encoder even where generated code is allowed (tests compare the two) */
  readonly portable?: boolean;
}

/**
 * The id of a value in an id slot (layout.ts, StringSlot), or -1 when the validator refuses it as a
 * string of at most `max` UTF-8 bytes: its table id when it is one of the constants the slot meets,
 * else `freshId(s)`, or 0 where the slot is only compared with constants. An id stands for the
 * string, so a value refused (another type, a lone surrogate, one beyond its bound) would be compared
 * with the policy's constants as if valid. Where every constant the slot meets is a valid string of
 * at most `max` bytes, one of them needs no check and only the other strings are measured, as the
 * decide fast path does (ingest-codegen.ts); where one is longer than the bound, every string is.
 */
export function idFunction(
  slot: StringSlot,
  strings: readonly string[],
  table: ReadonlyMap<string, number>,
  freshId: (s: string) => number,
  max: number,
): (v: unknown) => number {
  let met = table;
  if (slot.meets !== undefined) {
    const own = new Map<string, number>();
    // an id past the table (a hand-made layout) names no string, whatever Array.prototype holds there (own.ts)
    for (const id of slot.meets) {
      const s = ownElement(strings, id - 1);
      if (typeof s === "string") own.set(s, id);
    }
    met = own;
  }
  let metValid = true;
  for (const s of met.keys()) if (stringProblem(s, max) !== undefined) metValid = false;
  const other = slot.intern === "constants" ? (): number => 0 : freshId;
  return (v) => {
    if (typeof v !== "string") return -1;
    const id = met.get(v);
    if (id !== undefined && metValid) return id;
    if (stringProblem(v, max) !== undefined) return -1;
    return id ?? other(v);
  };
}

export interface MemoryWriters {
  readonly i32: Int32Array;
  /** writes [len i32][UTF-8 bytes] at `p`, padded to 4; returns the address after it */
  readonly writeStringAt: (s: string, p: number) => number;
  /**
   * writeStringAt of a value not known to be a string, or -1 (having written nothing past `end`, a
   * 4-aligned address) when it is not one, is not well-formed (a lone surrogate, which UTF-8 cannot
   * hold), has more than `max` UTF-8 bytes or does not fit before `end`
   */
  readonly writeBoundedStringAt: (s: unknown, p: number, max: number, end: number) => number;
  /** writes an int that is not an int32 (a larger safe integer or a BigInt) at byte address `at` */
  readonly writeWideInt: (v: unknown, at: number) => void;
}

/** The stores every encoder of a module's memory shares (the memory is fixed, so the views stay valid). */
export function memoryWriters(memory: WebAssembly.Memory): MemoryWriters {
  const i32 = new Int32Array(memory.buffer);
  const u8 = new Uint8Array(memory.buffer);
  const utf8 = new TextEncoder();

  /** writes the ASCII characters `s` begins with at `start`, one byte each; returns how many */
  const writeAsciiPrefix = (s: string, start: number): number => {
    const n = s.length;
    let len = 0;
    for (; len < n; len++) {
      const c = s.charCodeAt(len);
      if (c >= 0x80) break;
      u8[start + len] = c;
    }
    return len;
  };

  const writeStringAt = (s: string, p: number): number => {
    const start = p + 4;
    const n = s.length;
    let len = writeAsciiPrefix(s, start);
    if (len < n) {
      // not ASCII: encode the rest (at most 3 bytes per UTF-16 unit)
      const rest = s.slice(len);
      len += utf8.encodeInto(rest, u8.subarray(start + len, start + len + rest.length * 3)).written;
    }
    i32[p >> 2] = len;
    return start + ((len + 3) & ~3);
  };

  const writeBoundedStringAt = (s: unknown, p: number, max: number, end: number): number => {
    if (typeof s !== "string") return -1;
    const start = p + 4;
    const n = s.length;
    // a UTF-16 unit is at least one UTF-8 byte: the ASCII loop below stays within both
    if (n > max || start + n > end) return -1;
    let len = writeAsciiPrefix(s, start);
    if (len < n) {
      // not ASCII: encodeInto writes only whole characters into the room it is given, and says how
      // much of the string it read; the room ends at the bound and at the region's end. A lone
      // surrogate it would write as U+FFFD, another string than the request's: refused instead
      const rest = s.slice(len);
      if (!isWellFormed(rest)) return -1;
      const room = Math.min(rest.length * 3, max - len, end - start - len);
      const done = utf8.encodeInto(rest, u8.subarray(start + len, start + len + room));
      if (done.read < rest.length) return -1;
      len += done.written;
    }
    i32[p >> 2] = len;
    // `end` is 4-aligned, so the padding stays inside it too
    return start + ((len + 3) & ~3);
  };

  const writeWideInt = (v: unknown, at: number): void => {
    const k = at >> 2;
    if (typeof v === "number") {
      i32[k] = v % TWO_32 | 0; // low 32 bits (two's complement, via ToInt32)
      i32[k + 1] = Math.floor(v / TWO_32) | 0;
    } else {
      const b = v as bigint;
      i32[k] = Number(BigInt.asIntN(32, b));
      i32[k + 1] = Number(BigInt.asIntN(32, b >> 32n));
    }
  };

  return { i32, writeStringAt, writeBoundedStringAt, writeWideInt };
}

/**
 * Why the encoder did not write a request: a value the validator refuses (`internal` false: of
 * another type than its schema's, beyond its bound, a required field left out), or a block that would
 * end past the input region though within its bounds (`internal` true: the layout and the bounds
 * disagree). Thrown before anything is written past the region; `segments` is the path to the value,
 * innermost first, as the validator builds paths (request.ts, pathOf).
 */
export class EncodingRefused extends Error {
  readonly segments: string[] = [];
  constructor(
    readonly problem: string,
    readonly internal: boolean,
  ) {
    super(problem);
  }
}

/** `e` with `segment` on its path when it is a refusal; anything else as it is. */
function within(e: unknown, segment: string): unknown {
  if (isInstance(e, EncodingRefused)) e.segments.push(segment);
  return e;
}

/**
 * What an encoder refuses a value as: a value due as a slot of that kind (a map's `key`), the
 * `entries` of a map (the value is their count), or a required field left out (`missing`).
 */
export type RefusedKind = "bool" | "int" | "string" | "key" | "list" | "map" | "entries" | "record" | "missing";

/**
 * What the validator says of `value` where a `kind` value of bound `max` is due (request.ts, in its
 * words), or undefined when it says nothing: the value is one.
 */
function problemOf(kind: RefusedKind, value: unknown, max: number): string | undefined {
  switch (kind) {
    case "missing":
      return "missing required field";
    case "bool":
      return typeof value === "boolean" ? undefined : `expected bool, got ${describe(value)}`;
    case "int":
      return intProblem(value);
    case "string":
      return typeof value === "string" ? stringProblem(value, max) : `expected string, got ${describe(value)}`;
    case "key": {
      const problem = typeof value === "string" ? stringProblem(value, max) : `expected string, got ${describe(value)}`;
      return problem === undefined ? undefined : `key: ${problem}`;
    }
    case "list": {
      if (!Array.isArray(value)) return `expected list, got ${describe(value)}`;
      const n: unknown = value.length; // (a Proxy's)
      if (typeof n !== "number" || n >>> 0 !== n) return `list length ${typeof n === "number" ? n : describe(n)} is not a count of elements`;
      return n > max ? `list has ${n} elements, more than the ${max} allowed` : undefined;
    }
    case "map":
      return isPlainObject(value) ? undefined : `expected map, got ${describe(value)}`;
    case "entries":
      return typeof value === "number" && value > max ? `map has ${value} entries, more than the ${max} allowed` : undefined;
    case "record":
      return isPlainObject(value) ? undefined : `expected a record, got ${describe(value)}`;
  }
}

/** How the region's refusal names a block of `kind`. */
const BLOCK_NAMES: Readonly<Record<RefusedKind, string>> = {
  bool: "bool",
  int: "int",
  string: "string",
  key: "map key",
  list: "list",
  map: "map",
  entries: "map",
  record: "record",
  missing: "field",
};

/**
 * What the encoder is refusing: `value` where a `kind` value of bound `max` is due, with the
 * validator's words when the validator refuses it; a value it accepts that would still run past the
 * region (`regionBytes` long) is the layout's fault, not the request's.
 */
export function refusal(kind: RefusedKind, value: unknown, max: number, regionBytes: number): EncodingRefused {
  const problem = problemOf(kind, value, max);
  if (problem !== undefined) return new EncodingRefused(problem, false);
  return new EncodingRefused(`the encoding of this ${BLOCK_NAMES[kind]} would run past this policy's input region of ${regionBytes} bytes, though it is within its bounds`, true);
}

/**
 * The check of a value of `t` that the encoder does not write, only marks present (an optional field
 * whose presence alone the policy tests): the whole value as the validator checks it, so that a
 * value it refuses is never taken for one of its type. Undefined where the schema gives no type.
 */
export function presentValueCheck(t: SchemaType | undefined): ((value: unknown) => EncodingRefused | undefined) | undefined {
  if (t === undefined) return undefined;
  const check = compileValueCheck(t);
  return (value) => {
    const failure = check(value);
    if (failure === undefined) return undefined;
    const refused = new EncodingRefused(failure.message, false);
    refused.segments.push(...failure.segments);
    return refused;
  };
}

/**
 * The encoder for a layout and the schema it was planned from: generated straight-line code
 * (encoder-codegen.ts) where the host allows `new Function`, the closure tree below otherwise; both
 * write the same bytes, and refuse the same requests (EncodingRefused) without writing past the
 * input region (`layout.inputSize` bytes at `inputPtr`, rounded up to whole words).
 */
export function createEncoder(layout: InputLayout, schema: RecordType, memory: WebAssembly.Memory, inputPtr: number, options: EncoderOptions = {}): RequestEncoder {
  const { i32, writeBoundedStringAt, writeWideInt } = memoryWriters(memory);
  const heapStart = inputPtr + layout.root.size;
  const regionBytes = Math.ceil(layout.inputSize / 4) * 4;
  const end = inputPtr + regionBytes;
  let heap = heapStart;

  // interned strings: table ids for the constants a slot meets, then per-request ids for strings
  // outside the table (equal strings, equal ids) or 0, as the slot says (layout.ts)
  const table = new Map<string, number>();
  layout.strings.forEach((s, i) => table.set(s, i + 1));
  const firstFresh = layout.strings.length + 1;
  // the first SCANNED_FRESH_IDS fresh strings, scanned; the index numbers the rest (fresh-ids.ts)
  const scratch: string[] = [];
  let scratchCount = 0;
  const later = new FreshIdIndex();

  /** a per-request id after the table's */
  const freshId = (s: string): number => {
    for (let i = 0; i < scratchCount; i++) if (scratch[i] === s) return firstFresh + i;
    if (scratchCount === SCANNED_FRESH_IDS) return firstFresh + later.indexOf(s);
    scratch[scratchCount] = s;
    return firstFresh + scratchCount++;
  };
  const idWriter = (slot: StringSlot, max: number): ((v: unknown) => number) => idFunction(slot, layout.strings, table, freshId, max);

  /** [len i32][UTF-8 bytes], padded to 4, on the heap, within `max` bytes; returns its address */
  const writeString = (s: unknown, max: number, kind: "string" | "key"): number => {
    const p = heap;
    const next = writeBoundedStringAt(s, p, max, end);
    if (next < 0) throw refusal(kind, s, max, regionBytes);
    heap = next;
    return p;
  };

  /** reserves `bytes` on the heap for a block of `kind`, after checking that they end inside the region */
  const allocate = (bytes: number, kind: "list" | "entries" | "record", value: unknown, max: number): number => {
    const p = heap;
    if (p + bytes > end) throw refusal(kind, value, max, regionBytes);
    heap = p + bytes;
    return p;
  };

  /** an int32 as it is; anything else only when it is an int (a safe integer, a BigInt in int64), which writeWideInt writes whole */
  const writeInt = (v: unknown, at: number): void => {
    const k = at >> 2;
    if (typeof v === "number" && (v | 0) === v) {
      i32[k] = v;
      i32[k + 1] = v < 0 ? -1 : 0;
      return;
    }
    if (intProblem(v) !== undefined) throw refusal("int", v, 0, regionBytes);
    writeWideInt(v, at);
  };

  const readField = (obj: object, name: string): unknown =>
    INHERITED.has(name) ? Object.getOwnPropertyDescriptor(obj, name)?.value : (obj as Record<string, unknown>)[name];

  /** writer of a list element or map value slot (records there are pointers to a struct) */
  const elementWriter = (slot: SlotLayout, t: SchemaType | undefined): SlotWriter => {
    if (slot.kind !== "record") return fieldWriter(slot, t);
    const fill = recordWriter(slot, t);
    const size = slot.size;
    return (v, at) => {
      const p = allocate(size, "record", v, NO_BOUND);
      i32[at >> 2] = p;
      fill(v as object, p);
    };
  };

  /** writer of a record field slot (records there are inline) */
  const fieldWriter = (slot: SlotLayout, t: SchemaType | undefined): SlotWriter => {
    switch (slot.kind) {
      case "bool":
        return (v, at) => {
          if (typeof v !== "boolean") throw refusal("bool", v, 0, regionBytes);
          i32[at >> 2] = v ? 1 : 0;
        };
      case "int":
        return writeInt;
      case "string": {
        const max = boundOf(t, "string");
        if (slot.rep === "id") {
          const idOf = idWriter(slot, max);
          return (v, at) => {
            const id = idOf(v);
            if (id < 0) throw refusal("string", v, max, regionBytes);
            i32[at >> 2] = id;
          };
        }
        return (v, at) => {
          i32[at >> 2] = writeString(v, max, "string");
        };
      }
      case "list": {
        const write = elementWriter(slot.element, schemaPart(t, "list")?.element);
        const stride = elementStride(slot.element);
        const max = boundOf(t, "list");
        return (v, at) => {
          if (!Array.isArray(v)) throw refusal("list", v, max, regionBytes);
          const list = v as readonly unknown[];
          const n = list.length;
          // a length that is no count (a Proxy's) is refused like one too long
          if (n >>> 0 !== n || n > max) throw refusal("list", v, max, regionBytes);
          const p = allocate(4 + n * stride, "list", v, max);
          i32[p >> 2] = n;
          i32[at >> 2] = p;
          let i = 0;
          try {
            // a hole is undefined, never what a prototype holds at its index (own.ts)
            for (; i < n; i++) write(ownElement(list, i), p + 4 + i * stride);
          } catch (e) {
            throw within(e, `[${i}]`);
          }
        };
      }
      case "map": {
        const write = elementWriter(slot.value, schemaPart(t, "map")?.value);
        const entry = 4 + elementStride(slot.value);
        const max = boundOf(t, "map");
        const keyMax = keyBoundOf(t);
        return (v, at) => {
          // (Object.keys of a string or a class instance would read as a map too)
          if (!isPlainObject(v)) throw refusal("map", v, max, regionBytes);
          const obj = v;
          const keys = Object.keys(obj);
          const n = keys.length;
          if (n > max) throw refusal("entries", n, max, regionBytes);
          // code-point order (JS sort compares UTF-16 units, which differs for astral characters)
          if (n > 1) sortByCodePoint(keys);
          const p = allocate(4 + n * entry, "entries", n, max);
          i32[p >> 2] = n;
          i32[at >> 2] = p;
          let key = "";
          try {
            for (let i = 0; i < n; i++) {
              key = keys[i]!;
              const e = p + 4 + i * entry;
              i32[e >> 2] = writeString(key, keyMax, "key");
              write(readField(obj, key), e + 4);
            }
          } catch (e) {
            throw within(e, keySegment(key));
          }
        };
      }
      case "record": {
        const fill = recordWriter(slot, t);
        return (v, at) => fill(v as object, at);
      }
    }
  };

  let sites = 0;
  const recordWriter = (rec: RecordLayout, t: SchemaType | undefined): ((obj: object, base: number) => void) => {
    const writers = rec.fields.map((f): FieldStep => {
      const name = f.name;
      const write = f.offset >= 0 ? fieldWriter(f.type, fieldType(t, name)) : undefined;
      const offset = f.offset;
      const presence = f.presence;
      const inherited = INHERITED.has(name);
      if (presence < 0 && !inherited) return FIELD_SITES[sites++ % FIELD_SITES.length]!(name, write!, offset);
      if (presence < 0) return (obj, base) => write!(required(readField(obj, name)), base + offset);
      // a value whose presence alone is read is checked whole: the flag says a value of its type is there
      const checkPresent = write ? undefined : presentValueCheck(fieldType(t, name));
      // an optional field left out is absent, never what Object.prototype holds under its name (own.ts)
      return (obj, base) => {
        const v = inherited ? readField(obj, name) : ownMember(obj, name);
        if (v === undefined) {
          i32[(base + presence) >> 2] = 0;
          return;
        }
        const refused = checkPresent?.(v);
        if (refused !== undefined) throw refused;
        i32[(base + presence) >> 2] = 1;
        if (write) write(v, base + offset);
      };
    });
    const segments = rec.fields.map((f) => `.${f.name}`);
    const n = writers.length;
    return (obj, base) => {
      // (a string or a class instance has members to read too, that are no record's fields)
      if (!isPlainObject(obj)) throw refusal("record", obj, 0, regionBytes);
      let i = 0;
      try {
        for (; i < n; i++) writers[i]!(obj, base);
      } catch (e) {
        throw within(e, segments[i]!);
      }
    };
  };

  const generated = options.portable
    ? undefined
    : generateEncoder(layout, schema, inputPtr, {
        i32,
        idOf: idWriter,
        writeBoundedStringAt,
        writeWideInt,
        readOwn: readField,
        ownElement,
        ownMember,
        sortKeys: sortByCodePoint,
        inherited: INHERITED,
        refuse: (path, kind, value, max) => {
          const refused = refusal(kind, value, max, regionBytes);
          refused.segments.push(path);
          return refused;
        },
        isPlainObject,
        isInt: (v) => intProblem(v) === undefined,
        presentValueCheck,
        at: (refused, path) => {
          refused.segments.push(path);
          return refused;
        },
        keySegment,
        end,
      });
  if (generated) {
    return {
      encode(request: unknown): void {
        scratchCount = 0;
        later.clear();
        heap = heapStart;
        heap = generated(request, heapStart);
      },
      usedBytes: () => heap - inputPtr,
    };
  }
  const root = recordWriter(layout.root, schema);
  return {
    encode(request: unknown): void {
      heap = heapStart;
      scratchCount = 0;
      later.clear();
      root(request as object, inputPtr);
    },
    usedBytes: () => heap - inputPtr,
  };
}
