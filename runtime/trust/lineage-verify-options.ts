// The options of the lineage log's verifier (lineage-verify.ts): what VerifyLogOptions holds, and
// how a caller's options are read once and checked before any record is (a misspelt or mistyped
// option is refused as bad_options, not taken as absent).

import type { CryptoPath } from "../crypto/digest.js";
import { readReplayPolicy } from "./replay-policy.js";
import { readChainHead } from "./signer.js";
import { copyPublicKeys } from "./artifact-checks.js";
import type { DecidingPolicy } from "../policy-types.js";
import type { ChainHead, PublicKey, Statement } from "./types.js";
import { describeThrown, shownOption } from "../thrown.js";
import { ownMember } from "../own.js";
import { optionNames, unknownOptionProblem } from "../option-names.js";

/** A checkpoint of the log's head kept elsewhere: seq of the last record and its digests. */
export interface ExpectedHead {
  readonly seq: number;
  readonly sha3_512: string;
  /** optional: compared when given */
  readonly blake2b_512?: string;
}

export interface VerifyLogOptions {
  /** issuer keys: every artifact's signature is checked (without them only the chains are checked) */
  readonly trustedKeys?: readonly PublicKey[];
  /** a head recorded earlier: the log must still contain that record, unchanged */
  readonly expectHead?: ExpectedHead;
  /** re-decide with this policy: records from another module are counted, not failed (its name,
   *  version, manifest, module and decide are read once, when the options are) */
  readonly replay?: DecidingPolicy;
  /** the request behind a statement, found by its SHA3-512 digest; undefined when unknown */
  readonly requests?: (requestSha3: string, statement: Statement) => unknown;
  readonly path?: CryptoPath;
  /**
   * Where record 0's statement must continue the chain: genesis (`{ seq: 0, prev: null }`) when
   * absent, another head for a log that continues a chain recorded elsewhere (after rotation), or
   * `"any"` to accept whatever record 0 holds (then records removed from the start go unseen).
   */
  readonly chainStart?: ChainHead | "any";
}

/** The names VerifyLogOptions has: any other is refused (`trustedkeys` must not leave signatures unchecked). */
const VERIFY_LOG_OPTIONS = optionNames<VerifyLogOptions>({ trustedKeys: true, expectHead: true, replay: true, requests: true, path: true, chainStart: true });

/**
 * The options read once and checked, before any record is: a checkpoint whose `seq` is not a
 * whole number would match no record and be skipped (a replaced last record then verified), a
 * key file's `{ ok, key }` given as a key would be reported as record 0's bad signature, and a
 * misspelt `trustedKeys` would leave every signature unchecked without a word. Hex digests are taken
 * in either case. Returns the copy to use, or why the options cannot be used.
 */
export function readVerifyLogOptions(options: unknown): { ok: true; options: VerifyLogOptions } | { ok: false; reason: string } {
  const bad = (reason: string) => ({ ok: false as const, reason });
  // the copy has no prototype: an option it leaves out reads as undefined, not as what Object.prototype holds
  const out: { -readonly [K in keyof VerifyLogOptions]: VerifyLogOptions[K] } = Object.create(null);
  if (options === undefined) return { ok: true, options: out };
  if (typeof options !== "object" || options === null) return bad(`the options must be an object, got ${shownOption(options)}`);
  const unknown = unknownOptionProblem(options, VERIFY_LOG_OPTIONS);
  if (unknown !== null) return bad(unknown);
  try {
    // each option as the object holds it: one left out is not what Object.prototype holds under its
    // name (own.ts), or planted `trustedKeys` would have signatures reported verified with them
    const o = options as object;
    const keys = ownMember(o, "trustedKeys");
    if (keys !== undefined) {
      if (!Array.isArray(keys)) return bad("trustedKeys must be a list of public keys");
      const copied = copyPublicKeys(keys);
      if (!copied.ok) return bad(copied.message);
      out.trustedKeys = copied.keys;
    }
    const head = ownMember(o, "expectHead");
    if (head !== undefined) {
      const h = typeof head === "object" && head !== null ? head : {};
      const hex = (v: unknown) => (typeof v === "string" && /^[0-9a-fA-F]{128}$/.test(v) ? v.toLowerCase() : undefined);
      const seq = ownMember(h, "seq");
      const sha3 = hex(ownMember(h, "sha3_512"));
      const givenBlake = ownMember(h, "blake2b_512");
      const blake = givenBlake === undefined ? undefined : hex(givenBlake);
      if (!Number.isSafeInteger(seq) || (seq as number) < 0 || sha3 === undefined || (givenBlake !== undefined && blake === undefined))
        return bad("expectHead must be { seq: a whole number from 0, sha3_512: 128 hex digits, blake2b_512?: 128 hex digits } (a log's head, as writ audit head prints it)");
      out.expectHead = { seq: seq as number, sha3_512: sha3, ...(blake !== undefined ? { blake2b_512: blake } : {}) };
    }
    const path = ownMember(o, "path");
    if (path !== undefined && path !== "native" && path !== "noble") return bad('path must be "native" or "noble"');
    if (path !== undefined) out.path = path;
    // (after the path: the replay module is digested along it)
    const replay = ownMember(o, "replay");
    if (replay !== undefined) {
      const policy = readReplayPolicy(replay, out.path);
      // (its name and version too: a record of its module must name them, as `writ replay` checks)
      if (policy === null) return bad("replay must be a loaded policy (loadPolicy's result: its name, version, module and decide)");
      out.replay = policy;
    }
    const requests = ownMember(o, "requests");
    if (requests !== undefined && typeof requests !== "function") return bad("requests must be a function from a request digest to the request");
    if (requests !== undefined) out.requests = requests as VerifyLogOptions["requests"];
    const start = ownMember(o, "chainStart");
    if (start !== undefined && start !== "any") {
      const head = readChainHead(start);
      if (!head.ok) return bad(`chainStart must be "any" or a chain head { seq, prev } (a log's head().chain): ${head.message}`);
      out.chainStart = head.head;
    }
    if (start === "any") out.chainStart = "any";
    return { ok: true, options: out };
  } catch (e) {
    return bad(`reading the options threw: ${describeThrown(e)}`);
  }
}
