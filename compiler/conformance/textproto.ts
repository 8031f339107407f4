// A parser for the protobuf text format, as used by the CEL conformance files
// (`../shared/cel-spec/testdata/*.textproto`). It knows no schema: it yields a tree of fields whose
// values are messages, strings (kept as raw bytes, since the format's escapes produce bytes), numbers
// or identifiers (enum values, `true`, `inf`). Interpreting the tree against simple.proto/value.proto
// is cases.ts's job.
//
// Grammar (the subset of https://protobuf.dev/reference/protobuf/textformat-spec/ these files use, and
// a little more):
//   Message   = { Field [ "," | ";" ] }
//   Field     = Name ( ":" Value | [ ":" ] MessageValue | ":" "[" [ Value { "," Value } ] "]" )
//   Name      = identifier | "[" type.url/or.extension "]"
//   MessageValue = "{" Message "}" | "<" Message ">"
//   Value     = MessageValue | String { String } | [ "-" ] Number | [ "-" ] identifier
//   String    = '"' chars '"' | "'" chars "'"   (C escapes; adjacent strings concatenate)
// `#` starts a comment that runs to the end of the line.
//
// Bad input never throws: parseTextproto returns the errors it found, each with a 1-based line.

export interface TextprotoError {
  readonly line: number;
  readonly message: string;
}

export interface TextprotoMessage {
  readonly kind: "message";
  readonly fields: readonly TextprotoField[];
  readonly line: number;
}

export interface TextprotoString {
  readonly kind: "string";
  /** the bytes the literal denotes (non-ASCII source characters contribute their UTF-8 bytes) */
  readonly bytes: Uint8Array;
  readonly line: number;
}

export interface TextprotoNumber {
  readonly kind: "number";
  /** the literal as written, sign included (`-0x10`, `1.5e3`, `-inf`) */
  readonly text: string;
  /** the exact value for integer literals (decimal, hex or octal) */
  readonly integer: bigint | undefined;
  /** the value as a double (inf and nan included) */
  readonly float: number;
  readonly line: number;
}

export interface TextprotoIdent {
  readonly kind: "ident";
  readonly name: string;
  readonly line: number;
}

export type TextprotoValue = TextprotoMessage | TextprotoString | TextprotoNumber | TextprotoIdent;

export interface TextprotoField {
  readonly name: string;
  readonly value: TextprotoValue;
  readonly line: number;
}

export interface TextprotoResult {
  /** the root message; present (possibly partial) even when there are errors */
  readonly message: TextprotoMessage;
  readonly errors: readonly TextprotoError[];
}

// ---------------------------------------------------------------------------------------------
// Tokens

type Token =
  | { readonly t: "ident"; readonly text: string; readonly line: number }
  | { readonly t: "number"; readonly text: string; readonly line: number }
  | { readonly t: "string"; readonly bytes: Uint8Array; readonly line: number }
  | { readonly t: "punct"; readonly text: string; readonly line: number }
  | { readonly t: "eof"; readonly line: number };

class ParseFailure {
  constructor(readonly line: number, readonly message: string) {}
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  a: 0x07, b: 0x08, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b,
  "\\": 0x5c, "'": 0x27, '"': 0x22, "?": 0x3f,
};

const encoder = new TextEncoder();

function isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}
function isHex(c: string): boolean {
  return /^[0-9a-fA-F]$/.test(c);
}
function isIdentStart(c: string): boolean {
  return /^[A-Za-z_]$/.test(c);
}
function isIdentPart(c: string): boolean {
  return /^[A-Za-z0-9_]$/.test(c);
}

/** Splits the text into tokens; throws ParseFailure (caught by parseTextproto) on a bad character. */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "\n") {
      line++;
      i++;
    } else if (c === " " || c === "\t" || c === "\r" || c === "\f" || c === "\v") {
      i++;
    } else if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === '"' || c === "'") {
      const r = readString(text, i, line);
      tokens.push({ t: "string", bytes: r.bytes, line });
      i = r.end;
    } else if (isDigit(c) || (c === "." && isDigit(text[i + 1] ?? ""))) {
      let j = i;
      // numbers: decimal, hex, octal, floats with exponent and an optional f/F suffix
      if (c === "0" && (text[i + 1] === "x" || text[i + 1] === "X")) {
        j = i + 2;
        while (j < text.length && isHex(text[j]!)) j++;
      } else {
        while (j < text.length && /[0-9.eE]/.test(text[j]!)) {
          if ((text[j] === "e" || text[j] === "E") && (text[j + 1] === "+" || text[j + 1] === "-")) j++;
          j++;
        }
        if (text[j] === "f" || text[j] === "F") j++;
      }
      if (j < text.length && isIdentPart(text[j]!)) {
        throw new ParseFailure(line, `malformed number \`${text.slice(i, j + 1)}\``);
      }
      tokens.push({ t: "number", text: text.slice(i, j), line });
      i = j;
    } else if (isIdentStart(c)) {
      let j = i + 1;
      while (j < text.length && isIdentPart(text[j]!)) j++;
      tokens.push({ t: "ident", text: text.slice(i, j), line });
      i = j;
    } else if ("{}<>[]:,;-./".includes(c)) {
      tokens.push({ t: "punct", text: c, line });
      i++;
    } else {
      throw new ParseFailure(line, `unexpected character \`${c}\``);
    }
  }
  tokens.push({ t: "eof", line });
  return tokens;
}

/**
 * Reads a quoted string starting at `start` (the quote) and returns the bytes it denotes.
 * Octal (`\303`) and hex (`\xc3`) escapes denote single bytes, so a run of them can spell a UTF-8
 * sequence; `\u`/`\U` escapes denote a code point, written as its UTF-8 bytes.
 */
function readString(text: string, start: number, line: number): { bytes: Uint8Array; end: number } {
  const quote = text[start]!;
  const out: number[] = [];
  let i = start + 1;
  for (;;) {
    if (i >= text.length || text[i] === "\n") throw new ParseFailure(line, "unterminated string");
    const c = text[i]!;
    if (c === quote) return { bytes: Uint8Array.from(out), end: i + 1 };
    if (c !== "\\") {
      // one code point (a surrogate pair counts once), written as UTF-8
      const cp = text.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      out.push(...encoder.encode(ch));
      i += ch.length;
      continue;
    }
    const e = text[i + 1];
    if (e === undefined) throw new ParseFailure(line, "unterminated string");
    if (e in SIMPLE_ESCAPES) {
      out.push(SIMPLE_ESCAPES[e]!);
      i += 2;
    } else if (e >= "0" && e <= "7") {
      let j = i + 1;
      let v = 0;
      while (j < i + 4 && text[j] !== undefined && text[j]! >= "0" && text[j]! <= "7") {
        v = v * 8 + Number(text[j]);
        j++;
      }
      if (v > 0xff) throw new ParseFailure(line, `octal escape \`${text.slice(i, j)}\` is out of range`);
      out.push(v);
      i = j;
    } else if (e === "x" || e === "X") {
      let j = i + 2;
      while (j < i + 4 && isHex(text[j] ?? "")) j++;
      if (j === i + 2) throw new ParseFailure(line, "`\\x` escape without hex digits");
      out.push(parseInt(text.slice(i + 2, j), 16));
      i = j;
    } else if (e === "u" || e === "U") {
      const n = e === "u" ? 4 : 8;
      const hex = text.slice(i + 2, i + 2 + n);
      if (hex.length !== n || ![...hex].every(isHex)) {
        throw new ParseFailure(line, `\`\\${e}\` escape needs ${n} hex digits`);
      }
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        throw new ParseFailure(line, `\`\\${e}${hex}\` is not a Unicode scalar value`);
      }
      out.push(...encoder.encode(String.fromCodePoint(cp)));
      i += 2 + n;
    } else {
      throw new ParseFailure(line, `unknown escape \`\\${e}\``);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Parser

class Parser {
  private pos = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos]!;
  }
  private next(): Token {
    const t = this.tokens[this.pos]!;
    if (t.t !== "eof") this.pos++;
    return t;
  }
  private isPunct(text: string): boolean {
    const t = this.peek();
    return t.t === "punct" && t.text === text;
  }
  private expectPunct(text: string): void {
    const t = this.next();
    if (t.t !== "punct" || t.text !== text) throw new ParseFailure(t.line, `expected \`${text}\`, found ${describe(t)}`);
  }

  /** Message = { Field [ "," | ";" ] } — stops before `close` (or at end of input for the root). */
  parseMessage(fields: TextprotoField[], close: string | undefined): void {
    for (;;) {
      const t = this.peek();
      if (close === undefined ? t.t === "eof" : t.t === "punct" && t.text === close) return;
      if (t.t === "eof") throw new ParseFailure(t.line, `expected \`${close}\` before the end of input`);
      this.parseField(fields);
      if (this.isPunct(",") || this.isPunct(";")) this.next();
    }
  }

  /** Field = Name ( ":" Value | [ ":" ] MessageValue | ":" "[" values "]" ) */
  private parseField(fields: TextprotoField[]): void {
    const nameTok = this.peek();
    const name = this.parseName();
    let colon = false;
    if (this.isPunct(":")) {
      this.next();
      colon = true;
    }
    if (this.isPunct("{") || this.isPunct("<")) {
      fields.push({ name, value: this.parseMessageValue(), line: nameTok.line });
      return;
    }
    if (!colon) throw new ParseFailure(this.peek().line, `expected \`:\` or \`{\` after field \`${name}\``);
    if (this.isPunct("[")) {
      // short form of a repeated field: each element is one occurrence of the field
      this.next();
      if (!this.isPunct("]")) {
        for (;;) {
          const line = this.peek().line;
          fields.push({ name, value: this.parseValue(), line });
          if (!this.isPunct(",")) break;
          this.next();
        }
      }
      this.expectPunct("]");
      return;
    }
    fields.push({ name, value: this.parseValue(), line: nameTok.line });
  }

  /** Name = identifier | "[" extension or type URL "]" */
  private parseName(): string {
    const t = this.next();
    if (t.t === "ident") return t.text;
    if (t.t === "punct" && t.text === "[") {
      let name = "[";
      while (!this.isPunct("]")) {
        const p = this.next();
        if (p.t === "ident" || p.t === "number" || (p.t === "punct" && ".-/".includes(p.text))) {
          name += p.t === "punct" || p.t === "ident" || p.t === "number" ? p.text : "";
        } else {
          throw new ParseFailure(p.line, `unexpected ${describe(p)} in a bracketed field name`);
        }
      }
      this.next();
      return name + "]";
    }
    throw new ParseFailure(t.line, `expected a field name, found ${describe(t)}`);
  }

  private parseMessageValue(): TextprotoMessage {
    const open = this.next() as Extract<Token, { t: "punct" }>;
    const close = open.text === "{" ? "}" : ">";
    const fields: TextprotoField[] = [];
    this.parseMessage(fields, close);
    this.expectPunct(close);
    return { kind: "message", fields, line: open.line };
  }

  private parseValue(): TextprotoValue {
    const t = this.peek();
    if (t.t === "punct" && (t.text === "{" || t.text === "<")) return this.parseMessageValue();
    if (t.t === "string") {
      // adjacent literals concatenate: "ab" 'cd' == "abcd"
      const parts: Uint8Array[] = [];
      while (this.peek().t === "string") parts.push((this.next() as Extract<Token, { t: "string" }>).bytes);
      const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let o = 0;
      for (const p of parts) {
        bytes.set(p, o);
        o += p.length;
      }
      return { kind: "string", bytes, line: t.line };
    }
    let negative = false;
    if (t.t === "punct" && t.text === "-") {
      this.next();
      negative = true;
    }
    const v = this.next();
    if (v.t === "number") return numberValue(v.text, negative, v.line);
    if (v.t === "ident") {
      const lower = v.text.toLowerCase();
      if (lower === "inf" || lower === "infinity" || lower === "nan") {
        const float = lower === "nan" ? NaN : negative ? -Infinity : Infinity;
        return { kind: "number", text: (negative ? "-" : "") + v.text, integer: undefined, float, line: v.line };
      }
      if (negative) throw new ParseFailure(v.line, `\`-\` before identifier \`${v.text}\``);
      return { kind: "ident", name: v.text, line: v.line };
    }
    throw new ParseFailure(v.line, `expected a value, found ${describe(v)}`);
  }
}

function numberValue(text: string, negative: boolean, line: number): TextprotoNumber {
  const signed = (negative ? "-" : "") + text;
  let integer: bigint | undefined;
  let float: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) {
    integer = BigInt(text);
  } else if (/^0[0-7]+$/.test(text)) {
    integer = BigInt("0o" + text.slice(1));
  } else if (/^[0-9]+$/.test(text)) {
    integer = BigInt(text);
  } else {
    const body = text.replace(/[fF]$/, "");
    float = Number(body);
    if (!/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(body) || Number.isNaN(float)) {
      throw new ParseFailure(line, `malformed number \`${text}\``);
    }
  }
  if (integer !== undefined) {
    if (negative) integer = -integer;
    float = Number(integer);
  } else {
    float = negative ? -Number(text.replace(/[fF]$/, "")) : Number(text.replace(/[fF]$/, ""));
  }
  return { kind: "number", text: signed, integer, float, line };
}

function describe(t: Token): string {
  switch (t.t) {
    case "eof":
      return "the end of input";
    case "string":
      return "a string";
    case "number":
      return `number \`${t.text}\``;
    case "ident":
      return `\`${t.text}\``;
    case "punct":
      return `\`${t.text}\``;
  }
}

/** Parses protobuf text format. Never throws: problems come back in `errors` with their line. */
export function parseTextproto(text: string): TextprotoResult {
  const fields: TextprotoField[] = [];
  const message: TextprotoMessage = { kind: "message", fields, line: 1 };
  try {
    const parser = new Parser(tokenize(text));
    parser.parseMessage(fields, undefined);
    return { message, errors: [] };
  } catch (e) {
    // INVARIANT: only ParseFailure is thrown on purpose; anything else is reported as line 0 rather
    // than escaping, so a host never sees an exception from bad input.
    if (e instanceof ParseFailure) return { message, errors: [{ line: e.line, message: e.message }] };
    return { message, errors: [{ line: 0, message: `internal error: ${String(e)}` }] };
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers for readers of the tree

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Decodes a string value's bytes as UTF-8; undefined when they are not valid UTF-8. */
export function textOf(s: TextprotoString): string | undefined {
  try {
    return utf8.decode(s.bytes);
  } catch {
    return undefined;
  }
}

/** All fields of `m` named `name`, in order (repeated fields). */
export function fieldsNamed(m: TextprotoMessage, name: string): TextprotoValue[] {
  return m.fields.filter((f) => f.name === name).map((f) => f.value);
}

/**
 * The last field of `m` named `name`, if any. The text format refuses a non-repeated field given
 * twice; this reader knows no schema, so that is for its caller to report (cases.ts, checkFields).
 */
export function fieldNamed(m: TextprotoMessage, name: string): TextprotoValue | undefined {
  const all = fieldsNamed(m, name);
  return all[all.length - 1];
}
