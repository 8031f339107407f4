// A field of a nested record whose type the parser could not read (`map<string>`, `list[string]`)
// is reported once, at its type, and stays a field of its record, of a type that is no type: its
// uses raise nothing more. Left out of its record, each use was reported again as a field the
// record lacks (W0205), with the record's other fields offered in its place. A top-level field in
// that state is declared untyped (follow-on.test.ts); a nested one is now as quiet.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { checkPolicy } from "../../compiler/check/policy.js";
import { formatPolicy, parsePolicy } from "../../compiler/syntax/index.js";
import type * as A from "../../compiler/syntax/ast.js";
import { runWrit } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

/** A policy whose `context` record holds `approvals` of type `type`, read by rule `a`, and rule `e` with a type error of its own. */
const policy = (type: string) =>
  `policy "t" version "1"\ninput {\n  context: {\n    approvals: ${type},\n    owner: string,\n  },\n  n: int,\n}\n` +
  `permit a when size(context.approvals) > 1 && "x" in context.approvals\n` +
  `permit b when context.owner == "o"\n` +
  `permit e when n == "x"\n`;
const said = async (text: string) =>
  (await compilePolicy(text, { stopAfter: "check" })).diagnostics.map((d) => `${d.code} ${d.message}${d.help === undefined ? "" : ` (help: ${d.help})`}`);
const laterRuleError = "W0305 cannot compare `int` with `string`";

describe("a nested field whose type the parser could not read", () => {
  it("with a wrong count of type arguments is reported once: its uses raise nothing", async () => {
    expect(await said(policy("map<string>(8)"))).toEqual(["W0110 `map` takes 2 type arguments: `map<K, V>`", laterRuleError]);
    expect(await said(policy("list<string, int>"))).toEqual(["W0110 `list` takes one type argument: `list<T>`", laterRuleError]);
    expect(await said(policy("list"))).toEqual(["W0110 `list` takes one type argument: `list<T>`", laterRuleError]);
  });

  it("given type arguments it takes none is reported once", async () => {
    expect(await said(policy("set<string>"))).toEqual(["W0110 unknown type `set` (help: a list is written `list<T>`, a map `map<string, T>`)", laterRuleError]);
    expect(await said(policy("int<string>"))).toEqual(["W0110 `int` takes no type arguments", laterRuleError]);
  });

  it("with no type argument at all is reported once", async () => {
    expect(await said(policy("list<>"))).toEqual(["W0101 expected `{` or an identifier, found `>`", laterRuleError]);
  });

  it("stays in its record, of a type that is no type", () => {
    const parsed = parsePolicy({ name: "t.writ", text: policy("map<string>(8)") });
    const context = parsed.ast.input!.fields[0]!.type as A.RecordTypeExpr;
    expect(context.fields.map((f) => [f.name.name, f.type.kind])).toEqual([
      ["approvals", "ErrorTypeExpr"],
      ["owner", "PrimitiveTypeExpr"],
    ]);
    expect(parsed.ast.input!.untyped).toBeUndefined();
  });

  it("leaves a use of a field the record lacks reported, with the field among those offered", async () => {
    const text = policy("map<string>(8)").replace('context.owner == "o"', 'context.ownr == "o"');
    expect((await said(text)).filter((m) => m.startsWith("W0205"))).toEqual([
      "W0205 no field `ownr` in `context` (help: did you mean `owner`?)",
    ]);
  });
});

describe("type arguments in square brackets", () => {
  it("are one error, with the type to write", async () => {
    expect(await said(policy("list[string]"))).toEqual([
      "W0110 `list` takes its type argument in `<` and `>`, not in `[` and `]` (help: a list is written `list<string>`)",
      laterRuleError,
    ]);
    expect(await said(policy("map[string, int](4)"))).toEqual([
      "W0110 `map` takes its type arguments in `<` and `>`, not in `[` and `]` (help: a map is written `map<string, int>`)",
      laterRuleError,
    ]);
    expect(await said(policy("string[]"))).toEqual(["W0110 `string[]` is not a type (help: a list is written `list<string>`)", laterRuleError]);
    // an argument Writ has no such type for is not copied into the type to write
    expect(await said(policy("List[str]"))).toEqual(["W0110 unknown type `List` (help: a list is written `list<T>`)", laterRuleError]);
    expect(await said(policy("Map[str, int]"))).toEqual(["W0110 unknown type `Map` (help: a map is written `map<string, int>`)", laterRuleError]);
    expect(await said(policy("str[]"))).toEqual(["W0110 `str[]` is not a type (help: a list is written `list<T>`)", laterRuleError]);
  });

  it("are reported at each type that has them", async () => {
    expect(await said(policy("map[string, list[int]]"))).toEqual([
      "W0110 `map` takes its type arguments in `<` and `>`, not in `[` and `]` (help: a map is written `map<string, T>`)",
      "W0110 `list` takes its type argument in `<` and `>`, not in `[` and `]` (help: a list is written `list<int>`)",
      laterRuleError,
    ]);
  });

  it("are one error at the top level too, the field declared untyped", async () => {
    const text = `policy "t" version "1"\ninput { roles: list[string], n: int }\npermit a when "admin" in roles\npermit e when n == "x"\n`;
    expect(await said(text)).toEqual([
      "W0110 `list` takes its type argument in `<` and `>`, not in `[` and `]` (help: a list is written `list<string>`)",
      laterRuleError,
    ]);
  });

  it("do not take a `[` that starts no type, or that no `]` closes: that is text after the field", async () => {
    expect(await said(`policy "t" version "1"\ninput { a: int [5], n: int }\npermit e when n == a\n`)).toEqual([
      "W0101 expected `,` or `}` after field `a`, found `[`",
    ]);
    expect(await said(`policy "t" version "1"\ninput { a: { b: int [x }, n: int }\npermit e when n == a.b\n`)).toEqual([
      "W0101 expected `,` or `}` after field `b`, found `[`",
    ]);
  });
});

describe("a policy with a nested field whose type the parser could not read", () => {
  const text =
    policy("map<string>(8)").replace("    owner: string,\n", "    owner: string,\n    roles: list[string],\n") +
    'permit r when "admin" in context.roles\n' +
    'test "t" {\n  input { context: { approvals: { a: 1 }, owner: "o", roles: ["admin"] }, n: 1 }\n  expect allow by [a]\n}\n';

  it("is checked to its diagnostics and no policy, by checkPolicy as by compilePolicy", async () => {
    const parsed = parsePolicy({ name: "t.writ", text });
    expect(parsed.diagnostics.map((d) => d.code)).toEqual(["W0110", "W0110"]);
    const checked = checkPolicy(parsed.ast);
    expect(checked.policy).toBeUndefined();
    expect(checked.diagnostics.map((d) => d.code)).toEqual(["W0305"]);
    const compiled = await compilePolicy(text);
    expect(compiled.bundle).toBeUndefined();
    expect(compiled.diagnostics.map((d) => d.code)).toEqual(["W0110", "W0110", "W0305"]);
  });

  it("is formatted through the API without a throw, the type it could not read as an error", () => {
    const source = { name: "t.writ", text };
    const formatted = formatPolicy(parsePolicy(source).ast, source);
    expect(formatted).toContain("approvals: <error>,");
    expect(formatted).toContain("roles: <error>");
  });

  it("fails `writ check` with the syntax errors and the later rule's, and `writ fmt` and `writ test` without a throw", async () => {
    const cwd = tempDir("malformed-nested-types");
    writeFileSync(join(cwd, "t.writ"), text);
    const check = await runWrit(["check", "t.writ"], cwd);
    expect(check.code).toBe(1);
    expect(check.err.match(/error\[W\d+\]/g)).toEqual(["error[W0110]", "error[W0110]", "error[W0305]"]);
    const fmt = await runWrit(["fmt", "t.writ"], cwd);
    expect(fmt.code).toBe(1);
    expect(fmt.err).toContain("error[W0110]");
    const test = await runWrit(["test", "t.writ"], cwd);
    expect(test.code).toBe(1);
  });
});
