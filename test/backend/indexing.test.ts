// Rule indexing: a policy with 1,000+ indexed rules (string-id and int keys, `==` and `in`)
// decides exactly like the same rules written so that nothing can be indexed, and like the reference
// interpreter; results stay in declaration order when rules from several indexes hold.

import { beforeAll, describe, expect, it } from "vitest";
import type { IRPolicy, Node } from "../../compiler/ir/ir.js";
import { agentPolicy, agentRequests, agentSchema, rng } from "./agent-policy.js";
import { IRBuilder } from "./ir-builder.js";
import { compileIR, plain, type Compiled } from "./support.js";
import { validateProfile } from "../../runtime/wasm/profile.js";

/** 1,000 tool/role permits, int-indexed rules and forbids interleaved; `indexable: false` hides every key behind `!(x != c)` or `!!`. */
function bigPolicy(indexable: boolean): { ir: IRPolicy; errorSites: Record<string, number> } {
  const b = new IRBuilder(agentSchema);
  const eq = (path: string, v: string | bigint): Node =>
    indexable ? b.call("eq", b.path(path), b.lit(v)) : b.not(b.call("ne", b.path(path), b.lit(v)));
  const inList = (path: string, vs: (string | bigint)[]): Node =>
    indexable ? b.call("in_list", b.path(path), b.lit(vs)) : b.not(b.not(b.call("in_list", b.path(path), b.call("concat_list", b.lit(vs), b.lit([]))))) ;
  const role = (r: string): Node => {
    const member = b.call("in_list", b.lit(r), b.path("principal.roles"));
    return indexable ? member : b.not(b.not(member));
  };
  for (let i = 0; i < 1000; i++) {
    const tool = `tool-${String(i % 250).padStart(3, "0")}`;
    b.rule(`tool_${i}`, "permit", b.and(eq("action.tool", tool), role(`role-${String((i * 7) % 60).padStart(2, "0")}`)));
    if (i % 100 === 0) b.rule(`hour_${i}`, "permit", b.and(b.call("gt", b.path("context.amount"), b.lit(BigInt(i * 1000))), eq("context.hour", BigInt(i % 24))));
    if (i % 250 === 7) b.rule(`hours_${i}`, "permit", b.and(inList("context.hour", [1n, 2n, 3n, BigInt(i % 24)]), role("viewer")));
    if (i % 300 === 1) b.rule(`deny_${i}`, "forbid", b.and(eq("action.name", "tool.call"), eq("action.tool", `tool-${String(i % 250).padStart(3, "0")}`)));
    if (i % 400 === 2) b.rule(`deny_names_${i}`, "forbid", b.and(inList("action.name", ["shell.exec", "docs.read"]), b.call("gt", b.path("context.riskScore"), b.lit(95n))));
  }
  // a few rules with errors, indexed and not
  b.rule("err_div", "permit", b.and(eq("action.tool", "tool-001"), b.call("gt", b.call("div", b.lit(100n), b.path("context.approvals")), b.lit(10n))));
  b.rule("err_forbid", "forbid", b.and(eq("action.tool", "tool-002"), b.call("gt", b.call("div", b.lit(100n), b.path("context.approvals")), b.lit(60n))));
  return { ir: b.policy("big"), errorSites: b.errorSites() };
}

function requests(count: number): object[] {
  const r = rng(99);
  return agentRequests(count, 5).map((req) => {
    const x = req as { principal: { roles: string[] }; action: { name: string; tool: string }; context: { hour: number } };
    // more role and tool hits than the benchmark mix
    x.principal.roles = Array.from({ length: Math.floor(r() * 6) }, () => (r() < 0.1 ? "viewer" : `role-${String(Math.floor(r() * 60)).padStart(2, "0")}`));
    if (r() < 0.8) x.action.tool = `tool-${String(Math.floor(r() * 260)).padStart(3, "0")}`;
    if (r() < 0.3) x.action.name = "tool.call";
    x.context.hour = Math.floor(r() * 24);
    return req;
  });
}

describe("rule indexing", () => {
  let indexed: Compiled;
  let scanned: Compiled;
  beforeAll(async () => {
    const a = bigPolicy(true);
    const b = bigPolicy(false);
    indexed = await compileIR(a.ir, a.errorSites);
    scanned = await compileIR(b.ir, b.errorSites);
  }, 180_000);

  it("dispatches the indexable rules through a search on the key", () => {
    expect(indexed.indexedRules).toBeGreaterThanOrEqual(1000);
    expect(scanned.indexedRules).toBe(0);
    expect(indexed.source).toMatch(/const k_\d+: i64 = load<i64>/); // an int key
    expect(indexed.source).toMatch(/const k_\d+: i32 = load<i32>/); // an interned-string key
  });

  it("gives the same decisions, rules (in declaration order) and errors as the unindexed rules and the interpreter", () => {
    let multi = 0;
    let errors = 0;
    let allowed = 0;
    for (const req of requests(1500)) {
      const a = plain(indexed.decide(req));
      const b = plain(scanned.decide(req));
      // node ids (so error offsets) differ between the two policies; everything else must not
      const withoutAt = (d: unknown) => ({ ...(d as object), errors: (d as { errors: object[] }).errors.map((e) => ({ ...e, at: 0 })) });
      expect(withoutAt(a)).toEqual(withoutAt(b));
      expect(a).toEqual(plain(indexed.reference(req)));
      expect(b).toEqual(plain(scanned.reference(req)));
      const d = a as { decision: string; rules: string[]; errors: unknown[] };
      if (d.rules.length > 1) multi++;
      if (d.decision === "allow") allowed++;
      errors += d.errors.length;
    }
    // the comparison covered interesting outcomes
    expect(multi).toBeGreaterThan(20);
    expect(allowed).toBeGreaterThan(100);
    expect(errors).toBeGreaterThan(0);
  });

  it("reaches every case of the indexes: each tool rule holds for a request made to satisfy it", () => {
    const base = requests(1)[0] as { principal: { roles: string[] }; action: { name: string; tool: string }; context: { approvals: number; riskScore: number } };
    // no forbid holds or errors: deny_names needs riskScore > 95, err_forbid 100 / approvals > 60
    Object.assign(base.context, { approvals: 10, riskScore: 0 });
    for (let i = 0; i < 1000; i++) {
      const req = structuredClone(base);
      req.action.name = "docs.read";
      req.action.tool = `tool-${String(i % 250).padStart(3, "0")}`;
      req.principal.roles = [`role-${String((i * 7) % 60).padStart(2, "0")}`];
      const d = indexed.decide(req);
      expect(d.rules).toContain(`tool_${i}`);
      expect(plain(d)).toEqual(plain(indexed.reference(req)));
    }
  });

  it("indexes the benchmark's 1,012-rule policy and agrees with the interpreter on its mix", async () => {
    const { ir, errorSites } = agentPolicy(1000);
    const c = await compileIR(ir, errorSites);
    expect(c.indexedRules).toBeGreaterThanOrEqual(1000);
    expect(validateProfile(c.wasm).ok).toBe(true);
    for (const req of agentRequests(500, 11)) expect(plain(c.decide(req))).toEqual(plain(c.reference(req)));
  }, 120_000);

  it("files no rule under `x in []` (never true), so rules of that form alone make no index", async () => {
    for (const withConstant of [false, true]) {
      const b = new IRBuilder(agentSchema);
      b.rule("never_a", "permit", b.call("in_list", b.path("action.tool"), b.lit([])));
      b.rule("never_b", "permit", b.call("in_list", b.path("action.tool"), b.lit([])));
      if (withConstant) b.rule("curl", "permit", b.call("eq", b.path("action.tool"), b.lit("curl")));
      const c = await compileIR(b.policy("never"), b.errorSites());
      expect(c.indexedRules).toBe(0);
      for (const req of agentRequests(100, 5)) expect(plain(c.decide(req))).toEqual(plain(c.reference(req)));
    }
  });
});
