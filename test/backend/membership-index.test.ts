// Rule indexing on list elements: rules with a top-level conjunct `"c" in list` (interned strings and
// ints) are dispatched by a search on each element of the list. They must decide exactly as the
// reference interpreter does — rules in declaration order, each at most once when the list repeats
// a value, errors of forbids kept — and the dispatch must actually be used.

import { beforeAll, describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { compileIR, plain, type Compiled } from "./support.js";
import { rng } from "./agent-policy.js";

const ROLES = 150; // several chunks of the case table (codegen.ts, TABLE_CHUNK)
const GROUPS = 12;
const LEVELS = [-3n, 0n, 1n, 2n, 7n, 1n << 40n, -(1n << 62n)];

function source(): string {
  const lines = [
    `policy "rbac" version "1.0.0"`,
    `input {`,
    `  principal: { roles: list<string>(8), groups: list<string>(4), levels: list<int>(6), tenant: string }`,
    `  action: { name: string }`,
    `  context: { divisor: int }`,
    `}`,
  ];
  for (let k = 0; k < ROLES; k++) lines.push(`permit role_${k} when "role-${k}" in principal.roles && action.name != "act-${k % 3}"`);
  for (let k = 0; k < GROUPS; k++) lines.push(`permit group_${k} when "group-${k}" in principal.groups`);
  // forbids dispatched on roles, one of which errors (division by zero) whenever it runs
  for (let k = 0; k < 6; k++) lines.push(`forbid banned_${k} when "banned-${k}" in principal.roles && 100 / context.divisor > ${k * 10}`);
  // int elements, the wide ones included
  for (const v of LEVELS) lines.push(`permit level_${v < 0n ? `m${-v}` : v} when ${v} in principal.levels && principal.tenant != "t2"`);
  // two memberships in one rule, a negated one (not indexable), and a rule that names a role also used above
  lines.push(`permit both when "role-1" in principal.roles && "role-2" in principal.roles`);
  lines.push(`forbid outsider when !("member" in principal.groups) && action.name == "act-9"`);
  lines.push(`permit role_again when "role-5" in principal.roles`);
  return lines.join("\n") + "\n";
}

function requests(count: number): object[] {
  const r = rng(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const role = (): string =>
    pick([`role-${Math.floor(r() * (ROLES + 5))}`, `banned-${Math.floor(r() * 8)}`, `unknown-${Math.floor(r() * 9)}`, "member", "role-1", "role-2"]);
  return Array.from({ length: count }, () => {
    const roles = Array.from({ length: Math.floor(r() * 9) }, role);
    // repeated values: a rule must still be decided (and listed) once
    if (roles.length > 0 && r() < 0.3) roles.push(roles[0]!);
    return {
      principal: {
        roles: roles.slice(0, 8),
        groups: Array.from({ length: Math.floor(r() * 5) }, () => pick([`group-${Math.floor(r() * (GROUPS + 3))}`, "member", "group-1"])),
        levels: Array.from({ length: Math.floor(r() * 7) }, () => (r() < 0.8 ? pick(LEVELS) : BigInt(Math.floor(r() * 100) - 50))).map((v) =>
          v >= -(1n << 53n) && v <= 1n << 53n ? Number(v) : v,
        ),
        tenant: pick(["t1", "t2"]),
      },
      action: { name: pick(["act-0", "act-1", "act-2", "act-9"]) },
      context: { divisor: pick([0, 1, 3, 50]) },
    };
  });
}

describe("rule indexing on list elements", () => {
  let compiled: Compiled;
  beforeAll(async () => {
    const result = await compilePolicy(source(), { fileName: "rbac.writ" });
    if (!result.ir || !result.checked) throw new Error(result.diagnostics.map((d) => d.message).join("\n"));
    compiled = await compileIR(result.ir, result.checked.errorSites, true);
  }, 120_000);

  it("dispatches the membership rules on the lists' elements, strings and ints", () => {
    // every rule but `outsider` (its only candidate, action.name == "act-9", is shared by no other
    // rule), each counted once however many constants it is filed under
    expect(compiled.indexedRules).toBe(ROLES + GROUPS + 6 + LEVELS.length + 2);
    // a case runs once per decision through a visited word per case, never a scan of the elements
    // before it (which made a long list with repeats quadratic)
    expect(compiled.source).toContain("nextVisit(");
    expect(compiled.source).not.toMatch(/Before\(/);
    // strings through a case table, its cases split into functions (TABLE_CHUNK); ints through a search
    expect(compiled.source).toMatch(/load<u16>\(/);
    expect((compiled.source.match(/function d_\d+\(n: i32\)/g) ?? []).length).toBeGreaterThanOrEqual(Math.ceil(ROLES / 16));
    expect(compiled.source).toMatch(/firstVisit\(\(__heap_base \+ \d+\) \+ \d+\)/); // a search's case (the ints)
  });

  it("decides as the interpreter: same rules in declaration order, each once, and the same errors", () => {
    let allowed = 0;
    let severalRules = 0;
    let errors = 0;
    let repeated = 0;
    for (const req of requests(3000)) {
      const module = plain(compiled.decide(req)) as { decision: string; rules: string[]; errors: unknown[] };
      expect(module).toEqual(plain(compiled.reference(req)));
      expect(new Set(module.rules).size).toBe(module.rules.length);
      if (module.decision === "allow") allowed++;
      if (module.rules.length > 1) severalRules++;
      errors += module.errors.length;
      const roles = (req as { principal: { roles: string[] } }).principal.roles;
      if (new Set(roles).size < roles.length && module.rules.length > 0) repeated++;
    }
    // the comparison covered the outcomes that matter
    expect(allowed).toBeGreaterThan(300);
    expect(severalRules).toBeGreaterThan(100);
    expect(errors).toBeGreaterThan(50);
    expect(repeated).toBeGreaterThan(50);
  });

  it("reaches every case: each role, group and level rule holds for a request made to satisfy it", () => {
    const request = (roles: string[], groups: string[], levels: number[]) => ({
      principal: { roles, groups, levels, tenant: "t1" },
      action: { name: "act-9" },
      context: { divisor: 1 },
    });
    const made: [object, string][] = [
      ...Array.from({ length: ROLES }, (_, k): [object, string] => [request([`role-${k}`], ["member"], []), `role_${k}`]),
      ...Array.from({ length: GROUPS }, (_, k): [object, string] => [request([], [`group-${k}`, "member"], []), `group_${k}`]),
      ...LEVELS.filter((v) => v >= -(1n << 53n) && v <= 1n << 53n).map((v): [object, string] => [request([], ["member"], [Number(v)]), `level_${v < 0n ? `m${-v}` : v}`]),
    ];
    for (const [req, rule] of made) {
      const d = compiled.decide(req);
      expect(d.rules).toContain(rule);
      expect(plain(d)).toEqual(plain(compiled.reference(req)));
    }
  });

  it("takes a case table only where the ids are dense, so tables cost memory in proportion to the rules", async () => {
    // ids are numbered in first-use order across the policy: the 300 constants of L come between
    // b0…b8 and b9, so the ten-case index on a.f spans 310 ids and is searched, not tabled
    const lets = Array.from({ length: 300 }, (_, k) => `"c${k}"`).join(", ");
    const text = [
      `policy "sparse" version "1.0.0"`,
      `input {`,
      `  a: { f: string, g: string, n: int }`,
      `}`,
      ...[0, 1, 2, 3, 4, 5, 6, 7, 8].map((k) => `permit f_${k} when a.f == "b${k}" && a.n > ${k % 5}`),
      `let L = [${lets}]`,
      `permit g_in when a.g in L && a.n > 5`,
      `permit f_9 when a.f == "b9" && a.n > 4`,
    ].join("\n");
    const result = await compilePolicy(text, { fileName: "sparse.writ" });
    if (!result.ir || !result.checked) throw new Error(result.diagnostics.map((d) => d.message).join("\n"));
    const sparse = await compileIR(result.ir, result.checked.errorSites);
    expect(sparse.indexedRules).toBe(10);
    expect(sparse.source).not.toMatch(/load<u16>\(/);
    for (const f of ["b0", "b3", "b8", "b9", "c7", "zz"])
      for (const n of [0, 3, 9]) {
        const req = { a: { f, g: f === "c7" ? "c7" : "c299", n } };
        expect(plain(sparse.decide(req))).toEqual(plain(sparse.reference(req)));
      }
  }, 60_000);

  it("runs a rule once when its value is repeated in the list", () => {
    const req = { principal: { roles: ["role-5", "role-5", "role-5"], groups: [], levels: [7, 7], tenant: "t1" }, action: { name: "act-0" }, context: { divisor: 1 } };
    expect(plain(compiled.decide(req))).toEqual({ decision: "allow", rules: ["role_5", "level_7", "role_again"], errors: [] });
  });

  it("keeps a forbid's error when the membership holds and nothing when it does not", () => {
    const base = { principal: { groups: [], levels: [], tenant: "t2" }, action: { name: "act-1" }, context: { divisor: 0 } };
    const banned = compiled.decide({ ...base, principal: { ...base.principal, roles: ["role-0", "banned-3"] } });
    expect(banned.decision).toBe("deny");
    expect(banned.rules).toEqual(["banned_3"]);
    expect(banned.errors.map((e) => e.code)).toEqual(["division_by_zero"]);
    const clean = compiled.decide({ ...base, principal: { ...base.principal, roles: ["role-0", "banned-9"] } });
    expect(plain(clean)).toEqual({ decision: "allow", rules: ["role_0"], errors: [] });
  });
});
