// guard: run an action only after an allow whose artifact verifies for this very request. On a
// deny, an invalid artifact, a faulty policy, a bad request or a failed lineage append, the action
// never runs and the caller gets a GuardError with a code and the reasons.

import type { Decision } from "../decision.js";
import type { DigestPair } from "../crypto/digest.js";
import type { DecidingPolicy } from "../policy-types.js";
import { authorizeRead, type AuthorizeOptions } from "./authorize.js";
import { readRequest, requestSchemaOf } from "./request-digest.js";
import { POLICY_FAULT_RULE } from "./statement.js";
import { verifyArtifact } from "./verify-artifact.js";
import { readCheckOptions } from "./artifact-checks.js";
import type { PublicKey, Statement } from "./types.js";
import { describeThrown, shownOption } from "../thrown.js";
import { readClock } from "./clock.js";
import { bytesEqual } from "../crypto/base64url.js";
import { ownOption } from "../own.js";
import { ranOutOfStack } from "../stack-ran-out.js";
import { optionNames, unknownOptionProblem } from "../option-names.js";

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
  /** issuer keys the artifact must verify against; the signer's own key when absent */
  readonly trustedKeys?: readonly PublicKey[];
  /** module digests accepted; the policy's own digests when absent */
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

export interface Grant {
  readonly artifact: string;
  readonly statement: Statement;
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

/** What guard does before the action: the options read, the request decided, the allow issued and verified. Throws a GuardError. */
function grantFor<T>(policy: DecidingPolicy, request: unknown, action: (grant: Grant) => T | Promise<T>, options: GuardOptions, progress: Progress): Grant {
  // Whatever would keep the action from running is found before anything is decided: an allow must
  // not be signed and logged for an action that then does not run. So: the action, the options, the
  // clock (read once) and what verification will use.
  if (typeof action !== "function") throw new GuardError("bad_options", [`the action must be a function, got ${shownOption(action)}`]);
  if (typeof options !== "object" || options === null) throw new GuardError("bad_options", ["guard needs options giving at least `signer`"]);
  const unknown = unknownOptionProblem(options, GUARD_OPTIONS);
  if (unknown !== null) throw new GuardError("bad_options", [unknown]);
  // each option as the object holds it: one left out is not what Object.prototype holds under its
  // name (own.ts), or planted `trustedKeys` would be the keys its artifact is verified with
  const clock = readClock(ownOption(options, "now"));
  if (!clock.ok) throw new GuardError("bad_options", [clock.message]);
  const at = new Date(clock.ms);
  let verification;
  let signerKey: PublicKey;
  let policyDigests: DigestPair;
  // each option read once, here: authorize is handed these values, not the host's object again
  let signer: GuardOptions["signer"];
  let sink: GuardOptions["lineage"];
  let ttlSeconds: GuardOptions["ttlSeconds"];
  try {
    signer = ownOption(options, "signer") as GuardOptions["signer"];
    if (typeof signer !== "object" || signer === null) throw new Error("there is no `signer` (createSigner makes one)");
    sink = ownOption(options, "lineage");
    ttlSeconds = ownOption(options, "ttlSeconds");
    signerKey = signer.publicKey;
    policyDigests = policy.digests;
    verification = {
      trustedKeys: ownOption(options, "trustedKeys") ?? [signerKey],
      trustedPolicies: ownOption(options, "trustedPolicies") ?? [policyDigests],
      requireAllow: true,
      now: at,
      clockSkewSeconds: ownOption(options, "clockSkewSeconds"),
      path: signer.path,
    };
  } catch (e) {
    // no signer, no policy, or a getter that throws: the promise rejects with a GuardError all the same
    throw new GuardError("bad_options", [`the options or the policy could not be read: ${describeThrown(e)}`]);
  }
  const checks = readCheckOptions(verification);
  if (!checks.ok) throw new GuardError("bad_options", [checks.message]);
  // What verification will refuse whatever is decided is refused now, before anything is signed
  // and logged: an allow for an action that then does not run must not be on record.
  const signerBytes = signerKey?.bytes;
  if (!(signerBytes instanceof Uint8Array) || !checks.options.trustedKeys.some((k) => k.keyId === signerKey.keyId && bytesEqual(k.bytes, signerBytes)))
    throw new GuardError("bad_options", ["trustedKeys does not hold the signer's public key: its artifacts would not verify"]);
  const trustedPolicies = checks.options.trustedPolicies;
  if (trustedPolicies !== undefined && !trustedPolicies.some((d) => d.sha3_512 === policyDigests.sha3_512 && d.blake2b_512 === policyDigests.blake2b_512))
    throw new GuardError("bad_options", ["trustedPolicies does not hold the policy's digests: its artifacts would not verify"]);

  const lineage = sink;
  const recording = lineage && {
    append(artifact: string, statement: Statement): void {
      try {
        // its return value goes back to authorize, which refuses a sink that returns a promise
        const returned = lineage.append(artifact, statement);
        if (typeof returned === "object" && returned !== null && typeof (returned as { then?: unknown }).then === "function") progress.sinkFailed = true;
        // recorded: issued, whatever happens next
        progress.artifact = artifact;
        return returned;
      } catch (e) {
        progress.sinkFailed = true;
        throw e;
      }
    },
  };
  // Read once, as authorize reads it: the artifact is checked against the request that was decided
  // and signed. Checked against `request` itself, a getter answering differently on a second read
  // had an allow signed and logged and then the action refused.
  const read = readRequest(request, verification.path, requestSchemaOf(policy));
  let issued;
  try {
    issued = authorizeRead(policy, read, { signer, ttlSeconds, now: () => at, lineage: recording });
  } catch (e) {
    const message = describeThrown(e);
    if (progress.sinkFailed) throw new GuardError("lineage_failed", [`the lineage log did not acknowledge the artifact (the action did not run): ${message}`]);
    throw new GuardError("policy_error", [`authorization failed: ${message}`]);
  }
  const { decision, artifact } = issued;
  progress.decision = decision;
  progress.artifact = artifact;
  if (decision.errors.some((e) => e.rule === POLICY_FAULT_RULE && e.code === "internal"))
    throw new GuardError("policy_error", denialReasons(decision), decision, artifact);
  if (decision.errors.some((e) => e.rule === null)) throw new GuardError("invalid_request", denialReasons(decision), decision, artifact);
  if (decision.decision !== "allow") throw new GuardError("denied", denialReasons(decision), decision, artifact);

  // as signed: its canonical JSON (the policy, handed the copy, may have changed that; and a request
  // without canonical JSON was denied above)
  const signed: unknown = read.digest.ok ? JSON.parse(read.digest.canonical) : read.data;
  const verified = verifyArtifact(artifact, { ...verification, request: signed });
  if (!verified.ok) throw new GuardError("artifact_invalid", [`${verified.code}: ${verified.message}`], decision, artifact);
  progress.verified = true;
  return { artifact, statement: verified.statement };
}
