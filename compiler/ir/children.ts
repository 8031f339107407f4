// The direct children of an IR node, in evaluation order: the one place that knows where each node
// keeps its operands, so analyses over the tree (can it error, does it allocate, does it read the
// request) state only what is particular to them.

import { assertUnreachable } from "../diagnostics.js";
import type { Node } from "./ir.js";

export function childrenOf(n: Node): readonly Node[] {
  switch (n.op) {
    case "lit":
    case "input":
    case "var":
      return [];
    case "field":
    case "has":
      return [n.record];
    case "call":
      return n.args;
    case "and":
    case "or":
      return [n.left, n.right];
    case "cond":
      return [n.test, n.then, n.otherwise];
    case "list":
      return n.elements;
    case "map":
      return n.entries.map((e) => e.value);
    case "comp": {
      const out: Node[] = [n.range];
      if (n.predicate) out.push(n.predicate);
      if (n.transform) out.push(n.transform);
      return out;
    }
    default:
      return assertUnreachable(n);
  }
}
