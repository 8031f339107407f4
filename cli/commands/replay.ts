// `writ replay <artifact | -> --input <request.json> --bundle <dir> [--pub <key>]`: re-evaluates
// the artifact's request with the bundle's module and confirms the artifact states exactly that
// decision (same module, same request, same decision, rules and errors), or lists what differs.
// An artifact issued for a request with no canonical JSON carries the placeholder digest, which
// every such request shares: it names no request, so replay confirms nothing for it (exit 1), as
// `writ audit` replays no record carrying it, even when this request's decision is the same.

import { givenPath } from "../../runtime/given-path.js";
import { tryLoadPolicyForReplay } from "../../runtime/policy.js";
import { readBundleResult } from "../../runtime/trust/bundle-files.js";
import { replayArtifact } from "../../runtime/trust/replay.js";
import { loadPublicKeyList } from "./key-list.js";
import { commandLineProblem, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, flagString, parseArgs, refuseUsage, unknownFlags, type Command, emptyPathError } from "../io.js";
import { bundleRefusalReason } from "./bundle-dir.js";
import { readInputText, readRequestJson } from "./request-json.js";
import { escapeControls } from "../../runtime/thrown.js";
import { statementOf } from "../../runtime/trust/artifact-statement.js";
import { trimLineSpace } from "../../runtime/strings.js";
import { PLACEHOLDER_DIGEST, PLACEHOLDER_NAMES_NO_REQUEST } from "./request-placeholder.js";

export const replayCommand: Command = {
  name: "replay",
  summary: "re-evaluate an artifact's request with its module and confirm the decision",
  usage: [
    "usage: writ replay <artifact file | -> --input <request.json> --bundle <dir> [--pub <key>[,<key>...]]",
    "",
    "  -i, --input <file>  the request the artifact was issued for (`-` reads standard input)",
    "  --bundle <dir>      the compiled bundle (module + manifest) to re-evaluate with: the one the",
    "                      artifact was issued under (one an earlier writ compiled, writ-manifest/1,",
    "                      is read too)",
    "  --pub <files>       verify the bundle's signature against these keys first; without it the",
    "                      bundle is loaded for replay only (the artifact is checked against the",
    "                      module's digests either way)",
    "",
    "Replay checks content, not who signed the artifact: use `writ verify` for that.",
    "Exit status: 0 confirmed, 1 differences found (each is printed), the artifact names no request",
    "(it was issued for one with no canonical JSON, which carries a placeholder digest shared by all",
    "such requests, so which request it was issued for cannot be checked), or the bundle could not load.",
  ].join("\n"),
  async run(args, io) {
    const parsed = parseArgs(args);
    const unknown = unknownFlags(parsed, ["input", "i", "bundle", "pub"]);
    const inputFile = flagString(parsed, "input", "i");
    const bundleDir = flagString(parsed, "bundle");
    const problem = commandLineProblem("replay", parsed, unknown, { what: "<artifact file | ->", min: 1, max: 1 }, ["input", "bundle"]);
    if (problem !== undefined || inputFile === undefined || bundleDir === undefined) return refuseUsage(io, this, problem ?? "--input and --bundle are required");
    const empty = emptyPathError("replay", parsed.positional);
    if (empty) {
      io.err(empty);
      return EXIT_USAGE;
    }
    const target = parsed.positional[0]!;
    if (target === "-" && inputFile === "-") {
      io.err("writ replay: the artifact and the request cannot both come from standard input");
      return EXIT_USAGE;
    }

    const read = readBundleResult(givenPath(io.cwd, bundleDir));
    if (!read.ok) {
      io.err(`writ replay: ${read.message}`);
      return EXIT_FAILURE;
    }
    // a write of the bundle that had been stopped half-way was finished (or abandoned) first: said, as it is done
    if (read.recovered !== undefined) io.err(`writ replay: note: ${read.recovered}`);
    const pub = flagString(parsed, "pub");
    const trustedKeys = loadPublicKeyList(io, "replay", pub);
    if (typeof trustedKeys === "number") return trustedKeys;
    // Without --pub the signature is set aside: replay binds to the module by digest, not by signer.
    // Loaded for replay: a bundle an earlier writ compiled (writ-manifest/1) replays the artifacts
    // issued under it, which no bundle compiled today could (its module has other digests).
    const bundle = pub === undefined ? { module: read.bundle.module, manifest: read.bundle.manifest } : read.bundle;
    const loaded = tryLoadPolicyForReplay(bundle, { trustedKeys, allowUnsigned: pub === undefined });
    if (!loaded.ok) {
      io.err(`writ replay: bundle ${read.name} refused (${loaded.error.code}): ${bundleRefusalReason(loaded.error, pub !== undefined)}`);
      return EXIT_FAILURE;
    }

    const request = await readRequestJson(io, inputFile);
    if (!request.ok) {
      io.err(`writ replay: ${request.message}`);
      return EXIT_FAILURE;
    }
    const artifactText = await readInputText(io, target, "artifact");
    if (!artifactText.ok) {
      io.err(`writ replay: ${artifactText.message}`);
      return EXIT_FAILURE;
    }
    // as it is: replayArtifact takes away the line end a file adds, and only that (as verifyArtifact)
    const result = replayArtifact(artifactText.text, request.value, loaded.policy);
    if (!result.ok) {
      // an artifact that cannot be read was not compared with anything: said as verify says it
      const malformed = result.differences.length === 1 && result.differences[0]!.startsWith("malformed: ") ? result.differences[0]!.slice("malformed: ".length) : null;
      if (malformed !== null) {
        io.err(`writ replay: the artifact is malformed: ${malformed}`);
        return EXIT_FAILURE;
      }
      io.err(`writ replay: the artifact does not match re-evaluation:`);
      for (const d of result.differences) io.err(`  ${d}`);
      return EXIT_FAILURE;
    }
    const bundleName = `${read.name} ${escapeControls(String(read.bundle.manifest.version))}`;
    // The same digest as this request's, and the placeholder: this request has no canonical JSON
    // either, and the artifact may have been issued for any other such request.
    const issued = statementOf(trimLineSpace(artifactText.text));
    if (issued.ok && issued.statement.request.sha3_512 === PLACEHOLDER_DIGEST) {
      io.err(
        `writ replay: not confirmed: the artifact names no request (${PLACEHOLDER_NAMES_NO_REQUEST}, and this request has none either): re-evaluating this request with ${bundleName} gives the artifact's decision, rules and errors, but which request the artifact was issued for cannot be checked`,
      );
      return EXIT_FAILURE;
    }
    io.out(`replay confirmed: ${bundleName} decides the same for this request`);
    return EXIT_OK;
  },
};
