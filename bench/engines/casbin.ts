// casbin peer: casbin 5.51.1 with an ABAC model whose matcher is `eval(p.rule)`; each policy line is
// (rule text, allow|deny), loaded in memory. Effect: allow iff some allow line matches and no deny
// line does (casbin's deny-override effect), which is the agent-governance semantics.

import { newEnforcer, newModelFromString, type Enforcer } from "casbin";
import type { BenchRequest } from "../request.js";
import { casbinRules, type TextRule } from "./policy-text.js";
import type { Engine, PolicySize } from "./types.js";

const MODEL = `
[request_definition]
r = sub, act, obj, ctx

[policy_definition]
p = rule, eft

[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))

[matchers]
m = eval(p.rule)
`;

function hasRole(roles: readonly string[], role: string): boolean {
  return roles.includes(role);
}

/** `rules` gives the rule texts for a size (the policy's own by default; the tests change one). */
export function createCasbinEngine(rules: (size: PolicySize) => readonly TextRule[] = casbinRules): Engine {
  let enforcer: Enforcer | undefined;
  return {
    name: "casbin",
    label: "casbin 5.51.1 (ABAC, eval() matchers)",
    usesWasm: false,
    async prepare(size: PolicySize) {
      const e = await newEnforcer(newModelFromString(MODEL));
      await e.addFunction("hasRole", hasRole as (...args: unknown[]) => boolean);
      // effect order does not matter to casbin's deny-override; keep declaration order anyway
      await e.addPolicies(rules(size).map((r) => [r.condition, r.effect === "permit" ? "allow" : "deny"]));
      enforcer = e;
    },
    decide(request: BenchRequest) {
      if (enforcer === undefined) throw new Error("casbin engine used before prepare()");
      return enforcer.enforceSync(request.principal, request.action, request.resource, request.context);
    },
  };
}
