// The lines of a lineage log as the verifier (lineage-verify.ts) walks them: each whole line parsed
// on its own when asked for (LogLines), and, for a log found broken, the index of every record's
// place that classifying the break looks at (orderIndex).

import type { DigestPair } from "../crypto/digest.js";
import { parseRecordLine, type ParseResult } from "./lineage-record.js";
import { isLostWrite } from "./lineage-tail.js";
import { lineEnds } from "../text-lines.js";

/**
 * The whole lines of a log held as bytes, each decoded and parsed on its own when asked for. The file
 * is never decoded as one string (V8 makes none longer than about 512 MiB, and a log may reach
 * READ_LIMITS.log, 2 GiB), and the walk keeps only the records around the one it checks: every
 * record parsed at once takes a few times the file's size.
 */
export class LogLines {
  readonly count: number;
  private readonly ends: number[];
  private readonly kept = new Map<number, ParseResult>();

  constructor(
    private readonly buf: Buffer,
    end: number,
    /** the first line that is not UTF-8 (firstNonUtf8Line), or null */
    private readonly notText: number | null,
    /** whether the bytes after `end` are a whole record without its newline, read as one line more (lineage-tail.ts wholeTail) */
    unterminated = false,
  ) {
    this.ends = lineEnds(buf, end);
    if (unterminated) this.ends.push(buf.length);
    this.count = this.ends.length;
  }

  /** line `i` parsed (undefined past the ends), kept until `forgetBefore` passes it */
  at(i: number): ParseResult | undefined {
    if (i < 0 || i >= this.count) return undefined;
    let r = this.kept.get(i);
    if (r === undefined) this.kept.set(i, (r = this.read(i)));
    return r;
  }

  /** line `i` (0 ≤ i < count) parsed and not kept: for a pass over the whole log */
  read(i: number): ParseResult {
    // a line that is not UTF-8 decodes with U+FFFD in place of its bytes: it is no record, whatever it parses as
    if (i === this.notText) return { ok: false, reason: "record is not UTF-8 text" };
    return parseRecordLine(this.buf.toString("utf8", this.start(i), this.ends[i]!));
  }

  /**
   * whether line `i` (0 ≤ i < count), which is not a record, holds what a lost write leaves where
   * record `i` was written after a record whose digests are `lastDigests` (null: none) (lineage-tail.ts)
   */
  isLostWrite(i: number, lastDigests: DigestPair | null): boolean {
    return isLostWrite(this.buf, this.start(i), this.ends[i]!, i, lastDigests);
  }

  /** where line `i` starts */
  private start(i: number): number {
    return i === 0 ? 0 : this.ends[i - 1]! + 1;
  }

  /** drops the lines kept before `i` */
  forgetBefore(i: number): void {
    for (const k of this.kept.keys()) if (k < i) this.kept.delete(k);
  }
}

/**
 * What classifying a broken order looks at across the whole log: the record seqs and statement seqs
 * of the records that parse, and which record digests some record chains. Only a log found broken
 * needs it, so it is built then, with one more pass over the file.
 */
export interface OrderIndex {
  /** each line's record seq, NaN for a line that is no record */
  readonly recordSeqs: Float64Array;
  readonly recordSeqCount: ReadonlyMap<number, number>;
  readonly statementSeqAt: ReadonlyMap<number, readonly number[]>;
  readonly chainedRecords: ReadonlySet<string>;
}

export function orderIndex(lines: LogLines): OrderIndex {
  const recordSeqs = new Float64Array(lines.count).fill(NaN);
  const recordSeqCount = new Map<number, number>();
  const statementSeqAt = new Map<number, number[]>();
  const chainedRecords = new Set<string>();
  for (let i = 0; i < lines.count; i++) {
    const r = lines.read(i);
    if (!r.ok) continue;
    const p = r.parsed;
    recordSeqs[i] = p.record.seq;
    recordSeqCount.set(p.record.seq, (recordSeqCount.get(p.record.seq) ?? 0) + 1);
    const at = statementSeqAt.get(p.statement.lineage.seq) ?? [];
    at.push(i);
    statementSeqAt.set(p.statement.lineage.seq, at);
    if (p.record.prev) chainedRecords.add(p.record.prev.sha3_512);
  }
  return { recordSeqs, recordSeqCount, statementSeqAt, chainedRecords };
}
