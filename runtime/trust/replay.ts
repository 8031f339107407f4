// Replay: given an artifact, the request and the policy module, re-evaluate and confirm the artifact
// states exactly what this module decides for this request — same module digests, same request
// digest, same decision, rules and errors. Replay checks the content, not who signed it (that is
// verifyArtifact's job), so an auditor can replay artifacts from issuers they do not hold keys for.

import { canonicalize } from "./jcs.js";
import type { CryptoPath } from "../crypto/digest.js";
import { readReplayPolicy } from "./replay-policy.js";
import type { DecidingPolicy } from "../policy-types.js";
import { readRequest, requestSchemaOf } from "./request-digest.js";
import { decideSafely, unrepresentableDecision } from "./statement.js";
import { statementOf } from "./artifact-statement.js";
import { describeThrown } from "../thrown.js";
import { shownCut, shownJson, shownName } from "../shown-name.js";
import { trimLineSpace } from "../strings.js";
import { isBatchedText } from "./batch-artifact.js";
import { openingProblem } from "./verify-artifact.js";
import type { Statement } from "./types.js";
import { ownOption } from "../own.js";
import { optionNames, unknownOptionProblem } from "../option-names.js";
import { shownOption } from "../thrown.js";

export type ReplayResult = { ok: true } | { ok: false; differences: string[] };

function short(hex: string): string {
  return `${hex.slice(0, 16)}…`;
}

/** A policy's name and version as a difference names them (the artifact's are unverified here: anyone's text). */
function named(p: { readonly name: string; readonly version: string }): string {
  return `${shownName(p.name)} ${shownName(p.version)}`;
}

/**
 * The `policy:` difference when a statement whose module digests are `policy`'s names another policy
 * name or version than the module does, or null. The module names its policy (its manifest section
 * binds name and version), so the statement must name the same: one that does not was not issued
 * by this module as it states. Shared with the log's replay (lineage-verify.ts).
 */
export function policyNameDifference(s: Statement, policy: DecidingPolicy): string | null {
  if (s.policy.name === policy.name && s.policy.version === policy.version) return null;
  return `policy: the artifact names ${named(s.policy)}, this module is ${named(policy)}`;
}

export interface ReplayOptions {
  /** the digest implementation the module and the request are digested with; the process default when absent */
  readonly path?: CryptoPath;
}

/** The names ReplayOptions has: any other is refused. */
const REPLAY_OPTIONS = optionNames<ReplayOptions>({ path: true });

/**
 * Re-decides and compares; never throws (a policy or options that cannot be used are a difference:
 * `options:` when the options are neither an object nor null, hold a name ReplayOptions does not have, or a `path`
 * that is not "native" or "noble", and then nothing else is compared).
 */
export function replayArtifact(token: string, request: unknown, policy: DecidingPolicy, options: ReplayOptions = {}): ReplayResult {
  try {
    const read = readReplayOptions(options);
    if (typeof read === "string") return { ok: false, differences: [`options: ${read}`] };
    return replay(token, request, policy, read);
  } catch (e) {
    return { ok: false, differences: [`replay failed: ${describeThrown(e)}`] };
  }
}

/** The options, read once, or what is wrong with them. */
function readReplayOptions(given: unknown): ReplayOptions | string {
  // null as no options, as replay has always taken it
  if (given === undefined || given === null) return {};
  if (typeof given !== "object" || given === null) return `the options must be an object, got ${shownOption(given)}`;
  const unknown = unknownOptionProblem(given, REPLAY_OPTIONS);
  if (unknown !== null) return unknown;
  // the option as the object holds it: one left out is not what Object.prototype holds under its name (own.ts)
  const path = ownOption(given as ReplayOptions, "path");
  if (path !== undefined && path !== "native" && path !== "noble") return `path must be "native" or "noble", got ${shownOption(path)}`;
  return { path };
}

function replay(token: string, request: unknown, given: unknown, options: ReplayOptions): ReplayResult {
  // either kind of artifact (a compact JWS, or a batched one), without checking signatures; read as
  // verifyArtifact reads it: only ASCII spaces and line ends around it are taken away, and one that
  // begins with neither kind's first character (a BOM) is refused for that, in its words
  const text = typeof token === "string" ? trimLineSpace(token) : undefined;
  const opening = text === undefined || isBatchedText(text) ? null : openingProblem(text);
  if (opening !== null) return { ok: false, differences: [`malformed: ${opening}`] };
  const read = text !== undefined ? statementOf(text) : ({ ok: false, reason: "an artifact is text" } as const);
  if (!read.ok) return { ok: false, differences: [`malformed: ${read.reason}`] };
  const s = read.statement;
  const differences: string[] = [];
  // A batched artifact's statement is signed only through its leaf in the tree the head signs: one
  // that no longer folds to that root is not what was issued, whoever holds the key (no key needed).
  if (read.batch !== null && !read.batch.proofHolds)
    differences.push(`proof: the statement is not leaf ${read.batch.index} of the tree its batch head states: it was changed after issue`);

  // The module's identity is its bytes: recomputed from the bytes read, rather than trusting what the
  // policy object claims; its members are read once, so that the module compared is the one whose
  // decide re-decides (replay-policy.ts)
  const policy = readReplayPolicy(given, options.path);
  if (policy === null) return { ok: false, differences: ["policy: not a loaded policy (its own name, version, module bytes and decide)"] };
  const module = policy.digests;
  if (module.sha3_512 !== s.policy.sha3_512 || module.blake2b_512 !== s.policy.blake2b_512)
    differences.push(
      `module: the artifact was issued by module sha3-512 ${short(s.policy.sha3_512)} (${named(s.policy)}), this module is ${short(module.sha3_512)} (${named(policy)})`,
    );
  else {
    const renamed = policyNameDifference(s, policy);
    if (renamed !== null) differences.push(renamed);
  }

  // read as authorize read it, along the policy's schema: a refusal then names the same path
  const { data, digest } = readRequest(request, options.path, requestSchemaOf(policy));
  if (digest.sha3_512 !== s.request.sha3_512)
    differences.push(
      digest.ok
        ? `request: the artifact was issued for request sha3-512 ${short(s.request.sha3_512)}, this request is ${short(digest.sha3_512)}`
        : `request: this request has no canonical JSON (${shownCut(digest.reason)} at \`${shownCut(digest.path)}\`)`,
    );

  const decision = digest.ok ? decideSafely(policy, data) : unrepresentableDecision(digest);
  if (decision.decision !== s.decision) differences.push(`decision: the artifact says ${s.decision}, re-evaluation gives ${decision.decision}`);
  // compared whole, shown cut and escaped: the artifact's rules and errors are anyone's text here
  if (canonicalize(s.rules) !== canonicalize(decision.rules)) differences.push(`rules: the artifact names ${shownJson(s.rules)}, re-evaluation gives ${shownJson(decision.rules)}`);
  if (canonicalize(s.errors) !== canonicalize(decision.errors))
    differences.push(`errors: the artifact records ${shownJson(s.errors)}, re-evaluation gives ${shownJson(decision.errors)}`);

  return differences.length === 0 ? { ok: true } : { ok: false, differences };
}
