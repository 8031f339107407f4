// The decision IR: a small typed expression tree per rule, produced by lowering the checked AST
// (lower.ts) and consumed by both backends — the reference interpreter (interp.ts) and the
// AssemblyScript code generator (../backend). Every node has a unique id (per policy) and the span
// of the source it came from; errors are reported as the id of the node where they arose.
//
// Semantics (the executable statement is interp.ts; the code generator must match it exactly):
//
// * Values: bool, int (int64), string (Unicode text; compared by code point), list, map (string
//   keys only), record (input records only). There is no null, double, uint or bytes.
// * Evaluation of a node yields a value or an error (an EvalErrorName and the id of the node that
//   raised it). Evaluation is pure and always terminates.
// * Strict nodes (call, field, list, map construction) evaluate their children left to right; if a
//   child errors, the node yields the FIRST child error (in left-to-right order) and does not apply
//   its operation. Otherwise the operation may itself raise an error, reported at the node's own id.
//   (A backend may evaluate the remaining children after an error or not; nothing observable differs.)
// * `and`: evaluate left. If false → false (right not evaluated). Else evaluate right. If right is
//   false → false. Else if left errored → left's error. Else if right errored → right's error.
//   Else true. `or` is the dual (true absorbs errors). This is CEL's commutative error absorption.
// * `cond`: evaluate test; error → that error; else evaluate the chosen branch only.
// * `comp` (comprehensions) iterate a list in order, or a map's keys in ascending code-point order:
//   - all:        for each element: pred false → result false, stop. Else remember the first error.
//                 End: first error if any, else true.
//   - exists:     dual: pred true → true, stop. Else remember the first error. End: first error, else false.
//   - exists_one: strict: evaluate pred on every element; the first error is the result; else true
//                 iff exactly one element satisfied pred.
//   - filter:     strict: first error, else the list of elements (in order) for which pred is true.
//   - map:        strict: for each element (that satisfies `predicate` when present) evaluate
//                 `transform`; first error, else the list of results.
//   If the range errors, the comprehension yields that error.
// * A rule holds iff its condition evaluates to true; it errors iff its condition errors.

import type { Span } from "../source.js";
import type { EvalErrorName } from "../../runtime/decision.js";

// ---------------------------------------------------------------------------------------------
// Types of IR values (no size bounds here: those live in the schema)

export type IRType =
  | { readonly kind: "bool" }
  | { readonly kind: "int" }
  | { readonly kind: "string" }
  | { readonly kind: "list"; readonly element: IRType }
  | { readonly kind: "map"; readonly value: IRType } // keys are strings
  | { readonly kind: "record"; readonly fields: readonly IRField[] }
  /** the element type of an empty list literal whose type nothing else fixes: no value has it */
  | { readonly kind: "never" };

export interface IRField {
  readonly name: string;
  readonly type: IRType;
  readonly optional: boolean;
}

export const BOOL: IRType = Object.freeze({ kind: "bool" });
export const INT: IRType = Object.freeze({ kind: "int" });
export const STRING: IRType = Object.freeze({ kind: "string" });
export const NEVER: IRType = Object.freeze({ kind: "never" });

// ---------------------------------------------------------------------------------------------
// Values (constants in the IR, and what the interpreter computes)

// The value types live in the runtime (the request validator produces them); re-exported here.
export type { Value, MapValue, RecordValue } from "../../runtime/values.js";
import type { Value } from "../../runtime/values.js";

// ---------------------------------------------------------------------------------------------
// Nodes

interface NodeBase {
  /** unique within the policy; errors name the node that raised them */
  readonly id: number;
  readonly span: Span;
  readonly type: IRType;
}

/** a constant: literals and folded `let` constants (lists and maps of constants included) */
export interface LitNode extends NodeBase {
  readonly op: "lit";
  readonly value: Value;
}

/** the request itself: a record whose fields are the `input` block's fields */
export interface InputNode extends NodeBase {
  readonly op: "input";
}

/** the variable of the enclosing comprehension whose node id is `comprehension` */
export interface VarNode extends NodeBase {
  readonly op: "var";
  readonly name: string;
  readonly comprehension: number;
}

/** record field selection; an absent optional field raises `no_such_field` at this node */
export interface FieldNode extends NodeBase {
  readonly op: "field";
  readonly record: Node;
  readonly field: string;
  readonly optional: boolean;
}

/** `has(record.field)`: true iff the (optional) field is present; true for required fields */
export interface HasNode extends NodeBase {
  readonly op: "has";
  readonly record: Node;
  readonly field: string;
}

export type Builtin =
  | "not" // bool → bool
  | "neg" // int → int (overflow for INT64_MIN); of no type over an operand of no type (never applied: it errors)
  | "add" | "sub" | "mul" | "div" | "mod" // int × int → int (overflow, division_by_zero, modulo_by_zero); div truncates toward zero, mod has the sign of the dividend. Over two operands of no type, the result is of no type (never applied: an operand errors)
  | "concat_string" // string × string → string
  | "concat_list" // list<T> × list<T> → list<T>
  | "eq" | "ne" // T × T → bool, deep equality (T is never a record)
  | "lt" | "le" | "gt" | "ge" // T × T → bool for T in bool (false < true), int, string (code point order)
  | "in_list" // T × list<T> → bool
  | "in_map" // string × map → bool (key presence)
  | "size" // string (code points) | list | map → int
  | "starts_with" | "ends_with" | "contains" // string × string → bool
  | "index_list" // list<T> × int → T (index_out_of_range)
  | "index_map"; // map<V> × string → V (no_such_key)

/** Builtins whose own operation can raise an error (the others only pass on their arguments' errors). */
export const RAISING_BUILTINS: ReadonlySet<Builtin> = new Set<Builtin>(["neg", "add", "sub", "mul", "div", "mod", "index_list", "index_map"]);

/** a strict builtin operation */
export interface CallNode extends NodeBase {
  readonly op: "call";
  readonly fn: Builtin;
  readonly args: readonly Node[];
}

export interface AndNode extends NodeBase {
  readonly op: "and";
  readonly left: Node;
  readonly right: Node;
}

export interface OrNode extends NodeBase {
  readonly op: "or";
  readonly left: Node;
  readonly right: Node;
}

export interface CondNode extends NodeBase {
  readonly op: "cond";
  readonly test: Node;
  readonly then: Node;
  readonly otherwise: Node;
}

/** list construction from non-constant elements (constant lists are `lit`) */
export interface ListNode extends NodeBase {
  readonly op: "list";
  readonly elements: readonly Node[];
}

/**
 * map construction: keys are distinct string constants (checked at compile time), values any.
 * `entries` are in the order written, which is the order their values are evaluated in (a strict
 * node: the first error from the left wins); the map built holds them in ascending code-point order
 * of the keys, like every map value.
 */
export interface MapNode extends NodeBase {
  readonly op: "map";
  readonly entries: readonly { readonly key: string; readonly value: Node }[];
}

export type Macro = "all" | "exists" | "exists_one" | "filter" | "map";

/**
 * A comprehension over `range` (list: its elements; map: its keys in ascending code-point order).
 * `predicate` is set for all/exists/exists_one/filter and for the 3-argument map; `transform` for map.
 */
export interface CompNode extends NodeBase {
  readonly op: "comp";
  readonly macro: Macro;
  readonly variable: string;
  readonly range: Node;
  readonly predicate: Node | undefined;
  readonly transform: Node | undefined;
}

export type Node =
  | LitNode
  | InputNode
  | VarNode
  | FieldNode
  | HasNode
  | CallNode
  | AndNode
  | OrNode
  | CondNode
  | ListNode
  | MapNode
  | CompNode;

export interface IRRule {
  /** position in the rule table (declaration order); results are reported in this order */
  readonly index: number;
  readonly name: string;
  readonly effect: "permit" | "forbid";
  readonly condition: Node;
  readonly annotations: Readonly<Record<string, string>>;
  readonly span: Span;
}

export interface IRPolicy {
  readonly name: string;
  readonly version: string;
  /** the request schema (root record type, with bounds) */
  readonly schema: import("../../runtime/schema.js").RecordType;
  readonly rules: readonly IRRule[];
  /** one past the largest node id */
  readonly nodeCount: number;
}

/** An evaluation error as the backends report it. */
export interface EvalError {
  readonly code: EvalErrorName;
  /** id of the node that raised it */
  readonly node: number;
}
