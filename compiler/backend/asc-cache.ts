// A V8 code cache for the AssemblyScript compiler, so that a fresh `writ compile` does not parse and
// compile ~15 MB of JavaScript again in every process.
//
// Why: `import("assemblyscript/asc")` loads three ES modules: binaryen's index.js (13.5 MB, nearly
// all of it the Binaryen WebAssembly binary written as one string literal, which V8 scans when it
// compiles the module and again when the function holding it first runs, and which is then decoded
// to bytes character by character), assemblyscript.js and asc.js (1.6 MB, compiled lazily during the
// first compile). Node 20 offers no compile cache for ES modules (`module.enableCompileCache` came
// in Node 22), but `vm.Script` takes V8 `cachedData`. So the cache holds, per module, the module's
// text rewritten as an async function (import declarations become parameters, the export list
// becomes the returned namespace, `import.meta.url` and `import()` are passed in), the V8 code
// cache of that script taken after a real compile has run, and binaryen's WebAssembly binary as a
// file of its own (no string literal, no decoding).
//
// Safety: the rewrite is mechanical and checked when the cache is built — the extracted binary must
// equal, byte for byte, what binaryen's own module passes to WebAssembly.instantiate, the bundled
// standard library asc exports must be the same strings, and a sample module compiled through the
// cached copy must be byte-identical to the one compiled through the ordinary import. A cache is
// used only when its key matches: the Node and V8 versions, the V8 flags, and the path, size, mtime
// and package version of each of the three files. The manifest also records the SHA-256 of every
// file the cache holds, and each is checked before it is used (about 10 ms for the 13 MB): V8 does
// not check a code cache's payload (flipped bits in a .v8cache ended the process with a V8 fatal
// error), and a cut binaryen.wasm made binaryen print its failure. The digests catch corruption
// only: they sit in the same folder as the files, and whoever edits asc.js can rewrite them too.
// What keeps an edited compiler out is who may write the cache (asc-cache-trust.ts): a cache folder
// or file owned by another user, or writable by group or others, a symbolic link in a cache, or a
// relative WRIT_ASC_CACHE is refused, with a note on standard error (cacheNote), and asc is imported
// the ordinary way. Anything else (no cache, stale, unreadable, changed since it was built,
// rejected, a rewrite that no longer applies to a new release, a file that is not a regular file: a
// FIFO, a device, a folder) means the ordinary import, silently. Cache files are opened without
// waiting and read with a bound, never by readFileSync: a FIFO in a manifest's place made every
// compile wait for a writer that never came.

import { createHash } from "node:crypto";
import { closeSync, constants, existsSync, fchmodSync, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, type Stats, statSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import vm from "node:vm";
import { readFdBounded, TooLargeError } from "../../runtime/bounded-read.js";
import { makeDirectories } from "../../runtime/make-directories.js";
import { CACHE_FILE_MODE, cacheNote, checkOwnerAndMode, configuredCacheRoot, setFolderMode, symbolicLinkInCache, UntrustedCache } from "./asc-cache-trust.js";
import { extractBinaryen, rewriteModule, type Binding } from "./asc-cache-rewrite.js";

type AscModule = typeof import("assemblyscript/asc");

/** Bump when the rewrite or the layout of the cache changes (2: the manifest holds the files' digests). */
const CACHE_FORMAT = 2;

/** The three modules, in load order, as the ESM loader resolves them. */
interface ModuleFiles {
  readonly binaryen: string;
  readonly long: string;
  readonly assemblyscript: string;
  readonly asc: string;
}

interface FileKey {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly version: string;
}

/** What V8 accepts a code cache from: its own version under the same flags. */
interface Environment {
  readonly node: string;
  readonly v8: string;
  readonly flags: readonly string[];
}

interface CacheManifest {
  readonly format: number;
  readonly key: string;
  readonly environment: Environment;
  readonly files: Record<keyof ModuleFiles, FileKey>;
  /** SHA-256 (hex) of each file of the cache, by name (CACHED_FILES) */
  readonly digests: Record<string, string>;
}

const SCRIPTS = ["binaryen", "assemblyscript", "asc"] as const;
type ScriptName = (typeof SCRIPTS)[number];

/** Every file a cache holds beside its manifest. */
const CACHED_FILES = [...SCRIPTS.flatMap((name) => [`${name}.js`, `${name}.bindings.json`, `${name}.v8cache`]), "binaryen.wasm"];

// ------------------------------------------------------------------------------------------------
// Locating the modules and the cache

function packageVersion(file: string, name: string): string {
  // walk up from the file to its package.json
  let dir = dirname(file);
  for (let i = 0; i < 4; i++) {
    const p = join(dir, "package.json");
    if (existsSync(p)) {
      const pkg = JSON.parse(readFileSync(p, "utf8")) as { name?: string; version?: string };
      if (pkg.name === name && pkg.version) return pkg.version;
    }
    dir = dirname(dir);
  }
  throw new Error(`no package.json of ${name} above ${file}`);
}

/** The ES module entry of `name` as seen from `fromFile` (the `import` condition of its exports). */
function resolveImport(name: string, fromFile: string): string {
  const require = createRequire(fromFile);
  for (const dir of require.resolve.paths(name) ?? []) {
    const pkgFile = join(dir, name, "package.json");
    if (!existsSync(pkgFile)) continue;
    const pkg = JSON.parse(readFileSync(pkgFile, "utf8")) as { main?: string; exports?: unknown };
    const dot = (pkg.exports as Record<string, unknown> | undefined)?.["."] ?? pkg.exports;
    let entry: unknown = dot;
    while (entry && typeof entry === "object") {
      const e = entry as Record<string, unknown>;
      entry = e.import ?? e.default;
    }
    return join(dir, name, typeof entry === "string" ? entry : (pkg.main ?? "index.js"));
  }
  throw new Error(`cannot resolve ${name} from ${fromFile}`);
}

function locateModules(): ModuleFiles {
  const asc = fileURLToPath(import.meta.resolve("assemblyscript/asc"));
  const assemblyscript = fileURLToPath(import.meta.resolve("assemblyscript"));
  return { binaryen: resolveImport("binaryen", assemblyscript), long: resolveImport("long", assemblyscript), assemblyscript, asc };
}

function fileKey(path: string, pkg: string): FileKey {
  const s = statSync(path);
  return { path, size: s.size, mtimeMs: s.mtimeMs, version: packageVersion(path, pkg) };
}

function currentKeys(files: ModuleFiles): Record<keyof ModuleFiles, FileKey> {
  return {
    binaryen: fileKey(files.binaryen, "binaryen"),
    long: fileKey(files.long, "long"),
    assemblyscript: fileKey(files.assemblyscript, "assemblyscript"),
    asc: fileKey(files.asc, "assemblyscript"),
  };
}

/**
 * The cache folder's name. V8 checks its own version and flags when it reads cachedData (and
 * rejects a mismatch, which costs speed, not correctness); flags set at run time are in the key so
 * that the CLI and the builder agree on one folder.
 */
function environmentKey(files: Record<keyof ModuleFiles, FileKey>): string {
  return createHash("sha256")
    .update(JSON.stringify({ format: CACHE_FORMAT, ...currentEnvironment(), files }))
    .digest("hex")
    .slice(0, 24);
}

function currentEnvironment(): Environment {
  return { node: process.version, v8: process.versions.v8, flags: appliedFlags };
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

let appliedFlags: string[] = [];

/** Records V8 flags set at run time (v8.setFlagsFromString), which are part of the cache key. */
export function noteV8Flags(flags: string): void {
  appliedFlags = [...appliedFlags, flags];
}

/** The flags noted so far (a compile thread repeats them: see asc-thread.ts). */
export function notedV8Flags(): readonly string[] {
  return appliedFlags;
}

/**
 * Where caches live: `WRIT_ASC_CACHE` when set (`off` disables the cache; a relative path is refused
 * with UntrustedCache), otherwise node_modules/.cache/writ-asc next to the node_modules that holds
 * assemblyscript, which is as much the install's as the compiler it caches (and is held to the same
 * owner and mode checks as any root). The folder may be shared with other tools: a build removes
 * only folders that are Writ's own caches (isWritCache) or the temporary folders of its builds whose
 * process has ended (isAbandonedTemporary).
 */
function cacheRoot(files: ModuleFiles): string | undefined {
  const configured = configuredCacheRoot(process.env.WRIT_ASC_CACHE);
  if (configured === "off") return undefined;
  if (configured !== undefined) return configured;
  const marker = `${join("node_modules", "assemblyscript")}`;
  const i = files.assemblyscript.lastIndexOf(marker);
  if (i < 0) throw new Error("assemblyscript is not inside a node_modules folder");
  return join(files.assemblyscript.slice(0, i), "node_modules", ".cache", "writ-asc");
}

// ------------------------------------------------------------------------------------------------
// Running the rewritten modules

interface Loaded {
  readonly asc: AscModule;
  /** the scripts, for createCachedData once a compile has run */
  readonly scripts: Record<ScriptName, vm.Script>;
}

type Sources = Record<ScriptName, { text: string; bindings: Binding[]; cachedData?: Buffer }>;

// every dynamic import in these modules names a node builtin or an absolute URL
const dynamicImport = (specifier: string): Promise<unknown> => import(specifier);

async function runScripts(files: ModuleFiles, sources: Sources, wasm: Uint8Array): Promise<Loaded> {
  const namespaces: Record<string, Record<string, unknown>> = {
    long: (await import(pathToFileURL(files.long).href)) as Record<string, unknown>,
  };
  const scripts = {} as Record<ScriptName, vm.Script>;
  for (const name of SCRIPTS) {
    const file = files[name];
    const source = sources[name];
    const script = new vm.Script(source.text, { filename: pathToFileURL(file).href, ...(source.cachedData ? { cachedData: source.cachedData } : {}) });
    // a rejected cachedData (other V8 flags or version) only means V8 compiles from the text
    scripts[name] = script;
    const fn = script.runInThisContext() as (...args: unknown[]) => Promise<unknown>;
    const args = source.bindings.map((b) => {
      const ns = namespaces[b.from];
      if (!ns) throw new Error(`${name} imports ${b.from} before it is loaded`);
      return b.imported === "*" ? ns : ns[b.imported];
    });
    const result = await fn(pathToFileURL(file).href, dynamicImport, name === "binaryen" ? wasm : undefined, ...args);
    namespaces[name] = result as Record<string, unknown>; // the module's namespace (see rewriteModule)
  }
  return { asc: namespaces.asc as unknown as AscModule, scripts };
}

// ------------------------------------------------------------------------------------------------
// Public API

/**
 * Writes a note on standard error at once, whichever thread loads asc: a compile thread may be
 * ended as soon as its result is in, before an asynchronous write would have been passed on.
 */
export function printCacheNote(note: string): void {
  try {
    writeSync(2, `${note}\n`);
  } catch {
    /* no standard error to say it on: the compile goes on all the same */
  }
}

/**
 * Loads asc from the code cache when a valid one exists; undefined otherwise (the caller imports
 * asc the ordinary way). Never throws. A cache refused because it cannot be trusted
 * (asc-cache-trust.ts) is said to `report` in one line (by default on standard error); one that is
 * missing, stale or corrupt is not. `root` replaces the default folder (tests).
 */
export async function loadAscFromCache(options: { report?: (note: string) => void; root?: string } = {}): Promise<AscModule | undefined> {
  try {
    const files = locateModules();
    const keys = currentKeys(files);
    const base = options.root ?? cacheRoot(files);
    if (base === undefined) return undefined;
    const dir = join(base, environmentKey(keys));
    if (!trustedRoot(base) || !trustedFolder(dir)) return undefined;
    const manifest = readManifest(dir);
    if (manifest.format !== CACHE_FORMAT || JSON.stringify(manifest.files) !== JSON.stringify(keys)) return undefined;
    // the folder's name says so already; a folder copied or renamed must not bring another V8's code cache
    if (JSON.stringify(manifest.environment) !== JSON.stringify(currentEnvironment())) return undefined;
    const read = (name: string): Buffer => readChecked(dir, name, manifest.digests);
    const sources = {} as Sources;
    for (const name of SCRIPTS) {
      sources[name] = {
        text: read(`${name}.js`).toString("utf8"),
        bindings: JSON.parse(read(`${name}.bindings.json`).toString("utf8")) as Binding[],
        cachedData: read(`${name}.v8cache`),
      };
    }
    const wasm = read("binaryen.wasm");
    return (await runScripts(files, sources, new Uint8Array(wasm.buffer, wasm.byteOffset, wasm.length))).asc;
  } catch (e) {
    if (e instanceof UntrustedCache) (options.report ?? printCacheNote)(cacheNote(e.message));
    return undefined;
  }
}

/**
 * Whether the cache root is a folder (false when there is none: no cache); throws UntrustedCache
 * when another user owns it or group or others may write it. Followed if it is a symbolic link: the
 * user chose where it points.
 */
function trustedRoot(root: string): boolean {
  let st: Stats;
  try {
    st = statSync(root);
  } catch {
    return false;
  }
  if (!st.isDirectory()) return false;
  checkOwnerAndMode(root, st);
  return true;
}

/** Whether a cache's folder is there (false when not); throws UntrustedCache for a symbolic link, another's folder or a writable one. */
function trustedFolder(dir: string): boolean {
  let st: Stats;
  try {
    st = lstatSync(dir);
  } catch {
    return false;
  }
  if (st.isSymbolicLink()) throw symbolicLinkInCache(dir);
  if (!st.isDirectory()) return false;
  checkOwnerAndMode(dir, st);
  return true;
}

/** Most bytes read of a manifest (about 2 KB) and of any other cached file (binaryen.wasm: 9 MB). */
const MAX_MANIFEST_BYTES = 1024 * 1024;
const MAX_CACHED_FILE_BYTES = 256 * 1024 * 1024;

/**
 * The bytes of a cache's file, if it is a regular file of at most `limit` bytes that only its owner,
 * the user or root, may write; throws otherwise (UntrustedCache for a file that cannot be trusted).
 * Opened with O_NONBLOCK, which opens a FIFO without waiting for a writer (and leaves reads of a
 * regular file as they are), and O_NOFOLLOW (a symbolic link is refused), then checked on the
 * opened file, which is the one read.
 */
function readCacheFile(path: string, limit: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0));
  } catch (e) {
    throw (e as NodeJS.ErrnoException).code === "ELOOP" ? symbolicLinkInCache(path) : e;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`${path} is not a regular file`);
    checkOwnerAndMode(path, st);
    if (st.size > limit) throw new TooLargeError(limit, st.size);
    return readFdBounded(fd, limit, st.size);
  } finally {
    closeSync(fd);
  }
}

/** The manifest of the cache in `dir`, parsed (not checked); throws when it cannot be read. */
function readManifest(dir: string): CacheManifest {
  return JSON.parse(readCacheFile(join(dir, "manifest.json"), MAX_MANIFEST_BYTES).toString("utf8")) as CacheManifest;
}

/**
 * A cached file's bytes, read once and checked against the digest the manifest recorded when the
 * cache was built; the bytes checked are the bytes used. Throws on any difference (a missing digest too).
 */
function readChecked(dir: string, name: string, digests: Record<string, string> | undefined): Buffer {
  const bytes = readCacheFile(join(dir, name), MAX_CACHED_FILE_BYTES);
  const recorded = digests?.[name];
  if (typeof recorded !== "string" || sha256Hex(bytes) !== recorded) throw new Error(`${name} is not the file the cache was built with`);
  return bytes;
}

/** A cache folder's name, as environmentKey makes it in every format. */
const CACHE_FOLDER = /^[0-9a-f]{24}$/;

/**
 * Whether the folder `name` holds a cache Writ built, of any format: every version named the folder
 * by environmentKey and wrote a manifest whose `format` is a whole number, whose `key` is the path
 * of the folder it was built in, and whose `files` name the four modules asc is loaded from. A folder
 * of another tool's in a shared WRIT_ASC_CACHE (with a manifest.json of its own) is none of this.
 */
function isWritCache(name: string, manifest: unknown): manifest is CacheManifest {
  if (!CACHE_FOLDER.test(name) || typeof manifest !== "object" || manifest === null) return false;
  const { format, key, files } = manifest as Partial<Record<keyof CacheManifest, unknown>>;
  if (!Number.isSafeInteger(format) || (format as number) < 1 || typeof key !== "string" || basename(key) !== name) return false;
  if (typeof files !== "object" || files === null) return false;
  return (["binaryen", "long", "assemblyscript", "asc"] as const).every((m) => typeof (files as Record<string, { path?: unknown } | null>)[m]?.path === "string");
}

/** The temporary folder of a build (buildAscCache): the cache's folder name and the builder's process id. */
const TEMP_FOLDER = /^[0-9a-f]{24}\.tmp-([1-9][0-9]*)$/;

/** Whether a process with this id exists (one of another user's counts: only ESRCH says there is none). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: unknown }).code !== "ESRCH";
  }
}

/**
 * Whether `name` is the temporary folder of a build whose process has ended: it was left by a build
 * that was killed, or by a version that did not remove it when a write failed. A live builder's
 * folder is kept.
 */
function isAbandonedTemporary(root: string, name: string): boolean {
  const pid = TEMP_FOLDER.exec(name)?.[1];
  if (pid === undefined || Number(pid) === process.pid || !Number.isSafeInteger(Number(pid)) || processExists(Number(pid))) return false;
  try {
    return lstatSync(join(root, name)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Whether the four files a cache was made for are still installed as they were then: each a
 * regular file of the size and mtime it had. Only looked at (stat), never read: the paths are
 * whatever a manifest in a shared folder says.
 */
function stillInstalled(files: Record<string, FileKey | null | undefined>): boolean {
  return (["binaryen", "long", "assemblyscript", "asc"] as const).every((m) => {
    const recorded = files[m];
    try {
      const st = statSync(recorded!.path);
      return st.isFile() && st.size === recorded!.size && st.mtimeMs === recorded!.mtimeMs;
    } catch {
      return false;
    }
  });
}

/**
 * Removes Writ's caches made for files that are no longer installed as they were (an upgrade leaves
 * ~13 MB behind), caches of this install's files in another format, and the temporary folders of
 * builds whose process has ended. A cache of another install whose files are still installed is
 * kept, whatever its format: two installs (two clones, or two versions of Writ) may share one
 * WRIT_ASC_CACHE, and each would otherwise remove the other's on every build. Caches made by
 * another Node or V8, or under other V8 flags, for the same files are kept too: one install may be
 * run by more than one Node, each with a cache of its own. Nothing else in the folder is touched:
 * it may be shared.
 */
function removeStale(root: string, keys: Record<keyof ModuleFiles, FileKey>): void {
  for (const name of readdirSync(root)) {
    if (isAbandonedTemporary(root, name)) {
      rmSync(join(root, name), { recursive: true, force: true });
      continue;
    }
    let manifest: unknown;
    try {
      manifest = readManifest(join(root, name));
    } catch {
      continue; // no manifest: not a cache, or one being written
    }
    if (!isWritCache(name, manifest)) continue;
    const ours = JSON.stringify(manifest.files) === JSON.stringify(keys);
    const stale = ours ? manifest.format !== CACHE_FORMAT : !stillInstalled(manifest.files);
    if (stale) rmSync(join(root, name), { recursive: true, force: true });
  }
}

/**
 * Creates the file `path` with the cache's file mode, whatever the umask (under `umask 000` a file
 * written the ordinary way is 0666, and would be refused when read), and writes `bytes` to it.
 */
function writeCacheFile(path: string, bytes: Uint8Array): void {
  const fd = openSync(path, "wx", CACHE_FILE_MODE);
  try {
    if (process.platform !== "win32") fchmodSync(fd, CACHE_FILE_MODE);
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates the cache root and the folders missing above it, each with the cache's folder mode
 * whatever the umask. Folders that were there are left as they are (the root is then checked).
 */
function makeRoot(root: string): void {
  const first = makeDirectories(root);
  if (first === undefined) return;
  const created: string[] = [];
  for (let dir = resolve(root); ; dir = dirname(dir)) {
    created.push(dir);
    if (dir === resolve(first) || dir === dirname(dir)) break;
  }
  for (const dir of created.reverse()) setFolderMode(dir);
}

/**
 * Writes a cache's files and then its manifest into the folder `temp`, made anew. A write that fails
 * (a full disk, a file size limit) removes the folder before the error goes on: a cache is ~13 MB,
 * and a half-written one would never be read.
 */
function writeTemporary(temp: string, contents: Record<string, Uint8Array>, manifest: (digests: Record<string, string>) => CacheManifest): void {
  rmSync(temp, { recursive: true, force: true });
  try {
    mkdirSync(temp);
    setFolderMode(temp);
    const digests: Record<string, string> = {};
    for (const name of CACHED_FILES) {
      writeCacheFile(join(temp, name), contents[name]!);
      digests[name] = sha256Hex(contents[name]!);
    }
    writeCacheFile(join(temp, "manifest.json"), Buffer.from(JSON.stringify(manifest(digests), null, 2), "utf8"));
  } catch (e) {
    rmSync(temp, { recursive: true, force: true });
    throw e;
  }
}

export type BuildResult = { ok: true; dir: string } | { ok: false; reason: string };

/**
 * Builds the cache for the current Node, V8 flags and installed AssemblyScript: rewrites the three
 * modules, checks the rewrite against the ordinary import, compiles `sample` through both and
 * compares the bytes, then stores the rewritten sources, the binary and the V8 code caches.
 * `compile` runs one compile with a given asc (it is the backend's own compile function, so the
 * cache holds the code a real compile runs). `cacheDir` replaces the default folder (tests).
 */
export async function buildAscCache(compile: (asc: AscModule) => Promise<Uint8Array | undefined>, cacheDir?: string): Promise<BuildResult> {
  try {
    const files = locateModules();
    const keys = currentKeys(files);
    const root = cacheDir ?? cacheRoot(files);
    if (root === undefined) return { ok: false, reason: "WRIT_ASC_CACHE=off" };
    trustedRoot(root); // a root that would be refused is said so before the build, not after it
    const dir = join(root, environmentKey(keys));

    const { text: binaryenText, wasm } = extractBinaryen(readFileSync(files.binaryen, "utf8"));
    const sources = {
      binaryen: rewriteModule(binaryenText),
      assemblyscript: rewriteModule(readFileSync(files.assemblyscript, "utf8")),
      asc: rewriteModule(readFileSync(files.asc, "utf8")),
    } as Sources;
    if (sources.binaryen.bindings.length > 0) return { ok: false, reason: "binaryen has imports" };

    // the binary binaryen instantiates through the ordinary import
    let seen: Uint8Array | undefined;
    const instantiate = WebAssembly.instantiate;
    WebAssembly.instantiate = ((bytes: BufferSource, imports?: WebAssembly.Imports) => {
      if (!seen && ArrayBuffer.isView(bytes)) seen = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength).slice();
      return instantiate(bytes, imports);
    }) as typeof WebAssembly.instantiate;
    let plain: AscModule;
    try {
      plain = await import(pathToFileURL(files.asc).href);
    } finally {
      WebAssembly.instantiate = instantiate;
    }
    // a process that imported binaryen already gives no chance to see its binary: compare what we can
    if (seen && Buffer.compare(Buffer.from(seen), Buffer.from(wasm)) !== 0) return { ok: false, reason: "extracted binary differs" };
    if (!WebAssembly.validate(wasm as Uint8Array<ArrayBuffer>)) return { ok: false, reason: "extracted binary does not validate" };

    const loaded = await runScripts(files, sources, wasm);
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    if (!same(loaded.asc.libraryFiles, plain.libraryFiles) || !same(loaded.asc.definitionFiles, plain.definitionFiles) || loaded.asc.version !== plain.version)
      return { ok: false, reason: "rewritten asc differs from the installed one" };
    const viaCache = await compile(loaded.asc);
    const viaImport = await compile(plain);
    if (!viaCache || !viaImport || Buffer.compare(Buffer.from(viaCache), Buffer.from(viaImport)) !== 0)
      return { ok: false, reason: "the rewritten compiler gives different bytes" };

    // a cache written where others may write, or under another's folder, would be refused when read
    makeRoot(root);
    if (!trustedRoot(root)) return { ok: false, reason: `${root} is not a folder` };
    // write to a temporary folder, then rename: concurrent builders never expose a half cache
    const temp = `${dir}.tmp-${process.pid}`;
    const contents: Record<string, Uint8Array> = { "binaryen.wasm": wasm };
    for (const name of SCRIPTS) {
      contents[`${name}.js`] = Buffer.from(sources[name].text, "utf8");
      contents[`${name}.bindings.json`] = Buffer.from(JSON.stringify(sources[name].bindings), "utf8");
      contents[`${name}.v8cache`] = loaded.scripts[name].createCachedData();
    }
    writeTemporary(temp, contents, (digests) => ({ format: CACHE_FORMAT, key: dir, environment: currentEnvironment(), files: keys, digests }));
    rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(temp, dir);
    } catch (e) {
      rmSync(temp, { recursive: true, force: true });
      if (!existsSync(join(dir, "manifest.json"))) throw e; // another process won the race
    }
    removeStale(root, keys);
    return { ok: true, dir };
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
}
