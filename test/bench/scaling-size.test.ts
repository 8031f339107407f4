// The largest scaling policy `npm run bench -- --scaling=N` takes (MAX_SCALING_RULES) is the largest
// the parser takes, and a scaling policy that does not compile is reported with the compiler's
// diagnostics, not with the line that only announces them. Nothing here runs a benchmark.

import { describe, expect, it } from "vitest";
import { lex } from "../../compiler/syntax/lexer.js";
import { MAX_SOURCE_LENGTH, MAX_TOKENS } from "../../compiler/syntax/index.js";
import { MAX_SCALING_RULES, PARSER_MAX_TOKENS, scalingPolicySource } from "../../bench/policies/generate-scaling.js";
import { buildScaling } from "../../bench/scaling.js";
import { scalingMissedText } from "../../bench/run.js";

describe("the scaling policies' largest size", () => {
  it("is the most rules whose policy has no more tokens than the parser takes", () => {
    expect(PARSER_MAX_TOKENS).toBe(MAX_TOKENS);
    const at = scalingPolicySource(MAX_SCALING_RULES);
    expect(lex(at).tokens.length).toBeLessThanOrEqual(MAX_TOKENS);
    expect(at.length).toBeLessThanOrEqual(MAX_SOURCE_LENGTH);
    expect(lex(scalingPolicySource(MAX_SCALING_RULES + 1)).tokens.length).toBeGreaterThan(MAX_TOKENS);
  });
});

describe("a scaling policy that does not compile", () => {
  it("is reported with the compiler's diagnostic, where only `scaling-N.writ did not compile:` was printed", async () => {
    const rules = MAX_SCALING_RULES + 1;
    const built = await buildScaling([], [rules], { optimize: false });
    if (built.ok) throw new Error(`the ${rules}-rule policy compiled`);
    const { printed, line } = scalingMissedText(built.reason, true);
    expect(printed).toBe(`scaling policies not checked: ${built.reason}`);
    expect(printed).toMatch(/^scaling policies not checked: scaling-21423\.writ did not compile:\n/);
    expect(printed).toContain(`scaling-21423.writ:21432:74: error[W0114]: the text has 300,003 tokens, more than the 300,000 a policy may have`);
    expect(printed).toContain("= help: split the policy");
    // the table's note and --check's verdict: one line, the diagnostic's headline with it
    expect(line).toBe("scaling-21423.writ did not compile: scaling-21423.writ:21432:74: error[W0114]: the text has 300,003 tokens, more than the 300,000 a policy may have");
    expect(scalingMissedText(built.reason, false).printed).toMatch(/^scaling policies not measured: /);
  });
});
