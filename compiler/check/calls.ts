// The checking of calls, apart from the expression checker (expr.ts) that hands them over: the
// builtins called by name (`size`, `startsWith`, …), `has()`, the macros (`all`, `exists`, …) that
// bind a comprehension variable, and every call refused — an unknown function, one the subset leaves
// out, a method written as a function, a wrong number of arguments — with its receiver and arguments
// still checked for errors of their own, so that a file's errors all come in one run. Kept apart
// from the operators and literals because calls have their own rules (arity, method or function,
// variables a macro binds); it reaches the checker only through CallScope, so the checker's state
// (its node ids, its names in scope) stays its own.

import type { CallExpr, Expr } from "../syntax/ast.js";
import { printExpr } from "../syntax/format.js";
import { quotedName } from "../diagnostics.js";
import type { Span } from "../source.js";
import { BOOL, INT, NEVER, STRING, type Builtin, type IRType, type Macro, type Node, type Value } from "../ir/ir.js";
import { Codes } from "./codes.js";
import type { Binding, Checked } from "./expr.js";
import { ERROR_TYPE, containsRecord, fits, typeToString, type CheckType } from "./types.js";
import { fieldNamed, fieldNames } from "../../runtime/field-named.js";
import { childExprs } from "../syntax/nesting.js";
import { UNSUPPORTED_FUNCTIONS, UNSUPPORTED_LITERALS } from "./unsupported.js";

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

/** What checking a call needs of the expression checker (expr.ts): its checks, the nodes it makes, its names in scope. */
/** What a bare name reads where it is used (CallScope.nameKind). */
export type NameKind = "variable" | "constant" | "input field" | "unknown";

export interface CallScope {
  check(expr: Expr): Checked;
  /** reports an error and gives the poisoned node that stands for the expression */
  report(code: string, message: string, span: Span, help?: string): Checked;
  poison(span: Span): Checked;
  lit(value: Value, type: IRType, span: Span): Checked;
  call(fn: Builtin, args: Checked[], type: IRType, span: Span): Checked;
  noOverload(op: string, types: CheckType[], span: Span, help?: string): Checked;
  /** "did you mean …?" for a misspelt `name`, within what the policy's suggestions may still spend */
  suggest(name: string, candidates: readonly string[]): string | undefined;
  id(): number;
  /** the node that reads the request itself */
  inputNode(span: Span): Node;
  /** whether `name` reads a field of the input (no comprehension variable or constant hides it) */
  isInputField(name: string): boolean;
  /** whether `name` is a constant whose declaration failed (its error is reported there) */
  failedConstant(name: string): boolean;
  /** whether `name` is in scope: a comprehension variable, a constant (one that failed too) or a field of the input */
  knows(name: string): boolean;
  /**
   * What a bare name reads here: a macro's variable (innermost first), a constant (in a constant's
   * value, also itself or one declared after it), a field of the input, or nothing in scope.
   */
  nameKind(name: string): NameKind;
  /** whether the input block declares a field `name`, hidden or not */
  declaresInputField(name: string): boolean;
  /** "did you mean …?" for a misspelt field of the input (none in a constant's value, which may not read one) */
  suggestInputField(name: string): string | undefined;
  /** runs `f` with `variables` in scope, innermost last, and takes them out again however it ends */
  withBindings<T>(variables: readonly Binding[], f: () => T): T;
}

export class CallChecker {
  constructor(private readonly scope: CallScope) {}

  check(expr: CallExpr): Checked {
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
      const operand = this.scope.check(target ?? args[0]!);
      const k = operand.type.kind;
      if (k === "error") return operand;
      if (k !== "string" && k !== "list" && k !== "map" && k !== "never") return this.scope.noOverload("size", [operand.type], expr.span);
      return this.scope.call("size", [operand], INT, expr.span);
    }
    if ((fn === "startsWith" || fn === "endsWith" || fn === "contains") && target !== undefined && args.length === 1) {
      const s = this.scope.check(target);
      const a = this.scope.check(args[0]!);
      if (s.type.kind === "error" || a.type.kind === "error") return this.scope.poison(expr.span);
      if (!fits(s.type, "string") || !fits(a.type, "string")) return this.scope.noOverload(fn, [s.type, a.type], expr.fnSpan, fn === "contains" ? membershipOf(s.type, target, args[0]!) : undefined);
      const b: Builtin = fn === "startsWith" ? "starts_with" : fn === "endsWith" ? "ends_with" : "contains";
      return this.scope.call(b, [s, a], BOOL, expr.span);
    }
    const unsupported = UNSUPPORTED_FUNCTIONS.get(fn);
    if (unsupported) return this.refuse(expr, UNSUPPORTED_COMPREHENSIONS.has(fn) ? leadingNames(args) : 0, Codes.unsupported, unsupported, expr.fnSpan);
    const functionForm = target === undefined ? this.macroAsFunction(expr) : undefined;
    if (functionForm) return functionForm;
    const known = ["size", "startsWith", "endsWith", "contains", "has", "all", "exists", "exists_one", "filter", "map"];
    if (known.includes(fn))
      return this.refuse(expr, 0, Codes.noOverload, `\`${fn}\` does not take ${args.length} argument${args.length === 1 ? "" : "s"}${target ? " as a method" : ""}`, expr.fnSpan);
    return this.refuse(expr, "if-used", Codes.unknownFunction, `unknown function \`${quotedName(fn)}\``, expr.fnSpan, otherLanguagesFunction(expr) ?? this.scope.suggest(fn, known));
  }

  /**
   * Reports a call refused for its function or its number of arguments, after checking its receiver
   * and arguments for errors of their own (an unknown name, a float literal, a call refused inside),
   * so that a file's errors all come in one run. Their types are not used: an argument that would not
   * fit the call is no error of its own.
   */
  private refuse(expr: CallExpr, names: RefusedNames, code: string, message: string, span: Span, help?: string): Checked {
    if (expr.target !== undefined) this.scope.check(expr.target);
    this.checkRefusedArgs(expr.args, names);
    return this.scope.report(code, message, span, help);
  }

  /**
   * Checks a refused call's arguments for their own errors. Its leading bare names, where `names`
   * takes them for variables (`x` in `l.exist(x, x > 0)`), are bound, without a type, in the
   * arguments after them, so that neither they nor their uses are reported as unknown names.
   */
  private checkRefusedArgs(args: readonly Expr[], names: RefusedNames): void {
    const count = names === "if-used" ? leadingNames(args) : names;
    const variables: Binding[] = args.slice(0, count).map((a) => ({ name: (a as Extract<Expr, { kind: "Ident" }>).name, comprehension: -1, type: ERROR_TYPE }));
    this.scope.withBindings(variables, () => {
      for (const a of args.slice(count)) this.scope.check(a);
    });
    // not used by the arguments after them: they were expressions, and are checked as such
    if (names === "if-used" && !variables.some((v) => v.used)) for (const a of args.slice(0, count)) this.scope.check(a);
  }

  /**
   * A macro or a string method called as a function (`all(l, x, p)`): said to be a method, in the
   * form it takes, rather than given the wrong number of arguments as if another number would do.
   */
  private methodOnly(expr: CallExpr): Checked | undefined {
    const form = Object.hasOwn(METHOD_FORMS, expr.fn) ? METHOD_FORMS[expr.fn] : undefined;
    if (!form) return undefined;
    const [first, second] = expr.args;
    const alone = MACROS.has(expr.fn) ? conditionAlone(expr.args) : undefined;
    if (alone) {
      // `exists(t == "pii")`: neither the list nor the variable is given, and the condition's names
      // are the variable's, not unknown ones (as for a macro given no variable name, nothing is checked)
      return this.scope.report(
        Codes.badMacro,
        `\`${expr.fn}\` is written as a method of the list or map it iterates over, with a variable and ${conditionOf(expr.fn)}: \`list.${expr.fn}(${this.variableOf(alone)}, …)\``,
        expr.fnSpan,
        exampleOf(expr.fn),
      );
    }
    // the call's own receiver and variable, where they are names: `all(l, x, …)` is `l.all(x, …)`
    const receiver = first?.kind === "Ident" || first?.kind === "Select" ? describeOperand(first) : form.receiver;
    const args = MACROS.has(expr.fn) && second?.kind === "Ident" ? `${second.name}, …` : form.args;
    const of = MACROS.has(expr.fn) ? "the list or map it iterates over" : "the string";
    // its receiver and arguments still are checked: `all(l, x, p)` as `l.all(x, p)`
    if (MACROS.has(expr.fn) && first !== undefined) {
      this.scope.check(first);
      this.checkRefusedArgs(expr.args.slice(1), leadingNames(expr.args.slice(1)));
    } else this.checkRefusedArgs(expr.args, 0);
    return this.scope.report(MACROS.has(expr.fn) ? Codes.badMacro : Codes.noOverload, `\`${expr.fn}\` is written as a method of ${of}: \`${receiver}.${expr.fn}(${args})\``, expr.fnSpan);
  }

  /**
   * A macro called by another language's name as a function, with the list it ranges over and a
   * condition (`any(l, x > 1)`, Python's `any`; or a variable and a condition, `some(l, x, x > 1)`):
   * an unknown function, told the macro to write with this list and variable (`l.exists(x, …)`).
   * The list is checked as an expression and the condition with its variable bound, untyped: the
   * variable is the macro's, no unknown name.
   */
  private macroAsFunction(expr: CallExpr): Checked | undefined {
    const macro = MACROS_OF_OTHER_LANGUAGES.get(expr.fn);
    const [range, second] = expr.args;
    if (macro === undefined || range === undefined || expr.args.length < 2 || expr.args.length > 3) return undefined;
    let variable: string;
    if (expr.args.length === 3) {
      if (second?.kind !== "Ident" || second.leadingDot) return undefined;
      variable = second.name;
    } else variable = this.unboundName(second!) ?? "x";
    this.scope.check(range);
    const condition = expr.args[expr.args.length - 1]!;
    this.scope.withBindings([{ name: variable, comprehension: -1, type: ERROR_TYPE }], () => this.scope.check(condition));
    const help = `did you mean \`${macro}\`? (\`${describeReceiver(range)}.${macro}(${quotedName(variable)}, …)\`, with a variable and a condition on it)`;
    return this.scope.report(Codes.unknownFunction, `unknown function \`${quotedName(expr.fn)}\``, expr.fnSpan, help);
  }

  /**
   * The variable a macro given its condition alone meant to bind: the first name in the condition
   * that is not in scope (nor bound by a macro inside it), or `x`.
   */
  private variableOf(condition: Expr): string {
    const name = this.unboundName(condition);
    return name === undefined ? "x" : quotedName(name);
  }

  /** The first name in `condition` that is not in scope, nor bound by a macro inside it. */
  private unboundName(condition: Expr): string | undefined {
    const bound = new Set<string>();
    // left to right, without recursion: a condition may nest as deep as the parser allows
    const pending: Expr[] = [condition];
    for (let e = pending.pop(); e !== undefined; e = pending.pop()) {
      if (e.kind === "Ident") {
        if (!e.leadingDot && !bound.has(e.name) && !this.scope.knows(e.name)) return e.name;
        continue;
      }
      // a macro's variable is bound in the rest of its arguments, not a name looked for; a struct
      // literal's fields (outside Writ's subset, reported as such) are not looked into
      let children: readonly Expr[];
      const variable = e.kind === "Call" ? e.args[0] : undefined;
      if (e.kind === "Call" && e.target !== undefined && MACROS.has(e.fn) && e.args.length > 1 && variable?.kind === "Ident") {
        bound.add(variable.name);
        children = [e.target, ...e.args.slice(1)];
      } else children = e.kind === "Struct" ? [] : childExprs(e);
      // last child first onto the stack, so the first is looked at first; a loop, not a spread:
      // a literal of 150,000 elements spread into push's arguments overflows the stack (arrays.ts)
      for (let i = children.length - 1; i >= 0; i--) pending.push(children[i]!);
    }
    return undefined;
  }

  private checkHas(expr: CallExpr): Checked {
    const arg = expr.args[0];
    // `has(f)` for a field of the input itself: the request is a record whose fields are in scope
    // by name, so its optional fields need a presence test as much as nested ones do
    // a name whose declaration failed (reported there): nothing to say about its use
    if (expr.args.length === 1 && arg?.kind === "Ident" && this.scope.failedConstant(arg.name)) return this.scope.poison(expr.span);
    if (expr.args.length === 1 && arg?.kind === "Ident" && !arg.leadingDot) {
      if (this.scope.isInputField(arg.name)) {
        const input = this.scope.inputNode(arg.span);
        return { node: { op: "has", id: this.scope.id(), span: expr.span, type: BOOL, record: input, field: arg.name }, type: BOOL };
      }
      return this.refuseBareHas(arg.name, arg.span);
    }
    if (expr.args.length !== 1 || arg === undefined || arg.kind !== "Select" || arg.optional) {
      // what it was given is still checked; of `a.?b`, only `a`: the optional selection is the error
      for (const a of expr.args) this.scope.check(a.kind === "Select" && a.optional ? a.operand : a);
      return this.scope.report(Codes.badHas, "`has()` takes one field selection, like `has(context.ticket)`", expr.span);
    }
    const operand = this.scope.check(arg.operand);
    const t = operand.type;
    if (t.kind === "error") return operand;
    if (t.kind === "record") {
      if (fieldNamed(t.fields, arg.field) === undefined)
        return this.scope.report(Codes.unknownField, `no field \`${quotedName(arg.field)}\` in \`${quotedName(describeOperand(arg.operand))}\``, arg.fieldSpan, this.scope.suggest(arg.field, fieldNames(t.fields)));
      return { node: { op: "has", id: this.scope.id(), span: expr.span, type: BOOL, record: operand.node, field: arg.field }, type: BOOL };
    }
    // a `never` operand is read as a map, as for `x.f`
    if (t.kind === "map" || t.kind === "never") return this.scope.call("in_map", [this.scope.lit(arg.field, STRING, arg.fieldSpan), operand], BOOL, expr.span);
    return this.scope.report(Codes.badHas, `\`has()\` needs a record or map, but this is \`${typeToString(t)}\``, arg.operand.span);
  }

  /**
   * `has(x)` of a bare name that is no field of the input: the bare form tests only those, so the
   * message says what `x` is here (`has(f)` is legal for a field `f`, and a variable or constant
   * named like one hides it), rather than asking for a selection as if any bare name were wrong.
   */
  private refuseBareHas(name: string, span: Span): Checked {
    const shown = quotedName(name);
    const tests = "`has()` tests a field of the input or of a record";
    switch (this.scope.nameKind(name)) {
      case "variable": {
        const help = this.scope.declaresInputField(name)
          ? `the variable hides the input field \`${shown}\`: give the variable another name to test the field`
          : `to test a field of the variable, select it: \`has(${shown}.f)\``;
        return this.scope.report(Codes.badHas, `\`${shown}\` here is a macro's variable, not a field: ${tests}`, span, help);
      }
      case "constant":
        return this.scope.report(Codes.badHas, `\`${shown}\` is a constant, not a field: ${tests}`, span);
      default:
        return this.scope.report(Codes.badHas, `unknown name \`${shown}\`: ${tests}`, span, this.scope.suggestInputField(name));
    }
  }

  private checkMacro(expr: CallExpr): Checked {
    const macro = expr.fn as Macro;
    const arity = macro === "map" ? [2, 3] : [2];
    const alone = conditionAlone(expr.args);
    if (alone) {
      // the common slip `roles.exists(r == "operator")`: the condition's names are the variable it
      // meant to bind, not unknown ones; as for a first argument that is no name, only the range is checked
      this.scope.check(expr.target!);
      return this.scope.report(
        Codes.badMacro,
        `\`${macro}\` takes a variable and ${conditionOf(macro)}, not ${macro === "map" ? "the transform" : "the condition"} alone: \`${describeReceiver(expr.target)}.${macro}(${this.variableOf(alone)}, …)\``,
        expr.span,
        exampleOf(macro),
      );
    }
    if (!arity.includes(expr.args.length))
      return this.refuse(expr, leadingNames(expr.args), Codes.badMacro, `\`${macro}\` takes ${arity.join(" or ")} arguments: a variable name and ${macro === "map" ? "[a predicate and] a transform" : "a predicate"}`, expr.span);
    const variable = expr.args[0]!;
    if (variable.kind !== "Ident" || variable.leadingDot) {
      // the range is still checked, not the predicate: with no variable named, its names cannot be
      // told from the one it meant to bind
      this.scope.check(expr.target!);
      return this.scope.report(Codes.badMacro, `the first argument of \`${macro}\` must be a variable name`, variable.span);
    }
    const range = this.scope.check(expr.target!);
    const rt = range.type;
    let elementType: CheckType;
    if (rt.kind === "list") elementType = rt.element;
    else if (rt.kind === "map") elementType = STRING;
    else if (rt.kind === "never") elementType = NEVER; // read as a list: it has no elements
    else {
      // no element type to give the variable: the predicate is checked with it bound, untyped
      this.checkRefusedArgs(expr.args, 1);
      if (rt.kind === "error") return range;
      return this.scope.report(Codes.badMacro, `\`${macro}\` iterates over a list or a map, but this is \`${typeToString(rt)}\``, expr.target!.span);
    }
    const id = this.scope.id();
    return this.scope.withBindings([{ name: variable.name, comprehension: id, type: elementType }], (): Checked => {
      const bodies = expr.args.slice(1).map((a) => this.scope.check(a));
      if (bodies.some((b) => b.type.kind === "error")) return this.scope.poison(expr.span);
      const needsBool = macro === "map" ? (bodies.length === 2 ? [bodies[0]!] : []) : bodies;
      for (const b of needsBool)
        if (!fits(b.type, "bool")) return this.scope.report(Codes.badMacro, `the predicate of \`${macro}\` must be a bool, but this is \`${typeToString(b.type)}\``, b.node.span);
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
          if (containsRecord(t.type)) return this.scope.report(Codes.unsupported, UNSUPPORTED_LITERALS.recordInMapResult, t.node.span);
          type = { kind: "list", element: t.type as IRType };
          transform = t.node;
          predicate = bodies.length === 2 ? bodies[0]!.node : undefined;
          break;
        }
      }
      return { node: { op: "comp", id, span: expr.span, type, macro, variable: variable.name, range: range.node, predicate, transform }, type };
    });
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

/** What other languages call a string's or a list's length (`s.length`, `len(l)`, `l.count()`): Writ's is `size()`. */
export const LENGTH_NAMES: ReadonlySet<string> = new Set(["length", "len", "count", "size"]);

/** The help for a length written another language's way: `size()` of the operand, named where it has a name. */
export function sizeOf(operand: Expr): string {
  const name = describeOperand(operand);
  return `did you mean \`size(${name === "expression" ? "…" : quotedName(name)})\`? (a string's, list's or map's length is \`size\`, also written as a method: \`x.size()\`)`;
}

/**
 * The help for a call of a function by the name another language gives it (`len(l)`, `l.count()`,
 * `l.some(…)`): the function Writ has for it.
 */
function otherLanguagesFunction(expr: CallExpr): string | undefined {
  // (of the length: `len(l)` or `l.count()`, not `l.count(x, …)`, which counts some elements)
  if (LENGTH_NAMES.has(expr.fn) && expr.args.length === (expr.target === undefined ? 1 : 0)) return sizeOf(expr.target ?? expr.args[0]!);
  // `l.count(x, p)`, of the elements that hold: the size of those `filter` keeps
  const [variable] = expr.args;
  if (expr.fn === "count" && expr.target !== undefined && expr.args.length === 2 && variable?.kind === "Ident")
    return `did you mean \`size(${describeReceiver(expr.target)}.filter(${quotedName(variable.name)}, …))\`? (the elements for which the condition holds)`;
  const macro = MACROS_OF_OTHER_LANGUAGES.get(expr.fn);
  if (macro) return `did you mean \`${macro}\`? (\`${describeReceiver(expr.target)}.${macro}(x, …)\`, with a variable and a condition on it)`;
  if (expr.fn === "includes") return "did you mean `in`? (`x in list`, `key in map`; for text, `s.contains(t)`)";
  // `not (x in l)`, as Python negates (without the brackets, the parser tells it)
  if (expr.fn === "not" && expr.target === undefined && expr.args.length === 1) {
    const operand = describeOperand(expr.args[0]!);
    return `Writ negates with \`!\`: write \`!${operand === "expression" ? "(…)" : quotedName(operand)}\``;
  }
  return undefined;
}

/** Longest operand, in source characters, a help writes out; a longer one is named by what it is. */
const MAX_SHOWN_OPERAND = 40;

/**
 * The help for `contains` called on a list or a map (`roles.contains(r)`, as Java and Kotlin write
 * it): CEL's is a string's method, and a list's elements and a map's keys are tested with `in`.
 * Undefined for any other receiver.
 */
function membershipOf(receiver: CheckType, target: Expr, element: Expr): string | undefined {
  if (receiver.kind !== "list" && receiver.kind !== "map") return undefined;
  // written out where short, as printed (`call.args["program"] in READONLY_PROGRAMS`), in brackets
  // where an operator would take it apart
  const name = (e: Expr, otherwise: string) => {
    const printed = e.span.end - e.span.start > MAX_SHOWN_OPERAND || e.kind === "ErrorExpr" ? undefined : printExpr(e);
    if (printed === undefined || printed.includes("`")) return otherwise;
    return e.kind === "Binary" || e.kind === "Conditional" ? `(${printed})` : printed;
  };
  const what = receiver.kind === "list" ? "a list's elements" : "a map's keys";
  return `${what} are tested with \`in\`: \`${name(element, receiver.kind === "list" ? "x" : "key")} in ${name(target, receiver.kind === "list" ? "list" : "map")}\` (\`contains\` is a string's method)`;
}

/** Other languages' names of the macros that test elements (Python's `any`, JavaScript's `some`, `every`), and Writ's. */
const MACROS_OF_OTHER_LANGUAGES: ReadonlyMap<string, string> = new Map([
  ["some", "exists"],
  ["any", "exists"],
  ["every", "all"],
]);

/** A macro's receiver as a message writes it: its dotted name, or `list`. */
function describeReceiver(target: Expr | undefined): string {
  const name = target === undefined ? "expression" : describeOperand(target);
  return name === "expression" ? "list" : quotedName(name);
}

/** A macro's one argument when it is not a bare name (`exists(t == "pii")`): a condition written without its variable. */
function conditionAlone(args: readonly Expr[]): Expr | undefined {
  const [only] = args;
  if (args.length !== 1 || only === undefined || (only.kind === "Ident" && !only.leadingDot) || only.kind === "ErrorExpr") return undefined;
  return only;
}

/** What a macro takes after its variable, as its messages say it. */
function conditionOf(macro: string): string {
  return macro === "map" ? "a transform (a condition before it, to keep only some elements)" : "a condition";
}

/** A macro used as it is written, for the help of one given its condition alone. */
function exampleOf(macro: string): string {
  const example = macro === "map" ? 'names.map(n, n + "@example.com")' : `roles.${macro}(r, r == "operator")`;
  return `the variable names each element in turn: \`${example}\``;
}

/** An operand as a message names it: its dotted name, or `expression`. */
export function describeOperand(e: Expr): string {
  switch (e.kind) {
    case "Ident":
      return e.name;
    case "Select":
      return `${describeOperand(e.operand)}.${e.field}`;
    default:
      return "expression";
  }
}
