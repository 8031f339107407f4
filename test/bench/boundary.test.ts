// The boundary requests (bench/boundary.ts) in the agreement check: the random mix seldom lands on a
// rule's constants, so a peer whose rule text differs from the policy by one token (`>= 80` read as
// `> 80`, a conjunct left out) can agree with Writ on all of it. With the boundary requests the check
// refuses every such change that decides any request differently. Here the rule texts of the cel-js
// and casbin peers are changed one token at a time, and each changed peer is put through the
// benchmark's check (checkEngine) against Writ's interpreter.

import { describe, expect, it, beforeAll } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compilePolicy, createInterpreter } from "../../compiler/index.js";
import { boundaryRequests, scanPolicy, sides } from "../../bench/boundary.js";
import { checkAgreement, checkEngine, describeDisagreements, type AgreementReport } from "../../bench/agreement.js";
import { createCelEngine } from "../../bench/engines/cel.js";
import { createCasbinEngine } from "../../bench/engines/casbin.js";
import { CEL_RULES, casbinRules, celRules, type TextRule } from "../../bench/engines/policy-text.js";
import { generateMix } from "../../bench/mix.js";
import { policiesDir } from "../../bench/paths.js";
import { POLICY_FILES } from "../../bench/writ-build.js";
import { largePermitPairs } from "../../bench/policies/large-permits.js";
import type { Engine, PolicySize } from "../../bench/engines/types.js";
import type { BenchRequest } from "../../bench/request.js";

const mix = generateMix();
const boundary = boundaryRequests();

interface Reference {
  readonly mix: boolean[];
  readonly boundary: boolean[];
}
const reference: Partial<Record<PolicySize, Reference>> = {};

async function interpreterAnswers(size: PolicySize): Promise<Reference> {
  const fileName = POLICY_FILES[size];
  const result = await compilePolicy(readFileSync(join(policiesDir(), fileName), "utf8"), { fileName, optimize: false });
  if (result.ir === undefined || result.checked === undefined) throw new Error(`${fileName} did not compile`);
  const interpreter = createInterpreter(result.ir, result.checked.errorSites);
  const answer = (requests: readonly BenchRequest[]) => requests.map((r) => interpreter.decide(r).decision === "allow");
  return { mix: answer(mix), boundary: answer(boundary) };
}

interface Mutant {
  readonly what: string;
  readonly rules: (size: PolicySize) => TextRule[];
}

/** The rules of `base` with rule `index`'s condition replaced. */
function withCondition(base: (size: PolicySize) => TextRule[], index: number, condition: string): (size: PolicySize) => TextRule[] {
  return (size) => base(size).map((r, k) => (k === index ? { ...r, condition } : r));
}

const NAMED_ROLES = ["admin", "operator", "treasurer", "payments-agent", "oncall", "secrets-admin"];

const FLIPS: readonly [string, string][] = [
  [">=", ">"],
  [">", ">="],
  ["<=", "<"],
  ["<", "<="],
];

/**
 * One-token changes to the 12 rules as cel-js reads them: each comparison with a constant made
 * strict or not strict and its constant moved by one, and each conjunct of a rule left out.
 */
function celMutants(): Mutant[] {
  const out: Mutant[] = [];
  CEL_RULES.forEach((rule, index) => {
    const c = rule.condition;
    for (const m of c.matchAll(/(>=|<=|>|<) (\d+|resource\.sensitivity)/g)) {
      const at = m.index!;
      const [op, operand] = [m[1]!, m[2]!];
      const swap = (text: string) => withCondition(celRules, index, c.slice(0, at) + text + c.slice(at + m[0].length));
      const flipped = FLIPS.find(([a]) => a === op)![1];
      out.push({ what: `${rule.name}: \`${m[0]}\` -> \`${flipped} ${operand}\``, rules: swap(`${flipped} ${operand}`) });
      if (/^\d+$/.test(operand)) {
        for (const d of [-1, 1]) out.push({ what: `${rule.name}: \`${m[0]}\` -> \`${op} ${Number(operand) + d}\``, rules: swap(`${op} ${Number(operand) + d}`) });
      }
    }
    const roles = [...c.matchAll(/"([a-z-]+)"(?= in principal\.roles)|r == "([a-z-]+)"/g)];
    for (const m of roles) {
      const role = m[1] ?? m[2]!;
      const other = NAMED_ROLES.find((r) => r !== role)!;
      out.push({ what: `${rule.name}: role "${role}" -> "${other}"`, rules: withCondition(celRules, index, c.replace(`"${role}"`, `"${other}"`)) });
    }
    const parts = c.split(" && ");
    if (parts.length > 1) {
      parts.forEach((part, k) => {
        const rest = parts.filter((_, j) => j !== k).join(" && ");
        // a conjunct that opens or closes a parenthesis is not a conjunct of the rule itself
        if ((part.match(/\(/g) ?? []).length !== (part.match(/\)/g) ?? []).length) return;
        out.push({ what: `${rule.name}: without \`${part}\``, rules: withCondition(celRules, index, rest) });
      });
    }
  });
  return out;
}

describe("the boundary requests", () => {
  beforeAll(async () => {
    reference.small = await interpreterAnswers("small");
  }, 60_000);

  it("are read from the policy's constants, on either side of each", () => {
    const rules = scanPolicy(readFileSync(join(policiesDir(), POLICY_FILES.small), "utf8"));
    const high = rules.find((r) => r.name === "high_risk")!;
    expect(high.numeric).toEqual([{ path: "context.riskScore", op: ">=", value: 80 }]);
    expect(sides(">=", 80)).toEqual([79, 80]);
    expect(sides(">", 1_000_000)).toEqual([1_000_000, 1_000_001]);
    const risks = new Set(boundary.map((r) => r.context.riskScore));
    for (const v of [29, 30, 49, 50, 79, 80]) expect(risks).toContain(v);
    const hours = new Set(boundary.map((r) => r.context.hour));
    for (const v of [5, 6, 21, 22]) expect(hours).toContain(v);
    expect(boundary.some((r) => r.context.amount === 1_000_001 && r.context.approvals === 2)).toBe(true);
    // every permit of the 1,012-rule variant on its own
    for (const p of largePermitPairs().permits) {
      expect(boundary.some((r) => r.action.tool === p.tool && r.principal.roles.length === 1 && r.principal.roles[0] === p.role)).toBe(true);
    }
    // none of them is in the timed mix, which stays as it was
    const timed = new Set(mix.map((r) => JSON.stringify(r)));
    expect(boundary.filter((r) => timed.has(JSON.stringify(r)))).toEqual([]);
    expect(boundaryRequests()).toEqual(boundary); // deterministic
  });

  it("refuse a policy form the scanner cannot read, rather than leave its constants out", () => {
    expect(() => scanPolicy("forbid odd when context.hour in [1, 2]")).toThrow(/rule odd: cannot place the literal 1/);
    // literal forms the atoms do not read are errors too, never a comparison left out unsaid
    const forms: [string, string][] = [
      ["context.riskScore >= 0x50", "0x50"],
      ["action.name == 'shell.exec'", "'shell.exec'"],
      ['action.name == r"shell.exec"', 'r"shell.exec"'],
      ["context.amount > 1.5", "5"],
    ];
    for (const [condition, literal] of forms) {
      expect(() => scanPolicy(`permit odd when ${condition}`), condition).toThrow(`rule odd: cannot place the literal ${literal} in a comparison it knows`);
    }
  });

  it("catch every one-token change to cel-js's rules that decides some request differently", async () => {
    const small = reference.small!;
    const mutants = celMutants();
    const passMix: string[] = [];
    const passCheck: string[] = [];
    for (const mutant of mutants) {
      const engine = createCelEngine(mutant.rules);
      await engine.prepare("small");
      if (checkAgreement(engine, "small", mix, small.mix).disagreementCount === 0) passMix.push(mutant.what);
      if (passes(checkEngine(engine, "small", mix, small.mix, { requests: boundary, expected: small.boundary }))) passCheck.push(mutant.what);
    }
    expect(mutants.length).toBeGreaterThan(40);
    // the mix alone lets these through: it never lands on their boundaries
    for (const what of [
      "high_risk: `>= 80` -> `> 80`",
      "shell_guard: `< 30` -> `<= 30`",
      "large_transfer: `> 1000000` -> `>= 1000000`",
      "large_transfer: `>= 2` -> `> 2`",
      "http_fetch: without `action.tool == \"curl\"`",
    ]) expect(passMix).toContain(what);
    expect(passMix.length).toBeGreaterThanOrEqual(15);
    // with the boundary requests, only a change that decides every request as before gets through:
    // shell_guard already forbids shell.exec to anyone not an operator, so shell_operator's own test
    // for the role changes nothing
    expect(passCheck).toEqual(['shell_operator: without `"operator" in principal.roles`']);
  }, 120_000);

  it("stop the benchmark's check on such a change in casbin's rules, naming a boundary request", async () => {
    const small = reference.small!;
    for (const [from, to] of [
      ["r.ctx.riskScore >= 80", "r.ctx.riskScore > 80"],
      ["r.ctx.amount > 1000000", "r.ctx.amount >= 1000000"],
      ["r.ctx.approvals >= 2", "r.ctx.approvals > 2"],
    ] as const) {
      const rules = (size: PolicySize) => casbinRules(size).map((r) => ({ ...r, condition: r.condition.replace(from, to) }));
      expect(rules("small").some((r) => r.condition.includes(to))).toBe(true);
      const engine = createCasbinEngine(rules);
      await engine.prepare("small");
      expect(checkAgreement(engine, "small", mix, small.mix).disagreementCount, `${from} -> ${to} on the mix`).toBe(0);
      const [edge, onMix] = checkEngine(engine, "small", mix, small.mix, { requests: boundary, expected: small.boundary });
      expect(onMix).toBeUndefined(); // the check stops at the first list that disagrees
      expect(edge!.disagreementCount).toBeGreaterThan(0);
      expect(describeDisagreements(edge!, "writ-interp")).toMatch(
        new RegExp(`^casbin disagrees with writ-interp on \\d+ of ${boundary.length} boundary requests \\(small policy\\)[^]*\n  boundary request #\\d+: writ-interp says (allow|deny), casbin says (allow|deny)\n`),
      );
    }
  }, 120_000);

  it("catch a change to one of the 1,012-rule variant's permits", async () => {
    reference.large ??= await interpreterAnswers("large");
    const large = reference.large;
    const { permits, byTool } = largePermitPairs();
    // a permit the mix never uses: no request of it names its tool with its role
    const unused = permits.findIndex((p) => !mix.some((r) => r.action.tool === p.tool && r.principal.roles.includes(p.role)));
    expect(unused).toBeGreaterThanOrEqual(0);
    const permit = permits[unused]!;
    const index = CEL_RULES.length + unused;
    const otherRole = Array.from({ length: 60 }, (_, i) => `role-${String(i).padStart(2, "0")}`).find((r) => !byTool.get(permit.tool)!.has(r))!;
    const changes: [string, string][] = [
      [`"${permit.role}"`, `"${otherRole}"`],
      [`action.tool == "${permit.tool}" && `, ""],
    ];
    for (const [from, to] of changes) {
      const rules = (size: PolicySize) => celRules(size).map((r, k) => (k === index ? { ...r, condition: r.condition.replace(from, to) } : r));
      expect(rules("large")[index]!.condition).not.toBe(celRules("large")[index]!.condition);
      const engine: Engine = createCelEngine(rules);
      await engine.prepare("large");
      const reports = checkEngine(engine, "large", mix, large.mix, { requests: boundary, expected: large.boundary });
      expect(passes(reports), `${permit.name}: ${from} -> ${to}`).toBe(false);
    }
  }, 120_000);
});

function passes(reports: readonly AgreementReport[]): boolean {
  return reports.length === 2 && reports.every((r) => r.disagreementCount === 0);
}
