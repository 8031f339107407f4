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

  it("reads every result matcher; an absent one means `true`", () => {
    expect(oneCase(`name: "a" expr: "1/0" eval_error: { errors: { message: "division by zero" } }`).expected).toEqual({ error: "division by zero" });
    expect(oneCase(`name: "a" expr: "1/0" any_eval_errors: { errors { errors { message: "x" } } errors { errors { message: "y" } } }`).expected).toEqual({ error: "x; y" });
    expect(oneCase(`name: "a" expr: "true"`).expected).toEqual({ value: { kind: "bool", value: true } });
    expect(oneCase(`name: "a" expr: "1" typed_result { result { int64_value: 1 } deduced_type { primitive: INT64 } }`).expected).toEqual({ value: { kind: "int", value: 1n } });
    expect(oneCase(`name: "a" expr: "x" unknown { exprs: 1 }`).expected).toEqual({ unsupported: "unknowns" });
    expect(oneCase(`name: "a" expr: "1" check_only: true typed_result { deduced_type { primitive: INT64 } }`).expected).toEqual({ unsupported: "check_only (type deduction)" });
  });

  it("falls back to the file name, and reports malformed parts with their line instead of throwing", () => {
    const r = casesFromText(`section { name: "s"\n test { name: "ok" expr: "1" }\n test {\n name: "bad"\n value: { int64_value: "x" } } }`, "fallback");
    expect(r.name).toBe("fallback");
    expect(r.cases.map((c) => c.name)).toEqual(["ok"]);
    expect(r.problems).toEqual([{ line: 5, message: "malformed `int64_value`" }]);
    const broken = casesFromText('name: "x"\nsection { test { expr: "1" }', "b");
    expect(broken.problems).toEqual([{ line: 2, message: "expected `}` before the end of input" }]);
    expect(casesFromText("value { int64_value: 99999999999999999999 }", "c").problems).toEqual([]);
  });

  it("rejects out-of-range int64 and uint64 values", () => {
    const r = casesFromText(`section { test { name: "a" expr: "1" value { int64_value: 9223372036854775808 } } test { name: "b" expr: "1" value { uint64_value: -1 } } }`, "f");
    expect(r.cases).toEqual([]);
    expect(r.problems.map((p) => p.message)).toEqual(["malformed `int64_value`", "malformed `uint64_value`"]);
  });
});

describe("the upstream corpus", () => {
  it("extracts every test of every file without problems", () => {
    const dir = celSpecTestdata();
    const counts: Record<string, number> = {};
    for (const f of ["basic", "comparisons", "fields", "integer_math", "lists", "logic", "macros", "string"]) {
      const r = casesFromText(readFileSync(join(dir, `${f}.textproto`), "utf8"), f);
      expect(r.problems).toEqual([]);
      counts[r.name] = r.cases.length;
    }
    expect(counts).toEqual({ basic: 43, comparisons: 406, fields: 60, integer_math: 64, lists: 39, logic: 30, macros: 44, string: 51 });
  });
});
