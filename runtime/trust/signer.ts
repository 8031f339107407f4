// A Signer issues the artifacts of one chain: it holds the private key, its id and the chain head
// (the sequence number of the next artifact and the digests of the previous one), so consecutive
// artifacts link. One signer per chain; a process that restarts resumes with `chainHeadAfter`.

import { blake2b512Hex, sha3_512Hex, type CryptoPath, type DigestPair } from "../crypto/digest.js";
import { signCompact } from "./jws.js";
import type { ChainHead, PrivateKey, PublicKey, Statement } from "./types.js";

export const GENESIS: ChainHead = { seq: 0, prev: null };

export interface SignerOptions {
  /** where the chain continues; genesis when absent */
  readonly head?: ChainHead;
  /** Ed25519 and digest implementation; the process default when absent */
  readonly path?: CryptoPath;
}

export class Signer {
  // Private so the seed never shows in logs, JSON.stringify or util.inspect of a signer.
  readonly #key: PrivateKey;
  #head: ChainHead;
  readonly path: CryptoPath | undefined;

  constructor(key: PrivateKey, options: SignerOptions = {}) {
    const head = options.head ?? GENESIS;
    if (!Number.isSafeInteger(head.seq) || head.seq < 0) throw new RangeError("chain head seq must be a non-negative integer");
    if ((head.seq === 0) !== (head.prev === null)) throw new RangeError("chain head: seq 0 goes with prev null, and only it");
    this.#key = key;
    this.#head = head;
    this.path = options.path;
  }

  get keyId(): string {
    return this.#key.keyId;
  }
  get publicKey(): PublicKey {
    return this.#key.publicKey;
  }
  /** where the next artifact links */
  get head(): ChainHead {
    return this.#head;
  }

  /** Signs a JWS with this signer's key; `kid` is set here so it always names the signing key. */
  signJws(header: Record<string, unknown>, payload: Uint8Array): string {
    return signCompact({ ...header, alg: "EdDSA", kid: this.#key.keyId }, payload, this.#key, this.path);
  }

  /** Moves the head past `artifact`; called once the artifact has been recorded. */
  advance(artifact: string): void {
    this.#head = { seq: this.#head.seq + 1, prev: artifactDigests(artifact, this.path) };
  }
}

export function createSigner(key: PrivateKey, options?: SignerOptions): Signer {
  return new Signer(key, options);
}

// One-entry memo: the lineage log and the signer both need the digests of the artifact just issued;
// hashing it once saves two digests (about 10 µs) per authorization when the log calls this too.
let memo: { artifact: string; path: CryptoPath | undefined; digests: DigestPair } | null = null;

/** SHA3-512 and BLAKE2b-512 of an artifact's compact JWS (its ASCII bytes): what the next one links to. */
export function artifactDigests(artifact: string, path?: CryptoPath): DigestPair {
  if (memo !== null && memo.artifact === artifact && memo.path === path) return memo.digests;
  // The compact JWS is ASCII, so hashing the string as UTF-8 hashes exactly its bytes.
  const digests = { sha3_512: sha3_512Hex(artifact, path), blake2b_512: blake2b512Hex(artifact, path) };
  memo = { artifact, path, digests };
  return digests;
}

/** The head that continues a chain whose last artifact is `artifact` (e.g. read back from a log). */
export function chainHeadAfter(artifact: string, statement: Statement, path?: CryptoPath): ChainHead {
  return { seq: statement.lineage.seq + 1, prev: artifactDigests(artifact, path) };
}
