// What the emitters of built-in calls (codegen-call.ts) and of comprehensions (codegen-comp.ts) may
// do in the function ExprEmitter (codegen-expr.ts) is writing: append its statements, emit the nodes
// they hold, take locals, bind a macro's variable. The emitter's own state (the statements, their
// depth, the count of nodes that decides what is outlined) stays its own.

import type { IRType, Node } from "../ir/ir.js";
import type { SlotLayout } from "../../runtime/wasm/layout.js";
import type { Analysis } from "./analysis.js";
import type { ConstPool, Helpers } from "./codegen-values.js";
import type { SharedLocals } from "./locals.js";

/** A variable of a macro in the generated code: its local's name and AssemblyScript type. */
export interface MacroVariable {
  readonly name: string;
  readonly type: string;
}

export interface EmitContext {
  /** Appends a statement at the current depth. */
  line(text: string): void;
  /** Runs `f` with the statements it appends one level deeper. */
  deeper(f: () => void): void;
  /** Emits `n`'s statements; returns a side-effect-free expression of its value. */
  emit(n: Node): string;
  /** Emits `n` where a value of slot `s` is due (a node of no type stands as the default of `s`). */
  emitAs(n: Node, s: SlotLayout): string;
  /** Binds an expression to a new local of type `type`; returns its name. */
  temp(type: string, expr: string): string;
  /** Binds an expression used more than once to a local, unless it is a name or a constant. */
  simple(type: string, expr: string): string;
  /** A new local's name (names.ts). */
  fresh(kind: string): string;
  /** The layout of `n`'s value. */
  slot(n: Node): SlotLayout;
  /** Emits `f`'s code with the variable of the macro `comprehension` (its IR node's id) bound. */
  withVariable<T>(comprehension: number, variable: MacroVariable, f: () => T): T;
  /** The locals of the literal whose elements are being emitted, if any. */
  shared(): SharedLocals | undefined;
  readonly pool: ConstPool;
  readonly helpers: Helpers;
  readonly analysis: Analysis;
}

/**
 * Whether a value of this type is none at all, or a list or map with no element: a value of no type
 * (`[][0]`, or the variable of a macro over `[]`) can only be an error, and a list or map whose
 * elements are of no type is always empty.
 */
export function noneOrEmpty(t: IRType): boolean {
  return t.kind === "never" || (t.kind === "list" && t.element.kind === "never") || (t.kind === "map" && t.value.kind === "never");
}
