// "did you mean" for misspelt names: the closest candidate within a small edit distance. The
// compiler suggests a policy's names with it (compiler/check/suggest.ts), the API the names of its
// options (option-names.ts).

/**
 * Longest name a suggestion is looked for, or made of: the distance takes time in the product of the
 * two lengths, and two names of a megabyte (a policy may be 4 MiB) would take hours. No one misspells
 * a name that long by a few characters.
 */
export const MAX_SUGGESTED_NAME = 256;

/** The candidate nearest `name` (the first of those as near), within a third of its length (at least 1), or undefined. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  if (name.length > MAX_SUGGESTED_NAME) return undefined;
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const c of candidates) {
    // the distance is at least the difference in length: nothing to compute when that is too far
    if (c.length > MAX_SUGGESTED_NAME || Math.abs(c.length - name.length) >= bestDistance) continue;
    const d = editDistance(name, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}
