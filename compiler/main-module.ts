// Whether a module is the program node was started with (directly, or through the npm bin link,
// hence the realpath), as opposed to being imported. ES modules have no `require.main`.

import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** `isMainModule(import.meta.url)`: true when node was started with this module's file. */
export function isMainModule(moduleUrl: string): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(moduleUrl);
  } catch {
    return false;
  }
}
