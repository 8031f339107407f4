// The Writ grammar as a Chevrotain CstParser (grammar: docs/language-grammar.md).
//
// One parser instance serves the whole process (Chevrotain's self-analysis is slow). Callers do
// not parse a file in one go: index.ts cuts the token stream into declarations and runs one rule
// per declaration, so a broken declaration cannot swallow the ones after it, and recovery
// (`recoveryEnabled`) finds further errors inside each declaration. Rules build a CST only; the
// AST comes from ast-builder.ts (no embedded actions: Chevrotain runs rules in a recording phase;
// the one exception, the input block's recovery in `fields`, is wrapped in ACTION, which that
// phase does not run). Its error messages are worded in parse-messages.ts; the bracket nesting that
// recovery reads is bracket-depths.ts's.

import type { CstNode, IToken, TokenType } from "chevrotain";
import { CstParser, EOF, tokenMatcher } from "./chevrotain.js";
import * as T from "./lexer.js";
import { strayAfterFieldHelp } from "./schema-slips.js";
import { startsField } from "./lexing.js";
import { bracketDepths, startsType, type Brackets } from "./bracket-depths.js";
import { recovered } from "./cst-access.js";
import { describeToken, messages } from "./parse-messages.js";

/** Text the parser skipped, reported as it was met (index.ts adds it to the parse errors). */
export interface StrayText {
  readonly token: IToken;
  readonly message: string;
  /** what to write instead, where the text is a slip with a known fix (schema-slips.ts) */
  readonly help?: string;
}

/** the types written with type arguments */
const TAKES_ARGUMENTS = new Set(["list", "map"]);

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
