// Differential test against an independent CEL implementation, @marcbachmann/cel-js 8: random
// well-typed expressions of Writ's subset (cel-gen.ts) with random bindings are evaluated by Writ's
// reference interpreter and by cel-js; both must give the same value, or both an error. A sample is
// also compiled, in one batch, to a WASM module and decided there: each expression's rule must hold
// (value) or error (error) exactly as cel-js says.
//
// Where cel-js departs from the CEL specification, Writ follows the specification; each such shape is
// documented in docs/cel-divergences.md and excluded from the comparison exactly (see the comments
// marked "divergence"). Failures print the fast-check seed and path for replay.

import { Environment, EvaluationError } from "@marcbachmann/cel-js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkPolicy } from "../../compiler/check/policy.js";
import { compilePolicy } from "../../compiler/driver.js";
import { Err, createInterpreter, evaluateNode } from "../../compiler/ir/interp.js";
import type { MapValue, Value } from "../../compiler/ir/ir.js";
import { parsePolicy } from "../../compiler/syntax/index.js";
import { loadPolicy } from "../../runtime/policy.js";
import { requestToValue } from "../../runtime/request.js";
import { type Bindings, bindingsArb, exprArb, INT64_MAX, INT64_MIN, print, VARIABLES } from "./cel-gen.js";

type Outcome = { readonly value: unknown } | { readonly error: string };

/** property runs; raise with WRIT_DIFF_RUNS for a longer search */
const RUNS = Number(process.env.WRIT_DIFF_RUNS ?? 1000);
/** expression depth; raise with WRIT_DIFF_DEPTH */
const DEPTH = Number(process.env.WRIT_DIFF_DEPTH ?? 4);

const INPUT = `input {\n${VARIABLES.map((v) => `  ${v.name}: ${v.writ},`).join("\n")}\n}\n`;

function celEnvironment(): Environment {
  let env = new Environment();
  for (const v of VARIABLES) env = env.registerVariable(v.name, v.cel);
  return env;
}

const cel = celEnvironment();

/** Set by the probes when an int64 operation on which cel-js and Writ differ was reached (see below). */
let int64MinShapeSeen = false;
// divergence: cel-js returns 2^63 for `-INT64_MIN` and `INT64_MIN / -1` where CEL requires an
// overflow error (docs/cel-divergences.md, "INT64_MIN negation and division"). A second cel-js run
// with these probes in place of `-x` and `/` tells whether an evaluation reached that shape.
const celProbe = celEnvironment()
  .registerFunction("probe_neg(int): int", (x: bigint) => {
    if (x === INT64_MIN) int64MinShapeSeen = true;
    return -x;
  })
  .registerFunction("probe_div(int, int): int", (a: bigint, b: bigint) => {
    if (a === INT64_MIN && b === -1n) int64MinShapeSeen = true;
    if (b === 0n) throw new EvaluationError("division by zero");
    return a / b;
  })
  // `INT64_MIN % -1`: Writ raises overflow like cel-go, cel-js returns 0 (docs/cel-divergences.md,
  // "INT64_MIN modulo -1")
  .registerFunction("probe_mod(int, int): int", (a: bigint, b: bigint) => {
    if (a === INT64_MIN && b === -1n) int64MinShapeSeen = true;
    if (b === 0n) throw new EvaluationError("modulo by zero");
    return a % b;
  });

/**
 * The bindings as cel-js sees them. CEL leaves the iteration order of maps unspecified; Writ iterates
 * keys in code-point order, cel-js in insertion order — so the map is handed over with its keys
 * inserted in code-point order (docs/cel-divergences.md, "Map iteration order").
 */
function celContext(b: Bindings): Record<string, unknown> {
  const m: Record<string, bigint> = {};
  for (const k of Object.keys(b.m).sort(compareCodePoints)) m[k] = b.m[k]!;
  return { ...b, li: [...b.li], ls: [...b.ls], m };
}

function compareCodePoints(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

function celEvaluate(env: Environment, text: string, b: Bindings): Outcome {
  try {
    return { value: env.evaluate(text, celContext(b)) };
  } catch (e) {
    // only evaluation errors are CEL errors; a parse or type error means the generator is wrong
    if (e instanceof EvaluationError) return { error: e.message };
    throw e;
  }
}

function reachesInt64MinShape(text: string, b: Bindings): boolean {
  int64MinShapeSeen = false;
  try {
    celProbe.evaluate(text, celContext(b));
  } catch (e) {
    if (!(e instanceof EvaluationError)) throw e;
  }
  return int64MinShapeSeen;
}

/** The request for Writ: the same bindings (ints as BigInt, the map as a plain object). */
function request(b: Bindings): Record<string, unknown> {
  return { ...b, li: [...b.li], ls: [...b.ls], m: { ...b.m } };
}

function writEvaluate(text: string, b: Bindings): Outcome {
  const source = `policy "differential" version "1.0.0"\n${INPUT}permit r when (${text}) == (${text})\n`;
  const parsed = parsePolicy({ name: "differential.writ", text: source });
  const checked = checkPolicy(parsed.ast);
  const diagnostics = [...parsed.diagnostics, ...checked.diagnostics].filter((d) => d.severity === "error");
  if (diagnostics.length > 0 || !checked.policy) throw new Error(`writ rejected a well-typed expression: ${diagnostics.map((d) => d.message).join("; ")}`);
  const cond = checked.policy.ir.rules[0]!.condition;
  if (cond.op !== "call" || cond.fn !== "eq") throw new Error(`unexpected condition shape ${cond.op}`);
  const r = evaluateNode(cond.args[0]!, requestToValue(request(b), checked.policy.ir.schema));
  return r instanceof Err ? { error: r.code } : { value: r };
}

/** Equality of a cel-js value (BigInt, string, boolean, array, plain object) and a Writ value. */
function sameValue(c: unknown, w: Value): boolean {
  if (typeof c === "bigint" || typeof c === "string" || typeof c === "boolean") return c === w;
  if (Array.isArray(c)) return Array.isArray(w) && c.length === w.length && c.every((x, i) => sameValue(x, (w as readonly Value[])[i]!));
  if (typeof c === "object" && c !== null && typeof w === "object" && !Array.isArray(w) && (w as MapValue).kind === "map") {
    const entries = (w as MapValue).entries;
    const keys = Object.keys(c);
    return keys.length === entries.size && keys.every((k) => entries.has(k) && sameValue((c as Record<string, unknown>)[k], entries.get(k)!));
  }
  return false;
}

function show(o: Outcome): string {
  return "error" in o ? `error (${o.error})` : JSON.stringify(o.value, (_, v) => (typeof v === "bigint" ? `${v}n` : v instanceof Map ? Object.fromEntries(v) : v));
}

function showBindings(b: Bindings): string {
  return JSON.stringify(b, (_, v) => (typeof v === "bigint" ? `${v}n` : v));
}

/** A cel-js value as a CEL literal (the right-hand side of the WASM sample's rules). */
function literal(v: unknown): string {
  if (typeof v === "bigint") return v === INT64_MIN ? "(-9223372036854775807 - 1)" : v < 0n ? `(${v})` : String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(literal).join(", ")}]`;
  return `{${Object.entries(v as object).map(([k, x]) => `${JSON.stringify(k)}: ${literal(x)}`).join(", ")}}`;
}

const inInt64 = (v: unknown): boolean => typeof v !== "bigint" || (v >= INT64_MIN && v <= INT64_MAX);

describe("Writ's interpreter agrees with cel-js", () => {
  it("on random well-typed expressions and bindings", () => {
    let compared = 0;
    let excluded = 0;
    let errors = 0;
    fc.assert(
      // half the texts with only the parentheses precedence needs: the two parsers' precedence compared
      fc.property(exprArb(DEPTH), bindingsArb, fc.constantFrom("all" as const, "needed" as const), ({ tree }, b, parens) => {
        const text = print(tree, { parens });
        const expected = celEvaluate(cel, print(tree, { forCel: true, parens }), b);
        const got = writEvaluate(text, b);
        const agree = "error" in expected ? "error" in got : !("error" in got) && sameValue(expected.value, got.value as Value);
        if (!agree && reachesInt64MinShape(print(tree, { probes: true, forCel: true, parens }), b)) {
          // divergence (docs/cel-divergences.md, "INT64_MIN negation and division"): Writ must follow the spec
          excluded++;
          return;
        }
        if (!agree) {
          throw new Error(`disagreement on ${text}\n  bindings: ${showBindings(b)}\n  cel-js:   ${show(expected)}\n  writ:     ${show(got)}`);
        }
        expect(inInt64("value" in expected ? expected.value : 0n)).toBe(true);
        compared++;
        if ("error" in got) errors++;
      }),
      { numRuns: RUNS },
    );
    // the comparison must have happened, with both values and errors
    expect(compared).toBeGreaterThan(RUNS * 0.9);
    expect(errors).toBeGreaterThan(RUNS / 100);
    expect(excluded).toBeLessThan(RUNS / 20);
    if (process.env.WRIT_DIFF_STATS) console.log({ compared, errors, excluded });
  });

  it("on the shapes cel-js gets wrong, Writ follows the CEL specification", () => {
    const b: Bindings = { i1: INT64_MIN, i2: -1n, s1: "\uffff", s2: "😀", b1: true, li: [], ls: [], m: {} };
    // INT64_MIN negation and division: cel-js yields 2^63, the spec an overflow error
    expect(celEvaluate(cel, "-(i1)", b)).toEqual({ value: 1n << 63n });
    expect(writEvaluate("-(i1)", b)).toEqual({ error: "overflow" });
    expect(celEvaluate(cel, "i1 / i2", b)).toEqual({ value: 1n << 63n });
    expect(writEvaluate("i1 / i2", b)).toEqual({ error: "overflow" });
    expect(reachesInt64MinShape("probe_neg(i1) > 0", b)).toBe(true);
    // INT64_MIN % -1: 0 in cel-js, overflow in cel-go and Writ (the spec's text does not settle it)
    expect(celEvaluate(cel, "i1 % i2", b)).toEqual({ value: 0n });
    expect(writEvaluate("i1 % i2", b)).toEqual({ error: "overflow" });
    expect(reachesInt64MinShape("probe_mod(i1, i2) == 0", b)).toBe(true);
    expect(reachesInt64MinShape("probe_div(i2, i2) > 0", b)).toBe(false);
    // has() on a map that is not a variable: cel-js refuses it
    expect(celEvaluate(cel, "has((b1 ? m : m).a)", b)).toMatchObject({ error: expect.stringContaining("has() invalid argument") });
    expect(writEvaluate("has((b1 ? m : m).a)", b)).toEqual({ value: false });
    expect(writEvaluate("has({'a': 1}.a)", b)).toEqual({ value: true });
    // string ordering: by code point in the spec (U+FFFF < U+1F600), by UTF-16 unit in cel-js
    expect(celEvaluate(cel, "s1 < s2", b)).toEqual({ value: false });
    expect(writEvaluate("s1 < s2", b)).toEqual({ value: true });
    // a chain of relations: one left-associative level in the spec, `==` looser than `<` in cel-js
    expect(celEvaluate(cel, "false == true < false", b)).toEqual({ value: true });
    expect(writEvaluate("false == true < false", b)).toEqual({ value: false });
    expect(writEvaluate("(false == true) < false", b)).toEqual({ value: false });
    expect(writEvaluate("true != false in [false]", b)).toEqual({ value: false });
  });
});

describe("the WASM backend agrees with cel-js", () => {
  it("on a batched sample of random expressions", async () => {
    const seed = Number(process.env.WRIT_DIFF_SEED ?? 20261128);
    const samples = fc.sample(fc.tuple(exprArb(3), bindingsArb), { seed, numRuns: 3 });
    for (const [, b] of samples) {
      const exprs = fc.sample(exprArb(3), { seed: seed + Number(b.i1 % 1000n), numRuns: 80 }).map((e) => ({ text: print(e.tree), celText: print(e.tree, { forCel: true }) }));
      const rules: { name: string; expects: "holds" | "errors"; text: string; expected: Outcome }[] = [];
      exprs.forEach(({ text, celText }, i) => {
        const expected = celEvaluate(cel, celText, b);
        if (!("error" in expected) && !inInt64(expected.value)) return; // divergence: see the interpreter test
        const writ = writEvaluate(text, b);
        if ("error" in expected !== "error" in writ) return; // the interpreter test reports these
        rules.push({
          name: `r${i}`,
          expects: "error" in expected ? "errors" : "holds",
          text,
          expected,
        });
      });
      const source =
        `policy "differential-wasm" version "1.0.0"\n${INPUT}` +
        rules.map((r) => (r.expects === "holds" ? `permit ${r.name} when (${r.text}) == (${literal((r.expected as { value: unknown }).value)})\n` : `permit ${r.name} when size([${r.text}]) == 1\n`)).join("");
      const compiled = await compilePolicy(source, { optimize: false, maxCost: Number.MAX_SAFE_INTEGER });
      const errs = compiled.diagnostics.filter((d) => d.severity === "error");
      expect(errs.map((d) => d.message)).toEqual([]);
      const wasm = loadPolicy(compiled.bundle!, { allowUnsigned: true }).decide(request(b));
      const interp = createInterpreter(compiled.ir!, compiled.checked!.errorSites).decide(request(b));
      expect(wasm).toEqual(interp);
      for (const r of rules) {
        const held = wasm.rules.includes(r.name);
        const errored = wasm.errors.some((e) => e.rule === r.name);
        const ok = r.expects === "holds" ? held : errored;
        if (!ok) throw new Error(`seed ${seed}: wasm ${held ? "holds" : errored ? "errors" : "does not hold"} on ${r.text}\n  bindings: ${showBindings(b)}\n  cel-js: ${show(r.expected)}`);
      }
      expect(rules.length).toBeGreaterThan(60);
    }
  }, 120_000);
});
