// A JS list of rule closures: what a small home-grown "policy engine" looks like. Each rule is a
// closure over the request; decide runs every forbid, then the permits until one holds. No index:
// the large variant scans 1,000 more closures for requests no earlier permit allows.

import type { BenchRequest } from "../request.js";
import { largePermitPairs } from "../policies/large-permits.js";
import type { Engine, PolicySize } from "./types.js";

type RuleTest = (r: BenchRequest) => boolean;

const has = (r: BenchRequest, role: string): boolean => r.principal.roles.includes(role);

const FORBIDS: readonly RuleTest[] = [
  (r) => r.principal.tenant !== r.resource.owner,
  (r) => r.context.riskScore >= 80,
  (r) => r.action.name === "shell.exec" && !(has(r, "operator") && r.context.riskScore < 30),
  (r) =>
    r.action.name === "payments.transfer" &&
    r.context.amount > 1_000_000 &&
    !(r.context.approvals >= 2 && has(r, "treasurer")),
  (r) => (r.context.hour < 6 || r.context.hour >= 22) && !has(r, "oncall"),
  (r) => r.resource.type === "secret" && !has(r, "secrets-admin"),
];

const PERMITS: readonly RuleTest[] = [
  (r) => r.action.name === "db.query" && r.principal.clearance >= r.resource.sensitivity,
  (r) => r.action.name === "shell.exec" && has(r, "operator"),
  (r) => r.action.name === "payments.transfer" && (has(r, "treasurer") || has(r, "payments-agent")),
  (r) => r.action.name === "docs.read" && r.resource.sensitivity <= 2,
  (r) => has(r, "admin"),
  (r) =>
    r.action.name === "http.fetch" && r.action.tool === "curl" && r.resource.type === "url" && r.context.riskScore < 50,
];

function largePermits(): RuleTest[] {
  return largePermitPairs().permits.map(({ tool, role }) => (r: BenchRequest) => r.action.tool === tool && has(r, role));
}

export function createJsClosuresEngine(): Engine {
  let permits: readonly RuleTest[] = PERMITS;
  return {
    name: "js-closures",
    label: "JS list of rule closures",
    usesWasm: false,
    async prepare(size: PolicySize) {
      permits = size === "large" ? [...PERMITS, ...largePermits()] : PERMITS;
    },
    decide(request) {
      for (let i = 0; i < FORBIDS.length; i++) if (FORBIDS[i]!(request)) return false;
      for (let i = 0; i < permits.length; i++) if (permits[i]!(request)) return true;
      return false;
    },
  };
}
