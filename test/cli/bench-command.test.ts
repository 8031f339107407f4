// `writ bench` as a user runs it (plain node on a transpiled copy of the tree, files on disk): it
// times a policy over its test inputs or over a requests file (JSON array or JSON Lines), on a .writ
// file and on a compiled bundle, and refuses what it cannot read. No figure is asserted beyond being a
// positive number: timings are the benchmark's business, not a test's. In-process: the agreement
// check names the first request on which the module and the interpreter differ and times nothing;
// --rounds is read as a count is written; evaluate-only encodes each request once, within the time
// limit; a request the schema refuses is named with why, and nothing is timed when every one is.

import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { benchCommand, checkAgreement, evaluateOnlyEngine, parseRounds, parseTimeLimit } from "../../cli/commands/bench.js";
import type { CliIO } from "../../cli/io.js";
import type { EncodedRequest } from "../../runtime/wasm/evaluator.js";
import { compilePolicy } from "../../compiler/driver.js";
import { createInterpreter } from "../../compiler/ir/interp.js";
import { loadPolicy } from "../../runtime/policy.js";
import { repositoryRoot, writeTranspiledTree } from "../support/transpiled-tree.js";
import { tempDir } from "../support/temp-dir.js";
import { MIN_SUBSAMPLE } from "../../bench/harness.js";
import { runWrit } from "../support/cli.js";

function writ(build: string, args: string[], cwd = build): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(build, "cli/writ.js"), ...args], { cwd, env: { ...process.env, NODE_OPTIONS: "" }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

interface BenchJson {
  policy: { name: string; rules: number };
  requests: { source: string; count: number; timedPerPass: number; allowed: number; invalid: number };
  agreement: string;
  rounds: number;
  results: { engine: string; requestsTimed: number; medianNsPerDecision: number; p50Ns: number; p99Ns: number }[];
}

const request = (roles: string[], name: string, tool: string, riskScore = 10) => ({
  principal: { id: "agent-1", roles, clearance: 3, tenant: "acme" },
  action: { name, tool },
  resource: { id: "r-1", type: "db", owner: "acme", sensitivity: 1 },
  context: { amount: 10, hour: 12, riskScore, approvals: 0 },
});

describe("writ bench in a fresh process", () => {
  let build: string;
  const governance = join(repositoryRoot, "bench/policies/agent-governance.writ");
  beforeAll(() => {
    build = tempDir("bench-cli");
    writeTranspiledTree(build, ["compiler", "runtime", "cli", "bench"], { name: "writ", version: "0.0.0-test" });
    const requests = [request(["admin"], "db.query", "psql"), request([], "shell.exec", "bash"), request(["operator"], "shell.exec", "bash", 90)];
    writeFileSync(join(build, "requests.jsonl"), requests.map((r) => JSON.stringify(r)).join("\n") + "\n\n");
    // an array with one request the schema refuses (clearance is an int)
    const invalid = { ...request(["admin"], "db.query", "psql"), principal: { id: "a", roles: [], clearance: "3", tenant: "acme" } };
    writeFileSync(join(build, "requests.json"), JSON.stringify([...requests, invalid]));
    writeFileSync(join(build, "broken.jsonl"), `${JSON.stringify(requests[0])}\n\n{"principal": \n`);
  }, 60_000);

  it("times a .writ file over its test blocks: module, encoded and interpreter, after checking they agree", async () => {
    const r = await writ(build, ["bench", join(repositoryRoot, "policies/agent-tools.writ"), "--rounds", "1", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as BenchJson;
    expect(out.policy.name).toBe("agent-tools");
    expect(out.requests.source).toBe("the policy's test blocks");
    expect(out.requests.count).toBe(11); // the policy's eleven tests
    expect(out.requests.timedPerPass).toBeGreaterThanOrEqual(1000);
    expect(out.requests.timedPerPass % 11).toBe(0);
    expect(out.agreement).toMatch(/same Decision for every request/);
    expect(out.results.map((e) => e.engine)).toEqual(["decide", "evaluate", "interpreter", "harness-floor"]);
    expect((out as BenchJson & { timerStepNs: number }).timerStepNs).toBeGreaterThan(0);
    for (const e of out.results) {
      expect(e.medianNsPerDecision).toBeGreaterThan(0);
      expect(e.p99Ns).toBeGreaterThanOrEqual(e.p50Ns);
    }
  }, 120_000);

  it("reads JSON Lines, counts allows, and prints a table", async () => {
    const r = await writ(build, ["bench", governance, "--requests", "requests.jsonl", "--rounds", "1"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('policy "agent-governance" 1.0.0: 12 rules');
    expect(r.stdout).toContain("requests: 3 from requests.jsonl, repeated to 1002 per pass; 1 allowed, 0 refused as invalid");
    expect(r.stdout).toMatch(/^timing: 1 round, engines interleaved/m);
    expect(r.stdout).toMatch(/^decide \(module, JS object → Decision\)\s+[\d.]+ (ns|µs)/m);
    expect(r.stdout).toMatch(/^reference interpreter \(JS\)\s+[\d.]+ (ns|µs)/m);
    // the loop's own cost, beside the figures that carry it
    expect(r.stdout).toMatch(/^harness floor \(returns the precomputed answer\)\s+[\d.]+ (ns|µs)/m);
    // a single call under the clock's step is the timer's resolution, printed as "≤ step", never as
    // a time of 0 (the floor's calls take a few ns, under the step of most clocks)
    expect(r.stdout).not.toMatch(/\s0 ns/);
  }, 120_000);

  it("times evaluate-only over the valid requests alone", async () => {
    // every pass whole, however loaded the machine: the default time limit (60 s, from the start of
    // the run) cut the interpreter's pass short when the whole suite ran beside other work
    const r = await writ(build, ["bench", governance, "--requests", "requests.json", "--rounds", "1", "--time-limit", "3600", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as BenchJson;
    expect(out.requests).toMatchObject({ count: 4, timedPerPass: 1000, allowed: 1, invalid: 1 });
    const timed = Object.fromEntries(out.results.map((e) => [e.engine, e.requestsTimed]));
    expect(timed).toMatchObject({ decide: 1000, evaluate: 750 });
    // the interpreter is slow enough that a loaded machine's warm-up has it time an even sample of
    // the pass (planPasses): all of it, or no fewer than MIN_SUBSAMPLE requests
    expect(timed.interpreter).toBeGreaterThanOrEqual(MIN_SUBSAMPLE);
    expect(timed.interpreter).toBeLessThanOrEqual(1000);
  }, 120_000);

  it("times a compiled bundle, module only, and wants requests for it", async () => {
    const bundle = join(build, "governance-bundle");
    const compiled = await writ(build, ["compile", governance, "-o", bundle]);
    expect(compiled.code, compiled.stderr).toBe(0);
    // the summary says how many of the benchmark policy's 12 rules an index dispatches
    expect(compiled.stdout).toMatch(/: 12 rules \(7 indexed\), \d+ bytes, cost bound \d+\n/);
    const r = await writ(build, ["bench", bundle, "--requests", "requests.jsonl", "--rounds", "1", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as BenchJson;
    expect(out.agreement).toMatch(/module only/);
    expect(out.results.map((e) => e.engine)).toEqual(["decide", "evaluate", "harness-floor"]);
    const none = await writ(build, ["bench", bundle]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("a bundle carries no tests; give them with --requests");
  }, 120_000);

  it("stops at --time-limit, giving the rounds timed by then and saying where and why it stopped", async () => {
    const r = await writ(build, ["bench", join(repositoryRoot, "policies/agent-tools.writ"), "--rounds", "1000", "--time-limit", "4", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as BenchJson & { roundsTimed: number; timeLimitSeconds: number; stopped: string };
    expect(out).toMatchObject({ rounds: 1000, timeLimitSeconds: 4 });
    expect(out.roundsTimed).toBeGreaterThan(0);
    expect(out.roundsTimed).toBeLessThan(1000);
    expect(out.stopped).toMatch(new RegExp(`^at the time limit of 4 s \\(--time-limit\\): round ${out.roundsTimed + 1} (would end past it|had not ended) `));
    for (const e of out.results) expect(e.medianNsPerDecision).toBeGreaterThan(0);
  }, 120_000);

  it("does not hang on a request that takes long to decide, repeated to a thousand a pass: nothing timed within the limit, exit 1", async () => {
    // 200,000 unknown keys: listing them (to refuse the first) takes V8 a good part of a second
    const slow = request(["admin"], "db.query", "psql") as Record<string, Record<string, unknown>>;
    for (let i = 0; i < 200_000; i++) slow.context![`k${i}`] = 0;
    // beside a request the schema accepts: one refused alone is not timed
    writeFileSync(join(build, "slow.jsonl"), `${JSON.stringify(request(["admin"], "db.query", "psql"))}\n${JSON.stringify(slow)}\n`);
    const started = Date.now();
    const r = await writ(build, ["bench", governance, "--requests", "slow.jsonl", "--time-limit", "3"]);
    expect(r.code).toBe(1);
    // deciding the slow one in the agreement check (module and interpreter) takes a second or so, more on a loaded machine
    expect(r.stderr).toMatch(
      /^writ bench: (the agreement check had decided 2 of the 2 requests when the time limit of 3 s \(--time-limit\) was reached; nothing was timed|nothing was timed within the time limit of 3 s \(--time-limit\): the warm-up of decide \(module, JS object → Decision\) had not ended its first pass: \d+ of its 1000 requests decided \(2 requests, repeated to 1000 a pass\))\n$/,
    );
    expect(Date.now() - started).toBeLessThan(60_000); // a thousand decisions would take minutes
  }, 120_000);

  it("marks an engine timed call by call over a subsample, in the table and in --json", async () => {
    // a decision of 64 × 64 additions: the interpreter takes about half a millisecond, a pass of a
    // thousand far more than a round's budget
    writeFileSync(join(build, "heavy.writ"), `policy "heavy" version "1.0.0"\n\ninput { l: list<int>(64) }\n\npermit p when l.all(x, l.all(y, x + y > -1))\n`);
    writeFileSync(join(build, "heavy.jsonl"), `${JSON.stringify({ l: Array.from({ length: 64 }, (_, i) => i) })}\n`);
    const text = await writ(build, ["bench", "heavy.writ", "--requests", "heavy.jsonl", "--rounds", "1"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^reference interpreter \(JS\)\s+[\d.]+ (ns|µs|ms)\*/m);
    // (the floor, whose pass takes microseconds, never)
    expect(text.stdout).toMatch(/^harness floor \(returns the precomputed answer\)\s+[\d.]+ (ns|µs) /m);
    expect(text.stdout).toContain("\n* timed call by call: a pass over every request would outlast a round's budget");
    const json = await writ(build, ["bench", "heavy.writ", "--requests", "heavy.jsonl", "--rounds", "1", "--json"]);
    const results = (JSON.parse(json.stdout) as { results: { engine: string; callsTimed: boolean; passesPerRound: number; requestsTimed: number }[] }).results;
    const interpreter = results.find((e) => e.engine === "interpreter")!;
    expect(interpreter).toMatchObject({ callsTimed: true });
    expect(interpreter.requestsTimed).toBeLessThan(1000);
    expect(results.find((e) => e.engine === "harness-floor")).toMatchObject({ callsTimed: false, requestsTimed: 1000 });
  }, 120_000);

  it("names the line of a requests file that is not JSON, and refuses bad options", async () => {
    const broken = await writ(build, ["bench", governance, "--requests", "broken.jsonl"]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^writ bench: broken\.jsonl:3:14: not valid JSON/); // the line ends too soon
    const missing = await writ(build, ["bench", governance, "--requests", "nope.json"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("nope.json: no such file");
    const rounds = await writ(build, ["bench", governance, "--rounds", "0"]);
    expect(rounds.code).toBe(2);
    expect(rounds.stderr).toContain("--rounds takes a whole number");
    const empty = await writ(build, ["bench", governance]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain("has no test blocks; give them with --requests");
  }, 120_000);
});

describe("writ bench's agreement check", () => {
  it("names the first request on which the module and the interpreter differ", async () => {
    const result = await compilePolicy(readFileSync(join(repositoryRoot, "bench/policies/agent-governance.writ"), "utf8"));
    const policy = loadPolicy(result.bundle!, { allowUnsigned: true });
    const interpreter = createInterpreter(result.checked!.ir, result.checked!.errorSites);
    const requests = [request(["admin"], "db.query", "psql"), request([], "shell.exec", "bash"), request(["admin"], "docs.read", "cat")];
    const agreeing = await checkAgreement({ policy, interpreter, testRequests: undefined }, requests);
    expect(agreeing).toMatchObject({ ok: true, allowed: 2, invalid: 0 });
    // an interpreter that turns the third decision around: the check stops there, naming it
    let calls = 0;
    const skewed = {
      decide(r: unknown) {
        const d = interpreter.decide(r);
        return ++calls === 3 ? { ...d, decision: d.decision === "allow" ? ("deny" as const) : ("allow" as const) } : d;
      },
    };
    const disagreeing = await checkAgreement({ policy, interpreter: skewed, testRequests: undefined }, requests);
    expect(disagreeing.ok).toBe(false);
    if (!disagreeing.ok) expect(disagreeing.message).toMatch(/^the module and the interpreter disagree on request 3: interpreter \{"decision":"deny".*nothing was timed$/);
    // an interpreter taking 20 ms a decision, and a limit 50 ms away: it stops between two requests
    const slow = {
      decide(r: unknown) {
        const end = performance.now() + 20;
        while (performance.now() < end);
        return interpreter.decide(r);
      },
    };
    const many = Array.from({ length: 100 }, (_, i) => requests[i % 3]);
    const late = await checkAgreement({ policy, interpreter: slow, testRequests: undefined }, many, { deadline: performance.now() + 50, text: "the limit" });
    expect(late.ok).toBe(false);
    if (!late.ok) expect(late.message).toMatch(/^the agreement check had decided ([1-9]|[1-9]\d) of the 100 requests when the limit was reached; nothing was timed$/);
    // the last request too: what follows the check must not begin past the limit
    const last = await checkAgreement({ policy, interpreter, testRequests: undefined }, [requests[0]], { deadline: performance.now() - 1, text: "the limit" });
    expect(last).toEqual({ ok: false, message: "the agreement check had decided 1 of the 1 requests when the limit was reached; nothing was timed" });
  }, 60_000);
});

describe("writ bench's options", () => {
  it("takes --rounds in decimal digits only, from 1 to 1000", async () => {
    expect([parseRounds("1"), parseRounds("11"), parseRounds("007"), parseRounds("1000")]).toEqual([1, 11, 7, 1000]);
    expect(parseRounds("")).toBeUndefined(); // (the command's parser refuses an empty value before)
    for (const text of ["0x3", "1e3", " 3", "3 ", "3.0", "+3", "-3", "0", "1001", "Infinity", "٣"]) {
      expect(parseRounds(text), JSON.stringify(text)).toBeUndefined();
      const err: string[] = [];
      const io: CliIO = { cwd: repositoryRoot, out: () => {}, err: (t) => err.push(t), readStdin: async () => "" };
      expect(await benchCommand.run(["policies/payments.writ", "--rounds", text], io), JSON.stringify(text)).toBe(2);
      expect(err.join("\n")).toContain(`writ bench: --rounds takes a whole number from 1 to 1000 in decimal digits, not \`${text}\``);
    }
  });

  it("takes --time-limit in whole seconds, from 1 to 86400", async () => {
    expect([parseTimeLimit("1"), parseTimeLimit("60"), parseTimeLimit("86400")]).toEqual([1, 60, 86400]);
    for (const text of ["0", "86401", "1.5", "1e3", " 5", "-1"]) {
      expect(parseTimeLimit(text), JSON.stringify(text)).toBeUndefined();
      const err: string[] = [];
      const io: CliIO = { cwd: repositoryRoot, out: () => {}, err: (t) => err.push(t), readStdin: async () => "" };
      expect(await benchCommand.run(["policies/payments.writ", "--time-limit", text], io), JSON.stringify(text)).toBe(2);
      expect(err.join("\n")).toContain(`writ bench: --time-limit takes a whole number of seconds from 1 to 86400 in decimal digits, not \`${text}\``);
    }
  });

  it("says that --time-limit does not count reading the request list or compiling the policy", () => {
    expect(benchCommand.usage.replace(/\s+/g, " ")).toContain("Reading and checking the request list and compiling the policy come before, and are not counted");
  });

  it("says how requests are repeated: whole, until a pass holds at least 1000 (999 make 1,998)", () => {
    expect(benchCommand.usage.replace(/\s+/g, " ")).toContain("Fewer than 1000 are repeated, all of them in order, as many times as a timed pass needs to hold at least 1000 (3 requests: 1,002 per pass; 999: 1,998)");
  });
});

describe("writ bench's evaluate-only engine", () => {
  let compiled: ReturnType<typeof compilePolicy> | undefined;
  /**
   * The engine over `valid` of `mix`, with the requests encode() was given and the encoding each
   * call of evaluateEncoded received as the harness runs it: `passes` passes over its positions,
   * then single calls cycling through them, as bench/harness.ts does.
   */
  async function encodingsPassed(mix: readonly unknown[], valid: readonly number[], passes = 3, deadline?: number) {
    compiled ??= compilePolicy(readFileSync(join(repositoryRoot, "bench/policies/agent-governance.writ"), "utf8"));
    const { evaluator } = loadPolicy((await compiled).bundle!, { allowUnsigned: true });
    const encodedFrom = new Map<EncodedRequest, unknown>();
    const calls: { position: number; encoding: EncodedRequest }[] = [];
    let position = -1;
    const recording = {
      encode: (r: unknown) => {
        const e = evaluator.encode(r);
        encodedFrom.set(e, r);
        return e;
      },
      evaluateEncoded: (e: EncodedRequest) => {
        calls.push({ position, encoding: e });
        return evaluator.evaluateEncoded(e);
      },
    };
    const built = evaluateOnlyEngine(recording, mix, valid, deadline);
    const answers: boolean[] = [];
    const decide = (k: number) => answers.push(built.ok && built.engine!.decide(mix[k], (position = k)));
    if (built.ok && built.engine) {
      const only = built.engine.only!;
      for (let p = 0; p < passes; p++) for (const k of only) decide(k);
      for (let s = 0; s < 5; s++) decide(only[s % only.length]!);
    }
    return { built, encodedFrom, calls, answers };
  }

  it("encodes a request once, however many positions repeat it, and gives each call its request's encoding", async () => {
    const one = request(["admin"], "db.query", "psql");
    const mix = Array.from({ length: 1000 }, () => one); // as `writ bench` repeats a single request
    const single = await encodingsPassed(mix, mix.map((_, k) => k));
    expect([...single.encodedFrom.values()]).toEqual([one]);
    expect(single.calls.length).toBe(3005);
    expect(new Set(single.answers)).toEqual(new Set([true])); // the shared encoding says what the request is

    // three requests repeated to 1,002 a pass, the second refused by the schema: two encodings
    const requests = [request(["admin"], "db.query", "psql"), { nonsense: 1 }, request([], "shell.exec", "bash")];
    const repeated = Array.from({ length: 1002 }, (_, k) => requests[k % 3]);
    const valid = repeated.flatMap((_, k) => (k % 3 === 1 ? [] : [k]));
    const three = await encodingsPassed(repeated, valid, 2);
    expect([...three.encodedFrom.values()]).toEqual([requests[0], requests[2]]);
    expect(three.calls.filter((c) => three.encodedFrom.get(c.encoding) !== repeated[c.position])).toEqual([]);
    expect(three.answers.slice(0, 4)).toEqual([true, false, true, false]); // allowed, denied, in turn
  }, 60_000);

  it("stops encoding once the deadline is past, saying how far it had gone", async () => {
    const requests = [request(["admin"], "db.query", "psql"), request([], "shell.exec", "bash"), request(["admin"], "docs.read", "cat")];
    const mix = Array.from({ length: 1002 }, (_, k) => requests[k % 3]);
    const late = await encodingsPassed(mix, mix.map((_, k) => k), 1, performance.now() - 1);
    expect(late.built).toEqual({ ok: false, stopped: "the requests of evaluate only (module, request encoded beforehand) were being encoded: 1 of its 3 encoded" });
    expect(late.encodedFrom.size).toBe(1);
  }, 60_000);

  it("has nothing to time when no request is valid", () => {
    const never = { encode: () => ({ bytes: new Uint8Array(0) }), evaluateEncoded: () => 0 };
    expect(evaluateOnlyEngine(never, [{}, {}], [])).toEqual({ ok: true, engine: undefined });
  });
});

describe("writ bench on requests the schema refuses", () => {
  const dir = tempDir("bench-refused");
  writeFileSync(
    join(dir, "zs.writ"),
    [
      'policy "zs" version "1.0.0"',
      "input {",
      "  zs: list<int>(8)",
      "}",
      "permit one when size(zs) == 1",
      'test "one" {',
      "  input { zs: [1] }",
      "  expect allow by [one]",
      "}",
      'test "a string among the ints" {',
      '  input { zs: ["x"] }',
      "  expect deny invalid",
      "}",
      "",
    ].join("\n"),
  );
  const bench = (requestsText: string | undefined, ...more: string[]) => {
    if (requestsText !== undefined) writeFileSync(join(dir, "requests"), requestsText);
    return runWrit(["bench", "zs.writ", ...(requestsText === undefined ? [] : ["--requests", "requests"]), "--rounds", "1", ...more], dir);
  };

  it("refuses to time when the schema refuses every request, saying why: only the refusal would be timed", async () => {
    const cases: [string, string][] = [
      ['{"a":1}\n', "the only request is refused as invalid: request 1 (requests:1): zs: missing required field"],
      ["null\n", "the only request is refused as invalid: request 1 (requests:1): the request itself: expected a record, got null"],
      ["[1,2]", "all 2 requests are refused as invalid, the first: request 1 (requests): the request itself: expected a record, got the number 1"],
      ['\n{"zs":[1.5]}\n\n{"zs":"no"}\n', "all 2 requests are refused as invalid, the first: request 1 (requests:2): zs[0]: expected int, got the non-integer number 1.5"],
    ];
    for (const [text, why] of cases) {
      for (const json of [[], ["--json"]]) {
        const r = await bench(text, ...json);
        expect({ code: r.code, out: r.out, err: r.err }, text).toEqual({ code: 1, out: "", err: `writ bench: ${why}; nothing was timed, since only the refusal would be` });
      }
    }
  }, 60_000);

  it("names the first refused request and why, by its line, its place in an array or its test, and times the rest", async () => {
    const lines = await bench('{"zs":[1]}\n\n{"zs":[2,"x"]}\n{"zs":null}\n');
    expect(lines.code, lines.err).toBe(0);
    expect(lines.out).toContain("requests: 3 from requests, repeated to 1002 per pass; 1 allowed, 2 refused as invalid\nfirst refused: request 2 (requests:3): zs[1]: expected int, got a string\n");
    expect(lines.out).toMatch(/^evaluate only \(module, request encoded beforehand\) .* 334 of 1002$/m);

    const array = await bench('[{"zs":[1]}, [1], {"zs":[]}]', "--json");
    expect(array.code, array.err).toBe(0);
    const out = JSON.parse(array.out) as BenchJson & { requests: { firstRefused: unknown } };
    expect(out.requests).toMatchObject({ count: 3, allowed: 1, invalid: 1, firstRefused: { request: 2, from: "requests", path: "", message: "expected a record, got a list" } });
    expect(out.results.map((e) => e.engine)).toEqual(["decide", "evaluate", "interpreter", "harness-floor"]);

    const tests = await bench(undefined);
    expect(tests.code, tests.err).toBe(0);
    expect(tests.out).toContain('\nfirst refused: request 2 (test "a string among the ints" at zs.writ:10:1): zs[0]: expected int, got a string\n');

    const none = await bench('{"zs":[1]}\n');
    expect(none.code, none.err).toBe(0);
    expect(none.out).toContain("1 allowed, 0 refused as invalid\nagreement:");
    // a policy of one rule: one rule, not "1 rules"
    expect(none.out).toMatch(/^policy "zs" 1\.0\.0: 1 rule, module \d+ bytes/m);
  }, 60_000);
});

describe("writ bench --help", () => {
  it("gives the exit status of bad usage, 2, as a usage error exits", async () => {
    const help = await runWrit(["bench", "--help"], repositoryRoot);
    expect(help.code).toBe(0);
    expect(help.out.replace(/\s+/g, " ")).toMatch(/Exit status: 0 when timed .*, 1 when .*, 2 bad usage \(as an option its target has no use for: .*\)\.$/);
    for (const args of [["--rounds", "0"], ["--json=1"], ["--rounds", "1", "--rounds", "2"], ["--time-limit", "0"]]) {
      const r = await runWrit(["bench", "policies/payments.writ", ...args], repositoryRoot);
      expect(r.code, args.join(" ")).toBe(2);
    }
  });
});
