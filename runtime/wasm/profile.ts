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
import { clip, describeThrown, escapeControls, shownKey } from "../thrown.js";
import { FrameMeter } from "./frames.js";
import { checkCallGraph, type CallGraph } from "./call-graph.js";
import { initialData, type InitialData } from "./data-extents.js";

export { MAX_CALL_DEPTH, MAX_STACK_BYTES } from "./call-graph.js";

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
  /**
   * where the active data segments place the module's static data (data-extents.ts), which the
   * loader keeps the input and result regions apart from; or why that is not known
   */
  readonly initialData: InitialData;
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
  const engine = engineVerdict(bytes);
  if (!engine.ok) add("malformed", `the WebAssembly engine rejects the module: ${engine.reason}`, engine.offset);

  checkImports(m, add);
  checkSignatures(m, add);
  checkMemory(m, add);
  checkTables(m, add);
  checkTags(m, add);
  const calls = checkBodies(m, add);
  const { depth, stackBytes } = checkCallGraph(calls, (f) => funcLabel(m, f), add);
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
      initialData: initialData(m),
    },
  };
}

/** One line per violation, for CLI and error messages. */
export function formatViolations(violations: readonly ProfileViolation[]): string {
  return violations
    .map((v) => `${v.rule}: ${v.message}${v.offset === undefined ? "" : ` (at byte ${v.offset})`}`)
    .join("\n");
}

/** How many violations `listViolations` names before it says how many more there are. */
export const MAX_LISTED_VIOLATIONS = 20;

/**
 * The violations on one line, for an error message: `<rule>: <message> (at byte <offset>)` joined by
 * `; `, the first `limit` of them and then how many more there are, so that a module breaking the
 * profile in a hundred thousand functions makes a message of a few kilobytes, not of megabytes.
 */
export function listViolations(violations: readonly ProfileViolation[], limit = MAX_LISTED_VIOLATIONS): string {
  const listed = violations.slice(0, limit).map((v) => `${v.rule}: ${v.message}${v.offset === undefined ? "" : ` (at byte ${v.offset})`}`);
  const more = violations.length - listed.length;
  if (more > 0) listed.push(`and ${more.toLocaleString("en-US")} more violation${more === 1 ? "" : "s"}`);
  return listed.join("; ");
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

interface Engine {
  validate(b: Uint8Array): boolean;
  Module?: new (b: Uint8Array) => unknown;
}
type EngineVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string; readonly offset?: number };
const ACCEPTED: EngineVerdict = { ok: true };
/** how much of the engine's reason a violation quotes */
export const MAX_ENGINE_REASON = 300;

// The engine's validation, where the host has one. validate says only yes or no; on a no, compiling
// the module says why and where (V8: "Compiling function #3 failed: type error in fallthru[0]
// (expected i32, got i64) @+153"), at no cost to a module that passes.
function engineVerdict(bytes: Uint8Array): EngineVerdict {
  const wasm = (globalThis as { WebAssembly?: Engine }).WebAssembly;
  if (!wasm || typeof wasm.validate !== "function") return ACCEPTED; // no engine here: the reader alone decides
  try {
    if (wasm.validate(bytes)) return ACCEPTED;
  } catch (e) {
    return { ok: false, reason: engineText(`validate threw: ${describeThrown(e)}`) };
  }
  return { ok: false, ...engineReason(wasm, bytes) };
}

function engineReason(wasm: Engine, bytes: Uint8Array): { reason: string; offset?: number } {
  if (typeof wasm.Module !== "function") return { reason: "validation failed" };
  let text: string;
  try {
    new wasm.Module(bytes);
    return { reason: "validation failed, though it compiles the module" };
  } catch (e) {
    // the whole message, not describeThrown's first 200 characters: a function's name may come
    // before the offset at its end
    text = fullMessage(e).replace(/^WebAssembly\.Module\(\): /, "");
  }
  // V8 ends its reason with the byte offset of the problem, "@+153": that is the violation's offset
  const at = /\s*@\+(\d+)$/.exec(text);
  const offset = at ? Number(at[1]) : undefined;
  if (at === null || offset === undefined || offset > bytes.length) return { reason: engineText(text) };
  return { reason: engineText(text.slice(0, at.index)), offset };
}

function fullMessage(e: unknown): string {
  try {
    return e instanceof Error ? String(e.message) : String(e);
  } catch {
    return describeThrown(e);
  }
}

// The engine's words as a message quotes them: one line (a function's name may be in them), cut short.
function engineText(text: string): string {
  return clip(escapeControls(text), MAX_ENGINE_REASON);
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

// One violation per type and rule, naming its first parameter or result of a float or SIMD type.
function checkSignatures(m: WasmModule, add: Add): void {
  m.types.forEach((t, i) => {
    const findings = new Findings();
    const at = m.typeOffsets[i];
    t.params.forEach((p, j) => findings.valType(p, () => `parameter ${j} has type ${p}`, at));
    t.results.forEach((r, j) => findings.valType(r, () => `result ${j} has type ${r}`, at));
    findings.report(() => `type ${i}`, add);
  });
  for (const imp of m.imports) {
    if (imp.kind === "global") checkValType(imp.global.type, `imported global \`${shown(imp.module)}.${shown(imp.name)}\``, add, imp.offset);
  }
  const globalBase = importCount(m, "global");
  m.globals.forEach((g, i) => {
    checkValType(g.type.type, `global ${globalBase + i}`, add, g.offset);
    checkInstructions(g.init, `global ${globalBase + i} initialiser`, add);
  });
  for (const seg of m.elements) {
    if (seg.offsetExpr) checkInstructions(seg.offsetExpr, "element segment offset", add);
  }
  for (const seg of m.data) {
    if (seg.offsetExpr) checkInstructions(seg.offsetExpr, "data segment offset", add);
  }
}

// Each memory's violations point at its declaration: the import, or the entry of the memory section.
function checkMemory(m: WasmModule, add: Add): void {
  const imported = m.imports.flatMap((i) => (i.kind === "memory" ? [{ memory: i.memory, offset: i.offset }] : []));
  const all = [...imported, ...m.memories.map((memory, i) => ({ memory, offset: m.memoryOffsets[i] }))];
  if (all.length === 0) add("fixed-memory", "the module has no memory");
  else if (all.length > 1) add("fixed-memory", `the module has ${all.length} memories, not one`, all[1]!.offset);
  const first = all[0];
  if (first) {
    const { memory, offset } = first;
    if (memory.shared) add("no-threads", "memory is shared", offset);
    if (memory.index64) add("fixed-memory", "memory is 64-bit; the ABI uses 32-bit addresses", offset);
    if (memory.max === undefined) add("fixed-memory", `memory declares no maximum (minimum ${memory.min} pages)`, offset);
    else if (memory.max !== memory.min) {
      add("fixed-memory", `memory minimum ${memory.min} differs from maximum ${memory.max} pages`, offset);
    }
  }
}

function checkTables(m: WasmModule, add: Add): void {
  for (const imp of m.imports) {
    if (imp.kind === "table") add("no-call-indirect", `imports table \`${shown(imp.module)}.${shown(imp.name)}\``, imp.offset);
  }
  m.tables.forEach((_, i) => add("no-call-indirect", `declares table ${importCount(m, "table") + i}`, m.tableOffsets[i]));
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

// Collects, per rule, the first offending declaration or instruction and how many there are, so that
// a function or a type full of floats gives one readable line per rule rather than thousands (a
// function may declare a thousand groups of locals, a type a thousand parameters).
class Findings {
  private readonly found = new Map<ProfileRule, { text: string; offset: number | undefined; count: number }>();

  // `text` is built for the first finding of a rule only
  private add(rule: ProfileRule, text: () => string, offset: number | undefined): void {
    const f = this.found.get(rule);
    if (f) f.count++;
    else this.found.set(rule, { text: text(), offset, count: 1 });
  }

  note(rule: ProfileRule, op: Op, what: string): void {
    this.add(rule, () => `uses ${what}: \`${op.name}\``, op.offset);
  }

  /** a declaration of a value type: float types break no-floats, v128 no-simd */
  valType(t: ValType, text: () => string, offset: number | undefined): void {
    if (t === "f32" || t === "f64") this.add("no-floats", text, offset);
    else if (t === "v128") this.add("no-simd", text, offset);
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
      add(rule, `${w} ${f.text}${more}`, f.offset);
    }
  }
}

function checkInstructions(instructions: readonly Instruction[], where: string, add: Add): void {
  const findings = new Findings();
  for (const ins of instructions) findings.instruction(ins);
  findings.report(where, add);
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
    const locals = body.locals; // decoded on each access: once here
    meter.start(funcTypes[f]!, locals);
    // a group of no locals declares a type all the same, and is refused for it
    for (const g of locals) findings.valType(g.type, () => `declares ${g.count === 1 ? "a local" : `${g.count} locals`} of type ${g.type}`, body.offset);
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
