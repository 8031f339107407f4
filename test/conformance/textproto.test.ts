// The protobuf text-format parser: structure, string escapes (C, octal and hex bytes forming UTF-8,
// \u/\U), numbers, comments, and errors with line numbers instead of exceptions.

import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  fieldNamed,
  fieldsNamed,
  parseTextproto,
  textOf,
  type TextprotoMessage,
  type TextprotoValue,
} from "../../compiler/conformance/textproto.js";
import { celSpecTestdata } from "../support/cel-spec.js";

function parseOk(text: string): TextprotoMessage {
  const r = parseTextproto(text);
  expect(r.errors).toEqual([]);
  return r.message;
}

function str(v: TextprotoValue | undefined): string | undefined {
  if (v?.kind !== "string") throw new Error(`not a string: ${JSON.stringify(v)}`);
  return textOf(v);
}

function bytes(v: TextprotoValue | undefined): number[] {
  if (v?.kind !== "string") throw new Error("not a string");
  return [...v.bytes];
}

function num(v: TextprotoValue | undefined): { integer: bigint | undefined; float: number } {
  if (v?.kind !== "number") throw new Error(`not a number: ${JSON.stringify(v)}`);
  return { integer: v.integer, float: v.float };
}

describe("textproto structure", () => {
  it("parses scalar fields, nested messages in all three spellings, and repeated fields", () => {
    const m = parseOk(`
      name: "basic"   # a comment
      section { name: "a" }
      section: { name: "b" }
      section < name: "c" >
      flag: true
      kind: NULL_VALUE
    `);
    expect(str(fieldNamed(m, "name"))).toBe("basic");
    const sections = fieldsNamed(m, "section");
    expect(sections.map((s) => (s.kind === "message" ? str(fieldNamed(s, "name")) : "?"))).toEqual(["a", "b", "c"]);
    expect(fieldNamed(m, "flag")).toMatchObject({ kind: "ident", name: "true" });
    expect(fieldNamed(m, "kind")).toMatchObject({ kind: "ident", name: "NULL_VALUE" });
  });

  it("accepts `,` and `;` separators and the list short form of repeated fields", () => {
    const m = parseOk(`type_env: { name: "x", ident: { type: { primitive: INT64 } } }; values: [1, 2, 3], empty: []`);
    const env = fieldNamed(m, "type_env");
    expect(env?.kind).toBe("message");
    expect(fieldsNamed(m, "values").map((v) => num(v).integer)).toEqual([1n, 2n, 3n]);
    expect(fieldsNamed(m, "empty")).toEqual([]);
  });

  it("records the line of every field", () => {
    const m = parseOk("a: 1\n\n# c\nb {\n  c: 2\n}\n");
    expect(m.fields.map((f) => [f.name, f.line])).toEqual([
      ["a", 1],
      ["b", 4],
    ]);
    const b = fieldNamed(m, "b") as TextprotoMessage;
    expect(b.fields[0]!.line).toBe(5);
  });

  it("reads bracketed (Any / extension) field names", () => {
    const m = parseOk(`object_value { [type.googleapis.com/cel.expr.conformance.proto3.TestAllTypes] { single_int64: 1 } }`);
    const o = fieldNamed(m, "object_value") as TextprotoMessage;
    expect(o.fields[0]!.name).toBe("[type.googleapis.com/cel.expr.conformance.proto3.TestAllTypes]");
  });
});

describe("textproto strings", () => {
  it("decodes C escapes in double- and single-quoted strings", () => {
    const m = parseOk(String.raw`a: "\a\b\f\n\r\t\v\"\'\\\?" b: '\'q\''`);
    expect(str(fieldNamed(m, "a"))).toBe("\x07\b\f\n\r\t\v\"'\\?");
    expect(str(fieldNamed(m, "b"))).toBe("'q'");
  });

  it("turns octal and hex escapes into bytes that form UTF-8", () => {
    const m = parseOk(String.raw`oct: "\303\277" hex: "\xe2\x9c\x8c" cat: "\xf0\x9f\x90\xb1" raw: "\000\377" short: "\0\7x"`);
    expect(str(fieldNamed(m, "oct"))).toBe("ÿ");
    expect(str(fieldNamed(m, "hex"))).toBe("✌");
    expect(str(fieldNamed(m, "cat"))).toBe("🐱");
    // not UTF-8: the bytes are kept, the text is undefined
    expect(bytes(fieldNamed(m, "raw"))).toEqual([0, 255]);
    expect(textOf(fieldNamed(m, "raw") as never)).toBeUndefined();
    expect(bytes(fieldNamed(m, "short"))).toEqual([0, 7, 0x78]);
  });

  it("decodes \\u and \\U escapes and writes non-ASCII source characters as UTF-8", () => {
    const m = parseOk(String.raw`u: "\u270c" U: "\U0001f431" lit: "ÿπ🐱"`);
    expect(str(fieldNamed(m, "u"))).toBe("✌");
    expect(str(fieldNamed(m, "U"))).toBe("🐱");
    expect(bytes(fieldNamed(m, "lit"))).toEqual([0xc3, 0xbf, 0xcf, 0x80, 0xf0, 0x9f, 0x90, 0xb1]);
  });

  it("concatenates adjacent string literals, across lines and quote kinds", () => {
    const m = parseOk(`expr: "a + "\n  'b' "\\x63"`);
    expect(str(fieldNamed(m, "expr"))).toBe("a + bc");
  });

  it("keeps escaped backslashes for the embedded CEL expression", () => {
    // the conformance files write CEL escapes doubled: "'\\''" is the CEL text '\''
    const m = parseOk(String.raw`expr: "'\\''"`);
    expect(str(fieldNamed(m, "expr"))).toBe(String.raw`'\''`);
  });
});

describe("textproto numbers", () => {
  it("reads decimal, negative, hex, octal and int64 extremes exactly", () => {
    const m = parseOk("a: 42 b: -7 c: 0x1F d: -0x10 e: 017 f: -9223372036854775808 g: 18446744073709551615");
    expect(num(fieldNamed(m, "a")).integer).toBe(42n);
    expect(num(fieldNamed(m, "b")).integer).toBe(-7n);
    expect(num(fieldNamed(m, "c")).integer).toBe(31n);
    expect(num(fieldNamed(m, "d")).integer).toBe(-16n);
    expect(num(fieldNamed(m, "e")).integer).toBe(15n);
    expect(num(fieldNamed(m, "f")).integer).toBe(-9223372036854775808n);
    expect(num(fieldNamed(m, "g")).integer).toBe(18446744073709551615n);
  });

  it("reads floats, exponents, inf and nan", () => {
    const m = parseOk("a: 1.5 b: -2.3e+1 c: .5 d: 1e3 e: inf f: -inf g: nan h: -Infinity i: 2.5f");
    expect(num(fieldNamed(m, "a"))).toEqual({ integer: undefined, float: 1.5 });
    expect(num(fieldNamed(m, "b")).float).toBe(-23);
    expect(num(fieldNamed(m, "c")).float).toBe(0.5);
    expect(num(fieldNamed(m, "d")).float).toBe(1000);
    expect(num(fieldNamed(m, "e")).float).toBe(Infinity);
    expect(num(fieldNamed(m, "f")).float).toBe(-Infinity);
    expect(num(fieldNamed(m, "g")).float).toBeNaN();
    expect(num(fieldNamed(m, "h")).float).toBe(-Infinity);
    expect(num(fieldNamed(m, "i")).float).toBe(2.5);
  });
});

describe("textproto errors", () => {
  const cases: [string, number, RegExp][] = [
    ['a: "unterminated\nb: 1', 1, /unterminated string/],
    ["a {\n  b: 1\n", 3, /expected `}`/],
    ["a: 1\nb }", 2, /expected `:` or `\{`/],
    ['a: "\\q"', 1, /unknown escape/],
    ['a: "\\x"', 1, /hex digits/],
    ['a: "\\u12"', 1, /4 hex digits/],
    ['a: "\\UFFFFFFFF"', 1, /not a Unicode scalar/],
    ['a: "\\777"', 1, /out of range/],
    ["a: 1\n\nb: $", 3, /unexpected character/],
    ["a: 12abc", 1, /malformed number/],
    ["a:", 1, /expected a value/],
    ["a: -foo", 1, /before identifier/],
    ["a { b: 1 ]", 1, /expected a field name/],
  ];
  it.each(cases)("reports %j at line %i without throwing", (text, line, message) => {
    const r = parseTextproto(text);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.line).toBe(line);
    expect(r.errors[0]!.message).toMatch(message);
  });

  it("never throws on arbitrary input", () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const alphabet = ['"', "'", "\\", "{", "}", "<", ">", "[", "]", ":", ",", "-", "#", "\n", "a", "1", "x", "0", " ", "é", "."];
    for (let i = 0; i < 2000; i++) {
      let s = "";
      const n = Math.floor(rand() * 30);
      for (let j = 0; j < n; j++) s += alphabet[Math.floor(rand() * alphabet.length)];
      expect(() => parseTextproto(s)).not.toThrow();
    }
  });
});

describe("the upstream conformance files", () => {
  const dir = celSpecTestdata();
  const files = readdirSync(dir).filter((f) => f.endsWith(".textproto"));
  it("are all present", () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
  });
  it.each(files)("%s parses without errors into sections of tests", (f) => {
    const r = parseTextproto(readFileSync(join(dir, f), "utf8"));
    expect(r.errors).toEqual([]);
    const sections = fieldsNamed(r.message, "section");
    expect(sections.length).toBeGreaterThan(0);
    for (const s of sections) {
      expect(s.kind).toBe("message");
      for (const t of fieldsNamed(s as TextprotoMessage, "test")) {
        expect(typeof str(fieldNamed(t as TextprotoMessage, "expr"))).toBe("string");
      }
    }
  });
});
