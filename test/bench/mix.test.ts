// The request mix and the policy generators: deterministic for a seed, the documented proportions,
// the request shape every engine expects, and the committed large policy matching its generator.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_MIX_SEED,
  IN_TENANT_SHARE,
  OFF_HOURS_SHARE,
  TARGET_ALLOW_RATE_SMALL,
  TOOL_SHARE,
  generateMix,
  measureMix,
} from "../../bench/mix.js";
import { mulberry32 } from "../../bench/prng.js";
import { largePermitPairs, LARGE_PERMIT_COUNT } from "../../bench/policies/large-permits.js";
import { LARGE_POLICY_FILE, SMALL_POLICY_FILE, largePolicySource } from "../../bench/policies/generate-large.js";
import { SCALING_SIZES, scalingPermits, scalingPolicySource } from "../../bench/policies/generate-scaling.js";
import { policiesDir } from "../../bench/paths.js";
import { BASE_ACTIONS, BASE_ROLES, TENANTS, TOOL_ACTION } from "../../bench/request.js";

describe("mulberry32", () => {
  it("is reproducible and uniform enough for sampling", () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const xs = Array.from({ length: 10_000 }, () => a.next());
    expect(xs.slice(0, 50)).toEqual(Array.from({ length: 50 }, () => b.next()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
    expect(mulberry32(8).next()).not.toBe(mulberry32(7).next());
  });
});

describe("the request mix", () => {
  it("is deterministic for a seed and differs between seeds", () => {
    const a = generateMix(DEFAULT_MIX_SEED);
    expect(a).toHaveLength(1000);
    expect(generateMix(DEFAULT_MIX_SEED)).toEqual(a);
    expect(JSON.stringify(generateMix(DEFAULT_MIX_SEED + 1))).not.toBe(JSON.stringify(a));
  });

  it.each([DEFAULT_MIX_SEED, 1, 99])("has the documented proportions (seed %i)", (seed) => {
    const stats = measureMix(generateMix(seed));
    expect(Math.abs(stats.toolShare - TOOL_SHARE)).toBeLessThan(0.05);
    expect(Math.abs(stats.inTenantShare - IN_TENANT_SHARE)).toBeLessThan(0.025);
    expect(Math.abs(stats.offHoursShare - OFF_HOURS_SHARE)).toBeLessThan(0.03);
    expect(Math.abs(stats.allowRateSmall - TARGET_ALLOW_RATE_SMALL)).toBeLessThan(0.04);
    // the large policy's permits allow some generated-tool requests, never fewer than the small one
    expect(stats.allowRateLarge).toBeGreaterThan(stats.allowRateSmall);
  });

  it("builds requests of the documented shape", () => {
    const baseActions = new Set<string>(BASE_ACTIONS.map((a) => a.name));
    for (const r of generateMix(DEFAULT_MIX_SEED)) {
      expect(Object.keys(r).sort()).toEqual(["action", "context", "principal", "resource"]);
      expect(TENANTS).toContain(r.principal.tenant);
      expect(TENANTS).toContain(r.resource.owner);
      expect(r.principal.roles.length).toBeGreaterThanOrEqual(1);
      expect(r.principal.roles.length).toBeLessThanOrEqual(3);
      expect(new Set(r.principal.roles).size).toBe(r.principal.roles.length);
      for (const role of r.principal.roles) {
        expect((BASE_ROLES as readonly string[]).includes(role) || /^role-[0-5]\d$/.test(role)).toBe(true);
      }
      if (r.action.name === TOOL_ACTION) expect(r.action.tool).toMatch(/^tool-[0-2]\d\d$/);
      else expect(baseActions.has(r.action.name)).toBe(true);
      for (const n of [r.principal.clearance, r.resource.sensitivity, r.context.amount, r.context.hour, r.context.riskScore, r.context.approvals]) {
        expect(Number.isSafeInteger(n)).toBe(true);
        expect(n).toBeGreaterThanOrEqual(0);
      }
      expect(r.context.hour).toBeLessThan(24);
      expect(r.context.riskScore).toBeLessThan(100);
    }
  });
});

describe("the large policy", () => {
  it("adds 1,000 unique tool/role permits over 250 tools and 60 roles", () => {
    const { permits, byTool } = largePermitPairs();
    expect(permits).toHaveLength(LARGE_PERMIT_COUNT);
    expect(new Set(permits.map((p) => `${p.tool}/${p.role}`)).size).toBe(LARGE_PERMIT_COUNT);
    expect(new Set(permits.map((p) => p.name)).size).toBe(LARGE_PERMIT_COUNT);
    expect(byTool.size).toBe(250);
    for (const p of permits) {
      expect(p.tool).toMatch(/^tool-(0\d\d|1\d\d|2[0-4]\d)$/);
      expect(p.role).toMatch(/^role-[0-5]\d$/);
      expect(byTool.get(p.tool)?.has(p.role)).toBe(true);
    }
    expect(new Set(permits.map((p) => p.role)).size).toBeGreaterThan(55);
  });

  it("is committed exactly as the generator writes it", () => {
    const small = readFileSync(join(policiesDir(), SMALL_POLICY_FILE), "utf8");
    const committed = readFileSync(join(policiesDir(), LARGE_POLICY_FILE), "utf8");
    expect(committed).toBe(largePolicySource(small));
    const rules = committed.split("\n").filter((l) => /^(permit|forbid) /.test(l.trim()));
    expect(rules).toHaveLength(1012);
  });

  it("keeps the 12 rules of the small policy", () => {
    const small = readFileSync(join(policiesDir(), SMALL_POLICY_FILE), "utf8");
    const rules = small.split("\n").filter((l) => /^(permit|forbid) /.test(l));
    expect(rules.map((l) => l.split(" ")[0])).toEqual([...Array(6).fill("forbid"), ...Array(6).fill("permit")]);
  });
});

describe("the scaling policies", () => {
  it.each(SCALING_SIZES)("has exactly %i indexable rules with unique names and pairs", (n) => {
    const permits = scalingPermits(n);
    expect(permits).toHaveLength(n);
    expect(new Set(permits.map((p) => p.name)).size).toBe(n);
    expect(new Set(permits.map((p) => `${p.tool}/${p.role}`)).size).toBe(n);
    const text = scalingPolicySource(n);
    expect(text.startsWith(`policy "scaling-${n}" version "1.0.0"`)).toBe(true);
    const lines = text.split("\n").filter((l) => l.startsWith("permit "));
    expect(lines).toHaveLength(n);
    for (const line of lines.slice(0, 20)) {
      expect(line).toMatch(/^permit tool_\d{3,4}_role_\d\d when action\.tool == "tool-\d{3,4}" && "role-\d\d" in principal\.roles$/);
    }
  });
});
