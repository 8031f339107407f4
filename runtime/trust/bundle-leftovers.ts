// Staged files that a write of a bundle left behind. A process killed while it staged a bundle's
// files (SIGKILL, the OOM killer: a handled signal removes them, cli/signal-cleanup.ts) leaves them,
// `.<file>.<pid>.<random>.tmp`, and when it was killed before it recorded the write, no record names
// them: nothing reads or removes them again, and a bundle written by a process that is often killed
// gathers them without end. So a write of a bundle first removes, in the bundle's directory, those
// of its own files' staged and record temporaries that are certainly left over:
//
// - owned by the user writing (another's are not ours to remove, and are refused if ever named);
// - named with the pid of no process on this host (a live writer's files are its own);
// - last written over an hour ago: a directory may be shared with other hosts, or with containers
//   whose pids are not this host's, where a writer still running may have staged a file moments ago
//   and be about to record it; no writer takes an hour between staging a file and recording it;
// - named by no record of a pending write in the directory (of this bundle or another): a record's
//   staged files are the write it finishes.
//
// Only regular files are removed, and nothing else is touched: a key's temporary file, or a policy's
// being formatted, is not named as a bundle's file is. Staged files beside a bundle file's target
// elsewhere (a symbolic link's) are left where they are.

import { lstatSync, readdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { stagedNamesInRecords } from "./bundle-pending.js";
import { pendingRecordName } from "./bundle-record.js";
import { processRuns, stagedTempPid } from "../file-write.js";

/** How long ago a left-over staged file was last written, at least. */
const LEFTOVER_AGE_MS = 60 * 60 * 1000;

/**
 * Removes the staged files that writes of bundle `name` in `dir` certainly left behind (see the top
 * of this file). Best effort: never throws. Does nothing where there are no uids (Windows).
 */
export function removeLeftoverStagedFiles(dir: string, name: string): void {
  const me = process.getuid?.();
  if (me === undefined) return;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  const files = [`${name}.wasm`, `${name}.manifest.json`, `${name}.manifest.jws`, pendingRecordName(name)];
  const candidates = entries.filter((entry) => files.some((file) => stagedTempPid(file, entry) !== undefined));
  if (candidates.length === 0) return;
  const named = stagedNamesInRecords(dir, entries);
  const now = Date.now();
  for (const entry of candidates) {
    const pid = files.map((file) => stagedTempPid(file, entry)).find((p) => p !== undefined)!;
    // pid 0 and 1: no writer's (kill(0) would ask of this process's group)
    if (named.has(entry) || pid <= 1 || pid === process.pid || processRuns(pid)) continue;
    const path = join(dir, entry);
    try {
      const st = lstatSync(path);
      if (!st.isFile() || st.uid !== me || now - st.mtimeMs < LEFTOVER_AGE_MS) continue;
      unlinkSync(path);
    } catch {
      /* gone already, or not ours to remove */
    }
  }
}
