// The request digest an artifact carries: SHA3-512 (hex) of the RFC 8785 canonical JSON of the
// request. BigInts within ±(2^53 − 1) canonicalise as the equal number (a JSON reader sees the same
// value); anything with no exact JSON form (larger BigInts, undefined, functions, cycles, NaN, class
// instances, lone surrogates ...) is refused. A refused request is still decided — as a deny — and its
// artifact carries the digest of a fixed placeholder instead, which no JSON text can equal: canonical
// JSON never starts with `w`.

import { sha3_512Hex, type CryptoPath } from "../crypto/digest.js";
import type { RecordType } from "../schema.js";
import { canonicalJsonKeyed, type CanonicalOptions } from "./jcs.js";
import { canonicalReaderFor } from "./jcs-codegen.js";
import { overLongCollection, schemaPath, snapshotRequest, whereUnreadable } from "../request.js";
import { describeThrown } from "../thrown.js";

export const UNREPRESENTABLE_REQUEST = "writ:unrepresentable-request";

export type RequestDigest =
  | { readonly ok: true; readonly sha3_512: string; readonly canonical: string }
  | { readonly ok: false; readonly sha3_512: string; readonly reason: string; readonly path: string };

const REQUEST_JSON: CanonicalOptions = { bigint: "safe-number" };

/**
 * The digest of `request`, read once (snapshotRequest). `schema`, when given, is the request schema of
 * the policy deciding it: requests that match it are canonicalised by a writer generated for it
 * (jcs-codegen.ts), to the same text, faster.
 */
export function requestDigest(request: unknown, path?: CryptoPath, schema?: RecordType): RequestDigest {
  return readRequest(request, path, schema).digest;
}

/** A request read once: the copy to decide, and the digest of that very copy. */
export interface ReadRequest {
  /** the snapshot (undefined when the request could not be read: then the digest says why) */
  readonly data: unknown;
  readonly digest: RequestDigest;
}

/**
 * Reads `request` into one copy and digests that copy. Whoever issues a statement decides `data`,
 * never the request again: a getter or a Proxy that answers differently on a second read must not
 * get a decision for one request signed under the digest of another. Never throws.
 */
export function readRequest(request: unknown, path?: CryptoPath, schema?: RecordType): ReadRequest {
  // A request of the policy's schema: the generated reader writes its canonical JSON and copies it in
  // one pass, each field read once (jcs-codegen.ts), and that copy is decided. Anything else — a
  // member the schema does not declare, a value of another type, anything the reader is not sure of —
  // is found only once the reader has read the fields before it, getters included: it gives up, its
  // reads are dropped, and the generic snapshot reads the request again from the start (a getter is
  // then called twice), the general serialiser writing that copy. Either way `data` and the digest
  // come from one read: the reader's, or the snapshot's alone (docs/language.md, "Requests").
  const read = schema === undefined ? undefined : canonicalReaderFor(schema)?.(request);
  if (read !== undefined) return { data: read.data, digest: { ok: true, sha3_512: sha3_512Hex(read.text, path), canonical: read.text } };
  let data: unknown;
  try {
    data = snapshotRequest(request);
  } catch (e) {
    // too many values to copy because a list or map is longer than its bound: named as decide names it
    const over = schema === undefined ? undefined : overLongCollection(e, schema);
    if (over !== undefined) return { data: undefined, digest: { ok: false, sha3_512: sha3_512Hex(UNREPRESENTABLE_REQUEST, path), reason: over.message, path: over.path } };
    const where = whereUnreadable(e, schema);
    return { data: undefined, digest: { ok: false, sha3_512: sha3_512Hex(UNREPRESENTABLE_REQUEST, path), reason: `reading the value threw: ${describeThrown(where.cause)}`, path: where.path } };
  }
  return { data, digest: digestOfData(data, path, schema) };
}

/**
 * The digest of a snapshot (plain data our own code built). A refusal's path is spelled along
 * `schema` (schemaPath) as decide spells paths: `m["k"]` for a map's key, whatever the key.
 */
function digestOfData(data: unknown, path?: CryptoPath, schema?: RecordType): RequestDigest {
  const canonical = canonicalJsonKeyed(data, REQUEST_JSON);
  if (canonical.ok) return { ok: true, sha3_512: sha3_512Hex(canonical.text, path), canonical: canonical.text };
  return { ok: false, sha3_512: sha3_512Hex(UNREPRESENTABLE_REQUEST, path), reason: canonical.reason, path: schemaPath(canonical.keys, schema).path };
}

/** The request schema of a policy about to decide, when it has a readable one (for `requestDigest`). */
export function requestSchemaOf(policy: { readonly manifest?: { readonly schema?: unknown } }): RecordType | undefined {
  try {
    const schema = policy.manifest?.schema;
    return typeof schema === "object" && schema !== null ? (schema as RecordType) : undefined;
  } catch {
    return undefined; // a host's policy object with a throwing getter: the general path still works
  }
}
