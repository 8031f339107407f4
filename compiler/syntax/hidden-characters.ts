// Characters a reader cannot see for what they are, where the formatter cannot escape them.
//
// `writ fmt` writes such characters as escapes in every string it prints (literals.ts, quoteString)
// and prints a quoted field name holding one as the index it means (format.ts, printSelect). What
// is left is said here, over the parsed file and its text:
//
//   W0701 (warning) a bidirectional control character (U+202A–U+202E, U+2066–U+2069) written as it
//         is in a comment, a string literal or a quoted field name. It makes the line display in
//         another order than the compiler reads it ("Trojan Source", CVE-2021-42574): a reviewer
//         reads other code than what runs. Comments are printed as they are, and the source under
//         review is not always formatted. Elsewhere such a character starts no token (W0105).
//   W0702 (error) a quoted field name holding an INVISIBLE character where there is no index to
//         print it as: the field of `has()`, a part of a message's type name. A quoted name has no
//         escapes, so it could only be printed as what it does not show.
//
// A character an editor may show as a line end (U+2028…) stands in no comment: a `//` comment stops
// before it, and it is refused there (line-end-lookalikes.ts, W0105).

import { type Diagnostic, error, quotedName, warning } from "../diagnostics.js";
import type * as A from "./ast.js";
import { printExpr } from "./format.js";
import * as T from "./lexer.js";
import { codePoint, firstInvisible, quoteString } from "./literals.js";

export const HiddenCharacterCodes = {
  bidiControl: "W0701",
  hiddenQuotedName: "W0702",
} as const;

/** The bidirectional embeddings, overrides and isolates, and the two that end them. */
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;

// a Map, not an object: a character looked up that is not among them reads nothing inherited
const BIDI_NAMES: ReadonlyMap<string, string> = new Map([
  ["\u202a", "left-to-right embedding"],
  ["\u202b", "right-to-left embedding"],
  ["\u202c", "pop directional formatting"],
  ["\u202d", "left-to-right override"],
  ["\u202e", "right-to-left override"],
  ["\u2066", "left-to-right isolate"],
  ["\u2067", "right-to-left isolate"],
  ["\u2068", "first strong isolate"],
  ["\u2069", "pop directional isolate"],
]);


/** Both diagnostics for a parsed file (its syntax errors apart), in no particular order. */
export function lintHiddenCharacters(ast: A.PolicyFile, text: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const selections = new Map<number, A.SelectExpr>();
  const refusedNames = hiddenNamesWithoutIndex(ast, selections, diagnostics);
  bidiControls(text, selections, refusedNames, diagnostics);
  return diagnostics;
}

/** Longest selection a help writes out whole as the index it means (`m["…"]`); of a longer one, the index alone. */
const MAX_SHOWN_SELECTION = 60;

/** The index a selection means, as fmt prints it (`m["ad\u202emin"]`), or its key's part alone. */
function indexForm(select: A.SelectExpr | undefined, name: string): string {
  // printed only when its source is short too: a long operand is not printed to be dropped
  const short = select !== undefined && select.span.end - select.span.start <= 2 * MAX_SHOWN_SELECTION;
  const whole = short ? printExpr(select) : undefined;
  return whole !== undefined && whole.length <= MAX_SHOWN_SELECTION ? whole : `…[${quotedName(quoteString(name))}]`;
}

/** An operand as the right side of `in` prints it: bracketed where an operator would take it apart. */
function mapOperand(e: A.Expr): string {
  const text = printExpr(e);
  return e.kind === "Conditional" || e.kind === "Binary" || e.kind === "Unary" ? `(${text})` : text;
}

/**
 * W0702 for every quoted name holding an INVISIBLE character in `has()` or a message's type name;
 * gives the offsets where those names start (W0701 is not said of them again).
 */
function hiddenNamesWithoutIndex(ast: A.PolicyFile, selections: Map<number, A.SelectExpr>, diagnostics: Diagnostic[]): Set<number> {
  const refused = new Set<number>();
  const refuse = (select: A.SelectExpr, where: "has" | "type") => {
    const hidden = firstInvisible(select.field);
    if (hidden === undefined) return;
    refused.add(select.fieldSpan.start);
    const bidiName = BIDI_NAMES.get(hidden);
    const shown = bidiName === undefined ? codePoint(hidden) : `${codePoint(hidden)} (${bidiName})`;
    if (where === "has")
      diagnostics.push(
        error(
          HiddenCharacterCodes.hiddenQuotedName,
          `the quoted field name \`${quotedName(quoteString(select.field))}\` holds ${shown}, which a reader cannot see for what it is: a quoted name has no escapes, and \`has()\` takes no index to write it as`,
          select.fieldSpan,
          `on a map, \`has(m.f)\` is \`"f" in m\`: write \`${quotedName(quoteString(select.field))} in ${quotedName(mapOperand(select.operand))}\``,
        ),
      );
    else
      diagnostics.push(
        error(
          HiddenCharacterCodes.hiddenQuotedName,
          `the quoted name \`${quotedName(quoteString(select.field))}\` in a message's type name holds ${shown}, which a reader cannot see for what it is, and a quoted name has no escapes`,
          select.fieldSpan,
        ),
      );
  };
  // an explicit stack: a condition may nest 500 levels, and this walk needs no frame for each
  const pending: A.Expr[] = [];
  for (const d of ast.lets) pending.push(d.value);
  for (const r of ast.rules) if (r.condition) pending.push(r.condition);
  for (let e = pending.pop(); e !== undefined; e = pending.pop()) {
    switch (e.kind) {
      case "Select":
        // each selection by where its name starts, for W0701's help (only those it may need)
        if (BIDI_CONTROL.test(e.field)) selections.set(e.fieldSpan.start, e);
        pending.push(e.operand);
        break;
      case "Index":
        pending.push(e.operand, e.index);
        break;
      case "Call":
        if (e.target) pending.push(e.target);
        if (e.target === undefined && e.fn === "has") for (const a of e.args) if (a.kind === "Select") refuse(a, "has");
        for (const a of e.args) pending.push(a);
        break;
      case "Unary":
        pending.push(e.operand);
        break;
      case "Binary":
        pending.push(e.left, e.right);
        break;
      case "Conditional":
        pending.push(e.test, e.then, e.otherwise);
        break;
      case "List":
        // one at a time: a list literal may hold more elements than a call takes arguments
        for (const el of e.elements) pending.push(el);
        break;
      case "Map":
        for (const entry of e.entries) pending.push(entry.key, entry.value);
        break;
      case "Struct":
        for (let t: A.Expr = e.type; t.kind === "Select"; t = t.operand) refuse(t, "type");
        for (const f of e.fields) pending.push(f.value);
        break;
      default:
        // literals, names, error placeholders: nothing inside
        break;
    }
  }
  return refused;
}

/** W0701 for each comment, string literal and quoted name written with a bidirectional control in it. */
function bidiControls(text: string, selections: ReadonlyMap<number, A.SelectExpr>, refusedNames: ReadonlySet<number>, diagnostics: Diagnostic[]): void {
  // most files hold none; only a file that does is lexed again, to tell where each one stands
  if (!BIDI_CONTROL.test(text)) return;
  const lexed = T.lex(text);
  for (const token of [...lexed.comments, ...lexed.tokens]) {
    const place =
      token.tokenType === T.Comment ? "comment" : token.tokenType === T.StringLiteral ? "string" : token.tokenType === T.QuotedName ? "name" : undefined;
    if (place === undefined || refusedNames.has(token.startOffset)) continue;
    const at = BIDI_CONTROL.exec(token.image);
    if (at === null) continue;
    const ch = at[0];
    const span = { start: token.startOffset + at.index, end: token.startOffset + at.index + 1 };
    const what = `${codePoint(ch)} (${BIDI_NAMES.get(ch)!})`;
    const effect = "a bidirectional control character: the line displays in another order than the compiler reads it";
    if (place === "comment")
      diagnostics.push(warning(HiddenCharacterCodes.bidiControl, `this comment holds ${what}, ${effect}`, span, `remove it; a comment can name it by its code point, \`${codePoint(ch)}\``));
    else if (place === "string")
      diagnostics.push(warning(HiddenCharacterCodes.bidiControl, `this string holds ${what}, ${effect}`, span, `write it as the escape \`${quoteString(ch).slice(1, -1)}\`, as \`writ fmt\` does`));
    else
      diagnostics.push(
        warning(
          HiddenCharacterCodes.bidiControl,
          `this quoted field name holds ${what}, ${effect}`,
          span,
          `write it as an index, \`${indexForm(selections.get(token.startOffset), token.image.slice(1, -1))}\`, as \`writ fmt\` does`,
        ),
      );
  }
}
