// `writ verify <artifact file | - | bundle dir | bundle file> --pub <public key>[,<key>...] [--input <request.json>]
// [--bundle <dir>] [--allow] [--at <time>]`: checks an authorization artifact (or a bundle, as it
// loads) and prints the statement, or the reason it was refused. Exit 0 verified, 1 refused.

import { givenPath } from "../../runtime/given-path.js";
import { digestPair } from "../../runtime/crypto/digest.js";
import { tryLoadPolicy } from "../../runtime/policy.js";
import { verifyBundle } from "../../runtime/trust/bundle.js";
import { readBundleResult } from "../../runtime/trust/bundle-files.js";
import type { PublicKey } from "../../runtime/trust/types.js";
import { verifyArtifact, type VerifyArtifactOptions } from "../../runtime/trust/verify-artifact.js";
import { bundleRefusalReason, isBundlePath } from "./bundle-dir.js";
import { loadPublicKeyList } from "./key-list.js";
import { readInputText, readRequestJson } from "./request-json.js";
import { commandLineProblem, decimalCount, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, flagString, parseArgs, printJson, refuseUsage, unknownFlags, type CliIO, type Command, emptyPathError } from "../io.js";
import { escapeControls } from "../../runtime/thrown.js";

/** A date, or a date and time with an optional zone: 2026-11-28, 2026-11-28T12:00:00Z, …+01:00 */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * `text` as a time, or why it is none. ISO 8601 as Date.parse reads it, and nothing else: `new
 * Date("1")` is the year 2001. And a day its month has: Date.parse rolls 2026-11-31 over to
 * 2026-12-01 (while it refuses 2026-11-32), so an artifact would be judged at another day than asked.
 */
function isoTime(text: string): Date | string {
  const when = new Date(text);
  if (!ISO_TIME.test(text) || Number.isNaN(when.getTime())) return "is not an ISO 8601 time";
  // a date alone is read as UTC midnight: written back, it is the same date only if the month has that day
  const day = text.slice(0, 10);
  if (new Date(day).toISOString().slice(0, 10) !== day) return `is not a date of the calendar: ${day.slice(0, 7)} has no day ${day.slice(8)}`;
  return when;
}

/** The options that judge an artifact, as parsed: a bundle is verified without any of them. */
const ARTIFACT_OPTIONS = ["input", "i", "bundle", "allow", "at", "skew"];

export const verifyCommand: Command = {
  name: "verify",
  summary: "verify an authorization artifact (or a signed bundle) and print its statement",
  usage: [
    "usage: writ verify <artifact file | - | bundle> --pub <public key>[,<public key>...] [options]",
    "",
    "  --pub <files>       trusted public keys (JWK or SPKI PEM), comma-separated",
    "  -i, --input <file>  the request the action is about to perform (`-` reads standard input);",
    "                      the artifact must have been issued for exactly this request",
    "  --bundle <dir>      trust only the decision module of this bundle (which must match its",
    "                      manifest's digests; `writ verify <dir>` checks the bundle itself)",
    "  --allow             refuse a valid artifact that records a deny",
    "  --at <time>         check validity at this ISO 8601 time instead of now (auditing old artifacts)",
    "  --skew <seconds>    clock skew tolerated on both ends of the validity window (default 30)",
    "",
    "Given a bundle instead (its directory, or one of its files: <name>.wasm, <name>.manifest.json,",
    "<name>.manifest.jws), verifies the bundle as every command loads it: its signature against --pub,",
    "the module's digests, and that the module is the one its manifest describes. The options that",
    "judge an artifact (--input, --bundle, --allow, --at, --skew) are refused with a bundle.",
    "Exit status: 0 verified (the statement is printed as JSON), 1 refused (the reason is printed).",
  ].join("\n"),
  async run(args, io) {
    const parsed = parseArgs(args, ["allow"]);
    const unknown = unknownFlags(parsed, ["pub", "input", "i", "bundle", "allow", "at", "skew"]);
    const pub = flagString(parsed, "pub");
    const problem = commandLineProblem("verify", parsed, unknown, { what: "<artifact file | - | bundle>", min: 1, max: 1 }, ["pub"]);
    if (problem !== undefined || pub === undefined) return refuseUsage(io, this, problem ?? "--pub is required");
    const empty = emptyPathError("verify", parsed.positional);
    if (empty) {
      io.err(empty);
      return EXIT_USAGE;
    }
    const target = parsed.positional[0]!;
    // A bundle is named as every command names one: its directory, or one of its files (an existing
    // `<name>.wasm` or `<name>.manifest.jws` is a bundle's file, never an artifact to read).
    const bundleTarget = target !== "-" && isBundlePath(io, target);
    if (bundleTarget) {
      // what judges an artifact has nothing to judge in a bundle: ignored, `--at` or `--allow` would
      // let the caller believe it was applied (and a bad value would pass unseen)
      const given = [...parsed.flags.keys()].filter((f) => ARTIFACT_OPTIONS.includes(f)).map((f) => (f.length === 1 ? `-${f}` : `--${f}`));
      if (given.length > 0) {
        io.err(`writ verify: ${given.join(", ")} ${given.length === 1 ? "checks" : "check"} an artifact, and ${target} is a bundle, verified against --pub alone: leave ${given.length === 1 ? "it" : "them"} out`);
        return EXIT_USAGE;
      }
    }
    const trustedKeys = loadPublicKeyList(io, "verify", pub, true);
    if (typeof trustedKeys === "number") return trustedKeys;
    if (bundleTarget) return verifyBundleDir(io, givenPath(io.cwd, target), trustedKeys);

    const options: { -readonly [K in keyof VerifyArtifactOptions]: VerifyArtifactOptions[K] } = { trustedKeys, requireAllow: parsed.flags.has("allow") };
    const at = flagString(parsed, "at");
    if (at !== undefined) {
      const when = isoTime(at);
      if (typeof when === "string") {
        io.err(`writ verify: --at \`${at}\` ${when}`);
        return EXIT_USAGE;
      }
      options.now = when;
    }
    const skew = flagString(parsed, "skew");
    if (skew !== undefined) {
      // digits past 2^53 - 1 would be rounded to another number of seconds (past about 10^308, to
      // Infinity, which verifyArtifact refuses as an artifact's fault): a bad value, said as such
      const seconds = decimalCount(skew);
      if (!Number.isSafeInteger(seconds)) {
        io.err(`writ verify: --skew takes a whole number of seconds from 0 to ${Number.MAX_SAFE_INTEGER} in decimal digits, not \`${escapeControls(skew)}\``);
        return EXIT_USAGE;
      }
      options.clockSkewSeconds = seconds;
    }
    const bundleDir = flagString(parsed, "bundle");
    if (bundleDir !== undefined) {
      const read = readBundleResult(givenPath(io.cwd, bundleDir));
      if (!read.ok) {
        io.err(`writ verify: ${read.message}`);
        return EXIT_FAILURE;
      }
      // a write of the bundle that had been stopped half-way was finished (or abandoned) first: said, as it is done
      if (read.recovered !== undefined) io.err(`writ verify: note: ${read.recovered}`);
      // The module must be the one its manifest names: a directory whose `.wasm` was swapped is not
      // that bundle. Its signature is the policy authority's, checked by `writ verify <dir>`.
      const { module, manifest } = read.bundle;
      const intact = verifyBundle({ module, manifest }, { allowUnsigned: true });
      if (!intact.ok) {
        io.err(`writ verify: --bundle ${bundleDir} refused (${intact.code}): ${intact.message}`);
        return EXIT_FAILURE;
      }
      options.trustedPolicies = [digestPair(module)];
    }
    const inputFile = flagString(parsed, "input", "i");
    if (inputFile === "-" && target === "-") {
      io.err("writ verify: the artifact and the request cannot both come from standard input");
      return EXIT_USAGE;
    }
    if (inputFile !== undefined) {
      const request = await readRequestJson(io, inputFile);
      if (!request.ok) {
        io.err(`writ verify: ${request.message}`);
        return EXIT_FAILURE;
      }
      options.request = request.value;
    }

    const artifactText = await readInputText(io, target, "artifact");
    if (!artifactText.ok) {
      io.err(`writ verify: ${artifactText.message}`);
      return EXIT_FAILURE;
    }
    // as it is: verifyArtifact takes away the line end a file adds, and only that (not a BOM)
    const result = verifyArtifact(artifactText.text, options);
    if (!result.ok) {
      io.err(`writ verify: refused (${result.code}): ${result.message}`);
      return EXIT_FAILURE;
    }
    printJson(io, result.statement);
    return EXIT_OK;
  },
};

/**
 * A bundle is verified as every command that uses it loads it: its signature against `trustedKeys`,
 * the module's digests, and then the module itself (the determinism profile, the manifest it was
 * compiled with, its memory). A signature alone would vouch for a bundle no loader takes: a manifest
 * edited and signed again still signs, but is not the module's.
 */
function verifyBundleDir(io: CliIO, dir: string, trustedKeys: PublicKey[]): number {
  const read = readBundleResult(dir);
  if (!read.ok) {
    io.err(`writ verify: ${read.message}`);
    return EXIT_FAILURE;
  }
  // a write of the bundle that had been stopped half-way was finished (or abandoned) first: said, as it is done
  if (read.recovered !== undefined) io.err(`writ verify: note: ${read.recovered}`);
  const loaded = tryLoadPolicy(read.bundle, { trustedKeys });
  if (!loaded.ok) {
    io.err(`writ verify: bundle ${read.name} refused (${loaded.error.code}): ${bundleRefusalReason(loaded.error, true, "required")}`);
    return EXIT_FAILURE;
  }
  const p = loaded.policy;
  io.out(`bundle ${read.name} ${escapeControls(String(p.version))} verified: signed by ${p.signedBy}; module sha3-512 ${p.digests.sha3_512}`);
  return EXIT_OK;
}
