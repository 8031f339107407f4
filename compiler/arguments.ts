// The first arguments of the front end's library functions (parsePolicy, parseExpression,
// checkPolicy, formatPolicy, renderDiagnostics), refused by their shape before anything runs: a
// TypeError naming the function, what it takes and what it was given. Without it, the likeliest
// slip, a policy's text where a source file `{ name, text }` or a parsed policy belongs
// (`checkPolicy(text)`, as `compilePolicy(text)` is called), failed deep inside with an internal
// TypeError ("reading 'forEach'") that named neither the function nor the argument.
//
// Only the outer shape is checked: an AST or diagnostics are taken as parsePolicy and the checker
// made them, and one built by hand is the host's to keep well-formed.

import type { Diagnostic } from "./diagnostics.js";
import type { SourceFile } from "./source.js";
import type { PolicyFile } from "./syntax/ast.js";
import { readNamed } from "./option-reading.js";

/** How an argument of the wrong shape is named: its kind, never its contents. */
function kindOf(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

/** `v[name]`, a TypeError naming `fn` and the member where reading it throws (a getter, a Proxy). */
const member = (fn: string, what: string, v: object, name: string): unknown => readNamed(fn, `${what}.${name}`, () => (v as Record<string, unknown>)[name]);

/**
 * `source` when it is a source file, `{ name, text }` with both strings: the object itself, which
 * renderDiagnostics keys its line index by. `before` names the arguments `fn` takes ahead of the
 * source (`ast` for formatPolicy), so that the call a text is told to make is one that works.
 */
export function sourceFileArgument(fn: string, source: unknown, before: readonly string[] = []): SourceFile {
  if (typeof source === "object" && source !== null && !Array.isArray(source)) {
    const name = member(fn, "source", source, "name");
    const text = member(fn, "source", source, "text");
    if (typeof name === "string" && typeof text === "string") return source as SourceFile;
    const wrong = typeof text !== "string" ? `text is ${kindOf(text)}` : `name is ${kindOf(name)}`;
    throw new TypeError(`${fn}: the source must be { name, text } with both strings; its ${wrong}`);
  }
  const call = `${fn}(${[...before, '{ name: "policy.writ", text }'].join(", ")})`;
  const hint = typeof source === "string" ? ` (a policy's text goes in text: ${call})` : "";
  throw new TypeError(`${fn}: the source must be { name, text } with both strings, got ${kindOf(source)}${hint}`);
}

/** `text` when it is a string. */
export function textArgument(fn: string, text: unknown): string {
  if (typeof text !== "string") throw new TypeError(`${fn}: the expression must be a string, got ${kindOf(text)}`);
  return text;
}

/** `ast` when it is a parsed policy as parsePolicy gives it (its kind and its lists of declarations). */
export function policyFileArgument(fn: string, ast: unknown): PolicyFile {
  if (typeof ast === "object" && ast !== null && !Array.isArray(ast)) {
    const lists = ["lets", "rules", "tests", "comments"].every((name) => Array.isArray(member(fn, "ast", ast, name)));
    if (member(fn, "ast", ast, "kind") === "PolicyFile" && lists) return ast as PolicyFile;
  }
  const hint = typeof ast === "string" ? " (parse the text first: parsePolicy({ name, text }).ast)" : "";
  throw new TypeError(`${fn}: expected a parsed policy, parsePolicy(...).ast, got ${kindOf(ast)}${hint}`);
}

/** `diagnostics` when it is an array (of the diagnostics the compiler gave). */
export function diagnosticsArgument(fn: string, diagnostics: unknown): readonly Diagnostic[] {
  if (!Array.isArray(diagnostics)) throw new TypeError(`${fn}: expected an array of diagnostics, got ${kindOf(diagnostics)}`);
  return diagnostics as readonly Diagnostic[];
}
