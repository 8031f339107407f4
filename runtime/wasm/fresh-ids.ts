// Per-request ids for strings outside the table (layout.ts, intern "values"): equal strings, equal
// ids, numbered in the order the encoder meets them. A request usually has one or two such strings (a
// tenant and a resource's owner), so both encoders look for a string among the first
// `SCANNED_FRESH_IDS` with a plain scan, which allocates nothing and costs no hashing. Past those, a
// scan would make N strings cost N²/2 comparisons while the cost bound counts N, so the later ones
// are numbered here, through a Map: a few operations a string, whatever their number.
//
// V8 hashes a string longer than `LONGEST_HASHED` code units by its length alone
// (String::kMaxHashCalcLength): a Map of many such strings of one length puts them all in one bucket
// and compares them one with another. Those are keyed by a hash of their code units instead (seeded
// per index, so a request cannot be built to make them collide without knowing the seed), and only
// the strings of one key are compared.

/** how many of a request's fresh strings are found by a scan before the index numbers the rest */
export const SCANNED_FRESH_IDS = 8;

/** the longest string V8 hashes by its content (String::kMaxHashCalcLength) */
export const LONGEST_HASHED = 16383;

interface LongString {
  readonly s: string;
  readonly id: number;
}

/** a hash of `s`'s code units, seeded, as a small integer (a Map key V8 hashes as a number) */
function contentKey(s: string, seed: number): number {
  let h = seed ^ s.length;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 13)) & 0x3fffffff;
}

/** The ids from `SCANNED_FRESH_IDS` on of one request's fresh strings (counted from the first fresh id's index 0). */
export class FreshIdIndex {
  private readonly hashed = new Map<string, number>();
  private readonly long = new Map<number, LongString[]>();
  private readonly seed = (Math.random() * 0x40000000) | 0;
  private next = SCANNED_FRESH_IDS;

  /** forgets the last request's strings; nothing to do unless it had more than the scanned ones */
  clear(): void {
    if (this.next === SCANNED_FRESH_IDS) return;
    this.next = SCANNED_FRESH_IDS;
    this.hashed.clear();
    this.long.clear();
  }

  /** the index of `s` among this request's fresh strings, numbering it next when it is new */
  indexOf(s: string): number {
    if (s.length <= LONGEST_HASHED) {
      const known = this.hashed.get(s);
      if (known !== undefined) return known;
      this.hashed.set(s, this.next);
      return this.next++;
    }
    const key = contentKey(s, this.seed);
    let bucket = this.long.get(key);
    if (bucket === undefined) {
      bucket = [];
      this.long.set(key, bucket);
    }
    for (const other of bucket) if (other.s === s) return other.id;
    bucket.push({ s, id: this.next });
    return this.next++;
  }
}
