// `writ audit verify <log> [--pub <keys>] [--replay <bundle dir> --requests <file>] [--expect-head <seq>:<sha3>]`
// walks a lineage log and prints its summary, or names the first bad record and what happened to it.
// `writ audit head <log>` prints the log's head, to keep elsewhere as a checkpoint. Exit 0 / 1.

import { closeSync, openSync, statSync } from "node:fs";
import { givenPath } from "../../runtime/given-path.js";
import { danglingLink } from "../output-dir.js";
import { tryLoadPolicyForReplay } from "../../runtime/policy.js";
import { readBundleResult } from "../../runtime/trust/bundle-files.js";
import { verifyLog, type ExpectedHead, type LogFault, type LogSummary, type VerifyLogOptions } from "../../runtime/trust/lineage-verify.js";
import { requestDigest } from "../../runtime/trust/request-digest.js";
import { PLACEHOLDER_DIGEST, PLACEHOLDER_NAMES_NO_REQUEST } from "./request-placeholder.js";
import type { DecidingPolicy } from "../../runtime/policy-types.js";
import { readPublicKeyList } from "./key-list.js";
import { readRequestList } from "./request-json.js";
import { commandLineProblem, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, flagString, parseArgs, printJson, refuseUsage, unknownFlags, type CliIO, type Command, emptyPathError } from "../io.js";
import { escapeControls } from "../../runtime/thrown.js";
import { notRegularKind } from "../../runtime/bounded-read.js";
import { systemErrorText } from "../../runtime/file-write.js";
import { shownName } from "../../runtime/shown-name.js";

const USAGE = [
  "usage: writ audit verify <log> [options]",
  "       writ audit head <log> [--any-start]",
  "",
  "verify walks a lineage log (JSON Lines of authorization artifacts) and prints a summary, or the",
  "first bad record: its 0-based index and whether it was edited, removed, inserted, reordered,",
  "truncated, malformed, badly signed, or decided differently on replay.",
  "",
  "  --pub <files>          trusted issuer public keys (JWK or SPKI PEM), comma-separated; every",
  "                         artifact's signature is checked (without it only the hash chains are)",
  "  --replay <bundle dir>  re-decide with this policy bundle (matched to records by its module",
  "                         digests; its own signature is not needed; one an earlier writ",
  "                         compiled, writ-manifest/1, is read too); records from other modules",
  "                         are counted, not failed",
  "  --requests <file>      the requests to replay: JSON Lines (one request per line), or a JSON",
  "                         array, matched to records by the SHA3-512 of their canonical JSON; a",
  "                         record whose request has none (its artifact carries the placeholder",
  "                         digest) is named, not replayed",
  "  --expect-head <seq>:<sha3-512>",
  "                         a head kept elsewhere (from `writ audit head`): the log must still hold",
  "                         that record unchanged — the only way to see records cut from the end",
  "  --any-start            accept a log whose first record continues a chain begun elsewhere",
  "                         (a rotated log; head takes it too); by default record 0 must be the",
  "                         chain's genesis",
  "  --json                 print the summary, or the fault, as JSON on standard output; the exit",
  "                         status says which. A log that cannot be read is the fault `unreadable`,",
  "                         a key file, bundle or request file that cannot be used `bad_options`",
  "                         (index -1 both)",
  "",
  "head prints `<seq>:<sha3-512 of the last record>`, the value --expect-head takes.",
  "Exit status: 0 the log verifies, 1 it does not (or cannot be read), 2 bad usage.",
].join("\n");

export const auditCommand: Command = {
  name: "audit",
  summary: "verify a lineage log (hash chain, signatures, replay) and name the first bad record",
  usage: USAGE,
  async run(args, io) {
    const [sub, ...rest] = args;
    const parsed = parseArgs(rest, ["json", "any-start"]);
    const unknown = unknownFlags(parsed, sub === "head" ? ["any-start"] : ["pub", "replay", "requests", "expect-head", "any-start", "json"]);
    if (sub !== "verify" && sub !== "head") return refuseUsage(io, this, sub === undefined ? "missing `verify` or `head`" : `\`${sub}\` is neither \`verify\` nor \`head\``);
    const problem = commandLineProblem(`audit ${sub}`, parsed, unknown, { what: "<log>", min: 1, max: 1 });
    if (problem !== undefined) return refuseUsage(io, this, problem);
    const empty = emptyPathError("audit", parsed.positional);
    if (empty) {
      io.err(empty);
      return EXIT_USAGE;
    }
    const logName = parsed.positional[0]!;
    // `-` is standard input everywhere else: said to be no log here rather than read as a file so named
    if (logName === "-") {
      io.err(`writ audit: ${STDIN_IS_NO_LOG}`);
      return EXIT_USAGE;
    }
    const json = parsed.flags.has("json");
    const logPath = givenPath(io.cwd, logName);
    const unfit = logProblem(logName, logPath);
    if (unfit !== undefined) {
      // with --json, as the fault of a log that cannot be read: no record's (index −1)
      if (json) printJson(io, { ok: false, index: -1, kind: "unreadable", reason: unfit });
      else io.err(`writ audit: ${unfit}`);
      return EXIT_FAILURE;
    }
    // a rotated log's head is kept as any log's is: head reads it as verify --any-start does
    if (sub === "head") return printHead(io, logName, logPath, parsed.flags.has("any-start"));

    // What the log is to be checked against and cannot be had (a key file, the bundle, the requests
    // that cannot be read or are refused): with --json, the fault `bad_options` (index −1, no
    // record's), as verifyLog names options it cannot use, on standard output where a program reads
    // the verdict; bad usage (exit 2) and warnings stay on standard error.
    const unusable = (reason: string): number => {
      if (json) printJson(io, { ok: false, index: -1, kind: "bad_options", reason });
      else io.err(`writ audit: ${reason}`);
      return EXIT_FAILURE;
    };
    const options: { -readonly [K in keyof VerifyLogOptions]: VerifyLogOptions[K] } = {};
    const pub = flagString(parsed, "pub");
    if (pub !== undefined) {
      const keys = readPublicKeyList(io.cwd, pub, true);
      if (!keys.ok && keys.exit === EXIT_FAILURE) return unusable(keys.message);
      if (!keys.ok) {
        io.err(`writ audit: ${keys.message}`);
        return EXIT_USAGE;
      }
      options.trustedKeys = keys.keys;
    }
    const head = flagString(parsed, "expect-head");
    if (head !== undefined) {
      const expected = expectedHead(head);
      if (typeof expected === "string") {
        io.err(`writ audit: ${expected}`);
        return EXIT_USAGE;
      }
      options.expectHead = expected;
    }
    if (parsed.flags.has("any-start")) options.chainStart = "any";
    const bundleDir = flagString(parsed, "replay");
    const requestsFile = flagString(parsed, "requests");
    if (requestsFile !== undefined && bundleDir === undefined) {
      io.err("writ audit: --requests needs --replay <bundle dir>");
      return EXIT_USAGE;
    }
    let bundleName = "";
    // the seqs of records of the replayed module whose request has no canonical JSON (unmatchable)
    const unmatched: number[] = [];
    if (bundleDir !== undefined) {
      const policy = loadReplayPolicy(io, givenPath(io.cwd, bundleDir));
      if (typeof policy === "string") return unusable(policy);
      options.replay = policy.policy;
      bundleName = policy.name;
      if (requestsFile !== undefined) {
        const requests = await readRequests(io, requestsFile);
        if (typeof requests === "string") return unusable(requests);
        options.requests = (digest, statement) => {
          if (digest !== PLACEHOLDER_DIGEST) return requests.get(digest);
          unmatched.push(statement.lineage.seq);
          return undefined;
        };
      } else io.err("writ audit: warning: --replay without --requests re-decides nothing (a log holds request digests, not requests): give the requests as a JSON array or JSON Lines");
    }

    const result = verifyLog(logPath, options);
    if (json) {
      // the summary or the fault, either one on standard output for a program to read: the exit
      // status says which (warnings stay on standard error)
      const shown = result.ok && result.replay && unmatched.length > 0 ? { ...result, replay: { ...result.replay, notReplayable: { seqs: unmatched, reason: UNMATCHABLE } } } : result;
      printJson(io, shown);
      return result.ok ? EXIT_OK : EXIT_FAILURE;
    }
    if (!result.ok) {
      io.err(`writ audit: ${logName}: ${faultText(result)}`);
      return EXIT_FAILURE;
    }
    io.out(summaryText(logName, result, options, bundleName, unmatched));
    return EXIT_OK;
  },
};

/** Why `writ audit verify -` reads nothing. */
const STDIN_IS_NO_LOG =
  "`-` names no log: a lineage log is read from its file, not from standard input (a pipe is given as a path, `<(ssh host cat log.jsonl)`; a file named `-` as ./-)";

/**
 * The checkpoint `--expect-head <seq>:<sha3-512>` names, or what is wrong with the value. A seq past
 * 2^53 - 1 is no record's (Number would round it to another): a bad value, not a fault of the log.
 */
function expectedHead(value: string): ExpectedHead | string {
  // the digest in either case, as verifyLog's expectHead takes it (a checkpoint kept by hand may be upper-cased)
  const m = /^(\d+):([0-9a-fA-F]{128})$/.exec(value);
  if (!m) return "--expect-head takes `<seq>:<128 hex digits>` (see `writ audit head`)";
  const seq = Number(m[1]);
  if (!Number.isSafeInteger(seq)) return `--expect-head seq ${m[1]} is beyond 2^53 - 1, the last seq a log can hold`;
  return { seq, sha3_512: m[2]!.toLowerCase() };
}

/**
 * Why the log named `name` cannot be read as one (it does not exist, it is a directory, a device,
 * it cannot be opened), or undefined: a log that is missing is not one whose record 0 is unreadable,
 * and /dev/null is no empty log. A FIFO is read as `cat` would read it (`writ audit verify <(ssh
 * host cat log.jsonl)`).
 */
function logProblem(name: string, path: string): string | undefined {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") return `log ${name}: ${systemErrorText(e)}`;
    const link = danglingLink(path);
    return link === undefined ? `log ${name} does not exist` : `log ${name} does not exist: ${link}`;
  }
  if (st.isDirectory()) return `${name} is a directory, not a lineage log`;
  // a device reads as no records (/dev/null) or never ends (/dev/zero): said as the log's writer says it
  if (!st.isFile() && !st.isFIFO()) return `${name} is not a regular file (${notRegularKind(st)}); a lineage log is one`;
  // a file that cannot be opened (its mode) is said so as any file is: not as record 0's fault
  if (st.isFile()) {
    try {
      closeSync(openSync(path, "r"));
    } catch (e) {
      return `log ${name}: ${systemErrorText(e)}`;
    }
  }
  return undefined;
}

/** A fault as printed: the record it names, or none when it is no record's (index −1). */
function faultText(f: LogFault): string {
  return f.index < 0 ? `${f.kind}: ${f.reason}` : `record ${f.index} ${f.kind}: ${f.reason}`;
}

function summaryText(name: string, s: LogSummary, options: VerifyLogOptions, bundleName: string, unmatched: readonly number[]): string {
  const lines = [`${name}: ok, ${s.records} record${s.records === 1 ? "" : "s"}`];
  if (s.records > 0) {
    lines.push(`  statements  seq ${s.firstSeq}..${s.lastSeq}, issued ${s.firstTime} .. ${s.lastTime}`);
    lines.push(`  decisions   ${s.allows} allow, ${s.denies} deny${s.batched ? ` (${s.batched} batched)` : ""}`);
    // unverified without --pub: an issuer is anyone's text, shown on one line
    lines.push(`  issuers     ${s.issuers.map(shownName).join(", ")}`);
  }
  lines.push(
    `  signatures  ${s.signatures === "verified" ? `verified with ${options.trustedKeys!.length} trusted key${options.trustedKeys!.length === 1 ? "" : "s"}` : "not checked (no --pub): only the hash chains were"}`,
  );
  if (s.replay) {
    lines.push(
      `  replay      ${s.replay.samePolicy} decided by ${bundleName}, ${s.replay.replayed} re-decided identically; ${s.replay.otherPolicy} by other modules`,
    );
    if (unmatched.length > 0) lines.push(`              not replayed (seq ${seqList(unmatched)}): ${UNMATCHABLE}`);
  }
  if (options.expectHead) lines.push(`  checkpoint  record ${options.expectHead.seq} matches`);
  if (s.head.digests) lines.push(`  head        ${s.head.seq}:${s.head.digests.sha3_512}`);
  return lines.join("\n");
}

/** Prints the head of the log `name` (at `logPath`); its faults are said as verify says them, after the log's name. */
function printHead(io: CliIO, name: string, logPath: string, anyStart: boolean): number {
  const result = verifyLog(logPath, anyStart ? { chainStart: "any" } : {});
  if (!result.ok) {
    io.err(`writ audit: ${name}: ${faultText(result)}`);
    return EXIT_FAILURE;
  }
  if (!result.head.digests) {
    io.err(`writ audit: ${name}: the log is empty: it has no head yet`);
    return EXIT_FAILURE;
  }
  io.out(`${result.head.seq}:${result.head.digests.sha3_512}`);
  return EXIT_OK;
}

/** The policy `--replay` names, loaded for replay, or why it cannot be. */
function loadReplayPolicy(io: CliIO, dir: string): { policy: DecidingPolicy; name: string } | string {
  const read = readBundleResult(dir);
  if (!read.ok) return read.message;
  // a write of the bundle that had been stopped half-way was finished (or abandoned) first: said, as it is done
  if (read.recovered !== undefined) io.err(`writ audit: note: ${read.recovered}`);
  // The bundle's signature is set aside: replay binds records to the module by its digests, which
  // each signed statement names, whoever signed the bundle. Loaded for replay: a bundle an earlier
  // writ compiled (writ-manifest/1) re-decides the records issued under it.
  const loaded = tryLoadPolicyForReplay({ module: read.bundle.module, manifest: read.bundle.manifest }, { allowUnsigned: true });
  if (!loaded.ok) return `bundle ${read.name} refused (${loaded.error.code}): ${loaded.error.message}`;
  return { policy: loaded.policy, name: `${read.name} ${escapeControls(String(read.bundle.manifest.version))}` };
}

// A record carrying the placeholder digest is matched to no request, rather than to whichever such
// request the file holds last (request-placeholder.ts).
const UNMATCHABLE = `${PLACEHOLDER_NAMES_NO_REQUEST}, so its record names no request to replay`;

/** `0, 4, 9` (the first ten, then how many more). */
function seqList(seqs: readonly number[]): string {
  return seqs.length <= 10 ? seqs.join(", ") : `${seqs.slice(0, 10).join(", ")} and ${seqs.length - 10} more`;
}

/**
 * The requests of `--requests`, by the digest their artifacts carry: read as every request file is
 * (request-json.ts: I-JSON, strict UTF-8, the bad line named). A request with no canonical JSON is
 * left out: its digest is the placeholder (PLACEHOLDER_DIGEST), which names no request. Or why
 * they cannot be read.
 */
async function readRequests(io: CliIO, file: string): Promise<Map<string, unknown> | string> {
  const read = await readRequestList(io, file);
  if (!read.ok) return read.message;
  const byDigest = new Map<string, unknown>();
  for (const v of read.values) {
    const digest = requestDigest(v);
    if (digest.ok) byDigest.set(digest.sha3_512, v);
  }
  return byDigest;
}
