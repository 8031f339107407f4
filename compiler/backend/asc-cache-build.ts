// Builds the asc code cache (asc-cache.ts) for the CLI: `node dist/compiler/backend/asc-cache-build.js`,
// run at install time (`prepare`, after `tsc`). It applies the CLI's V8 flags first, because V8
// accepts a code cache only under the flags it was made with. A failure is reported and ignored: the
// CLI then imports asc the ordinary way.

import { compilePolicy } from "../driver.js";
import { buildAscCache, type BuildResult } from "./asc-cache.js";
import { setAsc, tuneForOneShotCompile } from "./asc.js";
import { isMainModule } from "../main-module.js";

// A small policy that exercises what generated code uses: strings, lists, maps, macros, arithmetic
// and an indexed rule set, so the cache holds the compiler code a real compile runs.
const SAMPLE = `policy "code-cache-sample" version "1.0.0"

input {
  principal: { id: string(64), tenant: string(64), roles: list<string(32)>(8), clearance: int }
  action: { name: string(64), tool: string(32), args: map<string, string(128)>(8) }
  resource: { type: string(32), owner: string(64), sensitivity: int, tags: list<string(32)>(8) }
  context: { amount: int, hour: int, risk: int, approvals: int }
}

let ADMINS = ["admin", "root"]

forbid cross_tenant when principal.tenant != resource.owner
forbid risky when context.risk * 2 + context.approvals >= 160
forbid tagged when resource.tags.exists(t, t.startsWith("secret") || t.endsWith("-pii"))
permit reader when action.name == "docs.read" && resource.sensitivity <= principal.clearance
permit admin when principal.roles.exists(r, r in ADMINS)
permit tool_a when action.tool == "a" && "ops" in principal.roles
permit tool_b when action.tool == "b" && size(action.args) < 4 && action.args["mode"] == "dry-run"
permit tool_c when action.tool == "c" && size(principal.roles.filter(r, r.contains("ops"))) >= 1
permit payments when action.name == "payments.transfer" && context.amount / 100 < 5000 && context.amount % 2 == 0
`;

/** Builds the cache the CLI reads (or one in `cacheDir`); applies the CLI's V8 flags first. */
export async function buildCliCodeCache(cacheDir?: string): Promise<BuildResult> {
  tuneForOneShotCompile();
  return buildAscCache(async (asc) => {
    setAsc(asc);
    const r = await compilePolicy(SAMPLE, { fileName: "sample.writ" });
    return r.bundle?.module;
  }, cacheDir);
}

if (isMainModule(import.meta.url)) {
  const t0 = performance.now();
  // never fails the install: without a cache the CLI imports asc the ordinary way
  const noCache = (reason: string) => process.stderr.write(`writ: no asc code cache (${reason}); compiles will import asc the ordinary way\n`);
  buildCliCodeCache().then(
    (r) => {
      const took = `${((performance.now() - t0) / 1000).toFixed(1)} s`;
      if (r.ok) process.stdout.write(`writ: asc code cache written to ${r.dir} (${took})\n`);
      else noCache(r.reason);
    },
    (e: unknown) => noCache(e instanceof Error ? e.message : String(e)),
  );
}
