// Messages for names a condition or constant cannot use: each says what is wrong with the name as
// written, not what it resembles.

import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";

const head = `policy "n" version "1"\ninput { a: int, l: list<int>(4), s: string(8), r: { t: list<int>(4) } }\n`;
const found = async (text: string) =>
  (await compilePolicy(`${head}${text}`, { stopAfter: "check" })).diagnostics.map((d) => `${d.code} ${d.message}${d.help ? ` (${d.help})` : ""}`);

describe("a constant's value", () => {
  it("that uses the constant itself says so", async () => {
    expect(await found("let K = K + 1\npermit p when a == 1\n")).toEqual([
      "W0204 constant `K` refers to itself (a constant may use only the constants declared before it)",
    ]);
  });

  it("that uses a constant declared after it says so", async () => {
    expect(await found("let L = M\nlet M = 2\npermit p when a == M\n")).toEqual([
      "W0204 constant `M` is declared after `L` (a constant may use only the constants declared before it: declare `M` first)",
    ]);
    // one declared before it, under the same name too, is used as before
    expect(await found("let M = 1\nlet L = M\npermit p when a == L\n")).toEqual([]);
  });
});

describe("an unknown name", () => {
  it("is not offered a constant whose declaration failed", async () => {
    expect(await found("let K = K + 1\nlet AB = 1\npermit p when Kx == 1 && K == 1\n")).toEqual([
      "W0204 constant `K` refers to itself (a constant may use only the constants declared before it)",
      "W0204 unknown name `Kx` (names in scope: `AB`, `a`, `l`, `s`, `r`)",
    ]);
    expect(await found("let AB = q\npermit p when AC == 1\n")).toEqual(["W0204 unknown name `q`", "W0204 unknown name `AC` (names in scope: `a`, `l`, `s`, `r`)"]);
  });

  it("in a constant's value is not offered a field of the request, which a constant may not read", async () => {
    expect(await found("let B = 1\nlet C = aa + b\npermit p when a == 1\n")).toEqual(["W0204 unknown name `aa` (names in scope: `B`)", "W0204 unknown name `b` (did you mean `B`?)"]);
  });
});
