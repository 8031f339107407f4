// `writ sign` writes a bundle's signature alone: its module and manifest stay byte for byte as they
// were. Replacing the signature file by itself would race a write of the whole bundle beside it (a
// `writ compile -o` into the same directory): the signature of the manifest read could land beside
// the other write's new manifest, a mix every loader refuses (`manifest_mismatch`). So the signature
// is written as a write of the bundle (bundle-pending.ts, bundle-writers.ts): its record names the
// module and manifest as they are in place (staged names no file is ever created under, so they
// are taken as put in place already) and the new signature staged; it is recorded only where no
// other write's record is, and only when the files in place are still the ones that were signed.

import { randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";
import { targetOf, stageFile, type StagedFile, FileWriteError, systemErrorText } from "../file-write.js";
import { readRegularFileBounded, READ_LIMITS } from "../bounded-read.js";
import type { Bundle } from "../manifest.js";
import { shownJson } from "../shown-name.js";
import { canonicalJson } from "./jcs.js";
import { BundleFileError, bundlePaths, recordAfterOthers, settleEarlierWrite } from "./bundle-files.js";
import { finishPendingWrite, recoverPendingWrite, type StagedPart } from "./bundle-pending.js";
import { leadsThroughFile, systemPath, throughFileError } from "../given-path.js";

/** A bundle file in place, as a part of a write that keeps it: named by a staged name no file is created under. */
function keptInPlace(path: string): StagedFile {
  const target = targetOf(path);
  const temp = join(dirname(target), `.${basename(target).slice(0, 160)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  const nothing = (): void => {};
  return { path, target, temp, commit: nothing, commitExclusive: nothing, discard: nothing, handOver: nothing };
}

/** The module's and manifest's bytes in place, when they are still `signed`'s (the manifest by its canonical JSON); undefined otherwise. */
function stillSigned(paths: { module: string; manifest: string }, signed: Bundle): { module: Uint8Array; manifest: Uint8Array } | undefined {
  try {
    const module = readRegularFileBounded(paths.module, READ_LIMITS.module);
    const manifest = readRegularFileBounded(paths.manifest, READ_LIMITS.manifest);
    if (!Buffer.from(module).equals(Buffer.from(signed.module))) return undefined;
    const now = canonicalJson(JSON.parse(Buffer.from(manifest).toString("utf8")));
    const then = canonicalJson(signed.manifest);
    return now.ok && then.ok && now.text === then.text ? { module, manifest } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Puts `signature` in place as the signature of bundle `name` in `dir`, whose module and manifest
 * as read are `signed`, and returns its path. Throws a BundleFileError, nothing written, when the
 * bundle's files in place are no longer those (another write replaced them meanwhile), or when the
 * signature cannot be written.
 */
export function writeBundleSignature(dir: string, name: string, signed: Bundle, signature: string): string {
  // a `..` after a link to a directory as the system takes it, not as join() does (given-path.ts)
  dir = systemPath(dir);
  const paths = bundlePaths(dir, name);
  // join() would take a `..` after a file away with the file, and sign the bundle beside it
  if (leadsThroughFile(dir)) throw new BundleFileError(`cannot write the signature of bundle ${shownJson(name)} in ${dir}: ${systemErrorText(throughFileError(dir, "open"))}`, dir);
  const changed = (): BundleFileError =>
    new BundleFileError(`bundle ${shownJson(name)} in ${dir} was replaced by another write while it was being signed: nothing was written; sign it again`, paths.manifest);
  const settled = { earlier: settleEarlierWrite(dir, name) };
  let staged: StagedFile;
  try {
    staged = stageFile(paths.signature, signature + "\n");
  } catch (e) {
    throw e instanceof FileWriteError ? new BundleFileError(e.message, e.path) : e;
  }
  let write;
  let kept: { module: Uint8Array; manifest: Uint8Array } | undefined;
  try {
    kept = stillSigned(paths, signed);
    if (kept === undefined) throw changed();
    const parts: StagedPart[] = [
      { staged: keptInPlace(paths.module), bytes: kept.module },
      { staged: keptInPlace(paths.manifest), bytes: kept.manifest },
      { staged, bytes: new TextEncoder().encode(signature + "\n") },
    ];
    write = recordAfterOthers(dir, name, parts, [], settled);
  } catch (e) {
    staged.discard();
    throw e instanceof FileWriteError ? new BundleFileError(e.message, e.path) : e;
  }
  // a whole write of the bundle may have begun and ended between the look above and the record: the
  // record then names files no longer in place, and is rolled back as any reader would
  const now = stillSigned(paths, signed);
  if (now === undefined || !Buffer.from(now.module).equals(Buffer.from(kept.module)) || !Buffer.from(now.manifest).equals(Buffer.from(kept.manifest))) {
    recoverPendingWrite(dir, name);
    throw changed();
  }
  const finished = finishPendingWrite(write, true);
  if (!finished.ok)
    throw new BundleFileError(
      `${finished.failure.message}; the write is recorded in ${write.recordPath}, and the next command to read or write the bundle finishes it (or reads it as that write leaves it)`,
      finished.failure.path,
    );
  return paths.signature;
}
