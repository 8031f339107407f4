// Policies of 10, 100, 1,000 and 10,000 rules, all of the indexable form
// `permit <name> when action.tool == "tool-NNN" && "role-MM" in principal.roles` (four distinct
// roles per tool, seeded), over the agent-governance input schema. They show whether decision time
// grows with the number of rules. Usage: npx tsx bench/policies/generate-scaling.ts [out-dir]
// (default bench/policies/scaling/, generated files are not committed).

import { writeFileSync } from "node:fs";
import { makeDirectories } from "../../runtime/make-directories.js";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { mulberry32, pad } from "../prng.js";
import { GENERATED_ROLE_COUNT, generatedRole } from "../request.js";
import { policiesDir } from "../paths.js";

export const SCALING_SIZES = [10, 100, 1000, 10_000] as const;

/**
 * The most rules a scaling policy can have and still be parsed: the parser takes a text of at most
 * 300,000 tokens (MAX_TOKENS, compiler/syntax/index.ts; not imported, so that the timed children
 * need not load the parser), and the policy of n rules has 81 + 14·n (the header and the input
 * block, then one `permit NAME when action . tool == "tool-NNN" && "role-MM" in principal . roles`
 * a rule), which makes 21,422. A larger size is refused before anything is built: its text alone
 * would be generated only for the compiler to refuse it (W0114). test/bench/scaling-size.test.ts
 * lexes the policies of this size and the next to hold the figure to the parser's limit.
 */
export const PARSER_MAX_TOKENS = 300_000;
const HEADER_TOKENS = 81;
const RULE_TOKENS = 14;
export const MAX_SCALING_RULES = Math.floor((PARSER_MAX_TOKENS - HEADER_TOKENS) / RULE_TOKENS);
const SCALING_SEED = 4242;
const ROLES_PER_TOOL = 4;

const INPUT_BLOCK = `input {
  principal: { id: string, roles: list<string>(16), clearance: int, tenant: string }
  action: { name: string, tool: string }
  resource: { id: string, type: string, owner: string, sensitivity: int }
  context: { amount: int, hour: int, riskScore: int, approvals: int }
}`;

export interface ScalingPermit {
  readonly name: string;
  readonly tool: string;
  readonly role: string;
}

/** `ruleCount` permits, four per tool (tools `tool-000` upwards), unique (tool, role) pairs. */
export function scalingPermits(ruleCount: number): ScalingPermit[] {
  const rng = mulberry32(SCALING_SEED + ruleCount);
  const permits: ScalingPermit[] = [];
  for (let t = 0; permits.length < ruleCount; t++) {
    const roles = new Set<number>();
    const want = Math.min(ROLES_PER_TOOL, ruleCount - permits.length);
    while (roles.size < want) roles.add(rng.int(GENERATED_ROLE_COUNT));
    const tool = `tool-${pad(t, 3)}`;
    for (const r of [...roles].sort((a, b) => a - b)) {
      permits.push({ name: `tool_${pad(t, 3)}_role_${pad(r, 2)}`, tool, role: generatedRole(r) });
    }
  }
  return permits;
}

export function scalingPolicySource(ruleCount: number): string {
  const lines = [`policy "scaling-${ruleCount}" version "1.0.0"`, "", INPUT_BLOCK, ""];
  for (const p of scalingPermits(ruleCount)) {
    lines.push(`permit ${p.name} when action.tool == "${p.tool}" && "${p.role}" in principal.roles`);
  }
  return `${lines.join("\n")}\n`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const outDir = process.argv[2] ?? join(policiesDir(), "scaling");
  makeDirectories(outDir);
  for (const n of SCALING_SIZES) {
    const file = join(outDir, `scaling-${n}.writ`);
    writeFileSync(file, scalingPolicySource(n));
    console.log(`wrote ${file}`);
  }
}
