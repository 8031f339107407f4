// `writ authorize <bundle dir> --input <request.json | -> --key <private key> [--pub <keys>]
// [--log <lineage.jsonl>] [--ttl <seconds>]`: decide one request with a compiled bundle and issue the
// signed authorization artifact for it (docs/artifacts.md). The artifact goes to standard output on
// one line, ready for `writ verify -`; a one-line summary goes to standard error.
//
// With --log the artifact is appended to that lineage log before it is printed, and its chain link
// continues from the log's last record, so artifacts issued by successive runs form one chain; that
// record's signature is checked first, with the issuing key's public key and the --pub keys (a record
// forged in the issuer's name is not built on: lineage-last-signature.ts). Without it every run
// starts a chain of its own (sequence 0).

import { givenPath } from "../../runtime/given-path.js";
import { tryLoadPolicy } from "../../runtime/policy.js";
import { authorize, MAX_TTL_SECONDS } from "../../runtime/trust/authorize.js";
import { readBundleResult } from "../../runtime/trust/bundle-files.js";
import { loadPrivateKeyFile } from "../../runtime/trust/key-files.js";
import { tryOpenLog, type LineageLog, type LogRepair } from "../../runtime/trust/lineage.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { bundleRefusalReason } from "./bundle-dir.js";
import { loadPublicKeyList } from "./key-list.js";
import { commandLineProblem, decimalCount, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, flagString, parseArgs, refuseUsage, unknownFlags, type Command, emptyPathError } from "../io.js";
import { readRequestJson } from "./request-json.js";
import { escapeControls } from "../../runtime/thrown.js";

export const authorizeCommand: Command = {
  name: "authorize",
  summary: "decide one request and issue its signed authorization artifact",
  usage: [
    "usage: writ authorize <bundle dir> --input <request.json | -> --key <private key>",
    "                      [--pub <key>[,<key>...]] [--log <lineage.jsonl>] [--ttl <seconds>]",
    "",
    "  -i, --input <file>  the request as JSON (`-` reads standard input)",
    "  -k, --key <file>    the issuer's private key (a JWK written by `writ keygen`, mode 0600)",
    "  --pub <files>       load the bundle only if one of these keys signed it; without it only an",
    "                      unsigned bundle loads (a warning says so)",
    "  --log <file>        append the artifact to this lineage log (created if absent) and continue",
    "                      its chain, once its last record's signature holds (checked with --key's",
    "                      public key and the --pub keys, where one of them issued it); without it",
    "                      the artifact starts a chain of its own",
    "  --ttl <seconds>     how long the artifact is valid, in decimal digits (default 300)",
    "",
    "Prints the artifact (compact JWS) on standard output. A deny is an artifact too.",
    "Exit status: 0 an artifact was issued (allow or deny), 1 none could be (the reason is printed).",
  ].join("\n"),
  async run(args, io) {
    const parsed = parseArgs(args);
    const unknown = unknownFlags(parsed, ["input", "i", "key", "k", "pub", "log", "ttl"]);
    const inputFile = flagString(parsed, "input", "i");
    const keyFile = flagString(parsed, "key", "k");
    const ttlText = flagString(parsed, "ttl");
    // in decimal digits, as every count the CLI takes: Number() would read `0x10` as 16 and `1e3` as 1000
    const ttl = ttlText === undefined ? undefined : decimalCount(ttlText);
    const problem = commandLineProblem("authorize", parsed, unknown, { what: "<bundle dir>", min: 1, max: 1 }, ["input", "key"]);
    if (problem !== undefined || inputFile === undefined || keyFile === undefined) return refuseUsage(io, this, problem ?? "--input and --key are required");
    const empty = emptyPathError("authorize", parsed.positional);
    if (empty) {
      io.err(empty);
      return EXIT_USAGE;
    }
    if (ttl !== undefined && (!Number.isSafeInteger(ttl) || ttl <= 0 || ttl > MAX_TTL_SECONDS)) {
      io.err(`writ authorize: --ttl needs a whole number of seconds from 1 to ${MAX_TTL_SECONDS} (a hundred years) in decimal digits, got \`${ttlText}\``);
      return EXIT_USAGE;
    }

    const logFile = flagString(parsed, "log");
    // `-` is standard input or output everywhere else: a log is a file appended to in place, and one
    // created under that name would be found by no one
    if (logFile === "-") {
      io.err("writ authorize: --log - names no log: a lineage log is a file, appended to and read back, not standard output (a file named `-` is ./-)");
      return EXIT_USAGE;
    }

    const key = loadPrivateKeyFile(givenPath(io.cwd, keyFile));
    if (!key.ok) {
      io.err(`writ authorize: ${key.message}`);
      return EXIT_FAILURE;
    }
    const trustedKeys = loadPublicKeyList(io, "authorize", flagString(parsed, "pub"));
    if (typeof trustedKeys === "number") return trustedKeys;
    const read = readBundleResult(givenPath(io.cwd, parsed.positional[0]!));
    if (!read.ok) {
      io.err(`writ authorize: ${read.message}`);
      return EXIT_FAILURE;
    }
    // a write of the bundle that had been stopped half-way was finished (or abandoned) first: said, as it is done
    if (read.recovered !== undefined) io.err(`writ authorize: note: ${read.recovered}`);
    const loaded = tryLoadPolicy(read.bundle, { trustedKeys, allowUnsigned: trustedKeys.length === 0 });
    if (!loaded.ok) {
      io.err(`writ authorize: bundle refused (${loaded.error.code}): ${bundleRefusalReason(loaded.error, trustedKeys.length > 0)}`);
      return EXIT_FAILURE;
    }
    if (loaded.policy.signedBy === undefined) io.err("writ authorize: warning: the bundle is not signed; its artifacts still name its module digests");
    const request = await readRequestJson(io, inputFile);
    if (!request.ok) {
      io.err(`writ authorize: ${request.message}`);
      return EXIT_FAILURE;
    }

    let log: LineageLog | undefined;
    if (logFile !== undefined) {
      const opened = tryOpenLog(givenPath(io.cwd, logFile));
      if (!opened.ok) {
        io.err(`writ authorize: ${opened.error.message}`); // the message names the log
        return EXIT_FAILURE;
      }
      log = opened.log;
      if (log.repaired) io.err(`writ authorize: ${logFile}: ${describeRepair(log.repaired)}`);
    }
    try {
      // its last record checked with this key (and the --pub keys) before the next artifact links to it
      const forged = log?.lastSignatureProblem([key.key.publicKey, ...trustedKeys]);
      if (forged !== undefined) throw new Error(`${logFile}: ${forged} (\`writ audit verify ${logFile} --pub <key>\` checks every record)`);
      const signer = createSigner(key.key, { head: log?.head().chain });
      const issued = authorize(loaded.policy, request.value, { signer, lineage: log, ttlSeconds: ttl });
      const { decision, statement } = issued;
      const why = decision.rules.length ? ` by ${decision.rules.join(", ")}` : decision.errors.length ? ` (${decision.errors[0]!.message})` : "";
      // the reason quotes the request (a field name): shown escaped, on one line
      io.err(`writ authorize: ${decision.decision}${escapeControls(why)}; artifact ${statement.jti}, sequence ${statement.lineage.seq}${log ? `, appended to ${logFile}` : ""}`);
      // issued (and logged) before it is printed: should the print fail, where the artifact is must be said
      io.out(
        issued.artifact,
        log
          ? `the artifact ${statement.jti} was issued and is in ${logFile} at sequence ${statement.lineage.seq}`
          : `the artifact ${statement.jti} was issued but is kept nowhere (no --log)`,
      );
      return EXIT_OK;
    } catch (e) {
      // the log refused the record (or could not write it): nothing was issued
      io.err(`writ authorize: no artifact issued: ${e instanceof Error ? e.message : String(e)}`);
      return EXIT_FAILURE;
    } finally {
      log?.close();
    }
  },
};

/**
 * What opening the log repaired, as the log's repair reports it: a record cut short moved aside,
 * whole records of a batch whose write did not complete (with a record cut short after them, or
 * not), or the newline written after a whole last record that lacked it. Whoever reads it may go
 * looking for those records: saying "a torn record" of whole ones misleads.
 */
export function describeRepair(r: LogRepair): string {
  if (r.kind === "newline")
    return `its last record (${r.index}) is whole, but the file ended without its newline: the newline was written, nothing was moved aside, and the log continues at record ${r.index + 1}`;
  const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  const where = `moved to ${r.savedTo}, and the log continues at record ${r.index}`;
  if (r.records === 0) return `its last record was cut short (${plural(r.bytes, "byte")}, a write interrupted by a crash); its bytes were ${where}`;
  const records = plural(r.records, "whole record");
  const batch = `of a batch of ${r.batchSize} whose write did not complete`;
  // the byte count covers everything moved, the cut record after the whole ones too
  if (r.torn) return `${records} ${batch}, and a record cut short after them (${plural(r.bytes, "byte")} in all), were ${where}`;
  return `${records} (${plural(r.bytes, "byte")}) ${batch} were ${where}`;
}
