// A union type, as TypeScript writes one, in the input block: `status: string | int`,
// `plan: "free" | "pro"`. Writ has none, and no token starts with `|`: the lexer left it out, and
// it was reported with the help an expression's lone `|` gets ("write `||` for `|`", wrong in a
// schema); the parser then read the member after it as the next field's name ("expected `:`", a
// second error), and a string literal where a type goes was one more. A union is now one error,
// with the type to declare, and is read as one type that is no type: the rest of the record is
// read as written, and the field is declared without a type, so that its uses raise nothing.

import type { IToken } from "chevrotain";
import { error, type Diagnostic } from "../diagnostics.js";
import type * as A from "./ast.js";
import { tokenMatcher } from "./chevrotain.js";
import { W } from "./diagnostic-codes.js";
import * as T from "./lexer.js";
import { startsField, type StrayRun } from "./lexing.js";
import { nameWrittenAsString } from "./schema-slips.js";

export const UNION_MESSAGE = "a field has one type: Writ has no union types";

/** Longest type, value list or field path a help quotes; a longer one is left out of it. */
const MAX_SHOWN = 60;

/** the matching closer of the bracket a type may hold */
const CLOSER_OF = new Map([
  [T.Lt, T.Gt],
  [T.LBracket, T.RBracket],
  [T.LParen, T.RParen],
  [T.LBrace, T.RBrace],
]);
const OPENER_OF = new Map([...CLOSER_OF].map(([open, close]) => [close, open]));

/**
 * Most tokens a member of a union is looked for over: a member is not looked for through the whole
 * block, so that a text full of `|` with brackets never closed is not read once per `|`.
 */
const MAX_MEMBER_TOKENS = 1024;

/**
 * The index of the bracket that matches the one at `from`, looking forward (`step` 1) or back (-1),
 * or undefined when none does within MAX_MEMBER_TOKENS.
 */
function matching(tokens: readonly IToken[], from: number, step: 1 | -1): number | undefined {
  const open = tokens[from]!.tokenType;
  const close = step === 1 ? CLOSER_OF.get(open) : OPENER_OF.get(open);
  let depth = 0;
  for (let i = from; i >= 0 && i < tokens.length && Math.abs(i - from) <= MAX_MEMBER_TOKENS; i += step) {
    const kind = tokens[i]!.tokenType;
    if (kind === open) depth++;
    else if (kind === close && --depth === 0) return i;
  }
  return undefined;
}

/** whether token `t` is a value a member of a union may be: a string, a number, `true`, `false`, `null` */
const isLiteral = (t: IToken): boolean =>
  tokenMatcher(t, T.AnyString) || [T.IntLiteral, T.UintLiteral, T.DoubleLiteral, T.True, T.False, T.Null].includes(t.tokenType);

/**
 * Where the member of a union that starts at `start` ends (the index after its last token): a
 * record `{ … }`, a literal (`"free"`, `-1`), or a type's name with its arguments and bound
 * (`list<string>(8)`, `string[]`). Undefined where none starts there, or where a field does
 * (`a: string | b: int`, a `,` left out and a `|` written: the field is the next one).
 */
function memberEnd(tokens: readonly IToken[], start: number): number | undefined {
  const t = tokens[start];
  if (t === undefined) return undefined;
  if (t.tokenType === T.LBrace) {
    const close = matching(tokens, start, 1);
    return close === undefined ? undefined : close + 1;
  }
  if (t.tokenType === T.Minus) return tokens[start + 1]?.tokenType === T.IntLiteral ? start + 2 : undefined;
  if (isLiteral(t)) return start + 1;
  if (!tokenMatcher(t, T.AnyName) || startsField(t, tokens[start + 1])) return undefined;
  let i = start + 1;
  for (const open of [T.Lt, T.LBracket, T.LParen]) {
    if (tokens[i]?.tokenType !== open) continue;
    const close = matching(tokens, i, 1);
    if (close === undefined) return undefined;
    i = close + 1;
  }
  return i;
}

/** Where the member of a union that ends before `end` starts (memberEnd, read back), or undefined. */
function memberStart(tokens: readonly IToken[], end: number): number | undefined {
  let i = end - 1;
  const last = tokens[i];
  if (last === undefined) return undefined;
  if (last.tokenType === T.RBrace) return matching(tokens, i, -1);
  if (isLiteral(last)) return tokens[i - 1]?.tokenType === T.Minus && last.tokenType === T.IntLiteral ? i - 1 : i;
  // a type's bound, then its arguments, back to its name
  for (const close of [T.RParen, T.RBracket, T.Gt]) {
    if (tokens[i]?.tokenType !== close) continue;
    const open = matching(tokens, i, -1);
    if (open === undefined) return undefined;
    i = open - 1;
  }
  const name = tokens[i];
  return name !== undefined && tokenMatcher(name, T.AnyName) ? i : undefined;
}

/** One union: its members, tokens [start, end), and where its text starts (a leading `|` included). */
interface Union {
  readonly start: number;
  end: number;
  readonly from: number;
}

/**
 * The input block's tokens with each union type (members joined by a lone `|`, `bars`, which
 * the lexer left out) read as one name whose text is the union's own (`string | int`): no name
 * can hold a `|`, so untypeUnions knows it for a union. Each is reported once (W0105), with the
 * type to declare; a `|` that joins no two members, and a lone `&`, are handed back as strays,
 * to be reported as characters that start no token. `operators` are in text order.
 */
export function readUnionTypes(text: string, tokens: IToken[], operators: readonly StrayRun[], diagnostics: Diagnostic[]): { tokens: IToken[]; strays: StrayRun[] } {
  const strays: StrayRun[] = [];
  const unions: Union[] = [];
  let k = 0;
  for (const r of operators) {
    if (text[r.offset] !== "|") {
      strays.push(r);
      continue;
    }
    // the first token after the `|`
    while (k < tokens.length && tokens[k]!.startOffset < r.offset) k++;
    const end = memberEnd(tokens, k);
    const last = unions[unions.length - 1];
    if (end !== undefined && last !== undefined && last.end === k) {
      last.end = end;
      continue;
    }
    const start = memberStart(tokens, k);
    // (`status: | "a" | "b"`, as TypeScript allows a union to start, with a `|` of its own)
    const leading = tokens[k - 1]?.tokenType === T.Colon;
    if (end === undefined || (start === undefined && !leading)) {
      strays.push(r);
      continue;
    }
    unions.push(start === undefined ? { start: k, end, from: r.offset } : { start, end, from: tokens[start]!.startOffset });
  }
  if (unions.length === 0) return { tokens, strays };
  const read: IToken[] = [];
  const paths = fieldPaths(tokens);
  let next = 0;
  for (const u of unions) {
    for (; next < u.start; next++) read.push(tokens[next]!);
    const lastToken = tokens[u.end - 1]!;
    const image = text.slice(u.from, lastToken.startOffset + lastToken.image.length);
    diagnostics.push(error(W.UnexpectedCharacter, UNION_MESSAGE, { start: u.from, end: u.from + image.length }, unionHelp(text, tokens, u, paths(u.start))));
    read.push({ image, startOffset: u.from, endOffset: u.from + image.length - 1, tokenType: T.Identifier, tokenTypeIdx: T.Identifier.tokenTypeIdx! });
    next = u.end;
  }
  for (; next < tokens.length; next++) read.push(tokens[next]!);
  return { tokens: read, strays };
}

/** The field whose type a union is: its name, whether it is optional, and its path from the request. */
interface Field {
  readonly name: string;
  readonly optional: boolean;
  /** `order.status`, as a condition reads it; undefined inside a type's arguments (`list<{ … }>`) */
  readonly path: string | undefined;
}

/**
 * Asked with increasing indices, the field whose type starts at each (`name:` or `name?:` just
 * before it), or undefined where none does: the tokens are read once in all, the names of the
 * records open at each index kept on a stack.
 */
function fieldPaths(tokens: readonly IToken[]): (at: number) => Field | undefined {
  // per `{` open: the name of the field it is the record of, or undefined where it is none's
  // (the input block's own, one inside `list<…>`)
  const open: (string | undefined)[] = [];
  let read = 0;
  /** the field whose type starts at index `at`, where one does */
  const fieldAt = (at: number): { name: string; optional: boolean } | undefined => {
    const optional = tokens[at - 2]?.tokenType === T.Question;
    const name = tokens[at - (optional ? 3 : 2)];
    if (tokens[at - 1]?.tokenType !== T.Colon || name === undefined || !tokenMatcher(name, T.AnyName)) return undefined;
    // (a name written in quotes, `"d": …`, is the name it holds: quoted, a rule's `"d" in […]` is a
    // string, and always false; one holding no name is no field a rule can read)
    const quotedName = nameWrittenAsString(name);
    if (quotedName === undefined) return { name: name.image, optional };
    return quotedName.name === undefined ? undefined : { name: quotedName.name, optional };
  };
  return (at) => {
    for (; read < at; read++) {
      const kind = tokens[read]!.tokenType;
      if (kind === T.LBrace) open.push(read === 1 ? "" : fieldAt(read)?.name);
      else if (kind === T.RBrace) open.pop();
    }
    const field = fieldAt(at);
    if (field === undefined) return undefined;
    const records = open.slice(1);
    const path = open[0] === "" && records.every((n) => n !== undefined) ? [...records, field.name].join(".") : undefined;
    return { ...field, path };
  };
}

/** `text` in backticks, or undefined where it is too long to read or cannot be quoted as it is. */
const quoted = (text: string): string | undefined => (text.length > MAX_SHOWN || /[`\r\n]/.test(text) ? undefined : `\`${text}\``);

/**
 * What to declare instead of a union: its one type, `string` for strings (`"free" | "pro"`, whose
 * values a rule tests), `int` for numbers, the field optional where a member is `null` or
 * `undefined`, or one of its types where they differ.
 */
function unionHelp(text: string, tokens: readonly IToken[], u: Union, field: Field | undefined): string {
  // (a number that is no `int`, `1.5` or `1u`, is of no type Writ declares)
  const members: { image: string; kind: "string" | "int" | "bool" | "absent" | "type" | "other" }[] = [];
  for (let i = u.start; i < u.end; ) {
    const end = memberEnd(tokens, i)!;
    const t = tokens[i]!;
    const image = text.slice(t.startOffset, tokens[end - 1]!.startOffset + tokens[end - 1]!.image.length);
    const kind =
      tokenMatcher(t, T.AnyString) ? "string"
      : t.tokenType === T.IntLiteral || t.tokenType === T.Minus ? "int"
      : t.tokenType === T.True || t.tokenType === T.False ? "bool"
      : t.tokenType === T.Null || (t.tokenType === T.Identifier && t.image === "undefined") ? "absent"
      : isLiteral(t) ? "other"
      : "type";
    members.push({ image, kind });
    i = end;
  }
  const present = members.filter((m) => m.kind !== "absent");
  const absent = present.length < members.length;
  // the type of each member: a value's (`"free"` is a `string`), or the type it is
  const types = [...new Set(present.map((m) => (m.kind === "type" ? boundAsWritten(m.image) : m.kind === "other" ? undefined : m.kind)))];
  const [type] = types;
  if (types.length !== 1 || type === undefined) {
    const shown = types.map((t) => (t === undefined ? undefined : quoted(t)));
    const listed = types.length >= 2 && types.length <= 4 && shown.every((q) => q !== undefined);
    return listed ? `declare one type for the field: ${shown.slice(0, -1).join(", ")} or ${shown[shown.length - 1]}` : "declare one type for the field";
  }
  const declared = field === undefined ? quoted(type) : quoted(`${field.name}${field.optional || absent ? "?" : ""}: ${type}`);
  const declare = declared === undefined ? "declare one type for the field" : `declare ${declared}`;
  // values, whose type is declared and which a rule tests
  if (present.every((m) => m.kind === "string") || present.every((m) => m.kind === "int")) {
    const test = field?.path === undefined ? undefined : quoted(`${field.path} in [${present.map((m) => m.image).join(", ")}]`);
    return `${declare} and test the values in a rule${test === undefined ? "" : `: ${test}`}`;
  }
  return absent ? `${declare}: a field that may be absent is optional` : declare;
}

/** A member's type as Writ writes it: a string's bound in `<…>` or `[…]` (`string<64>`) is `string(64)`. */
function boundAsWritten(type: string): string {
  const bound = /^string\s*[<[]\s*(\d+)\s*[>\]]$/.exec(type);
  return bound === null ? type : `string(${bound[1]})`;
}

/** whether a type is a union (readUnionTypes), or holds one as a type argument (`list<string | int>`) */
function isUnion(t: A.TypeExpr): boolean {
  switch (t.kind) {
    case "PrimitiveTypeExpr": return t.name.includes("|");
    case "ListTypeExpr": return isUnion(t.element);
    case "MapTypeExpr": return isUnion(t.key) || isUnion(t.value);
    default: return false;
  }
}

/** whether a type is a union or holds one, in a type argument or a field of a record */
function holdsUnion(t: A.TypeExpr): boolean {
  return t.kind === "RecordTypeExpr" ? t.fields.some((f) => holdsUnion(f.type)) : isUnion(t) || (t.kind === "ListTypeExpr" && holdsUnion(t.element)) || (t.kind === "MapTypeExpr" && holdsUnion(t.value));
}

/** `t` with each field of its records whose type is a union given a type that is no type (reported) */
function withoutUnions(t: A.TypeExpr): A.TypeExpr {
  switch (t.kind) {
    case "ListTypeExpr": return { ...t, element: withoutUnions(t.element) };
    case "MapTypeExpr": return { ...t, key: withoutUnions(t.key), value: withoutUnions(t.value) };
    case "RecordTypeExpr": return { ...t, fields: t.fields.map((f) => ({ ...f, type: isUnion(f.type) ? { kind: "ErrorTypeExpr", span: f.type.span } : withoutUnions(f.type) })) };
    default: return t;
  }
}

/**
 * The input block with each field whose type is a union (reported) declared without a type, as
 * a field whose type the parser could not read is: a top-level field by name in `untyped`, a
 * nested one with an ErrorTypeExpr. Its uses raise nothing, where any one type would have made
 * a use of the others an error more.
 */
export function untypeUnions(input: A.InputDecl): A.InputDecl {
  if (!input.fields.some((f) => holdsUnion(f.type))) return input;
  const untyped = input.fields.filter((f) => isUnion(f.type)).map((f) => f.name);
  const fields = input.fields.filter((f) => !isUnion(f.type)).map((f) => ({ ...f, type: withoutUnions(f.type) }));
  return { ...input, fields, ...(untyped.length > 0 && { untyped: [...(input.untyped ?? []), ...untyped] }) };
}
