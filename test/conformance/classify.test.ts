// Classification of conformance cases with Writ's real expression parser: each feature outside the
// subset is named, type mismatches only dynamic typing allows are caught, variables are found with
// their spans (macro variables shadow bindings), and the policy built from prepared cases is sound.

import { describe, expect, it } from "vitest";
import type { ConformanceCase, Expected } from "../../compiler/conformance/cases.js";
import { classifyCase } from "../../compiler/conformance/classify.js";
import { writExpressionParser } from "../../compiler/conformance/backends.js";
import { buildBatchPolicy, prepareCase, renameVariables, type PreparedCase } from "../../compiler/conformance/policy.js";
import { writBoundedTypeOf, type CelType, type CelValue } from "../../compiler/conformance/values.js";

const int = (n: number): CelValue => ({ kind: "int", value: BigInt(n) });
const str = (s: string): CelValue => ({ kind: "string", value: s });
const TRUE: Expected = { value: { kind: "bool", value: true } };

function mk(expr: string, extra: Partial<ConformanceCase> = {}): ConformanceCase {
  return {
    file: "f", section: "s", name: "n", expr, disableCheck: false, disableMacros: false, container: "",
    bindings: {}, typeEnv: {}, declaredFunctions: [], unsupportedBindings: [], expected: TRUE, line: 1, problems: [],
    ...extra,
  };
}

const classify = (c: ConformanceCase) => classifyCase(c, writExpressionParser);
const feature = (expr: string, extra: Partial<ConformanceCase> = {}) => classify(mk(expr, extra)).unsupported;

describe("unsupported features are named", () => {
  const cases: [string, string][] = [
    ["1u == 1u", "uint"],
    ["1.5 > 1.0", "double"],
    ["b'abc' == b'abc'", "bytes"],
    ["null == null", "null"],
    ["type(1) == int", "type()"],
    ["dyn(1) == 1", "dyn()"],
    ["int('1') == 1", "type conversions"],
    ["string(1) == '1'", "type conversions"],
    ["'abc'.matches('b')", "matches (regex)"],
    ["'abc'.upperAscii() == 'ABC'", "function `upperAscii`"],
    ["timestamp('2020-01-01T00:00:00Z') == timestamp('2020-01-01T00:00:00Z')", "timestamp/duration"],
    ["TestAllTypes{single_int64: 1}.single_int64 == 1", "message construction"],
    ["{'a': 1}.?a == 1", "optional syntax (`.?`, `[?]`)"],
    ["[?optional.of(1)] == [1]", "optional syntax (`.?`, `[?]`)"],
    ["[1, ?optional.none()] == [1]", "optional syntax (`.?`, `[?]`)"],
    ["{?'a': optional.of(1)} == {'a': 1}", "optional syntax (`.?`, `[?]`)"],
    ["{1: 2}[1] == 2", "map keys other than strings"],
    ["{'a': 1, 'b': 'x'}.size() == 2", "heterogeneous maps"],
    ["[1, 'a'].size() == 2", "heterogeneous lists"],
    ["[1, 'foo', 3].exists(e, e != '1')", "heterogeneous lists"],
    ["1 == 'a'", "heterogeneous equality (`int` == `string`)"],
    ["[1] == ['a']", "heterogeneous equality (`list<int>` == `list<string>`)"],
    ["'a' < 1", "cross-type comparison (`string` < `int`)"],
    ["[1] < [2]", "ordering `list<int>` values"],
    ["1 + 'a' == 2", "`int` + `string`"],
    ["x || true", "undeclared variables (resolved at run time)"],
    // neither declared nor bound, whatever Object.prototype holds under the name
    ["constructor || true", "undeclared variables (resolved at run time)"],
    ["toString == 1", "undeclared variables (resolved at run time)"],
    ["int == int", "type values"],
  ];
  it.each(cases)("%s → %s", (expr, expected) => {
    expect(feature(expr)).toBe(expected);
  });

  it("marks mismatches CEL only tolerates without its checker as disable_check", () => {
    expect(feature("'horses' && false", { disableCheck: true })).toBe("dynamic typing (disable_check): an operand of `&&` is `string`, not `bool`");
    expect(feature("true ? 'cows' : 17", { disableCheck: true })).toBe("dynamic typing (disable_check): `? :` branches of types `string` and `int`");
    expect(feature("!0", { disableCheck: true })).toBe("dynamic typing (disable_check): the operand of `!` is `int`, not `bool`");
  });

  it("looks at the expected value, the bindings and the declared types", () => {
    expect(feature("1 + 1", { expected: { value: { kind: "uint", value: 2n } } })).toBe("uint");
    expect(feature("1 + 1", { expected: { unsupported: "unknowns" } })).toBe("unknowns");
    expect(feature("x == x", { bindings: { x: { kind: "double", value: 1.5 } } })).toBe("double");
    expect(feature("x == x", { bindings: { x: int(1) }, typeEnv: { x: { kind: "unsupported", feature: "uint", name: "uint" } } })).toBe("uint");
    expect(feature("x", { unsupportedBindings: ["x"] })).toBe("error or unknown bindings");
    expect(feature("1 == 1", { disableMacros: true })).toBe("disable_macros");
    // a binding the expression never reads does not matter
    expect(feature("1 == 1", { bindings: { y: { kind: "bytes", value: new Uint8Array() } } })).toBeUndefined();
    expect(feature("a.b.c", { bindings: { "a.b.c": int(1) } })).toBe("qualified identifiers");
  });
});

describe("supported cases", () => {
  const supported = [
    "[1, 2, 3].exists(e, e > 2) && [1].all(e, e == 1)",
    "{'a': 1}.map(k, k + 'x') == ['ax']",
    "[1, 2].filter(n, n % 2 == 0).size() == 1 && size('abc') == 3",
    "'foobar'.startsWith('foo') && 'x'.endsWith('x') && 'abc'.contains('b')",
    "[] + [1] == [1] && [] == [] && {} == {}",
    "'a' in {'a': 1} && 2 in [1, 2]",
    "-9223372036854775808 < 0",
    "(1 < 2 ? 'a' : 'b') == 'a'",
    "[[1], []] == [[1], []]",
  ];
  it.each(supported)("%s", (expr) => {
    const cls = classify(mk(expr));
    expect(cls.features).toEqual([]);
    expect(cls.parseError).toBeUndefined();
    expect(cls.type).toBe("bool");
  });

  it("infers the type of the whole expression", () => {
    expect(classify(mk("[1, 2].map(n, n * 2)")).type).toBe("list<int>");
    expect(classify(mk("{'a': 'b'}['a']")).type).toBe("string");
    expect(classify(mk("x.size()", { bindings: { x: { kind: "list", elements: [str("a")] } } })).type).toBe("int");
  });

  it("finds variables with their spans; macro variables shadow bindings", () => {
    const m: CelValue = { kind: "map", entries: [{ key: str("k"), value: int(1) }] };
    const c = mk("x.k + [1].map(x, x)[0] + y", { bindings: { x: m, y: int(2) } });
    const cls = classify(c);
    expect(cls.features).toEqual([]);
    expect([...cls.variables.keys()].sort()).toEqual(["x", "y"]);
    expect(cls.variables.get("x")).toEqual([{ start: 0, end: 1 }]);
    expect(cls.variableTypes.get("x")).toEqual({ kind: "map", key: { kind: "string" }, value: { kind: "int" } } satisfies CelType);
    expect(renameVariables(c.expr, 7, cls.variables)).toBe("v7_x.k + [1].map(x, x)[0] + v7_y");
  });

  it("reports an expression Writ cannot parse", () => {
    const cls = classify(mk("1 +"));
    expect(cls.parseError).toBeDefined();
  });
});

describe("batch policies", () => {
  it("declare size bounds only where a bound value exceeds the default", () => {
    const s = (n: number): CelValue => str("é".repeat(n));
    expect(writBoundedTypeOf({ kind: "string" }, [s(10)])).toBe("string");
    expect(writBoundedTypeOf({ kind: "string" }, [s(200)])).toBe("string(400)");
    const list: CelType = { kind: "list", element: { kind: "string" } };
    expect(writBoundedTypeOf(list, [{ kind: "list", elements: Array.from({ length: 70 }, () => s(1)) }])).toBe("list<string>(70)");
    const map: CelType = { kind: "map", key: { kind: "string" }, value: { kind: "list", element: { kind: "int" } } };
    const m: CelValue = { kind: "map", entries: [{ key: s(150), value: { kind: "list", elements: Array.from({ length: 65 }, () => int(1)) } }] };
    expect(writBoundedTypeOf(map, [m])).toBe("map<string(300), list<int>(65)>");
    expect(writBoundedTypeOf({ kind: "unsupported", feature: "uint", name: "uint" }, [int(1)])).toBeUndefined();
  });

  it("give each case a rule (and value cases a negated rule) and rename variables into one input block", () => {
    const a = mk("x + 1", { bindings: { x: int(1) }, expected: { value: int(2) } });
    const b = mk("x.size()", { bindings: { x: str("héllo") }, typeEnv: { x: { kind: "string" } }, expected: { value: int(5) } });
    const e = mk("1 / 0 > 2", { expected: { error: "division by zero" } });
    const f = mk("[1][2]", { expected: { error: "invalid argument" } });
    const prepared = [a, b, e, f].map((c, i) => prepareCase(c, i, classify(c)) as PreparedCase);
    const policy = buildBatchPolicy("t", prepared);
    expect(policy.source).toBe(
      [
        'policy "conformance-t" version "1.0.0"',
        "",
        "input {",
        "  v0_x: int,",
        "  v1_x: string,",
        "}",
        "",
        "permit c0 when (v0_x + 1) == (2)",
        "permit c0_not when !((v0_x + 1) == (2))",
        "permit c1 when (v1_x.size()) == (5)",
        "permit c1_not when !((v1_x.size()) == (5))",
        "permit c2 when (1 / 0 > 2)",
        "permit c3 when size([[1][2]]) == 1",
        "",
      ].join("\n"),
    );
    expect(policy.request).toEqual({ v0_x: 1n, v1_x: "héllo" });
    expect(policy.rules.map((r) => policy.source.slice(r.start, r.end).split("\n")[0])).toEqual([
      "permit c0 when (v0_x + 1) == (2)",
      "permit c1 when (v1_x.size()) == (5)",
      "permit c2 when (1 / 0 > 2)",
      "permit c3 when size([[1][2]]) == 1",
    ]);
  });
});
