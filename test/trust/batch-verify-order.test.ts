// A batched artifact is checked in the order verifyArtifact checks a compact one, and that
// docs/artifacts.md states: its text, its tree head's header, key and signature, the statement's
// place in the signed tree (the fold), and only then the statement. The statement was judged first:
// a changed leaf that no longer reads as a statement (`"decision":"allox"`) was `malformed` where
// the page says `bad_proof`, and `malformed` too when its issuer's key was not trusted at all,
// where a compact artifact is `unknown_key`. And a tree head's payload that is not one says what is
// wrong with it, where every such payload was "not a valid writ-batch-head/1".

import { describe, expect, it } from "vitest";
import { createBatchAuthorizer } from "../../runtime/trust/batch.js";
import { BATCH_HEAD_TYP, verifyBatchedArtifact } from "../../runtime/trust/batch-artifact.js";
import { canonicalize } from "../../runtime/trust/jcs.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { verifyArtifact } from "../../runtime/trust/verify-artifact.js";
import { ADMIN_OK, TOO_MUCH, USER_DENIED, fakePolicy } from "./fake-policy.js";

const key = generateKeyPair();
const stranger = generateKeyPair();
const policy = fakePolicy();
const issued = createBatchAuthorizer({ signer: createSigner(key) }).authorizeBatch(policy, [ADMIN_OK, USER_DENIED, TOO_MUCH, ADMIN_OK]);
const second = issued[1]!.artifact;

/** verifyArtifact's and verifyBatchedArtifact's verdicts on `text`, which must be the same. */
function verdict(text: string, trustedKeys = [key.publicKey]): { ok: boolean; code?: string; message?: string } {
  const batched = verifyBatchedArtifact(text, { trustedKeys });
  const either = verifyArtifact(text, { trustedKeys });
  expect(either.ok ? { ok: true } : { ok: false, code: either.code, message: either.message }).toEqual(batched.ok ? { ok: true } : batched);
  return either.ok ? { ok: true } : either;
}

describe("a batched artifact is checked in the documented order", () => {
  it("a leaf changed into something no statement is: bad_proof with the issuer trusted, unknown_key without, bad_signature with a forged head", () => {
    expect(second).toContain('"decision":"deny"');
    const edited = second.replace('"decision":"deny"', '"decision":"allox"');
    expect(verdict(edited)).toEqual({ ok: false, code: "bad_proof", message: "the statement is not leaf 1 of the signed tree of size 4" });
    expect(verdict(edited, [stranger.publicKey])).toMatchObject({ ok: false, code: "unknown_key" });
    const a = JSON.parse(edited) as { head: string };
    const [h, p, s] = a.head.split(".") as [string, string, string];
    const forged = edited.replace(a.head, `${h}.${p}.${s.startsWith("A") ? "B" : "A"}${s.slice(1)}`);
    expect(verdict(forged)).toMatchObject({ ok: false, code: "bad_signature" });
  });

  it("a leaf changed in other ways no statement holds: members dropped, a lineage that fits no index, a format `v` of another version", () => {
    const statement = JSON.parse(second).statement as Record<string, unknown>;
    const withStatement = (s: Record<string, unknown>) => second.replace(canonicalize(statement), canonicalize(s));
    const { jti: _jti, ...noJti } = statement;
    const changes: Record<string, unknown>[] = [noJti, { ...statement, lineage: { seq: 0, prev: { sha3_512: "a".repeat(128), blake2b_512: "b".repeat(128) } } }, { ...statement, v: "writ-authz/2" }];
    for (const changed of changes) {
      expect(verdict(withStatement(changed)), canonicalize(changed)).toEqual({ ok: false, code: "bad_proof", message: "the statement is not leaf 1 of the signed tree of size 4" });
      expect(verdict(withStatement(changed), [stranger.publicKey])).toMatchObject({ ok: false, code: "unknown_key" });
    }
  });

  it("the envelope is read first: a text that is not the issuer's serialisation is malformed whoever signed its head", () => {
    const repeated = second.replace('"index":1', '"index":0,"index":1');
    for (const keys of [[key.publicKey], [stranger.publicKey]]) {
      expect(verdict(repeated, keys)).toMatchObject({ ok: false, code: "malformed", message: expect.stringMatching(/not in the issuer's serialisation/) });
    }
  });
});

describe("a tree head's payload that is not one says what is wrong with it", () => {
  const a = JSON.parse(second) as { head: string };
  const head = JSON.parse(Buffer.from(a.head.split(".")[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
  const text = canonicalize(head);
  const signer = createSigner(key);
  const withPayload = (payload: string) => second.replace(a.head, signer.signJws({ typ: BATCH_HEAD_TYP }, new TextEncoder().encode(payload)));

  it("names the fault: not JSON, a repeated member, one missing or extra, a value out of form, another text of the same head", () => {
    expect(verdict(withPayload(text))).toEqual({ ok: true }); // re-signed as it was: still good
    const cases: [string, string, string | RegExp][] = [
      ["not JSON", text.slice(0, -1), "tree head payload is not JSON"],
      ["an array", "[]", "tree head payload is not a JSON object (a writ-batch-head/1)"],
      ["null, which is JSON", "null", "tree head payload is not a JSON object (a writ-batch-head/1)"],
      ["a second root", text.replace('"root":', `"root":"${"0".repeat(64)}","root":`), /^tree head payload: the member "root" appears twice in one object/],
      ["a member missing", canonicalize(Object.fromEntries(Object.entries(head).filter(([name]) => name !== "batch"))), "tree head payload lacks batch: a writ-batch-head/1 has exactly batch, hash, iat, iss, root, size, v"],
      ["an extra member", canonicalize({ ...head, note: "x" }), 'tree head payload has "note", which it does not: a writ-batch-head/1 has exactly batch, hash, iat, iss, root, size, v'],
      ["size 0", canonicalize({ ...head, size: 0 }), "tree head `size` must be a whole number of leaves from 1 to 2^53 − 1, got 0"],
      ["a root in upper case", canonicalize({ ...head, root: (head.root as string).toUpperCase() }), /^tree head `root` must be 64 lowercase hex digits \(a SHA-256\), got "[0-9A-F]{64}"$/],
      ["a batch id that is not 32 hex digits", canonicalize({ ...head, batch: "x" }), 'tree head `batch` must be 32 lowercase hex digits, got "x"'],
      ["another format", canonicalize({ ...head, v: "writ-batch-head/2" }), 'tree head `v` is "writ-batch-head/2", expected "writ-batch-head/1"'],
      ["another hash", canonicalize({ ...head, hash: "sha512" }), 'tree head `hash` is "sha512", expected "sha256"'],
      ["an empty issuer", canonicalize({ ...head, iss: "" }), 'tree head `iss` must name the signing key, got ""'],
      ["an iat no date holds", canonicalize({ ...head, iat: 2 ** 52 }), /^tree head `iat` must be a whole number of seconds since the epoch within ±8640000000000, got 4503599627370496$/],
      ["whitespace", JSON.stringify(head, null, 1), /^tree head payload is not its own RFC 8785 canonical JSON/],
      ["members out of order", JSON.stringify({ v: head.v, ...head }), /^tree head payload is not its own RFC 8785 canonical JSON/],
    ];
    for (const [name, payload, message] of cases) {
      const r = verdict(withPayload(payload));
      expect(r, name).toMatchObject({ ok: false, code: "malformed" });
      if (typeof message === "string") expect(r.message, name).toBe(message);
      else expect(r.message, name).toMatch(message);
    }
  });
});
