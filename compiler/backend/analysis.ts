// Static facts about IR nodes that the code generator uses to emit less code: whether a node can
// yield an error (no error register handling is needed where none can arise) and whether it
// allocates from the scratch arena (so a loop must release its predicates' allocations).

import { childrenOf } from "../ir/children.js";
import { RAISING_BUILTINS, type Node } from "../ir/ir.js";

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
    if (n.op === "field" && n.optional) return true;
    if (n.op === "call" && RAISING_BUILTINS.has(n.fn)) return true;
    return childrenOf(n).some((c) => this.canError(c));
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
    if (n.op === "list" || n.op === "map") return true;
    if (n.op === "call" && ALLOCATING_CALLS.has(n.fn)) return true;
    if (n.op === "comp" && (n.macro === "filter" || n.macro === "map")) return true;
    return childrenOf(n).some((c) => this.allocates(c));
  }
}
