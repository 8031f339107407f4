// Loading a compiled bundle directory for the commands that decide with one (`eval`, `bench`):
// read it, verify it against the trusted keys --pub lists when given (unsigned bundles are accepted
// only without them), and instantiate it. Imports the runtime lazily so that a command that compiles a
// .writ file instead does not pay for it first.

import { statSync } from "node:fs";
import { givenPath } from "../../runtime/given-path.js";
import type { LoadedPolicy } from "../../runtime/policy.js";
import { EXIT_FAILURE, EXIT_USAGE, type CliIO } from "../io.js";
import { bundleFileLocation } from "../../runtime/trust/bundle-files.js";
import { unreachableFileText } from "../text-files.js";

/**
 * Whether `target` names a compiled bundle: a directory, or one of a bundle's files (`<dir>/<name>.wasm`,
 * `.manifest.json`, `.manifest.jws`: the one bundle of that name in a directory holding several). A
 * missing path is not one, and is reported later.
 */
export function isBundlePath(io: CliIO, target: string): boolean {
  try {
    const st = statSync(givenPath(io.cwd, target));
    return st.isDirectory() || (st.isFile() && bundleFileLocation(target) !== undefined);
  } catch {
    return false;
  }
}

/**
 * Refuses --pub given with a target that is not a bundle, and returns the exit status: a path that
 * is not there (a mistyped bundle directory) is said to be missing, as it is without --pub, since it
 * is no .writ source either (exit 1); a file is a .writ source, which has no signature to check, so
 * the command line means nothing (exit 2).
 */
export function refusePubWithoutBundle(io: CliIO, command: string, target: string): typeof EXIT_USAGE | typeof EXIT_FAILURE {
  try {
    statSync(givenPath(io.cwd, target));
  } catch (e) {
    io.err(`writ ${command}: ${unreachableFileText(target, e)}`);
    return EXIT_FAILURE;
  }
  // compiled here, a .writ source has no signature, and ignoring --pub would let the caller believe one was checked
  io.err(`writ ${command}: --pub verifies a signed bundle directory; a .writ source has no signature to check`);
  return EXIT_USAGE;
}

/** How a command takes --pub: left out to use an unsigned bundle, or required (`writ verify`, which vouches for a signature). */
export type PubUse = "optional" | "required";

/**
 * Why the runtime refused a bundle, said as the command line has it: the runtime's reasons speak of
 * its options (allowUnsigned, the trusted keys), where the CLI has --pub. Without --pub an unsigned
 * bundle is accepted and a signed one is not (no key to check it with); with --pub, only a bundle
 * signed by one of its keys. A command that requires --pub cannot be told to leave it out.
 */
export function bundleRefusalReason(error: { readonly code: string; readonly message: string }, pubGiven: boolean, pubUse: PubUse = "optional"): string {
  if (error.code === "untrusted_key" && !pubGiven)
    return `${error.message}: give the key that signed it with --pub <public key> (without --pub only an unsigned bundle loads)`;
  if (error.code === "unsigned" && pubGiven) {
    const sign = "sign it (`writ sign <bundle> --key <private key>`)";
    return pubUse === "required"
      ? `bundle is not signed, and only a bundle signed by one of the --pub keys verifies: ${sign}`
      : `bundle is not signed, and with --pub only a bundle signed by one of its keys loads: ${sign}, or leave out --pub to use it unsigned`;
  }
  return error.message;
}

/**
 * The bundle in `dir`, loaded, verified against the keys `pub` lists (`a.jwk,b.jwk`, as every
 * command's --pub); on failure prints why (prefixed with `writ <command>:`) and returns the exit
 * status: a usage error for an empty name in the list, else a failure.
 */
export async function loadBundleDirectory(io: CliIO, command: string, dir: string, pub: string | undefined): Promise<LoadedPolicy | typeof EXIT_USAGE | typeof EXIT_FAILURE> {
  const [{ tryLoadPolicy }, { readBundleResult }, { loadPublicKeyList }] = await Promise.all([
    import("../../runtime/policy.js"),
    import("../../runtime/trust/bundle-files.js"),
    import("./key-list.js"),
  ]);
  const trustedKeys = loadPublicKeyList(io, command, pub);
  if (typeof trustedKeys === "number") return trustedKeys;
  const read = readBundleResult(givenPath(io.cwd, dir));
  if (!read.ok) {
    io.err(`writ ${command}: ${read.message}`);
    return EXIT_FAILURE;
  }
  // a write of the bundle that had been stopped half-way was finished (or abandoned) first: said, as it is done
  if (read.recovered !== undefined) io.err(`writ ${command}: note: ${read.recovered}`);
  const loaded = tryLoadPolicy(read.bundle, { trustedKeys, allowUnsigned: pub === undefined });
  if (!loaded.ok) {
    io.err(`writ ${command}: bundle refused (${loaded.error.code}): ${bundleRefusalReason(loaded.error, pub !== undefined)}`);
    return EXIT_FAILURE;
  }
  return loaded.policy;
}
