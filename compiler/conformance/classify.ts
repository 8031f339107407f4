// Decides whether a conformance case lies inside Writ's CEL subset, and if not, names the feature it
// needs. It looks at the expected value, the bindings and declared types the expression uses, and
// the expression itself: the AST is walked for literals and functions outside the subset, and a
// small type inference finds what only dynamic typing allows (heterogeneous lists, `1 == 'a'`, a
// string used as a bool under `disable_check`). The inference is deliberately lenient — it flags a
// mismatch only between two known, different types — so anything it lets through is judged by
// Writ's own checker in the runner, where a type error on a case that expects a value is a failure.

import type { Span } from "../source.js";
import type { Expr } from "../syntax/ast.js";
import type { ConformanceCase } from "./cases.js";
import { ownMember } from "../../runtime/own.js";
import { typeOfValue, unsupportedFeatureOfType, unsupportedFeatureOfValue, type CelType, type CelValue } from "./values.js";

/** A parsed expression, or why it could not be parsed (by Writ's own parser). */
export type ParsedExpression = { readonly expr: Expr } | { readonly parseError: string };

export type ExpressionParser = (text: string) => ParsedExpression;

export interface Classification {
  /** the first feature outside the subset, or undefined when the case is supported */
  readonly unsupported: string | undefined;
  /** every feature found, deduplicated, in discovery order */
  readonly features: readonly string[];
  /**
   * a result matcher the runner cannot check (unknowns, type deduction), listed first in `features`:
   * it makes the case unsupported, but it is no construct of the expression, so nothing the
   * compiler must refuse
   */
  readonly matcher: string | undefined;
  /** set when Writ's parser rejected the expression (a failure, unless another feature explains it) */
  readonly parseError: string | undefined;
  /** the free variables the expression reads, with the spans of each occurrence (for renaming) */
  readonly variables: ReadonlyMap<string, readonly Span[]>;
  /** the declared type of each variable read (from type_env, else from its bound value) */
  readonly variableTypes: ReadonlyMap<string, CelType>;
  /** the inferred type of the whole expression (`bool`, `int`, `list<int>`, `dyn` when unknown) */
  readonly type: string;
}

// Inferred types: `dyn` where unknown (an empty list's element, a function outside the subset, ...)
type T =
  | { readonly k: "bool" }
  | { readonly k: "int" }
  | { readonly k: "string" }
  | { readonly k: "list"; readonly e: T }
  | { readonly k: "map"; readonly v: T }
  | { readonly k: "dyn" };

const BOOL: T = { k: "bool" };
const INT: T = { k: "int" };
const STRING: T = { k: "string" };
const DYN: T = { k: "dyn" };

function show(t: T): string {
  return t.k === "list" ? `list<${show(t.e)}>` : t.k === "map" ? `map<string, ${show(t.v)}>` : t.k;
}

/** Two types are compatible unless both are known and differ somewhere. */
function compatible(a: T, b: T): boolean {
  if (a.k === "dyn" || b.k === "dyn") return true;
  if (a.k === "list" && b.k === "list") return compatible(a.e, b.e);
  if (a.k === "map" && b.k === "map") return compatible(a.v, b.v);
  return a.k === b.k;
}

/** The more specific of two compatible types. */
function join(a: T, b: T): T {
  if (a.k === "dyn") return b;
  if (b.k === "dyn") return a;
  if (a.k === "list" && b.k === "list") return { k: "list", e: join(a.e, b.e) };
  if (a.k === "map" && b.k === "map") return { k: "map", v: join(a.v, b.v) };
  return a;
}

function fromCel(t: CelType): T {
  switch (t.kind) {
    case "bool":
      return BOOL;
    case "int":
      return INT;
    case "string":
      return STRING;
    case "list":
      return { k: "list", e: fromCel(t.element) };
    case "map":
      return { k: "map", v: fromCel(t.value) };
    case "unsupported":
      return DYN;
  }
}

const MACROS = new Set(["all", "exists", "exists_one", "filter", "map"]);
const TYPE_NAMES = new Set(["int", "uint", "double", "bool", "string", "bytes", "list", "map", "null_type", "type", "dyn"]);

function functionFeature(fn: string): string {
  if (fn === "matches") return "matches (regex)";
  if (fn === "dyn") return "dyn()";
  if (fn === "type") return "type()";
  if (["int", "uint", "double", "string", "bytes", "bool"].includes(fn)) return "type conversions";
  if (fn === "timestamp" || fn === "duration" || /^get[A-Z]/.test(fn)) return "timestamp/duration";
  if (["optional", "orValue", "hasValue", "value", "of", "none", "ofNonZeroValue"].includes(fn)) return "optional values";
  return `function \`${fn}\``;
}

class Walker {
  readonly features: string[] = [];
  readonly variables = new Map<string, Span[]>();
  readonly variableTypes = new Map<string, CelType>();

  constructor(private readonly c: ConformanceCase) {}

  private feature(f: string): void {
    if (!this.features.includes(f)) this.features.push(f);
  }

  /** A type mismatch CEL tolerates only dynamically (or not at all, under disable_check). */
  private mismatch(detail: string): void {
    this.feature(this.c.disableCheck ? `dynamic typing (disable_check): ${detail}` : detail);
  }

  private expectType(t: T, want: T, what: string): void {
    if (!compatible(t, want)) this.mismatch(`${what} is \`${show(t)}\`, not \`${show(want)}\``);
  }

  private variable(name: string, span: Span): T {
    // their own members: a variable named `constructor` is undeclared, not Object.prototype's
    const declared = ownMember(this.c.typeEnv, name) as CelType | undefined;
    const bound = ownMember(this.c.bindings, name) as CelValue | undefined;
    if (declared === undefined && bound === undefined) {
      if (this.c.unsupportedBindings.includes(name)) this.feature("error or unknown bindings");
      else if (TYPE_NAMES.has(name)) this.feature("type values");
      else if (Object.keys(this.c.bindings).some((b) => b.startsWith(name + "."))) this.feature("qualified identifiers");
      else if (this.c.container !== "") this.feature("container (namespaced names)");
      else this.feature("undeclared variables (resolved at run time)");
      return DYN;
    }
    const list = this.variables.get(name) ?? [];
    list.push(span);
    this.variables.set(name, list);
    if (bound === undefined) {
      this.feature("declared variables without a value");
      return declared ? fromCel(declared) : DYN;
    }
    const valueFeature = unsupportedFeatureOfValue(bound);
    if (valueFeature) this.feature(valueFeature);
    const type = declared ?? typeOfValue(bound);
    if (type === undefined) {
      if (!valueFeature) this.feature("bindings of undetermined type");
      return DYN;
    }
    const typeFeature = unsupportedFeatureOfType(type);
    if (typeFeature) this.feature(typeFeature);
    this.variableTypes.set(name, type);
    return fromCel(type);
  }

  /** Infers the type of `e`; `scope` holds the comprehension variables in scope. */
  infer(e: Expr, scope: ReadonlyMap<string, T>): T {
    switch (e.kind) {
      case "IntLiteral":
        return INT;
      case "StringLiteralExpr":
        return STRING;
      case "BoolLiteral":
        return BOOL;
      case "UintLiteral":
        this.feature("uint");
        return DYN;
      case "DoubleLiteral":
        this.feature("double");
        return DYN;
      case "BytesLiteral":
        this.feature("bytes");
        return DYN;
      case "NullLiteral":
        this.feature("null");
        return DYN;
      case "Ident": {
        if (e.leadingDot) this.feature("leading-dot names (`.name`)");
        const local = scope.get(e.name);
        return local ?? this.variable(e.name, e.span);
      }
      case "Select": {
        if (e.optional) this.feature("optional syntax (`.?`, `[?]`)");
        const t = this.infer(e.operand, scope);
        if (t.k === "map") return t.v;
        if (t.k !== "dyn") this.mismatch(`field selection on \`${show(t)}\``);
        return DYN;
      }
      case "Index": {
        if (e.optional) this.feature("optional syntax (`.?`, `[?]`)");
        const t = this.infer(e.operand, scope);
        const i = this.infer(e.index, scope);
        if (t.k === "list") {
          this.expectType(i, INT, "a list index");
          return t.e;
        }
        if (t.k === "map") {
          if (i.k !== "string" && i.k !== "dyn") this.feature("map keys other than strings");
          return t.v;
        }
        if (t.k !== "dyn") this.mismatch(`indexing \`${show(t)}\``);
        return DYN;
      }
      case "Call":
        return this.inferCall(e, scope);
      case "Unary": {
        const t = this.infer(e.operand, scope);
        const want = e.op === "!" ? BOOL : INT;
        this.expectType(t, want, `the operand of \`${e.op}\``);
        return want;
      }
      case "Binary":
        return this.inferBinary(e, scope);
      case "Conditional": {
        this.expectType(this.infer(e.test, scope), BOOL, "the condition of `? :`");
        const a = this.infer(e.then, scope);
        const b = this.infer(e.otherwise, scope);
        if (!compatible(a, b)) this.mismatch(`\`? :\` branches of types \`${show(a)}\` and \`${show(b)}\``);
        return join(a, b);
      }
      case "List": {
        if (e.optionalElements) this.feature("optional syntax (`.?`, `[?]`)");
        let t: T = DYN;
        for (const el of e.elements) {
          const u = this.infer(el, scope);
          if (!compatible(t, u)) this.feature("heterogeneous lists");
          else t = join(t, u);
        }
        return { k: "list", e: t };
      }
      case "Map": {
        if (e.entries.some((x) => x.optional)) this.feature("optional syntax (`.?`, `[?]`)");
        let t: T = DYN;
        for (const entry of e.entries) {
          const k = this.infer(entry.key, scope);
          if (k.k !== "string") this.feature("map keys other than strings");
          const u = this.infer(entry.value, scope);
          if (!compatible(t, u)) this.feature("heterogeneous maps");
          else t = join(t, u);
        }
        return { k: "map", v: t };
      }
      case "Struct":
        // the outer construct is named first: it is what the author wrote and the compiler reports
        this.feature("message construction");
        for (const f of e.fields) this.infer(f.value, scope);
        return DYN;
      case "ErrorExpr":
        return DYN;
    }
  }

  private inferCall(e: Extract<Expr, { kind: "Call" }>, scope: ReadonlyMap<string, T>): T {
    const arity = e.args.length;
    if (e.target !== undefined && MACROS.has(e.fn) && (arity === 2 || (e.fn === "map" && arity === 3)) && e.args[0]!.kind === "Ident") {
      const range = this.infer(e.target, scope);
      const variable = (e.args[0] as Extract<Expr, { kind: "Ident" }>).name;
      const elem: T = range.k === "list" ? range.e : range.k === "map" ? STRING : DYN;
      if (range.k !== "list" && range.k !== "map" && range.k !== "dyn") this.mismatch(`\`${e.fn}\` over \`${show(range)}\``);
      const inner = new Map(scope).set(variable, elem);
      const results = e.args.slice(1).map((a) => this.infer(a, inner));
      if (e.fn === "map") {
        if (arity === 3) this.expectType(results[0]!, BOOL, "a `map` filter");
        return { k: "list", e: results[results.length - 1]! };
      }
      this.expectType(results[0]!, BOOL, `the predicate of \`${e.fn}\``);
      return e.fn === "filter" ? { k: "list", e: elem } : BOOL;
    }
    if (e.target === undefined && e.fn === "has" && arity === 1 && e.args[0]!.kind === "Select") {
      this.infer((e.args[0] as Extract<Expr, { kind: "Select" }>).operand, scope);
      return BOOL;
    }
    const isSize = e.fn === "size" && ((e.target === undefined && arity === 1) || (e.target !== undefined && arity === 0));
    const isStringTest = ["startsWith", "endsWith", "contains"].includes(e.fn) && e.target !== undefined && arity === 1;
    // an unsupported function is named before anything in its arguments (outer construct first)
    if (!isSize && !isStringTest) this.feature(functionFeature(e.fn));
    const target = e.target === undefined ? undefined : this.infer(e.target, scope);
    const args = e.args.map((a) => this.infer(a, scope));
    if (e.fn === "size" && ((target === undefined && arity === 1) || (target !== undefined && arity === 0))) {
      const t = target ?? args[0]!;
      if (t.k !== "string" && t.k !== "list" && t.k !== "map" && t.k !== "dyn") this.mismatch(`\`size\` of \`${show(t)}\``);
      return INT;
    }
    if ((e.fn === "startsWith" || e.fn === "endsWith" || e.fn === "contains") && target !== undefined && arity === 1) {
      this.expectType(target, STRING, `the receiver of \`${e.fn}\``);
      this.expectType(args[0]!, STRING, `the argument of \`${e.fn}\``);
      return BOOL;
    }
    return DYN;
  }

  private inferBinary(e: Extract<Expr, { kind: "Binary" }>, scope: ReadonlyMap<string, T>): T {
    const l = this.infer(e.left, scope);
    const r = this.infer(e.right, scope);
    switch (e.op) {
      case "&&":
      case "||":
        this.expectType(l, BOOL, `an operand of \`${e.op}\``);
        this.expectType(r, BOOL, `an operand of \`${e.op}\``);
        return BOOL;
      case "==":
      case "!=":
        if (!compatible(l, r)) this.mismatch(`heterogeneous equality (\`${show(l)}\` ${e.op} \`${show(r)}\`)`);
        return BOOL;
      case "<":
      case "<=":
      case ">":
      case ">=":
        if (!compatible(l, r)) this.mismatch(`cross-type comparison (\`${show(l)}\` ${e.op} \`${show(r)}\`)`);
        else {
          const t = join(l, r);
          if (t.k !== "bool" && t.k !== "int" && t.k !== "string" && t.k !== "dyn") this.mismatch(`ordering \`${show(t)}\` values`);
        }
        return BOOL;
      case "in":
        if (r.k === "list") {
          if (!compatible(l, r.e)) this.mismatch(`\`${show(l)}\` in \`${show(r)}\``);
        } else if (r.k === "map") {
          if (l.k !== "string" && l.k !== "dyn") this.feature("map keys other than strings");
        } else if (r.k !== "dyn") this.mismatch(`\`in\` on \`${show(r)}\``);
        return BOOL;
      case "+": {
        if (!compatible(l, r)) {
          this.mismatch(`\`${show(l)}\` + \`${show(r)}\``);
          return DYN;
        }
        const t = join(l, r);
        if (t.k === "bool" || t.k === "map") this.mismatch(`\`+\` on \`${show(t)}\``);
        return t;
      }
      case "-":
      case "*":
      case "/":
      case "%":
        this.expectType(l, INT, `an operand of \`${e.op}\``);
        this.expectType(r, INT, `an operand of \`${e.op}\``);
        return INT;
    }
  }
}

/** Classifies one case. `parse` is Writ's expression parser (compiler/syntax). */
export function classifyCase(c: ConformanceCase, parse: ExpressionParser): Classification {
  const w = new Walker(c);
  const pre: string[] = [];
  const matcher = "unsupported" in c.expected ? c.expected.unsupported : undefined;
  if (matcher !== undefined) pre.push(matcher);
  if ("value" in c.expected) {
    const f = unsupportedFeatureOfValue(c.expected.value);
    if (f) pre.push(f);
  }
  if (c.disableMacros) pre.push("disable_macros");
  let parseError: string | undefined;
  let type: T = DYN;
  const parsed = parse(c.expr);
  if ("expr" in parsed) type = w.infer(parsed.expr, new Map());
  else parseError = parsed.parseError;
  const features = [...new Set([...pre, ...w.features])];
  return {
    unsupported: features[0],
    features,
    matcher,
    parseError,
    variables: w.variables,
    variableTypes: w.variableTypes,
    type: show(type),
  };
}
