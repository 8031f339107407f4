// The Writ grammar as a Chevrotain CstParser (grammar: docs/language-grammar.md).
//
// One parser instance serves the whole process (Chevrotain's self-analysis is slow). Callers do
// not parse a file in one go: index.ts cuts the token stream into declarations and runs one rule
// per declaration, so a broken declaration cannot swallow the ones after it, and recovery
// (`recoveryEnabled`) finds further errors inside each declaration. Rules build a CST only; the
// AST comes from ast-builder.ts (no embedded actions: Chevrotain runs rules in a recording phase).

import type { IParserErrorMessageProvider, IToken, TokenType } from "chevrotain";
import { CstParser, EOF } from "./chevrotain.js";
import * as T from "./lexer.js";

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

/** How an actual token is shown in messages: its text in backticks, shortened. */
export function describeToken(tok: IToken | undefined): string {
  if (!tok || tok.tokenType === EOF) return chunkFollower ? describeToken(chunkFollower) : "end of input";
  const image = tok.image.length > 24 ? tok.image.slice(0, 21) + "..." : tok.image;
  return "`" + image.replace(/`/g, "'").replace(/[\r\n]+/g, " ") + "`";
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
    return `expected ${describeExpected(expected)}, found ${describeToken(actual)}${reservedHint(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `expected a new declaration, found ${describeToken(firstRedundant)}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const first = actual[0];
    if (EXPRESSION_RULES.has(ruleName)) return `expected an expression, found ${describeToken(first)}${reservedHint(first)}`;
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

class WritParser extends CstParser {
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
  fields = this.RULE("fields", () => {
    this.MANY(() => {
      this.SUBRULE(this.field);
      this.OPTION(() => this.CONSUME(T.Comma));
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
  // (list and map are ordinary names here; the builder checks their type arguments)
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
          this.CONSUME(T.Ident, { LABEL: "name" });
          this.OPTION(() => {
            this.CONSUME(T.Lt);
            this.SUBRULE(this.typeExpr, { LABEL: "args" });
            this.MANY(() => {
              this.CONSUME(T.Comma);
              this.SUBRULE2(this.typeExpr, { LABEL: "args" });
            });
            this.CONSUME(T.Gt);
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
          this.CONSUME(T.LBracket, { LABEL: "list" });
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

  // ExprList = Expr {"," Expr} [","] ;  (the trailing comma is checked by the builder for calls)
  exprList = this.RULE("exprList", () => {
    this.MANY(() => {
      this.SUBRULE(this.expr, { LABEL: "items" });
      this.OPTION(() => this.CONSUME(T.Comma, { LABEL: "commas" }));
    });
  });

  // MapInits = Expr ":" Expr {"," Expr ":" Expr} ;
  mapEntry = this.RULE("mapEntry", () => {
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
