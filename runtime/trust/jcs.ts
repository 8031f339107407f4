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
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) path += path === "" ? key : `.${key}`;
    else path += `[${JSON.stringify(key)}]`;
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
          this.options.bigint === "safe-number" ? `integer ${value} is beyond ±(2^53 − 1) and has no exact JSON number` : "BigInt is not JSON",
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
        if (!(i in object)) this.refuse("array has a hole");
        out += (i === 0 ? "" : ",") + this.value(object[i]);
        keys.pop();
      }
      out += "]";
    } else {
      const proto = Object.getPrototypeOf(object);
      if (proto !== Object.prototype && proto !== null) {
        const name = (proto as { constructor?: { name?: string } }).constructor?.name ?? "object";
        this.refuse(`${name} is not a plain JSON object`);
      }
      // Default sort compares UTF-16 code units, which is the order RFC 8785 prescribes.
      const names = Object.keys(object).sort();
      out = "{";
      for (let i = 0; i < names.length; i++) {
        const name = names[i]!;
        keys.push(name);
        out += (i === 0 ? "" : ",") + this.string(name) + ":" + this.value((object as Record<string, unknown>)[name]);
        keys.pop();
      }
      out += "}";
    }
    stack.pop();
    return out;
  }
}

/** Canonical JSON of `value`, or why it has none (with the dotted path of the culprit). Never throws. */
export function canonicalJson(value: unknown, options: CanonicalOptions = {}): CanonicalResult {
  try {
    return { ok: true, text: new Serialiser(options).value(value) };
  } catch (e) {
    if (e instanceof Refusal) return { ok: false, reason: e.reason, path: renderPath(e.keys) };
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
