// The long-run differential fuzzer: `npm run fuzz -- --seconds N --seed S` compiles batch after
// batch of random policies and checks that the reference interpreter and the WASM module decide
// random requests identically (test/fuzz/differential.ts), until the time is up or a counterexample
// is found. It prints how many policies and decisions were checked, and any counterexample as a
// reduced policy, its request and the two decisions, with the command that replays it.
//
//   --seconds N    how long to run (default 60)
//   --seed S       seed of the whole run (default: from the clock); batch i uses a seed derived from S and i
//   --from I       start at batch I (replay a reported batch: same --seed, --from I, --batches 1)
//   --batches B    stop after B batches
//   --members M    random policies per compiled batch (default 30)
//   --requests R   requests per batch (default 5000; one in ten is a mutated, mostly invalid request)
//
// Exit status: 0 when no counterexample was found, 1 when one was, 2 on bad arguments.

import { Draw, drawBatch, drawBatchRequest, policyToWrit } from "../support/arbitraries/index.js";
import { compilePair, decideBoth, describeCounterexample, reduce } from "./differential.js";

interface Options {
  seconds: number;
  seed: number;
  from: number;
  batches: number;
  members: number;
  requests: number;
}

function parseArgs(argv: readonly string[]): Options | string {
  const o: Options = { seconds: 60, seed: (Date.now() % 0x7fffffff) | 0, from: 0, batches: Number.POSITIVE_INFINITY, members: 30, requests: 5000 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    const key = flag.replace(/^--/, "") as keyof Options;
    if (!flag.startsWith("--") || !(key in o)) return `unknown option \`${flag}\``;
    if (value === undefined || !/^-?\d+$/.test(value)) return `\`${flag}\` needs an integer`;
    o[key] = Number(value);
    i++;
  }
  if (o.seconds <= 0 || o.members <= 0 || o.requests <= 0 || o.batches <= 0 || o.from < 0) return "sizes must be positive";
  return o;
}

/** The seed of batch `i` of a run seeded with `seed` (a fixed mix, so any batch can be replayed alone). */
export function batchSeed(seed: number, i: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) + Math.imul(i + 1, 0x165667b1)) | 0;
}

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if (typeof parsed === "string") {
    process.stderr.write(`writ fuzz: ${parsed}\nusage: npm run fuzz -- [--seconds N] [--seed S] [--from I] [--batches B] [--members M] [--requests R]\n`);
    return 2;
  }
  const o = parsed;
  const deadline = performance.now() + o.seconds * 1000;
  const totals = { batches: 0, policies: 0, rules: 0, decisions: 0, allows: 0, ruleErrors: 0, invalid: 0 };
  process.stdout.write(`writ fuzz: seed ${o.seed}, ${o.members} policies per batch, ${o.requests} requests per batch, ${o.seconds} s\n`);
  for (let i = o.from; i - o.from < o.batches && performance.now() < deadline; i++) {
    const d = Draw.seeded(batchSeed(o.seed, i));
    const batch = drawBatch(d, o.members);
    const pair = await compilePair(policyToWrit(batch.policy), i % 2 === 1); // odd batches as shipped (-O3)
    for (let r = 0; r < o.requests; r++) {
      const request = drawBatchRequest(d, batch, r % 10 !== 9);
      const result = decideBoth(pair, request);
      if (result.difference !== undefined) {
        const c = await reduce(batch, request, result.difference, pair.optimized);
        process.stdout.write(`\nCOUNTEREXAMPLE in batch ${i} (request ${r}):\n${describeCounterexample(c)}\n`);
        process.stdout.write(`replay: npm run fuzz -- --seed ${o.seed} --from ${i} --batches 1 --members ${o.members} --requests ${o.requests}\n`);
        report(totals);
        return 1;
      }
      totals.decisions++;
      if (result.interp.decision === "allow") totals.allows++;
      for (const e of result.interp.errors) e.rule === null ? totals.invalid++ : totals.ruleErrors++;
    }
    totals.batches++;
    totals.policies += batch.members;
    totals.rules += batch.policy.rules.length;
    process.stdout.write(`batch ${i}: ${batch.members} policies, ${batch.policy.rules.length} rules, compiled (${pair.optimized ? "-O3" : "-O0"}) in ${pair.compileMs.toFixed(0)} ms; ${totals.decisions} decisions so far\n`);
  }
  report(totals);
  return 0;
}

function report(t: { batches: number; policies: number; rules: number; decisions: number; allows: number; ruleErrors: number; invalid: number }): void {
  process.stdout.write(
    `checked ${t.policies} policies (${t.rules} rules, ${t.batches} compiled batches) and ${t.decisions} decisions: ${t.allows} allows, ${t.ruleErrors} rule errors, ${t.invalid} invalid requests\n`,
  );
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`writ fuzz: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
