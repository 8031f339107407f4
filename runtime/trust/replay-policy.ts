// The policy a replay re-decides with, read once: the module a statement is matched by and the
// decide that re-decides its request come from one reading of the host's object.

import { digestPair, type CryptoPath } from "../crypto/digest.js";
import type { Decision } from "../decision.js";
import type { Manifest } from "../manifest.js";
import type { DecidingPolicy } from "../policy-types.js";
import { ownMember } from "../own.js";

/**
 * The policy a replay uses (replayArtifact, verifyLog's `replay` option): its own members (own.ts) read once, into a frozen copy
 * whose `digests` are those of the module bytes read (computed here, not taken from the policy), and
 * whose `decide` calls the decide read, on the policy. The module a record is matched by and the
 * decide that re-decides it then come from the one reading: read again, a getter answering
 * differently had every record counted another module's, or records matched by one module
 * re-decided by another's decide. A host's policy object is taken as `authorize` and `guard` take
 * one (any object with a policy's members: neither asks whether loadPolicy made it; guard reads its
 * digests once, as this reads every member it uses). Unlike them, a replay takes a policy the replay
 * loaders made (replay-loaded.ts): re-deciding is what it is for. Null when it has not those members.
 */
export function readReplayPolicy(given: unknown, path: CryptoPath | undefined): DecidingPolicy | null {
  if (typeof given !== "object" || given === null) return null;
  const name = ownMember(given, "name");
  const version = ownMember(given, "version");
  const manifest = ownMember(given, "manifest");
  const module = ownMember(given, "module");
  const decide = ownMember(given, "decide");
  if (typeof name !== "string" || typeof version !== "string" || !(module instanceof Uint8Array) || typeof decide !== "function") return null;
  return Object.freeze({
    name,
    version,
    manifest: manifest as Manifest,
    module,
    digests: digestPair(module, path),
    decide: (request: unknown) => Reflect.apply(decide, given, [request]) as Decision,
  });
}
