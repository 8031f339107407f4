// Evaluates validated requests with a decision module (ABI 1, docs/abi.md): encode the request into
// the module's input region, call `writ_evaluate`, decode the result region into a Decision
// (result-decoder.ts), on an instance whose ABI and regions were checked first (instance-regions.ts).
// A trap inside the module is caught and becomes a deny with an `internal` error, and the instance
// is replaced by a fresh one so that no state of the failed evaluation leaks into the next. A result
// the decision procedure cannot give is a deny with an `internal` error too (result-decoder.ts says
// which).

import type { Decision } from "../decision.js";
import type { Manifest } from "../manifest.js";
import { compileRequestCheck, pathOf, readValidRequest } from "../request.js";
import { createEncoder, EncodingRefused, memoryWriters, type RequestEncoder } from "./encoder.js";
import { generateIngest, SLOW_PATH, type Ingest } from "./ingest-codegen.js";
import { generateInputCopy, type InputCopy } from "./input-copy.js";
import { WASM_ABI_VERSION, resultSize, type InputLayout } from "./layout.js";
import { instantiateChecked, type Exports } from "./instance-regions.js";
import type { DataExtent } from "./data-extents.js";
import { createResultDecoder, EMPTY, fault, frozenDecision, MODULE_FAULT_RULE } from "./result-decoder.js";
import { describeThrown, isInstance } from "../thrown.js";
import { ranOutOfStack } from "../stack-ran-out.js";
import { IssuedEncoding, NO_WORDS, readHostEncoding, type EncodedRequest } from "./encoding.js";

export type { EncodedRequest } from "./encoding.js";

/** what `current` is while the input region holds a whole encoding */
const WHOLE = "whole";

/** Words per chunk of kept encodings (256 KiB). */
const CHUNK_WORDS = 1 << 16;

export interface WasmEvaluator {
  /**
   * fail-closed: any value in, a Decision out; never throws. A request that does not match the
   * schema is a deny naming the field.
   */
  decide(request: unknown): Decision;
  /**
   * fail-closed: a validated request in, a Decision out; never throws. The request is not validated
   * again, but every value written is checked first, as the validator checks it: one of another
   * type, beyond its bound or missing is a deny naming it, as decide names it (`invalid_request`),
   * never written as another value; nothing is written past the input region. Fields the policy
   * does not read are not checked (docs/abi.md, "Per decision").
   */
  evaluate(validatedRequest: unknown): Decision;
  /**
   * writes a validated request into the module's memory and returns its encoding, kept apart from
   * memory (for benchmarks: encode once, evaluate many); never throws: a request it cannot read, or
   * one with a value it refuses (as evaluate), gives an encoding that evaluates as that deny
   */
  encode(validatedRequest: unknown): EncodedRequest;
  /**
   * Evaluates a request in memory and returns the verdict lastDecision() gives (1 allow, 0 deny):
   * 1 only when the module returned 1 and its result region is an allow the decision procedure can
   * give; a trap, or any other result, denies.
   * With an encoding, first copies it into memory, at every call: one encode() returned as the
   * encoder wrote it (another evaluator's as its bytes would be); any other object by its `bytes`,
   * read once, as they are at the call, the rest of the input region zeroed. Those must be a Uint8Array of whole words, at
   * least the request record and at most the input region; anything else, or an object with a
   * `refusal`, denies saying what is wrong, and memory is left as it was; a refused encoding denies
   * with its refusal.
   * Without one (called with no argument at all), it evaluates what memory holds when the last
   * encode() or evaluateEncoded(e) wrote a whole encoding there; after decide, evaluate, a refusal
   * (it gives that refusal) or a trap there is none, and it denies. An argument given as `undefined`
   * or `null` (a cache's miss) is not "without one": it is no encoding, and denies saying so.
   */
  evaluateEncoded(): number;
  evaluateEncoded(encoded: EncodedRequest): number;
  /** the last answer: a refusal, a trap or an interrupted write as such, else the result region decoded */
  lastDecision(): Decision;
}

export interface EvaluatorOptions {
  /** no generated fast path: every request is validated, then encoded (tests compare the two) */
  readonly portable?: boolean;
  /**
   * where the module's data segments put its static data (data-extents.ts; the loader reads them
   * from the binary, which a WebAssembly.Module does not show): both regions must lie past it
   */
  readonly initialData?: readonly DataExtent[];
  /**
   * the cell counting the calls that write the input region (writeCount below): a test gives its
   * own, to stand for more calls than it could make by advancing it as they would
   */
  readonly writeCount?: Float64Array;
}

interface Instance {
  readonly exports: Exports;
  readonly i32: Int32Array;
  readonly u8: Uint8Array;
  readonly encoder: RequestEncoder;
  /** validate-and-encode in one pass, when the schema has a fast path */
  readonly ingest: Ingest | undefined;
  /**
   * copies a kept encoding of `inputWords` words into the input region: generated on the first
   * encode() (a host that only decides never pays for it), null where there is none
   */
  copyInput: InputCopy | null | undefined;
  readonly evaluate: () => number;
  readonly inputPtr: number;
  /** index of the result region in i32 units */
  readonly result: number;
}

/**
 * The deny given when the host's stack runs out in a call of the evaluator (it was called too deep)
 * and again in its handler: built once and frozen, since where it is given not even an object can
 * be made, nor a message written.
 */
const STACK_RAN_OUT: Decision = Object.freeze({
  decision: "deny",
  rules: EMPTY,
  errors: Object.freeze([
    Object.freeze({ rule: MODULE_FAULT_RULE, code: "internal", message: "evaluation failed: the host's stack ran out while the request was being evaluated (the policy was called too deep)", at: -1 }),
  ]),
}) as Decision;

export function createWasmEvaluator(module: WebAssembly.Module, manifest: Manifest, options: EvaluatorOptions = {}): WasmEvaluator {
  const layout = manifest.layout as InputLayout;
  if (typeof layout !== "object" || layout === null || layout.abi !== WASM_ABI_VERSION || typeof layout.root !== "object")
    throw new Error(`manifest layout is not an ABI ${WASM_ABI_VERSION} input layout`);
  const { decode, allows } = createResultDecoder(manifest);
  const nRules = manifest.rules.length;
  const check = compileRequestCheck(manifest.schema);

  const instantiate = (): Instance => {
    const { exports, inputPtr, resultPtr, buffer } = instantiateChecked(module, layout.inputSize, inputWords, resultSize(nRules), options.initialData);
    ingestFactory ??= options.portable ? undefined : generateIngest(manifest.schema, layout, inputPtr);
    return {
      exports,
      i32: new Int32Array(buffer),
      u8: new Uint8Array(buffer),
      encoder: createEncoder(layout, manifest.schema, exports.memory, inputPtr, { portable: options.portable }),
      ingest: ingestFactory?.(memoryWriters(exports.memory)),
      copyInput: undefined,
      evaluate: exports.writ_evaluate,
      inputPtr,
      result: resultPtr >> 2,
    };
  };
  let ingestFactory: ReturnType<typeof generateIngest>;
  /** the generated copy's factory; null when there is none (portable, or a region too large) */
  let copyFactory: ((i32: Int32Array) => InputCopy) | null | undefined;
  const copierOf = (instance: Instance): InputCopy | null => {
    if (instance.copyInput === undefined) {
      if (copyFactory === undefined) copyFactory = (options.portable ? undefined : generateInputCopy(instance.inputPtr, inputWords)) ?? null;
      instance.copyInput = copyFactory === null ? null : copyFactory(instance.i32);
    }
    return instance.copyInput;
  };
  const inputWords = Math.ceil(layout.inputSize / 4);

  let inst = instantiate();
  /**
   * What evaluateEncoded() without an argument evaluates: WHOLE while the input region holds a whole
   * encoding (the last write was encode()'s or evaluateEncoded's, whole), the refusal while what
   * the last encode() left there is half a request, undefined after anything else (a decide, an
   * evaluate, a fresh instance), whose write (or a getter's call during it) left no encoding whole.
   */
  let current: typeof WHOLE | Decision | undefined;
  /**
   * Whether the instance must be replaced before the next call: the host's stack ran out in a call
   * (in the module, maybe, or in making a fresh instance after a trap) and left it as it was then.
   */
  let stale = false;
  const regionBytes = inputWords * 4;
  /** the fewest bytes an encoding takes: every one holds the root record (the encoder writes whole words) */
  const minBytes = Math.ceil(layout.root.size / 4) * 4;
  // where encode() keeps its copies
  let chunk = new Int32Array(0);
  let chunkUsed = 0;

  /**
   * After a trap: a fresh instance, so nothing of the failed evaluation survives. Its input region
   * holds no request, and lastDecision() reports the trap (the fresh result region would read as a
   * clean deny).
   */
  const recover = (e: unknown): Decision => {
    replaceInstance();
    // (the profile bounds the module's own stack: where it runs out, the host called too deep)
    if (ranOutOfStack(e)) return (answered = STACK_RAN_OUT);
    return (answered = fault(`the decision module trapped: ${describeThrown(e)}`));
  };

  /**
   * After reading the request threw in the encoder (a getter, a Proxy trap; a value it refuses is an
   * EncodingRefused instead): the module never ran, so it is no trap. The region holds half a
   * request, so the instance is replaced all the same.
   */
  const unencoded = (e: unknown): Decision => {
    replaceInstance();
    if (ranOutOfStack(e)) return (answered = STACK_RAN_OUT);
    return (answered = fault(`the request could not be encoded: ${describeThrown(e)}`));
  };

  /** A fresh instance in place of one whose memory holds what no decision may see (recover). */
  const replaceInstance = (): void => {
    current = undefined;
    stale = true;
    try {
      inst = instantiate();
      stale = false;
    } catch {
      // the module instantiated before; if it no longer does, every later call traps and denies too
    }
  };

  /**
   * The answer to a request the encoder refused before writing it (or anything past the input
   * region): a value the validator refuses (of another type, beyond its bound, missing) is the
   * request's fault, named with its path as the validator names it; a value within its bounds whose
   * encoding would not fit is the layout's (internal).
   */
  const refusedRequest = (e: EncodingRefused): Decision => {
    const path = pathOf(e.segments);
    if (e.internal) return fault(`the request could not be encoded${path ? ` at ${path}` : ""}: ${e.problem}`);
    return frozenDecision({ decision: "deny", rules: EMPTY, errors: [{ rule: null, code: "invalid_request", message: path ? `${path}: ${e.problem}` : e.problem, path }] });
  };

  /**
   * Whether the last encoding of `instance` ended past the input region. The encoders check every
   * block before writing it, so this never holds; if it did, the module's own memory after the
   * region (the result region, which rules an indexed dispatch has visited) would carry what the
   * request wrote into later decisions: the instance is replaced instead.
   */
  const overran = (instance: Instance): boolean => instance.encoder.usedBytes() > inputWords * 4;
  const OVERRAN = "the request's encoding ran past this policy's input region; the instance was replaced";

  /** A getter of the request called back into this evaluator while the request was written: what it wrote (or a trap's fresh instance) replaced part of this one. */
  const INTERRUPTED = "the request was being written when a getter of it called back into this policy's evaluator (encode, evaluate, decide), whose request replaced part of it";

  /**
   * The general path: the full validator (which says what is wrong), then the general encoder. Both
   * read a snapshot of the request (snapshotRequest), so that a getter cannot show the validator a
   * valid value and the encoder another.
   */
  const validateThenEvaluate = (request: unknown): Decision => {
    const read = readValidRequest(request, check, manifest.schema);
    if (read.ok) return evaluate(read.data);
    // (a getter may have encoded another request meanwhile: the region is not this call's to offer)
    current = undefined;
    return (answered = frozenDecision({ decision: "deny", rules: [], errors: [read.error] }));
  };

  /**
   * Where the host's stack runs out in a call and again in its handler (it was called too deep),
   * each call (evaluate, decide, encode, evaluateEncoded) gives the deny built beforehand, making
   * no call (that could run out too), and the instance, which may have been left in the middle of
   * an evaluation, is replaced at the next call. Nothing else throws from there: their handlers
   * catch everything but the stack running out.
   */
  const evaluate = (request: unknown): Decision => {
    try {
      if (stale) replaceInstance();
      return evaluateOnce(request);
    } catch {
      stale = true;
      current = undefined;
      return (answered = STACK_RAN_OUT);
    }
  };

  const evaluateOnce = (request: unknown): Decision => {
    const started = nextInputWrite();
    answered = undefined;
    // before the write: a getter's evaluateEncoded() meanwhile finds no whole encoding, not this
    // request's fields over the last one's
    current = undefined;
    const written = inst;
    try {
      written.encoder.encode(request);
    } catch (e) {
      current = undefined; // (after the write, as below)
      // refused before anything was written past the region: the instance stays
      if (isInstance(e, EncodingRefused)) return (answered = refusedRequest(e));
      return unencoded(e);
    }
    // Only now, after the write: a getter of the request may have encoded (or evaluated) another
    // request meanwhile, naming it the one in memory, and this write then went on over its bytes.
    current = undefined;
    if (writeCount[0] !== started || inst !== written) return (answered = fault(INTERRUPTED));
    if (overran(written)) {
      replaceInstance();
      return (answered = fault(OVERRAN));
    }
    try {
      return decode(inst.i32, inst.result, (returned = inst.evaluate()));
    } catch (e) {
      return recover(e);
    }
  };

  /** what marks the encodings this evaluator issued */
  const owner = Object.freeze({});
  /** the encoding encode() gives where the host's stack ran out: refused, it evaluates as STACK_RAN_OUT */
  const ranOutEncoding = new IssuedEncoding(owner, NO_WORDS, 0, STACK_RAN_OUT);
  /** a refused encoding, which evaluates as a deny; what the region holds now (half a request) */
  const refusedEncoding = (refusal: Decision): EncodedRequest => {
    current = refusal;
    return new IssuedEncoding(owner, NO_WORDS, 0, refusal);
  };

  /** The bytes of an encoding a host made (not one encode() issued), or why they are none of this policy's (readHostEncoding). */
  const hostBytes = (encoded: unknown): Uint8Array | string => readHostEncoding(encoded, regionBytes, minBytes);

  /**
   * Calls begun that write the input region (decide, evaluate, encode, evaluateEncoded): a decide
   * that sees it change while it reads the request was interrupted by one of them. It never comes
   * back to a value it held: a count that wrapped would come back to a decide's after as many calls
   * from a getter as it wraps at, and the decide would take what they wrote for its own request. A
   * double, exact to 2^53 calls (centuries of decisions), in a typed array: a JavaScript variable
   * would hold it as a small integer only up to 2^31 and allocate a number at every call past that;
   * a Float64Array element is read and written unboxed.
   */
  const writeCount = options.writeCount ?? new Float64Array(1);
  /**
   * The last answer given without evaluating the request in memory (a refusal, a trap, an
   * interrupted write): lastDecision() reports it; undefined when the result region holds the answer.
   */
  let answered: Decision | undefined;
  /**
   * What `writ_evaluate` last returned: the result region is read against it (result-decoder.ts). A
   * fresh instance's region is all zero, a deny, which is what 0 says.
   */
  let returned = 0;
  /** The verdict of the request in memory, which lastDecision() gives: an allow only when the result region is one (result-decoder.ts). */
  const evaluateInMemory = (): number => ((returned = inst.evaluate()) === 1 && allows(inst.i32, inst.result) ? 1 : 0);

  /** evaluateEncoded() without an argument: the whole encoding in memory, or a deny saying why there is none */
  const evaluateCurrent = (): number => {
    if (current === WHOLE) return evaluateInMemory();
    // the region holds no whole request: a fresh instance, or what decide and evaluate (or a
    // request they or encode() refused half-way) left there, which is no encoding to evaluate again
    answered = current ?? fault("evaluateEncoded() without an encoding evaluates the one encode() or evaluateEncoded() last wrote whole, and there is none in memory");
    return 0; // deny
  };

  /** counts one more call that writes the input region (writeCount), and gives the count */
  const nextInputWrite = (): number => (writeCount[0] += 1);

  // frozen: a loaded policy decides through this object, and a host's code replacing one of its
  // methods (a spy left in place, a plugin handed the policy) would have every later decision of a
  // policy that reports itself frozen made by that code, and signed under the module's digests
  return Object.freeze({
    decide(request: unknown): Decision {
      try {
        if (stale) replaceInstance();
        return decideOnce(request);
      } catch {
        stale = true;
        current = undefined;
        return (answered = STACK_RAN_OUT);
      }
    },
    evaluate,
    encode(request: unknown): EncodedRequest {
      try {
        if (stale) replaceInstance();
        return encodeOnce(request);
      } catch {
        // the region holds what was written of the request: the refusal, as for a refused request
        stale = true;
        current = STACK_RAN_OUT;
        return ranOutEncoding;
      }
    },
    evaluateEncoded(encoded?: EncodedRequest): number {
      // Only a call with no argument at all evaluates the encoding in memory: an explicit
      // `undefined` is what a host's look-up gives for an encoding it never made, and evaluating
      // the one in memory instead would answer with the verdict of the request before.
      const withoutArgument = arguments.length === 0;
      try {
        if (stale) replaceInstance();
        return evaluateEncodedOnce(withoutArgument, encoded);
      } catch {
        stale = true;
        current = undefined;
        answered = STACK_RAN_OUT;
        return 0; // deny
      }
    },
    lastDecision: () => answered ?? decode(inst.i32, inst.result, returned),
  });

  function decideOnce(request: unknown): Decision {
    answered = undefined;
    const { ingest } = inst;
    // A getter the fast path reads may decide another request with this evaluator: that call writes
    // the same input region (or replaces a trapped instance), and what this one wrote before it is
    // gone. The count tells; the request is then read again the general way, whose snapshot is
    // taken whole before anything is encoded.
    const started = nextInputWrite();
    // before the write (a getter's evaluateEncoded() meanwhile finds no whole encoding, not this
    // request's fields over the last one's) and after it: the region holds this request, or what
    // the fast path wrote of it before it gave up, over whatever a getter's call wrote meanwhile
    // (and named the one in memory): no encoding
    current = undefined;
    if (ingest === undefined) return validateThenEvaluate(request);
    const end = ingest(request);
    current = undefined;
    if (end === SLOW_PATH || writeCount[0] !== started) return validateThenEvaluate(request);
    try {
      return decode(inst.i32, inst.result, (returned = inst.evaluate()));
    } catch (e) {
      return recover(e);
    }
  }

  function encodeOnce(request: unknown): EncodedRequest {
    const started = nextInputWrite();
    // the region no longer holds the last encoding, whether or not this one is written whole
    current = undefined;
    const written = inst;
    try {
      written.encoder.encode(request);
    } catch (e) {
      if (isInstance(e, EncodingRefused)) return refusedEncoding(refusedRequest(e));
      if (ranOutOfStack(e)) return ((current = STACK_RAN_OUT), ranOutEncoding);
      return refusedEncoding(fault(`the request could not be encoded: ${describeThrown(e)}`));
    }
    if (writeCount[0] !== started || inst !== written) return refusedEncoding(fault(INTERRUPTED));
    if (overran(written)) {
      replaceInstance();
      return refusedEncoding(fault(OVERRAN));
    }
    const start = inst.inputPtr >> 2;
    const n = inst.encoder.usedBytes() >> 2;
    // the whole region (zero-padded) for the generated copy; chunks are fresh, so already zero
    const kept = copierOf(inst) !== null && n <= inputWords ? inputWords : n;
    if (chunkUsed + kept > chunk.length) {
      chunk = new Int32Array(Math.max(CHUNK_WORDS, kept));
      chunkUsed = 0;
    }
    const words = chunk.subarray(chunkUsed, chunkUsed + kept);
    chunkUsed += kept;
    words.set(inst.i32.subarray(start, start + n));
    // `bytes` is what the encoder wrote, without the padding
    current = WHOLE;
    return new IssuedEncoding(owner, words, n * 4);
  }

  /**
   * evaluateEncoded: without an argument, the encoding memory holds (if a whole one); with one,
   * whatever it is, that encoding (`undefined` and `null` are none, and deny)
   */
  function evaluateEncodedOnce(withoutArgument: boolean, encoded: unknown): number {
    nextInputWrite();
    answered = undefined;
    try {
      if (withoutArgument) return evaluateCurrent();
      const words = IssuedEncoding.wordsOf(encoded);
      const copyInput = copierOf(inst);
      // Copied at every call, even when the region holds it already: an encoding's verdict is its
      // own, whatever was evaluated before.
      if (words !== undefined && words.length === inputWords && copyInput !== null) {
        // the whole region, zero-padded, as an evaluator keeps its encodings where there is a
        // generated copy: nothing of an earlier request is left (the same as its bytes would give)
        copyInput(words);
      } else if (words !== undefined && IssuedEncoding.ownerOf(encoded as IssuedEncoding) === owner) {
        if (words === NO_WORDS) {
          answered = IssuedEncoding.refusalOf(encoded as IssuedEncoding)!; // (a refused encoding's)
          return 0; // deny
        }
        // the words this evaluator's encoder wrote (as many as the region at most): their
        // pointers reach nothing past them
        inst.i32.set(words, inst.inputPtr >> 2);
      } else {
        const bytes = hostBytes(encoded);
        answered = undefined; // (a getter of the encoding may have called back into this evaluator)
        if (typeof bytes === "string") {
          answered = fault(bytes);
          return 0; // deny
        }
        // the rest of the region zeroed: what the bytes' own pointers reach past their end reads
        // as nothing, not as what an earlier request left there
        inst.u8.set(bytes, inst.inputPtr);
        inst.u8.fill(0, inst.inputPtr + bytes.length, inst.inputPtr + regionBytes);
      }
      current = WHOLE;
      return evaluateInMemory();
    } catch (e) {
      recover(e);
      return 0; // deny
    }
  }
}
