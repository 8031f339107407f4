// CEL peer: `@marcbachmann/cel-js` 8, one expression parsed once per rule (outside the timed region),
// evaluated against the request object itself as the activation. Forbids first, then permits until
// one holds. Ints arrive as JS numbers, which cel-js compares with int literals as CEL numbers.

import { parse } from "@marcbachmann/cel-js";
import type { BenchRequest } from "../request.js";
import { celRules, type TextRule } from "./policy-text.js";
import type { Engine, PolicySize } from "./types.js";

type Compiled = (activation: Record<string, unknown>) => unknown;

/** `rules` gives the rule texts for a size (the policy's own by default; the tests change one). */
export function createCelEngine(rules: (size: PolicySize) => readonly TextRule[] = celRules): Engine {
  let forbids: Compiled[] = [];
  let permits: Compiled[] = [];
  return {
    name: "cel-js",
    label: "CEL (@marcbachmann/cel-js 8.0.0)",
    usesWasm: false,
    async prepare(size: PolicySize) {
      const texts = rules(size);
      forbids = texts.filter((r) => r.effect === "forbid").map((r) => parse(r.condition) as Compiled);
      permits = texts.filter((r) => r.effect === "permit").map((r) => parse(r.condition) as Compiled);
    },
    decide(request: BenchRequest) {
      const activation = request as unknown as Record<string, unknown>;
      // an erroring forbid denies, like Writ (cel-js reports errors by throwing)
      for (let i = 0; i < forbids.length; i++) {
        try {
          if (forbids[i]!(activation) !== false) return false;
        } catch {
          return false;
        }
      }
      for (let i = 0; i < permits.length; i++) {
        try {
          if (permits[i]!(activation) === true) return true;
        } catch {
          // an erroring permit does not hold
        }
      }
      return false;
    },
  };
}
