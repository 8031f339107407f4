// The expression checker: resolves names against the schema, the constants and comprehension
// variables, checks every operator and function against CEL's overloads for the subset, and lowers
// the checked expression to IR (compiler/ir/ir.ts). One pass does both because IR nodes are typed;
// the AST is never modified. An expression with an error yields a node of type `error` so that one
// mistake gives one diagnostic.

import type { BinaryExpr, CallExpr, Expr } from "../syntax/ast.js";
import { assertUnreachable, type Diagnostic, error, listedNames, quotedName } from "../diagnostics.js";
import type { Span } from "../source.js";
import { BOOL, INT, NEVER, RAISING_BUILTINS, STRING, type Builtin, type IRType, type Macro, type Node, type Value } from "../ir/ir.js";
import { INT64_MAX, INT64_MIN } from "../../runtime/schema.js";
import { mapValue } from "../ir/values.js";
import { Codes } from "./codes.js";
import { didYouMean } from "./suggest.js";
import { ERROR_TYPE, containsRecord, typeToString, unify, type CheckType } from "./types.js";
import { UNSUPPORTED_FUNCTIONS, UNSUPPORTED_LITERALS } from "./unsupported.js";

export interface Constant {
  readonly value: Value;
  readonly type: IRType;
}

interface Binding {
  readonly name: string;
  readonly comprehension: number;
  readonly type: CheckType;
  /** set when a name in scope resolves to it: whether a refused call's leading name is its variable */
  used?: boolean;
}

/** A checked expression: its IR node and its type (`error` after a diagnostic). */
export interface Checked {
  readonly node: Node;
  readonly type: CheckType;
}

const MACROS = new Set(["all", "exists", "exists_one", "filter", "map"]);

/** CEL's comprehensions the subset leaves out (unsupported.ts): their leading arguments name variables. */
const UNSUPPORTED_COMPREHENSIONS = new Set(["transformList", "transformMap"]);

/**
 * How a refused call's leading bare names (`x` in `l.exist(x, x > 0)`) are read when its arguments
 * are checked: as that many variables the call binds, as variables only where an argument after them
 * uses one (a function the checker does not know may be a macro), or as expressions like the rest.
 */
type RefusedNames = number | "if-used";

/** Functions written only as methods, and how (`l.all(x, …)`), for a call written as a function. */
const METHOD_FORMS: Readonly<Record<string, { receiver: string; args: string }>> = {
  all: { receiver: "list", args: "x, predicate" },
  exists: { receiver: "list", args: "x, predicate" },
  exists_one: { receiver: "list", args: "x, predicate" },
  filter: { receiver: "list", args: "x, predicate" },
  map: { receiver: "list", args: "x, transform" },
  startsWith: { receiver: "s", args: "prefix" },
  endsWith: { receiver: "s", args: "suffix" },
  contains: { receiver: "s", args: "text" },
};

/** The constant whose value is being checked: the names it may not use, and why. */
export interface ConstantScope {
  readonly name: string;
  /** whether `name` is a constant declared after this one */
  readonly declaredLater: (name: string) => boolean;
}

// `never` is the element type of an empty list literal (and the value type of `{}`) that nothing else
// fixes. No value has it: a comprehension variable of that type is bound over a list that is always
// empty, and any other expression of that type (`[][0]`, `{}.k`) errors when it is evaluated. CEL
// types it as a type parameter, so it is accepted wherever a value of any type is — as an operand,
// a condition, a predicate, a test, a range, an operand of `.`, `[]` or `has` — and the operation
// takes the type it gives when its other operands fix it, or `never` itself (`x.y`, `x[0]`).
/** Whether a value of type `t` can stand where a value of kind `kind` is required. */
const fits = (t: CheckType, kind: IRType["kind"]): boolean => t.kind === kind || t.kind === "never";

export class ExpressionChecker {
  private nextId: number;
  private readonly bindings: Binding[] = [];
  /** node id → source offset, for nodes that can raise an evaluation error */
  readonly errorSites: Record<string, number> = {};

  constructor(
    private readonly inputType: Extract<IRType, { kind: "record" }>,
    /** null for a constant that failed (its error is reported; uses of it are not reported again) */
    private readonly constants: ReadonlyMap<string, Constant | null>,
    readonly diagnostics: Diagnostic[],
    firstId = 0,
    /** set when checking a constant's value, which may use only the constants before it */
    private readonly constantScope?: ConstantScope,
  ) {
    this.nextId = firstId;
  }

  get nodeCount(): number {
    return this.nextId;
  }

  private id(): number {
    return this.nextId++;
  }

  private report(code: string, message: string, span: Span, help?: string): Checked {
    this.diagnostics.push(error(code, message, span, help));
    return this.poison(span);
  }

  private poison(span: Span): Checked {
    return { node: { op: "lit", id: this.id(), span, type: BOOL, value: false }, type: ERROR_TYPE };
  }

  private lit(value: Value, type: IRType, span: Span): Checked {
    return { node: { op: "lit", id: this.id(), span, type, value }, type };
  }

  private call(fn: Builtin, args: Checked[], type: IRType, span: Span): Checked {
    const id = this.id();
    // a builtin that can raise an error at its own node: its span goes into the error-site table
    if (RAISING_BUILTINS.has(fn)) this.errorSites[String(id)] = span.start;
    return { node: { op: "call", id, span, type, fn, args: args.map((a) => a.node) }, type };
  }

  /** Checks a condition: it must be a bool. */
  checkCondition(expr: Expr): Checked {
    const c = this.check(expr);
    if (!fits(c.type, "bool") && c.type.kind !== "error")
      return this.report(Codes.notBool, `a condition must be a bool, but this is \`${typeToString(c.type)}\``, expr.span);
    return c;
  }

  check(expr: Expr): Checked {
    switch (expr.kind) {
      case "IntLiteral":
        if (expr.value > INT64_MAX)
          return this.report(Codes.intOutOfRange, `integer literal \`${expr.value}\` is outside the int64 range`, expr.span);
        return this.lit(expr.value, INT, expr.span);
      case "UintLiteral":
        return this.report(Codes.unsupported, UNSUPPORTED_LITERALS.uint, expr.span);
      case "DoubleLiteral":
        return this.report(Codes.unsupported, UNSUPPORTED_LITERALS.double, expr.span);
      case "BytesLiteral":
        return this.report(Codes.unsupported, UNSUPPORTED_LITERALS.bytes, expr.span);
      case "NullLiteral":
        return this.report(Codes.unsupported, UNSUPPORTED_LITERALS.null, expr.span);
      case "StringLiteralExpr":
        return this.lit(expr.value, STRING, expr.span);
      case "BoolLiteral":
        return this.lit(expr.value, BOOL, expr.span);
      case "Ident":
        return this.checkIdent(expr.name, expr.leadingDot, expr.span);
      case "Select":
        return this.checkSelect(expr);
      case "Index": {
        if (expr.optional) return this.report(Codes.unsupported, UNSUPPORTED_LITERALS.optionalSyntax, expr.span);
        const operand = this.check(expr.operand);
        const index = this.check(expr.index);
        return this.index(operand, index, expr.span, expr.index.span);
      }
      case "Call":
        return this.checkCall(expr);
      case "Unary": {
        if (expr.op === "-" && expr.operand.kind === "IntLiteral" && expr.operand.span.start === expr.span.start + 1) {
          // fold `-<digits>` so that INT64_MIN can be written: CEL's INT_LIT is `-? DIGIT+`, one token,
          // so only a minus right before the digits (not `- 9…`, not `-(9…)`) belongs to the literal
          const v = -expr.operand.value;
          if (v < INT64_MIN) return this.report(Codes.intOutOfRange, `integer literal \`${v}\` is outside the int64 range`, expr.span);
          return this.lit(v, INT, expr.span);
        }
        const operand = this.check(expr.operand);
        if (operand.type.kind === "error") return operand;
        if (expr.op === "!") {
          if (!fits(operand.type, "bool")) return this.noOverload("!", [operand.type], expr.span);
          return this.call("not", [operand], BOOL, expr.span);
        }
        if (!fits(operand.type, "int")) return this.noOverload("-", [operand.type], expr.span);
        return this.call("neg", [operand], INT, expr.span);
      }
      case "Binary":
        return this.checkBinary(expr);
      case "Conditional": {
        const test = this.check(expr.test);
        const then = this.check(expr.then);
        const otherwise = this.check(expr.otherwise);
        if (!fits(test.type, "bool") && test.type.kind !== "error")
          return this.report(Codes.typeMismatch, `the test of \`?:\` must be a bool, but this is \`${typeToString(test.type)}\``, expr.test.span);
        const t = unify(then.type, otherwise.type);
        if (!t)
          return this.report(Codes.typeMismatch, `the branches of \`?:\` have different types: ${twoTypes(then.type, otherwise.type)}`, expr.span);
        if (t.kind === "error" || test.type.kind === "error") return this.poison(expr.span);
        return { node: { op: "cond", id: this.id(), span: expr.span, type: t, test: test.node, then: then.node, otherwise: otherwise.node }, type: t };
      }
      case "List":
        return this.checkList(expr.elements, expr.span);
      case "Map":
        return this.checkMap(expr);
      case "Struct":
        return this.report(Codes.unsupported, UNSUPPORTED_LITERALS.struct, expr.span);
      case "ErrorExpr":
        return this.poison(expr.span); // the parser already reported it
      default:
        return assertUnreachable(expr);
    }
  }

  private checkIdent(name: string, leadingDot: boolean, span: Span): Checked {
    if (leadingDot) return this.report(Codes.unsupported, UNSUPPORTED_LITERALS.leadingDot, span);
    for (let i = this.bindings.length - 1; i >= 0; i--) {
      const b = this.bindings[i]!;
      if (b.name === name) {
        b.used = true;
        if (b.type.kind === "error") return this.poison(span);
        return { node: { op: "var", id: this.id(), span, type: b.type, name, comprehension: b.comprehension }, type: b.type };
      }
    }
    const constant = this.constants.get(name);
    if (constant === null) return this.poison(span);
    if (constant) return this.lit(constant.value, constant.type, span);
    const field = this.inputType.fields.find((f) => f.name === name);
    if (field) {
      const input: Node = { op: "input", id: this.id(), span, type: this.inputType };
      return this.field({ node: input, type: this.inputType }, name, span);
    }
    const scope = this.constantScope;
    if (scope?.name === name)
      return this.report(Codes.unknownIdentifier, `constant \`${name}\` refers to itself`, span, "a constant may use only the constants declared before it");
    if (scope?.declaredLater(name))
      return this.report(Codes.unknownIdentifier, `constant \`${name}\` is declared after \`${scope.name}\``, span, `a constant may use only the constants declared before it: declare \`${name}\` first`);
    // not offered: a constant whose declaration failed (its error is reported where it is
    // declared), and in a constant's value the request's fields, which it may not read
    const constants = [...this.constants].filter(([, c]) => c !== null).map(([n]) => n);
    const fields = scope ? [] : this.inputType.fields.map((f) => f.name);
    const candidates = [...this.bindings.map((b) => b.name), ...constants, ...fields];
    return this.report(
      Codes.unknownIdentifier,
      `unknown name \`${quotedName(name)}\``,
      span,
      didYouMean(name, candidates) ?? (candidates.length ? `names in scope: ${listedNames(candidates)}` : undefined),
    );
  }

  /** whether `name` reads a field of the input (no comprehension variable or constant hides it) */
  private isInputField(name: string): boolean {
    if (this.bindings.some((b) => b.name === name) || this.constants.has(name)) return false;
    return this.inputType.fields.some((f) => f.name === name);
  }

  /** `record.name` for a record-typed operand. */
  private field(record: Checked, name: string, span: Span): Checked {
    const t = record.type as Extract<IRType, { kind: "record" }>;
    const f = t.fields.find((x) => x.name === name)!;
    const id = this.id();
    if (f.optional) this.errorSites[String(id)] = span.start;
    return { node: { op: "field", id, span, type: f.type, record: record.node, field: name, optional: f.optional }, type: f.type };
  }

  private checkSelect(expr: Extract<Expr, { kind: "Select" }>): Checked {
    if (expr.optional) return this.report(Codes.unsupported, UNSUPPORTED_LITERALS.optionalSyntax, expr.span);
    const operand = this.check(expr.operand);
    const t = operand.type;
    if (t.kind === "error") return operand;
    if (t.kind === "record") {
      if (!t.fields.some((f) => f.name === expr.field)) {
        const names = t.fields.map((f) => f.name);
        return this.report(
          Codes.unknownField,
          `no field \`${quotedName(expr.field)}\` in \`${quotedName(describeOperand(expr.operand))}\``,
          expr.fieldSpan,
          didYouMean(expr.field, names) ?? `its fields are ${listedNames(names)}`,
        );
      }
      return this.field(operand, expr.field, expr.span);
    }
    if (t.kind === "map" || t.kind === "never") {
      // CEL: `m.key` is `m["key"]` (a `never` operand is read as a map: it has no value to select from)
      return this.call("index_map", [operand, this.lit(expr.field, STRING, expr.fieldSpan)], t.kind === "map" ? t.value : NEVER, expr.span);
    }
    return this.report(Codes.typeMismatch, `cannot select \`${quotedName(expr.field)}\` from a value of type \`${typeToString(t)}\``, expr.fieldSpan);
  }

  private index(operand: Checked, index: Checked, span: Span, indexSpan: Span): Checked {
    const t = operand.type;
    if (t.kind === "error" || index.type.kind === "error") return this.poison(span);
    if (t.kind === "list") {
      if (!fits(index.type, "int"))
        return this.report(Codes.typeMismatch, `a list index must be an int, but this is \`${typeToString(index.type)}\``, indexSpan);
      return this.call("index_list", [operand, index], t.element, span);
    }
    if (t.kind === "map") {
      if (!fits(index.type, "string"))
        return this.report(Codes.typeMismatch, `a map key must be a string, but this is \`${typeToString(index.type)}\``, indexSpan);
      return this.call("index_map", [operand, index], t.value, span);
    }
    if (t.kind === "never") {
      // a list or a map, as the index says (it has no value to index)
      if (fits(index.type, "int")) return this.call("index_list", [operand, index], NEVER, span);
      if (index.type.kind === "string") return this.call("index_map", [operand, index], NEVER, span);
      return this.report(Codes.typeMismatch, `an index must be an int or a string, but this is \`${typeToString(index.type)}\``, indexSpan);
    }
    return this.report(Codes.typeMismatch, `cannot index a value of type \`${typeToString(t)}\``, span);
  }

  private noOverload(op: string, types: CheckType[], span: Span): Checked {
    return this.report(
      Codes.noOverload,
      `no overload of \`${op}\` for (${types.map((t) => `\`${typeToString(t)}\``).join(", ")})${alikeNote(types)}`,
      span,
    );
  }

  private checkBinary(expr: BinaryExpr): Checked {
    const l = this.check(expr.left);
    const r = this.check(expr.right);
    if (l.type.kind === "error" || r.type.kind === "error") return this.poison(expr.span);
    // An operand of type `never` (an element of an empty list literal) is never evaluated, so it
    // takes the other operand's type, or int when both are `never`: CEL types it as a type parameter.
    // Messages name the operands' own types (`never` included), not the ones taken.
    const lt = l.type.kind === "never" ? (r.type.kind === "never" ? INT : r.type) : l.type;
    const rt = r.type.kind === "never" ? lt : r.type;
    const span = expr.span;
    switch (expr.op) {
      case "&&":
      case "||":
        if (lt.kind !== "bool" || rt.kind !== "bool") return this.noOverload(expr.op, [l.type, r.type], expr.opSpan);
        return {
          node: { op: expr.op === "&&" ? "and" : "or", id: this.id(), span, type: BOOL, left: l.node, right: r.node },
          type: BOOL,
        };
      case "==":
      case "!=": {
        if (containsRecord(lt) || containsRecord(rt)) return this.report(Codes.unsupported, UNSUPPORTED_LITERALS.recordComparison, expr.opSpan);
        if (!unify(lt, rt))
          return this.report(Codes.typeMismatch, `cannot compare ${twoTypes(l.type, r.type, " with ")}`, expr.opSpan);
        return this.call(expr.op === "==" ? "eq" : "ne", [l, r], BOOL, span);
      }
      case "<":
      case "<=":
      case ">":
      case ">=": {
        const ordered = lt.kind === rt.kind && (lt.kind === "int" || lt.kind === "string" || lt.kind === "bool");
        if (!ordered) return this.noOverload(expr.op, [l.type, r.type], expr.opSpan);
        const fn: Builtin = expr.op === "<" ? "lt" : expr.op === "<=" ? "le" : expr.op === ">" ? "gt" : "ge";
        return this.call(fn, [l, r], BOOL, span);
      }
      case "in":
        if (r.type.kind === "never") {
          // no value to look in: read as a map for a string needle (or a `never` one), else as a list
          if (containsRecord(l.type)) return this.report(Codes.unsupported, UNSUPPORTED_LITERALS.recordComparison, expr.opSpan);
          return this.call(fits(l.type, "string") ? "in_map" : "in_list", [l, r], BOOL, span);
        }
        if (rt.kind === "list") {
          // a `never` needle takes the element type (not the list's, as for the other operators)
          const needle = l.type.kind === "never" ? rt.element : lt;
          if (containsRecord(needle)) return this.report(Codes.unsupported, UNSUPPORTED_LITERALS.recordComparison, expr.opSpan);
          if (!unify(needle, rt.element)) return this.noOverload("in", [l.type, r.type], expr.opSpan);
          return this.call("in_list", [l, r], BOOL, span);
        }
        if (rt.kind === "map") {
          if (lt.kind !== "string" && l.type.kind !== "never") {
            // A map with no entries (`{}`) has keys of any type in CEL, so `7 in {}` is CEL (false);
            // here every map's keys are strings, and looking up another key is the feature left out
            if (rt.value.kind === "never") return this.report(Codes.unsupported, UNSUPPORTED_LITERALS.mapKey, expr.opSpan);
            return this.noOverload("in", [l.type, r.type], expr.opSpan);
          }
          return this.call("in_map", [l, r], BOOL, span);
        }
        return this.noOverload("in", [l.type, r.type], expr.opSpan);
      case "+":
        if (lt.kind === "int" && rt.kind === "int") return this.call("add", [l, r], INT, span);
        if (lt.kind === "string" && rt.kind === "string") return this.call("concat_string", [l, r], STRING, span);
        if (lt.kind === "list" && rt.kind === "list") {
          const t = unify(lt, rt);
          if (t && t.kind === "list") return this.call("concat_list", [l, r], t, span);
        }
        return this.noOverload("+", [l.type, r.type], expr.opSpan);
      case "-":
      case "*":
      case "/":
      case "%": {
        if (lt.kind !== "int" || rt.kind !== "int") return this.noOverload(expr.op, [l.type, r.type], expr.opSpan);
        const fn: Builtin = expr.op === "-" ? "sub" : expr.op === "*" ? "mul" : expr.op === "/" ? "div" : "mod";
        return this.call(fn, [l, r], INT, span);
      }
      default:
        return assertUnreachable(expr.op);
    }
  }

  private checkList(elements: readonly Expr[], span: Span): Checked {
    const items = elements.map((e) => this.check(e));
    let t: CheckType = NEVER;
    for (let i = 0; i < items.length; i++) {
      const u = unify(t, items[i]!.type);
      if (!u)
        return this.report(
          Codes.typeMismatch,
          `list elements must have one type: ${twoTypes(t, items[i]!.type)}`,
          elements[i]!.span,
        );
      t = u;
    }
    if (t.kind === "error") return this.poison(span);
    if (containsRecord(t)) return this.report(Codes.unsupported, UNSUPPORTED_LITERALS.recordInList, span);
    const type: IRType = { kind: "list", element: t };
    if (items.every((i) => i.node.op === "lit")) return this.lit(items.map((i) => (i.node as { value: Value }).value), type, span);
    return { node: { op: "list", id: this.id(), span, type, elements: items.map((i) => i.node) }, type };
  }

  private checkMap(expr: Extract<Expr, { kind: "Map" }>): Checked {
    const keys = new Set<string>();
    const entries: { key: string; value: Checked }[] = [];
    let t: CheckType = NEVER;
    let failed = false;
    for (const e of expr.entries) {
      const k = this.check(e.key);
      const v = this.check(e.value);
      if (k.type.kind === "error" || v.type.kind === "error") {
        failed = true;
        continue;
      }
      if (k.type.kind !== "string") {
        this.report(Codes.unsupported, UNSUPPORTED_LITERALS.mapKey, e.key.span);
        failed = true;
        continue;
      }
      if (k.node.op !== "lit") {
        this.report(Codes.unsupported, "map literal keys must be constant strings", e.key.span);
        failed = true;
        continue;
      }
      const key = k.node.value as string;
      if (keys.has(key)) {
        this.report(Codes.duplicateMapKey, `map key \`${quotedName(JSON.stringify(key))}\` appears twice`, e.key.span);
        failed = true;
        continue;
      }
      keys.add(key);
      const u = unify(t, v.type);
      if (!u) {
        this.report(Codes.typeMismatch, `map values must have one type: ${twoTypes(t, v.type)}`, e.value.span);
        failed = true;
        continue;
      }
      t = u;
      entries.push({ key, value: v });
    }
    if (failed || t.kind === "error") return this.poison(expr.span);
    if (containsRecord(t)) return this.report(Codes.unsupported, UNSUPPORTED_LITERALS.recordInList, expr.span);
    const type: IRType = { kind: "map", value: t };
    if (entries.every((e) => e.value.node.op === "lit"))
      return this.lit(mapValue(entries.map((e) => [e.key, (e.value.node as { value: Value }).value])), type, expr.span);
    // entries stay in the order written: the backends evaluate the values in that order (the first
    // error from the left wins) and store the entries in key order
    return {
      node: { op: "map", id: this.id(), span: expr.span, type, entries: entries.map((e) => ({ key: e.key, value: e.value.node })) },
      type,
    };
  }

  private checkCall(expr: CallExpr): Checked {
    const { fn, target, args } = expr;
    // the parser keeps a leading-dot global call `.f(x)` as the name `.f`
    if (fn.startsWith(".")) return this.refuse(expr, "if-used", Codes.unsupported, UNSUPPORTED_LITERALS.leadingDot, expr.fnSpan);
    if (target === undefined && fn === "has") return this.checkHas(expr);
    if (target !== undefined && MACROS.has(fn)) return this.checkMacro(expr);
    const methodOnly = target === undefined ? this.methodOnly(expr) : undefined;
    if (methodOnly) return methodOnly;
    if (target !== undefined && fn === "has")
      // a name it is given is the field meant (`r.has(t)` for `has(r.t)`), not a name in scope
      return this.refuse(expr, leadingNames(args), Codes.badHas, "`has` is not a method: it takes one field selection, like `has(context.ticket)`", expr.fnSpan);
    if (fn === "size" && ((target === undefined && args.length === 1) || (target !== undefined && args.length === 0))) {
      const operand = this.check(target ?? args[0]!);
      const k = operand.type.kind;
      if (k === "error") return operand;
      if (k !== "string" && k !== "list" && k !== "map" && k !== "never") return this.noOverload("size", [operand.type], expr.span);
      return this.call("size", [operand], INT, expr.span);
    }
    if ((fn === "startsWith" || fn === "endsWith" || fn === "contains") && target !== undefined && args.length === 1) {
      const s = this.check(target);
      const a = this.check(args[0]!);
      if (s.type.kind === "error" || a.type.kind === "error") return this.poison(expr.span);
      if (!fits(s.type, "string") || !fits(a.type, "string")) return this.noOverload(fn, [s.type, a.type], expr.fnSpan);
      const b: Builtin = fn === "startsWith" ? "starts_with" : fn === "endsWith" ? "ends_with" : "contains";
      return this.call(b, [s, a], BOOL, expr.span);
    }
    const unsupported = UNSUPPORTED_FUNCTIONS.get(fn);
    if (unsupported) return this.refuse(expr, UNSUPPORTED_COMPREHENSIONS.has(fn) ? leadingNames(args) : 0, Codes.unsupported, unsupported, expr.fnSpan);
    const known = ["size", "startsWith", "endsWith", "contains", "has", "all", "exists", "exists_one", "filter", "map"];
    if (known.includes(fn))
      return this.refuse(expr, 0, Codes.noOverload, `\`${fn}\` does not take ${args.length} argument${args.length === 1 ? "" : "s"}${target ? " as a method" : ""}`, expr.fnSpan);
    return this.refuse(expr, "if-used", Codes.unknownFunction, `unknown function \`${quotedName(fn)}\``, expr.fnSpan, didYouMean(fn, known));
  }

  /**
   * Reports a call refused for its function or its number of arguments, after checking its receiver
   * and arguments for errors of their own (an unknown name, a float literal, a call refused inside),
   * so that a file's errors all come in one run. Their types are not used: an argument that would not
   * fit the call is no error of its own.
   */
  private refuse(expr: CallExpr, names: RefusedNames, code: string, message: string, span: Span, help?: string): Checked {
    if (expr.target !== undefined) this.check(expr.target);
    this.checkRefusedArgs(expr.args, names);
    return this.report(code, message, span, help);
  }

  /**
   * Checks a refused call's arguments for their own errors. Its leading bare names, where `names`
   * takes them for variables (`x` in `l.exist(x, x > 0)`), are bound, without a type, in the
   * arguments after them, so that neither they nor their uses are reported as unknown names.
   */
  private checkRefusedArgs(args: readonly Expr[], names: RefusedNames): void {
    const count = names === "if-used" ? leadingNames(args) : names;
    const variables: Binding[] = args.slice(0, count).map((a) => ({ name: (a as Extract<Expr, { kind: "Ident" }>).name, comprehension: -1, type: ERROR_TYPE }));
    this.bindings.push(...variables);
    try {
      for (const a of args.slice(count)) this.check(a);
    } finally {
      this.bindings.length -= variables.length;
    }
    // not used by the arguments after them: they were expressions, and are checked as such
    if (names === "if-used" && !variables.some((v) => v.used)) for (const a of args.slice(0, count)) this.check(a);
  }

  /**
   * A macro or a string method called as a function (`all(l, x, p)`): said to be a method, in the
   * form it takes, rather than given the wrong number of arguments as if another number would do.
   */
  private methodOnly(expr: CallExpr): Checked | undefined {
    const form = Object.hasOwn(METHOD_FORMS, expr.fn) ? METHOD_FORMS[expr.fn] : undefined;
    if (!form) return undefined;
    const [first, second] = expr.args;
    // the call's own receiver and variable, where they are names: `all(l, x, …)` is `l.all(x, …)`
    const receiver = first?.kind === "Ident" || first?.kind === "Select" ? describeOperand(first) : form.receiver;
    const args = MACROS.has(expr.fn) && second?.kind === "Ident" ? `${second.name}, …` : form.args;
    const of = MACROS.has(expr.fn) ? "the list or map it iterates over" : "the string";
    // its receiver and arguments still are checked: `all(l, x, p)` as `l.all(x, p)`
    if (MACROS.has(expr.fn) && first !== undefined) {
      this.check(first);
      this.checkRefusedArgs(expr.args.slice(1), leadingNames(expr.args.slice(1)));
    } else this.checkRefusedArgs(expr.args, 0);
    return this.report(MACROS.has(expr.fn) ? Codes.badMacro : Codes.noOverload, `\`${expr.fn}\` is written as a method of ${of}: \`${receiver}.${expr.fn}(${args})\``, expr.fnSpan);
  }

  private checkHas(expr: CallExpr): Checked {
    const arg = expr.args[0];
    // `has(f)` for a field of the input itself: the request is a record whose fields are in scope
    // by name, so its optional fields need a presence test as much as nested ones do
    // a name whose declaration failed (reported there): nothing to say about its use
    if (expr.args.length === 1 && arg?.kind === "Ident" && this.constants.get(arg.name) === null) return this.poison(expr.span);
    if (expr.args.length === 1 && arg?.kind === "Ident" && !arg.leadingDot && this.isInputField(arg.name)) {
      const input: Node = { op: "input", id: this.id(), span: arg.span, type: this.inputType };
      return { node: { op: "has", id: this.id(), span: expr.span, type: BOOL, record: input, field: arg.name }, type: BOOL };
    }
    if (expr.args.length !== 1 || arg === undefined || arg.kind !== "Select" || arg.optional) {
      // what it was given is still checked; of `a.?b`, only `a`: the optional selection is the error
      for (const a of expr.args) this.check(a.kind === "Select" && a.optional ? a.operand : a);
      return this.report(Codes.badHas, "`has()` takes one field selection, like `has(context.ticket)`", expr.span);
    }
    const operand = this.check(arg.operand);
    const t = operand.type;
    if (t.kind === "error") return operand;
    if (t.kind === "record") {
      if (!t.fields.some((f) => f.name === arg.field))
        return this.report(Codes.unknownField, `no field \`${quotedName(arg.field)}\` in \`${quotedName(describeOperand(arg.operand))}\``, arg.fieldSpan, didYouMean(arg.field, t.fields.map((f) => f.name)));
      return { node: { op: "has", id: this.id(), span: expr.span, type: BOOL, record: operand.node, field: arg.field }, type: BOOL };
    }
    // a `never` operand is read as a map, as for `x.f`
    if (t.kind === "map" || t.kind === "never") return this.call("in_map", [this.lit(arg.field, STRING, arg.fieldSpan), operand], BOOL, expr.span);
    return this.report(Codes.badHas, `\`has()\` needs a record or map, but this is \`${typeToString(t)}\``, arg.operand.span);
  }

  private checkMacro(expr: CallExpr): Checked {
    const macro = expr.fn as Macro;
    const arity = macro === "map" ? [2, 3] : [2];
    if (!arity.includes(expr.args.length))
      return this.refuse(expr, leadingNames(expr.args), Codes.badMacro, `\`${macro}\` takes ${arity.join(" or ")} arguments: a variable name and ${macro === "map" ? "[a predicate and] a transform" : "a predicate"}`, expr.span);
    const variable = expr.args[0]!;
    if (variable.kind !== "Ident" || variable.leadingDot) {
      // the range is still checked, not the predicate: with no variable named, its names cannot be
      // told from the one it meant to bind
      this.check(expr.target!);
      return this.report(Codes.badMacro, `the first argument of \`${macro}\` must be a variable name`, variable.span);
    }
    const range = this.check(expr.target!);
    const rt = range.type;
    let elementType: CheckType;
    if (rt.kind === "list") elementType = rt.element;
    else if (rt.kind === "map") elementType = STRING;
    else if (rt.kind === "never") elementType = NEVER; // read as a list: it has no elements
    else {
      // no element type to give the variable: the predicate is checked with it bound, untyped
      this.checkRefusedArgs(expr.args, 1);
      if (rt.kind === "error") return range;
      return this.report(Codes.badMacro, `\`${macro}\` iterates over a list or a map, but this is \`${typeToString(rt)}\``, expr.target!.span);
    }
    const id = this.id();
    this.bindings.push({ name: variable.name, comprehension: id, type: elementType });
    try {
      const bodies = expr.args.slice(1).map((a) => this.check(a));
      if (bodies.some((b) => b.type.kind === "error")) return this.poison(expr.span);
      const needsBool = macro === "map" ? (bodies.length === 2 ? [bodies[0]!] : []) : bodies;
      for (const b of needsBool)
        if (!fits(b.type, "bool")) return this.report(Codes.badMacro, `the predicate of \`${macro}\` must be a bool, but this is \`${typeToString(b.type)}\``, b.node.span);
      let type: IRType;
      let predicate: Node | undefined;
      let transform: Node | undefined;
      switch (macro) {
        case "all":
        case "exists":
        case "exists_one":
          type = BOOL;
          predicate = bodies[0]!.node;
          break;
        case "filter":
          type = { kind: "list", element: elementType as IRType };
          predicate = bodies[0]!.node;
          break;
        case "map": {
          const t = bodies[bodies.length - 1]!;
          if (containsRecord(t.type)) return this.report(Codes.unsupported, UNSUPPORTED_LITERALS.recordInMapResult, t.node.span);
          type = { kind: "list", element: t.type as IRType };
          transform = t.node;
          predicate = bodies.length === 2 ? bodies[0]!.node : undefined;
          break;
        }
      }
      return { node: { op: "comp", id, span: expr.span, type, macro, variable: variable.name, range: range.node, predicate, transform }, type };
    } finally {
      this.bindings.pop();
    }
  }
}

/**
 * How many of a call's arguments lead as bare names (`x`, not `.x` or `x.y`), the last argument
 * excepted when there are more: a macro's variables come first and a predicate or transform after.
 */
function leadingNames(args: readonly Expr[]): number {
  const most = args.length > 1 ? args.length - 1 : args.length;
  let n = 0;
  while (n < most && args[n]!.kind === "Ident" && !(args[n] as Extract<Expr, { kind: "Ident" }>).leadingDot) n++;
  return n;
}

function describeOperand(e: Expr): string {
  switch (e.kind) {
    case "Ident":
      return e.name;
    case "Select":
      return `${describeOperand(e.operand)}.${e.field}`;
    default:
      return "expression";
  }
}

/**
 * Two types for a mismatch message. Record types are told apart by where they are declared, not by
 * their fields, so two can print alike: then the message says so rather than look self-contradictory.
 */
function twoTypes(a: CheckType, b: CheckType, joiner = " and "): string {
  return `\`${typeToString(a)}\`${joiner}\`${typeToString(b)}\`${alikeNote([a, b])}`;
}

/** Said after a list of types of which two print alike but differ: only records declared apart can. */
function alikeNote(types: readonly CheckType[]): string {
  const shown = types.map(typeToString);
  const alike = shown.some((x, i) => shown.indexOf(x) !== i && unify(types[i]!, types[shown.indexOf(x)]!) === undefined);
  return alike ? " (records declared in different places are different types, even with the same fields)" : "";
}
