// Batched signing: decisions are collected into batches, a Merkle tree (merkle.ts) is built over
// their statements, one Ed25519 signature covers the tree head, and each decision's artifact carries
// its inclusion proof (batch-artifact.ts). A batch closes when it holds `maxBatch` decisions or
// `maxDelayMs` after its first one, whichever comes first, so latency stays bounded under low load
// and the signature cost is shared under high load.
//
// Lineage: statements are chained as for single artifacts (`lineage.seq`, `lineage.prev`), except
// that a batched statement's successor links to the digests of the statement's canonical JSON — the
// artifact itself does not exist until its batch is signed. The authorizer owns the chain from the
// signer's head on: do not issue single artifacts with the same signer meanwhile; resume from
// `head` instead. With a lineage sink, every batch is recorded (one write and one fsync for the whole
// batch when the sink is a LineageLog) before any of its promises resolves.

import type { Decision } from "../decision.js";
import type { DecidingPolicy } from "../policy-types.js";
import { bytesToHex, utf8Encode } from "../crypto/base64url.js";
import * as nodeCrypto from "node:crypto";
import { defaultCryptoPath, digestPair, type DigestPair } from "../crypto/digest.js";
import { canonicalJson } from "./jcs.js";
import { buildTree, leafHash } from "./merkle.js";
import { requestDigest, type RequestDigest } from "./request-digest.js";
import type { Signer } from "./signer.js";
import { buildStatement, canonicalStatement, decideSafely, randomId, unrepresentableDecision } from "./statement.js";
import { type ChainHead, type LineageSink, type Statement } from "./types.js";
import { BATCH_HEAD_FORMAT, BATCHED_ARTIFACT_TYP, signTreeHead, type TreeHead } from "./batch-artifact.js";
import { DEFAULT_TTL_SECONDS } from "./authorize.js";

export interface BatchAuthorizerOptions {
  /** signing key; the chain continues from its head */
  readonly signer: Signer;
  /** decisions per batch at most; 256 when absent */
  readonly maxBatch?: number;
  /** how long the first decision of a batch may wait for others; 5 ms when absent */
  readonly maxDelayMs?: number;
  readonly ttlSeconds?: number;
  readonly now?: () => Date;
  /** receives every artifact of a batch, in order, before the batch's promises resolve */
  readonly lineage?: LineageSink & { appendMany?(entries: readonly { artifact: string; statement: Statement }[]): void };
}

export interface BatchedAuthorization {
  readonly decision: Decision;
  /** batched artifact (JSON text): statement, inclusion proof and signed tree head */
  readonly artifact: string;
  readonly statement: Statement;
}

export interface BatchAuthorizer {
  /** decides now; resolves once the decision's batch is signed (and recorded) */
  authorize(policy: DecidingPolicy, request: unknown): Promise<BatchedAuthorization>;
  /** closes the open batch now */
  flush(): void;
  /** where the next statement links */
  readonly head: ChainHead;
  /** decisions waiting in the open batch */
  readonly pending: number;
}

interface Pending {
  readonly decision: Decision;
  readonly statement: Statement;
  readonly canonical: string;
  readonly leaf: Uint8Array;
  readonly resolve: (a: BatchedAuthorization) => void;
  readonly reject: (e: unknown) => void;
}

export function createBatchAuthorizer(options: BatchAuthorizerOptions): BatchAuthorizer {
  const maxBatch = options.maxBatch ?? 256;
  const maxDelayMs = options.maxDelayMs ?? 5;
  const ttl = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatch must be a positive integer, got ${maxBatch}`);
  if (!(maxDelayMs >= 0)) throw new RangeError(`maxDelayMs must be a non-negative number, got ${maxDelayMs}`);
  if (!Number.isSafeInteger(ttl) || ttl <= 0) throw new RangeError(`ttlSeconds must be a positive integer, got ${ttl}`);
  const { signer } = options;
  // One-shot hashing (crypto.hash) skips a Hash object per digest; same bytes as digestPair.
  const nodeHash = nodeCrypto.hash;
  const native = (signer.path ?? defaultCryptoPath()) === "native" && typeof nodeHash === "function";
  // requestDigest's result, hashed one-shot on the native path (same canonical text, same SHA3-512).
  const digestRequest = (request: unknown): RequestDigest => {
    if (!native) return requestDigest(request, signer.path);
    const canonical = canonicalJson(request, { bigint: "safe-number" });
    return canonical.ok ? { ok: true, sha3_512: nodeHash("sha3-512", canonical.text, "hex"), canonical: canonical.text } : requestDigest(request, signer.path);
  };
  const linkDigests = (canonical: string): DigestPair =>
    native ? { sha3_512: nodeHash("sha3-512", canonical, "hex"), blake2b_512: nodeHash("blake2b512", canonical, "hex") } : digestPair(utf8Encode(canonical), signer.path);
  let head: ChainHead = signer.head;
  let batchStart: ChainHead = head;
  let batch: Pending[] = [];
  let timer: NodeJS.Timeout | null = null;

  function close(): void {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    if (batch.length === 0) return;
    const closing = batch;
    const start = batchStart;
    batch = [];
    batchStart = head;
    let artifacts: string[];
    try {
      const tree = buildTree(closing.map((p) => p.leaf));
      const nowMs = (options.now ? options.now() : new Date()).getTime();
      const treeHead: TreeHead = {
        v: BATCH_HEAD_FORMAT,
        batch: randomId(),
        size: tree.size,
        root: bytesToHex(tree.root),
        hash: "sha256",
        iss: signer.keyId,
        iat: Math.floor(nowMs / 1000),
      };
      const headJws = signTreeHead(treeHead, signer);
      // Built as text: the statement is already canonical JSON, and the rest is fixed-shape. Each
      // interior node appears in many proofs: hex-encode it once.
      const hexOf = new Map<Uint8Array, string>();
      const quoted = (h: Uint8Array): string => {
        let x = hexOf.get(h);
        if (x === undefined) {
          x = `"${bytesToHex(h)}"`;
          hexOf.set(h, x);
        }
        return x;
      };
      artifacts = closing.map(
        (p, i) => `{"typ":"${BATCHED_ARTIFACT_TYP}","statement":${p.canonical},"index":${i},"path":[${tree.proofs[i]!.map(quoted).join(",")}],"head":"${headJws}"}`,
      );
      if (options.lineage) {
        const entries = artifacts.map((artifact, i) => ({ artifact, statement: closing[i]!.statement }));
        if (options.lineage.appendMany) options.lineage.appendMany(entries);
        else for (const e of entries) options.lineage.append(e.artifact, e.statement);
      }
    } catch (e) {
      // Nothing of this batch was issued: the chain continues from where the batch started, and any
      // decision taken since (none: closing is synchronous) would link to it.
      head = start;
      batchStart = start;
      for (const p of closing) p.reject(e);
      return;
    }
    closing.forEach((p, i) => p.resolve({ decision: p.decision, artifact: artifacts[i]!, statement: p.statement }));
  }

  return {
    authorize(policy, request) {
      return new Promise<BatchedAuthorization>((resolve, reject) => {
        const nowDate = options.now ? options.now() : new Date();
        const nowMs = nowDate instanceof Date ? nowDate.getTime() : NaN;
        if (!Number.isFinite(nowMs)) {
          reject(new RangeError("the clock returned an invalid Date"));
          return;
        }
        const digest = digestRequest(request);
        const decision = digest.ok ? decideSafely(policy, request) : unrepresentableDecision(digest);
        const iat = Math.floor(nowMs / 1000);
        const statement: Statement = buildStatement({ policy, decision, requestSha3: digest.sha3_512, issuer: signer.keyId, iat, ttlSeconds: ttl, head });
        const canonical = canonicalStatement(statement, policy);
        head = { seq: head.seq + 1, prev: linkDigests(canonical) };
        // The leaf now, while the statement text is fresh: SHA-256(0x00 || canonical statement).
        const leaf = native ? new Uint8Array(nodeHash("sha256", "\0" + canonical, "buffer")) : leafHash(utf8Encode(canonical));
        batch.push({ decision, statement, canonical, leaf, resolve, reject });
        if (batch.length >= maxBatch) close();
        else if (timer === null) timer = setTimeout(close, maxDelayMs);
      });
    },
    flush: close,
    get head() {
      return head;
    },
    get pending() {
      return batch.length;
    },
  };
}
