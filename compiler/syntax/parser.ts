// The Writ grammar as a Chevrotain CstParser (grammar: docs/language-grammar.md).
//
// One parser instance serves the whole process (Chevrotain's self-analysis is slow). Callers do
// not parse a file in one go: index.ts cuts the token stream into declarations and runs one rule
// per declaration, so a broken declaration cannot swallow the ones after it, and recovery
// (`recoveryEnabled`) finds further errors inside each declaration. Rules build a CST only; the
// AST comes from ast-builder.ts (no embedded actions: Chevrotain runs rules in a recording phase;
// the one exception, the input block's recovery in `fields`, is wrapped in ACTION, which that
// phase does not run).

import type { CstElement, CstNode, IParserErrorMessageProvider, IToken, TokenType } from "chevrotain";
import { CstParser, EOF, tokenMatcher } from "./chevrotain.js";
import * as T from "./lexer.js";
import { closest } from "../../runtime/closest-name.js";
import { strayAfterFieldHelp } from "./schema-slips.js";
import { startsField } from "./lexing.js";
import { inBackticks } from "../diagnostics.js";

/** How a token is named in messages: its label (`` `when` ``, `a string`), or end of input. */
function describeExpected(t: TokenType): string {
  if (t === EOF) return "end of input";
  return t.LABEL ?? t.name;
}

/**
 * The token after the declaration being parsed. A declaration is parsed on its own, so where
 * Chevrotain sees the end of its input the user sees the next declaration: messages name that.
 */
let chunkFollower: IToken | undefined;
export function setChunkFollower(t: IToken | undefined): void {
  chunkFollower = t;
}

/** How an actual token is shown in messages: its text in backticks (inBackticks), shortened. */
export function describeToken(tok: IToken | undefined): string {
  if (!tok || tok.tokenType === EOF) return chunkFollower ? describeToken(chunkFollower) : "end of input";
  const image = tok.image.length > 24 ? tok.image.slice(0, 21) + "..." : tok.image;
  return inBackticks(image.replace(/[\r\n]+/g, " "));
}

/**
 * What to write for a logical operator spelled as a word, as other languages do (`a or b`): CEL has
 * none, and reads `or` as a name. Undefined for any other name.
 */
export function wordOperatorHelp(name: string | undefined): string | undefined {
  if (name === "or") return "write `||` for `or`";
  if (name === "and") return "write `&&` for `and`";
  return undefined;
}

/** the keywords a rule is written with, which a word misspelt or capitalised may have meant */
const RULE_KEYWORDS = ["permit", "forbid", "when"];

/**
 * "did you mean `permit`?" for a name where a parse error came that is close to a rule's keyword,
 * written wrong (`permitt`, `forbd`) or in capitals (`Forbid`, `When`): the lexer reads it as a
 * name, and the error it causes says nothing of the keyword. Undefined for any other token.
 */
export function keywordHelp(t: IToken | undefined): string | undefined {
  if (t === undefined || t.tokenType !== T.Identifier) return undefined;
  const meant = closest(t.image.toLowerCase(), RULE_KEYWORDS);
  return meant === undefined ? undefined : `did you mean \`${meant}\`?`;
}

const EXPRESSION_RULES = new Set(["expr", "binary", "unary", "member", "primary", "literal"]);

function oneOf(items: string[]): string {
  const unique = [...new Set(items)];
  if (unique.length <= 1) return unique[0] ?? "something else";
  if (unique.length > 5) return unique.slice(0, 4).join(", ") + " or another token";
  return unique.slice(0, -1).join(", ") + " or " + unique[unique.length - 1];
}

const reservedHint = (tok: IToken | undefined): string =>
  tok && (tok.tokenType === T.Reserved || [T.Policy, T.Input, T.Let, T.Permit, T.Forbid, T.When, T.Test].includes(tok.tokenType))
    ? ` (\`${tok.image}\` is a reserved word)`
    : "";

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    // (the hint where a name was expected only: `test "t"` then `input`, its `{` left out, is not
    // a reserved word written for a `{`)
    const named = expected === T.Ident || expected === T.AnyName || expected === T.Identifier;
    return `expected ${describeExpected(expected)}, found ${describeToken(actual)}${named ? reservedHint(actual) : ""}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `expected a new declaration, found ${describeToken(firstRedundant)}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const first = actual[0];
    if (EXPRESSION_RULES.has(ruleName)) return `expected an expression, found ${describeToken(first)}${reservedHint(first)}`;
    // (its alternatives are too many to list by their first tokens: "`{`, `[`, a string, `-` or another token")
    if (ruleName === "dataValue") return `expected a value (\`{…}\`, \`[…]\`, a string, an int, \`true\`, \`false\` or \`null\`), found ${describeToken(first)}`;
    const starts = expectedPathsPerAlt.flatMap((alt) => alt.map((path) => describeExpected(path[0] ?? EOF)));
    return `expected ${oneOf(starts)}, found ${describeToken(first)}${reservedHint(first)}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
    const first = actual[0];
    if (EXPRESSION_RULES.has(ruleName)) return `expected an expression, found ${describeToken(first)}`;
    const starts = expectedIterationPaths.map((path) => describeExpected(path[0] ?? EOF));
    return `expected ${oneOf(starts)}, found ${describeToken(first)}`;
  },
};

/** Text the parser skipped, reported as it was met (index.ts adds it to the parse errors). */
export interface StrayText {
  readonly token: IToken;
  readonly message: string;
  /** what to write instead, where the text is a slip with a known fix (schema-slips.ts) */
  readonly help?: string;
}

const CLOSING: ReadonlyMap<TokenType, readonly TokenType[]> = new Map([
  [T.RParen, [T.LParen]],
  [T.RBracket, [T.LBracket, T.LBracketQuestion]],
  [T.RBrace, [T.LBrace]],
]);
const OPENING = new Set([T.LParen, T.LBracket, T.LBracketQuestion, T.LBrace]);

/** brackets a field's type may leave open, which a field after them closes (bracketDepths) */
const UNCLOSED_BEFORE_FIELD = new Set([T.Lt, T.LParen]);

/** the types written with type arguments */
const TAKES_ARGUMENTS = new Set(["list", "map"]);


/** whether a type may start at token `t` */
const startsType = (t: IToken): boolean => tokenMatcher(t, T.Ident) || t.tokenType === T.LBrace;

/** How brackets nest in the tokens of a declaration (bracketDepths). */
interface Brackets {
  /** how many brackets enclose each token */
  readonly depths: Map<IToken, number>;
  /** the openers a closer closes (one left open inside a bracket that is closed is not among them) */
  readonly closed: Set<IToken>;
}

/**
 * How many brackets enclose each token: a closer counts as inside the bracket it closes, so a
 * record's fields, the `,` between them and its `}` have one depth. A closer closes the innermost
 * bracket of its kind (one left open inside it is closed with it); one that closes nothing counts
 * as an ordinary token. `<` opens where type arguments start (after a name, before a name or `{`);
 * a `<` or a bound's `(` still open at a `,` before `name:` or `name?` was never closed, as that is
 * the next field.
 */
function bracketDepths(tokens: readonly IToken[]): Brackets {
  const depths = new Map<IToken, number>();
  const closed = new Set<IToken>();
  const open: TokenType[] = [];
  // (the tokens of `open`, for `closed`)
  const openers: IToken[] = [];
  // per closer, where in `open` it may find its bracket, innermost last: an entry that no longer
  // holds one of its brackets is stale and dropped when met, so that a search takes amortised
  // constant time however many brackets are left unclosed
  const places = new Map<TokenType, number[]>([...CLOSING.keys()].map((k) => [k, []]));
  const innermost = (closer: TokenType): number => {
    const at = places.get(closer)!;
    for (let i = at[at.length - 1]; i !== undefined; i = at[at.length - 1]) {
      if (i < open.length && CLOSING.get(closer)!.includes(open[i]!)) return i;
      at.pop();
    }
    return -1;
  };
  tokens.forEach((t, i) => {
    const kind = t.tokenType;
    if (kind === T.Comma && startsField(tokens[i + 1], tokens[i + 2])) {
      while (UNCLOSED_BEFORE_FIELD.has(open[open.length - 1]!)) {
        open.pop();
        openers.pop();
      }
    }
    const at = CLOSING.has(kind) ? innermost(kind) : kind === T.Gt && open[open.length - 1] === T.Lt ? open.length - 1 : -1;
    if (at >= 0) {
      depths.set(t, at + 1);
      closed.add(openers[at]!);
      open.length = at;
      openers.length = at;
      return;
    }
    depths.set(t, open.length);
    const typeArguments = kind === T.Lt && tokenMatcher(tokens[i - 1] ?? t, T.Ident) && startsType(tokens[i + 1] ?? t);
    if (!OPENING.has(kind) && !typeArguments) return;
    for (const [closer, opens] of CLOSING) if (opens.includes(kind)) places.get(closer)!.push(open.length);
    open.push(kind);
    openers.push(t);
  });
  return { depths, closed };
}

/** Whether a CST node, or one below it, ended in error recovery (its error is reported). */
export function recovered(n: CstNode): boolean {
  if (n.recoveredNode) return true;
  const isNode = (e: CstElement): e is CstNode => "children" in e;
  return Object.values(n.children).some((list) => list.some((e) => (isNode(e) ? recovered(e) : e.isInsertedInRecovery === true)));
}

class WritParser extends CstParser {
  /** text skipped in the input being parsed */
  strays: StrayText[] = [];
  /** how brackets nest in the input being parsed, computed when first needed */
  private brackets: Brackets | undefined;

  override reset(): void {
    super.reset();
    this.strays = [];
    this.brackets = undefined;
  }

  private depthOf(t: IToken): number {
    this.brackets ??= bracketDepths(this.input);
    return this.brackets.depths.get(t) ?? 0;
  }

  /** whether a closer closes the bracket `t` opens */
  private isClosed(t: IToken): boolean {
    this.brackets ??= bracketDepths(this.input);
    return this.brackets.closed.has(t);
  }

  /**
   * Skips text that can neither end the field just read (`field`) nor start one (no `field`) in a
   * record whose fields are `depth` brackets deep, up to the next `,` or `}` at that depth or a
   * field that starts without a comma (`name:`); reported once (where a field should start, once
   * after each `,`), unless it follows an error of the field, of which it is the rest. Chevrotain's
   * own recovery stops at the first `,` or `}` it meets, however deep in brackets (the `,` of
   * `string(3, 4)`), and the record's later fields were read as the end of the block, or dropped.
   */
  private skipStrayText(depth: number, field: CstNode | undefined): void {
    const depthAt = (t: IToken): number => (t.tokenType === EOF ? -1 : this.depthOf(t));
    const atDepth = (type: TokenType) => this.LA(1).tokenType === type && depthAt(this.LA(1)) === depth;
    // whether the next token may come where a field ends or starts: a name starts the next field
    // (commas are optional), but past skipped text only a name before `:` or `?:` is taken as one
    const fits = (skipping: boolean): boolean => {
      const t = this.LA(1);
      if (depthAt(t) !== depth) return depthAt(t) < depth;
      if (t.tokenType === T.RBrace || (t.tokenType === T.Comma && (field !== undefined || skipping))) return true;
      return tokenMatcher(t, T.AnyName) && (!skipping || startsField(t, this.LA(2)));
    };
    const name = field?.children["name"]?.[0] as IToken | undefined;
    while (!fits(false)) {
      const found = describeToken(this.LA(1));
      if (!field) this.strays.push({ token: this.LA(1), message: `expected a field name or \`}\`, found ${found}` });
      else if (!recovered(field)) {
        const help = strayAfterFieldHelp(field, this.LA(1), this.LA(2));
        this.strays.push({ token: this.LA(1), message: `expected \`,\` or \`}\` after field \`${name?.image ?? ""}\`, found ${found}`, ...(help !== undefined && { help }) });
      }
      do this.SKIP_TOKEN();
      while (!fits(true));
      // after a field, the `,` is read as the grammar reads it; where a field should have started,
      // one may start after it
      if (field || !atDepth(T.Comma)) return;
      this.SKIP_TOKEN();
    }
  }

  constructor() {
    super(T.allTokens, {
      recoveryEnabled: true,
      maxLookahead: 3,
      nodeLocationTracking: "onlyOffset",
      errorMessageProvider: messages,
    });
    this.performSelfAnalysis();
  }

  // header = "policy" STRING "version" STRING ;
  header = this.RULE("header", () => {
    this.CONSUME(T.Policy);
    this.CONSUME(T.AnyString, { LABEL: "name" });
    this.CONSUME(T.Version);
    this.CONSUME2(T.AnyString, { LABEL: "version" });
  });

  // inputDecl = "input" "{" [ fields ] "}" ;
  inputDecl = this.RULE("inputDecl", () => {
    this.CONSUME(T.Input);
    this.CONSUME(T.LBrace);
    this.SUBRULE(this.fields);
    this.CONSUME(T.RBrace);
  });

  // fields = field { [","] field } [","] ;   (written as: { field [","] })
  // Text where a field should end or start (`a: int = 5`, a string not before `:`) is reported once and
  // skipped to the next `,` or `}` of the record, so that the fields after it are still declared
  // (see skipStrayText).
  fields = this.RULE("fields", () => {
    let depth = 0;
    this.ACTION(() => {
      depth = this.depthOf(this.LA(1));
      this.skipStrayText(depth, undefined);
    });
    this.MANY(() => {
      const field = this.SUBRULE(this.field);
      this.ACTION(() => this.skipStrayText(depth, field));
      this.OPTION(() => this.CONSUME(T.Comma));
      this.ACTION(() => this.skipStrayText(depth, undefined));
    });
  });

  // field = NAME ["?"] ":" type ;
  field = this.RULE("field", () => {
    this.CONSUME(T.AnyName, { LABEL: "name" });
    this.OPTION(() => this.CONSUME(T.Question));
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeExpr);
  });

  // type = "{" fields "}" | IDENT [ "<" type { "," type } ">" ] [ bound ] ;
  // (list and map are ordinary names here; the builder checks their type arguments). Type
  // arguments in square brackets as Python writes them (`list[string]`), or `string[]` as
  // TypeScript writes a list, are read too, for the builder to report once with the type to write:
  // skipped as stray text, they were a second error after the first
  typeExpr = this.RULE("typeExpr", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.LBrace);
          this.SUBRULE(this.fields);
          this.CONSUME(T.RBrace);
        },
      },
      {
        ALT: () => {
          const name = this.CONSUME(T.Ident, { LABEL: "name" });
          // `<` opens type arguments after `list` or `map`, or before a type (a name or `{`): in
          // `a: int < 5, c: int` the `< 5` is stray text after the field, skipped to the `,`, where
          // read as arguments it ran on into `c` and lost both fields; `[` opens them before a
          // type or a `]`, where a `]` closes it (`a: int [5]`, `a: int [x` are stray text)
          this.OPTION({
            GATE: () => {
              const next = this.LA(1).tokenType;
              if (next === T.Lt) return TAKES_ARGUMENTS.has(name.image) || startsType(this.LA(2));
              if (next === T.LBracket) return (startsType(this.LA(2)) || this.LA(2).tokenType === T.RBracket) && this.isClosed(this.LA(1));
              return true;
            },
            DEF: () => {
              this.OR2([
                {
                  ALT: () => {
                    this.CONSUME(T.Lt);
                    this.SUBRULE(this.typeExpr, { LABEL: "args" });
                    // (`, c:` after a missing `>` is the next field, not an argument)
                    this.MANY({
                      GATE: () => !startsField(this.LA(2), this.LA(3)),
                      DEF: () => {
                        this.CONSUME(T.Comma);
                        this.SUBRULE2(this.typeExpr, { LABEL: "args" });
                      },
                    });
                    this.CONSUME(T.Gt);
                  },
                },
                {
                  ALT: () => {
                    this.CONSUME(T.LBracket);
                    this.OPTION3(() => {
                      this.SUBRULE3(this.typeExpr, { LABEL: "args" });
                      this.MANY2({
                        GATE: () => !startsField(this.LA(2), this.LA(3)),
                        DEF: () => {
                          this.CONSUME2(T.Comma);
                          this.SUBRULE4(this.typeExpr, { LABEL: "args" });
                        },
                      });
                    });
                    this.CONSUME(T.RBracket);
                  },
                },
              ]);
            },
          });
          this.OPTION2(() => {
            this.CONSUME(T.LParen);
            this.CONSUME(T.IntLiteral, { LABEL: "bound" });
            this.CONSUME(T.RParen);
          });
        },
      },
    ]);
  });

  // letDecl = "let" IDENT "=" expr ;
  letDecl = this.RULE("letDecl", () => {
    this.CONSUME(T.Let);
    this.CONSUME(T.Ident, { LABEL: "name" });
    this.CONSUME(T.Assign);
    this.SUBRULE(this.expr);
  });

  // rule = { annotation } ("permit" | "forbid") IDENT [ "when" expr ] ;
  ruleDecl = this.RULE("ruleDecl", () => {
    this.MANY(() => this.SUBRULE(this.annotation));
    this.OR([{ ALT: () => this.CONSUME(T.Permit, { LABEL: "effect" }) }, { ALT: () => this.CONSUME(T.Forbid, { LABEL: "effect" }) }]);
    this.CONSUME(T.Ident, { LABEL: "name" });
    this.OPTION(() => {
      this.CONSUME(T.When, { LABEL: "when" });
      this.SUBRULE(this.expr);
    });
  });

  // annotation = "@" IDENT "(" STRING ")" ;
  annotation = this.RULE("annotation", () => {
    this.CONSUME(T.At);
    this.CONSUME(T.Ident, { LABEL: "name" });
    this.CONSUME(T.LParen);
    this.CONSUME(T.AnyString, { LABEL: "value" });
    this.CONSUME(T.RParen);
  });

  // test = "test" STRING "{" "input" dataObject expect "}" ;
  testDecl = this.RULE("testDecl", () => {
    this.CONSUME(T.Test);
    this.CONSUME(T.AnyString, { LABEL: "name" });
    this.CONSUME(T.LBrace);
    this.CONSUME(T.Input);
    this.SUBRULE(this.dataObject);
    this.SUBRULE(this.expectClause);
    this.CONSUME(T.RBrace);
  });

  // expect = "expect" ("allow" | "deny") { "by" nameList | "errors" nameList | "invalid" } ;
  expectClause = this.RULE("expectClause", () => {
    this.CONSUME(T.Expect);
    this.OR([{ ALT: () => this.CONSUME(T.Allow, { LABEL: "decision" }) }, { ALT: () => this.CONSUME(T.Deny, { LABEL: "decision" }) }]);
    this.MANY(() => {
      this.OR2([
        {
          ALT: () => {
            this.CONSUME(T.By, { LABEL: "byKw" });
            this.SUBRULE(this.nameList, { LABEL: "by" });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Errors, { LABEL: "errorsKw" });
            this.SUBRULE2(this.nameList, { LABEL: "errors" });
          },
        },
        { ALT: () => this.CONSUME(T.Invalid, { LABEL: "invalid" }) },
      ]);
    });
  });

  // nameList = "[" [ NAME { "," NAME } [","] ] "]" ;
  nameList = this.RULE("nameList", () => {
    this.CONSUME(T.LBracket);
    this.MANY(() => {
      this.CONSUME(T.AnyName, { LABEL: "names" });
      this.OPTION(() => this.CONSUME(T.Comma));
    });
    this.CONSUME(T.RBracket);
  });

  // dataObject = "{" [ dataKey ":" dataValue { "," dataKey ":" dataValue } [","] ] "}" ;
  dataObject = this.RULE("dataObject", () => {
    this.CONSUME(T.LBrace);
    this.MANY(() => {
      this.SUBRULE(this.dataEntry);
      this.OPTION(() => this.CONSUME(T.Comma));
    });
    this.CONSUME(T.RBrace);
  });

  // dataKey ":" dataValue   with   dataKey = NAME | STRING ;
  dataEntry = this.RULE("dataEntry", () => {
    this.OR([{ ALT: () => this.CONSUME(T.AnyName, { LABEL: "key" }) }, { ALT: () => this.CONSUME(T.AnyString, { LABEL: "key" }) }]);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.dataValue);
  });

  // dataValue = dataObject | "[" [ dataValue { "," dataValue } [","] ] "]" | STRING | ["-"] INT | "true" | "false" | "null" ;
  dataValue = this.RULE("dataValue", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.dataObject) },
      {
        ALT: () => {
          this.CONSUME(T.LBracket);
          this.MANY(() => {
            this.SUBRULE(this.dataValue, { LABEL: "items" });
            this.OPTION(() => this.CONSUME(T.Comma));
          });
          this.CONSUME(T.RBracket);
        },
      },
      { ALT: () => this.CONSUME(T.AnyString, { LABEL: "string" }) },
      {
        ALT: () => {
          this.OPTION2(() => this.CONSUME(T.Minus));
          this.CONSUME(T.IntLiteral, { LABEL: "int" });
        },
      },
      { ALT: () => this.CONSUME(T.True, { LABEL: "bool" }) },
      { ALT: () => this.CONSUME(T.False, { LABEL: "bool" }) },
      { ALT: () => this.CONSUME(T.Null, { LABEL: "null" }) },
    ]);
  });

  // ---------------------------------------------------------------------------------------------
  // CEL expressions (langdef.md "Syntax").

  // Expr = ConditionalOr ["?" ConditionalOr ":" Expr] ;
  expr = this.RULE("expr", () => {
    this.SUBRULE(this.binary, { LABEL: "test" });
    this.OPTION(() => {
      this.CONSUME(T.Question);
      this.SUBRULE2(this.binary, { LABEL: "then" });
      this.CONSUME(T.Colon);
      this.SUBRULE(this.expr, { LABEL: "otherwise" });
    });
  });

  // ConditionalOr … Multiplication as one flat rule: Unary { BinOp Unary }. The builder groups the
  // operands by CEL's precedence table (|| < && < relations < + - < * / %), all left-associative.
  // One rule instead of five keeps the call stack shallow for nested brackets.
  binary = this.RULE("binary", () => {
    this.SUBRULE(this.unary, { LABEL: "operands" });
    this.MANY(() => {
      this.CONSUME(T.BinOp, { LABEL: "ops" });
      this.SUBRULE2(this.unary, { LABEL: "operands" });
    });
  });

  // Unary = Member | "!" {"!"} Member | "-" {"-"} Member ;
  unary = this.RULE("unary", () => {
    this.OR([
      {
        ALT: () => {
          this.AT_LEAST_ONE(() => this.CONSUME(T.Bang, { LABEL: "ops" }));
          this.SUBRULE(this.member);
        },
      },
      {
        ALT: () => {
          this.AT_LEAST_ONE2(() => this.CONSUME(T.Minus, { LABEL: "ops" }));
          this.SUBRULE2(this.member);
        },
      },
      { ALT: () => this.SUBRULE3(this.member) },
    ]);
  });

  // Member = Primary { "." NAME ["(" [ExprList] ")"] | ".?" NAME | "[" Expr "]" | "[?" Expr "]" | "{" FieldInits "}" } ;
  member = this.RULE("member", () => {
    this.SUBRULE(this.primary);
    this.MANY(() => this.SUBRULE(this.memberSuffix, { LABEL: "suffixes" }));
  });

  memberSuffix = this.RULE("memberSuffix", () => {
    this.OR([
      {
        ALT: () => {
          this.OR2([{ ALT: () => this.CONSUME(T.Dot, { LABEL: "dot" }) }, { ALT: () => this.CONSUME(T.DotQuestion, { LABEL: "dot" }) }]);
          this.OR3([{ ALT: () => this.CONSUME(T.AnyName, { LABEL: "name" }) }, { ALT: () => this.CONSUME(T.QuotedName, { LABEL: "name" }) }]);
          this.OPTION(() => {
            this.CONSUME(T.LParen);
            this.SUBRULE(this.exprList, { LABEL: "args" });
            this.CONSUME(T.RParen);
          });
        },
      },
      {
        ALT: () => {
          this.OR4([{ ALT: () => this.CONSUME(T.LBracket, { LABEL: "open" }) }, { ALT: () => this.CONSUME(T.LBracketQuestion, { LABEL: "open" }) }]);
          this.SUBRULE(this.expr, { LABEL: "index" });
          this.CONSUME(T.RBracket);
        },
      },
      // message construction after a qualified name: `google.type.Money{units: 1}`
      { ALT: () => this.SUBRULE(this.fieldInits) },
    ]);
  });

  // Primary = ["."] IDENT ["(" [ExprList] ")"] | "(" Expr ")" | "[" [ExprList] [","] "]"
  //         | "{" [MapInits] [","] "}" | IDENT "{" [FieldInits] [","] "}" | LITERAL ;
  primary = this.RULE("primary", () => {
    this.OR([
      {
        ALT: () => {
          this.OPTION(() => this.CONSUME(T.Dot, { LABEL: "leadingDot" }));
          this.CONSUME(T.Ident, { LABEL: "name" });
          this.OPTION2(() => {
            this.CONSUME(T.LParen, { LABEL: "call" });
            this.SUBRULE(this.exprList, { LABEL: "args" });
            this.CONSUME(T.RParen);
          });
        },
      },
      {
        ALT: () => {
          this.CONSUME2(T.LParen, { LABEL: "paren" });
          this.SUBRULE(this.expr, { LABEL: "inner" });
          this.CONSUME2(T.RParen);
        },
      },
      {
        ALT: () => {
          // `[?` opens a list whose first element is optional (CEL's `[?x]`, outside the subset)
          this.OR2([{ ALT: () => this.CONSUME(T.LBracket, { LABEL: "list" }) }, { ALT: () => this.CONSUME(T.LBracketQuestion, { LABEL: "list" }) }]);
          this.SUBRULE2(this.exprList, { LABEL: "elements" });
          this.CONSUME(T.RBracket);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.LBrace, { LABEL: "map" });
          this.MANY(() => {
            this.SUBRULE(this.mapEntry, { LABEL: "entries" });
            this.OPTION3(() => this.CONSUME(T.Comma));
          });
          this.CONSUME(T.RBrace);
        },
      },
      { ALT: () => this.SUBRULE(this.literal) },
    ]);
  });

  // ExprList = ["?"] Expr {"," ["?"] Expr} [","] ;  (the trailing comma is checked by the builder
  // for calls; so is a `?`, which marks an optional element of a list, CEL's `[1, ?x]`, and nothing
  // in a call)
  exprList = this.RULE("exprList", () => {
    this.MANY(() => {
      this.OPTION2(() => this.CONSUME(T.Question, { LABEL: "optionalMarks" }));
      this.SUBRULE(this.expr, { LABEL: "items" });
      this.OPTION(() => this.CONSUME(T.Comma, { LABEL: "commas" }));
    });
  });

  // MapInits = ["?"] Expr ":" Expr {"," ["?"] Expr ":" Expr} ;  (`{?k: v}` is CEL's optional entry)
  mapEntry = this.RULE("mapEntry", () => {
    this.OPTION(() => this.CONSUME(T.Question, { LABEL: "optional" }));
    this.SUBRULE(this.expr, { LABEL: "key" });
    this.CONSUME(T.Colon);
    this.SUBRULE2(this.expr, { LABEL: "value" });
  });

  // "{" [FieldInits] [","] "}"   with   FieldInits = NAME ":" Expr {"," NAME ":" Expr} ;
  fieldInits = this.RULE("fieldInits", () => {
    this.CONSUME(T.LBrace);
    this.MANY(() => {
      this.CONSUME(T.AnyName, { LABEL: "names" });
      this.CONSUME(T.Colon);
      this.SUBRULE(this.expr, { LABEL: "values" });
      this.OPTION(() => this.CONSUME(T.Comma));
    });
    this.CONSUME(T.RBrace);
  });

  literal = this.RULE("literal", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.IntLiteral, { LABEL: "token" }) },
      { ALT: () => this.CONSUME(T.UintLiteral, { LABEL: "token" }) },
      { ALT: () => this.CONSUME(T.DoubleLiteral, { LABEL: "token" }) },
      { ALT: () => this.CONSUME(T.AnyString, { LABEL: "token" }) },
      { ALT: () => this.CONSUME(T.True, { LABEL: "token" }) },
      { ALT: () => this.CONSUME(T.False, { LABEL: "token" }) },
      { ALT: () => this.CONSUME(T.Null, { LABEL: "token" }) },
    ]);
  });
}

/** The process-wide parser. Not re-entrant: parse calls must not interleave (they are synchronous). */
export const writParser = new WritParser();

export type DeclarationRule = "header" | "inputDecl" | "letDecl" | "ruleDecl" | "testDecl" | "expr";
