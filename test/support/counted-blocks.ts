// Counts the work of the repository's own JavaScript, for tests that compare work rather than time:
// V8's precise block coverage counts every call of a function and every run of a block in it (a
// loop's body, a branch), and the counts of the functions and blocks of the files asked for are
// summed. A loop over a list adds as many as it turns, a callback as many as it is called, whatever
// the machine and whatever else it is doing. What runs inside V8's builtins (a regular expression,
// a string spread) is not counted, only the JavaScript they call back (a sort's comparisons).
//
// V8 gives a function block counters when it compiles it after coverage has started: import this
// module before the modules measured, and load those with `await import(...)` after it. A file
// measured with functions compiled before is refused rather than undercounted. Taking the counts
// sets them back to 0: a coverage run of the same test file (vitest --coverage) would lose them.

import { Session } from "node:inspector";

interface CoverageRange {
  readonly startOffset: number;
  readonly endOffset: number;
  readonly count: number;
}
interface FunctionCoverage {
  readonly functionName: string;
  readonly ranges: readonly CoverageRange[];
  readonly isBlockCoverage: boolean;
}
interface ScriptCoverage {
  readonly url: string;
  readonly functions: readonly FunctionCoverage[];
}

const session = new Session();
session.connect();

// An in-process session answers before `post` returns.
function post<T>(method: string, params: object = {}): T {
  let answer: { error: Error | null; result?: T } | undefined;
  session.post(method, params, (error, result) => void (answer = { error, result: result as T }));
  if (answer === undefined) throw new Error(`counted-blocks: ${method} was not answered at once`);
  if (answer.error) throw answer.error;
  return answer.result as T;
}

post("Profiler.enable");
post("Profiler.startPreciseCoverage", { callCount: true, detailed: true });

/**
 * The calls and block runs counted in the files under `paths` (relative to the repository, e.g.
 * "compiler/syntax/", "runtime/wasm/profile.ts") while `f` runs.
 */
export function countedBlocks(paths: readonly string[], f: () => void): number {
  const prefixes = paths.map((p) => new URL(`../../${p}`, import.meta.url).href); // a folder's keeps its final slash
  post("Profiler.takePreciseCoverage"); // takes the counts so far, and sets them back to 0
  f();
  const { result } = post<{ result: ScriptCoverage[] }>("Profiler.takePreciseCoverage");
  let blocks = 0;
  for (const script of result) {
    if (!prefixes.some((p) => script.url.startsWith(p))) continue;
    for (const fn of script.functions) {
      if (!fn.isBlockCoverage && fn.ranges.some((r) => r.count > 0))
        throw new Error(`counted-blocks: ${script.url} (${fn.functionName || "its top level"}) was compiled before counting started: import it after counted-blocks`);
      for (const r of fn.ranges) blocks += r.count;
    }
  }
  return blocks;
}
