// "did you mean" for misspelt names: the closest candidate within a small edit distance. The
// compiler suggests a policy's names with it (compiler/check/suggest.ts), the API the names of its
// options (option-names.ts).

/**
 * Longest name a suggestion is looked for, or made of: the distance takes time in the product of the
 * two lengths, and two names of a megabyte (a policy may be 4 MiB) would take hours. No one misspells
 * a name that long by a few characters.
 */
export const MAX_SUGGESTED_NAME = 256;

/**
 * Work that searches for suggestions may do together, counted as they do it: one for each candidate
 * looked at, one for each cell of an edit distance computed. Each name's search is bounded, but a
 * policy can hold many unknown names and many candidates for each (the names of its constants, the
 * fields of a record), and their product took hours; a search that would go past the limit stops,
 * suggests nothing, and spends what was left, so that the searches after it stop at once.
 */
export class SuggestionBudget {
  /** the work done so far, at most `limit` */
  spent = 0;

  constructor(readonly limit: number) {}

  get exhausted(): boolean {
    return this.spent >= this.limit;
  }

  /** Takes `work` units if that many are left (true); else spends all that is left (false). */
  take(work: number): boolean {
    if (this.limit - this.spent >= work) {
      this.spent += work;
      return true;
    }
    this.spent = this.limit;
    return false;
  }
}

/**
 * The candidate nearest `name` (the first of those as near), within a third of its length (at least
 * 1) and nearer than its length, or undefined; undefined too when `budget` runs out before every
 * candidate is weighed (a nearer one may be among those left), and at once when it has run out
 * already. A candidate as many edits away as `name` is long is no nearer than any other name (`a` for
 * `x`: every one-letter name is one edit from every other), unless the two differ in case alone (`B`
 * for `b`).
 */
export function closest(name: string, candidates: Iterable<string>, budget?: SuggestionBudget): string | undefined {
  if (name.length > MAX_SUGGESTED_NAME) return undefined;
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const c of candidates) {
    if (budget && !budget.take(1)) return undefined;
    // the distance is at least the difference in length: nothing to compute when that is too far
    if (c.length > MAX_SUGGESTED_NAME || Math.abs(c.length - name.length) >= bestDistance) continue;
    const d = editDistance(name, c, bestDistance, budget);
    if (d === undefined) return undefined;
    if (d < bestDistance && (d < name.length || name.toLowerCase() === c.toLowerCase())) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * The edit distance of `a` and `b` when it is less than `bound`, else `bound`; undefined when
 * `budget` cannot pay for a row. Two neighbouring characters swapped count as one edit (the optimal
 * string alignment distance), as in most misspellings (`prinicpal`, `--lgo`). It stops at the first
 * row whose least entry is `bound` or more: an entry comes from its own row or the row before plus 0
 * or 1, or from a swap over the row two back plus 1, and the row before is within 1 of this one (each
 * entry is at most the one above it plus 1), so no later row can go below `bound` again.
 */
function editDistance(a: string, b: string, bound: number, budget: SuggestionBudget | undefined): number | undefined {
  let before = Array.from({ length: b.length + 1 }, () => 0); // the row two back (unused for the first row)
  let last = Array.from({ length: b.length + 1 }, (_, j) => j);
  let row = Array.from({ length: b.length + 1 }, () => 0);
  for (let i = 1; i <= a.length; i++) {
    if (budget && !budget.take(b.length)) return undefined;
    row[0] = i;
    let least = i;
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(last[j]! + 1, row[j - 1]! + 1, last[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      row[j] = d;
      if (d < least) least = d;
    }
    if (least >= bound) return bound;
    [before, last, row] = [last, row, before];
  }
  return Math.min(last[b.length]!, bound);
}
