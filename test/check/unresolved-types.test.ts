// A field of a type the checker could not resolve (an unknown type, W0301; one outside the subset,
// W0401) is reported once, at its type: its uses raise nothing more. It used to be taken for a
// `bool`, and each use then got a message about a `bool` the author never wrote
// (`no overload of < for (bool, int)`), while a use as a condition (`permit x when agent.trust`)
// was accepted. A policy with such a type has errors, and no stage after the checker sees it.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { checkPolicy } from "../../compiler/check/policy.js";
import { parsePolicy } from "../../compiler/syntax/index.js";
import { runWrit } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

const policy = (input: string, rules: string) => `policy "t" version "1"\ninput { ${input} }\n${rules}`;
const found = async (text: string) =>
  (await compilePolicy(text, { stopAfter: "check" })).diagnostics.map((d) => `${d.code} ${d.message}${d.help ? ` (${d.help})` : ""}`);
const codes = async (text: string) => (await compilePolicy(text, { stopAfter: "check" })).diagnostics.map((d) => d.code);

describe("a field of an unknown type", () => {
  it("is reported at its type, and its uses raise nothing more", async () => {
    const text = policy(
      "agent: { trust: integer, name: str }",
      'forbid low when agent.trust < 3\nforbid named when agent.name == "x"\npermit x when agent.trust\n',
    );
    expect(await found(text)).toEqual([
      "W0301 unknown type `integer` (did you mean `int`? Writ's one number type is `int` (64-bit, signed))",
      "W0301 unknown type `str` (did you mean `string`? (`string(N)` for at most N UTF-8 bytes))",
    ]);
  });

  it("outside the subset (W0401) is as unknown to its uses", async () => {
    const text = policy("d: double, ts: timestamp, span: duration, f: float", "forbid a when d > 2 || ts + 1 > 2 || span == 3\npermit b when f\n");
    expect(await codes(text)).toEqual(["W0401", "W0401", "W0401", "W0401"]);
  });

  it("in a list or a map makes the field's type unknown, reported once", async () => {
    const text = policy(
      "tags: list<integer>, m: map<str, int>, n: map<string, boolean>",
      'forbid a when size(tags) > 0 && 3 in tags && tags[0] == "x" && tags.exists(t, t == "y") && m["k"] == 1 && n.k\n',
    );
    // and a map's key of an unknown type is not said again to be no string
    expect(await codes(text)).toEqual(["W0301", "W0301", "W0301"]);
  });

  it("in a record leaves the record's other fields typed", async () => {
    const text = policy("rec: { a: number, b: int }, rs: list<{ a: boolean, b: int }>", 'forbid a when rec.a > 1 && rs.exists(r, r.a == 1 && r.b > 0)\nforbid b when rec.b == "s" || rs[0].b == "s"\n');
    expect(await codes(text)).toEqual(["W0301", "W0301", "W0305", "W0305"]);
    // and `has()` of it, optional or not, is a presence test like any other
    expect(await codes(policy("rec: { a?: number }", "forbid a when has(rec.a) && rec.a == 1\n"))).toEqual(["W0301"]);
  });

  it("at the top level is unknown to its uses, and a name declared like any other field", async () => {
    const text = policy("trust: integer, other: int", 'let trust = 1\nforbid a when trust == "x" && other == "y"\n');
    expect(await found(text)).toEqual([
      "W0301 unknown type `integer` (did you mean `int`? Writ's one number type is `int` (64-bit, signed))",
      "W0203 `trust` is already declared as an input field",
      "W0305 cannot compare `int` with `string`",
    ]);
  });
});

describe("a policy with a type that was not resolved", () => {
  const text = policy(
    "agent: { trust: integer, tags: list<str>, rec: { a: number, b: int } }",
    "forbid low when agent.trust < 3 && size(agent.tags) > 1 && agent.rec.a > 1\npermit x when agent.trust\n" +
      'test "t" {\n  input { agent: { trust: 1, tags: ["a"], rec: { a: 1, b: 2 } } }\n  expect deny by [low]\n}\n',
  );

  it("is checked to its diagnostics and no policy, by checkPolicy as by compilePolicy", async () => {
    const parsed = parsePolicy({ name: "t.writ", text });
    const checked = checkPolicy(parsed.ast);
    expect(checked.policy).toBeUndefined();
    expect(checked.diagnostics.map((d) => d.code)).toEqual(["W0301", "W0301", "W0301"]);
    const compiled = await compilePolicy(text);
    expect(compiled.bundle).toBeUndefined();
    expect(compiled.diagnostics.map((d) => d.code)).toEqual(["W0301", "W0301", "W0301"]);
  });

  it("is checked, formatted and tested by the CLI without a throw", async () => {
    const cwd = tempDir("unresolved-types");
    writeFileSync(join(cwd, "t.writ"), text);
    const check = await runWrit(["check", "t.writ"], cwd);
    expect(check.code).toBe(1);
    expect(check.err.match(/error\[W\d+\]/g)).toEqual(["error[W0301]", "error[W0301]", "error[W0301]"]);
    const fmt = await runWrit(["fmt", "t.writ"], cwd);
    expect(fmt.code).toBe(0);
    expect(fmt.out).toContain("trust: integer, tags: list<str>");
    const test = await runWrit(["test", "t.writ"], cwd);
    expect(test.code).toBe(1);
    expect(test.out + test.err).toContain("does not compile");
  });
});
