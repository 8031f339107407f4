// Bundles on disk: `<dir>/<name>.wasm`, `<dir>/<name>.manifest.json` and, when signed,
// `<dir>/<name>.manifest.jws` (the compact JWS on one line). Reading checks only that the files exist,
// are regular files, and parse; whether the bundle may be trusted is verifyBundle's job. Replacing a
// bundle is one write of several files, which whoever reads or writes the bundle next finishes if it
// was stopped half-way (bundle-pending.ts).

import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { isPolicyName, type Bundle, type Manifest } from "../manifest.js";
import { utf8Decode } from "../crypto/base64url.js";
import { NotRegularFileError, readRegularFileBounded, READ_LIMITS, TooLargeError, tooLargeMessage } from "../bounded-read.js";
import { escapeControls } from "../thrown.js";
import { shownJson } from "../shown-name.js";
import { trimLineSpace } from "../strings.js";
import { jsonAmbiguity } from "../json-ambiguity.js";
import { jsonTooDeep } from "../json-bounds.js";
import { FileWriteError, hasEntry, stageFile, systemErrorText } from "../file-write.js";
import { directoryRefusal, makeDirectories } from "../make-directories.js";
import {
  finishPendingWrite,
  keptChangingMessage,
  pendingWriteBegunSince,
  recordPendingWrite,
  recoverPendingWrite,
  setAsideRecord,
  type BundleView,
  type PendingWrite,
  type Recovery,
  type StagedPart,
} from "./bundle-pending.js";
import { pendingNames, pendingRecordPath } from "./bundle-record.js";
import { removeLeftoverStagedFiles } from "./bundle-leftovers.js";
import { awaitOtherWrite, OTHER_WRITE_WAIT_MS } from "./bundle-writers.js";
import { isDirectory, systemPath } from "../given-path.js";

export class BundleFileError extends Error {
  constructor(
    message: string,
    /** the file at fault (or the directory, when no bundle was found in it) */
    readonly path: string,
  ) {
    super(message);
    this.name = "BundleFileError";
  }
}

/**
 * `dir` is the directory the bundle's files are in, also when the bundle was named by one of them.
 * `recovered`, when there, says how a write of the bundle that had been stopped half-way was
 * finished or abandoned before it was read (bundle-pending.ts): a command prints it as a note.
 */
export type ReadBundleResult = { ok: true; bundle: Bundle; name: string; dir: string; recovered?: string } | { ok: false; message: string; path: string };

export function bundlePaths(dir: string, name: string): { module: string; manifest: string; signature: string } {
  return { module: join(dir, `${name}.wasm`), manifest: join(dir, `${name}.manifest.json`), signature: join(dir, `${name}.manifest.jws`) };
}

function findName(dir: string): { ok: true; name: string } | { ok: false; message: string; path: string } {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // ENOTDIR: `dir` is a file, or a file stands where one of the directories it lies in should be
    if (code === "ENOTDIR") return { ok: false, path: dir, message: existsSync(dir) ? notABundleFile(dir) : notADirectoryOnTheWay(dir) };
    return { ok: false, path: dir, message: code === "ENOENT" ? `bundle directory ${dir} does not exist` : `cannot list bundle directory ${dir}: ${systemErrorText(e)}` };
  }
  // only a name a policy can have names a bundle (writeBundle writes no other): `.manifest.json`
  // (a stray file, an editor's backup) or `.x.manifest.json` is no bundle, and is passed over
  // rather than read as one with an empty or hidden name beside the real one
  const manifests = entries.filter((f) => f.endsWith(".manifest.json"));
  // a bundle whose first write was stopped before its manifest was in place has only the record of that write
  const names = [...new Set([...manifests.map((f) => f.slice(0, -".manifest.json".length)).filter(isPolicyName), ...pendingNames(entries)])].sort();
  if (names.length === 0) {
    // a name read from the directory may hold any character: shown escaped, so a file named with an
    // ANSI or OSC sequence cannot recolour, clear or retitle the terminal that shows this
    const passedOver = manifests.length === 0 ? "" : ` (\`${escapeControls(manifests.sort()[0]!)}\`${manifests.length > 1 ? ` and ${manifests.length - 1} more` : ""} not named as a policy can be: letters, digits, \`.\`, \`_\` and \`-\`, not starting with \`.\` or \`-\`)`;
    return { ok: false, path: dir, message: `no <name>.manifest.json in ${dir}${passedOver}: not a bundle directory` };
  }
  // quoted: a list of names is read whole, and one could be mistaken for the separator around it
  if (names.length > 1)
    return {
      ok: false,
      path: dir,
      message: `${dir} holds several bundles (${names.map((n) => `\`${escapeControls(n)}\``).join(", ")}): name the one to read by one of its files, as ${join(dir, `${escapeControls(names[0]!)}.wasm`)}`,
    };
  return { ok: true, name: names[0]! };
}

/** Why a file given as a bundle is not one; a policy's source is the file most often given for its bundle. */
function notABundleFile(path: string): string {
  if (path.endsWith(".writ"))
    return `${path} is a policy source, not a compiled bundle: compile it first (\`writ compile ${path} -o <dir>\`) and give the bundle's directory, or its <name>.wasm`;
  return `${path} is a file, not a bundle: give the bundle's directory, or one of its files (<name>.wasm, <name>.manifest.json, <name>.manifest.jws)`;
}

/**
 * Why `path` cannot be read when a part of it is not a directory (`a.txt/x`, where a.txt is a file):
 * said as `ls` says it, naming that part, not as if `path` were a file given for a bundle.
 */
function notADirectoryOnTheWay(path: string): string {
  const part = firstNonDirectory(path);
  return `cannot read bundle ${path}: a part of its path is not a directory${part === undefined ? "" : ` (${part})`}`;
}

/** The nearest directory `path` lies in that is there and is not a directory, if there is one. */
function firstNonDirectory(path: string): string | undefined {
  for (let p = dirname(path); p !== dirname(p); p = dirname(p)) {
    try {
      return statSync(p).isDirectory() ? undefined : p;
    } catch {
      // not there (ENOTDIR, itself below a file): look further up
    }
  }
  return undefined;
}

type PartRefusal = { ok: false; path: string; message: string };

/**
 * Why the bundle's `what` (module, manifest, signature) at `path` could not be read, as a refusal
 * naming it. A part that is not a regular file is refused as a policy source is: a FIFO would block
 * the command until something wrote to it.
 */
function partRefusal(what: "module" | "manifest" | "signature", path: string, e: unknown): PartRefusal {
  const refuse = (message: string): PartRefusal => ({ ok: false, path, message });
  if (e instanceof NotRegularFileError) return refuse(`bundle ${what} ${path}: not a regular file (${e.kind}); a bundle's files are regular files, as \`writ compile\` writes them`);
  if (e instanceof TooLargeError) return refuse(tooLargeMessage(`bundle ${what} ${path}`, e, `a ${what}`));
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return refuse(`bundle ${what} ${path} is missing`);
  if (code === "ENOTDIR") return refuse(notADirectoryOnTheWay(path));
  return refuse(`cannot read bundle ${what} ${path}: ${systemErrorText(e)}`);
}


const BUNDLE_FILE = /^(.+)\.(wasm|manifest\.json|manifest\.jws)$/;

/**
 * Where one of a bundle's files points: its directory and the bundle's name (`build/payments.wasm`
 * names the bundle `payments` in `build/`, beside others compiled there), or undefined for a path
 * that is not named like one.
 */
export function bundleFileLocation(path: string): { dir: string; name: string } | undefined {
  const m = BUNDLE_FILE.exec(basename(path));
  return m === null ? undefined : { dir: dirname(path), name: m[1]! };
}

/**
 * Reads a bundle; errors are values naming the missing or garbled file. `dir` is the bundle's
 * directory, or one of its files (`<dir>/<name>.wasm`, `.manifest.json`, `.manifest.jws`), which
 * names the bundle in a directory holding several.
 */
export function readBundleResult(dir: string, name?: string): ReadBundleResult {
  // a `..` after a link to a directory as the system takes it, not as join() does (given-path.ts)
  dir = systemPath(dir);
  const file = bundleFileLocation(dir);
  if (file !== undefined && !isDirectory(dir)) {
    // the file names its bundle; a name given as well must be that one (it would be looked for inside the file)
    if (name !== undefined && name !== file.name)
      return { ok: false, path: dir, message: `${dir} is a file of bundle ${shownJson(file.name)}, not of ${shownJson(name)}: give the bundle's directory with the name, or one of its files alone` };
    return readBundleResult(file.dir, file.name);
  }
  if (name === undefined) {
    const found = findName(dir);
    if (!found.ok) return found;
    name = found.name;
  }
  // A write under way may put a new file in place between two of the reads below, or begin after
  // its record was looked for and before the files are read: the bundle is read again when one of
  // its files was replaced while it was read, or when a record of a write is there that was not
  // when the reading began.
  let recovered: string | undefined;
  for (let attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
    const recovery = recoverPendingWrite(dir, name);
    if (recovery.kind === "unreadable" || recovery.kind === "changing") return { ok: false, path: recovery.path, message: recovery.message };
    // the latest: what an earlier reading said may no longer be so
    if (recovery.kind !== "none") recovered = recovery.note;
    let files: ReturnType<typeof readFiles>;
    let unchanged = (): boolean => true;
    if (recovery.kind === "unfinished") {
      // a write that could not be finished: read from the bytes its record was checked against,
      // never from the files' names again
      files = { ok: true, files: recovery.view };
    } else {
      const paths = bundlePaths(dir, name);
      const before = identities(paths);
      files = readFiles(paths);
      unchanged = () => identities(paths) === before;
    }
    // the record after the files, then the files' identities: a write whose record is gone by then
    // made all its renames before the second look at the files
    if (pendingWriteBegunSince(dir, name, recovery.seen) || !unchanged()) continue;
    if (!files.ok) return files;
    const read = parseBundle(files.files, name);
    if (!read.ok) return read;
    return recovered === undefined ? { ok: true, bundle: read.bundle, name, dir } : { ok: true, bundle: read.bundle, name, dir, recovered };
  }
  return { ok: false, path: dir, message: keptChangingMessage(dir, name, READ_ATTEMPTS) };
}

/** How many times a bundle is read when a write changes it while it is read, before it is refused. */
const READ_ATTEMPTS = 5;

/** What names each of a bundle's files now (device, inode, size, times): a file renamed into place changes it. */
function identities(paths: { module: string; manifest: string; signature: string }): string {
  return [paths.module, paths.manifest, paths.signature]
    .map((p) => {
      try {
        const st = statSync(p);
        return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
      } catch (e) {
        return `absent:${(e as NodeJS.ErrnoException).code}`;
      }
    })
    .join(" ");
}

/** Reads a bundle's files from their places in its directory: their bytes, or why one cannot be read. */
function readFiles(paths: { module: string; manifest: string; signature: string }): { ok: true; files: BundleView } | PartRefusal {
  let module: Uint8Array;
  try {
    module = readRegularFileBounded(paths.module, READ_LIMITS.module);
  } catch (e) {
    return partRefusal("module", paths.module, e);
  }
  let manifest: Uint8Array;
  try {
    manifest = readRegularFileBounded(paths.manifest, READ_LIMITS.manifest);
  } catch (e) {
    return partRefusal("manifest", paths.manifest, e);
  }
  const files = { module: { path: paths.module, bytes: module }, manifest: { path: paths.manifest, bytes: manifest } };
  if (!hasEntry(paths.signature)) return { ok: true, files: { ...files, signature: undefined } };
  try {
    return { ok: true, files: { ...files, signature: { path: paths.signature, bytes: readRegularFileBounded(paths.signature, READ_LIMITS.manifest) } } };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT")
      return {
        ok: false,
        path: paths.signature,
        // there was an entry: a link to nothing is a signature that cannot be read, not no signature
        message: hasEntry(paths.signature)
          ? `bundle signature ${paths.signature} is a symbolic link to a file that does not exist`
          : `bundle signature ${paths.signature} was removed while the bundle was read`,
      };
    return partRefusal("signature", paths.signature, e);
  }
}

/**
 * The bundle `files` hold, parsed: a manifest that is UTF-8 JSON, of policy `name`, and a signature
 * that is a compact JWS; or why not, naming the file.
 */
function parseBundle(files: BundleView, name: string): { ok: true; bundle: Bundle } | PartRefusal {
  const { module } = files;
  // files read from a write's staged files were read with the limit of a module (bundle-pending.ts)
  for (const [what, file] of [["manifest", files.manifest] as const, ["signature", files.signature] as const])
    if (file !== undefined && file.bytes.length > READ_LIMITS.manifest) return partRefusal(what, file.path, new TooLargeError(READ_LIMITS.manifest, file.bytes.length));
  const manifestPath = files.manifest.path;
  const manifestText = utf8Decode(files.manifest.bytes);
  // strictly: a byte that is not UTF-8 would read as U+FFFD, and the manifest would say what its file does not
  if (manifestText === null) return { ok: false, path: manifestPath, message: `bundle manifest ${manifestPath} is not UTF-8 text` };
  // its 64 MiB could nest as deep: refused at the bracket past any manifest's depth, before JSON.parse builds it
  const tooDeep = jsonTooDeep(manifestText);
  if (tooDeep !== undefined) return { ok: false, path: manifestPath, message: `bundle manifest ${manifestPath}:${tooDeep.at}: ${tooDeep.why}` };
  let manifest: unknown;
  try {
    manifest = JSON.parse(manifestText);
  } catch (e) {
    return { ok: false, path: manifestPath, message: `bundle manifest ${manifestPath} is not valid JSON: ${(e as Error).message}` };
  }
  // A member named twice: JSON.parse keeps the last, and the signature (over the canonical JSON of
  // what was parsed) still verifies, while a reader that keeps the first (or a person) sees another
  // version, or a forbid as a permit. The file Writ writes never holds one.
  const ambiguity = jsonAmbiguity(manifestText);
  if (ambiguity !== undefined) return { ok: false, path: manifestPath, message: `bundle manifest ${manifestPath}:${ambiguity}` };
  if (typeof manifest !== "object" || manifest === null || Array.isArray(manifest))
    return { ok: false, path: manifestPath, message: `bundle manifest ${manifestPath} is not a JSON object` };
  // The files are written under the policy's name (writeBundle): another name is another policy's files.
  const named = (manifest as { name?: unknown }).name;
  if (named !== name)
    return { ok: false, path: manifestPath, message: `bundle manifest ${manifestPath} is the manifest of policy ${shownJson(named)}, not of ${shownJson(name)}: its files are named for another policy` };

  let signature: string | undefined;
  if (files.signature !== undefined) {
    const signaturePath = files.signature.path;
    // the line end the file ends with is not part of the JWS; a BOM or a no-break space is (as for an artifact)
    const bytes = files.signature.bytes;
    signature = trimLineSpace(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/.test(signature))
      return { ok: false, path: signaturePath, message: `bundle signature ${signaturePath} is not a compact JWS` };
  }
  // a Uint8Array of its own, not the Buffer read (whose memory may be shared)
  const moduleBytes = new Uint8Array(module.bytes);
  const bundle: Bundle = signature === undefined ? { module: moduleBytes, manifest: manifest as Manifest } : { module: moduleBytes, manifest: manifest as Manifest, signature };
  return { ok: true, bundle };
}

/** As readBundleResult; throws a BundleFileError (naming the file) when the bundle cannot be read. */
export function readBundle(dir: string, name?: string): Bundle {
  const result = readBundleResult(dir, name);
  if (!result.ok) throw new BundleFileError(result.message, result.path);
  return result.bundle;
}

/**
 * How long a write goes on looking for a place for its record that writes of the bundle beside it
 * keep taking: twice the wait for one write (bundle-writers.ts), so that one stopped writer waited
 * for and finished leaves time for the next. A bound in time, not in tries: a writer that writes
 * the bundle back to back records its next write in the moment this one takes to see its record
 * gone, and can do so any number of times within a second; each of those writes ends, and this
 * write records its own once that writer is done.
 */
const RECORD_WAIT_MS = 2 * OTHER_WRITE_WAIT_MS;

/**
 * Records the write of bundle `name` in `dir` whose files are `parts` (recordPendingWrite), once no
 * other write's record is in the way: one recorded since `settled.earlier` was found is waited for or
 * finished (settleEarlierWrite), for RECORD_WAIT_MS at most, and one not acted on (another user's)
 * is moved aside, as renaming this write's record over it did. Throws what recordPendingWrite throws
 * (a FileWriteError), or a BundleFileError; nothing is then in place, and the caller discards the
 * staged files.
 */
export function recordAfterOthers(dir: string, name: string, parts: readonly StagedPart[], remove: readonly string[], settled: { earlier: Recovery }): PendingWrite {
  const recordPath = pendingRecordPath(dir, name);
  const until = Date.now() + RECORD_WAIT_MS;
  for (let taken = 0; ; taken++) {
    try {
      return recordPendingWrite(dir, name, parts, remove);
    } catch (e) {
      // a record there already: another write's, recorded since this one looked (or one not acted on)
      if (!(e instanceof FileWriteError && e.code === "EEXIST" && e.path === recordPath)) throw e;
      // one not acted on is replaced, as a record renamed over it would; unless it cannot be (sticky directory)
      if (settled.earlier.kind === "ignored" && setAsideRecord(recordPath, settled.earlier.seen)) continue;
      if (settled.earlier.kind === "ignored") throw e;
      if (Date.now() >= until)
        throw new BundleFileError(
          `other writes of bundle ${shownJson(name)} in ${dir} kept recording theirs while this one came to record its own, ${taken + 1} times in ${RECORD_WAIT_MS / 1000} s: no file of the bundle was replaced; try again once they are done`,
          recordPath,
        );
      settled.earlier = settleEarlierWrite(dir, name);
    }
  }
}

/**
 * Before a write of bundle `name` in `dir` stages or records its files: a write of it under way in a
 * running process is waited for, a few seconds at most (bundle-writers.ts), and then, or at once
 * when its writer has ended, what is left of it is finished as a reader finishes it
 * (bundle-pending.ts). Throws a BundleFileError, nothing written, when that cannot be done.
 */
export function settleEarlierWrite(dir: string, name: string): Recovery {
  awaitOtherWrite(dir, name);
  const earlier = recoverPendingWrite(dir, name);
  if (earlier.kind === "unreadable" || earlier.kind === "changing") throw new BundleFileError(earlier.message, earlier.path);
  if (earlier.kind === "unfinished") throw new BundleFileError(`${earlier.why}; no file of the bundle in ${dir} was written`, pendingRecordPath(dir, name));
  return earlier;
}

/**
 * Writes the bundle's files under `manifest.name` (creating `dir` if needed) and returns their paths. An unsigned bundle removes
 * a stale `<name>.manifest.jws`, which would otherwise pair an old signature with the new manifest.
 *
 * A bundle already there is replaced whole, never damaged (file-write.ts, bundle-pending.ts): each
 * new file is written whole and flushed beside its old one; only when all are written is a record of
 * the write flushed beside them, and then they are renamed into place (module, then manifest, then
 * signature, and a stale signature removed) and the record removed. A write that fails before the
 * record is written (a full disk) leaves the old bundle as it was. One stopped after (a kill, power
 * loss, a rename that fails) leaves the record, and whoever next reads or writes the bundle finishes
 * the write from it: what is read is the old bundle or the new one, whole. A pending write of this
 * bundle found here, from an earlier write that was stopped, is finished first, so that a write that
 * fails now leaves a whole bundle as it found it. One under way in another running process is waited
 * for, a few seconds at most, and then finished as a reader would (bundle-writers.ts): of two writes
 * at once, the bundle is left as one of them wrote it, whole.
 */
export function writeBundle(dir: string, bundle: Bundle): string[] {
  // a `..` after a link to a directory as the system takes it, not as join() does (given-path.ts)
  dir = systemPath(dir);
  const name = bundle.manifest.name;
  if (!isPolicyName(name))
    throw new BundleFileError(`policy name ${JSON.stringify(name)} cannot be used as a file name`, dir);
  const paths = bundlePaths(dir, name);
  try {
    makeDirectories(dir);
  } catch (e) {
    throw new BundleFileError(`cannot create the bundle directory ${dir}: ${directoryRefusal(e)}`, dir);
  }
  const recordPath = pendingRecordPath(dir, name);
  const settled = { earlier: settleEarlierWrite(dir, name) };
  removeLeftoverStagedFiles(dir, name);
  const encoder = new TextEncoder();
  const files: [string, Uint8Array][] = [
    [paths.module, bundle.module],
    [paths.manifest, encoder.encode(JSON.stringify(bundle.manifest, null, 2) + "\n")],
  ];
  if (bundle.signature !== undefined) files.push([paths.signature, encoder.encode(bundle.signature + "\n")]);
  const parts: StagedPart[] = [];
  const nothingReplaced = (e: unknown): never => {
    for (const p of parts) p.staged.discard();
    // another user's record, not acted on, that this write's own cannot replace (a sticky directory)
    const earlier = settled.earlier;
    if (e instanceof FileWriteError && earlier.kind === "ignored" && earlier.path === e.path && e.path === recordPath)
      throw new BundleFileError(
        `${e.message}; ${earlier.path} is owned by uid ${earlier.owner}, not by you, root or the bundle's owner, and is in the way of this write's record: its owner or root may remove it; no file of the bundle in ${dir} was replaced`,
        earlier.path,
      );
    if (e instanceof FileWriteError) throw new BundleFileError(`${e.message}; no file of the bundle in ${dir} was replaced`, e.path);
    throw e;
  };
  let write;
  try {
    for (const [path, bytes] of files) parts.push({ staged: stageFile(path, bytes), bytes });
    write = recordAfterOthers(dir, name, parts, bundle.signature === undefined ? [basename(paths.signature)] : [], settled);
  } catch (e) {
    return nothingReplaced(e);
  }
  const finished = finishPendingWrite(write, true);
  if (!finished.ok) {
    const { path, message } = finished.failure;
    throw new BundleFileError(
      `${message}; the write is recorded in ${write.recordPath}, and the next command to read or write the bundle finishes it (or reads it as that write leaves it)`,
      path,
    );
  }
  return parts.map((p) => p.staged.path);
}
