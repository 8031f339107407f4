// The worst-case cost of evaluating a policy, computed from the schema's size bounds: the number of
// IR steps plus the bytes and elements that builtins touch. The policy's cost bound is the sum of its
// rules' costs and the work of the module's checks of the request (each list or map the rules read
// whose check walks it, once per decision: compiler/backend/input-checks.ts, checkedOnceFields,
// which follows the input layout). It is recorded in the manifest and a policy over the budget is
// refused at compile time (compiler/driver.ts), so every decision has a known upper bound.
//
// Sizes are tracked as upper bounds: `len` = most elements (list/map) or bytes (string), `element`
// the bound of one element (lists) or value (maps), and `key` the bound of a map's keys.

import { assertUnreachable } from "../diagnostics.js";
import type { RecordType, SchemaType } from "../../runtime/schema.js";
import type { IRPolicy, MapValue, Node, Value } from "./ir.js";
import { isMapValue } from "./values.js";

/**
 * `n` copies of something of size `each`: none when `n` is 0, whatever `each` is. Bounds multiply
 * to Infinity (macros nested fifty deep over large lists), and 0 × Infinity is NaN, which every
 * comparison with a budget answers false: a macro over an empty list around such a nest made the
 * whole policy's cost NaN, and the budget let it through.
 */
export function times(n: number, each: number): number {
  return n === 0 ? 0 : n * each;
}

/** Whether a cost, size or count is within `limit`: never true of NaN. */
export function within(x: number, limit: number): boolean {
  return x <= limit;
}

/**
 * Default budget, in steps (and the bytes and elements builtins touch), not in time: what a policy at
 * the budget takes depends on what its steps are. `node dist/bench/budget.js` times the worst request
 * of eight shapes of policy at it (docs/language.md, "Cost"): once V8 had optimised them, the decision
 * module took 0.2 to 3.5 ms on seven (12 ms for a request of 10 MB of strings, mostly reading it) and
 * the reference interpreter 0.2 to 210 ms; a first call took the module up to 50 ms (0.2 s for the
 * 10 MB request) and the interpreter up to 0.73 s. 100 nested macros took the interpreter about
 * three times what a macro in a macro took, timed in the same runs on a busy host; so timed, a list
 * nested 95 deep looked for among 8 (a call a level, LEVEL below) took the module 2.2 ms where a
 * macro in a macro took 1.3 ms, and the interpreter less.
 */
export const DEFAULT_COST_BUDGET = 10_000_000;

/**
 * The largest budget: costs are counted in doubles, exact as whole numbers up to 2^53, and a cost
 * bound within the budget is recorded in the manifest, where the runtime takes a safe integer only.
 */
export const MAX_COST_BUDGET = Number.MAX_SAFE_INTEGER;

/** Whether `n` is a budget a policy may be compiled under: a whole number from 1 to MAX_COST_BUDGET. */
export function isCostBudget(n: unknown): n is number {
  return Number.isSafeInteger(n) && (n as number) > 0;
}

interface Bound {
  readonly len: number;
  readonly element?: Bound;
  /** for maps: the bound of one key (a string) */
  readonly key?: Bound;
  /** for records: bounds of fields */
  readonly fields?: ReadonlyMap<string, Bound>;
}

const SCALAR: Bound = { len: 1 };

function boundOfSchema(t: SchemaType): Bound {
  switch (t.kind) {
    case "bool":
    case "int":
      return SCALAR;
    case "string":
      return { len: t.max };
    case "list":
      return { len: t.max, element: boundOfSchema(t.element) };
    case "map":
      return { len: t.max, element: boundOfSchema(t.value), key: { len: t.keyMax } };
    case "record":
      return { len: 1, fields: new Map(t.fields.map((f) => [f.name, boundOfSchema(f.type)])) };
  }
}

function boundOfValue(v: Value): Bound {
  if (typeof v === "string") return { len: Buffer.byteLength(v) };
  if (typeof v !== "object") return SCALAR;
  if (Array.isArray(v)) return { len: v.length, element: maxBound(v.map(boundOfValue)) };
  if (isMapValue(v as Value)) {
    const { entries } = v as MapValue;
    return { len: entries.size, element: maxBound([...entries.values()].map(boundOfValue)), key: maxBound([...entries.keys()].map(boundOfValue)) };
  }
  return SCALAR;
}

/**
 * The bound of a value that may be any of `bs` (the branches of `?:`, the two sides of a list `+`,
 * the elements of a literal): the largest of each part. A record's fields are joined too: dropped,
 * a field reached through `(c ? xs : xs)[0].s` read as a scalar of length 1, and a policy whose
 * decisions take seconds was within the budget.
 */
function maxBound(bs: readonly Bound[]): Bound {
  if (bs.length === 0) return { len: 0 };
  // one bound every time (both branches of a `?:` reading the same part of the request): nothing to
  // join, and joining a record's fields would copy them all at every such read
  if (bs.every((b) => b === bs[0])) return bs[0]!;
  let len = 0;
  const elements: Bound[] = [];
  const keys: Bound[] = [];
  const fields = new Map<string, Bound[]>();
  for (const b of bs) {
    len = Math.max(len, b.len);
    if (b.element) elements.push(b.element);
    if (b.key) keys.push(b.key);
    if (b.fields) for (const [name, f] of b.fields) fields.set(name, [...(fields.get(name) ?? []), f]);
  }
  return {
    len,
    ...(elements.length ? { element: maxBound(elements) } : {}),
    ...(keys.length ? { key: maxBound(keys) } : {}),
    ...(fields.size ? { fields: new Map([...fields].map(([name, f]) => [name, maxBound(f)])) } : {}),
  };
}

/**
 * What comparing a list or map itself costs, besides its elements: reaching it (the module loads its
 * address from each side and calls its eq_N helper; the interpreter calls valuesEqual) and comparing
 * the two counts. Both engines compare level by level, so a level of nesting costs this much however
 * few elements it holds: counted as its elements alone, a list of one list of one ... of an int
 * weighed 1 at any depth, and membership in lists 95 deep was within the budget where it took the
 * module 150 times as long as in lists one deep (test/backend/compare-work.test.ts counts the work).
 * A level is a call in the module, which costs more than the loads it makes: weighed 2, the deep
 * shape of bench/budget.ts took the module 17.3 ms at the budget where its first shape took 1.28 ms
 * (13.5 times as long a unit, both timed in one process); weighed 16, a level is counted about as
 * long as it takes.
 */
const LEVEL = 16;

/**
 * The most an equality with a value of this bound touches (and so membership, one equality per
 * element): a scalar 1, a string its bytes (1 at least), a list LEVEL and then each element's
 * weight, a map LEVEL and then each entry's key bytes and value's weight.
 */
function weight(b: Bound | undefined): number {
  if (!b) return 1;
  if (b.key) return LEVEL + times(b.len, weight(b.key) + weight(b.element));
  if (b.element) return LEVEL + times(b.len, weight(b.element));
  return Math.max(1, b.len);
}

/**
 * the bound of a map's keys: strings (the schema's key bound, or that of the literal's keys). Every
 * map's bound carries one; the fallback only keeps a bound built without it from counting keys as free.
 */
function keyOf(map: Bound): Bound {
  return map.key ?? { len: 256 };
}

/**
 * Looking a key up in a map: a comparison with each key at most (the module searches sorted keys),
 * each touching at most the shorter string, and the key's bytes once more (the interpreter hashes it)
 */
function keySearch(key: Bound, map: Bound): number {
  return weight(key) + times(map.len, Math.min(weight(key), weight(keyOf(map))));
}

interface Costed {
  readonly cost: number;
  readonly bound: Bound;
}

function costOf(node: Node, input: Bound, env: Map<number, Bound>): Costed {
  // an array, not arguments: a list literal of 130,000 elements spread into a call overflowed the stack
  const sum = (xs: readonly Costed[]) => xs.reduce((s, x) => s + x.cost, 1);
  switch (node.op) {
    case "lit":
      return { cost: 1, bound: boundOfValue(node.value) };
    case "input":
      return { cost: 1, bound: input };
    case "var":
      return { cost: 1, bound: env.get(node.comprehension) ?? SCALAR };
    case "field": {
      const r = costOf(node.record, input, env);
      return { cost: r.cost + 1, bound: r.bound.fields?.get(node.field) ?? SCALAR };
    }
    case "has":
      return { cost: costOf(node.record, input, env).cost + 1, bound: SCALAR };
    case "call": {
      const args = node.args.map((a) => costOf(a, input, env));
      const [a, b] = args;
      const base = sum(args);
      switch (node.fn) {
        case "eq":
        case "ne":
        case "lt":
        case "le":
        case "gt":
        case "ge":
          return { cost: base + Math.min(weight(a!.bound), weight(b!.bound)), bound: SCALAR };
        case "in_list":
          // one equality per element, each touching at most the smaller operand (as `eq`): a short
          // constant searched for in a list of long strings costs its own length per element
          return { cost: base + times(b!.bound.len, Math.min(weight(a!.bound), weight(b!.bound.element))), bound: SCALAR };
        case "in_map":
          return { cost: base + keySearch(a!.bound, b!.bound), bound: SCALAR };
        case "starts_with":
        case "ends_with":
          return { cost: base + b!.bound.len, bound: SCALAR };
        case "contains":
          return { cost: base + times(a!.bound.len, Math.max(1, b!.bound.len)), bound: SCALAR };
        case "size":
          // a string's size counts its code points, byte by byte; a list's or map's is its count,
          // read in one step (a load in the module, .length or .size in the interpreter)
          return { cost: base + (node.args[0]!.type.kind === "string" ? a!.bound.len : 0), bound: SCALAR };
        case "concat_string":
          return { cost: base + a!.bound.len + b!.bound.len, bound: { len: a!.bound.len + b!.bound.len } };
        case "concat_list":
          return { cost: base + a!.bound.len + b!.bound.len, bound: { len: a!.bound.len + b!.bound.len, element: maxBound([a!.bound.element ?? SCALAR, b!.bound.element ?? SCALAR]) } };
        case "index_list":
          return { cost: base, bound: a!.bound.element ?? SCALAR };
        case "index_map":
          return { cost: base + keySearch(b!.bound, a!.bound), bound: a!.bound.element ?? SCALAR };
        case "not":
        case "neg":
        case "add":
        case "sub":
        case "mul":
        case "div":
        case "mod":
          return { cost: base, bound: SCALAR };
        default:
          return assertUnreachable(node.fn);
      }
    }
    case "and":
    case "or":
      return { cost: sum([costOf(node.left, input, env), costOf(node.right, input, env)]), bound: SCALAR };
    case "cond": {
      const t = costOf(node.test, input, env);
      const x = costOf(node.then, input, env);
      const y = costOf(node.otherwise, input, env);
      return { cost: t.cost + Math.max(x.cost, y.cost) + 1, bound: maxBound([x.bound, y.bound]) };
    }
    case "list": {
      const es = node.elements.map((e) => costOf(e, input, env));
      return { cost: sum(es), bound: { len: es.length, element: maxBound(es.map((e) => e.bound)) } };
    }
    case "map": {
      const es = node.entries.map((e) => costOf(e.value, input, env));
      const key = maxBound(node.entries.map((e) => boundOfValue(e.key)));
      // each entry's key is hashed into the map the literal builds (the interpreter's Map)
      const keyBytes = node.entries.reduce((n, e) => n + weight(boundOfValue(e.key)), 0);
      return { cost: sum(es) + keyBytes, bound: { len: es.length, element: maxBound(es.map((e) => e.bound)), key } };
    }
    case "comp": {
      const range = costOf(node.range, input, env);
      const isMap = node.range.type.kind === "map";
      // a map's comprehension variable is a key: a string of at most the map's key bound
      const variable = isMap ? keyOf(range.bound) : (range.bound.element ?? SCALAR);
      env.set(node.id, variable);
      const p = node.predicate ? costOf(node.predicate, input, env) : undefined;
      const t = node.transform ? costOf(node.transform, input, env) : undefined;
      env.delete(node.id);
      const perItem = 1 + (p?.cost ?? 0) + (t?.cost ?? 0);
      const n = range.bound.len;
      // filter keeps elements of a list, keys of a map (a list of keys)
      const bound = node.macro === "filter" ? { len: n, element: variable } : node.macro === "map" ? { len: n, element: t?.bound ?? SCALAR } : SCALAR;
      return { cost: range.cost + 1 + times(n, perItem), bound };
    }
    default:
      return assertUnreachable(node);
  }
}

/**
 * Worst-case cost of each rule's condition, in rule-table order (the policy's cost is their sum and
 * orderingCost).
 */
export function ruleCosts(ir: IRPolicy): number[] {
  const input = boundOfSchema(ir.schema as RecordType);
  return ir.rules.map((rule) => costOf(rule.condition, input, new Map()).cost);
}

/**
 * Steps of putting `n` records in order at worst (assembly/writ.ts, orderRecords): a comparison of
 * each with the one before, then a heapsort, whose heap takes at most 2n comparisons to build and
 * each of its n - 1 extractions at most 2 per level.
 */
export function sortCost(n: number): number {
  return n <= 1 ? 0 : n + 2 * n * (Math.ceil(Math.log2(n)) + 1);
}

/**
 * The worst-case work of putting a decision's results in declaration order. The module appends them
 * as its dispatch runs the rules, not in declaration order, and sorts them at the end of the phase
 * that decides (resultOrder): the forbids, up to every forbid with an error each, or else the
 * permits, each of which holds or errors at most. The interpreter runs rules in order and does no
 * such work; the bound is the module's.
 */
export function orderingCost(ir: IRPolicy): number {
  const forbids = ir.rules.filter((r) => r.effect === "forbid").length;
  const permits = ir.rules.length - forbids;
  return Math.max(2 * sortCost(forbids), sortCost(permits));
}

/** A constant's expression before it is evaluated: its worst-case cost. */
export function constantCost(node: Node): { cost: number } {
  return { cost: costOf(node, { len: 1, fields: new Map() }, new Map()).cost };
}

/**
 * The elements and bytes `value` holds, counted up to `limit`: each element, entry and scalar one,
 * each string its UTF-8 bytes, a part that appears n times n times (as the module's constant pool
 * stores it). Stops counting past the limit, so a value of a billion shared parts is not walked:
 * past it, the answer is only some number over the limit.
 */
export function valueSize(value: Value, limit: number): number {
  let size = 0;
  const visit = (v: Value): boolean => {
    if (typeof v === "string") size += Buffer.byteLength(v);
    else if (Array.isArray(v)) {
      size += 1;
      for (const e of v) if (size > limit || visit(e)) return true;
    } else if (isMapValue(v)) {
      size += 1;
      for (const [k, e] of (v as MapValue).entries) {
        size += Buffer.byteLength(k);
        if (size > limit || visit(e)) return true;
      }
    } else size += 1;
    return size > limit;
  };
  visit(value);
  return size;
}

/** A cost as people read it: `1,234,567`, or `about 9.6e+81` beyond exact integers. */
export function formatCost(cost: number): string {
  return Number.isSafeInteger(cost) ? cost.toLocaleString("en-US") : `about ${cost.toPrecision(2)}`;
}
