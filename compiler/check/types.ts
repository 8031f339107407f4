// Types as the checker sees them: IR types plus `error`, the type of an expression that already
// produced a diagnostic (it unifies with everything, so one mistake gives one message).

import type { IRType } from "../ir/ir.js";
import { MAX_LISTED_NAMES, quotedName } from "../diagnostics.js";
import { clip } from "../../runtime/thrown.js";
import type { SchemaType } from "../../runtime/schema.js";

export type CheckType = IRType | { readonly kind: "error" };
export const ERROR_TYPE: CheckType = Object.freeze({ kind: "error" });

/**
 * Longest text a type takes in a message, in UTF-16 units: a record type is written with its fields,
 * and a schema of long names and deep records printed whole took a hundred kilobytes for one type,
 * in every message that names it.
 */
export const MAX_TYPE_TEXT = 500;

/**
 * A type as messages write it (`list<{ a: int }>`): the first record it reaches with its fields (at
 * most MAX_LISTED_NAMES, each name quoted and cut), records inside that one as `{ … }`, and the whole
 * cut after MAX_TYPE_TEXT UTF-16 units, ending with `…`.
 */
export function typeToString(t: CheckType): string {
  const text = typeText(t, true);
  if (text.length <= MAX_TYPE_TEXT) return text;
  // not in the middle of an escaped character of a name (`\u001b`): its start is dropped too
  return clip(text, MAX_TYPE_TEXT).replace(/\\(?:u[0-9a-f]{0,3})?…$/, "…");
}

function typeText(t: CheckType, withFields: boolean): string {
  switch (t.kind) {
    case "bool":
    case "int":
    case "string":
      return t.kind;
    case "list":
      return `list<${typeText(t.element, withFields)}>`;
    case "map":
      return `map<string, ${typeText(t.value, withFields)}>`;
    case "record": {
      if (!withFields && t.fields.length > 0) return "{ … }";
      // as a message shows it: each field's name quoted (cut), at most MAX_LISTED_NAMES fields
      const shown = t.fields.slice(0, MAX_LISTED_NAMES).map((f) => `${quotedName(f.name)}${f.optional ? "?" : ""}: ${typeText(f.type, false)}`);
      if (t.fields.length > MAX_LISTED_NAMES) shown.push(`… ${(t.fields.length - MAX_LISTED_NAMES).toLocaleString("en-US")} more`);
      return `{ ${shown.join(", ")} }`;
    }
    case "never":
      // as docs/language.md names it: no policy writes this type, so a message does not give it a name of its own
      return "no type";
    case "error":
      return "<error>";
  }
}

/** The common type of two types, or undefined when they have none. */
export function unify(a: CheckType, b: CheckType): CheckType | undefined {
  if (a.kind === "error" || b.kind === "never") return a;
  if (b.kind === "error" || a.kind === "never") return b;
  if (a.kind !== b.kind) return undefined;
  switch (a.kind) {
    case "bool":
    case "int":
    case "string":
      return a;
    case "list": {
      const e = unify(a.element, (b as typeof a).element);
      return e && e.kind !== "error" ? { kind: "list", element: e } : e;
    }
    case "map": {
      const v = unify(a.value, (b as typeof a).value);
      return v && v.kind !== "error" ? { kind: "map", value: v } : v;
    }
    case "record":
      return a === b ? a : undefined;
  }
}

// `never` is the element type of an empty list literal (and the value type of `{}`) that nothing else
// fixes. No value has it: a comprehension variable of that type is bound over a list that is always
// empty, and any other expression of that type (`[][0]`, `{}.k`) errors when it is evaluated. CEL
// types it as a type parameter, so it is accepted wherever a value of any type is — as an operand,
// a condition, a predicate, a test, a range, an operand of `.`, `[]` or `has` — and the operation
// takes the type it gives when its other operands fix it, or `never` itself (`x.y`, `x[0]`).
/** Whether a value of type `t` can stand where a value of kind `kind` is required. */
export const fits = (t: CheckType, kind: IRType["kind"]): boolean => t.kind === kind || t.kind === "never";

export function isError(t: CheckType): boolean {
  return t.kind === "error";
}

/** Does the type contain a record anywhere (records cannot be compared or built in expressions)? */
export function containsRecord(t: CheckType): boolean {
  if (t.kind === "record") return true;
  if (t.kind === "list") return containsRecord(t.element);
  if (t.kind === "map") return containsRecord(t.value);
  return false;
}

/**
 * The type the checker gives a value of schema type `t`: its IR type (bounds dropped; records keep
 * identity per schema node), or the error type where `t` is one of `unresolved`, the stand-ins for
 * a type that was reported (schema.ts, ResolvedSchema), so that the uses of such a field raise
 * nothing more. A record with such a field keeps its other fields' types; the field's error type is
 * seen by the checker alone, as a policy with an unresolved type has errors and gets no IR.
 */
export function checkTypeOfSchema(t: SchemaType, unresolved: ReadonlySet<SchemaType>, cache = new Map<SchemaType, CheckType>()): CheckType {
  if (unresolved.has(t)) return ERROR_TYPE;
  const hit = cache.get(t);
  if (hit) return hit;
  let out: CheckType;
  switch (t.kind) {
    case "bool":
    case "int":
    case "string":
      out = { kind: t.kind };
      break;
    case "list":
      out = { kind: "list", element: checkTypeOfSchema(t.element, unresolved, cache) as IRType };
      break;
    case "map":
      out = { kind: "map", value: checkTypeOfSchema(t.value, unresolved, cache) as IRType };
      break;
    case "record":
      // (IRType's fields have no error type: see above)
      out = { kind: "record", fields: t.fields.map((f) => ({ name: f.name, optional: f.optional, type: checkTypeOfSchema(f.type, unresolved, cache) as IRType })) };
      break;
  }
  cache.set(t, out);
  return out;
}
