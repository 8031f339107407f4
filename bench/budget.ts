// What the default cost budget (DEFAULT_COST_BUDGET, compiler/ir/cost.ts) takes in time:
// `npm run build && node dist/bench/budget.js [--when-quiet=µs]`. The budget counts steps, and the
// bytes and elements builtins touch, not time; how long a policy at the budget takes depends on what
// its steps are. For each shape below, the largest size whose cost is within the budget, compiled
// as `writ compile` compiles it (O3), and its worst request (every macro runs to the end: nothing
// matches), timed in the decision module (`decide`: validating and copying the request in, then
// evaluating) and in the reference interpreter: the first call, and the best of those after it.

import { compilePolicy } from "../compiler/driver.js";
import { createInterpreter } from "../compiler/ir/interp.js";
import { DEFAULT_COST_BUDGET, MAX_COST_BUDGET } from "../compiler/ir/cost.js";
import { isMainModule } from "../compiler/main-module.js";
import { loadPolicy } from "../runtime/policy.js";
import { parseWhenQuiet, waitForQuietHost } from "./host-probe.js";

export interface BudgetShape {
  readonly name: string;
  readonly what: string;
  /** the input block's fields and the rule's condition, for a size n */
  readonly input: (n: number) => string;
  readonly condition: string;
  /** the request that makes every macro run to its end */
  readonly request: (n: number) => unknown;
}

const ints = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** The inner macros of the nested shape: with the one over the request, as deep as the parser allows (W0104). */
const NESTED = 99;

/** `l.exists(x, [1].exists(a1, … [99].exists(a99, x == -1)))`: each level costs a few units, whatever its depth. */
function nestedCondition(depth: number): string {
  let body = "x == -1";
  for (let k = depth; k >= 1; k--) body = `[${k}].exists(a${k}, ${body})`;
  return `l.exists(x, ${body})`;
}

/** How deep the lists of the deep shape are nested, one element a level. */
const DEEP = 95;

/** `list<list<…list<int>(1)…>(1)>(1)`, DEEP lists deep */
const deepType = (): string => Array.from({ length: DEEP }).reduce<string>((t) => `list<${t}>(1)`, "int");

/** `[[…[leaf]…]]`, DEEP lists deep */
const deepValue = (leaf: number): unknown => Array.from({ length: DEEP }).reduce<unknown>((v) => [v], leaf);

export const BUDGET_SHAPES: readonly BudgetShape[] = [
  {
    name: "pairs",
    what: "a macro in a macro over ints",
    input: (n) => `l: list<int>(${n})`,
    condition: "l.exists(x, l.exists(y, x + y == -1))",
    request: (n) => ({ l: ints(n) }),
  },
  {
    name: "nested",
    what: `${NESTED + 1} macros nested, ${NESTED} over one element`,
    input: (n) => `l: list<int>(${n})`,
    condition: nestedCondition(NESTED),
    request: (n) => ({ l: ints(n) }),
  },
  {
    name: "lists",
    what: "a list built for each element",
    input: (n) => `l: list<int>(${n})`,
    condition: "l.exists(x, l.map(y, y + x).exists(z, z == -1))",
    request: (n) => ({ l: ints(n) }),
  },
  {
    name: "concat",
    what: "a string concatenated for each pair",
    input: (n) => `l: list<string(64)>(${n})`,
    condition: 'l.exists(x, l.exists(y, x + y == "z"))',
    request: (n) => ({ l: ints(n).map((i) => String(i).padStart(64, "x")) }),
  },
  {
    name: "member",
    what: "a long string looked for among long strings",
    input: (n) => `s: string(4096), l: list<string(4096)>(${n})`,
    condition: "s in l",
    request: (n) => ({ s: `${"a".repeat(4095)}b`, l: ints(n).map(() => "a".repeat(4096)) }),
  },
  {
    name: "contains",
    what: "a substring looked for in long strings",
    input: (n) => `l: list<string(${n})>(64), t: string(64)`,
    condition: "l.exists(x, x.contains(t))",
    request: (n) => ({ t: `${"a".repeat(63)}b`, l: ints(64).map(() => "a".repeat(n)) }),
  },
  {
    name: "lookup",
    what: "a map looked up for each element",
    input: (n) => `m: map<string(16), int>(${n}), l: list<string(16)>(${n})`,
    condition: "l.exists(k, k in m && m[k] == -1)",
    request: (n) => {
      const keys = ints(n).map((i) => `key-${String(i).padStart(10, "0")}`);
      return { m: Object.fromEntries(keys.map((k, i) => [k, i])), l: keys };
    },
  },
  {
    name: "deep",
    what: `a list nested ${DEEP} deep looked for among 8`,
    input: (n) => `a: ${deepType()}, l: list<${deepType()}>(8), z: list<int>(${n})`,
    // each element differs from the one looked for at the bottom only: every comparison walks every level
    condition: "z.exists(i, a in l)",
    request: (n) => ({ a: deepValue(-1), l: ints(8).map(deepValue), z: ints(n) }),
  },
];

export function shapePolicy(shape: BudgetShape, n: number): string {
  return `policy "budget-${shape.name}" version "1.0.0"\ninput { ${shape.input(n)} }\npermit p when ${shape.condition}\n`;
}

/**
 * The worst-case cost of a shape at size n, as the compiler bounds it; Infinity for a size the
 * checker refuses (a request of more than 1,000,000 values, W0505).
 */
export async function shapeCost(shape: BudgetShape, n: number): Promise<number> {
  return (await compilePolicy(shapePolicy(shape, n), { stopAfter: "cost", maxCost: MAX_COST_BUDGET })).costBound ?? Infinity;
}

/** The largest size whose cost is within the default budget (a binary search on the compiler's bound). */
export async function sizeAtBudget(shape: BudgetShape): Promise<number> {
  let [within, over] = [1, 1 << 22];
  while (over - within > 1) {
    const mid = Math.floor((within + over) / 2);
    if ((await shapeCost(shape, mid)) <= DEFAULT_COST_BUDGET) within = mid;
    else over = mid;
  }
  return within;
}

/**
 * The first call's time (what a process deciding once waits: V8 runs a module's first calls in its
 * baseline tier) and the best of the calls after it, repeated for at least `times` calls and a
 * second, so that V8 has optimised what it will.
 */
function timed<T>(run: () => T, times: number): { first: number; best: number; value: T } {
  const clock = (): { ms: number; value: T } => {
    const t0 = performance.now();
    const value = run();
    return { ms: performance.now() - t0, value };
  };
  const { ms: first, value } = clock();
  let best = Infinity;
  const started = performance.now();
  for (let i = 0; i < times || performance.now() - started < 1000; i++) best = Math.min(best, clock().ms);
  return { first, best, value };
}

export const BUDGET_USAGE = [
  "usage: node dist/bench/budget.js [--when-quiet=µs]",
  "",
  "  --when-quiet=µs   start once two host probes in a row take under that many µs",
  "  --help            this text",
].join("\n");

/** The µs to wait for (null: start at once), or a message saying which option is wrong and how. */
export function parseBudgetOptions(argv: readonly string[]): { readonly whenQuietUs: number | null } | string {
  let whenQuietUs: number | null = null;
  for (const arg of argv) {
    if (!arg.startsWith("--when-quiet=")) return `unknown option \`${arg}\` (known: --when-quiet=µs, --help)`;
    if (whenQuietUs !== null) return "--when-quiet is given twice: give it once";
    // as npm run bench reads it: Number() took `8us` as NaN (no probe under it: 15 minutes' wait) and `0x10` as 16
    const us = parseWhenQuiet(arg.slice("--when-quiet=".length));
    if (typeof us === "string") return us;
    whenQuietUs = us;
  }
  return { whenQuietUs };
}

export async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(BUDGET_USAGE);
    return 0;
  }
  const options = parseBudgetOptions(argv);
  if (typeof options === "string") {
    console.error(`budget: ${options}\n${BUDGET_USAGE}`);
    return 2;
  }
  if (options.whenQuietUs !== null) await waitForQuietHost(options.whenQuietUs, (line) => console.error(line));
  console.log(`default cost budget ${DEFAULT_COST_BUDGET.toLocaleString("en-US")}: the worst request of each shape at the budget`);
  for (const shape of BUDGET_SHAPES) {
    const n = await sizeAtBudget(shape);
    const compiled = await compilePolicy(shapePolicy(shape, n));
    if (!compiled.bundle || !compiled.ir) {
      console.log(`${shape.name}: did not compile: ${compiled.diagnostics.map((d) => d.message).join("; ")}`);
      return 1;
    }
    const policy = loadPolicy(compiled.bundle, { allowUnsigned: true });
    const interpreter = createInterpreter(compiled.ir, compiled.bundle.manifest.errorSites);
    const request = shape.request(n);
    const module = timed(() => policy.decide(request), 7);
    const interp = timed(() => interpreter.decide(request), 3);
    if (module.value.decision !== "deny" || interp.value.decision !== "deny") {
      console.log(`${shape.name}: its worst request was not denied by both (${module.value.decision}, ${interp.value.decision})`);
      return 1;
    }
    const figure = (ms: number): string => (ms < 10 ? ms.toFixed(1) : ms.toFixed(0)).padStart(5);
    const times = (t: { first: number; best: number }): string => `${figure(t.first)} ms first, ${figure(t.best)} best`;
    console.log(`${shape.name.padEnd(9)} ${shape.what.padEnd(44)} n=${String(n).padEnd(5)} cost ${(compiled.costBound ?? 0).toLocaleString("en-US").padStart(10)}  module ${times(module)}  interpreter ${times(interp)}`);
  }
  return 0;
}

if (isMainModule(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
