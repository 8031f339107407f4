// Values as the reference interpreter sees them, produced from a validated request by
// runtime/request.ts. Kept in the runtime so that it never depends on the compiler.

/** bool → boolean, int → bigint, string → string, list → readonly Value[], map → MapValue, record → RecordValue */
export type Value = boolean | bigint | string | readonly Value[] | MapValue | RecordValue;

/** A map value; entries are kept sorted by key in code-point order (the iteration order). */
export interface MapValue {
  readonly kind: "map";
  readonly entries: ReadonlyMap<string, Value>;
}

/** A record value (from the request); absent optional fields are missing from `fields`. */
export interface RecordValue {
  readonly kind: "record";
  readonly fields: ReadonlyMap<string, Value>;
}
