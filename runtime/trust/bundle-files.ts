// Bundles on disk: `<dir>/<name>.wasm`, `<dir>/<name>.manifest.json` and, when signed,
// `<dir>/<name>.manifest.jws` (the compact JWS on one line). Reading checks only that the files exist
// and parse; whether the bundle may be trusted is verifyBundle's job.

import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { isPolicyName, type Bundle, type Manifest } from "../manifest.js";
import { utf8Decode } from "../crypto/base64url.js";
import { readFileBounded, READ_LIMITS, TooLargeError, tooLargeMessage } from "../bounded-read.js";

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
    if (code === "ENOTDIR") return { ok: false, path: dir, message: notABundleFile(dir) };
    return { ok: false, path: dir, message: code === "ENOENT" ? `bundle directory ${dir} does not exist` : `cannot list bundle directory ${dir}: ${(e as Error).message}` };
  }
  const names = entries.filter((f) => f.endsWith(".manifest.json")).map((f) => f.slice(0, -".manifest.json".length)).sort();
  if (names.length === 0) return { ok: false, path: dir, message: `no <name>.manifest.json in ${dir}: not a bundle directory` };
  if (names.length > 1)
    return { ok: false, path: dir, message: `${dir} holds several bundles (${names.join(", ")}): name the one to read by one of its files, as ${join(dir, `${names[0]}.wasm`)}` };
  return { ok: true, name: names[0]! };
}

/** Why a file given as a bundle is not one; a policy's source is the file most often given for its bundle. */
function notABundleFile(path: string): string {
  if (path.endsWith(".writ"))
    return `${path} is a policy source, not a compiled bundle: compile it first (\`writ compile ${path} -o <dir>\`) and give the bundle's directory, or its <name>.wasm`;
  return `${path} is a file, not a bundle: give the bundle's directory, or one of its files (<name>.wasm, <name>.manifest.json, <name>.manifest.jws)`;
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
      return { ok: false, path: dir, message: `${dir} is a file of bundle ${JSON.stringify(file.name)}, not of ${JSON.stringify(name)}: give the bundle's directory with the name, or one of its files alone` };
    return readBundleResult(file.dir, file.name);
  }
  if (name === undefined) {
    const found = findName(dir);
    if (!found.ok) return found;
    name = found.name;
  }
  const paths = bundlePaths(dir, name);
  const missing = (path: string, what: string): ReadBundleResult => ({ ok: false, path, message: `bundle ${what} ${path} is missing` });

  let module: Uint8Array;
  try {
    module = new Uint8Array(readFileBounded(paths.module, READ_LIMITS.module));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return missing(paths.module, "module");
    if (e instanceof TooLargeError) return { ok: false, path: paths.module, message: tooLargeMessage(`bundle module ${paths.module}`, e, "a module") };
    return { ok: false, path: paths.module, message: `cannot read bundle module ${paths.module}: ${(e as Error).message}` };
  }

  let manifestText: string | null;
  try {
    manifestText = utf8Decode(readFileBounded(paths.manifest, READ_LIMITS.manifest));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return missing(paths.manifest, "manifest");
    if (e instanceof TooLargeError) return { ok: false, path: paths.manifest, message: tooLargeMessage(`bundle manifest ${paths.manifest}`, e, "a manifest") };
    return { ok: false, path: paths.manifest, message: `cannot read bundle manifest ${paths.manifest}: ${(e as Error).message}` };
  }
  // strictly: a byte that is not UTF-8 would read as U+FFFD, and the manifest would say what its file does not
  if (manifestText === null) return { ok: false, path: paths.manifest, message: `bundle manifest ${paths.manifest} is not UTF-8 text` };
  let manifest: unknown;
  try {
    manifest = JSON.parse(manifestText);
  } catch (e) {
    return { ok: false, path: paths.manifest, message: `bundle manifest ${paths.manifest} is not valid JSON: ${(e as Error).message}` };
  }
  if (typeof manifest !== "object" || manifest === null || Array.isArray(manifest))
    return { ok: false, path: paths.manifest, message: `bundle manifest ${paths.manifest} is not a JSON object` };
  // The files are written under the policy's name (writeBundle): another name is another policy's files.
  const named = (manifest as { name?: unknown }).name;
  if (named !== name)
    return { ok: false, path: paths.manifest, message: `bundle manifest ${paths.manifest} is the manifest of policy ${JSON.stringify(named)}, not of ${JSON.stringify(name)}: its files are named for another policy` };

  let signature: string | undefined;
  if (existsSync(paths.signature)) {
    try {
      signature = readFileBounded(paths.signature, READ_LIMITS.manifest).toString("utf8").trim();
    } catch (e) {
      if (e instanceof TooLargeError) return { ok: false, path: paths.signature, message: tooLargeMessage(`bundle signature ${paths.signature}`, e, "a signature") };
      return { ok: false, path: paths.signature, message: `cannot read bundle signature ${paths.signature}: ${(e as Error).message}` };
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
 */
export function writeBundle(dir: string, bundle: Bundle): string[] {
  const name = bundle.manifest.name;
  if (!isPolicyName(name))
    throw new BundleFileError(`policy name ${JSON.stringify(name)} cannot be used as a file name`, dir);
  const paths = bundlePaths(dir, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(paths.module, bundle.module);
  writeFileSync(paths.manifest, JSON.stringify(bundle.manifest, null, 2) + "\n");
  if (bundle.signature === undefined) {
    rmSync(paths.signature, { force: true });
    return [paths.module, paths.manifest];
  }
  writeFileSync(paths.signature, bundle.signature + "\n");
  return [paths.module, paths.manifest, paths.signature];
}
