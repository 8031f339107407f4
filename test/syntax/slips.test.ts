// Common slips in a policy written by hand (a keyword misspelt, a bracket left open, a habit from
// another language): each is reported where it is made, with what to write where that is known, and
// the declarations around it are still parsed, so that their own errors are reported too.

import { describe, expect, it } from "vitest";
import { checkPolicy } from "../../compiler/check/policy.js";
import { formatPolicy, parseExpression, parsePolicy } from "../../compiler/syntax/index.js";
import { W } from "../../compiler/syntax/diagnostic-codes.js";
import { lineColIndex } from "../../compiler/source.js";

function diag(text: string) {
  const r = parsePolicy({ name: "slip.writ", text });
  return { ...r, list: r.diagnostics.map((d) => ({ code: d.code, message: d.message, at: text.slice(d.span.start, d.span.end), ...(d.help !== undefined && { help: d.help }) })) };
}

const names = (r: { ast: { rules: readonly { name: { name: string } }[] } }) => r.ast.rules.map((x) => x.name.name);

/** the names of a record's fields, each record's with its own fields */
const fieldNames = (fields: readonly { name: { name: string }; type: { kind: string } }[]): unknown[] =>
  fields.map((f) => (f.type.kind === "RecordTypeExpr" ? [f.name.name, fieldNames((f.type as unknown as { fields: typeof fields }).fields)] : f.name.name));

describe("a rule's effect misspelt or left out after an annotation", () => {
  it("does not swallow the rules after it", () => {
    const text = [
      `input { payment: { amount: int } }`,
      `@reason("one")`,
      `permitt first when payment.amount > 1`,
      `permit second when payment.amout > 2`,
      `@severity("high")`,
      `forbid third when payment.amout > 3`,
    ].join("\n");
    const r = diag(text);
    expect(r.list).toEqual([{ code: W.UnexpectedToken, message: "expected `permit` or `forbid`, found `permitt`", at: "permitt", help: "did you mean `permit`?" }]);
    // the rules after it are whole: their conditions are checked, not error nodes
    expect(r.ast.rules.map((x) => [x.name.name, x.annotations.map((a) => a.value.value), x.condition?.kind])).toEqual([
      ["second", [], "Binary"],
      ["third", ["high"], "Binary"],
    ]);
  });

  it("does not swallow them when the effect is left out, the annotation left", () => {
    const r = diag(`@reason("one")\nfirst when a > 1\npermit second when a > 2\n@reason("two") forbid third`);
    expect(r.list).toEqual([{ code: W.UnexpectedToken, message: "expected `permit` or `forbid`, found `first`", at: "first" }]);
    expect(names(r)).toEqual(["second", "third"]);
    expect(r.ast.rules[0]!.condition?.kind).toBe("Binary");
  });

  it("still reads an annotation written wrong with the rule it annotates", () => {
    for (const head of [`@reason "x"`, `@reason("a", "b")`, `@reason("x"`, `@reason(x)`, `@a("x") @b("y")`]) {
      const r = diag(`${head} permit r when a\npermit s`);
      expect(names(r), head).toEqual(["r", "s"]);
    }
  });

  it("asks whether a word close to `permit`, `forbid` or `when` was meant", () => {
    const helps = (text: string) => diag(text).list.map((d) => [d.at, d.help]);
    expect(helps(`permit a when x\nforbd b when y`)).toEqual([["forbd", "did you mean `forbid`?"]]);
    expect(helps(`Forbid a when x`)).toEqual([["Forbid", "did you mean `forbid`?"]]);
    expect(helps(`forbid a When x`)).toEqual([["When", "did you mean `when`?"]]);
    expect(helps(`@reason("r") PERMIT a`)).toEqual([["PERMIT", "did you mean `permit`?"]]);
    // a name far from every keyword gets no such help
    expect(helps(`forbid a when x y`)).toEqual([["y", undefined]]);
  });
});

describe("a record of the input block left open", () => {
  const text = [
    `policy "p" version "1"`,
    `input {`,
    `  principal: { id: string, roles: list<string>`,
    `  payment: { amount: int }`,
    `  context: { approvals: list<string> }`,
    `}`,
    `forbid a when payment.amount <= 0`,
    `forbid b when principal.id in context.approvals && "r" in principal.roles`,
  ].join("\n");

  it("is named where the block's `}` is found missing", () => {
    expect(diag(text).list).toEqual([{ code: W.UnexpectedToken, message: "expected `}`, found `forbid`", at: "forbid", help: "the `{` of `principal` at 3:14 is never closed" }]);
  });

  it("keeps the fields after it declared, untyped, so that their uses raise nothing more", () => {
    const r = diag(text);
    expect(r.ast.input!.fields.map((f) => [f.name.name, f.type.kind === "RecordTypeExpr" ? f.type.fields.map((g) => g.name.name) : []])).toEqual([["principal", ["id", "roles"]]]);
    expect(r.ast.input!.untyped?.map((n) => n.name)).toEqual(["payment", "context"]);
    expect(checkPolicy(r.ast).diagnostics).toEqual([]);
  });

  it("names the block's own `{`, and no record, when every record found its own `}`", () => {
    const cases = [
      // the field on the block's line: its fields are further in than its line, not than it
      [`input { agent: {`, `  id: string,`, `  trust: int`, `}`, `permit r when agent.trust > 1`],
      // a record closed before the block's end, its fields written as if the block's
      [`input {`, `  agent: { id: string,`, `  trust: int }`, `  tool: string`, `permit r when agent.trust > 1 && tool == "x"`],
      // a field indented with spaces, its record's fields with tabs
      [`input {`, `    principal: {`, `\t\tid: string`, `    }`, `    payment: { amount: int }`, `permit r when principal.id == "a" && payment.amount > 1`],
    ];
    for (const lines of cases) {
      const r = diag([`policy "p" version "1"`, ...lines].join("\n"));
      expect(r.list).toEqual([{ code: W.UnexpectedToken, message: "expected `}`, found `permit`", at: "permit", help: "the `{` at 2:7 is never closed" }]);
      expect(checkPolicy(r.ast).diagnostics).toEqual([]);
    }
  });

  it("names the block's own `{` when the layout tells no record left open", () => {
    const r = diag(`input { a: int, b: { c: int }\npermit p when a > 0`);
    expect(r.list).toEqual([{ code: W.UnexpectedToken, message: "expected `}`, found `permit`", at: "permit", help: "the `{` at 1:7 is never closed" }]);
    expect(r.ast.input!.fields.map((f) => f.name.name)).toEqual(["a", "b"]);
  });
});

describe("a collection type named as another language names it", () => {
  it("is an unknown type, with `list<T>` or `map<string, T>` to write", () => {
    const r = diag(`input { tags: array<string>, roles: List<string>, attrs: Map<string, int>, n: int<string> }`);
    expect(r.list).toEqual([
      { code: W.BadTypeArguments, message: "unknown type `array`", at: "array<string>", help: "a list is written `list<T>`, a map `map<string, T>`" },
      { code: W.BadTypeArguments, message: "unknown type `List`", at: "List<string>", help: "did you mean `list<T>`?" },
      { code: W.BadTypeArguments, message: "unknown type `Map`", at: "Map<string, int>", help: "did you mean `map<string, T>`?" },
      { code: W.BadTypeArguments, message: "`int` takes no type arguments", at: "int<string>" },
    ]);
    // the fields are declared untyped, so that their uses raise nothing more
    expect(r.ast.input!.untyped?.map((n) => n.name)).toEqual(["tags", "roles", "attrs", "n"]);
  });
});

describe("a union type in the input block, as TypeScript writes one", () => {
  const UNION = "a field has one type: Writ has no union types";

  it("is told the type and the rule to write as Writ writes them: a quoted name unquoted, a string's bound in `( )`", () => {
    const helps = (fields: string) =>
      diag(`policy "p" version "1"\ninput {\n${fields}\n}\n`).list.filter((d) => d.message === UNION).map((d) => d.help);
    // quoted, the rule `"d" in ["x", "y"]` compiles and never holds: a string is in the list or not
    expect(helps(`  "d": "x" | "y"`)).toEqual(['declare `d: string` and test the values in a rule: `d in ["x", "y"]`']);
    expect(helps(`  "user": { role: "admin" | "user" }`)).toEqual(['declare `role: string` and test the values in a rule: `user.role in ["admin", "user"]`']);
    expect(helps(`  a: string<64> | null\n  b: string[64] | int`)).toEqual([
      "declare `a?: string(64)`: a field that may be absent is optional",
      "declare one type for the field: `string(64)` or `int`",
    ]);
  });

  it("is one error at the union, the rest of the record read, the field's uses raising nothing", () => {
    const text = [
      `policy "orders" version "1.0.0"`,
      `input {`,
      `  order: { total: int, status: string | int, currency: string }`,
      `  plan: "free" | "pro"`,
      `}`,
      `permit ok when order.total < 1000 && order.currency == "EUR" && order.status == 1 && plan == "free"`,
    ].join("\n");
    const r = diag(text);
    expect(r.list).toEqual([
      { code: W.UnexpectedCharacter, message: UNION, at: "string | int", help: "declare one type for the field: `string` or `int`" },
      { code: W.UnexpectedCharacter, message: UNION, at: `"free" | "pro"`, help: 'declare `plan: string` and test the values in a rule: `plan in ["free", "pro"]`' },
    ]);
    expect(fieldNames(r.ast.input!.fields)).toEqual([["order", ["total", "status", "currency"]]]);
    expect(r.ast.input!.untyped?.map((n) => n.name)).toEqual(["plan"]);
    expect(checkPolicy(r.ast, { syntaxErrors: true }).diagnostics).toEqual([]);
  });

  it("is told the type to declare: the values' type, optional for `null`, one of the types", () => {
    const help = (type: string) => diag(`input {\n  a: { b: { c: ${type}, d: int } }\n}`).list.map((d) => [d.message, d.at, d.help]);
    expect(help(`1 | 2 | -3`)).toEqual([[UNION, "1 | 2 | -3", "declare `c: int` and test the values in a rule: `a.b.c in [1, 2, -3]`"]]);
    expect(help(`string | null`)).toEqual([[UNION, "string | null", "declare `c?: string`: a field that may be absent is optional"]]);
    expect(help(`"x" | "y" | undefined`)).toEqual([[UNION, `"x" | "y" | undefined`, 'declare `c?: string` and test the values in a rule: `a.b.c in ["x", "y"]`']]);
    expect(help(`| "x" | "y"`)).toEqual([[UNION, `| "x" | "y"`, 'declare `c: string` and test the values in a rule: `a.b.c in ["x", "y"]`']]);
    expect(help(`list<string> | map<string, int> | bool`)).toEqual([[UNION, "list<string> | map<string, int> | bool", "declare one type for the field: `list<string>`, `map<string, int>` or `bool`"]]);
    expect(help(`list<"x" | "y">`)).toEqual([[UNION, `"x" | "y"`, "declare `string` and test the values in a rule"]]);
    expect(help(`"x" | 1`)).toEqual([[UNION, `"x" | 1`, "declare one type for the field: `string` or `int`"]]);
    expect(help(`1.5 | "x"`)).toEqual([[UNION, `1.5 | "x"`, "declare one type for the field"]]);
  });

  it("as the block's first fields, with no type before them, is still the input block: one error each", () => {
    // (only after a test's head may `input {` with values and no type be a test's data)
    const text = [`policy "p" version "1"`, `input {`, `  action: "read" | "write" | "delete"`, `  role: "admin" | "user"`, `}`, `permit r when action == "read" && role == "admin"`].join("\n");
    const r = diag(text);
    expect(r.list.map((d) => [d.code, d.at])).toEqual([
      [W.UnexpectedCharacter, `"read" | "write" | "delete"`],
      [W.UnexpectedCharacter, `"admin" | "user"`],
    ]);
    expect(r.ast.input!.untyped?.map((n) => n.name)).toEqual(["action", "role"]);
    expect(names(r)).toEqual(["r"]);
    expect(checkPolicy(r.ast, { syntaxErrors: true }).diagnostics).toEqual([]);
  });

  it("as the block's only field, or in a record on the block's one line, is one error and no W0113", () => {
    const said = (text: string) => {
      const r = diag(text);
      return { parse: r.list.map((d) => [d.code, d.at]), check: checkPolicy(r.ast, { syntaxErrors: true }).diagnostics.map((d) => d.code) };
    };
    expect(said(`policy "p" version "1"\ninput {\n  kind: "a" | "b"\n}\npermit r when kind == "a"`)).toEqual({ parse: [[W.UnexpectedCharacter, `"a" | "b"`]], check: [] });
    expect(said(`policy "p" version "1"\ninput {\n  note: null | string\n}\npermit r when note == "x"`)).toEqual({ parse: [[W.UnexpectedCharacter, "null | string"]], check: [] });
    expect(said(`policy "p" version "1"\ninput { order: { status: "a" | "b" } }\npermit r when order.status == "a"`)).toEqual({ parse: [[W.UnexpectedCharacter, `"a" | "b"`]], check: [] });
  });

  it("leaves a `|` that joins no two types, and a lone `&`, unexpected characters, told no operator", () => {
    const r = diag(`input { a: string |, b: string | c: int, d: int & }\npermit p when a == "x" && b == "y" && c == 1 && d == 2`);
    expect(r.list.map((d) => [d.message, d.at, d.help])).toEqual([
      ["unexpected character `|`", "|", undefined],
      ["unexpected character `|`", "|", undefined],
      ["unexpected character `&`", "&", undefined],
    ]);
    expect(fieldNames(r.ast.input!.fields)).toEqual(["a", "b", "c", "d"]);
    // in a test's data neither is an operator either
    expect(diag(`test "t" { input { a: 1 } | expect allow }`).list.map((d) => [d.message, d.help])).toEqual([["unexpected character `|`", undefined]]);
  });
});

describe("a bracket left open, or an operator left without its right side", () => {
  it("names the bracket and where it opens, where its closer was expected", () => {
    const text = [
      `let K = [1, 2`,
      `forbid a when !(p.currency in K`,
      `forbid b when size(p.tags > 1`,
      `permit c when p.n > 0`,
      `test "t" {`,
      `  input { p: { tags: ["x" } }`,
      `  expect allow`,
      `}`,
      `test "u" { input { p: {} } expect deny`,
      `permit d`,
    ].join("\n");
    expect(diag(text).list.map((d) => [d.message, d.at, d.help])).toEqual([
      ["expected `]`, found `forbid`", "forbid", "the `[` at 1:9 is never closed"],
      ["expected `)`, found `forbid`", "forbid", "the `(` at 2:16 is never closed"],
      ["expected `)`, found `permit`", "permit", "the `(` at 3:19 is never closed"],
      ["expected `]`, found `}`", "}", "the `[` at 6:22 is not closed before this `}`"],
      ["expected `}`, found `permit`", "permit", "the `{` at 9:10 is never closed"],
    ]);
  });

  it("does not call a bracket never closed where a keyword inside it cut the declaration short", () => {
    // `@`, `let`, `permit`… start a declaration wherever they are written: the bracket they are
    // written in is left open in the declaration before them, though a closer after them closes it
    // (an annotation on a field of the input block stays in it: see "an annotation on a field")
    const text = [
      `input {`,
      `  agent: string`,
      `}`,
      `permit r when agent in {"a": 1,`,
      `  @reason("x") "c": 2}`,
      `permit s when agent in ["a", "b",`,
      `  @reason("x") "c"]`,
    ].join("\n");
    expect(diag(text).list.map((d) => [d.message, d.at, d.help])).toEqual([
      ["expected `}`, found `@`", "@", "`@` starts a new declaration wherever it is written: it cut this one short inside the `{` at 4:24"],
      ["expected `permit` or `forbid`, found `\"c\"`", "\"c\"", undefined],
      ["expected `]`, found `@`", "@", "`@` starts a new declaration wherever it is written: it cut this one short inside the `[` at 6:24"],
      ["expected `permit` or `forbid`, found `\"c\"`", "\"c\"", undefined],
    ]);
  });

  it("says which operator or `when` was left with nothing after it", () => {
    const text = [`forbid a when p.n <= 0 &&`, `@reason("x")`, `forbid b when`, `let X =`, `permit c when p.n in`, `permit d`].join("\n");
    expect(diag(text).list.map((d) => [d.message, d.help])).toEqual([
      ["expected an expression, found `@`", "the `&&` at 1:24 has nothing on its right: a condition ends where the next declaration starts"],
      ["expected an expression, found `let`", "nothing follows the `when` at 3:10: a condition ends where the next declaration starts"],
      ["expected an expression, found `permit`", "nothing follows the `=` at 4:7: a value ends where the next declaration starts"],
      ["expected an expression, found `permit`", "the `in` at 5:19 has nothing on its right: a condition ends where the next declaration starts"],
    ]);
    // at the end of the text, no next declaration is blamed
    expect(diag(`permit a when p.n > 0 ||`).list.map((d) => d.help)).toEqual(["the `||` at 1:23 has nothing on its right"]);
  });

  it("names the object of a test's data left open, whose key `expect` became, and says so once", () => {
    const text = [
      `test "t" {`,
      `  input {`,
      `    request: { operation: "query", purpose: "reporting",`,
      `    dataset: { id: "x" }`,
      `  }`,
      `  expect allow`,
      `}`,
      `test "u" {`,
      `  input { request: { operation: "x" }`,
      `  expect deny`,
      `}`,
    ].join("\n");
    expect(diag(text).list.map((d) => [d.message, d.at, d.help])).toEqual([
      ["expected `:`, found `allow`", "allow", "the `{` of `request` at 3:14 is never closed: `expect` is read as one of its keys"],
      ["expected `:`, found `deny`", "deny", "the `{` at 9:9 is never closed: `expect` is read as one of its keys"],
    ]);
  });
});

describe("`expect` as a key of a test's data", () => {
  it("is a key, its `:` left out, where neither `allow` nor `deny` follows it and its object is closed", () => {
    const test = (...body: string[]) => diag([`input { meta: { expect: bool } }`, `test "t" {`, ...body, `}`].join("\n")).list.map((d) => [d.message, d.at, d.help]);
    expect(test(`  input { meta: { expect true } }`, `  expect allow`)).toEqual([["expected `:`, found `true`", "true", undefined]]);
    // the test's own `expect` left out is still reported
    expect(test(`  input { meta: { expect true } }`)).toEqual([
      ["expected `:`, found `true`", "true", undefined],
      ["expected `expect`, found `}`", "}", undefined],
    ]);
  });
});

describe("a request's field written `input.field`, as Rego and Cedar write it", () => {
  it("is one error in the condition, with the name to write, and cuts nothing short", () => {
    const text = [
      `input { agent: { roles: list<string>, trust: int } }`,
      `forbid a when input.agent.trust < 3`,
      `permit b when "x" in agent.roles`,
    ].join("\n");
    const r = diag(text);
    expect(r.list).toEqual([
      {
        code: W.UnexpectedToken,
        message: "expected an expression, found `input` (`input` is a reserved word)",
        at: "input",
        help: "an expression reads the request's top-level fields by their names, without `input.`: write `agent`, not `input.agent`",
      },
    ]);
    // read as a second input block, it was W0107 and took the rest of the rule with it
    expect(r.ast.input!.fields.map((f) => f.name.name)).toEqual(["agent"]);
    expect(r.ast.rules.map((x) => [x.name.name, x.condition?.kind])).toEqual([["a", "ErrorExpr"], ["b", "Binary"]]);
  });

  it("at the top level, declaring a field, is told that fields are declared in the block", () => {
    expect(diag(`input { a: int }\ninput.agent: string\npermit p when a > 1`).list.map((d) => [d.code, d.at, d.help])).toEqual([
      [W.NotADeclaration, "input", "`input` starts a declaration only as the block `input { … }`: declare each request field inside it"],
    ]);
  });

  it("gets no such help outside an expression", () => {
    expect(diag(`input { a: int }\npermit input. when a > 1`).list.map((d) => [d.message, d.help])).toEqual([["expected an identifier, found `input` (`input` is a reserved word)", undefined]]);
  });
});

describe("an arrow function, as JavaScript writes a list's predicate", () => {
  it("is one error at the `=>`, with the macro to write, not `compare with ==`", () => {
    const said = (condition: string) => diag(`permit p when ${condition}\npermit q`).list.map((d) => [d.message, d.at, d.help]);
    expect(said(`agent.roles.some(r => r == "operator")`)).toEqual([
      ["expected `)`, found `=>`", "=>", "Writ has no arrow functions: write the macro `exists(r, …)`, its variable first and then the expression"],
    ]);
    expect(said(`l.every((x) => x > 0) && l.filter(y => y > 1).size() > 0`)).toEqual([
      ["expected `)`, found `=>`", "=>", "Writ has no arrow functions: write the macro `all(x, …)`, its variable first and then the expression"],
    ]);
    expect(said(`f(v => v)`)).toEqual([
      ["expected `)`, found `=>`", "=>", "Writ has no arrow functions: write the macro `exists(v, …)` or `all(v, …)`, its variable first and then the expression"],
    ]);
    // in a schema an arrow is no function: the errors are the schema's, each reported
    expect(diag(`input { p: { nr => r int }, a: int }\npermit q`).list.map((d) => [d.message, d.at, d.help])).toEqual([
      ["expected `:`, found `=`", "=", undefined],
      ["expected `:`, found `int`", "int", undefined],
    ]);
    // a lone `=`, or one with a `>` apart from it, is still a comparison written with one `=`
    expect(said(`a = > 1`)).toEqual([["expected an operator or a new declaration, found `=`", "=", "compare with `==`"]]);
  });
});

describe("a negation written `not`, as Python and SQL write it", () => {
  it("is told the `!` to write, with the operands it negates", () => {
    const said = (condition: string) => diag(`permit p when ${condition}\npermit q`).list.map((d) => [d.message, d.at, d.help]);
    expect(said(`a && not has(context.ticket)`)).toEqual([
      ["expected an operator or a new declaration, found `has`", "has", "Writ negates with `!`: write `!has(context.ticket)`"],
    ]);
    expect(said(`payment.currency not in CURRENCIES`)).toEqual([
      ["expected an operator or a new declaration, found `not`", "not", "Writ negates with `!`: write `!(payment.currency in CURRENCIES)`"],
    ]);
    expect(said(`not r.id in ["a", "b"]`)).toEqual([["expected an operator or a new declaration, found `r`", "r", 'Writ negates with `!`: write `!(r.id in ["a", "b"])`']]);
    // an operand too long to quote is written `…`
    expect(said(`a.b.c(d, e, f).g["a long key, as keys go"] not in L`)).toEqual([
      ["expected an operator or a new declaration, found `not`", "not", "Writ negates with `!`: write `!(… in L)`"],
    ]);
  });

  it("is told so among a call's arguments too, where the `,` missing is reported once", () => {
    const said = (condition: string) => diag(`permit p when ${condition}`).list.map((d) => [d.message, d.at, d.help]);
    expect(said(`roles.exists(r, not has(m.x))`)).toEqual([["expected `,` between arguments", "h", "Writ negates with `!`: write `!has(m.x)`"]]);
    expect(said(`roles.exists(r, r not in L)`)).toEqual([["expected `,` between arguments", "n", "Writ negates with `!`: write `!(r in L)`"]]);
    expect(said(`[s not in L, 1]`)).toEqual([["expected `,` between elements", "n", "Writ negates with `!`: write `!(s in L)`"]]);
  });

  it("leaves a name `not` that negates nothing as it was", () => {
    expect(diag(`permit p when a.not b`).list.map((d) => [d.message, d.help])).toEqual([["expected an operator or a new declaration, found `b`", undefined]]);
  });
});

describe("an operator as another language writes it", () => {
  it("`<>` is told `!=`", () => {
    expect(diag(`forbid a when agent.tenant <> session.tenant\npermit b`).list).toEqual([
      { code: W.UnexpectedToken, message: "expected an expression, found `>`", at: ">", help: "write `!=` for `<>`" },
    ]);
    // `<` and `>` apart are a comparison with its operand missing, as before
    expect(diag(`forbid a when x < > y`).list.map((d) => d.help)).toEqual([undefined]);
  });

  it("a comparison written with an `=` out of place is one error, told the comparison it stands for", () => {
    const text = [
      `input { a: { x: int, s: string, l: list<string> } }`,
      `permit r1 when a.s !== "root"`,
      `permit r2 when a.x =< 5`,
      `permit r3 when a.x => 1`,
      `permit r4 when a.l.exists(x, size(x) => 3)`,
      `permit r5 when a.s =! "x" || a.s === "y"`,
      `permit r6 when f(a.x =< 1) && a.l.exists(x, x => 3) && [a.x => 1] == [true] && (a.x => 1)`,
      `permit r7`,
    ].join("\n");
    const r = diag(text);
    expect(r.list.map((d) => [d.code, d.message, d.at, d.help])).toEqual([
      [W.UnexpectedToken, "unexpected operator `!==`", "!==", "write `!=` for `!==`"],
      [W.UnexpectedToken, "unexpected operator `=<`", "=<", "write `<=` for `=<`"],
      [W.UnexpectedToken, "unexpected operator `=>`", "=>", "write `>=` for `=>`"],
      [W.UnexpectedToken, "unexpected operator `=>`", "=>", "write `>=` for `=>`"],
      [W.UnexpectedToken, "unexpected operator `=!`", "=!", "write `!=` for `=!`"],
      [W.UnexpectedToken, "unexpected operator `===`", "===", "write `==` for `===`"],
      // one error each, and nothing more for the rest of its bracket
      [W.UnexpectedToken, "unexpected operator `=<`", "=<", "write `<=` for `=<`"],
      [W.UnexpectedToken, "unexpected operator `=>`", "=>", "write `>=` for `=>`"],
      [W.UnexpectedToken, "unexpected operator `=>`", "=>", "write `>=` for `=>`"],
      [W.UnexpectedToken, "unexpected operator `=>`", "=>", "write `>=` for `=>`"],
    ]);
    // the rules are declared, their conditions not checked, as for any syntax error in them
    expect(r.ast.rules.map((x) => [x.name.name, x.condition?.kind])).toEqual([...[1, 2, 3, 4, 5, 6].map((n) => [`r${n}`, "ErrorExpr"]), ["r7", undefined]]);
    // the same in a bare expression
    expect(parseExpression(`a =< 1 || b !== c`).diagnostics.map((d) => d.help)).toEqual(["write `<=` for `=<`", "write `!=` for `!==`"]);
  });

  it("leaves the `=` of a `let`, a lone `=` and an arrow function as they were", () => {
    expect(diag(`let X =!true\nlet Y =-1\npermit p when X && Y < 0`).list).toEqual([]);
    expect(diag(`permit p when a = > 1`).list.map((d) => d.help)).toEqual(["compare with `==`"]);
    expect(diag(`permit p when a == = 1`).list.map((d) => d.help)).toEqual(["compare with `==`"]);
    // a let's `===` is no comparison: writing `==` for it would be wrong again
    expect(diag(`let X === 1`).list.map((d) => [d.message, d.help])).toEqual([["expected `=`, found `==`", undefined]]);
    const arrows = [`l.some(r => r > 1)`, `l.some((r) => r > 1)`, `f(a, r => r)`, `l.filter(y => y.z)`];
    for (const condition of arrows) {
      expect(diag(`permit p when ${condition}`).list.map((d) => [d.at, d.help?.startsWith("Writ has no arrow functions")]), condition).toEqual([["=>", true]]);
    }
  });

  it("a lone `&` or `|` is one error, told `&&` or `||`, and what follows it is read as its right side", () => {
    const r = diag(`forbid a when call.tool == "db" & session.by == agent.id\npermit b when roles.exists(r, r == "op" | r == "sre")\npermit c`);
    expect(r.list).toEqual([
      { code: W.UnexpectedCharacter, message: "unexpected character `&`", at: "&", help: "write `&&` for `&`" },
      { code: W.UnexpectedCharacter, message: "unexpected character `|`", at: "|", help: "write `||` for `|`" },
    ]);
    // the conditions are not checked, as for any syntax error in them
    expect(r.ast.rules.map((x) => [x.name.name, x.condition?.kind])).toEqual([["a", "ErrorExpr"], ["b", "ErrorExpr"], ["c", undefined]]);
  });

  it("a lone `&` or `|` where no operator can stand is that one error alone, as before", () => {
    for (const condition of [`(a &)`, `f(& x)`, `a |`, `& a`]) {
      expect(diag(`permit p when ${condition}\npermit q`).list.map((d) => [d.code, d.at]), condition).toEqual([[W.UnexpectedCharacter, condition.includes("&") ? "&" : "|"]]);
    }
  });
});

describe("curly quotes, as a document pasted from a word processor has them", () => {
  it("around text are one error, told the string to write, and read as that string", () => {
    const r = diag(`forbid a when call.method == “GET request” || call.tenant == ‘acme’\npermit b`);
    expect(r.list).toEqual([
      { code: W.UnexpectedCharacter, message: "unexpected characters `“` and `”`", at: "“GET request”", help: 'use straight quotes: `"GET request"`' },
      { code: W.UnexpectedCharacter, message: "unexpected characters `‘` and `’`", at: "‘acme’", help: 'use straight quotes: `"acme"`' },
    ]);
    expect(names(r)).toEqual(["a", "b"]);
  });

  it("are read so in a test's data, and one alone on its line is told to write straight ones", () => {
    const text = `input { m: string }\ntest "t" { input { m: “GET” } expect allow }\nforbid a when m == “GET`;
    expect(diag(text).list).toEqual([
      { code: W.UnexpectedCharacter, message: "unexpected characters `“` and `”`", at: "“GET”", help: 'use straight quotes: `"GET"`' },
      { code: W.UnexpectedCharacter, message: "unexpected character `“`", at: "“", help: "a string is written between straight quotes, `\"` or `'`" },
    ]);
  });

  it("around text holding a `\"` are told single quotes", () => {
    expect(diag(`permit a when m == “say "hi"”`).list.map((d) => d.help)).toEqual(["use straight quotes: `'say \"hi\"'`"]);
  });

  it("are told exactly the string written, or only the quote where it cannot be shown as it is", () => {
    const helps = (condition: string) => diag(`permit a when ${condition}`).list.map((d) => [d.at, d.help]);
    // a backtick in it is shown as itself, the string quoted as Markdown quotes code holding one
    expect(helps("m == “a`b`c”")).toEqual([["“a`b`c”", 'use straight quotes: `` "a`b`c" ``']]);
    // an apostrophe in a word is no quote: the pair is the quotes around the text
    expect(helps(`m == ‘it’s’ || m == ‘don’t’`)).toEqual([
      ["‘it’s’", 'use straight quotes: `"it’s"`'],
      ["‘don’t’", 'use straight quotes: `"don’t"`'],
    ]);
    const long = "a string long enough that a help would have to cut it short to show it";
    expect(helps(`m == “${long}”`)).toEqual([[`“${long}”`, 'use straight quotes: `"` at each end of the string']]);
    expect(helps(`m == ‘zero\u200bwidth’`)).toEqual([["‘zero\u200bwidth’", 'use straight quotes: `"` at each end of the string']]);
  });
});

describe("a backtick in a message", () => {
  it("is shown as itself, the text around it quoted as Markdown quotes code holding one", () => {
    const said = (text: string) => diag(text).list.map((d) => [d.message, d.at]);
    expect(said("input { a: { x: int } }\npermit r when a.`x > 1")).toEqual([["unexpected character `` ` ``", "`"]]);
    // a Markdown fence pasted around a policy
    expect(said("permit r when a\n```\npermit s")).toEqual([
      ["expected an operator or a new declaration, found ``` `` ```", "``"],
      ["unexpected character `` ` ``", "`"],
    ]);
    expect(said("input { a: { `x y`: int } }")).toEqual([["expected a field name or `}`, found `` `x y` ``", "`x y`"]]);
    expect(said('policy b"`v`" version "1"')).toEqual([["expected a string, found the bytes literal `` b\"`v`\" ``", 'b"`v`"']]);
  });
});

describe("a test's expectation misspelt", () => {
  it("is told the clause it may have meant", () => {
    const said = (expectation: string) => diag(`forbid r\ntest "t" { input {} expect ${expectation} }\npermit p`).list.map((d) => [d.message, d.at, d.help]);
    const grammar = "(an expectation is `allow` or `deny`, then any of `by [...]`, `errors [...]` and `invalid`)";
    expect(said(`deny by [r] error [r]`)).toEqual([["expected `}`, found `error`", "error", `did you mean \`errors [...]\`? ${grammar}`]]);
    expect(said(`deny error [r]`)).toEqual([["expected `}`, found `error`", "error", `did you mean \`errors [...]\`? ${grammar}`]]);
    expect(said(`deny Invalid`)).toEqual([["expected `}`, found `Invalid`", "Invalid", `did you mean \`invalid\`? ${grammar}`]]);
    // a word close to none of them gets no such help
    expect(said(`deny because [r]`)).toEqual([["expected `}`, found `because`", "because", undefined]]);
  });
});

describe("a header whose name or version is not quoted", () => {
  const said = (header: string) => {
    const r = diag(`// a comment first\n${header}\npermit p`);
    return [...r.list, ...checkPolicy(r.ast, { syntaxErrors: true }).diagnostics.map((d) => ({ code: d.code }))];
  };

  it("is one error, at the name or version, told the header to write; not a header missing too", () => {
    expect(said(`policy payments version 1`)).toEqual([
      { code: W.UnexpectedToken, message: "expected a string, found `payments`", at: "payments", help: 'the name and version are strings: `policy "payments" version "1"`' },
    ]);
    expect(said(`policy data-access version 1.3.0`)).toEqual([
      { code: W.UnexpectedToken, message: "expected a string, found `data`", at: "data", help: 'the name and version are strings: `policy "data-access" version "1.3.0"`' },
    ]);
    expect(said(`policy "payments" version 1.0`)).toEqual([
      { code: W.UnexpectedToken, message: "expected a string, found `1.0`", at: "1.0", help: 'the name and version are strings: `policy "payments" version "1.0"`' },
    ]);
    expect(said(`policy payments`)).toEqual([
      { code: W.UnexpectedToken, message: "expected a string, found `payments`", at: "payments", help: 'the name and version are strings: `policy "payments" version "x.y.z"`' },
    ]);
  });

  it("leaves a file with no header at all told so", () => {
    expect(checkPolicy(parsePolicy({ name: "p.writ", text: "permit p" }).ast).diagnostics.map((d) => d.code)).toEqual(["W0201"]);
  });
});

describe("an annotation on a field of the input block", () => {
  // `@` starts a declaration wherever it is written, and an annotation before a field cut the input
  // block short there: "expected `permit` or `forbid`" at the field after it, and every later field
  // undeclared, each use of one an unknown name
  const documented = [
    `policy "p" version "1"`,
    ``,
    `input {`,
    `  principal: { id: string, tenant: string }`,
    `  @doc("the action")`,
    `  action: { name: string }`,
    `  resource: { owner: string }`,
    `}`,
    ``,
    `permit a when action.name == "x" && principal.tenant == resource.owner`,
  ].join("\n");
  const checked = (text: string) => {
    const r = diag(text);
    return [...r.list, ...checkPolicy(r.ast, { syntaxErrors: true }).diagnostics.map((d) => ({ code: d.code, message: d.message, at: text.slice(d.span.start, d.span.end) }))];
  };
  const FIELD_MESSAGE = "an annotation goes on a rule only, not on a field of the input block";

  it("is one error at its `@`, told to document the field with a `//` comment, the block read whole", () => {
    const r = diag(documented);
    expect(r.list).toEqual([{ code: W.UnexpectedToken, message: FIELD_MESSAGE, at: `@doc("the action")`, help: "to document a field, write a `//` comment above it: `// the action`" }]);
    expect(lineColIndex(documented)(r.diagnostics[0]!.span.start)).toEqual({ line: 5, column: 3 });
    expect(fieldNames(r.ast.input!.fields)).toEqual([["principal", ["id", "tenant"]], ["action", ["name"]], ["resource", ["owner"]]]);
    // the rule after it is checked with every field declared: no unknown name
    expect(checkPolicy(r.ast, { syntaxErrors: true }).diagnostics).toEqual([]);
  });

  it("is the one error the compiler reports, and nothing is compiled", async () => {
    const { compilePolicy } = await import("../../compiler/driver.js");
    const r = await compilePolicy(documented, { fileName: "docf.writ" });
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.message])).toEqual([[W.UnexpectedToken, "error", FIELD_MESSAGE]]);
    expect(r.bundle).toBeUndefined();
  });

  it("is one error each in a nested record, before an optional field or its `}`, the records read whole", () => {
    const text = [
      `policy "p" version "1"`,
      `input {`,
      `  principal: {`,
      `    id: string,`,
      `    @doc("the tenant") @since("2")`,
      `    tenant: string`,
      `    @doc("flags") flags?: list<string>`,
      `  }`,
      `  action: { name: string @doc("the last") }`,
      `  resource: { owner: string }`,
      `}`,
      `permit a when action.name == "x" && principal.tenant == resource.owner && "f" in principal.flags`,
    ].join("\n");
    const r = diag(text);
    expect(r.list.map((d) => [d.message, d.at, d.help])).toEqual([
      [FIELD_MESSAGE, `@doc("the tenant")`, "to document a field, write a `//` comment above it: `// the tenant`"],
      [FIELD_MESSAGE, `@since("2")`, "to document a field, write a `//` comment above it: `// 2`"],
      [FIELD_MESSAGE, `@doc("flags")`, "to document a field, write a `//` comment above it: `// flags`"],
      [FIELD_MESSAGE, `@doc("the last")`, "to document a field, write a `//` comment above it: `// the last`"],
    ]);
    expect(r.diagnostics.map((d) => lineColIndex(text)(d.span.start))).toEqual([
      { line: 5, column: 5 },
      { line: 5, column: 24 },
      { line: 7, column: 5 },
      { line: 9, column: 26 },
    ]);
    expect(fieldNames(r.ast.input!.fields)).toEqual([["principal", ["id", "tenant", "flags"]], ["action", ["name"]], ["resource", ["owner"]]]);
    expect(r.ast.input!.fields[0]!.type.kind === "RecordTypeExpr" && r.ast.input!.fields[0]!.type.fields[2]!.optional).toBe(true);
    expect(checkPolicy(r.ast, { syntaxErrors: true }).diagnostics).toEqual([]);
  });

  it("leaves a real error later in the file reported, and only it", () => {
    const wrongField = documented.replace("resource.owner", "resource.ownr");
    expect(checked(wrongField)).toEqual([
      { code: W.UnexpectedToken, message: FIELD_MESSAGE, at: `@doc("the action")`, help: "to document a field, write a `//` comment above it: `// the action`" },
      { code: "W0205", message: "no field `ownr` in `resource`", at: "ownr" },
    ]);
    const wrongRule = `${documented}\npermitt b when action.name == "y"\nforbid c when resource.owner == "z"`;
    const r = diag(wrongRule);
    expect(r.list.map((d) => [d.message, d.at])).toEqual([
      [FIELD_MESSAGE, `@doc("the action")`],
      ["expected a declaration (`input`, `let`, `permit`, `forbid` or `test`), found `permitt`", "permitt"],
    ]);
    // (the misspelt rule, at the start of its line, is read as the rule it stands for)
    expect(names(r)).toEqual(["a", "b", "c"]);
  });

  it("says the field's text in the comment only where it prints as itself", () => {
    const help = (annotation: string) => diag(`input {\n  ${annotation}\n  a: int\n}`).list.map((d) => d.help);
    expect(help(`@doc`)).toEqual(["to document a field, write a `//` comment above it"]);
    expect(help(`@doc("")`)).toEqual(["to document a field, write a `//` comment above it"]);
    expect(help(`@doc("a\\nb")`)).toEqual(["to document a field, write a `//` comment above it"]);
    expect(help(`@doc("\`x\`")`)).toEqual(["to document a field, write a `//` comment above it"]);
    expect(help(`@doc("a", "b")`)).toEqual(["to document a field, write a `//` comment above it"]);
    expect(help(`@doc(r"the \\d")`)).toEqual(["to document a field, write a `//` comment above it: `// the \\d`"]);
  });

  it("still starts the rule it annotates where a rule's effect follows it, after an input block left open", () => {
    const r = diag(`input {\n  a: int\n\n@reason("why")\npermit r when a == 1`);
    expect(r.list.map((d) => [d.message, d.at, d.help])).toEqual([["expected `}`, found `@`", "@", "the `{` at 1:7 is never closed"]]);
    expect(r.ast.rules.map((x) => [x.name.name, x.annotations.map((a) => a.value.value)])).toEqual([["r", ["why"]]]);
    expect(fieldNames(r.ast.input!.fields)).toEqual(["a"]);
  });

  it("on a key of a test's data is one error too, the data read whole", () => {
    const text = [
      `policy "p" version "1"`,
      `input { principal: { id: string }, action: { name: string } }`,
      `permit a when action.name == "x"`,
      `test "t" {`,
      `  input {`,
      `    principal: { id: "u" },`,
      `    @doc("the action")`,
      `    action: { @doc("its name") name: "x" }`,
      `  }`,
      `  expect allow by [a]`,
      `}`,
    ].join("\n");
    const r = diag(text);
    expect(r.list.map((d) => [d.message, d.at, d.help])).toEqual([
      ["an annotation goes on a rule only, not in a test's data", `@doc("the action")`, "to note something in a test's data, write a `//` comment above it: `// the action`"],
      ["an annotation goes on a rule only, not in a test's data", `@doc("its name")`, "to note something in a test's data, write a `//` comment above it: `// its name`"],
    ]);
    expect(r.ast.tests.map((t) => t.input.entries.map((e) => e.key))).toEqual([["principal", "action"]]);
    expect(checkPolicy(r.ast, { syntaxErrors: true }).diagnostics).toEqual([]);
  });

  it("stays in the input block after a record whose `{` is left out, the fields after it declared", () => {
    // (the record's `}` closed every bracket counted, and the `@` started a rule: the fields after
    // it were "expected `permit` or `forbid`" and unknown names)
    const text = [
      `policy "p" version "1"`,
      `input {`,
      `  user: id: string, role: string }`,
      `  @doc("the count")`,
      `  n: int`,
      `  m: int`,
      `}`,
      `permit ok when user.role == "a" && n == 1 && m == 2`,
    ].join("\n");
    expect(checked(text).map((d) => [d.message, d.at])).toEqual([
      ["expected `{` to open the record of `user`, found `id`", "id"],
      [FIELD_MESSAGE, `@doc("the count")`],
    ]);
    expect(fieldNames(diag(text).ast.input!.fields)).toEqual([["user", ["id", "role"]], "n", "m"]);
  });

  it("stays in a test's data when the test's `{` is left out", () => {
    const text = [`policy "p" version "1"`, `input { a: string }`, `permit ok when a == "x"`, `test "t"`, `  input { @doc("x") a: "x" }`, `  expect allow by [ok]`, `}`].join("\n");
    expect(diag(text).list.map((d) => [d.message, d.at])).toEqual([
      ["expected `{`, found `input`", "input"],
      ["an annotation goes on a rule only, not in a test's data", `@doc("x")`],
    ]);
  });

  it("stays in an input block written under another name, which is still read as the input block", () => {
    for (const name of ["Input", "schema"]) {
      const text = [`policy "p" version "1"`, `${name} {`, `  @doc("the action")`, `  action: string`, `  n: int`, `}`, `permit ok when action == "read" && n == 1`].join("\n");
      expect(checked(text).map((d) => [d.code, d.at])).toEqual([
        ["W0113", name],
        [W.UnexpectedToken, `@doc("the action")`],
      ]);
      expect(fieldNames(diag(text).ast.input!.fields)).toEqual(["action", "n"]);
    }
  });

  it("in a rule's condition still starts a declaration there, as it did", () => {
    // the condition is cut short at the `@`, whose annotation starts a rule of its own with no effect
    const r = diag(`input { a: int, b: int }\npermit r when a == 1 && @doc("x") b == 2\nforbid s when b == 3`);
    expect(r.list.map((d) => [d.message, d.at])).toEqual([
      ["expected an expression, found `@`", "@"],
      ["expected `permit` or `forbid`, found `b`", "b"],
    ]);
    expect(names(r)).toEqual(["r", "s"]);
  });
});

describe("a comment written `/* */` whose `*/` is missing", () => {
  const checked = (text: string) => {
    const r = diag(text);
    return [...r.list, ...checkPolicy(r.ast, { syntaxErrors: true }).diagnostics.map((d) => ({ code: d.code, message: d.message, at: text.slice(d.span.start, d.span.end) }))];
  };
  const HELP = "a comment starts with `//` and runs to the end of the line";
  const neverClosed = (to: string) => ({ code: W.UnexpectedCharacter, message: `\`/*\` does not start a comment in Writ, and this one is never closed: it is read as a comment ${to}`, at: "/*", help: HELP });

  it("is one error saying it is never closed, and the declarations after it are checked", () => {
    // (a space in its `*/`: read to the end of the file, it hid the rule's misspelt field)
    const text = [
      `policy "payments" version "2.1.0"`,
      `input { principal: { id: string(64), roles: list<string(32)>(16) }, payment: { amount: int } }`,
      `/* Limits agreed with treasury, see FIN-12 * /`,
      `let LIMIT = 100000`,
      `permit small when payment.amount < LIMIT && principal.rols.exists(r, r == "payer")`,
    ].join("\n");
    expect(checked(text)).toEqual([
      neverClosed("to the end of its line"),
      { code: "W0205", message: "no field `rols` in `principal`", at: "rols" },
    ]);
    expect(diag(text).ast.lets.map((l) => l.name.name)).toEqual(["LIMIT"]);
  });

  it("over several lines, takes them up to the next line that starts a declaration, and no more", () => {
    const text = [
      `policy "p" version "1"`,
      `input { a: { x: int } }`,
      `/* Written by the payments team.`,
      `   Don't change the limits without treasury's "yes" #FIN-12`,
      `   * /`,
      `@severity("high")`,
      `forbid big when a.y > 10`,
      `permit small when a.x < 10`,
    ].join("\n");
    expect(checked(text)).toEqual([neverClosed("to the end of line 5"), { code: "W0205", message: "no field `y` in `a`", at: "y" }]);
    expect(diag(text).ast.rules.map((x) => [x.name.name, x.annotations.map((n) => n.value.value)])).toEqual([["big", ["high"]], ["small", []]]);
  });

  it("is not closed by the `*/` of a later comment, which would hide the declarations between", () => {
    const text = [`policy "p" version "1"`, `input { a: { x: int } }`, `/* first * /`, `permit p when a.y > 1`, `/* second */`, `permit q when a.x > 1`].join("\n");
    const r = diag(text);
    expect(r.list).toEqual([neverClosed("to the end of its line"), { code: W.UnexpectedCharacter, message: "`/* */` does not start a comment in Writ", at: "/*", help: HELP }]);
    expect(names(r)).toEqual(["p", "q"]);
  });

  it("at the end of the file, says so", () => {
    const r = diag(`policy "p" version "1"\npermit p when 1 > 0 /* note\n   more`);
    expect(r.list).toEqual([neverClosed("to the end of the file")]);
  });

  it("is the one error the compiler reports, and nothing is compiled", async () => {
    const { compilePolicy } = await import("../../compiler/driver.js");
    const r = await compilePolicy(`policy "p" version "1"\ninput { a: { x: int } }\n/* note * /\npermit p when a.x > 1`, { fileName: "c.writ" });
    expect(r.diagnostics.map((d) => [d.code, d.severity])).toEqual([[W.UnexpectedCharacter, "error"]]);
    expect(r.bundle).toBeUndefined();
  });
});

describe("an annotation after a rule's condition, on its line", () => {
  const file = (...lines: string[]) => [`policy "p" version "1.0.0"`, `input { a: { x: int } }`, ``, ...lines].join("\n");

  it("is warned of: it annotates the next rule, whose name the warning gives", () => {
    const text = file(`forbid too_big when a.x > 100 @severity("critical")`, ``, `permit small when a.x < 10`);
    const r = diag(text);
    expect(r.list).toEqual([
      {
        code: W.AnnotationAfterDeclaration,
        message: "`@severity` annotates the rule after it, `small`, not `too_big`, which ends on the same line",
        at: `@severity("critical")`,
        help: "put it on its own line before the rule it is for: before `forbid too_big` for `too_big`, before `permit small` for `small`",
      },
    ]);
    expect(r.diagnostics[0]!.severity).toBe("warning");
    // (what it warns of: the annotation is the next rule's)
    expect(r.ast.rules.map((x) => [x.name.name, x.annotations.map((n) => n.value.value)])).toEqual([["too_big", []], ["small", ["critical"]]]);
  });

  it("is one warning for the annotations on that line, after a rule without `when` or a constant too", () => {
    const r = diag(file(`permit r @a("1") @b("2")`, `  @c("3")`, `forbid s when a.x > 1`, `let L = 3 @d("4")`, `permit t`));
    expect(r.list.map((d) => [d.code, d.message, d.at])).toEqual([
      [W.AnnotationAfterDeclaration, "`@a` and `@b` annotate the rule after them, `s`, not `r`, which ends on the same line", `@a("1") @b("2")`],
      [W.AnnotationAfterDeclaration, "`@d` annotates the rule after it, `t`: the constant `L` before it on the same line takes no annotation", `@d("4")`],
    ]);
    expect(r.list[1]!.help).toBe("put it on its own line before `permit t`");
  });

  it("is not warned of on its own line, nor on the line of its rule, nor in what `writ fmt` prints", () => {
    const placed = file(
      `permit r when a.x > 1`,
      `@a("x") @b("y")`,
      `permit s when a.x > 2`,
      `@c("z") permit t when a.x > 3 // @d("w")`,
      `  @e("v")`,
      `forbid u`,
    );
    expect(diag(placed).list).toEqual([]);
    const warned = diag(file(`forbid too_big when a.x > 100 @severity("critical")`, `permit small when a.x < 10`));
    expect(warned.list.map((d) => d.code)).toEqual([W.AnnotationAfterDeclaration]);
    const formatted = formatPolicy(warned.ast, { name: "slip.writ", text: file(`forbid too_big when a.x > 100 @severity("critical")`, `permit small when a.x < 10`) });
    // fmt moves it onto its own line before the rule it annotates, the next one
    expect(formatted).toContain(`forbid too_big when a.x > 100\n\n@severity("critical")\npermit small when a.x < 10`);
    expect(diag(formatted).list).toEqual([]);
  });
});

describe("the input block's schema written as another language writes one", () => {
  // a record's fields as names, nested records' as [name, fields]
  type Fields = readonly { name: { name: string }; optional: boolean; type: { kind: string } }[];
  const shape = (fields: Fields): unknown[] =>
    fields.map((f) => {
      const name = f.name.name + (f.optional ? "?" : "");
      return f.type.kind === "RecordTypeExpr" ? [name, shape((f.type as unknown as { fields: Fields }).fields)] : name;
    });

  it("under another name (`Input {`) is read as the input block, its name the one error", () => {
    const text = `policy "infra" version "1.0.0"\nInput {\n  actor: { id: string(64), oncall: bool }\n  change: { kind: string(16) }\n}\npermit p when actor.oncall\n`;
    const r = diag(text);
    expect(r.list).toEqual([
      { code: W.NotADeclaration, message: "expected a declaration (`input`, `let`, `permit`, `forbid` or `test`), found `Input`", at: "Input", help: "did you mean `input`?" },
    ]);
    expect(shape(r.ast.input!.fields)).toEqual([["actor", ["id", "oncall"]], ["change", ["kind"]]]);
    expect(text.slice(r.ast.input!.span.start, r.ast.input!.span.end)).toMatch(/^Input \{[^]*\}$/);
    expect(names(r)).toEqual(["p"]);
  });

  it("under another name whose first field is a union of literals is still the input block", () => {
    for (const union of [`"x" | "y"`, `1 | 2`]) {
      const r = diag(`policy "p" version "1"\nInput {\n  a: ${union}\n  b: int\n}\npermit ok when b == 1\n`);
      expect(r.list.map((d) => [d.code, d.message, d.at])).toEqual([
        [W.NotADeclaration, "expected a declaration (`input`, `let`, `permit`, `forbid` or `test`), found `Input`", "Input"],
        [W.UnexpectedCharacter, "a field has one type: Writ has no union types", union],
      ]);
      expect(r.ast.input!.fields.map((f) => f.name.name)).toEqual(["b"]);
      expect(r.ast.input!.untyped?.map((n) => n.name)).toEqual(["a"]);
    }
  });

  it("under another name after a misspelt test is an error at each name, the test's kept", () => {
    const r = diag(`tset "t" { input { a: 1 } expect allow }\nInput { a: int }\npermit r when a > 1\n`);
    expect(r.list.map((d) => [d.code, d.at, d.help])).toEqual([
      [W.NotADeclaration, "tset", "did you mean `test`?"],
      [W.NotADeclaration, "Input", "did you mean `input`?"],
    ]);
    expect(r.ast.input!.fields.map((f) => f.name.name)).toEqual(["a"]);
    expect(r.ast.tests.map((t) => t.name.value)).toEqual(["t"]);
  });

  it("with a record's `{` left out reads the record whole, and the block's fields after it", () => {
    const text = `input {\n  actor: id: string(64), roles?: list<string(32)>(16), oncall: bool }\n  change: { kind: string(16) }\n  flags: { freeze: bool }\n}\n`;
    const r = diag(text);
    expect(r.list).toEqual([
      { code: W.UnexpectedToken, message: "expected `{` to open the record of `actor`, found `id`", at: "id", help: "a record's fields are written in braces: `actor: { id: … }`" },
    ]);
    expect(shape(r.ast.input!.fields)).toEqual([["actor", ["id", "roles?", "oncall"]], ["change", ["kind"]], ["flags", ["freeze"]]]);
  });

  it("with a record's `{` left out and `team: string?` elsewhere puts the `{` in the record, not after the `?`", () => {
    // (`string ?` was taken for a field `string?`, and the `{` put in there)
    const text = `input {\n  principal: { id: string(64), team: string? }\n  action: name: string(64), tool: string }\n}\n`;
    const r = diag(text);
    expect(r.list.map((d) => [d.message, d.at])).toEqual([
      ["expected `,` or `}` after field `team`, found `?`", "?"],
      ["expected `{` to open the record of `action`, found `name`", "name"],
    ]);
    expect(shape(r.ast.input!.fields)).toEqual([["principal", ["id", "team"]], ["action", ["name", "tool"]]]);
  });

  it("with fields' names in quotes declares each field under the name it holds", () => {
    const r = diag(`input { subject: { "id": string(64), 'tenant'?: string(64), clearance: int } }`);
    expect(r.list.map((d) => [d.at, d.help])).toEqual([
      ['"id"', "field names are written without quotes: `id`"],
      ["'tenant'", "field names are written without quotes: `tenant`"],
    ]);
    expect(shape(r.ast.input!.fields)).toEqual([["subject", ["id", "tenant?", "clearance"]]]);
  });

  it("with `n: int?` or `string<64>` keeps the field and its type", () => {
    const r = diag(`input { n: int?, s: string<64>, t: int }`);
    expect(r.list.map((d) => [d.at, d.help])).toEqual([
      ["?", "an optional field is written `n?: int`"],
      ["<", "a string's bound is written `string(64)`"],
    ]);
    expect(r.ast.input!.fields.map((f) => [f.name.name, f.type.kind === "PrimitiveTypeExpr" ? f.type.name : f.type.kind])).toEqual([
      ["n", "int"],
      ["s", "string"],
      ["t", "int"],
    ]);
  });
});

describe("a value of a test's data written as another language writes it", () => {
  const test = (value: string) =>
    ['policy "p" version "1"', "input { a: { x: int, y: bool } }", "permit r when a.y", 'test "t" {', `  input { a: { x: 1, y: ${value} } }`, "  expect allow by [r]", "}"].join("\n");

  it("is one error naming the values data holds, with the literal to write", () => {
    const expected = (found: string, write: string) => [
      {
        code: W.UnexpectedToken,
        message: `expected a value (\`{…}\`, \`[…]\`, a string, an int, \`true\`, \`false\` or \`null\`), found \`${found}\``,
        at: found,
        help: `write \`${write}\`: a test's data is written as JSON writes it`,
      },
    ];
    expect(diag(test("True")).list).toEqual(expected("True", "true"));
    expect(diag(test("FALSE")).list).toEqual(expected("FALSE", "false"));
    expect(diag(test("None")).list).toEqual(expected("None", "null"));
    expect(diag(test("undefined")).list).toEqual(expected("undefined", "null"));
  });

  it("gives no help for a word that is no other language's literal, and no comma error for the entry it broke", () => {
    expect(diag(test("yes")).list).toEqual([
      { code: W.UnexpectedToken, message: "expected a value (`{…}`, `[…]`, a string, an int, `true`, `false` or `null`), found `yes`", at: "yes" },
    ]);
  });

  it("followed by a comma and more entries, is still the one error", () => {
    const text = ['policy "p" version "1"', "input { a: string, b: string }", 'permit r when a == "x"', 'test "t" {', '  input { a: True, b: "x" }', "  expect allow", "}"].join("\n");
    expect(diag(text).list.map((d) => d.at)).toEqual(["True"]);
  });

  it("still has a comma missing between intact entries reported", () => {
    expect(diag(test("true z: 1")).list.map((d) => d.message)).toEqual(["expected `,` between entries"]);
  });
});
