// Brackets left open. The parser meets the missing `)`, `]` or `}` only where the declaration ends,
// at the next one, often lines below the bracket that needed it: these find the bracket, so that
// the error can name it, and what an input block's record left open swallowed.

import type { IToken } from "chevrotain";
import type * as A from "./ast.js";
import * as T from "./lexer.js";
import { CLOSERS, OPENERS } from "./nesting.js";

/** the opener each closer closes */
const OPENER_OF = new Map([
  [T.RParen, [T.LParen]],
  [T.RBracket, [T.LBracket, T.LBracketQuestion]],
  [T.RBrace, [T.LBrace]],
]);

/**
 * The brackets open before each token of a declaration, met in order: `before(i)` answers for the
 * token at index `i` (the length of the tokens for the end of the declaration), innermost last.
 * A closer closes the innermost bracket of its kind, and any left open inside it with it; one that
 * closes nothing is passed over. Asked in increasing order, the tokens are read once in all;
 * asked for an earlier token, it answers undefined.
 */
export function openBracketsReader(tokens: readonly IToken[]): (index: number) => readonly IToken[] | undefined {
  const open: IToken[] = [];
  let read = 0;
  return (index) => {
    if (index < read) return undefined;
    for (; read < index && read < tokens.length; read++) {
      const t = tokens[read]!;
      if (OPENERS.has(t.tokenType)) open.push(t);
      else if (CLOSERS.has(t.tokenType)) {
        const kinds = OPENER_OF.get(t.tokenType)!;
        for (let k = open.length - 1; k >= 0; k--) {
          if (kinds.includes(open[k]!.tokenType)) {
            open.length = k;
            break;
          }
        }
      }
    }
    return open;
  };
}

/** Where a line starts and how far in its first token is: for telling fields apart by layout. */
function indentation(text: string, offset: number): { startsLine: boolean; column: number } {
  let i = offset;
  while (i > 0 && (text[i - 1] === " " || text[i - 1] === "\t")) i--;
  const startsLine = i === 0 || text[i - 1] === "\n" || text[i - 1] === "\r";
  let lineStart = i;
  while (lineStart > 0 && text[lineStart - 1] !== "\n" && text[lineStart - 1] !== "\r") lineStart--;
  return { startsLine, column: offset - lineStart };
}

/** A record of the input block left open, and the block as it was more likely meant. */
export interface RecordLeftOpen {
  /** the top-level field whose record is not closed */
  readonly field: A.FieldDecl;
  /** that record's `{` */
  readonly opener: A.RecordTypeExpr;
  /** the block with that record ending before the first field written as a sibling of `field`, and those fields declared untyped */
  readonly input: A.InputDecl;
}

/**
 * The record left open in an input block that lacks its own `}`: with `principal: { id: string`
 * unclosed, every field after it (`payment`, `context`) was read as one of `principal`'s, and the
 * block's `}` as the record's. Which record was left open is told by layout: the first field inside
 * a top-level field's record that starts a line no further in than that top-level field is taken
 * as its sibling. The block given back ends that record before it, and declares it and the fields
 * after it in the same record untyped: their types as read are still a guess, and each use would
 * be reported as a field of the wrong record. Undefined where layout tells nothing.
 */
export function recordLeftOpen(input: A.InputDecl, text: string): RecordLeftOpen | undefined {
  for (const [i, field] of input.fields.entries()) {
    if (field.type.kind !== "RecordTypeExpr") continue;
    const own = indentation(text, field.name.span.start);
    const sibling = firstField(field.type, (f) => {
      const at = indentation(text, f.name.span.start);
      return at.startsLine && at.column <= own.column;
    });
    if (!sibling) continue;
    const cut = sibling.name.span.start;
    const moved: A.Identifier[] = [];
    const trimmed: A.FieldDecl = { ...field, type: endBefore(field.type, cut, moved) };
    const declared = new Set([...input.fields.map((f) => f.name.name), ...(input.untyped ?? []).map((n) => n.name)]);
    const untyped = [...(input.untyped ?? []), ...moved.filter((n) => !declared.has(n.name))];
    const fields = input.fields.map((f, k) => (k === i ? trimmed : f));
    return { field, opener: field.type, input: { ...input, fields, untyped } };
  }
  return undefined;
}

/** The first field, in text order, in a record or the records nested in it, that `test` picks. */
function firstField(record: A.RecordTypeExpr, test: (f: A.FieldDecl) => boolean): A.FieldDecl | undefined {
  // (a record type nests no deeper than the input block's nesting limit allows)
  for (const f of record.fields) {
    if (test(f)) return f;
    if (f.type.kind === "RecordTypeExpr") {
      const inner = firstField(f.type, test);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** `record` without the fields from offset `cut` on, at every level; the names of those left out of it or a record around `cut` go into `moved`. */
function endBefore(record: A.RecordTypeExpr, cut: number, moved: A.Identifier[]): A.RecordTypeExpr {
  const fields: A.FieldDecl[] = [];
  for (const f of record.fields) {
    if (f.name.span.start >= cut) moved.push(f.name);
    else if (f.type.kind === "RecordTypeExpr" && f.type.span.end > cut) fields.push({ ...f, type: endBefore(f.type, cut, moved) });
    else fields.push(f);
  }
  return { ...record, fields };
}
