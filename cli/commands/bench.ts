// `writ bench <file.writ | bundle dir> [--requests <file | ->] [--rounds N] [--time-limit S] [--json] [--pub keys]`:
// how fast this policy decides these requests on this machine (what `opa bench` is to Rego).
//
// Times, interleaved in rounds with the harness of `npm run bench` (bench/harness.ts): `decide` on
// the compiled module (a JS object in, a Decision out, what a host pays), the module's evaluation of
// requests encoded beforehand, for a .writ file the reference interpreter, and the harness floor
// (bench/harness-floor.ts: the loop's own cost, which every figure carries). Before anything
// is timed, the module and the interpreter must return the same Decision for every request; on the
// first difference the command names the request and stops, since a figure for wrong answers means
// nothing. Requests come from `--requests` (a JSON array or JSON Lines) or, for a .writ file, from
// its `test` blocks. A request the schema refuses is timed as a refusal: the first is named, with why,
// and when every request is refused nothing is timed, since the refusal is all there would be to time.

import { cpus } from "node:os";
import type { Decision, RequestError } from "../../runtime/decision.js";
import type { LoadedPolicy } from "../../runtime/policy.js";
import type { EncodedRequest, WasmEvaluator } from "../../runtime/wasm/evaluator.js";
import type { EngineTiming, TimedEngine, TimedRun, TimingOptions } from "../../bench/harness.js";
import { commandLineProblem, decimalCount, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, flagString, parseArgs, printJson, refuseUsage, unknownFlags, type CliIO, type Command, emptyPathError } from "../io.js";
import { isBundlePath, loadBundleDirectory, refusePubWithoutBundle } from "./bundle-dir.js";
import { cancelPrestartedAsc, prestartAsc } from "./prestart.js";
import { readRequestList, type RequestList } from "./request-json.js";
import { escapeControls } from "../../runtime/thrown.js";
import { lineColIndex } from "../../compiler/source.js";
import { maxCostUsage } from "./max-cost.js";
import { sourceOptions } from "./source-options.js";
import { maxDiagnosticsUsage, maxDiagnosticsWithBundle, type MaxDiagnosticsOption } from "./max-diagnostics.js";

/**
 * Fewer requests than this are repeated, whole and in order, as many times as it takes for a timed
 * pass to hold at least this many (999 requests: 1,998 per pass), so that timing a pass is not timing
 * the clock, and each request weighs the same in the figure.
 */
const MIN_TIMED_REQUESTS = 1000;
const DEFAULT_ROUNDS = 11;
const MAX_ROUNDS = 1000;
/**
 * How long the agreement check and the timing may take, in seconds, unless --time-limit says
 * otherwise: one request that takes a second to decide, repeated to a thousand a pass, would
 * otherwise keep the command busy for hours. The default rounds of a policy's tests take seconds.
 * Reading the request list and compiling the policy come before and are not counted: they are
 * bounded by their own limits (512 MiB of requests, the compiler's), and a JSON array is parsed in
 * one call that no clock could stop.
 */
const DEFAULT_TIME_LIMIT_S = 60;
const MAX_TIME_LIMIT_S = 86_400;

export const benchCommand: Command = {
  name: "bench",
  summary: "time a policy's decisions over a set of requests (module, encoded, interpreter)",
  usage: [
    "usage: writ bench <file.writ | bundle dir> [--requests <file | ->] [--rounds N] [--time-limit S] [--json] [--pub <key>[,<key>...]] [--max-cost N] [--max-diagnostics N]",
    "",
    "  --requests <file>  the requests: a JSON array, or JSON Lines, one request per line (`-` reads",
    "                     standard input); default: the inputs of the policy's test blocks.",
    `                     Fewer than ${MIN_TIMED_REQUESTS} are repeated, all of them in order, as many times`,
    `                     as a timed pass needs to hold at least ${MIN_TIMED_REQUESTS} (3 requests: 1,002 per`,
    "                     pass; 999: 1,998)",
    `  --rounds N         timing rounds (default ${DEFAULT_ROUNDS}); each engine takes a turn per round and`,
    "                     the figure is the median over rounds",
    `  --time-limit S     seconds the agreement check and the timing may take (default ${DEFAULT_TIME_LIMIT_S}, at most`,
    `                     ${MAX_TIME_LIMIT_S}): the agreement check, the encoding of the requests for evaluate only`,
    "                     and the warm-up's first pass each stop once it is past, and no round is begun",
    "                     that would end past it; the rounds timed by then are given, and the output says",
    "                     where and why timing stopped. Reading and checking the request list and",
    "                     compiling the policy come before, and are not counted: a list of hundreds of",
    "                     megabytes can take minutes to read, whatever the limit",
    "  --json             print the results as JSON; when nothing is timed (exit 1), standard output",
    "                     stays empty and the reason is on standard error",
    "  --pub <files>      trusted public keys (JWK or SPKI PEM), comma-separated: a bundle directory",
    "                     loads only if one of them signed it (without --pub, only an unsigned one)",
    maxCostUsage(21, " of a .writ file"),
    maxDiagnosticsUsage(21),
    "",
    "Timed: decide (the compiled module, JS object → Decision), evaluate only (the module on requests",
    "encoded beforehand; valid requests only), for a .writ file the reference interpreter, and the",
    "harness floor: an engine that returns the answer already known, through the same loop, so that",
    "what the loop itself costs per decision, which every figure carries, is seen beside them.",
    "Before timing, the module and the interpreter must agree on every request. Requests the schema",
    "refuses are counted, and the first is named with the reason; when it refuses every one, nothing",
    "is timed (the refusal is all there would be to time).",
    "",
    "Exit status: 0 when timed (every round, or those that fit the time limit), 1 when the policy or",
    "the requests could not be used (the reason is printed), the agreement check failed, the schema",
    "refused every request, or nothing could be timed within the time limit, 2 bad usage (as an option",
    "its target has no use for: --max-cost or --max-diagnostics with a bundle directory, --pub with a",
    ".writ file).",
  ].join("\n"),
  async run(args, io) {
    const parsed = parseArgs(args, ["json"]);
    const unknown = unknownFlags(parsed, ["requests", "rounds", "time-limit", "json", "pub", "max-cost", "max-diagnostics"]);
    const roundsText = flagString(parsed, "rounds");
    const rounds = roundsText === undefined ? DEFAULT_ROUNDS : parseRounds(roundsText);
    const problem = commandLineProblem("bench", parsed, unknown, { what: "<file.writ | bundle dir>", min: 1, max: 1 });
    // an unknown option is said first; then a bad value, before the arguments are counted:
    // `--rounds p.writ` took the file for the value, and "missing <file.writ>" would not say why
    if (problem !== undefined && unknown.length > 0) return refuseUsage(io, this, problem);
    if (rounds === undefined) {
      io.err(`writ bench: --rounds takes a whole number from 1 to ${MAX_ROUNDS} in decimal digits, not \`${escapeControls(roundsText!)}\``);
      return EXIT_USAGE;
    }
    const limitText = flagString(parsed, "time-limit");
    const limitS = limitText === undefined ? DEFAULT_TIME_LIMIT_S : parseTimeLimit(limitText);
    if (limitS === undefined) {
      io.err(`writ bench: --time-limit takes a whole number of seconds from 1 to ${MAX_TIME_LIMIT_S} in decimal digits, not \`${escapeControls(limitText!)}\``);
      return EXIT_USAGE;
    }
    const options = sourceOptions(parsed, "bench");
    if (!options.ok) {
      io.err(options.message);
      return EXIT_USAGE;
    }
    if (problem !== undefined) return refuseUsage(io, this, problem);
    const empty = emptyPathError("bench", parsed.positional);
    if (empty) {
      io.err(empty);
      return EXIT_USAGE;
    }
    const { maxCost, shown } = options;
    const requestsFile = flagString(parsed, "requests");
    let given: RequestList | undefined;
    if (requestsFile !== undefined) {
      const read = await readRequestList(io, requestsFile);
      if (!read.ok) {
        io.err(`writ bench: ${read.message}`);
        return EXIT_FAILURE;
      }
      given = read;
    }
    const target = parsed.positional[0]!;
    const subject = await loadSubject(io, target, flagString(parsed, "pub"), given === undefined, maxCost, shown);
    if (typeof subject === "number") return subject;
    const requests = given?.values ?? subject.testRequests;
    if (requests === undefined || requests.length === 0) {
      io.err(`writ bench: no requests: ${isBundlePath(io, target) ? "a bundle carries no tests" : `${target} has no test blocks`}; give them with --requests`);
      return EXIT_FAILURE;
    }
    const source = given?.name ?? "the policy's test blocks";

    const limit = `the time limit of ${limitS} s (--time-limit)`;
    const deadline = performance.now() + limitS * 1000;
    const agreed = await checkAgreement(subject, requests, { deadline, text: limit });
    if (!agreed.ok) {
      io.err(`writ bench: ${agreed.message}`);
      return EXIT_FAILURE;
    }
    const firstRefused = agreed.firstRefused === undefined ? undefined : refusalShown(agreed.firstRefused, requestPlaces(given, subject));
    if (firstRefused !== undefined && agreed.invalid === requests.length) {
      // every timed call would end at the schema's first refusal: a figure for that says nothing of the policy
      const all = requests.length === 1 ? "the only request is refused as invalid" : `all ${requests.length} requests are refused as invalid, the first`;
      io.err(`writ bench: ${all}: ${firstRefused.text}; nothing was timed, since only the refusal would be`);
      return EXIT_FAILURE;
    }
    // loaded here, not at the top: every writ command loads this file, and the bench code is only
    // needed when something is timed
    const [harness, { harnessFloorEngine }] = await Promise.all([import("../../bench/harness.js"), import("../../bench/harness-floor.js")]);
    // a single call under the clock's step reads as 0 once the timer's overhead is taken out: such
    // a figure is printed as "≤ step", as npm run bench prints it
    const timerStepNs = harness.measureTimerStepNs();
    const report = measure(harness, harnessFloorEngine, subject, requests, agreed.decisions, { rounds, roundBudgetMs: 40, singleCallBudgetMs: 10, warmupMs: 200 }, deadline);
    if (report.roundsTimed === 0) {
      const repeated = report.mixSize > requests.length ? ` (${requests.length} request${requests.length === 1 ? "" : "s"}, repeated to ${report.mixSize} a pass)` : "";
      io.err(`writ bench: nothing was timed within ${limit}: ${report.stopped}${repeated}`);
      return EXIT_FAILURE;
    }
    const summary = {
      policy: { name: subject.policy.name, version: subject.policy.version, rules: subject.policy.manifest.rules.length, moduleBytes: subject.policy.module.length, sha3_512: subject.policy.digests.sha3_512 },
      requests: {
        source,
        count: requests.length,
        timedPerPass: report.mixSize,
        allowed: agreed.allowed,
        invalid: agreed.invalid,
        ...(firstRefused === undefined ? {} : { firstRefused: firstRefused.json }),
      },
      agreement: subject.interpreter ? "the module and the interpreter returned the same Decision for every request" : "module only (a bundle has no interpreter to compare with)",
      rounds,
      roundsTimed: report.roundsTimed,
      timeLimitSeconds: limitS,
      ...(report.stopped === undefined ? {} : { stopped: `at ${limit}: ${report.stopped}` }),
      node: process.version,
      cpu: `${cpus()[0]?.model ?? "unknown CPU"} (${cpus().length} cores)`,
      timerStepNs,
      results: report.timings.map((t) => ({
        engine: t.engine,
        label: t.label,
        requestsTimed: t.requestsTimed,
        // how it was timed: whole passes over its requests, or (callsTimed) each call on its own
        passesPerRound: t.passesPerRound,
        callsTimed: t.callsTimed === true,
        medianNsPerDecision: round1(t.medianNsPerDecision),
        p50Ns: round1(t.p50Ns),
        p99Ns: round1(t.p99Ns),
      })),
    };
    if (parsed.flags.has("json")) printJson(io, summary);
    else io.out(renderText(summary, report.timings, harness, firstRefused?.text));
    return EXIT_OK;
  },
};

/** --rounds as written in decimal digits (decimalCount), from 1 to MAX_ROUNDS; undefined otherwise. */
export function parseRounds(text: string): number | undefined {
  const n = decimalCount(text);
  return n >= 1 && n <= MAX_ROUNDS ? n : undefined;
}

/** --time-limit as written in decimal digits, from 1 to MAX_TIME_LIMIT_S seconds; undefined otherwise. */
export function parseTimeLimit(text: string): number | undefined {
  const n = decimalCount(text);
  return n >= 1 && n <= MAX_TIME_LIMIT_S ? n : undefined;
}

export interface Subject {
  readonly policy: LoadedPolicy;
  readonly interpreter: { decide(request: unknown): Decision } | undefined;
  /** the inputs of the policy's test blocks (a .writ file only) */
  readonly testRequests: readonly unknown[] | undefined;
  /** where each of testRequests is: `test "name" at file:line:column` */
  readonly testPlaces?: readonly string[];
}

/** What is timed, or the exit status when it cannot be had (the reason is printed). */
async function loadSubject(io: CliIO, target: string, pub: string | undefined, needTests: boolean, maxCost: number | undefined, shown: Extract<MaxDiagnosticsOption, { ok: true }>): Promise<Subject | number> {
  if (isBundlePath(io, target)) {
    if (maxCost !== undefined) {
      // a bundle was compiled under its budget already: ignoring the option would let the caller believe it was applied
      io.err("writ bench: --max-cost is the budget a .writ source is compiled under; a bundle directory is compiled already");
      return EXIT_USAGE;
    }
    if (shown.given) {
      io.err(maxDiagnosticsWithBundle("bench"));
      return EXIT_USAGE;
    }
    const policy = await loadBundleDirectory(io, "bench", target, pub);
    return typeof policy === "number" ? policy : { policy, interpreter: undefined, testRequests: undefined };
  }
  if (pub !== undefined) return refusePubWithoutBundle(io, "bench", target);
  prestartAsc(true);
  let result;
  try {
    const { compileFile, failed } = await import("./policy-source.js");
    result = await compileFile(io, "bench", target, { maxCost }, shown.render);
    if (failed(result) || !result) return EXIT_FAILURE;
  } finally {
    cancelPrestartedAsc(); // unused when the front end failed
  }
  const [{ tryLoadPolicy }, { createInterpreter }] = await Promise.all([import("../../runtime/policy.js"), import("../../compiler/ir/interp.js")]);
  const loaded = tryLoadPolicy(result.bundle!, { allowUnsigned: true });
  if (!loaded.ok) {
    io.err(`writ bench: ${loaded.error.message}`);
    return EXIT_FAILURE;
  }
  const checked = result.checked!;
  const shownFile = escapeControls(target);
  const testPlaces = (): string[] => {
    const lineColOf = lineColIndex(result.source.text); // the file's lines found once for all its tests
    return checked.tests.map((t) => {
      const { line, column } = lineColOf(t.span.start);
      return `test "${escapeControls(t.name)}" at ${shownFile}:${line}:${column}`;
    });
  };
  return {
    policy: loaded.policy,
    interpreter: createInterpreter(checked.ir, checked.errorSites),
    testRequests: needTests ? checked.tests.map((t) => t.request) : undefined,
    ...(needTests ? { testPlaces: testPlaces() } : {}),
  };
}

/** The schema's refusal of the request (its one error, `invalid_request`, rule null), if it refused it. */
const refusalOf = (d: Decision): RequestError | undefined => d.errors.find((e): e is RequestError => e.rule === null);
const refused = (d: Decision): boolean => refusalOf(d) !== undefined;

type Agreement =
  | { ok: true; decisions: Decision[]; allowed: number; invalid: number; firstRefused?: { index: number; error: RequestError } }
  | { ok: false; message: string };

/** Where request i came from, as messages say it: `file:line` (JSON Lines), the file (a JSON array) or its test block. */
function requestPlaces(given: RequestList | undefined, subject: Subject): (i: number) => string {
  if (given === undefined) return (i) => subject.testPlaces?.[i] ?? "a test block";
  const { name, lines } = given;
  return lines === undefined ? () => name : (i) => `${name}:${lines[i]}`;
}

/**
 * The first request the schema refused, and why, for the output: `placeOf(i)` says where request i
 * came from (a file and line, or a test block).
 */
function refusalShown({ index, error }: { index: number; error: RequestError }, placeOf: (i: number) => string) {
  const place = placeOf(index);
  // the message starts with the path of what is wrong, except where that is the request itself
  const why = error.path === "" ? `the request itself: ${error.message}` : error.message;
  return {
    text: `request ${index + 1} (${place}): ${why}`,
    json: { request: index + 1, from: place, path: error.path, message: error.message },
  };
}

/**
 * Every request decided by the module, and by the interpreter when there is one: they must agree.
 * Stops, out of time, as soon as `limit.deadline` (a performance.now() time) is past after a
 * request, the last one too, so that no later step begins past it; `limit.text` says what limit
 * that is.
 */
export async function checkAgreement(subject: Subject, requests: readonly unknown[], limit?: { deadline: number; text: string }): Promise<Agreement> {
  const { sameDecision } = await import("../../compiler/testing.js");
  const decisions: Decision[] = [];
  let allowed = 0;
  let invalid = 0;
  let firstRefused: { index: number; error: RequestError } | undefined;
  for (let i = 0; i < requests.length; i++) {
    const d = subject.policy.decide(requests[i]);
    if (subject.interpreter) {
      const reference = subject.interpreter.decide(requests[i]);
      if (!sameDecision(reference, d))
        return {
          ok: false,
          message: `the module and the interpreter disagree on request ${i + 1}: interpreter ${JSON.stringify(reference)}, module ${JSON.stringify(d)}; nothing was timed`,
        };
    }
    if (d.decision === "allow") allowed++;
    const refusal = refusalOf(d);
    if (refusal !== undefined && invalid++ === 0) firstRefused = { index: i, error: refusal };
    decisions.push(d);
    if (limit !== undefined && performance.now() > limit.deadline)
      return { ok: false, message: `the agreement check had decided ${i + 1} of the ${requests.length} requests when ${limit.text} was reached; nothing was timed` };
  }
  return { ok: true, decisions, allowed, invalid, ...(firstRefused === undefined ? {} : { firstRefused }) };
}

type Harness = typeof import("../../bench/harness.js");
type HarnessFloorEngine = typeof import("../../bench/harness-floor.js").harnessFloorEngine;

function measure({ timeEnginesWithin, measureTimerOverheadNs }: Harness, harnessFloorEngine: HarnessFloorEngine, subject: Subject, requests: readonly unknown[], decisions: readonly Decision[], options: TimingOptions, deadline: number): TimedRun & { mixSize: number } {
  // the requests in order, repeated up to MIN_TIMED_REQUESTS: `origin[k]` is the request at k
  const mixSize = Math.max(requests.length, Math.ceil(MIN_TIMED_REQUESTS / requests.length) * requests.length);
  const origin = Array.from({ length: mixSize }, (_, k) => k % requests.length);
  const mix = origin.map((i) => requests[i]);
  const expected = origin.map((i) => decisions[i]!.decision === "allow");
  const { policy, interpreter } = subject;

  const engines: TimedEngine<unknown>[] = [
    { name: "decide", label: "decide (module, JS object → Decision)", decide: (r) => policy.decide(r).decision === "allow" },
  ];
  // evaluate only: the positions whose request the schema accepts (an invalid one has no encoding)
  const evaluate = evaluateOnlyEngine(policy.evaluator, mix, origin.flatMap((i, k) => (refused(decisions[i]!) ? [] : [k])), deadline);
  if (!evaluate.ok) return { timings: [], roundsTimed: 0, stopped: evaluate.stopped, mixSize };
  if (evaluate.engine) engines.push(evaluate.engine);
  if (interpreter) engines.push({ name: "interpreter", label: "reference interpreter (JS)", decide: (r) => interpreter.decide(r).decision === "allow" });
  // the loop's own cost per decision, which every figure above carries: a figure near it is mostly the loop
  engines.push(harnessFloorEngine(expected));
  return { ...timeEnginesWithin(engines, policy.name, mix, expected, options, measureTimerOverheadNs(), deadline), mixSize };
}

/** The evaluate-only engine (none when no position is valid), or why it was not had by the deadline. */
export type EvaluateOnly = { readonly ok: true; readonly engine: TimedEngine<unknown> | undefined } | { readonly ok: false; readonly stopped: string };

/** What the evaluate-only engine calls: encode, and evaluateEncoded always with an encoding, never in its form without one. */
type EncodingEvaluator = Pick<WasmEvaluator, "encode"> & { evaluateEncoded(encoded: EncodedRequest): number };

/**
 * The evaluate-only engine over the positions `valid` of `mix`, each request encoded beforehand:
 * once, however many positions repeat it (the mix repeats a request as the same object), since a
 * request of megabytes repeated to a thousand positions would otherwise be encoded a thousand times
 * over, gigabytes kept, before anything is timed. evaluateEncoded copies the encoding it is given
 * into the module's memory at every call, whether or not it is there already, so a shared encoding
 * costs each call what one of its own would. The clock is read after every encoding: once
 * `deadline` (a performance.now() time) is past, no more is encoded and `stopped` says how far the
 * encoding had gone.
 */
export function evaluateOnlyEngine(evaluator: EncodingEvaluator, mix: readonly unknown[], valid: readonly number[], deadline = Number.POSITIVE_INFINITY): EvaluateOnly {
  if (valid.length === 0) return { ok: true, engine: undefined };
  const name = "evaluate";
  const label = "evaluate only (module, request encoded beforehand)";
  const requests = new Set(valid.map((k) => mix[k]));
  const byRequest = new Map<unknown, EncodedRequest>();
  // dense, as the timed look-up wants it (an array first written at a high index is a dictionary)
  // (the engine decides only the positions in `valid`, each encoded below; another's undefined,
  // were it evaluated, would be no encoding, and deny)
  const encoded: (EncodedRequest | undefined)[] = mix.map(() => undefined);
  for (const k of valid) {
    let encoding = byRequest.get(mix[k]);
    if (encoding === undefined) {
      encoding = evaluator.encode(mix[k]);
      byRequest.set(mix[k], encoding);
      if (performance.now() > deadline)
        return { ok: false, stopped: `the requests of ${label} were being encoded: ${byRequest.size} of its ${requests.size} encoded` };
    }
    encoded[k] = encoding;
  }
  return { ok: true, engine: { name, label, only: valid, decide: (_r, k) => evaluator.evaluateEncoded(encoded[k] as EncodedRequest) === 1 } };
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

function renderText(s: {
  policy: { name: string; version: string; rules: number; moduleBytes: number; sha3_512: string };
  requests: { source: string; count: number; timedPerPass: number; allowed: number; invalid: number };
  agreement: string;
  rounds: number;
  roundsTimed: number;
  stopped?: string;
  node: string;
  cpu: string;
  timerStepNs: number;
}, timings: readonly EngineTiming[], { formatNs, singleCallCell }: Pick<Harness, "formatNs" | "singleCallCell">, firstRefused: string | undefined): string {
  const { policy: p, requests: q } = s;
  const repeated = q.timedPerPass > q.count ? `, repeated to ${q.timedPerPass} per pass` : "";
  // the last column only when an engine timed fewer requests (evaluate only skips invalid ones)
  const partial = timings.some((t) => t.requestsTimed < q.timedPerPass);
  const single = (ns: number) => singleCallCell(ns, s.timerStepNs);
  // an engine too slow for whole passes within a round's budget is timed call by call over a
  // subsample, as npm run bench times its slow engines: marked, and said under the table
  const rows = timings.map((t) => [t.label, `${formatNs(t.medianNsPerDecision)}${t.callsTimed ? "*" : ""}`, single(t.p50Ns), single(t.p99Ns), ...(partial ? [`${t.requestsTimed} of ${q.timedPerPass}`] : [])]);
  const callByCall = timings.some((t) => t.callsTimed)
    ? [
        "",
        "* timed call by call: a pass over every request would outlast a round's budget, so the engine is",
        "  timed over an evenly spaced subsample (its requests timed), at least five passes a round with",
        "  each call timed on its own; a round's figure is the mean over those requests of each one's",
        "  median call, the timer's overhead taken off",
      ]
    : [];
  const header = ["", "per decision", "single call p50", "p99", ...(partial ? ["requests timed"] : [])];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ").trimEnd();
  return [
    `policy "${p.name}" ${escapeControls(String(p.version))}: ${p.rules} rule${p.rules === 1 ? "" : "s"}, module ${p.moduleBytes} bytes, sha3-512 ${p.sha3_512.slice(0, 16)}…`,
    `requests: ${q.count} from ${q.source}${repeated}; ${q.allowed} allowed, ${q.invalid} refused as invalid`,
    ...(firstRefused === undefined ? [] : [`first refused: ${firstRefused}`]),
    `agreement: ${s.agreement}`,
    `timing: ${s.roundsTimed === s.rounds ? s.rounds : `${s.roundsTimed} of ${s.rounds}`} round${s.rounds === 1 ? "" : "s"}, engines interleaved; median over rounds; Node ${s.node}, ${s.cpu}`,
    ...(s.stopped === undefined ? [] : [`stopped early ${s.stopped}`]),
    "",
    line(header),
    ...rows.map(line),
    ...callByCall,
  ].join("\n");
}
