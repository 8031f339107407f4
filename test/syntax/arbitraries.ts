// fast-check generators of Writ ASTs, shaped like what the parser produces (so that "format, then
// parse" can be compared with the generated tree). Spans are dummies: the formatter must not need
// real ones to lay out a file without comments.

import fc from "fast-check";
import type * as A from "../../compiler/syntax/ast.js";
import { CEL_RESERVED } from "../../compiler/syntax/lexer.js";

const S = { start: 0, end: 0 };
const KEYWORDS = ["policy", "input", "let", "permit", "forbid", "when", "test", "true", "false", "null", "in"];
const CONTEXTUAL = ["version", "expect", "allow", "deny", "by", "errors", "invalid"];

const word = fc.stringMatching(/^[_a-zA-Z][_a-zA-Z0-9]{0,6}$/);
/** IDENT: not reserved, not a Writ keyword; contextual keywords included */
export const ident = fc.oneof(
  { weight: 5, arbitrary: word.filter((w) => !KEYWORDS.includes(w) && !(CEL_RESERVED as readonly string[]).includes(w)) },
  { weight: 1, arbitrary: fc.constantFrom(...CONTEXTUAL, "list", "map", "size", "has") },
);
/** NAME: any identifier, keywords included */
export const name = fc.oneof({ weight: 4, arbitrary: ident }, { weight: 1, arbitrary: fc.constantFrom(...KEYWORDS, ...CEL_RESERVED) });

const codePoint = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xd7ff }) },
  { weight: 1, arbitrary: fc.integer({ min: 0xe000, max: 0x10ffff }) },
);
export const text = fc.array(codePoint, { maxLength: 12 }).map((cps) => String.fromCodePoint(...cps));

const id = (n: string): A.Identifier => ({ kind: "Identifier", name: n, span: S });
const str = (v: string): A.StringLiteral => ({ kind: "StringLiteral", value: v, span: S });

const literal: fc.Arbitrary<A.Expr> = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 64n }).map((value) => ({ kind: "IntLiteral" as const, value, span: S })),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((value) => ({ kind: "UintLiteral" as const, value, span: S })),
  fc.constantFrom("1.5", "0.0", "1e3", ".5", "2.5e-3", "6.02E+23").map((t) => ({ kind: "DoubleLiteral" as const, text: t, span: S })),
  text.map((value) => ({ kind: "StringLiteralExpr" as const, value, span: S })),
  fc.uint8Array({ maxLength: 6 }).map((value) => ({ kind: "BytesLiteral" as const, value, span: S })),
  fc.boolean().map((value) => ({ kind: "BoolLiteral" as const, value, span: S })),
  fc.constant({ kind: "NullLiteral" as const, span: S }),
);

const BINARY_OPS: A.BinaryOp[] = ["||", "&&", "==", "!=", "<", "<=", ">", ">=", "in", "+", "-", "*", "/", "%"];

export const expr: fc.Arbitrary<A.Expr> = fc.letrec<{ e: A.Expr }>((tie) => {
  const e = tie("e");
  return {
    e: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      literal,
      fc.record({ name: ident, leadingDot: fc.boolean() }).map(({ name, leadingDot }) => ({ kind: "Ident" as const, name, leadingDot, span: S })),
      fc.record({ operand: e, field: fc.oneof(name, fc.constantFrom("content-type", "/api/v1", "a.b")), optional: fc.boolean() }).map((r) => ({ kind: "Select" as const, ...r, fieldSpan: S, span: S })),
      fc.record({ operand: e, index: e, optional: fc.boolean() }).map((r) => ({ kind: "Index" as const, ...r, span: S })),
      fc.record({ target: fc.option(e, { nil: undefined }), fn: ident, args: fc.array(e, { maxLength: 3 }) }).chain((r) =>
        // receiver-style calls may use any name, reserved words included (`a.package()`)
        (r.target ? name : ident).map((fn) => ({ kind: "Call" as const, target: r.target, fn, fnSpan: S, args: r.args, span: S })),
      ),
      fc.record({ op: fc.constantFrom("!" as const, "-" as const), operand: e }).map((r) => ({ kind: "Unary" as const, ...r, span: S })),
      fc.record({ op: fc.constantFrom(...BINARY_OPS), left: e, right: e }).map((r) => ({ kind: "Binary" as const, ...r, opSpan: S, span: S })),
      fc.record({ test: e, then: e, otherwise: e }).map((r) => ({ kind: "Conditional" as const, ...r, span: S })),
      fc.array(e, { maxLength: 3 }).map((elements) => ({ kind: "List" as const, elements, span: S })),
      fc.array(fc.record({ key: e, value: e }), { maxLength: 3 }).map((es) => ({ kind: "Map" as const, entries: es.map((x) => ({ ...x, span: S })), span: S })),
      // a type name: an identifier, then parts that may need quoting (`a.\`b-c\`{...}`)
      fc
        .record({
          first: ident,
          leadingDot: fc.boolean(),
          rest: fc.array(fc.oneof(name, fc.constantFrom("content-type", "a.b")), { maxLength: 2 }),
          fields: fc.array(fc.record({ name, value: e }), { maxLength: 3 }),
        })
        .map((r) => {
          let type: A.Expr = { kind: "Ident" as const, name: r.first, leadingDot: r.leadingDot, span: S };
          for (const field of r.rest) type = { kind: "Select" as const, operand: type, field, fieldSpan: S, optional: false, span: S };
          return {
            kind: "Struct" as const,
            typeName: [(r.leadingDot ? "." : "") + r.first, ...r.rest].join("."),
            type,
            fields: r.fields.map((f) => ({ ...f, span: S })),
            span: S,
          };
        }),
    ),
  };
}).e;

const bound = fc.option(fc.integer({ min: 0, max: 100000 }), { nil: undefined });
const primitiveName = ident.filter((n) => n !== "list" && n !== "map");

export const typeExpr: fc.Arbitrary<A.TypeExpr> = fc.letrec<{ t: A.TypeExpr }>((tie) => ({
  t: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ name: primitiveName, max: bound }).map((r) => ({ kind: "PrimitiveTypeExpr" as const, ...r, span: S })),
    fc.record({ element: tie("t"), max: bound }).map((r) => ({ kind: "ListTypeExpr" as const, ...r, span: S })),
    fc.record({ key: tie("t"), value: tie("t"), max: bound }).map((r) => ({ kind: "MapTypeExpr" as const, ...r, span: S })),
    fc.array(fc.record({ name, optional: fc.boolean(), type: tie("t") }), { maxLength: 4 }).map((fs) => ({
      kind: "RecordTypeExpr" as const,
      fields: fs.map((f) => ({ kind: "FieldDecl" as const, name: id(f.name), optional: f.optional, type: f.type, span: S })),
      span: S,
    })),
  ),
})).t;

export const dataValue: fc.Arbitrary<A.DataValue> = fc.letrec<{ v: A.DataValue; o: A.DataObject }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((value) => ({ kind: "DataInt" as const, value, span: S })),
    text.map((value) => ({ kind: "DataString" as const, value, span: S })),
    fc.boolean().map((value) => ({ kind: "DataBool" as const, value, span: S })),
    fc.constant({ kind: "DataNull" as const, span: S }),
    fc.array(tie("v"), { maxLength: 4 }).map((items) => ({ kind: "DataArray" as const, items, span: S })),
    tie("o"),
  ),
  o: fc.array(fc.record({ key: fc.oneof(name, text), value: tie("v") }), { maxLength: 5 }).map((es) => ({
    kind: "DataObject" as const,
    entries: es.map((x) => ({ ...x, keySpan: S })),
    span: S,
  })),
})).v;

const dataObject = dataValue.filter((v): v is A.DataObject => v.kind === "DataObject");

const rule: fc.Arbitrary<A.RuleDecl> = fc
  .record({
    effect: fc.constantFrom("permit" as const, "forbid" as const),
    name: ident,
    annotations: fc.array(fc.record({ name: ident, value: text }), { maxLength: 2 }),
    condition: fc.option(expr, { nil: undefined }),
  })
  .map((r) => ({
    kind: "RuleDecl",
    effect: r.effect,
    name: id(r.name),
    annotations: r.annotations.map((a) => ({ kind: "Annotation" as const, name: id(a.name), value: str(a.value), span: S })),
    condition: r.condition,
    effectSpan: S,
    span: S,
  }));

const testDecl: fc.Arbitrary<A.TestDecl> = fc
  .record({
    name: text,
    input: dataObject,
    decision: fc.constantFrom("allow" as const, "deny" as const),
    by: fc.option(fc.array(name, { maxLength: 3 }), { nil: undefined }),
    errors: fc.option(fc.array(name, { maxLength: 3 }), { nil: undefined }),
    invalid: fc.boolean(),
  })
  .map((r) => ({
    kind: "TestDecl",
    name: str(r.name),
    input: r.input,
    expect: { kind: "Expectation", decision: r.decision, by: r.by?.map(id), errors: r.errors?.map(id), invalid: r.invalid, span: S },
    span: S,
  }));

export const policyFile: fc.Arbitrary<A.PolicyFile> = fc
  .record({
    header: fc.option(fc.record({ name: text, version: text }), { nil: undefined }),
    input: fc.option(fc.array(fc.record({ name, optional: fc.boolean(), type: typeExpr }), { maxLength: 4 }), { nil: undefined }),
    lets: fc.array(fc.record({ name: ident, value: expr }), { maxLength: 3 }),
    rules: fc.array(rule, { maxLength: 4 }),
    tests: fc.array(testDecl, { maxLength: 2 }),
  })
  .map((r) => ({
    kind: "PolicyFile",
    header: r.header ? { kind: "PolicyHeader" as const, name: str(r.header.name), version: str(r.header.version), span: S } : undefined,
    input: r.input
      ? { kind: "InputDecl" as const, fields: r.input.map((f) => ({ kind: "FieldDecl" as const, name: id(f.name), optional: f.optional, type: f.type, span: S })), span: S }
      : undefined,
    lets: r.lets.map((l) => ({ kind: "LetDecl" as const, name: id(l.name), value: l.value, span: S })),
    rules: r.rules,
    tests: r.tests,
    comments: [],
    span: S,
  }));
