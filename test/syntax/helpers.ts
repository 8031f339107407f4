// Shared by the syntax tests: AST comparison without spans, and parsing shortcuts.

import { expect } from "vitest";
import type { Diagnostic } from "../../compiler/diagnostics.js";
import type * as A from "../../compiler/syntax/ast.js";
import { parseExpression, parsePolicy } from "../../compiler/syntax/index.js";

const SPAN_KEYS = new Set(["span", "opSpan", "fnSpan", "fieldSpan", "keySpan", "effectSpan"]);
/** how a literal was written, where its value is what it means (`0x10` and `16`) */
const WRITTEN_KEYS = new Set(["written"]);

/** A deep copy without spans and literals' written forms (and without comments when asked), for structural comparison. */
export function stripSpans<T>(x: T, dropComments = true): T {
  if (Array.isArray(x)) return x.map((v) => stripSpans(v, dropComments)) as T;
  if (x instanceof Uint8Array || x === null || typeof x !== "object") return x;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x)) {
    if (SPAN_KEYS.has(k) || WRITTEN_KEYS.has(k) || (dropComments && k === "comments")) continue;
    out[k] = stripSpans(v, dropComments);
  }
  return out as T;
}

export function parseOk(text: string, name = "test.writ"): A.PolicyFile {
  const r = parsePolicy({ name, text });
  expect(r.diagnostics.map((d) => `${d.code} ${d.message} @${d.span.start}`)).toEqual([]);
  return r.ast;
}

export function exprOk(text: string): A.Expr {
  const r = parseExpression(text);
  expect(r.diagnostics.map((d) => `${d.code} ${d.message}`), text).toEqual([]);
  return r.expr;
}

export function codes(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => d.code);
}
