// Results in declaration order at a cost the bound counts. The module runs indexed rules before the
// others, so a policy whose plain rules are declared first has every indexed result come before
// results of earlier rules. Putting them in order must cost about k log k for k results, whatever the
// order of declaration, and the cost bound must count that work: the work a decision does, counted
// (function entries and loop iterations, test/support/wasm-count.ts), stays within the bound.

import { describe, expect, it } from "vitest";
import { compilePolicy, createInterpreter, type CompileResult } from "../../compiler/index.js";
import { orderingCost } from "../../compiler/ir/cost.js";
import { loadPolicy } from "../../runtime/index.js";
import type { Decision } from "../../runtime/decision.js";
import { countingWork, WORK_EXPORT } from "../support/wasm-count.js";

interface Counted {
  readonly work: number;
  readonly rules: number[];
  readonly errors: [rule: number, code: number, node: number][];
}

interface CountingExports {
  readonly memory: WebAssembly.Memory;
  readonly [WORK_EXPORT]: WebAssembly.Global;
  writ_input_ptr(): number;
  writ_result_ptr(): number;
  writ_evaluate(): number;
}

/** Decides `request` with a counting copy of the policy's module: the work of writ_evaluate alone, and its result region. */
function countedDecision(r: CompileResult, request: unknown): Counted {
  const bundle = r.bundle!;
  const encoded = loadPolicy(bundle, { allowUnsigned: true }).evaluator.encode(request);
  const x = new WebAssembly.Instance(new WebAssembly.Module(countingWork(bundle.module)), {}).exports as unknown as CountingExports;
  new Uint8Array(x.memory.buffer).set(encoded.bytes, x.writ_input_ptr());
  const at = x.writ_result_ptr() >> 2;
  const before = x[WORK_EXPORT].value as number;
  x.writ_evaluate();
  const work = (x[WORK_EXPORT].value as number) - before;
  const i32 = new Int32Array(x.memory.buffer);
  const [nRules, nErrors] = [i32[at + 1]!, i32[at + 2]!];
  const errorsAt = at + 3 + bundle.manifest.rules.length;
  return {
    work,
    rules: [...i32.subarray(at + 3, at + 3 + nRules)],
    errors: Array.from({ length: nErrors }, (_, j) => [i32[errorsAt + 3 * j]!, i32[errorsAt + 3 * j + 1]!, i32[errorsAt + 3 * j + 2]!]),
  };
}

const ascending = (xs: readonly number[]): boolean => xs.every((x, i) => i === 0 || xs[i - 1]! < x);

async function compiled(lines: string[]): Promise<CompileResult> {
  const r = await compilePolicy(lines.join("\n") + "\n");
  if (!r.bundle) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  return r;
}

/** The same decision from the loaded module and the interpreter, and its rule names and error rules. */
function decided(r: CompileResult, request: unknown): Decision {
  const d = loadPolicy(r.bundle!, { allowUnsigned: true }).decide(request);
  expect(JSON.parse(JSON.stringify(d))).toEqual(JSON.parse(JSON.stringify(createInterpreter(r.ir!, r.bundle!.manifest.errorSites).decide(request))));
  return d;
}

describe("results are put in declaration order at a cost the bound counts", () => {
  const N = 400;

  it(`${N} plain permits and ${N} indexed ones, declared in either order`, async () => {
    const plain = Array.from({ length: N }, (_, i) => `permit p${i}`);
    const indexed = Array.from({ length: N }, (_, i) => `permit q${i} when action.name == "x"`);
    const head = [`policy "order" version "1.0.0"`, `input { action: { name: string(16) } }`];
    const plainFirst = await compiled([...head, ...plain, ...indexed]);
    const indexedFirst = await compiled([...head, ...indexed, ...plain]);
    const request = { action: { name: "x" } };
    const work: number[] = [];
    for (const r of [plainFirst, indexedFirst]) {
      const counted = countedDecision(r, request);
      expect(counted.rules).toHaveLength(2 * N);
      expect(ascending(counted.rules)).toBe(true);
      expect(decided(r, request).rules).toHaveLength(2 * N);
      expect(counted.work).toBeLessThanOrEqual(r.costBound!);
      work.push(counted.work);
    }
    // the results of the indexed-first policy come in order; the other's are sorted, once
    expect(work[0]! - work[1]!).toBeGreaterThan(0);
    expect(work[0]! - work[1]!).toBeLessThanOrEqual(orderingCost(plainFirst.ir!));
  });

  for (const n of [3, N]) {
    it(`${n} erroring plain forbids before ${n} erroring indexed ones: rules and errors`, async () => {
      const lines = [`policy "errors" version "1.0.0"`, `input { action: { name: string(16), n: int, z: int } }`];
      for (let i = 0; i < n; i++) lines.push(`forbid p${i} when action.n / action.z == 1`);
      for (let i = 0; i < n; i++) lines.push(`forbid q${i} when action.name == "x" && action.n / action.z == 1`);
      const r = await compiled(lines);
      const request = { action: { name: "x", n: 1, z: 0 } };
      const counted = countedDecision(r, request);
      expect(counted.rules).toHaveLength(2 * n);
      expect(ascending(counted.rules)).toBe(true);
      expect(counted.errors.map((e) => e[0])).toEqual(counted.rules);
      // each error keeps its code and node through the sort: division by zero, at its own rule's node
      expect(new Set(counted.errors.map((e) => e[1]))).toEqual(new Set([2]));
      expect(new Set(counted.errors.map((e) => e[2])).size).toBe(2 * n);
      const d = decided(r, request);
      expect(d.decision).toBe("deny");
      expect(d.errors.map((e) => e.rule)).toEqual(d.rules);
      expect(counted.work).toBeLessThanOrEqual(r.costBound!);
    });

    it(`${n} plain permits and ${n} indexed ones that error, declared before as many that hold`, async () => {
      const lines = [`policy "errors" version "1.0.0"`, `input { action: { name: string(16), n: int, z: int } }`];
      for (let i = 0; i < n; i++) lines.push(`permit p${i} when action.n / action.z == 1`, `permit h${i} when action.n == 1`);
      for (let i = 0; i < n; i++) lines.push(`permit q${i} when action.name == "x" && action.n / action.z == 1`, `permit g${i} when action.name == "x" && action.n == 1`);
      const r = await compiled(lines);
      const request = { action: { name: "x", n: 1, z: 0 } };
      const counted = countedDecision(r, request);
      expect(counted.rules).toHaveLength(2 * n);
      expect(counted.errors).toHaveLength(2 * n);
      expect(ascending(counted.rules)).toBe(true);
      expect(ascending(counted.errors.map((e) => e[0]))).toBe(true);
      const d = decided(r, request);
      expect(d.decision).toBe("allow");
      expect(d.rules.every((name) => /^[hg]/.test(name))).toBe(true);
      expect(d.errors.every((e) => /^[pq]/.test(e.rule ?? ""))).toBe(true);
      expect(counted.work).toBeLessThanOrEqual(r.costBound!);
    });
  }
});
