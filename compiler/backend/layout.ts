// Plans the input layout: where the host-side encoder writes each request field the policy reads,
// and whether each string travels as an interned id or as UTF-8 bytes (from the shape analysis in
// shapes.ts). Fields never read are not encoded at all. The plan is the InputLayout recorded in the
// manifest (runtime/wasm/layout.ts states the format; docs/abi.md documents it).

import { assertUnreachable } from "../diagnostics.js";
import type { IRPolicy, MapValue, Node, Value } from "../ir/ir.js";
import { times } from "../ir/cost.js";
import type { RecordType, SchemaType } from "../../runtime/schema.js";
import { fieldNamed } from "../../runtime/field-named.js";
import {
  WASM_ABI_VERSION,
  elementStride,
  fieldSize,
  type FieldLayout,
  type InputLayout,
  type RecordLayout,
  type SlotLayout,
} from "../../runtime/wasm/layout.js";
import { analyzeShapes, elementOf, fieldOf, find, valueOf, type Shape } from "./shapes.js";

export interface LayoutPlan {
  readonly layout: InputLayout;
  /** the representation of every node's value, by node id */
  readonly slots: ReadonlyMap<number, SlotLayout>;
  /** interned id of each string in the table */
  readonly ids: ReadonlyMap<string, number>;
}

/** `n` rounded up to a multiple of 4, in doubles: `(n + 3) & ~3` wraps at 2^31 (a 4 GiB arena read as 16 KiB) */
const align4 = (n: number): number => Math.ceil(n / 4) * 4;

/** An id string slot, with the cheapest numbering its comparisons allow (runtime/wasm/layout.ts). */
function idSlot(r: Shape): SlotLayout {
  if (!r.distinct) return { kind: "string", rep: "id", intern: "constants" };
  if (!r.constant) return { kind: "string", rep: "id", intern: "values" };
  return { kind: "string", rep: "id" };
}

export function planLayout(ir: IRPolicy): LayoutPlan {
  const analysis = analyzeShapes(ir);
  const memo = new Map<Shape, SlotLayout>();

  const slotOf = (s: Shape): SlotLayout => {
    const r = find(s);
    const known = memo.get(r);
    if (known) return known;
    let slot: SlotLayout;
    switch (r.kind) {
      case "bool":
      case "never": // a value of no type (shapes.ts, holdsNoValue): there is none to read
        slot = { kind: "bool" };
        break;
      case "int":
        slot = { kind: "int" };
        break;
      case "string":
        slot = r.bytes ? { kind: "string", rep: "bytes" } : idSlot(r);
        break;
      case "list":
        slot = { kind: "list", element: slotOf(elementOf(r)) };
        break;
      case "map":
        slot = { kind: "map", value: slotOf(valueOf(r)) };
        break;
      case "record":
        slot = recordLayout(r);
        break;
      default:
        return assertUnreachable(r.kind);
    }
    memo.set(r, slot);
    return slot;
  };

  const recordLayout = (r: Shape): RecordLayout => {
    const t = r.type;
    const declared = t.kind === "record" ? t.fields : [];
    const fields: FieldLayout[] = [];
    let size = 0;
    for (const f of declared) {
      const read = r.read?.has(f.name) ?? false;
      const tested = f.optional && (r.tested?.has(f.name) || read);
      if (!read && !tested) continue;
      let presence = -1;
      if (tested) {
        presence = size;
        size += 4;
      }
      const type = slotOf(fieldOf(r, f.name));
      let offset = -1;
      if (read) {
        offset = size;
        size += fieldSize(type);
      }
      fields.push({ name: f.name, offset, presence, type });
    }
    return { kind: "record", size: align4(size), fields };
  };

  const root = slotOf(analysis.root) as RecordLayout;
  const slots = new Map<number, SlotLayout>();
  for (const [id, s] of analysis.nodes) slots.set(id, slotOf(s));

  // the interned table: every constant string that meets an id-represented value, in first-use order
  const strings: string[] = [];
  const ids = new Map<string, number>();
  // per id slot (one object per class of values compared together): the constants it meets
  const meets = new Map<SlotLayout, Set<number>>();
  const intern = (v: Value, slot: SlotLayout): void => {
    if (typeof v === "string") {
      if (slot.kind === "string" && slot.rep === "id") {
        if (!ids.has(v)) {
          strings.push(v);
          ids.set(v, strings.length);
        }
        let met = meets.get(slot);
        if (!met) meets.set(slot, (met = new Set()));
        met.add(ids.get(v)!);
      }
    } else if (Array.isArray(v)) {
      if (slot.kind === "list") for (const x of v) intern(x, slot.element);
    } else if (typeof v === "object" && (v as MapValue).kind === "map") {
      if (slot.kind === "map") for (const x of (v as MapValue).entries.values()) intern(x, slot.value);
    }
  };
  const walk = (n: Node): void => {
    if (n.op === "lit") intern(n.value, slots.get(n.id)!);
    forEachChild(n, walk);
  };
  for (const rule of ir.rules) walk(rule.condition);
  for (const slot of new Set(slots.values())) setMeets(slot, meets, new Set());

  const inputSize = align4(root.size) + heapBytes(root, ir.schema);
  return { layout: { abi: WASM_ABI_VERSION, strings, root, inputSize }, slots, ids };
}

/** Records on every id string slot the table ids its values can be compared with (layout.ts in the runtime). */
function setMeets(slot: SlotLayout, meets: ReadonlyMap<SlotLayout, ReadonlySet<number>>, seen: Set<SlotLayout>): void {
  if (seen.has(slot)) return;
  seen.add(slot);
  switch (slot.kind) {
    case "string":
      if (slot.rep === "id") (slot as { meets?: readonly number[] }).meets = [...(meets.get(slot) ?? [])].sort((a, b) => a - b);
      return;
    case "list":
      return setMeets(slot.element, meets, seen);
    case "map":
      return setMeets(slot.value, meets, seen);
    case "record":
      for (const f of slot.fields) setMeets(f.type, meets, seen);
      return;
  }
}

/** The most heap bytes the encoder may write for a value of this slot, given the schema's bounds. */
function heapBytes(slot: SlotLayout, t: SchemaType): number {
  switch (slot.kind) {
    case "bool":
    case "int":
      return 0;
    case "string":
      return slot.rep === "id" || t.kind !== "string" ? 0 : 4 + align4(t.max);
    case "list": {
      if (t.kind !== "list") return 0;
      return 4 + times(t.max, elementStride(slot.element) + pointedBytes(slot.element, t.element));
    }
    case "map": {
      if (t.kind !== "map") return 0;
      const entry = 4 + elementStride(slot.value);
      return 4 + times(t.max, entry + 4 + align4(t.keyMax) + pointedBytes(slot.value, t.value));
    }
    case "record": {
      if (t.kind !== "record") return 0;
      let n = 0;
      for (const f of slot.fields) {
        const decl = fieldNamed((t as RecordType).fields, f.name);
        if (decl && f.offset >= 0) n += heapBytes(f.type, decl.type);
      }
      return n;
    }
    default:
      return assertUnreachable(slot);
  }
}

/** Heap bytes of a list element or map value: records there live behind a pointer. */
function pointedBytes(slot: SlotLayout, t: SchemaType): number {
  return slot.kind === "record" ? slot.size + heapBytes(slot, t) : heapBytes(slot, t);
}

/** Calls `f` on each direct child of an IR node, left to right. */
export function forEachChild(n: Node, f: (c: Node) => void): void {
  switch (n.op) {
    case "lit":
    case "input":
    case "var":
      return;
    case "field":
    case "has":
      f(n.record);
      return;
    case "call":
      n.args.forEach(f);
      return;
    case "and":
    case "or":
      f(n.left);
      f(n.right);
      return;
    case "cond":
      f(n.test);
      f(n.then);
      f(n.otherwise);
      return;
    case "list":
      n.elements.forEach(f);
      return;
    case "map":
      for (const e of n.entries) f(e.value);
      return;
    case "comp":
      f(n.range);
      if (n.predicate) f(n.predicate);
      if (n.transform) f(n.transform);
      return;
    default:
      assertUnreachable(n);
  }
}
