// The scan that bounds a JSON text's nesting and values before JSON.parse builds it: it reads strings,
// escapes and member names as JSON.parse does, so brackets in strings and names do not count, places
// each refusal at the bracket or value that passes the bound, and stops where JSON.parse would.
// The library's readers of JSON from outside refuse a text nested past MAX_JSON_DEPTH unparsed: a
// statement's payload, a JWS header, a batched artifact.

import { describe, expect, it } from "vitest";
import { jsonTooDeep, MAX_JSON_DEPTH, scanJsonBounds } from "../../runtime/json-bounds.js";
import { base64urlEncode, utf8Encode } from "../../runtime/crypto/base64url.js";
import { parseBatchedArtifact } from "../../runtime/trust/batch-artifact.js";
import { parseCompact } from "../../runtime/trust/jws.js";
import { parseStatement } from "../../runtime/trust/statement.js";
import { verifyArtifact } from "../../runtime/trust/verify-artifact.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";

/** `levels` arrays, one inside the other */
const nested = (levels: number): string => "[".repeat(levels) + "]".repeat(levels);

describe("scanJsonBounds", () => {
  it("allows the levels it is given, and places the bracket one past them", () => {
    expect(scanJsonBounds(nested(5), { depth: 5 })).toEqual({ ok: true, values: 5, units: 1 });
    expect(scanJsonBounds(nested(6), { depth: 5 })).toEqual({ ok: false, fault: "depth", offset: 5, unit: 1 });
    // objects and arrays alike, white space between them
    expect(scanJsonBounds('{"a": {"b": [ {"c": [] } ]}}', { depth: 4 })).toEqual({ ok: false, fault: "depth", offset: 20, unit: 1 });
  });

  it("does not count brackets in strings or in member names, escaped quotes included", () => {
    const text = `{"[[[[": "]]]][[[[", "a\\"[[[": ["\\\\", "\\"{{{{"]}`;
    expect(JSON.parse(text)).toBeTruthy();
    expect(scanJsonBounds(text, { depth: 2 })).toEqual({ ok: true, values: 5, units: 1 });
  });

  it("counts every value, the containers among them, but no member name", () => {
    expect(scanJsonBounds('{"a": 1, "b": [true, null, "x", -1.5e3], "c": {}}', { depth: 3 })).toEqual({ ok: true, values: 8, units: 1 });
    // refused at the value past the bound
    expect(scanJsonBounds("[1, 2, 3]", { depth: 3, values: 3 })).toEqual({ ok: false, fault: "values", offset: 7, unit: 1 });
  });

  it("in a list, bounds each element on its own, and the elements together", () => {
    const list = '[{"a": [1]}, [[2]], 3]';
    // the list's own bracket is no level of an element's
    expect(scanJsonBounds(list, { depth: 2 }, 1)).toEqual({ ok: true, values: 7, units: 3 });
    expect(scanJsonBounds(list, { depth: 1 }, 1)).toEqual({ ok: false, fault: "depth", offset: 7, unit: 1 });
    expect(scanJsonBounds(list, { depth: 2, values: 3 }, 1)).toEqual({ ok: true, values: 7, units: 3 });
    expect(scanJsonBounds(list, { depth: 2, values: 2 }, 1)).toEqual({ ok: false, fault: "values", offset: 8, unit: 1 });
    expect(scanJsonBounds(list, { depth: 2, totalValues: 5 }, 1)).toEqual({ ok: false, fault: "totalValues", offset: 15, unit: 2 });
    expect(scanJsonBounds(list, { depth: 2, units: 2 }, 1)).toEqual({ ok: false, fault: "units", offset: 20, unit: 3 });
  });

  it("stops where JSON.parse stops: after the first value, or at what no JSON holds outside a string", () => {
    // what follows the value is JSON.parse's to refuse, however deep
    expect(scanJsonBounds(`[] ${nested(10)}`, { depth: 2 })).toEqual({ ok: true, values: 1, units: 1 });
    expect(scanJsonBounds(`1 ${nested(10)}`, { depth: 2 })).toEqual({ ok: true, values: 1, units: 1 });
    expect(scanJsonBounds(`[' ${nested(10)}`, { depth: 2 })).toEqual({ ok: true, values: 1, units: 1 });
    // a string that never closes holds the rest
    expect(scanJsonBounds(`["${nested(10)}`, { depth: 2 })).toEqual({ ok: true, values: 1, units: 1 });
  });
});

describe("jsonTooDeep", () => {
  it("allows MAX_JSON_DEPTH levels and places the bracket past them by line and column", () => {
    expect(jsonTooDeep(nested(MAX_JSON_DEPTH))).toBeUndefined();
    expect(jsonTooDeep(`{"a":\n  ${nested(MAX_JSON_DEPTH)}}`)).toEqual({
      offset: 8 + MAX_JSON_DEPTH - 1,
      at: `2:${2 + MAX_JSON_DEPTH}`,
      why: `arrays and objects nested more than ${MAX_JSON_DEPTH} levels deep`,
    });
  });
});

describe("the library's readers of JSON from outside", () => {
  const tooDeep = `{"a":${nested(MAX_JSON_DEPTH)}}`;
  const why = `arrays and objects nested more than ${MAX_JSON_DEPTH} levels deep`;

  it("refuse a statement's payload nested too deep", () => {
    expect(parseStatement(utf8Encode(tooDeep))).toEqual({ ok: false, message: `payload holds ${why} (at 1:${5 + MAX_JSON_DEPTH})` });
  });

  it("refuse a JWS header nested too deep, and an artifact with one, as malformed", () => {
    const token = `${base64urlEncode(utf8Encode(tooDeep))}.${base64urlEncode(utf8Encode("{}"))}.${base64urlEncode(new Uint8Array(64))}`;
    const message = `JWS header holds ${why} (at 1:${5 + MAX_JSON_DEPTH})`;
    expect(parseCompact(token, 1 << 20)).toEqual({ ok: false, message });
    const verified = verifyArtifact(token, { trustedKeys: [generateKeyPair().publicKey] });
    expect(verified).toEqual({ ok: false, code: "malformed", message });
  });

  it("refuse a batched artifact nested too deep", () => {
    expect(parseBatchedArtifact(`{"typ":${nested(MAX_JSON_DEPTH + 1)}}`)).toEqual({ ok: false, reason: `batched artifact holds ${why} (at 1:${7 + MAX_JSON_DEPTH})` });
  });
});
