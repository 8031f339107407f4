// Comprehensions (the macros all, exists, exists_one, filter and map) → AssemblyScript: a loop over
// the range's elements with the macro's variable bound to each, in the function ExprEmitter
// (codegen-expr.ts) is writing, through the narrow EmitContext.
//
// `all` and `exists` absorb errors as CEL says: a predicate's error is the result only when no
// element decides it (false for `all`, true for `exists`); they save the error register, evaluate
// each element with a clean one, and keep the first error. `exists_one`, `filter` and `map` are
// strict: the first error ends the loop.

import { assertUnreachable } from "../diagnostics.js";
import type { CompNode, Node } from "../ir/ir.js";
import { elementStride, type SlotLayout } from "../../runtime/wasm/layout.js";
import { asType, elementAddress, loadElement, storeElement } from "./codegen-values.js";
import { noneOrEmpty, type EmitContext } from "./codegen-context.js";
import { generatedName } from "./names.js";

/** A comprehension's loop over its range, as each macro's emitter uses it. */
interface RangeLoop {
  /** the local holding how many elements the range has */
  readonly count: string;
  /** the local holding the element being visited: the macro's variable */
  readonly variable: string;
  readonly predicate: Node | undefined;
  /** whether the predicate can raise an error */
  readonly predicateErrs: boolean;
  /** whether the predicate's allocations are released after each element */
  readonly release: boolean;
  /** Appends the loop: its head, the element's load, then `body`'s statements, one level deeper. */
  readonly emit: (body: () => void) => void;
}

export function emitComp(n: CompNode, cx: EmitContext): string {
  const rangeSlot = cx.slot(n.range);
  // A range of no type, or whose elements are of no type, is always empty (or an error): the body
  // never runs, and its variable has no layout its uses agree on (shapes.ts). The range runs for
  // its error; the result is that of no element.
  if (noneOrEmpty(n.range.type)) {
    cx.emit(n.range);
    switch (n.macro) {
      case "all":
        return "true";
      case "exists":
      case "exists_one":
        return "false";
      case "filter":
      case "map":
        return cx.pool.expr([], cx.slot(n));
      default:
        return assertUnreachable(n.macro);
    }
  }
  const r = cx.simple("usize", cx.emit(n.range));
  const isMap = rangeSlot.kind === "map";
  const el: SlotLayout = isMap ? { kind: "string", rep: "bytes" } : rangeSlot.kind === "list" ? rangeSlot.element : rangeSlot;
  const stride = isMap ? 4 + elementStride((rangeSlot as { value: SlotLayout }).value) : elementStride(el);
  const count = cx.temp("i32", `load<i32>(${r})`);
  // in a literal's element, the index and the element are shared locals too (SharedLocals)
  const shared = cx.shared();
  const i = shared ? shared.take("i32", () => cx.fresh("i")) : cx.fresh("i");
  const v = shared ? shared.take(asType(el), () => generatedName("v", n.id)) : generatedName("v", n.id);
  const elementLoad = isMap ? `load<usize>(${r} + 4 + <usize>(${i} * ${stride}))` : loadElement(el, elementAddress(el, r, i));
  const head = shared ? `for (${i} = 0; ${i} < ${count}; ${i}++) {` : `for (let ${i} = 0; ${i} < ${count}; ${i}++) {`;
  return cx.withVariable(n.id, { name: v, type: asType(el) }, () => {
    const predicate = n.predicate;
    const loop: RangeLoop = {
      count,
      variable: v,
      predicate,
      predicateErrs: !!predicate && cx.analysis.canError(predicate),
      // allocations of a boolean predicate die with it: release them after each element
      release: !!predicate && cx.analysis.allocates(predicate) && n.macro !== "map",
      emit: (body) => {
        cx.line(head);
        cx.deeper(() => {
          cx.line(shared ? `${v} = ${elementLoad};` : `const ${v}: ${asType(el)} = ${elementLoad};`);
          body();
        });
        cx.line("}");
      },
    };
    switch (n.macro) {
      case "all":
      case "exists":
        return allOrExists(n.macro === "all", loop, cx);
      case "exists_one":
        return existsOne(loop, cx);
      case "filter":
      case "map":
        return filterOrMap(n, loop, cx);
      default:
        return assertUnreachable(n.macro);
    }
  });
}

/** `all` / `exists`: stops at the first element that decides, absorbing the errors of the others. */
function allOrExists(isAll: boolean, loop: RangeLoop, cx: EmitContext): string {
  const pred = loop.predicate!;
  const mark = loop.release ? cx.temp("usize", "AP") : "";
  const res = cx.temp("bool", isAll ? "true" : "false");
  if (!loop.predicateErrs) {
    loop.emit(() => {
      const p = cx.emit(pred);
      if (loop.release) cx.line(`AP = ${mark};`);
      cx.line(`if (${isAll ? "!" : ""}${p}) {`);
      cx.line(`  ${res} = ${isAll ? "false" : "true"};`);
      cx.line(`  break;`);
      cx.line(`}`);
    });
    return res;
  }
  const sE = cx.temp("i32", "E");
  const sN = cx.temp("i32", "EN");
  const fE = cx.temp("i32", "0");
  const fN = cx.temp("i32", "0");
  loop.emit(() => {
    cx.line("E = 0;");
    const p = cx.emit(pred);
    if (loop.release) cx.line(`AP = ${mark};`);
    cx.line(`if (E == 0) {`);
    cx.line(`  if (${isAll ? "!" : ""}${p}) {`);
    cx.line(`    ${res} = ${isAll ? "false" : "true"};`);
    cx.line(`    ${fE} = 0;`);
    cx.line(`    break;`);
    cx.line(`  }`);
    cx.line(`} else if (${fE} == 0) {`);
    cx.line(`  ${fE} = E;`);
    cx.line(`  ${fN} = EN;`);
    cx.line(`}`);
  });
  cx.line(`E = ${sE};`);
  cx.line(`EN = ${sN};`);
  cx.line(`if (${fE} != 0) raise(${fE}, ${fN});`);
  return res;
}

/** `exists_one`: counts the elements the predicate holds for; an error ends the loop. */
function existsOne(loop: RangeLoop, cx: EmitContext): string {
  const pred = loop.predicate!;
  const mark = loop.release ? cx.temp("usize", "AP") : "";
  const c = cx.temp("i32", "0");
  loop.emit(() => {
    const p = cx.emit(pred);
    if (loop.release) cx.line(`AP = ${mark};`);
    if (loop.predicateErrs) cx.line(`if (E != 0) break;`);
    cx.line(`if (${p}) ${c}++;`);
  });
  return `(${c} == 1)`;
}

/** `filter` / `map`: a new list, with room for every element of the range, of the kept or mapped ones. */
function filterOrMap(n: CompNode, loop: RangeLoop, cx: EmitContext): string {
  const pred = loop.predicate;
  const outSlot = cx.slot(n);
  const oel = outSlot.kind === "list" ? outSlot.element : outSlot;
  const ostride = elementStride(oel);
  const out = cx.temp("usize", `alloc(4 + <usize>(${loop.count} * ${ostride}))`);
  const k = cx.temp("i32", "0");
  // a filter's mark is taken after its list is allocated: going back to it must not free the list
  const innerMark = loop.release ? cx.temp("usize", "AP") : "";
  const push = (value: string): void => {
    cx.line(storeElement(oel, elementAddress(oel, out, k), value));
    cx.line(`${k}++;`);
  };
  loop.emit(() => {
    if (n.macro === "filter") {
      const p = cx.emit(pred!);
      if (loop.release) cx.line(`AP = ${innerMark};`);
      if (loop.predicateErrs) cx.line(`if (E != 0) break;`);
      cx.line(`if (${p}) {`);
      cx.deeper(() => push(loop.variable));
      cx.line(`}`);
      return;
    }
    const transform = n.transform!;
    const mapped = (): void => {
      const t = cx.emitAs(transform, oel);
      if (cx.analysis.canError(transform)) cx.line(`if (E != 0) break;`);
      push(t);
    };
    if (!pred) return mapped();
    const p = cx.emit(pred);
    if (loop.predicateErrs) cx.line(`if (E != 0) break;`);
    cx.line(`if (${p}) {`);
    cx.deeper(mapped);
    cx.line(`}`);
  });
  cx.line(`store<i32>(${out}, ${k});`);
  return out;
}
