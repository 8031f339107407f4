// What every backend returns for a request. Both backends (the reference interpreter and the WASM
// module) must return equal Decisions for equal requests: same decision, same rules in the same
// order, same errors in the same order.

/** Why a condition failed to evaluate. The numeric values are part of the module ABI (docs/abi.md). */
export const EvalErrorCode = {
  /** int64 result out of range (+, -, *, unary -, / and % of INT64_MIN by -1) */
  overflow: 1,
  division_by_zero: 2,
  modulo_by_zero: 3,
  /** map lookup of an absent key */
  no_such_key: 4,
  /** selection of an optional record field that is absent */
  no_such_field: 5,
  /** list index outside [0, size) */
  index_out_of_range: 6,
  /** the fixed scratch memory of the module ran out (cannot happen for a module whose bound was checked) */
  resource_exhausted: 7,
  /** the module trapped or returned something the host could not read */
  internal: 8,
} as const;
export type EvalErrorName = keyof typeof EvalErrorCode;

export const EVAL_ERROR_NAMES: readonly EvalErrorName[] = Object.keys(EvalErrorCode) as EvalErrorName[];

export function evalErrorName(code: number): EvalErrorName {
  return EVAL_ERROR_NAMES.find((n) => EvalErrorCode[n] === code) ?? "internal";
}

const ERROR_TEXT: Readonly<Record<EvalErrorName, string>> = {
  overflow: "integer overflow",
  division_by_zero: "division by zero",
  modulo_by_zero: "modulo by zero",
  no_such_key: "no such key",
  no_such_field: "no such field",
  index_out_of_range: "index out of range",
  resource_exhausted: "resource exhausted",
  internal: "internal error",
};

/** The message of a rule error: one table, so both backends say the same words. */
export function ruleErrorMessage(code: EvalErrorName): string {
  return ERROR_TEXT[code];
}

export interface RuleError {
  /** the rule whose condition errored */
  readonly rule: string;
  readonly code: EvalErrorName;
  /** human-readable, e.g. `division by zero at 14:22` */
  readonly message: string;
  /** source offset of the IR node where the error arose (both backends report the same node) */
  readonly at: number;
}

export interface RequestError {
  /** null: not a rule error but a request that failed validation */
  readonly rule: null;
  readonly code: "invalid_request";
  /** `principal.roles[3]: expected string, got number` */
  readonly message: string;
  /** dotted path of the offending field, e.g. `principal.roles[3]`; `` for the request itself */
  readonly path: string;
}

export type DecisionError = RuleError | RequestError;

export interface Decision {
  readonly decision: "allow" | "deny";
  /**
   * The deciding rules, in declaration order: for an allow, every permit that held; for a deny,
   * every forbid that held or errored (empty when no permit held or the request was invalid).
   */
  readonly rules: readonly string[];
  /** in declaration order; a request error comes alone */
  readonly errors: readonly DecisionError[];
}
