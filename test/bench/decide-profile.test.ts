// The decide profile (bench/decide-profile.ts) times the generated pass without one check or another
// by altering its source. The alterations must still find what they remove in the pass generated for
// the benchmark policy, and the pass without them must still be a function that takes the requests.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { CHECKS, without } from "../../bench/decide-profile.js";
import { generateMix } from "../../bench/mix.js";
import { memoryWriters } from "../../runtime/wasm/encoder.js";
import { compileIngest, ingestSource, SLOW_PATH } from "../../runtime/wasm/ingest-codegen.js";
import type { InputLayout } from "../../runtime/wasm/layout.js";

describe("the decide profile's alterations", () => {
  it("each removes something from the benchmark policy's pass, and the bare pass still runs the mix", async () => {
    const text = readFileSync(new URL("../../bench/policies/agent-governance.writ", import.meta.url), "utf8");
    const { bundle } = await compilePolicy(text, { fileName: "agent-governance.writ" });
    const source = ingestSource(bundle!.manifest.schema, bundle!.manifest.layout as InputLayout, 1024)!;
    for (const c of CHECKS) expect(without(source, [c]).body.length, c.name).toBeLessThan(source.body.length);
    const bare = compileIngest(without(source, CHECKS))!(memoryWriters(new WebAssembly.Memory({ initial: 1, maximum: 1 })));
    for (const r of generateMix()) expect(bare(r)).not.toBe(SLOW_PATH);
    // and a request with an unknown field, which the real pass refuses, is what the bare one lets by
    const extra = { ...generateMix(1, 1)[0]!, extra: 1 };
    expect(compileIngest(source)!(memoryWriters(new WebAssembly.Memory({ initial: 1, maximum: 1 })))(extra)).toBe(SLOW_PATH);
    expect(bare(extra)).not.toBe(SLOW_PATH);
  });
});
