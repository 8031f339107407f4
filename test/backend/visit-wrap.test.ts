// The visited words of rule indexes on list elements (assembly/writ.ts, `nextVisit`/`firstVisit`) hold
// the number of the last decision that ran each case; the counter is an i32 that wraps after 2^32
// decisions, which a busy decision point reaches in hours. At the wrap the counter would come back to 0
// — the value of every word no decision has written yet — and every such case would read as already
// run. The module clears the words there instead. Reaching the wrap takes 4 billion decisions; so the
// compiled module (as `writ compile` builds it) is started a few decisions before it, by rewriting the
// initial value of its one global, and must decide as the interpreter across the wrap.

import { beforeAll, describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { createInterpreter } from "../../compiler/ir/interp.js";
import type { Decision } from "../../runtime/decision.js";
import { readModule } from "../../runtime/wasm/reader.js";
import { createWasmEvaluator, type WasmEvaluator } from "../../runtime/wasm/evaluator.js";
import { plain } from "./support.js";
import { rng } from "./agent-policy.js";

const ROLES = 40;

const text = [
  `policy "wrap" version "1.0.0"`,
  `input { principal: { roles: list<string>(8) }, context: { level: int } }`,
  ...Array.from({ length: ROLES }, (_, k) => `permit role_${k} when "role-${k}" in principal.roles && context.level >= ${k % 3}`),
  ``,
].join("\n");

/** The module with its counter global starting at `start` instead of 0 (a one-byte signed LEB128). */
function startingAt(wasm: Uint8Array, start: number): Uint8Array {
  const read = readModule(wasm);
  if (!read.ok) throw new Error(read.reason);
  // the policy uses no scratch memory and raises no error, so the visit counter is the only global
  expect(read.module.globals).toHaveLength(1);
  const [global] = read.module.globals;
  expect(global!.type).toEqual({ type: "i32", mutable: true });
  const init = global!.init[0]!;
  expect(init.name).toBe("i32.const");
  expect([wasm[init.offset], wasm[init.offset + 1], wasm[init.offset + 2]]).toEqual([0x41, 0x00, 0x0b]); // i32.const 0; end
  expect(start).toBeGreaterThanOrEqual(-64);
  expect(start).toBeLessThan(0);
  const patched = wasm.slice();
  patched[init.offset + 1] = start & 0x7f;
  return patched;
}

describe("the visit counter of list-element indexes across its wrap", () => {
  let evaluator: (start: number) => WasmEvaluator;
  let reference: (request: unknown) => Decision;
  beforeAll(async () => {
    const compiled = await compilePolicy(text, { fileName: "wrap.writ" });
    if (!compiled.bundle || !compiled.ir || !compiled.checked) throw new Error(compiled.diagnostics.map((d) => d.message).join("\n"));
    const { module, manifest } = compiled.bundle;
    evaluator = (start) => createWasmEvaluator(new WebAssembly.Module(startingAt(module, start) as Uint8Array<ArrayBuffer>), manifest);
    const interp = createInterpreter(compiled.ir, compiled.checked.errorSites);
    reference = (request) => interp.decide(request);
  }, 120_000);

  it("decides as the interpreter before, at and after the wrap", () => {
    const r = rng(11);
    // each decision names roles the ones before it mostly did not: a case no decision has run since
    // the words were cleared (word 0) must run
    const requests = Array.from({ length: 60 }, (_, i) => ({
      principal: { roles: [`role-${i % ROLES}`, ...Array.from({ length: Math.floor(r() * 4) }, () => `role-${Math.floor(r() * ROLES)}`), `role-${i % ROLES}`] },
      context: { level: Math.floor(r() * 3) },
    }));
    // the counter goes -3, -2, -1 (0xFFFFFFFF), then wraps on the fourth decision
    const module = evaluator(-4);
    let allowed = 0;
    for (const request of requests) {
      const decided = plain(module.decide(request)) as { decision: string };
      expect(decided).toEqual(plain(reference(request)));
      if (decided.decision === "allow") allowed++;
    }
    expect(allowed).toBeGreaterThan(40);
  });

  it("runs a case once per decision however often the list repeats it, on the decision that wraps", () => {
    const request = { principal: { roles: ["role-2", "role-2", "role-5", "role-2"] }, context: { level: 2 } };
    const module = evaluator(-1); // the first decision wraps
    for (let i = 0; i < 3; i++) expect(module.decide(request).rules).toEqual(["role_2", "role_5"]);
  });
});
