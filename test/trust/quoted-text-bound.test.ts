// What verifyArtifact and replayArtifact quote of an artifact or a request is cut at MAX_SHOWN_TEXT
// UTF-16 units, and says how many it left out. A single name was already cut (shownName, shownJson),
// but a list of them was quoted whole: a trusted issuer's deny naming 60,000 rules made a refusal of
// half a megabyte, a tree head with hundreds of extra members one of 11,000 characters, and the path
// to what a deep request cannot hold one of 17,000.

import { describe, expect, it } from "vitest";
import { authorize } from "../../runtime/trust/authorize.js";
import { createBatchAuthorizer } from "../../runtime/trust/batch.js";
import { canonicalize } from "../../runtime/trust/jcs.js";
import { signCompact } from "../../runtime/trust/jws.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { replayArtifact } from "../../runtime/trust/replay.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { verifyArtifact } from "../../runtime/trust/verify-artifact.js";
import { MAX_SHOWN_TEXT, shownName } from "../../runtime/shown-name.js";
import { clip, cutCounted } from "../../runtime/thrown.js";
import { isWellFormed } from "../../runtime/strings.js";
import { ADMIN_OK, TOO_MUCH, fakePolicy } from "./fake-policy.js";

const issuer = generateKeyPair();
const policy = fakePolicy();
const NOW = new Date("2026-11-28T12:00:00Z");
const base = { trustedKeys: [issuer.publicKey], now: NOW };
/** the marker a cut quote ends with */
const CUT = /… \((\d+) more characters\)/;

/** `artifact` with its statement changed by `edit` and signed again by the trusted issuer: only the change is wrong. */
function resigned(artifact: string, edit: (s: Record<string, unknown>) => void): string {
  const [h, p] = artifact.split(".") as [string, string];
  const statement = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as Record<string, unknown>;
  edit(statement);
  const header = JSON.parse(Buffer.from(h, "base64url").toString("utf8")) as Record<string, unknown>;
  return signCompact(header, new TextEncoder().encode(canonicalize(statement)), issuer);
}

/** A request nested 250 objects deep under keys of 64 characters, with a lone surrogate at the bottom: its path is some 17,000 characters. */
function deepRequest(): unknown {
  let inner: unknown = { z: "\ud800" };
  for (let i = 0; i < 250; i++) inner = { [`${"k".repeat(63)}\u2028`]: inner };
  return { principal: inner };
}

describe("cutCounted", () => {
  it("keeps text up to the bound as it is, and past it keeps the bound's units and counts the rest", () => {
    expect(cutCounted("abc", 3)).toBe("abc");
    expect(cutCounted("abcdef", 3)).toBe("abc… (3 more characters)");
  });
  it("never keeps half a surrogate pair: one that would straddle the cut is left out whole", () => {
    expect(cutCounted("ab😀cd", 3)).toBe("ab… (4 more characters)");
    expect(cutCounted("a😀bc", 3)).toBe("a😀… (2 more characters)");
  });
  it("cuts where clip cuts, which keeps one unit fewer for its `…`", () => {
    const s = "x".repeat(10) + "😀".repeat(10);
    for (let max = 1; max < s.length; max++) expect(clip(s, max).slice(0, -1)).toBe(cutCounted(s, max - 1).replace(CUT, ""));
  });
});

describe("verifyArtifact quotes at most MAX_SHOWN_TEXT units of what an artifact or a request holds", () => {
  const deny = authorize(policy, TOO_MUCH, { signer: createSigner(issuer), now: () => NOW }).artifact;

  it("a deny naming 60,000 rules is refused with the first of them, and how many characters of them are left out", () => {
    const rules = Array.from({ length: 60_000 }, (_, i) => `r${i}`);
    const result = verifyArtifact(resigned(deny, (s) => (s["rules"] = rules)), { ...base, requireAllow: true });
    const named = rules.join(", ");
    expect(result).toEqual({
      ok: false,
      code: "not_allowed",
      message: `artifact records a deny by ${named.slice(0, MAX_SHOWN_TEXT)}… (${named.length - MAX_SHOWN_TEXT} more characters)`,
    });
  });

  it("the cut leaves no half of a surrogate pair among the rules it shows", () => {
    const rules = Array.from({ length: 50 }, () => "😀".repeat(100));
    const result = verifyArtifact(resigned(deny, (s) => (s["rules"] = rules)), { ...base, requireAllow: true });
    expect(result).toMatchObject({ ok: false, code: "not_allowed" });
    const message = (result as { message: string }).message;
    const named = rules.map(shownName).join(", ");
    // the pair at unit 999 of the rules would be split at 1,000: it is left out whole
    expect(message).toBe(`artifact records a deny by ${named.slice(0, MAX_SHOWN_TEXT - 1)}… (${named.length - MAX_SHOWN_TEXT + 1} more characters)`);
    expect(isWellFormed(message)).toBe(true);
  });

  it("a request with no canonical JSON deep down is named by a path cut at the bound", () => {
    const result = verifyArtifact(deny, { ...base, request: deepRequest() });
    expect(result).toMatchObject({ ok: false, code: "request_mismatch", message: expect.stringMatching(CUT) });
    const message = (result as { message: string }).message;
    expect(message).toMatch(/^the request to check has no canonical JSON \(string contains a lone surrogate \(not I-JSON\) at `principal\["k{63}\\u2028"\]/);
    expect(message.length).toBeLessThan(MAX_SHOWN_TEXT + 200);
  });

  it("a batched artifact's tree head with 600 members it should not have names the first of them, cut at the bound", () => {
    const [first] = createBatchAuthorizer({ signer: createSigner(issuer), now: () => NOW }).authorizeBatch(policy, [ADMIN_OK, TOO_MUCH]);
    const batched = JSON.parse(first!.artifact) as Record<string, unknown>;
    const [h, p] = (batched["head"] as string).split(".") as [string, string];
    const head = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as Record<string, unknown>;
    for (let i = 0; i < 600; i++) head[`\u2028${i}`] = 0;
    const header = JSON.parse(Buffer.from(h, "base64url").toString("utf8")) as Record<string, unknown>;
    const forged = JSON.stringify({ ...batched, head: signCompact(header, new TextEncoder().encode(canonicalize(head)), issuer) });
    const result = verifyArtifact(forged, base);
    expect(result).toMatchObject({ ok: false, code: "malformed", message: expect.stringMatching(/^tree head payload has "\\u20280", "\\u20281", /) });
    const message = (result as { message: string }).message;
    expect(message).toMatch(CUT);
    expect(message.length).toBeLessThan(MAX_SHOWN_TEXT + 200);
  });
});

describe("replayArtifact quotes at most MAX_SHOWN_TEXT units of what a request holds", () => {
  it("a request with no canonical JSON deep down is named by a path cut at the bound", () => {
    const { artifact } = authorize(policy, ADMIN_OK, { signer: createSigner(issuer), now: () => NOW });
    const result = replayArtifact(artifact, deepRequest(), policy);
    expect(result.ok).toBe(false);
    const request = (result as { differences: string[] }).differences.find((d) => d.startsWith("request:"))!;
    expect(request).toMatch(/^request: this request has no canonical JSON \(string contains a lone surrogate \(not I-JSON\) at `principal\["k{63}\\u2028"\]/);
    expect(request).toMatch(CUT);
    expect(request.length).toBeLessThan(MAX_SHOWN_TEXT + 200);
    for (const difference of (result as { differences: string[] }).differences) expect(difference.length).toBeLessThan(MAX_SHOWN_TEXT + 200);
  });
});
