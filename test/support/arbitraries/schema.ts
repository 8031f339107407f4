// Random request schemas (runtime/schema.ts types, with bounds) and their Writ text. Schemas stay
// small on purpose: small bounds keep requests cheap to generate and compare, keep the compiler's
// worst-case cost far below its budget even with nested macros, and still reach every shape —
// nested records, optional fields, lists and maps (of records too), empty bounds.

import { recordFieldsToString, schemaTypeToString, type RecordField, type RecordType, type SchemaType } from "../../../runtime/schema.js";
import type { Draw } from "./draw.js";

/** Identifiers that are not keywords of Writ or CEL, unique per record. */
const FIELD_NAMES = ["a", "b", "c", "d", "id", "n", "s", "tag", "items", "meta", "role", "amount", "owner", "flag", "deep", "kv"];

export interface SchemaOptions {
  /** most top-level fields */
  readonly maxFields?: number;
  /** most record nesting below the top level */
  readonly maxDepth?: number;
}

/** Draws a record schema. */
export function drawSchema(d: Draw, options: SchemaOptions = {}): RecordType {
  return drawRecord(d, options.maxDepth ?? 2, 1, options.maxFields ?? 5);
}

function drawRecord(d: Draw, depth: number, minFields: number, maxFields: number): RecordType {
  const count = d.int(minFields, maxFields);
  const names = [...FIELD_NAMES];
  const fields: RecordField[] = [];
  for (let i = 0; i < count; i++) {
    const name = names.splice(d.int(0, names.length - 1), 1)[0]!;
    fields.push({ name, type: drawType(d, depth), optional: d.chance(0.25) });
  }
  return { kind: "record", fields };
}

/** Draws a field type; records nest at most `depth` more levels. */
export function drawType(d: Draw, depth: number): SchemaType {
  const kind = d.weighted<string>([
    [4, "int"],
    [3, "string"],
    [2, "bool"],
    [3, "list"],
    [2, "map"],
    [depth > 0 ? 2 : 0, "record"],
  ]);
  switch (kind) {
    case "int":
      return { kind: "int" };
    case "bool":
      return { kind: "bool" };
    case "string":
      return { kind: "string", max: d.pick([16, 0, 1, 4, 8, 32]) };
    case "list":
      return { kind: "list", element: drawElementType(d, depth), max: d.pick([4, 0, 1, 2, 3, 6]) };
    case "map":
      return { kind: "map", value: drawElementType(d, depth), max: d.pick([4, 0, 1, 2, 3]), keyMax: d.pick([8, 1, 2, 16]) };
    default:
      return drawRecord(d, depth - 1, 1, 3);
  }
}

/** Element types of lists and map values: scalars mostly, sometimes a list or a small record. */
function drawElementType(d: Draw, depth: number): SchemaType {
  const kind = d.weighted<string>([
    [4, "int"],
    [4, "string"],
    [1, "bool"],
    [depth > 0 ? 1 : 0, "list"],
    [depth > 0 ? 1 : 0, "record"],
  ]);
  switch (kind) {
    case "int":
      return { kind: "int" };
    case "bool":
      return { kind: "bool" };
    case "string":
      return { kind: "string", max: d.pick([8, 1, 4, 16]) };
    case "list":
      return { kind: "list", element: d.pick<SchemaType>([{ kind: "int" }, { kind: "string", max: 4 }]), max: d.pick([2, 0, 3]) };
    default:
      return drawRecord(d, 0, 1, 2);
  }
}

/** The Writ text of a type, with its bounds written explicitly: the runtime's own printer. */
export const typeToWrit: (t: SchemaType) => string = schemaTypeToString;

/** `a: int, b?: string(4)` — the inside of a record type or of an `input { }` block. */
export const recordFieldsToWrit: (t: RecordType) => string = recordFieldsToString;

/** Whether a type contains a record anywhere (such values cannot be compared or built). */
export function containsRecord(t: SchemaType): boolean {
  switch (t.kind) {
    case "record":
      return true;
    case "list":
      return containsRecord(t.element);
    case "map":
      return containsRecord(t.value);
    default:
      return false;
  }
}
