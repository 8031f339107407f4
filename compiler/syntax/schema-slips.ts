// Slips in the input block, as other languages write a schema: each is one error, with what to write
// where that is known, and what was meant is read (the field declared, the block read as the input
// block), so that its uses raise nothing more. A field's name in quotes (`"id": string`, as JSON
// writes a key), an optional field marked after its type (`n: int?`, as TypeScript and Kotlin write
// one), a string's bound in angle or square brackets (`string<64>`), a record's `{` left out
// (`actor: id: string, … }`) and the block written under another name (`Input {`).

import type { CstNode, IToken } from "chevrotain";
import { isToken, node, real, token } from "./cst-access.js";
import { tokenMatcher } from "./chevrotain.js";
import type { Chunk } from "./declarations.js";
import { annotationsBeforeEntry } from "./field-annotations.js";
import * as T from "./lexer.js";
import { startsField } from "./lexing.js";
import { decodeStringLiteral } from "./literals.js";
import { CLOSERS, OPENERS } from "./nesting.js";
import { closest } from "../../runtime/closest-name.js";

/** a name a field may have, as the lexer reads one */
const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

/** Longest type a help writes out; past it, the help shows `…` for the type. */
const MAX_SHOWN_TYPE = 40;

/**
 * The fields' names written as strings (readQuotedNames), each read as a name: the name it holds,
 * where its text is one, or undefined (`"content-type"`, bytes, an invalid escape)
 */
const QUOTED_NAMES = new WeakMap<IToken, string | undefined>();

/** A field's name written as a string (`"id"`): whether `t` is one, and the name it holds, if any. */
export function nameWrittenAsString(t: IToken | undefined): { readonly name: string | undefined } | undefined {
  return t !== undefined && QUOTED_NAMES.has(t) ? { name: QUOTED_NAMES.get(t) } : undefined;
}

/** The help for a field's name written as a string: the name to write, where its text is one. */
export function nameWrittenAsStringHelp(name: string | undefined): string {
  return name === undefined ? "field names are written without quotes, in letters, digits and `_`" : `field names are written without quotes: \`${name}\``;
}

/** The name a string written as a field's name holds (`"id"`, `'id'`), if its text is one. */
function nameInString(t: IToken): string | undefined {
  const decoded = decodeStringLiteral(t.image);
  return decoded.kind === "string" && decoded.problems.length === 0 && NAME.test(decoded.value) ? decoded.value : undefined;
}

/**
 * An input block's tokens with each string before `:` or `?:` read as a field's name (`"id":
 * string`, as JSON writes a key): a name token, for the builder to report once (nameWrittenAsString).
 * Skipped as text where a field should start, the field was missing, and each use of it a second
 * error. (No string is anything else in the block, and one before `:` can only be a field's name.)
 */
function readQuotedNames(tokens: IToken[]): IToken[] {
  if (!tokens.some((t) => t.tokenType === T.StringLiteral)) return tokens;
  return tokens.map((t, i) => {
    const colon = tokens[i + 1]?.tokenType === T.Question ? i + 2 : i + 1;
    if (t.tokenType !== T.StringLiteral || tokens[colon]?.tokenType !== T.Colon) return t;
    const name: IToken = { ...t, tokenType: T.Identifier, tokenTypeIdx: T.Identifier.tokenTypeIdx! };
    QUOTED_NAMES.set(name, nameInString(t));
    return name;
  });
}

/**
 * A file's declarations, its input block read for the slips in its shape that the grammar cannot
 * read: written under another name (withMisnamedInput), fields' names in quotes (readQuotedNames),
 * records' `{` left out (supplyMissingBraces).
 */
export function readInputBlocks(chunks: Chunk[]): WithMisnamedInput {
  const found = withMisnamedInput(chunks);
  const read = found.chunks.map((c) => (c.rule === "inputDecl" ? { ...c, tokens: supplyMissingBraces(readQuotedNames(c.tokens)) } : c));
  return { ...found, chunks: read };
}

/** The text of a field's type as written, tokens joined (`list<string(32)>(16)`), or `…` if long. */
function typeText(type: CstNode | undefined): string {
  const tokens: IToken[] = [];
  const visit = (n: CstNode) => {
    for (const list of Object.values(n.children)) {
      for (const c of list) {
        if (!isToken(c)) visit(c);
        else if (real(c)) tokens.push(c);
      }
    }
  };
  if (type) visit(type);
  tokens.sort((a, b) => a.startOffset - b.startOffset);
  if (tokens[0]?.tokenType === T.LBrace) return "{ … }";
  const text = tokens.map((t) => (t.tokenType === T.Comma ? ", " : t.image)).join("");
  return text === "" || text.length > MAX_SHOWN_TYPE ? "…" : text;
}

/**
 * Help for text after a field's type where a field should end (`field` the field read, `stray` the
 * token after it, `next` the one after that): a `?` after the type is an optional field written as
 * TypeScript writes one, `<64>` or `[64]` after `string` its bound. Undefined for any other text.
 */
export function strayAfterFieldHelp(field: CstNode, stray: IToken, next: IToken | undefined): string | undefined {
  const type = node(field, "typeExpr");
  if (stray.tokenType === T.Question && !token(field, "Question")) {
    const nameToken = token(field, "name");
    const name = nameWrittenAsString(nameToken)?.name ?? nameToken?.image;
    return `an optional field is written \`${name ?? "name"}?: ${typeText(type)}\``;
  }
  const bracket = stray.tokenType === T.Lt || stray.tokenType === T.LBracket;
  // (a plain `string`: no bound of its own, no type arguments)
  const plainString = token(type, "name")?.image === "string" && (type?.children["Lt"] ?? type?.children["LBracket"] ?? type?.children["LParen"]) === undefined;
  if (bracket && plainString && next?.tokenType === T.IntLiteral && /^\d+$/.test(next.image)) return `a string's bound is written \`string(${next.image})\``;
  return undefined;
}

/** whether tokens[at] starts a field with its `:` (`name:`, `name?:`) */
function startsNamedField(tokens: readonly IToken[], at: number): boolean {
  const colon = tokens[at + 1]?.tokenType === T.Question ? at + 2 : at + 1;
  return startsField(tokens[at], tokens[at + 1]) && tokens[colon]?.tokenType === T.Colon;
}

/** the `{` supplyMissingBraces puts in, which the text does not have: the builder reports each */
const SUPPLIED_BRACES = new WeakSet<IToken>();

/** whether `t` is a `{` supplyMissingBraces put in where a record's is missing */
export const isSuppliedBrace = (t: IToken | undefined): boolean => t !== undefined && SUPPLIED_BRACES.has(t);


/**
 * An input block's tokens with the `{` put in of each record whose `{` is missing (`actor: id:
 * string, oncall: bool }`): in a block with more `}` than `{`, a field (`name:` or `name?`) where a
 * field's type should be, after its `:`. As many are put in as there are `}` too many, at the first
 * such places; each is an empty token where the record's first field starts, for the builder to
 * report once. Read as it was, `id` was the type of `actor`, the record's `}` ended the block, and
 * each field after it was an error, or undeclared and each of its uses one. (With the braces even,
 * `a: b: int` is a field whose type is missing, read as before.) The tokens themselves where there
 * is none to put in.
 */
function supplyMissingBraces(tokens: IToken[]): IToken[] {
  let extra = 0;
  for (const t of tokens) extra += t.tokenType === T.RBrace ? 1 : t.tokenType === T.LBrace ? -1 : 0;
  if (extra <= 0) return tokens;
  const out: IToken[] = [];
  tokens.forEach((t, i) => {
    out.push(t);
    // (a field where its type should be is `name:` or `name?:`: `team: string?`, an optional field
    // marked after its type, is a type and a `?`, not a field)
    if (extra === 0 || t.tokenType !== T.Colon || !startsNamedField(tokens, i + 1)) return;
    // (the `:` is a field's: `name:` or `name?:`)
    const name = tokens[i - 1]?.tokenType === T.Question ? i - 2 : i - 1;
    if (!startsField(tokens[name], tokens[name + 1])) return;
    const at = tokens[i + 1]!.startOffset;
    const brace: IToken = { ...t, image: "", tokenType: T.LBrace, tokenTypeIdx: T.LBrace.tokenTypeIdx!, startOffset: at, endOffset: at - 1 };
    SUPPLIED_BRACES.add(brace);
    out.push(brace);
    extra--;
  });
  return out;
}

/** the words a declaration starts with, which a block's name close to one of them may have meant */
const DECLARATION_KEYWORDS = ["input", "policy", "let", "permit", "forbid", "when", "test"];

/** whether tokens[at] starts a field with its type (`name: type`, `name?: type`, `"name": type`) */
function startsTypedField(tokens: readonly IToken[], at: number, text: string | undefined): boolean {
  const name = tokens[at];
  if (name === undefined || !(tokenMatcher(name, T.AnyName) || name.tokenType === T.StringLiteral)) return false;
  const colon = tokens[at + 1]?.tokenType === T.Question ? at + 2 : at + 1;
  const type = tokens[colon + 1];
  if (tokens[colon]?.tokenType !== T.Colon || type === undefined) return false;
  return tokenMatcher(type, T.Ident) || type.tokenType === T.LBrace || unionOfLiterals(tokens, colon + 1, text);
}

/**
 * Whether tokens[at], a string or an int, is the first member of a union type (`"read" | "write"`,
 * as TypeScript writes one): a lone `|` follows it, which is no token, so it is read in the text
 * between it and the next token. A test's data never holds one.
 */
function unionOfLiterals(tokens: readonly IToken[], at: number, text: string | undefined): boolean {
  const literal = tokens[at]!;
  const next = tokens[at + 1];
  if (text === undefined || next === undefined || !(tokenMatcher(literal, T.AnyString) || literal.tokenType === T.IntLiteral)) return false;
  return /^\s*\|\s*$/.test(text.slice(literal.startOffset + literal.image.length, next.startOffset));
}

/**
 * Whether `name`, before a block's `{`, may be the input block's written under another name: a name
 * other than `input` itself (where it is not the input block, it is a test's data), not closer to
 * another declaration's word (`Test {`).
 */
export function namesInputLikeBlock(name: IToken): boolean {
  if (name.tokenType === T.Input || !tokenMatcher(name, T.AnyName)) return false;
  const meant = closest(name.image.toLowerCase(), DECLARATION_KEYWORDS);
  return meant === undefined || meant === "input";
}

/** whether tokens[at] starts a block written as the input block is (`NAME { name: type`, `NAME { }`) */
function startsInputLikeBlock(tokens: readonly IToken[], at: number, text: string | undefined): boolean {
  const name = tokens[at];
  if (name === undefined || tokens[at + 1]?.tokenType !== T.LBrace || !namesInputLikeBlock(name)) return false;
  // (an annotation before the first field, `@doc("…")`, is the block's to report: field-annotations.ts)
  const first = tokens[at + 2]?.tokenType === T.At ? annotationsBeforeEntry(tokens, at + 2, "input") : at + 2;
  return first !== undefined && (tokens[first]?.tokenType === T.RBrace || startsTypedField(tokens, first, text));
}

/** the declarations after whose end the input block may have been written under another name */
const FOLLOWED_BY_TEXT: ReadonlySet<Chunk["rule"]> = new Set(["junk", "header", "testDecl"]);

/** A file's declarations, with its input block written under another name cut out as one. */
export interface WithMisnamedInput {
  readonly chunks: Chunk[];
  /** that block: where it is among `chunks`, and the name it was written with */
  readonly misnamed?: { readonly index: number; readonly name: IToken };
}

/**
 * A file's input block written under another name (`Input {`, `inptu {`, `schema {`), in a file
 * without an `input` block: text that is no declaration, at the start of the file or after the end
 * of the header or a test, that is a name, then `{`, then `}` or a field with its type (a test's
 * data has values there, not types). It is cut from the text around it and read as the input
 * block, its name reported by the caller: dropped, every use of each field it declares was a second
 * error, and the rules' own errors were lost among them. A name closer to another declaration's
 * word (`Test {`) is not taken for it.
 */
function withMisnamedInput(chunks: Chunk[]): WithMisnamedInput {
  if (chunks.some((c) => c.rule === "inputDecl")) return { chunks };
  for (const [index, chunk] of chunks.entries()) {
    if (!FOLLOWED_BY_TEXT.has(chunk.rule)) continue;
    const tokens = chunk.tokens;
    // (outside every bracket: a test's own `{ … }` holds its data)
    let depth = 0;
    for (let at = 0; at < tokens.length; at++) {
      const kind = tokens[at]!.tokenType;
      if (depth === 0 && (at > 0 || chunk.rule === "junk") && startsInputLikeBlock(tokens, at, chunk.text)) {
        const name = tokens[at]!;
        const input: IToken = { ...name, tokenType: T.Input, tokenTypeIdx: T.Input.tokenTypeIdx! };
        const block: Chunk = { rule: "inputDecl", tokens: [input, ...tokens.slice(at + 1)] };
        // (the text before it keeps its slip: `tset "t" { … }` then `Input {` is an error at each)
        const before: Chunk[] = at > 0 ? [{ ...chunk, tokens: tokens.slice(0, at) }] : [];
        return { chunks: [...chunks.slice(0, index), ...before, block, ...chunks.slice(index + 1)], misnamed: { index: index + before.length, name } };
      }
      if (OPENERS.has(kind)) depth++;
      else if (CLOSERS.has(kind)) depth = Math.max(0, depth - 1);
    }
  }
  return { chunks };
}

/** The help for the name of a block withMisnamedInput found (`Input`, `schema`). */
export function misnamedInputHelp(name: IToken): string {
  return closest(name.image.toLowerCase(), ["input"]) === "input" ? "did you mean `input`?" : "the request's fields are declared in the block `input { … }`";
}
