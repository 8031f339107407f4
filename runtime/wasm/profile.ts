// The determinism profile (docs/profile.md, "Determinism profile"): the rules a decision module must
// keep so that the same request gives the same decision in every engine, with no host involvement.
// The validator reads the binary itself (runtime/wasm/reader.ts) — it trusts no manifest and no
// compiler — and runs at compile time and again at load time. It reports every violation it finds,
// not just the first, each with the rule it breaks and, where there is one, the byte offset.
// It never throws: malformed bytes are a `malformed` violation.

import {
  functionType,
  importCount,
  listOpcodes,
  readModule,
  type FuncType,
  type FunctionBody,
  type Instruction,
  type OpView,
  type ValType,
  type WasmModule,
} from "./reader.js";
import { describeThrown, escapeControls, shownKey } from "../thrown.js";
import { FrameMeter } from "./frames.js";

export type ProfileRule =
  | "malformed"
  | "no-imports"
  | "no-floats"
  | "no-simd"
  | "no-threads"
  | "no-memory-grow"
  | "fixed-memory"
  | "no-call-indirect"
  | "acyclic-calls"
  | "bounded-stack"
  | "no-exceptions"
  | "required-exports"
  | "no-start";

export const PROFILE_RULES: readonly ProfileRule[] = [
  "malformed", "no-imports", "no-floats", "no-simd", "no-threads", "no-memory-grow", "fixed-memory",
  "no-call-indirect", "acyclic-calls", "bounded-stack", "no-exceptions", "required-exports", "no-start",
];

export interface ProfileViolation {
  readonly rule: ProfileRule;
  readonly message: string;
  /** byte offset in the module, when the violation has a location */
  readonly offset?: number;
}

export interface ProfileInfo {
  /** the fixed memory size in 64 KiB pages (min == max) */
  readonly memoryPages: number;
  /** number of functions in the module (none are imported in a valid module) */
  readonly functionCount: number;
  /** export names, in module order */
  readonly exports: readonly string[];
  /** the longest chain of nested calls, counted in functions (1 = no calls) */
  readonly callDepth: number;
  /**
   * the most stack any chain of calls may take, in bytes by the profile's frame model (parameters,
   * locals and operand stack of each frame, plus a fixed allowance each; docs/profile.md), at most
   * MAX_STACK_BYTES
   */
  readonly stackBytes: number;
  /** the custom sections, by name, with their content (what follows the name) */
  readonly customSections: readonly { readonly name: string; readonly content: Uint8Array }[];
}

export type ProfileResult =
  | { readonly ok: true; readonly info: ProfileInfo }
  | { readonly ok: false; readonly violations: readonly ProfileViolation[] };

/**
 * The exports of the decision-module ABI (docs/abi.md). The single place to change if the ABI
 * renames them. Frozen: the package exports it, and it is the default every check (loadPolicy, the
 * compiler's) uses — a host emptying it would have every module pass without an export.
 */
export const REQUIRED_EXPORTS: readonly string[] = Object.freeze([
  "memory",
  "writ_abi_version",
  "writ_input_ptr",
  "writ_input_size",
  "writ_evaluate",
  "writ_result_ptr",
]);

/** Checks a module against the determinism profile. Never throws. */
export function validateProfile(
  bytes: Uint8Array,
  requiredExports: readonly string[] = REQUIRED_EXPORTS,
): ProfileResult {
  try {
    return check(bytes, requiredExports);
  } catch (e) {
    // A bug here must not become an exception in a host, nor a pass: the module is refused.
    return { ok: false, violations: [{ rule: "malformed", message: `validator failure: ${describeThrown(e)}` }] };
  }
}

function check(bytes: Uint8Array, requiredExports: readonly string[]): ProfileResult {
  if (!(bytes instanceof Uint8Array)) {
    return { ok: false, violations: [{ rule: "malformed", message: "module bytes must be a Uint8Array" }] };
  }
  const read = readModule(bytes);
  if (!read.ok) {
    return { ok: false, violations: [{ rule: "malformed", message: read.reason, offset: read.offset }] };
  }
  const m = read.module;
  const violations: ProfileViolation[] = [];
  const add = (rule: ProfileRule, message: string, offset?: number) =>
    violations.push(offset === undefined ? { rule, message } : { rule, message, offset });

  // The reader decodes structure; the engine's validator (where the host has one) checks types.
  // Both run so that a module failing type checks is reported with its profile breaches too.
  if (!engineAccepts(bytes)) add("malformed", "the WebAssembly engine rejects the module (validation failed)");

  checkImports(m, add);
  checkSignatures(m, add);
  checkMemory(m, add);
  checkTables(m, add);
  checkTags(m, add);
  const calls = checkBodies(m, add);
  const { depth, stackBytes } = checkCallGraph(m, calls, add);
  if (m.start) add("no-start", `start function ${funcLabel(m, m.start.func)} would run at instantiation`, m.start.offset);
  checkRequiredExports(m, requiredExports, add);

  if (violations.length > 0) return { ok: false, violations };
  const memory = m.memories[0];
  return {
    ok: true,
    info: {
      memoryPages: memory ? memory.min : 0,
      functionCount: importCount(m, "func") + m.functions.length,
      exports: m.exports.map((e) => e.name),
      callDepth: depth,
      stackBytes,
      customSections: m.sections.flatMap((sec) =>
        sec.id === 0 && sec.name !== undefined && sec.contentStart !== undefined ? [{ name: sec.name, content: bytes.subarray(sec.contentStart, sec.payloadEnd) }] : [],
      ),
    },
  };
}

/** One line per violation, for CLI and error messages. */
export function formatViolations(violations: readonly ProfileViolation[]): string {
  return violations
    .map((v) => `${v.rule}: ${v.message}${v.offset === undefined ? "" : ` (at byte ${v.offset})`}`)
    .join("\n");
}

type Add = (rule: ProfileRule, message: string, offset?: number) => void;

/**
 * The ABI's exports, by name and by kind: `memory` is the memory, every other one a function of no
 * parameters returning one i32 (docs/abi.md). A name alone would let a host find `memory` to be a
 * function, or call an evaluate that is a global, and fail late with a confusing error.
 */
function checkRequiredExports(m: WasmModule, required: readonly string[], add: Add): void {
  const byName = new Map(m.exports.map((e) => [e.name, e]));
  for (const name of required) {
    const e = byName.get(name);
    if (e === undefined) {
      add("required-exports", `missing required export \`${name}\``);
    } else if (name === "memory") {
      if (e.kind !== "memory") add("required-exports", `export \`memory\` is a ${e.kind}, not the memory`, e.offset);
    } else if (e.kind !== "func") {
      add("required-exports", `export \`${name}\` is a ${e.kind}, not a function`, e.offset);
    } else {
      const t = functionType(m, e.index);
      if (t === undefined || t.params.length !== 0 || t.results.length !== 1 || t.results[0] !== "i32")
        add("required-exports", `export \`${name}\` must take no parameters and return one i32`, e.offset);
    }
  }
}

function engineAccepts(bytes: Uint8Array): boolean {
  const wasm = (globalThis as { WebAssembly?: { validate(b: Uint8Array): boolean } }).WebAssembly;
  if (!wasm || typeof wasm.validate !== "function") return true; // no engine here: the reader alone decides
  try {
    return wasm.validate(bytes);
  } catch {
    return false;
  }
}

function checkImports(m: WasmModule, add: Add): void {
  for (const imp of m.imports) {
    add("no-imports", `imports \`${shown(imp.module)}.${shown(imp.name)}\` (${imp.kind}); a decision module imports nothing`, imp.offset);
  }
}

// Value types anywhere in the module's declarations: float types break no-floats, v128 no-simd.
// `where` may be a function: a label is only built for a violation, not for every clean declaration.
function checkValType(t: ValType, where: string | (() => string), add: Add, offset?: number): void {
  if (t !== "f32" && t !== "f64" && t !== "v128") return;
  const w = typeof where === "string" ? where : where();
  if (t === "v128") add("no-simd", `${w} has type v128`, offset);
  else add("no-floats", `${w} has type ${t}`, offset);
}

function checkSignatures(m: WasmModule, add: Add): void {
  m.types.forEach((t, i) => {
    t.params.forEach((p, j) => checkValType(p, `type ${i} parameter ${j}`, add));
    t.results.forEach((r, j) => checkValType(r, `type ${i} result ${j}`, add));
  });
  for (const imp of m.imports) {
    if (imp.kind === "global") checkValType(imp.global.type, `imported global \`${shown(imp.module)}.${shown(imp.name)}\``, add, imp.offset);
  }
  const globalBase = importCount(m, "global");
  m.globals.forEach((g, i) => {
    checkValType(g.type.type, `global ${globalBase + i}`, add, g.offset);
    checkInstructions(g.init, `global ${globalBase + i} initialiser`, add);
  });
  const funcBase = importCount(m, "func");
  m.code.forEach((body, i) => {
    for (const group of body.locals) {
      checkValType(group.type, () => `a local of function ${funcLabel(m, funcBase + i)}`, add, body.offset);
    }
  });
  for (const seg of m.elements) {
    if (seg.offsetExpr) checkInstructions(seg.offsetExpr, "element segment offset", add);
  }
  for (const seg of m.data) {
    if (seg.offsetExpr) checkInstructions(seg.offsetExpr, "data segment offset", add);
  }
}

function checkMemory(m: WasmModule, add: Add): void {
  const imported = m.imports.flatMap((i) => (i.kind === "memory" ? [i.memory] : []));
  const all = [...imported, ...m.memories];
  if (all.length !== 1) {
    add("fixed-memory", all.length === 0 ? "the module has no memory" : `the module has ${all.length} memories, not one`);
  }
  const memory = all[0];
  if (memory) {
    if (memory.shared) add("no-threads", "memory is shared");
    if (memory.index64) add("fixed-memory", "memory is 64-bit; the ABI uses 32-bit addresses");
    if (memory.max === undefined) add("fixed-memory", `memory declares no maximum (minimum ${memory.min} pages)`);
    else if (memory.max !== memory.min) {
      add("fixed-memory", `memory minimum ${memory.min} differs from maximum ${memory.max} pages`);
    }
  }
}

function checkTables(m: WasmModule, add: Add): void {
  for (const imp of m.imports) {
    if (imp.kind === "table") add("no-call-indirect", `imports table \`${shown(imp.module)}.${shown(imp.name)}\``, imp.offset);
  }
  m.tables.forEach((_, i) => add("no-call-indirect", `declares table ${importCount(m, "table") + i}`));
  for (const seg of m.elements) {
    add("no-call-indirect", `has a${seg.mode === "active" ? "n" : ""} ${seg.mode} element segment`, seg.offset);
  }
  for (const e of m.exports) {
    if (e.kind === "table") add("no-call-indirect", `exports table \`${shown(e.name)}\``, e.offset);
  }
}

// Exception tags, declared, imported or exported (their instructions are classified below).
function checkTags(m: WasmModule, add: Add): void {
  for (const imp of m.imports) {
    if (imp.kind === "tag") add("no-exceptions", `imports exception tag \`${shown(imp.module)}.${shown(imp.name)}\``, imp.offset);
  }
  const base = importCount(m, "tag");
  m.tags.forEach((t, i) => add("no-exceptions", `declares exception tag ${base + i}`, t.offset));
  for (const e of m.exports) {
    if (e.kind === "tag") add("no-exceptions", `exports exception tag \`${shown(e.name)}\``, e.offset);
  }
}

// Instruction classes, decided once per mnemonic (names come from the reader's opcode table).
const FLOAT = 1, SIMD = 2, ATOMIC = 4, GROW = 8, INDIRECT = 16, CALL = 32, EXCEPTION = 64;
const classes = new Map<string, number>();
function classOfName(name: string): number {
  let c = classes.get(name);
  if (c === undefined) {
    c = 0;
    if (/f32|f64/.test(name)) c |= FLOAT;
    if (/^(v128|i8x16|i16x8|i32x4|i64x2|f32x4|f64x2)\./.test(name)) c |= SIMD;
    if (name.includes("atomic")) c |= ATOMIC;
    if (name === "memory.grow") c |= GROW;
    if (/^(return_)?call_indirect$|^table\.|^elem\.drop$|^ref\.func$/.test(name)) c |= INDIRECT;
    if (name === "call" || name === "return_call") c |= CALL;
    if (/^(try|catch|catch_all|throw|rethrow|delegate)$/.test(name)) c |= EXCEPTION;
    classes.set(name, c);
  }
  return c;
}
// the same, by opcode id, for the scan path
const CLASS_BY_ID = Uint8Array.from(listOpcodes(), (o) => classOfName(o.name));

/** what the classification reads: both decoded instructions and the reader's scan view have it */
interface Op {
  readonly name: string;
  readonly offset: number;
  readonly block?: OpView["block"];
  readonly types?: OpView["types"];
}

// Collects, per rule, the first offending instruction and how many there are, so that a module
// full of floats gives one readable line per function rather than thousands.
class Findings {
  private readonly found = new Map<ProfileRule, { name: string; offset: number; count: number; what: string }>();

  note(rule: ProfileRule, op: Op, what: string): void {
    const f = this.found.get(rule);
    if (f) f.count++;
    else this.found.set(rule, { name: op.name, offset: op.offset, count: 1, what });
  }

  instruction(op: Op, c = classOfName(op.name)): void {
    if (c !== 0 && c !== CALL) {
      if (c & FLOAT) this.note("no-floats", op, "a float instruction");
      if (c & SIMD) this.note("no-simd", op, "a SIMD instruction");
      if (c & ATOMIC) this.note("no-threads", op, "an atomic instruction");
      if (c & GROW) this.note("no-memory-grow", op, "memory growth");
      if (c & INDIRECT) this.note("no-call-indirect", op, "an indirect call, table or function reference");
      if (c & EXCEPTION) this.note("no-exceptions", op, "exception handling");
    }
    if (op.block?.kind === "value") {
      const t = op.block.type;
      if (t === "f32" || t === "f64") this.note("no-floats", op, `a block of type ${t}`);
      else if (t === "v128") this.note("no-simd", op, "a block of type v128");
    }
    if (op.types) {
      for (const t of op.types) {
        if (t === "f32" || t === "f64") this.note("no-floats", op, `a select of type ${t}`);
        else if (t === "v128") this.note("no-simd", op, "a select of type v128");
      }
    }
  }

  get empty(): boolean {
    return this.found.size === 0;
  }

  report(where: string | (() => string), add: Add): void {
    if (this.found.size === 0) return;
    const w = typeof where === "string" ? where : where();
    for (const [rule, f] of this.found) {
      const more = f.count > 1 ? ` (${f.count} in all)` : "";
      add(rule, `${w} uses ${f.what}: \`${f.name}\`${more}`, f.offset);
    }
  }
}

function checkInstructions(instructions: readonly Instruction[], where: string, add: Add): void {
  const findings = new Findings();
  for (const ins of instructions) findings.instruction(ins);
  findings.report(where, add);
}

/**
 * The static call graph in compact form: the calls of function `f` are `to[i]` (the callee) and
 * `at[i]` (the call's byte offset) for `start[f] <= i < start[f + 1]`. Typed arrays and two flat
 * lists rather than an object per call and an array per function: a module may have hundreds of
 * thousands of functions, and the graph's size must not be what makes validation slow.
 */
interface CallGraph {
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

// One pass over every body: instruction classes, each function's frame, and the direct-call edges
// of the call graph.
function checkBodies(m: WasmModule, add: Add): CallGraph {
  const funcBase = importCount(m, "func");
  const n = funcBase + m.functions.length;
  const start = new Int32Array(n + 1); // imported functions (first in the index space) call nothing
  const to: number[] = [];
  const at: number[] = [];
  const funcTypes: FuncType[] = [];
  for (const imp of m.imports) if (imp.kind === "func") funcTypes.push(m.types[imp.type]!);
  for (const t of m.functions) funcTypes.push(m.types[t]!);
  const frameBytes = new Float64Array(n);
  const valueBytes = new Float64Array(n);
  const height = new Float64Array(n);
  const meter = new FrameMeter(m.types, funcTypes);
  m.code.forEach((body: FunctionBody, i) => {
    const findings = new Findings();
    const f = funcBase + i;
    start[f] = to.length;
    meter.start(funcTypes[f]!, body.locals);
    body.forEachInstruction((op) => {
      meter.visit(op);
      const c = CLASS_BY_ID[op.id]!;
      if (c === CALL) {
        to.push(op.index);
        at.push(op.offset);
      } else if (c !== 0 || op.block !== undefined || op.types !== undefined) findings.instruction(op, c);
    });
    const frame = meter.frame();
    frameBytes[f] = frame.bytes;
    valueBytes[f] = frame.valueBytes;
    height[f] = frame.height;
    // The meter counts every instruction the other rules allow; what it cannot count (SIMD, atomics,
    // exceptions) is refused by those rules. Should one ever be missing, the module is refused here.
    if (frame.unknown && findings.empty)
      add("bounded-stack", `function ${funcLabel(m, f)}: the operand stack cannot be bounded at \`${frame.unknown.name}\``, frame.unknown.offset);
    findings.report(() => `function ${funcLabel(m, f)}`, add);
  });
  start[n] = to.length;
  return { n, start, to, at, frameBytes, valueBytes, height };
}

// The static call graph (direct `call` and `return_call`) must be acyclic, so evaluation always
// terminates within a stack bound. Reports one cycle per strongly connected component; when there
// is none, the longest call chain and the most stack a chain of calls may take, each against its
// limit.
function checkCallGraph(m: WasmModule, g: CallGraph, add: Add): { depth: number; stackBytes: number } {
  const { componentOf, cycles, order } = stronglyConnected(g);
  const prev = { from: new Int32Array(cycles.length > 0 ? g.n : 0).fill(-1), at: new Float64Array(cycles.length > 0 ? g.n : 0) };
  for (const { first, component } of cycles) {
    const { path, offset } = cycleThrough(g, componentOf, prev, first, component);
    add("acyclic-calls", `call cycle: ${shownPath(m, path, true)}`, offset);
  }
  if (cycles.length > 0) return { depth: 0, stackBytes: 0 };
  const depth = longestChain(g, order);
  if (depth > MAX_CALL_DEPTH)
    add("acyclic-calls", `the longest call chain is ${depth} functions deep, more than the ${MAX_CALL_DEPTH} the profile allows (engines' call stacks differ; Writ's modules stay under 20)`);
  const { bytes, path } = heaviestPath(g, order);
  if (bytes > MAX_STACK_BYTES) {
    let largest = path[0]!;
    for (const f of path) if (g.frameBytes[f]! > g.frameBytes[largest]!) largest = f;
    const h = g.height[largest]!;
    add(
      "bounded-stack",
      `the calls ${shownPath(m, path, false)} may take ${bytes} bytes of stack, more than the ${MAX_STACK_BYTES} the profile allows; ` +
        `the largest frame, function ${funcLabel(m, largest)}, takes ${g.frameBytes[largest]} bytes (${g.valueBytes[largest]} for parameters and locals, ${h} operand${h === 1 ? "" : "s"} at most)`,
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
function shownPath(m: WasmModule, path: readonly number[], cycle: boolean): string {
  if (path.length <= PATH_SHOWN + 1) return path.map((f) => funcLabel(m, f)).join(" → ");
  const head = path.slice(0, PATH_SHOWN).map((f) => funcLabel(m, f)).join(" → ");
  return `${head} → … → ${funcLabel(m, path[path.length - 1]!)} (${cycle ? path.length - 1 : path.length} functions in all)`;
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

// Each function's first export name, built once per module on first use: a search of the exports
// for every label made a module of many functions and many exports quadratic.
const exportedNames = new WeakMap<WasmModule, Map<number, string>>();

function funcLabel(m: WasmModule, index: number): string {
  let name = m.functionNames.get(index);
  if (name === undefined) {
    let byIndex = exportedNames.get(m);
    if (byIndex === undefined) {
      byIndex = new Map();
      for (const e of m.exports) if (e.kind === "func" && !byIndex.has(e.index)) byIndex.set(e.index, e.name);
      exportedNames.set(m, byIndex);
    }
    name = byIndex.get(index);
  }
  return name === undefined ? `${index}` : `${index} (${shown(name)})`;
}

/**
 * A name the module chose, as a message shows it: control characters escaped and at most 64
 * characters, so a name cannot forge a line of `formatViolations` (one line per violation).
 */
function shown(name: string): string {
  return escapeControls(shownKey(name));
}
