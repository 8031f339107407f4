// Lists of requests (`writ bench --requests`, `writ audit verify --requests`): a JSON array or JSON
// Lines, read as strictly as the one request of `eval` is. Each JSON Lines line is one JSON text and
// is checked on its own; around a request only JSON's whitespace is taken away, and anything else
// there (a BOM, a no-break space, U+2028, a vertical tab) is refused by line and column.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readRequestList, readRequestJson } from "../../cli/commands/request-json.js";
import type { CliIO } from "../../cli/io.js";
import { jsonAmbiguity } from "../../runtime/json-ambiguity.js";
import { writeBundle } from "../../runtime/trust/bundle-files.js";
import { compiledBundle } from "../support/compiled-bundle.js";
import { runWrit } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

const dir = tempDir("request-lists");

function io(stdin: string | Error = ""): CliIO {
  return {
    cwd: dir,
    out: () => {},
    err: () => {},
    readStdin: async () => {
      if (stdin instanceof Error) throw stdin;
      return stdin;
    },
  };
}

/** readRequestList of `text`, written to a file */
async function list(text: string) {
  writeFileSync(join(dir, "list.jsonl"), text);
  return readRequestList(io(), "list.jsonl");
}

describe("the ambiguity scan", () => {
  it("reads a string after an empty object as a value, not as a member name", () => {
    // an empty object closed with the scan still waiting for its first member name
    expect(jsonAmbiguity('[{}, "a"]')).toBeUndefined();
    expect(jsonAmbiguity('[{}, ["a", "a"]]')).toBeUndefined();
    expect(jsonAmbiguity('{"x": {}, "y": [], "x": 1}')).toBe('1:20: the member "x" appears twice in one object (JSON.parse keeps the last; other readers may keep the first)');
    expect(jsonAmbiguity('{}\n"x"')).toBeUndefined();
    expect(jsonAmbiguity('{"context":{}}\n["x"]')).toBeUndefined();
  });
});

describe("a list of requests as JSON Lines", () => {
  it("reads a line after one that ends in an empty object, whatever it starts with", async () => {
    expect(await list('{"context":{}}\n["x"]\n')).toEqual({ ok: true, values: [{ context: {} }, ["x"]], name: "list.jsonl", lines: [1, 2] });
    expect(await list('{}\n"x"\n')).toEqual({ ok: true, values: [{}, "x"], name: "list.jsonl", lines: [1, 2] });
    expect(await list('{}\n{"a": 1}\n')).toEqual({ ok: true, values: [{}, { a: 1 }], name: "list.jsonl", lines: [1, 2] });
  });

  it("scans each line on its own, and places what it finds by line and column", async () => {
    expect(await list('{"a": 1}\n  {"b": 1, "b": 2}\n')).toEqual({
      ok: false,
      message: 'list.jsonl:2:12: the member "b" appears twice in one object (JSON.parse keeps the last; other readers may keep the first)',
    });
    expect(await list('{"a": {}}\r\n\t[9007199254740993]\r\n')).toEqual({
      ok: false,
      message: "list.jsonl:2:3: the integer 9007199254740993 is beyond ±(2^53 − 1), where JSON numbers stop being exact (it would be read as 9007199254740992)",
    });
  });

  it("takes only JSON's whitespace around a request or as a blank line, and says which line each request is on", async () => {
    expect(await list(' \t{"a": 1}\r\n\r\n \t \n[2]\t\r\n')).toEqual({ ok: true, values: [{ a: 1 }, [2]], name: "list.jsonl", lines: [1, 4] });
    // a JSON array: its requests are its elements, on whatever lines
    expect(await list(' \n\t[{"a": 1}]\r\n')).toEqual({ ok: true, values: [{ a: 1 }], name: "list.jsonl" });
  });

  it("counts runs of blank lines in the line it names", async () => {
    expect(await list('\n\n{"a": 1}\n\n\n')).toEqual({ ok: true, values: [{ a: 1 }], name: "list.jsonl", lines: [3] });
    expect(await list('\n\n\n{"a": 1}\r\n\n\n{"b":\n\n')).toEqual({ ok: false, message: expect.stringMatching(/^list\.jsonl:7:6: not valid JSON: /) });
    expect(await list("\n\n\n")).toEqual({ ok: false, message: "list.jsonl: no requests (expected a JSON array or JSON Lines)" });
    // in a JSON array, the line and column of the fault, V8 naming its position or not
    expect(await list("[\n1,\n\n\n  ]\n\n")).toEqual({ ok: false, message: expect.stringMatching(/^list\.jsonl:5:3: not a valid JSON array: /) });
    expect(await list("\n\n[1,2")).toEqual({ ok: false, message: expect.stringMatching(/^list\.jsonl:3:5: not a valid JSON array: /) });
    expect(await list("\n[1,\n]")).toEqual({ ok: false, message: expect.stringMatching(/^list\.jsonl:3:1: not a valid JSON array: /) });
  });

  it.each([
    ["a BOM", "\uFEFF", "a byte-order mark (U+FEFF)"],
    ["a no-break space", "\u00A0", "a no-break space (U+00A0)"],
    ["a vertical tab", "\u000B", "a vertical tab (U+000B)"],
    ["a form feed", "\u000C", "a form feed (U+000C)"],
    ["U+2028", "\u2028", "a line separator (U+2028)"],
    ["an em space", "\u2003", "a typographic space (U+2003)"],
  ])("refuses %s before a request, as eval does, or on a line of its own, by line and column, and names it", async (_, c, named) => {
    const request = '{"a": 1}';
    const first = await list(`${c}${request}\n`);
    expect(first.ok).toBe(false);
    expect(!first.ok && first.message).toMatch(/^list\.jsonl:1:1: not valid JSON: /);
    // V8 quotes a character that may not show: the message says what it is
    const says = `; the character there is ${named}, which JSON does not take for whitespace (only space, tab, line feed and carriage return)${c === "\uFEFF" ? ": save the file as UTF-8 without one" : ""}`;
    expect(!first.ok && first.message).toContain(says + AS_LINES);
    // the same refusal as for a single request
    writeFileSync(join(dir, "one.json"), `${c}${request}`);
    const one = await readRequestJson(io(), "one.json");
    expect(!first.ok && first.message).toBe(!one.ok && `list.jsonl${one.message.slice("one.json".length)}${AS_LINES})`);
    const indented = await list(`${request}\n  ${c}${request}\n`);
    expect(!indented.ok && indented.message).toMatch(/^list\.jsonl:2:3: not valid JSON: /);
    const alone = await list(`${request}\n${c}\n${request}\n`);
    expect(!alone.ok && alone.message).toMatch(/^list\.jsonl:2:1: not valid JSON: /);
    // before an array as before an object: it is no array then, and line 1 is not JSON
    const array = await list(`${c}[${request}]`);
    expect(!array.ok && array.message).toMatch(/^list\.jsonl:1:1: not valid JSON: /);
    // inside an array, where it is refused as no array
    const inside = await list(`[${request},${c}${request}]`);
    expect(!inside.ok && inside.message).toMatch(new RegExp(`^list\\.jsonl:1:11: not a valid JSON array: .*${says.replace(/[()+.]/g, "\\$&")}$`));
  });

  it("names no character where the fault is not one that looks like a space", async () => {
    const r = await list('{"a": 1,}\n');
    expect(!r.ok && r.message).not.toContain("the character there is");
  });
});

/** What a list's refusal of a line says it was read as (a text not starting with `[`). */
const AS_LINES = " (read as JSON Lines, one request per line, since it does not start with `[`";

describe("a list that is not JSON Lines", () => {
  const request = { principal: { role: "admin" }, amount: 10 };

  beforeAll(async () => {
    writeBundle(join(dir, "bundle"), await compiledBundle());
    writeFileSync(join(dir, "empty.jsonl"), "");
  }, 60_000);

  it("one request written over several lines, as --input takes it: bench and audit say it was read as JSON Lines, and that it is one object", async () => {
    writeFileSync(join(dir, "pretty.json"), `${JSON.stringify(request, null, 2)}\n`);
    // JSON.parse's own words (V8's, which vary with its version) between the place and the reading
    const why = (command: string) => new RegExp(`^writ ${command}: pretty\\.json:1:2: not valid JSON: [^\\n]+ \\(read as JSON Lines, one request per line, since it does not start with \`\\[\`: the whole text is one JSON object, a request written over several lines; put it on one line, or in a JSON array\\)$`);
    expect(await runWrit(["bench", "bundle", "--requests", "pretty.json"], dir)).toMatchObject({ code: 1, out: "", err: expect.stringMatching(why("bench")) });
    expect(await runWrit(["audit", "verify", "empty.jsonl", "--replay", "bundle", "--requests", "pretty.json"], dir)).toMatchObject({ code: 1, out: "", err: expect.stringMatching(why("audit")) });
    // on one line it is a list of one request
    const one = await list(`${JSON.stringify(request)}\n`);
    expect(one).toEqual({ ok: true, values: [request], name: "list.jsonl", lines: [1] });
  });

  it("several requests over several lines each: said to be read as JSON Lines", async () => {
    const r = await list(`${JSON.stringify(request, null, 2)}\n${JSON.stringify(request, null, 2)}\n`);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(/^list\.jsonl:1:2: not valid JSON: .*\(read as JSON Lines, one request per line, since it does not start with `\[`\)$/);
  });
});

describe("standard input that cannot be read", () => {
  it("is named as standard input, as a file is named, whatever read(2) said", async () => {
    // what reading fd 0 throws when it is a directory (`writ eval --input - < somedir`)
    const directory = Object.assign(new Error("EISDIR: illegal operation on a directory, read"), { code: "EISDIR", errno: -21, syscall: "read" });
    expect(await readRequestJson(io(directory), "-")).toEqual({ ok: false, message: "standard input: is a directory" });
    expect(await readRequestList(io(directory), "-")).toEqual({ ok: false, message: "standard input: is a directory" });
    const broken = Object.assign(new Error("EIO: i/o error, read"), { code: "EIO", errno: -5, syscall: "read" });
    expect(await readRequestJson(io(broken), "-")).toEqual({ ok: false, message: "standard input: i/o error (EIO)" });
    // its own refusals name it already, and are passed on as they are
    expect(await readRequestJson(io(new Error("standard input is not UTF-8 text")), "-")).toEqual({ ok: false, message: "standard input is not UTF-8 text" });
  });
});
