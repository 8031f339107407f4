// A thin wrapper over fast-check's `fc.gen()` so that generators can be written as ordinary recursive
// functions ("draw an int, pick an option, recurse") instead of eagerly built arbitrary trees, which
// explode for type-directed generation. Every draw is recorded by fast-check, so a failing case
// still shrinks: each choice shrinks toward its minimum, which is why option lists put the simplest
// option first.
//
// Drawing through fast-check costs microseconds per choice; where thousands of requests are drawn
// per run, `Draw.seeded(seed)` draws from a small local PRNG instead (the seed itself comes from
// fast-check, so runs stay replayable; only shrinking inside that value is lost).

import fc from "fast-check";

export type Gen = fc.GeneratorValue;

/** Where the choices come from. */
interface Source {
  int(min: number, max: number): number;
  unicode(maxLength: number): string;
  bigint(min: bigint, max: bigint): bigint;
  /** a 32-bit seed, uniform */
  seed(): number;
}

// fast-check biases integers toward small values and the bounds (a third of the seeds drawn in a run
// of a dozen were under 1,000 in magnitude, most of them seen again in other runs): right for a
// value, wrong for a seed, whose every value should be as likely, so that runs explore new cases.
const seedArb = (): fc.Arbitrary<number> => fc.noBias(fc.integer({ min: -0x80000000, max: 0x7fffffff }));

function genSource(g: Gen): Source {
  return {
    int: (min, max) => g(fc.integer, { min, max }),
    unicode: (maxLength) => g(fc.string, { unit: "binary", maxLength }),
    bigint: (min, max) => g(fc.bigInt, { min, max }),
    seed: () => g(seedArb),
  };
}

/** splitmix32: tiny, fast, good enough to pick among options; not for anything cryptographic. */
function prngSource(seed: number): Source {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  const int = (min: number, max: number) => min + Math.floor((next() / 0x100000000) * (max - min + 1));
  return {
    int,
    unicode(maxLength) {
      let s = "";
      for (let n = int(0, maxLength); n > 0; n--) {
        const plane = int(0, 9);
        let cp = plane < 4 ? int(0x20, 0x7e) : plane < 8 ? int(0xa0, 0xd7ff) : int(0x10000, 0x10ffff);
        if (plane === 9 && int(0, 1) === 0) cp = int(0xe000, 0xfffd);
        s += String.fromCodePoint(cp);
      }
      return s;
    },
    bigint(min, max) {
      const span = max - min + 1n;
      const r = (BigInt(next()) << 32n) | BigInt(next());
      return min + (r % span);
    },
    seed: () => int(-0x80000000, 0x7fffffff),
  };
}

export class Draw {
  private readonly source: Source;

  constructor(g: Gen | Source) {
    this.source = typeof g === "function" ? genSource(g) : g;
  }

  /** choices from a local PRNG seeded by `seed` (see the header) */
  static seeded(seed: number): Draw {
    return new Draw(prngSource(seed));
  }

  /** an integer in [min, max], shrinking toward min */
  int(min: number, max: number): number {
    if (max <= min) return min;
    return this.source.int(min, max);
  }

  /** a 32-bit seed for `Draw.seeded` */
  seed(): number {
    return this.source.seed();
  }

  /** true with probability about `p` (shrinks to false) */
  chance(p: number): boolean {
    return this.int(0, 999) >= 1000 - Math.round(p * 1000);
  }

  /** one element of a non-empty array (shrinks toward the first) */
  pick<T>(options: readonly T[]): T {
    return options[this.int(0, options.length - 1)]!;
  }

  /** an option chosen by weight (shrinks toward the first) */
  weighted<T>(options: readonly (readonly [number, T])[]): T {
    const total = options.reduce((s, [w]) => s + w, 0);
    let x = this.int(0, total - 1);
    for (const [w, v] of options) {
      if (x < w) return v;
      x -= w;
    }
    return options[options.length - 1]![1];
  }

  /** a string of well-formed Unicode code points (any plane), at most `maxLength` code points */
  unicode(maxLength: number): string {
    return this.source.unicode(maxLength);
  }

  /** a big integer in [min, max], shrinking toward 0 when in range */
  bigint(min: bigint, max: bigint): bigint {
    return this.source.bigint(min, max);
  }
}
