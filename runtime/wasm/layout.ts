// The input layout and result format of a decision module (ABI 1, docs/abi.md). The compiler
// (compiler/backend/layout.ts) produces an InputLayout and records it in `manifest.layout`; the
// host-side encoder (encoder.ts) writes requests by it. Kept in the runtime so that a host that only
// evaluates never depends on the compiler.

/** The module ABI these types describe. */
export const WASM_ABI_VERSION = 1;

/** Where one value sits inside its parent (a record field, a list element, a map value). */
export type SlotLayout =
  | { readonly kind: "bool" } // i32 0 / 1
  | { readonly kind: "int" } // i64 little-endian (two i32 halves, low first)
  | StringSlot // i32 interned id, or i32 pointer to [len i32][UTF-8 bytes]
  | { readonly kind: "list"; readonly element: SlotLayout } // i32 pointer to [count i32][elements]
  | { readonly kind: "map"; readonly value: SlotLayout } // i32 pointer to [count i32][(key pointer i32, value) sorted by key]
  | RecordLayout; // inline as a record field; an i32 pointer to the struct as a list element or map value

/**
 * A string slot. A string that is one of the table strings the slot `meets` (all of them when `meets`
 * is absent) has its table id (`strings[i]` has id i + 1); how the others are numbered depends on how
 * the policy compares the slot's values (`intern`):
 *   absent       a per-request id after the table (equal strings, equal ids)
 *   "constants"  only ever compared with policy constants: 0 (no constant has id 0)
 *   "values"     never compared with a constant: per-request ids (the slot meets no table string)
 */
export interface StringSlot {
  readonly kind: "string";
  readonly rep: "id" | "bytes";
  readonly intern?: "constants" | "values";
  /** the table ids of the constants the slot's values are compared with, ascending */
  readonly meets?: readonly number[];
}

/** A record struct: only the fields the policy reads (or tests with `has`) are present. */
export interface RecordLayout {
  readonly kind: "record";
  /** bytes of the struct (a multiple of 4) */
  readonly size: number;
  readonly fields: readonly FieldLayout[];
}

export interface FieldLayout {
  readonly name: string;
  /** byte offset of the value inside the struct; -1 when only the field's presence is read */
  readonly offset: number;
  /** byte offset of the i32 presence flag (1 present, 0 absent) of an optional field; -1 for none */
  readonly presence: number;
  readonly type: SlotLayout;
}

export interface InputLayout {
  readonly abi: number;
  /** the interned string table: the id of strings[i] is i + 1; other strings get ids after the table */
  readonly strings: readonly string[];
  /** the request record, written at the module's input pointer */
  readonly root: RecordLayout;
  /** the most bytes an encoded request may take (struct plus heap), from the schema's bounds */
  readonly inputSize: number;
}

/** Bytes a value takes in a list element or map value slot. */
export function elementStride(t: SlotLayout): number {
  return t.kind === "int" ? 8 : 4;
}

/** Bytes a value takes as a record field (records are inline there). */
export function fieldSize(t: SlotLayout): number {
  return t.kind === "record" ? t.size : elementStride(t);
}

// Result region (at writ_result_ptr()), all little-endian i32:
//   +0 decision (1 allow, 0 deny)   +4 rule count   +8 error count
//   +12 rule indices [ruleCapacity]  then errors [ruleCapacity] × (rule index, error code, node id)
export const RESULT_DECISION = 0;
export const RESULT_RULE_COUNT = 4;
export const RESULT_ERROR_COUNT = 8;
export const RESULT_RULES = 12;
export function resultErrorsOffset(ruleCapacity: number): number {
  return RESULT_RULES + 4 * ruleCapacity;
}
export function resultSize(ruleCapacity: number): number {
  return RESULT_RULES + 16 * ruleCapacity;
}
