// The policy checker: from a parsed file to the IR of its rules, its constants folded, and its tests
// ready to run. Reports every problem it finds (it does not stop at the first); the driver only
// lowers further when there are no errors.

import type { DataValue, PolicyFile, RuleDecl } from "../syntax/ast.js";
import { type Diagnostic, error, quotedName, warning } from "../diagnostics.js";
import type { Span } from "../source.js";
import type { IRPolicy, IRRule, IRType, Node } from "../ir/ir.js";
import { evaluateNode, Err } from "../ir/interp.js";
import { constantCost, DEFAULT_COST_BUDGET, formatCost, valueSize, within } from "../ir/cost.js";
import { childrenOf } from "../ir/children.js";
import { isPolicyName } from "../../runtime/manifest.js";
import { Codes, missingHeaderDiagnostic } from "./codes.js";
import { type Constant, ExpressionChecker } from "./expr.js";
import { didYouMean, suggestionBudget } from "./suggest.js";
import { resolveSchema } from "./schema.js";
import { checkTypeOfSchema } from "./types.js";
import { checkExpectation, checkTestInput, type CheckedExpectation, type Effect } from "./test-blocks.js";
import { compileHostRequestCheck } from "../../runtime/request.js";
import { optionNames } from "../../runtime/option-names.js";
import { knownOptions, ownOptionOf, shownValue } from "../option-reading.js";
import { STACK_RAN_OUT_IN, stackRanOut } from "../stack-ran-out.js";
import { V8_STACK_MESSAGE } from "../../runtime/stack-ran-out.js";
import { policyFileArgument } from "../arguments.js";

/** A `test` block, ready to run against any backend. */
export interface PolicyTest {
  readonly name: string;
  /** the request as a host would send it: plain objects, ints as numbers (BigInt beyond 2^53) */
  readonly request: unknown;
  readonly expect: CheckedExpectation;
  readonly span: Span;
}

export interface CheckedPolicy {
  readonly ir: IRPolicy;
  /** node id → source offset for every node that can raise an evaluation error */
  readonly errorSites: Readonly<Record<string, number>>;
  readonly tests: readonly PolicyTest[];
}

export interface CheckResult {
  /** present when there are no errors */
  readonly policy: CheckedPolicy | undefined;
  readonly diagnostics: Diagnostic[];
}

/** Most steps a constant's evaluation may take (the default budget of a whole decision). */
export const MAX_CONSTANT_COST = DEFAULT_COST_BUDGET;
/**
 * Most elements and bytes a constant may hold: it is written into the module as data, and a module's
 * memory is at most 16 MiB (an int takes 8 bytes there, a string 4 more than its own).
 */
export const MAX_CONSTANT_SIZE = 4_000_000;
/**
 * Most steps the constants of one policy may take together. Each within MAX_CONSTANT_COST, a
 * hundred constants took minutes, and the compiler keeps every value: it ran out of memory (V8
 * aborts the process). Three constants at their limit take a few seconds.
 */
export const MAX_CONSTANTS_COST = 20_000_000;
/**
 * Most elements and bytes the constants of one policy may hold together: the compiler keeps each
 * value until the policy is compiled, and an element takes up to about a hundred bytes there (a
 * list or a map of one element, as V8 allocates it), so this is about 600 MB at most.
 */
export const MAX_CONSTANTS_SIZE = 5_000_000;
/**
 * Most rules in one policy: 20,000 rules of one comparison each compile in about 7 s of CPU
 * (520 MB), and 16,000 erroring forbids sharing one index case in 50 s (1.2 GB); 50,000 took 106 s
 * and 4.8 GB, and the optimiser (binaryen, whose memory V8's heap limits do not cover) then aborted.
 */
export const MAX_RULES = 20_000;

/** How checkPolicy checks a parsed policy. */
export interface CheckOptions {
  /**
   * whether its parse had errors, after which the parser's recovery may have left out a field of the
   * input block or an entry of a test's data: tests' inputs are then not held to the schema (each
   * difference would be the syntax error's, said again); default false
   */
  readonly syntaxErrors?: boolean;
}

/** The names CheckOptions has: any other is refused (`syntaxerrors: true` must not be ignored). */
const CHECK_OPTIONS = optionNames<CheckOptions>({ syntaxErrors: true });

/**
 * `syntaxErrors`, read once as the options object holds it: a `syntaxErrors` planted on
 * Object.prototype must not stop tests' inputs from being held to the schema. A TypeError for options
 * that are no object, a name CheckOptions does not have, or a `syntaxErrors` that is no boolean.
 */
function readCheckOptions(options: unknown): boolean {
  const what = "checkPolicy";
  const given = knownOptions(what, options, CHECK_OPTIONS);
  const syntaxErrors = ownOptionOf(what, given, "syntaxErrors") ?? false;
  if (typeof syntaxErrors !== "boolean") throw new TypeError(`${what}: syntaxErrors must be true or false, got ${shownValue(syntaxErrors)}`);
  return syntaxErrors;
}

/**
 * Checks a parsed policy (see CheckOptions). Throws a TypeError, before anything is checked, for
 * an `ast` that is no parsed policy (arguments.ts), options that are no object, hold a name CheckOptions does not have or an option of another type;
 * a policy's own problems are diagnostics. Where the host's stack runs out (a small stack, or a call
 * made deep in the host's own), it answers with W0905 alone (stack-ran-out.ts) and no policy.
 */
export function checkPolicy(ast: PolicyFile, options: CheckOptions = {}): CheckResult {
  try {
    return checked(policyFileArgument("checkPolicy", ast), readCheckOptions(options));
  } catch (e) {
    // The checker walks each expression recursively (so does the constants' evaluation). A TypeError
    // for the options goes out as it is. The handler runs as deep as the call: it tells V8's error
    // with no call (V8_STACK_MESSAGE says why), and where it has no room to build the result, the
    // one built beforehand is given.
    let ranOut = false;
    try {
      ranOut = typeof e === "object" && e !== null && (e as Error).name === "RangeError" && (e as Error).message === STACK_MESSAGE;
    } catch {
      // a value whose name or message is code that threw: not V8's error
    }
    if (!ranOut) throw e;
    try {
      return { policy: undefined, diagnostics: [stackRanOut("check")] };
    } catch {
      return CHECK_RAN_OUT;
    }
  }
}

// V8's message, copied into this module: a loader may hand an imported binding through a getter,
// which is a call, and the handler that compares with it makes none
const STACK_MESSAGE = V8_STACK_MESSAGE;

/** checkPolicy's answer where the stack ran out even in its handler: built beforehand and frozen. */
const CHECK_RAN_OUT: CheckResult = Object.freeze({ policy: undefined, diagnostics: Object.freeze([STACK_RAN_OUT_IN.check]) as Diagnostic[] });

function checked(ast: PolicyFile, syntaxErrors: boolean): CheckResult {
  const diagnostics: Diagnostic[] = [];
  if (!ast.header) diagnostics.push(missingHeaderDiagnostic());
  // (a bytes literal as the name is reported as one, W0108, not again as an empty name)
  else if (!ast.header.name.refused && !isPolicyName(ast.header.name.value))
    // the name becomes the bundle's file names: refuse it here, with its span, not when writing them
    diagnostics.push(
      error(Codes.badPolicyName, `policy name \`${quotedName(ast.header.name.value)}\` cannot name the bundle's files: use letters, digits, \`.\`, \`_\` and \`-\`, not starting with \`.\` or \`-\` (at most 200)`, ast.header.name.span),
    );
  const errorsBefore = diagnostics.length;
  const { schema, unresolved } = resolveSchema(ast.input, diagnostics);
  // a schema with errors is not the one meant: tests' inputs are not held to it (nor to one with a
  // type the parser could not read, which stands in it as a `bool`: its error is the parser's)
  const schemaSound = !diagnostics.slice(errorsBefore).some((d) => d.severity === "error") && !ast.input?.untyped?.length && unresolved.size === 0;
  const inputType = checkTypeOfSchema(schema, unresolved) as Extract<IRType, { kind: "record" }>;
  const inputNames = new Set(schema.fields.map((f) => f.name));

  // Constants, in order: each may use the ones before it, never the request.
  const constants = new Map<string, Constant | null>();
  // An input field whose type the parser could not read (too deep, or a syntax error) is declared,
  // but has no type: like a constant that failed, its uses are not reported again (the parser
  // reported the field)
  for (const name of ast.input?.untyped ?? []) {
    inputNames.add(name.name);
    constants.set(name.name, null);
  }
  let nextId = 0;
  // what looking for "did you mean" suggestions may spend, over all the policy's expressions
  const suggestions = suggestionBudget();
  // where each constant is first declared, so that one used before it is told so
  const declaredAt = new Map<string, number>();
  ast.lets.forEach((decl, i) => {
    if (!declaredAt.has(decl.name.name)) declaredAt.set(decl.name.name, i);
  });
  // what the constants evaluated so far took and hold; past either limit, no more are evaluated
  const spent = { steps: 0, size: 0, over: false };
  for (const [index, decl] of ast.lets.entries()) {
    const name = decl.name.name;
    if (constants.has(name) || inputNames.has(name)) {
      diagnostics.push(error(Codes.duplicateDeclaration, `\`${quotedName(name)}\` is already declared${inputNames.has(name) ? " as an input field" : ""}`, decl.name.span));
      continue;
    }
    const declaredLater = (other: string) => (declaredAt.get(other) ?? -1) > index;
    const checker = new ExpressionChecker(inputType, constants, diagnostics, nextId, { name, declaredLater }, suggestions);
    const checked = checker.check(decl.value);
    nextId = checker.nodeCount;
    // a constant that fails is known by name from here on, and its uses are not reported again
    constants.set(name, null);
    if (checked.type.kind === "error") continue;
    if (readsInput(checked.node)) {
      diagnostics.push(error(Codes.constantDependsOnRequest, `constant \`${quotedName(name)}\` cannot depend on the request`, decl.value.span));
      continue;
    }
    // Evaluated here, in the compiler's process: costed first (a few lines of doubling, or macros
    // nested over large lists, would otherwise take all its memory or time; V8 aborts the process
    // on a list too long), and its value measured after (a value of n steps holds at most about n
    // elements and bytes, but shared parts count each time they appear, as the module stores them)
    const { cost } = constantCost(checked.node);
    if (!within(cost, MAX_CONSTANT_COST)) {
      diagnostics.push(error(Codes.constantErrors, `constant \`${quotedName(name)}\` is too large to evaluate: it may take ${formatCost(cost)} steps (at most ${formatCost(MAX_CONSTANT_COST)})`, decl.value.span, "build it from smaller parts, or test the request against the parts"));
      continue;
    }
    // (once the constants together are over a limit, it was reported at the one that went over)
    if (spent.over) continue;
    if (!within(spent.steps + cost, MAX_CONSTANTS_COST)) {
      spent.over = true;
      diagnostics.push(error(Codes.constantErrors, `constant \`${quotedName(name)}\` brings the steps the policy's constants may take to ${formatCost(spent.steps + cost)}, more than the ${formatCost(MAX_CONSTANTS_COST)} they may take together; the constants after it are not evaluated`, decl.value.span, "build fewer or smaller constants, or test the request against smaller parts"));
      continue;
    }
    spent.steps += cost;
    const value = evaluateNode(checked.node, { kind: "record", fields: new Map() });
    if (value instanceof Err) {
      diagnostics.push(error(Codes.constantErrors, `constant \`${quotedName(name)}\` fails to evaluate: ${value.code.replace(/_/g, " ")}`, decl.value.span));
      continue;
    }
    const size = valueSize(value, MAX_CONSTANT_SIZE);
    if (size > MAX_CONSTANT_SIZE) {
      diagnostics.push(error(Codes.constantErrors, `constant \`${quotedName(name)}\` holds more than ${formatCost(MAX_CONSTANT_SIZE)} elements and bytes, the most a module stores for one`, decl.value.span, "build it from smaller parts, or test the request against the parts"));
      continue;
    }
    if (!within(spent.size + size, MAX_CONSTANTS_SIZE)) {
      spent.over = true;
      diagnostics.push(error(Codes.constantErrors, `constant \`${quotedName(name)}\` brings the elements and bytes the policy's constants hold to ${formatCost(spent.size + size)}, more than the ${formatCost(MAX_CONSTANTS_SIZE)} they may hold together; the constants after it are not evaluated`, decl.value.span, "build fewer or smaller constants, or test the request against smaller parts"));
      continue;
    }
    spent.size += size;
    constants.set(name, { value, type: checked.type as IRType });
  }

  // Rules: at most MAX_RULES (the module's optimiser ran out of its memory on 50,000)
  if (ast.rules.length > MAX_RULES)
    diagnostics.push(error(Codes.tooManyRules, `the policy has ${ast.rules.length.toLocaleString("en-US")} rules, more than the ${MAX_RULES.toLocaleString("en-US")} a module may hold`, ruleSpan(ast.rules[MAX_RULES]!), "split it into policies, or index large tables of permissions as data (`x in [...]`)"));
  const rules: IRRule[] = [];
  const ruleEffects = new Map<string, Effect>();
  const checker = new ExpressionChecker(inputType, constants, diagnostics, nextId, undefined, suggestions);
  for (const decl of ast.rules) {
    const name = decl.name.name;
    if (ruleEffects.has(name)) diagnostics.push(error(Codes.duplicateDeclaration, `rule \`${quotedName(name)}\` is declared twice`, decl.name.span));
    else ruleEffects.set(name, decl.effect);
    // no prototype: `@__proto__("…")` is an annotation like any other, an own member of the manifest's
    // rule (in an object literal the assignment set its prototype and the annotation was lost)
    const annotations: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const a of decl.annotations) {
      if (Object.hasOwn(annotations, a.name.name))
        diagnostics.push(error(Codes.duplicateAnnotation, `annotation \`@${quotedName(a.name.name)}\` appears twice on rule \`${quotedName(name)}\``, a.name.span));
      annotations[a.name.name] = a.value.value;
    }
    const condition: Node = decl.condition
      ? checker.checkCondition(decl.condition).node
      : { op: "lit", id: -1, span: decl.name.span, type: { kind: "bool" }, value: true };
    rules.push({ index: rules.length, name, effect: decl.effect, condition, annotations, span: ruleSpan(decl) });
  }
  // give an omitted condition a real id
  const finalRules = rules.map((r) =>
    r.condition.id === -1 ? { ...r, condition: { ...r.condition, id: checker.nodeCount + r.index } } : r,
  );
  const nodeCount = checker.nodeCount + rules.length;

  // Tests.
  const tests: PolicyTest[] = [];
  const testNames = new Set<string>();
  // the validator every backend decides with: a test's input is refused by `writ check` exactly
  // where `writ test` would see it refused
  const validate = schemaSound && !syntaxErrors && ast.tests.length > 0 ? compileHostRequestCheck(schema) : undefined;
  // a misspelt rule in `by` or `errors` is told the nearest of the policy's, within the same budget
  const suggestRule = (name: string, rules: Iterable<string>) => didYouMean(name, rules, suggestions);
  for (const t of ast.tests) {
    // (a name and a key are any text: escaped, they cannot end the diagnostic's line or forge another)
    if (testNames.has(t.name.value)) diagnostics.push(warning(Codes.duplicateTest, `test \`${quotedName(t.name.value)}\` is declared twice`, t.name.span));
    testNames.add(t.name.value);
    const request = dataToJs(t.input, diagnostics);
    if (validate) checkTestInput(t.input, request, validate, t.expect, diagnostics);
    tests.push({ name: t.name.value, request, expect: checkExpectation(t.expect, ruleEffects, diagnostics, suggestRule), span: t.span });
  }

  if (diagnostics.some((d) => d.severity === "error")) return { policy: undefined, diagnostics };
  const ir: IRPolicy = {
    name: ast.header?.name.value ?? "",
    version: ast.header?.version.value ?? "",
    schema,
    rules: finalRules,
    nodeCount,
  };
  return { policy: { ir, errorSites: checker.errorSites, tests }, diagnostics };
}

/**
 * Where a rule is, for the diagnostics about it (W0503, W0504) and the manifest's `line` and `column`:
 * from its `permit` or `forbid` keyword to its end. Its annotations come before the keyword, and a
 * diagnostic about one of them points at it.
 */
function ruleSpan(decl: RuleDecl): Span {
  return { start: decl.effectSpan.start, end: decl.span.end };
}

/** Converts a test's data literal to the JS value a host would send. */
export function dataToJs(v: DataValue, diagnostics: Diagnostic[]): unknown {
  switch (v.kind) {
    case "DataObject": {
      const out: Record<string, unknown> = {};
      for (const e of v.entries) {
        if (Object.hasOwn(out, e.key)) diagnostics.push(error(Codes.badTestValue, `key \`${quotedName(e.key)}\` appears twice`, e.keySpan));
        // defineProperty, so that a key such as `__proto__` is an own field like JSON.parse makes it
        Object.defineProperty(out, e.key, { value: dataToJs(e.value, diagnostics), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    case "DataArray":
      return v.items.map((i) => dataToJs(i, diagnostics));
    case "DataString":
      return v.value;
    case "DataInt":
      return v.value >= BigInt(Number.MIN_SAFE_INTEGER) && v.value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v.value) : v.value;
    case "DataBool":
      return v.value;
    case "DataNull":
      return null;
  }
}

function readsInput(node: Node): boolean {
  return node.op === "input" || childrenOf(node).some(readsInput);
}
