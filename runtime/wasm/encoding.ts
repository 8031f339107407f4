// What an evaluator hands out as an encoding (encode()), and how it reads one a host made
// (evaluateEncoded): kept apart from the evaluator so that what a host can plant on an encoding, and
// what it cannot, is in one place.

import type { Decision } from "../decision.js";
import { describeThrown } from "../thrown.js";

/**
 * A request encoded into the module's memory, kept so it can be evaluated again later. The bytes are
 * this policy's layout (docs/abi.md): bytes kept from another policy's evaluator would be read as
 * if they were this one's, so a host keeps each encoding with the policy that made it. An encoding
 * encode() returns is frozen and cannot be changed: its `bytes` are a fresh copy at each read. A
 * refused one also has a `refusal` (the deny it evaluates as, frozen throughout as the evaluator's
 * Decisions are), and its `bytes` are empty.
 */
export interface EncodedRequest {
  readonly bytes: Uint8Array;
}

// The typed-array getters themselves, called on a value: what a typed array is and holds, read from
// its internal slots, never from a property planted on it (an own `length` of 8 on an array of
// thousands of bytes, which `TypedArray.prototype.set` would copy whole); the tag is undefined for
// anything but a typed array (a Proxy of one included), without running the host's code.
const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
const typedArrayGetter = (name: PropertyKey): ((this: unknown) => unknown) => Object.getOwnPropertyDescriptor(typedArrayPrototype, name)!.get!;
const typedArrayTag = typedArrayGetter(Symbol.toStringTag);
const typedArrayLength = typedArrayGetter("length");
const typedArrayBuffer = typedArrayGetter("buffer");
const typedArrayByteOffset = typedArrayGetter("byteOffset");
const arrayBufferByteLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "byteLength")!.get!;

/** `name` with its indefinite article (`an Int32Array`, `a Uint8Array`, `an object`) */
export const withArticle = (name: string): string => `${/^[aeioAEIO]/.test(name) ? "an" : "a"} ${name}`;

/** What `bytes` is, for a message saying it is not a Uint8Array; never throws. */
function describeBytes(bytes: unknown): string {
  const tag = typedArrayTag.call(bytes);
  if (typeof tag === "string") return withArticle(tag);
  if (bytes === null || bytes === undefined) return String(bytes);
  try {
    arrayBufferByteLength.call(bytes);
    return "an ArrayBuffer (a Uint8Array over it is a view of its bytes)";
  } catch {
    return typeof bytes === "object" ? "an object that is not a typed array" : withArticle(typeof bytes);
  }
}

/**
 * An encoding an evaluator handed out (encode()). Its words are private: evaluateEncoded tells one
 * from any other object (a Proxy of one included) by them, and copies them back without reading
 * anything a host could plant or change; `bytes` is a fresh copy of them at each read (a byte array
 * cannot be frozen), so nothing the host does changes what an encoding evaluates as. They are the
 * words the encoder wrote (the input region is 4-aligned, and so is what it writes), in a view into
 * a shared chunk, so that many small copies do not each pay for a buffer of their own: when the
 * instance has a generated copy (input-copy.ts) the view spans the whole input region, zero-padded;
 * otherwise just the words written, and the copy back is one same-type `set`. A refused encoding
 * has none (NO_WORDS), and its refusal. Frozen, so that a refusal cannot be taken out of one (it
 * would then evaluate). One class for every evaluator: a class (and so a private name) of each
 * would make evaluateEncoded's checks, whose feedback all evaluators share, look at many names,
 * which V8 reads several nanoseconds more slowly; the evaluator that issued one is its `owner`.
 */
export class IssuedEncoding implements EncodedRequest {
  /** the evaluator that issued it (its token) */
  readonly #owner: object;
  readonly #words: Int32Array;
  /** bytes the encoder wrote (the words without their padding) */
  readonly #size: number;
  readonly #refusal: Decision | undefined;
  declare readonly refusal?: Decision;
  constructor(owner: object, words: Int32Array, size: number, refusal?: Decision) {
    this.#owner = owner;
    this.#words = words;
    this.#size = size;
    this.#refusal = refusal;
    if (refusal !== undefined) Object.defineProperty(this, "refusal", { value: refusal, enumerable: true });
    Object.freeze(this);
  }
  get bytes(): Uint8Array {
    return new Uint8Array(this.#words.buffer, this.#words.byteOffset, this.#size).slice();
  }
  /**
   * The words of `x` when an evaluator issued it (NO_WORDS for a refused one), else undefined.
   * (Reading a private field of what has none throws: that is quicker to catch than `#words in x`
   * is to ask, on the path evaluate-only times.)
   */
  static wordsOf(x: unknown): Int32Array | undefined {
    try {
      return (x as IssuedEncoding).#words;
    } catch {
      return undefined;
    }
  }
  static ownerOf(x: IssuedEncoding): object {
    return x.#owner;
  }
  static refusalOf(x: IssuedEncoding): Decision | undefined {
    return x.#refusal;
  }
}
Object.freeze(IssuedEncoding.prototype);

export const NO_WORDS = new Int32Array(0);

/**
 * The bytes of an encoding the evaluating evaluator did not issue (a host's copy of one, or another
 * evaluator's), read once, as a view of exactly the bytes checked, or what is wrong with them;
 * `regionBytes` is the policy's input region, `minBytes` its request record. Its `bytes` must be a
 * Uint8Array (its kind and length read from its internal slots: a `bytes` getter answering a short array to
 * a check and a long one to the copy, or an own `length`, would otherwise have the copy run past
 * the input region into what the module keeps between decisions, which rules an indexed dispatch
 * has visited, and skip a forbid in a later decision). An encoding longer than the region, shorter
 * than the root record (the empty bytes of a refused encoding, kept without its refusal) or not
 * whole words is none of this policy's: copied, a short one would leave the module deciding what
 * an earlier request left in the region. One that carries a refusal was refused when it was made.
 * Never throws: what the host's getters throw is the encoding's fault, not the module's.
 */
export function readHostEncoding(encoded: unknown, regionBytes: number, minBytes: number): Uint8Array | string {
  if (typeof encoded !== "object" || encoded === null) return `the encoding is ${encoded === null || encoded === undefined ? String(encoded) : withArticle(typeof encoded)}, not an object with \`bytes\``;
  try {
    const { refusal, bytes } = encoded as { refusal?: unknown; bytes?: unknown };
    if (refusal !== undefined) return "the encoding carries a refusal: the request was refused when it was encoded";
    if (typedArrayTag.call(bytes) !== "Uint8Array") return `the encoding's \`bytes\` is ${describeBytes(bytes)}, not a Uint8Array`;
    const n = typedArrayLength.call(bytes) as number;
    if (n > regionBytes) return `the encoding is ${n} bytes, more than this policy's input region of ${regionBytes}: it is not one of this policy's encodings`;
    if (n < minBytes) return `the encoding is ${n} bytes, fewer than the ${minBytes} of this policy's request record, which every encoding holds${n === 0 ? " (a refused encoding's bytes are empty: its `refusal` says why it was refused)" : ""}: it is not one of this policy's encodings`;
    if (n % 4 !== 0) return `the encoding is ${n} bytes, not a whole number of 4-byte words as every encoding is: it is not one of this policy's encodings`;
    // a view of its own, of a fixed length: one over a resizable buffer could grow before the copy
    return new Uint8Array(typedArrayBuffer.call(bytes) as ArrayBuffer, typedArrayByteOffset.call(bytes) as number, n);
  } catch (e) {
    return `the encoding could not be read: ${describeThrown(e)}`;
  }
}
