// IR expressions → AssemblyScript statements. `emit(node)` appends the statements a node needs to
// the current block and returns a side-effect-free expression of its value (anything that can raise
// an error is bound to a local first, so evaluation order is the IR's left-to-right order).
//
// Errors follow ir.ts with a global register (E code, EN node; `raise` keeps the first): a strict
// node evaluates its children in order and the first raise wins. After an error, evaluation may go on
// with default values (the "garbage mode" the IR allows: the result is an error whatever follows), so
// every default is safe to read. `and`/`or`/`all`/`exists` save the register, evaluate their parts
// with a clean one, and combine the outcomes as the semantics say; a nested error they absorb never
// leaks out.
//
// Built-in calls and comprehensions have files of their own (codegen-call.ts, codegen-comp.ts),
// which write into the function being emitted through EmitContext (codegen-context.ts).

import { assertUnreachable } from "../diagnostics.js";
import type { Node } from "../ir/ir.js";
import { elementStride, type RecordLayout, type SlotLayout } from "../../runtime/wasm/layout.js";
import { fieldNamed } from "../../runtime/field-named.js";
import type { Analysis } from "./analysis.js";
import { emitCall } from "./codegen-call.js";
import { emitComp } from "./codegen-comp.js";
import type { EmitContext, MacroVariable } from "./codegen-context.js";
import { ConstPool, Helpers, asType, storeElement } from "./codegen-values.js";
import { placeOf, type InputChecks } from "./input-checks.js";
import { localsOf, SharedLocals } from "./locals.js";
import { generatedName } from "./names.js";
import { namesIn, OUTLINE_NODES, OutlinedFunctions, reindent, runsOfNodes } from "./outline.js";
import { statementsOf } from "./rule-size.js";
import { callTree } from "./split.js";
import { append } from "../../runtime/arrays.js";

const SIMPLE = /^(?:[A-Za-z_$][\w$]*|true|false|<(?:i32|i64|usize)>\(?-?\d+\)?)$/;

export class ExprEmitter {
  private out: string[] = [];
  private depth = 1;
  private counter = 0;
  /** the variables of the macros around the node being emitted, by macro: name and type */
  private readonly env = new Map<number, MacroVariable>();
  /** the locals of the literal whose elements are being emitted, if any */
  private shared: SharedLocals | undefined;
  /** how many IR nodes have their code in the function being written (outline.ts) */
  private nodes = 0;
  /** functions made of code moved out of the rules' (outline.ts): the module holds them before the rules */
  readonly outlined = new OutlinedFunctions();
  /**
   * What the emitters of built-in calls and comprehensions (codegen-call.ts, codegen-comp.ts) may do
   * in the function being written; the statements, their depth and the count of nodes stay this
   * class's alone.
   */
  private readonly context: EmitContext;

  constructor(
    private readonly slots: ReadonlyMap<number, SlotLayout>,
    private readonly pool: ConstPool,
    helpers: Helpers,
    private readonly analysis: Analysis,
    private readonly checks: InputChecks,
  ) {
    this.context = {
      line: (text) => this.line(text),
      deeper: (f) => this.deeper(f),
      emit: (n) => this.emit(n),
      emitAs: (n, s) => this.emitAs(n, s),
      temp: (type, expr) => this.temp(type, expr),
      simple: (type, expr) => this.simple(type, expr),
      fresh: (kind) => this.fresh(kind),
      slot: (n) => this.slot(n),
      withVariable: (comprehension, variable, f) => this.withVariable(comprehension, variable, f),
      shared: () => this.shared,
      pool,
      helpers,
      analysis,
    };
  }

  /** nodes whose value is known to be true where this body runs (see codegen.ts, dispatch on elements) */
  private knownTrue: ReadonlySet<number> = new Set();

  /**
   * Emits a function body: statements, then the returned expression. Counts the statements of its
   * code, the functions outlined from it included (rule-size.ts), and the locals of the body with the
   * deepest chain of the functions it calls that were outlined from it (outline.ts, locals.ts): the
   * caller refuses a rule over either limit (W0508, W0507).
   */
  body(node: Node, knownTrue: ReadonlySet<number> = new Set()): { lines: string[]; expr: string; statements: number; locals: number } {
    this.out = [];
    this.depth = 1;
    this.nodes = 0;
    this.knownTrue = knownTrue;
    const outlinedBefore = this.outlined.statements;
    const expr = this.emit(node);
    this.knownTrue = new Set();
    const statements = this.outlined.statements - outlinedBefore + statementsOf([...this.out, expr]);
    const locals = localsOf(this.out, expr) + this.outlined.deepestCall([...this.out, expr]);
    return { lines: this.out, expr, statements, locals };
  }

  private line(text: string): void {
    this.out.push("  ".repeat(this.depth) + text);
  }

  /** Runs `f` with its statements collected one level deeper; returns them and f's result. */
  private nested<T>(f: () => T): { lines: string[]; value: T } {
    const saved = this.out;
    this.out = [];
    this.depth++;
    const value = f();
    const lines = this.out;
    this.out = saved;
    this.depth--;
    return { lines, value };
  }

  /** Runs `f` with the statements it appends one level deeper. */
  private deeper(f: () => void): void {
    this.depth++;
    f();
    this.depth--;
  }

  private put(lines: string[]): void {
    append(this.out, lines);
  }

  /** Runs `f` with the variable of the macro `comprehension` bound, for the nodes of its body (`var`). */
  private withVariable<T>(comprehension: number, variable: MacroVariable, f: () => T): T {
    this.env.set(comprehension, variable);
    try {
      return f();
    } finally {
      this.env.delete(comprehension);
    }
  }

  /** A new local's name (names.ts: never one AssemblyScript gives a meaning). */
  private fresh(kind: string): string {
    return generatedName(kind, this.counter++);
  }

  private temp(type: string, expr: string): string {
    if (this.shared) {
      const name = this.shared.take(type, () => this.fresh("t"));
      this.line(`${name} = ${expr};`);
      return name;
    }
    const name = this.fresh("t");
    this.line(`let ${name}: ${type} = ${expr};`);
    return name;
  }

  /** Binds an expression used more than once to a local. */
  private simple(type: string, expr: string): string {
    return SIMPLE.test(expr) ? expr : this.temp(type, expr);
  }

  /**
   * Emits the elements of the literal at `address` (`each` stores one), after `lead` (lines that
   * store what is constant: a map's keys), with the locals they need shared between them
   * (SharedLocals), declared before the first. A literal of 9,000 elements computed from the
   * request, each bound to locals of its own, made a function of 18,000 locals: binaryen's
   * optimiser took six minutes and 4.5 GB over it and crashed, and unoptimised it took more stack
   * than the profile allows. A literal inside an element shares the outer literal's locals.
   *
   * Elements whose code comes to more than OUTLINE_NODES nodes are stored by functions of their own
   * (outline.ts, runsOfNodes), each declaring the shared locals it uses, called through a tree of
   * calls (split.ts, callTree): the locals alone no longer bound the size of the code, and one
   * function of 8,000 macros made binaryen run out of memory after twelve minutes.
   */
  private elements(address: string, lead: readonly string[], count: number, each: (i: number) => void): void {
    const outer = this.shared;
    const shared = outer ?? new SharedLocals();
    const saved = this.out;
    const before = this.nodes;
    const parts: string[][] = lead.map((l) => ["  ".repeat(this.depth) + l]);
    const nodes: number[] = lead.map(() => 1);
    this.shared = shared;
    try {
      for (let i = 0; i < count; i++) {
        this.out = [];
        const at = this.nodes;
        each(i);
        parts.push(this.out);
        nodes.push(this.nodes - at);
      }
    } finally {
      this.shared = outer;
      this.out = saved;
    }
    let total = 0;
    for (const n of nodes) total += n;
    if (total <= OUTLINE_NODES) {
      this.nodes = before + total;
      const [leading, rest] = [parts.slice(0, lead.length).flat(), parts.slice(lead.length).flat()];
      this.put(leading);
      if (!outer) for (const declaration of shared.declarations(namesIn(rest))) this.line(declaration);
      this.put(rest);
      return;
    }
    // the literal's address and the variables of the macros around it that the elements read
    const used = namesIn(parts.flat());
    const params = [{ name: address, type: "usize" }, ...[...this.env.values()].filter((v) => used.has(v.name) && v.name !== address)];
    const passed = { declared: params.map((p) => `${p.name}: ${p.type}`).join(", "), name: params.map((p) => p.name).join(", ") };
    const define = (code: (name: string) => string): string => this.outlined.define("elems", params.length, code);
    const calls = runsOfNodes(nodes).map(({ from, to }) => {
      const lines = parts.slice(from, to).flat();
      const names = namesIn(lines);
      for (const p of params) names.delete(p.name);
      const declarations = shared.declarations(names).map((d) => `  ${d}`);
      const name = define((name) => [`function ${name}(${passed.declared}): void {`, ...declarations, ...reindent(lines, this.depth), `}`].join("\n"));
      return `${name}(${passed.name});`;
    });
    const tree = callTree(calls, "  ".repeat(this.depth), define, passed);
    this.put(tree);
    this.nodes = before + tree.length;
  }

  /** Evaluates `n` and stores its value at `address`; the locals it took are then free. */
  private storeValue(slot: SlotLayout, address: string, n: Node): void {
    const mark = this.shared!.mark();
    this.line(storeElement(slot, address, this.emitAs(n, slot)));
    this.shared!.release(mark);
  }

  /**
   * Emits `n` where a value of slot `s` is due (an element, a branch). A node of no type has a slot
   * of its own (shapes.ts) and no value (it raises, or is never reached): the default of `s` stands
   * for it, after its code has run for its error.
   */
  private emitAs(n: Node, s: SlotLayout): string {
    const value = this.emit(n);
    return n.type.kind === "never" ? this.pool.defaultOf(s) : value;
  }

  private slot(n: Node): SlotLayout {
    const s = this.slots.get(n.id);
    if (!s) throw new Error(`no layout for node ${n.id}`);
    return s;
  }

  /**
   * Emits `n`; when its code, less what was moved out of it already, comes to more than
   * OUTLINE_NODES nodes, it is moved into a function of its own that returns its value (outline.ts).
   */
  emit(n: Node): string {
    const [start, depth, before] = [this.out.length, this.depth, this.nodes];
    const expr = this.emitNode(n);
    this.nodes++;
    return this.nodes - before > OUTLINE_NODES ? this.outline(n, start, depth, before, expr) : expr;
  }

  /**
   * Moves the code `n` wrote (the lines from `start`, at `depth`, and the expression `expr` of its
   * value) into a function that returns the value, and calls it: its parameters are the variables
   * of the macros around `n` that the code reads, its locals those it declares and the shared ones
   * it uses (each assigned before it is read: SharedLocals).
   */
  private outline(n: Node, start: number, depth: number, before: number, expr: string): string {
    const lines = this.out.splice(start);
    const used = namesIn([...lines, expr]);
    const params = [...this.env.values()].filter((v) => used.has(v.name));
    for (const p of params) used.delete(p.name);
    const declarations = this.shared ? this.shared.declarations(used).map((d) => `  ${d}`) : [];
    const type = asType(this.slot(n));
    const name = this.outlined.define("expr", params.length, (name) =>
      [`function ${name}(${params.map((p) => `${p.name}: ${p.type}`).join(", ")}): ${type} {`, ...declarations, ...reindent(lines, depth), `  return ${expr};`, `}`].join("\n"),
    );
    this.nodes = before + 1;
    return this.temp(type, `${name}(${params.map((p) => p.name).join(", ")})`);
  }

  private emitNode(n: Node): string {
    if (this.knownTrue.has(n.id)) return "true";
    switch (n.op) {
      case "lit":
        return this.pool.expr(n.value, this.slot(n));
      case "input":
        return "__heap_base";
      case "var": {
        const v = this.env.get(n.comprehension);
        if (!v) throw new Error(`unbound comprehension variable ${n.name}`);
        return v.name;
      }
      case "field": {
        const rec = this.slot(n.record) as RecordLayout;
        const f = fieldNamed(rec.fields, n.field);
        if (!f || f.offset < 0) throw new Error(`field ${n.field} missing from the layout`);
        const r = this.emit(n.record);
        // the host wrote the value: it is checked (input-checks.ts)
        const at = placeOf(n.record, this.slots);
        if (!n.optional) return this.checks.field(rec, f, r, at);
        const rr = this.simple("usize", r);
        const res = this.temp(asType(f.type), this.pool.defaultOf(f.type));
        this.line(`if (${this.checks.presence(rr, f.presence)}) ${res} = ${this.checks.field(rec, f, rr, at)};`);
        this.line(`else raise(${5}, ${n.id});`);
        return res;
      }
      case "has": {
        const r = this.emit(n.record);
        const rec = this.slot(n.record) as RecordLayout;
        const f = fieldNamed(rec.fields, n.field);
        if (!f || f.presence < 0) return "true"; // a required field is always present
        return this.checks.presence(r, f.presence);
      }
      case "call":
        return emitCall(n, this.context);
      case "and":
      case "or":
        return this.logic(n.op, n.left, n.right);
      case "cond":
        return this.cond(n.test, n.then, n.otherwise, this.slot(n));
      case "list": {
        const s = this.slot(n);
        const el = s.kind === "list" ? s.element : s;
        const stride = elementStride(el);
        const p = this.temp("usize", `alloc(${4 + n.elements.length * stride})`);
        this.line(`store<i32>(${p}, ${n.elements.length});`);
        this.elements(p, [], n.elements.length, (i) => this.storeValue(el, `${p} + ${4 + i * stride}`, n.elements[i]!));
        return p;
      }
      case "map": {
        const s = this.slot(n);
        const val = s.kind === "map" ? s.value : s;
        const entry = 4 + elementStride(val);
        // values are evaluated in source order (errors), stored in key order (code points = UTF-8 bytes)
        const order = n.entries.map((e, i) => ({ key: e.key, i })).sort((a, b) => Buffer.compare(Buffer.from(a.key, "utf8"), Buffer.from(b.key, "utf8")));
        const place = new Array<number>(n.entries.length);
        order.forEach((e, k) => (place[e.i] = k));
        const p = this.temp("usize", `alloc(${4 + n.entries.length * entry})`);
        this.line(`store<i32>(${p}, ${n.entries.length});`);
        const keys = order.map((e, k) => `store<i32>(${p} + ${4 + k * entry}, ${this.pool.string(e.key)});`);
        this.elements(p, keys, n.entries.length, (i) => this.storeValue(val, `${p} + ${8 + place[i]! * entry}`, n.entries[i]!.value));
        return p;
      }
      case "comp":
        return emitComp(n, this.context);
      default:
        return assertUnreachable(n);
    }
  }
  /** `and` / `or` with CEL's commutative error absorption. */
  private logic(op: "and" | "or", left: Node, right: Node): string {
    const isAnd = op === "and";
    if (!this.analysis.canError(left) && !this.analysis.canError(right)) {
      const l = this.emit(left);
      const r = this.nested(() => this.emit(right));
      if (r.lines.length === 0) return `(${l} ${isAnd ? "&&" : "||"} ${r.value})`;
      const res = this.temp("bool", l);
      this.line(`if (${isAnd ? "" : "!"}${res}) {`);
      this.put(r.lines);
      this.line(`  ${res} = ${r.value};`);
      this.line(`}`);
      return res;
    }
    const sE = this.temp("i32", "E");
    const sN = this.temp("i32", "EN");
    this.line("E = 0;");
    const l = this.simple("bool", this.emit(left));
    const lE = this.temp("i32", "E");
    const lN = this.temp("i32", "EN");
    this.line("E = 0;");
    // the left side decides alone when it is false (and) / true (or) without error
    const res = this.temp("bool", isAnd ? "false" : `${lE} == 0 && ${l}`);
    this.line(isAnd ? `if (${lE} != 0 || ${l}) {` : `if (!${res}) {`);
    const r = this.nested(() => this.emit(right));
    this.put(r.lines);
    // the right side absorbs the left's error when it is false (and) / true (or) without error
    this.line(`  if (E == 0 && ${isAnd ? "!" : ""}${r.value}) {`);
    this.line(`    ${lE} = 0;`);
    if (!isAnd) this.line(`    ${res} = true;`);
    this.line(`  } else if (${lE} == 0) {`);
    this.line(`    if (E != 0) {`);
    this.line(`      ${lE} = E;`);
    this.line(`      ${lN} = EN;`);
    if (isAnd) this.line(`    } else ${res} = true;`);
    else this.line(`    }`);
    this.line(`  }`);
    this.line(`}`);
    this.line(`E = ${sE};`);
    this.line(`EN = ${sN};`);
    this.line(`if (${lE} != 0) raise(${lE}, ${lN});`);
    return res;
  }

  private cond(test: Node, then: Node, otherwise: Node, s: SlotLayout): string {
    const t = this.simple("bool", this.emit(test));
    const a = this.nested(() => this.emitAs(then, s));
    const b = this.nested(() => this.emitAs(otherwise, s));
    const testErrs = this.analysis.canError(test);
    if (!testErrs && a.lines.length === 0 && b.lines.length === 0) return `(${t} ? ${a.value} : ${b.value})`;
    const res = this.temp(asType(s), this.pool.defaultOf(s));
    // a test error is the result: no branch runs (E is clear on entry unless already in error)
    this.line(testErrs ? `if (E == 0) {` : `{`);
    this.line(`  if (${t}) {`);
    this.put(a.lines.map((l) => "  " + l));
    this.line(`    ${res} = ${a.value};`);
    this.line(`  } else {`);
    this.put(b.lines.map((l) => "  " + l));
    this.line(`    ${res} = ${b.value};`);
    this.line(`  }`);
    this.line(`}`);
    return res;
  }
}
