// Sizes the scratch arena. Values built at run time (string and list concatenation, list and map
// construction, filter and map results) are bump-allocated from a fixed arena that is reset before
// every rule; this pass computes, from the schema's bounds, the most bytes any rule can take, so the
// module's memory is fixed at compile time and allocation can never fail at run time.
//
// `usage(node)` bounds the arena bytes in use at any moment while the node evaluates (which also
// bounds what it leaves allocated). Predicates of all/exists/exists_one/filter return booleans, so
// the generated loop releases their allocations after each element; map transforms are kept.

import { assertUnreachable } from "../diagnostics.js";
import type { IRPolicy, MapValue, Node, Value } from "../ir/ir.js";
import { times } from "../ir/cost.js";
import type { SchemaType } from "../../runtime/schema.js";
import { elementStride, type SlotLayout } from "../../runtime/wasm/layout.js";

/** Size bounds of a value: string bytes, list / map entries, and those of the parts. */
interface Bound {
  readonly bytes: number;
  readonly count: number;
  readonly element?: Bound;
  readonly value?: Bound;
  readonly fields?: ReadonlyMap<string, Bound>;
}

const SCALAR: Bound = { bytes: 0, count: 0 };
/** `n` rounded up to a multiple of 4, in doubles: `(n + 3) & ~3` wraps at 2^31 (a 4 GiB arena read as 16 KiB) */
const align4 = (n: number): number => Math.ceil(n / 4) * 4;

function join(a: Bound, b: Bound): Bound {
  // one bound twice (both branches of a `?:` reading the same part of the request): nothing to
  // merge, and merging a record's fields would copy them all at every such read
  if (a === b) return a;
  return {
    bytes: Math.max(a.bytes, b.bytes),
    count: Math.max(a.count, b.count),
    ...(a.element || b.element ? { element: join(a.element ?? SCALAR, b.element ?? SCALAR) } : {}),
    ...(a.value || b.value ? { value: join(a.value ?? SCALAR, b.value ?? SCALAR) } : {}),
    ...(a.fields || b.fields ? { fields: new Map([...(a.fields ?? []), ...(b.fields ?? [])]) } : {}),
  };
}

function ofSchema(t: SchemaType): Bound {
  switch (t.kind) {
    case "bool":
    case "int":
      return SCALAR;
    case "string":
      return { bytes: t.max, count: 0 };
    case "list":
      return { bytes: 0, count: t.max, element: ofSchema(t.element) };
    case "map":
      return { bytes: 0, count: t.max, element: { bytes: t.keyMax, count: 0 }, value: ofSchema(t.value) };
    case "record":
      return { bytes: 0, count: 0, fields: new Map(t.fields.map((f) => [f.name, ofSchema(f.type)])) };
  }
}

function ofValue(v: Value): Bound {
  if (typeof v === "string") return { bytes: Buffer.byteLength(v, "utf8"), count: 0 };
  if (Array.isArray(v)) return { bytes: 0, count: v.length, element: v.map(ofValue).reduce(join, SCALAR) };
  if (typeof v === "object" && (v as MapValue).kind === "map") {
    const m = v as MapValue;
    const keys = [...m.entries.keys()].map((k) => ofValue(k)).reduce(join, SCALAR);
    return { bytes: 0, count: m.entries.size, element: keys, value: [...m.entries.values()].map(ofValue).reduce(join, SCALAR) };
  }
  return SCALAR;
}

/** The arena bytes each rule may need at most; the arena is sized by the largest. */
export function arenaBytes(ir: IRPolicy, slots: ReadonlyMap<number, SlotLayout>): number {
  const env = new Map<number, Bound>();
  // the request's bound, made once: every read of a field starts from it, and making it again at
  // each read took the schema's fields times the reads
  let inputBound: Bound | undefined;
  const stride = (n: Node): number => {
    const s = slots.get(n.id);
    return s && s.kind === "list" ? elementStride(s.element) : 4;
  };

  const visit = (n: Node): { bound: Bound; usage: number } => {
    switch (n.op) {
      case "lit":
        return { bound: ofValue(n.value), usage: 0 };
      case "input":
        return { bound: (inputBound ??= ofSchema(ir.schema)), usage: 0 };
      case "var":
        return { bound: env.get(n.comprehension) ?? SCALAR, usage: 0 };
      case "field": {
        const r = visit(n.record);
        return { bound: r.bound.fields?.get(n.field) ?? SCALAR, usage: r.usage };
      }
      case "has":
        return { bound: SCALAR, usage: visit(n.record).usage };
      case "call": {
        const args = n.args.map(visit);
        const usage = args.reduce((s, a) => s + a.usage, 0);
        const [a, b] = args.map((x) => x.bound) as [Bound, Bound];
        switch (n.fn) {
          case "concat_string": {
            const bytes = a.bytes + b.bytes;
            return { bound: { bytes, count: 0 }, usage: usage + 4 + align4(bytes) };
          }
          case "concat_list": {
            const count = a.count + b.count;
            const bound = { bytes: 0, count, element: join(a.element ?? SCALAR, b.element ?? SCALAR) };
            return { bound, usage: usage + 4 + times(count, stride(n)) };
          }
          case "index_list":
            return { bound: a.element ?? SCALAR, usage };
          case "index_map":
            return { bound: a.value ?? SCALAR, usage };
          default:
            return { bound: SCALAR, usage };
        }
      }
      case "and":
      case "or":
        return { bound: SCALAR, usage: visit(n.left).usage + visit(n.right).usage };
      case "cond": {
        const t = visit(n.test);
        const a = visit(n.then);
        const b = visit(n.otherwise);
        return { bound: join(a.bound, b.bound), usage: t.usage + Math.max(a.usage, b.usage) };
      }
      case "list": {
        const els = n.elements.map(visit);
        const usage = els.reduce((s, e) => s + e.usage, 0) + 4 + times(n.elements.length, stride(n));
        return { bound: { bytes: 0, count: els.length, element: els.map((e) => e.bound).reduce(join, SCALAR) }, usage };
      }
      case "map": {
        const vals = n.entries.map((e) => visit(e.value));
        const s = slots.get(n.id);
        const entry = 4 + (s && s.kind === "map" ? elementStride(s.value) : 4);
        const usage = vals.reduce((x, v) => x + v.usage, 0) + 4 + times(n.entries.length, entry);
        const keys = n.entries.map((e) => ofValue(e.key)).reduce(join, SCALAR);
        return { bound: { bytes: 0, count: vals.length, element: keys, value: vals.map((v) => v.bound).reduce(join, SCALAR) }, usage };
      }
      case "comp": {
        const range = visit(n.range);
        const count = range.bound.count;
        env.set(n.id, range.bound.element ?? SCALAR);
        const pred = n.predicate ? visit(n.predicate) : undefined;
        const transform = n.transform ? visit(n.transform) : undefined;
        env.delete(n.id);
        switch (n.macro) {
          case "all":
          case "exists":
          case "exists_one":
            return { bound: SCALAR, usage: range.usage + (pred?.usage ?? 0) };
          case "filter":
            return {
              bound: { bytes: 0, count, element: range.bound.element ?? SCALAR },
              usage: range.usage + 4 + times(count, stride(n)) + (pred?.usage ?? 0),
            };
          case "map":
            return {
              bound: { bytes: 0, count, element: transform?.bound ?? SCALAR },
              usage: range.usage + 4 + times(count, stride(n)) + times(count, (pred?.usage ?? 0) + (transform?.usage ?? 0)),
            };
          default:
            return assertUnreachable(n.macro);
        }
      }
      default:
        return assertUnreachable(n);
    }
  };

  let most = 0;
  for (const rule of ir.rules) most = Math.max(most, visit(rule.condition).usage);
  return align4(most);
}
