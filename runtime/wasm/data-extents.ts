// Where a module's active data segments put its static data (the constant pool the compiler places
// at CONST_BASE, and whatever else it lays out before the heap) when it is instantiated: the bytes
// the host must never write a request over nor read a result from (instance-regions.ts checks the
// regions against them). Read from the binary (reader.ts) at load time, before any instance exists:
// a segment's place is its offset expression, which a loader can only trust when it is a plain
// `i32.const` (the compiler never writes another); any other is not placed, and the loader refuses
// the module rather than guess where its data lands.

import type { WasmModule } from "./module-types.js";

/** The bytes `[at, end)` of memory that data segment `segment` (its index in the data section) fills. */
export interface DataExtent {
  readonly segment: number;
  readonly at: number;
  readonly end: number;
}

export type InitialData =
  | { readonly ok: true; readonly extents: readonly DataExtent[] }
  | { readonly ok: false; readonly reason: string };

/** The extents of the active segments (passive ones are placed by the module's own code, if at all). */
export function initialData(m: WasmModule): InitialData {
  const extents: DataExtent[] = [];
  for (let segment = 0; segment < m.data.length; segment++) {
    const seg = m.data[segment]!;
    if (seg.mode !== "active") continue;
    const expr = seg.offsetExpr ?? [];
    const only = expr.length === 1 ? expr[0]! : undefined;
    if (only === undefined || only.name !== "i32.const" || typeof only.value !== "number")
      return { ok: false, reason: `data segment ${segment} is placed by an offset expression other than one i32.const (${expr.map((i) => i.name).join(", ") || "empty"}): where its bytes land is not known before instantiation` };
    // an i32 address is unsigned: a "negative" offset is past 2 GiB (the engine refuses it as out of bounds)
    const at = only.value >>> 0;
    extents.push({ segment, at, end: at + seg.bytes.length });
  }
  return { ok: true, extents };
}
