// The agent-governance rules as condition strings, for the engines that take rules as text: CEL
// (`@marcbachmann/cel-js`) and casbin (its eval() matcher language). Same rules, same order as
// bench/policies/agent-governance.writ; only the spelling differs (casbin has no `in` on lists, so
// role membership goes through a registered `hasRole` function).

import { largePermitPairs } from "../policies/large-permits.js";
import type { PolicySize } from "./types.js";

export interface TextRule {
  readonly name: string;
  readonly effect: "permit" | "forbid";
  readonly condition: string;
}

export const CEL_RULES: readonly TextRule[] = [
  { name: "cross_tenant", effect: "forbid", condition: "principal.tenant != resource.owner" },
  { name: "high_risk", effect: "forbid", condition: "context.riskScore >= 80" },
  {
    name: "shell_guard",
    effect: "forbid",
    condition: 'action.name == "shell.exec" && !("operator" in principal.roles && context.riskScore < 30)',
  },
  {
    name: "large_transfer",
    effect: "forbid",
    condition:
      'action.name == "payments.transfer" && context.amount > 1000000 && !(context.approvals >= 2 && "treasurer" in principal.roles)',
  },
  {
    name: "off_hours",
    effect: "forbid",
    condition: '(context.hour < 6 || context.hour >= 22) && !("oncall" in principal.roles)',
  },
  { name: "secrets", effect: "forbid", condition: 'resource.type == "secret" && !("secrets-admin" in principal.roles)' },
  { name: "db_query", effect: "permit", condition: 'action.name == "db.query" && principal.clearance >= resource.sensitivity' },
  { name: "shell_operator", effect: "permit", condition: 'action.name == "shell.exec" && "operator" in principal.roles' },
  {
    name: "payments",
    effect: "permit",
    condition:
      'action.name == "payments.transfer" && principal.roles.exists(r, r == "treasurer" || r == "payments-agent")',
  },
  { name: "docs_read", effect: "permit", condition: 'action.name == "docs.read" && resource.sensitivity <= 2' },
  { name: "admin", effect: "permit", condition: '"admin" in principal.roles' },
  {
    name: "http_fetch",
    effect: "permit",
    condition: 'action.name == "http.fetch" && action.tool == "curl" && resource.type == "url" && context.riskScore < 50',
  },
];

export function celRules(size: PolicySize): TextRule[] {
  const rules = [...CEL_RULES];
  if (size === "large") {
    for (const p of largePermitPairs().permits) {
      rules.push({ name: p.name, effect: "permit", condition: `action.tool == "${p.tool}" && "${p.role}" in principal.roles` });
    }
  }
  return rules;
}

/**
 * casbin request tokens: r.sub (principal), r.act (action), r.obj (resource), r.ctx (context).
 * Derived from the CEL text by renaming, so the two cannot disagree on a rule's logic.
 */
export function casbinRules(size: PolicySize): TextRule[] {
  return celRules(size).map((rule) => ({ ...rule, condition: toCasbin(rule.condition) }));
}

function toCasbin(cel: string): string {
  return cel
    .replace(/principal\.roles\.exists\(r, r == ("[^"]+") \|\| r == ("[^"]+")\)/g, "(hasRole(r.sub.roles, $1) || hasRole(r.sub.roles, $2))")
    .replace(/("[^"]+") in principal\.roles/g, "hasRole(r.sub.roles, $1)")
    .replace(/\bprincipal\./g, "r.sub.")
    .replace(/\baction\./g, "r.act.")
    .replace(/\bresource\./g, "r.obj.")
    .replace(/\bcontext\./g, "r.ctx.");
}
