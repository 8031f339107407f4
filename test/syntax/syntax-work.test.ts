// The work of parsing and formatting large files, counted, not timed: in the calls and block runs of
// the syntax phase's JavaScript (test/support/counted-blocks.ts), or in what is read of the text
// (test/support/counted-strings.ts). A file's work is compared with its parts', or with a smaller
// file's: linear, it is about their sum; quadratic, many times more.

import { describe, expect, it } from "vitest";
import { countedBlocks } from "../support/counted-blocks.js";
import { countedStringReads } from "../support/counted-strings.js";

// loaded after counted-blocks, so that their functions are counted
const { formatPolicy, parsePolicy } = await import("../../compiler/syntax/index.js");
const { parseOk } = await import("./helpers.js");

const SYNTAX = ["compiler/syntax/"];

/** The blocks the syntax phase runs to format `text` (parsed beforehand). */
function formatBlocks(text: string, check: (out: string) => void): number {
  const ast = parseOk(text);
  let out = "";
  const blocks = countedBlocks(SYNTAX, () => void (out = formatPolicy(ast, { name: "x.writ", text })));
  check(out);
  return blocks;
}

/** What formatting `text` (parsed beforehand) reads of strings. */
function formatReads(text: string, check: (out: string) => void): number {
  const ast = parseOk(text);
  let out = "";
  const units = countedStringReads(() => void (out = formatPolicy(ast, { name: "x.writ", text })));
  check(out);
  return units;
}

describe("parsing", () => {
  it("parses two thousand rules in about the work of its two halves", () => {
    const rules = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => `permit p${from + i} when action.tool == "tool-${from + i}" && "role-${(from + i) % 60}" in principal.roles`).join("\n");
    const work = (text: string) => {
      let parsed: ReturnType<typeof parsePolicy> | undefined;
      const blocks = countedBlocks(SYNTAX, () => void (parsed = parsePolicy({ name: "big.writ", text })));
      expect(parsed!.diagnostics).toEqual([]);
      expect(parsed!.ast.rules).toHaveLength(text.split("\n").length);
      return blocks;
    };
    work(rules(0, 10)); // what is done once, at the first parse, is left out of the counts below
    const [first, second, whole] = [work(rules(0, 1000)), work(rules(1000, 2000)), work(rules(0, 2000))];
    expect(whole).toBeLessThan(1.25 * (first + second));
  });

  it("tells a record left open by layout in about linear work, its fields all on one long line", () => {
    // Each field's place on its line was found by scanning back to the line's start: a record of
    // 20,000 fields on one line of 4 MB, its block's `}` missing, took minutes.
    const work = (n: number) => {
      const fields = Array.from({ length: n }, (_, i) => `f${i}: int,${" ".repeat(40)}`).join("");
      const text = `policy "p" version "1"\ninput { a: { ${fields}}\npermit r when a.f0 > 1\n`;
      let parsed: ReturnType<typeof parsePolicy> | undefined;
      const blocks = countedBlocks(SYNTAX, () => void (parsed = parsePolicy({ name: "open.writ", text })));
      expect(parsed!.diagnostics.map((d) => d.message)).toEqual(["expected `}`, found `permit`"]);
      return blocks;
    };
    work(10);
    const [half, whole] = [work(1000), work(2000)];
    expect(whole).toBeLessThan(2.5 * half);
  });
});

/**
 * What `f` searches of arrays by indexOf, in elements: each call may read the whole array (native
 * code, which block counts do not see).
 */
function countedArraySearches(f: () => void): number {
  let elements = 0;
  const saved = Object.getOwnPropertyDescriptor(Array.prototype, "indexOf")!;
  const original = saved.value as (this: unknown[], ...args: unknown[]) => number;
  try {
    Object.defineProperty(Array.prototype, "indexOf", {
      ...saved,
      value: function (this: unknown[], ...args: unknown[]) {
        elements += this.length;
        return original.apply(this, args);
      },
    });
    f();
  } finally {
    Object.defineProperty(Array.prototype, "indexOf", saved);
  }
  return elements;
}

describe("parsing a misnamed input block of many annotated fields", () => {
  it("keeps each annotation in the block in about linear work", () => {
    // Whether an `@` stood in a block written as the input block under another name (`Input {`) was
    // found by a scan of the declaration so far: one scan an annotation.
    const work = (n: number) => {
      const text = `policy "p" version "1"\nInput {\n${Array.from({ length: n }, (_, i) => `  @doc("x") f${i}: int`).join("\n")}\n}\n`;
      let parsed: ReturnType<typeof parsePolicy> | undefined;
      const blocks = countedBlocks(SYNTAX, () => void (parsed = parsePolicy({ name: "misnamed.writ", text })));
      expect(parsed!.diagnostics).toHaveLength(n + 1);
      return blocks;
    };
    work(10);
    const [half, whole] = [work(500), work(1000)];
    expect(whole).toBeLessThan(2.5 * half);
  });
});

describe("parsing a declaration of many errors", () => {
  it("looks their tokens up in about linear work", () => {
    // Each error's token was found by an indexOf over the declaration's tokens: `@` written 295,000
    // times took 21 s, a quarter as many 1.5 s.
    const work = (n: number) => {
      let parsed: ReturnType<typeof parsePolicy> | undefined;
      const searched = countedArraySearches(() => void (parsed = parsePolicy({ name: "at.writ", text: `policy "p" version "1"\n${"@".repeat(n)}` })));
      expect(parsed!.diagnostics.length).toBeGreaterThan(0);
      return searched;
    };
    work(10);
    const [half, whole] = [work(2000), work(4000)];
    expect(whole).toBeLessThan(2.5 * half + 1000);
  });
});

describe("formatting", () => {
  it("formats a file of many lines and many comments in about the work of the rules alone plus the comments alone", () => {
    // Each comment was placed by a pass over every line, and each rule asked whether a comment fell
    // inside it by a pass over every comment: 10,000 of each, 200 million steps.
    const n = 5_000;
    const head = `policy "p" version "1"\ninput { a: int }\n`;
    const rules = Array.from({ length: n }, (_, k) => `permit r${k} when a == ${k}\n`).join("");
    const comments = "// c\n".repeat(n);
    const commentsOut = (expected: number) => (out: string) => expect(out.match(/^\/\/ c$/gm)?.length ?? 0).toBe(expected);
    const rulesOnly = formatBlocks(head + rules, commentsOut(0));
    const commentsOnly = formatBlocks(head + comments, commentsOut(n));
    const both = formatBlocks(head + rules + comments, commentsOut(n));
    expect(both).toBeLessThan(4 * (rulesOnly + commentsOnly));
  });

  it("reads no more of a long run of blank lines for a last comment after it", () => {
    // Whether a blank line comes before the comments at the end was asked by a regular expression
    // anchored at the end of the text before them, which tried again from every line feed of the
    // run (80,000 blank lines took seconds). Read backwards over the white space, two line feeds do.
    const run = "\n".repeat(20_000);
    const [without, withComment] = ["", "// tail\n"].map((tail) =>
      formatReads(`policy "p" version "1"${run}permit p\n${tail}`, (out) => expect(out).toBe(`policy "p" version "1"\n\npermit p\n${tail}`)),
    ) as [number, number];
    expect(withComment - without).toBeLessThan(1_000); // the run is 20,000 units
  });

  it("reads a long string deep in test data about as often as one level deep", () => {
    // Every level of nested data wrote the one-line text of all it holds, and counted its code
    // points, again (95 levels around a 400,000-character string took seconds).
    const long = `"${"a".repeat(100_000)}"`;
    const [shallow, deep] = [1, 95].map((depth) =>
      formatReads(`policy "p" version "1"\ntest "t" { input { a: ${"[".repeat(depth)}${long}${"]".repeat(depth)} } expect allow }\n`, (out) => expect(out).toContain(long)),
    ) as [number, number];
    expect(deep).toBeLessThan(1.5 * shallow);
  });
});
