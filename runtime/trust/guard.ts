// guard: run an action only after an allow whose artifact verifies for this very request, handing it
// the request as verified (Grant.request). On a deny, an invalid artifact, a faulty policy, a bad
// request or a failed lineage append, the action never runs and the caller gets a GuardError with a
// code and the reasons.

import type { Decision } from "../decision.js";
import type { DigestPair } from "../crypto/digest.js";
import type { DecidingPolicy } from "../policy-types.js";
import { isDigestPair } from "../crypto/digest.js";
import { authorizeRead, checkTtl, DEFAULT_TTL_SECONDS, lineageProblem, requireSynchronous, type AuthorizeOptions } from "./authorize.js";
import { readRequest, requestSchemaOf } from "./request-digest.js";
import { expiryOf, POLICY_FAULT_RULE } from "./statement.js";
import { verifyArtifact, type VerifyArtifactOptions } from "./verify-artifact.js";
import { readCheckOptions, type CheckedOptions } from "./artifact-checks.js";
import { batchedSignerProblem, headCellOf, requireIssuable, type Signer } from "./signer.js";
import type { LineageSink, PublicKey, Statement } from "./types.js";
import { describeThrown, shownOption } from "../thrown.js";
import { readClock } from "./clock.js";
import { bytesEqual } from "../crypto/base64url.js";
import { ownMember } from "../own.js";
import { ranOutOfStack } from "../stack-ran-out.js";
import { optionNames, unknownOptionProblem } from "../option-names.js";
import { isLoadedForReplay, loadedForReplayProblem } from "../replay-loaded.js";

/** `bad_options`: the caller's options cannot be used (found before anything is decided or signed) */
export type GuardErrorCode = "denied" | "invalid_request" | "policy_error" | "artifact_invalid" | "lineage_failed" | "bad_options";

export class GuardError extends Error {
  constructor(
    readonly code: GuardErrorCode,
    readonly reasons: readonly string[],
    /** the decision, when one was reached */
    readonly decision?: Decision,
    /** the issued artifact (a deny is issued and recorded too) */
    readonly artifact?: string,
  ) {
    super(`${code}: ${reasons.join("; ")}`);
    this.name = "GuardError";
  }
}

export interface GuardOptions extends AuthorizeOptions {
  /** issuer keys the artifact must verify against; the signer's own key when absent (undefined; null is refused) */
  readonly trustedKeys?: readonly PublicKey[];
  /** module digests accepted; the policy's own digests when absent (undefined; null is refused) */
  readonly trustedPolicies?: readonly DigestPair[];
  readonly clockSkewSeconds?: number;
}

/** The names GuardOptions has: any other is refused (`trustedkeys` must not leave the default keys in place). */
const GUARD_OPTIONS = optionNames<GuardOptions>({
  signer: true,
  lineage: true,
  ttlSeconds: true,
  now: true,
  trustedKeys: true,
  trustedPolicies: true,
  clockSkewSeconds: true,
});

/** What the action is handed: the verified artifact, its statement, and the request they are about. */
export interface Grant {
  readonly artifact: string;
  readonly statement: Statement;
  /**
   * The request as decided, signed and verified: the value of its canonical JSON (the text whose
   * SHA3-512 is `statement.request.sha3_512`), deep-frozen. The action must act on this, not on the
   * object it handed guard, which a getter or an edit made while guard awaited may have changed.
   */
  readonly request: unknown;
}

function denialReasons(d: Decision): string[] {
  const reasons = [
    ...d.rules.map((r) => `forbidden by ${r}`),
    ...d.errors.map((e) => (e.rule === null ? `invalid request at \`${e.path}\`: ${e.message}` : e.rule === POLICY_FAULT_RULE ? e.message : `${e.rule}: ${e.message}`)),
  ];
  return reasons.length > 0 ? reasons : ["no permit rule holds"];
}

export async function guard<T>(
  policy: DecidingPolicy,
  request: unknown,
  action: (grant: Grant) => T | Promise<T>,
  options: GuardOptions,
): Promise<T> {
  let progress: Progress | undefined;
  let grant: Grant;
  try {
    progress = { decision: undefined, artifact: undefined, sinkFailed: false, verified: false };
    grant = grantFor(policy, request, action, options, progress);
    // The action is called on a fresh stack. Called where guard was, near the end of the host's
    // stack, the call could fail before the action's code began, and nothing tells that failure from
    // one the action throws: it went out as the action's own RangeError, after an allow was recorded
    // and verified. Here, the stack running out is a GuardError; after this await, the action has
    // the host's whole stack, and what it throws is its own.
    await undefined;
  } catch (e) {
    // Called too deep, guard may run out of the host's stack anywhere, this handler too: what it
    // rejects with is made after an await, on a fresh stack, and is a GuardError all the same.
    await undefined;
    throw e instanceof GuardError ? e : unfinishedError(e, progress);
  }
  return await action(grant);
}

/** How far a guard call got: what it issued, for the GuardError of a call that could not finish. */
interface Progress {
  decision: Decision | undefined;
  artifact: string | undefined;
  sinkFailed: boolean;
  /** the artifact verified: all that was left was to call the action */
  verified: boolean;
}

/**
 * The GuardError for a call that threw other than a GuardError before the action (the host's
 * stack ran out, guard being called too deep): lineage_failed when the sink failed, artifact_invalid
 * when an artifact was issued (and is carried), verified or not, policy_error before that.
 */
function unfinishedError(e: unknown, progress: Progress | undefined): GuardError {
  const why = ranOutOfStack(e) ? "the host's stack ran out (guard was called too deep)" : describeThrown(e);
  const { decision, artifact, sinkFailed, verified } = progress ?? { decision: undefined, artifact: undefined, sinkFailed: false, verified: false };
  if (sinkFailed) return new GuardError("lineage_failed", [`the lineage log did not acknowledge the artifact (the action did not run): ${why}`], decision, artifact);
  if (verified) return new GuardError("artifact_invalid", [`the artifact was issued and verified, but the action could not be called (it did not run): ${why}`], decision, artifact);
  if (artifact !== undefined) return new GuardError("artifact_invalid", [`the artifact was issued but not verified (the action did not run): ${why}`], decision, artifact);
  return new GuardError("policy_error", [`authorization failed (the action did not run): ${why}`]);
}

/** The options as guard reads them, each once, before anything is decided: the rest of the call uses these values alone. */
interface ReadOptions {
  readonly signer: Signer;
  readonly lineage: LineageSink | undefined;
  readonly ttlSeconds: number | undefined;
  readonly at: Date;
  /** the policy's digests, copied as read: the statement states what was checked */
  readonly digests: DigestPair;
  /** what verification uses, read and copied once */
  readonly checks: CheckedOptions;
}

function badOptions(reason: string): GuardError {
  return new GuardError("bad_options", [reason]);
}

/** `read()`, or a bad_options GuardError saying `what` could not be read: a getter (or a Proxy's trap) that throws. */
function readOrRefuse<T>(what: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    throw badOptions(`${what} could not be read: ${describeThrown(e)}`);
  }
}

/** Each option as the object holds it, read once, a throw naming the option. */
function readGivenOptions(options: object): { [K in keyof GuardOptions]-?: unknown } {
  // one left out is not what Object.prototype holds under its name (own.ts), or planted
  // `trustedKeys` would be the keys its artifact is verified with
  const read = (name: keyof GuardOptions & string): unknown => readOrRefuse(`\`${name}\``, () => ownMember(options, name));
  return {
    now: read("now"),
    signer: read("signer"),
    lineage: read("lineage"),
    ttlSeconds: read("ttlSeconds"),
    trustedKeys: read("trustedKeys"),
    trustedPolicies: read("trustedPolicies"),
    clockSkewSeconds: read("clockSkewSeconds"),
  };
}

// Function.prototype.toString as this module found it: a host's replacement is not asked what a
// class is
const functionText = Function.prototype.toString;

// The parts of CLASS_TEXT: what JavaScript (a script, with Annex B's HTML-like comments) skips
// between `class` and what follows it, each part matched whole and each beginning otherwise, so that
// a text that is no class is refused in one pass, not by trying every way to split it.
/** whitespace within a line, and the characters that end one */
const SPACE = String.raw`[^\S\n\r\u2028\u2029]`;
const LINE_END = String.raw`[\n\r\u2028\u2029]`;
/** a block comment to its first `*` `/` (not on to one in the body), on one line or over several */
const ONE_LINE_BLOCK = String.raw`/\*(?:[^*\n\r\u2028\u2029]|\*(?!/))*\*/`;
const LINES_BLOCK = String.raw`/\*(?:[^*\n\r\u2028\u2029]|\*(?!/))*${LINE_END}(?:[^*]|\*(?!/))*\*/`;
/** to the end of its line (not cut short before a letter in it) */
const REST_OF_LINE = String.raw`.*(?!.)`;
/**
 * A line's beginning: its end of line (or a block comment over lines, which ends one), then all the
 * whitespace and one-line block comments that follow, taken at once (a lookahead, which is not gone
 * back into, and its capture), then, when `-->` is next, the rest of the line: only there is `-->` a
 * comment.
 */
const LINE_START = String.raw`(?:${LINE_END}|${LINES_BLOCK})(?=((?:${SPACE}|${ONE_LINE_BLOCK})*))\1(?:-->${REST_OF_LINE})?`;

/**
 * A class's source text: `class`, then its name, `extends` or its body (`{`), past whitespace and
 * comments, a name only after one of them. A method named `class` (`{ class() {} }`), the one other
 * function whose text starts with `class`, has `(` there; a function of any other kind starts
 * otherwise (`function`, `async`, its name, `get `, `*`, `(`), a native one with `function`. The
 * comments are those JavaScript reads in a script or a CommonJS module: block comments, line comments
 * (`//`), and Annex B's HTML-like ones, `<!--` to the end of its line anywhere, and `-->` to the end of
 * its line where only whitespace and block comments precede it on that line (the line begun by a
 * line end or by a block comment over lines). Missed, a class written `class <!-- note` with its
 * name on the next line was taken for a function, and its allow signed and logged for an action that
 * then threw.
 */
const CLASS_TEXT = new RegExp(
  String.raw`^class(?:${SPACE}|${ONE_LINE_BLOCK}|//${REST_OF_LINE}|<!--${REST_OF_LINE}|${LINE_START})*(?:\{|(?<=[\s/])[\p{ID_Start}$_\\])`,
  "u",
);

/** Whether `action` (a function) is a class constructor, told from its source text alone: nothing of the host's is called. */
function isClass(action: object): boolean {
  let text: unknown;
  try {
    text = Reflect.apply(functionText, action, []);
  } catch {
    return false; // not a function toString answers for: not told to be a class
  }
  return typeof text === "string" && CLASS_TEXT.test(text);
}

/**
 * What keeps `action` from being called as guard calls it (`action(grant)`), as far as can be told
 * without calling it, or null: it must be a function, and not a class, whose constructor refuses a
 * call without `new`. A class bound (`Transfer.bind(null)`) or behind a Proxy shows no source text,
 * and a revoked Proxy of a function is still a function: those pass, and their call's TypeError
 * rejects guard's promise as the action's own error would, the allow issued (docs/artifacts.md).
 */
function actionProblemOf(action: unknown): string | null {
  if (typeof action !== "function") return `the action must be a function, got ${shownOption(action)}`;
  if (isClass(action)) return "the action must be a function guard can call as `action(grant)`, got a class (a class constructor cannot be called without `new`)";
  return null;
}

/**
 * Reads the options, the signer's key and path, and the policy's digests, each once, and refuses
 * (bad_options) whatever would keep the action from running: an allow must not be signed and logged
 * for an action that then does not run. authorize and verifyArtifact are handed the values read
 * here, never the host's objects again: a getter answering differently on a second read had the
 * pre-check pass and the verification refuse, after the allow was signed and logged.
 */
function readGuardOptions(policy: DecidingPolicy, action: unknown, options: GuardOptions): ReadOptions {
  const actionProblem = actionProblemOf(action);
  if (actionProblem !== null) throw badOptions(actionProblem);
  if (typeof options !== "object" || options === null) throw badOptions("guard needs options giving at least `signer`");
  const unknown = unknownOptionProblem(options, GUARD_OPTIONS);
  if (unknown !== null) throw badOptions(unknown);
  const given = readGivenOptions(options);
  const clock = readClock(given.now);
  if (!clock.ok) throw badOptions(clock.message);
  const at = new Date(clock.ms);
  const { signer, ttlSeconds } = readIssuing(given.signer, given.ttlSeconds, clock.ms);
  const signerKey = readOrRefuse("the signer's `publicKey`", () => signer.publicKey);
  const path = readOrRefuse("the signer's `path`", () => signer.path);
  if ((typeof policy !== "object" && typeof policy !== "function") || policy === null) throw badOptions(`there is no policy: guard decides with one (loadPolicy makes one), got ${shownOption(policy)}`);
  // asked of the host's object itself: authorize is handed a copy stating the digests read here
  if (isLoadedForReplay(policy)) throw badOptions(loadedForReplayProblem("guard"));
  const digests = copyDigests(policy);
  const sinkProblem = readOrRefuse("the lineage sink's `append`", () => lineageProblem(given.lineage));
  if (sinkProblem !== null) throw badOptions(sinkProblem);
  if (!isDigestPair(digests)) throw badOptions("the policy's digests are not two digests of 128 hex digits ({ sha3_512, blake2b_512 }): its artifacts would not verify");
  const checks = readCheckOptions({
    trustedKeys: listOrDefault("trustedKeys", given.trustedKeys, "public keys", [signerKey], "the signer's key"),
    trustedPolicies: listOrDefault("trustedPolicies", given.trustedPolicies, "digest pairs", [digests], "the policy's digests"),
    requireAllow: true,
    now: at,
    clockSkewSeconds: given.clockSkewSeconds,
    path,
  });
  if (!checks.ok) throw badOptions(checks.message);
  requireVerifiable(checks.options, signerKey, digests);
  return { signer, lineage: given.lineage as LineageSink | undefined, ttlSeconds, at, digests, checks: checks.options };
}

/**
 * `list` as given, `absent` when it is left out (undefined). Anything else that is no list is
 * refused, null as verifyArtifact refuses it: it does not stand for the default.
 */
function listOrDefault(name: string, list: unknown, of: string, absent: readonly unknown[], absentText: string): unknown {
  if (list === undefined) return absent;
  if (!Array.isArray(list)) throw badOptions(`\`${name}\` must be a list of ${of}, or left out for ${absentText}; got ${shownOption(list)}`);
  return list;
}

/**
 * The signer and the validity, refused now (bad_options) where authorize would refuse them after
 * the request was read and the policy's code run: no signer, one createSigner did not make, one a
 * batch authorizer has taken, or one past its last seq; a ttl that is no whole number of seconds in
 * range; a clock so late that the artifact would expire after the last date. The checks are
 * authorize's own (checkTtl, expiryOf, batchedSignerProblem, requireIssuable), so guard refuses what
 * it refuses, with its words.
 */
function readIssuing(given: unknown, ttl: unknown, ms: number): { signer: Signer; ttlSeconds: number } {
  if (given === undefined) throw badOptions("there is no `signer`: guard signs with one (createSigner makes one)");
  const cell = headCellOf(given);
  if (cell === undefined) throw badOptions(`\`signer\` must be a signer createSigner made, got ${shownOption(given)}`);
  // asked again once authorize has refused (grantFor): the host's code that runs after this may take it
  const taken = batchedSignerProblem(cell);
  if (taken !== null) throw badOptions(taken);
  const ttlSeconds = ttl ?? DEFAULT_TTL_SECONDS;
  try {
    checkTtl(ttlSeconds);
    // iat as authorize takes it from the clock
    expiryOf(Math.floor(ms / 1000), ttlSeconds as number);
    requireIssuable(cell.head.seq);
  } catch (e) {
    throw badOptions(describeThrown(e));
  }
  return { signer: given as Signer, ttlSeconds: ttlSeconds as number };
}

/** Why `signer` (one readIssuing took) cannot issue now, a batch authorizer having taken its chain, or null. */
function signerTakenProblem(signer: Signer): string | null {
  const cell = headCellOf(signer);
  return cell === undefined ? null : batchedSignerProblem(cell);
}

/** A policy's digests, each read once into a frozen pair (not checked here), a throw naming the member. */
function copyDigests(policy: DecidingPolicy): unknown {
  const d: unknown = readOrRefuse("the policy's `digests`", () => policy.digests);
  if (typeof d !== "object" || d === null) return d;
  return Object.freeze({
    sha3_512: readOrRefuse("the policy's `digests.sha3_512`", () => ownMember(d, "sha3_512")),
    blake2b_512: readOrRefuse("the policy's `digests.blake2b_512`", () => ownMember(d, "blake2b_512")),
  });
}

/**
 * Refuses now what verification would refuse whatever is decided, before anything is signed and
 * logged: an allow for an action that then does not run must not be on record.
 */
function requireVerifiable(checks: CheckedOptions, signerKey: PublicKey, digests: DigestPair): void {
  const signerBytes = signerKey?.bytes;
  // the key verifyArtifact takes for the signer's kid: the first of that id
  const trusted = checks.trustedKeys.find((k) => k.keyId === signerKey?.keyId);
  if (!(signerBytes instanceof Uint8Array) || trusted === undefined || !bytesEqual(trusted.bytes, signerBytes))
    throw badOptions("trustedKeys does not hold the signer's public key: its artifacts would not verify");
  const trustedPolicies = checks.trustedPolicies;
  if (trustedPolicies !== undefined && !trustedPolicies.some((d) => d.sha3_512 === digests.sha3_512 && d.blake2b_512 === digests.blake2b_512))
    throw badOptions("trustedPolicies does not hold the policy's digests: its artifacts would not verify");
}

/**
 * `policy` stating the digests guard read and checked. Read again by authorize, a host's policy whose
 * `digests` answered differently had an allow signed, and logged, naming a module the verification
 * then refused. The rest is read from `policy` when authorize reads it.
 */
function withDigests(policy: DecidingPolicy, digests: DigestPair): DecidingPolicy {
  return {
    get name() {
      return policy.name;
    },
    get version() {
      return policy.version;
    },
    get manifest() {
      return policy.manifest;
    },
    get module() {
      return policy.module;
    },
    digests,
    decide: (request: unknown) => policy.decide(request),
  };
}

/**
 * The sink authorize is handed: the host's, with what it did noted in `progress`. Its append's
 * result is judged here (requireSynchronous, which reads its `then` once), and authorize is handed
 * nothing to read again: read twice, a getter answering differently had a promise taken for a
 * record, or the refusal taken for the policy's fault.
 */
function recordingSink(lineage: LineageSink, progress: Progress): LineageSink {
  return {
    append(artifact: string, statement: Statement): void {
      try {
        requireSynchronous(lineage.append(artifact, statement), "the lineage sink's append");
      } catch (e) {
        progress.sinkFailed = true;
        throw e;
      }
      // recorded: issued, whatever happens next
      progress.artifact = artifact;
    },
  };
}

/** The verification of the issued artifact: the options as read, against the request as signed. */
function verificationOf(read: ReadOptions, request: unknown): VerifyArtifactOptions {
  const { trustedKeys, trustedPolicies, skew, path } = read.checks;
  return { trustedKeys, trustedPolicies, requireAllow: true, now: read.at, clockSkewSeconds: skew, path, request };
}

/** What guard does before the action: the options read, the request decided, the allow issued and verified. Throws a GuardError. */
function grantFor<T>(policy: DecidingPolicy, request: unknown, action: (grant: Grant) => T | Promise<T>, options: GuardOptions, progress: Progress): Grant {
  // Whatever would keep the action from running is found before anything is decided: the action,
  // the options, the clock (read once) and what verification will use.
  const read = readGuardOptions(policy, action, options);
  const lineage = read.lineage === undefined ? undefined : recordingSink(read.lineage, progress);
  // Read once, as authorize reads it: the artifact is checked against the request that was decided
  // and signed. Checked against `request` itself, a getter answering differently on a second read
  // had an allow signed and logged and then the action refused.
  const once = readRequest(request, read.checks.path, requestSchemaOf(policy));
  let issued;
  try {
    const at = read.at;
    issued = authorizeRead(withDigests(policy, read.digests), once, { signer: read.signer, ttlSeconds: read.ttlSeconds, now: () => at, lineage });
  } catch (e) {
    const message = describeThrown(e);
    if (progress.sinkFailed) throw new GuardError("lineage_failed", [`the lineage log did not acknowledge the artifact (the action did not run): ${message}`]);
    // The host's code run since readIssuing (the request's getters, the policy's, the options'
    // members) made a batch authorizer on the signer: authorize refused to issue the seq that took,
    // and guard refuses the signer as it refuses one taken before it was called
    const taken = signerTakenProblem(read.signer);
    if (taken !== null) throw badOptions(taken);
    throw new GuardError("policy_error", [`authorization failed: ${message}`]);
  }
  const { decision, artifact } = issued;
  progress.decision = decision;
  progress.artifact = artifact;
  if (decision.errors.some((e) => e.rule === POLICY_FAULT_RULE && e.code === "internal"))
    throw new GuardError("policy_error", denialReasons(decision), decision, artifact);
  if (decision.errors.some((e) => e.rule === null)) throw new GuardError("invalid_request", denialReasons(decision), decision, artifact);
  if (decision.decision !== "allow") throw new GuardError("denied", denialReasons(decision), decision, artifact);

  // as signed: its canonical JSON (the policy, handed the copy, may have changed that), frozen:
  // verified, and handed to the action, as it is. A request without canonical JSON was denied above
  // (undefined, which no artifact is about, could not verify either).
  const signed: unknown = once.digest.ok ? frozenJson(once.digest.canonical) : undefined;
  const verified = verifyArtifact(artifact, verificationOf(read, signed));
  if (!verified.ok) throw new GuardError("artifact_invalid", [`${verified.code}: ${verified.message}`], decision, artifact);
  progress.verified = true;
  return { artifact, statement: verified.statement, request: signed };
}

/**
 * The value of JSON `text`, every object and array in it frozen (each once its members are: a
 * reviver is called from the leaves up). The action acts on this, not on the host's object, which
 * may read otherwise once guard has returned to the host's code (a getter, an edit while guard
 * awaited): what it holds is what the artifact's request digest covers, integers as JSON numbers
 * (a BigInt the digest took as its number, within ±(2^53 − 1)), maps and records as plain objects.
 */
function frozenJson(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => (typeof value === "object" && value !== null ? Object.freeze(value) : value));
}
