// The hand-written JS that checks the request as Writ does (bench/engines/js-validated.ts) is a fair
// comparison only if it refuses what Writ refuses and decides the rest as the if/else does. Writ's
// reference interpreter, which checks every request against the policy's schema before deciding,
// is the referee: on requests of the mix, each changed in one way a host could get wrong.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compilePolicy, createInterpreter } from "../../compiler/index.js";
import { createJsValidatedEngine } from "../../bench/engines/js-validated.js";
import { generateMix } from "../../bench/mix.js";
import { policiesDir } from "../../bench/paths.js";
import { POLICY_FILES } from "../../bench/writ-build.js";
import type { BenchRequest } from "../../bench/request.js";
import type { PolicySize } from "../../bench/engines/types.js";
import type { Decision } from "../../runtime/decision.js";

type Loose = Record<string, Record<string, unknown>>;

/** Ways to change a request of the mix, each into one the schema refuses or (marked) still accepts. */
const CHANGES: readonly [string, (r: Loose) => unknown][] = [
  ["an unknown field in the request", (r) => ({ ...r, extra: 1 })],
  ["an unknown field in each record", (r) => ((r.action!.extra = 1), r)],
  ["an unknown field first", (r) => ({ ...r, context: { extra: 1, ...r.context } })],
  ["a field missing", (r) => (delete r.resource!.owner, r)],
  ["a field present but undefined", (r) => ((r.resource!.owner = undefined), r)],
  ["a field made non-enumerable", (r) => Object.defineProperty(r.action!, "tool", { value: "curl", enumerable: false })],
  ["a float", (r) => ((r.context!.amount = 1.5), r)],
  ["an unsafe integer", (r) => ((r.context!.hour = 2 ** 53), r)],
  ["a numeric string for an int", (r) => ((r.context!.hour = "3"), r)],
  ["a boolean for a string", (r) => ((r.action!.tool = true), r)],
  ["a string of 257 bytes", (r) => ((r.principal!.id = "x".repeat(257)), r)],
  ["a string of 256 bytes (accepted)", (r) => ((r.principal!.id = "x".repeat(256)), r)],
  ["a string of 86 three-byte characters, 258 bytes", (r) => ((r.resource!.id = "€".repeat(86)), r)],
  ["a string of 85 three-byte characters, 255 bytes (accepted)", (r) => ((r.resource!.id = "€".repeat(85)), r)],
  ["a lone surrogate", (r) => ((r.principal!.tenant = "acme\ud800"), r)],
  ["seventeen roles", (r) => ((r.principal!.roles = Array.from({ length: 17 }, () => "admin")), r)],
  ["sixteen roles (accepted)", (r) => ((r.principal!.roles = Array.from({ length: 16 }, () => "admin")), r)],
  ["a hole among the roles", (r) => ((r.principal!.roles = [, "admin"] as unknown as string[]), r)],
  ["a role that is a number", (r) => ((r.principal!.roles = [1]), r)],
  ["a record that is an array", (r) => ((r.context = [] as unknown as Record<string, unknown>), r)],
  ["a record that is a class instance", (r) => ((r.action = Object.assign(new (class Action {})(), r.action)), r)],
  ["a record without a prototype (accepted)", (r) => ((r.action = Object.assign(Object.create(null) as Record<string, unknown>, r.action)), r)],
  ["null for a record", (r) => ((r.resource = null as unknown as Record<string, unknown>), r)],
  ["the request an array", () => []],
];

describe("js-validated", () => {
  const referees: Partial<Record<PolicySize, (r: unknown) => Decision>> = {};

  beforeAll(async () => {
    for (const size of ["small", "large"] as const) {
      const fileName = POLICY_FILES[size];
      const result = await compilePolicy(readFileSync(join(policiesDir(), fileName), "utf8"), { fileName, optimize: false });
      if (result.ir === undefined || result.checked === undefined) throw new Error(`${fileName} did not compile`);
      const interpreter = createInterpreter(result.ir, result.checked.errorSites);
      referees[size] = (r) => interpreter.decide(r);
    }
  }, 120_000);

  it.each(["small", "large"] as const)("refuses what Writ's interpreter refuses, and decides the rest as it does (%s policy)", async (size) => {
    const engine = createJsValidatedEngine();
    await engine.prepare(size);
    const referee = referees[size]!;
    const mix = generateMix(11, 200);
    let refused = 0;
    for (const [what, change] of CHANGES) {
      for (let i = 0; i < mix.length; i++) {
        const changed = change(structuredClone(mix[i]!) as unknown as Loose);
        const expected = referee(changed);
        if (expected.errors.some((e) => e.code === "invalid_request")) refused++;
        expect(engine.decide(changed as BenchRequest, i), `${what}, request ${i}`).toBe(expected.decision === "allow");
      }
      // the accepted changes are accepted: some of each is an allow, as for the requests unchanged
      if (what.endsWith("(accepted)")) expect(mix.some((r) => engine.decide(change(structuredClone(r) as unknown as Loose) as BenchRequest, 0)), what).toBe(true);
    }
    // every change but the accepted ones is refused by the referee on every request
    expect(refused).toBe((CHANGES.length - CHANGES.filter(([w]) => w.endsWith("(accepted)")).length) * mix.length);
  });
});
