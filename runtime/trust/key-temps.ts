// Temporary files that keygens killed in a directory left there. Each key is written to a temporary
// file beside its name and then linked to it (key-files.ts, writeKeyPair); a kill that cannot be
// caught (SIGKILL, the OOM killer) leaves that file, `.<base>.private.jwk.<pid>.<random>.tmp`, and a
// private key's, 0600, is a copy of the key: a hard link to the key file once linked, or a key that
// never got its name. Every killed keygen adds one, so keygen removes those of its own pair's names
// before it writes: each one whose process is gone, owned by the running user. A temporary file of
// a keygen still running (its process is there) or of another user is left alone, as is anything
// else in the directory (a bundle's staged files, which its record of a pending write may name).
// A process id is one of this machine's (of its pid namespace): a keygen running in a container that
// shares the directory may be taken for gone, and its temporary file removed; that keygen then fails
// (ENOENT) and leaves no key file, and a key already linked to its name is not touched.

import { lstatSync, readdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { processRuns, stagedTempPid } from "../file-write.js";

/**
 * Removes from `dir` the temporary files of `<name>.private.jwk` and `<name>.public.jwk` that a
 * keygen killed there left: each a regular file owned by the running user (root: root), staged by
 * a process that is gone. Returns the paths removed; never throws. Nothing where there are no uids
 * (Windows).
 */
export function removeLeftoverKeyTemps(dir: string, name = "writ"): string[] {
  const me = process.getuid?.();
  if (me === undefined) return [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return []; // writing there says why
  }
  const targets = [join(dir, `${name}.private.jwk`), join(dir, `${name}.public.jwk`)];
  const removed: string[] = [];
  for (const entry of entries) {
    const pid = targets.map((target) => stagedTempPid(target, entry)).find((p) => p !== undefined);
    if (pid === undefined || processRuns(pid)) continue;
    const path = join(dir, entry);
    try {
      const st = lstatSync(path);
      if (!st.isFile() || st.uid !== me) continue;
      unlinkSync(path);
      removed.push(path);
    } catch {
      /* gone already, or not ours to remove */
    }
  }
  return removed;
}
