// The abstract syntax tree of a `.writ` file, produced by the CST→AST builder (ast-builder.ts).
// Every node carries the Span it came from. The AST is what the source says, nothing more: names are
// not resolved and types are not known here (the checker does that, keeping its results in side
// tables keyed by node rather than writing into the tree).

import type { Span } from "../source.js";

export interface Identifier {
  readonly kind: "Identifier";
  readonly name: string;
  readonly span: Span;
}

export interface StringLiteral {
  readonly kind: "StringLiteral";
  /** the decoded value (escapes processed) */
  readonly value: string;
  /**
   * a bytes literal stood here (W0108 reported), or no string where the header's name goes (the
   * syntax error reported): the value is empty and says nothing more
   */
  readonly refused?: true;
  readonly span: Span;
}

// ---------------------------------------------------------------------------------------------
// File structure

export interface PolicyFile {
  readonly kind: "PolicyFile";
  /**
   * absent where the file has no `policy` header (the checker reports the absence); one written
   * wrong is here, its name refused where the parser found no string
   */
  readonly header: PolicyHeader | undefined;
  readonly input: InputDecl | undefined;
  readonly lets: readonly LetDecl[];
  readonly rules: readonly RuleDecl[];
  readonly tests: readonly TestDecl[];
  /** comments in source order, kept so the formatter can put them back */
  readonly comments: readonly Comment[];
  readonly span: Span;
}

export interface Comment {
  readonly kind: "Comment";
  /** the full comment text including the leading `//` */
  readonly text: string;
  readonly span: Span;
}

/** `policy "name" version "1.2.0"` */
export interface PolicyHeader {
  readonly kind: "PolicyHeader";
  readonly name: StringLiteral;
  readonly version: StringLiteral;
  readonly span: Span;
}

/** `input { field: type, ... }` — the request schema; its fields are the top-level variables */
export interface InputDecl {
  readonly kind: "InputDecl";
  readonly fields: readonly FieldDecl[];
  /**
   * top-level fields declared without a type: the parser could not read theirs (a syntax error, or
   * nesting too deep to parse, W0104, reported), so their uses are not reported again
   */
  readonly untyped?: readonly Identifier[];
  readonly span: Span;
}

/** `name: type` or `name?: type` (optional field) */
export interface FieldDecl {
  readonly kind: "FieldDecl";
  readonly name: Identifier;
  readonly optional: boolean;
  readonly type: TypeExpr;
  readonly span: Span;
}

export type TypeExpr = PrimitiveTypeExpr | ListTypeExpr | MapTypeExpr | RecordTypeExpr | ErrorTypeExpr;

/** `bool`, `int`, `string`, `string(64)`; any other name is kept so the checker can report it */
export interface PrimitiveTypeExpr {
  readonly kind: "PrimitiveTypeExpr";
  readonly name: string;
  /** size bound in parentheses: `string(64)` = at most 64 UTF-8 bytes */
  readonly max: number | undefined;
  readonly span: Span;
}

/** `list<T>` or `list<T>(16)` = at most 16 elements */
export interface ListTypeExpr {
  readonly kind: "ListTypeExpr";
  readonly element: TypeExpr;
  readonly max: number | undefined;
  readonly span: Span;
}

/** `map<K, V>` or `map<K, V>(32)` = at most 32 entries */
export interface MapTypeExpr {
  readonly kind: "MapTypeExpr";
  readonly key: TypeExpr;
  readonly value: TypeExpr;
  readonly max: number | undefined;
  readonly span: Span;
}

/** `{ a: int, b?: string }` */
export interface RecordTypeExpr {
  readonly kind: "RecordTypeExpr";
  readonly fields: readonly FieldDecl[];
  readonly span: Span;
}

/**
 * A nested record's field whose type could not be read (`map<string>`, `list[string]`, `list<>`, or
 * none at all): its error is reported, and the field is kept, so that its uses are not reported
 * again as a field the record lacks. The checker gives it the error type (check/schema.ts), whose
 * uses raise nothing. (A top-level field in that state is declared by name in `InputDecl.untyped`.)
 */
export interface ErrorTypeExpr {
  readonly kind: "ErrorTypeExpr";
  readonly span: Span;
}

/** `let NAME = expr` — a named constant, folded at compile time */
export interface LetDecl {
  readonly kind: "LetDecl";
  readonly name: Identifier;
  readonly value: Expr;
  readonly span: Span;
}

/** `@reason("...")` */
export interface Annotation {
  readonly kind: "Annotation";
  readonly name: Identifier;
  readonly value: StringLiteral;
  readonly span: Span;
}

/** `@a("..") permit name when expr` — `when expr` may be omitted (the rule always holds) */
export interface RuleDecl {
  readonly kind: "RuleDecl";
  readonly effect: "permit" | "forbid";
  readonly name: Identifier;
  readonly annotations: readonly Annotation[];
  readonly condition: Expr | undefined;
  /** the `permit` or `forbid` keyword: where the rule is, its annotations before it apart */
  readonly effectSpan: Span;
  /** the whole declaration, its annotations included */
  readonly span: Span;
}

/** `test "name" { input { ... } expect allow by [a, b] }` */
export interface TestDecl {
  readonly kind: "TestDecl";
  readonly name: StringLiteral;
  /** the request, written as a data literal: `input { principal: { id: "a" }, ... }` */
  readonly input: DataObject;
  readonly expect: Expectation;
  readonly span: Span;
}

/**
 * `expect allow` | `expect deny` followed by optional clauses in any order:
 *   `by [rule, ...]`      the deciding rules, exactly (order ignored)
 *   `errors [rule, ...]`  the rules whose condition errored, exactly
 *   `invalid`             the request fails schema validation
 */
export interface Expectation {
  readonly kind: "Expectation";
  readonly decision: "allow" | "deny";
  readonly by: readonly Identifier[] | undefined;
  readonly errors: readonly Identifier[] | undefined;
  readonly invalid: boolean;
  readonly span: Span;
}

// ---------------------------------------------------------------------------------------------
// Data literals (test inputs): JSON with unquoted keys allowed, `//` comments, negative ints.

export type DataValue = DataObject | DataArray | DataString | DataInt | DataBool | DataNull;

export interface DataObject {
  readonly kind: "DataObject";
  readonly entries: readonly { readonly key: string; readonly keySpan: Span; readonly value: DataValue }[];
  readonly span: Span;
}
export interface DataArray {
  readonly kind: "DataArray";
  readonly items: readonly DataValue[];
  readonly span: Span;
}
export interface DataString {
  readonly kind: "DataString";
  readonly value: string;
  readonly span: Span;
}
export interface DataInt {
  readonly kind: "DataInt";
  /** exact value; may be outside the int64 range (the checker reports it) */
  readonly value: bigint;
  readonly span: Span;
}
export interface DataBool {
  readonly kind: "DataBool";
  readonly value: boolean;
  readonly span: Span;
}
export interface DataNull {
  readonly kind: "DataNull";
  readonly span: Span;
}

// ---------------------------------------------------------------------------------------------
// CEL expressions. The parser accepts the whole CEL expression grammar (so that features outside
// Writ's subset — doubles, uints, bytes, null, message construction — are reported by the checker
// with the feature's name rather than as a confusing syntax error).

export type Expr =
  | LiteralExpr
  | IdentExpr
  | SelectExpr
  | IndexExpr
  | CallExpr
  | UnaryExpr
  | BinaryExpr
  | ConditionalExpr
  | ListExpr
  | MapExpr
  | StructExpr
  | ErrorExpr;

export type LiteralExpr =
  // value may exceed int64 before negation; `written` is the literal as written where that is not
  // the value's decimal digits (`0x…`, leading zeros), for messages that quote it
  | { readonly kind: "IntLiteral"; readonly value: bigint; readonly written?: string; readonly span: Span }
  | { readonly kind: "UintLiteral"; readonly value: bigint; readonly span: Span }
  | { readonly kind: "DoubleLiteral"; readonly text: string; readonly span: Span }
  | { readonly kind: "StringLiteralExpr"; readonly value: string; readonly span: Span }
  | { readonly kind: "BytesLiteral"; readonly value: Uint8Array; readonly span: Span }
  | { readonly kind: "BoolLiteral"; readonly value: boolean; readonly span: Span }
  | { readonly kind: "NullLiteral"; readonly span: Span };

/** a name: an input field, a constant, a macro variable; `leadingDot` for CEL's `.name` */
export interface IdentExpr {
  readonly kind: "Ident";
  readonly name: string;
  readonly leadingDot: boolean;
  readonly span: Span;
}

/** `operand.field`; `optional` for CEL's `operand.?field` (outside the subset) */
export interface SelectExpr {
  readonly kind: "Select";
  readonly operand: Expr;
  readonly field: string;
  readonly fieldSpan: Span;
  readonly optional: boolean;
  readonly span: Span;
}

/** `operand[index]`; `optional` for `operand[?index]` */
export interface IndexExpr {
  readonly kind: "Index";
  readonly operand: Expr;
  readonly index: Expr;
  readonly optional: boolean;
  readonly span: Span;
}

/** `fn(args)` (global call, target undefined) or `target.fn(args)` (receiver call, also macros) */
export interface CallExpr {
  readonly kind: "Call";
  readonly target: Expr | undefined;
  readonly fn: string;
  readonly fnSpan: Span;
  readonly args: readonly Expr[];
  readonly span: Span;
}

export interface UnaryExpr {
  readonly kind: "Unary";
  readonly op: "!" | "-";
  readonly operand: Expr;
  readonly span: Span;
}

export type BinaryOp = "||" | "&&" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "+" | "-" | "*" | "/" | "%";

export interface BinaryExpr {
  readonly kind: "Binary";
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
  readonly opSpan: Span;
  readonly span: Span;
}

export interface ConditionalExpr {
  readonly kind: "Conditional";
  readonly test: Expr;
  readonly then: Expr;
  readonly otherwise: Expr;
  readonly span: Span;
}

export interface ListExpr {
  readonly kind: "List";
  readonly elements: readonly Expr[];
  /** the indices of the elements written `?x`, CEL's optional elements (outside the subset); absent when none are */
  readonly optionalElements?: readonly number[];
  readonly span: Span;
}

export interface MapExpr {
  readonly kind: "Map";
  /** `optional` for an entry written `?k: v`, CEL's optional entry (outside the subset); absent when not */
  readonly entries: readonly { readonly key: Expr; readonly value: Expr; readonly optional?: true; readonly span: Span }[];
  readonly span: Span;
}

/** `Name{field: value}` — message construction, outside the subset */
export interface StructExpr {
  readonly kind: "Struct";
  readonly typeName: string;
  /** the type name as written (an identifier or a selection, parts quoted or not), for the formatter */
  readonly type: Expr;
  readonly fields: readonly { readonly name: string; readonly value: Expr; readonly span: Span }[];
  readonly span: Span;
}

/** placeholder left by error recovery where an expression could not be parsed */
export interface ErrorExpr {
  readonly kind: "ErrorExpr";
  readonly span: Span;
}
