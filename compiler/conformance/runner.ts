// Runs CEL conformance files through Writ: every case is classified (supported, or unsupported with
// the feature named); the supported ones of a file become one policy (policy.ts) that is compiled
// once and decided once by BOTH backends — the reference interpreter and the WASM module — and each
// rule's outcome is read back. A case expecting a value passes when its rule holds; a case expecting
// an error passes when its rule errors with any of Writ's error codes (CEL's error messages are no
// contract), or when the checker rejects the expression (marked "rejected at check time"). Either
// way the two backends must agree exactly: the same verdict on each of the case's rules, and an
// error of the same code at the same site. The value of each expression is also computed directly
// with the interpreter and compared with the expected value, so a failure report says what Writ got.
//
// Compile errors are attributed to cases by span (the diagnostic falls inside the case's rule); an
// error that cannot be attributed makes the runner bisect the batch until it finds the culprit.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Diagnostic } from "../diagnostics.js";
import type { IRPolicy, Value } from "../ir/ir.js";
import type { Bundle } from "../../runtime/manifest.js";
import type { Decision, RuleError } from "../../runtime/decision.js";
import { casesFromText, type CaseProblem, type ConformanceCase } from "./cases.js";
import { classifyCase, type ExpressionParser } from "./classify.js";
import { buildBatchPolicy, prepareCase, prepareRejectionCase, type PreparedCase } from "./policy.js";
import { celEqualsIR, formatCelValue, formatIRValue } from "./values.js";

/** What the runner needs from the compiler and the runtime (backends.ts wires the real ones). */
export interface Backends {
  readonly parseExpression: ExpressionParser;
  compile(source: string, fileName: string): Promise<{
    readonly ir?: IRPolicy;
    readonly errorSites?: Readonly<Record<string, number>>;
    readonly bundle?: Bundle;
    readonly diagnostics: readonly Diagnostic[];
  }>;
  /** the reference interpreter's decision */
  interpret(ir: IRPolicy, errorSites: Readonly<Record<string, number>>, request: unknown): Decision;
  /** the WASM module's decision procedure */
  loadWasm(bundle: Bundle): { decide(request: unknown): Decision };
  /** the value (or error code) of the left operand of rule `rule`'s `==`, when the rule has that shape */
  directValue(ir: IRPolicy, rule: string, request: unknown): { value: Value } | { error: string } | undefined;
}

export type CaseStatus = "passed" | "unsupported" | "failed";

export interface CaseOutcome {
  readonly case: ConformanceCase;
  readonly status: CaseStatus;
  /** for unsupported cases: the feature */
  readonly feature?: string;
  /** for passed cases: how (e.g. `rejected at check time`) */
  readonly note?: string;
  /** for failed cases: what each backend got */
  readonly got?: string;
}

export interface FileReport {
  readonly path: string;
  readonly name: string;
  readonly outcomes: readonly CaseOutcome[];
  /**
   * problems reading the file outside any test (text-format errors, a malformed section): each counts
   * as a failure. A malformed test is not among them: it is a failed case.
   */
  readonly problems: readonly CaseProblem[];
  /** how many policies were compiled for this file (1 unless bisection was needed) */
  readonly compiles: number;
  readonly millis: number;
}

export interface ConformanceReport {
  readonly files: readonly FileReport[];
  /** the cases found in all files (a file's problems outside any test are not cases) */
  readonly cases: number;
  /** whether the WASM module was run too (false: a pass is the interpreter's alone) */
  readonly wasm: boolean;
  readonly passed: number;
  readonly unsupported: number;
  readonly failed: number;
}

/** The directory holding this package's package.json. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "writ") return dir;
      } catch {
        // not ours; keep walking up
      }
    }
    dir = dirname(dir);
  }
  return process.cwd();
}

/**
 * The conformance files run when no path is given: `../shared/cel-spec/testdata` beside the package
 * (the referee as handed to the project) when it is there, else the copy kept in
 * test/cel-spec/testdata, so that a fresh clone runs them too (as test/support/cel-spec.ts does).
 */
export function defaultConformanceDir(root: string = packageRoot()): { readonly path: string; readonly bundled: boolean } {
  const shared = resolve(root, "../shared/cel-spec/testdata");
  if (existsSync(shared)) return { path: shared, bundled: false };
  return { path: resolve(root, "test/cel-spec/testdata"), bundled: true };
}

/** The conformance files of a directory (`*.textproto`), sorted; a file path is taken as is. */
export function conformanceFiles(path: string): string[] {
  if (statSync(path).isFile()) return [path];
  return readdirSync(path)
    .filter((f) => f.endsWith(".textproto"))
    .sort()
    .map((f) => join(path, f));
}

export function describeExpected(c: ConformanceCase): string {
  const e = c.expected;
  if ("value" in e) return formatCelValue(e.value);
  if ("error" in e) return `error (${e.error})`;
  return "unreadable" in e ? `<unreadable \`${e.unreadable}\`>` : `<${e.unsupported}>`;
}

interface BatchState {
  compiles: number;
  readonly outcomes: Map<number, CaseOutcome>;
}

function failed(c: ConformanceCase, got: string): CaseOutcome {
  return { case: c, status: "failed", got };
}

function describeThrown(e: unknown): string {
  return firstLine(e instanceof Error ? e.message : String(e));
}

function firstLine(s: string): string {
  return s.split("\n")[0]!;
}

/**
 * Everything a decision says about one rule — holds, does not hold, or the error with its code,
 * site and message — as both backends must say it alike (runtime/decision.ts: equal Decisions).
 */
function ruleVerdict(d: Decision, rule: string): string {
  if (d.rules.includes(rule)) return "holds";
  const e = d.errors.find((x): x is RuleError => x.rule === rule);
  return e ? `error ${e.code} at ${e.at} (${e.message})` : "does not hold";
}

/** Where the interpreter and the module differ on the case's rules (its own and its negation). */
function disagreements(p: PreparedCase, interp: Decision, wasm: Decision): string[] {
  const rules = p.negated ? [p.rule, p.negated.rule] : [p.rule];
  return rules.flatMap((rule) => {
    const [i, w] = [ruleVerdict(interp, rule), ruleVerdict(wasm, rule)];
    return i === w ? [] : [`backends disagree on ${rule}: interp ${i}, wasm ${w}`];
  });
}

/** Reads one case's outcome from both backends' decisions. */
function judge(
  p: PreparedCase,
  interp: Decision,
  wasm: Decision | undefined,
  direct: ReturnType<Backends["directValue"]>,
): CaseOutcome {
  const c = p.case;
  if (p.expects === "rejection") return failed(c, `the compiler accepted it, but it needs ${p.feature ?? "a feature outside the subset"}`);
  const read = (d: Decision, rule = p.rule): string => {
    if (d.rules.includes(rule)) return "holds";
    const err = d.errors.find((e) => e.rule === rule);
    return err ? `error ${err.code}` : "does not hold";
  };
  const problems: string[] = [];
  // what the expression itself evaluated to, for the report
  let directText = "";
  if (direct !== undefined) {
    directText = "value" in direct ? formatIRValue(direct.value) : `error ${direct.error}`;
    if ("value" in c.expected && !("value" in direct && celEqualsIR(c.expected.value, direct.value))) {
      problems.push(`interpreter value ${directText}`);
    }
    if ("error" in c.expected && "value" in direct) problems.push(`interpreter value ${directText}`);
  }
  const wanted = p.expects === "value" ? "holds" : undefined;
  for (const [backend, d] of [["interp", interp], ["wasm", wasm]] as const) {
    if (d === undefined) continue;
    const r = read(d);
    const ok = wanted ? r === wanted : r.startsWith("error");
    if (!ok) problems.push(`${backend}: rule ${r}`);
  }
  if (p.negated) {
    for (const [backend, d] of [["interp", interp], ["wasm", wasm]] as const) {
      if (d === undefined) continue;
      const r = read(d, p.negated.rule);
      if (r !== "does not hold") problems.push(`${backend}: negated rule ${r}`);
    }
  }
  // CEL's expectation above is loose (any error code matches an expected error); the two backends
  // are held to more: the same verdict on each of the case's rules, errors alike in code and site
  if (wasm !== undefined) problems.push(...disagreements(p, interp, wasm));
  for (const [backend, d] of [["interp", interp], ["wasm", wasm]] as const) {
    const refused = d?.errors.find((e) => e.rule === null);
    if (refused) problems.push(`${backend}: request refused: ${refused.message}`);
  }
  if (problems.length === 0) return { case: c, status: "passed" };
  return failed(c, problems.join("; ") + (directText && !problems[0]!.startsWith("interpreter") ? ` (value ${directText})` : ""));
}

async function runBatch(name: string, batch: readonly PreparedCase[], backends: Backends, state: BatchState, wasm: boolean): Promise<void> {
  if (batch.length === 0) return;
  const policy = buildBatchPolicy(name, batch);
  state.compiles++;
  let compiled: Awaited<ReturnType<Backends["compile"]>>;
  try {
    compiled = await backends.compile(policy.source, `${name}.writ`);
  } catch (e) {
    // a compiler crash is a failure of the case that causes it: bisect to find that case
    compiled = { diagnostics: [{ code: "crash", severity: "error", message: `the compiler threw: ${describeThrown(e)}`, span: { start: 0, end: 0 } }] };
  }
  const errors = compiled.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) {
    // attribute each error to the rule it points into
    const rejected = new Map<PreparedCase, Diagnostic>();
    let unattributed: Diagnostic | undefined;
    for (const d of errors) {
      const r = policy.rules.find((x) => d.span.start >= x.start && d.span.start < x.end);
      if (r) {
        if (!rejected.has(r.prepared)) rejected.set(r.prepared, d);
      } else unattributed ??= d;
    }
    if (rejected.size === 0 && unattributed) {
      if (batch.length === 1) {
        const p = batch[0]!;
        state.outcomes.set(p.index, failed(p.case, `policy did not compile: [${unattributed.code}] ${firstLine(unattributed.message)}`));
        return;
      }
      const mid = Math.ceil(batch.length / 2);
      await runBatch(name, batch.slice(0, mid), backends, state, wasm);
      await runBatch(name, batch.slice(mid), backends, state, wasm);
      return;
    }
    for (const [p, d] of rejected) {
      const message = `[${d.code}] ${firstLine(d.message)}`;
      state.outcomes.set(
        p.index,
        p.expects === "rejection"
          ? { case: p.case, status: "unsupported", feature: p.feature, note: `refused by the compiler: ${message}` }
          : p.expects === "error"
            ? { case: p.case, status: "passed", note: `rejected at check time: ${message}` }
            : failed(p.case, `rejected at check time: ${message}`),
      );
    }
    await runBatch(name, batch.filter((p) => !rejected.has(p)), backends, state, wasm);
    return;
  }
  const ir = compiled.ir;
  if (!ir || (wasm && !compiled.bundle)) {
    for (const p of batch) state.outcomes.set(p.index, failed(p.case, "compiler returned no IR or bundle and no error"));
    return;
  }
  let interp: Decision;
  try {
    interp = backends.interpret(ir, compiled.errorSites ?? {}, policy.request);
  } catch (e) {
    for (const p of batch) state.outcomes.set(p.index, failed(p.case, `interp: threw ${describeThrown(e)}`));
    return;
  }
  let wasmDecision: Decision | undefined;
  if (wasm) {
    try {
      wasmDecision = backends.loadWasm(compiled.bundle!).decide(policy.request);
    } catch (e) {
      for (const p of batch) state.outcomes.set(p.index, failed(p.case, `wasm: bundle refused: ${describeThrown(e)}`));
      return;
    }
  }
  for (const p of batch) {
    let direct: ReturnType<Backends["directValue"]>;
    try {
      direct = backends.directValue(ir, p.rule, policy.request);
    } catch (e) {
      state.outcomes.set(p.index, failed(p.case, `interp: evaluating the expression threw ${describeThrown(e)}`));
      continue;
    }
    state.outcomes.set(p.index, judge(p, interp, wasmDecision, direct));
  }
}

export interface RunOptions {
  /** also run the WASM backend (default true) */
  readonly wasm?: boolean;
}

/** Runs one conformance file. Never throws for bad file contents: they come back as problems. */
export async function runConformanceFile(path: string, backends: Backends, options: RunOptions = {}): Promise<FileReport> {
  const t0 = performance.now();
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    return { path, name: basename(path), outcomes: [], problems: [{ line: 0, message: `cannot read: ${String(e)}` }], compiles: 0, millis: 0 };
  }
  const extracted = casesFromText(text, basename(path, ".textproto"));
  const outcomes = new Map<number, CaseOutcome>();
  const prepared: PreparedCase[] = [];
  extracted.cases.forEach((c, index) => {
    if (c.problems.length > 0) {
      // a test not read in full is failed as it stands: running what was read would be a guess
      outcomes.set(index, failed(c, `malformed test: ${c.problems.map((p) => `line ${p.line}: ${p.message}`).join("; ")}`));
      return;
    }
    const cls = classifyCase(c, backends.parseExpression);
    if (cls.unsupported !== undefined) {
      // the compiler must refuse it: an unsupported feature is a compile error, never an answer
      const r = prepareRejectionCase(c, index, cls);
      if (r) prepared.push(r);
      const onlyMatcher = cls.features.length === 1 && cls.matcher !== undefined;
      const note = onlyMatcher ? "the runner does not check this result matcher; nothing for the compiler to refuse" : "not checked against the compiler";
      outcomes.set(index, { case: c, status: "unsupported", feature: cls.unsupported, note });
    } else if (cls.parseError !== undefined) {
      outcomes.set(index, failed(c, `parse error: ${firstLine(cls.parseError)}`));
    } else {
      const p = prepareCase(c, index, cls);
      if ("reason" in p) outcomes.set(index, failed(c, p.reason));
      else prepared.push(p);
    }
  });
  const state: BatchState = { compiles: 0, outcomes };
  await runBatch(extracted.name, prepared, backends, state, options.wasm ?? true);
  return {
    path,
    name: extracted.name,
    outcomes: extracted.cases.map((c, i) => outcomes.get(i) ?? failed(c, "no outcome")),
    problems: extracted.problems,
    compiles: state.compiles,
    millis: performance.now() - t0,
  };
}

/** Runs every conformance file under `path` (a directory or one file). */
export async function runConformance(path: string, backends: Backends, options: RunOptions = {}): Promise<ConformanceReport> {
  const files: FileReport[] = [];
  for (const f of conformanceFiles(path)) files.push(await runConformanceFile(f, backends, options));
  const count = (s: CaseStatus) => files.reduce((n, f) => n + f.outcomes.filter((o) => o.status === s).length, 0);
  return {
    files,
    cases: files.reduce((n, f) => n + f.outcomes.length, 0),
    wasm: options.wasm ?? true,
    passed: count("passed"),
    unsupported: count("unsupported"),
    failed: count("failed") + files.reduce((n, f) => n + f.problems.length, 0),
  };
}

/** A case's name: `file/section/name` (the file's `name:`). Two cases may share it. */
export function caseId(c: ConformanceCase): string {
  return `${c.file}/${c.section}/${c.name}`;
}

// An id is written as it is when it reads back so: no space at either end (lines are trimmed when
// read), no control or line-breaking character, no `"` or `#` first (a JSON string, a comment), and
// no ending that reads as an occurrence (` #2`).
const NOT_AS_IS = /^["#]|[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udfff]| #\d+$/u;

/**
 * The entry of the list of passing cases for the `occurrence`-th case (1-based, in the order of the
 * run's files and their tests) with id `id`: the id, written as a JSON string when it would not read
 * back as written, then ` #n` for every occurrence but the first. Distinct (id, occurrence) pairs
 * give distinct entries, and parseCaseList reads an entry back as itself.
 */
export function caseListEntry(id: string, occurrence = 1): string {
  const text =
    id === id.trim() && !NOT_AS_IS.test(id)
      ? id
      : // JSON.stringify leaves these as they are; escaped, the entry stays on one line for any reader
        JSON.stringify(id).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return occurrence > 1 ? `${text} #${occurrence}` : text;
}

/** Each case of the report with its entry in the list of passing cases (unique within the report). */
function listEntries(report: ConformanceReport): [string, CaseOutcome][] {
  const seen = new Map<string, number>();
  return report.files.flatMap((f) =>
    f.outcomes.map((o): [string, CaseOutcome] => {
      const id = caseId(o.case);
      const n = (seen.get(id) ?? 0) + 1;
      seen.set(id, n);
      return [caseListEntry(id, n), o];
    }),
  );
}

/**
 * The list of the cases that passed (`--list-passing`), kept as test/conformance/passing-cases.txt:
 * a pass that turns into "unsupported" is no failure of the run, so without the list a classifier
 * or compiler change could quietly stop checking cases that passed before.
 */
export function formatPassingList(report: ConformanceReport): string {
  const header = [
    "# The CEL conformance cases that pass in both backends, one `file/section/name` a line (`file` is the",
    "# file's `name:`). The corpus test (test/conformance/corpus.test.ts) fails when a listed case no",
    "# longer passes, and notes passes that are not listed. A case whose file/section/name an earlier case",
    "# of the run has too is listed with ` #n` after it: the n-th case of that name, in the order of the",
    "# files and their tests. A name that would not read back as written (a space at either end, a control",
    "# character, a `\"` or `#` first, an ending like ` #2`) is written as a JSON string.",
    "# Regenerate after a change that makes more cases pass:",
    "#   npm run --silent conformance -- --list-passing > test/conformance/passing-cases.txt",
  ];
  const entries = listEntries(report).filter(([, o]) => o.status === "passed").map(([entry]) => entry);
  return [...header, ...entries].join("\n") + "\n";
}

/** One line of a list as its entry; a line that cannot be read (a bad JSON string) stays as it is. */
function readListEntry(line: string): string {
  const suffix = / #([1-9]\d*)$/.exec(line);
  const base = suffix ? line.slice(0, suffix.index) : line;
  let id: unknown = base;
  if (base.startsWith('"')) {
    try {
      id = JSON.parse(base);
    } catch {
      return line; // matches no case, so a lost case that names it
    }
  }
  return typeof id === "string" ? caseListEntry(id, suffix ? Number(suffix[1]) : 1) : line;
}

/**
 * The entries of a list (formatPassingList): one a line; blank lines and `#` comments are skipped.
 * Each is returned as formatPassingList writes it (`"a/b/c"` and `a/b/c #1` read as `a/b/c`).
 */
export function parseCaseList(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map(readListEntry);
}

/**
 * A run against the list of cases that passed before: `lost` says, for each listed case that does
 * not pass now, what it is now (and names an entry listed twice); `gained` names each passing case
 * the list does not have yet. Cases are told apart by their entries (caseListEntry), so of two cases
 * with one id, each is followed on its own.
 */
export function compareWithPassingList(report: ConformanceReport, listed: readonly string[]): { lost: string[]; gained: string[] } {
  const entries = listEntries(report);
  const now = new Map(entries);
  const known = new Set<string>();
  const lost = listed.flatMap((entry) => {
    if (known.has(entry)) return [`${entry}: listed more than once`];
    known.add(entry);
    const o = now.get(entry);
    if (o === undefined) return [`${entry}: not found`];
    if (o.status === "passed") return [];
    return [`${entry}: ${o.status}${o.feature ? ` (${o.feature})` : ""}${o.got ? `: ${o.got}` : ""}`];
  });
  const gained = entries.filter(([entry, o]) => o.status === "passed" && !known.has(entry)).map(([entry]) => entry);
  return { lost, gained };
}

/** The report the CLI prints: per file counts, then each unsupported feature and each failure. */
export function formatReport(report: ConformanceReport, options: { verbose?: boolean } = {}): string {
  const lines: string[] = [];
  for (const f of report.files) {
    const n = (s: CaseStatus) => f.outcomes.filter((o) => o.status === s).length;
    lines.push(
      `${f.name}: ${n("passed")} passed, ${n("unsupported")} unsupported, ${n("failed") + f.problems.length} failed` +
        ` (${f.outcomes.length} cases, ${f.compiles} compile${f.compiles === 1 ? "" : "s"}, ${(f.millis / 1000).toFixed(1)} s)`,
    );
    for (const p of f.problems) lines.push(`  FAIL ${f.path}:${p.line}: ${p.message}`);
    for (const o of f.outcomes) {
      const id = `${o.case.section}/${o.case.name}`;
      if (o.status === "failed") {
        lines.push(`  FAIL ${id} (line ${o.case.line})`);
        lines.push(`       expr:     ${o.case.expr}`);
        lines.push(`       expected: ${describeExpected(o.case)}`);
        lines.push(`       got:      ${o.got ?? "?"}`);
      } else if (o.status === "unsupported") {
        lines.push(`  unsupported ${id}: ${o.feature}${o.note && options.verbose !== false ? ` (${o.note})` : ""}`);
      } else if (o.note && options.verbose !== false) {
        lines.push(`  pass ${id}: ${o.note}`);
      }
    }
  }
  const features = new Map<string, number>();
  for (const f of report.files) for (const o of f.outcomes) if (o.feature) features.set(o.feature, (features.get(o.feature) ?? 0) + 1);
  lines.push("");
  lines.push("unsupported features:");
  for (const [feature, n] of [...features].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) lines.push(`  ${String(n).padStart(4)}  ${feature}`);
  lines.push("");
  // said on the total line itself, where a reader looks for what a run proved
  const only = report.wasm ? "" : " (interpreter only: --interp-only skipped the WASM module)";
  lines.push(`total: ${report.passed} passed, ${report.unsupported} unsupported, ${report.failed} failed${only}`);
  return lines.join("\n");
}
