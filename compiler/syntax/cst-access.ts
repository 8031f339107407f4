// Reading a Chevrotain CST that may be partial: error recovery inserts virtual tokens and leaves
// children out, so every accessor answers with nothing rather than throwing, and only tokens that
// are really in the source are returned.

import type { CstElement, CstNode, IToken } from "chevrotain";
import type * as A from "./ast.js";
import type { Span } from "../source.js";
import { inBackticks } from "../diagnostics.js";
import { tokSpan } from "./lexing.js";

type Child = CstNode | IToken;

export const isToken = (c: Child | undefined): c is IToken => c !== undefined && "image" in c;
/** a token that is really in the source (not inserted by error recovery) */
export const real = (t: IToken | undefined): t is IToken =>
  t !== undefined && !t.isInsertedInRecovery && Number.isFinite(t.startOffset);

export function tokens(node: CstNode | undefined, key: string): IToken[] {
  const list = node?.children[key] ?? [];
  return list.filter((c): c is IToken => isToken(c) && real(c));
}
export function token(node: CstNode | undefined, key: string): IToken | undefined {
  return tokens(node, key)[0];
}
export function nodes(node: CstNode | undefined, key: string): CstNode[] {
  return (node?.children[key] ?? []).filter((c): c is CstNode => !isToken(c));
}
export function node(n: CstNode | undefined, key: string): CstNode | undefined {
  return nodes(n, key)[0];
}

/** The source extent of a CST node: from its first real token to the end of its last one. */
export function cstSpan(n: CstNode | undefined, fallback: Span): Span {
  // Chevrotain tracks node offsets (endOffset inclusive); only recovered nodes lack them, and
  // only those are walked (walking every node would make nested expressions quadratic)
  const loc = n?.location;
  if (loc && Number.isFinite(loc.startOffset) && Number.isFinite(loc.endOffset) && !n.recoveredNode) {
    return { start: loc.startOffset, end: loc.endOffset! + 1 };
  }
  let start = Infinity;
  let end = -Infinity;
  const visit = (c: Child) => {
    if (isToken(c)) {
      if (real(c)) {
        start = Math.min(start, c.startOffset);
        end = Math.max(end, c.startOffset + c.image.length);
      }
    } else for (const list of Object.values(c.children)) for (const x of list) visit(x);
  };
  if (n) visit(n);
  return Number.isFinite(start) ? { start, end } : fallback;
}

export function identifierOf(t: IToken | undefined): A.Identifier | undefined {
  return t ? { kind: "Identifier", name: t.image, span: tokSpan(t) } : undefined;
}

/** A token as a message quotes it (inBackticks), cut after 21 characters. */
export function describe(t: IToken): string {
  return inBackticks(t.image.length > 24 ? t.image.slice(0, 21) + "..." : t.image);
}

/** Whether a CST node, or one below it, ended in error recovery (its error is reported). */
export function recovered(n: CstNode): boolean {
  if (n.recoveredNode) return true;
  const isNode = (e: CstElement): e is CstNode => "children" in e;
  return Object.values(n.children).some((list) => list.some((e) => (isNode(e) ? recovered(e) : e.isInsertedInRecovery === true)));
}
