// "did you mean" for misspelt names of a policy: the closest candidate within a small edit distance
// (runtime/closest-name.ts, which suggests the names of the API's options too).

import { quotedName } from "../diagnostics.js";
import { closest } from "../../runtime/closest-name.js";

export { closest, MAX_SUGGESTED_NAME } from "../../runtime/closest-name.js";

export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const c = closest(name, candidates);
  return c === undefined ? undefined : `did you mean \`${quotedName(c)}\`?`;
}
