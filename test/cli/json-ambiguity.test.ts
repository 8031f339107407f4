// Request files the CLI reads: JSON.parse silently keeps the last of two members with one name and
// rounds integers beyond 2^53. The CLI refuses both, naming where; everything else reads as before.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonAmbiguity } from "../../runtime/json-ambiguity.js";

// JSON values whose numbers are exact (safe integers, or numbers with a fraction) and whose strings
// hold what could mislead a scanner: quotes, backslashes, braces, brackets, commas, digits, minus signs
const tricky = fc.string({ unit: fc.constantFrom(..."\"\\{}[],:-0123456789aé😀\n\u0000") });
const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: "small" },
    fc.boolean(),
    fc.constant(null),
    fc.maxSafeInteger(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)),
    tricky,
    fc.array(tie("v"), { maxLength: 4 }),
    fc.dictionary(tricky, tie("v"), { maxKeys: 4 }),
  ),
})).v;

describe("jsonAmbiguity", () => {
  it("finds nothing in JSON a JS value serialises to, whatever its strings hold", () => {
    fc.assert(fc.property(value, (v) => jsonAmbiguity(JSON.stringify(v, null, v === null ? 0 : 1)) === undefined), { numRuns: 2000 });
  });

  it.each([
    ['{"a": 1, "a": 2}', "1:10", '"a"'],
    ['{"a": {"b": 1, "c": {"b": 2}}, "x": [{"k": 1}, {"k": 2, "k": 3}]}', "1:57", '"k"'],
    ['{"a\\"}": 1, "a\\"}": 2}', "1:13", '"a\\"}"'],
    ['{"\\u0061": 1, "a": 2}', "1:15", '"a"'], // the same name once JSON's escapes are read
    ['{"ok": 1}\n{"x": 1,\n "x": 2}', "3:2", '"x"'],
  ])("names a member that appears twice: %s", (text, at, name) => {
    JSON.parse(text.split("\n")[0]!);
    expect(jsonAmbiguity(text)).toBe(`${at}: the member ${name} appears twice in one object (JSON.parse keeps the last; other readers may keep the first)`);
  });

  it("names a member that appears twice on one line, cut, whatever characters its name holds", () => {
    const name = `a\u2028\u202e\u200b${"b".repeat(100)}`;
    const text = `{${JSON.stringify(name)}: 1, ${JSON.stringify(name)}: 2}`;
    expect(jsonAmbiguity(text)).toBe(`1:${text.lastIndexOf('"a') + 1}: the member "a\\u2028\\u202e\\u200b${"b".repeat(59)}…" appears twice in one object (JSON.parse keeps the last; other readers may keep the first)`);
  });

  it("names an integer JSON.parse would round, and leaves exact ones alone", () => {
    expect(jsonAmbiguity('{"amount": 9007199254740993}')).toBe(
      "1:12: the integer 9007199254740993 is beyond ±(2^53 − 1), where JSON numbers stop being exact (it would be read as 9007199254740992)",
    );
    expect(jsonAmbiguity('[-9007199254740993]')).toMatch(/^1:2: the integer -9007199254740993/);
    expect(jsonAmbiguity("[9007199254740992]")).toBe("1:2: the integer 9007199254740992 is beyond ±(2^53 − 1), where JSON numbers stop being exact (its neighbours read as it)");
    expect(jsonAmbiguity('{"a": 9007199254740991, "b": -9007199254740991, "e": "9007199254740993", "f": 9007199254740991.0}')).toBeUndefined();
  });

  it("names a fraction or exponent beyond ±(2^53 − 1) or beyond any number: two of them would read as one", () => {
    expect(jsonAmbiguity('{"trust": 9007199254740993.0}')).toBe("1:11: the number 9007199254740993.0 is beyond ±(2^53 − 1), where JSON numbers stop being exact; it would be read as 9007199254740992");
    expect(jsonAmbiguity("[1e16]")).toMatch(/^1:2: the number 1e16 is beyond/);
    expect(jsonAmbiguity("[12345678901234567.5]")).toMatch(/^1:2: the number 12345678901234567.5 is beyond/);
    expect(jsonAmbiguity("[0, -1e400]")).toBe("1:5: the number -1e400 is beyond ±(2^53 − 1), where JSON numbers stop being exact; it would be read as -Infinity");
  });

  it("names a fraction or exponent JSON.parse would round onto an integer, and leaves exact ones alone", () => {
    expect(jsonAmbiguity('{"trust": 1.9999999999999999}')).toBe("1:11: the number 1.9999999999999999 is not exactly a JSON number; it would be read as the integer 2");
    expect(jsonAmbiguity("[2.0000000000000001]")).toMatch(/^1:2: the number 2.0000000000000001 /);
    expect(jsonAmbiguity("[1e-400]")).toMatch(/would be read as the integer 0/);
    expect(jsonAmbiguity("[-1.00000000000000001e2]")).toMatch(/would be read as the integer -100/);
    // exactly integers, or not integers at all (the validator refuses those)
    expect(jsonAmbiguity('[2.0, 1e2, -2.50e1, 0e99999, 0.5, 1.5e1, 120e-1, 0.1]')).toBeUndefined();
  });
});
