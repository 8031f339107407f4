// Issuing authorization artifacts: decide a request, state the decision with everything needed to
// check it later (policy digests, request digest, issuer, validity, lineage link), sign the statement
// as a compact JWS, record it, and advance the chain. Denials are issued too: the audit trail shows
// what was refused, not only what was allowed.

import type { Decision } from "../decision.js";
import type { DecidingPolicy } from "../policy-types.js";
import { readRequest, requestSchemaOf, type ReadRequest } from "./request-digest.js";
import { batchedSignerProblem, headAfter, headCellOf, requireIssuable, type HeadCell, type Signer } from "./signer.js";
import { withIssuedArtifact } from "./lineage-record.js";
import { buildStatement, canonicalStatement, decideSafely, statementTooLong, unrepresentableDecision } from "./statement.js";
import { MAX_ARTIFACT_LENGTH } from "./verify-artifact.js";
import { ARTIFACT_TYP, type LineageSink, type Statement } from "./types.js";
import { clockMs, INVALID_CLOCK, type Clock } from "./clock.js";
import { ownOption } from "../own.js";
import { optionNames, unknownOptionProblem } from "../option-names.js";
import { ranOutOfStack, V8_STACK_MESSAGE } from "../stack-ran-out.js";
import { describeThrown, shownOption } from "../thrown.js";
import { APPEND_RAN_OUT } from "./lineage.js";
import { isLoadedForReplay, loadedForReplayProblem } from "../replay-loaded.js";

export const DEFAULT_TTL_SECONDS = 300;

/**
 * Lineage sinks record synchronously: returning means recorded, and what they return is looked at
 * only for a `then`. One that returns a promise (an async database client, say) is refused —
 * whether the record was kept cannot be known, and its failure would surface later as an unhandled
 * rejection that ends the process — so nothing is issued. So is one that returns an object whose
 * `then` cannot be read (a revoked Proxy, a getter that throws): it may be a promise, and what
 * reading it threw is the sink's fault, said as such, not an error of authorize's own. `then` is
 * read once: read again, a getter answering a function and then nothing had a promise taken for a
 * record. A rejection the promise holds is handled here, not left unhandled. Where the stack runs
 * out reading it, that error goes through as it is (the callers tell it by its name and message).
 */
export function requireSynchronous(returned: unknown, what: string): void {
  if (typeof returned !== "object" || returned === null) return;
  let then: unknown;
  try {
    then = (returned as { then?: unknown }).then;
  } catch (e) {
    if (ranOutOfStack(e)) throw e;
    // what reading it threw last: a message quoting this one (guard's) may be cut
    throw new TypeError(`${what} returned an object whose \`then\` could not be read, which may be a promise: lineage sinks record synchronously, so nothing was issued (reading it threw: ${describeThrown(e)})`);
  }
  if (typeof then !== "function") return;
  try {
    Reflect.apply(then, returned, [undefined, () => {}]);
  } catch {
    // its own failure: a promise is refused all the same
  }
  throw new TypeError(`${what} returned a promise: lineage sinks record synchronously, so nothing was issued`);
}


/**
 * The longest validity an artifact may be issued with: a hundred years. `exp` = `iat` + ttl must stay
 * an exact integer, which verifiers (and the lineage log's reader) insist on; a ttl near 2^53 would
 * issue, and append, an artifact that nothing can read back.
 */
export const MAX_TTL_SECONDS = 100 * 366 * 24 * 3600;

/**
 * Throws a RangeError unless `ttl` is a whole number of seconds from 1 to MAX_TTL_SECONDS, naming
 * what it is: a number as it is, anything else as shownOption names it (`"5"`, an object), never as
 * the number a template would make of it (`[7]` printed as 7).
 */
export function checkTtl(ttl: unknown): void {
  if (!Number.isSafeInteger(ttl) || (ttl as number) <= 0 || (ttl as number) > MAX_TTL_SECONDS)
    throw new RangeError(`ttlSeconds must be a whole number of seconds from 1 to ${MAX_TTL_SECONDS} (a hundred years), got ${typeof ttl === "number" ? ttl : shownOption(ttl)}`);
}

export interface AuthorizeOptions {
  readonly signer: Signer;
  /** receives every artifact before it is returned (the lineage log) */
  readonly lineage?: LineageSink;
  /** validity from `iat` to `exp`; a positive integer, 300 when absent */
  readonly ttlSeconds?: number;
  /** the time of the decision: a Date, or a function returning one (clock.ts); tests pin it */
  readonly now?: Clock;
}

/** The names AuthorizeOptions has: any other is refused, as a ttl that is none is. */
const AUTHORIZE_OPTIONS = optionNames<AuthorizeOptions>({ signer: true, lineage: true, ttlSeconds: true, now: true });

/**
 * What is wrong with `lineage` as a lineage sink, or null: absent (undefined) is no log, and anything
 * else must be an object with an `append` function. `false`, `0` or `""` left the artifact unrecorded
 * without a word, and a path where a log was meant (`"log.jsonl"`) failed only once the decision was
 * signed. A sink whose `append` cannot be read (a revoked Proxy, a getter that throws) is named so,
 * with what reading it threw. guard reads the option with it too.
 */
export function lineageProblem(lineage: unknown): string | null {
  if (lineage === undefined) return null;
  let append: unknown;
  try {
    append = typeof lineage === "object" && lineage !== null ? (lineage as { append?: unknown }).append : undefined;
  } catch (e) {
    // a revoked Proxy, a getter that throws: named as the option it is, not as V8's bare message
    return `the lineage sink's \`append\` could not be read: ${describeThrown(e)}`;
  }
  if (typeof append === "function") return null;
  return `lineage must be a lineage sink (an object with an append function, as openLog returns), or left out for no log; got ${shownOption(lineage)}`;
}

/**
 * The options, each read once, before anything is decided; a TypeError for options that are no
 * object, hold a name AuthorizeOptions does not have (`ttlseconds` must not leave the default
 * validity in place without a word), a signer createSigner did not make or one a batch authorizer
 * has taken (asked again at issue: the getters read after it may take it) or a lineage that is no
 * sink (lineageProblem), and a RangeError for a ttl that is not a whole number of seconds.
 */
function readAuthorizeOptions(options: unknown): { signer: Signer; cell: HeadCell; lineage: LineageSink | undefined; ttl: number; now: Clock | undefined } {
  if (typeof options !== "object" || options === null) throw new TypeError("authorize needs options giving at least `signer` (createSigner makes one)");
  const unknown = unknownOptionProblem(options, AUTHORIZE_OPTIONS);
  if (unknown !== null) throw new TypeError(`authorize: ${unknown}`);
  // each option as the object holds it: one left out is not what Object.prototype holds under its
  // name (own.ts), or a planted `ttlSeconds` would lengthen every artifact's validity
  const o = options as AuthorizeOptions;
  const ttl = ownOption(o, "ttlSeconds") ?? DEFAULT_TTL_SECONDS;
  checkTtl(ttl);
  const now = ownOption(o, "now");
  const signer = ownOption(o, "signer") as Signer;
  // where the head is set once the artifact is recorded (issue)
  const cell = headCellOf(signer);
  if (cell === undefined) throw new TypeError(`authorize: \`signer\` must be a signer createSigner made, got ${shownOption(signer)}`);
  // a batch authorizer issues this signer's seqs from the head it took, which this one does not see
  const taken = batchedSignerProblem(cell);
  if (taken !== null) throw new TypeError(`authorize: ${taken}`);
  const lineage = ownOption(o, "lineage");
  const problem = lineageProblem(lineage);
  if (problem !== null) throw new TypeError(`authorize: ${problem}`);
  return { signer, cell, lineage, ttl, now };
}

export interface Authorization {
  readonly decision: Decision;
  /** compact JWS, header `{alg: "EdDSA", kid, typ: "writ-authz+jws"}`, payload the statement's canonical JSON */
  readonly artifact: string;
  readonly statement: Statement;
}

const CALLED_BACK =
  "authorize was called back with the same signer while this artifact was being made (from the request's getters, the policy's code or the signer): that call issued the seq this one was stated at, so this one was not issued";

const CALLED_BACK_RECORDING =
  "authorize was called back with the same signer from the lineage sink while it recorded that signer's artifact: the artifact being recorded holds the seq this call would take, so nothing was issued for this call";

/**
 * The signers whose artifact a lineage sink is recording now, innermost first (a sink may authorize
 * with another signer, whose sink may do the same). A call back with one of them is refused: the seq
 * it would take is the one being recorded, and the signer advances from it once the sink returns.
 * A list of plain objects, set and restored by assignment alone, so that leaving a sink near the end
 * of the stack cannot fail to unmark a signer and leave it refusing every later call.
 */
interface Recording {
  readonly signer: Signer;
  readonly outer: Recording | null;
}
let recording: Recording | null = null;

/** Whether a lineage sink is recording an artifact of `signer` now (code it calls is a call back). */
export function isRecording(signer: Signer): boolean {
  for (let r = recording; r !== null; r = r.outer) if (r.signer === signer) return true;
  return false;
}

/** Throws unless no lineage sink is recording an artifact of `signer` (a call back from one). */
function requireNotRecording(signer: Signer): void {
  if (isRecording(signer)) throw new Error(CALLED_BACK_RECORDING);
}

// What authorize throws where the host's stack runs out (it was called too deep): built beforehand
// and frozen, since where it is thrown not even an error can be made. Plain Errors, as for a call
// back: not the RangeError of a setup authorize refuses, nor V8's own. The handlers that throw them
// make no call (V8_STACK_MESSAGE says why), and read what they compare with from this module's own
// constants: a module loader may hand an imported binding through a getter, which is a call.
const STACK_MESSAGE = V8_STACK_MESSAGE;
const LOG_RAN_OUT = APPEND_RAN_OUT;
/** The stack ran out before the sink was given the artifact, or in a LineageLog that says it recorded nothing. */
const RAN_OUT = Object.freeze(
  new Error(
    "authorize did not finish: the host's stack ran out before the artifact was recorded (authorize was called too deep); nothing was issued or recorded for it, and it did not move the signer's head: authorize again from a shallower call",
  ),
);
/** The stack ran out while the sink was being called: it may have recorded the artifact before. */
const RAN_OUT_RECORDING = Object.freeze(
  new Error(
    "authorize did not finish: the host's stack ran out while the lineage sink was recording the artifact (authorize was called too deep); it was not issued and did not move the signer's head, but the sink may hold a record of it, as a sink that fails after recording does: continue the signer from what the sink holds",
  ),
);

/**
 * Hands the artifact to the sink with its signer marked as recording, whatever the sink does. The
 * stack running out here is RAN_OUT_RECORDING (or RAN_OUT, where the lineage log says it recorded
 * nothing); anything else the sink throws goes through as it is.
 */
function record(lineage: LineageSink, signer: Signer, artifact: string, statement: Statement): void {
  const outer = recording;
  recording = { signer, outer };
  try {
    const returned = withIssuedArtifact(artifact, statement, () => lineage.append(artifact, statement));
    // No call once the sink has returned (having recorded), but for what may be a promise: near the
    // end of the stack the call could fail, and the caller be told that a recorded artifact was not issued.
    if (typeof returned === "object" && returned !== null) requireSynchronous(returned, "the lineage sink's append");
  } catch (e) {
    let failure: unknown = e;
    try {
      if (e === LOG_RAN_OUT) failure = RAN_OUT;
      else if (typeof e === "object" && e !== null && (e as Error).name === "RangeError" && (e as Error).message === STACK_MESSAGE) failure = RAN_OUT_RECORDING;
    } catch {
      // a sink's own object, whose prototype or message is code that threw: not V8's error
    }
    throw failure;
  } finally {
    recording = outer;
  }
}

/**
 * Decides `request` with `policy` and issues the signed artifact. Never throws for a bad request or a
 * policy whose decide is faulty (both are denies stated in the artifact). Throws only when the
 * caller's setup is wrong (options that are no object, hold a name AuthorizeOptions does not have, a
 * signer createSigner did not make or a lineage that is no sink, a policy loaded for replay
 * (loadPolicyForReplay: it re-decides, and loadPolicy loads the policy to issue with), a policy
 * object whose name, version or digests no statement can hold, or whose statement would make an
 * artifact longer than verifiers read, so that not even a deny can be issued: TypeError; a ttl that
 * is not a positive integer, a clock that is not a Date, a signer whose chain is past its last seq:
 * RangeError), the
 * lineage sink throws, or code of the host's that runs meanwhile called authorize with the same
 * signer (an Error: that call issued the seq this one would have) or made a batch authorizer on it
 * (the TypeError of a taken signer: it took the chain at this seq); then nothing was issued and the
 * signer's chain head is the one before (or the call back's). A call back from the lineage sink is
 * refused instead (an Error, nothing issued for it): the artifact the sink is recording holds the seq
 * it would take. Called so deep that the host's stack runs out, it throws an Error built beforehand
 * saying so (RAN_OUT, or RAN_OUT_RECORDING where the sink was being called), having not moved the head.
 */
export function authorize(policy: DecidingPolicy, request: unknown, options: AuthorizeOptions): Authorization {
  try {
    // read once: the decision and the digest are of the same request (readRequest)
    return issue(policy, options, request, undefined);
  } catch (e) {
    // V8's own error is the stack having run out before the sink was called (record says what it
    // was in the sink); anything else goes through as it is. No call here: V8_STACK_MESSAGE.
    let failure: unknown = e;
    try {
      if (typeof e === "object" && e !== null && (e as Error).name === "RangeError" && (e as Error).message === STACK_MESSAGE) failure = RAN_OUT;
    } catch {
      // a host's own object (the clock's or the sink's), whose prototype or message is code that threw: not V8's error
    }
    throw failure;
  }
}

/**
 * authorize, for a request its caller has read already (readRequest, with the signer's path and
 * requestSchemaOf(policy)): guard checks the artifact against the very copy that was decided.
 */
export function authorizeRead(policy: DecidingPolicy, read: ReadRequest, options: AuthorizeOptions): Authorization {
  try {
    return issue(policy, options, undefined, read);
  } catch (e) {
    // (as in authorize)
    let failure: unknown = e;
    try {
      if (typeof e === "object" && e !== null && (e as Error).name === "RangeError" && (e as Error).message === STACK_MESSAGE) failure = RAN_OUT;
    } catch {
      // not V8's error
    }
    throw failure;
  }
}

/**
 * authorize's work: `request` read once the options are found usable, unless `read` holds it read.
 * Where the stack runs out before the sink is called, the stack's own error is thrown and nothing is
 * done (authorize says so); in the sink, record says so.
 */
function issue(policy: DecidingPolicy, options: AuthorizeOptions, request: unknown, read: ReadRequest | undefined): Authorization {
  // first (its `decide` the only thing of the host's read): its bundle may be one loadPolicy refuses
  if (isLoadedForReplay(policy)) throw new TypeError(loadedForReplayProblem("authorize"));
  const { signer, cell, lineage, ttl, now } = readAuthorizeOptions(options);
  const nowMs = clockMs(now);
  if (!Number.isFinite(nowMs)) throw new RangeError(INVALID_CLOCK);
  requireNotRecording(signer);
  // taken before any of the host's code runs (the request's getters, the policy's, its decide)
  const head = cell.head;
  // a seq past the last one issued would be signed and recorded, then read back by nothing
  requireIssuable(head.seq);

  const { data, digest } = read ?? readRequest(request, signer.path, requestSchemaOf(policy));
  const decision = digest.ok ? decideSafely(policy, data) : unrepresentableDecision(digest);

  const iat = Math.floor(nowMs / 1000);
  const statement: Statement = buildStatement({ policy, decision, requestSha3: digest.sha3_512, issuer: signer.keyId, iat, ttlSeconds: ttl, head });

  const payload = canonicalStatement(statement, policy);
  // an artifact longer than verifiers read (a policy's name of megabytes) is refused before it is signed
  const past = signer.typedLengthPast(ARTIFACT_TYP, payload, MAX_ARTIFACT_LENGTH);
  if (past !== null) throw statementTooLong(statement, `the artifact of this decision would be ${past} characters, more than the ${MAX_ARTIFACT_LENGTH} a verifier reads`);
  const artifact = signer.signTyped(ARTIFACT_TYP, payload);
  // A call back into authorize with this signer from that code issued the seq this statement
  // names: issued too, this one would fork the chain (two artifacts at one seq, the next unissued)
  if (cell.head.seq !== head.seq) throw new Error(CALLED_BACK);
  // Asked again here, after the last of the host's code before the sink (the options' and the
  // request's getters, the policy's): code there that made a batch authorizer on this signer gave
  // it the chain from `head`, and this artifact, issued too, would share its first seq
  const taken = batchedSignerProblem(cell);
  if (taken !== null) throw new TypeError(`authorize: ${taken}`);
  // The head after this artifact and what is returned, made before the sink records it: once it
  // has, nothing may be left that can fail (near the end of the host's stack any call can), or the
  // sink would hold an artifact the signer is not past and the caller was told was not issued.
  const after = headAfter(head, artifact, signer.path);
  const issued: Authorization = { decision, artifact, statement };
  // a call back from the sink is refused (record): the signer advances from `head`, once
  if (lineage !== undefined) record(lineage, signer, artifact, statement);
  cell.head = after;
  return issued;
}
