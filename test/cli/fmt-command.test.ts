// `writ fmt` and the commands that read a policy file never change a file's meaning or bytes behind
// the author's back: a file that is not UTF-8 is refused (it would compile U+FFFD, and `--write`
// would replace the original bytes), and a file whose canonical form would not parse (or would be
// longer than a policy may be) is left as it is.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { runWrit } from "../support/cli.js";
import { decodeUtf8 } from "../../cli/text-files.js";

const cwd = tempDir("fmt");

const run = (argv: string[]) => runWrit(argv, cwd);

describe("policy files as the CLI reads them", () => {
  it("refuses a policy that is not UTF-8, naming the line, and writes nothing", async () => {
    const bytes = Buffer.from('policy "p" version "1"\ninput { s: string }\n// caf\xe9\npermit r when s == "caf\xe9"\n', "latin1");
    writeFileSync(join(cwd, "latin1.writ"), bytes);
    for (const argv of [["check", "latin1.writ"], ["fmt", "latin1.writ", "--write"], ["compile", "latin1.writ", "-o", "out"]]) {
      const r = await run(argv);
      expect(r.code, argv.join(" ")).toBe(1);
      expect(r.err, argv.join(" ")).toContain("latin1.writ:3: not UTF-8 text");
    }
    expect(readFileSync(join(cwd, "latin1.writ")).equals(bytes)).toBe(true);
  });

  it("refuses an empty path (an unset variable) as a usage error, not as the working directory", async () => {
    writeFileSync(join(cwd, "ok.writ"), 'policy "p" version "1"\ninput { a: int }\npermit p when a == 1\n');
    for (const argv of [["check", ""], ["check", "ok.writ", ""], ["fmt", ""], ["fmt", "", "--write"], ["test", ""]]) {
      expect(await run(argv), JSON.stringify(argv)).toEqual({ code: 2, out: "", err: `writ ${argv[0]}: an empty path names no file or directory` });
    }
    // every other command whose argument is a path: a policy, a bundle directory, an artifact, a log
    const others = [
      ["compile", "", "-o", "out"],
      ["eval", "", "--input", "r.json"],
      ["bench", ""],
      ["authorize", "", "--input", "r.json", "--key", "k.jwk"],
      ["sign", "", "--key", "k.jwk"],
      ["verify", "", "--pub", "k.jwk"],
      ["replay", "", "--input", "r.json", "--bundle", "b"],
    ];
    for (const argv of others) {
      expect(await run(argv), JSON.stringify(argv)).toEqual({ code: 2, out: "", err: `writ ${argv[0]}: an empty path names no file or directory` });
    }
    expect(await run(["audit", "verify", ""])).toEqual({ code: 2, out: "", err: "writ audit: an empty path names no file or directory" });
  });

  it("names the line that is not UTF-8 as the policy's diagnostics count lines: a lone CR ends one", async () => {
    for (const [eol, name] of [["\r", "cr.writ"], ["\r\n", "crlf.writ"], ["\n", "lf.writ"]] as const) {
      const lines = ['policy "p" version "1"', "input { a: int }", "permit p when zz == 1 // \xff"];
      writeFileSync(join(cwd, name), Buffer.from(lines.join(eol) + eol, "latin1"));
      const r = await run(["check", name]);
      expect(r.err, JSON.stringify(eol)).toBe(`writ check: ${name}:3: not UTF-8 text`);
      // the same file with the byte made text: its diagnostic is on that line too
      writeFileSync(join(cwd, name), lines.join(eol).replace("\xff", "x") + eol);
      expect((await run(["check", name])).err, JSON.stringify(eol)).toContain(`${name}:3:15: error[W0204]: unknown name \`zz\``);
    }
  });

  it("counts lines of a request by LF alone, as its JSON messages do", () => {
    const bytes = Buffer.from('{"a":\r"\xff"}\n', "latin1");
    expect(decodeUtf8(bytes)).toEqual({ ok: false, line: 1 });
    expect(decodeUtf8(bytes, "lf-or-cr")).toEqual({ ok: false, line: 2 });
    expect(decodeUtf8(Buffer.from("a\r\nb\r\n\xff", "latin1"), "lf-or-cr")).toEqual({ ok: false, line: 3 });
  });

  it("places a diagnostic on line 1 of a file that opens with a byte-order mark where an editor shows it", async () => {
    const text = 'policy "p" versio "1"\ninput { a: int }\n';
    writeFileSync(join(cwd, "plain.writ"), text);
    writeFileSync(join(cwd, "bom.writ"), "\ufeff" + text);
    const plain = await run(["check", "plain.writ"]);
    const bom = await run(["check", "bom.writ"]);
    expect(plain.err).toContain("plain.writ:1:12: error[W0101]: expected `version`, found `versio`");
    expect(bom.err.replaceAll("bom.writ", "plain.writ")).toBe(plain.err);
  });

  it("leaves a file alone when its canonical form would not parse (parentheses near the nesting limit)", async () => {
    let condition = "f";
    // fmt parenthesises `&&` under `||` for readability: 51 levels of one pair each become 102
    for (let i = 0; i < 51; i++) condition = `f || f && (${condition})`;
    const text = `policy "p" version "1"\ninput { f: bool }\npermit r when ${condition}\n`;
    writeFileSync(join(cwd, "deep.writ"), text);
    expect((await run(["check", "deep.writ"])).code).toBe(0);
    const r = await run(["fmt", "deep.writ", "--write"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("its canonical form would not parse, so it is left as it is");
    expect(r.err).toContain("W0104");
    expect(readFileSync(join(cwd, "deep.writ"), "utf8")).toBe(text);
    expect((await run(["fmt", "deep.writ"])).out).toBe(""); // nothing printed either
  });

  it("leaves a file alone when its canonical form would be longer than a policy may be, saying why in terms of formatting", async () => {
    // 20,600 elements nested 98 deep: 61 KB on one line; formatted, one element a line indented
    // 200 spaces (4,120,000 of the 4,139,804 of indentation), just over the 4 MiB a policy may have
    let data = `[${Array(20_600).fill("0").join(", ")}]`;
    for (let i = 1; i < 98; i++) data = `[${data}]`;
    const text = `policy "p" version "1"\ninput { l: int }\npermit r\ntest "t" {\n  input { l: ${data} }\n  expect allow\n}\n`;
    writeFileSync(join(cwd, "wide.writ"), text);
    for (const argv of [["fmt", "wide.writ"], ["fmt", "wide.writ", "--write"]]) {
      expect(await run(argv), argv.join(" ")).toEqual({
        code: 1,
        out: "",
        err:
          "writ fmt: wide.writ: its canonical form would be 4,202,086 characters long, more than the 4,194,304 a policy may have (W0114), so the file is left as it is\n" +
          `  = help: the file is ${text.length.toLocaleString("en-US")} characters; formatted, 4,139,804 of its characters would be indentation. ` +
          "The canonical form puts each entry of a list or object too long for one line on a line of its own, indented two spaces for each level it is nested in: " +
          "nest long lists and objects less deep, or shorten them, or leave the file unformatted: as it is, it is within the limit",
      });
    }
    expect(readFileSync(join(cwd, "wide.writ"), "utf8")).toBe(text);
  });

  it("leaves a file alone when its canonical form would have more tokens than a policy may have, saying why", async () => {
    // 1,000 rules of 205 tokens; the canonical form parenthesises each of their 50 `&&` under `||`,
    // 100 tokens a rule more: 304,010 in all
    const condition = "f" + " || f && f".repeat(50);
    const text = `policy "p" version "1"\ninput { f: bool }\n` + Array.from({ length: 1000 }, (_, i) => `permit r${i} when ${condition}\n`).join("");
    writeFileSync(join(cwd, "parens.writ"), text);
    expect(await run(["fmt", "parens.writ", "--write"])).toEqual({
      code: 1,
      out: "",
      err:
        "writ fmt: parens.writ: its canonical form would have 304,010 tokens, more than the 300,000 a policy may have (W0114), so the file is left as it is\n" +
        "  = help: the canonical form adds tokens: parentheses around `&&` inside `||` and around a `?:` inside another expression, a comma after the last entry of a `let`'s list broken one entry a line, " +
        '  and `["…"]` for a quoted field name holding a character that cannot be seen: split the policy, or leave the file unformatted: as it is, it is within the limit'.slice(2),
    });
    expect(readFileSync(join(cwd, "parens.writ"), "utf8")).toBe(text);
  });

  it("says escapes, not indentation, grew a canonical form too long when they did", async () => {
    // 1,100,000 no-break spaces in one string, each written as its escape when formatted: no nesting
    const text = `policy "p" version "1"\ninput { s: string }\npermit r when s == "${"\u00a0".repeat(1_100_000)}"\n`;
    writeFileSync(join(cwd, "spaces.writ"), text);
    const r = await run(["fmt", "spaces.writ", "--write"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^writ fmt: spaces\.writ: its canonical form would be [\d,]+ characters long, more than the 4,194,304 a policy may have \(W0114\), so the file is left as it is\n/);
    expect(r.err).toContain("formatted, 6 of its characters would be indentation. The canonical form writes each character in a string that cannot be seen");
    expect(r.err).not.toContain("nest long lists");
    expect(readFileSync(join(cwd, "spaces.writ"), "utf8")).toBe(text);
  });

  it("refuses a file with no policy header (empty, white space, comments) as every command does, and leaves it alone", async () => {
    // `writ fmt p.writ > p.writ` reads the file the shell has just emptied
    for (const [name, text] of [["empty.writ", ""], ["blank.writ", "   \n\n"], ["notes.writ", "// notes\n"]] as const) {
      writeFileSync(join(cwd, name), text);
      const checked = await run(["check", name]);
      expect(checked.err, name).toMatch(new RegExp(`^${name}:1:1: error\\[W0201\\]: a policy starts with \`policy "name" version "x\\.y\\.z"\`\n`));
      for (const argv of [["fmt", name], ["fmt", name, "--write"]]) {
        const r = await run(argv);
        // the diagnostic check prints, without check's count of errors
        expect(r, argv.join(" ")).toEqual({ code: 1, out: "", err: checked.err.replace(/\n[^\n]*: 1 error, 0 warnings$/, "") });
        expect(r.err, argv.join(" ")).toContain("W0201");
        expect(readFileSync(join(cwd, name), "utf8"), argv.join(" ")).toBe(text);
      }
    }
  });
});

describe("writ fmt and an annotation on the line where the rule before it ends", () => {
  it("formats the file and says, on stderr, which rule the annotation goes to (W0703), the layout that showed it being gone after", async () => {
    const text = 'policy "p" version "1.0.0"\ninput { a: { x: int } }\n\nforbid too_big when a.x > 100 @severity("critical")\n\npermit small when a.x < 10\n';
    writeFileSync(join(cwd, "annotated.writ"), text);
    const r = await run(["fmt", "annotated.writ"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('@severity("critical")\npermit small when a.x < 10');
    expect(r.err).toContain("annotated.writ:4:31: warning[W0703]: `@severity` annotates the rule after it, `small`, not `too_big`");
    // formatted, the layout is fmt's own, and nothing is said
    writeFileSync(join(cwd, "formatted.writ"), r.out);
    const again = await run(["fmt", "formatted.writ"]);
    expect(again.code).toBe(0);
    expect(again.err).toBe("");
  });
});
