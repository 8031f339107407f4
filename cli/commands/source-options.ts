// The options of every command that compiles a .writ source (check, test, compile, eval, bench),
// read together the one way: `--max-cost` (max-cost.ts) and then `--max-diagnostics`
// (max-diagnostics.ts), the first refused naming itself.

import type { ParsedArgs } from "../io.js";
import { maxCostOption } from "./max-cost.js";
import { maxDiagnosticsOption, type MaxDiagnosticsOption } from "./max-diagnostics.js";

export type SourceOptions =
  | { ok: true; maxCost: number | undefined; shown: Extract<MaxDiagnosticsOption, { ok: true }> }
  | { ok: false; message: string };

/** The cost budget and how diagnostics are printed, or the usage error of the first option refused. */
export function sourceOptions(parsed: ParsedArgs, command: string): SourceOptions {
  const budget = maxCostOption(parsed, command);
  if (!budget.ok) return budget;
  const shown = maxDiagnosticsOption(parsed, command);
  if (!shown.ok) return shown;
  return { ok: true, maxCost: budget.maxCost, shown };
}
