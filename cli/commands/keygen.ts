// `writ keygen [-o <dir>] [--name <base>]`: writes an Ed25519 key pair as JWK files,
// `<base>.private.jwk` (mode 0600) and `<base>.public.jwk`, and prints the key id.

import { makeOutputDir } from "../output-dir.js";
import { givenPath } from "../../runtime/given-path.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { restorePublicKey, writeKeyPair } from "../../runtime/trust/key-files.js";
import { removeLeftoverKeyTemps } from "../../runtime/trust/key-temps.js";
import { FileWriteError } from "../../runtime/file-write.js";
import { commandLineProblem, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, flagString, parseArgs, refuseUsage, unknownFlags, type Command } from "../io.js";

export const keygenCommand: Command = {
  name: "keygen",
  summary: "write an Ed25519 key pair (JWK) for signing bundles or decisions",
  usage: [
    "usage: writ keygen [-o <dir>] [--name <base>]",
    "",
    "  -o, --out <dir>   where to write the key files (default: the current directory; created if missing)",
    "  --name <base>     file name base (default: writ): <base>.private.jwk and <base>.public.jwk",
    "",
    "The private key file is created with mode 0600; writ refuses private keys that group or others",
    "can read. The key id is the RFC 7638 thumbprint of the public key. Existing files are never",
    "overwritten, and a keygen that fails (a full disk) leaves no key file behind. A private key",
    "found without its public key (a keygen killed between the two files) is kept, and its public",
    "key written from it: no new key is made then. Only a private key file of your own is kept so",
    "(root: root's); one of another user's is refused. Temporary files of these names that killed",
    "keygens of yours left (.<base>.private.jwk.<pid>.<random>.tmp) are removed.",
  ].join("\n"),
  async run(args, io) {
    const parsed = parseArgs(args);
    const unknown = unknownFlags(parsed, ["o", "out", "name"]);
    const problem = commandLineProblem("keygen", parsed, unknown, { what: "", min: 0, max: 0 });
    if (problem !== undefined) return refuseUsage(io, this, problem);
    const name = flagString(parsed, "name") ?? "writ";
    if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(name)) {
      io.err(`writ keygen: --name \`${name}\` is not a plain file name`);
      return EXIT_USAGE;
    }
    const dir = givenPath(io.cwd, flagString(parsed, "o", "out") ?? ".");
    const key = generateKeyPair();
    if (!makeOutputDir(io, "keygen", dir)) return EXIT_FAILURE;
    // a killed keygen's private key temporary file is a copy of a key: not left to pile up
    removeLeftoverKeyTemps(dir, name);
    try {
      const written = writeKeyPair(dir, key, name);
      // written before they are named: should standard output fail, the message must say where they are
      io.out(`key id      ${key.keyId}`, `the key pair was written: ${written.privateKeyPath} and ${written.publicKeyPath} (key id ${key.keyId})`);
      io.out(`private key ${written.privateKeyPath} (mode 0600: keep it secret)`);
      io.out(`public key  ${written.publicKeyPath}`);
      return EXIT_OK;
    } catch (e) {
      // the private key is linked first: one alone is what a keygen killed between the two links leaves
      if (e instanceof FileWriteError && e.code === "EEXIST" && e.path.endsWith(".private.jwk")) {
        const restored = restorePublicKey(dir, name);
        if (restored?.ok) {
          const { key: kept, privateKeyPath, publicKeyPath } = restored;
          io.out(`key id      ${kept.keyId}`, `the public key of ${privateKeyPath} was written: ${publicKeyPath} (key id ${kept.keyId})`);
          io.out(`private key ${privateKeyPath} (already there, without its public key: kept, no new key was made)`);
          io.out(`public key  ${publicKeyPath} (written now, from the private key)`);
          return EXIT_OK;
        }
        if (restored !== undefined) {
          io.err(`writ keygen: ${restored.message}`);
          return EXIT_FAILURE;
        }
      }
      if (e instanceof FileWriteError && e.code === "EEXIST") io.err(`writ keygen: ${e.path} already exists; refusing to overwrite a key (choose another --name or -o)`);
      // the pair is written whole or not at all (writeKeyPair): a failed keygen leaves no key file
      else if (e instanceof FileWriteError) io.err(`writ keygen: ${e.message}; no key file was written`);
      else io.err(`writ keygen: cannot write the key pair in ${dir}: ${e instanceof Error ? e.message : String(e)}`);
      return EXIT_FAILURE;
    }
  },
};
