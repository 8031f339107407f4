// Text files as the CLI reads them: strict UTF-8. A lenient decoder reads a byte that is not UTF-8
// as U+FFFD, so a policy would compile a string its file does not hold (and `writ fmt --write` would
// write the substitute back over the original bytes), and a request would be decided and digested
// as another.

import { firstNonUtf8Line, type LineEnds } from "../runtime/text-lines.js";
import { systemErrorText } from "../runtime/file-write.js";
import { CWD_GONE_TEXT, cwdGone } from "./environment-failure.js";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * `bytes` as text, or the line that is not UTF-8, counted as the file's other messages count lines
 * (`lineEnds`: a policy's diagnostics take a lone CR as a line end, JSON's do not). Throws (a
 * RangeError) for a file longer than a string can be, which the caller reports as it is: it is not a
 * matter of encoding.
 */
export function decodeUtf8(bytes: Uint8Array, lineEnds: LineEnds = "lf"): { ok: true; text: string } | { ok: false; line: number } {
  try {
    return { ok: true, text: strictUtf8.decode(bytes) };
  } catch (e) {
    const index = firstNonUtf8Line(bytes, bytes.length, lineEnds);
    if (index === null) throw e;
    return { ok: false, line: index + 1 };
  }
}

/**
 * Why the file `file` could not be opened or read, as every command says it of a file it reads
 * (`buidl: no such file`, `loop.writ: too many symbolic links encountered (ELOOP)`), not in Node's
 * words, which end with the system call and the path again.
 */
export function unreachableFileText(file: string, e: unknown): string {
  // a relative path in a directory that has been removed: not this file's fault
  if (cwdGone(e)) return `${file}: ${CWD_GONE_TEXT}`;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return `${file}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : systemErrorText(e)}`;
}
