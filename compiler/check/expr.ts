// The expression checker: resolves names against the schema, the constants and comprehension
// variables, checks every operator and function against CEL's overloads for the subset, and lowers
// the checked expression to IR (compiler/ir/ir.ts). One pass does both because IR nodes are typed;
// the AST is never modified. An expression with an error yields a node of type `error` so that one
// mistake gives one diagnostic. Calls (builtins, `has()`, the macros, and the calls refused) are
// checked in calls.ts, which reaches this checker through the CallScope it is given.

import type { BinaryExpr, Expr } from "../syntax/ast.js";
import { assertUnreachable, type Diagnostic, error, listedNames, quotedName } from "../diagnostics.js";
import type { Span } from "../source.js";
import { BOOL, INT, NEVER, RAISING_BUILTINS, STRING, type Builtin, type IRType, type Node, type Value } from "../ir/ir.js";
import { INT64_MAX, INT64_MIN } from "../../runtime/schema.js";
import { mapValue } from "../ir/values.js";
import { CallChecker, describeOperand, LENGTH_NAMES, sizeOf, type NameKind } from "./calls.js";
import { Codes } from "./codes.js";
import { didYouMean, suggestionBudget, type SuggestionBudget } from "./suggest.js";
import { ERROR_TYPE, containsRecord, fits, typeToString, unify, type CheckType } from "./types.js";
import { fieldNamed, fieldNames } from "../../runtime/field-named.js";
import { UNSUPPORTED_LITERALS } from "./unsupported.js";

export interface Constant {
  readonly value: Value;
  readonly type: IRType;
}

/** A comprehension variable in scope (or a refused call's leading name, bound untyped). */
export interface Binding {
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

/** The constant whose value is being checked: the names it may not use, and why. */
export interface ConstantScope {
  readonly name: string;
  /** whether `name` is a constant declared after this one */
  readonly declaredLater: (name: string) => boolean;
}

export class ExpressionChecker {
  private nextId: number;
  private readonly bindings: Binding[] = [];
  /** node id → source offset, for nodes that can raise an evaluation error */
  readonly errorSites: Record<string, number> = {};
  private readonly calls: CallChecker;

  constructor(
    private readonly inputType: Extract<IRType, { kind: "record" }>,
    /** null for a constant that failed (its error is reported; uses of it are not reported again) */
    private readonly constants: ReadonlyMap<string, Constant | null>,
    readonly diagnostics: Diagnostic[],
    firstId = 0,
    /** set when checking a constant's value, which may use only the constants before it */
    private readonly constantScope?: ConstantScope,
    /** what looking for "did you mean" suggestions may still spend: one budget for a whole policy's checkers */
    private readonly suggestions: SuggestionBudget = suggestionBudget(),
  ) {
    this.nextId = firstId;
    this.calls = new CallChecker({
      check: (expr) => this.check(expr),
      report: (code, message, span, help) => this.report(code, message, span, help),
      poison: (span) => this.poison(span),
      lit: (value, type, span) => this.lit(value, type, span),
      call: (fn, args, type, span) => this.call(fn, args, type, span),
      noOverload: (op, types, span, help) => this.noOverload(op, types, span, help),
      suggest: (name, candidates) => didYouMean(name, candidates, this.suggestions),
      id: () => this.id(),
      inputNode: (span) => this.inputNode(span),
      isInputField: (name) => this.isInputField(name),
      failedConstant: (name) => this.constants.get(name) === null,
      knows: (name) => this.bindings.some((b) => b.name === name) || this.constants.has(name) || fieldNamed(this.inputType.fields, name) !== undefined,
      nameKind: (name) => this.nameKind(name),
      declaresInputField: (name) => fieldNamed(this.inputType.fields, name) !== undefined,
      suggestInputField: (name) => this.suggestInputField(name),
      withBindings: (variables, f) => this.withBindings(variables, f),
    });
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
          return this.report(Codes.intOutOfRange, `integer literal \`${expr.written ?? expr.value}\` is outside the int64 range`, expr.span);
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
        return this.calls.check(expr);
      case "Unary": {
        if (expr.op === "-" && expr.operand.kind === "IntLiteral" && expr.operand.span.start === expr.span.start + 1) {
          // fold `-<digits>` so that INT64_MIN can be written: CEL's INT_LIT is `-? DIGIT+`, one token,
          // so only a minus right before the digits (not `- 9…`, not `-(9…)`) belongs to the literal
          const v = -expr.operand.value;
          if (v < INT64_MIN) return this.report(Codes.intOutOfRange, `integer literal \`${expr.operand.written === undefined ? v : `-${expr.operand.written}`}\` is outside the int64 range`, expr.span);
          return this.lit(v, INT, expr.span);
        }
        const operand = this.check(expr.operand);
        if (operand.type.kind === "error") return operand;
        if (expr.op === "!") {
          if (!fits(operand.type, "bool")) return this.noOverload("!", [operand.type], expr.span);
          return this.call("not", [operand], BOOL, expr.span);
        }
        if (!fits(operand.type, "int")) return this.noOverload("-", [operand.type], expr.span);
        // negating a value of no type has none either, as arithmetic over two (checkBinary)
        return this.call("neg", [operand], operand.type.kind === "never" ? NEVER : INT, expr.span);
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
        if (expr.optionalElements) return this.report(Codes.unsupported, UNSUPPORTED_LITERALS.optionalElements, expr.span);
        return this.checkList(expr.elements, expr.span);
      case "Map":
        if (expr.entries.some((e) => e.optional)) return this.report(Codes.unsupported, UNSUPPORTED_LITERALS.optionalElements, expr.span);
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
    if (fieldNamed(this.inputType.fields, name) !== undefined) return this.field({ node: this.inputNode(span), type: this.inputType }, name, span);
    const scope = this.constantScope;
    if (scope?.name === name)
      return this.report(Codes.unknownIdentifier, `constant \`${name}\` refers to itself`, span, "a constant may use only the constants declared before it");
    if (scope?.declaredLater(name))
      return this.report(Codes.unknownIdentifier, `constant \`${name}\` is declared after \`${scope.name}\``, span, `a constant may use only the constants declared before it: declare \`${name}\` first`);
    // `True`, `None`: another language's literal, told Writ's (CEL's) own
    const literal = LITERALS_OF_OTHER_LANGUAGES.get(name.toLowerCase());
    if (literal) return this.report(Codes.unknownIdentifier, `unknown name \`${quotedName(name)}\``, span, literal);
    // Gathering the names in scope takes a step for each constant and field, at each unknown name:
    // it draws on the suggestions' budget, and past it the name is reported with no help
    const fields = scope ? [] : fieldNames(this.inputType.fields);
    if (!this.suggestions.take(this.bindings.length + this.constants.size + fields.length))
      return this.report(Codes.unknownIdentifier, `unknown name \`${quotedName(name)}\``, span);
    // not offered: a constant whose declaration failed (its error is reported where it is
    // declared), and in a constant's value the request's fields, which it may not read
    const constants = [...this.constants].filter(([, c]) => c !== null).map(([n]) => n);
    // (each once: a comprehension variable may be named like a field or a constant it hides)
    const candidates = [...new Set([...this.bindings.map((b) => b.name), ...constants, ...fields])];
    return this.report(
      Codes.unknownIdentifier,
      `unknown name \`${quotedName(name)}\``,
      span,
      didYouMean(name, candidates, this.suggestions) ?? (candidates.length ? `names in scope: ${listedNames(candidates)}` : undefined),
    );
  }

  /** whether `name` reads a field of the input (no comprehension variable or constant hides it) */
  private isInputField(name: string): boolean {
    if (this.bindings.some((b) => b.name === name) || this.constants.has(name)) return false;
    return fieldNamed(this.inputType.fields, name) !== undefined;
  }

  /** what the bare name `name` reads here (CallScope.nameKind) */
  private nameKind(name: string): NameKind {
    if (this.bindings.some((b) => b.name === name)) return "variable";
    const scope = this.constantScope;
    if (this.constants.has(name) || scope?.name === name || scope?.declaredLater(name)) return "constant";
    return fieldNamed(this.inputType.fields, name) !== undefined ? "input field" : "unknown";
  }

  /**
   * "did you mean …?" among the input's fields, and where none is close, the fields themselves; none
   * in a constant's value, which may not read them. Gathering them draws on the suggestions' budget.
   */
  private suggestInputField(name: string): string | undefined {
    if (this.constantScope) return undefined;
    const fields = fieldNames(this.inputType.fields);
    if (fields.length === 0 || !this.suggestions.take(fields.length)) return undefined;
    return didYouMean(name, fields, this.suggestions) ?? `the input's fields are ${listedNames(fields)}`;
  }

  /** the node that reads the request itself, whose fields are in scope by name */
  private inputNode(span: Span): Node {
    return { op: "input", id: this.id(), span, type: this.inputType };
  }

  /** `f`, with `variables` in scope (innermost last) while it runs, however it ends */
  private withBindings<T>(variables: readonly Binding[], f: () => T): T {
    this.bindings.push(...variables);
    try {
      return f();
    } finally {
      this.bindings.length -= variables.length;
    }
  }

  /** `record.name` for a record-typed operand. */
  private field(record: Checked, name: string, span: Span): Checked {
    const f = fieldNamed((record.type as Extract<IRType, { kind: "record" }>).fields, name)!;
    // a field whose type was not resolved (reported at the input block): nothing to say about its use
    if ((f.type as CheckType).kind === "error") return this.poison(span);
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
      if (fieldNamed(t.fields, expr.field) === undefined) {
        const names = fieldNames(t.fields);
        return this.report(
          Codes.unknownField,
          `no field \`${quotedName(expr.field)}\` in \`${quotedName(describeOperand(expr.operand))}\``,
          expr.fieldSpan,
          didYouMean(expr.field, names, this.suggestions) ?? (names.length === 0 ? "it is a record with no fields" : `its fields are ${listedNames(names)}`),
        );
      }
      return this.field(operand, expr.field, expr.span);
    }
    if (t.kind === "map" || t.kind === "never") {
      // CEL: `m.key` is `m["key"]` (a `never` operand is read as a map: it has no value to select from)
      return this.call("index_map", [operand, this.lit(expr.field, STRING, expr.fieldSpan)], t.kind === "map" ? t.value : NEVER, expr.span);
    }
    // `s.length`: a string's or a list's length is `size()`
    const sizeHelp = (t.kind === "string" || t.kind === "list") && LENGTH_NAMES.has(expr.field) ? sizeOf(expr.operand) : undefined;
    return this.report(Codes.typeMismatch, `cannot select \`${quotedName(expr.field)}\` from a value of type \`${typeToString(t)}\``, expr.fieldSpan, sizeHelp);
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

  private noOverload(op: string, types: CheckType[], span: Span, help?: string): Checked {
    return this.report(
      Codes.noOverload,
      `no overload of \`${op}\` for (${types.map((t) => `\`${typeToString(t)}\``).join(", ")})${alikeNote(types)}`,
      span,
      help,
    );
  }

  private checkBinary(expr: BinaryExpr): Checked {
    const l = this.check(expr.left);
    const r = this.check(expr.right);
    if (l.type.kind === "error" || r.type.kind === "error") return this.poison(expr.span);
    // An operand of type `never` (an element of an empty list literal) is never evaluated, so it
    // takes the other operand's type, or, when both are `never`, the one the operator takes: bool
    // for `&&` and `||`, else int. CEL types it as a type parameter. Messages name the operands' own
    // types (`never` shown as `no type`), not the ones taken.
    const neither = expr.op === "&&" || expr.op === "||" ? BOOL : INT;
    const lt = l.type.kind === "never" ? (r.type.kind === "never" ? neither : r.type) : l.type;
    const rt = r.type.kind === "never" ? lt : r.type;
    const span = expr.span;
    // Arithmetic over two values of no type has no value either (each operand can only evaluate to
    // an error), so, as CEL types `dyn + dyn` as dyn, its result is of no type too, accepted where a
    // value of any type is; the int builtin stands in for the operation the backends never apply.
    const bothNever = l.type.kind === "never" && r.type.kind === "never";
    const arithmetic = bothNever ? NEVER : INT;
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
        if (lt.kind === "int" && rt.kind === "int") return this.call("add", [l, r], arithmetic, span);
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
        return this.call(fn, [l, r], arithmetic, span);
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
}

/**
 * Names other languages give their literals, lowercased, and what Writ writes instead: a name that
 * is none of the policy's is one of these slips (`True`, `TRUE`, `None`). A Map, looked up with a
 * name the policy chose (see UNSUPPORTED_FUNCTIONS).
 */
const LITERALS_OF_OTHER_LANGUAGES: ReadonlyMap<string, string> = new Map([
  ["true", "did you mean `true`? (the bool literals are `true` and `false`, in lowercase)"],
  ["false", "did you mean `false`? (the bool literals are `true` and `false`, in lowercase)"],
  ...["none", "nil", "null", "undefined"].map((n): [string, string] => [n, UNSUPPORTED_LITERALS.null]),
]);

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
