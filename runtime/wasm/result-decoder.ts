// Decodes the result region of a decision module (ABI 1, docs/abi.md, "The result region") into a
// Decision: rule names from the manifest's rule table, error offsets from its errorSites. A result
// the decision procedure cannot give (an allow naming a forbid or carrying a forbid's error, a rule
// named twice, a return value that is not the result region's decision: breach) is a deny with an
// `internal` error saying what is wrong. The evaluator (evaluator.ts) replaces its instance after a
// trap, so the region is read from the memory it passes at each call (its words and the region's
// index in them), never from one kept here.

import { evalErrorName, ruleErrorMessage, type Decision, type RuleError } from "../decision.js";
import type { Manifest } from "../manifest.js";
import { RESULT_DECISION, RESULT_ERROR_COUNT, RESULT_RULE_COUNT, RESULT_RULES, resultErrorsOffset } from "./layout.js";
import { ownMember } from "../own.js";

/** `rule` of an error that is not any rule's: the module itself failed */
export const MODULE_FAULT_RULE = "";

/** Most distinct multi-rule decisions kept per verdict, so that the cache stays small whatever comes. */
const MANY_CACHE_SIZE = 1024;

/** the empty list of a Decision's rules or errors, shared */
export const EMPTY: readonly never[] = Object.freeze([]);

export interface ResultDecoder {
  /**
   * The result region at index `result` (in i32 units) of `i32` as a Decision, for an evaluation
   * that returned `verdict`; a deny with an `internal` error when it is not a result of the decision
   * procedure.
   */
  decode(i32: Int32Array, result: number, verdict: number): Decision;
  /** whether the result region at `result` of `i32` is an allow the decision procedure can give */
  allows(i32: Int32Array, result: number): boolean;
}

/**
 * `d` frozen throughout (its rules, its errors and each error), and returned: a Decision the evaluator
 * hands out is the one lastDecision() gives again (and a refused encoding's refusal the one it
 * evaluates as), so a host that changed it would change what those report. Used where a Decision
 * is made anew (a refusal, a fault, a result with errors); the decisions without errors are frozen
 * where they are cached.
 */
export const frozenDecision = (d: Decision): Decision => {
  for (const e of d.errors) Object.freeze(e);
  Object.freeze(d.errors);
  Object.freeze(d.rules);
  return Object.freeze(d);
};

/** A deny with an `internal` error that is no rule's: the module (or the request's encoding) failed, as `message` says. */
export const fault = (message: string): Decision =>
  frozenDecision({
    decision: "deny",
    rules: EMPTY,
    errors: [{ rule: MODULE_FAULT_RULE, code: "internal", message, at: -1 }],
  });

/** The decoder of the result regions of `manifest`'s module: its caches are kept across instances. */
export function createResultDecoder(manifest: Pick<Manifest, "rules" | "errorSites">): ResultDecoder {
  const ruleNames = manifest.rules.map((r) => r.name);
  const nRules = ruleNames.length;
  const errorsAt = resultErrorsOffset(nRules) >> 2;
  const sites = manifest.errorSites;
  /** the source offset of error site `node`, 0 for a node that is none (never what Object.prototype holds under its number) */
  const errorSite = (node: number): number => {
    const at = ownMember(sites, String(node));
    return typeof at === "number" ? at : 0;
  };

  // Decisions without errors are shared, frozen objects: no allocation for a decision seen before.
  // The one-rule caches own every slot from the start (null until that decision is first made): a
  // slot left a hole would read as whatever Array.prototype or Object.prototype holds at that index,
  // and a value planted there, enumerable or not, would be returned as the decision.
  const denyNone: Decision = Object.freeze({ decision: "deny", rules: EMPTY, errors: EMPTY });
  const allowOne: (Decision | null)[] = new Array<Decision | null>(nRules).fill(null);
  const denyOne: (Decision | null)[] = new Array<Decision | null>(nRules).fill(null);
  const single = (cache: (Decision | null)[], decision: "allow" | "deny", rule: number): Decision =>
    (cache[rule] ??= Object.freeze({ decision, rules: Object.freeze([ruleNames[rule]!]), errors: EMPTY }));
  // lists of rule indexes as one safe integer in base nRules + 1: as many rules as fit in 2^53
  const maxCachedRules = Math.floor(53 / Math.log2(nRules + 1));
  const allowMany = new Map<number, Decision>();
  const denyMany = new Map<number, Decision>();

  // What each rule is, for checking a result against the decision procedure (docs/abi.md): 1 for a
  // permit, 0 for a forbid, indexed as the result region indexes rules; compared with the decision
  // word (1 allow, 0 deny), whose deciding rules are permits and forbids respectively.
  const permits = Uint8Array.from(manifest.rules, (r) => (r.effect === "permit" ? 1 : 0));
  const ruleName = (r: number): string => `\`${ruleNames[r]!}\``;
  const effectName = (r: number): string => (permits[r] === 1 ? "permit" : "forbid");

  /**
   * What is wrong with the result region of an evaluation that returned `verdict`, or undefined when
   * it is one the decision procedure can give (docs/abi.md, "The result region"): the return value is
   * the decision word, 1 or 0; the counts are within the rules; the deciding rules exist, ascend
   * strictly (each at most once) and are permits for an allow, forbids for a deny; an allow has at
   * least one; errors ascend strictly by rule, and are those of permits that did not hold for an
   * allow or a deny without deciding rules, those of deciding forbids for a deny by forbids. Reads
   * the region and allocates nothing unless something is wrong, when it says what.
   */
  const breach = (i32: Int32Array, result: number, verdict: number): string | undefined => {
    const word = i32[result + (RESULT_DECISION >> 2)]!;
    const nr = i32[result + (RESULT_RULE_COUNT >> 2)]!;
    const ne = i32[result + (RESULT_ERROR_COUNT >> 2)]!;
    if (word !== verdict || word >>> 1 !== 0 || nr >>> 0 > nRules || ne >>> 0 > nRules) return headerBreach(verdict, word, nr, ne);
    const rulesAt = result + (RESULT_RULES >> 2);
    let previous = -1;
    for (let i = 0; i < nr; i++) {
      const r = i32[rulesAt + i]!;
      if (r <= previous || r >= nRules) return r < 0 || r >= nRules ? `the module named a rule that does not exist (index ${r}; the policy has ${nRules} rules)` : `the module named rule ${ruleName(r)} twice or out of order (deciding rules ascend)`;
      if (permits[r] !== word) return `the module ${word === 1 ? "allowed" : "denied"} with ${effectName(r)} ${ruleName(r)} as a deciding rule (an allow is decided by permits, a deny by forbids)`;
      previous = r;
    }
    if (nr === 0 && word === 1) return "the module allowed without a deciding rule";
    return ne === 0 ? undefined : errorBreach(i32, result, word, nr, ne);
  };

  /** what is wrong with the decision word or the counts (breach) */
  const headerBreach = (verdict: number, word: number, nr: number, ne: number): string => {
    if (word >>> 1 !== 0) return `the module's result region holds decision ${word}, neither 1 (allow) nor 0 (deny)`;
    if (word !== verdict) return `the module returned ${verdict} but its result region holds decision ${word} (${word === 1 ? "allow" : "deny"})`;
    return `the module returned a malformed result: ${nr} deciding rules and ${ne} errors, where the policy has ${nRules} rules`;
  };

  /** what is wrong with the errors of a result whose decision and deciding rules are sound (breach) */
  const errorBreach = (i32: Int32Array, result: number, word: number, nr: number, ne: number): string | undefined => {
    const rulesAt = result + (RESULT_RULES >> 2);
    const base = result + errorsAt;
    let previous = -1;
    let j = 0; // the first deciding rule not below the erring one (both lists ascend)
    for (let i = 0; i < ne; i++) {
      const r = i32[base + 3 * i]!;
      if (r <= previous || r >= nRules) return r < 0 || r >= nRules ? `the module reported an error of a rule that does not exist (index ${r}; the policy has ${nRules} rules)` : `the module reported errors of rule ${ruleName(r)} twice or out of order (errors ascend by rule)`;
      previous = r;
      while (j < nr && i32[rulesAt + j]! < r) j++;
      const deciding = j < nr && i32[rulesAt + j] === r;
      if (permits[r] === 0 && word === 1) return `the module allowed with an error of forbid ${ruleName(r)} (a forbid that errors denies)`;
      if (permits[r] === 0 && !deciding) return `the module denied with an error of forbid ${ruleName(r)} that is not among its deciding rules (a forbid that errors is one)`;
      if (permits[r] === 1 && deciding) return `the module allowed by permit ${ruleName(r)}, which errored (a permit that errors does not hold)`;
      if (permits[r] === 1 && word === 0 && nr > 0) return `the module denied by forbids with an error of permit ${ruleName(r)} (no permit is evaluated once a forbid decides)`;
    }
    return undefined;
  };

  /**
   * The result region as a Decision, for an evaluation that returned `verdict`; a deny with an
   * `internal` error saying what is wrong when it is not a result of the decision procedure (breach).
   * Results without errors are checked inline, on the way to their shared Decision: the same checks
   * as breach's (a rule outside the table has no effect, `undefined`), which then says what failed.
   */
  const decode = (i32: Int32Array, result: number, verdict: number): Decision => {
    const word = i32[result + (RESULT_DECISION >> 2)]!;
    const nr = i32[result + (RESULT_RULE_COUNT >> 2)]!;
    const ne = i32[result + (RESULT_ERROR_COUNT >> 2)]!;
    if (word !== verdict || word >>> 1 !== 0 || nr >>> 0 > nRules || ne >>> 0 > nRules) return fault(headerBreach(verdict, word, nr, ne));
    const allow = word === 1;
    const decision = allow ? "allow" : "deny";
    const rulesAt = result + (RESULT_RULES >> 2);
    if (ne === 0) {
      if (nr === 1) {
        const r = i32[rulesAt]!;
        return permits[r] === word ? single(allow ? allowOne : denyOne, decision, r) : refuse(i32, result, verdict);
      }
      if (nr === 0) return allow ? refuse(i32, result, verdict) : denyNone;
      // several rules, no errors: shared too, by the list of rule indexes (while the cache is small)
      if (nr <= maxCachedRules) {
        let key = 0;
        let previous = -1;
        for (let i = 0; i < nr; i++) {
          const r = i32[rulesAt + i]!;
          if (r <= previous || permits[r] !== word) return refuse(i32, result, verdict);
          previous = r;
          key = key * (nRules + 1) + r + 1;
        }
        const cache = allow ? allowMany : denyMany;
        const known = cache.get(key);
        if (known !== undefined) return known;
        const rules: string[] = [];
        for (let i = 0; i < nr; i++) rules.push(ruleNames[i32[rulesAt + i]!]!);
        const d: Decision = Object.freeze({ decision, rules: Object.freeze(rules), errors: EMPTY });
        if (cache.size < MANY_CACHE_SIZE) cache.set(key, d);
        return d;
      }
    }
    const wrong = breach(i32, result, verdict);
    if (wrong !== undefined) return fault(wrong);
    const rules: string[] = [];
    for (let i = 0; i < nr; i++) rules.push(ruleNames[i32[rulesAt + i]!]!);
    const errors: RuleError[] = [];
    const base = result + errorsAt;
    for (let i = 0; i < ne; i++) {
      const rule = ruleNames[i32[base + 3 * i]!]!;
      const code = evalErrorName(i32[base + 3 * i + 1]!);
      const node = i32[base + 3 * i + 2]!;
      errors.push({ rule, code, message: ruleErrorMessage(code), at: errorSite(node) });
    }
    return frozenDecision({ decision, rules, errors });
  };

  /**
   * Whether the result region is an allow the decision procedure can give, for an evaluation that
   * returned 1 (breach(1); an allow by one rule without errors, the common one, checked inline).
   */
  const allows = (i32: Int32Array, result: number): boolean => {
    if (i32[result + (RESULT_ERROR_COUNT >> 2)] === 0 && i32[result + (RESULT_RULE_COUNT >> 2)] === 1 && i32[result + (RESULT_DECISION >> 2)] === 1)
      return permits[i32[result + (RESULT_RULES >> 2)]!] === 1;
    return breach(i32, result, 1) === undefined;
  };

  /** the fault for a result the inline checks of decode refused: breach says what is wrong */
  const refuse = (i32: Int32Array, result: number, verdict: number): Decision => fault(breach(i32, result, verdict) ?? "the module returned a malformed result");

  return { decode, allows };
}
