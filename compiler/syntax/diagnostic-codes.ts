// Diagnostic codes of the syntax phase (lexer, parser, CST→AST builder). Codes are stable: tests
// and documentation refer to them.
//
// | code  | meaning |
// | ----- | ------- |
// | W0101 | unexpected token: the parser expected something else here (also missing or extra commas; an annotation on a field of the input block or a key of a test's data) |
// | W0102 | unterminated string literal (a quote without its closing quote on the same line) |
// | W0103 | invalid escape sequence in a string or bytes literal (bad `\` escape, surrogate, `\u` in bytes) |
// | W0104 | nesting too deep: brackets, conditionals or operators nested beyond the parser's limit |
// | W0105 | unexpected character that starts no token (e.g. `#`, `$`, a non-ASCII letter outside a string; a `|` joining a union type in the input block; U+2028, U+2029, NEL, a vertical tab, or a form feed ending a `//` comment: shown as a line end, read as none), or a lone surrogate anywhere |
// | W0106 | misplaced or repeated `policy` header (it must come once, first) |
// | W0107 | repeated `input` block (a file declares its request schema once) |
// | W0108 | a bytes literal where a text string is required (header, annotation, test name, test data) |
// | W0109 | invalid size bound: a number that is not a decimal integer, or too large (no number at all: W0101) |
// | W0110 | wrong type arguments: `list` takes one, `map` two, other types none (an unknown name given some: an unknown type); type arguments in `[…]` (`list[string]`, `string[]`) |
// | W0111 | a message literal `{...}` that does not follow a type name |
// | W0112 | a clause repeated in one `expect` (`by`, `errors` or `invalid` given twice) |
// | W0113 | text that is not a declaration where a declaration must start (before the header; after a header, an input block or a test) |
// | W0114 | a policy too large to parse: more characters or tokens than the parser takes |
// | W0115 | a hexadecimal number written `0X` (CEL writes `0x`, lowercase) |
// | W0703 | (warning) an annotation starting on the line where the `let` or rule before it ends: it is the next rule's (annotation-placement.ts) |

export const W = {
  UnexpectedToken: "W0101",
  UnterminatedString: "W0102",
  InvalidEscape: "W0103",
  NestingTooDeep: "W0104",
  UnexpectedCharacter: "W0105",
  MisplacedHeader: "W0106",
  DuplicateInput: "W0107",
  BytesNotString: "W0108",
  BadBound: "W0109",
  BadTypeArguments: "W0110",
  StructWithoutType: "W0111",
  DuplicateClause: "W0112",
  NotADeclaration: "W0113",
  TooLarge: "W0114",
  CapitalHexPrefix: "W0115",
  AnnotationAfterDeclaration: "W0703",
} as const;

export type SyntaxCode = (typeof W)[keyof typeof W];
