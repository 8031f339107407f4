// What a crash can leave at the end of a lineage log, told apart from what it cannot. Only the very
// last write can be incomplete, and it leaves either the start of a record without its `\n` (a torn
// write) or a whole line with zeros where lost sectors were, the writer's bytes around them (a lost
// write). Opening a log (lineage-scan.ts) moves such a tail aside and refuses anything else as
// corrupt; `verifyLog` (lineage-verify.ts) finds it `truncated` and anything else `malformed` by the
// same two tests, and says which of the two opening the log will do (the findings below).
//
// A whole record that has lost only its final `\n` (a file cut by one byte, an editor that strips the
// final newline) is neither: nothing of it is missing, and it may have been acknowledged. No proper
// prefix of a record is one whole JSON text (a record is one JSON object, closed by its last byte),
// so bytes after the last newline that are one (wholeTail) were not cut short: opening keeps such a
// record, when it is the one the log expects next, and writes its newline; `verifyLog` checks it as
// any record and finds it `unterminated`.

import { isUtf8 } from "node:buffer";
import type { DigestPair } from "../crypto/digest.js";
import { LONGEST_RECORD, parseRecordLine, recordOpen, type ParsedRecord } from "./lineage-record.js";

/**
 * The least a lost write zeroes, and where: a disk writes whole sectors of 512 bytes (or whole
 * blocks or pages, multiples of them), each starting at a multiple of 512 in the file.
 */
const SECTOR = 512;
const CLOSE = 0x7d; // `}`, a record's last byte

/**
 * The bytes after the last whole line (`tail`, not empty) read as a whole line that lacks only its
 * newline: the record it parses as, or why the JSON text it is is no record; null when the bytes are
 * not one whole JSON text in UTF-8 (the start of a record cut short, or bytes no writer wrote:
 * isTornRecord tells the two apart).
 */
export function wholeTail(tail: Uint8Array): { ok: true; parsed: ParsedRecord } | { ok: false; reason: string } | null {
  // longer than any record, it is none (and decoding a file's worth of bytes may outgrow a string)
  if (tail.length > LONGEST_RECORD || !isUtf8(tail)) return null;
  const text = Buffer.from(tail.buffer, tail.byteOffset, tail.byteLength).toString("utf8");
  try {
    JSON.parse(text);
  } catch (e) {
    // only the text's failing to parse says it is not whole; anything else (the stack running out) is no answer
    if (e instanceof SyntaxError) return null;
    throw e;
  }
  return parseRecordLine(text);
}

/**
 * Whether the bytes after the last whole line (`tail`, not empty, not one whole JSON text: wholeTail)
 * are the start of the record the writer would write next: record `count`, chained to `lastDigests`
 * (the last record's digests, null for an empty log) — `{"seq":<count>,"prev":<lastDigests>,"artifact":`
 * as far as the bytes go, a zero byte standing for any byte (a lost sector), and whatever follows
 * that opening. Anything else — a file that is no log given as one, a line appended by hand, a copy
 * of a record — was not written by an interrupted append.
 */
export function isTornRecord(tail: Uint8Array, count: number, lastDigests: DigestPair | null): boolean {
  return opensAs(tail, Buffer.from(recordOpen(count, lastDigests)));
}

/** Whether `bytes` are `expected` as far as both go, a zero byte of `bytes` standing for any byte. */
function opensAs(bytes: Uint8Array, expected: Uint8Array): boolean {
  const compared = Math.min(bytes.length, expected.length);
  for (let i = 0; i < compared; i++) if (bytes[i] !== expected[i] && bytes[i] !== 0) return false;
  return true;
}

/**
 * Whether the line `buf[from, to)` (`buf[to]` its `\n`; `buf` the file from its first byte), which
 * is not a record, has the zeros a lost write leaves, whatever record was written there: it is the
 * file's last line, nothing after its newline (a torn line after it would make two faults, which no
 * single crash leaves), it is UTF-8 text as the writer wrote it, and it holds zero bytes where, and
 * only where, whole sectors were lost. The writer writes JSON text, which holds no zero byte, so
 * every zero byte is lost data, and each run of them ends where a sector the disk did write starts
 * (a multiple of SECTOR in the file) and starts where a sector starts or where the line does (the
 * sector holding the line's start also holds the records before it, written earlier, and reads back
 * as them and zeros): a run of zeros inside the line spans one sector at the least. A complete line
 * otherwise damaged, a single byte or a few dozen turned to zero included, was written by something
 * else: evidence. (lineage-scan.ts asks this to decide how many lines to read in full; isLostWrite
 * asks besides whether the rest is the record the writer would have written there.)
 */
export function holdsLostSectors(buf: Uint8Array, from: number, to: number): boolean {
  if (to + 1 !== buf.length || buf[to] !== 0x0a || to <= from) return false;
  if (!isUtf8(buf.subarray(from, to))) return false;
  let zeros = false;
  for (let i = from; i < to; ) {
    if (buf[i] !== 0) {
      i++;
      continue;
    }
    const start = i;
    while (i < to && buf[i] === 0) i++;
    if (i % SECTOR !== 0 || (start !== from && start % SECTOR !== 0)) return false;
    zeros = true;
  }
  return zeros;
}

/**
 * Whether the line `buf[from, to)`, which is not a record, holds what a lost write leaves where the
 * writer wrote record `count`, chained to `lastDigests`: zeros where whole sectors were lost
 * (holdsLostSectors), and the writer's own bytes wherever they are not zero — the record's opening
 * (as isTornRecord reads it, a zero byte standing for any), an artifact of two bytes at the least
 * after it, and its closing `}`. A line appended by hand, a copied record or a line from another
 * chain with zeros written into it does not open as the record due there: it is refused, not moved
 * aside.
 */
export function isLostWrite(buf: Uint8Array, from: number, to: number, count: number, lastDigests: DigestPair | null): boolean {
  if (!holdsLostSectors(buf, from, to)) return false;
  const line = buf.subarray(from, to);
  const open = Buffer.from(recordOpen(count, lastDigests));
  if (line.length < open.length + 3 || !opensAs(line, open)) return false;
  const last = line[line.length - 1];
  return last === CLOSE || last === 0;
}

/**
 * What `verifyLog` finds of the bytes after the last whole line (`tail`), the `n` records before
 * them sound and `last` the last of them, when they are not a whole record (`whole`: wholeTail's
 * answer, a JSON text that is no record, or null): `truncated` when they are the start of record `n`
 * cut short, which opening the log moves aside; otherwise `malformed`, since opening refuses the log
 * as corrupt.
 */
export function tornTailFinding(
  tail: Uint8Array,
  n: number,
  last: ParsedRecord | null,
  whole: { ok: false; reason: string } | null,
): { kind: "truncated" | "malformed"; reason: string } {
  const bytes = `${tail.length} byte${tail.length === 1 ? "" : "s"}`;
  const where = n === 0 ? "the log's only bytes (no whole line)" : `the ${bytes} after the last whole line`;
  const refused = "opening the log for writing refuses it as corrupt and leaves it as it is";
  if (whole !== null)
    return {
      kind: "malformed",
      reason: `${where} ${tail.length === 1 ? "is" : "are"} a whole JSON text without its newline, not a record (${whole.reason}), so no append was cut short there (not a torn write): ${refused}`,
    };
  if (!isTornRecord(tail, n, last === null ? null : last.recordDigests)) {
    const next = n === 0 ? "start the log" : `follow record ${n - 1}`;
    return {
      kind: "malformed",
      reason: `${where} ${tail.length === 1 ? "is" : "are"} not the start of record ${n}, the record that would ${next}, so no append was cut short there (not a torn write): ${refused}`,
    };
  }
  return { kind: "truncated", reason: `the final record (${n}) is torn: ${bytes} without a newline, the start of record ${n}; an append was interrupted (opening the log for writing moves them aside${alsoCut(last)})` };
}

/** What `verifyLog` finds of a last line, record `i`, holding what a lost write leaves (`last`: the record before it). */
export function lostWriteReason(i: number, last: ParsedRecord | null): string {
  return `the final line (record ${i}) is not a record but what a lost write leaves (zero bytes in whole sectors where its data was, and around them the writer's bytes of record ${i}): an append did not reach the disk whole (opening the log for writing moves it aside${alsoCut(last)})`;
}

/** What `verifyLog` finds of a last record, `i`, that is whole and sound but ends the file without its newline. */
export function unterminatedReason(i: number): string {
  return `record ${i} is whole, but the file ends without its final newline (every record ends with one, and only that byte is missing): no append was cut short there (not a torn write), and opening the log for writing keeps the record and writes its newline`;
}

/**
 * What `verifyLog` adds to its finding of a last whole line that is not a record and not a lost
 * write's: the one place a crash could have left one, so the audit says it did not.
 */
export const NOT_A_CRASH =
  "; a crash does not leave it (appends write whole lines, and a lost write leaves zero bytes in whole sectors of the file's last line, nothing after it, and the writer's bytes of the record due there around them), so opening the log for writing refuses it as corrupt and leaves it as it is";

/**
 * What opening moves aside besides a record cut short at the end: the leaves of a batch the records
 * before it end inside (lineage-scan.ts cutAfterCrash); `last` is the last whole record.
 */
function alsoCut(last: ParsedRecord | null): string {
  if (last === null || last.batch === null || last.batch.index === last.batch.size - 1) return "";
  const leaves = last.batch.index + 1;
  const first = last.record.seq - last.batch.index;
  return `, together with the ${leaves === 1 ? `record ${first}` : `${leaves} records ${first}..${last.record.seq}`} of the batch of ${last.batch.size} the log ends inside`;
}
