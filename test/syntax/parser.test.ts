// The parser and AST builder on valid input: the example policy, each declaration form, the CEL
// expression grammar (precedence, associativity, members, literals) and spans.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type * as A from "../../compiler/syntax/ast.js";
import { parseExpression, parsePolicy } from "../../compiler/syntax/index.js";
import { printExpr } from "../../compiler/syntax/format.js";
import { exprOk, parseOk, stripSpans } from "./helpers.js";

const fixture = readFileSync(new URL("./fixtures/agent-payments.writ", import.meta.url), "utf8");

/** A fully parenthesised rendering, to test grouping independently of the formatter's choices. */
function shape(e: A.Expr): string {
  switch (e.kind) {
    case "Binary": return `(${shape(e.left)} ${e.op} ${shape(e.right)})`;
    case "Unary": return `(${e.op}${shape(e.operand)})`;
    case "Conditional": return `(${shape(e.test)} ? ${shape(e.then)} : ${shape(e.otherwise)})`;
    case "Select": return `${shape(e.operand)}${e.optional ? ".?" : "."}${e.field}`;
    case "Index": return `${shape(e.operand)}${e.optional ? "[?" : "["}${shape(e.index)}]`;
    case "Call": return `${e.target ? shape(e.target) + "." : ""}${e.fn}(${e.args.map(shape).join(", ")})`;
    default: return printExpr(e);
  }
}
const grouped = (text: string) => shape(exprOk(text));

describe("the example policy", () => {
  const ast = parseOk(fixture, "agent-payments.writ");

  it("has its header, schema, constant, rules and test", () => {
    expect(ast.header?.name.value).toBe("agent-payments");
    expect(ast.header?.version.value).toBe("1.2.0");
    expect(ast.input?.fields.map((f) => f.name.name)).toEqual(["principal", "action", "resource", "context"]);
    expect(ast.lets.map((l) => l.name.name)).toEqual(["TREASURY"]);
    expect(ast.rules.map((r) => `${r.effect} ${r.name.name}`)).toEqual(["forbid cross_tenant", "forbid risk_ceiling", "permit large_transfer"]);
    expect(ast.tests.map((t) => t.name.value)).toEqual(["cfo moves money with two approvals"]);
    expect(ast.comments.map((c) => c.text)).toEqual(["// Payments made by AI agents"]);
  });

  it("reads types with bounds, lists, maps, records and optional fields", () => {
    const principal = ast.input!.fields[0]!.type as A.RecordTypeExpr;
    expect(stripSpans(principal.fields.map((f) => f.type))).toEqual([
      { kind: "PrimitiveTypeExpr", name: "string", max: 64 },
      { kind: "PrimitiveTypeExpr", name: "string", max: 64 },
      { kind: "ListTypeExpr", element: { kind: "PrimitiveTypeExpr", name: "string", max: 32 }, max: 16 },
      { kind: "PrimitiveTypeExpr", name: "int", max: undefined },
    ]);
    const context = ast.input!.fields[3]!.type as A.RecordTypeExpr;
    expect(context.fields.map((f) => `${f.name.name}${f.optional ? "?" : ""}`)).toEqual(["amount", "hour", "risk", "approvals", "ticket?"]);
    const args = (ast.input!.fields[1]!.type as A.RecordTypeExpr).fields[2]!.type;
    expect(stripSpans(args)).toEqual({ kind: "MapTypeExpr", key: { kind: "PrimitiveTypeExpr", name: "string", max: undefined }, value: { kind: "PrimitiveTypeExpr", name: "string", max: undefined }, max: 32 });
  });

  it("keeps annotations with their rule and a multi-line condition whole", () => {
    const [cross, , large] = ast.rules;
    expect(cross!.annotations.map((a) => [a.name.name, a.value.value])).toEqual([["reason", "agents act only inside their own tenant"], ["severity", "high"]]);
    expect(shape(large!.condition!)).toBe(
      '((((action.name == "payments.transfer") && (context.amount > 1000000)) && principal.roles.exists(r, (r in TREASURY))) && (context.approvals >= 2))',
    );
  });

  it("reads the test's data and expectation", () => {
    const t = ast.tests[0]!;
    expect(t.input.entries.map((e) => e.key)).toEqual(["principal", "action", "resource", "context"]);
    const ctx = t.input.entries[3]!.value as A.DataObject;
    expect(stripSpans(ctx.entries[0])).toEqual({ key: "amount", value: { kind: "DataInt", value: 2000000n } });
    expect(stripSpans(t.expect)).toEqual({ kind: "Expectation", decision: "allow", by: [{ kind: "Identifier", name: "large_transfer" }], errors: undefined, invalid: false });
  });

  it("puts spans on nodes that point at their source text", () => {
    const r = ast.rules[0]!;
    expect(fixture.slice(r.name.span.start, r.name.span.end)).toBe("cross_tenant");
    expect(fixture.slice(r.condition!.span.start, r.condition!.span.end)).toBe("principal.tenant != resource.owner");
    expect(fixture.slice(r.span.start, r.span.end)).toMatch(/^@reason\("agents[^]*resource\.owner$/);
    const cond = r.condition as A.BinaryExpr;
    expect(fixture.slice(cond.opSpan.start, cond.opSpan.end)).toBe("!=");
    const sel = cond.left as A.SelectExpr;
    expect(fixture.slice(sel.fieldSpan.start, sel.fieldSpan.end)).toBe("tenant");
    const t = ast.tests[0]!;
    expect(fixture.slice(t.expect.span.start, t.expect.span.end)).toBe("expect allow by [large_transfer]");
    expect(fixture.slice(ast.input!.span.start, ast.input!.span.end)).toMatch(/^input \{[^]*\}$/);
  });
});

describe("declarations", () => {
  it("accepts a file without header, commas optional between fields, trailing commas", () => {
    const ast = parseOk(`input { a: int b: string, c: list<int>, }\npermit p`);
    expect(ast.header).toBeUndefined();
    expect(ast.input?.fields.map((f) => f.name.name)).toEqual(["a", "b", "c"]);
    expect(ast.rules[0]?.condition).toBeUndefined();
  });

  it("allows Writ keywords as field names, data keys and selectors", () => {
    const ast = parseOk(`input { resource: { version: string, input: int, test: bool, let?: int, permit: int } }
permit p when resource.version == "1" && resource.input > 0 && resource.test && has(resource.let)
test "t" { input { resource: { version: "1", input: 1, test: true, permit: 0, "odd key": 1 } } expect allow by [p] }`);
    const rec = ast.input!.fields[0]!.type as A.RecordTypeExpr;
    expect(rec.fields.map((f) => f.name.name)).toEqual(["version", "input", "test", "let", "permit"]);
    expect(shape(ast.rules[0]!.condition!)).toBe('((((resource.version == "1") && (resource.input > 0)) && resource.test) && has(resource.let))');
    expect((ast.tests[0]!.input.entries[0]!.value as A.DataObject).entries.map((e) => e.key)).toEqual(["version", "input", "test", "permit", "odd key"]);
  });

  it("uses contextual keywords as plain identifiers", () => {
    const ast = parseOk(`let version = 1\nlet by = 2\npermit allow when version + by > errors`);
    expect(ast.lets.map((l) => l.name.name)).toEqual(["version", "by"]);
    expect(ast.rules[0]!.name.name).toBe("allow");
  });

  it("reads every expectation clause in any order", () => {
    const ast = parseOk(`test "a" { input {} expect deny invalid errors [f, g,] by [f] }
test "b" { input { n: -5, xs: [1, "two", true, null, [], {}], o: { "k": false } } expect allow }`);
    expect(stripSpans(ast.tests[0]!.expect)).toEqual({
      kind: "Expectation", decision: "deny", invalid: true,
      by: [{ kind: "Identifier", name: "f" }], errors: [{ kind: "Identifier", name: "f" }, { kind: "Identifier", name: "g" }],
    });
    expect(stripSpans(ast.tests[1]!.input)).toEqual({
      kind: "DataObject",
      entries: [
        { key: "n", value: { kind: "DataInt", value: -5n } },
        { key: "xs", value: { kind: "DataArray", items: [
          { kind: "DataInt", value: 1n }, { kind: "DataString", value: "two" }, { kind: "DataBool", value: true },
          { kind: "DataNull" }, { kind: "DataArray", items: [] }, { kind: "DataObject", entries: [] },
        ] } },
        { key: "o", value: { kind: "DataObject", entries: [{ key: "k", value: { kind: "DataBool", value: false } }] } },
      ],
    });
  });

  it("keeps data ints beyond int64 exact for the checker", () => {
    const ast = parseOk(`test "big" { input { a: 99999999999999999999999, b: -9223372036854775809 } expect deny }`);
    expect(ast.tests[0]!.input.entries.map((e) => (e.value as A.DataInt).value)).toEqual([99999999999999999999999n, -9223372036854775809n]);
  });

  it("keeps unknown type names for the checker", () => {
    const ast = parseOk(`input { a: double, b: bytes(8), c: list<uint> }`);
    expect(ast.input!.fields.map((f) => (f.type.kind === "ListTypeExpr" ? "list:" + (f.type.element as A.PrimitiveTypeExpr).name : (f.type as A.PrimitiveTypeExpr).name))).toEqual(["double", "bytes", "list:uint"]);
  });
});

describe("CEL expressions", () => {
  it("follows CEL precedence and left associativity", () => {
    expect(grouped("a || b && c == d + e * f")).toBe("(a || (b && (c == (d + (e * f)))))");
    expect(grouped("a - b - c")).toBe("((a - b) - c)");
    expect(grouped("a / b * c % d")).toBe("(((a / b) * c) % d)");
    expect(grouped("a < b == c")).toBe("((a < b) == c)");
    expect(grouped("x in y && !z")).toBe("((x in y) && (!z))");
    expect(grouped("a || b || c")).toBe("((a || b) || c)");
  });

  it("nests conditionals to the right", () => {
    expect(grouped("a ? b : c ? d : e")).toBe("(a ? b : (c ? d : e))");
    expect(grouped("a || b ? c && d : e")).toBe("((a || b) ? (c && d) : e)");
  });

  it("reads repeated unary operators as nested nodes", () => {
    expect(grouped("!!a")).toBe("(!(!a))");
    expect(grouped("--1")).toBe("(-(-1))");
    expect(grouped("-a.b")).toBe("(-a.b)");
  });

  it("keeps the most negative int as a negation of 2^63", () => {
    const e = exprOk("-9223372036854775808");
    expect(stripSpans(e)).toEqual({ kind: "Unary", op: "-", operand: { kind: "IntLiteral", value: 9223372036854775808n } });
  });

  it("reads members: fields, calls, macros, indexes, optional syntax", () => {
    expect(grouped("a.b.c(1, 2)[0].d")).toBe("a.b.c(1, 2)[0].d");
    expect(grouped("xs.exists(x, x > 1)")).toBe("xs.exists(x, (x > 1))");
    expect(grouped("size(a) + has(b.c)")).toBe("(size(a) + has(b.c))");
    expect(stripSpans(exprOk("a.?b[?c]"))).toEqual({
      kind: "Index", optional: true, index: { kind: "Ident", name: "c", leadingDot: false },
      operand: { kind: "Select", optional: true, field: "b", operand: { kind: "Ident", name: "a", leadingDot: false } },
    });
    expect(stripSpans(exprOk(".a.b"))).toEqual({ kind: "Select", optional: false, field: "b", operand: { kind: "Ident", name: "a", leadingDot: true } });
    expect(grouped("{'content-type': 1}.`content-type`")).toBe('{"content-type": 1}.content-type');
    expect(grouped("a.package()")).toBe("a.package()");
  });

  it("reads CEL's optional list elements and map entries, marked for the checker to refuse", () => {
    const a = { kind: "Ident", name: "a", leadingDot: false };
    const b = { kind: "Ident", name: "b", leadingDot: false };
    expect(stripSpans(exprOk("[?a]"))).toEqual({ kind: "List", elements: [a], optionalElements: [0] });
    expect(stripSpans(exprOk("[1, ?a, b, ?b,]"))).toEqual({ kind: "List", elements: [{ kind: "IntLiteral", value: 1n }, a, b, b], optionalElements: [1, 3] });
    expect(stripSpans(exprOk("[ ?a]"))).toEqual({ kind: "List", elements: [a], optionalElements: [0] });
    expect(stripSpans(exprOk("{?'k': a, 'l': b}"))).toEqual({
      kind: "Map",
      entries: [
        { key: { kind: "StringLiteralExpr", value: "k" }, value: a, optional: true },
        { key: { kind: "StringLiteralExpr", value: "l" }, value: b },
      ],
    });
    // a `?:` is still one, in a list as anywhere
    expect(exprOk("[a ? 1 : 2]")).toMatchObject({ kind: "List", elements: [{ kind: "Conditional" }] });
    expect(exprOk("[a ? 1 : 2]")).not.toHaveProperty("optionalElements");
    // an empty `[?]` and a call's argument are no place for one
    expect(parseExpression("[?]").diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual(["W0101 expected an expression, found `]`"]);
    expect(parseExpression("f(?a)").diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual(["W0101 expected an expression, found `?`"]);
  });

  it("reads list, map and message literals with trailing commas", () => {
    expect(stripSpans(exprOk("[1, 2,]"))).toEqual({ kind: "List", elements: [{ kind: "IntLiteral", value: 1n }, { kind: "IntLiteral", value: 2n }] });
    expect(stripSpans(exprOk("{'a': 1, 2: b,}"))).toEqual({ kind: "Map", entries: [
      { key: { kind: "StringLiteralExpr", value: "a" }, value: { kind: "IntLiteral", value: 1n } },
      { key: { kind: "IntLiteral", value: 2n }, value: { kind: "Ident", name: "b", leadingDot: false } },
    ] });
    expect(stripSpans(exprOk("google.type.Money{units: 1, nanos: 2,}"))).toEqual({
      kind: "Struct", typeName: "google.type.Money",
      type: { kind: "Select", operand: { kind: "Select", operand: { kind: "Ident", name: "google", leadingDot: false }, field: "type", optional: false }, field: "Money", optional: false },
      fields: [{ name: "units", value: { kind: "IntLiteral", value: 1n } }, { name: "nanos", value: { kind: "IntLiteral", value: 2n } }],
    });
    expect(stripSpans(exprOk("[]"))).toEqual({ kind: "List", elements: [] });
    expect(stripSpans(exprOk("{}"))).toEqual({ kind: "Map", entries: [] });
    // a trailing comma follows an element (docs/language-grammar.md), as in CEL
    for (const [text, closer] of [["[,]", "]"], ["{,}", "}"], ["a.B{,}", "}"]])
      expect(parseExpression(text).diagnostics.map((d) => `${d.code} ${d.message}`), text).toEqual([`W0101 expected \`${closer}\`, found \`,\``]);
  });

  it("reads every literal kind", () => {
    const lit = (t: string) => stripSpans(exprOk(t));
    expect(lit("0x10")).toEqual({ kind: "IntLiteral", value: 16n });
    // as written, where that is not the value's digits, for the messages that quote it
    expect(exprOk("0x10")).toMatchObject({ kind: "IntLiteral", written: "0x10" });
    expect(exprOk("010")).toMatchObject({ kind: "IntLiteral", written: "010" });
    expect(exprOk("16")).not.toHaveProperty("written");
    expect(lit("18446744073709551615u")).toEqual({ kind: "UintLiteral", value: 18446744073709551615n });
    expect(lit("1.5e-3")).toEqual({ kind: "DoubleLiteral", text: "1.5e-3" });
    expect(lit("'a\\tb'")).toEqual({ kind: "StringLiteralExpr", value: "a\tb" });
    expect(lit("b'\\000\\xff'")).toEqual({ kind: "BytesLiteral", value: Uint8Array.from([0, 255]) });
    expect(lit("true")).toEqual({ kind: "BoolLiteral", value: true });
    expect(lit("null")).toEqual({ kind: "NullLiteral" });
  });

  it("ends a rule's condition where the next declaration starts", () => {
    const ast = parseOk(`permit a when x > 1\n@reason("r") forbid b when y\npermit c when z let K = 1 test "t" { input {} expect deny }`);
    expect(ast.rules.map((r) => [r.name.name, shape(r.condition!)])).toEqual([["a", "(x > 1)"], ["b", "y"], ["c", "z"]]);
    expect(ast.lets).toHaveLength(1);
    expect(ast.tests).toHaveLength(1);
  });

  it("gives an expression's span exactly its text", () => {
    const text = "  a.b(c) + [1, 2][0]  ";
    const r = parseExpression(text);
    expect(text.slice(r.expr.span.start, r.expr.span.end)).toBe("a.b(c) + [1, 2][0]");
    const bin = r.expr as A.BinaryExpr;
    expect(text.slice(bin.right.span.start, bin.right.span.end)).toBe("[1, 2][0]");
    const call = bin.left as A.CallExpr;
    expect(text.slice(call.fnSpan.start, call.fnSpan.end)).toBe("b");
  });

  it("parses the same declarations with or without surrounding declarations", () => {
    const alone = parsePolicy({ name: "a", text: "permit x when a && b" }).ast.rules[0];
    const among = parsePolicy({ name: "b", text: "let Z = 1\npermit x when a && b\nforbid y" }).ast.rules[0];
    expect(stripSpans(alone)).toEqual(stripSpans(among));
  });
});
