// What an artifact, a tree head, a bundle signature, a bundle's manifest, a key file or a log holds
// is anyone's text until a signature vouches for it, and most of it is read before one is checked.
// Every value of it that a refusal or a replay difference names is shown on one short line: JSON,
// each string cut at 200 characters, each list after 10 items, with control, line-separator,
// zero-width and bidirectional characters escaped. A forged `alg` of 100 KB holding U+2028 must not
// make a 100 KB message that prints a line of its own ("verified") in a host's log or a terminal.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { authorize } from "../../runtime/trust/authorize.js";
import { createBatchAuthorizer } from "../../runtime/trust/batch.js";
import { signBundle, verifyBundle } from "../../runtime/trust/bundle.js";
import { readBundleResult, writeBundle } from "../../runtime/trust/bundle-files.js";
import { canonicalize } from "../../runtime/trust/jcs.js";
import { generateKeyPair, publicJwk, publicKeyFromJwk } from "../../runtime/trust/keys.js";
import { verifyLogBytes } from "../../runtime/trust/lineage-verify.js";
import { replayArtifact } from "../../runtime/trust/replay.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { ARTIFACT_TYP } from "../../runtime/trust/types.js";
import { BATCH_HEAD_TYP, signTreeHead } from "../../runtime/trust/batch-artifact.js";
import { leafHash } from "../../runtime/trust/merkle.js";
import { verifyArtifact } from "../../runtime/trust/verify-artifact.js";
import { MAX_SHOWN_ITEMS, MAX_SHOWN_JSON, shownJson } from "../../runtime/shown-name.js";
import { ADMIN_OK, fakeBundle, fakePolicy } from "./fake-policy.js";
import { buildLog, editStatement } from "./lineage-fixtures.js";
import { tempDir } from "../support/temp-dir.js";

const issuer = generateKeyPair();
const trustedKeys = [issuer.publicKey];
const policy = fakePolicy();

/** a forged value: a line of its own, text that runs right to left, a character that shows as nothing */
const FORGED = "EdDSA\u2028writ verify: artifact verified\u202e\u200b";
/** FORGED and 100,000 characters more */
const HUGE = FORGED + "A".repeat(100_000);
/** every character shownName escapes: none may reach a message as it is */
const UNESCAPED = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;
/** FORGED as a message shows it */
const SHOWN = '"EdDSA\\u2028writ verify: artifact verified\\u202e\\u200b';

/** `message` names the forged value escaped, on one line, and is short whatever the value's size */
function expectShown(message: string | undefined): void {
  expect(message).toContain(SHOWN);
  expect(message).not.toMatch(UNESCAPED);
  expect(message!.length).toBeLessThan(3 * MAX_SHOWN_JSON);
}

const b64 = (text: string | Uint8Array) => Buffer.from(text).toString("base64url");
const statementOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8"));
/** A compact JWS with `header` over `payload` and a signature of zeros: no key signed it. */
const unsigned = (header: Record<string, unknown>, payload: string) => `${b64(canonicalize(header))}.${b64(payload)}.${b64(new Uint8Array(64))}`;
/** `token` with its statement changed by `edit` (its signature no longer holds: replay does not check it) */
function edited(token: string, edit: (s: Record<string, any>) => void): string {
  const s = statementOf(token);
  edit(s);
  const [h, , sig] = token.split(".");
  return `${h}.${b64(canonicalize(s))}.${sig}`;
}

const allow = authorize(policy, ADMIN_OK, { signer: createSigner(issuer) }).artifact;
const header = { alg: "EdDSA", kid: issuer.keyId, typ: ARTIFACT_TYP };

describe("a header's `alg` and `typ` are named cut and escaped", () => {
  it.each([
    ["`alg`", { ...header, alg: HUGE }],
    ["`typ`", { ...header, typ: HUGE }],
  ])("an artifact's forged %s", (member, forged) => {
    const r = verifyArtifact(unsigned(forged, "{}"), { trustedKeys });
    expect(r).toMatchObject({ ok: false, code: "bad_header" });
    if (r.ok) return;
    expect(r.message.startsWith(`header ${member} is ${SHOWN}`)).toBe(true);
    expectShown(r.message);
  });

  it("an `alg` that is a list or an object is shown as JSON, its items counted after the first ten", () => {
    const alg = [[[[[[HUGE]]]]], ...Array.from({ length: 2_000 }, (_, i) => ({ [FORGED + i]: FORGED }))];
    const r = verifyArtifact(unsigned({ ...header, alg }, "{}"), { trustedKeys });
    expect(r).toMatchObject({ ok: false, code: "bad_header" });
    if (r.ok) return;
    expectShown(r.message);
    expect(r.message).toContain(`…${alg.length - MAX_SHOWN_ITEMS} more]`);
  });

  it("a batched artifact's forged tree head", () => {
    const [issued] = createBatchAuthorizer({ signer: createSigner(issuer) }).authorizeBatch(policy, [ADMIN_OK]);
    const batched = JSON.parse(issued!.artifact);
    // a tree head is read up to 16 KiB
    batched.head = unsigned({ alg: FORGED + "A".repeat(10_000), kid: issuer.keyId, typ: BATCH_HEAD_TYP }, "{}");
    const r = verifyArtifact(JSON.stringify(batched), { trustedKeys });
    expect(r).toMatchObject({ ok: false, code: "bad_header" });
    if (!r.ok) expectShown(r.message);
  });

  it("a bundle's forged signature", () => {
    const bundle = fakeBundle();
    const r = verifyBundle({ ...bundle, signature: unsigned({ alg: "EdDSA", kid: issuer.keyId, typ: HUGE }, canonicalize(bundle.manifest)) }, { trustedKeys });
    expect(r).toMatchObject({ ok: false, code: "malformed" });
    if (!r.ok) expectShown(r.message);
    expect(r.ok ? "" : r.message).toMatch(/^bundle signature: header `typ` is "/);
  });
});

describe("a statement's format `v` is named cut and escaped", () => {
  it("in a batched artifact whose tree head its issuer signed over it (the statement is read once the head is verified and the proof folds)", () => {
    const [issued] = createBatchAuthorizer({ signer: createSigner(issuer) }).authorizeBatch(policy, [ADMIN_OK]);
    const statement = JSON.parse(canonicalize({ ...issued!.statement, v: HUGE }));
    const root = Buffer.from(leafHash(new TextEncoder().encode(canonicalize(statement)))).toString("hex");
    const head = signTreeHead({ v: "writ-batch-head/1", batch: "0".repeat(32), size: 1, root, hash: "sha256", iss: issuer.keyId, iat: issued!.statement.iat }, createSigner(issuer));
    const r = verifyArtifact(JSON.stringify({ typ: "writ-authz-batched/2", statement, index: 0, path: [], head }), { trustedKeys });
    expect(r).toMatchObject({ ok: false, code: "malformed" });
    if (!r.ok) expectShown(r.message);
  });

  it("in a batched artifact replayed (replay checks no signature)", () => {
    const [issued] = createBatchAuthorizer({ signer: createSigner(issuer) }).authorizeBatch(policy, [ADMIN_OK]);
    const batched = JSON.parse(issued!.artifact);
    batched.statement.v = HUGE;
    const r = replayArtifact(JSON.stringify(batched), ADMIN_OK, policy);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.differences[0]).toMatch(/statement format `v` is "/);
    expectShown(r.differences[0]);
  });

  it("in a compact artifact replayed (replay checks no signature)", () => {
    const r = replayArtifact(edited(allow, (s) => (s.v = HUGE)), ADMIN_OK, policy);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.differences).toHaveLength(1);
    expect(r.differences[0]).toMatch(/^malformed: .*statement format `v` is "/);
    expectShown(r.differences[0]);
  });
});

describe("replay's differences name the rules and errors an artifact states cut and escaped", () => {
  const manyRules = [FORGED, "B".repeat(100_000), ...Array.from({ length: 1_000 }, (_, i) => `rule_${i}`)];
  // (an artifact is read up to 1 MiB)
  const long = FORGED + "C".repeat(10_000);
  const manyErrors = Array.from({ length: 20 }, () => ({ at: 0, code: long, message: long, rule: FORGED }));

  it("replayArtifact's `rules:` and `errors:`", () => {
    const r = replayArtifact(
      edited(allow, (s) => {
        s.rules = manyRules;
        s.errors = manyErrors;
      }),
      ADMIN_OK,
      policy,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const rules = r.differences.find((d) => d.startsWith("rules:"));
    const errors = r.differences.find((d) => d.startsWith("errors:"));
    expect(rules).toMatch(/^rules: the artifact names \["EdDSA\\u2028/);
    expect(rules).toContain(`…${manyRules.length - MAX_SHOWN_ITEMS} more], re-evaluation gives ["admin"]`);
    // ten errors of 200-character texts are more than a message shows of one value: cut there
    expect(errors).toMatch(/^errors: the artifact records \[\{"at":0,"code":"EdDSA\\u2028.*…, re-evaluation gives \[\]$/);
    for (const d of [rules, errors]) expectShown(d);
  });

  it("verifyLog's replay_mismatch", () => {
    const log = buildLog(1, issuer);
    const line = editStatement(log.lines[0]!, (s) => (s.rules = manyRules));
    const r = verifyLogBytes(Buffer.from(line + "\n"), { replay: policy, requests: () => ADMIN_OK });
    expect(r).toMatchObject({ ok: false, kind: "replay_mismatch" });
    if (r.ok) return;
    expect(r.reason).toMatch(/^record 0: rules: recorded \["EdDSA\\u2028/);
    expectShown(r.reason);
  });
});

describe("a bundle's manifest and a key file are named cut and escaped", () => {
  it("a manifest that names another policy", () => {
    const dir = tempDir("unsigned-text");
    const bundle = fakeBundle();
    writeBundle(dir, signBundle(bundle, issuer));
    writeFileSync(join(dir, "payments.manifest.json"), JSON.stringify({ ...bundle.manifest, name: HUGE }));
    const r = readBundleResult(dir, "payments");
    expect(r.ok).toBe(false);
    if (!r.ok) expectShown(r.message);
  });

  it.each(["kty", "crv", "use", "alg"])("a JWK's `%s`", (member) => {
    const r = publicKeyFromJwk({ ...publicJwk(issuer.publicKey), [member]: HUGE });
    expect(r.ok).toBe(false);
    if (!r.ok) expectShown(r.message);
  });
});

describe("shownJson", () => {
  it("shows plain JSON as JSON.stringify writes it, members in RFC 8785 order", () => {
    for (const v of ["RS256", "", 5, -1.5, true, null, ["a", 1], { b: [1, { c: "d" }], a: "x" }]) expect(shownJson(v)).toBe(canonicalize(v));
    expect(shownJson(undefined)).toBe("undefined");
  });

  it("cuts strings, member names, lists, objects and nesting", () => {
    expect(shownJson("x".repeat(300))).toBe(JSON.stringify(`${"x".repeat(199)}…`));
    expect(shownJson({ ["k".repeat(300)]: 1 })).toBe(`{${JSON.stringify(`${"k".repeat(199)}…`)}:1}`);
    expect(shownJson(Array.from({ length: 12 }, (_, i) => i))).toBe("[0,1,2,3,4,5,6,7,8,9,…2 more]");
    expect(shownJson(Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`m${String(i).padStart(2, "0")}`, i])))).toMatch(/^\{"m00":0,.*"m09":9,…1 more\}$/);
    expect(shownJson([[[[[1]]]]])).toBe("[[[[[…]]]]]");
    const cut = shownJson(Array.from({ length: 10 }, () => "x".repeat(200)));
    expect(cut).toHaveLength(MAX_SHOWN_JSON);
    expect(cut.endsWith("x…")).toBe(true);
    expect(shownJson({ a: { b: { c: { d: { e: 1 } } } } })).toBe('{"a":{"b":{"c":{"d":{…}}}}}');
  });
});
