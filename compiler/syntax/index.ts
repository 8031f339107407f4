// The syntax phase's public entry points: source text → AST + diagnostics, and AST → canonical text.
//
//   parsePolicy(source)      a whole `.writ` file
//   parseExpression(text)    one bare CEL expression (CEL conformance runner, tests)
//   formatPolicy(ast, src)   the canonical formatting of a parsed file
//
// None of them throws for any input string. A file is parsed one declaration at a time: the token
// stream is cut before each declaration keyword (`splitDeclarations`, declarations.ts), so an error
// in one rule leaves the next ones intact and every declaration's errors are reported in one run.

import type { IRecognitionException, IToken } from "chevrotain";
import { error, quotedName, sortDiagnostics, type Diagnostic } from "../diagnostics.js";
import { lineColIndex, NO_SPAN, type LineCol, type SourceFile, type Span } from "../source.js";
import { STACK_RAN_OUT_IN, stackRanOut } from "../stack-ran-out.js";
import { V8_STACK_MESSAGE } from "../../runtime/stack-ran-out.js";
import type * as A from "./ast.js";
import { AstBuilder } from "./ast-builder.js";
import { real } from "./cst-access.js";
import { policyFileArgument, sourceFileArgument, textArgument } from "../arguments.js";
import { tokenMatcher } from "./chevrotain.js";
import { W } from "./diagnostic-codes.js";
import { firstAtLeast, formatFile } from "./format.js";
import { append } from "../../runtime/arrays.js";
import * as T from "./lexer.js";
import { writParser, type DeclarationRule } from "./parser.js";
import { describeToken, setChunkFollower } from "./parse-messages.js";
import { parseErrorHelp } from "./parse-error-help.js";
import { splitDeclarations, type Chunk } from "./declarations.js";
import { dropAnnotations } from "./field-annotations.js";
import { FOREIGN_NAMES, lexWithDiagnostics, readForeignNames, readStrayOperators, reportStray, STRAY_OPERATOR_TOKENS, tokSpan, type StrayRun } from "./lexing.js";
import { CLOSERS, guardExpr, MAX_NESTING, OPENERS, tooDeep } from "./nesting.js";
import { closedBrackets, objectLeftOpen, openBracketsReader, recordLeftOpen, textLayout, type Layout } from "./unclosed.js";
import { arrowEnd, arrowHelp, isArrow } from "./arrow.js";
import { readComparisonSlips } from "./operator-slips.js";
import { declarationKeywordHelp } from "./declaration-slips.js";
import { annotationsOnPreviousLine } from "./annotation-placement.js";
import { misnamedInputHelp, readInputBlocks } from "./schema-slips.js";
import { readUnionTypes, untypeUnions } from "./union-types.js";

export { W } from "./diagnostic-codes.js";
export { splitDeclarations } from "./declarations.js";
export { exprDepth, MAX_EXPR_DEPTH, MAX_NESTING } from "./nesting.js";

/**
 * Most characters and tokens in one text. Parsing takes about 1.4 KB of memory a token (a list
 * literal of two million elements ran a host out of its 4 GB heap, and V8 aborted it); these keep a
 * parse under half a gigabyte, several times above the largest policies written (10,000 rules are
 * about 100,000 tokens in under 1 MiB).
 */
export const MAX_SOURCE_LENGTH = 4 * 1024 * 1024;
export const MAX_TOKENS = 300_000;

/** W0114 when `text` or its tokens are more than the parser takes, else undefined. */
function tooLarge(text: string, tokens: readonly IToken[] | undefined): Diagnostic | undefined {
  const help = "split the policy, or keep large data in the request rather than in constants";
  if (text.length > MAX_SOURCE_LENGTH)
    return error(W.TooLarge, `the text is ${text.length.toLocaleString("en-US")} characters long, more than the ${MAX_SOURCE_LENGTH.toLocaleString("en-US")} a policy may have`, { start: MAX_SOURCE_LENGTH, end: MAX_SOURCE_LENGTH + 1 }, help);
  if (tokens !== undefined && tokens.length > MAX_TOKENS)
    return error(W.TooLarge, `the text has ${tokens.length.toLocaleString("en-US")} tokens, more than the ${MAX_TOKENS.toLocaleString("en-US")} a policy may have`, tokSpan(tokens[MAX_TOKENS]!), help);
  return undefined;
}

export interface ParsePolicyResult {
  readonly ast: A.PolicyFile;
  readonly diagnostics: Diagnostic[];
}

export interface ParseExpressionResult {
  readonly expr: A.Expr;
  readonly diagnostics: Diagnostic[];
}

/** What reading one declaration needs to know of the whole text. */
export interface WholeText {
  readonly text: string;
  /** where the text ends */
  readonly end: number;
  /** an offset's line and column, `12:5`, for messages that name a place other than their own */
  place(offset: number): string;
  /** where an offset stands on its line, for telling fields apart by layout */
  readonly layout: Layout;
  /** whether a closer further on in the text closes a bracket, where the text is a file's */
  closedLater(bracket: IToken): boolean;
  /**
   * whether a character that starts no token, reported already (W0105), stands in [from, to): the
   * parser never saw it, and an error between the tokens around it is that character's
   */
  strayBetween(from: number, to: number): boolean;
}

/**
 * The WholeText of `text`, whose tokens are `tokens` and whose reported stray characters start at
 * `strays` (ascending); its lines and brackets are found when first asked for.
 */
function wholeText(text: string, tokens: readonly IToken[], strays: readonly number[]): WholeText {
  let lineCol: ((offset: number) => LineCol) | undefined;
  let closed: ReadonlySet<number> | undefined;
  return {
    text,
    end: text.length,
    layout: textLayout(text),
    closedLater: (bracket) => (closed ??= closedBrackets(tokens)).has(bracket.startOffset),
    strayBetween(from, to) {
      const first = firstAtLeast(strays, from);
      return first < strays.length && strays[first]! < to;
    },
    place(offset) {
      const { line, column } = (lineCol ??= lineColIndex(text))(offset);
      return `${line}:${column}`;
    },
  };
}

/** Runs one grammar rule over a token run; returns the CST and the parse diagnostics. */
function parseChunk(rule: DeclarationRule, tokens: IToken[], follower: IToken | undefined, whole: WholeText, diagnostics: Diagnostic[]) {
  setChunkFollower(follower);
  writParser.input = tokens;
  // Chevrotain reports recognition errors as Error objects; their stack traces are never used
  // and capturing them dominates the cost of parsing text full of errors
  const stackLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let cst;
  try {
    cst = writParser[rule]();
  } finally {
    Error.stackTraceLimit = stackLimit;
  }
  const errors = writParser.errors as IRecognitionException[];
  const at = (t: IToken | undefined): Span =>
    real(t) ? tokSpan(t) : follower ? tokSpan(follower) : { start: whole.end, end: whole.end };
  // the brackets open before each error, for naming one left open where its closer was expected
  const openBefore = openBracketsReader(tokens);
  // what the next declaration cut short, where one ends this one
  const cutShort = follower === undefined ? undefined : rule === "letDecl" ? "a value" : rule === "ruleDecl" ? "a condition" : undefined;
  // An error on the token right after the previous error's token is nearly always that error's
  // echo (recovery resynchronising): report the first only.
  let lastIndex = -2;
  // whether a test's `expect` was read as a key of its data, left open: the `expect` missing at
  // the end of the test is then that error again
  let expectInData = false;
  // the brackets open at the end of the declaration, found when first asked for
  let openAtEnd: readonly number[] | undefined;
  // up to which token the parser's errors are in the body of an arrow function, already reported
  let arrowUntil = -1;
  // each error's token's index, looked up in a map built once: an indexOf per error was quadratic
  // over a declaration of many errors (`@` 295,000 times: 21 s)
  let indexes: Map<IToken, number> | undefined;
  const indexOfToken = (t: IToken): number => (indexes ??= new Map(tokens.map((x, i) => [x, i]))).get(t) ?? -1;
  for (const e of errors) {
    const index = indexOfToken(e.token);
    const echo = index >= 0 && index === lastIndex + 1;
    if (index >= 0) lastIndex = index;
    // (a name written outside ASCII where none may stand is reported as such, W0105, and only so;
    // so is a lone `&` or `|` read as `&&` or `||` where no operator may stand)
    if (echo || FOREIGN_NAMES.has(e.token) || STRAY_OPERATOR_TOKENS.has(e.token)) continue;
    // (an expression missing where a character that starts no token, reported as such, stands
    // between the token before the error and the error's: `a > $` is that character where an
    // operand belongs, one error, not a second "expected an expression" at the next declaration;
    // a token that could not come there anyway, as the `}` of `a > 1 $ }`, is its own error)
    if (e.message.startsWith("expected an expression")) {
      const previous = index < 0 ? tokens[tokens.length - 1] : tokens[index - 1];
      const from = previous === undefined ? 0 : previous.startOffset + previous.image.length;
      if (whole.strayBetween(from, index < 0 || !real(e.token) ? (follower?.startOffset ?? whole.end) : e.token.startOffset)) continue;
    }
    if ((index < 0 ? tokens.length : index) <= arrowUntil) continue;
    // (an arrow only where an expression is read: in a schema or a test's data the help was wrong)
    if ((rule === "letDecl" || rule === "ruleDecl" || rule === "expr") && isArrow(tokens, index, openBefore(index))) {
      const open = openBefore(index);
      const arrow: Span = { start: e.token.startOffset, end: e.token.startOffset + 2 };
      const message = e.name === "NotAllInputParsedException" ? "expected an operator or a new declaration, found `=>`" : e.message.replace(/found `=`$/, "found `=>`");
      diagnostics.push(error(W.UnexpectedToken, message, arrow, arrowHelp(tokens, index, open?.[open.length - 1])));
      arrowUntil = arrowEnd(tokens, index);
      continue;
    }
    if (rule === "testDecl" && index > 0 && tokens[index - 1]!.tokenType === T.Expect && !expectInData) {
      const open = openBefore(index - 1);
      // (brackets open around it besides the test's own: the `expect` is in the data; and it is the
      // test's clause, written where a key was read, where `allow` or `deny` follows it or the
      // bracket around it is never closed: else it is a key, `{ expect true }` a `:` left out)
      const clause = () => tokens[index]!.tokenType === T.Allow || tokens[index]!.tokenType === T.Deny || (openAtEnd ??= openBracketsReader(tokens)(tokens.length)!).includes(open![open!.length - 1]!);
      if (open !== undefined && open.length >= 2 && clause()) {
        expectInData = true;
        diagnostics.push(error(W.UnexpectedToken, e.message, at(e.token), expectInDataHelp(tokens, index - 1, open, whole)));
        continue;
      }
    }
    if (expectInData && e.message.startsWith("expected `expect`")) continue;
    const hasWhen = cst?.children["when"] !== undefined;
    const help = parseErrorHelp(e, { rule, tokens, index, hasWhen, follower, cutShort, whole, openBefore });
    if (e.name !== "NotAllInputParsedException") {
      diagnostics.push(error(W.UnexpectedToken, e.message, at(e.token), help));
      continue;
    }
    const found = describeToken(e.token);
    if (rule === "ruleDecl" && !hasWhen) diagnostics.push(error(W.UnexpectedToken, `expected \`when\` or a new declaration, found ${found}`, at(e.token), help));
    else if (rule === "ruleDecl" || rule === "letDecl") diagnostics.push(error(W.UnexpectedToken, `expected an operator or a new declaration, found ${found}`, at(e.token), help));
    else if (rule === "expr") diagnostics.push(error(W.UnexpectedToken, `expected an operator or the end of the expression, found ${found}`, at(e.token), help));
    // a header, an input block or a test ends where it ends: what follows must start a declaration
    else diagnostics.push(notADeclaration(e.token, at(e.token), declarationKeywordHelp(tokens, index, whole.text)));
  }
  // text the parser skipped in a record of the input block
  for (const s of writParser.strays) diagnostics.push(error(W.UnexpectedToken, s.message, tokSpan(s.token), s.help));
  setChunkFollower(undefined);
  return cst;
}

/**
 * Where a test's `expect` was read as a key of its data: the `{` left open before it, told by layout
 * where it can be (objectLeftOpen), else the innermost bracket open around the `expect`.
 */
function expectInDataHelp(tokens: readonly IToken[], expect: number, open: readonly number[], whole: WholeText): string {
  // open[0] is the test's own `{`, open[1] the `{` of its request
  const leftOpen = objectLeftOpen(tokens, open[1]!, expect, whole.layout);
  const bracket = leftOpen?.opener ?? tokens[open[open.length - 1]!]!;
  const of = leftOpen ? ` of \`${leftOpen.key.image}\`` : "";
  return `the \`${bracket.image}\`${of} at ${whole.place(bracket.startOffset)} is never closed: \`expect\` is read as one of its keys`;
}

/**
 * W0113: text where a declaration must start, before the header or after a declaration's end;
 * `help` says which keyword a word there may stand for (declarationKeywordHelp).
 */
function notADeclaration(t: IToken, span: Span, help: string | undefined): Diagnostic {
  // (`input` here is not the block's: `input.agent: string`, a field declared outside it)
  const shown = t.tokenType === T.Input ? "`input` starts a declaration only as the block `input { … }`: declare each request field inside it" : help;
  return error(W.NotADeclaration, `expected a declaration (\`input\`, \`let\`, \`permit\`, \`forbid\` or \`test\`), found ${describeToken(t)}`, span, shown);
}

function emptyFile(text: string, comments: A.Comment[]): A.PolicyFile {
  return { kind: "PolicyFile", header: undefined, input: undefined, lets: [], rules: [], tests: [], comments, span: { start: 0, end: text.length } };
}


/**
 * The value or condition of a declaration whose text holds a syntax error is not checked: it
 * becomes an ErrorExpr, which the checker takes as reported. What recovery made of the text (an
 * expression cut short at a `=`, an argument list with a `,` missing, a character left out) is
 * not what was written, and each type error found in it would be the syntax error's, said again
 * and said first, since diagnostics come in source order. The declaration itself stays, so that
 * its name is still declared (a constant that failed, a rule a test may name).
 */
function unlessBroken(e: A.Expr, broken: boolean): A.Expr {
  return broken && e.kind !== "ErrorExpr" ? { kind: "ErrorExpr", span: e.span } : e;
}

/**
 * What a `let` or a rule refused for nesting too deep still declares: its name (and a rule's effect
 * and annotations), with an ErrorExpr for the value or condition, which is not parsed. Dropped
 * whole, the declaration left every use of its name reported too (an unknown name, a test's
 * `by [name]` naming no rule) though it is declared; an ErrorExpr is what the checker already takes
 * as reported. Undefined when the head itself is not whole or the nesting starts in it.
 */
function deepDeclarationHead(chunk: Chunk, deep: IToken, builder: AstBuilder, whole: WholeText, diagnostics: Diagnostic[]): A.LetDecl | A.RuleDecl | undefined {
  const tokens = chunk.tokens;
  const deepIndex = tokens.indexOf(deep);
  const last = tokens[tokens.length - 1]!;
  const rest = (from: number): Span => ({ start: tokens[from]!.startOffset, end: tokSpan(last).end });
  if (chunk.rule === "letDecl") {
    // `let NAME = …`: the value is everything after `=`
    const [, name, assign] = tokens;
    if (!name || !tokenMatcher(name, T.Ident) || assign?.tokenType !== T.Assign || deepIndex < 3) return undefined;
    return { kind: "LetDecl", name: builder.identifier(name)!, value: { kind: "ErrorExpr", span: rest(3) }, span: rest(0) };
  }
  if (chunk.rule === "ruleDecl") {
    // `@a("…") permit NAME when …`: the part before `when` is a rule on its own, parsed as one
    const when = tokens.findIndex((t) => t.tokenType === T.When);
    if (when < 0 || when >= deepIndex) return undefined;
    const cst = parseChunk("ruleDecl", tokens.slice(0, when), tokens[when], whole, diagnostics);
    const head = cst ? builder.ruleDecl(cst) : undefined;
    return head && { ...head, condition: { kind: "ErrorExpr", span: rest(when + 1) }, span: { start: head.span.start, end: tokSpan(last).end } };
  }
  return undefined;
}

/**
 * An input block refused for nesting too deep, field by field: each top-level field whose type is
 * within the limit parsed as a block of its own, and each that is not kept by name in `untyped`
 * (its W0104 is the one reported). Dropped whole, the block left every field undeclared, and each
 * use of one, however shallow, was reported as an unknown name. Undefined when the block is not
 * `input { … }` or a field cannot be told from its neighbours.
 */
function deepInputBlock(chunk: Chunk, builder: AstBuilder, whole: WholeText, diagnostics: Diagnostic[]): A.InputDecl | undefined {
  const tokens = chunk.tokens;
  const [input, open] = tokens;
  const close = tokens[tokens.length - 1]!;
  if (input?.tokenType !== T.Input || open?.tokenType !== T.LBrace || close.tokenType !== T.RBrace || tokens.length < 3) return undefined;
  const starts = topLevelFieldStarts(tokens, 2, tokens.length - 1);
  if (starts[0] !== 2) return undefined;
  const fields: A.FieldDecl[] = [];
  const untyped: A.Identifier[] = [];
  starts.forEach((start, i) => {
    // the field in a block of its own, whose nesting counts as it did in the whole block
    const block = [input, open, ...tokens.slice(start, starts[i + 1] ?? tokens.length - 1), close];
    if (tooDeep(block, false, true)) {
      const name = builder.identifier(tokens[start]!);
      if (name) untyped.push(name);
      return;
    }
    const cst = parseChunk("inputDecl", block, undefined, whole, diagnostics);
    if (!cst) return;
    const parsed = builder.inputDecl(cst);
    append(fields, parsed.fields);
    append(untyped, parsed.untyped ?? []);
  });
  return { kind: "InputDecl", fields, untyped, span: { start: input.startOffset, end: tokSpan(close).end } };
}

/**
 * Where each field of a record's tokens [from, to) starts: a name followed by `:` or `?:` outside
 * every bracket and `<…>` (separating commas are optional, so a field ends where the next starts).
 */
function topLevelFieldStarts(tokens: readonly IToken[], from: number, to: number): number[] {
  const starts: number[] = [];
  let depth = 0;
  for (let i = from; i < to; i++) {
    const t = tokens[i]!;
    if (OPENERS.has(t.tokenType) || t.tokenType === T.Lt) depth++;
    else if (CLOSERS.has(t.tokenType) || t.tokenType === T.Gt) depth--;
    else if (depth === 0 && tokenMatcher(t, T.AnyName)) {
      const next = tokens[i + 1]?.tokenType;
      const colon = next === T.Question ? tokens[i + 2]?.tokenType : next;
      if (colon === T.Colon) starts.push(i);
    }
  }
  return starts;
}

/**
 * Parses a `.writ` file. Syntax errors come back as W01xx diagnostics; it throws only a TypeError
 * for a source that is not `{ name, text }` (arguments.ts).
 */
export function parsePolicy(source: SourceFile): ParsePolicyResult {
  const diagnostics: Diagnostic[] = [];
  let text = "";
  let comments: A.Comment[] = [];
  try {
    text = sourceFileArgument("parsePolicy", source).text;
    const long = tooLarge(text, undefined);
    if (long) return { ast: emptyFile(text, comments), diagnostics: [long] };
    const { lexed, letterRuns, operatorRuns, strayStarts } = lexWithDiagnostics(text, diagnostics);
    const many = tooLarge(text, lexed.tokens);
    if (many) return { ast: emptyFile(text, comments), diagnostics: [many] };
    // where each lexical error so far starts, in text order, and whether there is one before `end`
    // not yet taken (declarations take theirs in order, each up to where the next one starts)
    const lexical = diagnostics.filter((d) => d.severity === "error").map((d) => d.span.start).sort((a, b) => a - b);
    let nextLexical = 0;
    const lexicalBefore = (end: number): boolean => {
      const from = nextLexical;
      while (nextLexical < lexical.length && lexical[nextLexical]! < end) nextLexical++;
      return nextLexical > from;
    };
    // the letter runs outside ASCII before `end` not yet taken, in text order
    let nextRun = 0;
    const runsBefore = (end: number): StrayRun[] => {
      const from = nextRun;
      while (nextRun < letterRuns.length && letterRuns[nextRun]!.offset < end) nextRun++;
      return letterRuns.slice(from, nextRun);
    };
    // the lone `&` and `|` before `end` not yet taken, in text order
    let nextOperator = 0;
    const operatorsBefore = (end: number): StrayRun[] => {
      const from = nextOperator;
      while (nextOperator < operatorRuns.length && operatorRuns[nextOperator]!.offset < end) nextOperator++;
      return operatorRuns.slice(from, nextOperator);
    };
    comments = lexed.comments.map((c) => ({ kind: "Comment", text: c.image, span: tokSpan(c) }));
    // (the characters that start no token, reported and left out of the tokens)
    const whole = wholeText(text, lexed.tokens, strayStarts);
    const builder = new AstBuilder();
    let header: A.PolicyHeader | undefined;
    let input: A.InputDecl | undefined;
    const lets: A.LetDecl[] = [];
    const rules: A.RuleDecl[] = [];
    const tests: A.TestDecl[] = [];
    // (the input block read for slips in its shape: written `Input {`, read as the block, its name reported)
    const { chunks, misnamed } = readInputBlocks(splitDeclarations(lexed.tokens, text));
    const firstStart = chunks[0]?.tokens[0]!.startOffset ?? text.length;
    lexicalBefore(firstStart);
    for (const r of runsBefore(firstStart)) reportStray(text, r, diagnostics);
    for (const r of operatorsBefore(firstStart)) reportStray(text, r, diagnostics);
    let declared = false;
    chunks.forEach((cut, index) => {
      if (index === misnamed?.index) diagnostics.push(notADeclaration(misnamed.name, tokSpan(misnamed.name), misnamedInputHelp(misnamed.name)));
      // (a word standing for the keyword is reported before the declaration's own errors are
      // counted: the declaration is read as written, with the keyword, and checked as usual)
      if (cut.slip) diagnostics.push(notADeclaration(cut.slip.token, tokSpan(cut.slip.token), cut.slip.help));
      const first = cut.tokens[0]!;
      const follower = chunks[index + 1]?.tokens[0];
      const parseErrorsBefore = diagnostics.length;
      const buildErrorsBefore = builder.diagnostics.length;
      const lexicalError = lexicalBefore(follower?.startOffset ?? text.length);
      // letters outside ASCII in the declaration's text (up to where the next one starts): names
      // where an expression is read, strays elsewhere
      const runs = runsBefore(follower?.startOffset ?? text.length);
      // and a lone `&` or `|` is read as the operator it stands for there, and in the input block a
      // `|` as joining a union type, reported as one (union-types.ts); any other is a stray
      const operators = operatorsBefore(follower?.startOffset ?? text.length);
      const expression = cut.rule === "letDecl" || cut.rule === "ruleDecl";
      if (!expression) for (const r of runs) reportStray(text, r, diagnostics);
      // an annotation on a field or a data key is reported and left out: the block is read as written around it
      const annotated = cut.rule === "inputDecl" ? "input" : cut.rule === "testDecl" ? "data" : undefined;
      const read = annotated ? dropAnnotations(cut.tokens, annotated, diagnostics) : cut.tokens;
      const unions = cut.rule === "inputDecl" ? readUnionTypes(text, read, operators, diagnostics) : { tokens: read, strays: operators };
      for (const r of unions.strays) reportStray(text, r, diagnostics, expression);
      const chunk: Chunk = expression
        ? { rule: cut.rule, tokens: readComparisonSlips(readStrayOperators(readForeignNames(text, cut.tokens, runs, diagnostics), operators, text), diagnostics) }
        : { rule: cut.rule, tokens: unions.tokens };
      if (chunk.rule === "junk") {
        diagnostics.push(notADeclaration(first, tokSpan(first), declarationKeywordHelp(cut.tokens, 0, text)));
        return;
      }
      // (text before the header that is no declaration is reported as such, not as one the header follows)
      const afterDeclaration = declared;
      declared = true;
      const deep = tooDeep(chunk.tokens, chunk.rule === "letDecl" || chunk.rule === "ruleDecl", chunk.rule === "inputDecl");
      if (deep) {
        diagnostics.push(error(W.NestingTooDeep, `nested more than ${MAX_NESTING} levels deep`, tokSpan(deep)));
        if (chunk.rule === "inputDecl") {
          // a second input block is reported when it parses; one nested too deep is reported for that
          input ??= deepInputBlock(chunk, builder, whole, diagnostics);
          return;
        }
        const kept = deepDeclarationHead(chunk, deep, builder, whole, diagnostics);
        if (kept?.kind === "LetDecl") lets.push(kept);
        else if (kept?.kind === "RuleDecl") rules.push(kept);
        return;
      }
      // whether this declaration's text holds a syntax error: one the lexer found in its text, up
      // to where the next declaration starts, or one reported while reading it (wherever it
      // points: an error at the end of a declaration points at the next one)
      const broken = () =>
        lexicalError ||
        diagnostics.slice(parseErrorsBefore).some((d) => d.severity === "error") ||
        builder.diagnostics.slice(buildErrorsBefore).some((d) => d.severity === "error");
      const cst = parseChunk(chunk.rule, chunk.tokens, follower, whole, diagnostics);
      if (!cst) return;
      switch (chunk.rule) {
        case "header": {
          const h = builder.header(cst);
          if (header || afterDeclaration) {
            diagnostics.push(error(W.MisplacedHeader, header ? "the `policy` header is given more than once" : "the `policy` header must come before every other declaration", tokSpan(first)));
          }
          if (!header) header = h;
          break;
        }
        case "inputDecl": {
          let d = builder.inputDecl(cst);
          // the block's `}` missing: a record in it may have been left open and have swallowed the
          // fields after it, and the error, at the next declaration, names the `{` to close
          const blockLeftOpen = first.tokenType === T.Input && chunk.tokens[1]?.tokenType === T.LBrace && openBracketsReader(chunk.tokens)(chunk.tokens.length)?.[0] === 1 && !whole.closedLater(chunk.tokens[1]);
          const leftOpen = blockLeftOpen ? recordLeftOpen(d, whole.layout) : undefined;
          if (leftOpen) {
            d = leftOpen.input;
            const at = diagnostics.findLastIndex((x, k) => k >= parseErrorsBefore && x.message.startsWith("expected `}`"));
            const help = `the \`{\` of \`${quotedName(leftOpen.field.name.name)}\` at ${whole.place(leftOpen.opener.span.start)} is never closed`;
            if (at >= 0) diagnostics[at] = { ...diagnostics[at]!, help };
          }
          if (input) diagnostics.push(error(W.DuplicateInput, "the `input` block is given more than once", tokSpan(first), "declare every request field in one `input` block"));
          else input = d;
          break;
        }
        case "letDecl": {
          const d = builder.letDecl(cst);
          if (d) lets.push({ ...d, value: unlessBroken(guardExpr(d.value, diagnostics), broken()) });
          break;
        }
        case "ruleDecl": {
          const d = builder.ruleDecl(cst);
          if (d) rules.push(d.condition ? { ...d, condition: unlessBroken(guardExpr(d.condition, diagnostics), broken()) } : d);
          break;
        }
        case "testDecl": {
          const d = builder.testDecl(cst);
          if (d) tests.push(d);
          break;
        }
        case "expr":
          break;
      }
    });
    for (const r of runsBefore(Infinity)) reportStray(text, r, diagnostics);
    append(diagnostics, builder.diagnostics);
    const ast: A.PolicyFile = { kind: "PolicyFile", header, input: input && untypeUnions(input), lets, rules, tests, comments, span: { start: 0, end: text.length } };
    // an annotation on the line where the declaration before it ends, which a reader takes for that one's (W0703)
    append(diagnostics, annotationsOnPreviousLine(ast, text));
    return { ast, diagnostics: sortDiagnostics(diagnostics) };
  } catch (e) {
    // Only the host's stack running out can get here (every other path returns values): within the
    // nesting limits, a small stack or a call made deep in the host's own. It is W0905, not W0104:
    // the policy is within the limits. The handler runs as deep as the call: it tells V8's error
    // with no call (V8_STACK_MESSAGE says why), and where it has no room to build the result, the
    // one built beforehand is given.
    let ranOut = false;
    try {
      ranOut = typeof e === "object" && e !== null && (e as Error).name === "RangeError" && (e as Error).message === STACK_MESSAGE;
    } catch {
      // a value whose name or message is code that threw: not V8's error
    }
    if (!ranOut) throw e;
    try {
      diagnostics.push(stackRanOut("parse"));
      return { ast: emptyFile(text, comments), diagnostics };
    } catch {
      return PARSE_RAN_OUT;
    }
  }
}

// V8's message, copied into this module: a loader may hand an imported binding through a getter,
// which is a call, and the handlers that compare with it make none
const STACK_MESSAGE = V8_STACK_MESSAGE;

/** parsePolicy's answer where the stack ran out even in its handler: built beforehand and frozen. */
const PARSE_RAN_OUT: ParsePolicyResult = Object.freeze({
  ast: Object.freeze({ kind: "PolicyFile", header: undefined, input: undefined, lets: [], rules: [], tests: [], comments: [], span: NO_SPAN }) as A.PolicyFile,
  diagnostics: Object.freeze([STACK_RAN_OUT_IN.parse]) as Diagnostic[],
});

/** parseExpression's, likewise. */
const PARSE_EXPRESSION_RAN_OUT: ParseExpressionResult = Object.freeze({
  expr: Object.freeze({ kind: "ErrorExpr", span: NO_SPAN }) as A.Expr,
  diagnostics: Object.freeze([STACK_RAN_OUT_IN.parse]) as Diagnostic[],
});

/**
 * Parses one bare CEL expression (no declarations, no comments kept). It throws only a TypeError
 * for an expression that is not a string (arguments.ts).
 */
export function parseExpression(text: string): ParseExpressionResult {
  textArgument("parseExpression", text);
  const diagnostics: Diagnostic[] = [];
  const whole: Span = { start: 0, end: text.length };
  try {
    const long = tooLarge(text, undefined);
    if (long) return { expr: { kind: "ErrorExpr", span: whole }, diagnostics: [long] };
    const { lexed, letterRuns, operatorRuns, strayStarts } = lexWithDiagnostics(text, diagnostics);
    const many = tooLarge(text, lexed.tokens);
    if (many) return { expr: { kind: "ErrorExpr", span: whole }, diagnostics: [many] };
    for (const r of operatorRuns) reportStray(text, r, diagnostics, true);
    const tokens = readComparisonSlips(readStrayOperators(readForeignNames(text, lexed.tokens, letterRuns, diagnostics), operatorRuns, text), diagnostics);
    const deep = tooDeep(tokens, true);
    if (deep) {
      diagnostics.push(error(W.NestingTooDeep, `nested more than ${MAX_NESTING} levels deep`, tokSpan(deep)));
      return { expr: { kind: "ErrorExpr", span: whole }, diagnostics };
    }
    const cst = parseChunk("expr", tokens, undefined, wholeText(text, tokens, strayStarts), diagnostics);
    const builder = new AstBuilder();
    const expr = cst ? builder.exprOrError(cst, whole) : ({ kind: "ErrorExpr", span: whole } as const);
    append(diagnostics, builder.diagnostics);
    const guarded = guardExpr(expr, diagnostics);
    return { expr: guarded, diagnostics: sortDiagnostics(diagnostics) };
  } catch (e) {
    // as in parsePolicy: only the host's stack running out can get here
    let ranOut = false;
    try {
      ranOut = typeof e === "object" && e !== null && (e as Error).name === "RangeError" && (e as Error).message === STACK_MESSAGE;
    } catch {
      // not V8's error
    }
    if (!ranOut) throw e;
    try {
      diagnostics.push(stackRanOut("parse"));
      return { expr: { kind: "ErrorExpr", span: whole }, diagnostics };
    } catch {
      return PARSE_EXPRESSION_RAN_OUT;
    }
  }
}

/**
 * The canonical text of a parsed file (see format.ts). A TypeError for arguments that are not a
 * parsed policy and its source file (arguments.ts).
 */
export function formatPolicy(ast: A.PolicyFile, source: SourceFile): string {
  return formatFile(policyFileArgument("formatPolicy", ast), sourceFileArgument("formatPolicy", source, ["ast"]));
}
