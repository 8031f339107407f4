// The floor: the agent-governance policy written by hand as JS if/else, the way a team without a
// policy engine would write it. For the large variant it looks the tool up in a Map of role sets
// (what a careful hand-written version would do), so it shows the cost of the request itself.
// Until Writ's interpreter exists this is also the reference every engine must agree with.

import type { BenchRequest } from "../request.js";
import { largePermitPairs } from "../policies/large-permits.js";
import type { Engine, PolicySize } from "./types.js";

function hasRole(roles: readonly string[], role: string): boolean {
  for (let i = 0; i < roles.length; i++) if (roles[i] === role) return true;
  return false;
}

/**
 * Allow iff no forbid holds and some permit holds. `byTool` adds the large policy's permits
 * (tool → roles), or null for the 12-rule policy.
 */
export function decideAgentGovernance(
  r: BenchRequest,
  byTool: ReadonlyMap<string, ReadonlySet<string>> | null,
): boolean {
  const p = r.principal;
  const a = r.action;
  const res = r.resource;
  const c = r.context;
  const roles = p.roles;
  // forbids
  if (p.tenant !== res.owner) return false;
  if (c.riskScore >= 80) return false;
  if (a.name === "shell.exec" && !(hasRole(roles, "operator") && c.riskScore < 30)) return false;
  if (a.name === "payments.transfer" && c.amount > 1_000_000 && !(c.approvals >= 2 && hasRole(roles, "treasurer"))) {
    return false;
  }
  if ((c.hour < 6 || c.hour >= 22) && !hasRole(roles, "oncall")) return false;
  if (res.type === "secret" && !hasRole(roles, "secrets-admin")) return false;
  // permits
  switch (a.name) {
    case "db.query":
      if (p.clearance >= res.sensitivity) return true;
      break;
    case "shell.exec":
      if (hasRole(roles, "operator")) return true;
      break;
    case "payments.transfer":
      if (hasRole(roles, "treasurer") || hasRole(roles, "payments-agent")) return true;
      break;
    case "docs.read":
      if (res.sensitivity <= 2) return true;
      break;
    case "http.fetch":
      if (a.tool === "curl" && res.type === "url" && c.riskScore < 50) return true;
      break;
  }
  if (hasRole(roles, "admin")) return true;
  if (byTool !== null) {
    const permitted = byTool.get(a.tool);
    if (permitted !== undefined) for (let i = 0; i < roles.length; i++) if (permitted.has(roles[i]!)) return true;
  }
  return false;
}

export function createJsIfElseEngine(): Engine {
  let byTool: ReadonlyMap<string, ReadonlySet<string>> | null = null;
  return {
    name: "js-ifelse",
    label: "hand-written JS if/else",
    usesWasm: false,
    async prepare(size: PolicySize) {
      byTool = size === "large" ? largePermitPairs().byTool : null;
    },
    decide: (request) => decideAgentGovernance(request, byTool),
  };
}
