// Batched signing: decisions are collected into batches, a Merkle tree (merkle.ts) is built over
// their statements, one Ed25519 signature covers the tree head, and each decision's artifact carries
// its inclusion proof (batch-artifact.ts). A batch closes when it holds `maxBatch` decisions or
// `maxDelayMs` after its first one, whichever comes first, so latency stays bounded under low load
// and the signature cost is shared under high load.
//
// Lineage: batches are the links of the chain. Every statement of a batch carries the next
// `lineage.seq` and the same `lineage.prev`: the digests of the signed artifact before the batch (a
// compact JWS, or the previous batch's signed tree head). The tree orders the statements of a batch
// (leaf i holds the batch's i-th seq) and its signed head commits to all of them, so the artifact
// after the batch links to that head. Per decision this leaves the request digest, the leaf and
// about one interior node to hash; linking each statement to the one before would add a SHA3-512
// and a BLAKE2b-512 of every statement (about 45% of a batched decision). The authorizer takes the
// chain from the signer's head on: authorize, guard and other batch authorizers refuse that signer
// (they would issue the same seqs again); a new signer resumes from `head`, read with no batch open
// (after flush: an open batch has taken seqs it has not yet signed). With a lineage sink, every
// batch is recorded (one write and one fsync for the whole batch when the sink is a LineageLog)
// before any of its promises resolves.
//
// Two ways in, one output: `authorize` (a promise per decision; batches close on size or time) and
// `authorizeBatch` (a list of requests decided and signed at once, no promise or timer per decision;
// for hosts that already hold a queue). Both run the same per-decision and per-batch code below.

import type { Decision } from "../decision.js";
import type { DecidingPolicy } from "../policy-types.js";
import { buildTreeText, leafHashHexOfText } from "./merkle.js";
import { readRequest, requestSchemaOf } from "./request-digest.js";
import { issuedCopy, withIssuedPlaces, type IssuedPlace } from "./lineage-record.js";
import { artifactDigests, batchedSignerProblem, requireIssuable, Signer, type HeadCell } from "./signer.js";
import { buildStatement, canonicalStatement, decideSafely, randomId, statementTooLong, unrepresentableDecision } from "./statement.js";
import { type ChainHead, type Statement } from "./types.js";
import { BATCH_HEAD_FORMAT, MAX_BATCHED_STATEMENT_LENGTH, batchedArtifactMiddle, batchedArtifactTail, batchedArtifactText, signTreeHead, type BatchedArtifactPieces, type TreeHead } from "./batch-artifact.js";
import { isRecording, requireSynchronous } from "./authorize.js";
import { clockMs, INVALID_CLOCK } from "./clock.js";
import { MAX_COPIED_ELEMENTS, ownElement } from "../own.js";
import { ranOutOfStack, V8_STACK_MESSAGE } from "../stack-ran-out.js";
import { describeThrown } from "../thrown.js";
import { APPEND_RAN_OUT, ranOutAppending } from "./lineage.js";
import { readBatchOptions, type BatchAuthorizerOptions } from "./batch-options.js";
import { isLoadedForReplay, loadedForReplayProblem } from "../replay-loaded.js";

export type { BatchAuthorizerOptions } from "./batch-options.js";


export interface BatchedAuthorization {
  readonly decision: Decision;
  /** batched artifact (JSON text): statement, inclusion proof and signed tree head */
  readonly artifact: string;
  readonly statement: Statement;
}

export interface BatchAuthorizer {
  /**
   * Decides now; resolves once the decision's batch is signed (and recorded). Returns a promise
   * wherever it begins: where the host's stack runs out while the request is decided or added to
   * the batch, it rejects with an Error built beforehand saying so, the request not in the batch.
   * A policy loaded for replay (loadPolicyForReplay) is refused, a TypeError, nothing decided.
   */
  authorize(policy: DecidingPolicy, request: unknown): Promise<BatchedAuthorization>;
  /**
   * Decides every request now and signs them in batches of at most `maxBatch` (the open batch of
   * `authorize` is closed first, so the chain stays in order); returns the authorizations in request
   * order, exactly as `authorize` would have issued them. Throws what `authorize` would reject with
   * (a bad clock, a lineage sink that throws, a policy loaded for replay, refused before the open
   * batch is closed, a policy object whose name, version or digests no statement can hold, a
   * statement too long for its artifact: TypeError); the batch that failed
   * is not issued and the chain continues from before it, while batches before it were issued (and
   * recorded) already.
   */
  authorizeBatch(policy: DecidingPolicy, requests: readonly unknown[]): BatchedAuthorization[];
  /** closes the open batch now */
  flush(): void;
  /**
   * Where the chain continues, what a new signer resumes from (frozen: the authorizer's own). Only
   * with no batch open: while one is (`pending` > 0), or from inside the authorizer's own work (a
   * policy, a getter, the clock or the sink), reading it throws an Error saying to call `flush()`
   * first: the open batch has taken its seqs but is not yet signed, so no head a chain can go on
   * from exists, and one made of its seqs and the link before it would fork the chain.
   */
  readonly head: ChainHead;
  /** decisions waiting in the open batch */
  readonly pending: number;
}

/** One decision, stated and hashed, waiting for its batch to be signed. */
interface Prepared {
  readonly decision: Decision;
  readonly statement: Statement;
  /** the statement's canonical JSON: the Merkle leaf content */
  readonly canonical: string;
  /** SHA-256(0x00 || canonical), lowercase hex */
  readonly leaf: string;
}

/** What a decision's batch came to for it: its authorization, or why it was not issued. */
type TicketOutcome = { readonly authorization: BatchedAuthorization } | { readonly error: unknown };

/**
 * One decision waiting in the open batch, and what settles the promise authorize returned for it.
 * authorize is an async function that returns the ticket, so the engine calls `then` from a
 * microtask, on a fresh stack, with the functions that settle the caller's promise: no promise is
 * made or settled in authorize's own frame. Near the end of the host's stack, neither could be
 * done there: a promise whose executor could not begin was thrown out of authorize, and one
 * rejected there runs Node's rejection tracking, which ran out of stack again and wrote to stderr.
 */
class Ticket {
  private resolve: ((a: BatchedAuthorization) => void) | undefined;
  private reject: ((e: unknown) => void) | undefined;
  /** the batch's outcome, kept when the batch is settled before the engine has called `then` */
  private outcome: TicketOutcome | undefined;

  constructor(readonly prepared: Prepared) {}

  /** Called once, by the engine, for the promise of the authorize that returned this ticket. */
  then(resolve: (a: BatchedAuthorization) => void, reject: (e: unknown) => void): void {
    this.resolve = resolve;
    this.reject = reject;
    if (this.outcome !== undefined) this.deliver(this.outcome);
  }

  /** The batch's outcome for this decision (settle, from a microtask). */
  settle(outcome: TicketOutcome): void {
    if (this.resolve === undefined) this.outcome = outcome;
    else this.deliver(outcome);
  }

  private deliver(outcome: TicketOutcome): void {
    if ("authorization" in outcome) this.resolve!(outcome.authorization);
    else this.reject!(outcome.error);
  }
}

/** What became of a batch being closed: its artifacts once sealed, or why it was not. */
interface SealOutcome {
  artifacts: string[] | null;
  /** what sealing threw, or NOT_KEPT until the handler keeps it */
  error: unknown;
}

/**
 * What a closing batch's outcome holds as its error until sealing's handler keeps what was thrown:
 * still there when the batch was not sealed, the stack ran out before the handler could run. Its
 * own object, since a sink (or the clock) may throw anything, null and undefined included, and that
 * is what the batch's promises reject with, as authorizeBatch throws it.
 */
const NOT_KEPT: unique symbol = Symbol("no error kept");

/**
 * Resolves every promise of a sealed batch, or rejects every one of a batch that was not: with what
 * sealing threw (the sink's error, say), or with an error saying the stack ran out when it did.
 */
function settle(closing: readonly Ticket[], outcome: SealOutcome): void {
  const { artifacts, error } = outcome;
  if (artifacts !== null) {
    closing.forEach((t, i) => t.settle({ authorization: { decision: t.prepared.decision, artifact: artifacts[i]!, statement: t.prepared.statement } }));
    return;
  }
  // no error kept: the stack ran out before the handler could keep it
  const reason = error === NOT_KEPT ? new Error(STACK_RAN_OUT) : ranOutSealing(error) ? new Error(STACK_RAN_OUT, { cause: error }) : error;
  for (const t of closing) t.settle({ error: reason });
}

/**
 * Whether what sealing threw says the host's stack ran out: V8's error, or the lineage log's own
 * failure for an append the stack ran out in (nothing was recorded). What the sink or the clock
 * threw is the host's: a revoked Proxy, or an object whose prototype is RangeError's and whose
 * `message` is a getter that throws, is not V8's error (ranOutOfStack says so without throwing, which
 * in the microtask settle runs in would leave every promise of the batch pending), and the batch
 * rejects with it as it is.
 */
function ranOutSealing(error: unknown): boolean {
  return ranOutAppending(error) || ranOutOfStack(error);
}

const STACK_RAN_OUT =
  "the batch was not sealed: the host's stack ran out while it was being closed (flush, or the authorize that filled it, was called too deep); nothing of it was issued, and the chain continues from where it began";

/**
 * What authorizeBatch throws where the host's stack runs out (it was called too deep): built
 * beforehand and frozen, since where it is thrown not even an error can be made. A batch's sink
 * records all of it or none (a LineageLog whose write may have gone through says so itself).
 */
const BATCH_RAN_OUT = Object.freeze(
  new Error(
    "authorizeBatch did not finish: the host's stack ran out while a batch was being decided, signed or recorded (authorizeBatch was called too deep); that batch was not issued, nothing of it was recorded, and the chain continues from where it began (the batches before it in this call were issued and recorded)",
  ),
);
/**
 * What the promise of a batch authorizer's authorize rejects with where the host's stack runs out
 * while the request is decided, stated or added to the open batch: built beforehand and frozen, as
 * BATCH_RAN_OUT is. Whatever failed there was undone: the request is not in the batch, and the seq
 * it took is given back.
 */
const AUTHORIZE_RAN_OUT = Object.freeze(
  new Error(
    "authorize did not finish: the host's stack ran out while the request was being decided or added to a batch (the batch authorizer's authorize was called too deep); it was not added to a batch and nothing was issued for it, the other decisions of the batch are issued as they would have been, and the chain continues from where it was",
  ),
);
// what the handlers of authorizeBatch and authorize compare with, as this module's own constants (authorize.ts says why)
const STACK_MESSAGE = V8_STACK_MESSAGE;
const LOG_RAN_OUT = APPEND_RAN_OUT;


/**
 * Why `head` cannot be read now: a batch is open (`pending` decisions in it), or the authorizer is
 * in the middle of its own work (`busy`). A batch that is open has taken its seqs and is not signed:
 * the head then is past its seqs with the link from before it, and a signer started from that would
 * issue the next seqs linking past a batch it never saw (a fork of the chain).
 */
function unresumableHead(pending: number, busy: string | null): string {
  if (busy !== null)
    return `batcher.head cannot be read while the batch authorizer is ${busy} (it was read from the lineage sink, a policy, a request's getter or the clock): the head is not one a chain can continue from until that is done; read it once the call under way has returned and no batch is open`;
  return `batcher.head cannot be read while a batch is open (${pending} decision${pending === 1 ? "" : "s"} pending): the open batch has taken its seqs but is not signed yet, so no head a chain can continue from exists (one made of those seqs and the link before the batch would fork the chain). Call batcher.flush() first: it signs the open batch at once, and head is then where the chain continues`;
}

/**
 * Whether authorizeBatch's `requests` is an array. Array.isArray throws for a revoked Proxy: that is
 * refused naming the argument, not with V8's bare message.
 */
function isArray(requests: unknown): boolean {
  try {
    return Array.isArray(requests);
  } catch (e) {
    throw new TypeError(`authorizeBatch takes an array of requests: \`requests\` could not be read: ${describeThrown(e)}`);
  }
}

/**
 * Takes `signer`'s chain for a batch authorizer, or throws a TypeError, nothing taken, when another
 * issuer has it: another batch authorizer, or authorize (guard's too) whose lineage sink is recording
 * an artifact of this signer, which holds the seq the chain would be taken at (the signer moves past
 * it only once the sink returns). The check and the mark run with none of the host's code between
 * them: asked before the options' getters ran, a getter that made another batch authorizer on the
 * signer left two issuers of the same seqs.
 */
function takeChain(signer: Signer, cell: HeadCell): ChainHead {
  const taken = batchedSignerProblem(cell);
  if (taken !== null) throw new TypeError(`createBatchAuthorizer: ${taken}`);
  if (isRecording(signer))
    throw new TypeError(
      "createBatchAuthorizer: the lineage sink of authorize (or guard) is recording an artifact of this signer: that artifact holds the seq this batch authorizer would take the chain at, so the chain was not taken. Make the batch authorizer once that call has returned",
    );
  // From here on this authorizer issues the signer's chain, from the head it takes now: authorize,
  // guard and other batch authorizers refuse the signer (they would issue the same seqs again).
  cell.batched = true;
  return cell.head;
}

/**
 * A batch authorizer signing with `options.signer`. Throws before anything is decided when the
 * options cannot be used (readBatchOptions) or the signer's chain is another issuer's (takeChain).
 */
export function createBatchAuthorizer(options: BatchAuthorizerOptions): BatchAuthorizer {
  const { signer, cell, maxBatch, maxDelayMs, ttl, lineage, clock } = readBatchOptions(options);
  let head: ChainHead = takeChain(signer, cell);
  let batchStart: ChainHead = head;
  let batch: Ticket[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;

  /** The clock in milliseconds; throws a RangeError when it returns something that is not a valid Date. */
  function nowMs(): number {
    const ms = clockMs(clock);
    if (!Number.isFinite(ms)) throw new RangeError(INVALID_CLOCK);
    return ms;
  }

  /**
   * Decides and states one request, and moves the chain's seq past it; the link stays that of the
   * artifact before the batch until the batch is sealed.
   */
  function prepare(policy: DecidingPolicy, request: unknown, ms: number): Prepared {
    // each decision takes the next seq: none past the last one a chain issues (signer.ts)
    requireIssuable(head.seq);
    const { data, digest } = readRequest(request, signer.path, requestSchemaOf(policy));
    const decision = digest.ok ? decideSafely(policy, data) : unrepresentableDecision(digest);
    const iat = Math.floor(ms / 1000);
    const statement: Statement = buildStatement({ policy, decision, requestSha3: digest.sha3_512, issuer: signer.keyId, iat, ttlSeconds: ttl, head });
    const canonical = canonicalStatement(statement, policy);
    // an artifact longer than verifiers read (a policy's name of megabytes) is refused before its batch is signed
    if (canonical.length > MAX_BATCHED_STATEMENT_LENGTH)
      throw statementTooLong(statement, `the statement of this decision would be ${canonical.length} characters, more than the ${MAX_BATCHED_STATEMENT_LENGTH} a batched artifact carries for a verifier to read it`);
    head = { seq: head.seq + 1, prev: head.prev };
    // The leaf now, while the statement text is fresh: SHA-256(0x00 || canonical statement).
    return { decision, statement, canonical, leaf: leafHashHexOfText(canonical) };
  }

  /**
   * Builds the tree over a batch, signs its head, writes every artifact and records them, then links
   * the chain to the signed head; returns the artifacts in order, or throws with nothing issued (and
   * the chain head untouched: the caller rolls back the seq). With `into`, the batch's
   * authorizations are added to it before the batch is recorded (and stand only if seal returns).
   */
  function seal(closing: readonly Prepared[], into?: BatchedAuthorization[]): string[] {
    const tree = buildTreeText(closing.map((p) => p.leaf));
    const treeHead: TreeHead = {
      v: BATCH_HEAD_FORMAT,
      batch: randomId(),
      size: tree.size,
      root: tree.root,
      hash: "sha256",
      iss: signer.keyId,
      iat: Math.floor(nowMs() / 1000),
    };
    const headJws = signTreeHead(treeHead, signer);
    // Built as text: the statement is already canonical JSON, and the rest is fixed-shape.
    const tail = batchedArtifactTail(headJws);
    const pieces: BatchedArtifactPieces[] = closing.map((p, i) => ({ statement: p.canonical, middle: batchedArtifactMiddle(i, tree.paths[i]!), tail }));
    const artifacts = pieces.map(batchedArtifactText);
    // the head after the batch (and what authorizeBatch returns), made before it is recorded: once
    // it is, nothing left may fail (near the end of the stack, a call could) and have a recorded
    // batch reported as not issued
    const after: ChainHead = { seq: head.seq, prev: artifactDigests(headJws, signer.path) };
    if (into !== undefined) closing.forEach((p, i) => into.push({ decision: p.decision, artifact: artifacts[i]!, statement: p.statement }));
    if (lineage) {
      const entries = artifacts.map((artifact, i) => ({ artifact, statement: closing[i]!.statement }));
      // the log writes each record from the artifact's pieces rather than from its text (record-bytes.ts),
      // and checks the chain with its own copy of each statement, made before the sink is handed them
      const places: IssuedPlace[] = artifacts.map((artifact, i) => ({
        artifact,
        handed: closing[i]!.statement,
        statement: issuedCopy(closing[i]!.statement),
        pieces: pieces[i]!,
        place: { head: headJws, index: i, size: tree.size, leaf: closing[i]!.leaf, proofHolds: true },
      }));
      const returned = withIssuedPlaces(entries, places, () => lineage.appendMany(entries));
      // no call once the sink has returned, but for what may be a promise (as above)
      if (typeof returned === "object" && returned !== null) requireSynchronous(returned, "the lineage sink's appendMany");
    }
    head = after;
    return artifacts;
  }

  // What is under way that a call back into this authorizer (from the lineage sink while a batch is
  // sealed, or from a policy, a request's getter or the clock while a decision is made and stated)
  // would break: it would take seq numbers from the middle of a batch being sealed, or the seq of a
  // decision being stated (prepare takes the head, then reads the policy's name, version and digests,
  // which may be getters), and issue artifacts that do not verify or that the log refuses, leaving
  // the chain head past what was recorded. Such calls are refused.
  let busy: "sealing a batch" | "running authorizeBatch" | "deciding a request" | null = null;
  const reentered = (call: string) => new Error(`${call} was called back while the batch authorizer was ${busy} (from the lineage sink, a policy, a request's getter or the clock); nothing was decided`);

  /** Runs `f` with the authorizer marked busy, whatever it throws. */
  function whileBusy<T>(what: NonNullable<typeof busy>, f: () => T): T {
    busy = what;
    try {
      return f();
    } finally {
      busy = null;
    }
  }

  function stopTimer(): void {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
  }

  /**
   * Seals the open batch and settles its promises. They are settled from a microtask scheduled
   * before the batch is taken: near the end of the host's stack (a flush called deep down) sealing
   * can run out of stack, and so can the handler that would reject them, which left them pending for
   * ever. Whatever throws here, the microtask runs on a fresh stack and settles every one of them;
   * and if scheduling it fails, the batch was not taken and its timer still closes it.
   */
  function close(): void {
    if (batch.length === 0) return stopTimer();
    const closing = batch;
    const outcome: SealOutcome = { artifacts: null, error: NOT_KEPT };
    queueMicrotask(() => settle(closing, outcome));
    // (from here on, close cannot throw: enqueue relies on it)
    batch = [];
    const start = batchStart;
    try {
      stopTimer();
      outcome.artifacts = whileBusy("sealing a batch", () => seal(closing.map((t) => t.prepared)));
      batchStart = head;
    } catch (e) {
      // Nothing of this batch was issued: the chain continues from where the batch started, and any
      // decision taken since (none: closing is synchronous) would link to it. Assignments only: a
      // call could run out of the stack that just ran out.
      head = start;
      batchStart = start;
      outcome.error = e;
    }
  }

  /**
   * authorize's work: decides and states the request and adds it to the open batch, closing the batch
   * once it is full or starting its timer; returns the request's ticket. Where anything throws (the
   * host's stack running out, say), the request is taken back out and its seq given back, by
   * assignment, and nothing else of the batch changes. close throws only before it takes the batch,
   * so a request added here is either in the open batch or taken with it and settled.
   */
  function enqueue(policy: DecidingPolicy, request: unknown): Ticket {
    if (busy !== null) throw reentered("authorize");
    if (isLoadedForReplay(policy)) throw new TypeError(loadedForReplayProblem("the batch authorizer's authorize"));
    const open = batch;
    const before = open.length;
    const start = head;
    try {
      const ticket = new Ticket(whileBusy("deciding a request", () => prepare(policy, request, nowMs())));
      open.push(ticket);
      if (open.length >= maxBatch) close();
      else if (timer === null) timer = setTimeout(close, maxDelayMs);
      return ticket;
    } catch (e) {
      // (no call: the stack may have just run out)
      open.length = before;
      head = start;
      throw e;
    }
  }

  /**
   * authorizeBatch's work. Where the stack runs out, the batch under way is rolled back by
   * assignment, and once a batch is recorded nothing is left to do for it but assignments (seal).
   */
  function authorizeBatchOnce(policy: DecidingPolicy, requests: readonly unknown[]): BatchedAuthorization[] {
    if (busy !== null) throw reentered("authorizeBatch");
    // before the open batch is closed: a refused call changes nothing
    if (isLoadedForReplay(policy)) throw new TypeError(loadedForReplayProblem("authorizeBatch"));
    if (!isArray(requests)) throw new TypeError("authorizeBatch takes an array of requests");
    // one call issues as many artifacts as its list says it holds, each read by its index (a hole
    // is a missing request, denied): a length of 2^32 − 1 holding nothing would sign for hours
    const n = requests.length;
    if (n > MAX_COPIED_ELEMENTS) throw new RangeError(`authorizeBatch takes at most ${MAX_COPIED_ELEMENTS} requests a call, and \`requests\` says it holds ${n} (its length)`);
    close();
    return whileBusy("running authorizeBatch", () => {
      const out: BatchedAuthorization[] = [];
      for (let from = 0; from < requests.length; from += maxBatch) {
        const start = head;
        try {
          const prepared: Prepared[] = [];
          for (let i = from; i < Math.min(from + maxBatch, requests.length); i++) prepared.push(prepare(policy, ownElement(requests, i), nowMs()));
          seal(prepared, out);
        } catch (e) {
          // (what seal added to `out` for this batch goes with it: nothing is returned)
          head = start;
          throw e;
        } finally {
          batchStart = head;
        }
      }
      return out;
    });
  }

  return {
    // An async function: once it has begun, whatever happens is its promise's outcome, at any depth
    // (only a call that cannot begin at all throws, as any call would).
    async authorize(policy, request) {
      let ticket: Ticket;
      try {
        ticket = enqueue(policy, request);
      } catch (e) {
        // V8's own error is the stack having run out (enqueue undid what it had done); anything
        // else goes through as it is. No call here: V8_STACK_MESSAGE.
        let failure: unknown = e;
        try {
          if (typeof e === "object" && e !== null && (e as Error).name === "RangeError" && (e as Error).message === STACK_MESSAGE) failure = AUTHORIZE_RAN_OUT;
        } catch {
          // a host's own object (the clock's or the policy's), whose prototype or message is code that threw: not V8's error
        }
        // rejected from a fresh stack: rejecting runs Node's rejection tracking, which would run out here too
        await undefined;
        throw failure;
      }
      // the engine calls the ticket's `then` from a microtask (Ticket says why)
      return ticket;
    },
    authorizeBatch(policy, requests) {
      try {
        return authorizeBatchOnce(policy, requests);
      } catch (e) {
        // V8's own error, or the lineage log's for an append the stack ran out in (nothing was
        // recorded); anything else goes through as it is. No call here: V8_STACK_MESSAGE.
        let failure: unknown = e;
        try {
          if (e === LOG_RAN_OUT || (typeof e === "object" && e !== null && (e as Error).name === "RangeError" && (e as Error).message === STACK_MESSAGE)) failure = BATCH_RAN_OUT;
        } catch {
          // a host's own object (the clock's or the sink's), whose prototype or message is code that threw: not V8's error
        }
        throw failure;
      }
    },
    flush() {
      if (busy !== null) throw reentered("flush");
      close();
    },
    get head() {
      // No head exists to resume from while a batch is open: its seqs are taken, its link not yet made
      if (batch.length > 0 || busy !== null) throw new Error(unresumableHead(batch.length, busy));
      // Frozen as it is handed out (its `prev` is frozen already: signer.ts): the authorizer replaces
      // its head rather than changing it, so freezing here costs nothing per decision, and a host's
      // edit of what it was handed cannot reach the link the next batch is signed with.
      return Object.freeze(head);
    },
    get pending() {
      return batch.length;
    },
  };
}
