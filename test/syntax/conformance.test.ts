// The CEL conformance files as referee for the syntax phase: every expression in them parses
// without a syntax error, prints and re-parses to the same tree, and every literal-only case
// decodes to exactly the value the file expects.

import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { casesFromText } from "../../compiler/conformance/cases.js";
import type { CelValue } from "../../compiler/conformance/values.js";
import type * as A from "../../compiler/syntax/ast.js";
import { printExpr } from "../../compiler/syntax/format.js";
import { parseExpression } from "../../compiler/syntax/index.js";
import { stripSpans } from "./helpers.js";
import { pathToFileURL } from "node:url";
import { celSpecTestdata } from "../support/cel-spec.js";

const dir = pathToFileURL(celSpecTestdata());
const files = readdirSync(dir).filter((f) => f.endsWith(".textproto")).sort();
const cases = files.flatMap((f) => casesFromText(readFileSync(new URL(f, dir), "utf8"), f).cases);

/** The value of a literal-only expression (a literal, possibly negated), or undefined. */
function literalValue(e: A.Expr): CelValue | undefined {
  switch (e.kind) {
    case "IntLiteral": return { kind: "int", value: e.value };
    case "UintLiteral": return { kind: "uint", value: e.value };
    case "StringLiteralExpr": return { kind: "string", value: e.value };
    case "BytesLiteral": return { kind: "bytes", value: e.value };
    case "BoolLiteral": return { kind: "bool", value: e.value };
    case "NullLiteral": return { kind: "null" };
    case "DoubleLiteral": return { kind: "double", value: Number(e.text) };
    case "Unary": {
      const v = e.op === "-" ? literalValue(e.operand) : undefined;
      if (v?.kind === "int") return { kind: "int", value: -v.value };
      if (v?.kind === "double") return { kind: "double", value: -v.value };
      return undefined;
    }
    default: return undefined;
  }
}

describe("CEL conformance expressions", () => {
  it("has the conformance files", () => {
    expect(files).toEqual(expect.arrayContaining(["basic.textproto", "string.textproto", "integer_math.textproto", "macros.textproto"]));
    expect(cases.length).toBeGreaterThan(500);
  });

  it("parses every expression without a syntax error", () => {
    const failures = cases
      .map((c) => ({ c, d: parseExpression(c.expr).diagnostics }))
      .filter((x) => x.d.length > 0)
      .map((x) => `${x.c.file}/${x.c.name}: ${x.c.expr} → ${x.d.map((d) => d.message).join("; ")}`);
    expect(failures).toEqual([]);
  });

  it("prints every expression so that it re-parses to the same tree", () => {
    for (const c of cases) {
      const first = parseExpression(c.expr).expr;
      const printed = printExpr(first);
      const again = parseExpression(printed);
      expect(again.diagnostics, printed).toEqual([]);
      expect(stripSpans(again.expr), `${c.file}/${c.name}: ${printed}`).toEqual(stripSpans(first));
    }
  });

  it("decodes every literal-only case to the value the file expects", () => {
    let checked = 0;
    for (const c of cases) {
      if (!("value" in c.expected)) continue;
      const v = literalValue(parseExpression(c.expr).expr);
      if (v === undefined) continue;
      checked++;
      if (v.kind === "double" && c.expected.value.kind === "double") expect(v.value, c.expr).toBe(c.expected.value.value);
      else expect(v, `${c.file}/${c.name}: ${c.expr}`).toEqual(c.expected.value);
    }
    // the self-evaluating literals of basic.textproto and the string/bytes escapes
    expect(checked).toBeGreaterThanOrEqual(25);
  });

  it("covers the literal forms the lexer must know", () => {
    const exprs = new Set(cases.map((c) => c.expr));
    for (const form of ["0u", "0x55555555u", "-9223372036854775808", "0e+0", 'r""', "r''''''", "b'\\000\\xff'", '"\\U0001f431"', "'\\''"]) {
      expect(exprs.has(form), form).toBe(true);
    }
  });
});
