// Operations on IR values shared by the interpreter and constant folding: deep equality, ordering,
// and a printer for messages and golden files.

import { compareCodePoints, sortByCodePoint } from "../../runtime/strings.js";
import type { MapValue, RecordValue, Value } from "./ir.js";

export function isMapValue(v: Value): v is MapValue {
  return typeof v === "object" && !Array.isArray(v) && (v as MapValue).kind === "map";
}

export function isRecordValue(v: Value): v is RecordValue {
  return typeof v === "object" && !Array.isArray(v) && (v as RecordValue).kind === "record";
}

/** A map of `entries` in code-point order of their keys (the last entry of a key written twice wins). */
export function mapValue(entries: Iterable<[string, Value]>): MapValue {
  const byKey = new Map(entries);
  const keys = [...byKey.keys()];
  sortByCodePoint(keys);
  return { kind: "map", entries: new Map(keys.map((k) => [k, byKey.get(k)!])) };
}

/** CEL equality for the subset: same type guaranteed by the checker; lists and maps compare deeply. */
export function valuesEqual(a: Value, b: Value): boolean {
  if (typeof a !== "object" || typeof b !== "object") return a === b;
  if (Array.isArray(a)) {
    const bl = b as readonly Value[];
    if (!Array.isArray(bl) || a.length !== bl.length) return false;
    for (let i = 0; i < a.length; i++) if (!valuesEqual(a[i]!, bl[i]!)) return false;
    return true;
  }
  if (isMapValue(a as Value)) {
    const am = (a as MapValue).entries;
    const bm = (b as MapValue).entries;
    if (am.size !== bm.size) return false;
    for (const [k, v] of am) {
      const w = bm.get(k);
      if (w === undefined || !valuesEqual(v, w)) return false;
    }
    return true;
  }
  const ar = (a as RecordValue).fields;
  const br = (b as RecordValue).fields;
  if (ar.size !== br.size) return false;
  for (const [k, v] of ar) {
    const w = br.get(k);
    if (w === undefined || !valuesEqual(v, w)) return false;
  }
  return true;
}

/** Ordering of bool (false < true), int and string (code points). */
export function compareValues(a: Value, b: Value): number {
  if (typeof a === "boolean") return Number(a) - Number(b as boolean);
  if (typeof a === "bigint") return a < (b as bigint) ? -1 : a > (b as bigint) ? 1 : 0;
  return compareCodePoints(a as string, b as string);
}

/** CEL-syntax rendering of a value (strings JSON-escaped, which CEL also reads). */
export function formatValue(v: Value): string {
  if (typeof v === "boolean") return String(v);
  if (typeof v === "bigint") return String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(formatValue).join(", ")}]`;
  if (isMapValue(v as Value)) return `{${[...(v as MapValue).entries].map(([k, x]) => `${JSON.stringify(k)}: ${formatValue(x)}`).join(", ")}}`;
  return `{${[...(v as RecordValue).fields].map(([k, x]) => `${k}: ${formatValue(x)}`).join(", ")}}`;
}
