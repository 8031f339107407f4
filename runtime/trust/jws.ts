// Compact JWS (RFC 7515 section 7.1) with EdDSA/Ed25519 (RFC 8037): the envelope of both bundle
// signatures and authorization artifacts. Headers are written as canonical JSON so the same inputs
// always give the same token. Parsing is strict and returns reasons, never throws.

import { asciiBytes, base64urlDecode, base64urlEncode, utf8Decode, utf8Encode } from "../crypto/base64url.js";
import { ed25519Sign, ed25519Verify } from "../crypto/ed25519.js";
import type { CryptoPath } from "../crypto/digest.js";
import { canonicalize } from "./jcs.js";
import type { PrivateKey } from "./types.js";
import { ownMember } from "../own.js";
import { shownJson } from "../shown-name.js";
import { jsonTooDeep } from "../json-bounds.js";

export interface ParsedJws {
  readonly header: Record<string, unknown>;
  readonly payload: Uint8Array;
  readonly signature: Uint8Array;
  /** ASCII bytes of `<header b64>.<payload b64>`, what the signature covers */
  readonly signingInput: Uint8Array;
}

export type JwsParseResult = { ok: true; jws: ParsedJws } | { ok: false; message: string };

/** Signs `payload` with `header` (which must name `alg: "EdDSA"`) and returns the compact token. */
export function signCompact(header: Record<string, unknown>, payload: Uint8Array, key: PrivateKey, path?: CryptoPath): string {
  const signingInput = `${base64urlEncode(utf8Encode(canonicalize(header)))}.${base64urlEncode(payload)}`;
  const signature = ed25519Sign(asciiBytes(signingInput), key.seed, path);
  return `${signingInput}.${base64urlEncode(signature)}`;
}

export function parseCompact(token: unknown, maxLength: number): JwsParseResult {
  if (typeof token !== "string") return { ok: false, message: "a compact JWS is a string" };
  if (token.length > maxLength) return { ok: false, message: `token is ${token.length} characters, more than the ${maxLength} accepted` };
  const parts = token.split(".");
  if (parts.length !== 3) return { ok: false, message: `a compact JWS has 3 dot-separated parts, this has ${parts.length}` };
  const [h, p, s] = parts as [string, string, string];
  const headerBytes = base64urlDecode(h);
  const payload = base64urlDecode(p);
  const signature = base64urlDecode(s);
  if (!headerBytes) return { ok: false, message: "JWS header is not unpadded base64url" };
  if (!payload) return { ok: false, message: "JWS payload is not unpadded base64url" };
  if (!signature) return { ok: false, message: "JWS signature is not unpadded base64url" };
  const headerText = utf8Decode(headerBytes);
  // a bundle's signature may be 64 MiB, and its header nearly all of it: refused past any header's
  // depth before JSON.parse builds it
  const tooDeep = headerText === null ? undefined : jsonTooDeep(headerText);
  if (tooDeep !== undefined) return { ok: false, message: `JWS header holds ${tooDeep.why} (at ${tooDeep.at})` };
  let header: unknown;
  try {
    header = headerText === null ? undefined : JSON.parse(headerText);
  } catch {
    header = undefined;
  }
  if (typeof header !== "object" || header === null || Array.isArray(header))
    return { ok: false, message: "JWS header is not a JSON object" };
  return { ok: true, jws: { header: header as Record<string, unknown>, payload, signature, signingInput: asciiBytes(`${h}.${p}`) } };
}

/**
 * Header checks common to every Writ token: EdDSA only (no `none`, no algorithm chosen by the
 * token), a string `kid`, the expected `typ`, and no `crit` extensions (none are understood).
 * Returns the problem, or null.
 */
export function headerProblem(header: Record<string, unknown>, typ: string): string | null {
  // the header's own members: one it lacks is not what Object.prototype holds under its name (own.ts)
  const alg = ownMember(header, "alg");
  if (alg !== "EdDSA") return `header \`alg\` is ${shownJson(alg)}, only "EdDSA" is accepted`;
  const given = ownMember(header, "typ");
  if (given !== typ) return `header \`typ\` is ${shownJson(given)}, expected "${typ}"`;
  const kid = ownMember(header, "kid");
  if (typeof kid !== "string" || kid === "") return "header has no `kid` naming the signing key";
  if (Object.hasOwn(header, "crit")) return "header lists `crit` extensions, which are not understood";
  if (Object.hasOwn(header, "b64")) return "header `b64` is not supported";
  return null;
}

export function verifyJws(jws: ParsedJws, publicKey: Uint8Array, path?: CryptoPath): boolean {
  return ed25519Verify(jws.signature, jws.signingInput, publicKey, path);
}

/** The payload as text, or null when it is not UTF-8. */
export function payloadText(jws: ParsedJws): string | null {
  return utf8Decode(jws.payload);
}
