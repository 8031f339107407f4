// Text files as the CLI reads them: strict UTF-8. A lenient decoder reads a byte that is not UTF-8
// as U+FFFD, so a policy would compile a string its file does not hold (and `writ fmt --write` would
// write the substitute back over the original bytes), and a request would be decided and digested
// as another.

import { isUtf8 } from "node:buffer";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The first line (1-based) of `bytes` that is not UTF-8. */
function firstNonUtf8Line(bytes: Uint8Array): number {
  let line = 1;
  for (let offset = 0; offset <= bytes.length; line++) {
    let end = bytes.indexOf(0x0a, offset);
    if (end < 0) end = bytes.length;
    if (!isUtf8(bytes.subarray(offset, end))) return line;
    offset = end + 1;
  }
  return line;
}

/**
 * `bytes` as text, or the line that is not UTF-8. Throws (a RangeError) for a file longer than a
 * string can be, which the caller reports as it is: it is not a matter of encoding.
 */
export function decodeUtf8(bytes: Uint8Array): { ok: true; text: string } | { ok: false; line: number } {
  try {
    return { ok: true, text: strictUtf8.decode(bytes) };
  } catch (e) {
    if (isUtf8(bytes)) throw e;
    return { ok: false, line: firstNonUtf8Line(bytes) };
  }
}
