// A slip in the input block as other languages write a schema is one error where it is made: the
// schema is read as meant, so that the rules are checked against it, their real errors reported and
// no use of a field reported again as an unknown name or a field its record lacks.

import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";

const said = async (text: string) =>
  (await compilePolicy(text, { stopAfter: "check" })).diagnostics.map((d) => ({ code: d.code, message: d.message, at: text.slice(d.span.start, d.span.end), ...(d.help !== undefined && { help: d.help }) }));

describe("the input block written under another name", () => {
  const capitalised = [
    `policy "infra" version "1.0.0"`,
    `Input {`,
    `  actor: { id: string(64), roles: list<string(32)>(16), oncall: bool }`,
    `  change: { kind: string(16), environment: string(16) }`,
    `}`,
  ].join("\n");
  const NOT_A_DECLARATION = "expected a declaration (`input`, `let`, `permit`, `forbid` or `test`), found ";

  it("is one error at the name, told `input`: no use of a field it declares is an unknown name", async () => {
    const rules = `\npermit deploy when "deployer" in actor.roles && change.kind == "deploy"\nforbid prod when change.environment == "production" && !actor.oncall\n`;
    expect(await said(capitalised + rules)).toEqual([{ code: "W0113", message: NOT_A_DECLARATION + "`Input`", at: "Input", help: "did you mean `input`?" }]);
  });

  it("leaves the rules' own errors reported, checked against the fields it declares", async () => {
    const rules = `\npermit deploy when "deployer" in actor.rols && change.kind == 1 && q\n`;
    expect(await said(capitalised + rules)).toEqual([
      { code: "W0113", message: NOT_A_DECLARATION + "`Input`", at: "Input", help: "did you mean `input`?" },
      { code: "W0205", message: "no field `rols` in `actor`", at: "rols", help: "did you mean `roles`?" },
      { code: "W0305", message: "cannot compare `string` with `int`", at: "==" },
      { code: "W0204", message: "unknown name `q`", at: "q", help: "names in scope: `actor`, `change`" },
    ]);
  });

  it("is read so under a name far from `input`, at the start of the file or after a test, with the block to write", async () => {
    expect(await said(`policy "p" version "1"\nschema { a: int }\npermit r when a > 1\n`)).toEqual([
      { code: "W0113", message: NOT_A_DECLARATION + "`schema`", at: "schema", help: "the request's fields are declared in the block `input { … }`" },
    ]);
    expect((await said(`inpt { a: int }\npolicy "p" version "1"\npermit r when a > 1\n`)).map((d) => [d.code, d.at, d.help])).toEqual([
      ["W0113", "inpt", "did you mean `input`?"],
      ["W0106", "policy", undefined],
    ]);
    expect(await said(`policy "p" version "1"\ntest "t" { input { a: 1 } expect deny }\nInput { a: int }\npermit r when a > 1\n`)).toEqual([
      { code: "W0113", message: NOT_A_DECLARATION + "`Input`", at: "Input", help: "did you mean `input`?" },
    ]);
  });

  it("is not taken for the block where the file has one, where it holds values, or under a name closer to another word", async () => {
    const codes = async (text: string) => (await said(text)).map((d) => `${d.code} ${d.at}`);
    expect(await codes(`policy "p" version "1"\nInput { a: int }\ninput { b: int }\npermit r when a > b\n`)).toEqual(["W0113 Input", "W0204 a"]);
    expect(await codes(`policy "p" version "1"\nInput { a: 1 }\npermit r when a > 1\n`)).toEqual(["W0113 Input", "W0204 a"]);
    expect(await codes(`policy "p" version "1"\nTest { a: int }\npermit r when a > 1\n`)).toEqual(["W0113 Test", "W0204 a"]);
  });

  it("compiles nothing", async () => {
    const r = await compilePolicy(`${capitalised}\npermit deploy when actor.oncall\n`, { fileName: "misnamed.writ" });
    expect(r.diagnostics.map((d) => d.code)).toEqual(["W0113"]);
    expect(r.bundle).toBeUndefined();
  });
});

describe("a record of the input block whose `{` is left out", () => {
  const text = [
    `policy "infra" version "1.0.0"`,
    `input {`,
    `  actor: id: string(64), roles: list<string(32)>(16), oncall: bool }`,
    `  change: { kind: string(16), environment: string(16) }`,
    `  flags: { freeze: bool, incident: bool }`,
    `}`,
  ].join("\n");
  const MISSING = { code: "W0101", message: "expected `{` to open the record of `actor`, found `id`", at: "id", help: "a record's fields are written in braces: `actor: { id: … }`" };

  it("is one error where the `{` belongs, the fields after it in the record and the block declared", async () => {
    const rules = `\nforbid freeze when flags.freeze && change.environment == "production" && !actor.oncall\npermit hotfix when flags.incident && actor.oncall && "sre" in actor.roles\n`;
    expect(await said(text + rules)).toEqual([MISSING]);
  });

  it("declares the record's fields in it, not beside it: the rules' errors are reported against them", async () => {
    expect(await said(`${text}\npermit r when actor.oncal && size(roles) > 1\n`)).toEqual([
      MISSING,
      { code: "W0205", message: "no field `oncal` in `actor`", at: "oncal", help: "did you mean `oncall`?" },
      { code: "W0204", message: "unknown name `roles`", at: "roles", help: "names in scope: `actor`, `change`, `flags`" },
    ]);
  });

  it("is a type missing, as before, where the braces are even", async () => {
    expect((await said(`policy "p" version "1"\ninput { a: b: int, c: int }\npermit r when c > 1\n`)).map((d) => d.message)).toEqual([
      "unknown type `b`",
      "expected `,` or `}` after field `a`, found `:`",
    ]);
  });
});

describe("a field's name written in quotes, as JSON writes a key", () => {
  it("is one error each, told the name to write, and the field declared: no use of it is a field its record lacks", async () => {
    const text = `policy "p" version "1"\ninput { subject: { "id": string(64), 'tenant': string(64), clearance: int } }\npermit own when subject.id == "x" && subject.tenant == "y"\n`;
    expect(await said(text)).toEqual([
      { code: "W0101", message: 'expected a field name, found `"id"`', at: '"id"', help: "field names are written without quotes: `id`" },
      { code: "W0101", message: "expected a field name, found `'tenant'`", at: "'tenant'", help: "field names are written without quotes: `tenant`" },
    ]);
  });

  it("declares the field with its type and its `?`, at the top of the block too", async () => {
    const text = `policy "p" version "1"\ninput { "subject": { "id": string(64), "level"?: int } }\npermit own when subject.id > 1 && has(subject.level) && subject.lvl > 1\n`;
    expect((await said(text)).map((d) => `${d.code} ${d.message}`)).toEqual([
      'W0101 expected a field name, found `"subject"`',
      'W0101 expected a field name, found `"id"`',
      'W0101 expected a field name, found `"level"`',
      "W0306 no overload of `>` for (`string`, `int`)",
      "W0205 no field `lvl` in `subject`",
    ]);
  });

  it("that holds no name is one error, told how a field is named", async () => {
    const text = `policy "p" version "1"\ninput { headers: { "content-type": string, size: int } }\npermit r when headers.size > 1\n`;
    expect(await said(text)).toEqual([
      { code: "W0101", message: 'expected a field name, found `"content-type"`', at: '"content-type"', help: "field names are written without quotes, in letters, digits and `_`" },
    ]);
  });
});

describe("an optional field or a string's bound written as another language writes it", () => {
  it("`n: int?` is one error, told `n?: int`, and the field declared with its type", async () => {
    const text = `policy "p" version "1"\ninput { n: int?, a: { roles: list<string(8)>? } }\npermit r when n > "x" && size(a.roles) > 1\n`;
    expect(await said(text)).toEqual([
      { code: "W0101", message: "expected `,` or `}` after field `n`, found `?`", at: "?", help: "an optional field is written `n?: int`" },
      { code: "W0101", message: "expected `,` or `}` after field `roles`, found `?`", at: "?", help: "an optional field is written `roles?: list<string(8)>`" },
      { code: "W0306", message: "no overload of `>` for (`int`, `string`)", at: ">" },
    ]);
  });

  it("`string<64>` and `string[64]` are one error each, told `string(64)`, and the field declared", async () => {
    const text = `policy "p" version "1"\ninput { s: string<64>, t: string[8], u: int }\npermit r when s == "x" && t == "y" && u > 1\n`;
    expect(await said(text)).toEqual([
      { code: "W0101", message: "expected `,` or `}` after field `s`, found `<`", at: "<", help: "a string's bound is written `string(64)`" },
      { code: "W0101", message: "expected `,` or `}` after field `t`, found `[`", at: "[", help: "a string's bound is written `string(8)`" },
    ]);
  });

  it("gives no such help after any other type", async () => {
    const text = `policy "p" version "1"\ninput { a: int < 5, b: string(3) <4>, c: int }\npermit r when a > 1\n`;
    expect((await said(text)).map((d) => d.help)).toEqual([undefined, undefined]);
  });
});
