// The evaluator decodes whatever a module leaves in its result region, and must never turn a
// malformed result into a decision. These modules follow the ABI but write their result region from
// a data segment: the evaluator reads exactly those words. Decisions without errors are shared,
// frozen objects (no allocation for a decision seen before); a cached one must never answer for a
// result that names a rule that does not exist.

import { describe, expect, it } from "vitest";
import { ABI_VERSION, MANIFEST_FORMAT, type Manifest } from "../../runtime/manifest.js";
import { createWasmEvaluator } from "../../runtime/wasm/evaluator.js";
import { ModuleBuilder, op } from "../support/wasm-builder.js";

const RESULT = 2048;
const RULES = ["f0", "f1", "p2", "p3"];

/** A builder with the ABI's memory and pointer exports; the test adds `writ_evaluate`. */
function abiModule(): ModuleBuilder {
  const b = new ModuleBuilder();
  b.memory(1, 1);
  b.export("memory", "memory", 0);
  b.func({ results: ["i32"], body: op.i32Const(1), export: "writ_abi_version" });
  b.func({ results: ["i32"], body: op.i32Const(1024), export: "writ_input_ptr" });
  b.func({ results: ["i32"], body: op.i32Const(512), export: "writ_input_size" });
  b.func({ results: ["i32"], body: op.i32Const(RESULT), export: "writ_result_ptr" });
  return b;
}

/** A module whose result region holds `words` and whose `writ_evaluate` returns `returns` (the first word unless given). */
function moduleWith(words: readonly number[], returns = words[0] ?? 0): WebAssembly.Module {
  const b = abiModule();
  b.func({ results: ["i32"], body: op.i32Const(returns), export: "writ_evaluate" });
  b.data(RESULT, new Uint8Array(new Int32Array(words).buffer));
  return new WebAssembly.Module(b.build());
}

const manifest: Manifest = {
  format: MANIFEST_FORMAT,
  name: "decode",
  version: "1",
  compiler: { name: "writ", version: "test", optimize: false },
  abiVersion: ABI_VERSION,
  schema: { kind: "record", fields: [] },
  layout: { abi: 1, strings: [], root: { kind: "record", size: 0, fields: [] }, inputSize: 0 },
  rules: RULES.map((name) => ({ name, effect: name.startsWith("f") ? "forbid" : "permit", annotations: {}, line: 1, column: 1 })),
  errorSites: {},
  digests: { sha3_512: "", blake2b_512: "" },
  costBound: 0,
  memoryPages: 1,
  sourceDigest: "",
} as unknown as Manifest;

function decideWith(words: readonly number[], returns?: number) {
  return createWasmEvaluator(moduleWith(words, returns), manifest);
}

/** An error entry of the result region: rule index, error code (2: division_by_zero), node id. */
const error = (rule: number): number[] => [rule, 2, 0];
/** A result region: decision, the deciding rules, then (after the rules' capacity) the errors. */
function region(decision: number, rules: readonly number[], errors: readonly number[][] = []): number[] {
  const padded = [...rules, ...new Array<number>(RULES.length - rules.length).fill(0)];
  return [decision, rules.length, errors.length, ...padded, ...errors.flat()];
}

describe("decoding a module's result", () => {
  it("shares one frozen Decision per rule list, and it is the right one", () => {
    const ev = decideWith([0, 2, 0, 0, 1]);
    const a = ev.decide({});
    const b = ev.decide({});
    expect(a).toEqual({ decision: "deny", rules: ["f0", "f1"], errors: [] });
    expect(b).toBe(a);
    expect(Object.isFrozen(a) && Object.isFrozen(a.rules)).toBe(true);
    expect(decideWith([1, 2, 0, 2, 3]).decide({})).toEqual({ decision: "allow", rules: ["p2", "p3"], errors: [] });
  });

  it("faults, never decides, on a result that names a rule that does not exist or miscounts", () => {
    const bad: [string, number[]][] = [
      // base-5 keys: [0, 5] would read as [1, 0] without the range check
      ["index past the rules", [0, 2, 0, 0, 5]],
      ["negative index", [0, 2, 0, -1, 1]],
      ["single index past the rules", [0, 1, 0, 4]],
      ["rule count past the rules", [0, 5, 0, 0, 1, 2, 3, 0]],
      ["negative error count", [0, 1, -1, 0]],
      ["allow without a rule", [1, 0, 0]],
    ];
    for (const [what, words] of bad) {
      const ev = decideWith(words);
      const d = ev.decide({});
      expect(d.decision, what).toBe("deny");
      expect(d.rules, what).toEqual([]);
      expect(d.errors[0]?.code, what).toBe("internal");
    }
  });

  it("does not let a cached decision answer for a later result with the same key", () => {
    // first call: rules [0, 1] (cached under key 1·5 + 2 = 7); later calls: [1, -4], also 2·5 − 3 = 7
    const b = abiModule();
    const calls = b.global("i32", true, op.i32Const(0));
    const store = (at: number, first: number, later: number) => [
      ...op.i32Const(at), ...op.globalGet(calls), ...op.i32Const(1), op.i32_eq,
      op.if, 0x7f, ...op.i32Const(first), op.else, ...op.i32Const(later), op.end,
      op.i32_store, ...op.mem(2),
    ];
    b.func({
      results: ["i32"],
      export: "writ_evaluate",
      body: [...op.globalGet(calls), ...op.i32Const(1), op.i32_add, 0x24, calls, ...store(RESULT + 12, 0, 1), ...store(RESULT + 16, 1, -4), ...op.i32Const(0)],
    });
    b.data(RESULT, new Uint8Array(new Int32Array([0, 2, 0]).buffer));
    const ev = createWasmEvaluator(new WebAssembly.Module(b.build()), manifest);
    expect(ev.decide({}).rules).toEqual(["f0", "f1"]);
    const second = ev.decide({});
    expect(second.errors[0]?.code).toBe("internal");
    expect(second.rules).toEqual([]);
  });
});

describe("a result the decision procedure cannot give (docs/abi.md) is a deny with an internal error", () => {
  // f0, f1 are forbids (indexes 0, 1), p2, p3 permits (2, 3)
  const faults: [string, number[], RegExp][] = [
    ["an allow whose only error is a forbid's, with no deciding rule", region(1, [], [error(1)]), /allowed without a deciding rule/],
    ["an allow naming a forbid", region(1, [0]), /allowed with forbid `f0` as a deciding rule/],
    ["an allow naming a permit and a forbid", region(1, [1, 2]), /allowed with forbid `f1` as a deciding rule/],
    ["an allow by a permit with a forbid's error", region(1, [2], [error(1)]), /allowed with an error of forbid `f1` \(a forbid that errors denies\)/],
    ["an allow naming one permit twice", region(1, [2, 2]), /rule `p2` twice or out of order/],
    ["an allow naming its permits out of order", region(1, [3, 2]), /rule `p2` twice or out of order/],
    ["an allow by a permit that errored", region(1, [2], [error(2)]), /allowed by permit `p2`, which errored/],
    ["a deny naming a permit", region(0, [2]), /denied with permit `p2` as a deciding rule/],
    ["a deny naming a forbid twice", region(0, [0, 0]), /rule `f0` twice or out of order/],
    ["a deny by forbids with a permit's error", region(0, [0], [error(3)]), /denied by forbids with an error of permit `p3`/],
    ["a deny with a forbid's error, the forbid not deciding", region(0, [], [error(1)]), /error of forbid `f1` that is not among its deciding rules/],
    ["errors of one rule twice", region(0, [0], [error(0), error(0)]), /errors of rule `f0` twice or out of order/],
    ["an error of a rule that does not exist", region(0, [], [error(4)]), /error of a rule that does not exist \(index 4/],
    ["a decision word that is neither 1 nor 0", [2, 1, 0, 2], /holds decision 2, neither 1 \(allow\) nor 0 \(deny\)/],
  ];
  for (const [what, words, message] of faults)
    it(`refuses ${what}`, () => {
      const ev = decideWith(words);
      const d = ev.decide({});
      expect(d).toEqual({ decision: "deny", rules: [], errors: [{ rule: "", code: "internal", message: expect.stringMatching(message), at: -1 }] });
      // the same for evaluate-only: no allow, and lastDecision() says why
      expect(ev.evaluateEncoded(ev.encode({}))).toBe(0);
      expect(ev.lastDecision()).toEqual(d);
    });

  it("still decodes every result the procedure can give", () => {
    const decided: [number[], object][] = [
      [region(1, [2, 3]), { decision: "allow", rules: ["p2", "p3"], errors: [] }],
      [region(1, [3], [error(2)]), { decision: "allow", rules: ["p3"], errors: [{ rule: "p2", code: "division_by_zero" }] }],
      [region(0, [0, 1], [error(1)]), { decision: "deny", rules: ["f0", "f1"], errors: [{ rule: "f1", code: "division_by_zero" }] }],
      [region(0, [], [error(2), error(3)]), { decision: "deny", rules: [], errors: [{ rule: "p2" }, { rule: "p3" }] }],
      [region(0, []), { decision: "deny", rules: [], errors: [] }],
      // an error code outside 1–8 (docs/abi.md) is reported as `internal`: a permit that errs, not one that holds
      [region(0, [], [[2, 0, 0], [3, 9, 0]]), { decision: "deny", rules: [], errors: [{ rule: "p2", code: "internal" }, { rule: "p3", code: "internal" }] }],
      [region(1, [3], [[2, -1, 0]]), { decision: "allow", rules: ["p3"], errors: [{ rule: "p2", code: "internal" }] }],
    ];
    for (const [words, decision] of decided) {
      const ev = decideWith(words);
      expect(ev.decide({}), JSON.stringify(words)).toMatchObject(decision);
      expect(ev.evaluateEncoded(ev.encode({})), JSON.stringify(words)).toBe(words[0]);
    }
  });
});

describe("the verdict is the result region's, validated: evaluateEncoded returns what lastDecision() says", () => {
  it("denies when writ_evaluate returns 1 and the result region says deny, or the other way round", () => {
    for (const [words, returns, message] of [
      [region(0, []), 1, /returned 1 but its result region holds decision 0 \(deny\)/],
      [region(0, [0]), 1, /returned 1 but its result region holds decision 0 \(deny\)/],
      [region(1, [2]), 0, /returned 0 but its result region holds decision 1 \(allow\)/],
      [region(1, [2]), 7, /returned 7 but its result region holds decision 1 \(allow\)/],
    ] as const) {
      const ev = decideWith(words, returns);
      const fault = { decision: "deny", rules: [], errors: [{ rule: "", code: "internal", message: expect.stringMatching(message), at: -1 }] };
      expect(ev.decide({})).toEqual(fault);
      expect(ev.evaluateEncoded(ev.encode({}))).toBe(0);
      expect(ev.lastDecision()).toEqual(fault);
    }
  });

  it("is 1 exactly when lastDecision() is an allow", () => {
    for (const words of [region(1, [2]), region(1, [2, 3]), region(1, [0]), region(1, []), region(1, [2], [error(1)]), region(0, [0]), [2, 1, 0, 2]]) {
      const ev = decideWith(words);
      const verdict = ev.evaluateEncoded(ev.encode({}));
      expect(verdict, JSON.stringify(words)).toBe(ev.lastDecision().decision === "allow" ? 1 : 0);
      expect(ev.lastDecision(), JSON.stringify(words)).toEqual(ev.decide({}));
    }
  });
});
