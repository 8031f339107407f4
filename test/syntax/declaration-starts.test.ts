// Where a declaration starts, when the text around it is broken: a test's data is never taken for a
// second input block, `input["x"]` in a condition is a name, and a word standing for a declaration's
// keyword at the start of a line (`Permit`, `const`, `allow`) starts that declaration with one error,
// so that the declarations after a broken one are still read and checked. A valid policy is cut
// exactly as before.

import { describe, expect, it } from "vitest";
import { checkPolicy } from "../../compiler/check/policy.js";
import { parsePolicy } from "../../compiler/syntax/index.js";
import { W } from "../../compiler/syntax/diagnostic-codes.js";
import { parseOk, stripSpans } from "./helpers.js";

/** the parse's diagnostics, then the checker's, each with the text it points at */
function said(text: string) {
  const r = parsePolicy({ name: "starts.writ", text });
  const shown = (d: { code: string; message: string; span: { start: number; end: number }; help?: string }) => ({
    code: d.code,
    message: d.message,
    at: text.slice(d.span.start, d.span.end),
    ...(d.help !== undefined && { help: d.help }),
  });
  const syntaxErrors = r.diagnostics.some((d) => d.severity === "error");
  return { ast: r.ast, parse: r.diagnostics.map(shown), check: checkPolicy(r.ast, { syntaxErrors }).diagnostics.map(shown) };
}

const NOT_A_DECLARATION = (found: string) => `expected a declaration (\`input\`, \`let\`, \`permit\`, \`forbid\` or \`test\`), found \`${found}\``;

const HEAD = [`policy "infra" version "1.0.0"`, `input { actor: { id: string(64), roles: list<string(32)>(16), oncall: bool } }`, `permit deploy when "deployer" in actor.roles`];

describe("a test's data after `input`", () => {
  it("with the test's `{` left out is one error, and the test is read and checked", () => {
    const text = [
      ...HEAD,
      `test "deployer deploys"`,
      `  input { actor: { id: "a", roles: ["deployer"], oncall: false } }`,
      `  expect allow by [deploy, deploi]`,
      `}`,
      `permit late when actor.idd == "x"`,
    ].join("\n");
    const r = said(text);
    // not a second input block (W0107), with an error for each value of its data
    expect(r.parse).toEqual([
      { code: W.UnexpectedToken, message: "expected `{`, found `input`", at: "input", help: "a test's body is in braces after its name: `test \"name\" { input { … } expect … }`" },
    ]);
    expect(r.ast.input!.fields.map((f) => f.name.name)).toEqual(["actor"]);
    expect(r.ast.tests.map((t) => [t.name.value, t.expect.by?.map((n) => n.name)])).toEqual([["deployer deploys", ["deploy", "deploi"]]]);
    // the test's own later error and the rule after it are still checked
    expect(r.check.map((d) => [d.code, d.at])).toEqual([
      ["W0205", "idd"],
      ["W0601", "deploi"],
    ]);
  });

  it("with the test's `{` left out is one error where the data tells nothing either (`{}`)", () => {
    const r = said([...HEAD, `test "nobody"`, `  input {}`, `  expect deny`, `}`].join("\n"));
    expect(r.parse.map((d) => [d.code, d.message, d.at])).toEqual([[W.UnexpectedToken, "expected `{`, found `input`", "input"]]);
    expect(r.ast.input!.fields.map((f) => f.name.name)).toEqual(["actor"]);
    expect(r.ast.tests.map((t) => [t.name.value, t.expect.decision])).toEqual([["nobody", "deny"]]);
  });

  it("with the test's `{` left out is the test's, never the input block under another name, in a file with none", () => {
    // (read as a misnamed block, `input` was told it starts a declaration, and `expect` was an error of its own)
    const r = said([`policy "p" version "1"`, `test "t"`, `  input { a: int }`, `  expect allow`, `}`, `permit r when a > 1`].join("\n"));
    expect(r.parse.map((d) => [d.code, d.message, d.at])).toEqual([
      [W.UnexpectedToken, "expected `{`, found `input`", "input"],
      [W.UnexpectedToken, "expected a value (`{…}`, `[…]`, a string, an int, `true`, `false` or `null`), found `int`", "int"],
    ]);
    expect(r.ast.input).toBeUndefined();
    expect(r.ast.tests.map((t) => t.name.value)).toEqual(["t"]);
  });

  it("after `test` misspelt or capitalised is one error each, told `test`, and the tests are read", () => {
    const test = (keyword: string, name: string) => [`${keyword} "${name}" {`, `  input { actor: { id: "a", roles: ["deployer"], oncall: false } }`, `  expect allow by [deploy]`, `}`];
    const text = [...HEAD, ...test("tset", "one"), ...test("Test", "two"), `forbid x when actor.idd == "x"`].join("\n");
    const r = said(text);
    expect(r.parse).toEqual([
      { code: W.NotADeclaration, message: NOT_A_DECLARATION("tset"), at: "tset", help: "did you mean `test`?" },
      { code: W.NotADeclaration, message: NOT_A_DECLARATION("Test"), at: "Test", help: "did you mean `test`?" },
    ]);
    expect(r.ast.tests.map((t) => t.name.value)).toEqual(["one", "two"]);
    expect(r.check.map((d) => [d.code, d.at])).toEqual([["W0205", "idd"]]);
  });

  it("starts no input block anywhere, where a schema's would", () => {
    // (`Test` not at the start of its line: the rule's error, told `test`, and the data is the rule's text)
    const r = said([...HEAD, `permit p when actor.oncall Test "t" { input { actor: { id: "a", roles: [], oncall: true } } expect allow }`].join("\n"));
    expect(r.parse.map((d) => [d.code, d.message, d.help])).toEqual([[W.UnexpectedToken, "expected an operator or a new declaration, found `Test`", "did you mean `test`?"]]);
  });

  it("is told from a schema with a type written as a string, which still starts the input block", () => {
    const text = [`policy "p" version "1"`, `input {`, `  a: { n: "string", z: int }`, `  b: { y: int }`, `}`, `permit q when b.yy > 1`].join("\n");
    const r = said(text);
    expect(r.parse.map((d) => [d.code, d.at])).toEqual([[W.UnexpectedToken, `"string"`]]);
    // (`a`, whose type was refused, is declared without one)
    expect([...r.ast.input!.fields.map((f) => f.name.name), ...(r.ast.input!.untyped ?? []).map((n) => n.name)]).toEqual(["b", "a"]);
    expect(r.check.map((d) => [d.code, d.at])).toEqual([["W0205", "yy"]]);
  });
});

describe("a request's field written `input[\"field\"]`, as Rego writes it", () => {
  it("is one error in the condition, with the name to write, and no second input block", () => {
    const text = [
      `policy "rego" version "1.0.0"`,
      `input { principal: { id: string(64) }, resource: { owner: string(64) } }`,
      `forbid not_owner when input["principal"]["id"] != resource.owner`,
      `permit own when principal.idd == resource.owner`,
    ].join("\n");
    const r = said(text);
    expect(r.parse).toEqual([
      {
        code: W.UnexpectedToken,
        message: "expected an expression, found `input` (`input` is a reserved word)",
        at: "input",
        help: "an expression reads the request's top-level fields by their names, without `input`: write `principal`, not `input[\"principal\"]`",
      },
    ]);
    expect(r.ast.rules.map((x) => [x.name.name, x.condition?.kind])).toEqual([["not_owner", "ErrorExpr"], ["own", "Binary"]]);
    expect(r.check.map((d) => [d.code, d.at])).toEqual([["W0205", "idd"]]);
  });
});

describe("a word standing for a declaration's keyword at the start of a line", () => {
  it("after a broken rule starts the declaration it stands for, one error each, and the rest is checked", () => {
    const text = [
      `policy "infra" version "1"`,
      `input { actor: { id: string(64), roles: list<string(32)>(16), oncall: bool } }`,
      `permit http_get`,
      `  actor.oncall`,
      `Permit deployy when "deployer" in actor.rols`,
      `const MAX = 3`,
      `var ADMINS = ["root"`,
      `permit admin when actor.id in ADMINS`,
    ].join("\n");
    const r = said(text);
    expect(r.parse).toEqual([
      { code: W.UnexpectedToken, message: "expected `when` or a new declaration, found `actor`", at: "actor" },
      { code: W.NotADeclaration, message: NOT_A_DECLARATION("Permit"), at: "Permit", help: "did you mean `permit`?" },
      { code: W.NotADeclaration, message: NOT_A_DECLARATION("const"), at: "const", help: "write `let` for `const`: Writ's constants are `let NAME = …`" },
      { code: W.NotADeclaration, message: NOT_A_DECLARATION("var"), at: "var", help: "write `let` for `var`: Writ's constants are `let NAME = …`" },
      { code: W.UnexpectedToken, message: "expected `]`, found `permit`", at: "permit", help: "the `[` at 7:14 is never closed" },
    ]);
    expect(r.ast.rules.map((x) => [x.effect, x.name.name])).toEqual([
      ["permit", "http_get"],
      ["permit", "deployy"],
      ["permit", "admin"],
    ]);
    expect(r.ast.lets.map((x) => x.name.name)).toEqual(["MAX", "ADMINS"]);
    // the misspelt rule's condition is checked as written; `ADMINS` is declared
    expect(r.check.map((d) => [d.code, d.at, d.help])).toEqual([["W0205", "rols", "did you mean `roles`?"]]);
  });

  it("`allow` or `deny` is told the effect to write, and the rule is there for the tests that name it", () => {
    const text = [
      ...HEAD.slice(0, 2),
      `forbid freeze`,
      `    when actor.oncall &&`,
      `allow deploy when "deployer" in actor.roles`,
      `deny night when !actor.oncall`,
      `test "deploy" {`,
      `  input { actor: { id: "a", roles: ["deployer"], oncall: false } }`,
      `  expect allow by [deploy]`,
      `}`,
    ].join("\n");
    const r = said(text);
    // (`allow` after the `&&` is the operand it wants: the rule before it is broken there)
    expect(r.parse.map((d) => [d.code, d.at, d.help])).toEqual([
      [W.UnexpectedToken, "deploy", undefined],
      [W.NotADeclaration, "deny", "write `forbid` for `deny`: Writ's rules are `permit NAME when …` and `forbid NAME when …`"],
    ]);
    const fixed = said(text.replace("oncall &&", "oncall"));
    expect(fixed.parse.map((d) => [d.code, d.at, d.help])).toEqual([
      [W.NotADeclaration, "allow", "write `permit` for `allow`: Writ's rules are `permit NAME when …` and `forbid NAME when …`"],
      [W.NotADeclaration, "deny", "write `forbid` for `deny`: Writ's rules are `permit NAME when …` and `forbid NAME when …`"],
    ]);
    expect(fixed.ast.rules.map((x) => [x.effect, x.name.name])).toEqual([
      ["forbid", "freeze"],
      ["permit", "deploy"],
      ["forbid", "night"],
    ]);
    // no "this policy has no rule `deploy`"
    expect(fixed.check).toEqual([]);
  });

  it("needs its declaration's shape after it: a name close to `let` alone gets no `let`", () => {
    const parse = (text: string) => said(text).parse.map((d) => [d.code, d.at, d.help]);
    const base = `policy "p" version "1"\ninput { a: int }\n`;
    expect(parse(`${base}permit p when a > 1\nlat x = 2\npermit q when a > x`)).toEqual([[W.NotADeclaration, "lat", "did you mean `let`?"]]);
    expect(parse(`${base}permit p when a > 1\nlat\npermit q when a > 2`)).toEqual([[W.UnexpectedToken, "lat", undefined]]);
    expect(parse(`${base}permit p when a > 1 lat\npermit q when a > 2`)).toEqual([[W.UnexpectedToken, "lat", undefined]]);
    // where only a declaration may start, the keyword a word stands for, by what follows it
    expect(parse(`${base}lat\npermit q when a > 2`)).toEqual([[W.NotADeclaration, "lat", undefined]]);
    expect(parse(`policy "p" version "1"\nInput {\n  a: int\n}`)).toEqual([[W.NotADeclaration, "Input", "did you mean `input`?"]]);
  });

  it("never cuts a valid condition over several lines", () => {
    const text = [
      `policy "p" version "1"`,
      `input { flags: { enabled: bool }, allow: bool, deny: bool, deny_list: list<string>, x: bool, y: string }`,
      `forbid a when`,
      `  deny_list.exists(d, d == y)`,
      `permit b when flags.enabled &&`,
      `  allow`,
      `permit c when x`,
      `  || allow`,
      `  || deny`,
      `forbid d when (x`,
      `  && deny)`,
    ].join("\n");
    const ast = parseOk(text);
    expect(stripSpans(ast)).toEqual(stripSpans(parseOk(text.replace(/\n {2}/g, " "))));
    expect(ast.rules.map((x) => x.name.name)).toEqual(["a", "b", "c", "d"]);
  });

  it("after an operator left open is the operand it wants, not a declaration", () => {
    const r = said(`${HEAD.slice(0, 2).join("\n")}\npermit a when actor.oncall ||\nPermit b when actor.oncall`);
    expect(r.parse.map((d) => [d.code, d.at])).toEqual([[W.UnexpectedToken, "b"]]);
    expect(r.ast.rules.map((x) => x.name.name)).toEqual(["a"]);
  });
});
