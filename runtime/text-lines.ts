// Where text stops being UTF-8, by line. A byte that is not UTF-8 decodes to U+FFFD, and the text
// then says something its bytes do not: a lineage record's checks would be made on the substitute,
// a policy would compile a string its file does not hold. The lineage log's readers (trust/lineage.ts,
// trust/lineage-verify.ts) refuse such a record by its index; the CLI (cli/text-files.ts) refuses
// such a file naming the line.

import { isUtf8 } from "node:buffer";

/**
 * Where lines end: at LF only (a lineage log, JSON Lines: a CR is a byte of the record), or also at
 * a lone CR (a policy source, whose diagnostics and lexer take old Mac line endings as line ends:
 * compiler/source.ts). A CR and LF together end one line either way.
 */
export type LineEnds = "lf" | "lf-or-cr";

/** The 0-based index of the first line of `bytes[0, end)` that is not UTF-8, or null when all are. */
export function firstNonUtf8Line(bytes: Uint8Array, end = bytes.length, lineEnds: LineEnds = "lf"): number | null {
  if (isUtf8(bytes.subarray(0, end))) return null; // the common case: one pass over the whole
  let index = 0;
  for (let offset = 0; offset < end; index++) {
    const lineEnd = lineEnds === "lf" ? lfAt(bytes, offset, end) : lfOrCrAt(bytes, offset, end);
    if (!isUtf8(bytes.subarray(offset, lineEnd))) return index;
    // a CR ending a line here takes the LF after it along (CRLF is one line end)
    const crlf = lineEnds === "lf-or-cr" && bytes[lineEnd] === 0x0d && lineEnd + 1 < end && bytes[lineEnd + 1] === 0x0a;
    offset = lineEnd + (crlf ? 2 : 1);
  }
  return null;
}

/** Where the line starting at `offset` ends at the first LF (`end` when none). */
function lfAt(bytes: Uint8Array, offset: number, end: number): number {
  const nl = bytes.indexOf(0x0a, offset);
  return nl < 0 || nl >= end ? end : nl;
}

/**
 * Where the line starting at `offset` ends at the first LF or CR (`end` when none). One scan: two
 * searches from every line, one of them for a byte the text does not hold, would read the rest of
 * the text for each line.
 */
function lfOrCrAt(bytes: Uint8Array, offset: number, end: number): number {
  let i = offset;
  while (i < end && bytes[i] !== 0x0a && bytes[i] !== 0x0d) i++;
  return i;
}
