// Putting a kept encoding back into the module's input region (`evaluateEncoded`). For the few
// dozen words of a typical input region, `Int32Array.prototype.set` costs several times the copy
// itself (a call into the runtime with its checks, ~30 ns on the reference machine, more than the
// module's evaluation), and a JS loop shared by every evaluator in the process sees typed arrays of
// many origins and is slower still. So each evaluator gets a generated, straight-line copy of its
// whole input region: constant indexes into the instance's memory, one load and one store per word,
// which V8 compiles to a few nanoseconds.
//
// The copy always covers the whole region; kept encodings are padded with zeros to its size (the
// module reads only what the encoding's own pointers reach, so the padding is never read).
//
// Safety: only safe integers (the input pointer and word indexes) are spliced into the source.
// Where `new Function` is forbidden, or the region is too large for straight-line code, there is no
// generated copy and the caller uses `set`.

/** Copies one kept encoding (exactly the input region's size in words) into the input region. */
export type InputCopy = (words: Int32Array) => void;

/** Largest input region copied by straight-line code (words); above it `set` is as good. */
export const MAX_STRAIGHT_COPY_WORDS = 128;

/**
 * A factory of the copy for one instance's memory, or undefined when the region is too large or
 * `new Function` is not allowed. `inputPtr` is the input region's byte address (4-aligned).
 */
export function generateInputCopy(inputPtr: number, inputWords: number): ((i32: Int32Array) => InputCopy) | undefined {
  if (!Number.isSafeInteger(inputPtr) || inputPtr < 0 || inputPtr % 4 !== 0) return undefined;
  if (!Number.isSafeInteger(inputWords) || inputWords < 1 || inputWords > MAX_STRAIGHT_COPY_WORDS) return undefined;
  const at = inputPtr >> 2;
  const lines = ['"use strict";', "return function copyInput(w) {"];
  for (let k = 0; k < inputWords; k++) lines.push(`i32[${at + k}] = w[${k}];`);
  lines.push("};");
  try {
    return new Function("i32", lines.join("\n")) as (i32: Int32Array) => InputCopy;
  } catch {
    return undefined; // a Content Security Policy without 'unsafe-eval'
  }
}
