// The compile driver: a named table of stages from source text to a bundle (module + manifest).
// Tests can stop after any stage (`stopAfter`), and the benchmark times each one (`timings`).
// compilePolicy never throws for a bad policy: its problems come back as diagnostics. Arguments that
// are not of their types (a source that is not a string, an unknown stage or option, a budget that is
// no whole number) are the caller's mistake, refused before anything runs (options.ts). A host whose
// prototypes carry a planted property is answered with W0904 alone (prototypes.ts), and a stage the
// host's stack ran out in with W0905 (stack-ran-out.ts).

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { type Diagnostic, error, hasErrors, quotedName, sortDiagnostics } from "./diagnostics.js";
import { lineColIndex, type SourceFile } from "./source.js";
import type { FieldDecl, InputDecl, PolicyFile } from "./syntax/ast.js";
import { parsePolicy, W } from "./syntax/index.js";
import { checkPolicy, type CheckedPolicy } from "./check/policy.js";
import { lintHiddenCharacters } from "./syntax/hidden-characters.js";
import { DEFAULT_COST_BUDGET, formatCost, orderingCost, ruleCosts, within } from "./ir/cost.js";
import type { IRPolicy } from "./ir/ir.js";
import { validateProfile } from "../runtime/wasm/profile.js";
import { manifestBinding, withManifestSection } from "../runtime/manifest-binding.js";
import { digestPair, sha3_512Hex } from "../runtime/crypto/digest.js";
import { ABI_VERSION, MANIFEST_FORMAT, type Bundle, type Manifest } from "../runtime/manifest.js";
import { Codes } from "./check/codes.js";
import { checkSource, readCompileOptions, type CompileOptions, type Stage } from "./options.js";
import { pollutionDiagnostic } from "./prototypes.js";
import type { CheckedOnce } from "./backend/input-checks.js";
import { append, largest } from "../runtime/arrays.js";
import { STACK_RAN_OUT, type StackStage, stackRanOut } from "./stack-ran-out.js";
import { ranOutOfStack } from "../runtime/stack-ran-out.js";

export { STAGES, type Stage, type CompileOptions } from "./options.js";

export interface CompileResult {
  readonly source: SourceFile;
  readonly diagnostics: Diagnostic[];
  readonly ast?: PolicyFile;
  readonly checked?: CheckedPolicy;
  readonly ir?: IRPolicy;
  readonly costBound?: number;
  /** rules the module dispatches through a rule index instead of evaluating on every decision */
  readonly indexedRules?: number;
  /** present when every stage succeeded */
  readonly bundle?: Bundle;
  /** milliseconds spent in each stage that ran */
  readonly timings: Partial<Record<Stage, number>>;
}

let compilerVersionCache: string | undefined;

/** The compiler version recorded in manifests (the package version). */
export function compilerVersion(): string {
  if (compilerVersionCache) return compilerVersionCache;
  // compiler/driver.ts and dist/compiler/driver.js both sit below the package root
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "writ" && pkg.version) return (compilerVersionCache = pkg.version);
    } catch {
      // keep walking up
    }
    dir = dirname(dir);
  }
  return (compilerVersionCache = "0.0.0");
}

/**
 * The backend's modules, which compilePolicy loads on first use: parsing and checking never pay for
 * them. Named once, here, for the compile worker to load them (loadBackend) before it says it is
 * ready, with asc: a worker stopped while its first compile was still reading them (a compile that
 * timed out) left file descriptors open in the host for good, as Node does not close those of file
 * reads in flight in a worker it terminates.
 */
export const BACKEND_MODULES = {
  plan: () => import("./backend/plan.js"),
  codegen: () => import("./backend/index.js"),
} as const;

/** Loads every module of BACKEND_MODULES: after it, a compile reads none of them from disk. */
export function loadBackend(): Promise<unknown[]> {
  return Promise.all(Object.values(BACKEND_MODULES).map((load) => load()));
}

/**
 * Compiles a policy's source text, stopping after `options.stopAfter` when given. Resolves with the
 * diagnostics (a policy with errors has no bundle): a bad policy never makes it reject. Rejects with
 * a TypeError when `text` is not a string, an option is not of its type (`stopAfter` not one of
 * STAGES) or the options hold a name CompileOptions does not have, and a RangeError when `maxCost` is not a whole number from 1 to MAX_COST_BUDGET; each
 * option is read once, as the options object holds it (an option it lacks is not taken from
 * Object.prototype). In a host whose Object.prototype or Array.prototype carries a planted property,
 * before or after the compile, it resolves with W0904 alone, naming it, and no bundle. Where the
 * host's stack runs out in a stage, it resolves with W0905 and no bundle (stack-ran-out.ts); the
 * stages begin from the bottom of the stack, however deep the call was made.
 */
export async function compilePolicy(given: string, givenOptions: CompileOptions = {}): Promise<CompileResult> {
  const text = checkSource(given);
  const options = readCompileOptions(givenOptions);
  const source: SourceFile = { name: options.fileName ?? "policy.writ", text };
  const refused = refusedInPollutedHost(source);
  if (refused !== undefined) return refused;
  // The stages walk the policy's expressions recursively. Run where compilePolicy was called, they
  // had only what the host's stack had left there; from here on they run in a job of their own,
  // from the bottom of the stack, however deep the call was. (The arguments are read, and the
  // prototypes looked at, before: what the host holds when it calls is what is compiled.)
  await undefined;
  let result: CompileResult;
  try {
    result = await compileGuarded(text, source, options);
  } catch (e) {
    // a property planted while the compile awaited (by the host's other code) makes it throw
    // where no policy could: that is said, not thrown
    const planted = refusedInPollutedHost(source);
    if (planted !== undefined) return planted;
    throw e;
  }
  // one planted meanwhile may have been read, and the result is not the policy's
  return refusedInPollutedHost(source) ?? result;
}

/**
 * W0904 alone, when Object.prototype or Array.prototype carries a planted property (prototypes.ts),
 * else undefined: the compiler reads its own objects by name, and would read it.
 */
export function refusedInPollutedHost(source: SourceFile): CompileResult | undefined {
  const d = pollutionDiagnostic();
  return d === undefined ? undefined : { source, diagnostics: [{ ...d, file: source.name }], timings: {} };
}

/** How far the stages have come: what a compile the host's stack ran out in answers with. */
interface Progress {
  /** the stage running */
  stage: StackStage;
  ast?: PolicyFile;
  readonly diagnostics: Diagnostic[];
  readonly timings: Partial<Record<Stage, number>>;
}

/** The result of a compile that came this far: its diagnostics sorted, each naming the file. */
function finished(source: SourceFile, progress: Progress, extra: Omit<CompileResult, "source" | "diagnostics" | "timings">): CompileResult {
  return {
    source,
    diagnostics: sortDiagnostics(progress.diagnostics).map((d) => (d.file ? d : { ...d, file: source.name })),
    timings: progress.timings,
    ...extra,
  };
}

/**
 * compileStages, with W0905 and no bundle where the host's stack runs out in a stage (each walks the
 * policy's expressions recursively: a small `--stack-size`, or a worker's small stack, may not hold
 * them), and nothing thrown for it. The handler runs here, a few frames from the job's start.
 */
async function compileGuarded(text: string, source: SourceFile, options: CompileOptions): Promise<CompileResult> {
  const progress: Progress = { stage: "parse", diagnostics: [], timings: {} };
  try {
    return await compileStages(text, source, options, progress);
  } catch (e) {
    if (!ranOutOfStack(e)) throw e;
    progress.diagnostics.push(stackRanOut(progress.stage));
    return finished(source, progress, { ast: progress.ast });
  }
}

/** The stages, from the text to a bundle, with the options read and a host found unpolluted. */
async function compileStages(text: string, source: SourceFile, options: CompileOptions, progress: Progress): Promise<CompileResult> {
  const { timings, diagnostics } = progress;
  const done = (extra: Omit<CompileResult, "source" | "diagnostics" | "timings">): CompileResult => finished(source, progress, extra);
  const time = <T>(stage: Stage, f: () => T): T => {
    progress.stage = stage;
    const t0 = performance.now();
    try {
      return f();
    } finally {
      timings[stage] = performance.now() - t0;
    }
  };

  const parsed = time("parse", () => parsePolicy(source));
  progress.ast = parsed.ast;
  append(diagnostics, parsed.diagnostics);
  if (options.stopAfter === "parse") return done({ ast: parsed.ast });
  // a text too large to parse, or one the host's stack ran out parsing, was not parsed: nothing to
  // check (its missing header least of all)
  if (parsed.diagnostics.some((d) => d.code === W.TooLarge || d.code === STACK_RAN_OUT)) return done({ ast: parsed.ast });

  const checked = time("check", () => checkPolicy(parsed.ast, { syntaxErrors: hasErrors(parsed.diagnostics) }));
  append(diagnostics, checked.diagnostics);
  // characters a reader cannot see for what they are, where fmt cannot escape them (W0701, W0702)
  append(diagnostics, lintHiddenCharacters(parsed.ast, source.text));
  if (hasErrors(diagnostics) || !checked.policy) return done({ ast: parsed.ast });
  const policy = checked.policy;
  if (options.stopAfter === "check") return done({ ast: parsed.ast, checked: policy, ir: policy.ir });

  // a whole number from 1 to MAX_COST_BUDGET (readCompileOptions): the cost bound below it is one too
  const budget = options.maxCost ?? DEFAULT_COST_BUDGET;
  // loaded on first use: parsing and checking never pay for the backend's modules. The cost bound
  // counts the module's checks of the request, which follow its input layout (docs/abi.md)
  const { planInput, planModule } = await BACKEND_MODULES.plan();
  const { costs, input } = time("cost", () => ({ costs: ruleCosts(policy.ir), input: planInput(policy.ir) }));
  if ("diagnostic" in input) {
    diagnostics.push(input.diagnostic);
    return done({ ast: parsed.ast, checked: policy, ir: policy.ir });
  }
  // the rules' conditions, the module's checks of the request, and putting the results in declaration order
  const costBound = costs.reduce((sum, c) => sum + c, 0) + input.checks.reduce((sum, c) => sum + c.work, 0) + orderingCost(policy.ir);
  if (!within(costBound, budget)) {
    diagnostics.push(overBudget(policy.ir, costs, input.checks, costBound, budget, parsed.ast.input));
    return done({ ast: parsed.ast, checked: policy, ir: policy.ir, costBound });
  }
  if (options.stopAfter === "cost") return done({ ast: parsed.ast, checked: policy, ir: policy.ir, costBound });

  const plan = time("plan", () => planModule(policy.ir, parsed.ast.input?.span, input.plan));
  append(diagnostics, plan.diagnostics);
  if (hasErrors(diagnostics) || options.stopAfter === "plan") return done({ ast: parsed.ast, checked: policy, ir: policy.ir, costBound });

  progress.stage = "codegen";
  const t0 = performance.now();
  // loaded on first use: checking a policy never pays for importing AssemblyScript
  const { generateModule } = await BACKEND_MODULES.codegen();
  const generated = await generateModule(policy.ir, { optimize: options.optimize ?? true, plan });
  timings.codegen = performance.now() - t0;
  // the plan's diagnostics were taken above: generateModule hands back only its own
  append(diagnostics, generated.diagnostics);
  if (!generated.wasm || hasErrors(diagnostics)) return done({ ast: parsed.ast, checked: policy, ir: policy.ir, costBound });
  if (options.stopAfter === "codegen") return done({ ast: parsed.ast, checked: policy, ir: policy.ir, costBound });

  progress.stage = "manifest";
  const ruleLineCol = lineColIndex(text);
  const unbound: Omit<Manifest, "digests"> = {
    format: MANIFEST_FORMAT,
    name: policy.ir.name,
    version: policy.ir.version,
    compiler: { name: "writ", version: compilerVersion(), optimize: options.optimize ?? true },
    abiVersion: ABI_VERSION,
    schema: policy.ir.schema,
    layout: generated.layout,
    rules: policy.ir.rules.map((r) => {
      const { line, column } = ruleLineCol(r.span.start);
      return { name: r.name, effect: r.effect, annotations: r.annotations, line, column };
    }),
    errorSites: policy.errorSites,
    costBound,
    memoryPages: generated.memoryPages,
    sourceDigest: sha3_512Hex(text),
  };
  // The module states its manifest's digest (runtime/manifest-binding.ts), so that its own digest
  // identifies the whole decision: two policies differing only in bounds or names are two modules.
  const binding = manifestBinding(unbound);
  if (!binding.ok) {
    diagnostics.push(error("W0901", `internal compiler error: the manifest has no canonical JSON (${binding.reason})`, { start: 0, end: 0 }, "please report this with the policy"));
    return done({ ast: parsed.ast, checked: policy, ir: policy.ir, costBound });
  }
  const wasm = withManifestSection(generated.wasm, binding.sha3_512);

  const profile = time("validate", () => validateProfile(wasm));
  if (!profile.ok) {
    for (const v of profile.violations)
      diagnostics.push(error("W0903", `generated module breaks the determinism profile (${v.rule}): ${v.message}`, { start: 0, end: 0 }));
    return done({ ast: parsed.ast, checked: policy, ir: policy.ir, costBound });
  }
  const manifest: Manifest = { ...unbound, digests: digestPair(wasm) };
  return done({ ast: parsed.ast, checked: policy, ir: policy.ir, costBound, indexedRules: generated.indexedRules, bundle: { module: wasm, manifest } });
}

const BUDGET_HELP = "raise the budget (`--max-cost N` of writ check, compile, test, eval and bench; `maxCost` of compilePolicy)";

/**
 * W0503, at what costs most: the rule where the bounds multiply, or the field of the request whose
 * check (made once per decision: a map's keys, a list's elements) outweighs every rule.
 */
/** The declaration of the field at `names` (through nested records) in the input block, or of the deepest record on the way. */
function fieldDeclaration(input: InputDecl | undefined, names: readonly string[]): FieldDecl | undefined {
  let fields = input?.fields;
  let found: FieldDecl | undefined;
  for (const name of names) {
    const next = fields?.find((f) => f.name.name === name);
    if (next === undefined) break;
    found = next;
    fields = next.type.kind === "RecordTypeExpr" ? next.type.fields : undefined;
  }
  return found;
}

function overBudget(ir: IRPolicy, costs: readonly number[], checks: readonly CheckedOnce[], total: number, budget: number, input: InputDecl | undefined): Diagnostic {
  const over = `worst-case cost ${formatCost(total)} is over the budget of ${formatCost(budget)}`;
  const worst = costs.indexOf(largest(costs));
  const check = checks.reduce<CheckedOnce | undefined>((a, c) => (a === undefined || !(c.work <= a.work) ? c : a), undefined);
  if (check && (worst < 0 || !(check.work <= costs[worst]!))) {
    return error(
      Codes.costOverBudget,
      `${over}; checking the request's \`${quotedName(check.path)}\` alone costs ${formatCost(check.work)}`,
      fieldDeclaration(input, check.fields)?.span ?? input?.span ?? ir.rules[0]!.span,
      `the module checks each list and map it reads whole, once per decision (a map's keys byte by byte): lower the bounds of \`${quotedName(check.path)}\` (its \`max\`, and a map's key bound), or ${BUDGET_HELP}`,
    );
  }
  // point at the costliest rule: that is where the bounds multiply
  const rule = ir.rules[worst]!;
  return error(
    Codes.costOverBudget,
    `${over}; rule \`${quotedName(rule.name)}\` alone costs ${formatCost(costs[worst]!)}`,
    rule.span,
    `tighten the size bounds of the lists, maps and strings the rules iterate over, or ${BUDGET_HELP}`,
  );
}
