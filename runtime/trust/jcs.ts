// RFC 8785 JSON Canonicalization Scheme (JCS): the one byte string that both signers and verifiers,
// in any language, compute for a JSON value. Statements, manifests and requests are signed or
// digested in this form.
//
// Rules (RFC 8785 section 3.2): no whitespace; object members sorted by their names' UTF-16 code
// units; strings escape only `"`, `\` and U+0000..U+001F (as \b \t \n \f \r or \u00xx); numbers as
// ECMAScript's Number-to-String (so -0 is `0`, 1e21 is `1e+21`). Values outside I-JSON are refused,
// never coerced: non-finite numbers, lone surrogates, undefined, functions, symbols, BigInt (unless the
// caller opts in, below), class instances (Date, Map, typed arrays ...), array holes, cycles.

export type CanonicalResult = { ok: true; text: string } | { ok: false; reason: string; path: string };

export interface CanonicalOptions {
  /**
   * `refuse` (default): a BigInt is not JSON. `safe-number`: a BigInt within ±(2^53 − 1) is written as
   * the equal number (so `5n` and `5` canonicalise alike); a larger one is refused, because an
   * RFC 8785 number is an IEEE double and no other implementation could reproduce it.
   */
  readonly bigint?: "refuse" | "safe-number";
}

/** Deeper nesting is refused rather than risking a stack overflow in the host. */
export const MAX_DEPTH = 256;

class Refusal {
  constructor(
    readonly reason: string,
    readonly path: string,
  ) {}
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

// Matches a lone surrogate: a high one not followed by a low one, or a low one not preceded by a high.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function pathOf(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? (parent === "" ? key : `${parent}.${key}`) : `${parent}[${JSON.stringify(key)}]`;
}

function serialiseString(s: string, path: string): string {
  if (LONE_SURROGATE.test(s)) throw new Refusal("string contains a lone surrogate (not I-JSON)", path);
  // JSON.stringify implements exactly RFC 8785's escaping for well-formed strings (ES2019+).
  return JSON.stringify(s);
}

function serialise(value: unknown, path: string, options: CanonicalOptions, stack: object[]): string {
  switch (typeof value) {
    case "string":
      return serialiseString(value, path);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw new Refusal(`number ${String(value)} is not JSON`, path);
      // Number-to-String is RFC 8785's number serialisation (section 3.2.2.3); -0 prints as 0.
      return String(value);
    case "bigint":
      if (options.bigint === "safe-number" && value >= -MAX_SAFE && value <= MAX_SAFE) return String(Number(value));
      throw new Refusal(
        options.bigint === "safe-number" ? `integer ${value} is beyond ±(2^53 − 1) and has no exact JSON number` : "BigInt is not JSON",
        path,
      );
    case "undefined":
      throw new Refusal("undefined is not JSON", path);
    case "function":
      throw new Refusal("a function is not JSON", path);
    case "symbol":
      throw new Refusal("a symbol is not JSON", path);
    case "object":
      break;
  }
  if (value === null) return "null";
  const object = value as object;
  if (stack.includes(object)) throw new Refusal("cycle: the value contains itself", path);
  if (stack.length >= MAX_DEPTH) throw new Refusal(`nested deeper than ${MAX_DEPTH} levels`, path);
  stack.push(object);
  try {
    if (Array.isArray(object)) {
      const parts: string[] = [];
      for (let i = 0; i < object.length; i++) {
        if (!(i in object)) throw new Refusal("array has a hole", pathOf(path, i));
        parts.push(serialise(object[i], pathOf(path, i), options, stack));
      }
      return `[${parts.join(",")}]`;
    }
    const proto = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) {
      const name = (proto as { constructor?: { name?: string } }).constructor?.name ?? "object";
      throw new Refusal(`${name} is not a plain JSON object`, path);
    }
    // Default sort compares UTF-16 code units, which is the order RFC 8785 prescribes.
    const keys = Object.keys(object).sort();
    const parts: string[] = [];
    for (const key of keys) {
      const memberPath = pathOf(path, key);
      parts.push(`${serialiseString(key, memberPath)}:${serialise((object as Record<string, unknown>)[key], memberPath, options, stack)}`);
    }
    return `{${parts.join(",")}}`;
  } finally {
    stack.pop();
  }
}

/** Canonical JSON of `value`, or why it has none (with the dotted path of the culprit). Never throws. */
export function canonicalJson(value: unknown, options: CanonicalOptions = {}): CanonicalResult {
  try {
    return { ok: true, text: serialise(value, "", options, []) };
  } catch (e) {
    if (e instanceof Refusal) return { ok: false, reason: e.reason, path: e.path };
    // A getter that throws, or a Proxy: still not JSON we can vouch for.
    return { ok: false, reason: `reading the value threw: ${e instanceof Error ? e.message : String(e)}`, path: "" };
  }
}

/** As `canonicalJson`, for values the caller built itself and knows to be JSON; throws otherwise. */
export function canonicalize(value: unknown, options: CanonicalOptions = {}): string {
  const result = canonicalJson(value, options);
  if (!result.ok) throw new TypeError(`not canonicalisable JSON at \`${result.path || "(root)"}\`: ${result.reason}`);
  return result.text;
}
