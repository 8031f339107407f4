// The empty literals `[]` and `{}` have no element type of their own (the checker types them
// list<never> and map<never>); where one meets a request list or map, the layout must still give
// that field's elements their own type. Laid out from the literal's side, a list<int> field became
// list<bool>: the encoder wrote ints into 4-byte bool slots and the module read garbage, skipping a
// forbid the interpreter fired. Each case is decided by the interpreter, the module's generated
// fast path and its portable encoder, which must all agree.

import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { createInterpreter } from "../../compiler/ir/interp.js";
import { loadPolicy } from "../../runtime/policy.js";
import { createWasmEvaluator } from "../../runtime/wasm/evaluator.js";
import { plain } from "./support.js";

const CASES: { name: string; input: string; rules: string; requests: unknown[]; expected: string[] }[] = [
  {
    name: "`[] == field` before the field's elements are used",
    input: "amounts: list<int>(8)",
    rules: "forbid no_amounts when [] == amounts\nforbid too_large when amounts.exists(a, a > 1000)\npermit ok",
    requests: [{ amounts: [5000] }, { amounts: [5, 7] }, { amounts: [] }],
    expected: ["deny too_large", "allow ok", "deny no_amounts"],
  },
  {
    name: "`[]` from a constant, concatenated before the field",
    input: "amounts: list<int>(8)",
    rules: "let EXTRA = []\nforbid too_large when (EXTRA + amounts).exists(a, a > 1000)\npermit ok",
    requests: [{ amounts: [1, 5000] }, { amounts: [999] }],
    expected: ["deny too_large", "allow ok"],
  },
  {
    name: "`[]` in one branch of a conditional",
    input: "amounts: list<int>(8)",
    rules: "forbid too_large when (size(amounts) > 100 ? [] : amounts).exists(a, a > 1000)\npermit ok",
    requests: [{ amounts: [5000] }, { amounts: [3] }],
    expected: ["deny too_large", "allow ok"],
  },
  {
    name: "strings used by their bytes",
    input: "tags: list<string(16)>(8)",
    rules: 'forbid admin_tag when ([] + tags).exists(t, t.startsWith("adm"))\nforbid long_tag when ([] + tags).exists(t, size(t) > 6)\npermit ok',
    requests: [{ tags: ["x", "admin"] }, { tags: ["verylongtag"] }, { tags: ["ok"] }],
    expected: ["deny admin_tag", "deny long_tag", "allow ok"],
  },
  {
    name: "nested lists",
    input: "ll: list<list<int>(4)>(4)",
    rules: "forbid big when ([] + ll)[0].exists(x, x > 1000)\nforbid big2 when ([[]] + ll)[1].exists(x, x > 1000)\npermit ok",
    // ([[]] + ll)[1] is ll[0] again: both rules read the first list
    requests: [{ ll: [[2000]] }, { ll: [[1], [3000]] }, { ll: [[1], [2]] }],
    expected: ["deny big big2", "allow ok", "allow ok"],
  },
  {
    name: "`{} == field` before the map's values are used",
    input: "tags: map<string(8), int>(8)",
    rules: 'forbid empty when {} == tags\nforbid big when tags.exists(k, tags[k] > 1000)\nforbid big_k when "k" in tags && tags["k"] > 1000\npermit ok',
    requests: [{ tags: { a: 5000 } }, { tags: { k: 2000 } }, { tags: { a: 1 } }, { tags: {} }],
    expected: ["deny big", "deny big big_k", "allow ok", "deny empty"],
  },
];

const summary = (d: { decision: string; rules: readonly string[] }) => [d.decision, ...d.rules].join(" ");

/**
 * Compiles each condition as permit `r` beside `permit ok when n == 1`, at both optimisation levels,
 * with no diagnostic, and decides n = 0 and n = 1: `r` errors with its code (a deny, then an allow by
 * `ok`), and the module and the portable encoder decide as the interpreter does.
 */
async function expectErrsWhenDecided(cases: readonly (readonly [condition: string, code: string])[]): Promise<void> {
  for (const optimize of [false, true])
    for (const [condition, code] of cases) {
      const what = `${condition}${optimize ? " (optimized)" : ""}`;
      const compiled = await compilePolicy(`policy "w" version "1"\ninput { n: int }\npermit r when ${condition}\npermit ok when n == 1\n`, { optimize });
      expect(compiled.diagnostics.map((d) => `${d.code} ${d.message}`), what).toEqual([]);
      const bundle = compiled.bundle!;
      const module = loadPolicy(bundle, { allowUnsigned: true });
      const portable = createWasmEvaluator(new WebAssembly.Module(bundle.module as Uint8Array<ArrayBuffer>), bundle.manifest, { portable: true });
      const interpreter = createInterpreter(compiled.ir!, compiled.checked!.errorSites);
      for (const [n, decision] of [[0, "deny"], [1, "allow"]] as const) {
        const reference = plain(interpreter.decide({ n })) as { decision: string; errors: { rule: string; code: string }[] };
        expect(reference.decision, what).toBe(decision);
        expect(reference.errors.map((e) => [e.rule, e.code]), what).toEqual([["r", code]]);
        expect(plain(module.decide({ n })), what).toEqual(reference);
        expect(plain(portable.decide({ n })), what).toEqual(reference);
      }
    }
}

describe("empty literals meeting request lists and maps", () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const text = `policy "empty" version "1"\ninput { ${c.input} }\n${c.rules}\n`;
      const compiled = await compilePolicy(text, { fileName: "empty.writ", optimize: false });
      expect(compiled.diagnostics.map((d) => d.message)).toEqual([]);
      const bundle = compiled.bundle!;
      const module = loadPolicy(bundle, { allowUnsigned: true });
      const portable = createWasmEvaluator(new WebAssembly.Module(bundle.module as Uint8Array<ArrayBuffer>), bundle.manifest, { portable: true });
      const interpreter = createInterpreter(compiled.ir!, compiled.checked!.errorSites);
      c.requests.forEach((request, i) => {
        const reference = plain(interpreter.decide(request));
        expect(summary(reference as { decision: string; rules: string[] }), JSON.stringify(request)).toBe(c.expected[i]);
        expect(plain(module.decide(request)), `module, ${JSON.stringify(request)}`).toEqual(reference);
        expect(plain(portable.decide(request)), `portable, ${JSON.stringify(request)}`).toEqual(reference);
      });
    }, 60_000);
  }

  it("a condition joining two values of no type by `&&` or `||` compiles, and errors when it is decided (it had been refused: both operands were taken as ints)", async () => {
    const cases: [string, string][] = [
      ["[][0] && [][0]", "index_out_of_range"],
      ["[][0] || [][0]", "index_out_of_range"],
      ["{}.k || {}.j", "no_such_key"],
      ["!({}.k && [][0])", "no_such_key"],
    ];
    await expectErrsWhenDecided(cases);
  }, 120_000);

  it("arithmetic over two values of no type is of no type, used where a string, list, map or bool is due; it compiles and errors when it is decided (it had been refused: the result was taken as an int)", async () => {
    const cases: [string, string][] = [
      ['([][n] + [][1]) + "x" == "y"', "index_out_of_range"],
      ['([][n] + [][1]).startsWith("a")', "index_out_of_range"],
      ['([][n] + [][1]) == "a"', "index_out_of_range"],
      ["({}.k - [][n]) + [1] == [1]", "no_such_key"],
      ['"a" in ([][n] * {}.k)', "index_out_of_range"],
      ["([][n] / [][1]).all(x, x > 0)", "index_out_of_range"],
      ["{}.k % {}.j", "no_such_key"],
      ['[1].map(x, [][x] + [][n]) == ["a"]', "index_out_of_range"],
      ["(([][n] + [][1]) + ([][n] * [][1])) < 2", "index_out_of_range"],
      // negation likewise: of no type over a value of no type
      ['-[][n] + "x" == "y"', "index_out_of_range"],
      ["(-{}.k).size() == 1", "no_such_key"],
    ];
    await expectErrsWhenDecided(cases);
  }, 180_000);

  it("a literal list compared with the result of a macro over `[]` compiles (its constant was laid out as bools)", async () => {
    for (const condition of ["[].map(x, x) == [1]", "[[][0]] == [1]"]) {
      const compiled = await compilePolicy(`policy "w" version "1"\ninput { n: int }\npermit r when ${condition}\n`, { optimize: false });
      expect(compiled.diagnostics.map((d) => `${d.code} ${d.message}`), condition).toEqual([]);
      const module = loadPolicy(compiled.bundle!, { allowUnsigned: true });
      const interpreter = createInterpreter(compiled.ir!, compiled.checked!.errorSites);
      expect(plain(module.decide({ n: 1 })), condition).toEqual(plain(interpreter.decide({ n: 1 })));
    }
  }, 60_000);
});
