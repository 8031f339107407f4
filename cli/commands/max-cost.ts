// `--max-cost N`, the cost budget a policy is compiled under (docs/language.md, "Cost"). Every
// command that compiles a source takes it, read here the one way: a policy compiled with a raised
// budget must also be checkable, testable and evaluable from its source, and W0503's help names the
// option whatever the command. Kept free of the front end (the cost model's constant alone), so that
// `compile` and `eval` can refuse a bad value before they load it.

import { DEFAULT_COST_BUDGET, isCostBudget, MAX_COST_BUDGET } from "../../compiler/ir/cost.js";
import { decimalCount, flagString, type ParsedArgs } from "../io.js";
import { escapeControls } from "../../runtime/thrown.js";

/** The option's line in a command's usage text, its description starting at `column`. */
export function maxCostUsage(column: number, scope = ""): string {
  return `${"  --max-cost N".padEnd(column)}worst-case cost budget${scope} (default ${DEFAULT_COST_BUDGET})`;
}

export type MaxCostOption = { ok: true; maxCost: number | undefined } | { ok: false; message: string };

/**
 * The budget given with `--max-cost`, `undefined` when none was (the compiler's default), or the
 * usage error to print: a whole number from 1 to MAX_COST_BUDGET, as compilePolicy takes it.
 */
export function maxCostOption(parsed: ParsedArgs, command: string): MaxCostOption {
  const text = flagString(parsed, "max-cost");
  if (text === undefined) return { ok: true, maxCost: undefined };
  const maxCost = decimalCount(text);
  if (!isCostBudget(maxCost))
    return { ok: false, message: `writ ${command}: --max-cost takes a whole number from 1 to ${MAX_COST_BUDGET}, not \`${escapeControls(text)}\`` };
  return { ok: true, maxCost };
}
