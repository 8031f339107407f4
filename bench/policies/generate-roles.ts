// Role-based policies for `writ bench`: 10, 100, 1,000 and 10,000 permits of the form
// `permit role_N when "role-N" in principal.roles && context.level >= L`, whose only index is the
// membership test (rule indexing on list elements, docs/language.md), and a seeded request file per
// size: 16 roles per principal, 4 of them named by some rule (repeats possible), 12 that no rule names.
// Usage: npx tsx bench/policies/generate-roles.ts [out-dir]  (default bench/policies/roles/, not
// committed), then `writ bench <out-dir>/roles-1000.writ --requests <out-dir>/roles-1000.json`.

import { writeFileSync } from "node:fs";
import { makeDirectories } from "../../runtime/make-directories.js";
import { join } from "node:path";
import { isMainModule } from "../../compiler/main-module.js";
import { mulberry32 } from "../prng.js";
import { policiesDir } from "../paths.js";

export const ROLE_POLICY_SIZES = [10, 100, 1000, 10000] as const;
const REQUESTS = 1000;

export function rolePolicySource(ruleCount: number): string {
  const lines = [
    `policy "roles-${ruleCount}" version "1.0.0"`,
    "",
    "input {",
    "  principal: { id: string, roles: list<string>(16) }",
    "  context: { level: int }",
    "}",
    "",
  ];
  for (let n = 0; n < ruleCount; n++) lines.push(`permit role_${n} when "role-${n}" in principal.roles && context.level >= ${n % 5}`);
  return `${lines.join("\n")}\n`;
}

export function roleRequests(ruleCount: number): object[] {
  const rng = mulberry32(777 + ruleCount);
  return Array.from({ length: REQUESTS }, (_, i) => {
    const roles = [
      ...Array.from({ length: 4 }, () => `role-${rng.int(ruleCount)}`),
      ...Array.from({ length: 12 }, () => `team-${rng.int(5000)}`),
    ];
    for (let k = roles.length - 1; k > 0; k--) {
      const j = rng.int(k + 1);
      [roles[k], roles[j]] = [roles[j]!, roles[k]!];
    }
    return { principal: { id: `user-${i}`, roles }, context: { level: rng.int(5) } };
  });
}

if (isMainModule(import.meta.url)) {
  const outDir = process.argv[2] ?? join(policiesDir(), "roles");
  makeDirectories(outDir);
  for (const n of ROLE_POLICY_SIZES) {
    writeFileSync(join(outDir, `roles-${n}.writ`), rolePolicySource(n));
    writeFileSync(join(outDir, `roles-${n}.json`), JSON.stringify(roleRequests(n)));
    console.log(`wrote ${join(outDir, `roles-${n}.writ`)} and its requests`);
  }
}
