// Tokens of the Writ language and of CEL expressions (Chevrotain lexer).
//
// Token families, in the order the lexer tries them (Chevrotain takes the first pattern that
// matches, so longer or more specific forms come first):
//   - whitespace (skipped) and `//` comments (kept in the `comments` group for the formatter; one
//     ends at a newline, or before a character shown as a line end and read as none);
//   - string literals with every CEL prefix (r, b, rb, br, any case) and quote style, scanned by
//     a hand-written matcher because raw strings end at the first matching quote while cooked
//     strings honour `\"`; an unterminated string becomes its own token so the parser can carry on;
//   - numbers: doubles before uints before ints, so `1e3`, `1u` and `0x1F` lex whole;
//   - keywords (declared with `longer_alt: Identifier`, so `permits` is an identifier), then
//     identifiers and backtick-quoted field names;
//   - punctuation, two-character operators before their one-character prefixes.
//
// Two token categories encode the grammar's name classes:
//   AnyName — NAME: any identifier or keyword (field names, data keys, `resource.version`);
//   Ident   — IDENT: an identifier or a contextual keyword (`version expect allow deny by errors invalid`).

import type { IToken, TokenType } from "chevrotain";
import { createToken, Lexer } from "./chevrotain.js";
import { LINE_END_LOOKALIKE_CLASS } from "./line-end-lookalikes.js";

export const AnyName = createToken({ name: "AnyName", pattern: Lexer.NA, label: "a name" });
export const Ident = createToken({ name: "Ident", pattern: Lexer.NA, categories: [AnyName], label: "an identifier" });

/** both string tokens, so an unterminated string still fills a string slot and parsing goes on */
export const AnyString = createToken({ name: "AnyString", pattern: Lexer.NA, label: "a string" });
/** every binary operator; the builder applies CEL's precedence (one grammar level, not five) */
export const BinOp = createToken({ name: "BinOp", pattern: Lexer.NA, label: "an operator" });
export const RelOp = createToken({ name: "RelOp", pattern: Lexer.NA, label: "a comparison" });
export const AddOp = createToken({ name: "AddOp", pattern: Lexer.NA, label: "`+` or `-`" });
export const MulOp = createToken({ name: "MulOp", pattern: Lexer.NA, label: "`*`, `/` or `%`" });

export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r\n\f]+/, group: Lexer.SKIPPED });
/**
 * `//` to the end of its line, or to the first character an editor may show as a line end and Writ
 * reads as none (U+2028, U+2029, NEL, vertical tab, form feed): run on past one, the comment would
 * hide, as comment, text a reader sees as the next line's code. That character is then refused
 * where it stands (line-end-lookalikes.ts).
 */
export const Comment = createToken({ name: "Comment", pattern: new RegExp(`//[^\\n\\r${LINE_END_LOOKALIKE_CLASS}]*`), group: "comments" });
/**
 * Where a `/* … *\/` comment starting at `offset` ends, and whether its `*\/` closes it.
 *
 * It is closed by the first `*\/` after it, unless another `/*` comes first: then the `*\/` is that
 * one's, and this one is never closed (`/* note * /`, a space in its `*\/`); read on to that `*\/`,
 * it would swallow every declaration between the two, unreported.
 *
 * A comment never closed ends before the first line after it that starts a declaration (a line
 * whose first word is `policy`, `input`, `let`, `permit`, `forbid` or `test`, or that starts with
 * `@`), else at the end of the file. Ended with its own line, each further line of a comment over
 * several (`/*` then prose, as C heads a file) would be read as code, an error or more a line;
 * ended nowhere, it would hide the rest of the file. A lowercase declaration keyword opening a line
 * is where a Writ file starts a declaration, and seldom how a line of prose starts: so the
 * declarations after the comment are checked, and its own lines are not read as code.
 * INVARIANT: it takes at least the `/*`, and no text after the line break before such a line.
 */
export function scanBlockComment(text: string, offset: number): { end: number; closed: boolean } {
  COMMENT_MARK.lastIndex = offset + 2;
  const mark = COMMENT_MARK.exec(text);
  if (mark?.[0] === "*/") return { end: mark.index + 2, closed: true };
  DECLARATION_LINE.lastIndex = offset + 2;
  const line = DECLARATION_LINE.exec(text);
  return { end: line ? line.index : text.length, closed: false };
}
/** the next `*\/` or `/*`: searching no further than the next `/*` keeps lexing many comments linear */
const COMMENT_MARK = /\*\/|\/\*/g;
/** a line break before a line that starts a declaration */
const DECLARATION_LINE = /(?:\r\n|[\n\r])(?=[ \t\f]*(?:(?:policy|input|let|permit|forbid|test)(?![_a-zA-Z0-9.:?])|@))/g;
/** `#` to the end of its line, as Rego and shells write a comment */
const HASH_COMMENT = /#[^\n\r]*/y;

const foreignComment = (closed: boolean) => (text: string, offset: number): [string] | null => {
  if (text[offset] === "#") {
    if (!closed) return null;
    HASH_COMMENT.lastIndex = offset;
    return HASH_COMMENT.exec(text) as [string] | null;
  }
  if (text[offset] !== "/" || text[offset + 1] !== "*") return null;
  const c = scanBlockComment(text, offset);
  return c.closed === closed ? [text.slice(offset, c.end)] : null;
};

/**
 * Comments of other languages (`# …` of Rego and shells, `/* … *\/` of C and Cedar), taken whole so
 * that one error says what they are, where the tokens inside would each give an error of their own.
 * Neither `#` nor `/*` can start valid code outside a string.
 */
export const ForeignComment = createToken({
  name: "ForeignComment",
  pattern: { exec: foreignComment(true) },
  start_chars_hint: ["#", "/"],
  line_breaks: true,
  group: "foreign",
});
/** a `/*` no `*\/` closes (scanBlockComment says where it is taken to end) */
export const UnclosedBlockComment = createToken({
  name: "UnclosedBlockComment",
  pattern: { exec: foreignComment(false) },
  start_chars_hint: ["/"],
  line_breaks: true,
  group: "foreign",
});

/**
 * Where a string literal starting at `offset` ends, or undefined when there is no string there.
 * INVARIANT: agrees with the decoder in literals.ts about where escapes are honoured.
 */
export function scanString(text: string, offset: number): { end: number; terminated: boolean } | undefined {
  let i = offset;
  let raw = false;
  let bytes = false;
  // at most one raw and one bytes prefix, in either order
  for (let k = 0; k < 2; k++) {
    const c = text[i];
    if ((c === "r" || c === "R") && !raw) raw = true;
    else if ((c === "b" || c === "B") && !bytes) bytes = true;
    else break;
    i++;
  }
  const q = text[i];
  if (q !== '"' && q !== "'") return undefined;
  const triple = text[i + 1] === q && text[i + 2] === q;
  i += triple ? 3 : 1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "\\" && !raw) {
      // a cooked string: the escaped character never closes the string (validity is checked later)
      if (!triple && (text[i + 1] === "\n" || text[i + 1] === "\r")) return { end: i + 1, terminated: false };
      i += 2;
      continue;
    }
    if (triple) {
      if (c === q && text[i + 1] === q && text[i + 2] === q) return { end: i + 3, terminated: true };
    } else {
      if (c === q) return { end: i + 1, terminated: true };
      if (c === "\n" || c === "\r") return { end: i, terminated: false };
    }
    i++;
  }
  return { end: text.length, terminated: false };
}

const STRING_START = ['"', "'", "r", "R", "b", "B"];

export const StringLiteral = createToken({
  name: "StringLiteral",
  label: "a string",
  pattern: {
    exec: (text: string, offset: number) => {
      const s = scanString(text, offset);
      if (!s || !s.terminated) return null;
      return [text.slice(offset, s.end)] as [string];
    },
  },
  start_chars_hint: STRING_START,
  line_breaks: true,
  categories: [AnyString],
});

export const UnterminatedString = createToken({
  name: "UnterminatedString",
  label: "an unterminated string",
  pattern: {
    exec: (text: string, offset: number) => {
      const s = scanString(text, offset);
      if (!s || s.terminated) return null;
      return [text.slice(offset, s.end)] as [string];
    },
  },
  start_chars_hint: STRING_START,
  line_breaks: true,
  categories: [AnyString],
});

export const DoubleLiteral = createToken({
  name: "DoubleLiteral",
  label: "a number",
  pattern: /(?:\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\.\d+(?:[eE][+-]?\d+)?)/,
});
export const UintLiteral = createToken({ name: "UintLiteral", label: "a number", pattern: /(?:0[xX][0-9a-fA-F]+|\d+)[uU]/ });
export const IntLiteral = createToken({ name: "IntLiteral", label: "a number", pattern: /0[xX][0-9a-fA-F]+|\d+/ });

export const Identifier = createToken({
  name: "Identifier",
  pattern: /[_a-zA-Z][_a-zA-Z0-9]*/,
  categories: [Ident, AnyName],
  label: "an identifier",
});
/** `` `content-type` ``: CEL's quoted field name, valid only after `.` */
export const QuotedName = createToken({ name: "QuotedName", pattern: /`[^`\r\n]*`/, label: "a quoted field name" });

function keyword(word: string, categories: TokenType[] = [AnyName]): TokenType {
  const name = "Kw_" + word;
  return createToken({ name, pattern: new RegExp(word), longer_alt: Identifier, categories, label: "`" + word + "`" });
}

// Writ's declaration keywords: reserved as bare identifiers in expressions
export const Policy = keyword("policy");
export const Input = keyword("input");
export const Let = keyword("let");
export const Permit = keyword("permit");
export const Forbid = keyword("forbid");
export const When = keyword("when");
export const Test = keyword("test");
// contextual keywords: plain identifiers everywhere else
export const Version = keyword("version", [Ident, AnyName]);
export const Expect = keyword("expect", [Ident, AnyName]);
export const Allow = keyword("allow", [Ident, AnyName]);
export const Deny = keyword("deny", [Ident, AnyName]);
export const By = keyword("by", [Ident, AnyName]);
export const Errors = keyword("errors", [Ident, AnyName]);
export const Invalid = keyword("invalid", [Ident, AnyName]);
// CEL keywords
export const True = keyword("true");
export const False = keyword("false");
export const Null = keyword("null");
export const In = keyword("in", [AnyName, RelOp, BinOp]);

/** CEL's reserved words (minus `let`, a Writ keyword above): never identifiers, always names */
export const CEL_RESERVED = [
  "as", "break", "const", "continue", "else", "for", "function", "if", "import",
  "loop", "package", "namespace", "return", "var", "void", "while",
] as const;
export const Reserved = createToken({
  name: "Reserved",
  // longest first so `import` is not read as `if`-prefixed; longer_alt keeps `iffy` an identifier
  pattern: new RegExp([...CEL_RESERVED].sort((a, b) => b.length - a.length).join("|")),
  longer_alt: Identifier,
  categories: [AnyName],
  label: "a reserved word",
});

const punct = (name: string, pattern: string, categories: TokenType[] = []) =>
  createToken({
    name,
    pattern: new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")),
    label: "`" + pattern + "`",
    categories,
  });

export const OrOr = punct("OrOr", "||", [BinOp]);
export const AndAnd = punct("AndAnd", "&&", [BinOp]);
export const EqEq = punct("EqEq", "==", [RelOp, BinOp]);
export const NotEq = punct("NotEq", "!=", [RelOp, BinOp]);
export const LtEq = punct("LtEq", "<=", [RelOp, BinOp]);
export const GtEq = punct("GtEq", ">=", [RelOp, BinOp]);
export const Lt = punct("Lt", "<", [RelOp, BinOp]);
export const Gt = punct("Gt", ">", [RelOp, BinOp]);
export const Bang = punct("Bang", "!");
export const Assign = punct("Assign", "=");
export const Plus = punct("Plus", "+", [AddOp, BinOp]);
export const Minus = punct("Minus", "-", [AddOp, BinOp]);
export const Star = punct("Star", "*", [MulOp, BinOp]);
export const Slash = punct("Slash", "/", [MulOp, BinOp]);
export const Percent = punct("Percent", "%", [MulOp, BinOp]);
export const DotQuestion = punct("DotQuestion", ".?");
export const LBracketQuestion = punct("LBracketQuestion", "[?");
export const Question = punct("Question", "?");
export const Colon = punct("Colon", ":");
export const Comma = punct("Comma", ",");
export const Dot = punct("Dot", ".");
export const LParen = punct("LParen", "(");
export const RParen = punct("RParen", ")");
export const LBracket = punct("LBracket", "[");
export const RBracket = punct("RBracket", "]");
export const LBrace = punct("LBrace", "{");
export const RBrace = punct("RBrace", "}");
export const At = punct("At", "@");

export const allTokens: TokenType[] = [
  WhiteSpace,
  Comment,
  ForeignComment,
  UnclosedBlockComment,
  StringLiteral,
  UnterminatedString,
  DoubleLiteral,
  UintLiteral,
  IntLiteral,
  Policy, Input, Let, Permit, Forbid, When, Test,
  Version, Expect, Allow, Deny, By, Errors, Invalid,
  True, False, Null, In,
  Reserved,
  Identifier,
  QuotedName,
  OrOr, AndAnd, EqEq, NotEq, LtEq, GtEq, Lt, Gt, Bang, Assign,
  Plus, Minus, Star, Slash, Percent,
  DotQuestion, LBracketQuestion, Question, Colon, Comma, Dot,
  LParen, RParen, LBracket, RBracket, LBrace, RBrace, At,
  // categories last: they match nothing themselves
  AnyName, Ident, AnyString, BinOp, RelOp, AddOp, MulOp,
];

/** The lexer is built once per process: Chevrotain analyses the token set on construction. */
export const writLexer = new Lexer(allTokens, {
  positionTracking: "onlyOffset",
  ensureOptimizations: false,
});

/**
 * Whether `name` is an IDENT: a name an expression can read bare. A field is declared with a NAME,
 * so a schema may give a field a name no condition can write bare (`input`, `in`, `if`); for a
 * top-level field, read by its bare name alone, the checker refuses that (W0207). Asked of the lexer
 * itself, so that the answer follows the keywords as they are.
 */
export function isIdentName(name: string): boolean {
  const { tokens, badChars, comments } = lex(name);
  const [token] = tokens;
  if (token === undefined || tokens.length !== 1 || badChars.length > 0 || comments.length > 0 || token.image !== name) return false;
  return (token.tokenType.CATEGORIES ?? []).includes(Ident);
}

export interface LexResult {
  readonly tokens: IToken[];
  readonly comments: IToken[];
  /** characters no token matches: offset and length of each run */
  readonly badChars: { offset: number; length: number }[];
  /** comments in another language's syntax (refused: a Writ comment starts with `//`) */
  readonly foreignComments: IToken[];
}

export function lex(text: string): LexResult {
  // A byte-order mark opening the file (editors on Windows write one) is read as a space: same
  // offsets, nothing to report. Anywhere else it stays an unexpected character.
  const r = writLexer.tokenize(text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text);
  // "onlyOffset" tracking records start offsets only; the parser's node locations need the ends
  for (const t of r.tokens) t.endOffset = t.startOffset + t.image.length - 1;
  return {
    tokens: r.tokens,
    comments: r.groups["comments"] ?? [],
    badChars: r.errors.map((e) => ({ offset: e.offset, length: e.length })),
    foreignComments: r.groups["foreign"] ?? [],
  };
}
