// A file a command reads that it would then write over: `writ compile payments.manifest.json -o .`
// would replace the policy's source with its own manifest, and `--sign build/p.wasm` the signing key
// with the module. Refused before anything is written.

import { realpathSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** A file read (`what`: "the policy source", "the signing key") at `path`. */
export interface ReadFile {
  readonly what: string;
  /** as the command line gave it */
  readonly given: string;
  readonly path: string;
}

/** The file itself, links followed, or undefined when it cannot be resolved. */
function realFile(path: string): string | undefined {
  try {
    return realpathSync.native(path);
  } catch {
    return undefined;
  }
}

/**
 * Where a write to `output` lands: the file a symbolic link there points to, or the name in its
 * directory (links followed) when there is no file yet.
 */
function landing(output: string): string | undefined {
  const there = realFile(output);
  if (there !== undefined) return there;
  const dir = realFile(dirname(output));
  return dir === undefined ? undefined : join(dir, basename(output));
}

/**
 * The first file read that a write to one of `outputs` would replace, with that output; undefined
 * when none would be. Another hard link to a file is not that file: a write replaces the name
 * written, and the other name keeps the old contents.
 */
export function outputClash(reads: readonly ReadFile[], outputs: readonly string[]): { read: ReadFile; output: string } | undefined {
  const landings = outputs.map((output) => ({ output, at: landing(output) }));
  for (const read of reads) {
    const real = realFile(read.path);
    if (real === undefined) continue;
    const clash = landings.find((l) => l.at === real);
    if (clash !== undefined) return { read, output: clash.output };
  }
  return undefined;
}
