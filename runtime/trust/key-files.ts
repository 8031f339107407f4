// Key files on disk. `writ keygen` writes `<name>.private.jwk` (mode 0600) and `<name>.public.jwk`.
// Loading a private key that group or others may access is refused, as ssh does, because a policy
// authority's or issuer's key that other users can read is no longer a secret.
//
// Accepted on load: JWK (the format written) and PEM — PKCS8 `PRIVATE KEY` / SPKI `PUBLIC KEY`, as
// `openssl genpkey -algorithm ed25519` writes them, one block alone in its file (key-pem.ts). Errors
// come back as values naming the file.

import { closeSync, constants, existsSync, fstatSync, lstatSync, openSync, statSync, unlinkSync, type Stats } from "node:fs";
import { currentUid, FileWriteError, hasEntry, ownerOf, stageFile, syncDirectory, systemErrorText } from "../file-write.js";
import { notRegularKind, readFdBounded, readFileBounded, READ_LIMITS, TooLargeError, tooLargeMessage } from "../bounded-read.js";
import { basename, dirname, join } from "node:path";
import { privateJwk, privateKeyFromJwk, publicJwk, publicKeyFromJwk, type KeyResult } from "./keys.js";
import { isPemText, pemKeyText, publicOnlyPem } from "./key-pem.js";
import type { PrivateKey, PublicKey } from "./types.js";
import { escapeControls, shownOption } from "../thrown.js";
import { jsonAmbiguity } from "../json-ambiguity.js";
import { leadsThroughFile, systemPath, throughFileError } from "../given-path.js";

export interface WrittenKeyPair {
  readonly privateKeyPath: string;
  readonly publicKeyPath: string;
}

/**
 * Writes a key pair; never overwrites an existing file (fails with a FileWriteError of code EEXIST
 * instead), and never leaves a key file that is empty or cut short. A failed write leaves neither
 * key; only a kill between the two links (SIGKILL, power loss) can leave the private key without its
 * public key, which restorePublicKey then writes from it.
 */
export function writeKeyPair(dir: string, key: PrivateKey, name = "writ"): WrittenKeyPair {
  // a `..` after a link to a directory as the system takes it, not as join() does (given-path.ts)
  dir = systemPath(dir);
  // join() would take a `..` after a file away with the file, and write beside it
  if (leadsThroughFile(dir)) throw new FileWriteError(dir, systemErrorText(throughFileError(dir, "open")), "ENOTDIR");
  const privateKeyPath = join(dir, `${name}.private.jwk`);
  const publicKeyPath = join(dir, `${name}.public.jwk`);
  // Both or neither. Each key is written whole into a temporary file of its own (the private one
  // 0600 from its creation) and flushed; only then are they linked to their names, which link(2)
  // does only where no file is (EEXIST otherwise, atomically: an existing key is never replaced). A
  // write that fails (a full disk) leaves no key file, so the next keygen is not refused for an
  // empty one; if the public key's name is taken, the private key just linked goes again, so a
  // directory never holds a pair of keys that do not belong together. The private key is linked
  // first: a kill between the two links leaves it alone, and its public key can be derived from it
  // (restorePublicKey), where a lone public key would be a pair lost for good.
  const priv = stageFile(privateKeyPath, keyFileText(privateJwk(key)), { mode: 0o600, exclusive: true });
  // the file linked as the private key, known before it is linked: only that file is ever removed again
  const linked = identityOf(priv.temp);
  let pub;
  try {
    pub = stageFile(publicKeyPath, keyFileText(publicJwk(key.publicKey)), { mode: 0o644, exclusive: true });
  } catch (e) {
    priv.discard();
    throw e;
  }
  try {
    priv.commitExclusive();
  } catch (e) {
    pub.discard();
    throw e;
  }
  try {
    pub.commitExclusive();
  } catch (e) {
    // Between the two links another keygen in this directory may have found the private key alone,
    // as a kill would leave it, and written its public key from it (restorePublicKey): the pair is
    // whole, and removing the private key now would leave its public key alone. Otherwise the
    // private key goes, but only the file linked here: by name alone, it could be another's.
    if (e instanceof FileWriteError && e.code === "EEXIST" && holdsOwnText(publicKeyPath, keyFileText(publicJwk(key.publicKey)))) {
      syncDirectory(dir);
      return { privateKeyPath, publicKeyPath };
    }
    removeIfStill(privateKeyPath, linked);
    throw e;
  }
  syncDirectory(dir);
  return { privateKeyPath, publicKeyPath };
}

/** The text of a key file holding `jwk`, as keygen writes it. */
function keyFileText(jwk: object): string {
  return JSON.stringify(jwk, null, 2) + "\n";
}

/** Which file an entry is: its device and inode. */
interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
}

/** The identity of the entry at `path` itself (a link's own), or undefined when it cannot be had. */
function identityOf(path: string): FileIdentity | undefined {
  try {
    const { dev, ino } = lstatSync(path);
    return { dev, ino };
  } catch {
    return undefined;
  }
}

/**
 * Removes the entry at `path` if it is still the file `identity` names; never throws. Undefined:
 * which file was linked is not known, and nothing is removed (a private key left alone is made
 * whole by the next keygen; another's key removed is lost).
 */
function removeIfStill(path: string, identity: FileIdentity | undefined): void {
  const now = identityOf(path);
  if (identity === undefined || now === undefined || now.dev !== identity.dev || now.ino !== identity.ino) return;
  try {
    unlinkSync(path);
  } catch {
    /* gone already */
  }
}

/** Whether the regular file at `path` itself (not a link) is the running user's and holds exactly `text`. */
function holdsOwnText(path: string, text: string): boolean {
  const entry = readEntry(path, "");
  const me = currentUid();
  return entry.ok && (me === undefined || entry.st.uid === me) && entry.text === text;
}

/** What restorePublicKey did: wrote `publicKeyPath` for the private key `key` in `privateKeyPath`, or why it could not. */
export type RestoredPublicKey = { ok: true; key: PrivateKey; privateKeyPath: string; publicKeyPath: string } | { ok: false; message: string };

/**
 * When `<name>.private.jwk` is in `dir` and `<name>.public.jwk` is not (a keygen killed between its
 * two files): writes the public key, derived from the private one, as writeKeyPair would have (0644,
 * never over a file). Undefined when the pair is not in that state: no private key, or a public key
 * file there already (whatever it holds), or written meanwhile (by the keygen that linked the
 * private key). Only a private key file of the running user's own is used (root: root's), read
 * through the descriptor its owner is checked on, a symbolic link not followed: in a directory
 * others may create files in (/tmp), another user can leave a private key there alone, and keeping
 * it would make a key that user knows the new key of whoever runs keygen next.
 */
export function restorePublicKey(dir: string, name = "writ"): RestoredPublicKey | undefined {
  // a `..` after a link to a directory as the system takes it, not as join() does (given-path.ts)
  dir = systemPath(dir);
  // no key is there for the system (ENOTDIR), whatever join() would name beside the file
  if (leadsThroughFile(dir)) return undefined;
  const privateKeyPath = join(dir, `${name}.private.jwk`);
  const publicKeyPath = join(dir, `${name}.public.jwk`);
  if (!hasEntry(privateKeyPath) || hasEntry(publicKeyPath)) return undefined;
  const lone = `${privateKeyPath} is there without its public key ${publicKeyPath}`;
  const me = currentUid();
  const notOwn = (owner: number): RestoredPublicKey => ({
    ok: false,
    message:
      `${lone}, and is owned by uid ${owner}, not by you (${me === 0 ? "root" : `uid ${me}`}): keygen writes a public key only from a private key of your own, ` +
      `since whoever owns that file knows the key in it; no key file was written (its owner may run \`writ keygen\` there to write its public key, or remove it; else choose another --name or -o)`,
  });
  const entry = readEntry(privateKeyPath, "private ");
  if (!entry.ok) {
    // another user's key that this one may not even read: said to be theirs, not only unreadable
    const owner = ownerOf(privateKeyPath);
    return me !== undefined && owner !== undefined && owner !== me ? notOwn(owner) : { ok: false, message: `${lone}, which cannot be written from it: ${entry.message}` };
  }
  if (me !== undefined && entry.st.uid !== me) return notOwn(entry.st.uid);
  const loaded = privateKeyOfText(privateKeyPath, entry.text, entry.st.mode, undefined);
  if (!loaded.ok) return { ok: false, message: `${lone}, which cannot be written from it: ${loaded.message}` };
  try {
    stageFile(publicKeyPath, keyFileText(publicJwk(loaded.key.publicKey)), { mode: 0o644, exclusive: true }).commitExclusive();
  } catch (e) {
    // the keygen that linked the private key has linked its public key since: the pair is whole, as any keygen finds it
    if (e instanceof FileWriteError && e.code === "EEXIST") return undefined;
    return { ok: false, message: `${privateKeyPath} is there without its public key, which cannot be written from it: ${e instanceof Error ? e.message : String(e)}` };
  }
  syncDirectory(dir);
  return { ok: true, key: loaded.key, privateKeyPath, publicKeyPath };
}

/**
 * The text of the regular file at `path` itself, with its status, both from one descriptor: what is
 * checked is what is read. A symbolic link there is refused, not followed; a FIFO is not waited on.
 * `kind` ("private ", "") begins the name the messages give the file.
 */
function readEntry(path: string, kind: string): { ok: true; st: Stats; text: string } | { ok: false; message: string } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ELOOP") return { ok: false, message: `${kind}key file ${path} is a symbolic link, which is not followed here: give the file itself` };
    return { ok: false, message: unreadableKeyFile(path, e) };
  }
  try {
    const st = fstatSync(fd);
    const other = notRegularKind(st);
    if (other !== undefined) return { ok: false, message: `${kind}key file ${path} is not a regular file (${other})` };
    if (st.size > MAX_KEY_FILE_BYTES) return { ok: false, message: `${kind}key file ${path} is ${st.size} bytes; a key file is a few hundred` };
    return { ok: true, st, text: readFdBounded(fd, MAX_KEY_FILE_BYTES, st.size).toString("utf8") };
  } catch (e) {
    return { ok: false, message: unreadableKeyFile(path, e) };
  } finally {
    closeSync(fd);
  }
}

/** A key file is a few hundred bytes; anything past this is not one (and is not read into memory). */
const MAX_KEY_FILE_BYTES = READ_LIMITS.key;

function keyDirectoryMessage(path: string): string {
  return `key file ${path} is a directory; give the key file in it (\`writ keygen -o ${path}\` writes <name>.private.jwk and <name>.public.jwk)`;
}

/** The key file at `path` as stat sees it, or why it cannot be used (missing, a directory, too large). */
function statKeyFile(path: string): { ok: true; st: Stats } | { ok: false; message: string } {
  // a host's value, given where a path belongs (a Symbol, an object whose toString throws): refused,
  // as these functions never throw, and not turned into some text to look for a file by
  if (typeof path !== "string") return { ok: false, message: `a key file is named by its path, a string; got ${shownOption(path)}` };
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    return { ok: false, message: unreadableKeyFile(path, e) };
  }
  if (st.isDirectory()) return { ok: false, message: keyDirectoryMessage(path) };
  if (st.size > MAX_KEY_FILE_BYTES) return { ok: false, message: `key file ${path} is ${st.size} bytes; a key file is a few hundred` };
  return { ok: true, st };
}

/** Why the key file at `path` could not be read: said as every command says it of a file (systemErrorText), not in Node's words. */
function unreadableKeyFile(path: string, e: unknown): string {
  if (e instanceof TooLargeError) return tooLargeMessage(`key file ${path}`, e, "a key file (a key is a few hundred bytes)");
  return (e as NodeJS.ErrnoException).code === "ENOENT" ? `key file ${path} does not exist` : `cannot read key file ${path}: ${systemErrorText(e)}`;
}

/**
 * The text of the key file at `path`. A FIFO or a pipe (`--key <(…)`) is read as `cat` would read
 * it, to its end; capped as it is read, since a device (/dev/zero) has no size to check beforehand, and no end.
 */
function readText(path: string): { ok: true; text: string } | { ok: false; message: string } {
  try {
    return { ok: true, text: readFileBounded(path, MAX_KEY_FILE_BYTES).toString("utf8") };
  } catch (e) {
    return { ok: false, message: unreadableKeyFile(path, e) };
  }
}

/** statKeyFile, then readText: a key file's text, or why it cannot be had. */
function statAndRead(path: string): { ok: true; text: string } | { ok: false; message: string } {
  const found = statKeyFile(path);
  return found.ok ? readText(path) : found;
}

/** A key file's text read as a JWK; a refusal `located` when its message begins with `line:column`. */
type ParsedKeyText = { ok: true; jwk: unknown } | { ok: false; message: string; located?: true };

function parseKeyText(text: string, kind: "private" | "public"): ParsedKeyText {
  if (isPemText(text)) return pemKeyText(text, kind);
  const trimmed = text.trim();
  let jwk: unknown;
  try {
    jwk = JSON.parse(trimmed);
  } catch {
    return { ok: false, message: "neither a JWK (JSON) nor a PEM key" };
  }
  // A member named twice (`x`, `kid`): JSON.parse keeps the last, so the key trusted or signed with
  // would be another than the one a person, or a reader that keeps the first, sees in the file.
  // Refused as a bundle's manifest is; the file Writ writes never holds one.
  const ambiguity = jsonAmbiguity(text);
  if (ambiguity !== undefined) return { ok: false, message: ambiguity, located: true };
  return { ok: true, jwk };
}

/** Why `path` (a `kind` key file) is refused for `parsed`, as `path:line:column: why` when it names where. */
function keyTextMessage(kind: "private" | "public", path: string, parsed: Extract<ParsedKeyText, { ok: false }>): string {
  return `${kind} key file ${path}${parsed.located ? ":" : ": "}${escapeControls(parsed.message)}`;
}

/** Group/other permission bits of a private key file that make it refused. */
export const PRIVATE_KEY_FORBIDDEN_MODE = 0o077;

/**
 * What a key file's text is when it holds no private key but a public one (a JWK without `d`, an
 * SPKI PEM) or certificates, said as it follows `key file <path>` ("is a public key"); undefined
 * otherwise. Looked at before the file's mode: a public key is 0644 as written, and advising `chmod
 * 600` for it would lead nowhere.
 */
function publicOnlyText(text: string): string | undefined {
  if (isPemText(text)) return publicOnlyPem(text);
  try {
    const jwk: unknown = JSON.parse(text.trim());
    return typeof jwk === "object" && jwk !== null && !Array.isArray(jwk) && "kty" in jwk && !("d" in jwk) ? "is a public key" : undefined;
  } catch {
    return undefined;
  }
}

/** Says that `path` holds no private key (`given`: what it is instead), and names the private key of its pair when `writ keygen` wrote one beside it. */
function publicKeyGivenMessage(path: string, given: string): string {
  const pair = /^(.+)\.public\.jwk$/.exec(basename(path));
  const privatePath = pair ? join(dirname(path), `${pair[1]}.private.jwk`) : undefined;
  const what =
    privatePath !== undefined && existsSync(privatePath)
      ? `the private key of its pair, likely ${privatePath}`
      : "a private key (`writ keygen` writes it as <name>.private.jwk, beside <name>.public.jwk)";
  return `key file ${path} ${escapeControls(given)}, and a private key is needed here: give ${what}`;
}

/**
 * Why a private key file of `mode` is refused for that mode, or undefined when it is not; `kind` is
 * what the file is when it is not a regular file (notRegularKind).
 */
function privateModeRefusal(path: string, mode: number, kind: string | undefined): string | undefined {
  // Windows has no POSIX modes to check.
  if (process.platform === "win32" || (mode & PRIVATE_KEY_FORBIDDEN_MODE) === 0) return undefined;
  // a device (/dev/null) or a socket is no key file, and `chmod 600` on it would lead nowhere; a
  // named FIFO is, when only its owner may open it (a pipe from `--key <(…)` is 0600)
  if (kind !== undefined && kind !== "a FIFO")
    return `private key file ${path} is not a regular file (${kind}): give the file of a private key, as \`writ keygen\` writes it (<name>.private.jwk)`;
  const octal = (mode & 0o777).toString(8).padStart(3, "0");
  return `private key file ${path}${kind === undefined ? "" : ` (${kind})`} is accessible to group or others (mode 0${octal}); refusing to use it — run \`chmod 600 ${path}\``;
}

export function loadPrivateKeyFile(path: string): KeyResult<PrivateKey> {
  const found = statKeyFile(path); // a directory is said to be one: its 0755 is not a key's mode to complain about
  if (!found.ok) return found;
  const { mode } = found.st;
  const kind = notRegularKind(found.st);
  // A file that is not a regular file is judged by its mode before it is read: a FIFO blocks until
  // something writes to it, and what is written is gone once read, so reading it only to refuse it
  // would wait for, and take, a key for nothing.
  if (kind !== undefined) {
    const refused = privateModeRefusal(path, mode, kind);
    if (refused !== undefined) return { ok: false, message: refused };
  }
  const text = readText(path);
  if (!text.ok) return text;
  return privateKeyOfText(path, text.text, mode, kind);
}

/** The private key in `text`, read from `path` (of `mode`; `kind` when not a regular file, notRegularKind), or why it is refused. */
function privateKeyOfText(path: string, text: string, mode: number, kind: string | undefined): KeyResult<PrivateKey> {
  // a regular file's text is looked at first: a public key is 0644 as written, and `chmod 600` for it would lead nowhere
  const given = publicOnlyText(text);
  if (given !== undefined) return { ok: false, message: publicKeyGivenMessage(path, given) };
  const refused = kind === undefined ? privateModeRefusal(path, mode, undefined) : undefined;
  if (refused !== undefined) return { ok: false, message: refused };
  const parsed = parseKeyText(text, "private");
  if (!parsed.ok) return { ok: false, message: keyTextMessage("private", path, parsed) };
  const key = privateKeyFromJwk(parsed.jwk);
  return key.ok ? key : { ok: false, message: `private key file ${path}: ${escapeControls(key.message)}` };
}

export function loadPublicKeyFile(path: string): KeyResult<PublicKey> {
  const text = statAndRead(path);
  if (!text.ok) return text;
  const parsed = parseKeyText(text.text, "public");
  if (!parsed.ok) return { ok: false, message: keyTextMessage("public", path, parsed) };
  const key = publicKeyFromJwk(parsed.jwk);
  // the reason may quote the file's `kid`, which is the file's text: one line, whatever it holds
  return key.ok ? key : { ok: false, message: `public key file ${path}: ${escapeControls(key.message)}` };
}
