// A fresh instance of a decision module, checked before the evaluator (evaluator.ts) writes to it:
// it speaks ABI 1 (docs/abi.md), and its input and result regions lie inside its memory, 4-aligned
// and apart. A module that fails a check is refused with an Error saying which region and why.

import { WASM_ABI_VERSION } from "./layout.js";

/** What the evaluator calls of a decision module's exports. */
export interface Exports {
  readonly memory: WebAssembly.Memory;
  writ_abi_version(): number;
  writ_input_ptr(): number;
  writ_input_size(): number;
  writ_evaluate(): number;
  writ_result_ptr(): number;
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
 * result region `resultBytes`. Throws an Error saying what is wrong.
 */
export function instantiateChecked(module: WebAssembly.Module, layoutInputSize: number, inputWords: number, resultBytes: number): CheckedInstance {
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
  // the host writes whole words: inputWords of them, however few bytes the layout needs
  const input = { name: "input", at: inputPtr, end: inputPtr + Math.max(inputSize, inputWords * 4) };
  const output = { name: "result", at: resultPtr, end: resultPtr + resultBytes };
  for (const region of [input, output]) {
    const where = `module ${region.name} region (${region.end - region.at} bytes at ${region.at})`;
    if (region.end > buffer.byteLength) throw new Error(`${where} runs past the end of its memory (${buffer.byteLength} bytes)`);
    if (region.at % 4 !== 0) throw new Error(`${where} is not 4-byte aligned`);
  }
  if (input.at < output.end && output.at < input.end)
    throw new Error(`module input region (${input.end - input.at} bytes at ${input.at}) and result region (${output.end - output.at} bytes at ${output.at}) overlap`);
  return { exports, inputPtr, resultPtr, buffer };
}
