// A key the request chose (an unknown field, a map key) as a denial quotes it: cut, and with control,
// line-separator, zero-width and bidirectional characters and lone surrogates escaped, in the message
// and the path alike, by every validator and every path a request is denied on. Text holding a lone
// surrogate has no UTF-8 form: a denial quoting one raw could be neither written out nor signed.

import { beforeAll, describe, expect, it } from "vitest";
import type { RequestError } from "../../runtime/decision.js";
import { loadPolicy } from "../../runtime/policy.js";
import type { DecidingPolicy } from "../../runtime/policy-types.js";
import { compilePortableRequestCheck, compileRequestCheck, pollutionError, readValidRequest } from "../../runtime/request.js";
import type { RecordType } from "../../runtime/schema.js";
import { escapeControls } from "../../runtime/thrown.js";
import { canonicalJson } from "../../runtime/trust/jcs.js";
import { authorize, createSigner, generateKeyPair, verifyArtifact } from "../../runtime/trust/index.js";
import { compiledBundle } from "../support/compiled-bundle.js";

const schema: RecordType = {
  kind: "record",
  fields: [
    { name: "r", optional: false, type: { kind: "record", fields: [{ name: "a", optional: true, type: { kind: "int" } }] } },
    { name: "m", optional: true, type: { kind: "map", max: 4, keyMax: 8, value: { kind: "int" } } },
  ],
};

const validators: [string, (request: unknown) => RequestError | undefined][] = [
  ["the generated validator", compileRequestCheck(schema)],
  ["the portable validator", compilePortableRequestCheck(schema)],
];

/** What a message or a path may not hold: a lone surrogate, or a character escapeControls escapes. */
const UNESCAPED = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe.each(validators)("%s", (_, check) => {
  it('shows the unknown key "a\\uD800b" as a\\ud800b, in the message and the path', () => {
    expect(check({ r: {}, "a\uD800b": 1 })).toEqual({ rule: null, code: "invalid_request", message: "a\\ud800b: unknown field `a\\ud800b`", path: "a\\ud800b" });
    // a low surrogate alone, and one of a pair whose other half is missing, below a field
    expect(check({ r: { "\uDC00x\uD83D": 1 } })).toMatchObject({ message: "r.\\udc00x\\ud83d: unknown field `\\udc00x\\ud83d`", path: "r.\\udc00x\\ud83d" });
    // a pair is one character, shown as it is
    expect(check({ r: { "a\uD83D\uDE00": 1 } })).toMatchObject({ path: "r.a\uD83D\uDE00" });
  });

  it("escapes a line end, a line separator and a bidirectional override in an unknown key and a map key", () => {
    expect(check({ r: { "x\u2028y\n": 1 } })).toMatchObject({ message: "r.x\\u2028y\\u000a: unknown field `x\\u2028y\\u000a`", path: "r.x\\u2028y\\u000a" });
    expect(check({ r: {}, m: { "\u202e": "s" } })).toMatchObject({ message: 'm["\\u202e"]: expected int, got a string', path: 'm["\\u202e"]' });
    expect(check({ r: {}, m: { "a\uD800b": 1 } })).toMatchObject({ message: 'm["a\\ud800b"]: key: string is not well-formed Unicode (lone surrogate)', path: 'm["a\\ud800b"]' });
  });

  it("cuts a long key before it escapes it, and never leaves half a pair", () => {
    const key = "\uD800".repeat(100);
    const error = check({ r: {}, [key]: 1 })!;
    expect(error.path).toBe(`${"\\ud800".repeat(62)}…`);
    expect(error.message).not.toMatch(UNESCAPED);
  });
});

describe("keys the request chose elsewhere", () => {
  it("are escaped in the path of a member that could not be read, below an unknown key", () => {
    const request = { r: {}, ["a\uD800b"]: { get x() { throw new Error("no"); } } };
    const read = readValidRequest(request, compileRequestCheck(schema), schema);
    expect(read).toMatchObject({ ok: false, error: { path: "a\\ud800b.x", message: "request could not be read at a\\ud800b.x: no" } });
  });

  it("are escaped where a planted prototype property is named", () => {
    expect(pollutionError("a\uD800b\n").message).toContain("property `a\\ud800b\\u000a`");
  });

  it("are escaped in the path of a value canonical JSON refuses", () => {
    expect(canonicalJson({ "\u2028x": { a: undefined } })).toEqual({ ok: false, reason: "undefined is not JSON", path: '["\\u2028x"].a' });
    // a key with a lone surrogate is refused for it, at a path that holds none
    expect(canonicalJson({ "\u2028x": { "a\uD800": 1 } })).toEqual({ ok: false, reason: "string contains a lone surrogate (not I-JSON)", path: '["\\u2028x"]["a\\ud800"]' });
  });

  it("escapeControls leaves text without such characters as it is, and escaped text unchanged", () => {
    const text = "plain \uD83D\uDE00 text, é";
    expect(escapeControls(text)).toBe(text);
    expect(escapeControls(escapeControls("a\uD800\n"))).toBe("a\\ud800\\u000a");
  });
});

describe("a compiled policy", () => {
  let policy: DecidingPolicy;
  beforeAll(async () => {
    policy = await loadPolicy(await compiledBundle(), { allowUnsigned: true });
  });
  const request = { principal: { role: "admin" }, amount: 10, "a\uD800b": 1 };

  it("denies a request with the unknown key \"a\\uD800b\" naming it escaped", () => {
    expect(policy.decide(request).errors).toEqual([{ rule: null, code: "invalid_request", message: "a\\ud800b: unknown field `a\\ud800b`", path: "a\\ud800b" }]);
  });

  it("authorize issues a signed deny for it that verifies, rather than throwing", () => {
    const issuer = generateKeyPair();
    const { artifact, decision } = authorize(policy, request, { signer: createSigner(issuer) });
    expect(decision).toMatchObject({ decision: "deny", errors: [{ code: "invalid_request", path: "a\\ud800b" }] });
    expect(verifyArtifact(artifact, { trustedKeys: [issuer.publicKey] })).toMatchObject({ ok: true });
  });
});
