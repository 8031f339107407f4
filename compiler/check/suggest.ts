// "did you mean" for misspelt names of a policy: the closest candidate within a small edit distance
// (runtime/closest-name.ts, which suggests the names of the API's options too).

import { quotedName } from "../diagnostics.js";
import { closest, SuggestionBudget } from "../../runtime/closest-name.js";

export { closest, MAX_SUGGESTED_NAME, SuggestionBudget } from "../../runtime/closest-name.js";

/**
 * The work one check of a policy may spend looking for suggestions (docs/language.md, "Diagnostics"):
 * a candidate name gathered or looked at counts one, a cell of an edit distance one. A few dozen
 * misspellings among thousands of names fit; past it, names and fields are reported without one.
 */
export const MAX_SUGGESTION_WORK = 10_000_000;

/** The budget of one check of a policy, which all its expression checkers draw on. */
export function suggestionBudget(): SuggestionBudget {
  return new SuggestionBudget(MAX_SUGGESTION_WORK);
}

export function didYouMean(name: string, candidates: Iterable<string>, budget?: SuggestionBudget): string | undefined {
  const c = closest(name, candidates, budget);
  return c === undefined ? undefined : `did you mean \`${quotedName(c)}\`?`;
}
