// An artifact verifies in another language with nothing from Writ: the Python code of
// docs/artifacts.md ("Verifying an artifact in another language", with the `cryptography` package,
// and for a batched artifact its continuation under "Verifying one offline"), which
// verify_artifact.py reads from the docs and runs as it stands, follows the steps of verifyArtifact.
// It reads an honest artifact's statement as Writ does, and refuses, with the same code as
// verifyArtifact, every crafted artifact verifyArtifact refuses: a text decoded leniently, a header
// with extensions, a payload that is not its own canonical JSON or not a statement, a weak issuer
// key; a batched artifact that is not its issuer's text (a forged `statement` member before the
// real one, which a verifier following the page with json.loads accepted), a changed leaf or proof.
// Each run is made twice, with and without `python3 -O` (which drops `assert`s).

import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as ed from "@noble/ed25519";
import { describe, expect, it } from "vitest";
import { ed25519Sign, isEd25519Point, sha256Bytes } from "../../runtime/crypto/ed25519.js";
import { sha3_512Hex } from "../../runtime/crypto/digest.js";
import { authorize } from "../../runtime/trust/authorize.js";
import { createBatchAuthorizer } from "../../runtime/trust/batch.js";
import { BATCH_HEAD_TYP, signTreeHead } from "../../runtime/trust/batch-artifact.js";
import { buildTree, leafHash } from "../../runtime/trust/merkle.js";
import { canonicalize } from "../../runtime/trust/jcs.js";
import { generateKeyPair, privateKeyFromSeed, publicJwk, publicKeyFromJwk } from "../../runtime/trust/keys.js";
import { createSigner } from "../../runtime/trust/signer.js";
import type { PrivateKey, PublicKey } from "../../runtime/trust/types.js";
import { verifyArtifact } from "../../runtime/trust/verify-artifact.js";
import { ADMIN_OK, fakePolicy } from "./fake-policy.js";
import { tempDir } from "../support/temp-dir.js";

const script = new URL("./verify_artifact.py", import.meta.url).pathname;
const FLAGS = [[], ["-O"]] as const;

/** Runs verify_artifact.py once per FLAGS entry; the runs must agree, and their result is returned. */
function python(args: string[], input?: string): { code: number; out: string } {
  const runs = FLAGS.map((flags) => {
    try {
      return { code: 0, out: execFileSync("python3", [...flags, script, ...args], { encoding: "utf8", input }) };
    } catch (e) {
      const err = e as { status: number; stdout: string; stderr: string };
      return { code: err.status, out: err.stdout + err.stderr };
    }
  });
  expect(runs[1], "python3 -O gives what python3 gives").toEqual(runs[0]);
  return runs[0]!;
}

type Verdict = { ok: true; statement: unknown } | { ok: false; code: string; message: string };
type Case = { token: string; jwk: object } | { token: string; kid: string; x: string };

/** The moment artifacts are issued and judged at (seconds). */
const NOW = Math.floor(Date.now() / 1000);
const policy = fakePolicy();
const issuer = privateKeyFromSeed(Uint8Array.from({ length: 32 }, (_, i) => i + 7));
const REQUEST = { principal: { role: "admin" }, amount: 10 };
const dir = tempDir("py");
writeFileSync(join(dir, "request.json"), JSON.stringify(REQUEST));
writeFileSync(join(dir, "module.wasm"), policy.module);

/** Python's verdicts on `cases`, against REQUEST and the policy's module, at NOW. */
function pythonVerdicts(cases: readonly Case[]): Verdict[] {
  const run = python(["--each", join(dir, "request.json"), join(dir, "module.wasm"), String(NOW)], JSON.stringify(cases));
  expect(run.code, run.out).toBe(0);
  return JSON.parse(run.out) as Verdict[];
}

/** verifyArtifact's verdict at NOW with the checks the Python verifier always makes. */
function tsCode(token: string, keys: readonly PublicKey[] = [issuer.publicKey]): string {
  const r = verifyArtifact(token, { trustedKeys: keys, trustedPolicies: [policy.digests], request: REQUEST, requireAllow: true, now: new Date(NOW * 1000) });
  return r.ok ? "ok" : r.code;
}

const b64 = (data: string | Uint8Array): string => Buffer.from(data).toString("base64url");

function statement(over: Record<string, unknown> = {}, iss = issuer.keyId): Record<string, unknown> {
  return {
    v: "writ-authz/1",
    jti: "0123456789abcdef0123456789abcdef",
    iss,
    iat: NOW,
    exp: NOW + 300,
    decision: "allow",
    rules: ["admin"],
    errors: [],
    policy: { name: "payments", version: "1.0.0", ...policy.digests },
    request: { sha3_512: sha3_512Hex(canonicalize(REQUEST)) },
    lineage: { seq: 0, prev: null },
    ...over,
  };
}

const headerText = (over: Record<string, unknown> = {}, kid = issuer.keyId): string => canonicalize({ alg: "EdDSA", kid, typ: "writ-authz+jws", ...over });
const STATEMENT_TEXT = canonicalize(statement());

/** A compact JWS over the given base64url parts, signed with the issuer's key. */
function signParts(h: string, p: string, key: PrivateKey = issuer): string {
  return `${h}.${p}.${b64(ed25519Sign(Buffer.from(`${h}.${p}`, "latin1"), key.seed))}`;
}
/** A compact JWS of header and payload given as text (UTF-8) or bytes. */
function signTexts(header: string | Uint8Array, payload: string | Uint8Array, key: PrivateKey = issuer): string {
  return signParts(b64(header), b64(payload), key);
}
/** The canonical statement's text with one substring replaced, signed. */
function signEdited(from: string, to: string): string {
  expect(STATEMENT_TEXT).toContain(from);
  return signTexts(headerText(), STATEMENT_TEXT.replace(from, to));
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const HONEST = signTexts(headerText(), STATEMENT_TEXT);
const [H, P, S] = HONEST.split(".") as [string, string, string];

/** An honest token whose signature holds `-` or `_`, so that its `+/` spelling differs. */
function withUrlCharacters(): string {
  for (let i = 0; ; i++) {
    const token = signTexts(headerText(), canonicalize(statement({ jti: i.toString(16).padStart(32, "0") })));
    if (/[-_]/.test(token.split(".")[2]!)) return token;
  }
}
/** An honest token whose payload's base64url is not a multiple of 4 long, so that it can be padded. */
function unpaddedPayload(): { h: string; p: string } {
  for (let n = 0; ; n++) {
    const p = b64(canonicalize(statement({ x: "a".repeat(n) })));
    if (p.length % 4 !== 0) return { h: H, p };
  }
}
/** The signature with L added to S: the same check equation, S no longer reduced (RFC 8032 5.1.7). */
function sPlusL(token: string): string {
  const [h, p, s] = token.split(".") as [string, string, string];
  const sig = Buffer.from(s, "base64url");
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  const value = BigInt(`0x${Buffer.from(sig.subarray(32)).reverse().toString("hex")}`) + L;
  const bytes = Buffer.from(value.toString(16).padStart(64, "0"), "hex").reverse();
  return `${h}.${p}.${b64(Buffer.concat([sig.subarray(0, 32), bytes]))}`;
}

describe("verification in Python (the code of docs/artifacts.md)", () => {
  it("accepts a Writ artifact and reads the same statement; refuses a changed request or payload", () => {
    const key = generateKeyPair();
    const request = { principal: { role: "admin", "name é ü": "Zoë \u2028 \"quoted\"" }, amount: 10, tags: ["a", "b"], nested: { z: null, a: true } };
    const { artifact, statement } = authorize(fakePolicy({ decide: () => ({ decision: "allow", rules: ["admin"], errors: [] }) }), request, {
      signer: createSigner(key),
    });
    writeFileSync(join(dir, "a.jws"), `${artifact}\n`);
    writeFileSync(join(dir, "k.jwk"), JSON.stringify(publicJwk(key.publicKey)));
    writeFileSync(join(dir, "r.json"), JSON.stringify(request));
    const ok = python([join(dir, "a.jws"), join(dir, "k.jwk"), join(dir, "r.json"), join(dir, "module.wasm")]);
    expect(ok.code, ok.out).toBe(0);
    expect(JSON.parse(ok.out)).toEqual(JSON.parse(JSON.stringify(statement)));

    writeFileSync(join(dir, "r2.json"), JSON.stringify(ADMIN_OK));
    expect(python([join(dir, "a.jws"), join(dir, "k.jwk"), join(dir, "r2.json"), join(dir, "module.wasm")])).toMatchObject({
      code: 1,
      out: expect.stringMatching(/^refused \(request_mismatch\)/),
    });

    const [h, p, s] = artifact.split(".") as [string, string, string];
    const changed = Buffer.from(Buffer.from(p, "base64url").toString().replace('"allow"', '"deny"')).toString("base64url");
    writeFileSync(join(dir, "b.jws"), `${h}.${changed}.${s}`);
    expect(python([join(dir, "b.jws"), join(dir, "k.jwk"), join(dir, "r.json"), join(dir, "module.wasm")])).toMatchObject({
      code: 1,
      out: expect.stringMatching(/^refused \(bad_signature\)/),
    });
  });

  it("digests a request as RFC 8785 does: JavaScript's numbers, members in UTF-16 order", () => {
    // 😀 sorts before U+E000 by UTF-16 code unit, after it by code point; 100.0 is written 100
    const text = '{"\\ud83d\\ude00":1,"\\ue000":2,"amount":100.0,"big":1E21,"small":0.0000001,"half":-0.5,"n":9007199254740993}';
    const request = JSON.parse(text) as unknown;
    writeFileSync(join(dir, "rich.json"), text);
    const token = signTexts(headerText(), canonicalize(statement({ request: { sha3_512: sha3_512Hex(canonicalize(request)) } })));
    writeFileSync(join(dir, "rich.jws"), token);
    writeFileSync(join(dir, "issuer.jwk"), JSON.stringify(publicJwk(issuer.publicKey)));
    const r = verifyArtifact(token, { trustedKeys: [issuer.publicKey], trustedPolicies: [policy.digests], request, requireAllow: true });
    expect(r.ok).toBe(true);
    const run = python([join(dir, "rich.jws"), join(dir, "issuer.jwk"), join(dir, "rich.json"), join(dir, "module.wasm")]);
    expect(run.code, run.out).toBe(0);
  });

  it("canonicalises the RFC 8785 vectors and random numbers as JavaScript writes them", () => {
    const vectors = JSON.parse(readFileSync(new URL("../vectors/rfc8785.json", import.meta.url), "utf8")) as {
      objects: { input: string; expected: string }[];
      numbers: { ieee754: string; expected: string }[];
    };
    const double = (hex: string) => Buffer.from(hex, "hex").readDoubleBE(0);
    const random = Array.from({ length: 500 }, (_, i) => (i % 2 ? Math.random() * 10 ** ((i % 60) - 30) : -Math.random() * 2 ** (i % 80)));
    // given in a spelling other than the canonical one (17 significant digits), so it is rewritten
    const numbers = [...vectors.numbers.map((n) => double(n.ieee754)), ...random].filter((n) => Number.isFinite(n));
    const inputs = [...vectors.objects.map((o) => o.input), ...numbers.map((n) => n.toPrecision(17)), "NaN", "[1,1e400]", '{"a":1,"a":2}', '["\\ud800"]'];
    const run = python(["--canonical"], JSON.stringify(inputs));
    expect(run.code, run.out).toBe(0);
    expect(JSON.parse(run.out)).toEqual([...vectors.objects.map((o) => o.expected), ...numbers.map((n) => canonicalize(n)), null, null, null, null]);
  });

  it("refuses with verifyArtifact's code each artifact verifyArtifact refuses, and accepts what it accepts", () => {
    const padded = unpaddedPayload();
    const urlToken = withUrlCharacters();
    const [uh, up, us] = urlToken.split(".") as [string, string, string];
    const other = generateKeyPair();
    const lastBits = S.slice(0, -1) + ALPHABET[ALPHABET.indexOf(S.at(-1)!) | 1];
    const cases: [string, string, string][] = [
      ["honest", HONEST, "ok"],
      ["LF after", `${HONEST}\n`, "ok"],
      ["CRLF, spaces and tabs around", `\r\n \t${HONEST} \t\r\n`, "ok"],
      ["an unknown member (signed like the rest)", signTexts(headerText(), canonicalize(statement({ zz: [1.5e-7, 1e21, "x"] }))), "ok"],
      // the text: one artifact, one text (and one lineage digest)
      ["signature padded", `${HONEST}==`, "malformed"],
      ["signature with leftover bits set", `${H}.${P}.${lastBits}`, "malformed"],
      ["signature in the +/ alphabet", `${uh}.${up}.${us.replace(/-/g, "+").replace(/_/g, "/")}`, "malformed"],
      ["signature, ==, then more text", `${HONEST}==abc`, "malformed"],
      ["a space inside the signature", `${H}.${P}.${S.slice(0, 10)} ${S.slice(10)}`, "malformed"],
      ["payload padded, signed as such", signParts(padded.h, padded.p + "=".repeat((4 - (padded.p.length % 4)) % 4)), "malformed"],
      ["form feed after", `${HONEST}\f`, "malformed"],
      ["vertical tab after", `${HONEST}\v`, "malformed"],
      ["no-break space before", `\u00a0${HONEST}`, "malformed"],
      ["U+2028 after", `${HONEST}\u2028`, "malformed"],
      ["NEL after", `${HONEST}\u0085`, "malformed"],
      ["U+3000 before", `\u3000${HONEST}`, "malformed"],
      ["BOM before", `\ufeff${HONEST}`, "malformed"],
      ["four parts", `${HONEST}.${S}`, "malformed"],
      ["over 1 MiB", `${HONEST}${" ".repeat(10)}x${"A".repeat(1024 * 1024)}`, "malformed"],
      // the header
      ["alg none", signTexts(headerText({ alg: "none" }), STATEMENT_TEXT), "bad_header"],
      ["typ JWT", signTexts(headerText({ typ: "JWT" }), STATEMENT_TEXT), "bad_header"],
      ["empty kid", signTexts(headerText({}, ""), STATEMENT_TEXT), "bad_header"],
      ["crit [exp] with exp", signTexts(headerText({ crit: ["exp"], exp: NOW }), STATEMENT_TEXT), "bad_header"],
      ["crit []", signTexts(headerText({ crit: [] }), STATEMENT_TEXT), "bad_header"],
      ["b64 false", signTexts(headerText({ b64: false }), STATEMENT_TEXT), "bad_header"],
      ["header with a BOM", signTexts(`\ufeff${headerText()}`, STATEMENT_TEXT), "malformed"],
      ["header an array", signTexts("[]", STATEMENT_TEXT), "malformed"],
      ["header with NaN", signTexts(headerText().replace("}", ',"n":NaN}'), STATEMENT_TEXT), "malformed"],
      ["header not UTF-8", signTexts(Buffer.concat([Buffer.from(headerText().slice(0, -1)), Buffer.from([0x2c, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])]), STATEMENT_TEXT), "malformed"],
      // the key and the signature
      ["an unknown kid", signTexts(headerText({}, other.keyId), canonicalize(statement({}, other.keyId)), other), "unknown_key"],
      ["another key's signature", signTexts(headerText(), STATEMENT_TEXT, other), "bad_signature"],
      ["S + L", sPlusL(HONEST), "bad_signature"],
      ["a changed payload", `${H}.${b64(STATEMENT_TEXT.replace('"allow"', '"deny"'))}.${S}`, "bad_signature"],
      ["a 63-byte signature", `${H}.${P}.${b64(Buffer.from(S, "base64url").subarray(0, 63))}`, "bad_signature"],
      // the payload's text: its own canonical JSON, nothing else
      ["payload with whitespace", signEdited('"decision":', '"decision": '), "malformed"],
      ["members out of order", signEdited('"decision":"allow","errors":[],', '"errors":[],"decision":"allow",'), "malformed"],
      ["decision twice: deny, then allow", signEdited('"decision":"allow"', '"decision":"deny","decision":"allow"'), "malformed"],
      ["exp twice, the second far ahead", signEdited(`"exp":${NOW + 300}`, `"exp":${NOW + 300},"exp":${NOW + 10 ** 9}`), "malformed"],
      ["exp Infinity", signEdited(`"exp":${NOW + 300}`, '"exp":Infinity'), "malformed"],
      ["exp -Infinity", signEdited(`"exp":${NOW + 300}`, '"exp":-Infinity'), "malformed"],
      ["a NaN member", signEdited('"v":"writ-authz/1"', '"v":"writ-authz/1","w":NaN'), "malformed"],
      ["exp 1e400", signEdited(`"exp":${NOW + 300}`, '"exp":1e400'), "malformed"],
      ["iat written with .0", signEdited(`"iat":${NOW}`, `"iat":${NOW}.0`), "malformed"],
      ["exp written with an exponent", signEdited(`"exp":${NOW + 300}`, `"exp":${(NOW + 300) / 100}e2`), "malformed"],
      ["seq -0", signEdited('"seq":0', '"seq":-0'), "malformed"],
      ["a rule name with an escaped letter", signEdited('"rules":["admin"]', '"rules":["\\u0061dmin"]'), "malformed"],
      ["a lone surrogate in a rule name", signEdited('"rules":["admin"]', '"rules":["admin","\\ud800"]'), "malformed"],
      ["a lone surrogate in a member name", signEdited('"v":"writ-authz/1"', '"v":"writ-authz/1","\\udc00":1'), "malformed"],
      ["bytes that are not UTF-8", signTexts(headerText(), Buffer.concat([Buffer.from(STATEMENT_TEXT.replace('"admin"', '"adm')), Buffer.from([0xff, 0x22]), Buffer.from(STATEMENT_TEXT.split('"admin"')[1]!)])), "malformed"],
      ["payload with a BOM", signTexts(headerText(), `\ufeff${STATEMENT_TEXT}`), "malformed"],
      ["nesting 300 deep", signEdited('"v":"writ-authz/1"', `"v":"writ-authz/1","zz":${"[".repeat(300)}${"]".repeat(300)}`), "malformed"],
      ["payload an array", signTexts(headerText(), "[]"), "malformed"],
      // the statement's members
      ["v writ-authz/2", signTexts(headerText(), canonicalize(statement({ v: "writ-authz/2" }))), "malformed"],
      ["jti upper case", signTexts(headerText(), canonicalize(statement({ jti: "0123456789ABCDEF0123456789ABCDEF" }))), "malformed"],
      ["iss not the kid", signTexts(headerText(), canonicalize(statement({}, "someone-else"))), "malformed"],
      ["iat a fraction", signTexts(headerText(), canonicalize(statement({ iat: NOW + 0.5 }))), "malformed"],
      ["exp beyond a date", signTexts(headerText(), canonicalize(statement({ exp: 8_640_000_000_001 }))), "malformed"],
      ["exp before iat", signTexts(headerText(), canonicalize(statement({ exp: NOW - 1 }))), "malformed"],
      ["decision Allow", signTexts(headerText(), canonicalize(statement({ decision: "Allow" }))), "malformed"],
      ["a rule that is not text", signTexts(headerText(), canonicalize(statement({ rules: ["admin", 1] }))), "malformed"],
      ["an error without its place", signTexts(headerText(), canonicalize(statement({ errors: [{ rule: "admin", code: "c", message: "m" }] }))), "malformed"],
      ["a request error without its path", signTexts(headerText(), canonicalize(statement({ errors: [{ rule: null, code: "c", message: "m", at: 0 }] }))), "malformed"],
      ["policy digests in upper case", signTexts(headerText(), canonicalize(statement({ policy: { name: "payments", version: "1.0.0", sha3_512: policy.digests.sha3_512.toUpperCase(), blake2b_512: policy.digests.blake2b_512 } }))), "malformed"],
      ["policy without a version", signTexts(headerText(), canonicalize(statement({ policy: { name: "payments", ...policy.digests } }))), "malformed"],
      ["a short request digest", signTexts(headerText(), canonicalize(statement({ request: { sha3_512: "ab" } }))), "malformed"],
      ["seq 2^53", signTexts(headerText(), canonicalize(statement({ lineage: { seq: 2 ** 53, prev: { sha3_512: "a".repeat(128), blake2b_512: "b".repeat(128) } } }))), "malformed"],
      ["seq 0 with a previous link", signTexts(headerText(), canonicalize(statement({ lineage: { seq: 0, prev: { sha3_512: "a".repeat(128), blake2b_512: "b".repeat(128) } } }))), "malformed"],
      ["seq 1 without one", signTexts(headerText(), canonicalize(statement({ lineage: { seq: 1, prev: null } }))), "malformed"],
      ["lineage without prev", signTexts(headerText(), canonicalize(statement({ lineage: { seq: 1 } }))), "malformed"],
      // the checks of an executor
      ["expired", signTexts(headerText(), canonicalize(statement({ iat: 1000, exp: 1300 }))), "expired"],
      ["not yet valid", signTexts(headerText(), canonicalize(statement({ iat: NOW + 3600, exp: NOW + 3900 }))), "not_yet_valid"],
      ["another module", signTexts(headerText(), canonicalize(statement({ policy: { name: "payments", version: "1.0.0", sha3_512: "1".repeat(128), blake2b_512: policy.digests.blake2b_512 } }))), "untrusted_policy"],
      ["another request", signTexts(headerText(), canonicalize(statement({ request: { sha3_512: "0".repeat(128) } }))), "request_mismatch"],
      ["a deny", signTexts(headerText(), canonicalize(statement({ decision: "deny", rules: [] }))), "not_allowed"],
      [
        "an expired deny for another request by an untrusted module",
        signTexts(headerText(), canonicalize(statement({ decision: "deny", rules: [], iat: 1000, exp: 1300, request: { sha3_512: "0".repeat(128) }, policy: { name: "x", version: "1", sha3_512: "1".repeat(128), blake2b_512: "2".repeat(128) } }))),
        "expired",
      ],
    ];
    const jwk = publicJwk(issuer.publicKey);
    const verdicts = pythonVerdicts(cases.map(([, token]) => ({ token, jwk })));
    const seen = cases.map(([name, token], i) => [name, tsCode(token), (verdicts[i] as { code?: string }).code ?? "ok"]);
    expect(seen).toEqual(cases.map(([name, , code]) => [name, code, code]));
    expect(verdicts[0]).toEqual({ ok: true, statement: JSON.parse(STATEMENT_TEXT) });
  });

  it("refuses an issuer key anyone can forge under, and one no signer makes", () => {
    const jwkOf = (x: Uint8Array) => {
      const members = `{"crv":"Ed25519","kty":"OKP","x":"${b64(x)}"}`;
      return { kty: "OKP", crv: "Ed25519", x: b64(x), kid: b64(sha256Bytes(Buffer.from(members))) };
    };
    // the small-order points (either sign) and unreduced encodings that isWeakEd25519Key lists
    const smallOrder = [
      "0000000000000000000000000000000000000000000000000000000000000000",
      "0100000000000000000000000000000000000000000000000000000000000000",
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ].flatMap((hex) => {
      const x = Buffer.from(hex, "hex");
      const negated = Buffer.from(x);
      negated[31]! |= 0x80;
      return [x, negated];
    });
    let offCurve = Buffer.alloc(32, 2);
    while (isEd25519Point(offCurve)) offCurve[0]!++;
    const identity = smallOrder[2]!;
    // R = the identity, S = 0: [S]B = R + [h]A holds for A the identity, with no private key at all
    const forged = (jwk: { kid: string; x: string }) =>
      `${b64(headerText({}, jwk.kid))}.${b64(canonicalize(statement({}, jwk.kid)))}.${b64(Buffer.concat([identity, Buffer.alloc(32)]))}`;
    const weak = [...smallOrder, offCurve].map((x) => jwkOf(x));
    const cases = weak.flatMap((jwk) => {
      const token = forged(jwk);
      return [
        { token, jwk },
        { token, kid: jwk.kid, x: Buffer.from(jwk.x, "base64url").toString("hex") },
      ];
    });
    const verdicts = pythonVerdicts(cases);
    weak.forEach((jwk, i) => {
      const token = forged(jwk);
      expect(publicKeyFromJwk(jwk).ok, jwk.x).toBe(false);
      expect(tsCode(token, [{ keyId: jwk.kid, bytes: Buffer.from(jwk.x, "base64url") }]), jwk.x).toBe("bad_signature");
      expect(verdicts[2 * i], jwk.x).toMatchObject({ ok: false, code: "bad_key" });
      expect(verdicts[2 * i + 1], jwk.x).toMatchObject({ ok: false, code: "bad_signature" });
    });

    // an honest public key plus a point of order 8: on the curve, not of prime order
    const order8 = ed.Point.fromBytes(Uint8Array.from(Buffer.from(smallOrder[4]!)));
    const mixed = ed.Point.fromBytes(issuer.publicKey.bytes).add(order8).toBytes();
    expect(isEd25519Point(mixed)).toBe(true);
    const mixedJwk = jwkOf(mixed);
    const [refused, honest] = pythonVerdicts([
      { token: forged(mixedJwk), jwk: mixedJwk },
      { token: HONEST, jwk: publicJwk(issuer.publicKey) },
    ]);
    expect(refused).toMatchObject({ ok: false, code: "bad_key" });
    expect(honest).toMatchObject({ ok: true });
  });
});

describe("verification of batched artifacts in Python (the code of docs/artifacts.md, Verifying one offline)", () => {
  const jwk = publicJwk(issuer.publicKey);
  const at = (seconds: number) => new Date(seconds * 1000);
  const batcher = () => createBatchAuthorizer({ signer: createSigner(issuer), now: at(NOW) });
  const requests = (n: number) => Array<unknown>(n).fill(REQUEST);
  // batches of one, two and five, and one of three that links to the head of the five
  const chained = batcher();
  const genuine = [...batcher().authorizeBatch(policy, requests(1)), ...batcher().authorizeBatch(policy, requests(2)), ...chained.authorizeBatch(policy, requests(5)), ...chained.authorizeBatch(policy, requests(3))];
  const denying = fakePolicy({ decide: () => ({ decision: "deny", rules: [], errors: [] }) });
  const [deny] = createBatchAuthorizer({ signer: createSigner(issuer), now: at(NOW) }).authorizeBatch(denying, [REQUEST, REQUEST]);
  const [old] = createBatchAuthorizer({ signer: createSigner(issuer), now: at(NOW - 100_000) }).authorizeBatch(policy, [REQUEST]);
  const [elsewhere] = createBatchAuthorizer({ signer: createSigner(issuer), now: at(NOW) }).authorizeBatch(policy, [{ ...REQUEST, amount: 11 }]);
  const [strangers] = createBatchAuthorizer({ signer: createSigner(generateKeyPair()), now: at(NOW) }).authorizeBatch(policy, [REQUEST]);
  const text = genuine[4]!.artifact; // leaf 1 of the batch of five
  const envelope = JSON.parse(text) as { statement: Record<string, unknown>; index: number; path: string[]; head: string };
  const [hh, hp, hs] = envelope.head.split(".") as [string, string, string];
  const headPayload = JSON.parse(Buffer.from(hp, "base64url").toString("utf8")) as Record<string, unknown>;

  /** `text` with one substring replaced (which must be there). */
  function edited(from: string, to: string, within = text): string {
    expect(within).toContain(from);
    return within.replace(from, to);
  }
  /** A batched artifact of one statement in a tree of one, its head signed by the issuer. */
  function treeOfOne(statement: Record<string, unknown>, over: Record<string, unknown> = {}): string {
    const leaf = canonicalize(statement);
    const tree = buildTree([leafHash(new TextEncoder().encode(leaf))]);
    const head = signTreeHead({ v: "writ-batch-head/1", batch: "ab".repeat(16), size: 1, root: Buffer.from(tree.root).toString("hex"), hash: "sha256", iss: issuer.keyId, iat: NOW, ...over } as never, createSigner(issuer));
    return `{"typ":"writ-authz-batched/2","statement":${leaf},"index":0,"path":[],"head":"${head}"}`;
  }
  /** `text` with its tree head re-signed by the issuer over `payload` under `header`. */
  function resigned(payload: string, header: Record<string, unknown> = { alg: "EdDSA", kid: issuer.keyId, typ: BATCH_HEAD_TYP }): string {
    return edited(envelope.head, signTexts(canonicalize(header), payload));
  }

  it("refuses with verifyArtifact's code each batched artifact verifyArtifact refuses, and accepts what it accepts", () => {
    const denied = JSON.parse(deny!.artifact) as { statement: Record<string, unknown> };
    const forgedAllow = canonicalize({ ...denied.statement, decision: "allow", rules: ["admin"] });
    const stated = canonicalize(envelope.statement);
    const signedStatement = JSON.parse(canonicalize(genuine[0]!.statement)) as Record<string, unknown>;
    const cases: [string, string, string][] = [
      ...genuine.map((r, i): [string, string, string] => [`genuine ${i}`, r.artifact, "ok"]),
      ["LF after", `${text}\n`, "ok"],
      ["CRLF, spaces and tabs around", `\r\n \t${text} \t\r\n`, "ok"],
      // step 0: exactly the issuer's text, parsed strictly
      ["a forged allow as a first `statement`, the issued deny after it", edited('"statement":', `"statement":${forgedAllow},"statement":`, deny!.artifact), "malformed"],
      ["the issued deny", deny!.artifact, "not_allowed"],
      ["`index` twice", edited('"index":1', '"index":0,"index":1'), "malformed"],
      ["`decision` twice in the statement", edited('"decision":"allow"', '"decision":"deny","decision":"allow"'), "malformed"],
      ["a space after a colon", edited('"index":1', '"index": 1'), "malformed"],
      ["members out of order", `{"typ":"writ-authz-batched/2","index":1,"statement":${stated},"path":${JSON.stringify(envelope.path)},"head":"${envelope.head}"}`, "malformed"],
      ["an extra member", edited('"index":1', '"index":1,"note":"x"'), "malformed"],
      ["an escaped letter in a rule name", edited('"rules":["admin"]', '"rules":["\\u0061dmin"]'), "malformed"],
      ["index 1.0", edited('"index":1', '"index":1.0'), "malformed"],
      ["index 1e0", edited('"index":1', '"index":1e0'), "malformed"],
      ["iat written with .0", edited(`"iat":${NOW},`, `"iat":${NOW}.0,`), "malformed"],
      ["a BOM before", `\ufeff${text}`, "malformed"],
      ["typ /1", edited("writ-authz-batched/2", "writ-authz-batched/1"), "malformed"],
      ["a path hash in upper case", edited(envelope.path[0]!, envelope.path[0]!.toUpperCase()), "malformed"],
      // step 1: the tree head
      ["a head signed by a key not trusted", strangers!.artifact, "unknown_key"],
      ["a head whose signature is changed", edited(envelope.head, `${hh}.${hp}.${hs.startsWith("A") ? "B" : "A"}${hs.slice(1)}`), "bad_signature"],
      ["a head of typ JWT", resigned(canonicalize(headPayload), { alg: "EdDSA", kid: issuer.keyId, typ: "JWT" }), "bad_header"],
      ["a head payload with whitespace", resigned(JSON.stringify(headPayload, null, 1)), "malformed"],
      ["a head of size 0", resigned(canonicalize({ ...headPayload, size: 0 })), "malformed"],
      ["a head root in upper case", resigned(canonicalize({ ...headPayload, root: (headPayload.root as string).toUpperCase() })), "malformed"],
      ["a head that names another issuer", resigned(canonicalize({ ...headPayload, iss: "someone-else" })), "malformed"],
      // step 2: the fold
      ["a changed leaf (the decision)", edited('"decision":"allow"', '"decision":"deny"'), "bad_proof"],
      ["a leaf changed into no statement", edited('"decision":"allow"', '"decision":"allox"'), "bad_proof"],
      ["a changed sibling", edited(envelope.path[0]!, `${envelope.path[0]![0] === "0" ? "1" : "0"}${envelope.path[0]!.slice(1)}`), "bad_proof"],
      ["another index within the tree", edited('"index":1', '"index":2'), "bad_proof"],
      ["an index outside the tree", edited('"index":1', '"index":5'), "malformed"],
      ["a leaf of another batch's tree", edited(envelope.head, (JSON.parse(genuine[1]!.artifact) as { head: string }).head), "bad_proof"],
      // step 3: the statement, signed so
      ["a signed statement that is no statement (seq 0 with a link)", treeOfOne({ ...signedStatement, lineage: { seq: 0, prev: { sha3_512: "a".repeat(128), blake2b_512: "b".repeat(128) } } }), "malformed"],
      ["a signed statement of another issuer", treeOfOne({ ...signedStatement, iss: "someone-else" }), "issuer_mismatch"],
      ["expired", old!.artifact, "expired"],
      ["another request", elsewhere!.artifact, "request_mismatch"],
    ];
    const verdicts = pythonVerdicts(cases.map(([, token]) => ({ token, jwk })));
    const seen = cases.map(([name, token], i) => [name, tsCode(token), (verdicts[i] as { code?: string }).code ?? "ok"]);
    expect(seen).toEqual(cases.map(([name, , code]) => [name, code, code]));
    genuine.forEach((r, i) => expect(verdicts[i]).toEqual({ ok: true, statement: JSON.parse(canonicalize(r.statement)) }));
  });

  it("refuses an issued deny with a forged allow as a first `statement`: json.loads reads the deny, a reader that keeps the first member an allow", () => {
    // without step 0 the page's steps found nothing wrong: json.loads keeps the last `statement`, the issued one, whose proof folds
    const denied = JSON.parse(deny!.artifact) as { statement: Record<string, unknown> };
    const forged = edited('"statement":', `"statement":${canonicalize({ ...denied.statement, decision: "allow", rules: ["admin"] })},"statement":`, deny!.artifact);
    expect((JSON.parse(forged) as { statement: { decision: string } }).statement.decision).toBe("deny");
    const [verdict] = pythonVerdicts([{ token: forged, jwk }]);
    expect(verdict).toMatchObject({ ok: false, code: "malformed" });
    expect(tsCode(forged)).toBe("malformed");
  });
});

