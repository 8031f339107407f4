// Lists of requests (`writ bench --requests`, `writ audit verify --requests`): a JSON array or JSON
// Lines, read as strictly as the one request of `eval` is. Each JSON Lines line is one JSON text and
// is checked on its own.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readRequestList } from "../../cli/commands/request-json.js";
import type { CliIO } from "../../cli/io.js";
import { jsonAmbiguity } from "../../runtime/json-ambiguity.js";
import { tempDir } from "../support/temp-dir.js";

const dir = tempDir("request-lists");

function io(stdin = ""): CliIO {
  return { cwd: dir, out: () => {}, err: () => {}, readStdin: async () => stdin };
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
    expect(await list('{"context":{}}\n["x"]\n')).toEqual({ ok: true, values: [{ context: {} }, ["x"]] });
    expect(await list('{}\n"x"\n')).toEqual({ ok: true, values: [{}, "x"] });
    expect(await list('{}\n{"a": 1}\n')).toEqual({ ok: true, values: [{}, { a: 1 }] });
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
});
