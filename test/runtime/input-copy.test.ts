// Kept encodings go back into the input region through a generated straight-line copy
// (runtime/wasm/input-copy.ts) when the region is small, through `set` otherwise. These tests check
// the copy word for word, and that evaluating kept encodings in any order gives each request's own
// decision on both paths, with and without the generated code.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { loadPolicy } from "../../runtime/policy.js";
import { createWasmEvaluator } from "../../runtime/wasm/evaluator.js";
import { generateInputCopy, MAX_STRAIGHT_COPY_WORDS } from "../../runtime/wasm/input-copy.js";
import type { InputLayout } from "../../runtime/wasm/layout.js";
import { generateMix } from "../../bench/mix.js";
import { Draw, drawRequest } from "../support/arbitraries/index.js";

describe("generated input copy", () => {
  it("writes exactly the region's words and nothing around them", () => {
    const memory = new Int32Array(64).fill(-7);
    const copy = generateInputCopy(40, 5)!(memory);
    copy(Int32Array.of(1, -2, 3, 2 ** 31 - 1, -(2 ** 31)));
    expect(Array.from(memory.subarray(8, 17))).toEqual([-7, -7, 1, -2, 3, 2 ** 31 - 1, -(2 ** 31), -7, -7]);
  });

  it("is not generated for regions it would not pay for, nor for addresses it cannot trust", () => {
    expect(generateInputCopy(16, MAX_STRAIGHT_COPY_WORDS)).toBeDefined();
    expect(generateInputCopy(16, MAX_STRAIGHT_COPY_WORDS + 1)).toBeUndefined();
    expect(generateInputCopy(18, 4)).toBeUndefined(); // not 4-aligned
    expect(generateInputCopy(-4, 4)).toBeUndefined();
    expect(generateInputCopy(2 ** 60, 4)).toBeUndefined();
    expect(generateInputCopy(16, 0)).toBeUndefined();
    expect(generateInputCopy(16, 1.5)).toBeUndefined();
  });
});

const inputWords = (bundle: { manifest: { layout: unknown } }): number => Math.ceil((bundle.manifest.layout as InputLayout).inputSize / 4);

async function compileFile(path: string) {
  const result = await compilePolicy(readFileSync(path, "utf8"), { fileName: path });
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return result.bundle!;
}

/** Encodes every request, then evaluates the kept encodings in a shuffled order, twice. */
function checkKeptEncodings(bundle: Awaited<ReturnType<typeof compileFile>>, requests: readonly unknown[]): void {
  const policy = loadPolicy(bundle, { allowUnsigned: true });
  const want = requests.map((r) => (policy.decide(r).decision === "allow" ? 1 : 0));
  expect(new Set(want).size).toBe(2); // both verdicts occur, so a copy that mixed requests up would show
  for (const portable of [false, true]) {
    const evaluator = createWasmEvaluator(new WebAssembly.Module(bundle.module as Uint8Array<ArrayBuffer>), bundle.manifest, { portable });
    const kept = requests.map((r) => evaluator.encode(r));
    const d = Draw.seeded(portable ? 2 : 1);
    const order = requests.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = d.int(0, i);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const i of [...order, ...order]) expect([i, evaluator.evaluateEncoded(kept[i])]).toEqual([i, want[i]]);
    // what the encoder wrote, without padding: the bytes alone evaluate the same
    for (const i of order.slice(0, 50)) expect(evaluator.evaluateEncoded({ bytes: kept[i]!.bytes.slice() })).toBe(want[i]);
  }
}

describe("evaluating kept encodings", () => {
  it("decides each request of the benchmark mix as decide does (small region: generated copy)", async () => {
    const bundle = await compileFile("bench/policies/agent-governance.writ");
    expect(inputWords(bundle)).toBeLessThanOrEqual(MAX_STRAIGHT_COPY_WORDS);
    checkKeptEncodings(bundle, generateMix().slice(0, 400));
  });

  it("decides random requests of a policy with maps and long strings as decide does (large region: set)", async () => {
    const bundle = await compileFile("policies/agent-tools.writ");
    expect(inputWords(bundle)).toBeGreaterThan(MAX_STRAIGHT_COPY_WORDS);
    const d = Draw.seeded(7);
    const requests = Array.from({ length: 300 }, () => drawRequest(d, bundle.manifest.schema));
    // and requests the policy allows (random ones rarely are): read-only shell calls, argv of every length
    const allowed = Array.from({ length: 40 }, (_, i) => ({
      agent: { id: `agent-${i}`, tenant: "acme", roles: ["operator"], trust: 2 },
      call: { tool: "shell", args: { program: "ls", argv: "-l ".repeat(i) } },
      session: { tenant: "acme", risk: 10 },
    }));
    checkKeptEncodings(bundle, [...requests, ...allowed]);
  });
});
