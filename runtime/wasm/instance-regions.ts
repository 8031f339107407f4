// A fresh instance of a decision module, checked before the evaluator (evaluator.ts) writes to it:
// it speaks ABI 1 (docs/abi.md), and its input and result regions lie inside its memory, 4-aligned
// and apart, past the first 16 bytes and the module's static data. A module that fails a
// check is refused with an Error saying which region and why.

import type { DataExtent } from "./data-extents.js";
import { WASM_ABI_VERSION } from "./layout.js";

/**
 * The bytes every decision module keeps zero: a pointer of 0 reads as an empty string, list or map
 * (docs/abi.md), and the constant pool starts right after them (CONST_BASE in the compiler).
 */
export const RESERVED_LOW_BYTES = 16;

/**
 * The first 16 bytes of every pool are a zeroed block too: the default of every pointer-typed value
 * (ConstPool in the compiler's codegen-values.ts), which a request written over it would change.
 */
export const CONSTANT_POOL_ZERO_BYTES = 16;

/** What the evaluator calls of a decision module's exports. */
export interface Exports {
  readonly memory: WebAssembly.Memory;
  writ_abi_version(): number;
  writ_input_ptr(): number;
  writ_input_size(): number;
  writ_evaluate(): number;
  writ_result_ptr(): number;
  /** the constant pool's address: optional (docs/abi.md) */
  writ_constants?(): number;
}

/** A fresh instance's exports, where its regions start (byte addresses) and the memory they are in. */
export interface CheckedInstance {
  readonly exports: Exports;
  readonly inputPtr: number;
  readonly resultPtr: number;
  readonly buffer: ArrayBuffer;
}

/**
 * A fresh instance of `module` (it imports nothing), checked: its input region holds at least the
 * layout's `layoutInputSize` bytes and the `inputWords` whole words the host writes there, its
 * result region `resultBytes`, and neither region starts before the module's static data ends
 * (endOfStaticData, with `initialData` where its data segments put it). Throws an Error saying what
 * is wrong.
 */
export function instantiateChecked(
  module: WebAssembly.Module,
  layoutInputSize: number,
  inputWords: number,
  resultBytes: number,
  initialData: readonly DataExtent[] = [],
): CheckedInstance {
  const exports = new WebAssembly.Instance(module, {}).exports as unknown as Exports;
  if (exports.writ_abi_version() !== WASM_ABI_VERSION) throw new Error(`module speaks ABI ${exports.writ_abi_version()}, not ${WASM_ABI_VERSION}`);
  // Addresses are i32s read as unsigned: a "negative" one is past 2 GiB, not before the memory.
  // Each region must lie inside the memory (a typed array drops writes past its end, and the module
  // would decide on whatever the region held), 4-aligned (both are read and written as words) and
  // apart from the other (the module would overwrite a request kept for evaluateEncoded).
  const inputPtr = exports.writ_input_ptr() >>> 0;
  const inputSize = exports.writ_input_size() >>> 0;
  if (inputSize < layoutInputSize) throw new Error(`module input region (${inputSize} bytes) is smaller than the layout needs (${layoutInputSize})`);
  const resultPtr = exports.writ_result_ptr() >>> 0;
  const buffer = exports.memory.buffer;
  const staticEnd = endOfStaticData(exports, initialData);
  // the host writes whole words: inputWords of them, however few bytes the layout needs
  const input = { name: "input", at: inputPtr, end: inputPtr + Math.max(inputSize, inputWords * 4) };
  const output = { name: "result", at: resultPtr, end: resultPtr + resultBytes };
  for (const region of [input, output]) {
    const where = `module ${region.name} region (${region.end - region.at} bytes at ${region.at})`;
    if (region.end > buffer.byteLength) throw new Error(`${where} runs past the end of its memory (${buffer.byteLength} bytes)`);
    if (region.at % 4 !== 0) throw new Error(`${where} is not 4-byte aligned`);
    if (region.at < staticEnd.end)
      throw new Error(`${where} starts below byte ${staticEnd.end}, where the module's static data ends: ${staticEnd.what}`);
  }
  if (input.at < output.end && output.at < input.end)
    throw new Error(`module input region (${input.end - input.at} bytes at ${input.at}) and result region (${output.end - output.at} bytes at ${output.at}) overlap`);
  return { exports, inputPtr, resultPtr, buffer };
}

/**
 * Where the module's static data ends, and what ends there: the compiled code reads its input at its
 * own heap base, past all of it, so a region reported below that would have the host write a
 * request over bytes the module reads as zero or as its constants (and the module would not read
 * the request), or the module write its result over them. What the loader knows of that data: the
 * first RESERVED_LOW_BYTES, the zeroed head of the constant pool when the module says where the pool
 * is (`writ_constants`), and every byte its data segments place (the pool's other zero bytes are in
 * none: an optimiser drops zeros from segments).
 */
function endOfStaticData(exports: Exports, initialData: readonly DataExtent[]): { end: number; what: string } {
  let last = { end: RESERVED_LOW_BYTES, what: `bytes 0 to ${RESERVED_LOW_BYTES - 1} stay zero (a pointer of 0 reads as empty)` };
  if (typeof exports.writ_constants === "function") {
    const pool = exports.writ_constants() >>> 0;
    const end = pool + CONSTANT_POOL_ZERO_BYTES;
    if (end > last.end) last = { end, what: `the constant pool starts at ${pool} with ${CONSTANT_POOL_ZERO_BYTES} zero bytes (every empty value)` };
  }
  for (const data of initialData)
    if (data.end > data.at && data.end > last.end) last = { end: data.end, what: `data segment ${data.segment} places ${data.end - data.at} bytes at ${data.at}` };
  return last;
}
