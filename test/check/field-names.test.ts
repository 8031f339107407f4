// A top-level field of the schema is read by its bare name, so a field named with a reserved word
// (`input`, `in`, `if`) could never be read, while every request still had to carry it: the checker
// refuses it, on the name, saying why and what to do. Nested fields are read after `.`, where any
// name goes, and stay allowed.

import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { CEL_RESERVED, isIdentName } from "../../compiler/syntax/lexer.js";

const policy = (schema: string, condition = "n == 1") => `policy "p" version "1"\ninput { ${schema} }\npermit p when ${condition}\n`;
const WRIT_KEYWORDS = ["policy", "input", "let", "permit", "forbid", "when", "test", "true", "false", "null", "in"];

describe("top-level field names", () => {
  it.each([...WRIT_KEYWORDS, ...CEL_RESERVED])("refuses a top-level field named `%s` with W0207 on the name", async (name) => {
    const text = policy(`n: int, ${name}: int`);
    const r = await compilePolicy(text, { stopAfter: "cost" });
    const d = r.diagnostics.filter((x) => x.code === "W0207");
    expect(d).toHaveLength(1);
    expect(d[0]!.severity).toBe("error");
    expect(text.slice(d[0]!.span.start, d[0]!.span.end)).toBe(name);
    expect(d[0]!.message).toBe(`top-level field \`${name}\` could never be read: a condition reads a top-level field by its bare name, and \`${name}\` is a reserved word`);
    expect(d[0]!.help).toContain("rename it");
    expect(d[0]!.help).toContain(`read as \`meta.${name}\``);
  });

  it("refuses an optional one and one holding a record, and reports each", async () => {
    const r = await compilePolicy(policy("n: int, input: { version: int }, if?: string"), { stopAfter: "cost" });
    expect(r.diagnostics.map((d) => d.code)).toEqual(["W0207", "W0207"]);
  });

  it("takes reserved words as nested fields, read after `.`", async () => {
    const text = policy("n: int, meta: { input: { version: int }, in: int, if?: bool }", "meta.input.version == 1 && meta.in > 0 && !has(meta.if)");
    const r = await compilePolicy(text, { stopAfter: "cost" });
    expect(r.diagnostics).toEqual([]);
  });

  it("takes contextual keywords and names that merely start with a keyword as top-level fields", async () => {
    const r = await compilePolicy(policy("n: int, version: int, by: int, inputs: int, iffy: int", "version + by + inputs + iffy == n"), { stopAfter: "cost" });
    expect(r.diagnostics).toEqual([]);
  });

  it("asks the lexer what an identifier is", () => {
    expect(["n", "_x", "version", "invalid", "inputs", "size"].every(isIdentName)).toBe(true);
    expect(["input", "in", "if", "true", "", "a b", "a-b", "a//", "9a"].some(isIdentName)).toBe(false);
  });
});
