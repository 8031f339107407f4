// A lineage log's bytes as text. Records are UTF-8, and a byte that is not would decode to U+FFFD:
// the line would then say something its bytes do not, and a record's text checks (its writer's
// serialisation, its digests) would be made on the substitute. Both readers — opening a log to append
// (lineage.ts) and verifying one (lineage-verify.ts) — refuse such a record by its index instead.

import { isUtf8 } from "node:buffer";

/** The index of the first of the whole lines in `buf[0, end)` that is not UTF-8, or null when all are. */
export function firstNonUtf8Line(buf: Buffer, end: number): number | null {
  if (isUtf8(buf.subarray(0, end))) return null; // the common case: one pass over the whole
  let index = 0;
  for (let offset = 0; offset < end; index++) {
    const nl = buf.indexOf(0x0a, offset);
    const lineEnd = nl < 0 || nl >= end ? end : nl;
    if (!isUtf8(buf.subarray(offset, lineEnd))) return index;
    offset = lineEnd + 1;
  }
  return null;
}
