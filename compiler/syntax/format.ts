// The canonical formatter: PolicyFile AST (+ its source, for comments and blank lines) → text.
//
// Layout rules (docs/language-grammar.md, "Formatting"):
//   - declarations in source order, one blank line between them (consecutive `let`s keep the
//     source's choice of blank line or none);
//   - `input` and records: one field per line, two-space indent; a nested record stays inline when
//     its line fits in 100 columns and holds no comment, otherwise it is broken over lines;
//   - rules: annotations on their own lines; `when` on the rule's line when that fits in 100
//     columns, else on the next line with a 4-space indent and a break before each top-level
//     `&&`/`||`;
//   - tests: the input object one entry per line, nested values inline when they fit;
//   - expressions: minimal parentheses from precedence, plus parentheses kept around `&&` inside
//     `||` and around a `?:` nested in another expression; strings re-escaped canonically, and a
//     quoted field name holding a character no reader can see printed as an index (printSelect).
// Comments: the formatter first lays out lines, each anchored at the source offset of what it
// prints; then an own-line comment goes before the first line anchored after it (a comment
// belongs to what follows it) and a trailing comment goes at the end of the last line anchored
// before it. Both depend only on the AST and the comment offsets, which is what makes
// fmt(fmt(x)) == fmt(x).

import { assertUnreachable } from "../diagnostics.js";
import type { SourceFile } from "../source.js";
import type * as A from "./ast.js";
import { firstInvisible, quoteBytes, quoteString } from "./literals.js";

export const MAX_WIDTH = 100;

interface Line {
  indent: number;
  text: string;
  /** source offset of what the line prints; undefined for blank lines */
  anchor: number | undefined;
  /** source offset where what the line prints ends */
  srcEnd?: number;
  /** a closing bracket: comments placed before it are indented one level deeper */
  closer?: boolean;
  trailing?: string;
  before?: { text: string; blankAfter: boolean }[];
}

const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*$/;
const width = (s: string): number => [...s].length;

// ---------------------------------------------------------------------------------------------
// expressions

/** binding strength: higher binds tighter */
function precedence(e: A.Expr): number {
  switch (e.kind) {
    case "Conditional": return 1;
    case "Binary":
      switch (e.op) {
        case "||": return 2;
        case "&&": return 3;
        case "+": case "-": return 5;
        case "*": case "/": case "%": return 6;
        default: return 4; // relations and `in`
      }
    case "Unary": return 7;
    default: return 8;
  }
}

/** Prints `child` as an operand of `parent`, parenthesised when the grammar or readability asks. */
function operand(child: A.Expr, parent: A.Expr, side: "left" | "right" | "unary" | "member"): string {
  const text = printExpr(child);
  const cp = precedence(child);
  let paren: boolean;
  // A nested `?:` is parenthesised, but for the else branch of another: `a ? x : b ? y : z` reads as
  // the else-if chain it is, and parentheses there would count twice against the nesting limit (a
  // chain of 51 that parsed would be formatted into one that does not)
  if (child.kind === "Conditional") paren = !(parent.kind === "Conditional" && side === "right");
  else if (side === "member") paren = cp < 8;
  else if (side === "unary") paren = cp < 7 || (child.kind === "Unary" && parent.kind === "Unary" && child.op !== parent.op);
  else {
    const pp = precedence(parent);
    paren = side === "left" ? cp < pp : cp <= pp;
    if (parent.kind === "Binary" && parent.op === "||" && child.kind === "Binary" && child.op === "&&") paren = true;
  }
  return paren ? `(${text})` : text;
}

function fieldName(name: string): string {
  return NAME.test(name) ? name : "`" + name + "`";
}

/**
 * `operand.field` as it is printed. A quoted name (`` m.`content-type` ``) has no escapes, so one
 * holding a character a reader cannot see for what it is (a bidirectional override, a no-break
 * space: literals.ts, INVISIBLE) is printed as the index it means, its key an escaped string:
 * `` m.`ad<U+202E>min` `` is `m["ad\u202emin"]`, as CEL reads `m.key` on a map, and both are checked to
 * the same IR. Only a map can hold such a key (a record's fields are named by identifiers, so either
 * form of one is refused). `has()` and a message's type name have no index form: the lint in
 * hidden-characters.ts refuses such a name there (W0702), before the formatter is asked.
 */
function printSelect(e: A.SelectExpr): string {
  const operandText = operand(e.operand, e, "member");
  if (firstInvisible(e.field) !== undefined) return `${operandText}${e.optional ? "[?" : "["}${quoteString(e.field)}]`;
  return `${operandText}${e.optional ? ".?" : "."}${fieldName(e.field)}`;
}

/** Prints an expression on one line. */
export function printExpr(e: A.Expr): string {
  switch (e.kind) {
    case "IntLiteral": return e.value.toString();
    case "UintLiteral": return e.value.toString() + "u";
    case "DoubleLiteral": return e.text;
    case "StringLiteralExpr": return quoteString(e.value);
    case "BytesLiteral": return quoteBytes(e.value);
    case "BoolLiteral": return e.value ? "true" : "false";
    case "NullLiteral": return "null";
    case "Ident": return (e.leadingDot ? "." : "") + e.name;
    case "Select": return printSelect(e);
    case "Index": return `${operand(e.operand, e, "member")}${e.optional ? "[?" : "["}${printExpr(e.index)}]`;
    case "Call": {
      const args = e.args.map(printExpr).join(", ");
      return e.target ? `${operand(e.target, e, "member")}.${e.fn}(${args})` : `${e.fn}(${args})`;
    }
    case "Unary":
      // A minus written apart from the digits (`- 5`, `-(5)`) negates the literal; only `-5` is a
      // literal (CEL's INT_LIT, and the checker folds only that): printed apart, `- 5`, the meaning
      // stays. A space keeps it apart, where brackets would add a level toward the nesting limit
      if (e.op === "-" && e.operand.kind === "IntLiteral" && e.operand.span.start !== e.span.start + 1) return `- ${printExpr(e.operand)}`;
      return e.op + operand(e.operand, e, "unary");
    case "Binary": return `${operand(e.left, e, "left")} ${e.op} ${operand(e.right, e, "right")}`;
    case "Conditional":
      return `${operand(e.test, e, "left")} ? ${operand(e.then, e, "left")} : ${operand(e.otherwise, e, "right")}`;
    case "List": return `[${e.elements.map((el, k) => listElement(e, el, k)).join(", ")}]`;
    case "Map": return `{${e.entries.map((x) => `${x.optional ? "?" : ""}${printExpr(x.key)}: ${printExpr(x.value)}`).join(", ")}}`;
    case "Struct": return `${printExpr(e.type)}{${e.fields.map((f) => `${f.name}: ${printExpr(f.value)}`).join(", ")}}`;
    case "ErrorExpr": return "<error>";
    default: return assertUnreachable(e);
  }
}

/** A list's element as printed, with the `?` of an optional one (`[?x]`, which the checker refuses). */
function listElement(list: A.ListExpr, element: A.Expr, index: number): string {
  return (list.optionalElements?.includes(index) ? "?" : "") + printExpr(element);
}

/** The operands of a left-leaning chain of one operator: `a && b && c` → [a, b, c]. */
function chain(e: A.Expr, op: "&&" | "||"): { operands: A.Expr[]; opStarts: number[] } {
  const operands: A.Expr[] = [];
  const opStarts: number[] = [];
  let cur = e;
  while (cur.kind === "Binary" && cur.op === op) {
    operands.push(cur.right);
    opStarts.push(cur.opSpan.start);
    cur = cur.left;
  }
  operands.push(cur);
  return { operands: operands.reverse(), opStarts: opStarts.reverse() };
}

// ---------------------------------------------------------------------------------------------
// the line builder

class Printer {
  readonly lines: Line[] = [];
  private readonly commentStarts: number[];

  constructor(comments: readonly A.Comment[]) {
    this.commentStarts = comments.map((c) => c.span.start).sort((a, b) => a - b);
  }

  /** `srcEnd`: where the source of what the line prints ends (comments before it are inside the line) */
  line(indent: number, text: string, anchor: number, srcEnd = anchor + 1, closer = false): void {
    this.lines.push({ indent, text, anchor, srcEnd, closer });
  }
  blank(): void {
    if (this.lines.length > 0 && this.lines[this.lines.length - 1]!.anchor !== undefined) this.lines.push({ indent: 0, text: "", anchor: undefined });
  }

  /**
   * Whether any comment starts inside [start, end). Asked once per container and rule: a binary
   * search, as a scan of every comment would make a file of many comments quadratic to format.
   */
  hasComment(start: number, end: number): boolean {
    const first = firstAtLeast(this.commentStarts, start);
    return first < this.commentStarts.length && this.commentStarts[first]! < end;
  }

  fits(indent: number, text: string): boolean {
    // A text has at least half as many code points as UTF-16 units, and at most as many: only a text
    // between the two is counted (a long one is asked at every level that holds it).
    if (indent + text.length <= MAX_WIDTH) return true;
    if (indent + Math.ceil(text.length / 2) > MAX_WIDTH) return false;
    return indent + width(text) <= MAX_WIDTH;
  }

  // types ---------------------------------------------------------------------------------------

  typeInline(t: A.TypeExpr): string {
    const bound = (m: number | undefined) => (m === undefined ? "" : `(${m})`);
    switch (t.kind) {
      case "PrimitiveTypeExpr": return t.name + bound(t.max);
      case "ListTypeExpr": return `list<${this.typeInline(t.element)}>${bound(t.max)}`;
      case "MapTypeExpr": return `map<${this.typeInline(t.key)}, ${this.typeInline(t.value)}>${bound(t.max)}`;
      case "RecordTypeExpr":
        return t.fields.length === 0 ? "{}" : `{ ${t.fields.map((f) => this.fieldHead(f) + this.typeInline(f.type)).join(", ")} }`;
      case "ErrorTypeExpr": return "<error>";
      default: return assertUnreachable(t);
    }
  }

  private fieldHead(f: A.FieldDecl): string {
    return `${f.name.name}${f.optional ? "?" : ""}: `;
  }

  fields(fields: readonly A.FieldDecl[], indent: number): void {
    for (const f of fields) {
      const head = this.fieldHead(f);
      const inline = head + this.typeInline(f.type);
      const breakable = f.type.kind === "RecordTypeExpr" && f.type.fields.length > 0;
      // a comment strictly inside the braces forces the break (it has a line to go to then)
      if (breakable && (!this.fits(indent, inline) || this.hasComment(f.type.span.start + 1, f.type.span.end))) {
        const rec = f.type as A.RecordTypeExpr;
        this.line(indent, head + "{", f.span.start, rec.span.start + 1);
        this.fields(rec.fields, indent + 2);
        this.line(indent, "}", rec.span.end - 1, rec.span.end, true);
      } else this.line(indent, inline, f.span.start, f.span.end);
    }
  }

  // data ----------------------------------------------------------------------------------------

  /** Each object's and array's one-line text, written once: every level that holds it asks for it. */
  private readonly dataInlines = new WeakMap<A.DataValue, string>();

  dataInline(v: A.DataValue): string {
    let text = this.dataInlines.get(v);
    if (text === undefined) this.dataInlines.set(v, (text = this.dataInlineOnce(v)));
    return text;
  }

  private dataInlineOnce(v: A.DataValue): string {
    switch (v.kind) {
      case "DataObject":
        return v.entries.length === 0 ? "{}" : `{ ${v.entries.map((e) => `${dataKey(e.key)}: ${this.dataInline(e.value)}`).join(", ")} }`;
      case "DataArray": return `[${v.items.map((i) => this.dataInline(i)).join(", ")}]`;
      case "DataString": return quoteString(v.value);
      case "DataInt": return v.value.toString();
      case "DataBool": return v.value ? "true" : "false";
      case "DataNull": return "null";
      default: return assertUnreachable(v);
    }
  }

  /** Prints `head` + value, breaking objects and arrays that do not fit or hold comments. */
  dataValue(head: string, v: A.DataValue, indent: number, anchor: number, comma: string, forceBreak = false): void {
    const inline = head + this.dataInline(v) + comma;
    const container = (v.kind === "DataObject" && v.entries.length > 0) || (v.kind === "DataArray" && v.items.length > 0);
    if (!container || (!forceBreak && this.fits(indent, inline) && !this.hasComment(v.span.start + 1, v.span.end))) {
      this.line(indent, inline, anchor, v.span.end);
      return;
    }
    if (v.kind === "DataObject") {
      this.line(indent, head + "{", anchor, v.span.start + 1);
      v.entries.forEach((e, k) => this.dataValue(`${dataKey(e.key)}: `, e.value, indent + 2, e.keySpan.start, k < v.entries.length - 1 ? "," : ""));
      this.line(indent, "}" + comma, v.span.end - 1, v.span.end, true);
    } else if (v.kind === "DataArray") {
      this.line(indent, head + "[", anchor, v.span.start + 1);
      v.items.forEach((item, k) => this.dataValue("", item, indent + 2, item.span.start, k < v.items.length - 1 ? "," : ""));
      this.line(indent, "]" + comma, v.span.end - 1, v.span.end, true);
    }
  }

  // declarations --------------------------------------------------------------------------------

  header(h: A.PolicyHeader): void {
    this.line(0, `policy ${quoteString(h.name.value)} version ${quoteString(h.version.value)}`, h.span.start, h.span.end);
  }

  input(d: A.InputDecl): void {
    if (d.fields.length === 0 && !this.hasComment(d.span.start, d.span.end)) {
      this.line(0, "input {}", d.span.start, d.span.end);
      return;
    }
    this.line(0, "input {", d.span.start);
    this.fields(d.fields, 2);
    this.line(0, "}", d.span.end - 1, d.span.end, true);
  }

  letDecl(d: A.LetDecl): void {
    const head = `let ${d.name.name} = `;
    const inline = head + printExpr(d.value);
    const v = d.value;
    if (v.kind === "List" && v.elements.length > 0 && (!this.fits(0, inline) || this.hasComment(v.span.start + 1, v.span.end))) {
      this.line(0, head + "[", d.span.start, v.span.start + 1);
      v.elements.forEach((el, k) => this.line(2, listElement(v, el, k) + ",", el.span.start, el.span.end));
      this.line(0, "]", v.span.end - 1, v.span.end, true);
    } else this.line(0, inline, d.span.start, d.span.end);
  }

  rule(r: A.RuleDecl): void {
    for (const a of r.annotations) this.line(0, `@${a.name.name}(${quoteString(a.value.value)})`, a.span.start, a.span.end);
    const head = `${r.effect} ${r.name.name}`;
    // The rule's first line is anchored at its effect keyword, where its source starts: a comment
    // between `permit` and the name is then inside that line (and goes before it), not after the
    // previous declaration's last line (where a trailing comment would go)
    const c = r.condition;
    if (!c) {
      this.line(0, head, r.effectSpan.start, r.name.span.end);
      return;
    }
    const inline = `${head} when ${printExpr(c)}`;
    // any comment after the name forces the broken layout: every such comment then stays
    // between the name and the end of the rule, so the choice is the same on the next run
    // The rule's source ends at its declaration's end, after any bracket closing its condition (a
    // condition's span stops before it): a comment written before that bracket stays in the rule.
    const end = Math.max(r.span.end, c.span.end);
    if (this.fits(0, inline) && !this.hasComment(r.name.span.end, end)) {
      this.line(0, inline, r.effectSpan.start, end);
      return;
    }
    this.line(0, head, r.effectSpan.start, r.name.span.end);
    const op = c.kind === "Binary" && (c.op === "&&" || c.op === "||") ? c.op : undefined;
    if (!op) {
      this.line(4, `when ${printExpr(c)}`, c.span.start, end);
      return;
    }
    const { operands, opStarts } = chain(c, op);
    operands.forEach((o, k) => {
      const text = operand(o, c, k === 0 ? "left" : "right");
      const srcEnd = k === operands.length - 1 ? end : o.span.end;
      if (k === 0) this.line(4, `when ${text}`, c.span.start, srcEnd);
      else this.line(4, `${op} ${text}`, opStarts[k - 1]!, srcEnd);
    });
  }

  test(t: A.TestDecl): void {
    this.line(0, `test ${quoteString(t.name.value)} {`, t.span.start, t.name.span.end);
    this.dataValue("input ", t.input, 2, t.input.span.start, "", t.input.entries.length > 0);
    const e = t.expect;
    let text = `expect ${e.decision}`;
    if (e.by) text += ` by [${e.by.map((n) => n.name).join(", ")}]`;
    if (e.errors) text += ` errors [${e.errors.map((n) => n.name).join(", ")}]`;
    if (e.invalid) text += " invalid";
    this.line(2, text, e.span.start, e.span.end);
    this.line(0, "}", t.span.end - 1, t.span.end, true);
  }
}

function dataKey(key: string): string {
  return NAME.test(key) ? key : quoteString(key);
}

// ---------------------------------------------------------------------------------------------
// comments and assembly

/** A comment is trailing when code precedes it on its source line. */
function isTrailing(text: string, offset: number): boolean {
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  return text.slice(lineStart, offset).trim() !== "";
}

/** Whether a blank line follows `offset`'s line before the next non-blank text. */
function blankLineAfter(text: string, offset: number): boolean {
  const m = /^[^\n]*\n([ \t\r\f]*\n)/.exec(text.slice(offset));
  return m !== null;
}

/**
 * Whether a blank line separates `offset` from the text before it: two line feeds in the white space
 * just before it. Read backwards over that white space only (a regular expression anchored at the
 * end would try again from every line feed of a long blank run: quadratic in the run).
 */
function blankLineBefore(text: string, offset: number): boolean {
  let feeds = 0;
  for (let i = offset - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      if (++feeds === 2) return true;
    } else if (c !== 32 && c !== 9 && c !== 13 && c !== 12) return false;
  }
  return false;
}

/** The index of the first of the ascending `values` that is `>= x` (`values.length` when none is). */
export function firstAtLeast(values: readonly number[], x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * For the lines' anchors: the last line anchored at or before an offset, and the first anchored
 * after it (-1 when there is none), as a scan of the lines would find them whatever the anchors'
 * order. Each is a binary search over the anchors sorted once: a scan for every comment made a
 * file of many lines and many comments quadratic to format.
 */
export function anchorIndex(anchors: readonly number[]): { lastAtOrBefore(offset: number): number; firstAfter(offset: number): number } {
  const order = anchors.map((_, k) => k).sort((a, b) => anchors[a]! - anchors[b]! || a - b);
  const sorted = order.map((k) => anchors[k]!);
  // prefixMax[j]: the greatest line index among the j smallest anchors; suffixMin[j]: the least
  // among the others
  const prefixMax = [-1];
  for (const k of order) prefixMax.push(Math.max(prefixMax[prefixMax.length - 1]!, k));
  const suffixMin = new Array<number>(order.length + 1).fill(-1);
  for (let j = order.length - 1; j >= 0; j--) suffixMin[j] = suffixMin[j + 1]! < 0 ? order[j]! : Math.min(suffixMin[j + 1]!, order[j]!);
  // offsets are whole numbers: the anchors after `offset` are those from `offset + 1` on
  const after = (offset: number) => firstAtLeast(sorted, offset + 1);
  return {
    lastAtOrBefore: (offset) => prefixMax[after(offset)]!,
    firstAfter: (offset) => suffixMin[after(offset)]!,
  };
}

function placeComments(lines: Line[], comments: readonly A.Comment[], text: string): Line[] {
  const anchored = lines.filter((l) => l.anchor !== undefined);
  const anchors = anchorIndex(anchored.map((l) => l.anchor!));
  const tail: { text: string; blankAfter: boolean }[] = [];
  let blankBeforeTail = false;
  // Output slots in order: before line k = 3k, line k = 3k+1, end of line k = 3k+2, after the last
  // line = 3n. INVARIANT: comments go to non-decreasing slots, so they come out in source order
  // (a comment inside a multi-line expression printed on one line could otherwise overtake one).
  let lastSlot = 0;
  for (const c of comments) {
    const body = c.text.trimEnd();
    const entry = { text: body, blankAfter: blankLineAfter(text, c.span.start) };
    let slot: number;
    const host = anchors.lastAtOrBefore(c.span.start);
    if (host >= 0 && anchored[host]!.srcEnd! > c.span.start) {
      // inside what a line prints on one line (a multi-line expression made flat): before that line
      slot = 3 * host;
    } else if (isTrailing(text, c.span.start)) {
      slot = host >= 0 && anchored[host]!.trailing === undefined ? 3 * host + 2 : 3 * (host + 1);
    } else {
      const next = anchors.firstAfter(c.span.start);
      slot = 3 * (next < 0 ? anchored.length : next);
    }
    if (slot < lastSlot) slot = lastSlot;
    if (slot % 3 === 2 && anchored[(slot - 2) / 3]!.trailing !== undefined) slot += 1;
    lastSlot = slot;
    const k = Math.floor(slot / 3);
    if (slot % 3 === 2) anchored[k]!.trailing = body;
    else if (k < anchored.length) (anchored[k]!.before ??= []).push(entry);
    else {
      if (tail.length === 0) blankBeforeTail = blankLineBefore(text, c.span.start);
      tail.push(entry);
    }
  }
  const out: Line[] = [];
  const emitComments = (list: { text: string; blankAfter: boolean }[], indent: number, last: boolean) => {
    list.forEach((c, k) => {
      out.push({ indent, text: c.text, anchor: 0 });
      if (c.blankAfter && !(last && k === list.length - 1)) out.push({ indent: 0, text: "", anchor: undefined });
    });
  };
  for (const l of lines) {
    if (l.before) emitComments(l.before, l.indent + (l.closer ? 2 : 0), false);
    out.push(l);
  }
  if (tail.length > 0) {
    if (out.length > 0 && blankBeforeTail) out.push({ indent: 0, text: "", anchor: undefined });
    emitComments(tail, 0, true);
  }
  // never two blank lines in a row, none at the start
  return out.filter((l, k) => l.anchor !== undefined || (k > 0 && out[k - 1]!.anchor !== undefined));
}

/** Formats a parsed file. The AST should be free of syntax errors (ErrorExpr and ErrorTypeExpr print as `<error>`). */
export function formatFile(ast: A.PolicyFile, given: SourceFile): string {
  // A lone CR ends a line as LF does (the lexer says so); as LF it is what the line scans below look
  // for, at the same offsets (one character for one)
  const source: SourceFile = { ...given, text: given.text.replace(/\r(?!\n)/g, "\n") };
  const p = new Printer(ast.comments);
  type Decl =
    | { kind: "header"; node: A.PolicyHeader }
    | { kind: "input"; node: A.InputDecl }
    | { kind: "let"; node: A.LetDecl }
    | { kind: "rule"; node: A.RuleDecl }
    | { kind: "test"; node: A.TestDecl };
  const decls: Decl[] = [];
  if (ast.header) decls.push({ kind: "header", node: ast.header });
  if (ast.input) decls.push({ kind: "input", node: ast.input });
  for (const n of ast.lets) decls.push({ kind: "let", node: n });
  for (const n of ast.rules) decls.push({ kind: "rule", node: n });
  for (const n of ast.tests) decls.push({ kind: "test", node: n });
  decls.sort((a, b) => a.node.span.start - b.node.span.start);
  decls.forEach((d, k) => {
    const prev = decls[k - 1];
    if (prev) {
      // consecutive lets stay together unless a blank line follows the first one's line (looking
      // only there, not at comments further on, which may move)
      const keepTogether = prev.kind === "let" && d.kind === "let" && !blankLineAfter(source.text, prev.node.span.end);
      if (!keepTogether) p.blank();
    }
    switch (d.kind) {
      case "header": p.header(d.node); break;
      case "input": p.input(d.node); break;
      case "let": p.letDecl(d.node); break;
      case "rule": p.rule(d.node); break;
      case "test": p.test(d.node); break;
      default: assertUnreachable(d);
    }
  });
  const lines = placeComments(p.lines, ast.comments, source.text);
  const text = lines.map((l) => (l.text === "" ? "" : " ".repeat(l.indent) + l.text + (l.trailing ? " " + l.trailing : ""))).join("\n");
  return text === "" ? "" : text + "\n";
}
