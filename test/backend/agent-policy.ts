// The "agent governance" policy of the benchmark (12 rules, plus a 1,012-rule variant with 1,000
// indexed permits), built as IR by hand, and a seeded request mix shaped like the benchmark's.

import type { IRPolicy } from "../../compiler/ir/ir.js";
import { IRBuilder, int, listOf, rec, str } from "./ir-builder.js";
import { mulberry32 } from "../../bench/prng.js";

export const agentSchema = rec({
  principal: rec({ id: str(), roles: listOf(str(), 16), clearance: int, tenant: str() }),
  action: rec({ name: str(), tool: str() }),
  resource: rec({ id: str(), type: str(), owner: str(), sensitivity: int }),
  context: rec({ amount: int, hour: int, riskScore: int, approvals: int }),
});

export function agentPolicy(extraPermits = 0): { ir: IRPolicy; errorSites: Record<string, number> } {
  const b = new IRBuilder(agentSchema);
  const p = (path: string) => b.path(path);
  const s = (v: string) => b.lit(v);
  const n = (v: number) => b.lit(BigInt(v));
  const hasRole = (role: string) => b.call("in_list", s(role), p("principal.roles"));
  const is = (path: string, v: string) => b.call("eq", p(path), s(v));

  b.rule("cross_tenant", "forbid", b.call("ne", p("principal.tenant"), p("resource.owner")));
  b.rule("high_risk", "forbid", b.call("ge", p("context.riskScore"), n(80)));
  b.rule("shell_guard", "forbid", b.and(is("action.name", "shell.exec"), b.not(b.and(hasRole("operator"), b.call("lt", p("context.riskScore"), n(30))))));
  b.rule(
    "large_transfer_guard",
    "forbid",
    b.all(
      is("action.name", "payments.transfer"),
      b.call("gt", p("context.amount"), n(1000000)),
      b.not(b.and(b.call("ge", p("context.approvals"), n(2)), hasRole("treasurer"))),
    ),
  );
  b.rule("off_hours", "forbid", b.and(b.or(b.call("lt", p("context.hour"), n(6)), b.call("ge", p("context.hour"), n(22))), b.not(hasRole("oncall"))));
  b.rule("secrets", "forbid", b.and(is("resource.type", "secret"), b.not(hasRole("secrets-admin"))));
  b.rule("db_query", "permit", b.and(is("action.name", "db.query"), b.call("ge", p("principal.clearance"), p("resource.sensitivity"))));
  b.rule("shell_operator", "permit", b.and(is("action.name", "shell.exec"), hasRole("operator")));
  b.rule("payments", "permit", b.and(is("action.name", "payments.transfer"), b.or(hasRole("treasurer"), hasRole("payments-agent"))));
  b.rule("docs_read", "permit", b.and(is("action.name", "docs.read"), b.call("le", p("resource.sensitivity"), n(2))));
  b.rule("admin", "permit", hasRole("admin"));
  b.rule(
    "http_fetch",
    "permit",
    b.all(is("action.name", "http.fetch"), is("action.tool", "curl"), is("resource.type", "url"), b.call("lt", p("context.riskScore"), n(50))),
  );
  let k = 0;
  for (let t = 0; t < 250 && k < extraPermits; t++) {
    for (let r = 0; r < 60 && k < extraPermits; r += 15) {
      const role = (t * 7 + r) % 60;
      b.rule(`tool_${k}`, "permit", b.and(is("action.tool", `tool-${String(t).padStart(3, "0")}`), hasRole(`role-${String(role).padStart(2, "0")}`)));
      k++;
    }
  }
  return { ir: b.policy("agent-governance"), errorSites: b.errorSites() };
}

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  return mulberry32(seed).next;
}

const ACTIONS = [
  ["db.query", "psql"],
  ["shell.exec", "bash"],
  ["payments.transfer", "stripe"],
  ["docs.read", "drive"],
  ["http.fetch", "curl"],
] as const;
const ROLES = ["operator", "treasurer", "oncall", "secrets-admin", "payments-agent", "admin", "role-07", "role-13", "role-42", "viewer"];
const TYPES = ["table", "secret", "url", "doc", "account"];

export function agentRequests(count: number, seed = 7): object[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const out: object[] = [];
  for (let i = 0; i < count; i++) {
    const [name, tool] = r() < 0.4 ? ["tool.call", `tool-${String(Math.floor(r() * 300)).padStart(3, "0")}`] : pick(ACTIONS);
    const tenant = `t${Math.floor(r() * 5)}`;
    out.push({
      principal: { id: `agent-${i}`, roles: ROLES.filter(() => r() < 0.2), clearance: Math.floor(r() * 5), tenant },
      action: { name, tool },
      resource: { id: `res-${i}`, type: pick(TYPES), owner: r() < 0.93 ? tenant : "t9", sensitivity: Math.floor(r() * 5) },
      context: { amount: Math.floor(r() * 3000000), hour: r() < 0.1 ? 3 : 6 + Math.floor(r() * 16), riskScore: Math.floor(r() * 100), approvals: Math.floor(r() * 4) },
    });
  }
  return out;
}
