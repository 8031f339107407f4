// The host-side request encoder (docs/abi.md, "Input encoding"), specialised once per loaded module
// to its InputLayout: a tree of closures built from the layout data (no eval, no new Function) that
// writes the fields the policy reads straight into the module's memory with Int32Array / Uint8Array
// stores. Ints go as two i32 halves (no BigInt on the hot path for safe integers); strings go as
// interned ids (a Map lookup, with per-request ids for strings outside the table) or as UTF-8 bytes
// (an ASCII fast path, TextEncoder.encodeInto otherwise).
//
// It is handed requests that should have passed the schema check (runtime/request.ts), but it does
// not rely on it: after the input region comes memory the module keeps between decisions (the result
// region, which rules an indexed dispatch has visited), and a list longer than its bound written
// there would change later decisions of valid requests. So before it writes a block it checks the
// block's count or byte length against the schema's bound (the message the validator gives, with the
// path) and the block's end against the region's end, and throws EncodingRefused instead of writing.

import { INHERITED, describe, keySegment } from "../request.js";
import type { RecordType, SchemaType } from "../schema.js";
import { longStringProblem, sortByCodePoint, utf8Length } from "../strings.js";
import { isInstance } from "../thrown.js";
import { ownElement, ownMember } from "../own.js";
import type { InputLayout, RecordLayout, SlotLayout, StringSlot } from "./layout.js";
import { elementStride } from "./layout.js";
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
  (k, w, d) => (o, b) => w((o as Obj)[k], b + d), (k, w, d) => (o, b) => w((o as Obj)[k], b + d),
  (k, w, d) => (o, b) => w((o as Obj)[k], b + d), (k, w, d) => (o, b) => w((o as Obj)[k], b + d),
  (k, w, d) => (o, b) => w((o as Obj)[k], b + d), (k, w, d) => (o, b) => w((o as Obj)[k], b + d),
  (k, w, d) => (o, b) => w((o as Obj)[k], b + d), (k, w, d) => (o, b) => w((o as Obj)[k], b + d),
  (k, w, d) => (o, b) => w((o as Obj)[k], b + d), (k, w, d) => (o, b) => w((o as Obj)[k], b + d),
  (k, w, d) => (o, b) => w((o as Obj)[k], b + d), (k, w, d) => (o, b) => w((o as Obj)[k], b + d),
  (k, w, d) => (o, b) => w((o as Obj)[k], b + d), (k, w, d) => (o, b) => w((o as Obj)[k], b + d),
  (k, w, d) => (o, b) => w((o as Obj)[k], b + d), (k, w, d) => (o, b) => w((o as Obj)[k], b + d),
  (k, w, d) => (o, b) => w((o as Obj)[k], b + d), (k, w, d) => (o, b) => w((o as Obj)[k], b + d),
  (k, w, d) => (o, b) => w((o as Obj)[k], b + d), (k, w, d) => (o, b) => w((o as Obj)[k], b + d),
  (k, w, d) => (o, b) => w((o as Obj)[k], b + d), (k, w, d) => (o, b) => w((o as Obj)[k], b + d),
  (k, w, d) => (o, b) => w((o as Obj)[k], b + d), (k, w, d) => (o, b) => w((o as Obj)[k], b + d),
  (k, w, d) => (o, b) => w((o as Obj)[k], b + d), (k, w, d) => (o, b) => w((o as Obj)[k], b + d),
  (k, w, d) => (o, b) => w((o as Obj)[k], b + d), (k, w, d) => (o, b) => w((o as Obj)[k], b + d),
  (k, w, d) => (o, b) => w((o as Obj)[k], b + d), (k, w, d) => (o, b) => w((o as Obj)[k], b + d),
  (k, w, d) => (o, b) => w((o as Obj)[k], b + d), (k, w, d) => (o, b) => w((o as Obj)[k], b + d),
];

const TWO_32 = 4294967296;

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
 * The id of a string in an id slot (layout.ts, StringSlot): its table id when it is one of the
 * constants the slot meets, else `freshId(s)`, or 0 where the slot is only compared with constants.
 */
export function idFunction(
  slot: StringSlot,
  strings: readonly string[],
  table: ReadonlyMap<string, number>,
  freshId: (s: string) => number,
): (s: string) => number {
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
  if (slot.intern === "constants") return (s) => met.get(s) ?? 0;
  if (met.size === 0) return freshId;
  return (s) => met.get(s) ?? freshId(s);
}

export interface MemoryWriters {
  readonly i32: Int32Array;
  /** writes [len i32][UTF-8 bytes] at `p`, padded to 4; returns the address after it */
  readonly writeStringAt: (s: string, p: number) => number;
  /**
   * writeStringAt of a value not known to be a string, or -1 (having written nothing past `end`, a
   * 4-aligned address) when it is not one, has more than `max` UTF-8 bytes or does not fit before `end`
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
      // much of the string it read; the room ends at the bound and at the region's end
      const rest = s.slice(len);
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
 * Why the encoder did not write a request: a value beyond its schema bound (`internal` false), or a
 * block that would end past the input region though within its bounds (`internal` true: the layout
 * and the bounds disagree). Thrown before anything is written past the region; `segments` is the
 * path to the value, innermost first, as the validator builds paths (request.ts, pathOf).
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
 * What the encoder is refusing, with the validator's words: `count` is what a list or map holds (or
 * `value` is the string), `max` its bound; a value within its bound that would still run past the
 * region (`regionBytes` long) is the layout's fault, not the request's.
 */
export function refusal(kind: "list" | "map" | "string" | "key" | "record", value: unknown, max: number, regionBytes: number): EncodingRefused {
  const overRegion = (): EncodingRefused =>
    new EncodingRefused(`the encoding of this ${kind === "key" ? "map key" : kind} would run past this policy's input region of ${regionBytes} bytes, though it is within its bounds`, true);
  switch (kind) {
    case "list": {
      if (!Array.isArray(value)) return new EncodingRefused(`expected list, got ${describe(value)}`, false);
      const n: unknown = value.length; // (a Proxy's)
      if (typeof n !== "number" || n >>> 0 !== n) return new EncodingRefused(`list length ${typeof n === "number" ? n : describe(n)} is not a count of elements`, false);
      return n > max ? new EncodingRefused(`list has ${n} elements, more than the ${max} allowed`, false) : overRegion();
    }
    case "map": {
      const n = typeof value === "number" ? value : 0;
      return n > max ? new EncodingRefused(`map has ${n} entries, more than the ${max} allowed`, false) : overRegion();
    }
    case "string":
    case "key": {
      const prefix = kind === "key" ? "key: " : "";
      if (typeof value !== "string") return new EncodingRefused(`${prefix}expected string, got ${describe(value)}`, false);
      // in the validator's words: a long string by its length (longStringProblem), a shorter one measured
      const long = longStringProblem(value, max);
      if (long !== undefined) return new EncodingRefused(`${prefix}${long}`, false);
      const bytes = utf8Length(value);
      return bytes > max ? new EncodingRefused(`${prefix}string is ${bytes} bytes long, more than the ${max} allowed`, false) : overRegion();
    }
    case "record":
      return overRegion();
  }
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
  const scratch: string[] = [];
  let scratchCount = 0;

  /** a per-request id after the table's */
  const freshId = (s: string): number => {
    for (let i = 0; i < scratchCount; i++) if (scratch[i] === s) return firstFresh + i;
    scratch[scratchCount] = s;
    return firstFresh + scratchCount++;
  };
  const idWriter = (slot: StringSlot): ((s: string) => number) => idFunction(slot, layout.strings, table, freshId);

  /** [len i32][UTF-8 bytes], padded to 4, on the heap, within `max` bytes; returns its address */
  const writeString = (s: unknown, max: number, kind: "string" | "key"): number => {
    const p = heap;
    const next = writeBoundedStringAt(s, p, max, end);
    if (next < 0) throw refusal(kind, s, max, regionBytes);
    heap = next;
    return p;
  };

  /** reserves `bytes` on the heap for a block of `kind`, after checking that they end inside the region */
  const allocate = (bytes: number, kind: "list" | "map" | "record", value: unknown, max: number): number => {
    const p = heap;
    if (p + bytes > end) throw refusal(kind, value, max, regionBytes);
    heap = p + bytes;
    return p;
  };

  const writeInt = (v: unknown, at: number): void => {
    const k = at >> 2;
    if (typeof v === "number") {
      if ((v | 0) === v) {
        i32[k] = v;
        i32[k + 1] = v < 0 ? -1 : 0;
      } else writeWideInt(v, at);
    } else writeWideInt(v, at);
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
          i32[at >> 2] = v ? 1 : 0;
        };
      case "int":
        return writeInt;
      case "string": {
        if (slot.rep === "id") {
          const id = idWriter(slot);
          return (v, at) => {
            i32[at >> 2] = id(v as string);
          };
        }
        const max = boundOf(t, "string");
        return (v, at) => {
          i32[at >> 2] = writeString(v, max, "string");
        };
      }
      case "list": {
        const write = elementWriter(slot.element, schemaPart(t, "list")?.element);
        const stride = elementStride(slot.element);
        const max = boundOf(t, "list");
        return (v, at) => {
          const list = v as readonly unknown[];
          const n = list.length;
          // a length that is no count (a host's object, not an array) is refused like one too long
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
          const obj = v as object;
          const keys = Object.keys(obj);
          const n = keys.length;
          if (n > max) throw refusal("map", n, max, regionBytes);
          // code-point order (JS sort compares UTF-16 units, which differs for astral characters)
          if (n > 1) sortByCodePoint(keys);
          const p = allocate(4 + n * entry, "map", n, max);
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
      if (presence < 0) return (obj, base) => write!(readField(obj, name), base + offset);
      // an optional field left out is absent, never what Object.prototype holds under its name (own.ts)
      return (obj, base) => {
        const v = inherited ? readField(obj, name) : ownMember(obj, name);
        if (v === undefined) {
          i32[(base + presence) >> 2] = 0;
          return;
        }
        i32[(base + presence) >> 2] = 1;
        if (write) write(v, base + offset);
      };
    });
    const segments = rec.fields.map((f) => `.${f.name}`);
    const n = writers.length;
    return (obj, base) => {
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
        keySegment,
        end,
      });
  if (generated) {
    return {
      encode(request: unknown): void {
        scratchCount = 0;
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
      root(request as object, inputPtr);
    },
    usedBytes: () => heap - inputPtr,
  };
}
