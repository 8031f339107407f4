// Rendering many diagnostics of one file: the file's lines are found once, not rescanned for each
// diagnostic, and only the part of a long line that is shown is copied; the rendering is the one a
// rescan for each diagnostic gives, character for character.

import { describe, expect, it, vi } from "vitest";
import fc from "fast-check";

// buildLineIndex as it is, counted: how many times a file's lines are found
vi.mock("../../compiler/line-index.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../compiler/line-index.js")>();
  return { ...original, buildLineIndex: vi.fn(original.buildLineIndex) };
});

import { buildLineIndex } from "../../compiler/line-index.js";
import { type Diagnostic, error, renderDiagnostic, renderDiagnostics } from "../../compiler/diagnostics.js";
import { type SourceFile } from "../../compiler/source.js";
import { escapeControls } from "../../runtime/thrown.js";
import { cellWidth } from "../../compiler/cell-width.js";
import { parsePolicy } from "../../compiler/syntax/index.js";

// The line ends, columns and line text as the renderer had them, each found by a scan of the text.
const endsLine = (text: string, i: number) => text.charCodeAt(i) === 10 || (text.charCodeAt(i) === 13 && text.charCodeAt(i + 1) !== 10);
const bom = (text: string) => text.charCodeAt(0) === 0xfeff;

function lineColOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = 0; i < end; i++) {
    if (endsLine(text, i)) {
      line++;
      lineStart = i + 1;
    }
  }
  let column = 1;
  for (let i = lineStart === 0 && bom(text) ? 1 : lineStart; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > lineStart) {
      const p = text.charCodeAt(i - 1);
      if (p >= 0xd800 && p <= 0xdbff) continue;
    }
    column++;
  }
  return { line, column };
}

function lineTextAt(text: string, offset: number): string {
  const o = Math.min(Math.max(offset, 0), text.length);
  let start = o;
  while (start > 0 && !endsLine(text, start - 1)) start--;
  let end = o;
  while (end < text.length && text.charCodeAt(end) !== 10 && text.charCodeAt(end) !== 13) end++;
  return text.slice(start === 0 && bom(text) ? 1 : start, end);
}

/**
 * A diagnostic rendered by rescanning the text for it: its line and column counted from the text's
 * start, its whole line copied and split into code points, the span counted to the next `\n`. What
 * the renderer gives must be this, whatever the position.
 */
function renderRescanning(d: Diagnostic, source: SourceFile): string {
  const shownChar = (c: string) => (c === "\t" ? c : escapeControls(c));
  const shownWidth = (c: string) => (shownChar(c) === c ? cellWidth(c) : shownChar(c).length);
  const { line, column } = lineColOf(source.text, d.span.start);
  const head = `${escapeControls(d.file ?? source.name)}:${line}:${column}: ${d.severity}[${d.code}]: ${d.message}`;
  const pad = " ".repeat(String(line).length);
  const lineEnd = source.text.indexOf("\n", d.span.start);
  const spanEndOnLine = lineEnd < 0 ? d.span.end : Math.min(d.span.end, lineEnd);
  const chars = [...lineTextAt(source.text, d.span.start)];
  const whole = chars.length <= 160;
  const from = whole ? 0 : Math.max(0, column - 1 - 60);
  const to = whole ? chars.length : Math.min(chars.length, column - 1 + 100);
  const cutBefore = from > 0 ? "…" : "";
  const text = cutBefore + chars.slice(from, to).map(shownChar).join("") + (to < chars.length ? "…" : "");
  const spanChars = Math.min([...source.text.slice(d.span.start, spanEndOnLine)].length, to - (column - 1));
  const width = Math.max(1, chars.slice(column - 1, column - 1 + spanChars).reduce((n, c) => n + shownWidth(c), 0));
  const before = (cutBefore ? " " : "") + chars.slice(from, column - 1).map((c) => (c === "\t" ? "\t" : " ".repeat(shownWidth(c)))).join("");
  const lines = [head, `${pad} |`, `${line} | ${text}`, `${pad} | ${before}${"^".repeat(width)}`];
  if (d.help) lines.push(`${pad} = help: ${d.help}`);
  return lines.join("\n");
}

/** Diagnostics at `starts`, each spanning `length` units (past the text's end where it runs out). */
function diagnosticsAt(starts: readonly number[], length: number): Diagnostic[] {
  return starts.map((s) => error("W0105", `at ${s}`, { start: s, end: s + length }, s % 3 === 0 ? "some help" : undefined));
}

function expectSameRendering(text: string, starts: readonly number[], lengths: readonly number[] = [0, 1, 2, 7, 300]): void {
  const source = { name: "p.writ", text };
  for (const length of lengths) {
    for (const d of diagnosticsAt(starts, length)) {
      expect(renderDiagnostic(d, source), `${JSON.stringify(text.slice(0, 40))} at ${d.span.start}, ${length} long`).toBe(renderRescanning(d, source));
    }
  }
}

const every = (text: string) => Array.from({ length: text.length + 1 }, (_, i) => i);

describe("rendering many diagnostics of a file", () => {
  it("renders as a rescan does, at every offset of short lines of every line ending, a byte-order mark, surrogate pairs, tabs and controls", () => {
    const texts = [
      "",
      "x",
      "policy p\npermit a when x\nlast line without newline",
      "one\r\ntwo\r\n\r\nthree\r\n",
      "one\rtwo\r\rthree\r",
      "mixed\n\r\n\rends\r\n\n",
      "\ufeffpolicy x\nnext",
      "\ufeff",
      "a😀b\n😀😀\n𝑥 = 1 😀",
      "lone \ud83d surrogates \ude00 and\ud83d\n\ude00 at line starts",
      "\ttabbed\t\x1b[2K\x07 line\n管理员 e\u0301 Ａ",
    ];
    for (const text of texts) expectSameRendering(text, every(text));
  });

  it("renders as a rescan does wherever a long line is cut, around astral characters and wide ones", () => {
    const long = (unit: string, n: number) => unit.repeat(n);
    const texts = [
      `policy p\n${long("$      ", 100)}\nafter`,
      long("😀", 400),
      long("a😀", 300) + "\r\n" + long("管", 200),
      "\ufeff" + long("x\t", 200),
      long("b", 161) + "\n" + long("c", 160) + "\r" + long("d", 159),
    ];
    for (const text of texts) expectSameRendering(text, every(text), [0, 3, 250]);
  });

  it("renders as a rescan does on random texts, for every start and several ends", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("a", "é", "😀", "\ud83d", "\ude00", "\n", "\r", "\t", "管", "\ufeff", " "), maxLength: 400 }), (text) => {
        expectSameRendering(text, every(text), [0, 1, 5, 200]);
      }),
      { numRuns: 60 },
    );
  });

  it("renders a line of 500 KB as a rescan does, at its start, its end, and throughout", () => {
    const text = `policy "p" version "1"\n${"$ 😀   ".repeat(72_000)}tail`;
    expect(text.length).toBeGreaterThan(500_000);
    const line = text.indexOf("\n") + 1;
    const starts = [0, line - 1, line, line + 1, line + 59, line + 60, line + 61, text.length - 101, text.length - 100, text.length - 1, text.length];
    for (let s = line; s < text.length; s += 99_999) starts.push(s, s + 1, s + 2);
    expectSameRendering(text, starts, [1, 1_000_000]);
  });

  it("finds a file's lines once for all its diagnostics, and again for another source or another text", () => {
    const count = vi.mocked(buildLineIndex);
    count.mockClear();
    const text = `policy "p" version "1"\ninput { a: int }\npermit p when a == 1 ${"$      ".repeat(5_000)}`;
    const source = { name: "big.writ", text };
    const diagnostics = parsePolicy(source).diagnostics;
    expect(diagnostics.length).toBe(5_000);
    const all = renderDiagnostics(diagnostics, source, { max: Infinity });
    expect(all.split("\n\n")).toHaveLength(5_000);
    renderDiagnostics(diagnostics, source);
    for (const d of diagnostics.slice(0, 100)) renderDiagnostic(d, source);
    expect(count.mock.calls.length).toBe(1);
    // a source of the same text is another source
    renderDiagnostic(diagnostics[0]!, { name: "other.writ", text });
    expect(count.mock.calls.length).toBe(2);
    // a source whose text changed is indexed again: its lines are not the old text's
    const changing = { name: "p.writ", text: "one\ntwo" };
    const d = error("W0105", "here", { start: 4, end: 5 });
    expect(renderDiagnostic(d, changing).split("\n")[0]).toBe("p.writ:2:1: error[W0105]: here");
    changing.text = "one two";
    expect(renderDiagnostic(d, changing).split("\n")[0]).toBe("p.writ:1:5: error[W0105]: here");
    expect(count.mock.calls.length).toBe(4);
  });

  it("reads the text in proportion to its length plus the diagnostics, not their product", () => {
    // 2,000 diagnostics on a line of 70 KB: a rescan for each would read the text up to each
    // diagnostic and copy its whole line, 2,000 times (over 100,000,000 characters)
    const text = `policy "p" version "1"\ninput { a: int }\npermit p when a == 1 ${"$      ".repeat(10_000)}`;
    const source = { name: "big.writ", text };
    const diagnostics = parsePolicy(source).diagnostics;
    expect(diagnostics.length).toBe(10_000);
    const some = diagnostics.filter((_, i) => i % 5 === 0);
    const read = countingReads(() => renderDiagnostics(some, source, { max: Infinity }));
    expect(read.result.split("\n\n")).toHaveLength(2_000);
    // the lines found once (a few reads of each character), then a few hundred for each diagnostic
    expect(read.units).toBeLessThan(10 * text.length + 1_000 * some.length);
  });
});

/**
 * The UTF-16 units `run` reads of strings: one for each charCodeAt, and the length of each string
 * slice makes (a copy of a whole line is a slice of its length).
 */
function countingReads<T>(run: () => T): { result: T; units: number } {
  const proto = String.prototype as { charCodeAt: (i: number) => number; slice: (a?: number, b?: number) => string };
  const { charCodeAt, slice } = proto;
  let units = 0;
  proto.charCodeAt = function (this: string, i: number) {
    units++;
    return charCodeAt.call(this, i);
  };
  proto.slice = function (this: string, a?: number, b?: number) {
    const s = slice.call(this, a, b);
    units += s.length;
    return s;
  };
  try {
    const result = run();
    return { result, units };
  } finally {
    proto.charCodeAt = charCodeAt;
    proto.slice = slice;
  }
}
