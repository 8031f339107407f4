// `has(f)` for an optional field of the input itself: CEL's `has()` takes a field selection, and the
// request's own fields are in scope by bare name, so without this form an optional top-level field
// could be read but never tested for presence. Both backends decide it alike.

import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { createInterpreter } from "../../compiler/ir/interp.js";
import { loadPolicy } from "../../runtime/policy.js";

const text = `policy "t" version "1"
input { o?: int, n: int, r: { p?: string(8) } }
permit p when has(o) && o > n
forbid f when !has(o) && n > 5
permit q when has(r) && has(r.p)
`;

describe("has() on the input's own fields", () => {
  it("tests presence, in the module as in the interpreter", async () => {
    const compiled = await compilePolicy(text);
    expect(compiled.diagnostics).toEqual([]);
    const policy = loadPolicy(compiled.bundle!, { allowUnsigned: true });
    const interpreter = createInterpreter(compiled.ir!, compiled.checked!.errorSites);
    const cases: [object, string, string[]][] = [
      [{ n: 1, r: {} }, "deny", []],
      [{ n: 1, o: 2, r: {} }, "allow", ["p"]],
      [{ n: 9, r: { p: "x" } }, "deny", ["f"]],
      [{ n: 3, o: 2, r: { p: "x" } }, "allow", ["q"]],
    ];
    for (const [request, decision, rules] of cases) {
      expect(policy.decide(request)).toEqual({ decision, rules, errors: [] });
      expect(interpreter.decide(request)).toEqual(policy.decide(request));
    }
  });

  it("is a field selection still for anything but an input field", async () => {
    const shadowed = await compilePolicy(`policy "t" version "1"\ninput { o?: int, xs: list<int>(4) }\npermit p when xs.exists(o, has(o))\n`);
    expect(shadowed.diagnostics.map((d) => d.code)).toEqual(["W0308"]);
    const unknown = await compilePolicy(`policy "t" version "1"\ninput { o?: int }\nlet K = 1\npermit p when has(K)\n`);
    expect(unknown.diagnostics.map((d) => d.code)).toEqual(["W0308"]);
  });
});
