// What opening a lineage log reads (lineage.ts, openLog): every whole line checked against the one
// before it, the last records decoded in full, and the one thing a crash may leave at the end — a
// line cut short, a lost write, the first leaves of one batch whose write did not complete — told
// apart from a last record that is whole but lacks its final newline (kept, its newline written)
// and from everything else, which is refused as `corrupt` (the header of lineage.ts says what is
// repaired and what never is).

import type { DigestPair } from "../crypto/digest.js";
import { chainLinkProblem, encodeRecord, NOT_FOLDING, parseRecordEnvelope, parseRecordLine, sameDigests, type LineageRecord, type ParsedRecord } from "./lineage-record.js";
import { holdsLostSectors, isLostWrite, isTornRecord, wholeTail } from "./lineage-tail.js";
import { firstNonUtf8Line } from "../text-lines.js";
import { LineageError } from "./lineage-error.js";
import type { TornRepair } from "./lineage.js";

/** What open found to move aside, besides where it starts. */
export type CutFound = Pick<TornRepair, "records" | "batchSize" | "torn">;

/** What scan found: the state to continue from, where to cut (null: nothing), and what is cut. */
export interface ScanResult {
  readonly state: ScanState;
  readonly tornFrom: number | null;
  readonly found: CutFound;
  /** whether the file ends with the last record kept, whole, without its final newline (open writes it) */
  readonly newline: boolean;
}

export interface ScanState {
  count: number;
  lastDigests: DigestPair | null;
  last: ParsedRecord | null;
}

const REWRITTEN = "is not in the writer's serialisation (it was rewritten)";

/** Records at the end of the file that open decodes in full (artifact and statement). */
const FULLY_CHECKED_TAIL = 2;

type Damaged = (index: number, why: string) => LineageError;

/**
 * Checks every whole line against its predecessor: the record chain (seq, prev) for every record,
 * and every batched statement's proof (reading a batched record's place folds it anyway); the
 * artifacts and signed statement links of the last FULLY_CHECKED_TAIL records, which is what
 * appending continues from, and of the records a crash may have left cut short at the end
 * (decoding every artifact would make opening a long log slow; `verifyLog` checks them all).
 * Returns the state after the last record kept and, when the end of the file is what a crash
 * leaves, where to cut and what is cut (cutAfterCrash); and whether the last record kept is one
 * after the last newline, whole, that lacks only its own (its newline is to be written).
 */
export function scan(buf: Buffer, logPath: string): ScanResult {
  const state: ScanState = { count: 0, lastDigests: null, last: null };
  const end = buf.lastIndexOf(0x0a) + 1; // bytes that belong to whole lines
  const hasTornTail = end < buf.length;
  const damaged: Damaged = (index, why) =>
    new LineageError("corrupt", `${logPath}: record ${index} ${why}; run \`writ audit verify\` — the log is left as it is`, index);
  const notText = firstNonUtf8Line(buf, end);
  const decodedFrom = decodedTailStart(buf, end);
  /** the records decoded in full, and where each one's line starts */
  const decoded: DecodedRecord[] = [];
  let lostWriteFrom: number | null = null;
  let offset = 0;
  while (offset < end) {
    const nl = buf.indexOf(0x0a, offset);
    const line = buf.toString("utf8", offset, nl);
    const index = state.count;
    if (index === notText) throw damaged(index, "is not UTF-8 text");
    if (offset < decodedFrom) {
      const envelope = parseRecordEnvelope(line);
      if (!envelope.ok) throw damaged(index, `is damaged (${envelope.reason})`);
      if (encodeRecord(envelope.record) !== line) throw damaged(index, REWRITTEN);
      if (!envelope.proofHolds) throw damaged(index, `holds ${NOT_FOLDING}`);
      const problem = recordLinkProblem(envelope.record, index, state);
      if (problem) throw damaged(index, problem);
      state.lastDigests = envelope.recordDigests;
      state.count++;
    } else {
      const parsed = parseRecordLine(line);
      if (!parsed.ok) {
        // Only the very last write can be torn, and a crash leaves it either without its `\n` (the
        // torn tail below) or, whole, with zeros where lost sectors were and the writer's bytes of
        // this record around them (lineage-tail.ts). A complete line otherwise damaged was written
        // by something else: evidence, never cut away.
        if (isLostWrite(buf, offset, nl, index, state.lastDigests)) {
          lostWriteFrom = offset;
          break;
        }
        throw damaged(index, `is damaged (${parsed.reason})`);
      }
      const problem = decodedProblem(parsed.parsed, index, state, offset === decodedFrom);
      if (problem) throw damaged(index, problem);
      keep(state, decoded, offset, parsed.parsed);
    }
    offset = nl + 1;
  }
  const newline = hasTornTail && readTail(buf, end, state, decoded, damaged);
  const cut = cutAfterCrash(state, decoded, hasTornTail && !newline ? end : lostWriteFrom, damaged);
  // a record kept whole without its newline, unless it is moved aside with the batch it ends inside
  return { ...cut, newline: newline && cut.tornFrom === null };
}

/** Takes the record decoded in full whose line starts at `from` as the log's next. */
function keep(state: ScanState, decoded: DecodedRecord[], from: number, record: ParsedRecord): void {
  state.lastDigests = record.recordDigests;
  state.last = record;
  state.count++;
  decoded.push({ from, record });
}

/**
 * Reads the bytes after the last newline (from `end`): true when they are a whole record, the one
 * the log expects next, which is kept (its newline lost, nothing of it: a crash cut nothing short
 * there, and an acknowledged record must not be moved aside); false when they are the start of that
 * record, cut short (a torn write). Anything else — a whole line that is no record or not the record
 * due there, a file that is no log, a line someone appended by hand — is not a torn write, and is
 * not cut away: it is refused (lineage-tail.ts).
 */
function readTail(buf: Buffer, end: number, state: ScanState, decoded: DecodedRecord[], damaged: Damaged): boolean {
  const tail = buf.subarray(end);
  const index = state.count;
  const whole = wholeTail(tail);
  if (whole === null) {
    if (!isTornRecord(tail, index, state.lastDigests)) throw damaged(index, "would follow the last whole line, but the bytes there are not the start of a record (not a torn write)");
    return false;
  }
  const why = " (it is whole, without its final newline: no append was cut short there, not a torn write)";
  if (!whole.ok) throw damaged(index, `would follow the last whole line, but the bytes there are a whole JSON text that is not a record (${whole.reason}), not the start of a record (not a torn write)`);
  // byte for byte the writer's (canonical, and UTF-8: wholeTail), and continuing the log by both chains
  const problem = decodedProblem(whole.parsed, index, state, false);
  if (problem) throw damaged(index, problem + why);
  keep(state, decoded, end, whole.parsed);
  return true;
}

/**
 * Why a record decoded in full, at `index`, cannot follow the records scanned (`state`), or null: it
 * is not byte for byte the writer's serialisation, a batched statement does not fold to its head's
 * root, or it does not continue the record before it. The first record decoded in full (`first`)
 * follows one read by its envelope only, whose statement is not at hand: it is checked against it
 * by the record chain; every later one by both chains.
 */
function decodedProblem(p: ParsedRecord, index: number, state: ScanState, first: boolean): string | null {
  if (!p.canonical) return REWRITTEN;
  if (p.batch !== null && !p.batch.proofHolds) return `holds ${NOT_FOLDING}`;
  return first && index > 0 ? recordLinkProblem(p.record, index, state) : linkProblem(p, index, state);
}

/** A record open decoded in full, and where its line starts. */
interface DecodedRecord {
  readonly from: number;
  readonly record: ParsedRecord;
}

/**
 * What a crash leaves at the end of the log, and the log without it. `tornFrom` is where a torn line
 * or a lost write's line starts, if there is one. A batch is recorded with one write: a log whose
 * last records are the first leaves of a batch that is not complete lost the rest of that write (a
 * crash, or a power loss before the page cache reached the disk), and, like a torn line, everything
 * from the batch's first leaf is cut (and kept aside by openLog); the log then ends where the last
 * complete write ended.
 *
 * Only ONE write is cut, and only what that write would have held: whole leaves 0 … k of one batch
 * that continue the log. Every record decoded in full was checked against the one before it by
 * both chains (scan), the batch's leaves included, and they reach back past the batch's first leaf
 * (decodedTailStart): so the leaves are that batch's 0 … k in order, leaf 0's statement continues
 * the record before it, and that record ends a complete write (a statement after the leaf of a batch
 * that is not complete does not continue it). A batch that does not continue the log, the leaves of a
 * batch after an incomplete one, leaves that do not start at 0: each was refused by scan as a break
 * in the chain, naming its record.
 */
function cutAfterCrash(
  state: ScanState,
  decoded: readonly DecodedRecord[],
  tornFrom: number | null,
  damaged: Damaged,
): { state: ScanState; tornFrom: number | null; found: CutFound } {
  const torn = tornFrom !== null;
  const last = state.last;
  if (last === null || last.batch === null || last.batch.index === last.batch.size - 1) return { state, tornFrom, found: { records: 0, batchSize: null, torn } };
  const leaves = last.batch.index + 1;
  const first = decoded.length - leaves; // leaf 0's place among the records decoded in full
  const count = state.count - leaves;
  // (decodedTailStart decodes the leaves and the record before them: this guards that invariant)
  if (first < 0 || (first === 0 && count > 0))
    throw damaged(state.count - 1, `is leaf ${last.batch.index} of a batch whose first leaves were not read in full, so the end of the log cannot be taken for a write cut short`);
  const before = first > 0 ? decoded[first - 1]!.record : null;
  return {
    state: { count, lastDigests: before === null ? null : before.recordDigests, last: before },
    tornFrom: decoded[first]!.from,
    found: { records: leaves, batchSize: last.batch.size, torn },
  };
}

/**
 * Where the lines scan decodes in full start: the last FULLY_CHECKED_TAIL records, besides a lost
 * write's line at the end, and when the last record is leaf k of a batch that is not complete (a
 * write that may have been cut short), its k + 1 leaves besides; then one line more, the record
 * the first of them is checked against (by its envelope alone, as the records before).
 */
function decodedTailStart(buf: Buffer, end: number): number {
  if (end === 0) return 0;
  let lines = FULLY_CHECKED_TAIL + 1;
  let lastFrom = previousLineStart(buf, end);
  let last = parseRecordLine(buf.toString("utf8", lastFrom, end - 1));
  // (whether it is the record due there, the scan asks once it has read the records before it)
  if (!last.ok && lastFrom > 0 && holdsLostSectors(buf, lastFrom, end - 1)) {
    lines++;
    const lineEnd = lastFrom;
    lastFrom = previousLineStart(buf, lineEnd);
    last = parseRecordLine(buf.toString("utf8", lastFrom, lineEnd - 1));
  }
  const place = last.ok ? last.parsed.batch : null;
  if (place !== null && place.index !== place.size - 1) lines += place.index + 1;
  let from = end;
  for (let k = 0; k < lines && from > 0; k++) from = previousLineStart(buf, from);
  return from;
}

/** Where the line before the one starting at `lineStart` (> 0) starts. */
function previousLineStart(buf: Buffer, lineStart: number): number {
  // (A negative offset would make lastIndexOf search from the end, hence the guard.)
  return lineStart >= 2 ? buf.lastIndexOf(0x0a, lineStart - 2) + 1 : 0;
}

/** Why a record does not follow the record before it in the record chain (seq, prev), or null. */
function recordLinkProblem(record: LineageRecord, index: number, state: ScanState): string | null {
  if (record.seq !== index) return `carries seq ${record.seq} at position ${index}`;
  if (!sameDigests(record.prev, state.lastDigests)) return "does not chain to the record before it";
  return null;
}

/** Why a record decoded in full does not continue the record before it (`state.last`), by both chains, or null. */
function linkProblem(p: ParsedRecord, index: number, state: ScanState): string | null {
  const recordProblem = recordLinkProblem(p.record, index, state);
  if (recordProblem !== null) return recordProblem;
  const link = p.statement.lineage;
  const prev = state.last;
  // record 0: the writer starts a log at a batch's first leaf (appendMany), nowhere else in a batch
  if (prev === null) return p.batch !== null && p.batch.index !== 0 ? `is leaf ${p.batch.index} of a batch of ${p.batch.size}, and a log starts at a batch's first leaf` : null;
  if (link.seq !== prev.statement.lineage.seq + 1) return `holds statement seq ${link.seq} after statement seq ${prev.statement.lineage.seq}`;
  return chainLinkProblem(prev, p);
}
