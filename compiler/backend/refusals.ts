// What the planner refuses a policy for before asc runs: its rules too large to compile, each for
// the first reason it has (too many statements, W0508; too many locals along its deepest calls, or
// too deep a chain of calls, W0507), and its rules' code too large together (W0508). Every such
// rule is found and reported, one diagnostic each, with the policy's total once: none hides another.

import type { IRRule } from "../ir/ir.js";

/** A rule the module cannot hold, and why. */
export type RuleRefusal =
  /** its code would have more statements than a rule may (rule-size.ts) */
  | { readonly rule: IRRule; readonly reason: "statements"; readonly statements: number }
  /** its function, with the deepest chain of those made of its code, would have more locals than a rule may (locals.ts) */
  | { readonly rule: IRRule; readonly reason: "locals"; readonly locals: number }
  /**
   * a decision's chain of calls through its function would be deeper than the profile allows
   * (call-depth.ts): `depth` functions, `below` of them from its function down
   */
  | { readonly rule: IRRule; readonly reason: "calls"; readonly depth: number; readonly below: number };

/** The rules' code together would have more statements than a policy's may (rule-size.ts): the total, and the largest rules. */
export interface PolicyTooLong {
  readonly statements: number;
  readonly largest: readonly { readonly rule: IRRule; readonly statements: number }[];
}

/** The refusals of a policy's rules, in declaration order, and of the policy's size; the planner reports each. */
export class PolicyRefused extends Error {
  constructor(
    readonly rules: readonly RuleRefusal[],
    readonly tooLong: PolicyTooLong | undefined,
  ) {
    super(`${rules.length} rule(s) too large to compile${tooLong ? `, and ${tooLong.statements} statements of rules in all` : ""}`);
    this.name = "PolicyRefused";
  }
}
