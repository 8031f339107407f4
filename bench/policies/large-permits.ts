// The 1,000 extra permits of the large policy variant: `action.tool == "tool-NNN" && "role-MM" in
// principal.roles`, over 250 tools (tool-000..tool-249) and 60 roles, every (tool, role) pair unique.
// Each tool gets exactly four distinct roles, drawn with a seeded PRNG, so all 250 tools appear and the
// set is the same in every process. Every engine builds its large policy from this one list.

import { mulberry32, pad } from "../prng.js";
import { GENERATED_ROLE_COUNT, PERMITTED_TOOL_COUNT, generatedRole, generatedTool } from "../request.js";

export const LARGE_POLICY_SEED = 1012;
export const LARGE_PERMIT_COUNT = 1000;
const ROLES_PER_TOOL = LARGE_PERMIT_COUNT / PERMITTED_TOOL_COUNT;

export interface ToolRolePermit {
  /** rule name, e.g. `tool_042_role_17` */
  readonly name: string;
  readonly tool: string;
  readonly role: string;
}

export interface LargePermits {
  /** in declaration order (by tool, then by role) */
  readonly permits: readonly ToolRolePermit[];
  /** tool → roles it is permitted to; what a hand-written implementation would index by */
  readonly byTool: ReadonlyMap<string, ReadonlySet<string>>;
}

let cached: LargePermits | undefined;

export function largePermitPairs(): LargePermits {
  if (cached !== undefined) return cached;
  const rng = mulberry32(LARGE_POLICY_SEED);
  const permits: ToolRolePermit[] = [];
  const byTool = new Map<string, Set<string>>();
  for (let t = 0; t < PERMITTED_TOOL_COUNT; t++) {
    const roleIndexes = new Set<number>();
    while (roleIndexes.size < ROLES_PER_TOOL) roleIndexes.add(rng.int(GENERATED_ROLE_COUNT));
    const tool = generatedTool(t);
    const roles = new Set<string>();
    for (const r of [...roleIndexes].sort((a, b) => a - b)) {
      const role = generatedRole(r);
      roles.add(role);
      permits.push({ name: `tool_${pad(t, 3)}_role_${pad(r, 2)}`, tool, role });
    }
    byTool.set(tool, roles);
  }
  cached = { permits, byTool };
  return cached;
}
