// Builds IR by hand for backend tests: node ids are assigned in creation order, types are inferred
// the way the checker would (the schema's types double as IR types: same fields, extra bounds).

import type { Builtin, IRPolicy, IRRule, IRType, Macro, Node, Value } from "../../compiler/ir/ir.js";
import { BOOL, INT, NEVER, STRING } from "../../compiler/ir/ir.js";
import type { RecordType, SchemaType } from "../../runtime/schema.js";

const BOOL_FNS = new Set<Builtin>(["not", "eq", "ne", "lt", "le", "gt", "ge", "in_list", "in_map", "starts_with", "ends_with", "contains"]);
const INT_FNS = new Set<Builtin>(["neg", "add", "sub", "mul", "div", "mod", "size"]);

export class IRBuilder {
  private next = 0;
  readonly rules: IRRule[] = [];
  private readonly vars = new Map<string, { comp: number; type: IRType }>();

  constructor(readonly schema: RecordType) {}

  private span(): { start: number; end: number } {
    const s = this.next * 10;
    return { start: s, end: s + 5 };
  }

  private id(): number {
    return this.next++;
  }

  lit(value: Value, type?: IRType): Node {
    return { op: "lit", id: this.id(), span: this.span(), type: type ?? typeOfValue(value), value };
  }

  input(): Node {
    return { op: "input", id: this.id(), span: this.span(), type: this.schema as unknown as IRType };
  }

  /** `input.a.b.c` */
  path(dotted: string): Node {
    let n = this.input();
    for (const name of dotted.split(".")) n = this.field(n, name);
    return n;
  }

  field(record: Node, name: string): Node {
    const t = record.type;
    if (t.kind !== "record") throw new Error(`field ${name} of a ${t.kind}`);
    const f = t.fields.find((x) => x.name === name);
    if (!f) throw new Error(`no field ${name}`);
    return { op: "field", id: this.id(), span: this.span(), type: f.type, record, field: name, optional: f.optional };
  }

  has(record: Node, name: string): Node {
    return { op: "has", id: this.id(), span: this.span(), type: BOOL, record, field: name };
  }

  call(fn: Builtin, ...args: Node[]): Node {
    let type: IRType;
    if (BOOL_FNS.has(fn)) type = BOOL;
    else if (INT_FNS.has(fn)) type = INT;
    else if (fn === "concat_string") type = STRING;
    else if (fn === "concat_list") type = args[0]!.type.kind === "list" && (args[0]!.type as { element: IRType }).element.kind !== "never" ? args[0]!.type : args[1]!.type;
    else if (fn === "index_list") type = (args[0]!.type as { element: IRType }).element;
    else type = (args[0]!.type as { value: IRType }).value;
    return { op: "call", id: this.id(), span: this.span(), type, fn, args };
  }

  and(left: Node, right: Node): Node {
    return { op: "and", id: this.id(), span: this.span(), type: BOOL, left, right };
  }
  or(left: Node, right: Node): Node {
    return { op: "or", id: this.id(), span: this.span(), type: BOOL, left, right };
  }
  all(...xs: Node[]): Node {
    return xs.reduce((a, b) => this.and(a, b));
  }
  any(...xs: Node[]): Node {
    return xs.reduce((a, b) => this.or(a, b));
  }
  not(x: Node): Node {
    return this.call("not", x);
  }
  cond(test: Node, then: Node, otherwise: Node): Node {
    return { op: "cond", id: this.id(), span: this.span(), type: then.type.kind === "never" ? otherwise.type : then.type, test, then, otherwise };
  }
  list(...elements: Node[]): Node {
    return { op: "list", id: this.id(), span: this.span(), type: { kind: "list", element: elements[0]?.type ?? NEVER }, elements };
  }
  map(entries: [string, Node][]): Node {
    return {
      op: "map",
      id: this.id(),
      span: this.span(),
      type: { kind: "map", value: entries[0]?.[1].type ?? NEVER },
      entries: entries.map(([key, value]) => ({ key, value })),
    };
  }

  /** A variable reference inside the body of `comp` (by name). */
  v(name: string): Node {
    const b = this.vars.get(name);
    if (!b) throw new Error(`unbound ${name}`);
    return { op: "var", id: this.id(), span: this.span(), type: b.type, name, comprehension: b.comp };
  }

  /** range.macro(name, predicate[, transform]); body builders see `v(name)` */
  comp(macro: Macro, range: Node, name: string, predicate?: (b: this) => Node, transform?: (b: this) => Node): Node {
    const compId = this.id();
    const varType: IRType = range.type.kind === "map" ? STRING : (range.type as { element: IRType }).element;
    this.vars.set(name, { comp: compId, type: varType });
    const p = predicate?.(this);
    const t = transform?.(this);
    this.vars.delete(name);
    let type: IRType = BOOL;
    if (macro === "filter") type = { kind: "list", element: varType };
    if (macro === "map") type = { kind: "list", element: t!.type };
    return { op: "comp", id: compId, span: this.span(), type, macro, variable: name, range, predicate: p, transform: t };
  }

  rule(name: string, effect: "permit" | "forbid", condition: Node): this {
    this.rules.push({ index: this.rules.length, name, effect, condition, annotations: {}, span: this.span() });
    return this;
  }

  policy(name = "test"): IRPolicy {
    return { name, version: "1.0.0", schema: this.schema, rules: [...this.rules], nodeCount: this.next };
  }

  /** node id → source offset for every node (what the manifest's errorSites holds) */
  errorSites(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < this.next; i++) out[String(i)] = i * 10;
    return out;
  }
}

export function typeOfValue(v: Value): IRType {
  if (typeof v === "boolean") return BOOL;
  if (typeof v === "bigint") return INT;
  if (typeof v === "string") return STRING;
  if (Array.isArray(v)) return { kind: "list", element: v.length > 0 ? typeOfValue(v[0]!) : NEVER };
  if ((v as { kind: string }).kind === "map") {
    const first = [...(v as unknown as { entries: Map<string, Value> }).entries.values()][0];
    return { kind: "map", value: first === undefined ? NEVER : typeOfValue(first) };
  }
  throw new Error("records are not constants");
}

// Schema helpers
export const str = (max = 64): SchemaType => ({ kind: "string", max });
export const int: SchemaType = { kind: "int" };
export const bool: SchemaType = { kind: "bool" };
export const listOf = (element: SchemaType, max = 16): SchemaType => ({ kind: "list", element, max });
export const mapOf = (value: SchemaType, max = 16, keyMax = 32): SchemaType => ({ kind: "map", value, max, keyMax });
export const rec = (fields: Record<string, SchemaType>, optional: string[] = []): RecordType => ({
  kind: "record",
  fields: Object.entries(fields).map(([name, type]) => ({ name, type, optional: optional.includes(name) })),
});
