// Where a decision's time goes (`npm run build && node dist/bench/decide-profile.js [policy.writ]`):
// the 12-rule benchmark policy's `decide` over the benchmark mix, taken apart. The generated
// validate-and-encode pass (runtime/wasm/ingest-codegen.ts) is timed as generated, then without one
// of its checks at a time (its source altered; each alteration must change it), then with none of
// them. Each variant runs in fresh processes
// (JIT state of one must not shape another); each figure is the best pass over the mix of the best
// process (the least disturbed by the rest of the machine), per request.
//
// The policy is compiled once, here, and the children load the written bundle with the runtime
// alone, as a deciding host does. A child that compiled for itself would be timed while V8 still
// compiles the compiler's own WebAssembly (binaryen) on a background thread: for seconds after a
// compile, a call into a decision module measured 15–35 ns instead of 4.
//
// The altered passes are for timing only: without their checks they accept requests the validator
// refuses. The runtime never builds them.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isMainModule } from "../compiler/main-module.js";
import { loadPolicy } from "../runtime/policy.js";
import { readBundle, writeBundle } from "../runtime/trust/bundle-files.js";
import { memoryWriters } from "../runtime/wasm/encoder.js";
import { compileIngest, ingestSource, type IngestSource } from "../runtime/wasm/ingest-codegen.js";
import type { InputLayout } from "../runtime/wasm/layout.js";
import { generateMix } from "./mix.js";
import { policiesDir } from "./paths.js";

const SAMPLES = 300;
const WARM_UP = 300;

/** ns per request: the best of SAMPLES passes over `requests`. */
function bestNs<T>(requests: readonly T[], f: (r: T) => unknown): number {
  for (let k = 0; k < WARM_UP; k++) for (let i = 0; i < requests.length; i++) f(requests[i]!);
  let best = Infinity;
  for (let k = 0; k < SAMPLES; k++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < requests.length; i++) f(requests[i]!);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / requests.length);
  }
  return best;
}

/** The checks a pass can be timed without: a pattern over the generated source and its replacement. */
export const CHECKS: readonly { readonly name: string; readonly pattern: RegExp; readonly replacement: string }[] = [
  {
    name: "refusing unknown fields (each key by name, and their count, per record)",
    pattern: /let c\$\d+ = 0; for \(const k\$\d+ in [^)]+\) \{ if \([^{}]+\) return -1; c\$\d+\+\+; \} if \(c\$\d+ !== n\$\d+\) return -1;/g,
    replacement: "",
  },
  {
    name: "well-formed Unicode in strings outside the constants",
    pattern: / \|\| ![\w$]+\.isWellFormed\(\)|if \(![\w$]+\.isWellFormed\(\)\) return -1;/g,
    replacement: "",
  },
];

export function without(source: IngestSource, checks: typeof CHECKS): IngestSource {
  let body = source.body;
  for (const c of checks) {
    const altered = body.replace(c.pattern, c.replacement);
    if (altered === body) throw new Error(`the generated pass no longer has the shape this tool removes: ${c.name}`);
    body = altered;
  }
  return { ...source, body };
}

type Variant = "decide" | "pass" | "bare" | `without:${number}`;

/** Times one variant in this process (each runs in a fresh child: JIT state does not carry over). */
function measure(variant: Variant, bundleDir: string): number {
  const bundle = readBundle(bundleDir);
  const { manifest } = bundle;
  const policy = loadPolicy(bundle, { allowUnsigned: true });
  const mix = generateMix();
  const source = ingestSource(manifest.schema, manifest.layout as InputLayout, 1024);
  if (!source) throw new Error("this policy's schema has no fast path");
  const pass = (s: IngestSource) => {
    const ingest = compileIngest(s)!(memoryWriters(new WebAssembly.Memory({ initial: 1, maximum: 1 })));
    return bestNs(mix, ingest);
  };
  if (variant === "decide") return bestNs(mix, (r) => policy.decide(r));
  if (variant === "pass") return pass(source);
  if (variant === "bare") return pass(without(source, CHECKS));
  return pass(without(source, [CHECKS[Number(variant.slice("without:".length))]!]));
}

/** One fresh child timing `variant` on the bundle in `bundleDir`. */
function child(variant: Variant, bundleDir: string): number {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), "--measure", variant, bundleDir], { encoding: "utf8" });
  return Number(out.trim());
}

/**
 * The best of `rounds` children per variant, taken in rounds (every variant once per round): the host
 * changes speed for a minute at a time, and variants timed one after another would each meet a
 * different phase of it.
 */
function bestOfRounds(variants: readonly Variant[], bundleDir: string, rounds: number): Map<Variant, number> {
  const best = new Map<Variant, number>(variants.map((v) => [v, Infinity]));
  for (let r = 0; r < rounds; r++) for (const v of variants) best.set(v, Math.min(best.get(v)!, child(v, bundleDir)));
  return best;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === "--measure") {
    console.log(measure(args[1] as Variant, args[2]!));
    return;
  }
  const file = args[0] ?? join(policiesDir(), "agent-governance.writ");
  const { compilePolicy } = await import("../compiler/driver.js");
  const compiled = await compilePolicy(readFileSync(file, "utf8"), { fileName: file });
  if (!compiled.bundle) throw new Error(compiled.diagnostics.map((d) => d.message).join("\n"));
  const bundleDir = mkdtempSync(join(tmpdir(), "writ-decide-profile-"));
  try {
    writeBundle(bundleDir, compiled.bundle);
    const rounds = 5;
    const without = CHECKS.map((_, i) => `without:${i}` as const);
    const best = bestOfRounds(["decide", "pass", ...without, "bare"], bundleDir, rounds);
    const decide = best.get("decide")!;
    const generated = best.get("pass")!;
    const rows: [string, number][] = [["decide, in all", decide], ["the generated validate-and-encode pass", generated]];
    CHECKS.forEach((c, i) => rows.push([`  of which ${c.name}`, generated - best.get(without[i]!)!]));
    rows.push(["  the pass without these checks (reads, type tests, constant look-ups, stores)", best.get("bare")!]);
    rows.push(["the rest: the module call, decoding its result into a Decision", decide - generated]);
    console.log(`${file}: ${SAMPLES} passes over the benchmark mix per process, best of ${rounds} processes taken in rounds, ns per request`);
    for (const [what, ns] of rows) console.log(`${ns.toFixed(1).padStart(7)}  ${what}`);
  } finally {
    rmSync(bundleDir, { recursive: true, force: true });
  }
}

if (isMainModule(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 1;
  });
}
