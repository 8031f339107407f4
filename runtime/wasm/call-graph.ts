// The call-graph rules of the determinism profile (docs/profile.md): the static call graph of a
// module (direct `call` and `return_call`) must be acyclic, no chain of calls may be deeper than
// MAX_CALL_DEPTH functions, and none may take more than MAX_STACK_BYTES of stack by the frame model
// of runtime/wasm/frames.ts. profile.ts builds the graph in its one pass over the bodies; this file
// judges it. Everything is linear in the graph: a module may have hundreds of thousands of functions.

/** A violation of `acyclic-calls` or `bounded-stack`, as validateProfile collects them. */
export type AddGraphViolation = (rule: "acyclic-calls" | "bounded-stack", message: string, offset?: number) => void;

/**
 * The static call graph in compact form: the calls of function `f` are `to[i]` (the callee) and
 * `at[i]` (the call's byte offset) for `start[f] <= i < start[f + 1]`. Typed arrays and two flat
 * lists rather than an object per call and an array per function: a module may have hundreds of
 * thousands of functions, and the graph's size must not be what makes validation slow.
 */
export interface CallGraph {
  readonly n: number;
  readonly start: Int32Array;
  readonly to: number[];
  readonly at: number[];
  /** each function's frame in bytes, by the profile's model (runtime/wasm/frames.ts); 0 for an import */
  readonly frameBytes: Float64Array;
  /** of which its parameters and locals, and the height of its operand stack at the highest */
  readonly valueBytes: Float64Array;
  readonly height: Float64Array;
}

// The static call graph (direct `call` and `return_call`) must be acyclic, so evaluation always
// terminates within a stack bound. Reports one cycle per strongly connected component; when there
// is none, the longest call chain and the most stack a chain of calls may take, each against its
// limit.
export function checkCallGraph(g: CallGraph, label: (f: number) => string, add: AddGraphViolation): { depth: number; stackBytes: number } {
  const { componentOf, cycles, order } = stronglyConnected(g);
  const prev = { from: new Int32Array(cycles.length > 0 ? g.n : 0).fill(-1), at: new Float64Array(cycles.length > 0 ? g.n : 0) };
  for (const { first, component } of cycles) {
    const { path, offset } = cycleThrough(g, componentOf, prev, first, component);
    add("acyclic-calls", `call cycle: ${shownPath(path, true, label)}`, offset);
  }
  if (cycles.length > 0) return { depth: 0, stackBytes: 0 };
  const depth = longestChain(g, order);
  if (depth > MAX_CALL_DEPTH)
    add("acyclic-calls", `the longest call chain is ${depth} functions deep, more than the ${MAX_CALL_DEPTH} the profile allows (engines' call stacks differ; Writ's modules take one call for each level of a list or map a rule compares, at most about 100)`);
  const { bytes, path } = heaviestPath(g, order);
  if (bytes > MAX_STACK_BYTES) {
    let largest = path[0]!;
    for (const f of path) if (g.frameBytes[f]! > g.frameBytes[largest]!) largest = f;
    const h = g.height[largest]!;
    add(
      "bounded-stack",
      `the calls ${shownPath(path, false, label)} may take ${bytes} bytes of stack, more than the ${MAX_STACK_BYTES} the profile allows; ` +
        `the largest frame, function ${label(largest)}, takes ${g.frameBytes[largest]} bytes (${g.valueBytes[largest]} for parameters and locals, ${h} operand${h === 1 ? "" : "s"} at most)`,
    );
  }
  return { depth, stackBytes: bytes };
}

/** Deepest call chain accepted, in functions: well within any engine's stack, far above what Writ emits. */
export const MAX_CALL_DEPTH = 256;

/**
 * The most stack a chain of calls may take, in bytes by the profile's frame model
 * (runtime/wasm/frames.ts): an eighth of V8's default stack (984 KiB), far above what Writ's modules
 * take (docs/profile.md, "bounded-stack").
 */
export const MAX_STACK_BYTES = 128 * 1024;

// The chain of calls whose frames add up to the most bytes, over an acyclic graph: callees come
// before their callers in `order`, so each function's heaviest chain is known before its callers'.
function heaviestPath(g: CallGraph, order: Int32Array): { bytes: number; path: number[] } {
  const { start, to, frameBytes } = g;
  const total = new Float64Array(g.n);
  const next = new Int32Array(g.n).fill(-1);
  let top = -1;
  for (const v of order) {
    let below = 0;
    for (let i = start[v]!; i < start[v + 1]!; i++) {
      const w = to[i]!;
      if (total[w]! > below) {
        below = total[w]!;
        next[v] = w;
      }
    }
    total[v] = frameBytes[v]! + below;
    if (top < 0 || total[v]! > total[top]!) top = v;
  }
  const path: number[] = [];
  for (let v = top; v >= 0; v = next[v]!) path.push(v);
  return { bytes: top < 0 ? 0 : total[top]!, path };
}

interface Components {
  /** the component of each function */
  readonly componentOf: Int32Array;
  /** the components that hold a cycle (two functions or more, or one that calls itself), each by its lowest function */
  readonly cycles: readonly { first: number; component: number }[];
  /** every function, callees before callers when the graph is acyclic (the order Tarjan completes them) */
  readonly order: Int32Array;
}

// Tarjan's algorithm, iterative so that a deep call chain cannot overflow the host's stack.
function stronglyConnected(g: CallGraph): Components {
  const { n, start, to } = g;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack = new Int32Array(n);
  let sp = 0;
  const workV = new Int32Array(n); // the depth-first path: a function and the next of its calls to follow
  const workNext = new Int32Array(n);
  const componentOf = new Int32Array(n);
  const order = new Int32Array(n);
  let done = 0;
  const cycles: { first: number; component: number }[] = [];
  let components = 0;
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    let wp = 0;
    workV[wp] = root;
    workNext[wp++] = start[root]!;
    index[root] = low[root] = counter++;
    stack[sp++] = root;
    onStack[root] = 1;
    while (wp > 0) {
      const v = workV[wp - 1]!;
      const next = workNext[wp - 1]!;
      if (next < start[v + 1]!) {
        workNext[wp - 1] = next + 1;
        const w = to[next]!;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack[sp++] = w;
          onStack[w] = 1;
          workV[wp] = w;
          workNext[wp++] = start[w]!;
        } else if (onStack[w] && index[w]! < low[v]!) low[v] = index[w]!;
        continue;
      }
      wp--;
      if (wp > 0) {
        const parent = workV[wp - 1]!;
        if (low[v]! < low[parent]!) low[parent] = low[v]!;
      }
      if (low[v] === index[v]) {
        const id = components++;
        let size = 0;
        let first = v;
        for (;;) {
          const w = stack[--sp]!;
          onStack[w] = 0;
          componentOf[w] = id;
          order[done++] = w;
          size++;
          if (w < first) first = w;
          if (w === v) break;
        }
        let cyclic = size > 1;
        for (let i = start[v]!; !cyclic && i < start[v + 1]!; i++) cyclic = to[i] === v;
        if (cyclic) cycles.push({ first, component: id });
      }
    }
  }
  return { componentOf, cycles, order };
}

// A shortest cycle from `first` back to itself inside its component (breadth-first), with the
// offset of the call that leaves `first`. Linear in the component: the queue is read by index, the
// path is built backwards then reversed, and `prev` (shared by every component, -1 when unset) is
// cleared after use.
function cycleThrough(
  g: CallGraph,
  componentOf: Int32Array,
  prev: { from: Int32Array; at: Float64Array },
  first: number,
  component: number,
): { path: number[]; offset: number } {
  const { start, to, at } = g;
  const queue = [first];
  search: for (let head = 0; head < queue.length; head++) {
    const v = queue[head]!;
    for (let i = start[v]!; i < start[v + 1]!; i++) {
      const w = to[i]!;
      if (componentOf[w] !== component || prev.from[w] !== -1) continue;
      prev.from[w] = v;
      prev.at[w] = at[i]!;
      if (w === first) break search;
      queue.push(w);
    }
  }
  const path = [first];
  let v = first;
  let offset = 0;
  do {
    const from = prev.from[v]!;
    if (from === first) offset = prev.at[v]!;
    v = from;
    path.push(v);
  } while (v !== first);
  path.reverse();
  for (const w of queue) prev.from[w] = -1;
  prev.from[first] = -1;
  return { path, offset };
}

/** Functions a message names along a path before it cuts the path short. */
const PATH_SHOWN = 8;

// A path of functions as a message shows it, `7 (ping) → 8 (pong) → 7 (ping)`: a long one cut after
// its first PATH_SHOWN functions, with its last and the number of functions in all, so that a cycle
// through 300,000 functions is one line, not megabytes. A cycle's path ends where it started.
function shownPath(path: readonly number[], cycle: boolean, label: (f: number) => string): string {
  if (path.length <= PATH_SHOWN + 1) return path.map((f) => label(f)).join(" → ");
  const head = path.slice(0, PATH_SHOWN).map((f) => label(f)).join(" → ");
  return `${head} → … → ${label(path[path.length - 1]!)} (${cycle ? path.length - 1 : path.length} functions in all)`;
}

// Longest chain of calls, counted in functions, over an acyclic graph: callees come before their
// callers in `order`, so one pass in that order sees every callee's depth before its callers'.
function longestChain(g: CallGraph, order: Int32Array): number {
  const { start, to } = g;
  const depth = new Int32Array(g.n);
  let best = 0;
  for (const v of order) {
    let d = 0;
    for (let i = start[v]!; i < start[v + 1]!; i++) if (depth[to[i]!]! > d) d = depth[to[i]!]!;
    depth[v] = d + 1;
    if (d + 1 > best) best = d + 1;
  }
  return best;
}
