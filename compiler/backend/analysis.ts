// Static facts about IR nodes that the code generator uses to emit less code: whether a node can
// yield an error (no error register handling is needed where none can arise) and whether it
// allocates from the scratch arena (so a loop must release its predicates' allocations).

import { assertUnreachable } from "../diagnostics.js";
import type { Node } from "../ir/ir.js";

/** Builtins whose own operation can raise an error. */
const RAISING = new Set(["neg", "add", "sub", "mul", "div", "mod", "index_list", "index_map"]);
/** Nodes that allocate from the arena. */
const ALLOCATING_CALLS = new Set(["concat_string", "concat_list"]);

export class Analysis {
  private readonly errs = new Map<number, boolean>();
  private readonly allocs = new Map<number, boolean>();

  /** Can evaluating this node yield an error? */
  canError(n: Node): boolean {
    let v = this.errs.get(n.id);
    if (v === undefined) {
      v = this.computeCanError(n);
      this.errs.set(n.id, v);
    }
    return v;
  }

  private computeCanError(n: Node): boolean {
    switch (n.op) {
      case "lit":
      case "input":
      case "var":
        return false;
      case "field":
        return n.optional || this.canError(n.record);
      case "has":
        return this.canError(n.record);
      case "call":
        return RAISING.has(n.fn) || n.args.some((a) => this.canError(a));
      case "and":
      case "or":
        return this.canError(n.left) || this.canError(n.right);
      case "cond":
        return this.canError(n.test) || this.canError(n.then) || this.canError(n.otherwise);
      case "list":
        return n.elements.some((e) => this.canError(e));
      case "map":
        return n.entries.some((e) => this.canError(e.value));
      case "comp":
        return this.canError(n.range) || (!!n.predicate && this.canError(n.predicate)) || (!!n.transform && this.canError(n.transform));
      default:
        return assertUnreachable(n);
    }
  }

  /** Does evaluating this node allocate from the arena? */
  allocates(n: Node): boolean {
    let v = this.allocs.get(n.id);
    if (v === undefined) {
      v = this.computeAllocates(n);
      this.allocs.set(n.id, v);
    }
    return v;
  }

  private computeAllocates(n: Node): boolean {
    switch (n.op) {
      case "lit":
      case "input":
      case "var":
        return false;
      case "field":
      case "has":
        return this.allocates(n.record);
      case "call":
        return ALLOCATING_CALLS.has(n.fn) || n.args.some((a) => this.allocates(a));
      case "and":
      case "or":
        return this.allocates(n.left) || this.allocates(n.right);
      case "cond":
        return this.allocates(n.test) || this.allocates(n.then) || this.allocates(n.otherwise);
      case "list":
      case "map":
        return true;
      case "comp":
        return n.macro === "filter" || n.macro === "map" || this.allocates(n.range) || (!!n.predicate && this.allocates(n.predicate)) || (!!n.transform && this.allocates(n.transform));
      default:
        return assertUnreachable(n);
    }
  }
}
