// CST → AST. Walks the Chevrotain CST of one declaration and produces the AST of ast.ts with a span
// on every node. The CST may be partial (error recovery inserts virtual tokens and leaves
// children out), so every child is treated as possibly absent: a missing expression becomes an
// ErrorExpr, a declaration without its name is dropped (its syntax error is already reported).

import type { CstNode, IToken } from "chevrotain";
import { error, type Diagnostic } from "../diagnostics.js";
import type { Span } from "../source.js";
import type * as A from "./ast.js";
import { W } from "./diagnostic-codes.js";
import * as T from "./lexer.js";
import { decodeIntLiteral, decodeStringLiteral, type DecodedString } from "./literals.js";
import { wordOperatorHelp } from "./parse-messages.js";
import { printExpr } from "./format.js";
import { negationHelpFor } from "./operator-slips.js";
import { cstSpan, describe, identifierOf, isToken, node, nodes, real, recovered, token, tokens } from "./cst-access.js";
import { tokSpan } from "./lexing.js";
import { TypeBuilder } from "./type-builder.js";

/**
 * Builds AST nodes for one source file, collecting builder diagnostics (type arguments, bounds,
 * missing commas, bytes where a string is required). Lexical and parse errors are reported
 * elsewhere; this class never throws on a partial CST.
 */
export class AstBuilder {
  readonly diagnostics: Diagnostic[] = [];
  private readonly types = new TypeBuilder((code, message, at, help) => this.report(code, message, at, help));

  private report(code: string, message: string, at: Span, help?: string): void {
    this.diagnostics.push(error(code, message, at, help));
  }

  /** Decodes a string token; unterminated strings (already reported) decode up to the line end. */
  private decode(t: IToken): DecodedString {
    if (t.tokenType === T.UnterminatedString) {
      const m = /^[rRbB]{0,2}('''|"""|'|")/.exec(t.image);
      return decodeStringLiteral(t.image + (m ? m[1] : '"'));
    }
    return decodeStringLiteral(t.image);
  }

  /** A string in a structural position (header, annotation, test name, data): bytes are refused. */
  stringLiteral(t: IToken | undefined, fallback: Span): A.StringLiteral {
    if (!t) return { kind: "StringLiteral", value: "", span: fallback };
    const d = this.decode(t);
    if (d.kind === "bytes") {
      this.report(W.BytesNotString, `expected a string, found the bytes literal ${describe(t)}`, tokSpan(t));
      return { kind: "StringLiteral", value: "", refused: true, span: tokSpan(t) };
    }
    return { kind: "StringLiteral", value: d.value, span: tokSpan(t) };
  }

  identifier(t: IToken | undefined): A.Identifier | undefined {
    return identifierOf(t);
  }

  // -------------------------------------------------------------------------------------------
  // declarations

  /**
   * The header, whose name the parser may not have found (`policy payments version 1`, reported
   * there): the name is then refused, so that the file is not told it has no header as well.
   */
  header(n: CstNode): A.PolicyHeader {
    const s = cstSpan(n, { start: 0, end: 0 });
    const name = token(n, "name");
    const version = token(n, "version");
    return {
      kind: "PolicyHeader",
      name: name ? this.stringLiteral(name, s) : { kind: "StringLiteral", value: "", refused: true, span: s },
      version: this.stringLiteral(version, { start: s.end, end: s.end }),
      span: s,
    };
  }

  inputDecl(n: CstNode): A.InputDecl {
    const untyped: A.Identifier[] = [];
    const fields = this.types.fields(node(n, "fields"), untyped);
    return { kind: "InputDecl", fields, ...(untyped.length > 0 && { untyped }), span: cstSpan(n, { start: 0, end: 0 }) };
  }

  letDecl(n: CstNode): A.LetDecl | undefined {
    const name = this.identifier(token(n, "name"));
    if (!name) return undefined;
    const span = cstSpan(n, name.span);
    return { kind: "LetDecl", name, value: this.exprOrError(node(n, "expr"), { start: span.end, end: span.end }), span };
  }

  ruleDecl(n: CstNode): A.RuleDecl | undefined {
    const effectTok = token(n, "effect");
    const name = this.identifier(token(n, "name"));
    if (!effectTok || !name) return undefined;
    const span = cstSpan(n, name.span);
    const annotations: A.Annotation[] = [];
    for (const a of nodes(n, "annotation")) {
      const an = this.identifier(token(a, "name"));
      const v = token(a, "value");
      if (!an || !v) continue;
      annotations.push({ kind: "Annotation", name: an, value: this.stringLiteral(v, an.span), span: cstSpan(a, an.span) });
    }
    const when = token(n, "when");
    const condition = when ? this.exprOrError(node(n, "expr"), { start: tokSpan(when).end, end: tokSpan(when).end }) : undefined;
    const effect = effectTok.tokenType === T.Permit ? "permit" : "forbid";
    return { kind: "RuleDecl", effect, name, annotations, condition, effectSpan: tokSpan(effectTok), span };
  }

  testDecl(n: CstNode): A.TestDecl | undefined {
    const nameTok = token(n, "name");
    const obj = node(n, "dataObject");
    const exp = node(n, "expectClause");
    if (!nameTok || !obj || !exp) return undefined;
    const decision = token(exp, "decision");
    if (!decision) return undefined;
    const span = cstSpan(n, tokSpan(nameTok));
    const input = this.dataObject(obj);
    let by: A.Identifier[] | undefined;
    let errors: A.Identifier[] | undefined;
    const lists = (key: string) => nodes(exp, key).map((l) => this.nameList(l));
    const byLists = lists("by");
    const errorLists = lists("errors");
    if (byLists.length > 0) by = byLists[0];
    if (errorLists.length > 0) errors = errorLists[0];
    for (const [kw, count] of [["byKw", byLists.length], ["errorsKw", errorLists.length], ["invalid", tokens(exp, "invalid").length]] as const) {
      if (count > 1) {
        const dup = tokens(exp, kw)[1]!;
        this.report(W.DuplicateClause, `${describe(dup)} is given more than once in this \`expect\``, tokSpan(dup));
      }
    }
    const expect: A.Expectation = {
      kind: "Expectation",
      decision: decision.tokenType === T.Allow ? "allow" : "deny",
      by,
      errors,
      invalid: tokens(exp, "invalid").length > 0,
      span: cstSpan(exp, tokSpan(decision)),
    };
    return { kind: "TestDecl", name: this.stringLiteral(nameTok, span), input, expect, span };
  }

  private nameList(n: CstNode): A.Identifier[] {
    const names = tokens(n, "names");
    this.checkCommas(names.map(tokSpan), tokens(n, "Comma"), true, "names");
    return names.map((t) => ({ kind: "Identifier", name: t.image, span: tokSpan(t) }));
  }

  // -------------------------------------------------------------------------------------------
  // data literals

  dataObject(n: CstNode): A.DataObject {
    const span = cstSpan(n, { start: 0, end: 0 });
    const entries: { key: string; keySpan: Span; value: A.DataValue }[] = [];
    const entryNodes = nodes(n, "dataEntry");
    // (an entry the parser had to repair has its error: a value it could not read, `y: True`, was
    // read on as an entry `True` of its own, and a comma "missing" before it was a second error)
    this.checkCommas(entryNodes.map((e) => cstSpan(e, span)), tokens(n, "Comma"), true, "entries", entryNodes.map(recovered));
    for (const e of entryNodes) {
      const k = token(e, "key");
      const v = node(e, "dataValue");
      if (!k || !v) continue;
      const value = this.dataValue(v);
      if (!value) continue;
      const key = k.tokenType === T.StringLiteral || k.tokenType === T.UnterminatedString ? this.stringLiteral(k, tokSpan(k)).value : k.image;
      entries.push({ key, keySpan: tokSpan(k), value });
    }
    return { kind: "DataObject", entries, span };
  }

  private dataValue(n: CstNode): A.DataValue | undefined {
    const span = cstSpan(n, { start: 0, end: 0 });
    const obj = node(n, "dataObject");
    if (obj) return this.dataObject(obj);
    if (token(n, "LBracket")) {
      const itemNodes = nodes(n, "items");
      this.checkCommas(itemNodes.map((i) => cstSpan(i, span)), tokens(n, "Comma"), true, "elements");
      const items = itemNodes.map((i) => this.dataValue(i)).filter((x): x is A.DataValue => x !== undefined);
      return { kind: "DataArray", items, span };
    }
    const s = token(n, "string");
    if (s) return { kind: "DataString", value: this.stringLiteral(s, span).value, span };
    const i = token(n, "int");
    if (i) {
      const v = this.intLiteral(i);
      return { kind: "DataInt", value: token(n, "Minus") ? -v : v, span };
    }
    const b = token(n, "bool");
    if (b) return { kind: "DataBool", value: b.tokenType === T.True, span };
    if (token(n, "null")) return { kind: "DataNull", span };
    return undefined;
  }

  /**
   * Items must be separated by single commas; a trailing comma is allowed where `trailing`. The
   * grammar rules accept commas loosely so that a missing one is reported here, precisely. No comma
   * is said to be missing beside an item `repaired` marks: its parse error is the one to report.
   */
  private checkCommas(items: Span[], commas: IToken[], trailing: boolean, what: string, repaired?: readonly boolean[]): void {
    let c = 0;
    for (let k = 0; k < items.length; k++) {
      const item = items[k]!;
      // commas before this item that are not accounted for are extra
      let seen = 0;
      while (c < commas.length && commas[c]!.startOffset < item.start) {
        seen++;
        if (seen > 1 || k === 0) this.report(W.UnexpectedToken, `unexpected \`,\` between ${what}`, tokSpan(commas[c]!));
        c++;
      }
      if (k > 0 && seen === 0 && !repaired?.[k] && !repaired?.[k - 1]) this.report(W.UnexpectedToken, `expected \`,\` between ${what}`, { start: item.start, end: item.start + 1 });
    }
    const rest = commas.length - c;
    if (rest > (trailing && items.length > 0 ? 1 : 0)) this.report(W.UnexpectedToken, `unexpected \`,\` after the last of the ${what}`, tokSpan(commas[commas.length - 1]!));
  }

  // -------------------------------------------------------------------------------------------
  // expressions

  exprOrError(n: CstNode | undefined, fallback: Span): A.Expr {
    return n ? this.expr(n) : { kind: "ErrorExpr", span: fallback };
  }

  expr(n: CstNode): A.Expr {
    const span = cstSpan(n, { start: 0, end: 0 });
    const test = this.binary(node(n, "test"), span);
    if (!token(n, "Question")) return test;
    const then = this.binary(node(n, "then"), { start: span.end, end: span.end });
    const otherwise = this.exprOrError(node(n, "otherwise"), { start: span.end, end: span.end });
    return { kind: "Conditional", test, then, otherwise, span };
  }

  /**
   * A flat `Unary { BinOp Unary }` run grouped by precedence (shunting-yard, no recursion):
   * an operator first reduces every stacked operator that binds at least as tightly, which makes
   * every level left-associative as in CEL.
   */
  private binary(n: CstNode | undefined, fallback: Span): A.Expr {
    if (!n) return { kind: "ErrorExpr", span: fallback };
    const span = cstSpan(n, fallback);
    const operandNodes = nodes(n, "operands");
    const ops = (n.children["ops"] ?? []).filter(isToken).filter(real);
    const values: A.Expr[] = [this.unaryNode(operandNodes[0], span)];
    const pending: IToken[] = [];
    const reduce = () => {
      const op = pending.pop()!;
      const right = values.pop()!;
      const left = values.pop()!;
      values.push({
        kind: "Binary",
        op: operatorOf(op),
        left,
        right,
        opSpan: tokSpan(op),
        span: { start: Math.min(left.span.start, op.startOffset), end: Math.max(right.span.end, tokSpan(op).end) },
      });
    };
    ops.forEach((op, k) => {
      while (pending.length > 0 && PRECEDENCE[operatorOf(pending[pending.length - 1]!)]! >= PRECEDENCE[operatorOf(op)]!) reduce();
      pending.push(op);
      const end = tokSpan(op).end;
      values.push(this.unaryNode(operandNodes[k + 1], { start: end, end }));
    });
    while (pending.length > 0) reduce();
    return values[0]!;
  }

  private unaryNode(n: CstNode | undefined, fallback: Span): A.Expr {
    return n ? this.unary(n, cstSpan(n, fallback)) : { kind: "ErrorExpr", span: fallback };
  }

  private unary(n: CstNode, span: Span): A.Expr {
    const ops = tokens(n, "ops");
    let e = this.member(node(n, "member"), span);
    for (let k = ops.length - 1; k >= 0; k--) {
      const op = ops[k]!;
      e = { kind: "Unary", op: op.image as "!" | "-", operand: e, span: { start: op.startOffset, end: e.span.end } };
    }
    return e;
  }

  private member(n: CstNode | undefined, fallback: Span): A.Expr {
    if (!n) return { kind: "ErrorExpr", span: fallback };
    let e = this.primary(node(n, "primary"), cstSpan(n, fallback));
    for (const s of nodes(n, "suffixes")) e = this.suffix(e, s);
    return e;
  }

  private suffix(operand: A.Expr, s: CstNode): A.Expr {
    const end = cstSpan(s, { start: operand.span.end, end: operand.span.end }).end;
    const span = { start: operand.span.start, end: Math.max(end, operand.span.end) };
    const dot = token(s, "dot");
    if (dot) {
      const nameTok = token(s, "name");
      if (!nameTok) return { kind: "ErrorExpr", span };
      const field = nameTok.tokenType === T.QuotedName ? nameTok.image.slice(1, -1) : nameTok.image;
      if (token(s, "LParen")) {
        if (nameTok.tokenType === T.QuotedName || dot.tokenType === T.DotQuestion)
          this.report(W.UnexpectedToken, `a method name cannot be quoted or optional`, tokSpan(nameTok));
        return { kind: "Call", target: operand, fn: field, fnSpan: tokSpan(nameTok), args: this.exprList(node(s, "args"), false), span };
      }
      return { kind: "Select", operand, field, fieldSpan: tokSpan(nameTok), optional: dot.tokenType === T.DotQuestion, span };
    }
    const open = token(s, "open");
    if (open) {
      return { kind: "Index", operand, index: this.exprOrError(node(s, "index"), { start: end, end }), optional: open.tokenType === T.LBracketQuestion, span };
    }
    const inits = node(s, "fieldInits");
    const typeName = qualifiedName(operand);
    if (typeName === undefined) {
      this.report(W.StructWithoutType, "a message literal `{...}` must follow a type name", cstSpan(inits, span));
      return { kind: "ErrorExpr", span };
    }
    return this.struct(typeName, operand, inits, span);
  }

  private struct(typeName: string, type: A.Expr, inits: CstNode | undefined, span: Span): A.StructExpr {
    const names = tokens(inits, "names");
    const values = nodes(inits, "values");
    const fields: { name: string; value: A.Expr; span: Span }[] = [];
    const itemSpans = names.map((nm, k) => ({ start: nm.startOffset, end: values[k] ? cstSpan(values[k], tokSpan(nm)).end : tokSpan(nm).end }));
    this.checkCommas(itemSpans, tokens(inits, "Comma"), true, "fields");
    names.forEach((nm, k) => {
      fields.push({ name: nm.image, value: this.exprOrError(values[k], tokSpan(nm)), span: itemSpans[k]! });
    });
    return { kind: "Struct", typeName, type, fields, span };
  }

  /**
   * Call arguments (no trailing comma, as in CEL, and none marked optional: the grammar reads a `?`
   * before any item, for lists) or list elements (trailing comma allowed).
   */
  private exprList(n: CstNode | undefined, trailing: boolean): A.Expr[] {
    const items = nodes(n, "items").map((i) => this.expr(i));
    const commas = tokens(n, "commas");
    const what = trailing ? "elements" : "arguments";
    this.checkCommas(this.wordOperators(items, commas, what), commas, trailing, what);
    if (!trailing) for (const mark of tokens(n, "optionalMarks")) this.report(W.UnexpectedToken, "expected an expression, found `?`", tokSpan(mark));
    return items;
  }

  /**
   * The spans of a list's items for checkCommas, with `a or b` (no comma on either side of the
   * `or`, a name to CEL) reported once as the operator it was meant to be and taken as one item:
   * as three, each `,` missing around the `or` was reported, twice for one mistake. `not x` and
   * `x not in L` (as Python negates) are taken as one item too, their `,` missing reported with
   * the `!` to write.
   */
  private wordOperators(items: A.Expr[], commas: IToken[], what: string): Span[] {
    const spans: Span[] = [];
    // (commas are in text order: the first at or after `a`'s end, found by halving)
    const commaBetween = (a: A.Expr, b: A.Expr) => {
      let lo = 0;
      let hi = commas.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (commas[mid]!.startOffset < a.span.end) lo = mid + 1;
        else hi = mid;
      }
      return lo < commas.length && commas[lo]!.startOffset < b.span.start;
    };
    for (let k = 0; k < items.length; k++) {
      const next = items[k + 1];
      const negated = next === undefined || commaBetween(items[k]!, next) ? undefined : negationOf(items[k]!, next);
      if (negated !== undefined) {
        this.report(W.UnexpectedToken, `expected \`,\` between ${what}`, { start: next!.span.start, end: next!.span.start + 1 }, negated);
        spans.push({ start: items[k]!.span.start, end: next!.span.end });
        k += 1;
        continue;
      }
      const word = items[k + 1];
      const right = items[k + 2];
      const help = word?.kind === "Ident" && !word.leadingDot ? wordOperatorHelp(word.name) : undefined;
      if (help === undefined || right === undefined || commaBetween(items[k]!, word!) || commaBetween(word!, right)) {
        spans.push(items[k]!.span);
        continue;
      }
      this.report(W.UnexpectedToken, `expected an operator, found \`${(word as A.IdentExpr).name}\``, word!.span, help);
      spans.push({ start: items[k]!.span.start, end: right.span.end });
      k += 2;
    }
    return spans;
  }

  /**
   * A list literal, `[…]` or `[?…]`. The elements marked `?` (CEL's optional elements: `[?x]`,
   * `[1, ?x]`) are kept as such, for the checker to name as outside the subset; read as anything
   * else they were a `?:` missing its `:`, or `[?` an index with nothing before it.
   */
  private list(n: CstNode, open: IToken, span: Span): A.ListExpr {
    const elementsNode = node(n, "elements");
    const elements = this.exprList(elementsNode, true);
    const optional = new Set<number>();
    // each mark stands before the first element after it (both are in text order)
    let k = 0;
    for (const mark of tokens(elementsNode, "optionalMarks")) {
      while (k < elements.length && elements[k]!.span.start <= mark.startOffset) k++;
      if (k < elements.length) optional.add(k);
    }
    if (open.tokenType === T.LBracketQuestion) {
      if (elements.length > 0) optional.add(0);
      else {
        const close = token(n, "RBracket");
        this.report(W.UnexpectedToken, `expected an expression, found ${close ? "`]`" : "the end of the list"}`, close ? tokSpan(close) : tokSpan(open));
      }
    }
    if (optional.size === 0) return { kind: "List", elements, span };
    return { kind: "List", elements, optionalElements: [...optional].sort((a, b) => a - b), span };
  }

  private primary(n: CstNode | undefined, fallback: Span): A.Expr {
    if (!n) return { kind: "ErrorExpr", span: fallback };
    const span = cstSpan(n, fallback);
    const name = token(n, "name");
    if (name) {
      const leadingDot = token(n, "leadingDot") !== undefined;
      if (token(n, "call")) {
        if (leadingDot) return { kind: "Call", target: undefined, fn: "." + name.image, fnSpan: tokSpan(name), args: this.exprList(node(n, "args"), false), span };
        return { kind: "Call", target: undefined, fn: name.image, fnSpan: tokSpan(name), args: this.exprList(node(n, "args"), false), span };
      }
      return { kind: "Ident", name: name.image, leadingDot, span };
    }
    if (token(n, "paren")) return this.exprOrError(node(n, "inner"), span);
    const open = token(n, "list");
    if (open) return this.list(n, open, span);
    if (token(n, "map")) {
      const entryNodes = nodes(n, "entries");
      this.checkCommas(entryNodes.map((e) => cstSpan(e, span)), tokens(n, "Comma"), true, "entries");
      const entries = entryNodes.map((e) => {
        const es = cstSpan(e, span);
        const key = this.exprOrError(node(e, "key"), es);
        const value = this.exprOrError(node(e, "value"), { start: es.end, end: es.end });
        // `{?k: v}`, CEL's optional entry: kept as such, for the checker to name as outside the subset
        return token(e, "optional") ? { key, value, optional: true as const, span: es } : { key, value, span: es };
      });
      return { kind: "Map", entries, span };
    }
    const lit = node(n, "literal");
    const t = token(lit, "token");
    if (!t) return { kind: "ErrorExpr", span };
    return this.literal(t);
  }

  /**
   * An int token's value. CEL writes hexadecimal `0x` only (cel-spec langdef.md, `INT_LIT`; cel-go
   * reads `0X2A` as `0` and a name): `0X` is refused, its value still taken so nothing else is said.
   */
  private intLiteral(t: IToken): bigint {
    // the number as CEL writes it, its digits as they were: `0X2A` is `0x2A`
    if (t.image.startsWith("0X")) this.report(W.CapitalHexPrefix, `a hexadecimal number starts with \`0x\`, lowercase, as CEL writes it: \`0x${t.image.slice(2)}\``, tokSpan(t));
    return decodeIntLiteral(t.image);
  }

  private literal(t: IToken): A.Expr {
    const span = tokSpan(t);
    switch (t.tokenType) {
      case T.IntLiteral: {
        const value = this.intLiteral(t);
        return t.image === value.toString() ? { kind: "IntLiteral", value, span } : { kind: "IntLiteral", value, written: t.image, span };
      }
      case T.UintLiteral:
        return { kind: "UintLiteral", value: decodeIntLiteral(t.image), span };
      case T.DoubleLiteral:
        return { kind: "DoubleLiteral", text: t.image, span };
      case T.True:
        return { kind: "BoolLiteral", value: true, span };
      case T.False:
        return { kind: "BoolLiteral", value: false, span };
      case T.Null:
        return { kind: "NullLiteral", span };
      case T.UnterminatedString:
        return { kind: "ErrorExpr", span };
      default: {
        const d = this.decode(t);
        return d.kind === "bytes" ? { kind: "BytesLiteral", value: d.value, span } : { kind: "StringLiteralExpr", value: d.value, span };
      }
    }
  }
}

/** whether `e` is the name `not`, which CEL does not have */
const isNot = (e: A.Expr | undefined): boolean => e?.kind === "Ident" && !e.leadingDot && e.name === "not";

/**
 * Help for two items with no comma between them that are a negation written as Python writes it:
 * `not x` (`item` the name `not`) or `x not in L` (`next` is `not in L`). Undefined for any others.
 */
function negationOf(item: A.Expr, next: A.Expr): string | undefined {
  if (isNot(item)) return negationHelpFor(next.kind === "Ident" || next.kind === "Select" || next.kind === "Call" || next.kind === "Index" ? `!${shownExpr(next)}` : `!(${shownExpr(next)})`);
  if (next.kind === "Binary" && next.op === "in" && isNot(next.left)) return negationHelpFor(`!(${shownExpr(item)} in ${shownExpr(next.right)})`);
  return undefined;
}

/** Longest expression, in source characters, a help prints; a longer one is written `…`. */
const MAX_SHOWN_EXPR = 40;

/** An expression as a help writes it: printed, or `…` where it is long. */
function shownExpr(e: A.Expr): string {
  return e.span.end - e.span.start > MAX_SHOWN_EXPR || e.kind === "ErrorExpr" ? "…" : printExpr(e);
}

/**
 * The binary operator a token stands for: its text, but `&&` or `||` for a lone `&` or `|` read as
 * one (lexing.ts, readStrayOperators; reported there).
 */
function operatorOf(op: IToken): A.BinaryOp {
  if (op.tokenType === T.AndAnd) return "&&";
  if (op.tokenType === T.OrOr) return "||";
  return op.image as A.BinaryOp;
}

/** binding strength of CEL's binary operators (langdef.md precedence table, inverted) */
const PRECEDENCE: Record<string, number> = {
  "||": 1, "&&": 2,
  "==": 3, "!=": 3, "<": 3, "<=": 3, ">": 3, ">=": 3, in: 3,
  "+": 4, "-": 4,
  "*": 5, "/": 5, "%": 5,
};

/** `a.b.c` as a dotted name, or undefined when the expression is not a plain qualified name. */
function qualifiedName(e: A.Expr): string | undefined {
  if (e.kind === "Ident") return (e.leadingDot ? "." : "") + e.name;
  if (e.kind === "Select" && !e.optional) {
    const base = qualifiedName(e.operand);
    return base === undefined ? undefined : base + "." + e.field;
  }
  return undefined;
}
