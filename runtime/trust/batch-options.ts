// The options of a batch authorizer (batch.ts), each read once and checked before anything is
// decided: what createBatchAuthorizer takes, its defaults and bounds, and why each bound is what it is.

import type { Statement } from "./types.js";
import { headCellOf, Signer, type HeadCell } from "./signer.js";
import { checkTtl, DEFAULT_TTL_SECONDS } from "./authorize.js";
import type { Clock } from "./clock.js";
import { MAX_COPIED_ELEMENTS, ownOption } from "../own.js";
import { describeThrown, isInstance, shownOption } from "../thrown.js";
import { optionNames, unknownOptionProblem } from "../option-names.js";

/** The longest delay setTimeout keeps (2^31 − 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** How long the first decision of a batch waits for others when `maxDelayMs` is left out (less for a ttl of 1 s: longestDelayMs). */
const DEFAULT_MAX_DELAY_MS = 5;

export interface BatchAuthorizerOptions {
  /** signing key; the chain continues from its head */
  readonly signer: Signer;
  /** decisions per batch at most; 256 when absent */
  readonly maxBatch?: number;
  /**
   * how long the first decision of a batch may wait for others; 5 ms when absent (0 with a ttl of
   * 1 s). At most (ttlSeconds − 1) × 1000: a decision's validity runs from when it is decided.
   */
  readonly maxDelayMs?: number;
  readonly ttlSeconds?: number;
  /** the time of each decision: a Date, or a function returning one, read per decision (clock.ts) */
  readonly now?: Clock;
  /**
   * records every artifact of a batch, in order, before the batch's promises resolve: all of them or
   * none (`appendMany` must throw having recorded nothing), as the built-in LineageLog does (unless
   * cutting a failed write back fails too: it then says so and takes no more appends, lineage-append.ts)
   */
  readonly lineage?: { appendMany(entries: readonly { artifact: string; statement: Statement }[]): void };
}

/** The names BatchAuthorizerOptions has: any other is refused, as a batch size that is none is. */
const BATCH_OPTIONS = optionNames<BatchAuthorizerOptions>({ signer: true, maxBatch: true, maxDelayMs: true, ttlSeconds: true, now: true, lineage: true });

/** The options of createBatchAuthorizer, each read once and checked. */
export interface BatchSettings {
  readonly signer: Signer;
  /** where the signer keeps its head: marked as taken once the authorizer is made */
  readonly cell: HeadCell;
  readonly maxBatch: number;
  readonly maxDelayMs: number;
  readonly ttl: number;
  readonly lineage: BatchAuthorizerOptions["lineage"];
  readonly clock: Clock | undefined;
}

/**
 * A number option as the object holds it, undefined when absent (or null). A TypeError for one that
 * is no number: `"5"`, `[7]`, `true` or `" "` compared with a bound is coerced (to 5, 7, 1, 0) and
 * passes, and a delay of `"5"` then reaches setTimeout as text.
 */
function numberOption(options: BatchAuthorizerOptions, name: "maxBatch" | "maxDelayMs" | "ttlSeconds", what: string): number | undefined {
  const value: unknown = ownOption(options, name) ?? undefined;
  if (value !== undefined && typeof value !== "number") throw new TypeError(`createBatchAuthorizer: \`${name}\` must be ${what}, got ${shownOption(value)}`);
  return value;
}

/**
 * The longest a batch may wait before it is signed, for artifacts valid `ttl` seconds. A decision's
 * `iat` and `exp` are fixed when it is decided, `iat` in whole seconds (up to 1 s before the moment
 * of the decision), and its batch is signed up to `maxDelayMs` later: waiting at most (ttl − 1) s,
 * every artifact a batch closed by time hands over has validity left (ttl − 1 s − the wait, and
 * the fraction of a second `iat` dropped). Waiting longer, a lone decision's promise could resolve
 * with an artifact already expired.
 */
function longestDelayMs(ttl: number): number {
  return (ttl - 1) * 1000;
}

/**
 * The options, each read once, before anything is decided: a TypeError for options that are no
 * object, a name BatchAuthorizerOptions does not have (`maxbatch` would leave the default in place
 * without a word), a signer that is no Signer, a number option that is no number or a lineage sink
 * without appendMany; a RangeError for a batch size, delay or ttl out of range, or a delay too long
 * for the ttl (longestDelayMs). Whether the signer's chain can be taken is asked after these reads,
 * when it is taken (takeChain): the options' getters are the host's code, which may take it meanwhile.
 */
export function readBatchOptions(options: unknown): BatchSettings {
  if (typeof options !== "object" || options === null) throw new TypeError("createBatchAuthorizer needs options giving at least `signer` (createSigner makes one)");
  const unknown = unknownOptionProblem(options, BATCH_OPTIONS);
  if (unknown !== null) throw new TypeError(`createBatchAuthorizer: ${unknown}`);
  // each option as the object holds it: one left out is not what Object.prototype holds under its name (own.ts)
  const o = options as BatchAuthorizerOptions;
  // the chain continues from its head and every batch is signed with its key: found now, not as a
  // "Cannot read properties of undefined" from every authorize
  const signer: unknown = ownOption(o, "signer");
  if (!isInstance(signer, Signer)) throw new TypeError(`createBatchAuthorizer: \`signer\` must be a Signer (createSigner makes one), got ${shownOption(signer)}`);
  const cell = headCellOf(signer);
  if (cell === undefined) throw new TypeError(`createBatchAuthorizer: \`signer\` must be a signer createSigner made, got ${shownOption(signer)}`);
  const maxBatch = numberOption(o, "maxBatch", "a positive integer") ?? 256;
  const givenDelay = numberOption(o, "maxDelayMs", `a number of milliseconds from 0 to ${MAX_TIMER_MS}`);
  const ttl = numberOption(o, "ttlSeconds", "a whole number of seconds") ?? DEFAULT_TTL_SECONDS;
  // a batch's leaves are copied into its tree as any list the runtime reads (own.ts): a larger batch
  // would be refused when it closes, with every decision in it, rather than here
  if (!Number.isSafeInteger(maxBatch) || maxBatch < 1 || maxBatch > MAX_COPIED_ELEMENTS) throw new RangeError(`maxBatch must be a whole number from 1 to ${MAX_COPIED_ELEMENTS}, got ${maxBatch}`);
  // setTimeout turns a delay beyond 2^31 − 1 ms (or Infinity) into 1 ms without a word
  if (givenDelay !== undefined && !(givenDelay >= 0 && givenDelay <= MAX_TIMER_MS)) throw new RangeError(`maxDelayMs must be from 0 to ${MAX_TIMER_MS}, got ${givenDelay}`);
  checkTtl(ttl);
  const longest = longestDelayMs(ttl);
  if (givenDelay !== undefined && givenDelay > longest)
    throw new RangeError(
      `maxDelayMs ${givenDelay} is too long for ttlSeconds ${ttl}: a decision's validity is fixed when it is decided (its iat in whole seconds, up to 1 s before), and its batch may wait maxDelayMs before it is signed, so its artifact could be handed over expired; maxDelayMs must be at most (ttlSeconds − 1) × 1000 = ${longest}`,
    );
  const maxDelayMs = givenDelay ?? Math.min(DEFAULT_MAX_DELAY_MS, longest);
  return { signer, cell, maxBatch, maxDelayMs, ttl, lineage: readBatchSink(ownOption(o, "lineage")), clock: ownOption(o, "now") };
}

/**
 * The lineage sink, when one is given. A sink that records one artifact at a time and fails
 * half-way through a batch would keep records of artifacts the caller is told were not issued:
 * batches are recorded all or none, by appendMany. Anything else given (null, false, a path) is
 * refused rather than read as "no log" or found wanting at the first batch.
 */
function readBatchSink(lineage: unknown): BatchAuthorizerOptions["lineage"] {
  if (lineage === undefined) return undefined;
  const sink = typeof lineage === "object" || typeof lineage === "function" ? (lineage as { appendMany?: unknown } | null) : null;
  let appendMany: unknown;
  try {
    appendMany = sink?.appendMany;
  } catch (e) {
    // a revoked Proxy, a getter that throws: named as the option it is, not as V8's bare message
    throw new TypeError(`createBatchAuthorizer: the lineage sink's \`appendMany\` could not be read: ${describeThrown(e)}`);
  }
  if (sink === null || typeof appendMany !== "function")
    throw new TypeError(
      `createBatchAuthorizer: \`lineage\` is ${shownOption(lineage)}: batched signing records a batch at once, so the lineage sink must have appendMany (all or none), as LineageLog has`,
    );
  return lineage as BatchAuthorizerOptions["lineage"];
}
