// How deep a decision's calls go, counted on the AssemblyScript the backend writes, before asc runs.
// The determinism profile refuses a module whose longest chain of calls is more than MAX_CALL_DEPTH
// (256) functions deep (runtime/wasm/call-graph.ts); its validator runs on the compiled module, after
// asc and binaryen have taken their time, and can name no rule (W0903, a compiler fault).
//
// Most of a chain is bounded whatever the policy: writ_evaluate; the functions that run its checks
// of the request, its dispatches and its rule calls (split.ts, a few levels however many rules); a
// rule's function; below it the helpers comparing or checking lists and maps (one function for each
// level of the type: a type nests at most 100 levels, W0104) and the support library's functions
// (assembly/writ.ts, at most 4). One part is not: the functions made of a rule's code (outline.ts).
// A part of more than OUTLINE_NODES nodes is a function, called from the function of the code around
// it, so a chain of `&&` whose operands are each that large (`B0 && B1 && ... && B256`, nested to
// the left) is a function for each operand, each calling the one before: 257 of them, and the
// module was refused only after asc, 20 s later.
//
// So the planner builds the module's static call graph from the functions it wrote, and the
// rule's reserve above and below it is what the module has, not an estimate: for each function, the
// longest chain from a function no one calls down to it (what sits above: writ_evaluate, the
// dispatches) and from it down to a function that calls none (what sits below: the rule's own
// functions, the comparisons of the types it compares, the support library). Unoptimised, asc makes
// a WebAssembly function of every function the source declares but those marked `@inline`, and calls
// them as written; optimised, binaryen inlines many: the depth found is the unoptimised module's
// (test/backend/call-depth.test.ts holds it to the validator's), and bounds the optimised one's.

/**
 * The support library's functions (assembly/writ.ts) that generated code calls, each with the
 * longest chain of calls it starts, in functions: 0 for one asc inlines (`@inline`), 1 for one that
 * calls none (`memory.compare` and `memory.copy` are instructions, or inlined), 2 for one that
 * calls such a one, and so on. test/backend/call-depth.test.ts counts them again on the library.
 */
export const SUPPORT_CALL_DEPTHS: ReadonlyMap<string, number> = new Map([
  ["raise", 1],
  ["arenaInit", 1],
  ["alloc", 1],
  ["addI64", 2],
  ["subI64", 2],
  ["mulI64", 2],
  ["negI64", 2],
  ["divI64", 2],
  ["modI64", 2],
  ["strEq", 1],
  ["strCmp", 1],
  ["strSize", 1],
  ["startsWith", 2],
  ["endsWith", 2],
  ["contains", 2],
  ["catStr", 2],
  ["catList", 2],
  ["listHasI32", 1],
  ["listHasI64", 1],
  ["listHasStr", 2],
  ["mapIndex", 2],
  ["flag", 0],
  ["inString", 0],
  ["inList", 0],
  ["inRecord", 0],
  ["inMap", 2],
  ["nextVisit", 1],
  ["firstVisit", 1],
  ["resultReset", 1],
  ["resultAddRule", 1],
  ["resultAddError", 1],
  ["resultOrder", 4],
]);

/** A function's declaration: `@inline` or not, and its name. */
const HEADER = /^(@inline )?(?:export )?function ([A-Za-z_$][\w$]*)\(/m;
/** A name followed by an argument list: a call, if the name is a function's. */
const CALLED = /\b([A-Za-z_$][\w$]*)\(/g;

/** The chains of calls of a module: how deep they go, and through each function. */
export interface CallDepths {
  /** the longest chain of calls of the module, in functions (0 when it has none) */
  readonly deepest: number;
  /** the longest chain of calls that runs through the function `name`, from one no function calls to one that calls none */
  through(name: string): number;
  /** the longest chain of calls the function `name` starts, itself included */
  below(name: string): number;
}

/**
 * The call graph of `texts`, each a function of the module (comment lines may come before its
 * declaration; a text that declares none, such as a global's, is passed over), calling one another
 * and the support library (SUPPORT_CALL_DEPTHS). Names are read as calls wherever they are followed
 * by `(`, so a comment naming a function could only make a chain found longer. Throws on a cycle of
 * calls, which the backend never writes (the profile refuses one).
 */
export function callDepths(texts: readonly string[]): CallDepths {
  const index = new Map<string, number>();
  const functions: { readonly frame: number; readonly text: string; readonly from: number }[] = [];
  for (const text of texts) {
    const m = HEADER.exec(text);
    if (!m) continue;
    index.set(m[2]!, functions.length);
    functions.push({ frame: m[1] === undefined ? 1 : 0, text, from: m.index + m[0].length });
  }
  const n = functions.length;
  // each function's callees among `functions`, flat (callees of f at start[f] .. start[f + 1] - 1),
  // and the deepest chain it starts in the support library
  const start = new Int32Array(n + 1);
  const callee: number[] = [];
  const library = new Int32Array(n);
  functions.forEach((f, i) => {
    const called = new Set<number>();
    CALLED.lastIndex = f.from;
    for (let m = CALLED.exec(f.text); m !== null; m = CALLED.exec(f.text)) {
      const name = m[1]!;
      const at = index.get(name);
      if (at !== undefined) called.add(at);
      else library[i] = Math.max(library[i]!, SUPPORT_CALL_DEPTHS.get(name) ?? 0);
    }
    for (const c of called) callee.push(c);
    start[i + 1] = callee.length;
  });
  // callers, flat likewise
  const callerStart = new Int32Array(n + 1);
  for (const c of callee) callerStart[c + 1]!++;
  for (let i = 0; i < n; i++) callerStart[i + 1]! += callerStart[i]!;
  const caller = new Int32Array(callee.length);
  const filled = callerStart.slice(0, n);
  for (let f = 0; f < n; f++) for (let k = start[f]!; k < start[f + 1]!; k++) caller[filled[callee[k]!]!++] = f;

  // callees before callers (Kahn's order over the callees not yet placed), without recursion: a
  // chain may be thousands of functions long
  const order = new Int32Array(n);
  const waiting = new Int32Array(n);
  let placed = 0;
  for (let f = 0; f < n; f++) {
    waiting[f] = start[f + 1]! - start[f]!;
    if (waiting[f] === 0) order[placed++] = f;
  }
  for (let next = 0; next < placed; next++) {
    const f = order[next]!;
    for (let k = callerStart[f]!; k < callerStart[f + 1]!; k++) if (--waiting[caller[k]!]! === 0) order[placed++] = caller[k]!;
  }
  if (placed < n) throw new Error("the generated code has a cycle of calls");

  const down = new Int32Array(n);
  let deepest = 0;
  for (const f of order) {
    let most = library[f]!;
    for (let k = start[f]!; k < start[f + 1]!; k++) most = Math.max(most, down[callee[k]!]!);
    down[f] = functions[f]!.frame + most;
    deepest = Math.max(deepest, down[f]!);
  }
  // the frames above each function: callers come after their callees in `order`
  const up = new Int32Array(n);
  for (let i = n - 1; i >= 0; i--) {
    const f = order[i]!;
    for (let k = start[f]!; k < start[f + 1]!; k++) up[callee[k]!] = Math.max(up[callee[k]!]!, up[f]! + functions[f]!.frame);
  }
  const at = (name: string): number => {
    const f = index.get(name);
    if (f === undefined) throw new Error(`no function ${name} in the generated code`);
    return f;
  };
  return {
    deepest,
    through: (name) => {
      const f = at(name);
      return up[f]! + down[f]!;
    },
    below: (name) => down[at(name)]!,
  };
}
