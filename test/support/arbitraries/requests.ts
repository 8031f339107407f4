// Requests against a schema: valid ones (every shape the schema allows, ints as numbers or BigInts,
// strings filling their byte bounds, optional fields present or not, values drawn from the pools the
// generated expressions use) and invalid ones (one mutation of a valid request: a wrong type, a missing
// or unknown field, a bound exceeded, an unsafe number, NaN, null, a lone surrogate, an object that is
// not plain) — so the validation gate in front of both backends is exercised on every path.

import type { RecordType, SchemaType } from "../../../runtime/schema.js";
import { utf8Length } from "../../../runtime/strings.js";
import type { Draw } from "./draw.js";
import { KEY_POOL, drawIntValue, drawStringValue } from "./literals.js";

/** Cuts `s` (by code points) until it fits `maxBytes` of UTF-8. */
function fit(s: string, maxBytes: number): string {
  let cps = [...s];
  while (cps.length && utf8Length(cps.join("")) > maxBytes) cps = cps.slice(0, -1);
  return cps.join("");
}

/** A valid value of `t`. Ints travel as safe numbers when they can, BigInts otherwise (or by choice). */
export function drawValue(d: Draw, t: SchemaType): unknown {
  switch (t.kind) {
    case "bool":
      return d.chance(0.5);
    case "int": {
      const v = drawIntValue(d);
      const safe = v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER);
      if (safe && d.chance(0.85)) return v === 0n && d.chance(0.2) ? -0 : Number(v);
      return v;
    }
    case "string":
      return fit(d.chance(0.1) ? "é😀abcdefghijklmnopqrstuvwxyz".repeat(4) : drawStringValue(d, 8), t.max);
    case "list":
      return Array.from({ length: d.int(0, t.max) }, () => drawValue(d, t.element));
    case "map": {
      const out: Record<string, unknown> = {};
      const n = d.int(0, t.max);
      for (let i = 0; i < n; i++) {
        const k = fit(d.chance(0.8) ? d.pick(KEY_POOL) : d.unicode(4), t.keyMax);
        out[k] = drawValue(d, t.value);
      }
      return out;
    }
    case "record": {
      const out: Record<string, unknown> = {};
      for (const f of t.fields) if (!f.optional || d.chance(0.6)) out[f.name] = drawValue(d, f.type);
      return out;
    }
  }
}

/** A valid request for `schema`. */
export function drawRequest(d: Draw, schema: RecordType): Record<string, unknown> {
  return drawValue(d, schema) as Record<string, unknown>;
}

interface Slot {
  /** the container and key holding the value */
  readonly parent: Record<string, unknown> | unknown[];
  readonly key: string | number;
  readonly type: SchemaType;
}

function slots(value: unknown, t: SchemaType, parent: Slot["parent"] | null, key: string | number, out: Slot[]): void {
  if (parent) out.push({ parent, key, type: t });
  if (t.kind === "record" && typeof value === "object" && value !== null)
    for (const f of t.fields) {
      const v = (value as Record<string, unknown>)[f.name];
      if (v !== undefined) slots(v, f.type, value as Record<string, unknown>, f.name, out);
    }
  if (t.kind === "list" && Array.isArray(value)) value.forEach((v, i) => slots(v, t.element, value, i, out));
  if (t.kind === "map" && typeof value === "object" && value !== null)
    for (const [k, v] of Object.entries(value)) slots(v, t.value, value as Record<string, unknown>, k, out);
}

/** Values that are no valid value of any schema type. */
const HOSTILE: readonly (() => unknown)[] = [
  () => null,
  () => Number.NaN,
  () => Number.POSITIVE_INFINITY,
  () => Number.NEGATIVE_INFINITY,
  () => 1.5,
  () => 2 ** 60,
  () => -(2 ** 53),
  () => 1n << 63n,
  () => -(1n << 63n) - 1n,
  () => "\ud800",
  () => "a\udfff",
  () => new Date(0),
  () => Object.create({ inherited: 1 }) as unknown,
  () => Symbol("s"),
  () => () => 1,
  () => new Map(),
];

/** A wrong value for a slot of type `t`: the wrong kind, or the right kind over its bound. */
function wrongValue(d: Draw, t: SchemaType): unknown {
  const choices: (() => unknown)[] = [
    ...HOSTILE,
    () => (t.kind === "string" ? 1 : "x"),
    () => (t.kind === "bool" ? 0 : true),
    () => (t.kind === "list" ? {} : []),
    () => (t.kind === "map" || t.kind === "record" ? [] : {}),
  ];
  if (t.kind === "string") choices.push(() => "x".repeat(t.max + 1), () => "é".repeat(Math.floor(t.max / 2) + 1));
  if (t.kind === "list") choices.push(() => Array.from({ length: t.max + 1 }, () => drawValue(d, t.element)));
  if (t.kind === "map") {
    choices.push(() => Object.fromEntries(Array.from({ length: t.max + 1 }, (_, i) => [`k${i}`.slice(0, Math.max(1, t.keyMax)) + "\u00e9".repeat(i), drawValue(d, t.value)])));
    choices.push(() => ({ ["k".repeat(t.keyMax + 1)]: drawValue(d, t.value) }));
  }
  if (t.kind === "record") {
    choices.push(() => ({ ...(drawValue(d, t) as object), unknownField: 1 }));
    if (t.fields.some((f) => !f.optional)) choices.push(() => ({}));
  }
  return d.pick(choices)();
}

export interface MutatedRequest {
  readonly request: unknown;
  /**
   * true when the mutation certainly makes the request invalid (known from the mutation itself, not
   * from the validator under test); false when it may leave it valid (an optional field removed).
   */
  readonly invalid: boolean;
}

/**
 * A request derived from a valid one by one mutation: a slot gets a wrong value, a field is removed
 * or made non-enumerable (alone, or beside an unknown key), an unknown field (including `__proto__`,
 * `constructor`, `prototype`) is added, or the request itself is not an object. Usually invalid; removing an optional field leaves it valid, which is fine: the
 * properties compare backends, they do not assume invalidity.
 */
export function drawMutatedRequest(d: Draw, schema: RecordType): unknown {
  return drawMutation(d, schema).request;
}

/** As drawMutatedRequest, saying whether the result is certainly invalid. */
export function drawMutation(d: Draw, schema: RecordType, prepare?: (valid: Record<string, unknown>) => void): MutatedRequest {
  const request = drawRequest(d, schema);
  prepare?.(request);
  const all: Slot[] = [];
  slots(request, schema, null, "", all);
  const kind = d.int(0, 5);
  if (kind === 0 || all.length === 0) {
    if (d.chance(0.5)) return { request: d.pick(HOSTILE)(), invalid: true };
    const key = d.pick(["unknownField", "__proto__", "constructor", "prototype", "toString", "hasOwnProperty"]);
    Object.defineProperty(request, key, { value: d.pick([1, "x", {}, null]), enumerable: true, configurable: true, writable: true });
    return { request, invalid: !schema.fields.some((f) => f.name === key) };
  }
  const slot = d.pick(all);
  if (kind === 1 && !Array.isArray(slot.parent)) {
    delete (slot.parent as Record<string, unknown>)[slot.key as string];
    return { request, invalid: !optionalField(schema, request, slot) };
  }
  if (kind === 5 && !Array.isArray(slot.parent)) {
    // a field (or map entry) that is not enumerable: a read by name sees it, JSON and a snapshot do
    // not; half the time beside an unknown key, so that the keys number as many as before
    const parent = slot.parent as Record<string, unknown>;
    const key = slot.key as string;
    Object.defineProperty(parent, key, { value: parent[key], enumerable: false, configurable: true, writable: true });
    const owner = recordTypeOf(schema, request, parent);
    const unknown = d.chance(0.5) && owner !== undefined && !owner.fields.some((f) => f.name === "unknownField");
    if (unknown) parent["unknownField"] = 1;
    return { request, invalid: owner !== undefined && (unknown || !optionalField(schema, request, slot)) };
  }
  (slot.parent as Record<string | number, unknown>)[slot.key] = wrongValue(d, slot.type);
  return { request, invalid: true };
}

/** Whether the slot is a record field that may be absent (removing a map entry is always fine). */
function optionalField(schema: RecordType, request: unknown, slot: Slot): boolean {
  const owner = recordTypeOf(schema, request, slot.parent);
  if (!owner) return true; // a map entry
  return owner.fields.find((f) => f.name === slot.key)?.optional ?? true;
}

/** The record type whose value is `target`, found by walking the value alongside the schema. */
function recordTypeOf(t: SchemaType, value: unknown, target: unknown): RecordType | undefined {
  if (value === target) return t.kind === "record" ? t : undefined;
  if (typeof value !== "object" || value === null) return undefined;
  if (t.kind === "record") {
    for (const f of t.fields) {
      const found = recordTypeOf(f.type, (value as Record<string, unknown>)[f.name], target);
      if (found) return found;
    }
  } else if (t.kind === "list" && Array.isArray(value)) {
    for (const v of value) {
      const found = recordTypeOf(t.element, v, target);
      if (found) return found;
    }
  } else if (t.kind === "map") {
    for (const v of Object.values(value)) {
      const found = recordTypeOf(t.value, v, target);
      if (found) return found;
    }
  }
  return undefined;
}
