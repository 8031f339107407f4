// The largest scaling policy `npm run bench -- --scaling=N` takes (MAX_SCALING_RULES) is the largest
// the parser takes. Nothing here runs a benchmark.

import { describe, expect, it } from "vitest";
import { lex } from "../../compiler/syntax/lexer.js";
import { MAX_SOURCE_LENGTH, MAX_TOKENS } from "../../compiler/syntax/index.js";
import { MAX_SCALING_RULES, PARSER_MAX_TOKENS, scalingPolicySource } from "../../bench/policies/generate-scaling.js";

describe("the scaling policies' largest size", () => {
  it("is the most rules whose policy has no more tokens than the parser takes", () => {
    expect(PARSER_MAX_TOKENS).toBe(MAX_TOKENS);
    const at = scalingPolicySource(MAX_SCALING_RULES);
    expect(lex(at).tokens.length).toBeLessThanOrEqual(MAX_TOKENS);
    expect(at.length).toBeLessThanOrEqual(MAX_SOURCE_LENGTH);
    expect(lex(scalingPolicySource(MAX_SCALING_RULES + 1)).tokens.length).toBeGreaterThan(MAX_TOKENS);
  });
});
