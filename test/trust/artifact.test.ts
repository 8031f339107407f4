// Authorization artifacts: what a statement holds, that any JWS library verifies it (jose) with a
// payload byte-for-byte the statement's canonical JSON, that consecutive artifacts link, and that
// verifyArtifact refuses each kind of bad artifact with its own code.

import { compactVerify, importJWK } from "jose";
import { describe, expect, it } from "vitest";
import { bytesToHex } from "../../runtime/crypto/base64url.js";
import { digestPair, sha3_512Hex } from "../../runtime/crypto/digest.js";
import { authorize } from "../../runtime/trust/authorize.js";
import { canonicalize } from "../../runtime/trust/jcs.js";
import { generateKeyPair, privateKeyFromSeed, publicJwk } from "../../runtime/trust/keys.js";
import { UNREPRESENTABLE_REQUEST } from "../../runtime/trust/request-digest.js";
import { artifactDigests, chainHeadAfter, createSigner } from "../../runtime/trust/signer.js";
import type { Statement } from "../../runtime/trust/types.js";
import { verifyArtifact } from "../../runtime/trust/verify-artifact.js";
import { replayArtifact } from "../../runtime/trust/replay.js";
import { ADMIN_OK, TOO_MUCH, USER_DENIED, fakePolicy } from "./fake-policy.js";

const issuer = generateKeyPair();
const policy = fakePolicy();
const NOW = new Date("2026-11-28T12:00:00Z");
const clock = () => NOW;

function issue(request: unknown, extra: { ttlSeconds?: number } = {}) {
  return authorize(policy, request, { signer: createSigner(issuer), now: clock, ...extra });
}
const base = { trustedKeys: [issuer.publicKey], now: NOW };

function tamperPayload(token: string, edit: (s: Record<string, unknown>) => void): string {
  const [h, p, s] = token.split(".") as [string, string, string];
  const statement = JSON.parse(Buffer.from(p, "base64url").toString("utf8"));
  edit(statement);
  return `${h}.${Buffer.from(canonicalize(statement)).toString("base64url")}.${s}`;
}

describe("authorize", () => {
  it("states the decision, policy, request digest, issuer, times, id and genesis link", () => {
    const { decision, artifact, statement } = issue(ADMIN_OK);
    expect(decision).toEqual({ decision: "allow", rules: ["admin"], errors: [] });
    expect(statement).toMatchObject({
      v: "writ-authz/1",
      iss: issuer.keyId,
      iat: NOW.getTime() / 1000,
      exp: NOW.getTime() / 1000 + 300,
      decision: "allow",
      rules: ["admin"],
      errors: [],
      policy: { name: "payments", version: "1.0.0", ...digestPair(policy.module) },
      request: { sha3_512: sha3_512Hex(canonicalize(ADMIN_OK)) },
      lineage: { seq: 0, prev: null },
    });
    expect(statement.jti).toMatch(/^[0-9a-f]{32}$/);
    expect(artifact.split(".")).toHaveLength(3);
  });
  it("jose verifies the artifact; its payload is byte-for-byte the statement's canonical JSON", async () => {
    const { artifact, statement } = issue(TOO_MUCH);
    const key = await importJWK(publicJwk(issuer.publicKey), "EdDSA");
    const { payload, protectedHeader } = await compactVerify(artifact, key);
    expect(protectedHeader).toEqual({ alg: "EdDSA", kid: issuer.keyId, typ: "writ-authz+jws" });
    expect(Buffer.from(payload).equals(Buffer.from(canonicalize(statement), "utf8"))).toBe(true);
  });
  it("takes the clock as a Date or a function returning one, and refuses anything else before signing", () => {
    const at = new Date(Date.parse("2026-01-02T03:04:05Z"));
    expect(authorize(policy, ADMIN_OK, { signer: createSigner(issuer), now: at }).statement.iat).toBe(Date.parse("2026-01-02T03:04:05Z") / 1000);
    expect(authorize(policy, ADMIN_OK, { signer: createSigner(issuer), now: () => at }).statement.iat).toBe(Date.parse("2026-01-02T03:04:05Z") / 1000);
    for (const now of ["2026-01-02", 1767323045000, () => "noon", new Date(Number.NaN)]) {
      const signer = createSigner(issuer);
      expect(() => authorize(policy, ADMIN_OK, { signer, now: now as never }), String(now)).toThrow(/`now` is neither a valid Date nor a function returning one/);
      expect(signer.head).toEqual({ seq: 0, prev: null });
    }
  });

  it("issues denials too, with the deciding forbids and request errors", () => {
    expect(issue(TOO_MUCH).statement).toMatchObject({ decision: "deny", rules: ["too_much"], errors: [] });
    expect(issue(USER_DENIED).statement).toMatchObject({ decision: "deny", rules: [], errors: [] });
    expect(issue({ amount: 1 }).statement.errors).toEqual([{ rule: null, code: "invalid_request", message: "principal: missing field", path: "principal" }]);
  });
  it("links consecutive artifacts: seq counts up, prev is the digests of the previous artifact", () => {
    const signer = createSigner(issuer);
    const a = authorize(policy, ADMIN_OK, { signer, now: clock });
    const b = authorize(policy, TOO_MUCH, { signer, now: clock });
    const c = authorize(policy, USER_DENIED, { signer, now: clock });
    expect(a.statement.lineage).toEqual({ seq: 0, prev: null });
    expect(b.statement.lineage).toEqual({ seq: 1, prev: artifactDigests(a.artifact) });
    expect(c.statement.lineage).toEqual({ seq: 2, prev: artifactDigests(b.artifact) });
    // a new signer resumes the chain from the last artifact
    const resumed = createSigner(issuer, { head: chainHeadAfter(c.artifact, c.statement) });
    expect(authorize(policy, ADMIN_OK, { signer: resumed, now: clock }).statement.lineage).toEqual({ seq: 3, prev: artifactDigests(c.artifact) });
  });
  it("resumes from the seq the artifact's own statement carries; another statement beside it is a RangeError, not a fork", () => {
    const signer = createSigner(issuer);
    const a = authorize(policy, ADMIN_OK, { signer, now: clock });
    const b = authorize(policy, TOO_MUCH, { signer, now: clock });
    const after = { seq: 2, prev: artifactDigests(b.artifact) };
    expect(chainHeadAfter(b.artifact)).toEqual(after);
    expect(chainHeadAfter(b.artifact, b.statement)).toEqual(after);
    // a copy of its own statement is the same statement (compared as canonical JSON)
    expect(chainHeadAfter(b.artifact, structuredClone(b.statement))).toEqual(after);
    // a's statement beside b's artifact would resume at seq 1, which b already holds
    expect(() => chainHeadAfter(b.artifact, a.statement)).toThrow(
      new RangeError(
        `the chain cannot continue from this artifact: the statement given with it is not the one it carries (seq 1, jti ${b.statement.jti}); pass the artifact alone, or with its own statement`,
      ),
    );
    // nor one whose seq a host "fixed up", nor an object that is no JSON
    expect(() => chainHeadAfter(b.artifact, { ...b.statement, lineage: { ...b.statement.lineage, seq: 7 } })).toThrow(RangeError);
    expect(() => chainHeadAfter(b.artifact, { ...b.statement, iat: 1n } as unknown as Statement)).toThrow(RangeError);
    // an artifact whose statement cannot be read is refused, with why
    expect(() => chainHeadAfter("not.an.artifact")).toThrow(/^the chain cannot continue from this artifact: artifact: /);
    expect(() => chainHeadAfter(42 as unknown as string)).toThrow(new RangeError("the chain cannot continue from this artifact: an artifact is text, not a number"));
  });
  it("hands each artifact to the lineage sink; a failing sink issues nothing and keeps the head", () => {
    const signer = createSigner(issuer);
    const log: [string, Statement][] = [];
    const first = authorize(policy, ADMIN_OK, { signer, now: clock, lineage: { append: (a, s) => log.push([a, s]) } });
    expect(log).toEqual([[first.artifact, first.statement]]);
    const head = signer.head;
    expect(() => authorize(policy, ADMIN_OK, { signer, now: clock, lineage: { append: () => { throw new Error("disk full"); } } })).toThrow(/disk full/);
    expect(signer.head).toBe(head);
    expect(authorize(policy, ADMIN_OK, { signer, now: clock }).statement.lineage.seq).toBe(1);
  });
  it("refuses a lineage that is no sink, before deciding; only a lineage left out means no log", () => {
    // false, 0 and "" issued an artifact recorded nowhere; "log.jsonl" or {} failed once it was signed
    for (const lineage of [null, false, 0, "", "log.jsonl", 1, {}, { append: "log.jsonl" }]) {
      const signer = createSigner(issuer);
      let decided = 0;
      const counted = fakePolicy({ decide: (r) => (decided++, policy.decide(r)) });
      expect(() => authorize(counted, ADMIN_OK, { signer, lineage: lineage as never }), String(lineage)).toThrow(TypeError);
      expect(() => authorize(counted, ADMIN_OK, { signer, lineage: lineage as never }), String(lineage)).toThrow(/lineage must be a lineage sink \(an object with an append function/);
      expect(decided, String(lineage)).toBe(0);
      expect(signer.head, String(lineage)).toEqual({ seq: 0, prev: null });
    }
    const signer = createSigner(issuer);
    authorize(policy, ADMIN_OK, { signer, lineage: undefined, now: clock });
    expect(signer.head.seq).toBe(1);
  });
  it("refuses a lineage whose append cannot be read (a revoked Proxy), naming it, before deciding", () => {
    const { proxy, revoke } = Proxy.revocable({ append() {} }, {});
    revoke();
    const signer = createSigner(issuer);
    let decided = 0;
    const counted = fakePolicy({ decide: (r) => (decided++, policy.decide(r)) });
    expect(() => authorize(counted, ADMIN_OK, { signer, lineage: proxy })).toThrow(
      new TypeError("authorize: the lineage sink's `append` could not be read: Cannot perform 'get' on a proxy that has been revoked"),
    );
    expect(decided).toBe(0);
    expect(signer.head).toEqual({ seq: 0, prev: null });
  });
  it("starts a signer only from a head whose digests a verifier reads back: 128 lowercase hex digits each", () => {
    const h = "a".repeat(128);
    for (const prev of [{ sha3_512: h.toUpperCase(), blake2b_512: h }, {}, "digest", { sha3_512: `${h}","zz":"yes`, blake2b_512: h }])
      expect(() => createSigner(issuer, { head: { seq: 3, prev } as never })).toThrow(/chain head prev must be null or/);
    const signer = createSigner(issuer, { head: { seq: 3, prev: { sha3_512: h, blake2b_512: h } } });
    const { artifact, statement } = authorize(policy, ADMIN_OK, { signer, now: clock });
    expect(verifyArtifact(artifact, base)).toEqual({ ok: true, statement });
  });

  it("refuses a head whose seq is no safe integer, saying which rule it breaks: 2^53 is a whole number, past the safe ones", () => {
    const h = "a".repeat(128);
    const prev = { sha3_512: h, blake2b_512: h };
    const refusal = (seq: unknown): string => {
      try {
        createSigner(issuer, { head: { seq, prev } as never });
      } catch (e) {
        expect(e).toBeInstanceOf(RangeError);
        return (e as Error).message;
      }
      return "accepted";
    };
    expect(refusal(2 ** 53)).toBe("chain head seq 9007199254740992 is not a safe integer: a seq must be at most 2^53 − 1 (9007199254740991), past which numbers are not exact");
    expect(refusal(1e300)).toBe("chain head seq 1e+300 is not a safe integer: a seq must be at most 2^53 − 1 (9007199254740991), past which numbers are not exact");
    const notWhole = "chain head seq must be a non-negative safe integer, at most 2^53 − 1 (9007199254740991), got";
    expect(refusal(-1)).toBe(`${notWhole} -1`);
    expect(refusal(1.5)).toBe(`${notWhole} 1.5`);
    expect(refusal(NaN)).toBe(`${notWhole} NaN`);
    expect(refusal("3")).toBe(`${notWhole} "3"`);
    expect(refusal(3n)).toBe(`${notWhole} a bigint`);
    expect(refusal(Number.MAX_SAFE_INTEGER)).toBe("accepted");
  });

  it("issues no seq past 2^53 − 2, whose successor is the last safe integer: a refusal (RangeError) issues nothing and keeps the head", () => {
    const h = "a".repeat(128);
    const last = Number.MAX_SAFE_INTEGER - 1;
    const signer = createSigner(issuer, { head: { seq: last, prev: { sha3_512: h, blake2b_512: h } } });
    const recorded: string[] = [];
    const lineage = { append: (a: string) => void recorded.push(a) };
    const issued = authorize(policy, ADMIN_OK, { signer, now: clock, lineage });
    expect(issued.statement.lineage.seq).toBe(last);
    expect(verifyArtifact(issued.artifact, base)).toMatchObject({ ok: true });
    const head = signer.head;
    expect(head.seq).toBe(Number.MAX_SAFE_INTEGER);
    // the next would hold seq 2^53 (what 2^53 + 1 reads as too), which no verifier or log reads back
    let thrown: unknown;
    try {
      authorize(policy, ADMIN_OK, { signer, now: clock, lineage });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(RangeError);
    expect((thrown as Error).message).toMatch(/the chain head is at seq 9007199254740991: the last seq an artifact is issued with is 9007199254740990.*nothing was issued/);
    expect(recorded).toEqual([issued.artifact]);
    expect(signer.head).toBe(head);
    // nor does the head move past it by hand, nor does a signer started there issue
    expect(() => signer.advance(issued.artifact)).toThrow(RangeError);
    expect(signer.head).toBe(head);
    expect(() => authorize(policy, ADMIN_OK, { signer: createSigner(issuer, { head }), now: clock })).toThrow(RangeError);
  });

  it("issues a faulty policy's answer as an internal deny when it cannot be signed as given", () => {
    const signer = createSigner(issuer);
    for (const answer of [
      { decision: "allow", rules: ["ok\ud800"], errors: [] },
      { decision: "deny", rules: [], errors: [{ rule: "r", code: "overflow", message: "bad\udc00", at: 0 }] },
      { decision: "allow", rules: ["x".repeat(2_000_000)], errors: [] },
    ]) {
      const faulty = fakePolicy({ decide: () => answer as never });
      const { artifact, decision } = authorize(faulty, ADMIN_OK, { signer, now: clock });
      expect(decision.decision).toBe("deny");
      expect(decision.errors[0]).toMatchObject({ code: "internal" });
      expect(verifyArtifact(artifact, { ...base, trustedPolicies: [faulty.digests] })).toMatchObject({ ok: true });
    }
  });

  it("ids are unique; everything else is deterministic for a pinned clock and key", () => {
    const one = issue(ADMIN_OK).statement;
    const two = issue(ADMIN_OK).statement;
    expect(one.jti).not.toBe(two.jti);
    expect({ ...one, jti: "" }).toEqual({ ...two, jti: "" });
  });
  it("both crypto paths issue byte-identical artifacts for the same statement", () => {
    const seed = issuer.seed;
    const a = authorize(policy, ADMIN_OK, { signer: createSigner(privateKeyFromSeed(seed), { path: "native" }), now: clock });
    const b = authorize(policy, ADMIN_OK, { signer: createSigner(privateKeyFromSeed(seed), { path: "noble" }), now: clock });
    const [ha, , sa] = a.artifact.split(".");
    const [hb, , sb] = b.artifact.split(".");
    expect(ha).toBe(hb);
    // different jti, so compare signatures over the same statement by re-signing b's statement natively
    const again = createSigner(privateKeyFromSeed(seed), { path: "native" }).signJws({ typ: "writ-authz+jws" }, new TextEncoder().encode(canonicalize(b.statement)));
    expect(again).toBe(b.artifact);
    expect(sa).not.toBe(sb);
  });
  it("a request with no JSON form is denied and carries the placeholder digest", () => {
    const cyclic: Record<string, unknown> = { principal: { role: "admin" }, amount: 1 };
    cyclic["again"] = cyclic;
    for (const request of [cyclic, { principal: { role: "admin" }, amount: 2n ** 60n }, { principal: { role: "admin" }, amount: 1, f: () => 0 }]) {
      const { decision, statement } = issue(request);
      expect(decision.decision).toBe("deny");
      expect(decision.errors[0]).toMatchObject({ rule: null, code: "invalid_request", message: expect.stringMatching(/not JSON-representable/) });
      expect(statement.request.sha3_512).toBe(sha3_512Hex(UNREPRESENTABLE_REQUEST));
    }
  });
  it("a safe BigInt request digests like the equal number and is decided normally", () => {
    const { statement } = issue({ principal: { role: "admin" }, amount: 10n });
    expect(statement.decision).toBe("allow");
    expect(statement.request.sha3_512).toBe(sha3_512Hex(canonicalize(ADMIN_OK)));
  });
  it("a policy that throws is a deny stating the fault", () => {
    const throwing = fakePolicy({ decide: () => { throw new Error("trap"); } });
    const { decision } = authorize(throwing, ADMIN_OK, { signer: createSigner(issuer), now: clock });
    expect(decision).toEqual({ decision: "deny", rules: [], errors: [{ rule: "", code: "internal", message: "the policy threw: trap", at: -1 }] });
    const garbage = fakePolicy({ decide: () => ({ decision: "yes" }) as never });
    expect(authorize(garbage, ADMIN_OK, { signer: createSigner(issuer), now: clock }).decision.decision).toBe("deny");
  });
  it("refuses a ttl that is not a positive integer", () => {
    expect(() => issue(ADMIN_OK, { ttlSeconds: 0 })).toThrow(RangeError);
    expect(() => issue(ADMIN_OK, { ttlSeconds: 1.5 })).toThrow(RangeError);
  });
  it("names a ttl that is no number as what it is, never as the number it would be coerced to", () => {
    const refused = "ttlSeconds must be a whole number of seconds from 1 to 3162240000 (a hundred years), got";
    const cases: [unknown, string][] = [
      ["5", `${refused} "5"`],
      [[7], `${refused} an object`],
      [true, `${refused} a boolean`],
      [5n, `${refused} a bigint`],
      [5.5, `${refused} 5.5`],
      [-1, `${refused} -1`],
    ];
    for (const [ttl, message] of cases) {
      let thrown: unknown;
      try {
        issue(ADMIN_OK, { ttlSeconds: ttl as number });
      } catch (e) {
        thrown = e;
      }
      expect(thrown, String(ttl)).toBeInstanceOf(RangeError);
      expect((thrown as Error).message, String(ttl)).toBe(message);
    }
  });
});

describe("verifyArtifact", () => {
  const { artifact, statement } = issue(ADMIN_OK);

  it("takes the line end a file adds, and nothing else around the token", () => {
    expect(verifyArtifact(` ${artifact}\r\n`, base)).toEqual({ ok: true, statement });
    for (const wrapped of [`\ufeff${artifact}`, `${artifact}\u00a0`, `${artifact}\u3000\u2028`])
      expect(verifyArtifact(wrapped, base)).toMatchObject({ ok: false, code: "malformed" });
    // a long run of spaces is walked once, not once per space
    expect(verifyArtifact(`${" ".repeat(500_000)}x`, base)).toMatchObject({ ok: false, code: "malformed" });
  });

  it("accepts a good artifact with every check on", () => {
    const result = verifyArtifact(artifact, { ...base, trustedPolicies: [policy.digests], request: ADMIN_OK, requireAllow: true });
    expect(result).toEqual({ ok: true, statement });
    expect(verifyArtifact(artifact, { ...base, path: "noble" }).ok).toBe(true);
  });
  it("malformed: not three parts, bad base64url, payload not canonical or not a statement", () => {
    expect(verifyArtifact("abc.def", base)).toMatchObject({ ok: false, code: "malformed" });
    expect(verifyArtifact(artifact.replace(".", ".=="), base)).toMatchObject({ ok: false, code: "malformed" });
    expect(verifyArtifact(42 as unknown as string, base)).toMatchObject({ ok: false, code: "malformed" });
    // a correctly signed payload that is JSON but not canonical
    const signer = createSigner(issuer);
    const spaced = signer.signJws({ typ: "writ-authz+jws" }, new TextEncoder().encode(JSON.stringify(statement, null, 1)));
    expect(verifyArtifact(spaced, base)).toMatchObject({ ok: false, code: "malformed", message: expect.stringMatching(/canonical/) });
    const partial = signer.signJws({ typ: "writ-authz+jws" }, new TextEncoder().encode(canonicalize({ ...statement, lineage: { seq: 1, prev: null } })));
    expect(verifyArtifact(partial, base)).toMatchObject({ ok: false, code: "malformed", message: expect.stringMatching(/lineage/) });
  });
  it("malformed: a signed payload with no RFC 8785 canonical form is refused for canonicalJson's reason, at its place", () => {
    const signer = createSigner(issuer);
    const signed = (text: string) => signer.signJws({ typ: "writ-authz+jws" }, new TextEncoder().encode(text));
    const text = canonicalize(statement);
    // nested within what JSON.parse is let read (1,024 levels), past what canonical JSON writes (256)
    const deep = text.replace('"errors":[]', `"errors":[${"[".repeat(300)}${"]".repeat(300)}]`);
    expect(verifyArtifact(signed(deep), base)).toEqual({
      ok: false,
      code: "malformed",
      message: `payload has no RFC 8785 canonical form: nested deeper than 256 levels at \`errors${"[0]".repeat(255)}\``,
    });
    // JSON's escape writes a lone surrogate in UTF-8 that holds none
    const lone = text.replace('"rules":["admin"]', '"rules":["adm\\ud800in"]');
    const refused = { ok: false, code: "malformed", message: "payload has no RFC 8785 canonical form: string contains a lone surrogate (not I-JSON) at `rules[0]`" };
    expect(verifyArtifact(signed(lone), base)).toEqual(refused);
    expect(replayArtifact(signed(lone), ADMIN_OK, policy)).toEqual({ ok: false, differences: [`malformed: artifact: ${refused.message}`] });
  });
  it("malformed: the place of what has no canonical form is quoted up to 1,000 characters, however deep the keys that lead to it", () => {
    let inner = '"\\ud800"';
    for (let i = 0; i < 200; i++) inner = `{"${"k".repeat(60)}${i}":${inner}}`;
    const text = canonicalize(statement).replace('"errors":[]', `"errors":[${inner}]`);
    const result = verifyArtifact(createSigner(issuer).signJws({ typ: "writ-authz+jws" }, new TextEncoder().encode(text)), base);
    expect(result).toMatchObject({ ok: false, code: "malformed", message: expect.stringMatching(/^payload has no RFC 8785 canonical form: string contains a lone surrogate \(not I-JSON\) at `errors\[0\]\.k{60}199\.k{60}198\.k{60}197\..*… \(\d+ more characters\)`$/) });
    expect((result as { message: string }).message.length).toBeLessThan(1200);
  });
  it("bad_header: alg other than EdDSA, wrong typ, crit", () => {
    const [, p, s] = artifact.split(".");
    const header = (h: object) => Buffer.from(JSON.stringify(h)).toString("base64url");
    for (const h of [
      { alg: "none", kid: issuer.keyId, typ: "writ-authz+jws" },
      { alg: "HS256", kid: issuer.keyId, typ: "writ-authz+jws" },
      { alg: "EdDSA", kid: issuer.keyId, typ: "JWT" },
      { alg: "EdDSA", kid: issuer.keyId, typ: "writ-authz+jws", crit: ["exp"] },
    ])
      expect(verifyArtifact(`${header(h)}.${p}.${s}`, base)).toMatchObject({ ok: false, code: "bad_header" });
  });
  it("unknown_key: signed by another key", () => {
    const other = authorize(policy, ADMIN_OK, { signer: createSigner(generateKeyPair()), now: clock }).artifact;
    expect(verifyArtifact(other, base)).toMatchObject({ ok: false, code: "unknown_key" });
  });
  it("bad_signature: changed payload, changed signature, or another key's signature under our kid", () => {
    expect(verifyArtifact(tamperPayload(artifact, (s) => (s["decision"] = "deny")), base)).toMatchObject({ ok: false, code: "bad_signature" });
    expect(verifyArtifact(tamperPayload(TOO_MUCH_ARTIFACT(), (s) => { s["decision"] = "allow"; s["rules"] = ["admin"]; }), base)).toMatchObject({ code: "bad_signature" });
    const [h, p, s] = artifact.split(".") as [string, string, string];
    const sig = Buffer.from(s, "base64url");
    sig[40]! ^= 1;
    expect(verifyArtifact(`${h}.${p}.${sig.toString("base64url")}`, base)).toMatchObject({ ok: false, code: "bad_signature" });
    const foreign = authorize(policy, ADMIN_OK, { signer: createSigner(generateKeyPair()), now: clock }).artifact.split(".")[2];
    expect(verifyArtifact(`${h}.${p}.${foreign}`, base)).toMatchObject({ ok: false, code: "bad_signature" });
  });
  it("expired and not_yet_valid, with clock skew on both ends", () => {
    const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
    expect(verifyArtifact(artifact, { ...base, now: at(300 + 29) }).ok).toBe(true);
    expect(verifyArtifact(artifact, { ...base, now: at(300 + 30) })).toMatchObject({ ok: false, code: "expired" });
    expect(verifyArtifact(artifact, { ...base, now: at(301), clockSkewSeconds: 0 })).toMatchObject({ ok: false, code: "expired" });
    expect(verifyArtifact(artifact, { ...base, now: at(-29) }).ok).toBe(true);
    expect(verifyArtifact(artifact, { ...base, now: at(-31) })).toMatchObject({ ok: false, code: "not_yet_valid" });
    // at the edges themselves, to the millisecond: iat − skew ≤ now < exp + skew
    expect(verifyArtifact(artifact, { ...base, now: at(-30) }).ok).toBe(true);
    expect(verifyArtifact(artifact, { ...base, now: at(-30.001) })).toMatchObject({ ok: false, code: "not_yet_valid" });
    expect(verifyArtifact(artifact, { ...base, now: at(299.999), clockSkewSeconds: 0 }).ok).toBe(true);
    expect(verifyArtifact(artifact, { ...base, now: at(300), clockSkewSeconds: 0 })).toMatchObject({ ok: false, code: "expired" });
  });
  it("untrusted_policy: the module digest is not among those trusted (both digests must match)", () => {
    const other = fakePolicy({ moduleText: "another module" });
    expect(verifyArtifact(artifact, { ...base, trustedPolicies: [other.digests] })).toMatchObject({ ok: false, code: "untrusted_policy" });
    const half = { sha3_512: policy.digests.sha3_512, blake2b_512: other.digests.blake2b_512 };
    expect(verifyArtifact(artifact, { ...base, trustedPolicies: [half] })).toMatchObject({ ok: false, code: "untrusted_policy" });
    expect(verifyArtifact(artifact, { ...base, trustedPolicies: [other.digests, policy.digests] }).ok).toBe(true);
  });
  it("request_mismatch: the artifact is for a different request", () => {
    expect(verifyArtifact(artifact, { ...base, request: { ...ADMIN_OK, amount: 11 } })).toMatchObject({ ok: false, code: "request_mismatch" });
    expect(verifyArtifact(artifact, { ...base, request: { amount: 10, principal: { role: "admin" } } }).ok).toBe(true); // member order is irrelevant
    expect(verifyArtifact(artifact, { ...base, request: undefined })).toMatchObject({ ok: false, code: "request_mismatch" });
  });
  it("not_allowed: a valid deny when the caller asks for an allow", () => {
    const deny = TOO_MUCH_ARTIFACT();
    expect(verifyArtifact(deny, base).ok).toBe(true);
    expect(verifyArtifact(deny, { ...base, requireAllow: true })).toMatchObject({ ok: false, code: "not_allowed", message: expect.stringMatching(/too_much/) });
  });
  it("verifies artifacts from both paths on both paths", () => {
    const noble = authorize(policy, ADMIN_OK, { signer: createSigner(issuer, { path: "noble" }), now: clock }).artifact;
    expect(verifyArtifact(noble, { ...base, path: "native" }).ok).toBe(true);
    expect(verifyArtifact(artifact, { ...base, path: "noble" }).ok).toBe(true);
    expect(bytesToHex(new Uint8Array(Buffer.from(noble.split(".")[2]!, "base64url"))).length).toBe(128);
  });
});

function TOO_MUCH_ARTIFACT(): string {
  return issue(TOO_MUCH).artifact;
}
