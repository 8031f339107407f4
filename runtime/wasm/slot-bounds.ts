// The bounds of a layout's slots, read from the schema the layout was planned from: the encoders
// (encoder.ts, encoder-codegen.ts) check each list, map and string against them before writing it.

import type { SchemaType } from "../schema.js";
import { fieldNamed } from "../field-named.js";

/** A slot's bound where the schema gives none (a layout slot the schema does not describe). */
export const NO_BOUND = Number.MAX_SAFE_INTEGER;

/** The schema type of a layout slot's values, when the schema describes it (bounds come from it). */
export function schemaPart<K extends SchemaType["kind"]>(t: SchemaType | undefined, kind: K): Extract<SchemaType, { kind: K }> | undefined {
  return t?.kind === kind ? (t as Extract<SchemaType, { kind: K }>) : undefined;
}

/** `n` as a bound: a count a slot may hold (a hand-made manifest may say anything) */
function bound(n: unknown): number {
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0 ? n : NO_BOUND;
}

/** The bound of a `kind` slot (a list's elements, a map's entries, a string's bytes), from its schema type. */
export function boundOf(t: SchemaType | undefined, kind: "list" | "map" | "string"): number {
  return t?.kind === kind ? bound(t.max) : NO_BOUND;
}

/** The bound of a map's keys, from its schema type. */
export function keyBoundOf(t: SchemaType | undefined): number {
  return t?.kind === "map" ? bound(t.keyMax) : NO_BOUND;
}

/** The schema type of a record's field `name`. */
export function fieldType(t: SchemaType | undefined, name: string): SchemaType | undefined {
  return t?.kind === "record" ? fieldNamed(t.fields, name)?.type : undefined;
}

