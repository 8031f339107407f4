// Characters an editor may show as a line end and Writ reads as none (U+2028, U+2029, NEL, vertical
// tab, form feed). A `//` comment that ran on past one hid, as comment, text a reviewer saw as the
// next line's code (`// note<U+2028>forbid f when a > 5`: a rule seen, never read, and the policy
// allowed). The comment now stops before such a character, and the character is refused there
// (W0105); in a string literal it is part of the value, as before.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fmtCommand } from "../../cli/commands/fmt.js";
import { compilePolicy } from "../../compiler/driver.js";
import { lineColOf } from "../../compiler/source.js";
import { lex } from "../../compiler/syntax/lexer.js";
import { runCommand, runWrit } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

const LOOKALIKES = [
  ["U+2028 (line separator)", "\u2028", "\\u2028"],
  ["U+2029 (paragraph separator)", "\u2029", "\\u2029"],
  ["U+0085 (next line)", "\u0085", "\\u0085"],
  ["U+000B (vertical tab)", "\v", "\\u000b"],
  ["U+000C (form feed)", "\f", "\\u000c"],
] as const;

const HEADER = `policy "p" version "1.0.0"\ninput { a: int, s: string }\n`;
/** a forbid a reader sees on a line of its own, after the comment */
const hiding = (ch: string) => `${HEADER}permit p when a > 0 // note${ch}forbid f when a > 5\n`;

const dir = tempDir("line-end-lookalikes");

describe("a character shown as a line end, after `//`", () => {
  it.each(LOOKALIKES)("ends the comment, and %s is refused there (W0105), by its code point", async (named, ch, escape) => {
    const text = hiding(ch);
    const r = await compilePolicy(text, { stopAfter: "check" });
    const at = text.indexOf(ch);
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.span.start, d.span.end])).toEqual([["W0105", "error", at, at + 1]]);
    const [d] = r.diagnostics;
    expect(d!.message).toBe(`this \`//\` comment ends at ${named}, which is read as no line end, though editors may show one there: the text after it is read as code`);
    expect(d!.help).toBe(`write a newline where the line should end, or remove it; a string can hold it as the escape \`${escape}\``);
    // the character is on the comment's line, where the compiler reads it
    expect(lineColOf(text, at)).toEqual({ line: 3, column: "permit p when a > 0 // note".length + 1 });
  });

  it.each(LOOKALIKES)("the comment token stops before %s, and the text after it is code", (_named, ch) => {
    const text = hiding(ch);
    const lexed = lex(text);
    expect(lexed.comments.map((c) => [c.image, c.startOffset])).toEqual([["// note", text.indexOf("//")]]);
    expect(lexed.tokens.map((t) => t.image).slice(-6)).toEqual(["forbid", "f", "when", "a", ">", "5"]);
  });

  it.each(LOOKALIKES)("writ check and writ eval refuse the policy with %s in a comment", async (named, ch) => {
    writeFileSync(join(dir, "p.writ"), hiding(ch));
    writeFileSync(join(dir, "r.json"), '{"a": 10, "s": ""}');
    const checked = await runWrit(["check", "p.writ"], dir);
    expect(checked.code).toBe(1);
    expect(checked.err).toContain(`p.writ:3:28: error[W0105]: this \`//\` comment ends at ${named}`);
    const evaluated = await runWrit(["eval", "p.writ", "--input", "r.json"], dir);
    expect(evaluated.code).toBe(1);
    expect(evaluated.out).not.toContain("allow");
    expect(evaluated.err).toContain("error[W0105]");
  });

  it.each(LOOKALIKES)("writ fmt refuses a file with %s after a comment, and leaves it as it is", async (_named, ch) => {
    const text = hiding(ch);
    writeFileSync(join(dir, "f.writ"), text);
    const r = await runCommand(fmtCommand, ["f.writ", "--write"], dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain("W0105");
    expect(readFileSync(join(dir, "f.writ"), "utf8")).toBe(text);
  });

  it("is refused after a comment in the input block, prose following it", async () => {
    const text = `${HEADER.replace("a: int,", "a: int, // count\u2028of items\n")}permit p when a > 0\n`;
    const r = await compilePolicy(text, { stopAfter: "check" });
    expect(r.diagnostics[0]).toMatchObject({ code: "W0105", span: { start: text.indexOf("\u2028") } });
  });
});

describe("elsewhere", () => {
  it.each(LOOKALIKES)("%s in a string literal is part of the string, as before", async (_named, ch) => {
    const text = `${HEADER}permit p when s == "x${ch}y"\n`;
    const r = await compilePolicy(text, { stopAfter: "check" });
    expect(r.diagnostics).toEqual([]);
    writeFileSync(join(dir, "s.writ"), text);
    writeFileSync(join(dir, "s.json"), JSON.stringify({ a: 0, s: `x${ch}y` }));
    const evaluated = await runWrit(["eval", "s.writ", "--input", "s.json"], dir);
    expect(evaluated.code).toBe(0);
    expect(JSON.parse(evaluated.out)).toMatchObject({ decision: "allow", rules: ["p"] });
  });

  it.each(LOOKALIKES.slice(0, 4))("%s between tokens is refused, named by its code point", async (named, ch, escape) => {
    const text = `${HEADER}permit p when a > 0${ch}forbid f when a > 5\n`;
    const r = await compilePolicy(text, { stopAfter: "check" });
    const at = text.indexOf(ch);
    expect(r.diagnostics.map((d) => [d.code, d.span.start, d.message, d.help])).toEqual([
      ["W0105", at, `unexpected character \`${ch}\`: ${named} is read as no line end, though editors may show one there`, `write a newline where the line should end, or remove it; a string can hold it as the escape \`${escape}\``],
    ]);
  });

  it("a form feed between tokens stays white space (CEL's), and one on a line of its own after a comment too", async () => {
    const text = `${HEADER}\f\n// section\n\f\npermit p when a > 0\fforbid f when a > 5\n`;
    const r = await compilePolicy(text, { stopAfter: "check" });
    expect(r.diagnostics).toEqual([]);
  });

  it("a comment ending at a newline keeps everything up to it", () => {
    const lexed = lex(`// a\u00a0b \u200b c\r\nx`);
    expect(lexed.comments.map((c) => c.image)).toEqual(["// a\u00a0b \u200b c"]);
  });
});
