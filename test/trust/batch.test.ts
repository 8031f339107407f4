// Batched signing: batches close on size or on time, every artifact verifies offline (also with an
// independent JWS library and an independent Merkle fold), any change to the statement, the proof or
// the tree head is refused with its own code, and batches chain into the lineage log.

import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { compactVerify, importJWK } from "jose";
import { createBatchAuthorizer, type BatchedAuthorization } from "../../runtime/trust/batch.js";
import { signTreeHead, verifyBatchedArtifact, type BatchedArtifact } from "../../runtime/trust/batch-artifact.js";
import { buildTree, leafHash } from "../../runtime/trust/merkle.js";
import { generateKeyPair, publicJwk } from "../../runtime/trust/keys.js";
import { chainHeadAfter, createSigner } from "../../runtime/trust/signer.js";
import { authorize } from "../../runtime/trust/authorize.js";
import { verifyArtifact, type VerifyArtifactOptions } from "../../runtime/trust/verify-artifact.js";
import { canonicalize } from "../../runtime/trust/jcs.js";
import { openLog } from "../../runtime/trust/lineage.js";
import { verifyLog } from "../../runtime/trust/lineage-verify.js";
import { digestPair } from "../../runtime/crypto/digest.js";
import { ADMIN_OK, TOO_MUCH, USER_DENIED, fakePolicy } from "./fake-policy.js";
import { tempDir } from "../support/temp-dir.js";

const key = generateKeyPair();
const trustedKeys = [key.publicKey];
const policy = fakePolicy();
const REQUESTS = [ADMIN_OK, USER_DENIED, TOO_MUCH];
const dir = tempDir("lineage");

async function issue(n: number, maxBatch = 8, maxDelayMs = 5): Promise<BatchedAuthorization[]> {
  const batcher = createBatchAuthorizer({ signer: createSigner(key), maxBatch, maxDelayMs });
  return Promise.all(Array.from({ length: n }, (_, i) => batcher.authorize(policy, REQUESTS[i % 3])));
}

const parse = (a: string) => JSON.parse(a) as BatchedArtifact & { statement: Record<string, unknown> };
const headOf = (a: string) => JSON.parse(Buffer.from(parse(a).head.split(".")[1]!, "base64url").toString("utf8"));

describe("batch authorizer", () => {
  it("closes batches on size, then on time, and every artifact verifies", async () => {
    const results = await issue(20, 8);
    const heads = results.map((r) => headOf(r.artifact));
    expect(heads.map((h) => h.size)).toEqual([...Array(8).fill(8), ...Array(8).fill(8), ...Array(4).fill(4)]);
    expect(new Set(heads.map((h) => h.batch)).size).toBe(3);
    results.forEach((r, i) => {
      expect(parse(r.artifact).index).toBe(i % 8);
      const v = verifyBatchedArtifact(r.artifact, { trustedKeys });
      expect(v).toMatchObject({ ok: true, statement: { decision: i % 3 === 0 ? "allow" : "deny" } });
      expect(r.decision.decision).toBe(r.statement.decision);
      expect(r.statement.lineage.seq).toBe(i);
      // The statement inside is byte for byte the canonical JSON of the statement returned.
      expect(JSON.stringify(parse(r.artifact).statement)).toBe(canonicalize(r.statement));
    });
  });

  it("a lone decision is signed once its delay runs out, in a tree of one", async () => {
    const batcher = createBatchAuthorizer({ signer: createSigner(key), maxBatch: 256, maxDelayMs: 2 });
    const p = batcher.authorize(policy, ADMIN_OK);
    expect(batcher.pending).toBe(1);
    const r = await p;
    expect(batcher.pending).toBe(0);
    expect(parse(r.artifact).path).toEqual([]);
    expect(headOf(r.artifact).size).toBe(1);
    expect(verifyBatchedArtifact(r.artifact, { trustedKeys }).ok).toBe(true);
  });

  it("flush closes the open batch at once", async () => {
    const batcher = createBatchAuthorizer({ signer: createSigner(key), maxBatch: 256, maxDelayMs: 60_000 });
    const all = Promise.all([0, 1, 2].map((i) => batcher.authorize(policy, REQUESTS[i])));
    batcher.flush();
    expect((await all).map((r) => headOf(r.artifact).size)).toEqual([3, 3, 3]);
  });

  it("links batches: a batch's statements share the link of the artifact before it, the next batch links to its signed head", async () => {
    const batcher = createBatchAuthorizer({ signer: createSigner(key), maxBatch: 3, maxDelayMs: 60_000 });
    const pending = Array.from({ length: 8 }, (_, i) => batcher.authorize(policy, REQUESTS[i % 3]));
    // while a batch is open (two decisions wait in the third), no head a chain can continue from exists
    expect(batcher.pending).toBe(2);
    expect(() => batcher.head).toThrow(/^batcher\.head cannot be read while a batch is open \(2 decisions pending\).*Call batcher\.flush\(\) first/);
    batcher.flush();
    const results = await Promise.all(pending);
    const headDigests = (r: BatchedAuthorization) => digestPair(new TextEncoder().encode(parse(r.artifact).head));
    results.forEach((r, i) => {
      const batchIndex = Math.floor(i / 3);
      expect(parse(r.artifact).index).toBe(i % 3);
      expect(r.statement.lineage).toEqual({ seq: i, prev: batchIndex === 0 ? null : headDigests(results[3 * batchIndex - 1]!) });
    });
    expect(new Set(results.map((r) => parse(r.artifact).head)).size).toBe(3);
    expect(batcher.head).toEqual({ seq: 8, prev: headDigests(results[7]!) });
    // a restarted process resumes from a batch's last leaf, and only from it
    expect(chainHeadAfter(results[5]!.artifact, results[5]!.statement)).toEqual({ seq: 6, prev: headDigests(results[5]!) });
    expect(chainHeadAfter(results[7]!.artifact, results[7]!.statement)).toEqual(batcher.head);
    expect(() => chainHeadAfter(results[4]!.artifact, results[4]!.statement)).toThrow(/leaf 1 of a batch of 3/);
    expect(() => chainHeadAfter("{}", results[4]!.statement)).toThrow(RangeError);
    // the seq is the last leaf's own: given alone, or with its own statement; with another leaf's
    // statement (whose seq is already issued) it is refused, so that no signer resumes into a fork
    expect(chainHeadAfter(results[7]!.artifact)).toEqual(batcher.head);
    expect(() => chainHeadAfter(results[5]!.artifact, results[3]!.statement)).toThrow(
      /^the chain cannot continue from this artifact: the statement given with it is not the one it carries \(seq 5, /,
    );
    expect(() => chainHeadAfter(results[7]!.artifact, results[5]!.statement)).toThrow(RangeError);
    // nor from a leaf moved to the last place, in the first batch or a later one: its proof does not fold there
    for (const r of [results[1]!, results[4]!]) {
      const moved = JSON.stringify({ ...parse(r.artifact), index: 2 });
      expect(() => chainHeadAfter(moved, r.statement), `seq ${r.statement.lineage.seq}`).toThrow(
        new RangeError("the chain cannot continue from this artifact: its statement is not leaf 2 of the tree its batch head states (it was changed after issue)"),
      );
    }
  });

  it("the noble path issues what the native path verifies, with the same link digests", async () => {
    const batcher = createBatchAuthorizer({ signer: createSigner(key, { path: "noble" }), maxBatch: 3 });
    const results = await Promise.all([0, 1, 2, 0, 1].map((i) => batcher.authorize(policy, REQUESTS[i])));
    results.forEach((r, i) => {
      expect(verifyBatchedArtifact(r.artifact, { trustedKeys, request: REQUESTS[[0, 1, 2, 0, 1][i]!] }).ok).toBe(true);
      const link = i < 3 ? null : digestPair(new TextEncoder().encode(parse(results[0]!.artifact).head), "native");
      expect(r.statement.lineage.prev).toEqual(link);
    });
    expect(batcher.head.prev).toEqual(digestPair(new TextEncoder().encode(parse(results[4]!.artifact).head), "native"));
  });

  it("refuses bad settings", () => {
    expect(() => createBatchAuthorizer({ signer: createSigner(key), maxBatch: 0 })).toThrow(RangeError);
    expect(() => createBatchAuthorizer({ signer: createSigner(key), maxDelayMs: -1 })).toThrow(RangeError);
  });
});

describe("verifyBatchedArtifact refuses", () => {
  it("a changed statement", async () => {
    const [r, second] = await issue(5, 5);
    const a = parse(r!.artifact);
    (a.statement as { decision: string }).decision = "deny";
    expect(verifyBatchedArtifact(JSON.stringify(a), { trustedKeys })).toMatchObject({ ok: false, code: "bad_proof" });
    // a link given to a statement of the batch that begins the chain: the lineage rule no longer
    // holds at its index, and it is the change that is refused, as the proof shows it
    const linked = parse(second!.artifact);
    (linked.statement as { lineage: unknown }).lineage = { seq: 1, prev: digestPair(new TextEncoder().encode("another artifact")) };
    linked.statement = JSON.parse(canonicalize(linked.statement)); // in the issuer's serialisation
    expect(verifyBatchedArtifact(JSON.stringify(linked), { trustedKeys })).toEqual({ ok: false, code: "bad_proof", message: "the statement is not leaf 1 of the signed tree of size 5" });
  });

  it("a tree head signed by the trusted key whose payload is not its canonical form with exactly the head's members", async () => {
    const [r] = await issue(3, 3);
    const a = parse(r!.artifact);
    const head = JSON.parse(Buffer.from(a.head.split(".")[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
    const text = canonicalize(head);
    const signer = createSigner(key);
    const withHead = (payload: string) => JSON.stringify({ ...a, head: signer.signJws({ typ: "writ-batch-head+jws" }, new TextEncoder().encode(payload)) });
    expect(verifyBatchedArtifact(withHead(text), { trustedKeys }).ok).toBe(true); // re-signed as it was: still good
    const bad: [string, string][] = [
      ["a second root (JSON.parse keeps the last, a first-wins reader folds against the other)", text.replace('"root":', `"root":"${"0".repeat(64)}","root":`)],
      ["an extra member", canonicalize({ ...head, note: "x" })],
      ["a member missing", canonicalize(Object.fromEntries(Object.entries(head).filter(([k]) => k !== "batch")))],
      ["whitespace", JSON.stringify(head, null, 1)],
      ["members out of order", JSON.stringify({ v: head.v, ...head })],
      ["a batch id that is not 32 hex digits", canonicalize({ ...head, batch: "x" })],
      ["an iat no date holds", canonicalize({ ...head, iat: 2 ** 52 })],
    ];
    for (const [name, payload] of bad) expect(verifyBatchedArtifact(withHead(payload), { trustedKeys }), name).toMatchObject({ ok: false, code: "malformed" });
  });

  it("a changed sibling or index", async () => {
    // the second batch: its statements link to the first, so any index their seq allows is tried
    const results = (await issue(26, 13)).slice(13);
    for (const r of results) {
      const a = parse(r.artifact);
      for (let j = 0; j < a.path.length; j++) {
        const b = parse(r.artifact);
        (b.path as string[])[j] = b.path[j]!.replace(/^./, (c) => (c === "0" ? "1" : "0"));
        expect(verifyBatchedArtifact(JSON.stringify(b), { trustedKeys })).toMatchObject({ ok: false, code: "bad_proof" });
      }
      const c = parse(r.artifact);
      (c as { index: number }).index = (c.index + 1) % 13;
      expect(verifyBatchedArtifact(JSON.stringify(c), { trustedKeys })).toMatchObject({ ok: false, code: "bad_proof" });
    }
  });

  it("an index changed within the tree, in the batch that begins the chain as in a later one, as the proof's fault rather than the untouched lineage's", async () => {
    // the first batch begins the chain (prev null, seq equal to the index): every other index breaks
    // that rule, and it is still the index that was changed, as in the second batch, whose rule it keeps
    const results = await issue(8, 4);
    for (const r of results) {
      for (let index = 0; index < 4; index++) {
        if (index === parse(r.artifact).index) continue;
        const moved = JSON.stringify({ ...parse(r.artifact), index });
        const refusal = { ok: false, code: "bad_proof", message: `the statement is not leaf ${index} of the signed tree of size 4` };
        expect(verifyBatchedArtifact(moved, { trustedKeys }), `seq ${r.statement.lineage.seq}, index ${index}`).toEqual(refusal);
        expect(verifyArtifact(moved, { trustedKeys })).toEqual(refusal);
      }
    }
  });

  it("a batched statement signed at an index its lineage does not fit is malformed, naming its lineage", () => {
    // the first batch's two statements, in a tree signed by the issuer with their leaves swapped:
    // both proofs fold, so nothing was changed after issue, and it is the statements that do not fit
    const issued = createBatchAuthorizer({ signer: createSigner(key) }).authorizeBatch(policy, [ADMIN_OK, USER_DENIED]);
    const swapped = [issued[1]!.statement, issued[0]!.statement].map((st) => canonicalize(st));
    const tree = buildTree(swapped.map((text) => leafHash(new TextEncoder().encode(text))));
    const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
    const head = signTreeHead({ v: "writ-batch-head/1", batch: "cd".repeat(16), size: 2, root: hex(tree.root), hash: "sha256", iss: key.keyId, iat: issued[0]!.statement.iat }, createSigner(key));
    const artifactAt = (i: number) => `{"typ":"writ-authz-batched/2","statement":${swapped[i]},"index":${i},"path":[${tree.proofs[i]!.map((h) => `"${hex(h)}"`).join(",")}],"head":"${head}"}`;
    expect(verifyBatchedArtifact(artifactAt(0), { trustedKeys })).toEqual({
      ok: false,
      code: "malformed",
      message: "batched artifact statement: `lineage`: prev is null exactly in the batch that begins the chain (seq equal to the leaf index)",
    });
    expect(verifyBatchedArtifact(artifactAt(1), { trustedKeys })).toEqual({
      ok: false,
      code: "malformed",
      message: "batched artifact statement: `lineage.seq` 0 is less than the leaf index 1: the batch would begin before seq 0",
    });
  });

  it("an index outside the tree, named as such rather than as a fault of the statement's lineage", async () => {
    // the first batch begins the chain (seq equal to the index), the second continues it
    const results = await issue(10, 5);
    for (const r of [results[3]!, results[8]!]) {
      for (const index of [5, 6, 1e9]) {
        const moved = JSON.stringify({ ...parse(r.artifact), index });
        const refusal = { ok: false, code: "malformed", message: `batched artifact \`index\` ${index} is outside its tree: the tree head states a size of 5 (leaves 0 to 4)` };
        expect(verifyBatchedArtifact(moved, { trustedKeys }), `seq ${r.statement.lineage.seq}, index ${index}`).toEqual(refusal);
        expect(verifyArtifact(moved, { trustedKeys })).toEqual(refusal);
      }
    }
  });

  it("a tree head with a changed root or size, or a changed signature", async () => {
    const [r] = await issue(6, 6);
    const a = parse(r!.artifact);
    const [h, p, s] = a.head.split(".") as [string, string, string];
    for (const change of [(x: Record<string, unknown>) => (x.root = "00".repeat(32)), (x: Record<string, unknown>) => (x.size = 7)]) {
      const head = JSON.parse(Buffer.from(p, "base64url").toString("utf8"));
      change(head);
      const forged = { ...a, head: `${h}.${Buffer.from(canonicalize(head)).toString("base64url")}.${s}` };
      expect(verifyBatchedArtifact(JSON.stringify(forged), { trustedKeys })).toMatchObject({ ok: false, code: "bad_signature" });
    }
    const sig = Buffer.from(s, "base64url");
    sig[5]! ^= 1;
    const badSig = { ...a, head: `${h}.${p}.${sig.toString("base64url")}` };
    expect(verifyBatchedArtifact(JSON.stringify(badSig), { trustedKeys })).toMatchObject({ ok: false, code: "bad_signature" });
  });

  it("a head signed by another key, or by an untrusted one", async () => {
    const [r] = await issue(2, 2);
    expect(verifyBatchedArtifact(r!.artifact, { trustedKeys: [generateKeyPair().publicKey] })).toMatchObject({ ok: false, code: "unknown_key" });
    // A real tree over the same statement, signed by another key that is trusted: the issuer differs.
    const other = generateKeyPair();
    const batcher = createBatchAuthorizer({ signer: createSigner(other), maxBatch: 1 });
    const theirs = parse((await batcher.authorize(policy, ADMIN_OK)).artifact);
    const mixed = { ...parse(r!.artifact), head: theirs.head, index: 0, path: [] };
    expect(verifyBatchedArtifact(JSON.stringify(mixed), { trustedKeys: [key.publicKey, other.publicKey] })).toMatchObject({ ok: false, code: "bad_proof" });
    // A valid tree over our statement, but signed by the other (trusted) key: not its statement.
    const ours = parse(r!.artifact);
    const tree = buildTree([leafHash(new TextEncoder().encode(canonicalize(ours.statement)))]);
    const head = { v: "writ-batch-head/1" as const, batch: "ab".repeat(16), size: 1, root: Buffer.from(tree.root).toString("hex"), hash: "sha256" as const, iss: other.keyId, iat: 1 };
    const resigned = { ...ours, index: 0, path: [], head: signTreeHead(head, createSigner(other)) };
    expect(verifyBatchedArtifact(JSON.stringify(resigned), { trustedKeys: [key.publicKey, other.publicKey] })).toMatchObject({ ok: false, code: "issuer_mismatch" });
  });

  it("a tree head whose `iss` is not the key that signed it, saying so, with the code a compact artifact gets", async () => {
    const [r] = await issue(3, 3);
    const a = parse(r!.artifact);
    const other = generateKeyPair();
    // the head as issued (`iss` our key), signed by another key that is trusted too
    const resigned = JSON.stringify({ ...a, head: signTreeHead(headOf(r!.artifact), createSigner(other)) });
    const v = verifyBatchedArtifact(resigned, { trustedKeys: [key.publicKey, other.publicKey] });
    expect(v).toEqual({ ok: false, code: "malformed", message: `tree head issuer ${key.keyId} is not the signing key ${other.keyId}` });
    expect(verifyArtifact(resigned, { trustedKeys: [key.publicKey, other.publicKey] })).toEqual(v);
    // a compact artifact whose statement names another key than its `kid`
    const jws = authorize(policy, ADMIN_OK, { signer: createSigner(key) }).artifact;
    const [, payload] = jws.split(".") as [string, string];
    const foreign = createSigner(other).signJws({ typ: "writ-authz+jws" }, Buffer.from(payload, "base64url"));
    expect(verifyArtifact(foreign, { trustedKeys: [key.publicKey, other.publicKey] })).toMatchObject({ ok: false, code: v.ok ? "" : v.code });
  });

  it("expired, untrusted policy, another request, a deny when an allow is required, garbage", async () => {
    const results = await issue(3, 3);
    const allow = results[0]!.artifact;
    const later = new Date(Date.now() + 3600_000);
    expect(verifyBatchedArtifact(allow, { trustedKeys, now: later })).toMatchObject({ ok: false, code: "expired" });
    expect(verifyBatchedArtifact(allow, { trustedKeys, now: later, ignoreExpiry: true }).ok).toBe(true);
    expect(verifyBatchedArtifact(allow, { trustedKeys, trustedPolicies: [digestPair(new Uint8Array([1]))] })).toMatchObject({ ok: false, code: "untrusted_policy" });
    expect(verifyBatchedArtifact(allow, { trustedKeys, trustedPolicies: [policy.digests] }).ok).toBe(true);
    expect(verifyBatchedArtifact(allow, { trustedKeys, request: USER_DENIED })).toMatchObject({ ok: false, code: "request_mismatch" });
    expect(verifyBatchedArtifact(allow, { trustedKeys, request: ADMIN_OK }).ok).toBe(true);
    expect(verifyBatchedArtifact(results[1]!.artifact, { trustedKeys, requireAllow: true })).toMatchObject({ ok: false, code: "not_allowed" });
    for (const junk of ["", "{", "[]", '{"typ":"writ-authz-batched/2"}', '{"typ":"writ-authz-batched/1"}', "a.b.c"]) {
      expect(verifyBatchedArtifact(junk, { trustedKeys })).toMatchObject({ ok: false, code: "malformed" });
    }
  });

  it("input that is not text, naming what it got (and verifyArtifact too)", () => {
    const got: [unknown, string][] = [[undefined, "undefined"], [null, "null"], [{}, "an object"], [5, "a number"], [Buffer.from("{}"), "an object"]];
    for (const [input, what] of got) {
      expect(verifyBatchedArtifact(input as string, { trustedKeys })).toEqual({ ok: false, code: "malformed", message: `a batched artifact is JSON text, got ${what}` });
      expect(verifyArtifact(input as string, { trustedKeys })).toEqual({ ok: false, code: "malformed", message: `an artifact is text (a compact JWS, or a batched artifact's JSON), got ${what}` });
    }
  });
});

describe("verifyArtifact, the one entry point for both kinds", () => {
  it("verifies every batched artifact as verifyBatchedArtifact does, with the options it takes for a JWS", async () => {
    const results = await issue(10, 4);
    for (const r of results) {
      const options = { trustedKeys, trustedPolicies: [policy.digests], request: REQUESTS[r.statement.lineage.seq % 3] };
      const v = verifyArtifact(r.artifact, options);
      expect(v).toEqual({ ok: true, statement: r.statement });
      expect(verifyArtifact(`  ${r.artifact}\n`, options)).toEqual(v); // as read from a file
    }
  });

  it("takes away the same spaces and line ends around a batched artifact as verifyBatchedArtifact, and nothing more", async () => {
    const [r] = await issue(3, 3);
    const alone = verifyBatchedArtifact(r!.artifact, { trustedKeys });
    expect(alone.ok).toBe(true);
    for (const around of [(a: string) => `${a}\n`, (a: string) => `${a}\r\n`, (a: string) => ` \t${a} \n\n`]) {
      const text = around(r!.artifact);
      expect(verifyBatchedArtifact(text, { trustedKeys }), JSON.stringify(text.slice(-4))).toEqual(alone);
      expect(verifyArtifact(text, { trustedKeys })).toEqual({ ok: true, statement: r!.statement });
    }
    // anything else around it is not taken away, by either
    for (const text of [`\u00a0${r!.artifact}`, `\ufeff${r!.artifact}`, `${r!.artifact}\u00a0`, `${r!.artifact}\u2028`]) {
      expect(verifyBatchedArtifact(text, { trustedKeys }), JSON.stringify(text.slice(-4))).toMatchObject({ ok: false, code: "malformed" });
      expect(verifyArtifact(text, { trustedKeys }), JSON.stringify(text.slice(-4))).toMatchObject({ ok: false, code: "malformed" });
    }
  });

  it("refuses a changed statement, a proof against another batch's head, a forged head, an unknown key", async () => {
    const results = await issue(8, 4);
    const a = parse(results[1]!.artifact);
    (a.statement as { decision: string }).decision = "allow";
    expect(verifyArtifact(JSON.stringify(a), { trustedKeys })).toMatchObject({ ok: false, code: "bad_proof" });
    // leaf 1 of the first batch, carried with the head of the second: the fold misses that head's root
    const moved = { ...parse(results[1]!.artifact), head: parse(results[5]!.artifact).head };
    expect(verifyArtifact(JSON.stringify(moved), { trustedKeys })).toMatchObject({ ok: false, code: "bad_proof" });
    const [h, p, sig] = parse(results[0]!.artifact).head.split(".") as [string, string, string];
    const head = JSON.parse(Buffer.from(p, "base64url").toString("utf8"));
    head.root = "00".repeat(32);
    const forged = { ...parse(results[0]!.artifact), head: `${h}.${Buffer.from(canonicalize(head)).toString("base64url")}.${sig}` };
    expect(verifyArtifact(JSON.stringify(forged), { trustedKeys })).toMatchObject({ ok: false, code: "bad_signature" });
    expect(verifyArtifact(results[0]!.artifact, { trustedKeys: [generateKeyPair().publicKey] })).toMatchObject({ ok: false, code: "unknown_key" });
    expect(verifyArtifact('{"typ":"writ-authz-batched/2"}', { trustedKeys })).toMatchObject({ ok: false, code: "malformed" });
  });

  it("judges the validity window, the policy, the request and an allow as for a JWS; options outside its own do not reach the batched check", async () => {
    const [allow, deny] = await issue(2, 2);
    const later = new Date(Date.now() + 3600_000);
    expect(verifyArtifact(allow!.artifact, { trustedKeys, now: later })).toMatchObject({ ok: false, code: "expired" });
    // verifyBatchedArtifact's `ignoreExpiry` is not one of verifyArtifact's options: refused as such
    expect(verifyArtifact(allow!.artifact, { trustedKeys, now: later, ignoreExpiry: true } as VerifyArtifactOptions)).toMatchObject({ ok: false, code: "bad_options" });
    expect(verifyArtifact(allow!.artifact, { trustedKeys, now: later, clockSkewSeconds: 7200 }).ok).toBe(true);
    expect(verifyArtifact(allow!.artifact, { trustedKeys, now: new Date(Date.now() - 3600_000) })).toMatchObject({ ok: false, code: "not_yet_valid" });
    expect(verifyArtifact(allow!.artifact, { trustedKeys, trustedPolicies: [digestPair(new Uint8Array([1]))] })).toMatchObject({ ok: false, code: "untrusted_policy" });
    expect(verifyArtifact(allow!.artifact, { trustedKeys, request: USER_DENIED })).toMatchObject({ ok: false, code: "request_mismatch" });
    expect(verifyArtifact(allow!.artifact, { trustedKeys, request: undefined })).toMatchObject({ ok: false, code: "request_mismatch" });
    expect(verifyArtifact(deny!.artifact, { trustedKeys, requireAllow: true })).toMatchObject({ ok: false, code: "not_allowed" });
    expect(verifyArtifact(deny!.artifact, { trustedKeys }).ok).toBe(true);
  });

  it("refuses text that begins with neither kind's first character, naming it, whichever kind follows", async () => {
    const [batched] = await issue(1, 1);
    const jws = authorize(policy, ADMIN_OK, { signer: createSigner(key) }).artifact;
    const neither = 'an artifact begins with "{" (a batched artifact) or a base64url character (a compact JWS), and this one begins with';
    for (const artifact of [batched!.artifact, jws]) {
      // only ASCII spaces, tabs and line ends are taken away around an artifact
      expect(verifyArtifact(` \t${artifact}\r\n`, { trustedKeys }).ok).toBe(true);
      for (const [before, named] of [["\u00a0", "U+00A0"], ["\ufeff", "U+FEFF"], [" \u2028", "U+2028"], ["\u{1f600}", "U+1F600"], ["[", 'U+005B ("[")'], ["=", 'U+003D ("=")']]) {
        expect(verifyArtifact(`${before}${artifact}`, { trustedKeys }), JSON.stringify(before)).toEqual({ ok: false, code: "malformed", message: `${neither} ${named}` });
      }
    }
    for (const empty of ["", " \r\n\t"]) {
      expect(verifyArtifact(empty, { trustedKeys })).toEqual({ ok: false, code: "malformed", message: "the artifact is empty (nothing but ASCII spaces, tabs and line ends)" });
    }
  });

  it("refuses options without trusted keys, for either kind, instead of throwing", async () => {
    const [batched] = await issue(1, 1);
    const jws = authorize(policy, ADMIN_OK, { signer: createSigner(key) }).artifact;
    for (const artifact of [batched!.artifact, jws]) {
      for (const options of [undefined, null, {}, { trustedKeys: key.publicKey }]) {
        expect(verifyArtifact(artifact, options as unknown as VerifyArtifactOptions)).toMatchObject({ ok: false, code: "bad_options" });
      }
    }
  });
});

describe("independent offline verification", () => {
  it("jose verifies the tree head and a hand-written RFC 9162 fold reaches its root", async () => {
    const results = await issue(11, 11);
    const jwk = await importJWK({ ...publicJwk(key.publicKey), alg: "EdDSA" }, "EdDSA");
    for (const r of results) {
      const a = parse(r.artifact);
      const { payload, protectedHeader } = await compactVerify(a.head, jwk);
      expect(protectedHeader).toMatchObject({ alg: "EdDSA", kid: key.keyId, typ: "writ-batch-head+jws" });
      const head = JSON.parse(new TextDecoder().decode(payload));
      const h = (...parts: Buffer[]) => createHash("sha256").update(Buffer.concat(parts)).digest();
      let node = h(Buffer.from([0]), Buffer.from(canonicalize(a.statement)));
      let fn = a.index;
      let sn = head.size - 1;
      for (const sibling of a.path.map((x) => Buffer.from(x, "hex"))) {
        if (fn % 2 === 1 || fn === sn) {
          node = h(Buffer.from([1]), sibling, node);
          while (fn % 2 === 0 && fn !== 0) {
            fn >>= 1;
            sn >>= 1;
          }
        } else node = h(Buffer.from([1]), node, sibling);
        fn >>= 1;
        sn >>= 1;
      }
      expect(sn).toBe(0);
      expect(node.toString("hex")).toBe(head.root);
    }
  });
});

describe("batches in the lineage log", () => {
  it("continue a chain of single artifacts, are written per batch, and verify", async () => {
    const path = join(dir, "mixed.jsonl");
    const log = openLog(path);
    const signer = createSigner(key, { head: log.head().chain });
    for (let i = 0; i < 3; i++) authorize(policy, REQUESTS[i], { signer, lineage: log });
    const batcher = createBatchAuthorizer({ signer, maxBatch: 4, maxDelayMs: 1, lineage: log });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => batcher.authorize(policy, REQUESTS[i % 3])));
    expect(results[0]!.statement.lineage.seq).toBe(3);
    expect(log.head()).toMatchObject({ records: 13, chain: batcher.head });
    log.close();
    expect(verifyLog(path, { trustedKeys })).toMatchObject({ ok: true, records: 13, batched: 10, firstSeq: 0, lastSeq: 12 });
    // The batched records are checked too: a wrong key refuses the first batched one's issuer... and all.
    expect(verifyLog(path, { trustedKeys: [generateKeyPair().publicKey] })).toMatchObject({ ok: false, index: 0, kind: "bad_signature" });

    // A resumed log continues after the last batched statement.
    const again = openLog(path);
    const batcher2 = createBatchAuthorizer({ signer: createSigner(key, { head: again.head().chain }), maxBatch: 2, lineage: again });
    await Promise.all([batcher2.authorize(policy, ADMIN_OK), batcher2.authorize(policy, ADMIN_OK)]);
    again.close();
    expect(verifyLog(path, { trustedKeys })).toMatchObject({ ok: true, records: 15, batched: 12 });
  });

  it("a batch that would take a seq past 2^53 − 2 is refused whole (RangeError), nothing issued or recorded, the head kept", async () => {
    const h = "b".repeat(128);
    const last = Number.MAX_SAFE_INTEGER - 1;
    const recorded: string[][] = [];
    const lineage = { appendMany: (entries: readonly { artifact: string }[]) => void recorded.push(entries.map((e) => e.artifact)) };
    const start = { seq: last - 1, prev: { sha3_512: h, blake2b_512: h } };
    const batcher = createBatchAuthorizer({ signer: createSigner(key, { head: start }), maxBatch: 4, lineage });
    expect(() => batcher.authorizeBatch(policy, REQUESTS)).toThrow(/last seq an artifact is issued with is 9007199254740990.*nothing was issued/);
    expect(recorded).toEqual([]);
    expect(batcher.head).toEqual(start);
    // the two seqs left are issued; then the promise path refuses the next decision
    const issued = batcher.authorizeBatch(policy, REQUESTS.slice(0, 2));
    expect(issued.map((a) => a.statement.lineage.seq)).toEqual([last - 1, last]);
    expect(issued.every((a) => verifyBatchedArtifact(a.artifact, { trustedKeys }).ok)).toBe(true);
    const head = batcher.head;
    expect(head.seq).toBe(Number.MAX_SAFE_INTEGER);
    await expect(batcher.authorize(policy, ADMIN_OK)).rejects.toThrow(RangeError);
    batcher.flush();
    expect(batcher.head).toBe(head);
    expect(recorded).toHaveLength(1);
  });

  it("a batch the log refuses is not issued and the chain does not advance", async () => {
    const refusing = { appendMany: () => { throw new Error("disk full"); } };
    const batcher = createBatchAuthorizer({ signer: createSigner(key), maxBatch: 2, lineage: refusing });
    const before = batcher.head;
    const outcome = await Promise.allSettled([batcher.authorize(policy, ADMIN_OK), batcher.authorize(policy, ADMIN_OK)]);
    expect(outcome.map((o) => o.status)).toEqual(["rejected", "rejected"]);
    expect(batcher.head).toEqual(before);
  });
});
