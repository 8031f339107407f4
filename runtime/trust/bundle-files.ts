// Bundles on disk: `<dir>/<name>.wasm`, `<dir>/<name>.manifest.json` and, when signed,
// `<dir>/<name>.manifest.jws` (the compact JWS on one line). Reading checks only that the files exist,
// are regular files, and parse; whether the bundle may be trusted is verifyBundle's job.

import { existsSync, lstatSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { isPolicyName, type Bundle, type Manifest } from "../manifest.js";
import { utf8Decode } from "../crypto/base64url.js";
import { NotRegularFileError, readRegularFileBounded, READ_LIMITS, TooLargeError, tooLargeMessage } from "../bounded-read.js";
import { escapeControls } from "../thrown.js";
import { shownJson } from "../shown-name.js";
import { trimLineSpace } from "../strings.js";
import { jsonAmbiguity } from "../json-ambiguity.js";
import { FileWriteError, stageFile, syncDirectory, systemErrorText, type StagedFile } from "../file-write.js";

function isDirectoryPath(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

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

/** `dir` is the directory the bundle's files are in, also when the bundle was named by one of them. */
export type ReadBundleResult = { ok: true; bundle: Bundle; name: string; dir: string } | { ok: false; message: string; path: string };

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
  const names = manifests.map((f) => f.slice(0, -".manifest.json".length)).filter(isPolicyName).sort();
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

/**
 * Whether the directory holds an entry at `path`, a symbolic link to nothing (or in a loop)
 * included: existsSync follows links and says no for those, and a bundle whose signature file could
 * not be read would then load as unsigned. Only "no such entry" is no entry.
 */
function hasEntry(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== "ENOENT";
  }
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
  const file = bundleFileLocation(dir);
  if (file !== undefined && !isDirectoryPath(dir)) {
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
  const paths = bundlePaths(dir, name);

  let module: Uint8Array;
  try {
    module = new Uint8Array(readRegularFileBounded(paths.module, READ_LIMITS.module));
  } catch (e) {
    return partRefusal("module", paths.module, e);
  }

  let manifestText: string | null;
  try {
    manifestText = utf8Decode(readRegularFileBounded(paths.manifest, READ_LIMITS.manifest));
  } catch (e) {
    return partRefusal("manifest", paths.manifest, e);
  }
  // strictly: a byte that is not UTF-8 would read as U+FFFD, and the manifest would say what its file does not
  if (manifestText === null) return { ok: false, path: paths.manifest, message: `bundle manifest ${paths.manifest} is not UTF-8 text` };
  let manifest: unknown;
  try {
    manifest = JSON.parse(manifestText);
  } catch (e) {
    return { ok: false, path: paths.manifest, message: `bundle manifest ${paths.manifest} is not valid JSON: ${(e as Error).message}` };
  }
  // A member named twice: JSON.parse keeps the last, and the signature (over the canonical JSON of
  // what was parsed) still verifies, while a reader that keeps the first (or a person) sees another
  // version, or a forbid as a permit. The file Writ writes never holds one.
  const ambiguity = jsonAmbiguity(manifestText);
  if (ambiguity !== undefined) return { ok: false, path: paths.manifest, message: `bundle manifest ${paths.manifest}:${ambiguity}` };
  if (typeof manifest !== "object" || manifest === null || Array.isArray(manifest))
    return { ok: false, path: paths.manifest, message: `bundle manifest ${paths.manifest} is not a JSON object` };
  // The files are written under the policy's name (writeBundle): another name is another policy's files.
  const named = (manifest as { name?: unknown }).name;
  if (named !== name)
    return { ok: false, path: paths.manifest, message: `bundle manifest ${paths.manifest} is the manifest of policy ${shownJson(named)}, not of ${shownJson(name)}: its files are named for another policy` };

  let signature: string | undefined;
  if (hasEntry(paths.signature)) {
    try {
      // the line end the file ends with is not part of the JWS; a BOM or a no-break space is (as for an artifact)
      signature = trimLineSpace(readRegularFileBounded(paths.signature, READ_LIMITS.manifest).toString("utf8"));
    } catch (e) {
      // there is an entry: a link to nothing is a signature that cannot be read, not no signature
      if ((e as NodeJS.ErrnoException).code === "ENOENT")
        return { ok: false, path: paths.signature, message: `bundle signature ${paths.signature} is a symbolic link to a file that does not exist` };
      return partRefusal("signature", paths.signature, e);
    }
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/.test(signature))
      return { ok: false, path: paths.signature, message: `bundle signature ${paths.signature} is not a compact JWS` };
  }
  const bundle: Bundle = signature === undefined ? { module, manifest: manifest as Manifest } : { module, manifest: manifest as Manifest, signature };
  return { ok: true, bundle, name, dir };
}

/** As readBundleResult; throws a BundleFileError (naming the file) when the bundle cannot be read. */
export function readBundle(dir: string, name?: string): Bundle {
  const result = readBundleResult(dir, name);
  if (!result.ok) throw new BundleFileError(result.message, result.path);
  return result.bundle;
}

/**
 * Writes the bundle's files under `manifest.name` (creating `dir` if needed) and returns their paths. An unsigned bundle removes
 * a stale `<name>.manifest.jws`, which would otherwise pair an old signature with the new manifest.
 *
 * A bundle already there is replaced, never damaged (file-write.ts): each new file is written whole
 * beside its old one first, and only when all are written are they renamed into place — module,
 * then manifest, then signature (or the stale signature removed). A write that fails (a full disk)
 * leaves the old bundle as it was. A kill between two renames leaves a mix of old and new files,
 * and every mix is refused when the bundle is loaded or verified, never taken for a bundle: the
 * manifest states the module's digests (checked signed or not), and the signature signs the
 * manifest. The manifest is renamed after the module so that a manifest on disk is never newer
 * than its module, and the signature last, so that one is never seen vouching for a manifest that
 * is not yet in place; an old signature is removed only once the new files are in place, so a
 * failed write never leaves the old bundle unsigned.
 */
export function writeBundle(dir: string, bundle: Bundle): string[] {
  const name = bundle.manifest.name;
  if (!isPolicyName(name))
    throw new BundleFileError(`policy name ${JSON.stringify(name)} cannot be used as a file name`, dir);
  const paths = bundlePaths(dir, name);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new BundleFileError(`cannot create the bundle directory ${dir}: ${systemErrorText(e)}`, dir);
  }
  const files: [string, string | Uint8Array][] = [
    [paths.module, bundle.module],
    [paths.manifest, JSON.stringify(bundle.manifest, null, 2) + "\n"],
  ];
  if (bundle.signature !== undefined) files.push([paths.signature, bundle.signature + "\n"]);
  const staged: StagedFile[] = [];
  try {
    for (const [path, data] of files) staged.push(stageFile(path, data));
  } catch (e) {
    for (const s of staged) s.discard();
    if (e instanceof FileWriteError) throw new BundleFileError(`${e.message}; no file of the bundle in ${dir} was replaced`, e.path);
    throw e;
  }
  for (const [i, s] of staged.entries()) {
    try {
      s.commit();
    } catch (e) {
      for (const rest of staged.slice(i + 1)) rest.discard();
      const done = staged.slice(0, i).map((d) => basename(d.path));
      const state = done.length === 0 ? "no file of the bundle was replaced" : `${done.join(" and ")} already replaced: the bundle will be refused until it is written again`;
      throw new BundleFileError(`${e instanceof Error ? e.message : String(e)}; ${state}`, s.path);
    }
  }
  if (bundle.signature === undefined) {
    try {
      rmSync(paths.signature, { force: true });
    } catch (e) {
      throw new BundleFileError(`cannot remove the old signature ${paths.signature}: ${systemErrorText(e)}; it does not sign the new manifest, and the bundle will be refused until it is removed`, paths.signature);
    }
  }
  for (const d of new Set([dir, ...staged.map((s) => dirname(s.target))])) syncDirectory(d);
  return staged.map((s) => s.path);
}
