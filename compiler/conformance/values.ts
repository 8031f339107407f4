// CEL values and types as the conformance files state them (cel.expr.Value, cel.expr.Type), before
// any question of whether Writ supports them. Kinds outside Writ's subset are kept, not dropped, so
// the classifier can name the feature a case needs. Also: rendering a supported value as a Writ/CEL
// literal (the right-hand side of `(expr) == (literal)`), as a request value, and comparison with
// the interpreter's values.

import type { MapValue, RecordValue, Value } from "../ir/ir.js";
import { DEFAULT_LIST_MAX, DEFAULT_MAP_MAX, DEFAULT_STRING_MAX } from "../../runtime/schema.js";

export type CelValue =
  | { readonly kind: "bool"; readonly value: boolean }
  | { readonly kind: "int"; readonly value: bigint }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "list"; readonly elements: readonly CelValue[] }
  | { readonly kind: "map"; readonly entries: readonly { readonly key: CelValue; readonly value: CelValue }[] }
  // outside the subset:
  | { readonly kind: "uint"; readonly value: bigint }
  | { readonly kind: "double"; readonly value: number }
  | { readonly kind: "bytes"; readonly value: Uint8Array }
  | { readonly kind: "null" }
  | { readonly kind: "object"; readonly typeUrl: string }
  | { readonly kind: "type"; readonly name: string }
  | { readonly kind: "enum"; readonly type: string; readonly value: number };

export type CelType =
  | { readonly kind: "bool" }
  | { readonly kind: "int" }
  | { readonly kind: "string" }
  | { readonly kind: "list"; readonly element: CelType }
  | { readonly kind: "map"; readonly key: CelType; readonly value: CelType }
  /** a type Writ does not have, with the feature it would need (`uint`, `proto messages`, ...) */
  | { readonly kind: "unsupported"; readonly feature: string; readonly name: string };

/** The first feature outside Writ's subset that a value needs, or undefined if it has none. */
export function unsupportedFeatureOfValue(v: CelValue): string | undefined {
  switch (v.kind) {
    case "bool":
    case "int":
    case "string":
      return undefined;
    case "list":
      for (const e of v.elements) {
        const f = unsupportedFeatureOfValue(e);
        if (f) return f;
      }
      // Writ lists are homogeneous (list<T>); CEL's list(dyn) values are not
      return homogeneous(v.elements) ? undefined : "heterogeneous lists";
    case "map":
      for (const e of v.entries) {
        if (e.key.kind !== "string") return "map keys other than strings";
        const f = unsupportedFeatureOfValue(e.value);
        if (f) return f;
      }
      return homogeneous(v.entries.map((e) => e.value)) ? undefined : "heterogeneous maps";
    case "uint":
      return "uint";
    case "double":
      return "double";
    case "bytes":
      return "bytes";
    case "null":
      return "null";
    case "object":
      return "proto messages";
    case "type":
      return "type values";
    case "enum":
      return "enums";
  }
}

/** The first unsupported feature a declared type needs, or undefined. */
export function unsupportedFeatureOfType(t: CelType): string | undefined {
  switch (t.kind) {
    case "bool":
    case "int":
    case "string":
      return undefined;
    case "list":
      return unsupportedFeatureOfType(t.element);
    case "map":
      if (t.key.kind !== "string") return "map keys other than strings";
      return unsupportedFeatureOfType(t.value);
    case "unsupported":
      return t.feature;
  }
}

/** The shape of a value ignoring contents: int, string, list<int>, ... (`?` where unknown). */
export function shapeOf(v: CelValue): string {
  switch (v.kind) {
    case "list": {
      const shapes = new Set(v.elements.map(shapeOf));
      return `list<${shapes.size === 1 ? [...shapes][0] : "?"}>`;
    }
    case "map": {
      const shapes = new Set(v.entries.map((e) => shapeOf(e.value)));
      return `map<${shapes.size === 1 ? [...shapes][0] : "?"}>`;
    }
    default:
      return v.kind;
  }
}

function homogeneous(values: readonly CelValue[]): boolean {
  // empty lists nested inside are compatible with any list shape
  const shapes = new Set(values.map(shapeOf).filter((s) => !s.includes("?")));
  return shapes.size <= 1;
}

const utf8Length = (s: string): number => new TextEncoder().encode(s).length;

/**
 * The Writ schema type for a declared type that must admit `values`: size bounds are written only
 * where a value exceeds the default bound (docs/language.md), so ordinary cases read naturally.
 */
export function writBoundedTypeOf(t: CelType, values: readonly CelValue[]): string | undefined {
  const bound = (needed: number, fallback: number) => (needed > fallback ? `(${needed})` : "");
  switch (t.kind) {
    case "bool":
    case "int":
      return t.kind;
    case "string": {
      const needed = Math.max(0, ...values.map((v) => (v.kind === "string" ? utf8Length(v.value) : 0)));
      return `string${bound(needed, DEFAULT_STRING_MAX)}`;
    }
    case "list": {
      const lists = values.flatMap((v) => (v.kind === "list" ? [v] : []));
      const element = writBoundedTypeOf(t.element, lists.flatMap((l) => l.elements));
      const needed = Math.max(0, ...lists.map((l) => l.elements.length));
      return element === undefined ? undefined : `list<${element}>${bound(needed, DEFAULT_LIST_MAX)}`;
    }
    case "map": {
      if (t.key.kind !== "string") return undefined;
      const maps = values.flatMap((v) => (v.kind === "map" ? [v] : []));
      const key = writBoundedTypeOf(t.key, maps.flatMap((m) => m.entries.map((e) => e.key)));
      const value = writBoundedTypeOf(t.value, maps.flatMap((m) => m.entries.map((e) => e.value)));
      const needed = Math.max(0, ...maps.map((m) => m.entries.length));
      return key === undefined || value === undefined ? undefined : `map<${key}, ${value}>${bound(needed, DEFAULT_MAP_MAX)}`;
    }
    case "unsupported":
      return undefined;
  }
}

/** The declared type a (supported, homogeneous) value would have; undefined when not determined. */
export function typeOfValue(v: CelValue): CelType | undefined {
  switch (v.kind) {
    case "bool":
    case "int":
    case "string":
      return { kind: v.kind };
    case "list": {
      const first = v.elements[0];
      const element = first === undefined ? undefined : typeOfValue(first);
      return element === undefined ? undefined : { kind: "list", element };
    }
    case "map": {
      const first = v.entries[0];
      const value = first === undefined ? undefined : typeOfValue(first.value);
      return value === undefined ? undefined : { kind: "map", key: { kind: "string" }, value };
    }
    default:
      return undefined;
  }
}

/** Quotes a string as a CEL double-quoted literal; control characters and quotes are escaped. */
export function quoteCelString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (cp < 0x20 || cp === 0x7f) out += "\\x" + cp.toString(16).padStart(2, "0");
    else out += ch;
  }
  return out + '"';
}

/** A CEL literal for a supported value (ints written so that INT64_MIN needs no out-of-range literal). */
export function celLiteral(v: CelValue): string {
  switch (v.kind) {
    case "bool":
      return String(v.value);
    case "int":
      // `-9223372036854775808` is only a literal after negation folding; spell it as arithmetic
      return v.value === -(1n << 63n) ? "(-9223372036854775807 - 1)" : v.value < 0n ? `(${v.value})` : String(v.value);
    case "string":
      return quoteCelString(v.value);
    case "list":
      return `[${v.elements.map(celLiteral).join(", ")}]`;
    case "map":
      return `{${v.entries.map((e) => `${celLiteral(e.key)}: ${celLiteral(e.value)}`).join(", ")}}`;
    default:
      throw new Error(`celLiteral: ${v.kind} is outside the subset`);
  }
}

/** A request (JSON-like) value for a supported value: ints as BigInt, maps as plain objects. */
export function requestValue(v: CelValue): unknown {
  switch (v.kind) {
    case "bool":
    case "int":
    case "string":
      return v.value;
    case "list":
      return v.elements.map(requestValue);
    case "map": {
      const o: Record<string, unknown> = {};
      // defineProperty, so that a key such as `__proto__` is an own member as JSON.parse makes it
      for (const e of v.entries)
        if (e.key.kind === "string") Object.defineProperty(o, e.key.value, { value: requestValue(e.value), enumerable: true, writable: true, configurable: true });
      return o;
    }
    default:
      throw new Error(`requestValue: ${v.kind} is outside the subset`);
  }
}

/** CEL value equality between an expected value and an interpreter value (maps: order-free). */
export function celEqualsIR(expected: CelValue, got: Value): boolean {
  switch (expected.kind) {
    case "bool":
    case "int":
    case "string":
      return got === expected.value;
    case "list":
      return (
        Array.isArray(got) &&
        got.length === expected.elements.length &&
        expected.elements.every((e, i) => celEqualsIR(e, (got as readonly Value[])[i]!))
      );
    case "map": {
      if (typeof got !== "object" || Array.isArray(got) || (got as MapValue | RecordValue).kind !== "map") return false;
      const entries = (got as MapValue).entries;
      if (entries.size !== expected.entries.length) return false;
      return expected.entries.every((e) => {
        if (e.key.kind !== "string" || !entries.has(e.key.value)) return false;
        return celEqualsIR(e.value, entries.get(e.key.value)!);
      });
    }
    default:
      return false;
  }
}

/** Renders a value for reports, CEL-like: `[1, "a"]`, `{"k": 2}`, `3u`, `1.5`, `b"\x00"`, `null`. */
export function formatCelValue(v: CelValue): string {
  switch (v.kind) {
    case "bool":
    case "int":
      return String(v.value);
    case "string":
      return quoteCelString(v.value);
    case "list":
      return `[${v.elements.map(formatCelValue).join(", ")}]`;
    case "map":
      return `{${v.entries.map((e) => `${formatCelValue(e.key)}: ${formatCelValue(e.value)}`).join(", ")}}`;
    case "uint":
      return `${v.value}u`;
    case "double":
      return Number.isInteger(v.value) ? v.value.toFixed(1) : String(v.value);
    case "bytes":
      return `b"${[...v.value].map((b) => "\\x" + b.toString(16).padStart(2, "0")).join("")}"`;
    case "null":
      return "null";
    case "object":
      return `<${v.typeUrl}>`;
    case "type":
      return `type(${v.name})`;
    case "enum":
      return `${v.type}(${v.value})`;
  }
}

/** Renders an interpreter value for reports, in the same notation as formatCelValue. */
export function formatIRValue(v: Value): string {
  if (typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (typeof v === "string") return quoteCelString(v);
  if (Array.isArray(v)) return `[${(v as readonly Value[]).map(formatIRValue).join(", ")}]`;
  const m = v as MapValue | RecordValue;
  const entries = m.kind === "map" ? m.entries : m.fields;
  return `{${[...entries].map(([k, x]) => `${quoteCelString(k)}: ${formatIRValue(x)}`).join(", ")}}`;
}
