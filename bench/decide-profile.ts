// Where a decision's time goes (`npm run build && node dist/bench/decide-profile.js [policy.writ]`):
// a policy's `decide` over the benchmark mix (bench/mix.ts), taken apart; by default the 12-rule
// benchmark policy. The generated validate-and-encode pass (runtime/wasm/ingest-codegen.ts) is timed
// as generated, then without one of its checks at a time (its source altered; each alteration must
// change it), then with none of them. Each variant runs in fresh processes
// (JIT state of one must not shape another); each figure is the best pass over the mix of the best
// process (the least disturbed by the rest of the machine), per request.
//
// The mix is the benchmark's whatever the policy: another policy is profiled only when it reads the
// benchmark's request shape, i.e. its schema accepts every request of the mix and each takes the
// generated pass. Otherwise the tool refuses before timing anything: a refused request costs a
// validator's error, not a decision, and the rows (decide less the pass) would be differences of
// unrelated things. A check the policy's schema gives no occasion for (no strings: no Unicode test)
// is not in its pass and is reported so; a schema with no generated pass at all (field names that
// plain objects inherit) gets `decide` alone.
//
// The policy is compiled once, here, and the children load the written bundle with the runtime
// alone, as a deciding host does. A child that compiled for itself would be timed while V8 still
// compiles the compiler's own WebAssembly (binaryen) on a background thread: for seconds after a
// compile, a call into a decision module measured 15–35 ns instead of 4.
//
// The altered passes are for timing only: without their checks they accept requests the validator
// refuses. The runtime never builds them.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { withTempDir } from "./temp-dir.js";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isMainModule } from "../compiler/main-module.js";
import type { Bundle } from "../runtime/manifest.js";
import { loadPolicy } from "../runtime/policy.js";
import type { RecordType, SchemaType } from "../runtime/schema.js";
import { readBundle, writeBundle } from "../runtime/trust/bundle-files.js";
import { memoryWriters } from "../runtime/wasm/encoder.js";
import { compileIngest, ingestSource, SLOW_PATH, type Ingest, type IngestSource } from "../runtime/wasm/ingest-codegen.js";
import type { InputLayout } from "../runtime/wasm/layout.js";
import { generateMix } from "./mix.js";
import { policiesDir } from "./paths.js";

const SAMPLES = 300;
const WARM_UP = 300;
const ROUNDS = 5;
/** where the pass writes, here: any address will do, the pass is timed alone */
const INPUT_PTR = 1024;

const USAGE = "usage: node dist/bench/decide-profile.js [policy.writ]  (default: bench/policies/agent-governance.writ)";

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

/** Whether some part of `t` is a string: a string field or element, or a map (its keys are strings). */
function hasStrings(t: SchemaType): boolean {
  switch (t.kind) {
    case "string":
    case "map":
      return true;
    case "list":
      return hasStrings(t.element);
    case "record":
      return t.fields.some((f) => hasStrings(f.type));
    default:
      return false;
  }
}

/** A check a pass can be timed without: a pattern over the generated source and its replacement. */
export interface Check {
  readonly name: string;
  readonly pattern: RegExp;
  readonly replacement: string;
  /** whether the generator writes this check into the pass of `schema` (then the pattern must find it) */
  readonly inPassOf: (schema: RecordType) => boolean;
  /** why a schema's pass has no such check */
  readonly absentWhen: string;
}

export const CHECKS: readonly Check[] = [
  {
    name: "refusing unknown fields (each key by name, and their count, per record)",
    pattern: /let c\$\d+ = 0; for \(const k\$\d+ in [^)]+\) \{ if \([^{}]+\) return -1; c\$\d+\+\+; \} if \(c\$\d+ !== n\$\d+\) return -1;/g,
    replacement: "",
    // the input is a record, and the keys of every record are checked
    inPassOf: () => true,
    absentWhen: "the schema has no records",
  },
  {
    name: "well-formed Unicode in strings outside the constants",
    pattern: / \|\| ![\w$]+\.isWellFormed\(\)|if \(![\w$]+\.isWellFormed\(\)\) return -1;/g,
    replacement: "",
    // every string the schema has, a field, an element or a map key, is tested where it is read
    inPassOf: hasStrings,
    absentWhen: "the schema has no strings",
  },
];

/**
 * Which of CHECKS the pass generated for `schema` holds, in their order. One the schema gives no
 * occasion for is absent, and that is no fault; one the generator should have written but the
 * pattern does not find means the generator writes it differently now, and the pattern here must
 * follow: that alone is an error.
 */
export function checksIn(source: IngestSource, schema: RecordType): boolean[] {
  return CHECKS.map((c) => {
    // search(), unlike test(), ignores the global pattern's lastIndex
    const found = source.body.search(c.pattern) >= 0;
    if (!found && c.inPassOf(schema)) {
      throw new Error(`the generated pass no longer has the shape this tool removes (the code generator changed; CHECKS in bench/decide-profile.ts must follow it): ${c.name}`);
    }
    return found;
  });
}

/** `source` without `checks`, each of which must be in it (checksIn says which are). */
export function without(source: IngestSource, checks: readonly Check[]): IngestSource {
  let body = source.body;
  for (const c of checks) {
    const altered = body.replace(c.pattern, c.replacement);
    if (altered === body) throw new Error(`not in this policy's pass, nothing to remove: ${c.name}`);
    body = altered;
  }
  return { ...source, body };
}

/** The generated pass of `source`, in a memory of its own (one page: the mix's requests are small). */
function ingestOf(source: IngestSource): Ingest | undefined {
  const factory = compileIngest(source);
  return factory?.(memoryWriters(new WebAssembly.Memory({ initial: 1, maximum: 1 })));
}

/** What the profile can take apart, once the policy is known to read the mix. */
export interface Profilable {
  /** the generated pass, or undefined when the schema has none (then `decide` alone is timed) */
  readonly source: IngestSource | undefined;
  /** per entry of CHECKS, whether the pass holds it */
  readonly present: readonly boolean[];
}

/**
 * Whether `bundle` can be profiled over `mix`: its schema must accept every request, and each must
 * take the generated pass (when the schema has one). Otherwise a message that says why, naming the
 * first request that does not, for the tool to refuse with before anything is timed.
 */
export function checkMix(file: string, bundle: Bundle, mix: readonly unknown[]): { ok: true; profile: Profilable } | { ok: false; message: string } {
  const policy = loadPolicy(bundle, { allowUnsigned: true });
  const shape =
    "this tool profiles decide over the benchmark mix (bench/mix.ts), so the policy must read the benchmark's request shape " +
    "(principal, action, resource and context, as bench/policies/agent-governance.writ does); nothing was timed";
  let refused = 0;
  let first = "";
  for (let i = 0; i < mix.length; i++) {
    const error = policy.decide(mix[i]).errors.find((e) => e.rule === null);
    if (error === undefined) continue;
    if (refused++ === 0) first = `request ${i}: ${error.message}`;
  }
  if (refused > 0) return { ok: false, message: `${file}: the policy's schema refuses ${refused} of the ${mix.length} requests of the benchmark mix (first, ${first}); ${shape}` };
  const { schema, layout } = bundle.manifest;
  const source = ingestSource(schema, layout as InputLayout, INPUT_PTR);
  const ingest = source && ingestOf(source);
  if (source === undefined || ingest === undefined) return { ok: true, profile: { source: undefined, present: CHECKS.map(() => false) } };
  const slow = mix.map((r, i) => (ingest(r) === SLOW_PATH ? i : -1)).filter((i) => i >= 0);
  if (slow.length > 0) {
    return {
      ok: false,
      message: `${file}: ${slow.length} of the ${mix.length} requests of the benchmark mix take the general path (the validator, then the encoder), not the generated pass this tool takes apart (first, request ${slow[0]}); ${shape}`,
    };
  }
  return { ok: true, profile: { source, present: checksIn(source, schema) } };
}

type Variant = "decide" | "pass" | "bare" | `without:${number}`;

/** The variants to time for `profile`: decide, and the pass's only when there is a pass. */
export function variantsOf(profile: Profilable): Variant[] {
  if (profile.source === undefined) return ["decide"];
  const withouts = CHECKS.flatMap((_, i) => (profile.present[i] ? [`without:${i}` as const] : []));
  return ["decide", "pass", ...withouts, ...(withouts.length > 0 ? ["bare" as const] : [])];
}

/**
 * What `variant` runs per request on `bundle`: decide (which needs no generated pass), or the pass as
 * generated, without one check, or without all those it holds.
 */
export function variantRun(variant: Variant, bundle: Bundle): (request: unknown) => unknown {
  if (variant === "decide") {
    const policy = loadPolicy(bundle, { allowUnsigned: true });
    return (r) => policy.decide(r);
  }
  const { schema, layout } = bundle.manifest;
  const source = ingestSource(schema, layout as InputLayout, INPUT_PTR);
  if (source === undefined) throw new Error(`the ${variant} variant times the generated pass, and this policy's schema has none`);
  const present = checksIn(source, schema);
  const removed = variant === "pass" ? [] : variant === "bare" ? CHECKS.filter((_, i) => present[i]) : [CHECKS[Number(variant.slice("without:".length))]!];
  const ingest = ingestOf(without(source, removed));
  if (ingest === undefined) throw new Error(`the ${variant} variant cannot be built here: new Function is not allowed`);
  return ingest;
}

/** Times one variant in this process (each runs in a fresh child: JIT state does not carry over). */
function measure(variant: Variant, bundleDir: string): number {
  return bestNs(generateMix(), variantRun(variant, readBundle(bundleDir)));
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

/** The table: ns per request, a dash where the pass has no such part (and a note saying why). */
export function profileRows(profile: Profilable, best: ReadonlyMap<Variant, number>): string[] {
  const rows: [number | undefined, string][] = [[best.get("decide")!, "decide, in all"]];
  if (profile.source === undefined) {
    rows.push([undefined, "the generated validate-and-encode pass: none, this policy has no fast path here (a field name plain objects inherit, or no new Function); decide validates, then encodes"]);
  } else {
    const generated = best.get("pass")!;
    rows.push([generated, "the generated validate-and-encode pass"]);
    CHECKS.forEach((c, i) => {
      if (profile.present[i]) rows.push([generated - best.get(`without:${i}`)!, `  of which ${c.name}`]);
      else rows.push([undefined, `  of which ${c.name}: not in this policy's pass (${c.absentWhen})`]);
    });
    const bare = best.get("bare");
    if (bare !== undefined) rows.push([bare, "  the pass without these checks (reads, type tests, constant look-ups, stores)"]);
    rows.push([best.get("decide")! - generated, "the rest: the module call, decoding its result into a Decision"]);
  }
  return rows.map(([ns, what]) => `${(ns === undefined ? "–" : ns.toFixed(1)).padStart(7)}  ${what}`);
}

/** The tool; returns its exit status (1 when the policy cannot be profiled, 2 on a usage error). */
export async function main(args: readonly string[], out: (line: string) => void = console.log, err: (line: string) => void = console.error): Promise<number> {
  if (args[0] === "--measure") {
    out(String(measure(args[1] as Variant, args[2]!)));
    return 0;
  }
  if (args.length === 1 && (args[0] === "--help" || args[0] === "-h")) {
    out(USAGE);
    return 0;
  }
  if (args.length > 1 || args[0]?.startsWith("-")) {
    err(USAGE);
    return 2;
  }
  const file = args[0] ?? join(policiesDir(), "agent-governance.writ");
  const { compilePolicy } = await import("../compiler/driver.js");
  const compiled = await compilePolicy(readFileSync(file, "utf8"), { fileName: file });
  if (!compiled.bundle) {
    err(`${file}: ${compiled.diagnostics.map((d) => d.message).join("\n")}`);
    return 1;
  }
  const checked = checkMix(file, compiled.bundle, generateMix());
  if (!checked.ok) {
    err(checked.message);
    return 1;
  }
  await withTempDir("writ-decide-profile-", (bundleDir) => {
    writeBundle(bundleDir, compiled.bundle!);
    const best = bestOfRounds(variantsOf(checked.profile), bundleDir, ROUNDS);
    out(`${file}: ${SAMPLES} passes over the benchmark mix per process, best of ${ROUNDS} processes taken in rounds, ns per request`);
    for (const line of profileRows(checked.profile, best)) out(line);
  });
  return 0;
}

if (isMainModule(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : String(e));
      process.exitCode = 1;
    },
  );
}
