// Calling code near the end of the host's stack, for the tests of what it does there: from a given
// number of frames above the deepest one the stack holds, and with a few bytes more or less in use.

// Arguments of a call take a stack slot each: a call with n of them moves the edge by 8n bytes,
// finer than one frame of `down`.
export const PADS = Array.from({ length: 16 }, (_, n) => new Array<number>(n).fill(0));

/**
 * Runs `f` `back` frames above the deepest frame the stack holds, with `pad` extra stack slots: it
 * recurses until the stack runs out, then calls `f` on the way back up. Measured from the edge
 * itself, the stack left to `f` does not depend on how large the engine makes its frames (which
 * changes as it optimises). Says whether `f` began, and what it threw.
 */
export function nearEdge(back: number, pad: number, f: () => void): { reached: boolean; thrown: unknown } {
  let reached = false;
  let thrown: unknown;
  const begin = function () {
    reached = true;
    f();
  };
  const down = (): number => {
    let below: number;
    try {
      below = down();
    } catch {
      return 0; // the deepest frame: no call can begin from here
    }
    if (below === back)
      try {
        Reflect.apply(begin, null, PADS[pad]!);
      } catch (e) {
        thrown = e;
      }
    return below + 1;
  };
  down();
  return { reached, thrown };
}

export type Run = (f: () => void) => { reached: boolean; thrown: unknown };

/**
 * Calls `each` from every padding at one frame above the edge after another, upward, until `each`
 * has found its call done in full (it says so) at three heights in a row: through the stretch where
 * the call begins and the stack runs out inside it. Returns how many calls began.
 */
export function sweepUp(each: (run: Run) => boolean): number {
  // once well clear of the edge first: a function's first call compiles it, which takes far more
  // stack than running it, and the sweep is of the call, not of the compiler
  each((f) => nearEdge(3_000, 0, f));
  let began = 0;
  for (let back = 0, doneInARow = 0; doneInARow < 3 * PADS.length; back += back < 64 ? 1 : 4) {
    if (back > 20_000) throw new Error("the call was never done in full, however far from the edge");
    for (let pad = 0; pad < PADS.length; pad++) {
      const done = each((f) => {
        const r = nearEdge(back, pad, f);
        if (r.reached) began++;
        return r;
      });
      doneInARow = done ? doneInARow + 1 : 0;
    }
  }
  return began;
}

/**
 * sweepUp for a call whose being done in full shows only once its promise settles: `each` starts the
 * call at the edge and resolves whether it was done in full.
 */
export async function sweepUpAsync(each: (run: Run) => Promise<boolean>): Promise<number> {
  await each((f) => nearEdge(3_000, 0, f));
  let began = 0;
  for (let back = 0, doneInARow = 0; doneInARow < 3 * PADS.length; back += back < 64 ? 1 : 4) {
    if (back > 20_000) throw new Error("the call was never done in full, however far from the edge");
    for (let pad = 0; pad < PADS.length; pad++) {
      const done = await each((f) => {
        const r = nearEdge(back, pad, f);
        if (r.reached) began++;
        return r;
      });
      doneInARow = done ? doneInARow + 1 : 0;
    }
  }
  return began;
}

/**
 * Whether `e` was thrown from inside code of the runtime: two of the top frames of its stack are
 * the runtime's (one alone is the call into it that could not begin, which any call can fail so).
 */
export function thrownFromInside(e: unknown): boolean {
  const frames = String((e as Error | undefined)?.stack).split("\n").slice(1, 4);
  // (the runtime's own directory, not test/runtime)
  return frames.filter((f) => /(?<![\\/]test)[\\/]runtime[\\/]/.test(f)).length >= 2;
}

/**
 * Sweeps `call` up from the edge of the stack until `done` says a result is the call done in full:
 * how often it threw from inside, and each result it gave where it began.
 */
export function sweepResults<R>(call: () => R, done: (r: R) => boolean): { began: number; thrownInside: unknown[]; results: R[] } {
  const thrownInside: unknown[] = [];
  const results: R[] = [];
  // a few times first, with stack to spare: V8 compiles a regular expression to machine code at its
  // second use, and its compiler near the edge fails the whole process, whatever the code called
  // (each result handed to `done`, as in the sweep, for a call whose every result is to be seen)
  for (let i = 0; i < 5; i++) done(call());
  const began = sweepUp((run) => {
    let result: { r: R } | undefined;
    const { thrown } = run(() => {
      result = { r: call() };
    });
    if (thrown !== undefined && thrownFromInside(thrown)) thrownInside.push(thrown);
    if (result !== undefined) results.push(result.r);
    return result !== undefined && done(result.r);
  });
  return { began, thrownInside, results };
}
