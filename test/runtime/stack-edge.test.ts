// Loading a policy and its evaluator, called near the end of the host's stack: each gives the kind
// of failure it documents, saying the stack ran out, and never lets the RangeError out from inside
// (test/support/stack-edge.ts sweeps a call up from the edge).

import { beforeAll, describe, expect, it } from "vitest";
import { PolicyLoadError, loadPolicy, loadPolicyForReplay, tryLoadPolicy, tryLoadPolicyForReplay } from "../../runtime/policy.js";
import type { Bundle } from "../../runtime/manifest.js";
import type { Decision } from "../../runtime/decision.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { signBundle } from "../../runtime/trust/bundle.js";
import { compiledBundle } from "../support/compiled-bundle.js";
import { sweepResults, thrownFromInside } from "../support/stack-edge.js";

const RAN_OUT = /the host's stack ran out/;
const authority = generateKeyPair();
let bundle: Bundle;

beforeAll(async () => {
  bundle = signBundle(await compiledBundle(), authority);
});

describe("at the edge of the host's stack", () => {
  const loads = [
    { tryLoad: tryLoadPolicy, load: loadPolicy, names: "tryLoadPolicy refuses, saying the stack ran out, and loadPolicy" },
    { tryLoad: tryLoadPolicyForReplay, load: loadPolicyForReplay, names: "tryLoadPolicyForReplay refuses, saying the stack ran out, and loadPolicyForReplay" },
  ];
  for (const { tryLoad, load, names } of loads) {
    it(`${names} throws only a PolicyLoadError`, () => {
      const options = { trustedKeys: [authority.publicKey] };
      const tried = sweepResults(() => tryLoad(bundle, options), (r) => r.ok);
      expect(tried.began).toBeGreaterThan(0);
      expect(tried.thrownInside).toEqual([]);
      const refused = tried.results.filter((r) => !r.ok);
      expect(refused.length).toBeGreaterThan(0); // the edge was reached
      for (const r of refused) expect(r.ok === false && r.error.message).toMatch(RAN_OUT);
      expect(tryLoad(bundle, options).ok).toBe(true);

      // what it throws where it began is a PolicyLoadError
      // (the error itself given back, as caught: an object made in the handler would run out there)
      const loaded = sweepResults(
        (): unknown => {
          try {
            return load(bundle, options);
          } catch (e) {
            return e;
          }
        },
        (r) => !(r instanceof Error),
      );
      expect(loaded.thrownInside).toEqual([]);
      // a RangeError from the call into the load, which could not begin, is no throw of its own
      const thrown = loaded.results.filter((r) => r instanceof PolicyLoadError || thrownFromInside(r));
      expect(thrown.length).toBeGreaterThan(0); // the edge was reached
      for (const e of thrown) {
        expect(e, String((e as Error).stack)).toBeInstanceOf(PolicyLoadError);
        expect((e as Error).message).toMatch(RAN_OUT);
      }
      expect(load(bundle, options).name).toBe("payments");
    });
  }

  it("the evaluator's encode, evaluate and decide deny, saying the stack ran out, and decide again afterwards", () => {
    const { evaluator } = loadPolicy(bundle, { trustedKeys: [authority.publicKey] });
    const request = { principal: { role: "admin" }, amount: 5 };
    const calls = {
      encode: () => {
        const encoded = evaluator.encode(request);
        return (encoded as { refusal?: Decision }).refusal ?? { decision: "allow", rules: [], errors: [] };
      },
      evaluate: () => evaluator.evaluate(request),
      decide: () => evaluator.decide(request),
    };
    for (const [name, call] of Object.entries(calls)) {
      const { began, thrownInside, results } = sweepResults(call, (d) => d.decision === "allow");
      expect(began, name).toBeGreaterThan(0);
      expect(thrownInside, name).toEqual([]);
      const denied = results.filter((d) => d.decision !== "allow");
      expect(denied.length, name).toBeGreaterThan(0); // the edge was reached
      for (const d of denied) expect(d.errors[0]?.message, name).toMatch(RAN_OUT);
      // with stack to spare, the next calls decide
      expect(evaluator.evaluate(request).decision, name).toBe("allow");
      expect(evaluator.evaluateEncoded(evaluator.encode(request)), name).toBe(1);
      expect(evaluator.decide({ principal: { role: "admin" }, amount: 5000 }), name).toMatchObject({ decision: "deny", rules: ["too_much"] });
    }
  });
});

