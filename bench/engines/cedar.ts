// Cedar peer: `@cedar-policy/cedar-wasm` 4.13.0. The policy set is parsed once in prepare()
// (preparsePolicySet) and every decision goes through statefulIsAuthorized, schema-free: the request
// becomes a principal entity (roles, clearance, tenant), an action entity named after action.name, a
// resource entity (type, owner, sensitivity) and a context record (tool plus the request's context).
// Building those entities is part of each decision, as it would be in a host.
// prepare() refuses to run without node --no-turbo-inline-js-wasm-calls: with this module on Node 20,
// V8 can abort with a fatal "unreachable code" error when a function that calls into the module is
// deoptimised (after a GC, for instance). Whether it does depends on timing: a run of 200,000
// decisions without the flag on Node v20.20.2 did not crash. The flag stops V8 inlining JS→WASM calls.

import type { BenchRequest } from "../request.js";
import { largePermitPairs } from "../policies/large-permits.js";
import type { Engine, PolicySize } from "./types.js";

export const WASM_CALL_FLAG = "--no-turbo-inline-js-wasm-calls";

type CedarModule = typeof import("@cedar-policy/cedar-wasm/nodejs");

const SMALL_POLICIES: Readonly<Record<string, string>> = {
  cross_tenant: "forbid (principal, action, resource) when { principal.tenant != resource.owner };",
  high_risk: "forbid (principal, action, resource) when { context.riskScore >= 80 };",
  shell_guard: `forbid (principal, action == Action::"shell.exec", resource)
    unless { principal.roles.contains("operator") && context.riskScore < 30 };`,
  large_transfer: `forbid (principal, action == Action::"payments.transfer", resource)
    when { context.amount > 1000000 }
    unless { context.approvals >= 2 && principal.roles.contains("treasurer") };`,
  off_hours: `forbid (principal, action, resource)
    when { (context.hour < 6 || context.hour >= 22) && !principal.roles.contains("oncall") };`,
  secrets: `forbid (principal, action, resource)
    when { resource.type == "secret" && !principal.roles.contains("secrets-admin") };`,
  db_query: `permit (principal, action == Action::"db.query", resource)
    when { principal.clearance >= resource.sensitivity };`,
  shell_operator: `permit (principal, action == Action::"shell.exec", resource)
    when { principal.roles.contains("operator") };`,
  payments: `permit (principal, action == Action::"payments.transfer", resource)
    when { principal.roles.containsAny(["treasurer", "payments-agent"]) };`,
  docs_read: `permit (principal, action == Action::"docs.read", resource) when { resource.sensitivity <= 2 };`,
  admin: `permit (principal, action, resource) when { principal.roles.contains("admin") };`,
  http_fetch: `permit (principal, action == Action::"http.fetch", resource)
    when { context.tool == "curl" && resource.type == "url" && context.riskScore < 50 };`,
};

export function cedarPolicies(size: PolicySize): Record<string, string> {
  const policies: Record<string, string> = { ...SMALL_POLICIES };
  if (size === "large") {
    for (const p of largePermitPairs().permits) {
      policies[p.name] =
        `permit (principal, action, resource) when { context.tool == "${p.tool}" && principal.roles.contains("${p.role}") };`;
    }
  }
  return policies;
}

export function createCedarEngine(): Engine {
  let cedar: CedarModule | undefined;
  let policySetId = "";
  return {
    name: "cedar",
    label: "Cedar (@cedar-policy/cedar-wasm 4.13.0, pre-parsed)",
    usesWasm: true,
    async prepare(size: PolicySize) {
      if (!process.execArgv.includes(WASM_CALL_FLAG)) {
        throw new Error(
          `the cedar engine needs node ${WASM_CALL_FLAG}: without it, V8 on Node 20 can abort with "unreachable code" when a function calling into cedar-wasm 4.13.0 is deoptimised`,
        );
      }
      cedar ??= await import("@cedar-policy/cedar-wasm/nodejs");
      policySetId = `agent-governance-${size}`;
      const answer = cedar.preparsePolicySet(policySetId, { staticPolicies: cedarPolicies(size) });
      if (answer.type !== "success") {
        throw new Error(`cedar rejected the ${size} policy set: ${answer.errors.map((e) => e.message).join("; ")}`);
      }
    },
    decide(r: BenchRequest) {
      if (cedar === undefined) throw new Error("cedar engine used before prepare()");
      const principal = { type: "Agent", id: r.principal.id };
      const resource = { type: "Resource", id: r.resource.id };
      const answer = cedar.statefulIsAuthorized({
        principal,
        action: { type: "Action", id: r.action.name },
        resource,
        context: {
          tool: r.action.tool,
          amount: r.context.amount,
          hour: r.context.hour,
          riskScore: r.context.riskScore,
          approvals: r.context.approvals,
        },
        preparsedPolicySetId: policySetId,
        entities: [
          {
            uid: principal,
            attrs: {
              roles: r.principal.roles as string[],
              clearance: r.principal.clearance,
              tenant: r.principal.tenant,
            },
            parents: [],
          },
          {
            uid: resource,
            attrs: { type: r.resource.type, owner: r.resource.owner, sensitivity: r.resource.sensitivity },
            parents: [],
          },
        ],
      });
      // a failed call (it should not happen for a well-formed request) is a deny, like Writ
      return answer.type === "success" && answer.response.decision === "allow";
    },
  };
}
