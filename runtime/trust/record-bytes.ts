// The bytes of lineage records, gathered into one buffer for a single write(2): for each record
// exactly the UTF-8 of its line (encodeRecord, lineage-record.ts) and a newline.
//
// A batched artifact that the batch authorizer has just issued is written from the pieces it was
// built from (batch-artifact.ts) rather than from its text. That text is a rope of those pieces:
// joining the lines into one string and having write() encode it copied each ~2.2 KB artifact
// twice, where writing the pieces copies it once, and the tail that every leaf of a batch shares is
// encoded once per batch (2.8–3.4 → 1.3–1.8 µs per record in a scratch comparison, same bytes;
// appendMany 0.78–0.88 of its time per record, the two builds alternated in one process).

import { Buffer } from "node:buffer";
import { BATCHED_ARTIFACT_OPEN, type BatchedArtifactPieces } from "./batch-artifact.js";

const INITIAL_BYTES = 64 * 1024;
/** A buffer grown beyond this for one large append is let go afterwards rather than kept. */
const KEPT_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;
const CLOSE = 0x7d; // `}`, which ends a record after its artifact
const EMPTY = Buffer.alloc(0);

export class RecordBytes {
  #buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  #length = 0;
  /** the tail last encoded, and its bytes (one batch's leaves share it) */
  #tail: string | null = null;
  #tailBytes: Buffer = EMPTY;

  get length(): number {
    return this.#length;
  }

  /** the bytes gathered so far (a view, valid until the next add or clear) */
  bytes(): Buffer {
    return this.#buffer.subarray(0, this.#length);
  }

  clear(): void {
    this.#length = 0;
    if (this.#buffer.length > KEPT_BYTES) this.#buffer = Buffer.allocUnsafe(INITIAL_BYTES);
    // nor keep the last batch's head alive
    this.#tail = null;
    this.#tailBytes = EMPTY;
  }

  /** A record given as its line (without the newline). */
  addLine(line: string): void {
    this.#text(line);
    this.#byte(NEWLINE);
  }

  /**
   * A record whose artifact is the batched artifact built from `pieces`: the bytes of
   * `${open}${batchedArtifactText(pieces)}}` and a newline, where `open` is recordOpen(seq, prev).
   */
  addBatched(open: string, pieces: BatchedArtifactPieces): void {
    this.#text(open);
    this.#text(BATCHED_ARTIFACT_OPEN);
    this.#text(pieces.statement);
    this.#text(pieces.middle);
    if (pieces.tail !== this.#tail) {
      this.#tailBytes = Buffer.from(pieces.tail, "utf8");
      this.#tail = pieces.tail;
    }
    this.#room(this.#tailBytes.length + 2);
    this.#buffer.set(this.#tailBytes, this.#length);
    this.#length += this.#tailBytes.length;
    this.#buffer[this.#length++] = CLOSE;
    this.#buffer[this.#length++] = NEWLINE;
  }

  #text(text: string): void {
    // A UTF-16 code unit is at most 3 bytes of UTF-8 (a surrogate pair, two units, is 4), so with
    // this much room write() never stops short of the end of the text.
    this.#room(3 * text.length);
    this.#length += this.#buffer.write(text, this.#length, "utf8");
  }

  #byte(b: number): void {
    this.#room(1);
    this.#buffer[this.#length++] = b;
  }

  #room(bytes: number): void {
    const needed = this.#length + bytes;
    if (needed <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, 2 * this.#buffer.length));
    this.#buffer.copy(grown, 0, 0, this.#length);
    this.#buffer = grown;
  }
}

// made on the first append: a host that never keeps a log never holds the buffer
let spare: RecordBytes | null = null;

/**
 * Runs `gather` with an empty RecordBytes: the one kept between appends, or a new one when that one
 * is in use (an append made from inside another, by a host's getter, must not write over it).
 */
export function withRecordBytes<T>(gather: (out: RecordBytes) => T): T {
  const out = spare ?? new RecordBytes();
  spare = null;
  out.clear();
  try {
    return gather(out);
  } finally {
    out.clear();
    spare = out;
  }
}
