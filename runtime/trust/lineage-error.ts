// The lineage log's error: a stable code, a message saying what and why, and for `corrupt` the
// index of the first bad record. Shared by the log (lineage.ts, lineage-append.ts) and its open-time
// scan (lineage-scan.ts).

export type LineageErrorCode = "locked" | "corrupt" | "chain_break" | "incomplete_batch" | "too_large" | "closed" | "io" | "bad_options";

export class LineageError extends Error {
  constructor(
    readonly code: LineageErrorCode,
    message: string,
    /** for `corrupt`: the 0-based index of the first bad record */
    readonly index?: number,
  ) {
    super(message);
    this.name = "LineageError";
  }
}
