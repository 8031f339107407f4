// A Signer issues the artifacts of one chain: it holds the private key, its id and the chain head
// (the sequence number of the next artifact and the digests of the previous one), so consecutive
// artifacts link. One signer per chain; a process that restarts resumes with `chainHeadAfter`.

import { asciiBytes, base64urlEncode, base64urlEncodeText, utf8Encode } from "../crypto/base64url.js";
import { blake2b512Hex, defaultCryptoPath, isDigestPair, sha3_512Hex, type CryptoPath, type DigestPair } from "../crypto/digest.js";
import { ed25519Sign } from "../crypto/ed25519.js";
import { canonicalize } from "./jcs.js";
import { signCompact } from "./jws.js";
import { sameStatement, statementOf } from "./artifact-statement.js";
import type { ChainHead, PrivateKey, PublicKey, Statement } from "./types.js";
import { shownOption } from "../thrown.js";
import { utf8Length } from "../strings.js";
import { readSigningKey } from "./keys.js";
import { ownMember, ownOption } from "../own.js";
import { optionNames, unknownOptionProblem } from "../option-names.js";

// Digest pairs and chain heads are frozen where they are made: the same object is the signer's head,
// the lineage log's state, the digest memo's entry and what `head`, `log.head()` and `artifactDigests`
// hand a host, and an edit of the host's copy (a digest dropped from a checkpoint, one upper-cased
// for display) would otherwise change the link the next artifact is signed and recorded with.
export const GENESIS: ChainHead = Object.freeze({ seq: 0, prev: null });

/** A chain head that nothing can change (see GENESIS). `prev` must be frozen already (frozenDigests). */
export function frozenHead(seq: number, prev: DigestPair | null): ChainHead {
  return Object.freeze({ seq, prev });
}

/** A digest pair that nothing can change (see GENESIS). */
export function frozenDigests(sha3_512: string, blake2b_512: string): DigestPair {
  return Object.freeze({ sha3_512, blake2b_512 });
}

/**
 * The last seq an artifact is issued with, 2^53 − 2: the head after it (seq + 1) is still a safe
 * integer, which a chain head, a statement's `lineage.seq` and the lineage log's reader all require.
 * A statement with seq 2^53 would be signed and recorded, and then read back by nothing.
 */
export const LAST_SEQ = Number.MAX_SAFE_INTEGER - 1;

/**
 * Throws a RangeError, as a signer refuses a head it cannot use, when no artifact can be issued at
 * `seq` (past LAST_SEQ); the issuer checks before deciding, so nothing is issued and the head stays.
 */
export function requireIssuable(seq: number): void {
  if (!(seq <= LAST_SEQ))
    throw new RangeError(`the chain head is at seq ${seq}: the last seq an artifact is issued with is ${LAST_SEQ} (the next must still be a safe integer, or nothing reads it back); nothing was issued and the head is unchanged`);
}

export interface SignerOptions {
  /** where the chain continues; genesis when absent */
  readonly head?: ChainHead;
  /** Ed25519 and digest implementation; the process default when absent */
  readonly path?: CryptoPath;
}

/** The names SignerOptions has: any other is refused (`Head` must not start a chain at genesis without a word). */
const SIGNER_OPTIONS = optionNames<SignerOptions>({ head: true, path: true });

/** Characters of an Ed25519 signature (64 bytes) in unpadded base64url. */
const SIGNATURE_LENGTH = 86;

/**
 * Where a signer keeps its chain head: a cell that authorize sets by assignment once the artifact is
 * recorded (headCellOf). Near the end of the host's stack any call can fail, and one made after the
 * sink has recorded an artifact would leave the signer behind what the sink holds.
 */
export interface HeadCell {
  head: ChainHead;
  /**
   * Set once a batch authorizer has taken the signer's chain (batch.ts): it issues from the head it
   * took and does not move this one, so another issuer on the same signer would issue its seqs again.
   */
  batched: boolean;
}

/**
 * Why a signer cannot issue for authorize, guard or another batch authorizer: a batch authorizer has
 * taken its chain. null when it can.
 */
export function batchedSignerProblem(cell: HeadCell): string | null {
  if (!cell.batched) return null;
  return `this signer's chain was taken by a batch authorizer, which issues its seqs from the head it took: another issuer on the same signer would issue them again (a fork of the chain). Issue through that batch authorizer, or continue the chain with a new signer: createSigner(key, { head: batcher.head }) once batcher.flush() has closed its batch`;
}

/** The head cell of a signer createSigner made; undefined for anything else. */
let cellOf: (signer: unknown) => HeadCell | undefined;

export class Signer {
  // Private so the seed never shows in logs, JSON.stringify or util.inspect of a signer.
  readonly #key: PrivateKey;
  readonly #cell: HeadCell;
  /** typ → base64url of the canonical header `{alg, kid, typ}`: the same for every token of a typ */
  readonly #encodedHeaders = new Map<string, string>();
  readonly path: CryptoPath | undefined;

  /**
   * Throws a TypeError for options that are no object or hold a name SignerOptions does not have,
   * or a key that is not a private key (readSigningKey); a RangeError for a head it cannot use.
   */
  constructor(key: PrivateKey, options: SignerOptions = {}) {
    if (typeof options !== "object" || options === null) throw new TypeError(`createSigner: the options must be an object, got ${shownOption(options)}`);
    const unknown = unknownOptionProblem(options, SIGNER_OPTIONS);
    if (unknown !== null) throw new TypeError(`createSigner: ${unknown}`);
    // each option as the object holds it: one left out is not what Object.prototype holds under its
    // name (own.ts), and read once: the key is derived on the path the signer then signs on
    const path = ownOption(options, "path");
    const head = readChainHead(ownOption(options, "head") ?? GENESIS);
    if (!head.ok) throw new RangeError(head.message);
    this.#key = readSigningKey(key, "createSigner", path);
    this.#cell = { head: head.head, batched: false };
    this.path = path;
  }

  static {
    cellOf = (signer) => (typeof signer === "object" && signer !== null && #cell in signer ? (signer as Signer).#cell : undefined);
  }

  get keyId(): string {
    return this.#key.keyId;
  }
  /**
   * The signer's public key, a copy each time: a typed array cannot be frozen, and guard verifies
   * with the key it reads here, so an edit of what one caller was handed must reach nothing else.
   */
  get publicKey(): PublicKey {
    const { keyId, bytes } = this.#key.publicKey;
    return { keyId, bytes: Uint8Array.from(bytes) };
  }
  /** where the next artifact links (frozen: the signer's own) */
  get head(): ChainHead {
    return this.#cell.head;
  }

  /** Signs a JWS with this signer's key; `kid` is set here so it always names the signing key. */
  signJws(header: Record<string, unknown>, payload: Uint8Array): string {
    return signCompact({ ...header, alg: "EdDSA", kid: this.#key.keyId }, payload, this.#key, this.path);
  }

  /**
   * Signs `payload` (text is signed as its UTF-8 bytes) under the header `{alg: "EdDSA", kid, typ}`:
   * the same token as `signJws({ typ }, bytes)`, with the encoded header computed once per typ.
   */
  signTyped(typ: string, payload: string | Uint8Array): string {
    const header = this.#typedHeader(typ);
    const signingInput = `${header}.${typeof payload === "string" ? base64urlEncodeText(payload) : base64urlEncode(payload)}`;
    const token = `${signingInput}.${base64urlEncode(ed25519Sign(asciiBytes(signingInput), this.#key.seed, this.path))}`;
    lastTyped = token;
    return token;
  }

  /**
   * The length of the token `signTyped(typ, payload)` would make, when it is more than `limit`
   * characters; null when it is not. Nothing is signed: an issuer asks before signing a statement
   * whose artifact no verifier would read (MAX_ARTIFACT_LENGTH). A payload short enough to fit
   * whatever its characters is not measured (at most 3 UTF-8 bytes a UTF-16 unit, 4 base64url
   * characters for 3 bytes).
   */
  typedLengthPast(typ: string, payload: string, limit: number): number | null {
    const fixed = this.#typedHeader(typ).length + 2 + SIGNATURE_LENGTH;
    if (fixed + 4 * payload.length <= limit) return null;
    const length = fixed + Math.ceil((4 * utf8Length(payload)) / 3);
    return length > limit ? length : null;
  }

  /** The base64url of the header `{alg: "EdDSA", kid, typ}`, made once per typ. */
  #typedHeader(typ: string): string {
    let header = this.#encodedHeaders.get(typ);
    if (header === undefined) {
      header = base64urlEncode(utf8Encode(canonicalize({ alg: "EdDSA", kid: this.#key.keyId, typ })));
      if (this.#encodedHeaders.size < 16) this.#encodedHeaders.set(typ, header);
    }
    return header;
  }

  /** Moves the head past `artifact`; called once the artifact has been recorded. Throws a RangeError, the head unchanged, past LAST_SEQ. */
  advance(artifact: string): void {
    this.#cell.head = headAfter(this.#cell.head, artifact, this.path);
  }
}

/**
 * The cell holding `signer`'s head, for authorize, which makes the head after an artifact before the
 * sink records it and sets it here by assignment alone once the sink has; undefined for an object
 * createSigner did not make.
 */
export function headCellOf(signer: unknown): HeadCell | undefined {
  return cellOf(signer);
}

/** The head after `artifact`, issued at `head`. Throws a RangeError past LAST_SEQ. */
export function headAfter(head: ChainHead, artifact: string, path: CryptoPath | undefined): ChainHead {
  requireIssuable(head.seq);
  return frozenHead(head.seq + 1, artifactDigests(artifact, path));
}

// The last token signTyped issued (an artifact, about to be recorded by the lineage log): base64url
// and dots only, so the log writes it into its record as it is, where JSON.stringify would scan
// every character for escapes (2.5–3 µs for a 1.2 KB artifact, measured).
let lastTyped: string | null = null;

/** Whether `text` is the token a signer issued last: a compact JWS, needing no JSON escaping. */
export function isLastIssuedToken(text: string): boolean {
  return text === lastTyped;
}

/**
 * A chain head a host hands over (a signer's start, verifyLog's chainStart), read once and copied
 * (frozen: the host's object, changed later, reaches nothing): its digests are written into signed
 * payloads as they are, so they must be what a verifier reads back (128 lowercase hex digits each),
 * nothing more; seq 0 goes with prev null, and only it.
 */
export function readChainHead(given: unknown): { ok: true; head: ChainHead } | { ok: false; message: string } {
  // the head's own members: one it lacks is not what Object.prototype holds under its name (own.ts)
  const g = typeof given === "object" && given !== null ? given : {};
  const seq = ownMember(g, "seq");
  const givenPrev = ownMember(g, "prev");
  const p = typeof givenPrev === "object" && givenPrev !== null ? givenPrev : {};
  const prev = givenPrev === null ? null : { sha3_512: ownMember(p, "sha3_512"), blake2b_512: ownMember(p, "blake2b_512") };
  const seqProblem = headSeqProblem(seq);
  if (seqProblem !== undefined) return { ok: false, message: seqProblem };
  if ((seq === 0) !== (prev === null)) return { ok: false, message: "chain head: seq 0 goes with prev null, and only it" };
  if (prev !== null && !isDigestPair(prev))
    return { ok: false, message: "chain head prev must be null or { sha3_512, blake2b_512 }, 128 lowercase hex digits each (a log's head().chain)" };
  return { ok: true, head: frozenHead(seq as number, prev === null ? null : frozenDigests(prev.sha3_512 as string, prev.blake2b_512 as string)) };
}

/**
 * Why `seq` is no chain head's seq, or undefined: a whole number from 0 that is a safe integer, as a
 * statement's `lineage.seq` and the lineage log's reader require. 2^53 and above are whole numbers
 * too, but not exact ones (2^53 + 1 reads as 2^53), so the message says which rule a whole number
 * breaks.
 */
function headSeqProblem(seq: unknown): string | undefined {
  if (Number.isSafeInteger(seq) && (seq as number) >= 0) return undefined;
  const limit = `at most 2^53 − 1 (${Number.MAX_SAFE_INTEGER})`;
  if (typeof seq === "number" && Number.isInteger(seq) && seq > 0)
    return `chain head seq ${seq} is not a safe integer: a seq must be ${limit}, past which numbers are not exact`;
  return `chain head seq must be a non-negative safe integer, ${limit}, got ${typeof seq === "number" ? seq : shownOption(seq)}`;
}

export function createSigner(key: PrivateKey, options?: SignerOptions): Signer {
  return new Signer(key, options);
}

// Two-entry memo, the last used first: authorize hashes the artifact it issues once, for the
// signer's next head, before the lineage log records it; the log then needs the digests of the
// artifact before it (to check the new one's link) and of the new one (the next link). Kept for the
// last two artifacts used, every one of those is the memo's, and an authorization hashes its
// artifact once (a one-entry memo hashed three times, one kept in the order hashed twice after
// another signer's authorization: 7–15 µs more per authorization with the log, measured). Keyed by
// the implementation that computed it, so a test that compares the two paths on one artifact really
// runs both.
interface MemoEntry {
  readonly artifact: string;
  readonly path: CryptoPath;
  readonly digests: DigestPair;
}
let memo: MemoEntry | null = null;
let memoBefore: MemoEntry | null = null;

/**
 * SHA3-512 and BLAKE2b-512 of an artifact's compact JWS (its ASCII bytes): what the next one links to.
 * Frozen: the pair is the memo's, and the signer's and the log's next link, shared without a copy.
 */
export function artifactDigests(artifact: string, path: CryptoPath = defaultCryptoPath()): DigestPair {
  if (memo !== null && memo.artifact === artifact && memo.path === path) return memo.digests;
  if (memoBefore !== null && memoBefore.artifact === artifact && memoBefore.path === path) {
    // the last used first: kept in the order hashed, the head's hash of a new artifact pushed out
    // the one the log asks for next, and after another signer's artifact it stayed so
    const used = memoBefore;
    memoBefore = memo;
    memo = used;
    return used.digests;
  }
  // The compact JWS is ASCII, so hashing the string as UTF-8 hashes exactly its bytes.
  const digests = frozenDigests(sha3_512Hex(artifact, path), blake2b512Hex(artifact, path));
  memoBefore = memo;
  memo = { artifact, path, digests };
  return digests;
}

/**
 * The head that continues a chain whose last artifact is `artifact` (e.g. read back from a log): a
 * compact JWS, or the last leaf of a batch (whose successor links to the batch's signed tree head).
 * The seq is the one the artifact's own statement carries. `statement`, when given (the one issued
 * with the artifact), must be that statement: another's seq would resume the chain at a seq already
 * issued, and the signer would sign a second artifact there that verifies as well as the first.
 * Throws a RangeError for an artifact whose statement cannot be read; for a `statement` that is not
 * the artifact's (another canonical JSON); for a batched artifact that is not its batch's last leaf,
 * or whose statement does not fold through its proof to the root its head states at the index it
 * gives (its statement or index changed after issue: it is not shown to be that leaf).
 */
export function chainHeadAfter(artifact: string, statement?: Statement, path?: CryptoPath): ChainHead {
  const read = typeof artifact === "string" ? statementOf(artifact) : ({ ok: false, reason: `an artifact is text, not ${shownOption(artifact)}` } as const);
  if (!read.ok) throw new RangeError(`the chain cannot continue from this artifact: ${read.reason}`);
  const own = read.statement;
  if (statement !== undefined && !sameStatement(own, statement))
    throw new RangeError(
      `the chain cannot continue from this artifact: the statement given with it is not the one it carries (seq ${own.lineage.seq}, jti ${own.jti}); pass the artifact alone, or with its own statement`,
    );
  if (read.batch === null) return frozenHead(own.lineage.seq + 1, artifactDigests(artifact, path));
  const { index, size, head, proofHolds } = read.batch;
  if (!proofHolds) throw new RangeError(`the chain cannot continue from this artifact: its statement is not leaf ${index} of the tree its batch head states (it was changed after issue)`);
  if (index !== size - 1) throw new RangeError(`the artifact is leaf ${index} of a batch of ${size}: the chain continues after the batch's last leaf`);
  return frozenHead(own.lineage.seq + 1, artifactDigests(head, path));
}
