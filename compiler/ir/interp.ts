// The reference interpreter: evaluates the IR directly. It is the executable statement of the
// semantics written at the top of ir.ts; the WASM backend must agree with it on every decision, rule
// list and error. Clarity over speed: it is used by `writ eval --backend interp`, `writ test`, the
// conformance runner and the differential tests, not on the hot path.

import { ruleErrorMessage, type Decision, type DecisionError, type RuleError } from "../../runtime/decision.js";
import { INT64_MAX, INT64_MIN } from "../../runtime/schema.js";
import { codePointLength, sortByCodePoint } from "../../runtime/strings.js";
import { compileRequestCheck, readValidRequest, requestToValue, type RequestCheck } from "../../runtime/request.js";
import { assertUnreachable } from "../diagnostics.js";
import { ownMember } from "../../runtime/own.js";
import type { CallNode, CompNode, EvalError, IRPolicy, MapNode, MapValue, Node, RecordValue, Value } from "./ir.js";
import { compareValues, isMapValue, valuesEqual } from "./values.js";
import type { EvalErrorName } from "../../runtime/decision.js";

/** An evaluation error travelling as a value (never thrown). */
export class Err {
  constructor(readonly code: EvalErrorName, readonly node: number) {}
  toEvalError(): EvalError {
    return { code: this.code, node: this.node };
  }
}

export type Result = Value | Err;

const isErr = (r: Result): r is Err => r instanceof Err;

/**
 * Comprehension node id → its variable's current element. One map for a whole evaluation, bound and
 * unbound in place: a comprehension sets its id for each element and puts back what the id held
 * before when it ends. A copy of the scope for each comprehension took time in proportion to the
 * nesting depth on every evaluation of a nested macro, work the cost bound does not count.
 */
type Scope = Map<number, Value>;

function checkedInt(v: bigint, node: number): Result {
  return v < INT64_MIN || v > INT64_MAX ? new Err("overflow", node) : v;
}

/**
 * The entries of a map literal in code-point order of their keys (constants), sorted once per node:
 * sorting on every evaluation, inside a macro, cost seconds a decision the cost bound did not count.
 */
const keyOrders = new WeakMap<MapNode, readonly number[]>();
function keyOrder(node: MapNode): readonly number[] {
  let order = keyOrders.get(node);
  if (order === undefined) {
    // the last entry of a key stands for it, as it would win were each stored in turn
    const lastOf = new Map(node.entries.map((e, k) => [e.key, k]));
    const keys = [...lastOf.keys()];
    sortByCodePoint(keys);
    order = keys.map((key) => lastOf.get(key)!);
    keyOrders.set(node, order);
  }
  return order;
}

/**
 * Evaluates one node of the IR against the request value, with `env` holding the elements of the
 * comprehensions it is inside (it is read, never changed).
 */
export function evaluateNode(node: Node, input: RecordValue, env: ReadonlyMap<number, Value> = new Map()): Result {
  return evaluate(node, input, new Map(env));
}

function evaluate(node: Node, input: RecordValue, env: Scope): Result {
  switch (node.op) {
    case "lit":
      return node.value;
    case "input":
      return input;
    case "var": {
      const v = env.get(node.comprehension);
      if (v === undefined) throw new Error(`unbound comprehension variable ${node.name} (node ${node.id})`);
      return v;
    }
    case "field": {
      const r = evaluate(node.record, input, env);
      if (isErr(r)) return r;
      const v = (r as RecordValue).fields.get(node.field);
      return v === undefined ? new Err("no_such_field", node.id) : v;
    }
    case "has": {
      const r = evaluate(node.record, input, env);
      if (isErr(r)) return r;
      return (r as RecordValue).fields.has(node.field);
    }
    case "call":
      return evaluateCall(node, input, env);
    case "and": {
      const l = evaluate(node.left, input, env);
      if (l === false) return false;
      const r = evaluate(node.right, input, env);
      if (r === false) return false;
      if (isErr(l)) return l;
      if (isErr(r)) return r;
      return true;
    }
    case "or": {
      const l = evaluate(node.left, input, env);
      if (l === true) return true;
      const r = evaluate(node.right, input, env);
      if (r === true) return true;
      if (isErr(l)) return l;
      if (isErr(r)) return r;
      return false;
    }
    case "cond": {
      const t = evaluate(node.test, input, env);
      if (isErr(t)) return t;
      return evaluate(t ? node.then : node.otherwise, input, env);
    }
    case "list": {
      const out: Value[] = [];
      for (const e of node.elements) {
        const v = evaluate(e, input, env);
        if (isErr(v)) return v;
        out.push(v);
      }
      return out;
    }
    case "map": {
      // values in the order written (the first error is the first written), entries in key order
      const values: Value[] = [];
      for (const e of node.entries) {
        const v = evaluate(e.value, input, env);
        if (isErr(v)) return v;
        values.push(v);
      }
      const entries = new Map<string, Value>();
      for (const k of keyOrder(node)) entries.set(node.entries[k]!.key, values[k]!);
      return { kind: "map", entries };
    }
    case "comp":
      return evaluateComprehension(node, input, env);
    default:
      return assertUnreachable(node);
  }
}

function evaluateComprehension(node: CompNode, input: RecordValue, env: Scope): Result {
  const range = evaluate(node.range, input, env);
  if (isErr(range)) return range;
  const items: readonly Value[] = Array.isArray(range) ? range : [...(range as MapValue).entries.keys()];
  // the variable is bound in `env` for each element, and what its id held before is put back at the end
  const shadowed = env.get(node.id);
  try {
    return iterate(node, items, input, env);
  } finally {
    if (shadowed === undefined) env.delete(node.id);
    else env.set(node.id, shadowed);
  }
}

/** Runs a comprehension's macro over its elements, binding its variable in `env` to each in turn. */
function iterate(node: CompNode, items: readonly Value[], input: RecordValue, env: Scope): Result {
  const id = node.id;
  switch (node.macro) {
    case "all":
    case "exists": {
      const stopOn = node.macro === "exists"; // exists stops on true, all on false
      let firstError: Err | undefined;
      for (let i = 0; i < items.length; i++) {
        const item = items[i]!;
        const r = evaluate(node.predicate!, input, env.set(id, item));
        if (r === stopOn) return stopOn;
        if (isErr(r) && !firstError) firstError = r;
      }
      return firstError ?? !stopOn;
    }
    case "exists_one": {
      let count = 0;
      for (let i = 0; i < items.length; i++) {
        const item = items[i]!;
        const r = evaluate(node.predicate!, input, env.set(id, item));
        if (isErr(r)) return r;
        if (r === true) count++;
      }
      return count === 1;
    }
    case "filter": {
      const out: Value[] = [];
      for (let i = 0; i < items.length; i++) {
        const item = items[i]!;
        const r = evaluate(node.predicate!, input, env.set(id, item));
        if (isErr(r)) return r;
        if (r === true) out.push(item);
      }
      return out;
    }
    case "map": {
      const out: Value[] = [];
      for (let i = 0; i < items.length; i++) {
        const item = items[i]!;
        if (node.predicate) {
          const p = evaluate(node.predicate, input, env.set(id, item));
          if (isErr(p)) return p;
          if (p !== true) continue;
        }
        const r = evaluate(node.transform!, input, env.set(id, item));
        if (isErr(r)) return r;
        out.push(r);
      }
      return out;
    }
    default:
      return assertUnreachable(node.macro);
  }
}

function evaluateCall(node: CallNode, input: RecordValue, env: Scope): Result {
  const args: Value[] = [];
  for (const a of node.args) {
    const v = evaluate(a, input, env);
    if (isErr(v)) return v;
    args.push(v);
  }
  const [a, b] = args as [Value, Value];
  const id = node.id;
  switch (node.fn) {
    case "not":
      return !a;
    case "neg":
      return checkedInt(-(a as bigint), id);
    case "add":
      return checkedInt((a as bigint) + (b as bigint), id);
    case "sub":
      return checkedInt((a as bigint) - (b as bigint), id);
    case "mul":
      return checkedInt((a as bigint) * (b as bigint), id);
    case "div":
      if (b === 0n) return new Err("division_by_zero", id);
      return checkedInt((a as bigint) / (b as bigint), id); // BigInt division truncates toward zero
    case "mod":
      if (b === 0n) return new Err("modulo_by_zero", id);
      if (a === INT64_MIN && b === -1n) return new Err("overflow", id);
      return (a as bigint) % (b as bigint); // sign of the dividend, like CEL and int64 hardware
    case "concat_string":
      return (a as string) + (b as string);
    case "concat_list":
      return [...(a as Value[]), ...(b as Value[])];
    case "eq":
      return valuesEqual(a, b);
    case "ne":
      return !valuesEqual(a, b);
    case "lt":
      return compareValues(a, b) < 0;
    case "le":
      return compareValues(a, b) <= 0;
    case "gt":
      return compareValues(a, b) > 0;
    case "ge":
      return compareValues(a, b) >= 0;
    case "in_list":
      return (b as Value[]).some((x) => valuesEqual(a, x));
    case "in_map":
      return (b as MapValue).entries.has(a as string);
    case "size":
      if (typeof a === "string") return BigInt(codePointLength(a));
      if (Array.isArray(a)) return BigInt(a.length);
      return BigInt((a as MapValue).entries.size);
    case "starts_with":
      return (a as string).startsWith(b as string);
    case "ends_with":
      return (a as string).endsWith(b as string);
    case "contains":
      return (a as string).includes(b as string);
    case "index_list": {
      const list = a as Value[];
      const i = b as bigint;
      return i < 0n || i >= BigInt(list.length) ? new Err("index_out_of_range", id) : list[Number(i)]!;
    }
    case "index_map": {
      const v = isMapValue(a) ? a.entries.get(b as string) : undefined;
      return v === undefined ? new Err("no_such_key", id) : v;
    }
    default:
      return assertUnreachable(node.fn);
  }
}

/** Source offset of each node that can raise an error (node id → offset), for `at`. */
export type ErrorSites = Readonly<Record<string, number>>;

/**
 * The source offset of error site `node`, 0 for a node that is none: read as the table's own member,
 * never as what Object.prototype holds under that number (as the module's evaluator reads it).
 */
function errorSite(sites: ErrorSites, node: number): number {
  const at = ownMember(sites, String(node));
  return typeof at === "number" ? at : 0;
}

export interface Interpreter {
  decide(request: unknown): Decision;
}

/** Builds the reference decision procedure for a policy: validate, then evaluate the IR. */
export function createInterpreter(ir: IRPolicy, errorSites: ErrorSites): Interpreter {
  const check: RequestCheck = compileRequestCheck(ir.schema);
  const forbids = ir.rules.filter((r) => r.effect === "forbid");
  const permits = ir.rules.filter((r) => r.effect === "permit");
  const ruleError = (rule: string, e: Err): RuleError => ({
    rule,
    code: e.code,
    message: ruleErrorMessage(e.code),
    at: errorSite(errorSites, e.node),
  });
  return {
    decide(request: unknown): Decision {
      // read once (as the module's general path does): validation and conversion see the same values
      const read = readValidRequest(request, check, ir.schema);
      if (!read.ok) return { decision: "deny", rules: [], errors: [read.error] };
      const input = requestToValue(read.data, ir.schema);
      const denying: string[] = [];
      const errors: DecisionError[] = [];
      for (const rule of forbids) {
        const r = evaluateNode(rule.condition, input);
        if (r === true || isErr(r)) denying.push(rule.name);
        if (isErr(r)) errors.push(ruleError(rule.name, r));
      }
      if (denying.length > 0) return { decision: "deny", rules: denying, errors };
      const allowing: string[] = [];
      for (const rule of permits) {
        const r = evaluateNode(rule.condition, input);
        if (r === true) allowing.push(rule.name);
        else if (isErr(r)) errors.push(ruleError(rule.name, r));
      }
      return { decision: allowing.length > 0 ? "allow" : "deny", rules: allowing, errors };
    },
  };
}
