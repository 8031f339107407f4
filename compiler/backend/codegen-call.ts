// Built-in calls (operators, comparisons, membership, indexing, the string functions) →
// AssemblyScript, in the function ExprEmitter (codegen-expr.ts) is writing, through the narrow
// EmitContext. Every built-in is strict: its operands are emitted first, left to right, each as a
// name or a constant (bound to a local otherwise: the code may read an operand more than once); the
// arithmetic and indexing that can fail raise with the call's node id.

import { assertUnreachable } from "../diagnostics.js";
import type { CallNode } from "../ir/ir.js";
import { elementStride, type SlotLayout } from "../../runtime/wasm/layout.js";
import { asType, elementAddress, loadElement } from "./codegen-values.js";
import { noneOrEmpty, type EmitContext } from "./codegen-context.js";

export function emitCall(n: CallNode, cx: EmitContext): string {
  const argSlots = n.args.map((a) => cx.slot(a));
  const args = n.args.map((a) => cx.emit(a)).map((e, i) => cx.simple(asType(argSlots[i]!), e));
  const [a, b] = args as [string, string];
  const [sa, sb] = argSlots as [SlotLayout, SlotLayout];
  const id = n.id;
  // An operand of no type never yields a value (it raises, or it is the variable of a macro whose
  // body never runs), and every builtin is strict, so the operation is never applied: its value is
  // the default of its own slot. Its operands' slots need not fit it: a value of no type meets
  // others without sharing their layout (shapes.ts), so in `x == 1 || x == user` over `[]` the
  // variable is laid out as neither an int nor a string. `[][i] + [][j]` is of no type and may meet
  // a string or a list likewise.
  if (n.args.some((arg) => arg.type.kind === "never")) return cx.pool.defaultOf(cx.slot(n));
  // an element of a list or map that is always empty is never there (the operands still ran, for their errors)
  if ((n.fn === "in_list" || n.fn === "in_map") && noneOrEmpty(n.args[1]!.type)) return "false";
  switch (n.fn) {
    case "not":
      return `!${a}`;
    case "neg":
      return cx.temp("i64", `negI64(${a}, ${id})`);
    case "add":
      return cx.temp("i64", `addI64(${a}, ${b}, ${id})`);
    case "sub":
      return cx.temp("i64", `subI64(${a}, ${b}, ${id})`);
    case "mul":
      return cx.temp("i64", `mulI64(${a}, ${b}, ${id})`);
    case "div":
      return cx.temp("i64", `divI64(${a}, ${b}, ${id})`);
    case "mod":
      return cx.temp("i64", `modI64(${a}, ${b}, ${id})`);
    case "concat_string":
      return cx.temp("usize", `catStr(${a}, ${b})`);
    case "concat_list": {
      // the result's layout: an operand that is always empty (`[] + tags`) has one of its own
      const s = cx.slot(n);
      const el = s.kind === "list" ? s.element : s;
      return cx.temp("usize", `catList(${a}, ${b}, ${elementStride(el)})`);
    }
    case "eq":
      return cx.helpers.eq(sa, a, b);
    case "ne":
      return `!${cx.helpers.eq(sa, a, b)}`;
    case "lt":
    case "le":
    case "gt":
    case "ge": {
      const op = { lt: "<", le: "<=", gt: ">", ge: ">=" }[n.fn];
      if (sa.kind === "string") return `(strCmp(${a}, ${b}) ${op} 0)`;
      if (sa.kind === "bool") return `(<i32>${a} ${op} <i32>${b})`;
      return `(${a} ${op} ${b})`;
    }
    case "in_list": {
      const el = sb.kind === "list" ? sb.element : sb;
      const list = n.args[1]!;
      // a short constant list of scalars: compare inline
      if (list.op === "lit" && Array.isArray(list.value) && list.value.length <= 8 && el.kind !== "list" && el.kind !== "map") {
        if (list.value.length === 0) return "false";
        return `(${list.value.map((v) => cx.helpers.eq(el, a, cx.pool.expr(v, el))).join(" || ")})`;
      }
      return cx.helpers.inList(el, a, b);
    }
    case "in_map": {
      const entry = 4 + elementStride(sb.kind === "map" ? sb.value : sb);
      return `(mapIndex(${b}, ${a}, ${entry}) >= 0)`;
    }
    case "size":
      if (sa.kind === "string") return `strSize(${a})`;
      return `<i64>load<i32>(${a})`;
    case "starts_with":
      return `startsWith(${a}, ${b})`;
    case "ends_with":
      return `endsWith(${a}, ${b})`;
    case "contains":
      return `contains(${a}, ${b})`;
    case "index_list": {
      const el = sa.kind === "list" ? sa.element : sa;
      const res = cx.temp(asType(el), cx.pool.defaultOf(el));
      cx.line(`if (${b} >= 0 && ${b} < <i64>load<i32>(${a})) ${res} = ${loadElement(el, elementAddress(el, a, `<i32>${b}`))};`);
      cx.line(`else raise(6, ${id});`);
      return res;
    }
    case "index_map": {
      const val = sa.kind === "map" ? sa.value : sa;
      const entry = 4 + elementStride(val);
      const k = cx.temp("i32", `mapIndex(${a}, ${b}, ${entry})`);
      const res = cx.temp(asType(val), cx.pool.defaultOf(val));
      cx.line(`if (${k} >= 0) ${res} = ${loadElement(val, `(${a} + 8 + <usize>(${k} * ${entry}))`)};`);
      cx.line(`else raise(4, ${id});`);
      return res;
    }
    default:
      return assertUnreachable(n.fn);
  }
}
