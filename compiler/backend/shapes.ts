// Value-flow analysis for the layout: which record fields the policy reads, and how each string
// travels (interned id or UTF-8 bytes). Every value of a policy gets a *shape*, a union-find node
// mirroring its type; operations that make two values meet (==, in, ?:, list construction, list
// concatenation, comprehension variables) unify their shapes, so that both sides end up with the same
// representation. A string shape is marked `bytes` when any use needs its bytes (ordering, size,
// startsWith/endsWith/contains, concatenation, map keys); otherwise its strings travel as ids.
// For id strings it also records how the ids are compared, so the encoder can do less: `constant`
// when some policy constant meets the shape (its strings must be looked up in the table), `distinct`
// when two values that are not both constants meet (two different strings outside the table must get
// different ids). A shape compared only with constants can give every string outside the table the
// same id; a shape no constant meets needs no table look-up.

import { assertUnreachable } from "../diagnostics.js";
import type { IRPolicy, IRType, MapValue, Node, Value } from "../ir/ir.js";
import type { SchemaType } from "../../runtime/schema.js";
import { fieldNamed } from "../../runtime/field-named.js";

type AnyType = IRType | SchemaType;

export class Shape {
  parent: Shape = this;
  kind: AnyType["kind"];
  /** strings: some use needs the bytes */
  bytes = false;
  /** strings: a policy constant meets this shape */
  constant = false;
  /** strings: two non-constant values of this shape are compared with each other */
  distinct = false;
  element: Shape | undefined;
  value: Shape | undefined;
  /** records: shapes of the fields, created when first reached */
  fields: Map<string, Shape> | undefined;
  /** records: fields whose value is read */
  read: Set<string> | undefined;
  /** records: optional fields whose presence is read (`has`, or a read of an optional field) */
  tested: Set<string> | undefined;

  constructor(readonly type: AnyType) {
    this.kind = type.kind;
  }
}

export function find(s: Shape): Shape {
  let r = s;
  while (r.parent !== r) r = r.parent;
  // path compression
  let x = s;
  while (x.parent !== r) {
    const next = x.parent;
    x.parent = r;
    x = next;
  }
  return r;
}

/**
 * Whether the values of this shape's class hold nothing to lay out: the type's innermost element
 * (or value) is of no type. A value of no type has none (it can only be an error, or the variable of
 * a macro over a list that is always empty); a list or map of them is always empty; a list of such
 * lists holds only empty lists (`[[]]`). Its elements' layout is never read: deep equality and
 * membership compare sizes first, and every list and map is a pointer whatever it holds.
 */
export function holdsNoValue(s: Shape): boolean {
  let t: AnyType = find(s).type;
  while (t.kind === "list" || t.kind === "map") t = t.kind === "list" ? t.element : t.value;
  return t.kind === "never";
}

/**
 * Two concrete shapes of different kinds met: the checker types both sides of every meeting alike
 * (`never` aside), so this is a bug of the analysis. Laying out one as the other would read an int as
 * a string id (a decision module that allows what the interpreter denies): the compile is refused
 * instead (W0901).
 */
export class ShapeConflict extends Error {
  constructor(a: Shape, b: Shape) {
    super(`the layout analysis met values of two kinds as one (${a.kind} and ${b.kind})`);
  }
}

export function unify(a: Shape, b: Shape): void {
  const ra = find(a);
  const rb = find(b);
  if (ra === rb) return;
  // A value that holds nothing to lay out (`[]`, `[[]]`, `[][0]`, the variable of a macro over `[]`)
  // has no representation to share: it joins no class, and keeps a layout of its own, which nothing
  // reads past a size. Once it adopted the first type it met, a variable of no type that met an int
  // and then the request's string (`[].exists(x, x == 1 && x == user)`) laid the string out as an
  // int; and the other side (`[] == amounts`) is laid out from its own type.
  if (holdsNoValue(ra) || holdsNoValue(rb)) return;
  if (ra.kind !== rb.kind) throw new ShapeConflict(ra, rb);
  // The merged class keeps the root's type alone, and an element (or value) shape not yet made would
  // later be made from it: both sides' element shapes are made from their own types first, and unified.
  if (ra.kind === "list") unify(elementOf(ra), elementOf(rb));
  if (ra.kind === "map") unify(valueOf(ra), valueOf(rb));
  rb.parent = ra;
  ra.bytes ||= rb.bytes;
  ra.constant ||= rb.constant;
  ra.distinct ||= rb.distinct;
  if (rb.read) for (const f of rb.read) (ra.read ??= new Set()).add(f);
  if (rb.tested) for (const f of rb.tested) (ra.tested ??= new Set()).add(f);
  if (rb.element) {
    if (ra.element) unify(ra.element, rb.element);
    else ra.element = rb.element;
  }
  if (rb.value) {
    if (ra.value) unify(ra.value, rb.value);
    else ra.value = rb.value;
  }
  if (rb.fields) {
    ra.fields ??= new Map();
    for (const [name, s] of rb.fields) {
      const mine = ra.fields.get(name);
      if (mine) unify(mine, s);
      else ra.fields.set(name, s);
    }
  }
}

/**
 * Of two shapes that met, the one to give their result: the one that holds values, if one does
 * (`c ? [] : amounts`). When neither does, a shape of the result's own type: the two may be of
 * different kinds (`c ? [][0] : []`, an element of no type and an empty list), and the result is
 * laid out as its type says (a list), not as the first side's kind.
 */
function eitherHolding(a: Shape, b: Shape, type: IRType): Shape {
  if (!holdsNoValue(a)) return a;
  if (!holdsNoValue(b)) return b;
  return new Shape(type);
}

export function elementOf(s: Shape): Shape {
  const r = find(s);
  if (!r.element) {
    const t = r.type;
    r.element = new Shape(t.kind === "list" ? t.element : { kind: "never" });
  }
  return r.element;
}

export function valueOf(s: Shape): Shape {
  const r = find(s);
  if (!r.value) {
    const t = r.type;
    r.value = new Shape(t.kind === "map" ? t.value : { kind: "never" });
  }
  return r.value;
}

export function fieldOf(s: Shape, name: string): Shape {
  const r = find(s);
  r.fields ??= new Map();
  let f = r.fields.get(name);
  if (!f) {
    const t = r.type;
    const decl = t.kind === "record" ? fieldNamed(t.fields, name) : undefined;
    f = new Shape(decl ? decl.type : { kind: "never" });
    r.fields.set(name, f);
  }
  return f;
}

function markBytes(s: Shape): void {
  find(s).bytes = true;
}

function bytesString(): Shape {
  const s = new Shape({ kind: "string" });
  s.bytes = true;
  return s;
}

export interface ShapeAnalysis {
  readonly root: Shape;
  /** the shape of every node's value, by node id */
  readonly nodes: Map<number, Shape>;
}

/** Runs the analysis over every rule of the policy. */
export function analyzeShapes(ir: IRPolicy): ShapeAnalysis {
  const root = new Shape(ir.schema);
  const nodes = new Map<number, Shape>();
  const env = new Map<number, Shape>();
  // applied once every unification is done: the flags then land on the final classes, nested ones too
  const constants: [Shape, Value][] = [];
  const compared: Shape[] = [];

  const visit = (node: Node): Shape => {
    const s = shapeOfNode(node);
    nodes.set(node.id, s);
    return s;
  };

  const shapeOfNode = (node: Node): Shape => {
    switch (node.op) {
      case "lit": {
        const s = new Shape(node.type);
        constants.push([s, node.value]);
        return s;
      }
      case "input":
        return root;
      case "var": {
        const v = env.get(node.comprehension);
        if (!v) throw new Error(`unbound comprehension variable ${node.name} (node ${node.id})`);
        return v;
      }
      case "field": {
        const r = visit(node.record);
        const rr = find(r);
        (rr.read ??= new Set()).add(node.field);
        if (node.optional) (rr.tested ??= new Set()).add(node.field);
        return fieldOf(r, node.field);
      }
      case "has": {
        const r = visit(node.record);
        const rr = find(r);
        const t = rr.type;
        const decl = t.kind === "record" ? fieldNamed(t.fields, node.field) : undefined;
        if (decl?.optional) (rr.tested ??= new Set()).add(node.field);
        return new Shape(node.type);
      }
      case "call":
        return shapeOfCall(node.fn, node.args.map(visit), node);
      case "and":
      case "or":
        visit(node.left);
        visit(node.right);
        return new Shape(node.type);
      case "cond": {
        visit(node.test);
        const t = visit(node.then);
        const o = visit(node.otherwise);
        unify(t, o);
        return eitherHolding(t, o, node.type);
      }
      case "list": {
        const s = new Shape(node.type);
        for (const e of node.elements) unify(elementOf(s), visit(e));
        return s;
      }
      case "map": {
        const s = new Shape(node.type);
        for (const e of node.entries) unify(valueOf(s), visit(e.value));
        return s;
      }
      case "comp": {
        const range = visit(node.range);
        const variable = find(range).kind === "map" ? bytesString() : elementOf(range);
        env.set(node.id, variable);
        if (node.predicate) visit(node.predicate);
        const transform = node.transform ? visit(node.transform) : undefined;
        env.delete(node.id);
        if (node.macro === "filter" || node.macro === "map") {
          const out = new Shape(node.type);
          unify(elementOf(out), transform ?? variable);
          return out;
        }
        return new Shape(node.type);
      }
      default:
        return assertUnreachable(node);
    }
  };

  const shapeOfCall = (fn: string, args: Shape[], node: Node): Shape => {
    const [a, b] = args as [Shape, Shape];
    const neitherConstant = node.op === "call" && node.args.every((x) => x.op !== "lit");
    switch (fn) {
      case "eq":
      case "ne":
        unify(a, b);
        if (neitherConstant) compared.push(a);
        break;
      case "lt":
      case "le":
      case "gt":
      case "ge":
        if (find(a).kind === "string") {
          markBytes(a);
          markBytes(b);
        }
        break;
      case "concat_string":
        markBytes(a);
        markBytes(b);
        return bytesString();
      case "concat_list":
        unify(a, b);
        return eitherHolding(a, b, node.type);
      case "in_list":
        unify(a, elementOf(b));
        if (neitherConstant) compared.push(a);
        break;
      case "in_map":
        markBytes(a);
        break;
      case "size":
        if (find(a).kind === "string") markBytes(a);
        break;
      case "starts_with":
      case "ends_with":
      case "contains":
        markBytes(a);
        markBytes(b);
        break;
      case "index_list":
        return elementOf(a);
      case "index_map":
        markBytes(b);
        return valueOf(a);
    }
    return new Shape(node.type);
  };

  for (const rule of ir.rules) visit(rule.condition);
  for (const [s, v] of constants) markConstant(s, v);
  for (const s of compared) markDistinct(s, new Set());
  return { root, nodes };
}

/** Marks the string shapes a constant value reaches. */
function markConstant(s: Shape, v: Value): void {
  const r = find(s);
  if (typeof v === "string") r.constant = true;
  else if (Array.isArray(v)) for (const x of v as readonly Value[]) markConstant(elementOf(r), x);
  else if (typeof v === "object" && (v as MapValue).kind === "map") for (const x of (v as MapValue).entries.values()) markConstant(valueOf(r), x);
}

/** Marks every string shape inside `s` (list elements, map values, record fields) as compared. */
function markDistinct(s: Shape, seen: Set<Shape>): void {
  const r = find(s);
  if (seen.has(r)) return;
  seen.add(r);
  r.distinct = true;
  // element and value shapes may not exist yet (nothing read them): create them, so the layout,
  // which creates them too, finds the mark
  if (r.kind === "list") markDistinct(elementOf(r), seen);
  if (r.kind === "map") markDistinct(valueOf(r), seen);
  if (r.fields) for (const f of r.fields.values()) markDistinct(f, seen);
}
