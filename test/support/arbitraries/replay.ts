// Running a property so that any failure can be replayed. Every proof property goes through
// `checkProperty`, which reads:
//   WRIT_SEED   the seed to run with (a failure report prints the one it used)
//   WRIT_PATH   with WRIT_SEED: the path of the failing case, to run exactly that case again
//   WRIT_RUNS   a number of runs that replaces each property's CI-size default
// and, on failure, throws an error whose message starts with the exact command line to replay it.
// A test that draws its cases with `fc.sample` rather than a property runs through `withSampleSeed`,
// which gives it the seed (WRIT_SEED, else a fresh one) and prints the replay command alike.

import fc from "fast-check";

export interface ReplayEnv {
  readonly seed: number | undefined;
  readonly path: string | undefined;
  readonly runs: number | undefined;
}

export function replayEnv(env: NodeJS.ProcessEnv = process.env): ReplayEnv {
  const int = (s: string | undefined) => (s !== undefined && /^-?\d+$/.test(s.trim()) ? Number(s.trim()) : undefined);
  return { seed: int(env.WRIT_SEED), path: env.WRIT_PATH?.trim() || undefined, runs: int(env.WRIT_RUNS) };
}

const freshSeed = (): number => (Date.now() ^ (Math.random() * 0x100000000)) | 0;

/** fast-check parameters for a property whose CI size is `defaultRuns`. */
export function propertyParameters<T>(defaultRuns: number, extra: fc.Parameters<T> = {}): fc.Parameters<T> {
  const r = replayEnv();
  const seed = r.seed ?? extra.seed ?? freshSeed();
  return {
    ...extra,
    numRuns: r.runs ?? defaultRuns,
    seed,
    ...(r.path !== undefined && r.seed !== undefined ? { path: r.path } : {}),
  };
}

/** The shell prefix that replays a failure. */
export function replayCommand(seed: number, path: string | undefined, testFile?: string): string {
  return `WRIT_SEED=${seed}${path ? ` WRIT_PATH=${JSON.stringify(path)}` : ""} npx vitest run ${testFile ?? "<test file>"}`;
}

/**
 * Runs a property; on failure throws with the replay command, fast-check's report (counterexample,
 * seed, path) and the property's own error message (which carries the readable policy and request).
 */
export async function checkProperty<T>(
  property: fc.IAsyncProperty<T> | fc.IProperty<T>,
  defaultRuns: number,
  testFile: string,
  extra: fc.Parameters<T> = {},
): Promise<fc.RunDetails<T>> {
  const params = propertyParameters(defaultRuns, extra);
  const details = await fc.check(property as fc.IAsyncProperty<T>, params);
  if (details.failed) {
    const path = details.counterexamplePath ?? undefined;
    const error = details.errorInstance;
    // assertion messages say it all; anything else (a TypeError in a generator) needs its stack
    const own = error instanceof Error ? (error.name === "AssertionError" ? error.message : (error.stack ?? error.message)) : String(error);
    throw new Error(
      `property failed — replay with:\n  ${replayCommand(details.seed, path, testFile)}\n\n${own}\n\n(fast-check: seed ${details.seed}, path ${JSON.stringify(path)}, ${details.numRuns} runs, ${details.numShrinks} shrinks)`,
    );
  }
  return details;
}

/**
 * Runs `body` with the seed its `fc.sample` calls are to use — WRIT_SEED when given, else a fresh
 * one — and, when it fails, throws with the command that replays it first, as `checkProperty` does.
 */
export async function withSampleSeed(testFile: string, body: (seed: number) => void | Promise<void>): Promise<void> {
  const seed = replayEnv().seed ?? freshSeed();
  try {
    await body(seed);
  } catch (error) {
    const own = error instanceof Error ? (error.name === "AssertionError" ? error.message : (error.stack ?? error.message)) : String(error);
    throw new Error(`failed on the cases of seed ${seed} — replay with:\n  ${replayCommand(seed, undefined, testFile)}\n\n${own}`, { cause: error });
  }
}
