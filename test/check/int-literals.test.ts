// An integer literal outside int64 is quoted as it was written, not as its decimal value.

import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";

const said = async (condition: string) =>
  (await compilePolicy(`policy "d" version "1"\ninput { n: int }\npermit p when ${condition}\n`, { stopAfter: "check" })).diagnostics.map((d) => `${d.code} ${d.message}`);

describe("an integer literal outside the int64 range", () => {
  it("is quoted as written: hexadecimal, with its leading zeros, negated", async () => {
    expect(await said("n == 0x8000000000000000")).toEqual(["W0304 integer literal `0x8000000000000000` is outside the int64 range"]);
    expect(await said("n == 09223372036854775808")).toEqual(["W0304 integer literal `09223372036854775808` is outside the int64 range"]);
    expect(await said("n == -0x8000000000000001")).toEqual(["W0304 integer literal `-0x8000000000000001` is outside the int64 range"]);
    // a decimal one, as before
    expect(await said("n == 9223372036854775808")).toEqual(["W0304 integer literal `9223372036854775808` is outside the int64 range"]);
    expect(await said("n == -9223372036854775809")).toEqual(["W0304 integer literal `-9223372036854775809` is outside the int64 range"]);
    // and the most negative int, written either way, is one
    expect(await said("n == -0x8000000000000000 || n == -9223372036854775808")).toEqual([]);
  });
});
