// A policy within the size limits (W0114: 4 MiB, 300,000 tokens) may hold a literal of over 100,000
// elements, or as many errors: every array whose length it decides is appended or reduced by a loop
// (runtime/arrays.ts), never spread into a call's arguments, which takes a slot of the JavaScript
// stack each. Spread, a list literal of 41,200 values computed from the request (each a line of the
// generated source) and a map literal of 31,000 overflowed the stack while the module was planned
// (W0901, an internal error, for a valid policy), and a list literal of 130,000 elements, or 130,000
// unknown names, made compilePolicy reject with a RangeError (writ check: "internal error", exit
// 70), where a bad policy must come back as diagnostics. Each case stops after the stage that failed.
// The two literals are now too large for one rule's code (W0508): planning them still writes every
// element's code before it refuses the rule, and comes back with that diagnostic alone.

import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { append, largest } from "../../runtime/arrays.js";

const HEAD = `policy "long" version "1"\ninput { a: int, s: string(16) }\n`;
const many = (n: number, element: (i: number) => string): string => Array.from({ length: n }, (_, i) => element(i)).join(", ");

describe("a policy with arrays longer than the stack holds arguments", () => {
  it("plans a list literal of 41,200 values computed from the request", async () => {
    const r = await compilePolicy(`${HEAD}permit p when a in [${many(41_200, (i) => `a + ${i}`)}]\n`, { stopAfter: "plan" });
    expect(r.diagnostics.map((d) => d.code)).toEqual(["W0508"]);
    expect(r.costBound).toBeGreaterThan(41_200);
  }, 60_000);

  it("plans a map literal of 31,000 entries", async () => {
    const r = await compilePolicy(`${HEAD}permit p when {${many(31_000, (i) => `"k${i}": a + ${i}`)}}[s] == 3\n`, { stopAfter: "plan" });
    expect(r.diagnostics.map((d) => d.code)).toEqual(["W0508"]);
    expect(r.costBound).toBeGreaterThan(31_000);
  }, 60_000);

  it("costs a list literal of 130,000 elements", async () => {
    const r = await compilePolicy(`${HEAD}permit p when a in [${many(130_000, () => "a")}]\n`, { stopAfter: "cost" });
    expect(r.diagnostics).toEqual([]);
    expect(r.costBound).toBeGreaterThan(130_000);
  }, 60_000);

  it("reports 130,000 unknown names, each where it is", async () => {
    const text = `${HEAD}permit p when a in [${many(130_000, () => "q")}]\n`;
    const r = await compilePolicy(text, { stopAfter: "check" });
    expect(r.diagnostics).toHaveLength(130_000);
    expect(new Set(r.diagnostics.map((d) => `${d.code} ${d.message}`))).toEqual(new Set(["W0204 unknown name `q`"]));
    expect(new Set(r.diagnostics.map((d) => text.slice(d.span.start, d.span.end)))).toEqual(new Set(["q"]));
  }, 60_000);
});

describe("append and largest", () => {
  it("take arrays of any length", () => {
    const long = Array.from({ length: 500_000 }, (_, i) => i);
    expect(append([-1], long)).toHaveLength(500_001);
    expect(largest(long)).toBe(499_999);
    expect(largest(long, 1e9)).toBe(1e9);
    expect(largest([])).toBe(-Infinity);
    expect(largest([1, Number.NaN, 3])).toBeNaN();
  });
});
