// The decide profile (bench/decide-profile.ts) times the generated pass without one check or another
// by altering its source. The alterations must still find what they remove in the pass generated for
// the benchmark policy, and the pass without them must still be a function that takes the requests.
// It times the benchmark mix whatever the policy, so it refuses, before timing, a policy whose schema
// refuses the mix's requests or sends them the general way; a check a schema gives no occasion for is
// reported as not in that policy's pass, not as a change of the code generator. Nothing is timed here.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { CHECKS, checkMix, checksIn, main, profileRows, variantRun, variantsOf, without } from "../../bench/decide-profile.js";
import { generateMix } from "../../bench/mix.js";
import type { Bundle } from "../../runtime/manifest.js";
import { memoryWriters } from "../../runtime/wasm/encoder.js";
import { compileIngest, ingestSource, SLOW_PATH } from "../../runtime/wasm/ingest-codegen.js";
import type { InputLayout } from "../../runtime/wasm/layout.js";

const governanceFile = new URL("../../bench/policies/agent-governance.writ", import.meta.url);
const governance = readFileSync(governanceFile, "utf8");

async function bundleOf(text: string): Promise<Bundle> {
  const { bundle, diagnostics } = await compilePolicy(text, { fileName: "test.writ" });
  if (!bundle) throw new Error(diagnostics.map((d) => d.message).join("\n"));
  return bundle;
}

const sourceOf = (bundle: Bundle) => ingestSource(bundle.manifest.schema, bundle.manifest.layout as InputLayout, 1024);

/** `profileRows` with every variant of `variants` timed at `ns` (the values do not matter here). */
const rowsAt = (profile: Parameters<typeof profileRows>[0], ns: number) => profileRows(profile, new Map(variantsOf(profile).map((v) => [v, ns])));

describe("the decide profile's alterations", () => {
  it("each removes something from the benchmark policy's pass, and the bare pass still runs the mix", async () => {
    const source = sourceOf(await bundleOf(governance))!;
    for (const c of CHECKS) expect(without(source, [c]).body.length, c.name).toBeLessThan(source.body.length);
    const bare = compileIngest(without(source, CHECKS))!(memoryWriters(new WebAssembly.Memory({ initial: 1, maximum: 1 })));
    for (const r of generateMix()) expect(bare(r)).not.toBe(SLOW_PATH);
    // and a request with an unknown field, which the real pass refuses, is what the bare one lets by
    const extra = { ...generateMix(1, 1)[0]!, extra: 1 };
    expect(compileIngest(source)!(memoryWriters(new WebAssembly.Memory({ initial: 1, maximum: 1 })))(extra)).toBe(SLOW_PATH);
    expect(bare(extra)).not.toBe(SLOW_PATH);
  });
});

describe("which policies the decide profile takes", () => {
  it("the benchmark policy: every request of the mix takes the pass, which holds every check", async () => {
    const checked = checkMix("agent-governance.writ", await bundleOf(governance), generateMix());
    expect(checked.ok).toBe(true);
    if (checked.ok) {
      expect(checked.profile.present).toEqual(CHECKS.map(() => true));
      expect(variantsOf(checked.profile)).toEqual(["decide", "pass", ...CHECKS.map((_, i) => `without:${i}`), "bare"]);
    }
  });

  it("refuses a policy that does not read the benchmark's requests, before timing, exit 1", async () => {
    const file = new URL("../../policies/payments.writ", import.meta.url).pathname;
    const out: string[] = [];
    const err: string[] = [];
    expect(await main([file], (l) => out.push(l), (l) => err.push(l))).toBe(1);
    expect(out).toEqual([]); // no figure
    expect(err.join("\n")).toMatch(/payments\.writ: the policy's schema refuses 1000 of the 1000 requests of the benchmark mix \(first, request 0: .+\); this tool profiles decide over the benchmark mix \(bench\/mix\.ts\), so the policy must read the benchmark's request shape .*nothing was timed$/);
  }, 60_000);

  it("refuses a policy whose schema takes the mix but sends requests the general way", async () => {
    // a map key named as one plain objects inherit is valid, and the pass leaves it to the general path
    const bundle = await bundleOf(governance.replace("context: { amount: int,", "context: { extra?: map<string, int>, amount: int,"));
    const mix = generateMix(1, 20).map((r, i) => (i === 3 ? { ...r, context: { ...r.context, extra: { constructor: 1 } } } : r));
    const checked = checkMix("g.writ", bundle, mix);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.message).toMatch(/^g\.writ: 1 of the 20 requests of the benchmark mix take the general path .*\(first, request 3\); this tool profiles decide over the benchmark mix/);
  });

  it("says a check the schema gives no occasion for is not in the pass, and the generator changed only when one should be", async () => {
    const ints = await bundleOf('policy "ints" version "1.0.0"\ninput { a: { n: int } }\npermit r when a.n > 1\n');
    const source = sourceOf(ints)!;
    const strings = CHECKS.findIndex((c) => c.name.includes("Unicode"));
    const present = checksIn(source, ints.manifest.schema);
    expect(present[strings]).toBe(false);
    expect(present.filter((p) => p).length).toBe(CHECKS.length - 1);
    const profile = { source, present };
    expect(variantsOf(profile)).not.toContain(`without:${strings}`);
    const rows = rowsAt(profile, 10);
    expect(rows).toContainEqual(`      –    of which ${CHECKS[strings]!.name}: not in this policy's pass (the schema has no strings)`);
    expect(rows.join("\n")).not.toMatch(/-\d/); // no negative figure
    // a pass whose schema has strings but whose Unicode test the pattern no longer finds: that is a change
    const governancePass = sourceOf(await bundleOf(governance))!;
    const rewritten = { ...governancePass, body: governancePass.body.replaceAll(".isWellFormed()", ".isWellFormed?.()") };
    const schema = (await bundleOf(governance)).manifest.schema;
    expect(() => checksIn(rewritten, schema)).toThrow(/the code generator changed.*well-formed Unicode/);
  });

  it("profiles decide alone for a schema with no generated pass; the decide variant does not need one", async () => {
    // a field named as one plain objects inherit: no fast path, and the mix's requests (which lack it) are valid
    const bundle = await bundleOf(governance.replace("context: { amount: int,", "context: { constructor?: string(8), amount: int,"));
    expect(sourceOf(bundle)).toBeUndefined();
    const checked = checkMix("ctor.writ", bundle, generateMix());
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    expect(variantsOf(checked.profile)).toEqual(["decide"]);
    const decide = variantRun("decide", bundle);
    const d = decide(generateMix(1, 1)[0]) as { decision: string };
    expect(["allow", "deny"]).toContain(d.decision);
    expect(() => variantRun("pass", bundle)).toThrow(/times the generated pass, and this policy's schema has none/);
    const rows = rowsAt(checked.profile, 100);
    expect(rows).toEqual([
      "  100.0  decide, in all",
      "      –  the generated validate-and-encode pass: none, this policy has no fast path here (a field name plain objects inherit, or no new Function); decide validates, then encodes",
    ]);
  });
});
