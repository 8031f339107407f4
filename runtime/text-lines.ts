// Where text stops being UTF-8, by line. A byte that is not UTF-8 decodes to U+FFFD, and the text
// then says something its bytes do not: a lineage record's checks would be made on the substitute,
// a policy would compile a string its file does not hold. The lineage log's readers (trust/lineage.ts,
// trust/lineage-verify.ts) refuse such a record by its index; the CLI (cli/text-files.ts) refuses
// such a file naming the line.

import { isUtf8 } from "node:buffer";

/** The 0-based index of the first line of `bytes[0, end)` that is not UTF-8, or null when all are. */
export function firstNonUtf8Line(bytes: Uint8Array, end = bytes.length): number | null {
  if (isUtf8(bytes.subarray(0, end))) return null; // the common case: one pass over the whole
  let index = 0;
  for (let offset = 0; offset < end; index++) {
    const nl = bytes.indexOf(0x0a, offset);
    const lineEnd = nl < 0 || nl >= end ? end : nl;
    if (!isUtf8(bytes.subarray(offset, lineEnd))) return index;
    offset = lineEnd + 1;
  }
  return null;
}
