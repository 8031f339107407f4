// compilePolicy's arguments (compiler/options.ts): a bad policy is diagnostics, but a source that is
// not text, an option that is not of its type or a name that is no option is the caller's mistake,
// refused with a TypeError (a RangeError for a budget out of range) that names it, before anything is
// compiled — never an internal TypeError from deep inside, never an option silently ignored. The
// background compiler refuses the same arguments in the same words
// (test/compiler/background-compiler.test.ts).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compilePolicy, type CompileOptions } from "../../compiler/driver.js";
import { repositoryRoot } from "../support/transpiled-tree.js";

const file = join(repositoryRoot, "policies/payments.writ");
const MAX = "9007199254740991";

describe("compilePolicy's arguments", () => {
  it("refuse a source that is not a string, a Buffer included, by its type", async () => {
    const asText = ': read the file as text (readFileSync(path, "utf8"))';
    for (const [source, as] of [[readFileSync(file), `a Buffer${asText}`], [new Uint8Array(3), `a Uint8Array${asText}`], [{}, "object"], [undefined, "undefined"], [null, "null"], [42, "number"]] as const)
      await expect(compilePolicy(source as unknown as string)).rejects.toThrow(new TypeError(`the policy source must be a string, got ${as}`));
  });

  it("refuse an option that is not of its type, and a stage that is none", async () => {
    const refusals: [unknown, string][] = [
      ["check", 'the compile options must be an object, got "check"'],
      [{ stopAfter: "bogus" }, 'options.stopAfter must be one of parse, check, cost, plan, codegen, validate, got "bogus"'],
      [{ fileName: 7 }, "options.fileName must be a string, got 7"],
      [{ optimize: "no" }, 'options.optimize must be a boolean, got "no"'],
      [{ maxCost: "5" }, `options.maxCost must be a whole number from 1 to ${MAX}, got "5"`],
    ];
    for (const [options, message] of refusals)
      await expect(compilePolicy("policy", options as CompileOptions)).rejects.toThrow(new TypeError(message));
  });

  it("refuse a name CompileOptions does not have, naming the one meant: `maxcost: 1` compiled under the default budget", async () => {
    const policy = 'policy "p" version "1"\ninput { n: int }\npermit r when n > 1\n';
    expect((await compilePolicy(policy, { maxCost: 1, stopAfter: "cost" })).diagnostics.map((d) => d.code)).toEqual(["W0503"]);
    const refusals: [unknown, string][] = [
      [{ maxcost: 1 }, "unknown option maxcost (did you mean maxCost?)"],
      [{ stopAfter: "cost", stopafter: "parse" }, "unknown option stopafter (did you mean stopAfter?)"],
      [{ filename: "p.writ" }, "unknown option filename (did you mean fileName?)"],
      [{ optimise: false }, "unknown option optimise (did you mean optimize?)"],
      [{ budget: 1 }, "unknown option budget (the options are fileName, optimize, maxCost, stopAfter)"],
    ];
    for (const [options, message] of refusals) await expect(compilePolicy(policy, options as CompileOptions)).rejects.toThrow(new TypeError(message));
    // what a prototype holds is no option the host gave: ignored, as before
    const inherited = Object.assign(Object.create({ maxcost: 1 }) as object, { stopAfter: "cost" }) as CompileOptions;
    expect((await compilePolicy(policy, inherited)).diagnostics).toEqual([]);
  });

  it("refuse a budget that is not a whole number from 1 to 2^53 - 1, as --max-cost does", async () => {
    for (const maxCost of [Infinity, NaN, 2 ** 53, 1e300, 0, -1, 1.5, -0])
      await expect(compilePolicy("policy", { maxCost }), String(maxCost)).rejects.toThrow(new RangeError(`options.maxCost must be a whole number from 1 to ${MAX}, got ${maxCost}`));
  });

  it("under the largest budget, refuse a policy whose cost is past it, and record a whole number otherwise", async () => {
    // four maps over 900,000 elements: about 6.6e23 steps, which the budget of Infinity let through
    // as a cost bound the manifest wrote as 1.3e24 (and JSON as null, for one that was Infinity)
    const policy = (depth: number) => {
      let e = "true";
      for (let k = 0; k < depth; k++) e = `l.all(x${k}, ${e})`;
      return `policy "p" version "1"\ninput { l: list<int>(900000) }\npermit r when ${e}\n`;
    };
    const over = await compilePolicy(policy(4), { maxCost: Number.MAX_SAFE_INTEGER, stopAfter: "cost" });
    expect(over.diagnostics.map((d) => d.code)).toEqual(["W0503"]);
    const within = await compilePolicy(policy(2), { maxCost: Number.MAX_SAFE_INTEGER, optimize: false });
    expect(within.diagnostics).toEqual([]);
    expect(Number.isSafeInteger(within.bundle!.manifest.costBound)).toBe(true);
  });

  it("are read once each, and a getter's later answer changes nothing", async () => {
    let reads = 0;
    const options = Object.defineProperty({}, "stopAfter", {
      get() {
        reads++;
        return reads === 1 ? "parse" : "bogus";
      },
      enumerable: true,
    }) as CompileOptions;
    const r = await compilePolicy("policy", options);
    expect(reads).toBe(1);
    expect(r.ast).toBeDefined();
    expect(r.checked).toBeUndefined();
  });
});
