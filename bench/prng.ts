// A small seeded PRNG (mulberry32) for everything the benchmark generates: the request mix and the
// large policy's (tool, role) pairs. Math.random is never used, so a seed fixes every byte of input.

/** A generator of uniform floats in [0, 1), reproducible from its 32-bit seed. */
export interface Prng {
  /** uniform in [0, 1) */
  next(): number;
  /** uniform integer in [0, n) */
  int(n: number): number;
  /** true with probability p */
  chance(p: number): boolean;
  /** one element, uniformly */
  pick<T>(items: readonly T[]): T;
  /** one element, with the given relative weights (same length as items) */
  weighted<T>(items: readonly T[], weights: readonly number[]): T;
}

export function mulberry32(seed: number): Prng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: (items) => items[int(items.length)]!,
    weighted: (items, weights) => {
      let total = 0;
      for (const w of weights) total += w;
      let x = next() * total;
      for (let i = 0; i < items.length; i++) {
        x -= weights[i]!;
        if (x < 0) return items[i]!;
      }
      return items[items.length - 1]!;
    },
  };
}

/** Zero-padded decimal, e.g. pad(7, 3) === "007". */
export function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}
