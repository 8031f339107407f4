// The seeded request mix (1,000 requests by default) that every engine decides. Deterministic for a
// seed (mulberry32, no Math.random). Proportions, by construction:
//   * ~60% use one of the five base actions with its usual tool; ~40% call a generated tool
//     (`tool.invoke` with `tool-000`..`tool-299`; the large policy permits tools 000..249 for some roles)
//   * ~93% stay inside their tenant (principal.tenant == resource.owner)
//   * ~10% arrive off hours (hour < 6 or hour >= 22)
//   * 1..3 roles per principal, each drawn independently: a base role or `role-00`..`role-59`
//   * tuned so that ~20% of the mix is allowed under the 12-rule policy
// Run directly (`npx tsx bench/mix.ts [seed]`) to print the measured proportions and allow rates.

import { pathToFileURL } from "node:url";
import { mulberry32, pad, type Prng } from "./prng.js";
import {
  BASE_ACTIONS,
  BASE_ROLES,
  GENERATED_ROLE_COUNT,
  GENERATED_TOOL_COUNT,
  TENANTS,
  TOOL_ACTION,
  generatedRole,
  generatedTool,
  type BenchRequest,
} from "./request.js";
import { decideAgentGovernance } from "./engines/js-ifelse.js";
import { largePermitPairs } from "./policies/large-permits.js";

export const DEFAULT_MIX_SEED = 20261128;
export const DEFAULT_MIX_SIZE = 1000;

// The documented proportions (tests check the measured ones against these, within tolerance).
export const TOOL_SHARE = 0.4;
export const IN_TENANT_SHARE = 0.93;
export const OFF_HOURS_SHARE = 0.1;
export const TARGET_ALLOW_RATE_SMALL = 0.2;

const BASE_ACTION_WEIGHTS = [0.26, 0.12, 0.18, 0.24, 0.2]; // db, shell, payments, docs, http
const SECRET_SHARE = 0.06;
const HIGH_RISK_SHARE = 0.08;
const ROLE_COUNT_WEIGHTS = [0.5, 0.35, 0.15]; // 1, 2 or 3 roles
const BASE_ROLE_SHARE = 0.45; // each role: a base role with this probability, else a generated one
const TOOL_RESOURCE_TYPES = ["file", "ticket", "repo", "queue"] as const;
const OFF_HOURS = [0, 1, 2, 3, 4, 5, 22, 23] as const;

export function generateMix(seed: number = DEFAULT_MIX_SEED, count: number = DEFAULT_MIX_SIZE): BenchRequest[] {
  const rng = mulberry32(seed);
  const requests: BenchRequest[] = [];
  for (let i = 0; i < count; i++) requests.push(generateRequest(rng));
  return requests;
}

function generateRequest(rng: Prng): BenchRequest {
  const tenant = rng.pick(TENANTS);
  const owner = rng.chance(IN_TENANT_SHARE) ? tenant : otherTenant(rng, tenant);
  const usesTool = rng.chance(TOOL_SHARE);
  let actionName: string;
  let tool: string;
  let resourceType: string;
  if (usesTool) {
    actionName = TOOL_ACTION;
    tool = generatedTool(rng.int(GENERATED_TOOL_COUNT));
    resourceType = rng.pick(TOOL_RESOURCE_TYPES);
  } else {
    const base = rng.weighted(BASE_ACTIONS, BASE_ACTION_WEIGHTS);
    actionName = base.name;
    tool = base.tool;
    resourceType = base.resourceType;
  }
  if (rng.chance(SECRET_SHARE)) resourceType = "secret";
  const roles = drawRoles(rng);
  const hour = rng.chance(OFF_HOURS_SHARE) ? rng.pick(OFF_HOURS) : 6 + rng.int(16);
  const riskScore = rng.chance(HIGH_RISK_SHARE) ? 80 + rng.int(20) : rng.int(80);
  const amount = actionName === "payments.transfer" ? 100 + rng.int(3_000_000) : rng.int(10_000);
  return {
    principal: { id: `agent-${pad(rng.int(500), 3)}`, roles, clearance: rng.int(6), tenant },
    action: { name: actionName, tool },
    resource: { id: `${resourceType}-${pad(rng.int(10_000), 4)}`, type: resourceType, owner, sensitivity: rng.int(6) },
    context: { amount, hour, riskScore, approvals: rng.int(4) },
  };
}

function otherTenant(rng: Prng, tenant: string): string {
  const others = TENANTS.filter((t) => t !== tenant);
  return rng.pick(others);
}

function drawRoles(rng: Prng): string[] {
  const count = rng.weighted([1, 2, 3], ROLE_COUNT_WEIGHTS);
  const roles: string[] = [];
  while (roles.length < count) {
    const role = rng.chance(BASE_ROLE_SHARE) ? rng.pick(BASE_ROLES) : generatedRole(rng.int(GENERATED_ROLE_COUNT));
    if (!roles.includes(role)) roles.push(role); // a principal holds a role once
  }
  return roles;
}

export interface MixStats {
  readonly count: number;
  readonly toolShare: number;
  readonly inTenantShare: number;
  readonly offHoursShare: number;
  /** allowed under the 12-rule policy (hand-written reference) */
  readonly allowRateSmall: number;
  /** allowed under the 1,012-rule policy (hand-written reference) */
  readonly allowRateLarge: number;
}

export function measureMix(requests: readonly BenchRequest[]): MixStats {
  const large = largePermitPairs();
  let tools = 0;
  let inTenant = 0;
  let offHours = 0;
  let allowSmall = 0;
  let allowLarge = 0;
  for (const r of requests) {
    if (r.action.name === TOOL_ACTION) tools++;
    if (r.principal.tenant === r.resource.owner) inTenant++;
    if (r.context.hour < 6 || r.context.hour >= 22) offHours++;
    if (decideAgentGovernance(r, null)) allowSmall++;
    if (decideAgentGovernance(r, large.byTool)) allowLarge++;
  }
  const n = requests.length;
  return {
    count: n,
    toolShare: tools / n,
    inTenantShare: inTenant / n,
    offHoursShare: offHours / n,
    allowRateSmall: allowSmall / n,
    allowRateLarge: allowLarge / n,
  };
}

function percent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

export function describeMix(stats: MixStats): string {
  return [
    `requests: ${stats.count}`,
    `generated tools: ${percent(stats.toolShare)}`,
    `inside tenant: ${percent(stats.inTenantShare)}`,
    `off hours: ${percent(stats.offHoursShare)}`,
    `allowed (12 rules): ${percent(stats.allowRateSmall)}`,
    `allowed (1,012 rules): ${percent(stats.allowRateLarge)}`,
  ].join("\n");
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const seed = process.argv[2] === undefined ? DEFAULT_MIX_SEED : Number(process.argv[2]);
  console.log(describeMix(measureMix(generateMix(seed))));
}
