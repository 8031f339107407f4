// Case extraction from SimpleTestFile text: values of every kind (supported or not), type
// environments, bindings, the result matchers, and problems reported with lines instead of throws.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { casesFromText } from "../../compiler/conformance/cases.js";
import { celLiteral, requestValue, unsupportedFeatureOfValue, type CelValue } from "../../compiler/conformance/values.js";
import { celSpecTestdata } from "../support/cel-spec.js";

function oneCase(test: string) {
  const r = casesFromText(`name: "f"\nsection { name: "s"\n test {\n${test}\n} }`, "fallback");
  expect(r.problems).toEqual([]);
  expect(r.cases).toHaveLength(1);
  return r.cases[0]!;
}

function expectedValue(test: string): CelValue {
  const c = oneCase(`name: "t" expr: "x"\n${test}`);
  if (!("value" in c.expected)) throw new Error(`no value: ${JSON.stringify(c.expected)}`);
  return c.expected.value;
}

describe("values", () => {
  it("converts the supported kinds exactly", () => {
    expect(expectedValue("value: { int64_value: -9223372036854775808 }")).toEqual({ kind: "int", value: -(1n << 63n) });
    expect(expectedValue("value: { bool_value: true }")).toEqual({ kind: "bool", value: true });
    expect(expectedValue(String.raw`value: { string_value: "\xe2\x9c\x8c" }`)).toEqual({ kind: "string", value: "✌" });
    expect(
      expectedValue(`value { list_value { values { int64_value: 1 } values: { int64_value: 2 } } }`),
    ).toEqual({ kind: "list", elements: [{ kind: "int", value: 1n }, { kind: "int", value: 2n }] });
    expect(
      expectedValue(`value { map_value { entries { key: { string_value: "k" } value: { string_value: "v" } } } }`),
    ).toEqual({ kind: "map", entries: [{ key: { kind: "string", value: "k" }, value: { kind: "string", value: "v" } }] });
    expect(expectedValue("value { list_value {} }")).toEqual({ kind: "list", elements: [] });
  });

  it("keeps the unsupported kinds and names their feature", () => {
    const cases: [string, string][] = [
      ["value: { uint64_value: 18446744073709551615 }", "uint"],
      ["value: { double_value: -2.5e3 }", "double"],
      [String.raw`value: { bytes_value: "\000\377" }`, "bytes"],
      ["value: { null_value: NULL_VALUE }", "null"],
      ["value: { type_value: \"google.protobuf.Duration\" }", "type values"],
      ["value: { enum_value: { type: \"a.B\" value: 2 } }", "enums"],
      ["value: { object_value { [type.googleapis.com/google.protobuf.Int32Value] { value: 1 } } }", "proto messages"],
      ["value { map_value { entries { key: { int64_value: 1 } value: { int64_value: 2 } } } }", "map keys other than strings"],
      ["value { list_value { values { int64_value: 1 } values { string_value: \"a\" } } }", "heterogeneous lists"],
    ];
    for (const [text, feature] of cases) expect(unsupportedFeatureOfValue(expectedValue(text))).toBe(feature);
    const bytes = expectedValue(String.raw`value: { bytes_value: "\000\377" }`);
    expect(bytes.kind === "bytes" && [...bytes.value]).toEqual([0, 255]);
    const obj = expectedValue("value: { object_value { [type.googleapis.com/x.Y] { } } }");
    expect(obj).toEqual({ kind: "object", typeUrl: "type.googleapis.com/x.Y" });
  });

  it("renders supported values as CEL literals and request values", () => {
    const v: CelValue = {
      kind: "map",
      entries: [{ key: { kind: "string", value: 'a"\n' }, value: { kind: "list", elements: [{ kind: "int", value: -(1n << 63n) }, { kind: "int", value: -3n }] } }],
    };
    expect(celLiteral(v)).toBe(String.raw`{"a\"\n": [(-9223372036854775807 - 1), (-3)]}`);
    expect(requestValue(v)).toEqual({ 'a"\n': [-(1n << 63n), -3n] });
    const proto = requestValue({ kind: "map", entries: [{ key: { kind: "string", value: "__proto__" }, value: { kind: "int", value: 1n } }] }) as object;
    expect(Object.hasOwn(proto, "__proto__") && Object.getPrototypeOf(proto)).toBe(Object.prototype);
  });
});

describe("tests", () => {
  it("reads name, section, expr, flags, type_env and bindings", () => {
    const c = oneCase(`
      name: "lookup"
      expr: "x + y.size()"
      disable_check: true
      container: "a.b"
      type_env: { name: "x", ident: { type: { primitive: INT64 } } }
      type_env: { name: "y", ident: { type: { list_type: { elem_type: { primitive: STRING } } } } }
      type_env: { name: "m", ident: { type: { map_type: { key_type: { primitive: STRING } value_type: { primitive: UINT64 } } } } }
      type_env: { name: "f", function: { } }
      bindings: { key: "x" value: { value: { int64_value: 7 } } }
      bindings { key: "e" value { error { errors { message: "boom" } } } }
      value: { int64_value: 8 }`);
    expect(c).toMatchObject({ file: "f", section: "s", name: "lookup", expr: "x + y.size()", disableCheck: true, container: "a.b" });
    expect(c.typeEnv).toEqual({
      x: { kind: "int" },
      y: { kind: "list", element: { kind: "string" } },
      m: { kind: "map", key: { kind: "string" }, value: { kind: "unsupported", feature: "uint", name: "uint" } },
    });
    expect(c.declaredFunctions).toEqual(["f"]);
    expect(c.bindings).toEqual({ x: { kind: "int", value: 7n } });
    expect(c.unsupportedBindings).toEqual(["e"]);
    expect(c.line).toBe(3);
  });

  it("keeps a declaration or binding named `__proto__` as its own, and knows no primitive type `constructor`", () => {
    const c = oneCase(`
      name: "inherited"
      expr: "__proto__ == 1"
      type_env: { name: "__proto__", ident: { type: { primitive: INT64 } } }
      bindings: { key: "__proto__" value: { value: { int64_value: 1 } } }`);
    expect(Object.hasOwn(c.typeEnv, "__proto__") && c.typeEnv["__proto__"]).toEqual({ kind: "int" });
    expect(Object.hasOwn(c.bindings, "__proto__") && c.bindings["__proto__"]).toEqual({ kind: "int", value: 1n });
    const r = casesFromText(`name: "f"\nsection { name: "s"\n test { name: "t" expr: "x"\n type_env: { name: "x", ident: { type: { primitive: constructor } } } } }`, "fallback");
    expect(r.cases[0]!.problems.map((p) => p.message)).toEqual(["unknown primitive type"]);
  });

  it("reads every result matcher; an absent one means `true`", () => {
    expect(oneCase(`name: "a" expr: "1/0" eval_error: { errors: { message: "division by zero" } }`).expected).toEqual({ error: "division by zero" });
    expect(oneCase(`name: "a" expr: "1/0" any_eval_errors: { errors { errors { message: "x" } } errors { errors { message: "y" } } }`).expected).toEqual({ error: "x; y" });
    expect(oneCase(`name: "a" expr: "true"`).expected).toEqual({ value: { kind: "bool", value: true } });
    expect(oneCase(`name: "a" expr: "1" typed_result { result { int64_value: 1 } }`).expected).toEqual({ value: { kind: "int", value: 1n } });
    expect(oneCase(`name: "a" expr: "x" unknown { exprs: 1 }`).expected).toEqual({ unsupported: "unknowns" });
    expect(oneCase(`name: "a" expr: "1" check_only: true typed_result { deduced_type { primitive: INT64 } }`).expected).toEqual({ unsupported: "check_only (type deduction)" });
  });

  it("does not pass a deduced_type on its value alone: the type is not compared, so the case is unsupported", () => {
    // a wrong type must not pass: 1 + 2 is an int
    expect(oneCase(`name: "a" expr: "1 + 2" typed_result { result { int64_value: 3 } deduced_type { primitive: STRING } }`).expected).toEqual({
      unsupported: "typed_result.deduced_type (type deduction)",
    });
    // check_only: the result may be left out, or is ignored; the matcher is still read in full
    expect(oneCase(`name: "a" expr: "1" check_only: true typed_result { result { string_value: "x" } deduced_type { primitive: INT64 } }`).expected).toEqual({
      unsupported: "check_only (type deduction)",
    });
    expect(oneCase(`name: "a" expr: "1" check_only: true`).expected).toEqual({ unsupported: "check_only (type deduction)" });
    const typo = casesFromText(`section { test { name: "a" expr: "1" check_only: true typed_result { deduce_type { primitive: INT64 } } } }`, "f");
    expect(typo.cases[0]!.problems).toEqual([{ line: 1, message: "unknown field `deduce_type` in TypedResult" }]);
    const badType = casesFromText(`section { test { name: "a" expr: "1" typed_result { result { int64_value: 1 } deduced_type { primitve: INT64 } } } }`, "f");
    expect(badType.cases[0]!.problems).toEqual([{ line: 1, message: "unknown field `primitve` in Type" }]);
  });

  it("falls back to the file name, and reports malformed parts with their line instead of throwing", () => {
    const r = casesFromText(`section { name: "s"\n test { name: "ok" expr: "1" }\n test {\n name: "bad"\n value: { int64_value: "x" } } }`, "fallback");
    expect(r.name).toBe("fallback");
    // the malformed test stays a case, carrying its problem (the runner fails it)
    expect(r.cases.map((c) => [c.name, c.problems])).toEqual([["ok", []], ["bad", [{ line: 5, message: "malformed `int64_value`" }]]]);
    expect(r.cases[1]!.expected).toEqual({ unreadable: "value" });
    expect(r.problems).toEqual([]);
    const broken = casesFromText('name: "x"\nsection { test { expr: "1" }', "b");
    expect(broken.problems).toEqual([{ line: 2, message: "expected `}` before the end of input" }]);
    // a value outside any test is not read as one (so not range-checked): it is a field the file does not have
    expect(casesFromText("value { int64_value: 99999999999999999999 }", "c").problems).toEqual([{ line: 1, message: "unknown field `value` in SimpleTestFile" }]);
  });

  it("rejects out-of-range int64 and uint64 values", () => {
    const r = casesFromText(`section { test { name: "a" expr: "1" value { int64_value: 9223372036854775808 } } test { name: "b" expr: "1" value { uint64_value: -1 } } }`, "f");
    expect(r.cases.flatMap((c) => c.problems.map((p) => p.message))).toEqual(["malformed `int64_value`", "malformed `uint64_value`"]);
    expect(r.cases.map((c) => c.expected)).toEqual([{ unreadable: "value" }, { unreadable: "value" }]);
  });
});

describe("malformed tests", () => {
  /** The problems of the one test in `test`, and of the file around it; the case is never dropped. */
  function problemsOf(test: string, fileFields = "") {
    const r = casesFromText(`name: "f"\n${fileFields}section { name: "s"\n test {\n name: "t" expr: "1 == 1"\n${test}\n} }`, "f");
    expect(r.cases).toHaveLength(1);
    return { own: r.cases[0]!.problems, file: r.problems, expected: r.cases[0]!.expected };
  }

  it("reports a misspelt field of a test, its file or its section with its line, instead of ignoring it", () => {
    // a misspelt result matcher must not silently mean `true`
    expect(problemsOf(`eval_eror { errors { message: "division by zero" } }`).own).toEqual([
      { line: 5, message: "unknown field `eval_eror` in SimpleTest" },
    ]);
    expect(problemsOf("", `descripton: "x"\n`).file).toEqual([{ line: 2, message: "unknown field `descripton` in SimpleTestFile" }]);
    // a misspelt `test` leaves no case, but a problem
    const r = casesFromText(`name: "x"\nsection { name: "s"\n tset { name: "t" expr: "1 == 2" } }`, "x");
    expect(r.cases).toEqual([]);
    expect(r.problems).toEqual([{ line: 3, message: "unknown field `tset` in SimpleTestSection" }]);
  });

  it("reports unknown fields in every value message", () => {
    const cases: [string, string][] = [
      ["value { int64_value: 1 int_value: 2 }", "unknown field `int_value` in Value"],
      ["value { list_value { value { int64_value: 1 } } }", "unknown field `value` in ListValue"],
      ["value { map_value { entry { key { string_value: 'k' } value { int64_value: 1 } } } }", "unknown field `entry` in MapValue"],
      ["value { map_value { entries { key { string_value: 'k' } value { int64_value: 1 } val { int64_value: 2 } } } }", "unknown field `val` in MapEntry"],
      ["value { enum_value { type: 'a.B' valeu: 2 } }", "unknown field `valeu` in EnumValue"],
      ["typed_result { result { bool_value: true } deduce_type { primitive: BOOL } }", "unknown field `deduce_type` in TypedResult"],
      ["eval_error { errors { mesage: 'x' } }", "unknown field `mesage` in Status"],
      ["eval_error { error { message: 'x' } }", "unknown field `error` in ErrorSet"],
      ["any_eval_errors { error_sets { errors { message: 'x' } } }", "unknown field `error_sets` in ErrorSetMatcher"],
      ["bindings { key: 'x' value { value { int64_value: 1 } } extra: 1 }", "unknown field `extra` in BindingsEntry"],
      ["bindings { key: 'x' value { valeu { int64_value: 1 } } }", "unknown field `valeu` in ExprValue"],
      ["type_env { name: 'x' ident { typ { primitive: INT64 } } }", "unknown field `typ` in IdentDecl"],
    ];
    for (const [text, message] of cases) expect(problemsOf(text).own.map((p) => p.message), text).toContain(message);
  });

  it("reports unknown fields in Type, ListType and MapType, wherever a type is read", () => {
    const cases: [string, string][] = [
      // a misspelt elem_type must not mean a list of dyn (an unsupported case)
      ["type_env { name: 'x' ident { type { list_type { elem_typ { primitive: INT64 } } } } }", "unknown field `elem_typ` in ListType"],
      ["type_env { name: 'x' ident { type { map_type { key_typ { primitive: STRING } value_type { primitive: INT64 } } } } }", "unknown field `key_typ` in MapType"],
      ["type_env { name: 'x' ident { type { map_type { key_type { primitive: STRING } valu_type { primitive: INT64 } } } } }", "unknown field `valu_type` in MapType"],
      // the misspelt field comes first, so the one read last is well formed: it must not pass
      ["type_env { name: 'x' ident { type { primitve: STRING primitive: INT64 } } }", "unknown field `primitve` in Type"],
      ["type_env { name: 'x' ident { type { list_type { elem_type { primitve: STRING } } } } }", "unknown field `primitve` in Type"],
      ["type_env { name: 'x' ident { type { map_type { key_type { primitive: STRING } value_type { list_typ { } } } } } }", "unknown field `list_typ` in Type"],
      ["check_only: true typed_result { deduced_type { list_type { elem_type { primitive: INT64 } elem { } } } }", "unknown field `elem` in ListType"],
    ];
    for (const [text, message] of cases) expect(problemsOf(text).own.map((p) => p.message), text).toEqual([message]);
    // a scalar where a Type, ListType or MapType is needed is not read as `dyn`
    const scalars: [string, string][] = [
      ["type_env { name: 'x' ident { type: 1 } }", "`type` should be a message"],
      ["type_env { name: 'x' ident: 1 }", "`ident` should be a message"],
      ["type_env { name: 'x' ident { type { list_type: 1 } } }", "`list_type` should be a message"],
      ["type_env { name: 'x' ident { type { list_type { elem_type: INT64 } } } }", "`elem_type` should be a message"],
      ["type_env { name: 'x' ident { type { map_type { key_type: STRING } } } }", "`key_type` should be a message"],
    ];
    for (const [text, message] of scalars) expect(problemsOf(text).own.map((p) => p.message), text).toEqual([message]);
    // the line is the misspelt field's
    expect(problemsOf("type_env { name: 'x'\n ident { type { list_type {\n elem_typ { primitive: INT64 } } } } }").own).toEqual([
      { line: 7, message: "unknown field `elem_typ` in ListType" },
    ]);
  });

  it("reports a non-repeated field given twice and two members of one oneof, instead of taking the last", () => {
    // the test's own fields: `expr` given twice must not be read as its last value
    expect(problemsOf(`expr: "1 == 2"`).own).toEqual([
      { line: 5, message: "field `expr` of SimpleTest is given again (first on line 4); it is not repeated" },
    ]);
    // two result matchers: neither may be taken
    expect(problemsOf(`value { int64_value: 5 }\neval_error { errors { message: "divide by zero" } }`).own).toEqual([
      { line: 6, message: "field `eval_error` of SimpleTest is given along with `value` (line 5), another member of oneof `result_matcher`" },
    ]);
    const cases: [string, string][] = [
      ["disable_check: true disable_check: false", "field `disable_check` of SimpleTest is given again (first on line 5); it is not repeated"],
      ["value { bool_value: true } value { bool_value: false }", "field `value` of SimpleTest is given again (first on line 5); it is not repeated"],
      ["typed_result { result { int64_value: 1 } result { int64_value: 2 } }", "field `result` of TypedResult is given again (first on line 5); it is not repeated"],
      ["value { int64_value: 1 string_value: 'a' }", "field `string_value` of Value is given along with `int64_value` (line 5), another member of oneof `kind`"],
      ["value { int64_value: 1 int64_value: 2 }", "field `int64_value` of Value is given again (first on line 5); it is not repeated"],
      ["value { map_value { entries { key { string_value: 'k' } key { string_value: 'j' } value { int64_value: 1 } } } }", "field `key` of MapEntry is given again (first on line 5); it is not repeated"],
      ["value { enum_value { type: 'a.B' value: 1 value: 2 } }", "field `value` of EnumValue is given again (first on line 5); it is not repeated"],
      ["eval_error { errors { message: 'a' message: 'b' } }", "field `message` of Status is given again (first on line 5); it is not repeated"],
      ["bindings { key: 'x' key: 'y' value { value { int64_value: 1 } } }", "field `key` of BindingsEntry is given again (first on line 5); it is not repeated"],
      ["bindings { key: 'x' value { value { int64_value: 1 } error { } } }", "field `error` of ExprValue is given along with `value` (line 5), another member of oneof `kind`"],
      ["type_env { name: 'x' name: 'y' ident { type { primitive: INT64 } } }", "field `name` of Decl is given again (first on line 5); it is not repeated"],
      ["type_env { name: 'x' ident { type { primitive: INT64 } } function { } }", "field `function` of Decl is given along with `ident` (line 5), another member of oneof `decl_kind`"],
      ["type_env { name: 'x' ident { type { primitive: STRING } type { primitive: INT64 } } }", "field `type` of IdentDecl is given again (first on line 5); it is not repeated"],
      ["type_env { name: 'x' ident { type { primitive: STRING primitive: INT64 } } }", "field `primitive` of Type is given again (first on line 5); it is not repeated"],
      ["type_env { name: 'x' ident { type { primitive: STRING list_type { } } } }", "field `list_type` of Type is given along with `primitive` (line 5), another member of oneof `type_kind`"],
      ["type_env { name: 'x' ident { type { list_type { elem_type { primitive: STRING } elem_type { dyn { } } } } } }", "field `elem_type` of ListType is given again (first on line 5); it is not repeated"],
      ["type_env { name: 'x' ident { type { map_type { key_type { primitive: STRING } key_type { primitive: INT64 } } } } }", "field `key_type` of MapType is given again (first on line 5); it is not repeated"],
    ];
    for (const [text, message] of cases) expect(problemsOf(text).own.map((p) => p.message), text).toEqual([message]);
    // the file's and a section's own fields: problems of the file
    expect(problemsOf("", `name: "g"\n`).file).toEqual([{ line: 2, message: "field `name` of SimpleTestFile is given again (first on line 1); it is not repeated" }]);
    // repeated fields may repeat, in either form
    expect(problemsOf("type_env { name: 'x' ident { type { primitive: INT64 } } } type_env { name: 'y' ident { type { primitive: INT64 } } }").own).toEqual([]);
    expect(problemsOf("value { list_value { values { int64_value: 1 } values: [{ int64_value: 2 }, { int64_value: 3 }] } }").own).toEqual([]);
    expect(problemsOf("eval_error { errors { message: 'a' } errors { message: 'b' } }").own).toEqual([]);
  });

  it("reports a value that cannot be converted, keeping the case with its matcher unreadable", () => {
    const cases: [string, string][] = [
      // a scalar where a message is needed
      ["value { list_value { values: 1 } }", "`values` should be a message"],
      ["value: 3", "`value` should be a message"],
      ["typed_result { result: 3 }", "`result` should be a message"],
      // a typed_result with no result is only meaningful for check_only
      ["typed_result { deduced_type { primitive: BOOL } }", "`typed_result` has no `result` (and the test is not `check_only`)"],
      ["value { null_value: 3 }", "malformed `null_value`"],
      ["value { enum_value { type: 'a.B' value: 'x' } }", "malformed `enum_value`"],
      [String.raw`value { type_value: "\377" }`, "malformed `type_value`"],
    ];
    for (const [text, message] of cases) {
      const p = problemsOf(text);
      expect(p.own.map((x) => x.message), text).toEqual([message]);
      expect(p.expected, text).toHaveProperty("unreadable");
    }
    expect(problemsOf("disable_check: yes").own).toEqual([{ line: 5, message: "field `disable_check` should be a bool" }]);
    expect(problemsOf("bindings { key: 'x' value { value { list_value { values: 1 } } } }").own.map((p) => p.message)).toEqual(["`values` should be a message"]);
    const section = casesFromText(`name: "f"\nsection: 1`, "f");
    expect(section.problems).toEqual([{ line: 2, message: "`section` should be a message" }]);
  });
});

describe("the upstream corpus", () => {
  it("extracts every test of every file without problems", () => {
    const dir = celSpecTestdata();
    const counts: Record<string, number> = {};
    for (const f of ["basic", "comparisons", "fields", "integer_math", "lists", "logic", "macros", "string"]) {
      const r = casesFromText(readFileSync(join(dir, `${f}.textproto`), "utf8"), f);
      expect(r.problems).toEqual([]);
      expect(r.cases.flatMap((c) => c.problems)).toEqual([]);
      counts[r.name] = r.cases.length;
    }
    expect(counts).toEqual({ basic: 43, comparisons: 406, fields: 60, integer_math: 64, lists: 39, logic: 30, macros: 44, string: 51 });
  });
});
