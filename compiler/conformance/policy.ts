// Turns supported conformance cases into Writ policies: one rule per case, so a whole file compiles
// once and decides once. A case expecting value `v` from `e` becomes `permit cN when (e) == (v)`, which
// must hold, and `permit cN_not when !((e) == (v))` must neither hold nor error (so a compiler that
// lost a condition, or folded it to `true`, cannot pass); a case expecting an error becomes `permit cN when e` (or, when `e` is not a bool,
// `permit cN when size([e]) == 1`, which errors exactly when `e` does), whose rule must error.
// Each case's variables become input fields renamed `vN_name`, so cases that bind the same name to
// different types or values share one input block without conflict.

import type { Span } from "../source.js";
import type { ConformanceCase } from "./cases.js";
import { ownMember } from "../../runtime/own.js";
import type { Classification } from "./classify.js";
import { celLiteral, requestValue, writBoundedTypeOf, type CelType, type CelValue } from "./values.js";

export interface PreparedCase {
  readonly case: ConformanceCase;
  /** position in its file (0-based), also the rule's number */
  readonly index: number;
  readonly rule: string;
  /** the rule's condition, as written in the policy */
  readonly condition: string;
  /**
   * how the outcome is read: the rule holds (value), the rule errors (error), or — for a case
   * classified as outside the subset — the checker refuses the rule (rejection)
   */
  readonly expects: "value" | "error" | "rejection";
  /** for rejection cases: the feature outside the subset */
  readonly feature?: string;
  /** for value cases: the negated rule, which must neither hold nor error */
  readonly negated?: { readonly rule: string; readonly condition: string };
  readonly fields: readonly { readonly name: string; readonly type: string; readonly value: CelValue }[];
}

export interface BatchPolicy {
  readonly source: string;
  readonly request: Record<string, unknown>;
  /** where each case's rule sits in `source` (diagnostics inside it belong to that case) */
  readonly rules: readonly { readonly prepared: PreparedCase; readonly start: number; readonly end: number }[];
}

/** The name a case's variable gets in the shared input block. */
export function fieldName(index: number, variable: string): string {
  return `v${index}_${variable}`;
}

/** Replaces each occurrence of a variable (by span) with its renamed field. */
export function renameVariables(expr: string, index: number, variables: ReadonlyMap<string, readonly Span[]>): string {
  const edits = [...variables].flatMap(([name, spans]) => spans.map((s) => ({ s, name })));
  edits.sort((a, b) => b.s.start - a.s.start);
  let out = expr;
  for (const { s, name } of edits) out = out.slice(0, s.start) + fieldName(index, name) + out.slice(s.end);
  return out;
}

type Field = { name: string; type: string; value: CelValue };

function variableFields(c: ConformanceCase, index: number, cls: Classification): { fields: Field[] } | { reason: string } {
  const fields: Field[] = [];
  for (const name of cls.variables.keys()) {
    const type: CelType | undefined = cls.variableTypes.get(name);
    const value = ownMember(c.bindings, name) as CelValue | undefined;
    const writType = type && value && writBoundedTypeOf(type, [value]);
    if (writType === undefined || value === undefined) return { reason: `variable \`${name}\` has no Writ type or value` };
    fields.push({ name: fieldName(index, name), type: writType, value });
  }
  return { fields };
}

/**
 * Prepares the check that an unsupported case is refused at compile time (Writ must never give an
 * answer for what it does not support): `permit uN when size([e]) == 1` must not compile. Cases whose
 * variables have no Writ type cannot be written as a policy and are not checked this way, nor are
 * cases unsupported only for their result matcher (their expression may well be in the subset).
 */
export function prepareRejectionCase(c: ConformanceCase, index: number, cls: Classification): PreparedCase | undefined {
  const feature = cls.features.find((f) => f !== cls.matcher);
  if (feature === undefined) return undefined;
  const vars = variableFields(c, index, cls);
  if ("reason" in vars || cls.parseError !== undefined) return undefined;
  const expr = renameVariables(c.expr, index, cls.variables);
  return { case: c, index, rule: `u${index}`, condition: `size([${expr}]) == 1`, expects: "rejection", feature, fields: vars.fields };
}

/**
 * Prepares a supported case (classification found no unsupported feature and the expression parsed).
 * Returns a reason instead when the case cannot be expressed as a rule (which the runner reports).
 */
export function prepareCase(c: ConformanceCase, index: number, cls: Classification): PreparedCase | { readonly reason: string } {
  const vars = variableFields(c, index, cls);
  if ("reason" in vars) return { reason: vars.reason };
  const fields = vars.fields;
  const expr = renameVariables(c.expr, index, cls.variables);
  const rule = `c${index}`;
  if ("value" in c.expected) {
    const condition = `(${expr}) == (${celLiteral(c.expected.value)})`;
    const negated = { rule: `${rule}_not`, condition: `!(${condition})` };
    return { case: c, index, rule, condition, expects: "value", negated, fields };
  }
  if ("error" in c.expected) {
    const condition = cls.type === "bool" ? `(${expr})` : `size([${expr}]) == 1`;
    return { case: c, index, rule, condition, expects: "error", fields };
  }
  if ("unreadable" in c.expected) return { reason: `result matcher \`${c.expected.unreadable}\` could not be read` };
  return { reason: `result matcher \`${c.expected.unsupported}\` has no rule form` };
}

/** One policy holding a rule for each case, and the request that binds every case's variables. */
export function buildBatchPolicy(name: string, cases: readonly PreparedCase[]): BatchPolicy {
  const fields = cases.flatMap((p) => p.fields);
  let source = `policy ${JSON.stringify(`conformance-${name}`)} version "1.0.0"\n\n`;
  source += fields.length === 0 ? "input {}\n\n" : `input {\n${fields.map((f) => `  ${f.name}: ${f.type},\n`).join("")}}\n\n`;
  const rules: { prepared: PreparedCase; start: number; end: number }[] = [];
  for (const p of cases) {
    const start = source.length;
    source += `permit ${p.rule} when ${p.condition}`;
    if (p.negated) source += `\npermit ${p.negated.rule} when ${p.negated.condition}`;
    rules.push({ prepared: p, start, end: source.length });
    source += "\n";
  }
  const request: Record<string, unknown> = {};
  for (const f of fields) request[f.name] = requestValue(f.value);
  return { source, request, rules };
}
