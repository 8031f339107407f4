// The host-side request encoder (docs/abi.md, "Input encoding"), specialised once per loaded module
// to its InputLayout: a tree of closures built from the layout data (no eval, no new Function) that
// writes the fields the policy reads straight into the module's memory with Int32Array / Uint8Array
// stores. Ints go as two i32 halves (no BigInt on the hot path for safe integers); strings go as
// interned ids (a Map lookup, with per-request ids for strings outside the table) or as UTF-8 bytes
// (an ASCII fast path, TextEncoder.encodeInto otherwise).
//
// The request has already passed the schema check (runtime/request.ts), so shapes and bounds hold:
// the encoder never writes past the input region the compiler sized from those bounds.

import { INHERITED } from "../request.js";
import { compareCodePoints, sortByCodePoint } from "../strings.js";
import type { InputLayout, RecordLayout, SlotLayout, StringSlot } from "./layout.js";
import { elementStride } from "./layout.js";
import { generateEncoder } from "./encoder-codegen.js";

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
    for (const id of slot.meets) if (strings[id - 1] !== undefined) own.set(strings[id - 1]!, id);
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
  /** writes an int that is not an int32 (a larger safe integer or a BigInt) at byte address `at` */
  readonly writeWideInt: (v: unknown, at: number) => void;
}

/** The stores every encoder of a module's memory shares (the memory is fixed, so the views stay valid). */
export function memoryWriters(memory: WebAssembly.Memory): MemoryWriters {
  const i32 = new Int32Array(memory.buffer);
  const u8 = new Uint8Array(memory.buffer);
  const utf8 = new TextEncoder();

  const writeStringAt = (s: string, p: number): number => {
    const start = p + 4;
    const n = s.length;
    let len = 0;
    for (; len < n; len++) {
      const c = s.charCodeAt(len);
      if (c >= 0x80) break;
      u8[start + len] = c;
    }
    if (len < n) {
      // not ASCII: encode the rest (at most 3 bytes per UTF-16 unit)
      const rest = s.slice(len);
      len += utf8.encodeInto(rest, u8.subarray(start + len, start + len + rest.length * 3)).written;
    }
    i32[p >> 2] = len;
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

  return { i32, writeStringAt, writeWideInt };
}

/**
 * The encoder for a layout: generated straight-line code (encoder-codegen.ts) where the host allows
 * `new Function`, the closure tree below otherwise; both write the same bytes.
 */
export function createEncoder(layout: InputLayout, memory: WebAssembly.Memory, inputPtr: number, options: EncoderOptions = {}): RequestEncoder {
  const { i32, writeStringAt, writeWideInt } = memoryWriters(memory);
  const heapStart = inputPtr + layout.root.size;
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

  /** [len i32][UTF-8 bytes], padded to 4, on the heap; returns its address */
  const writeString = (s: string): number => {
    const p = heap;
    heap = writeStringAt(s, p);
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
  const elementWriter = (slot: SlotLayout): SlotWriter => {
    if (slot.kind !== "record") return fieldWriter(slot);
    const fill = recordWriter(slot);
    const size = slot.size;
    return (v, at) => {
      const p = heap;
      heap += size;
      i32[at >> 2] = p;
      fill(v as object, p);
    };
  };

  /** writer of a record field slot (records there are inline) */
  const fieldWriter = (slot: SlotLayout): SlotWriter => {
    switch (slot.kind) {
      case "bool":
        return (v, at) => {
          i32[at >> 2] = v ? 1 : 0;
        };
      case "int":
        return writeInt;
      case "string":
        if (slot.rep === "id") {
          const id = idWriter(slot);
          return (v, at) => {
            i32[at >> 2] = id(v as string);
          };
        }
        return (v, at) => {
          i32[at >> 2] = writeString(v as string);
        };
      case "list": {
        const write = elementWriter(slot.element);
        const stride = elementStride(slot.element);
        return (v, at) => {
          const list = v as readonly unknown[];
          const n = list.length;
          const p = heap;
          heap += 4 + n * stride;
          i32[p >> 2] = n;
          i32[at >> 2] = p;
          for (let i = 0; i < n; i++) write(list[i], p + 4 + i * stride);
        };
      }
      case "map": {
        const write = elementWriter(slot.value);
        const entry = 4 + elementStride(slot.value);
        return (v, at) => {
          const obj = v as object;
          const keys = Object.keys(obj);
          // code-point order (JS sort compares UTF-16 units, which differs for astral characters)
          if (keys.length > 1) sortByCodePoint(keys);
          const n = keys.length;
          const p = heap;
          heap += 4 + n * entry;
          i32[p >> 2] = n;
          i32[at >> 2] = p;
          for (let i = 0; i < n; i++) {
            const key = keys[i]!;
            const e = p + 4 + i * entry;
            i32[e >> 2] = writeString(key);
            write(readField(obj, key), e + 4);
          }
        };
      }
      case "record": {
        const fill = recordWriter(slot);
        return (v, at) => fill(v as object, at);
      }
    }
  };

  let sites = 0;
  const recordWriter = (rec: RecordLayout): ((obj: object, base: number) => void) => {
    const writers = rec.fields.map((f): FieldStep => {
      const name = f.name;
      const write = f.offset >= 0 ? fieldWriter(f.type) : undefined;
      const offset = f.offset;
      const presence = f.presence;
      const inherited = INHERITED.has(name);
      if (presence < 0 && !inherited) return FIELD_SITES[sites++ % FIELD_SITES.length]!(name, write!, offset);
      if (presence < 0) return (obj, base) => write!(readField(obj, name), base + offset);
      return (obj, base) => {
        const v = inherited ? readField(obj, name) : (obj as Obj)[name];
        if (v === undefined) {
          i32[(base + presence) >> 2] = 0;
          return;
        }
        i32[(base + presence) >> 2] = 1;
        if (write) write(v, base + offset);
      };
    });
    const n = writers.length;
    return (obj, base) => {
      for (let i = 0; i < n; i++) writers[i]!(obj, base);
    };
  };

  const generated = options.portable
    ? undefined
    : generateEncoder(layout, inputPtr, { i32, idOf: idWriter, writeStringAt, writeWideInt, readOwn: readField, compareKeys: compareCodePoints, inherited: INHERITED });
  if (generated) {
    return {
      encode(request: unknown): void {
        scratchCount = 0;
        heap = generated(request, heapStart);
      },
      usedBytes: () => heap - inputPtr,
    };
  }
  const root = recordWriter(layout.root);
  return {
    encode(request: unknown): void {
      heap = heapStart;
      scratchCount = 0;
      root(request as object, inputPtr);
    },
    usedBytes: () => heap - inputPtr,
  };
}
