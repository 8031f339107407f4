// Key files in PEM form (RFC 7468). A key file holds one key: exactly one PEM block, with only white
// space around it. node:crypto reads the first PEM object of the text it is given and ignores the
// rest (a second key, any text), and takes a certificate for the key it certifies, so the key
// trusted or signed with could be another than the one a person sees in the file, as with a JWK
// member named twice. The text is therefore read here, whole, and only the one block's DER is handed
// on, by its label: `PUBLIC KEY` (SPKI) or `PRIVATE KEY` (PKCS8), which a public key file may hold too
// and which is then read as its public half, as a private JWK is.

import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { clip } from "../thrown.js";

/** A PEM key file's text read as a JWK; a refusal `located` when its message begins with `line:column`. */
export type PemKeyText = { ok: true; jwk: unknown } | { ok: false; message: string; located?: true };

/** Whether a key file's text is PEM rather than JSON: a line of it begins with a PEM delimiter, which no line of JSON can. */
export function isPemText(text: string): boolean {
  return /^[ \t\ufeff]*-----(?:BEGIN|END)/m.test(text);
}

/** The key in the one PEM block of `text`, as a JWK, or why the text is refused. */
export function pemKeyText(text: string, kind: "private" | "public"): PemKeyText {
  const scan = scanPem(text);
  if (!scan.ok) return { ok: false, message: scan.message, located: true };
  const { blocks, outside } = scan;
  if (blocks.length > 1) return { ok: false, message: `holds ${blocks.length} PEM blocks (${listed(blocks)}); a key file holds one key` };
  const block = blocks[0];
  // text that merely names a PEM delimiter somewhere, and no block
  if (block === undefined) return { ok: false, message: "neither a JWK (JSON) nor a PEM key" };
  const refused = labelRefusal(block.label, kind);
  if (refused !== undefined) return { ok: false, message: refused };
  if (outside !== undefined)
    return {
      ok: false,
      message: `${outside.line}:${outside.column}: text ${outside.after ? "after" : "before"} the PEM block (${shown(outside.text)}); a key file holds one PEM block and only white space around it`,
      located: true,
    };
  if (block.stray !== undefined)
    return { ok: false, message: `${block.stray.line}:${block.stray.column}: a line of the PEM block that is not base64 (${shown(block.stray.text)})`, located: true };
  const der = base64Bytes(block.base64);
  if (der === undefined)
    return { ok: false, message: `${block.line}:${block.column}: the PEM block begun here is not well-formed base64 (${block.base64.length} characters; padding only at its end)`, located: true };
  // a DER value with bytes after it: node:crypto reads the first and ignores the rest, which may be another key
  const end = derEnd(der);
  if (end !== undefined && end < der.length)
    return { ok: false, message: `the PEM block holds ${der.length - end} bytes after the key it begins with; a key file holds one key and nothing else` };
  // labelRefusal let through a `PUBLIC KEY` only for a public key file
  const spki = block.label === "PUBLIC KEY";
  let key: KeyObject;
  try {
    if (spki) key = createPublicKey({ key: der, format: "der", type: "spki" });
    else {
      const pair = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
      key = kind === "private" ? pair : createPublicKey(pair);
    }
  } catch (e) {
    return { ok: false, message: `not a readable ${spki ? "SPKI" : "PKCS8"} PEM key: ${(e as Error).message}` };
  }
  if (key.asymmetricKeyType !== "ed25519") return { ok: false, message: `PEM key is ${key.asymmetricKeyType}, not ed25519` };
  return { ok: true, jwk: key.export({ format: "jwk" }) };
}

/**
 * What a key file's PEM text is when it holds no private key, only public keys or certificates, said
 * as it follows `key file <path>` ("is a public key"); undefined otherwise (a private key, or text
 * that is no sequence of PEM blocks: pemKeyText says what is wrong with it). Looked at before a
 * private key file's mode: a public key or a certificate is 0644, and `chmod 600` for it would lead nowhere.
 */
export function publicOnlyPem(text: string): string | undefined {
  const scan = scanPem(text);
  if (!scan.ok || scan.blocks.length === 0) return undefined;
  const labels = scan.blocks.map((b) => b.label);
  if (!labels.every((l) => l === "PUBLIC KEY" || CERTIFICATE_LABELS.has(l))) return undefined;
  const keys = labels.filter((l) => l === "PUBLIC KEY").length;
  if (labels.length === 1) return keys === 1 ? "is a public key" : "is an X.509 certificate, which holds no private key";
  const only = keys === labels.length ? "public keys" : keys === 0 ? "certificates" : "public keys and certificates";
  return `holds ${labels.length} PEM blocks (${listed(scan.blocks)}), ${only} only`;
}

/** What OpenSSL writes certificates under (`openssl x509`, `-trustout`, and an older name). */
const CERTIFICATE_LABELS: ReadonlySet<string> = new Set(["CERTIFICATE", "TRUSTED CERTIFICATE", "X509 CERTIFICATE"]);

/** Why a `kind` key file whose one PEM block is labelled `label` is refused, or undefined when it is read. */
function labelRefusal(label: string, kind: "private" | "public"): string | undefined {
  if (label === "PRIVATE KEY" || (kind === "public" && label === "PUBLIC KEY")) return undefined;
  if (CERTIFICATE_LABELS.has(label)) {
    const what = `is an X.509 certificate (PEM ${shown(label)})`;
    // a certificate's key trusted as it stands would be trusted whatever its validity dates, issuer and uses say
    return kind === "public"
      ? `${what}: writ trusts keys, not certificates, and checks none of a certificate's dates, issuer or uses; give the public key it certifies, which \`openssl x509 -in cert.pem -pubkey -noout > key.pem\` writes`
      : `${what}, which holds no private key; a private key file holds a PKCS8 \`PRIVATE KEY\``;
  }
  if (label === "ENCRYPTED PRIVATE KEY") {
    const what = `is an encrypted private key (PEM ${shown(label)}): writ reads unencrypted keys only, and asks for no passphrase`;
    return kind === "private"
      ? `${what}; decrypt it into a key file of its own, e.g. \`openssl pkey -in enc.key -out key.pem\``
      : `${what}; write its public key into a file of its own, e.g. \`openssl pkey -in enc.key -pubout -out key.pem\``;
  }
  if (kind === "private" && label === "PUBLIC KEY") return `is a public key (PEM ${shown(label)}); a private key file holds a PKCS8 \`PRIVATE KEY\``;
  return `holds a PEM block labelled ${shown(label)}; a ${kind} key file holds ${
    kind === "private" ? "a PKCS8 `PRIVATE KEY`" : "an SPKI `PUBLIC KEY` (or a PKCS8 `PRIVATE KEY`, read as its public half)"
  }`;
}

/** Where a line of a key file is, and its text (white space around it taken off). */
interface Place {
  readonly line: number;
  readonly column: number;
  readonly text: string;
}

/** One PEM block of a key file. */
interface PemBlock {
  readonly label: string;
  /** where its BEGIN line is */
  readonly line: number;
  readonly column: number;
  /** its base64, white space taken out */
  readonly base64: string;
  /** the first line inside it that is not base64 (a header such as `Proc-Type:`, which is not read) */
  readonly stray: Place | undefined;
}

/** A key file's PEM blocks in the order they come, with the first text outside them; or where (`line:column: `) and why it is no sequence of PEM blocks. */
type PemScan = { ok: true; blocks: PemBlock[]; outside: (Place & { after: boolean }) | undefined } | { ok: false; message: string };

const BEGIN = /^-----BEGIN (.*)-----$/;
const END = /^-----END (.*)-----$/;
/** White space a key file may have around and within its lines (CRLF line ends included). */
const SPACE = /[ \t\r]/g;

function scanPem(text: string): PemScan {
  // a byte-order mark, as some editors write one, is no text a person sees
  const lines = text.replace(/^\ufeff/, "").split("\n");
  const blocks: PemBlock[] = [];
  let outside: (Place & { after: boolean }) | undefined;
  let open: { label: string; line: number; column: number; base64: string[]; stray: Place | undefined } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const start = raw.search(/[^ \t\r]/);
    if (start < 0) continue;
    const at: Place = { line: i + 1, column: start + 1, text: raw.replace(/^[ \t\r]+|[ \t\r]+$/g, "") };
    const begin = BEGIN.exec(at.text);
    const end = END.exec(at.text);
    if (open === undefined) {
      if (begin !== null) open = { label: begin[1]!, line: at.line, column: at.column, base64: [], stray: undefined };
      else if (end !== null) return { ok: false, message: `${at.line}:${at.column}: a PEM END line (${shown(at.text)}) with no BEGIN line before it` };
      else if (at.text.startsWith("-----")) return { ok: false, message: `${at.line}:${at.column}: neither a PEM BEGIN nor END line (${shown(at.text)})` };
      else outside ??= { ...at, after: blocks.length > 0 };
    } else if (begin !== null) {
      return { ok: false, message: `${open.line}:${open.column}: the PEM block ${shown(open.label)} begun here has no END line before the next BEGIN, at line ${at.line}` };
    } else if (end !== null) {
      if (end[1] !== open.label) return { ok: false, message: `${at.line}:${at.column}: the PEM block ${shown(open.label)} begun at line ${open.line} ends as ${shown(end[1]!)}` };
      blocks.push({ label: open.label, line: open.line, column: open.column, base64: open.base64.join(""), stray: open.stray });
      open = undefined;
    } else if (at.text.startsWith("-----")) {
      return { ok: false, message: `${at.line}:${at.column}: neither a PEM BEGIN nor END line (${shown(at.text)})` };
    } else {
      const base64 = at.text.replace(SPACE, "");
      if (/^[A-Za-z0-9+/=]*$/.test(base64)) open.base64.push(base64);
      else open.stray ??= at;
    }
  }
  if (open !== undefined) return { ok: false, message: `${open.line}:${open.column}: the PEM block ${shown(open.label)} begun here has no END line` };
  return { ok: true, blocks, outside };
}

/** At most three blocks' labels and lines, for a message. */
function listed(blocks: readonly PemBlock[]): string {
  const first = blocks.slice(0, 3).map((b) => `${shown(b.label)} at line ${b.line}`);
  return blocks.length > 3 ? `${first.join(", ")} and ${blocks.length - 3} more` : first.join(", ");
}

/** Text from the file, quoted on one line (JSON's escapes; the message is escaped whole besides) and cut to a few words. */
function shown(text: string): string {
  return JSON.stringify(clip(text, 64));
}

/** The bytes of `text` as base64 (RFC 4648, padded), or undefined when it is not that. */
function base64Bytes(text: string): Buffer | undefined {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) return undefined;
  return Buffer.from(text, "base64");
}

/** Where the DER value that `der` begins with ends, or undefined when its header cannot be read (node:crypto then says why the key cannot be). */
function derEnd(der: Uint8Array): number | undefined {
  if (der.length < 2 || (der[0]! & 0x1f) === 0x1f) return undefined;
  const first = der[1]!;
  if (first < 0x80) return 2 + first;
  const count = first & 0x7f;
  if (count === 0 || count > 3 || der.length < 2 + count) return undefined;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + der[2 + i]!;
  return 2 + count + length;
}
