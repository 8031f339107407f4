// The request digest an artifact carries: SHA3-512 (hex) of the RFC 8785 canonical JSON of the
// request. BigInts within ±(2^53 − 1) canonicalise as the equal number (a JSON reader sees the same
// value); anything with no exact JSON form (larger BigInts, undefined, functions, cycles, NaN, class
// instances, lone surrogates ...) is refused. A refused request is still decided — as a deny — and its
// artifact carries the digest of a fixed placeholder instead, which no JSON text can equal: canonical
// JSON never starts with `w`.

import { sha3_512Hex, type CryptoPath } from "../crypto/digest.js";
import { canonicalJson, type CanonicalOptions } from "./jcs.js";

export const UNREPRESENTABLE_REQUEST = "writ:unrepresentable-request";

export type RequestDigest =
  | { readonly ok: true; readonly sha3_512: string; readonly canonical: string }
  | { readonly ok: false; readonly sha3_512: string; readonly reason: string; readonly path: string };

const REQUEST_JSON: CanonicalOptions = { bigint: "safe-number" };

export function requestDigest(request: unknown, path?: CryptoPath): RequestDigest {
  const canonical = canonicalJson(request, REQUEST_JSON);
  if (canonical.ok) return { ok: true, sha3_512: sha3_512Hex(canonical.text, path), canonical: canonical.text };
  return { ok: false, sha3_512: sha3_512Hex(UNREPRESENTABLE_REQUEST, path), reason: canonical.reason, path: canonical.path };
}
