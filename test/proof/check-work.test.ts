// Property: on random policies that read, from inside macros, maps and lists whose checks walk them
// (docs/abi.md, "What the module refuses": a map's keys and their order, a list's bools or strings,
// inner lists and maps), reached through optional records, records inside optional records, list
// elements, map values or a required record, and on random requests (values often at their bounds,
// map keys alike but for their last bytes), the module decides as the interpreter does, and a
// decision's loads from memory (test/support/counted-work.ts) stay within LOADS_PER_UNIT per unit of
// the policy's cost bound (docs/language.md, "Cost"). docs/proof.md gives the sizes.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Draw } from "../support/arbitraries/index.js";
import { checkProperty } from "../support/arbitraries/replay.js";
import { alikeKeys, countedModule, LOADS_PER_UNIT } from "../support/counted-work.js";
import { compilePolicy } from "../../compiler/driver.js";
import { createInterpreter } from "../../compiler/ir/interp.js";
import { loadPolicy } from "../../runtime/policy.js";
import { decideBoth, show, type CompiledPair } from "../fuzz/differential.js";

const RUNS = 12; // policies (compiles) at CI size
const REQUESTS = 40; // decisions per policy
/** the cost budget of the policies: their decisions, counted load by load, take milliseconds */
const MAX_COST = 2_000_000;

/** A value whose check walks it: its type, expressions reading it (given its path), a random value. */
interface Walked {
  readonly type: string;
  readonly reads: readonly ((v: string) => string)[];
  readonly value: (d: Draw) => unknown;
}

/** Up to `max` keys of up to `bytes` bytes (at least 3), alike but for their last three, often at both bounds. */
function keys(d: Draw, max: number, bytes: number): string[] {
  const n = d.chance(0.5) ? max : d.int(0, max);
  return alikeKeys(n, d.chance(0.6) ? bytes : d.int(3, bytes));
}

const bools = (d: Draw, max: number): boolean[] => Array.from({ length: d.chance(0.5) ? max : d.int(0, max) }, () => d.chance(0.5));

function drawWalked(d: Draw): Walked {
  // bounds at their largest half the time: a check's work grows with them, a cheap read's does not
  const K = d.chance(0.5) ? 400 : d.int(3, 400);
  const M = d.chance(0.5) ? 12 : d.int(1, 12);
  const F = d.chance(0.5) ? 60 : d.int(1, 60);
  // a short key no request holds (a search costs little, the check of the keys as much as ever), or
  // one the requests hold when they fill the map
  const key = d.chance(0.7) ? "absent" : alikeKeys(M, K)[d.int(0, M - 1)]!;
  switch (d.int(0, 4)) {
    case 0:
      return {
        type: `map<string(${K}), int>(${M})`,
        reads: [(v) => `"${key}" in ${v}`, (v) => `size(${v}) > ${d.int(0, M)}`, (v) => `${v}.exists(k, k.endsWith("001"))`],
        value: (r) => Object.fromEntries(keys(r, M, K).map((k, i) => [k, i])),
      };
    case 1:
      return {
        type: `list<bool>(${F})`,
        reads: [(v) => `${v}[0]`, (v) => `true in ${v}`, (v) => `size(${v}) == ${d.int(0, F)}`],
        value: (r) => bools(r, F),
      };
    case 2:
      // startsWith needs the strings' bytes: they travel as bytes, and the list's check walks them
      return {
        type: `list<string(${K})>(${F})`,
        reads: [(v) => `size(${v}) > 1 && ${v}[1].endsWith("1")`, (v) => `${v}.exists(s, s.startsWith("k"))`],
        value: (r) => alikeKeys(r.chance(0.5) ? F : r.int(0, F), r.int(3, K)),
      };
    case 3:
      return {
        type: `map<string(${K}), list<bool>(${F})>(${M})`,
        reads: [(v) => `"${key}" in ${v}`, (v) => `${v}.exists(k, true in ${v}[k])`],
        value: (r) => Object.fromEntries(keys(r, M, K).map((k) => [k, bools(r, F)])),
      };
    default:
      return {
        type: `list<list<bool>(${F})>(${M})`,
        reads: [(v) => `size(${v}) > 0`, (v) => `${v}.exists(x, true in x)`],
        value: (r) => Array.from({ length: r.int(0, M) }, () => bools(r, F)),
      };
  }
}

/** Where a walked value sits: the field's declaration, rule conditions reading it, a random value. */
interface Field {
  readonly decl: string;
  readonly reads: readonly string[];
  readonly value: (d: Draw) => unknown;
}

function drawField(d: Draw, name: string): Field {
  const w = drawWalked(d);
  // the first reads cost little beside the check of what they read: mostly those
  const read = (v: string): string => d.weighted(w.reads.map((r, i) => [i === 0 ? 3 : 1, r] as const))(v);
  const n = d.int(1, 6);
  const maybe = (r: Draw, v: () => unknown): unknown => (r.chance(0.8) ? v() : undefined);
  switch (d.int(0, 4)) {
    case 0:
      return { decl: `${name}?: { w: ${w.type} }`, reads: [read(`${name}.w`), `has(${name}) && ${read(`${name}.w`)}`], value: (r) => maybe(r, () => ({ w: w.value(r) })) };
    case 1:
      return {
        decl: `${name}?: { b?: { w: ${w.type} } }`,
        reads: [read(`${name}.b.w`)],
        value: (r) => maybe(r, () => ({ b: maybe(r, () => ({ w: w.value(r) })) })),
      };
    case 2:
      return {
        decl: `${name}: list<{ n: int, w?: ${w.type} }>(${n})`,
        reads: [`${name}.exists(x, has(x.w) && ${read("x.w")})`, `${name}.all(x, x.n > 2 || ${read("x.w")})`],
        value: (r) => Array.from({ length: r.int(0, n) }, () => ({ n: r.int(0, 4), w: maybe(r, () => w.value(r)) })),
      };
    case 3:
      return {
        decl: `${name}: map<string(4), { w: ${w.type} }>(${n})`,
        reads: [`${name}.exists(k, ${read(`${name}[k].w`)})`, `"g1" in ${name} && ${read(`${name}["g1"].w`)}`],
        value: (r) => Object.fromEntries(Array.from({ length: r.int(0, n) }, (_, i) => [`g${i}`, { w: w.value(r) }])),
      };
    default:
      return { decl: `${name}: { w: ${w.type} }`, reads: [read(`${name}.w`)], value: (r) => ({ w: w.value(r) }) };
  }
}

interface Generated {
  readonly text: string;
  readonly request: (d: Draw) => unknown;
}

/**
 * A policy of 1–3 such fields and 2–5 rules, each reading one of them inside a macro over `l`.
 *
 * Allows must be common in every run, not only in most: a forbid that holds or errors denies, and a
 * forbid over `l.exists(i, i == N || …)` holds whenever `l` is longer than N, so a run of a dozen
 * policies could see next to no allows. Hence (1) the first rule is a permit that holds whenever `l`
 * is full, and (2) every forbid ends in `&& !open`: it is evaluated in full either way (its macro walks
 * what it reads), but denies only when the request's `open` is false — and `X && false` is false even
 * when X errors. A request with `open` true and `l` full (a quarter of them) is allowed, whatever the
 * walked values; the others are decided by the rules as drawn.
 */
function drawPolicy(d: Draw): Generated {
  const L = d.chance(0.5) ? 80 : d.int(1, 80);
  const fields = Array.from({ length: d.int(1, 3) }, (_, i) => drawField(d, `f${i}`));
  const rules = Array.from({ length: d.int(2, 5) }, (_, i) => {
    const f = d.pick(fields);
    const read = d.pick(f.reads);
    if (i === 0) return `permit r0 when l.exists(i, i == ${d.int(0, L - 1)} || (${read}))`;
    const macro = d.pick(["exists", "all"]);
    const when = `l.${macro}(i, i == ${d.int(0, L)} || (${read}))`;
    return d.chance(0.3) ? `forbid r${i} when ${when} && !open` : `permit r${i} when ${when}`;
  });
  const text = `policy "walks" version "1"\ninput {\n  open: bool\n  l: list<int>(${L})\n${fields.map((f) => `  ${f.decl}\n`).join("")}}\n${rules.join("\n")}\n`;
  const request = (r: Draw): unknown => {
    const out: Record<string, unknown> = { open: r.chance(0.5), l: Array.from({ length: r.chance(0.5) ? L : r.int(0, L) }, (_, i) => i) };
    fields.forEach((f, i) => {
      const v = f.value(r);
      if (v !== undefined) out[`f${i}`] = v;
    });
    return out;
  };
  return { text, request };
}

describe("the module's work, input checks included", () => {
  it(`is within its cost bound, and it decides as the interpreter does, on ${RUNS} random policies × ${REQUESTS} requests`, async () => {
    const stats = { decisions: 0, allows: 0, errors: 0, worst: 0, redrawn: 0 };
    const property = fc.asyncProperty(fc.gen(), async (g) => {
      const d = new Draw(g);
      const pd = Draw.seeded(d.seed());
      // a policy within a budget that keeps the counted decisions quick (drawn again when over it)
      let policy = drawPolicy(pd);
      let compiled = await compilePolicy(policy.text, { optimize: false, maxCost: MAX_COST });
      for (let tries = 0; !compiled.bundle && compiled.diagnostics.every((x) => x.code === "W0503") && tries < 20; tries++) {
        stats.redrawn++;
        policy = drawPolicy(pd);
        compiled = await compilePolicy(policy.text, { optimize: false, maxCost: MAX_COST });
      }
      if (!compiled.bundle) throw new Error(`the generated policy did not compile:\n${compiled.diagnostics.map((x) => `${x.code} ${x.message}`).join("\n")}\n${policy.text}`);
      const pair: CompiledPair = {
        text: policy.text,
        interp: createInterpreter(compiled.ir!, compiled.checked!.errorSites),
        wasm: loadPolicy(compiled.bundle, { allowUnsigned: true }),
        compileMs: 0,
        optimized: false,
      };
      const bound = compiled.costBound!;
      const counted = countedModule(compiled.bundle);
      const rd = Draw.seeded(d.seed());
      for (let i = 0; i < REQUESTS; i++) {
        const request = policy.request(rd);
        const r = decideBoth(pair, request);
        const where = `--- policy ---\n${policy.text}--- request ---\n${show(request)}`;
        if (r.difference !== undefined) throw new Error(`the interpreter and the module disagree\n${where}\n--- decisions ---\n${r.difference}`);
        const { loads, verdict } = counted.decide(request);
        expect(verdict, where).toBe(r.wasm.decision === "allow" ? 1 : 0);
        if (loads > LOADS_PER_UNIT * bound) throw new Error(`${loads} loads for a cost bound of ${bound}\n${where}`);
        stats.worst = Math.max(stats.worst, loads / bound);
        stats.decisions++;
        if (r.wasm.decision === "allow") stats.allows++;
        if (r.wasm.errors.length > 0) stats.errors++;
      }
    });
    await checkProperty(property, RUNS, "test/proof/check-work.test.ts", { endOnFailure: true });
    expect(stats.decisions).toBeGreaterThanOrEqual(RUNS * REQUESTS);
    expect(stats.allows).toBeGreaterThan(stats.decisions / 20);
    expect(stats.allows).toBeLessThan(stats.decisions);
    console.log(`check work: ${stats.decisions} decisions, ${stats.allows} allows, ${stats.errors} with errors (${stats.redrawn} policies over the budget drawn again), at most ${stats.worst.toFixed(2)} loads per unit of the cost bound`);
  }, 600_000);
});
