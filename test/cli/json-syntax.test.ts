// Placing a JSON syntax error: the scanner finds the first character that cannot be there, for the
// errors V8 gives no position for, and agrees with JSON.parse on what is JSON and, where V8 names a
// position, on that position.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonSyntaxErrorOffset } from "../../cli/json-syntax.js";

describe("jsonSyntaxErrorOffset", () => {
  it("points at the character V8 reports without a position", () => {
    expect(jsonSyntaxErrorOffset('{"x":[1,]}')).toBe(8); // the ] after a trailing comma
    expect(jsonSyntaxErrorOffset('{"name":True}')).toBe(8); // Python's True
    expect(jsonSyntaxErrorOffset("{'id':1}")).toBe(1); // single quotes
    expect(jsonSyntaxErrorOffset('{"a":1,}')).toBe(7);
    expect(jsonSyntaxErrorOffset('{"a":tru}')).toBe(8);
    expect(jsonSyntaxErrorOffset('{"a":"\\x"}')).toBe(7); // a bad escape: the character after the backslash
    expect(jsonSyntaxErrorOffset("[01]")).toBe(2);
    expect(jsonSyntaxErrorOffset("[1.]")).toBe(3);
    expect(jsonSyntaxErrorOffset('{"a":1} x')).toBe(8);
    expect(jsonSyntaxErrorOffset('{"a":1')).toBe(6); // the end
    expect(jsonSyntaxErrorOffset("")).toBe(0);
    expect(jsonSyntaxErrorOffset("\uFEFF{}")).toBe(0);
  });
  it("finds nothing wrong in JSON, nested however deep", () => {
    expect(jsonSyntaxErrorOffset(' {"a": [1, -2.5e+3, "\\u00e9\\n", true, false, null, {}, []]} ')).toBeUndefined();
    const deep = "[".repeat(1_000_000) + "]".repeat(1_000_000);
    expect(jsonSyntaxErrorOffset(deep)).toBeUndefined();
    expect(jsonSyntaxErrorOffset(deep + ",")).toBe(deep.length);
  });
  it("agrees with JSON.parse on what is JSON, and on where the error is whenever V8 says", () => {
    const alphabet = fc.constantFrom(..."{}[]:,\"\\ \n\t01-.eE+tfnrulsax'A\u0001".split(""));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 14 }).map((a) => a.join("")), (text) => {
        let position: number | undefined;
        let valid = true;
        try {
          JSON.parse(text);
        } catch (e) {
          valid = false;
          const m = /at position (\d+)/.exec((e as Error).message);
          if (m !== null) position = Number(m[1]);
        }
        const offset = jsonSyntaxErrorOffset(text);
        expect(offset === undefined).toBe(valid);
        if (position !== undefined) expect(offset).toBe(position);
      }),
      { numRuns: 20_000 },
    );
  });
});
