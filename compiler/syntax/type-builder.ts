// CST → AST for types: a record's fields and the type written for each, with one message for a type
// written as another language writes it (`list[string]`, `string[]`, `array<int>`, `List<str>`).

import type { CstNode } from "chevrotain";
import { quotedName } from "../diagnostics.js";
import type { Span } from "../source.js";
import { closest } from "../../runtime/closest-name.js";
import type * as A from "./ast.js";
import { cstSpan, describe, identifierOf, node, nodes, token } from "./cst-access.js";
import { tokSpan } from "./lexing.js";
import { W } from "./diagnostic-codes.js";
import { recovered } from "./cst-access.js";
import { isSuppliedBrace, nameWrittenAsString, nameWrittenAsStringHelp } from "./schema-slips.js";

/** Where a type's problems go: the AST builder's diagnostics. */
type Report = (code: string, message: string, at: Span, help?: string) => void;

export class TypeBuilder {
  constructor(private readonly report: Report) {}

  /**
   * A record's fields. With `untyped` (the request's own fields), a field the parser had to repair
   * goes there by name instead: its type is a guess (in `e ok: int` the `:` inserted before `ok`
   * made `ok` a type) or missing, and either would turn its one syntax error into more, an unknown
   * type or each use an unknown name. In a nested record, a field whose type could not be read
   * (reported) is kept with an ErrorTypeExpr: left out, each use of it was reported again as a
   * field its record lacks.
   */
  fields(n: CstNode | undefined, untyped?: A.Identifier[]): A.FieldDecl[] {
    const out: A.FieldDecl[] = [];
    for (const f of nodes(n, "field")) {
      const name = this.fieldName(f);
      const typeNode = node(f, "typeExpr");
      if (!name) continue;
      this.reportMissingBrace(name, typeNode);
      const span = cstSpan(f, name.span);
      const type = typeNode ? this.typeExpr(typeNode) : undefined;
      if (untyped && (!type || recovered(f))) {
        untyped.push(name);
        continue;
      }
      const end: Span = { start: span.end, end: span.end };
      const kept: A.TypeExpr = type ?? { kind: "ErrorTypeExpr", span: typeNode ? cstSpan(typeNode, end) : end };
      out.push({ kind: "FieldDecl", name, optional: token(f, "Question") !== undefined, type: kept, span });
    }
    return out;
  }

  /**
   * A field's name: a name, or a string whose text is one (`"id": string`), reported once and read
   * as the name it holds. Undefined where there is none, or a string that holds no name (reported).
   */
  private fieldName(f: CstNode): A.Identifier | undefined {
    const nameToken = token(f, "name");
    const quoted = nameWrittenAsString(nameToken);
    if (!nameToken || !quoted) return identifierOf(nameToken);
    const span = tokSpan(nameToken);
    this.report(W.UnexpectedToken, `expected a field name, found ${describe(nameToken)}`, span, nameWrittenAsStringHelp(quoted.name));
    return quoted.name === undefined ? undefined : { kind: "Identifier", name: quoted.name, span };
  }

  /** The one error of a record whose `{` is missing (supplyMissingBraces), at its first field. */
  private reportMissingBrace(name: A.Identifier, typeNode: CstNode | undefined): void {
    if (!isSuppliedBrace(token(typeNode, "LBrace"))) return;
    const first = node(node(typeNode, "fields"), "field");
    const firstName = token(first, "name");
    if (!firstName) return;
    this.report(
      W.UnexpectedToken,
      `expected \`{\` to open the record of \`${quotedName(name.name)}\`, found ${describe(firstName)}`,
      tokSpan(firstName),
      `a record's fields are written in braces: \`${quotedName(name.name)}: { ${firstName.image}: … }\``,
    );
  }

  private typeExpr(n: CstNode): A.TypeExpr | undefined {
    const span = cstSpan(n, { start: 0, end: 0 });
    if (token(n, "LBrace")) return { kind: "RecordTypeExpr", fields: this.fields(node(n, "fields")), span };
    const nameTok = token(n, "name");
    if (!nameTok) return undefined;
    const built = nodes(n, "args").map((a) => this.typeExpr(a));
    if (token(n, "LBracket")) {
      // (an argument that could not be read is reported as such, and shown as `T`)
      this.reportSquareBrackets(nameTok.image, built.map((a) => a ?? { kind: "ErrorTypeExpr", span }), span);
      return undefined;
    }
    const args = built.filter((a): a is A.TypeExpr => a !== undefined);
    if (args.length < built.length) return undefined;
    const boundTok = token(n, "bound");
    let max: number | undefined;
    if (boundTok) {
      if (!/^\d+$/.test(boundTok.image)) {
        this.report(W.BadBound, `a size bound is a decimal number, found ${describe(boundTok)}`, tokSpan(boundTok));
      } else {
        const v = BigInt(boundTok.image);
        if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.report(W.BadBound, `size bound ${describe(boundTok)} is too large`, tokSpan(boundTok));
        else max = Number(v);
      }
    }
    const name = nameTok.image;
    const hasArgs = token(n, "Lt") !== undefined;
    const arity = (want: number, shape: string): boolean => {
      if (args.length === want) return true;
      // arguments the parser could not read were reported as such: the count is no news
      if (recovered(n)) return false;
      this.report(W.BadTypeArguments, `\`${name}\` takes ${want === 1 ? "one type argument" : `${want} type arguments`}: \`${shape}\``, span);
      return false;
    };
    if (name === "list") {
      if (!arity(1, "list<T>")) return undefined;
      return { kind: "ListTypeExpr", element: args[0]!, max, span };
    }
    if (name === "map") {
      if (!arity(2, "map<K, V>")) return undefined;
      return { kind: "MapTypeExpr", key: args[0]!, value: args[1]!, max, span };
    }
    if (hasArgs) {
      // `array<string>`, `set<int>`: a type from another language, which no type argument makes one
      if (!PRIMITIVE_TYPES.has(name)) this.report(W.BadTypeArguments, `unknown type \`${quotedName(name)}\``, span, collectionHelp(name));
      else this.report(W.BadTypeArguments, `\`${quotedName(name)}\` takes no type arguments`, span);
      return undefined;
    }
    return { kind: "PrimitiveTypeExpr", name, max, span };
  }

  /**
   * Type arguments in square brackets: `list[string]`, `map[string, int]` as Python writes them,
   * `string[]` as TypeScript writes a list. One error, with the type as Writ writes it.
   */
  private reportSquareBrackets(name: string, args: readonly A.TypeExpr[], span: Span): void {
    if (args.length === 0) {
      // `string[]`: a list of what is before the brackets
      const element = PRIMITIVE_TYPES.has(name) ? name : "T";
      this.report(W.BadTypeArguments, `\`${quotedName(name)}[]\` is not a type`, span, `a list is written \`list<${element}>\``);
      return;
    }
    if (PRIMITIVE_TYPES.has(name)) {
      this.report(W.BadTypeArguments, `\`${name}\` takes no type arguments`, span);
      return;
    }
    // (`List[str]`, `Map[str, int]`: the type meant, with the arguments as written where Writ has
    // them, and `T` (a map's key `string`) where it does not: `list<str>` would be wrong again)
    const meant = TYPE_ARGUMENTS.has(name) ? name : closest(name.toLowerCase(), [...TYPE_ARGUMENTS.keys()]);
    const placeholders = meant === "map" ? ["string", "T"] : ["T"];
    const written = TYPE_ARGUMENTS.get(meant ?? "") === args.length ? args.map((a, i) => (isWritType(a) ? typeText(a) : placeholders[i])).join(", ") : undefined;
    const help =
      meant === "list" ? `a list is written \`list<${written ?? "T"}>\``
      : meant === "map" ? `a map is written \`map<${written ?? "string, T"}>\``
      : collectionHelp(name);
    if (!TYPE_ARGUMENTS.has(name)) {
      this.report(W.BadTypeArguments, `unknown type \`${quotedName(name)}\``, span, help);
      return;
    }
    const them = TYPE_ARGUMENTS.get(name) === 1 ? "its type argument" : "its type arguments";
    this.report(W.BadTypeArguments, `\`${name}\` takes ${them} in \`<\` and \`>\`, not in \`[\` and \`]\``, span, help);
  }
}

/** the types written without type arguments */
const PRIMITIVE_TYPES = new Set(["bool", "int", "string"]);

/** Whether a type as written is one of Writ's all through (`list<str>` is not), for helps to copy. */
function isWritType(t: A.TypeExpr): boolean {
  switch (t.kind) {
    case "PrimitiveTypeExpr": return PRIMITIVE_TYPES.has(t.name);
    case "ListTypeExpr": return isWritType(t.element);
    case "MapTypeExpr": return isWritType(t.key) && isWritType(t.value);
    case "RecordTypeExpr": return true;
    case "ErrorTypeExpr": return false;
  }
}

/** the types written with type arguments, and how many each takes */
const TYPE_ARGUMENTS: ReadonlyMap<string, number> = new Map([["list", 1], ["map", 2]]);

/** A type as Writ writes it, for a help that shows the type to write. */
function typeText(t: A.TypeExpr): string {
  const bound = (max: number | undefined): string => (max === undefined ? "" : `(${max})`);
  switch (t.kind) {
    case "PrimitiveTypeExpr": return t.name + bound(t.max);
    case "ListTypeExpr": return `list<${typeText(t.element)}>${bound(t.max)}`;
    case "MapTypeExpr": return `map<${typeText(t.key)}, ${typeText(t.value)}>${bound(t.max)}`;
    case "RecordTypeExpr": return t.fields.length === 0 ? "{}" : "{ … }";
    case "ErrorTypeExpr": return "T";
  }
}

/** What to write for a collection type named as another language names it (`array<string>`, `List<int>`). */
function collectionHelp(name: string): string {
  const meant = closest(name.toLowerCase(), ["list", "map"]);
  if (meant === "list") return "did you mean `list<T>`?";
  if (meant === "map") return "did you mean `map<string, T>`?";
  return "a list is written `list<T>`, a map `map<string, T>`";
}
