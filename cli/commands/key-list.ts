// The public keys a `--pub <file>[,<file>...]` option names, for every command that takes one.

import { givenPath } from "../../runtime/given-path.js";
import { loadPublicKeyFile } from "../../runtime/trust/key-files.js";
import type { PublicKey } from "../../runtime/trust/types.js";
import { EXIT_FAILURE, EXIT_USAGE, type CliIO } from "../io.js";

/** The keys of a `--pub` list, or the first failure: its exit status and why. */
export type PublicKeyList = { readonly ok: true; readonly keys: PublicKey[] } | { readonly ok: false; readonly exit: typeof EXIT_USAGE | typeof EXIT_FAILURE; readonly message: string };

/**
 * Reads each key file of a comma-separated list (relative to `cwd`). The first failure is a usage
 * error for an empty name in the list (as for an empty path given to any command), a failure for a
 * key that does not load; with `required`, an empty list is a failure too.
 */
export function readPublicKeyList(cwd: string, list: string | undefined, required = false): PublicKeyList {
  const keys: PublicKey[] = [];
  if (list !== undefined && list.split(",").some((f) => f.trim() === "")) {
    // `--pub ""` or `--pub "$A,$B"` with B unset: a key the user meant to trust is missing, and
    // trusting fewer keys (or none, which accepts unsigned bundles) is not what was asked
    return { ok: false, exit: EXIT_USAGE, message: `--pub lists an empty key file name (\`${list}\`)` };
  }
  for (const file of (list ?? "").split(",").filter((f) => f !== "")) {
    const key = loadPublicKeyFile(givenPath(cwd, file));
    if (!key.ok) return { ok: false, exit: EXIT_FAILURE, message: key.message };
    keys.push(key.key);
  }
  if (required && keys.length === 0) return { ok: false, exit: EXIT_FAILURE, message: "--pub names no key file" };
  return { ok: true, keys };
}

/** readPublicKeyList, printing the first failure as `writ <command>: <why>` and returning its exit status. */
export function loadPublicKeyList(io: CliIO, command: string, list: string | undefined, required = false): PublicKey[] | typeof EXIT_USAGE | typeof EXIT_FAILURE {
  const read = readPublicKeyList(io.cwd, list, required);
  if (read.ok) return read.keys;
  io.err(`writ ${command}: ${read.message}`);
  return read.exit;
}
