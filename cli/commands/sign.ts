// `writ sign <bundle dir | bundle file> --key <private key> [--name <policy>] [--source <file.writ>]`:
// signs a compiled bundle's manifest, writing `<name>.manifest.jws` beside it. A bundle that does not
// load (a module that does not match its manifest, or is not the module that manifest describes) is
// refused: a signature vouches for both. Loading cannot check the provenance (the source digest, the
// compiler's version, the rules' lines and columns), which only the signature binds: `--source`
// compiles the policy again and refuses a bundle that is not what it compiles to; without it, the
// command says that the provenance was signed as the manifest states it.

import { givenPath } from "../../runtime/given-path.js";
import { tryLoadPolicy } from "../../runtime/policy.js";
import { signBundle } from "../../runtime/trust/bundle.js";
import { canonicalJson } from "../../runtime/trust/jcs.js";
import { FileWriteError } from "../../runtime/file-write.js";
import { BundleFileError, bundlePaths, readBundleResult } from "../../runtime/trust/bundle-files.js";
import { writeBundleSignature } from "../../runtime/trust/bundle-signature-write.js";
import { loadPrivateKeyFile } from "../../runtime/trust/key-files.js";
import { commandLineProblem, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, flagString, parseArgs, refuseUsage, unknownFlags, type Command, emptyPathError } from "../io.js";
import { describeThrown, escapeControls } from "../../runtime/thrown.js";

export const signCommand: Command = {
  name: "sign",
  summary: "sign a compiled bundle with a policy-authority key",
  usage: [
    "usage: writ sign <bundle dir | bundle file> --key <private key> [--name <policy>] [--source <file.writ>]",
    "",
    "  -k, --key <file>  the private key (JWK from `writ keygen`, or PKCS8 PEM); must not be",
    "                    readable by group or others",
    "  --name <policy>   which bundle, when the directory holds several (or name it by one of its",
    "                    files: <dir>/<name>.wasm)",
    "  --source <file>   the policy source: compile it again (with the optimisation the manifest",
    "                    records) and sign only if the module and manifest are what it compiles to,",
    "                    naming what differs. Without it, the manifest's provenance (sourceDigest,",
    "                    compiler.version, the rules' lines and columns) is signed as it stands",
    "",
    "A bundle that does not load is refused: a module that is not its manifest's, or a manifest whose",
    "name, version, schema, layout, rules, error sites, memory, cost bound or compiler.optimize differ",
    "from those the module was compiled with.",
    "",
    "Writes <dir>/<name>.manifest.jws: a compact JWS (EdDSA) over the manifest's RFC 8785 canonical",
    "JSON. An existing signature is replaced whole: the new one is written beside it and renamed",
    "over it, so a failed or killed write leaves the old signature as it was.",
  ].join("\n"),
  async run(args, io) {
    const parsed = parseArgs(args);
    const unknown = unknownFlags(parsed, ["key", "k", "name", "source"]);
    const keyFile = flagString(parsed, "key", "k");
    const problem = commandLineProblem("sign", parsed, unknown, { what: "<bundle dir | bundle file>", min: 1, max: 1 }, ["key"]);
    if (problem !== undefined || keyFile === undefined) return refuseUsage(io, this, problem ?? "--key is required");
    const empty = emptyPathError("sign", parsed.positional);
    if (empty) {
      io.err(empty);
      return EXIT_USAGE;
    }
    const key = loadPrivateKeyFile(givenPath(io.cwd, keyFile));
    if (!key.ok) {
      io.err(`writ sign: ${key.message}`);
      return EXIT_FAILURE;
    }
    const read = readBundleResult(givenPath(io.cwd, parsed.positional[0]!), flagString(parsed, "name"));
    if (!read.ok) {
      io.err(`writ sign: ${read.message}`);
      return EXIT_FAILURE;
    }
    // a write of the bundle that had been stopped half-way was finished (or abandoned) first: said, as it is done
    if (read.recovered !== undefined) io.err(`writ sign: note: ${read.recovered}`);
    // Drop any old signature; load the bundle before vouching for it: the module must match the
    // manifest's digests and be the module that manifest describes (a manifest edited after compiling
    // would be signed, and then refused by every loader).
    const unsigned = { module: read.bundle.module, manifest: read.bundle.manifest };
    const check = tryLoadPolicy(unsigned, { allowUnsigned: true });
    if (!check.ok) {
      io.err(`writ sign: refusing to sign ${read.name} (${check.error.code}): ${check.error.message}`);
      return EXIT_FAILURE;
    }
    const sourceFile = flagString(parsed, "source");
    if (sourceFile !== undefined) {
      const { checkAgainstSource } = await import("./sign-source.js");
      const matched = await checkAgainstSource(io, unsigned, sourceFile);
      if (!matched.ok) {
        io.err(`writ sign: refusing to sign ${read.name}: ${matched.message}`);
        return EXIT_FAILURE;
      }
    }
    // What is signed is the manifest's canonical JSON. One that has none (a lone surrogate in a
    // member loading ignores) cannot be signed: refused as the bundle's fault, before anything is
    // written, not reported as a write that failed.
    const canonical = canonicalJson(unsigned.manifest);
    if (!canonical.ok) {
      io.err(`writ sign: refusing to sign ${read.name} (malformed): the manifest has no canonical JSON: ${canonical.reason} at \`${escapeControls(canonical.path)}\``);
      return EXIT_FAILURE;
    }
    // Only the signature file is written: the module and manifest stay byte for byte as they were.
    // It goes beside them: the bundle may have been named by one of its files rather than its directory.
    const signaturePath = bundlePaths(read.dir, read.name).signature;
    let signature: string;
    try {
      signature = signBundle(unsigned, key.key).signature!;
    } catch (e) {
      io.err(`writ sign: refusing to sign ${read.name}: it could not be signed: ${describeThrown(e)}`);
      return EXIT_FAILURE;
    }
    // as a write of the bundle (bundle-signature-write.ts): never beside another write's new manifest
    try {
      writeBundleSignature(read.dir, read.name, unsigned, signature);
    } catch (e) {
      const old = read.bundle.signature === undefined ? "" : "; the old signature is as it was";
      io.err(`writ sign: ${e instanceof BundleFileError || e instanceof FileWriteError ? e.message : `cannot write ${signaturePath}: ${e instanceof Error ? e.message : String(e)}`}${old}`);
      return EXIT_FAILURE;
    }
    // written before it is named: should standard output fail, the message must say so
    io.out(`signed ${read.name} ${escapeControls(String(read.bundle.manifest.version))} with key ${key.key.keyId}`, `${signaturePath} was written (signed with key ${key.key.keyId})`);
    io.out(`  wrote ${signaturePath}`);
    if (sourceFile !== undefined) io.out(`  checked against ${escapeControls(sourceFile)}: the module and manifest are what it compiles to`);
    else
      io.err(
        "writ sign: note: the manifest's provenance (sourceDigest, compiler.version, the rules' lines and columns) was not checked against a source, and is signed as it stands: --source <file.writ> checks it",
      );
    return EXIT_OK;
  },
};
