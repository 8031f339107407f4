// Resolves the `input { ... }` block into the request schema (runtime/schema.ts) with size bounds,
// reporting unknown types (told Writ's name for what another language calls them), duplicate
// fields, bounds that make no sense, top-level fields no condition could read, schemas whose largest
// request is more than a request may hold and schemas nested too deep for the manifest that records
// them.

import type { FieldDecl, InputDecl, TypeExpr } from "../syntax/ast.js";
import type { Span } from "../source.js";
import { type Diagnostic, error, quotedName } from "../diagnostics.js";
import { DEFAULT_LIST_MAX, DEFAULT_MAP_MAX, DEFAULT_STRING_MAX, largestRequestValues, type RecordType, type SchemaType } from "../../runtime/schema.js";
import { Codes } from "./codes.js";
import { didYouMean } from "./suggest.js";
import { isIdentName } from "../syntax/lexer.js";
import { MAX_SNAPSHOT_VALUES } from "../../runtime/request.js";
import { MAX_DEPTH } from "../../runtime/trust/jcs.js";

/** Bounds larger than this are refused: the module's memory is sized from them. */
export const MAX_BOUND = 1 << 20;

/** CEL's types outside the subset, by name: a Map, as the name is the policy's (see UNSUPPORTED_FUNCTIONS). */
const UNSUPPORTED_TYPES: ReadonlyMap<string, string> = new Map(Object.entries({
  double: "floating point is not supported: use int (for money, integer cents)",
  float: "floating point is not supported: use int (for money, integer cents)",
  uint: "unsigned integers are not supported: use int",
  bytes: "bytes are not supported: use string",
  timestamp: "timestamps are not supported: pass time as int (e.g. seconds since the epoch)",
  duration: "durations are not supported: pass them as int (e.g. seconds)",
  null_type: "null is not supported: use an optional field (`name?: type`)",
  dyn: "dyn is not supported: every field has a static type",
  any: "dynamic types are not supported: every field has a static type",
}));

/**
 * The request schema of an input block, and the types in it that could not be resolved. Such a type
 * (an unknown type, W0301; one outside the subset, W0401; one the parser could not read, its syntax
 * error reported; a list or map of one) stands in `schema`
 * as a `bool`, so that the schema is always one the runtime can read: a policy with one has errors,
 * and is never compiled. The checker gives a field of such a type the error type (types.ts,
 * checkTypeOfSchema), whose uses raise nothing more.
 */
export interface ResolvedSchema {
  readonly schema: RecordType;
  /** the nodes of `schema` standing for a type that was reported: a field of one has no type to check */
  readonly unresolved: ReadonlySet<SchemaType>;
}

export function resolveSchema(input: InputDecl | undefined, diagnostics: Diagnostic[]): ResolvedSchema {
  const unresolved = new Set<SchemaType>();
  if (!input) return { schema: { kind: "record", fields: [] }, unresolved };
  for (const f of input.fields) {
    const problem = topLevelNameProblem(f);
    if (problem) diagnostics.push(problem);
  }
  const schema = resolveRecord(input.fields, { diagnostics, unresolved });
  const tooLarge = tooManyValues(schema, input);
  if (tooLarge) diagnostics.push(tooLarge);
  const tooDeep = tooDeepForManifest(schema, input);
  if (tooDeep) diagnostics.push(tooDeep);
  return { schema, unresolved };
}

/**
 * Levels of JSON around a top-level field's type in the manifest: the manifest object, `layout`,
 * `layout.root`, its `fields` array and the field's object (the schema, `schema.fields[i].type`,
 * sits one level higher).
 */
export const MANIFEST_LEVELS_AROUND_FIELDS = 5;

/**
 * The most levels of JSON a value of type `t` takes in the manifest: in `layout` (runtime/wasm/layout.ts),
 * which is never shallower than `schema` — a record is its object, its `fields` array and a field's
 * object around each field's type; a list or map its object around the element's or value's; a bool
 * or int one object; a string one object and, sent as an interned id, the array of the constants it
 * meets. Counted as if the policy read every field and sent every string as an id: the layout holds
 * only what the policy reads, but a deep field read by no rule is as deep in `schema`, one level
 * less deep, and that level is what a string's array adds.
 */
function manifestDepth(t: SchemaType): number {
  switch (t.kind) {
    case "bool":
    case "int":
      return 1;
    case "string":
      return 2;
    case "list":
      return 1 + manifestDepth(t.element);
    case "map":
      return 1 + manifestDepth(t.value);
    case "record": {
      let deepest = -1; // no field: the object and its empty array
      for (const f of t.fields) deepest = Math.max(deepest, manifestDepth(f.type));
      return 3 + deepest;
    }
  }
}

/**
 * The manifest holds the schema and the layout as JSON, which has a canonical form (the module's
 * digest of its manifest, runtime/manifest-binding.ts; its signature) only MAX_DEPTH levels deep:
 * an input block nested deeper than that allows is refused here, at the input block, naming the
 * deepest top-level field, rather than by the compiler after the module is built.
 */
function tooDeepForManifest(schema: RecordType, input: InputDecl): Diagnostic | undefined {
  let deepest: { name: string; depth: number } | undefined;
  for (const f of schema.fields) {
    const depth = MANIFEST_LEVELS_AROUND_FIELDS + manifestDepth(f.type);
    if (depth > MAX_DEPTH && (!deepest || depth > deepest.depth)) deepest = { name: f.name, depth };
  }
  if (!deepest) return undefined;
  return error(
    Codes.schemaTooDeep,
    `the input block nests too deep for the policy's manifest: \`${quotedName(deepest.name)}\` takes ${deepest.depth} levels of its JSON, more than the ${MAX_DEPTH} its canonical form allows (${MANIFEST_LEVELS_AROUND_FIELDS} around a top-level field, 3 for each record, 1 for each list or map, 2 for a string and 1 for an int or bool)`,
    input.span,
    `nest fewer records: at most ${Math.floor((MAX_DEPTH - MANIFEST_LEVELS_AROUND_FIELDS - 2) / 3)} inside a top-level field, fewer with lists and maps among them`,
  );
}

/**
 * A schema whose largest valid request holds more values than the runtime reads of one request
 * (MAX_SNAPSHOT_VALUES, counted as its snapshot counts them: runtime/request.ts) would have requests
 * that the generated fast path decides and the general path and the interpreter refuse: refused
 * here, at the input block, with the field that holds the most.
 */
function tooManyValues(schema: RecordType, input: InputDecl): Diagnostic | undefined {
  const total = largestRequestValues(schema);
  if (total <= MAX_SNAPSHOT_VALUES) return undefined;
  const count = (n: number): string => (Number.isFinite(n) && n < 1e15 ? n.toLocaleString("en-US") : "over 10^15");
  let largest = schema.fields[0]!;
  for (const f of schema.fields) if (largestRequestValues(f.type) > largestRequestValues(largest.type)) largest = f;
  return error(
    Codes.requestTooLarge,
    `the largest request this input block allows holds ${count(total)} values (every list and map full, every optional field present), more than the ${count(MAX_SNAPSHOT_VALUES)} a request may hold; \`${quotedName(largest.name)}\` alone holds ${count(largestRequestValues(largest.type))}`,
    input.span,
    "lower the bounds of the largest lists and maps (the `16` of `list<T>(16)`; a value is a record, list, map, bool, int or string; a list of N ints holds N + 1)",
  );
}

/**
 * A top-level field is read by its bare name (`principal.id`), so its name must be an identifier an
 * expression can write: a field named `input`, `in` or `if` could never be read, and every request
 * would still have to carry it. A nested field is read after `.` (`meta.input`), where any name goes.
 */
function topLevelNameProblem(f: FieldDecl): Diagnostic | undefined {
  const name = f.name.name;
  if (isIdentName(name)) return undefined;
  return error(
    Codes.reservedName,
    `top-level field \`${quotedName(name)}\` could never be read: a condition reads a top-level field by its bare name, and \`${quotedName(name)}\` is a reserved word`,
    f.name.span,
    `rename it (the request's key changes with it), or nest it in a record and read it after \`.\` (\`meta: { ${name}: ... }\`, read as \`meta.${name}\`)`,
  );
}

/** What resolving types reports into: the diagnostics, and the types that could not be resolved. */
interface Resolution {
  readonly diagnostics: Diagnostic[];
  readonly unresolved: Set<SchemaType>;
}

function resolveRecord(fields: readonly FieldDecl[], into: Resolution): RecordType {
  const seen = new Set<string>();
  const out: { name: string; type: SchemaType; optional: boolean }[] = [];
  for (const f of fields) {
    if (seen.has(f.name.name)) {
      into.diagnostics.push(error(Codes.duplicateField, `field \`${quotedName(f.name.name)}\` is declared twice`, f.name.span));
      continue;
    }
    seen.add(f.name.name);
    out.push({ name: f.name.name, optional: f.optional, type: resolveType(f.type, into) });
  }
  return { kind: "record", fields: out };
}

function bound(t: TypeExpr & { max: number | undefined }, fallback: number, diagnostics: Diagnostic[]): number {
  if (t.max === undefined) return fallback;
  if (!Number.isSafeInteger(t.max) || t.max < 0 || t.max > MAX_BOUND) {
    diagnostics.push(error(Codes.badBound, `size bound \`${t.max}\` must be between 0 and ${MAX_BOUND}`, t.span));
    return fallback;
  }
  return t.max;
}

/** `type`, taken as a stand-in for a type that could not be resolved (see ResolvedSchema). */
function unresolvedType<T extends SchemaType>(type: T, into: Resolution): T {
  into.unresolved.add(type);
  return type;
}

function resolveType(t: TypeExpr, into: Resolution): SchemaType {
  const { diagnostics } = into;
  switch (t.kind) {
    case "PrimitiveTypeExpr": {
      if (t.name === "string") return { kind: "string", max: bound(t, DEFAULT_STRING_MAX, diagnostics) };
      if (t.name === "int" || t.name === "bool") {
        if (t.max !== undefined) diagnostics.push(error(Codes.badBound, `\`${t.name}\` takes no size bound`, t.span));
        return { kind: t.name };
      }
      diagnostics.push(unknownType(t.name, t.span));
      return unresolvedType({ kind: "bool" }, into);
    }
    case "ListTypeExpr": {
      const element = resolveType(t.element, into);
      const list: SchemaType = { kind: "list", element, max: bound(t, DEFAULT_LIST_MAX, diagnostics) };
      return into.unresolved.has(element) ? unresolvedType(list, into) : list;
    }
    case "MapTypeExpr": {
      const reportedBefore = diagnostics.length;
      const key = resolveType(t.key, into);
      // an unknown key type is told what a key is: `map<integer, T>` follows `int` into W0401
      if (into.unresolved.has(key) && t.key.kind === "PrimitiveTypeExpr" && diagnostics.length > reportedBefore)
        diagnostics[reportedBefore] = { ...diagnostics[reportedBefore]!, help: "a map's keys are strings: `map<string, T>`" };
      let keyMax = DEFAULT_STRING_MAX;
      if (key.kind === "string") keyMax = key.max;
      // (a key whose type was not resolved is reported once, as that)
      else if (!into.unresolved.has(key)) diagnostics.push(error(Codes.unsupported, "map keys other than strings are outside Writ's subset", t.key.span));
      const value = resolveType(t.value, into);
      const map: SchemaType = { kind: "map", value, max: bound(t, DEFAULT_MAP_MAX, diagnostics), keyMax };
      return into.unresolved.has(key) || into.unresolved.has(value) ? unresolvedType(map, into) : map;
    }
    case "RecordTypeExpr":
      return resolveRecord(t.fields, into);
    case "ErrorTypeExpr":
      // a type the parser could not read: its syntax error is the one reported
      return unresolvedType({ kind: "bool" }, into);
  }
}

/**
 * A type other than bool, int and string (list, map and records are written with their own
 * syntax): one of CEL's outside the subset (W0401), or an unknown one (W0301), with the name Writ
 * uses for what another language calls it, or the closest of Writ's names.
 */
function unknownType(name: string, span: Span): Diagnostic {
  const unsupported = UNSUPPORTED_TYPES.get(name) ?? UNSUPPORTED_TYPES.get(name.toLowerCase());
  if (unsupported) return error(Codes.unsupported, `type \`${quotedName(name)}\` is outside Writ's subset: ${unsupported}`, span);
  const help = TYPES_OF_OTHER_LANGUAGES.get(name.toLowerCase()) ?? didYouMean(name, ["bool", "int", "string", "list", "map"]) ?? TYPES_HELP;
  return error(Codes.unknownType, `unknown type \`${quotedName(name)}\``, span, help);
}

const TYPES_HELP = "types are bool, int, string, list<T>, map<string, T> and records { ... }";

/** What another language calls a type, and Writ's name for it: a Map, looked up with the name lowercased (see UNSUPPORTED_TYPES). */
const TYPES_OF_OTHER_LANGUAGES: ReadonlyMap<string, string> = (() => {
  const hints: [readonly string[], string][] = [
    // Writ's own names in other cases (`INT`, `Bool`): looked up lowercased, as every name here
    [["int", "integer", "number", "long", "i64", "int64", "int32", "i32"], "did you mean `int`? Writ's one number type is `int` (64-bit, signed)"],
    [["bool", "boolean"], "did you mean `bool`?"],
    [["string", "str", "text"], "did you mean `string`? (`string(N)` for at most N UTF-8 bytes)"],
    [["array", "vector", "vec", "slice", "list"], "did you mean `list<T>`? (a list of one type, like `list<string>`; `list<T>(N)` for at most N elements)"],
    [["dict", "object", "record", "struct", "hash", "hashmap", "map"], "did you mean `map<string, T>` (string keys to values of one type) or a record `{ name: type, … }` (its fields named in advance)?"],
    [["decimal", "real", "float32", "float64", "f32", "f64"], "floating point and decimals are not supported: use int (for money, integer cents)"],
    [["date", "datetime", "time", "instant"], "dates and times are not supported: pass time as int (e.g. seconds since the epoch)"],
  ];
  return new Map(hints.flatMap(([names, help]) => names.map((n): [string, string] => [n, help])));
})();
