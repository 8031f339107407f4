// The lines of a lineage log as the verifier (lineage-verify.ts) walks them: each whole line found
// and parsed on its own when asked for (LogLines), and, for a log found broken, the index of every
// record's place that classifying the break looks at (orderIndex).

import type { DigestPair } from "../crypto/digest.js";
import { parseRecordLine, type ParseResult, type ParsedRecord } from "./lineage-record.js";
import { isLostWrite } from "./lineage-tail.js";

/** Where one line of the log lies: from `start` to `stop`, its newline (or the file's end, for a last record without one). */
interface LineSpan {
  readonly start: number;
  readonly stop: number;
}

/**
 * The whole lines of a log held as bytes, each found, decoded and parsed on its own when asked for.
 * The file is never decoded as one string (V8 makes none longer than about 512 MiB, and a log may
 * reach READ_LIMITS.log, 2 GiB), and the walk keeps only the lines around the one it checks: every
 * record parsed at once takes a few times the file's size, and even one number per line would be
 * more than V8 holds in an array for a file of nothing but newlines (2 GiB of them is 2^31 lines).
 * Lines are found going forward, as the walk goes; a look back past what it keeps finds the line
 * again from the file's start (the walk looks back once, to name a fault).
 */
export class LogLines {
  /** the bytes up to and with the last newline: a search for the next line end stops there */
  private readonly whole: Buffer;
  /** the lines found near the walk, until `forgetBefore` passes them */
  private readonly spans = new Map<number, LineSpan>();
  private readonly kept = new Map<number, ParseResult>();
  /** the first line not yet found going forward, and where it starts */
  private ahead = 0;
  private aheadStart = 0;

  constructor(
    private readonly buf: Buffer,
    /** where the newline-ended lines end: after the last newline */
    private readonly end: number,
    /** the first line that is not UTF-8 (firstNonUtf8Line), or null */
    private readonly notText: number | null,
    /** whether the bytes after `end` are a whole record without its newline, read as one line more (lineage-tail.ts wholeTail) */
    private readonly unterminated = false,
  ) {
    this.whole = buf.subarray(0, end);
  }

  /** line `i` parsed (undefined past the last line), kept until `forgetBefore` passes it */
  at(i: number): ParseResult | undefined {
    let r = this.kept.get(i);
    if (r !== undefined) return r;
    const span = this.span(i);
    if (span === null) return undefined;
    this.kept.set(i, (r = this.parse(i, span)));
    return r;
  }

  /** line `i` parsed and not kept (undefined past the last line): for a look back at one record */
  read(i: number): ParseResult | undefined {
    const span = this.span(i);
    return span === null ? undefined : this.parse(i, span);
  }

  /** whether the log has a line `i` */
  has(i: number): boolean {
    return this.kept.has(i) || this.span(i) !== null;
  }

  /** whether line `i` is there and no line follows it */
  isLast(i: number): boolean {
    const span = this.span(i);
    return span !== null && this.stopFrom(span.stop + 1) === null;
  }

  /**
   * whether line `i`, which is there and is not a record, holds what a lost write leaves where
   * record `i` was written after a record whose digests are `lastDigests` (null: none) (lineage-tail.ts)
   */
  isLostWrite(i: number, lastDigests: DigestPair | null): boolean {
    const span = this.span(i);
    return span !== null && isLostWrite(this.buf, span.start, span.stop, i, lastDigests);
  }

  /** drops the lines kept before `i` */
  forgetBefore(i: number): void {
    for (const k of this.kept.keys()) if (k < i) this.kept.delete(k);
    for (const k of this.spans.keys()) if (k < i) this.spans.delete(k);
  }

  /**
   * Each line that is a record, parsed and not kept, in order: a pass over the whole log, apart from
   * the walk. Gives the number of lines. A line whose first byte past JSON's whitespace is not `{`
   * is no JSON object, so no record: it is passed over without being decoded (a file of blank lines
   * is not parsed a line at a time).
   */
  forEachRecord(visit: (i: number, record: ParsedRecord) => void): number {
    let i = 0;
    for (let start = 0, stop = this.stopFrom(0); stop !== null; i++, start = stop + 1, stop = this.stopFrom(start)) {
      if (!this.opensObject(start, stop)) continue;
      const r = this.parse(i, { start, stop });
      if (r.ok) visit(i, r.parsed);
    }
    return i;
  }

  private parse(i: number, span: LineSpan): ParseResult {
    // a line that is not UTF-8 decodes with U+FFFD in place of its bytes: it is no record, whatever it parses as
    if (i === this.notText) return { ok: false, reason: "record is not UTF-8 text" };
    return parseRecordLine(this.buf.toString("utf8", span.start, span.stop));
  }

  /** where line `i` lies, or null past the last line */
  private span(i: number): LineSpan | null {
    if (!Number.isSafeInteger(i) || i < 0) return null;
    const near = this.spans.get(i);
    if (near !== undefined) return near;
    // a line before the ones found going forward, and forgotten since: found again from the start
    if (i < this.ahead) return this.spanFrom(0, 0, i);
    const span = this.spanFrom(this.ahead, this.aheadStart, i);
    if (span !== null) {
      // the lines skipped to reach it (the walk skips none) are found again from the start if asked for
      this.spans.set(i, span);
      this.ahead = i + 1;
      this.aheadStart = span.stop + 1;
    }
    return span;
  }

  /** line `i`, found going forward from line `k`, which starts at `start` (null when the log ends first) */
  private spanFrom(k: number, start: number, i: number): LineSpan | null {
    for (;;) {
      const stop = this.stopFrom(start);
      if (stop === null) return null;
      if (k === i) return { start, stop };
      k++;
      start = stop + 1;
    }
  }

  /** where the line starting at `start` stops, or null when no line starts there */
  private stopFrom(start: number): number | null {
    if (start < this.end) {
      const nl = this.whole.indexOf(0x0a, start);
      return nl < 0 ? null : nl;
    }
    // the last record, whole but without its newline
    return start === this.end && this.unterminated ? this.buf.length : null;
  }

  /** whether the line from `start` to `stop` starts, past JSON's whitespace, with `{` */
  private opensObject(start: number, stop: number): boolean {
    let at = start;
    while (at < stop && (this.buf[at] === 0x20 || this.buf[at] === 0x09 || this.buf[at] === 0x0d)) at++;
    return at < stop && this.buf[at] === 0x7b;
  }
}

/**
 * What classifying a broken order looks at across the whole log: where each record seq and
 * statement seq is held, and which record digests some record chains. Only a log found broken needs
 * it, so it is built then, with one more pass over the file. It holds what the records that parse
 * hold, nothing for a line that is no record.
 */
export interface OrderIndex {
  /** the log's number of lines */
  readonly lines: number;
  /** the lines holding each record seq, in order */
  readonly recordSeqAt: ReadonlyMap<number, readonly number[]>;
  /** the lines holding each statement seq, in order */
  readonly statementSeqAt: ReadonlyMap<number, readonly number[]>;
  readonly chainedRecords: ReadonlySet<string>;
}

export function orderIndex(lines: LogLines): OrderIndex {
  const recordSeqAt = new Map<number, number[]>();
  const statementSeqAt = new Map<number, number[]>();
  const chainedRecords = new Set<string>();
  const add = (at: Map<number, number[]>, seq: number, i: number) => {
    const held = at.get(seq);
    if (held === undefined) at.set(seq, [i]);
    else held.push(i);
  };
  const count = lines.forEachRecord((i, p) => {
    add(recordSeqAt, p.record.seq, i);
    add(statementSeqAt, p.statement.lineage.seq, i);
    if (p.record.prev) chainedRecords.add(p.record.prev.sha3_512);
  });
  return { lines: count, recordSeqAt, statementSeqAt, chainedRecords };
}
