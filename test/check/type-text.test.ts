// A type as a message writes it is bounded whatever the schema: the first record it reaches shows
// its fields (ten at most, each name cut), a record inside that one is `{ … }`, and the whole is cut
// after MAX_TYPE_TEXT. A record type of ten 80-character fields three levels deep printed whole took
// 95 KB, in each of the 50,000 messages of one rule, and the check ran out of memory.

import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { MAX_TYPE_TEXT, typeToString } from "../../compiler/check/types.js";
import type { IRType } from "../../compiler/ir/ir.js";

const name = (n: number): string => `f${n}_`.padEnd(80, "x");

/** A record `depth` levels deep of `width` fields of 80-character names, ints at the bottom. */
function deepRecord(depth: number, width: number, next = { n: 0 }): string {
  if (depth === 0) return "int";
  return `{ ${Array.from({ length: width }, () => `${name(++next.n)}: ${deepRecord(depth - 1, width, next)}`).join(", ")} }`;
}

const record = (fields: Record<string, IRType>): IRType => ({ kind: "record", fields: Object.entries(fields).map(([n, type]) => ({ name: n, optional: false, type })) });
const INT: IRType = { kind: "int" };

describe("a type in a message", () => {
  it("shows the fields of the first record it reaches, and a record inside that one as { … }", () => {
    const inner = record({ b: INT });
    expect(typeToString(record({ a: inner, l: { kind: "list", element: inner } }))).toBe("{ a: { … }, l: list<{ … }> }");
    expect(typeToString({ kind: "list", element: record({ a: inner }) })).toBe("list<{ a: { … } }>");
    expect(typeToString({ kind: "map", value: record({ x: INT }) })).toBe("map<string, { x: int }>");
    expect(typeToString(record({ a: record({}) }))).toBe("{ a: {  } }");
  });

  it("is cut after MAX_TYPE_TEXT characters, ending with …", () => {
    const wide = record(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [name(i), { kind: "list", element: { kind: "map", value: INT } }])));
    const text = typeToString(wide);
    expect(text.length).toBe(MAX_TYPE_TEXT);
    expect(text.endsWith("…")).toBe(true);
    expect(text.startsWith(`{ ${name(0)}: list<map<string, int>>, ${name(1)}`)).toBe(true);
  });

  it("is not cut in the middle of an escaped character of a name", () => {
    // names of control characters, shown escaped: `\u0001`, six characters each
    const escaped = record({ ["\u0001".repeat(80)]: INT, ["\u0002".repeat(80)]: INT });
    const text = typeToString(escaped);
    expect(text.length).toBeLessThanOrEqual(MAX_TYPE_TEXT);
    expect(text).toMatch(/^\{ (\\u0001)+: int, (\\u0002)+…$/);
  });

  it("keeps every message about a deep, wide record short, in each of a rule's 2,000 uses of it", async () => {
    const uses = 2_000;
    const source = `policy "t" version "1"\ninput { p: ${deepRecord(3, 10)} }\npermit r when [${Array(uses).fill("p + 1").join(", ")}].size() > 0\n`;
    const r = await compilePolicy(source, { stopAfter: "check" });
    expect(r.diagnostics).toHaveLength(uses);
    const message = r.diagnostics[0]!.message;
    expect(message.startsWith(`no overload of \`+\` for (\`{ ${name(1)}: { … }, ${name(112)}: { … }`)).toBe(true);
    expect(message.endsWith("…`, `int`)")).toBe(true);
    expect(Math.max(...r.diagnostics.map((d) => d.message.length))).toBeLessThanOrEqual(MAX_TYPE_TEXT + 40);
  });
});
