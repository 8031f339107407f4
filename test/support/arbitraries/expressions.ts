// Type-directed generation of CEL expressions for the Writ subset: `expr(env, type, depth)` returns
// the text of a well-typed expression of `type`, built from every operator, builtin and macro of the
// subset, reading the request through the schema's fields, constants and macro variables. Expressions
// deliberately reach every runtime error: int64 overflow (edge literals, products), division and
// modulo by zero, missing map keys, absent optional fields, out-of-range list indexes — and the
// absorbing operators (`&&`, `||`, `? :`, `all`, `exists`) that hide some of them. Macros also
// range over the empty literals (`[]`, `{}`, `[[]]`, `[{}]`, and constants holding them), whose
// variables are of no type and are used wherever a value of any type is: `[].exists(x, x == 1 ||
// x == user)` meets an int and a string in one body, which the layout must keep apart.
//
// Every compound expression is parenthesised so the text means what the generator meant whatever the
// operator precedence; the parser is still exercised by nesting, method calls and every literal form.

import type { SchemaType } from "../../../runtime/schema.js";
import type { Draw } from "./draw.js";
import { containsRecord } from "./schema.js";
import { IDENT_KEYS, KEY_POOL, drawIntValue, drawStringValue, intLiteral, stringLiteral } from "./literals.js";

/** A name or path the expression can read, with its type (records included: they are selected from). */
export interface Term {
  readonly text: string;
  readonly type: SchemaType;
  /** a constant holding an empty literal (`[]`, `{}`): a macro over it binds a variable of no type */
  readonly empty?: boolean;
}

/**
 * A macro variable of no type (Writ types it `never`): over `[]` it is no value at all and stands
 * wherever any value may (`any`); over `[[]]` it is an empty list, over `[{}]` an empty map.
 */
export interface Nothing {
  readonly text: string;
  readonly holds: "any" | "list" | "map";
}

/** What is in scope: request paths, constants, macro variables. */
export interface Env {
  readonly terms: readonly Term[];
  /** `rec.field` texts of optional fields, for `has()` */
  readonly optionals: readonly string[];
  /** how many macro variables are bound (names the next one) */
  readonly depthOfVars: number;
  /** macro variables of no type in scope */
  readonly nothings?: readonly Nothing[];
}

const INT: SchemaType = { kind: "int" };
const BOOL: SchemaType = { kind: "bool" };
const STRING: SchemaType = { kind: "string", max: 0 };
const list = (element: SchemaType): SchemaType => ({ kind: "list", element, max: 0 });
const map = (value: SchemaType): SchemaType => ({ kind: "map", value, max: 0, keyMax: 0 });

/** Terms reachable from a root (`principal`, `p3.meta`, a macro variable), records expanded. */
export function termsOf(text: string, type: SchemaType): { terms: Term[]; optionals: string[] } {
  const terms: Term[] = [{ text, type }];
  const optionals: string[] = [];
  if (type.kind === "record") {
    for (const f of type.fields) {
      const sub = termsOf(`${text}.${f.name}`, f.type);
      terms.push(...sub.terms);
      optionals.push(...sub.optionals);
      if (f.optional) optionals.push(`${text}.${f.name}`);
    }
  }
  return { terms, optionals };
}

/** Equal as expression types: bounds ignored. */
export function sameType(a: SchemaType, b: SchemaType): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case "list":
      return sameType(a.element, (b as typeof a).element);
    case "map":
      return sameType(a.value, (b as typeof a).value);
    case "record":
      return a === b;
    default:
      return true;
  }
}

function withVar(env: Env, name: string, type: SchemaType): Env {
  const sub = termsOf(name, type);
  return { ...env, terms: [...env.terms, ...sub.terms], optionals: [...env.optionals, ...sub.optionals], depthOfVars: env.depthOfVars + 1 };
}

function withNothing(env: Env, name: string, holds: Nothing["holds"]): Env {
  return { ...env, nothings: [...(env.nothings ?? []), { text: name, holds }], depthOfVars: env.depthOfVars + 1 };
}

/**
 * Expressions of no type, or of no element type, that may stand where a value of type `t` is due:
 * a variable over `[]` anywhere, one over `[[]]` or `[{}]` where a list or map is, and what is read
 * from them (`x.a`, `x[0]`: of no type, an error when evaluated).
 */
function nothingsFitting(env: Env, t: SchemaType): string[] {
  if (!env.nothings?.length || containsRecord(t)) return [];
  const out: string[] = [];
  for (const n of env.nothings) {
    if (n.holds === "any") out.push(n.text, `${n.text}[0]`, `${n.text}.a`);
    if (n.holds === "list") out.push(`${n.text}[0]`);
    if (n.holds === "map") out.push(`${n.text}.b`, `${n.text}["a"]`);
    if (n.holds === t.kind) out.push(n.text);
  }
  return out;
}

function termsOfType(env: Env, t: SchemaType): Term[] {
  return env.terms.filter((x) => sameType(x.type, t));
}

/** A literal of a value type (no records). */
export function literal(d: Draw, t: SchemaType): string {
  switch (t.kind) {
    case "bool":
      return d.chance(0.5) ? "true" : "false";
    case "int":
      return intLiteral(d, drawIntValue(d));
    case "string":
      return stringLiteral(d, drawStringValue(d));
    case "list": {
      // never empty: `[]` has no element type of its own (the checker types it list<never>)
      const n = d.int(1, 3);
      return `[${Array.from({ length: n }, () => literal(d, t.element)).join(", ")}]`;
    }
    case "map": {
      const keys = [...KEY_POOL];
      const n = d.int(1, 3);
      const entries: string[] = [];
      for (let i = 0; i < n; i++) entries.push(`${stringLiteral(d, keys.splice(d.int(0, keys.length - 1), 1)[0]!)}: ${literal(d, t.value)}`);
      return `{${entries.join(", ")}}`;
    }
    case "record":
      throw new Error("records have no literal");
  }
}

/** A value type to compare, index or iterate: scalars mostly, or the type of something in scope. */
function operandType(d: Draw, env: Env): SchemaType {
  const readable = env.terms.filter((x) => !containsRecord(x.type));
  return d.weighted<() => SchemaType>([
    [4, () => INT],
    [3, () => STRING],
    [1, () => BOOL],
    [3, () => (readable.length ? d.pick(readable).type : INT)],
    [1, () => list(INT)],
    [1, () => list(STRING)],
    [1, () => map(INT)],
  ])();
}

/** The text of an expression of type `t` (never a record) in `env`, at most `depth` levels deep. */
export function expr(d: Draw, env: Env, t: SchemaType, depth: number): string {
  const terms = termsOfType(env, t);
  const nothings = nothingsFitting(env, t);
  if (depth <= 0) {
    if (nothings.length && d.chance(0.4)) return d.pick(nothings);
    return terms.length && d.chance(0.6) ? d.pick(terms).text : literal(d, t);
  }
  const sub = (u: SchemaType, e: Env = env) => expr(d, e, u, depth - 1);
  const options: [number, () => string][] = [
    [2, () => literal(d, t)],
    [terms.length ? 5 : 0, () => d.pick(terms).text],
    [nothings.length ? 4 : 0, () => d.pick(nothings)],
    [1, () => `(${sub(BOOL)} ? ${sub(t)} : ${sub(t)})`],
    [2, () => indexInto(d, env, t, depth)],
  ];
  switch (t.kind) {
    case "bool":
      options.push(...boolOptions(d, env, depth));
      break;
    case "int":
      options.push(
        [3, () => `(${sub(INT)} ${d.pick(["+", "-", "*"])} ${sub(INT)})`],
        // a zero divisor often enough that division and modulo by zero reach rule outcomes
        [3, () => `(${sub(INT)} ${d.pick(["/", "%"])} ${d.chance(0.5) ? "0" : sub(INT)})`],
        [1, () => `(-${sub(INT)})`],
        [2, () => sized(d, env, depth)],
      );
      break;
    case "string":
      options.push([2, () => `(${sub(STRING)} + ${sub(STRING)})`]);
      break;
    case "list":
      options.push(
        [1, () => `[${Array.from({ length: d.int(1, 3) }, () => sub(t.element)).join(", ")}]`],
        [2, () => `(${sub(t)} + ${sub(t)})`],
        // `[]` where a list of elements is expected: its elements are those of what it meets
        [1, () => (d.chance(0.5) ? `([] + ${sub(t)})` : `(${sub(BOOL)} ? [] : ${sub(t)})`)],
        [2, () => macro(d, env, depth, "filter", t)],
        [2, () => macro(d, env, depth, "map", t)],
      );
      break;
    case "map":
      options.push([1, () => `{${pickKeys(d).map((k) => `${stringLiteral(d, k)}: ${sub(t.value)}`).join(", ")}}`]);
      options.push([1, () => `(${sub(BOOL)} ? {} : ${sub(t)})`]);
      break;
    case "record":
      throw new Error("an expression of a record type is never wanted");
  }
  return d.weighted(options)();
}

function pickKeys(d: Draw): string[] {
  const keys = [...KEY_POOL];
  return Array.from({ length: d.int(1, 3) }, () => keys.splice(d.int(0, keys.length - 1), 1)[0]!);
}

function boolOptions(d: Draw, env: Env, depth: number): [number, () => string][] {
  const sub = (u: SchemaType) => expr(d, env, u, depth - 1);
  const ordered = () => d.pick([INT, STRING, BOOL]);
  return [
    [4, () => { const u = operandType(d, env); return `(${sub(u)} ${d.pick(["==", "!="])} ${sub(u)})`; }],
    // the empty literal on either side: its type (list<never>) meets the other side's from the left too
    [1, () => {
      const u = d.pick([list(INT), list(STRING), map(INT)]);
      const empty = u.kind === "map" ? "{}" : "[]";
      const op = d.pick(["==", "!="]);
      return d.chance(0.5) ? `(${sub(u)} ${op} ${empty})` : `(${empty} ${op} ${sub(u)})`;
    }],
    [4, () => { const u = ordered(); return `(${sub(u)} ${d.pick(["<", "<=", ">", ">="])} ${sub(u)})`; }],
    [2, () => `(!${sub(BOOL)})`],
    [4, () => `(${sub(BOOL)} ${d.pick(["&&", "||"])} ${sub(BOOL)})`],
    [2, () => { const u = operandType(d, env); return `(${sub(u)} in ${sub(list(u))})`; }],
    [2, () => `(${sub(STRING)} in ${sub(map(operandType(d, env)))})`],
    [env.optionals.length ? 3 : 0, () => `has(${d.pick(env.optionals)})`],
    [1, () => { const m = termsWhere(env, (x) => x.kind === "map"); return m.length ? `has(${d.pick(m).text}.${d.pick(IDENT_KEYS)})` : "true"; }],
    [2, () => `${receiver(sub(STRING))}.${d.pick(["startsWith", "endsWith", "contains"])}(${sub(STRING)})`],
    [4, () => macro(d, env, depth, d.pick(["all", "exists", "exists_one"]), BOOL)],
  ];
}

function termsWhere(env: Env, p: (t: SchemaType) => boolean): Term[] {
  return env.terms.filter((x) => p(x.type));
}

/** Literals and names can take a method call as they are; anything else is already parenthesised. */
function receiver(text: string): string {
  return /^[-(]/.test(text) || /^\d/.test(text) ? `(${text})` : text;
}

/** `size(x)` or `x.size()` of a string, list or map. */
function sized(d: Draw, env: Env, depth: number): string {
  const sizable = termsWhere(env, (t) => t.kind === "string" || t.kind === "list" || t.kind === "map");
  const operand = sizable.length && d.chance(0.6) ? d.pick(sizable).text : expr(d, env, d.pick([STRING, list(INT), map(STRING)]), depth - 1);
  return d.chance(0.5) ? `size(${operand})` : `${receiver(operand)}.size()`;
}

/** An element of type `t` read by index from a list (`l[i]`) or a map (`m["k"]`, `m.k`). */
function indexInto(d: Draw, env: Env, t: SchemaType, depth: number): string {
  if (containsRecord(t)) return literal(d, t);
  if (d.chance(0.5)) {
    const l = expr(d, env, list(t), depth - 1);
    const i = d.chance(0.7) ? String(d.int(0, 3)) : expr(d, env, INT, depth - 1);
    return `${receiver(l)}[${i}]`;
  }
  const m = expr(d, env, map(t), depth - 1);
  if (d.chance(0.3) && /^[A-Za-z_][\w.]*$/.test(m)) return `${m}.${d.pick(IDENT_KEYS)}`;
  const k = d.chance(0.7) ? stringLiteral(d, d.pick(KEY_POOL)) : expr(d, env, STRING, depth - 1);
  return `${receiver(m)}[${k}]`;
}

/**
 * A macro call over a list or map. For `filter` the range has the result's type; for `map` the
 * transform has the result's element type; the others are predicates.
 */
function macro(d: Draw, env: Env, depth: number, name: "all" | "exists" | "exists_one" | "filter" | "map", result: SchemaType): string {
  const v = `x${env.depthOfVars}`;
  if (d.chance(0.15)) return macroOverEmpty(d, env, depth, name, result, v);
  let rangeText: string;
  let element: SchemaType;
  if (name === "filter") {
    element = (result as { element: SchemaType }).element;
    rangeText = expr(d, env, result, depth - 1);
  } else {
    const ranges = termsWhere(env, (t) => t.kind === "list" || t.kind === "map");
    if (ranges.length && d.chance(0.7)) {
      const r = d.pick(ranges);
      rangeText = r.text;
      element = r.type.kind === "list" ? r.type.element : STRING;
    } else {
      const rt = d.pick([list(INT), list(STRING), map(INT)]);
      rangeText = expr(d, env, rt, depth - 1);
      element = rt.kind === "list" ? rt.element : STRING;
    }
  }
  const inner = withVar(env, v, element);
  const body = (u: SchemaType) => expr(d, inner, u, depth - 1);
  const call = (args: string) => `${receiver(rangeText)}.${name}(${v}, ${args})`;
  if (name === "map") {
    const transform = body((result as { element: SchemaType }).element);
    return d.chance(0.3) ? call(`${body(BOOL)}, ${transform}`) : call(transform);
  }
  return call(body(BOOL));
}

/**
 * A macro over an empty literal or a constant holding one. Over `[]` (and `{}` for `filter`'s list)
 * the body never runs, and its variable is of no type; over `[[]]` and `[{}]` it runs once, with an
 * empty list or map; over `{}` its variable is a string key.
 */
function macroOverEmpty(d: Draw, env: Env, depth: number, name: "all" | "exists" | "exists_one" | "filter" | "map", result: SchemaType, v: string): string {
  const emptyLists = env.terms.filter((x) => x.empty && x.type.kind === "list").map((x) => x.text);
  const emptyMaps = env.terms.filter((x) => x.empty && x.type.kind === "map").map((x) => x.text);
  // `filter` keeps the range's elements: only a range of no element type gives a list of any type
  const ranges: [string, Nothing["holds"] | "key"][] =
    name === "filter"
      ? [["[]", "any"], ...emptyLists.map((x): [string, "any"] => [x, "any"])]
      : [["[]", "any"], ["{}", "key"], ["[[]]", "list"], ["[{}]", "map"], ...emptyLists.map((x): [string, "any"] => [x, "any"]), ...emptyMaps.map((x): [string, "key"] => [x, "key"])];
  const [rangeText, holds] = d.pick(ranges);
  const inner = holds === "key" ? withVar(env, v, STRING) : withNothing(env, v, holds);
  const body = (u: SchemaType) => expr(d, inner, u, depth - 1);
  // the variable compared with values of two types (often the request's): each is laid out as its
  // own type, whatever the variable met first
  const meeting = (): string => {
    const u = operandType(d, inner);
    const other = body(u);
    const x = d.pick(nothingsFitting(inner, u));
    return d.chance(0.5) ? `(${x} ${d.pick(["==", "!="])} ${other})` : `(${other} ${d.pick(["==", "!="])} ${x})`;
  };
  const predicate = (): string => (holds !== "key" && d.chance(0.5) ? `(${meeting()} ${d.pick(["&&", "||"])} ${meeting()})` : body(BOOL));
  const call = (args: string) => `${rangeText}.${name}(${v}, ${args})`;
  if (name === "map") {
    const transform = body((result as { element: SchemaType }).element);
    return d.chance(0.3) ? call(`${predicate()}, ${transform}`) : call(transform);
  }
  return call(predicate());
}

/** The environment of a policy whose input fields are read under `prefix` (`""`: at the top). */
export function inputEnv(fields: readonly { name: string; type: SchemaType; optional: boolean }[], prefix: string, constants: readonly Term[]): Env {
  const terms: Term[] = [...constants];
  const optionals: string[] = [];
  for (const f of fields) {
    const text = prefix ? `${prefix}.${f.name}` : f.name;
    const sub = termsOf(text, f.type);
    terms.push(...sub.terms);
    optionals.push(...sub.optionals);
    if (f.optional && prefix) optionals.push(text);
  }
  return { terms, optionals, depthOfVars: 0 };
}
