// The request schema as the runtime sees it: resolved types with their size bounds. The compiler
// derives it from a policy's `input { ... }` block and records it in the manifest; the runtime uses it
// to validate every request before either backend evaluates it.

export type SchemaType = BoolType | IntType | StringType | ListType | MapType | RecordType;

export interface BoolType {
  readonly kind: "bool";
}
export interface IntType {
  readonly kind: "int";
}
export interface StringType {
  readonly kind: "string";
  /** the most UTF-8 bytes a value may have */
  readonly max: number;
}
export interface ListType {
  readonly kind: "list";
  readonly element: SchemaType;
  /** the most elements */
  readonly max: number;
}
/** maps always have string keys in a request schema (JSON objects) */
export interface MapType {
  readonly kind: "map";
  readonly value: SchemaType;
  /** the most entries */
  readonly max: number;
  /** the most UTF-8 bytes of one key */
  readonly keyMax: number;
}
export interface RecordType {
  readonly kind: "record";
  /** in declaration order */
  readonly fields: readonly RecordField[];
}
export interface RecordField {
  readonly name: string;
  readonly type: SchemaType;
  readonly optional: boolean;
}

/** Bounds used when a schema gives none. Documented in docs/language.md. */
export const DEFAULT_STRING_MAX = 256;
export const DEFAULT_LIST_MAX = 64;
export const DEFAULT_MAP_MAX = 64;
/** Ints travel as int64; JSON numbers must be safe integers (|n| <= 2^53 - 1) or BigInts in range. */
export const INT64_MIN = -(1n << 63n);
export const INT64_MAX = (1n << 63n) - 1n;

export function schemaTypeToString(t: SchemaType): string {
  switch (t.kind) {
    case "bool":
    case "int":
      return t.kind;
    case "string":
      return `string(${t.max})`;
    case "list":
      return `list<${schemaTypeToString(t.element)}>(${t.max})`;
    case "map":
      return `map<string(${t.keyMax}), ${schemaTypeToString(t.value)}>(${t.max})`;
    case "record":
      return `{ ${recordFieldsToString(t)} }`;
  }
}

/** `a: int, b?: string(4)`: the inside of a record type, as Writ source writes it. */
export function recordFieldsToString(t: RecordType): string {
  return t.fields.map((f) => `${f.name}${f.optional ? "?" : ""}: ${schemaTypeToString(f.type)}`).join(", ");
}

/** `n` values of `each`: none when there are none, however many each could be (0 × Infinity is NaN). */
function times(n: number, each: number): number {
  return n === 0 ? 0 : n * each;
}

/**
 * The most values runtime/request.ts's snapshotRequest counts for a request valid under `schema` (every optional field
 * present, every list and map full): one for each record, list, map, bool, int and string, a map
 * key being no value of its own, as the snapshot counts them. Saturates at Infinity.
 */
export function largestRequestValues(schema: SchemaType): number {
  switch (schema.kind) {
    case "bool":
    case "int":
    case "string":
      return 1;
    case "list":
      return 1 + times(schema.max, largestRequestValues(schema.element));
    case "map":
      return 1 + times(schema.max, largestRequestValues(schema.value));
    case "record": {
      let n = 1;
      for (const f of schema.fields) n += largestRequestValues(f.type);
      return n;
    }
  }
}
