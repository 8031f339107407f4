// RFC 8785 JSON Canonicalization Scheme (JCS): the one byte string that both signers and verifiers,
// in any language, compute for a JSON value. Statements, manifests and requests are signed or
// digested in this form.
//
// Rules (RFC 8785 section 3.2): no whitespace; object members sorted by their names' UTF-16 code
// units; strings escape only `"`, `\` and U+0000..U+001F (as \b \t \n \f \r or \u00xx); numbers as
// ECMAScript's Number-to-String (so -0 is `0`, 1e21 is `1e+21`). Values outside I-JSON are refused,
// never coerced: non-finite numbers, lone surrogates, undefined, functions, symbols, BigInt (unless the
// caller opts in, below), class instances (Date, Map, typed arrays ...), array holes (whatever a
// prototype holds at their index: runtime/own.ts), cycles.

import { ranOutOfStack } from "../stack-ran-out.js";
import { describeThrown, isInstance, MAX_SHOWN_KEY, quotedKey, shownBareKey, shownBigInt, shownOption } from "../thrown.js";
import { ARRAY_PROTOTYPE, ownMember } from "../own.js";
import { optionNames, unknownOptionProblem } from "../option-names.js";

export type CanonicalResult = { ok: true; text: string } | { ok: false; reason: string; path: string };

export interface CanonicalOptions {
  /**
   * `refuse` (default): a BigInt is not JSON. `safe-number`: a BigInt within ±(2^53 − 1) is written as
   * the equal number (so `5n` and `5` canonicalise alike); a larger one is refused, because an
   * RFC 8785 number is an IEEE double and no other implementation could reproduce it. The refusal
   * names it as shownBigInt does (past 128 bits, by its size): a request's refusal is signed.
   */
  readonly bigint?: "refuse" | "safe-number";
}

/** Deeper nesting is refused rather than risking a stack overflow in the host. */
export const MAX_DEPTH = 256;

/**
 * Longer canonical text is refused (64 MiB, the most a bundle signature may hold). A request of a few
 * shared references — a thousand slots all holding one 10 KB string — is small in memory and would
 * otherwise be written out, quoted and digested as gigabytes.
 */
export const MAX_CANONICAL_LENGTH = 64 * 1024 * 1024;
const TOO_LONG = `canonical JSON longer than ${MAX_CANONICAL_LENGTH} characters`;

class Refusal {
  constructor(
    readonly reason: string,
    /** keys from the root to the culprit; rendered as a path only when reported */
    readonly keys: readonly (string | number)[],
  ) {}
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

// Any surrogate at all: a cheap first test, since nearly all strings have none.
const ANY_SURROGATE = /[\uD800-\uDFFF]/;
// Matches a lone surrogate: a high one not followed by a low one, or a low one not preceded by a high.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function renderPath(keys: readonly (string | number)[]): string {
  let path = "";
  for (const key of keys) {
    if (typeof key === "number") path += `[${key}]`;
    // a refused request's path is quoted in its signed denial: keys are cut and escaped as messages show them
    else if (key.length <= MAX_SHOWN_KEY && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) path += path === "" ? key : `.${key}`;
    else path += `[${quotedKey(key)}]`;
  }
  return path;
}

/**
 * One serialisation pass. `keys` is the path from the root (pushed and popped as the walk goes) and
 * `stack` the objects being serialised, for cycle detection; both are only read on a refusal.
 */
class Serialiser {
  readonly keys: (string | number)[] = [];
  readonly stack: object[] = [];
  constructor(readonly options: CanonicalOptions) {}

  refuse(reason: string): never {
    throw new Refusal(reason, [...this.keys]);
  }

  string(s: string): string {
    if (ANY_SURROGATE.test(s) && LONE_SURROGATE.test(s)) this.refuse("string contains a lone surrogate (not I-JSON)");
    // JSON.stringify implements exactly RFC 8785's escaping for well-formed strings (ES2019+).
    return JSON.stringify(s);
  }

  value(value: unknown): string {
    switch (typeof value) {
      case "string":
        return this.string(value);
      case "boolean":
        return value ? "true" : "false";
      case "number":
        if (!Number.isFinite(value)) this.refuse(`number ${String(value)} is not JSON`);
        // Number-to-String is RFC 8785's number serialisation (section 3.2.2.3); -0 prints as 0.
        return String(value);
      case "bigint":
        if (this.options.bigint === "safe-number" && value >= -MAX_SAFE && value <= MAX_SAFE) return String(Number(value));
        return this.refuse(
          this.options.bigint === "safe-number" ? `integer ${shownBigInt(value)} is beyond ±(2^53 − 1) and has no exact JSON number` : "BigInt is not JSON",
        );
      case "undefined":
        return this.refuse("undefined is not JSON");
      case "function":
        return this.refuse("a function is not JSON");
      case "symbol":
        return this.refuse("a symbol is not JSON");
      case "object":
        return value === null ? "null" : this.container(value);
    }
  }

  container(object: object): string {
    const { stack, keys } = this;
    if (stack.includes(object)) this.refuse("cycle: the value contains itself");
    if (stack.length >= MAX_DEPTH) this.refuse(`nested deeper than ${MAX_DEPTH} levels`);
    stack.push(object);
    let out: string;
    if (Array.isArray(object)) {
      out = "[";
      for (let i = 0; i < object.length; i++) {
        keys.push(i);
        // a hole reads what Array.prototype or Object.prototype holds at its index: not the array's
        const element: unknown = object[i];
        if ((element === undefined || element === ARRAY_PROTOTYPE[i]) && !Object.hasOwn(object, i)) this.refuse("array has a hole");
        out += (i === 0 ? "" : ",") + this.value(element);
        if (out.length > MAX_CANONICAL_LENGTH) this.refuse(TOO_LONG);
        keys.pop();
      }
      out += "]";
    } else {
      const proto = Object.getPrototypeOf(object);
      if (proto !== Object.prototype && proto !== null) {
        const name = (proto as { constructor?: { name?: string } }).constructor?.name ?? "object";
        this.refuse(`${shownBareKey(String(name))} is not a plain JSON object`);
      }
      // Default sort compares UTF-16 code units, which is the order RFC 8785 prescribes.
      const names = Object.keys(object).sort();
      out = "{";
      for (let i = 0; i < names.length; i++) {
        const name = names[i]!;
        keys.push(name);
        out += (i === 0 ? "" : ",") + this.string(name) + ":" + this.value((object as Record<string, unknown>)[name]);
        if (out.length > MAX_CANONICAL_LENGTH) this.refuse(TOO_LONG);
        keys.pop();
      }
      out += "}";
    }
    stack.pop();
    return out;
  }
}

// The fast path: plain JSON shapes (what requests, statements and tree heads are) serialised without
// the refusal bookkeeping. It gives up — by throwing GIVE_UP — on anything the general serialiser
// might refuse or treat specially (BigInt, undefined, non-finite numbers, class instances, strings
// with surrogates, deep nesting, which also catches cycles); the general serialiser then decides,
// so both paths agree on every value (jcs.test.ts holds them to each other on random values).
const GIVE_UP: unique symbol = Symbol("not a plain JSON shape");

/** A string as RFC 8785 writes it; JSON.stringify only where something needs escaping. */
function quoteFast(s: string): string {
  let escape = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // INVARIANT: the whole string is scanned for surrogates, whatever needs escaping before them.
    if (c >= 0xd800 && c <= 0xdfff) {
      if (LONE_SURROGATE.test(s)) throw GIVE_UP;
      return JSON.stringify(s);
    }
    if (c < 0x20 || c === 0x22 || c === 0x5c) escape = true;
  }
  return escape ? JSON.stringify(s) : '"' + s + '"';
}

// Member names repeat across values (every request has `principal`, `action` ...): their quoted
// form is kept, up to a bound on the count so a stream of distinct names cannot grow memory, and
// only for names of a field's length: a request's map may have keys of any length, and the first
// 4,096 kept for the life of the process would be up to 4,096 of the largest keys a request may
// hold, twice (the name and its quoted form). A long name is quoted each time (its quoting costs
// about what its copy into the output does anyway).
const quotedNames = new Map<string, string>();
const QUOTED_NAMES_MAX = 4096;
const QUOTED_NAME_MAX_LENGTH = 64;
function quoteName(name: string): string {
  if (name.length > QUOTED_NAME_MAX_LENGTH) return quoteFast(name) + ":";
  let q = quotedNames.get(name);
  if (q === undefined) {
    q = quoteFast(name) + ":";
    if (quotedNames.size < QUOTED_NAMES_MAX) quotedNames.set(name, q);
  }
  return q;
}

/** Above this many names an object's are handed to the built-in sort (see sortNames). */
export const INSERTION_SORT_MAX = 32;

/**
 * Sorts by UTF-16 code units (what `<` compares, and the built-in sort without a comparator): an
 * insertion sort for a few names, faster than Array#sort there; the built-in sort above
 * INSERTION_SORT_MAX, since an insertion sort is quadratic and a request's object (a map, or an
 * unknown field, digested before the schema is looked at) may hold a million names in any order.
 */
export function sortNames(names: string[]): void {
  if (names.length > INSERTION_SORT_MAX) {
    names.sort();
    return;
  }
  for (let i = 1; i < names.length; i++) {
    const x = names[i]!;
    let j = i - 1;
    while (j >= 0 && names[j]! > x) {
      names[j + 1] = names[j]!;
      j--;
    }
    names[j + 1] = x;
  }
}

function fastValue(value: unknown, depth: number): string {
  switch (typeof value) {
    case "string":
      return quoteFast(value);
    case "number":
      if (value - value !== 0) throw GIVE_UP; // NaN, ±Infinity
      return "" + value;
    case "boolean":
      return value ? "true" : "false";
    case "object": {
      if (value === null) return "null";
      if (depth >= MAX_DEPTH) throw GIVE_UP;
      if (Array.isArray(value)) {
        let out = "[";
        for (let i = 0; i < value.length; i++) {
          const element: unknown = value[i];
          if (element === undefined) throw GIVE_UP; // a hole, or undefined
          // what a hole reads at i (a value planted on a prototype): the general serialiser asks
          const inherited = ARRAY_PROTOTYPE[i];
          if (inherited !== undefined && element === inherited) throw GIVE_UP;
          out += (i === 0 ? "" : ",") + fastValue(element, depth + 1);
          if (out.length > MAX_CANONICAL_LENGTH) throw GIVE_UP;
        }
        return out + "]";
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw GIVE_UP;
      const names = Object.keys(value);
      if (names.length > 1) sortNames(names);
      let out = "{";
      for (let i = 0; i < names.length; i++) {
        const name = names[i]!;
        out += (i === 0 ? "" : ",") + quoteName(name) + fastValue((value as Record<string, unknown>)[name], depth + 1);
        if (out.length > MAX_CANONICAL_LENGTH) throw GIVE_UP;
      }
      return out + "}";
    }
    default:
      throw GIVE_UP;
  }
}

/**
 * The fast path's pieces, for the writers jcs-codegen.ts generates per request schema: `quote` and
 * `value` write what canonicalJson writes, or throw (the caller then falls back to canonicalJson).
 */
export const fastParts: { readonly quote: (s: string) => string; readonly value: (v: unknown, depth: number) => string } = {
  quote: quoteFast,
  value: fastValue,
};

/**
 * A value's canonical JSON, or why it has none with the keys and indexes from the root to the
 * culprit (outermost first) rather than a path: for a caller that spells them along a request schema
 * (request-digest.ts), where a map's key and a field are told apart by the schema, not by the key.
 */
export type KeyedCanonicalResult = { ok: true; text: string } | { ok: false; reason: string; keys: readonly (string | number)[] };

/** The general serialiser alone, keyed (KeyedCanonicalResult). Never throws. */
function canonicalJsonKeyedReference(value: unknown, options: CanonicalOptions): KeyedCanonicalResult {
  const serialiser = new Serialiser(options);
  try {
    return { ok: true, text: serialiser.value(value) };
  } catch (e) {
    if (isInstance(e, Refusal)) return { ok: false, reason: e.reason, keys: e.keys };
    // (nesting is bounded: where the stack runs out, the host called too deep)
    if (ranOutOfStack(e)) return KEYED_RAN_OUT;
    // A getter that throws, or a Proxy: still not JSON we can vouch for. The walk's path is where
    // it was reading (a member's name is pushed before the member is read).
    return { ok: false, reason: `reading the value threw: ${describeThrown(e)}`, keys: [...serialiser.keys] };
  }
}

/** The result with its keys rendered as a path (a generic one: no schema says which object is a map). */
function rendered(result: KeyedCanonicalResult): CanonicalResult {
  return result.ok ? result : { ok: false, reason: result.reason, path: renderPath(result.keys) };
}

/** The general serialiser alone, so tests can hold the fast path to it. Never throws. */
export function canonicalJsonReference(value: unknown, options: CanonicalOptions = {}): CanonicalResult {
  return rendered(canonicalJsonKeyedReference(value, options));
}

/**
 * The refusal canonicalJson gives when the host's stack runs out while it writes a value (it was
 * called too deep), and again in its handler: built once and frozen, since where it is given not
 * even an object can be made.
 */
const STACK_RAN_OUT_REASON = "the value was not written: the host's stack ran out while it was being written (canonicalJson was called too deep)";
const KEYED_RAN_OUT: KeyedCanonicalResult = Object.freeze({ ok: false, reason: STACK_RAN_OUT_REASON, keys: Object.freeze([]) });
const RAN_OUT: CanonicalResult = Object.freeze({ ok: false, reason: STACK_RAN_OUT_REASON, path: "" });

/** canonicalJson, keyed (KeyedCanonicalResult). Never throws. */
export function canonicalJsonKeyed(value: unknown, options: CanonicalOptions = {}): KeyedCanonicalResult {
  try {
    return { ok: true, text: fastValue(value, 0) };
  } catch {
    // GIVE_UP, or a getter or Proxy that threw: the general serialiser gives the exact answer.
    try {
      return canonicalJsonKeyedReference(value, options);
    } catch {
      // its own handler catches all but the stack running out
      return KEYED_RAN_OUT;
    }
  }
}

/** The names CanonicalOptions has: any other is refused (`bigInt: "safe-number"` must not refuse every BigInt without a word). */
const CANONICAL_OPTIONS = optionNames<CanonicalOptions>({ bigint: true });

const NO_OPTIONS: CanonicalOptions = Object.freeze({});

/**
 * A host's options, read once into a copy (the serialiser consults `bigint` at every BigInt: a
 * getter must not answer differently from one to the next), or why they cannot be used: no object,
 * a name CanonicalOptions does not have, a `bigint` that is neither mode.
 */
function readCanonicalOptions(options: unknown): { ok: true; options: CanonicalOptions } | { ok: false; reason: string } {
  if (options === undefined) return { ok: true, options: NO_OPTIONS };
  const bad = (reason: string) => ({ ok: false as const, reason: `the options cannot be used: ${reason}` });
  if (typeof options !== "object" || options === null) return bad(`they must be an object, got ${shownOption(options)}`);
  const unknown = unknownOptionProblem(options, CANONICAL_OPTIONS);
  if (unknown !== null) return bad(unknown);
  let bigint: unknown;
  try {
    // as the object holds it: one left out is not what Object.prototype holds under its name (own.ts)
    bigint = ownMember(options, "bigint");
  } catch (e) {
    return bad(`reading them threw: ${describeThrown(e)}`);
  }
  if (bigint !== undefined && bigint !== "refuse" && bigint !== "safe-number") return bad(`bigint must be "refuse" or "safe-number", got ${shownOption(bigint)}`);
  return { ok: true, options: bigint === undefined ? NO_OPTIONS : { bigint } };
}

/**
 * Canonical JSON of `value`, or why it has none (with the dotted path of the culprit; the path is
 * empty, and the reason says so, when it is the options that cannot be used). Never throws.
 */
export function canonicalJson(value: unknown, options?: CanonicalOptions): CanonicalResult {
  try {
    const read = readCanonicalOptions(options);
    if (!read.ok) return { ok: false, reason: read.reason, path: "" };
    return rendered(canonicalJsonKeyed(value, read.options));
  } catch {
    // nothing there throws but the stack running out (the host called too deep)
    return RAN_OUT;
  }
}

/**
 * As `canonicalJson`, for values the caller built itself and knows to be JSON; throws a TypeError
 * otherwise, and for options canonicalJson refuses.
 */
export function canonicalize(value: unknown, options?: CanonicalOptions): string {
  const read = readCanonicalOptions(options);
  if (!read.ok) throw new TypeError(`canonicalize: ${read.reason}`);
  const result = rendered(canonicalJsonKeyed(value, read.options));
  if (!result.ok) throw new TypeError(`not canonicalisable JSON at \`${result.path || "(root)"}\`: ${result.reason}`);
  return result.text;
}
