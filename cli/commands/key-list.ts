// The public keys a `--pub <file>[,<file>...]` option names, for every command that takes one.

import { givenPath } from "../../runtime/given-path.js";
import { loadPublicKeyFile } from "../../runtime/trust/key-files.js";
import type { PublicKey } from "../../runtime/trust/types.js";
import { EXIT_FAILURE, EXIT_USAGE, type CliIO } from "../io.js";

/**
 * Reads each key file of a comma-separated list (relative to the working directory). Prints the
 * first failure as `writ <command>: <why>` and returns the exit status: a usage error for an empty
 * name in the list (as for an empty path given to any command), a failure for a key that does not
 * load; with `required`, an empty list is a failure too.
 */
export function loadPublicKeyList(io: CliIO, command: string, list: string | undefined, required = false): PublicKey[] | typeof EXIT_USAGE | typeof EXIT_FAILURE {
  const keys: PublicKey[] = [];
  if (list !== undefined && list.split(",").some((f) => f.trim() === "")) {
    // `--pub ""` or `--pub "$A,$B"` with B unset: a key the user meant to trust is missing, and
    // trusting fewer keys (or none, which accepts unsigned bundles) is not what was asked
    io.err(`writ ${command}: --pub lists an empty key file name (\`${list}\`)`);
    return EXIT_USAGE;
  }
  for (const file of (list ?? "").split(",").filter((f) => f !== "")) {
    const key = loadPublicKeyFile(givenPath(io.cwd, file));
    if (!key.ok) {
      io.err(`writ ${command}: ${key.message}`);
      return EXIT_FAILURE;
    }
    keys.push(key.key);
  }
  if (required && keys.length === 0) {
    io.err(`writ ${command}: --pub names no key file`);
    return EXIT_FAILURE;
  }
  return keys;
}
