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

/** A module whose result region holds `words` (and whose `writ_evaluate` returns the first). */
function moduleWith(words: readonly number[]): WebAssembly.Module {
  const b = abiModule();
  b.func({ results: ["i32"], body: op.i32Const(words[0] ?? 0), export: "writ_evaluate" });
  b.data(RESULT, new Uint8Array(new Int32Array(words).buffer));
  return new WebAssembly.Module(b.build());
}

const manifest: Manifest = {
  format: MANIFEST_FORMAT,
  name: "decode",
  version: "1",
  compiler: { name: "writ", version: "test" },
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

function decideWith(words: readonly number[]) {
  return createWasmEvaluator(moduleWith(words), manifest);
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
    // first call: rules [1, 0] (cached under key 2·5 + 1 = 11); later calls: [0, 5], also 1·5 + 6 = 11
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
      body: [...op.globalGet(calls), ...op.i32Const(1), op.i32_add, 0x24, calls, ...store(RESULT + 12, 1, 0), ...store(RESULT + 16, 0, 5), ...op.i32Const(0)],
    });
    b.data(RESULT, new Uint8Array(new Int32Array([0, 2, 0]).buffer));
    const ev = createWasmEvaluator(new WebAssembly.Module(b.build()), manifest);
    expect(ev.decide({}).rules).toEqual(["f1", "f0"]);
    const second = ev.decide({});
    expect(second.errors[0]?.code).toBe("internal");
    expect(second.rules).toEqual([]);
  });
});
