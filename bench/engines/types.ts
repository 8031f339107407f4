// The interface every engine in the side-by-side benchmark implements. `prepare` does all one-off
// work (parsing, compiling, building indexes) outside the timed region; `decide` is what is timed:
// a plain request object in, allow (true) or deny (false) out.

import type { BenchRequest } from "../request.js";

/** "small": the 12-rule agent-governance policy; "large": the same plus 1,000 tool/role permits */
export type PolicySize = "small" | "large";
export const POLICY_SIZES: readonly PolicySize[] = ["small", "large"];
export const RULE_COUNTS: Readonly<Record<PolicySize, number>> = { small: 12, large: 1012 };

export interface Engine {
  /** stable identifier, used in results files, e.g. `js-ifelse` */
  readonly name: string;
  /** what is being measured, with version, for tables and charts */
  readonly label: string;
  /** true when the engine calls into WebAssembly (cedar, writ): affected by V8's wasm-call flags */
  readonly usesWasm: boolean;
  prepare(size: PolicySize): Promise<void>;
  /**
   * `index` is the request's position in the mix last passed to `bindMix` (if the engine has it);
   * engines that measure evaluation of pre-encoded requests use it, the others ignore it.
   */
  decide(request: BenchRequest, index: number): boolean;
  /** optional: called after prepare() with the mix, for work done once per request outside timing */
  bindMix?(mix: readonly BenchRequest[]): void;
}
