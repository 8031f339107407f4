// The fast paths of authorization produce exactly what the general code produces, byte for byte:
// canonical JSON (fast path against the general serialiser, on random values including everything
// the serialiser refuses), the statement written in member order, the per-signer encoded header,
// digests of text against digests of its bytes, the Merkle tree built on hex, and whole artifacts
// and lineage links against a reconstruction from the general pieces on the portable (noble) path.

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { utf8Encode, bytesToHex } from "../../runtime/crypto/base64url.js";
import { blake2b512Bytes, blake2b512Hex, digestPair, sha3_512Bytes, sha3_512Hex } from "../../runtime/crypto/digest.js";
import { canonicalJson, canonicalJsonReference, canonicalize } from "../../runtime/trust/jcs.js";
import { buildStatement, canonicalStatement } from "../../runtime/trust/statement.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { signCompact } from "../../runtime/trust/jws.js";
import { authorize } from "../../runtime/trust/authorize.js";
import { buildTree, buildTreeText, leafHash, leafHashHexOfText } from "../../runtime/trust/merkle.js";
import type { Decision, DecisionError } from "../../runtime/decision.js";
import type { ChainHead } from "../../runtime/trust/types.js";
import { fakePolicy } from "./fake-policy.js";
import { withSampleSeed } from "../support/arbitraries/replay.js";

/** Any UTF-16 code units at all: quotes, controls, lone and paired surrogates, U+2028 ... */
const codeUnits = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 12 }).map((units) => String.fromCharCode(...units));
// Lone surrogates after characters that need escaping, and the reverse, are listed: random strings
// rarely hold both.
const text = fc.oneof(
  fc.string(),
  codeUnits,
  fc.constantFrom("", '"', "\\", "\u2028", "\ud83d\ude00", "\ud800", "a\udc00b", "\u001f", "\\ud800", "\u0000\ud800", '"\udc00', "\\\ud800x", "\ud800\n", "\n\ud83d\ude00"),
);

class Point {
  constructor(readonly x: number) {}
}

/** JSON-like values sprinkled with what RFC 8785 refuses or treats specially. */
const oddLeaf = fc.oneof(
  fc.constantFrom<unknown>(undefined, NaN, Infinity, -Infinity, -0, 1e21, 5e-7, 2n ** 60n, 7n, -9007199254740991n, new Date(0), new Map(), new Uint8Array(2), new Point(1), Symbol("s"), () => 1),
  fc.double(),
);
const { value: anyValue } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, text, fc.integer(), fc.boolean(), fc.constant(null), oddLeaf, tie("array"), tie("object")),
  array: fc.array(tie("value"), { maxLength: 5 }),
  object: fc.dictionary(text, tie("value"), { maxKeys: 5 }),
}));

function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v] : { k: v };
  return v;
}

describe("canonical JSON: the fast path agrees with the general serialiser", () => {
  it("on random JSON values", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toEqual(canonicalJsonReference(value));
      }),
      { numRuns: 400 },
    );
  });

  it("on random values with odd strings and everything RFC 8785 refuses, with either BigInt option", () => {
    fc.assert(
      fc.property(anyValue, fc.constantFrom<"refuse" | "safe-number">("refuse", "safe-number"), (value, bigint) => {
        expect(canonicalJson(value, { bigint })).toEqual(canonicalJsonReference(value, { bigint }));
      }),
      { numRuns: 1000 },
    );
  });

  it("on holes, cycles, depth at and over the limit, null prototypes, getters and proxies", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic["self"] = { back: cyclic };
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { b: 1, a: [true] });
    const throwing = Object.defineProperty({}, "x", { enumerable: true, get: () => { throw new Error("boom"); } });
    const proxy = new Proxy({ a: 1 }, { ownKeys: () => { throw new Error("trap"); } });
    // eslint-disable-next-line no-sparse-arrays
    for (const value of [[1, , 3], cyclic, nested(255), nested(256), nested(300), bare, throwing, proxy, { "": 0, "\u0000": 1, é: 2, e: 3 }]) {
      expect(canonicalJson(value)).toEqual(canonicalJsonReference(value));
    }
  });
});

const decisionError: fc.Arbitrary<DecisionError> = fc.oneof(
  fc.record({ rule: text, code: fc.constantFrom("overflow", "internal"), message: text, at: fc.integer({ min: -1, max: 99 }) }),
  fc.record({ rule: fc.constant(null), code: fc.constant("invalid_request"), message: text, path: text }),
) as fc.Arbitrary<DecisionError>;
const decision: fc.Arbitrary<Decision> = fc.record({
  decision: fc.constantFrom<"allow" | "deny">("allow", "deny"),
  rules: fc.array(text, { maxLength: 4 }),
  errors: fc.array(decisionError, { maxLength: 3 }),
}) as fc.Arbitrary<Decision>;
const hex128 = fc.uint8Array({ minLength: 64, maxLength: 64 }).map(bytesToHex);
const head: fc.Arbitrary<ChainHead> = fc.oneof(
  fc.constant({ seq: 0, prev: null }),
  fc.record({ seq: fc.integer({ min: 1, max: 2 ** 40 }), prev: fc.record({ sha3_512: hex128, blake2b_512: hex128 }) }),
);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const isWellFormed = (s: string) => !LONE_SURROGATE.test(s);
/** well-formed text only: a lone surrogate has no canonical JSON at all */
const wellFormed = text.filter(isWellFormed);

describe("the statement written in member order", () => {
  it("equals the canonical JSON of the statement, for random decisions, policies, issuers and heads", () => {
    fc.assert(
      fc.property(decision, wellFormed, wellFormed, wellFormed, hex128, fc.integer({ min: 0, max: 2 ** 40 }), head, (d, name, version, issuer, request, iat, h) => {
        fc.pre(d.rules.every(isWellFormed) && d.errors.every((e) => canonicalJson(e).ok));
        const policy = fakePolicy({ name, version });
        const statement = buildStatement({ policy, decision: d, requestSha3: request, issuer, iat, ttlSeconds: 300, head: h });
        const reference = canonicalJsonReference(statement);
        expect(reference.ok).toBe(true);
        expect(canonicalStatement(statement, policy)).toBe(reference.ok ? reference.text : "");
      }),
      { numRuns: 300 },
    );
  });

  it("notices a policy object whose fields changed since its identity was cached", () => {
    const policy = { ...fakePolicy(), name: "first" };
    const d: Decision = { decision: "allow", rules: ["r"], errors: [] };
    const first = buildStatement({ policy, decision: d, requestSha3: "a".repeat(128), issuer: "k", iat: 1, ttlSeconds: 5, head: { seq: 0, prev: null } });
    expect(canonicalStatement(first, policy)).toBe(canonicalize(first));
    policy.name = "second";
    const second = buildStatement({ policy, decision: d, requestSha3: "a".repeat(128), issuer: "k", iat: 1, ttlSeconds: 5, head: { seq: 0, prev: null } });
    expect(canonicalStatement(second, policy)).toBe(canonicalize(second));
    expect(canonicalStatement(second, policy)).toContain('"name":"second"');
  });
});

describe("signing and digests", () => {
  const key = generateKeyPair();

  it("signTyped gives the token signJws and the generic signCompact give, on both paths", () => {
    fc.assert(
      fc.property(wellFormed, fc.constantFrom("writ-authz+jws", "writ-batch-head+jws", 'odd"typ'), (payload, typ) => {
        const expected = signCompact({ alg: "EdDSA", kid: key.keyId, typ }, utf8Encode(payload), key, "noble");
        for (const path of ["native", "noble"] as const) {
          const signer = createSigner(key, { path });
          expect(signer.signTyped(typ, payload)).toBe(expected);
          expect(signer.signTyped(typ, utf8Encode(payload))).toBe(expected);
          expect(signer.signJws({ typ }, utf8Encode(payload))).toBe(expected);
        }
      }),
      { numRuns: 25 },
    );
  });

  it("digests of text equal digests of its UTF-8 bytes, on both paths, as plain byte arrays", () => {
    fc.assert(
      fc.property(wellFormed, (s) => {
        const bytes = utf8Encode(s);
        const noble = { sha3_512: bytesToHex(sha3_512Bytes(bytes, "noble")), blake2b_512: bytesToHex(blake2b512Bytes(bytes, "noble")) };
        for (const path of ["native", "noble"] as const) {
          expect(digestPair(s, path)).toEqual(noble);
          expect(digestPair(bytes, path)).toEqual(noble);
          expect(sha3_512Hex(s, path)).toBe(noble.sha3_512);
          expect(blake2b512Hex(bytes, path)).toBe(noble.blake2b_512);
        }
      }),
      { numRuns: 100 },
    );
    expect(Object.getPrototypeOf(sha3_512Bytes(utf8Encode("x"), "native"))).toBe(Uint8Array.prototype);
    expect(Object.getPrototypeOf(blake2b512Bytes(utf8Encode("x"), "native"))).toBe(Uint8Array.prototype);
  });

  it("an authorize artifact is the generic JWS of the reference canonical statement, and links to the generic digests", () =>
    withSampleSeed("test/trust/fast-paths.test.ts", (seed) => {
      const request = fc.record({
        principal: fc.record({ role: fc.constantFrom("admin", "user", "é\u2028") }),
        amount: fc.integer({ min: -5, max: 5000 }),
        note: fc.option(wellFormed),
      });
      for (const path of ["native", "noble"] as const) {
        const signer = createSigner(key, { path });
        const policy = fakePolicy();
        const requests = fc.sample(request, { numRuns: path === "native" ? 60 : 8, seed });
        let previous: string | null = null;
        for (const r of requests) {
          const { artifact, statement } = authorize(policy, r, { signer });
          const reference = canonicalJsonReference(statement);
          expect(reference.ok).toBe(true);
          expect(artifact).toBe(signCompact({ alg: "EdDSA", kid: key.keyId, typ: "writ-authz+jws" }, utf8Encode(reference.ok ? reference.text : ""), key, "noble"));
          expect(statement.request.sha3_512).toBe(bytesToHex(sha3_512Bytes(utf8Encode(canonicalize(r)), "noble")));
          if (previous !== null) expect(statement.lineage.prev).toEqual(digestPair(utf8Encode(previous), "noble"));
          previous = artifact;
        }
      }
    }));
});

describe("the Merkle tree on hex", () => {
  const hex = (b: Uint8Array) => bytesToHex(b);

  it("gives buildTree's root and audit paths, as text, for sizes 1..70", () => {
    for (let n = 1; n <= 70; n++) {
      const texts = Array.from({ length: n }, (_, i) => `{"n":${i},"s":"é${"x".repeat(i)}"}`);
      const leaves = texts.map((t) => leafHash(utf8Encode(t)));
      expect(texts.map(leafHashHexOfText)).toEqual(leaves.map(hex));
      const tree = buildTree(leaves);
      const text = buildTreeText(leaves.map(hex));
      expect(text.size).toBe(n);
      expect(text.root).toBe(hex(tree.root));
      expect(text.paths).toEqual(tree.proofs.map((p) => p.map((h) => `"${hex(h)}"`).join(",")));
    }
  });

  it("refuses leaves that are not 64 hex digits", () => {
    const good = "ab".repeat(32);
    expect(() => buildTreeText([])).toThrow(RangeError);
    expect(() => buildTreeText([good, "zz".repeat(32)])).toThrow(RangeError);
    expect(() => buildTreeText([good, good.slice(2)])).toThrow(RangeError);
    expect(() => buildTreeText([good + "00", good])).toThrow(RangeError);
  });
});
