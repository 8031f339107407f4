// "did you mean" looks for the closest name by edit distance, whose work is the product of the two
// names' lengths. A policy of 200 constants and 200 unknown names, each of 256 characters, took 28 s
// of CPU for 105 KB of text (the 4 MiB a policy may have: hours). The distance now stops at the first
// row that is already too far, and one check of a policy spends at most MAX_SUGGESTION_WORK on
// suggestions, counted in cells of the distance and names looked at; past it, none is looked for.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { closest, MAX_SUGGESTED_NAME, MAX_SUGGESTION_WORK, SuggestionBudget } from "../../compiler/check/suggest.js";

/** Names of `length` letters, the first `first`, the others from a small deterministic generator. */
function names(count: number, length: number, first: string): string[] {
  let x = first.charCodeAt(0);
  const letter = () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return String.fromCharCode(97 + (Math.floor(x / 65536) % 26));
  };
  return Array.from({ length: count }, () => first + Array.from({ length: length - 1 }, letter).join(""));
}

describe("the edit distance behind a suggestion", () => {
  it("stops at the first row too far from the best so far", () => {
    const [a, b] = [...names(1, MAX_SUGGESTED_NAME, "a"), ...names(1, MAX_SUGGESTED_NAME, "b")] as [string, string];
    const budget = new SuggestionBudget(Infinity);
    expect(closest(a, [b], budget)).toBeUndefined();
    // one name looked at, then rows of 256 cells until every entry of one is a third of 256 or more
    expect(budget.spent).toBeGreaterThan(1);
    expect(budget.spent).toBeLessThan((MAX_SUGGESTED_NAME * MAX_SUGGESTED_NAME) / 2);
  });

  it("still finds the nearest name, and the first of those as near", () => {
    const budget = new SuggestionBudget(Infinity);
    expect(closest("principle", ["principal", "principals", "resource"], budget)).toBe("principal");
    expect(closest("ab", ["ax", "ay"], budget)).toBe("ax");
    expect(closest("tenant", ["owner", "tenants", "tenant_"], budget)).toBe("tenants");
  });

  it("suggests nothing as far from a name as the name is long, unless the two differ in case alone", async () => {
    const budget = new SuggestionBudget(Infinity);
    // one edit turns any one-letter name into any other: `x` has nothing of `a`
    expect(closest("x", ["a", "b", "s", "xs", "ax", ""], budget)).toBeUndefined();
    expect(closest("b", ["a", "B"], budget)).toBe("B");
    // two letters or more: one edit, as before
    expect(closest("ab", ["x", "a"], budget)).toBe("a");
    const fields = async (rule: string) =>
      (await compilePolicy(`policy "s" version "1"\ninput { p: { a: int, b: int, s: string } }\npermit r when ${rule}\n`, { stopAfter: "check" })).diagnostics.map((d) => d.help);
    expect(await fields("p.x > 0")).toEqual(["its fields are `a`, `b`, `s`"]);
    expect(await fields("p.B > 0")).toEqual(["did you mean `b`?"]);
  });

  it("counts two neighbouring characters swapped as one edit", async () => {
    const budget = new SuggestionBudget(Infinity);
    expect(closest("prinicpal", ["resource", "principal"], budget)).toBe("principal");
    expect(closest("lgo", ["log", "key"], budget)).toBe("log");
    // a swap of characters that are not neighbours is two edits, too far for a name of five
    expect(closest("tnaet", ["tenant", "tanet"], budget)).toBe("tanet");
    expect(closest("abcde", ["dbcae"], budget)).toBeUndefined();
    const fields = async (rule: string) =>
      (await compilePolicy(`policy "s" version "1"\ninput { p: { amount: int, owner: string } }\npermit r when ${rule}\n`, { stopAfter: "check" })).diagnostics.map((d) => d.help);
    expect(await fields("p.amuont > 0")).toEqual(["did you mean `amount`?"]);
  });

  it("finds what a distance computed whole finds: stopping early never changes a suggestion", () => {
    // the optimal string alignment distance over the whole table, as a referee
    const whole = (a: string, b: string): number => {
      const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
      for (let i = 1; i <= a.length; i++)
        for (let j = 1; j <= b.length; j++) {
          d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
          if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
        }
      return d[a.length]![b.length]!;
    };
    const word = fc.stringMatching(/^[abc]{0,9}$/);
    fc.assert(
      fc.property(word, word, (name, candidate) => {
        const d = whole(name, candidate);
        const near = d < Math.max(1, Math.floor(name.length / 3)) + 1 && (d < name.length || name.toLowerCase() === candidate.toLowerCase());
        expect(closest(name, [candidate], new SuggestionBudget(Infinity))).toBe(near ? candidate : undefined);
      }),
      { seed: 20261202, numRuns: 5_000 },
    );
  });

  it("suggests nothing once the budget is spent, or when it runs out before every name is weighed", () => {
    expect(closest("principle", ["principal"], new SuggestionBudget(0))).toBeUndefined();
    // `principal` is weighed, then the budget runs out before `principle` itself is
    const short = new SuggestionBudget(1 + 9 * 9 + 1);
    expect(closest("principle", ["principal", "principle"], short)).toBeUndefined();
    expect(short.exhausted).toBe(true);
    expect(closest("principle", ["principal"], short)).toBeUndefined();
  });
});

describe("suggestions over a whole policy", () => {
  const unknownNames = (constants: number, unknown: number): string => {
    const declared = names(constants, MAX_SUGGESTED_NAME, "k");
    const used = names(unknown, MAX_SUGGESTED_NAME, "u");
    return `policy "s" version "1"\ninput { a: int }\n${declared.map((n) => `let ${n} = 1\n`).join("")}permit r when [${used.join(", ")}].size() > 0\n`;
  };

  it("stop once the check has spent MAX_SUGGESTION_WORK: the names after are reported bare", async () => {
    const r = await compilePolicy(unknownNames(60, 60), { stopAfter: "check" });
    expect(r.diagnostics).toHaveLength(60);
    expect(r.diagnostics.every((d) => d.code === "W0204" && d.message.startsWith("unknown name `"))).toBe(true);
    // the first names are listed with the names in scope; the last, after the budget, with no help
    expect(r.diagnostics[0]!.help).toMatch(/^names in scope: /);
    expect(r.diagnostics.at(-1)!.help).toBeUndefined();
  });

  it("in constants' values draw on it too, one budget for every constant of the policy", async () => {
    // each constant `c<i>` misspells the `g<i>` before it, among the i constants declared so far
    const count = 3_000;
    const lets = Array.from({ length: count }, (_, i) => `let g${i} = ${i}\nlet c${i} = h${i} + 1\n`).join("");
    const r = await compilePolicy(`policy "s" version "1"\ninput { a: int }\n${lets}permit r when a > 0\n`, { stopAfter: "check" });
    expect(r.diagnostics).toHaveLength(count);
    expect(r.diagnostics[0]!.help).toBe("did you mean `g0`?");
    expect(r.diagnostics[100]!.help).toBe("did you mean `g100`?");
    expect(r.diagnostics.at(-1)!.help).toBeUndefined();
  });

  it("are still made for a policy's few misspellings among many names", async () => {
    const fields = Array.from({ length: 2_000 }, (_, i) => `field_${i}: int`).join(", ");
    const typos = Array.from({ length: 50 }, (_, i) => `feild_${i * 40} == 1`).join(" || ");
    const r = await compilePolicy(`policy "s" version "1"\ninput { ${fields} }\npermit r when ${typos}\n`, { stopAfter: "check" });
    expect(r.diagnostics.map((d) => d.help)).toEqual(Array.from({ length: 50 }, (_, i) => `did you mean \`field_${i * 40}\`?`));
  });

  it("of unknown fields draw on the same budget, and the fields are still listed past it", async () => {
    const declared = names(60, MAX_SUGGESTED_NAME, "k");
    const misspelt = (n: string) => `${n.slice(0, -1)}_`;
    const used = [misspelt(declared[1]!), ...names(58, MAX_SUGGESTED_NAME, "u"), misspelt(declared[0]!)];
    const source = `policy "s" version "1"\ninput { r: { ${declared.map((n) => `${n}: int`).join(", ")} } }\npermit p when [${used.map((n) => `r.${n}`).join(", ")}].size() > 0\n`;
    const r = await compilePolicy(source, { stopAfter: "check" });
    expect(r.diagnostics).toHaveLength(60);
    expect(r.diagnostics.every((d) => d.code === "W0205")).toBe(true);
    expect(r.diagnostics[0]!.help).toMatch(/^did you mean `k/);
    expect(r.diagnostics.at(-1)!.help).toMatch(/^its fields are `k/);
  });

  it("is a budget of ten million steps", () => {
    expect(MAX_SUGGESTION_WORK).toBe(10_000_000);
  });
});
