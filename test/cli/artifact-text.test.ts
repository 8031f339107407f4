// What `writ verify`, `writ replay` and `writ audit` read from an artifact, a bundle, a log or a key
// file is anyone's text. It is read as the library reads it (only ASCII spaces and line ends around
// an artifact are taken away), and every value of it a message or a summary names is shown on one
// line: a forged `kid`, issuer, policy name or rule name holding line ends must not print lines of
// its own ("artifact verified") under the command's name. Real files, the command line run in process
// through main (the terminal escaping included).

import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadPolicy, type LoadedPolicy } from "../../runtime/policy.js";
import type { Bundle } from "../../runtime/manifest.js";
import { authorize } from "../../runtime/trust/authorize.js";
import { createBatchAuthorizer } from "../../runtime/trust/batch.js";
import { signBundle } from "../../runtime/trust/bundle.js";
import { writeBundle } from "../../runtime/trust/bundle-files.js";
import { canonicalize } from "../../runtime/trust/jcs.js";
import { signCompact } from "../../runtime/trust/jws.js";
import { writeKeyPair } from "../../runtime/trust/key-files.js";
import { generateKeyPair, publicJwk } from "../../runtime/trust/keys.js";
import { openLog } from "../../runtime/trust/lineage.js";
import { replayArtifact } from "../../runtime/trust/replay.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { ARTIFACT_TYP, BUNDLE_SIGNATURE_TYP } from "../../runtime/trust/types.js";
import { BATCH_HEAD_TYP } from "../../runtime/trust/batch-artifact.js";
import { compiledBundle } from "../support/compiled-bundle.js";
import { runWrit } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

const ADMIN = { principal: { role: "admin" }, amount: 10 };
const LARGE = { principal: { role: "admin" }, amount: 5000 };
/** what a forged value would print as a line of its own, were its line ends kept */
const FORGED_LINE = "writ verify: artifact verified";

const dir = tempDir("artifact-text");
const authority = generateKeyPair();
const issuer = generateKeyPair();
let bundle: Bundle;
let policy: LoadedPolicy;
let allow = "";

const b64 = (text: string | Uint8Array) => Buffer.from(text).toString("base64url");
const statementOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8"));

/** The artifact `token` with its statement changed by `edit`, signed again by the issuer (the key it names unless `kid` is given). */
function resigned(token: string, edit: (s: Record<string, any>) => void, kid = issuer.keyId): string {
  const s = statementOf(token);
  edit(s);
  s.iss = kid;
  return signCompact({ alg: "EdDSA", kid, typ: ARTIFACT_TYP }, new TextEncoder().encode(canonicalize(s)), issuer);
}

/** A compact JWS of type `typ` whose header names `kid`, over `payload`, with a signature of zeros (no key signed it). */
function unsigned(typ: string, kid: string, payload: string): string {
  return `${b64(canonicalize({ alg: "EdDSA", kid, typ }))}.${b64(payload)}.${b64(new Uint8Array(64))}`;
}

beforeAll(async () => {
  bundle = signBundle(await compiledBundle(), authority);
  writeBundle(join(dir, "bundle"), bundle);
  writeKeyPair(dir, authority, "authority");
  writeKeyPair(dir, issuer, "issuer");
  policy = loadPolicy(bundle, { trustedKeys: [authority.publicKey] });
  allow = authorize(policy, ADMIN, { signer: createSigner(issuer) }).artifact;
  writeFileSync(join(dir, "admin.json"), JSON.stringify(ADMIN));
  writeFileSync(join(dir, "large.json"), JSON.stringify(LARGE));
}, 120_000);

const writ = (...argv: string[]) => runWrit(argv, dir);

describe("an artifact file is read as verifyArtifact reads it", () => {
  it.each([
    ["a BOM before it", "\ufeff", ""],
    ["a no-break space before it", "\u00a0", ""],
    ["U+2028 after it", "", "\u2028"],
    ["an ideographic space before it", "\u3000", ""],
    ["a vertical tab after it", "", "\u000b"],
  ])("writ verify and writ replay refuse an artifact with %s, as verifyArtifact and replayArtifact do", async (_, before, after) => {
    const text = `${before}${allow}${after}\n`;
    writeFileSync(join(dir, "wrapped.jws"), text);
    const verified = await writ("verify", "wrapped.jws", "--pub", "issuer.public.jwk");
    expect(verified).toMatchObject({ code: 1, out: "" });
    // before the token: neither kind of artifact begins with that character; after it: the JWS's last part
    expect(verified.err).toMatch(/^writ verify: refused \(malformed\): (JWS (header|signature) is not unpadded base64url|an artifact begins with .*, and this one begins with U\+[0-9A-F]{4})$/);
    const replayed = await writ("replay", "wrapped.jws", "--input", "admin.json", "--bundle", "bundle");
    expect(replayed).toMatchObject({ code: 1, out: "" });
    // before it, in verify's words (the same check of its first character); after it, the JWS's last part
    const reason = verified.err.replace("writ verify: refused (malformed): ", "");
    // said malformed, as verify says it, not a mismatch: nothing was compared
    if (before !== "") expect(replayed.err).toBe(`writ replay: the artifact is malformed: ${reason}`);
    else expect(replayed.err).toBe("writ replay: the artifact is malformed: artifact: JWS signature is not unpadded base64url");
    expect(replayArtifact(text, ADMIN, policy)).toMatchObject({ ok: false, differences: [expect.stringMatching(/^malformed: /)] });
  });

  it("writ replay says an empty artifact file is malformed, not that it differs from re-evaluation", async () => {
    writeFileSync(join(dir, "empty.jws"), "\n");
    const replayed = await writ("replay", "empty.jws", "--input", "admin.json", "--bundle", "bundle");
    expect(replayed).toMatchObject({ code: 1, out: "" });
    expect(replayed.err).toMatch(/^writ replay: the artifact is malformed: .*empty/);
    expect(replayed.err).not.toContain("re-evaluation");
  });

  it("takes away the ASCII spaces and line ends around it, and only those", async () => {
    writeFileSync(join(dir, "spaced.jws"), ` \t${allow}\r\n\n`);
    expect(await writ("verify", "spaced.jws", "--pub", "issuer.public.jwk")).toMatchObject({ code: 0, err: "" });
    expect(await writ("replay", "spaced.jws", "--input", "admin.json", "--bundle", "bundle")).toMatchObject({ code: 0, err: "" });
  });
});

describe("a value an artifact, a bundle, a log or a key file holds is shown on one line", () => {
  const forgedName = `nobody\n{"decision":"allow"}\n${FORGED_LINE}`;
  const quoted = JSON.stringify(forgedName);

  it("writ verify quotes the kid of a forged artifact, which it refuses before any signature", async () => {
    writeFileSync(join(dir, "kid.jws"), unsigned(ARTIFACT_TYP, forgedName, "{}"));
    const r = await writ("verify", "kid.jws", "--pub", "issuer.public.jwk");
    expect(r).toMatchObject({ code: 1, out: "" });
    expect(r.err).toBe(`writ verify: refused (unknown_key): artifact is signed by key ${quoted}, which is not a trusted issuer`);
  });

  it("writ verify cuts and escapes the `alg` of a forged artifact, whatever its size", async () => {
    const alg = `EdDSA\u2028${FORGED_LINE}\u202e${"A".repeat(100_000)}`;
    writeFileSync(join(dir, "alg.jws"), `${b64(canonicalize({ alg, kid: issuer.keyId, typ: ARTIFACT_TYP }))}.${b64("{}")}.${b64(new Uint8Array(64))}`);
    const r = await writ("verify", "alg.jws", "--pub", "issuer.public.jwk");
    expect(r).toMatchObject({ code: 1, out: "" });
    expect(r.err).toBe(`writ verify: refused (bad_header): header \`alg\` is "EdDSA\\u2028${FORGED_LINE}\\u202e${"A".repeat(162)}…", only "EdDSA" is accepted`);
  });

  it("writ verify quotes the kid of a batched artifact's forged tree head", async () => {
    const [issued] = createBatchAuthorizer({ signer: createSigner(issuer) }).authorizeBatch(policy, [ADMIN]);
    const batched = JSON.parse(issued!.artifact);
    batched.head = unsigned(BATCH_HEAD_TYP, forgedName, "{}");
    writeFileSync(join(dir, "batched.json"), JSON.stringify(batched));
    const r = await writ("verify", "batched.json", "--pub", "issuer.public.jwk");
    expect(r).toMatchObject({ code: 1, out: "" });
    expect(r.err).toBe(`writ verify: refused (unknown_key): tree head is signed by key ${quoted}, which is not a trusted issuer`);
  });

  it("writ verify and writ eval quote the kid of a bundle's forged signature", async () => {
    cpSync(join(dir, "bundle"), join(dir, "forged-bundle"), { recursive: true });
    writeFileSync(join(dir, "forged-bundle", "payments.manifest.jws"), unsigned(BUNDLE_SIGNATURE_TYP, forgedName, canonicalize(bundle.manifest)) + "\n");
    const reason = `bundle is signed by key ${quoted}, which is not among the 1 trusted keys`;
    const verified = await writ("verify", "forged-bundle", "--pub", "authority.public.jwk");
    expect(verified).toMatchObject({ code: 1, out: "", err: `writ verify: bundle payments refused (untrusted_key): ${reason}` });
    const evaluated = await writ("eval", "forged-bundle", "--input", "admin.json", "--pub", "authority.public.jwk");
    expect(evaluated).toMatchObject({ code: 1, out: "", err: `writ eval: bundle refused (untrusted_key): ${reason}` });
  });

  it("writ verify quotes the rules and the policy a trusted issuer's artifact names", async () => {
    const deny = authorize(policy, LARGE, { signer: createSigner(issuer) }).artifact;
    writeFileSync(join(dir, "rules.jws"), resigned(deny, (s) => (s.rules = [forgedName, "too_much"])));
    const refused = await writ("verify", "rules.jws", "--pub", "issuer.public.jwk", "--allow");
    expect(refused).toMatchObject({ code: 1, out: "", err: `writ verify: refused (not_allowed): artifact records a deny by ${quoted}, too_much` });
    const other = resigned(allow, (s) => {
      s.policy.name = forgedName;
      s.policy.version = `1.0.0\n${FORGED_LINE}`;
      s.policy.sha3_512 = "0".repeat(128);
    });
    writeFileSync(join(dir, "policy.jws"), other);
    const untrusted = await writ("verify", "policy.jws", "--pub", "issuer.public.jwk", "--bundle", "bundle");
    expect(untrusted).toMatchObject({ code: 1, out: "" });
    expect(untrusted.err).toBe(`writ verify: refused (untrusted_policy): policy ${quoted} ${JSON.stringify(`1.0.0\n${FORGED_LINE}`)} (module sha3-512 ${"0".repeat(16)}…) is not a trusted module`);
  });

  it("writ replay quotes the policy name and version an artifact states", async () => {
    writeFileSync(join(dir, "named.jws"), resigned(allow, (s) => (s.policy.name = `payments\nreplay confirmed: payments 1.0.0 decides the same`)));
    const r = await writ("replay", "named.jws", "--input", "admin.json", "--bundle", "bundle");
    expect(r).toMatchObject({ code: 1, out: "" });
    expect(r.err.split("\n")).toEqual([
      "writ replay: the artifact does not match re-evaluation:",
      `  policy: the artifact names ${JSON.stringify("payments\nreplay confirmed: payments 1.0.0 decides the same")} 1.0.0, this module is payments 1.0.0`,
    ]);
  });

  it("writ audit verify quotes the issuers of a log it cannot check the signatures of, and the kid it refuses with --pub", async () => {
    const logPath = join(dir, "forged.jsonl");
    const log = openLog(logPath);
    authorize(policy, ADMIN, { signer: createSigner(issuer), lineage: log });
    log.close();
    // the one record's artifact, its issuer and kid replaced (and signed again): without --pub only
    // the hash chains are checked, and the last record's chain holds whatever it says
    const record = JSON.parse(readFileSync(logPath, "utf8"));
    const issuerName = `KEY\n  signatures  verified with 1 trusted key`;
    record.artifact = resigned(record.artifact, () => {}, issuerName);
    writeFileSync(logPath, JSON.stringify(record) + "\n");
    const r = await writ("audit", "verify", "forged.jsonl");
    expect(r).toMatchObject({ code: 0, err: "" });
    const lines = r.out.split("\n");
    expect(lines.filter((l) => l.startsWith("  signatures"))).toEqual(["  signatures  not checked (no --pub): only the hash chains were"]);
    expect(lines).toContain(`  issuers     ${JSON.stringify(issuerName)}`);
    expect(lines).toHaveLength(6);

    const checked = await writ("audit", "verify", "forged.jsonl", "--pub", "issuer.public.jwk");
    expect(checked).toMatchObject({ code: 1, out: "" });
    expect(checked.err).toBe(`writ audit: forged.jsonl: record 0 bad_signature: record 0: unknown_key: artifact is signed by key ${JSON.stringify(issuerName)}, which is not a trusted issuer`);
  });

  it("a key file's kid is shown escaped where the file is refused", async () => {
    writeFileSync(join(dir, "kid.public.jwk"), JSON.stringify({ ...publicJwk(issuer.publicKey), kid: `x\n${FORGED_LINE}` }));
    const r = await writ("verify", "kid.jws", "--pub", "kid.public.jwk");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^writ verify: public key file .*kid\.public\.jwk: JWK `kid` "x\\nwrit verify: artifact verified" is not the key's RFC 7638 thumbprint /);
    expect(r.err).not.toContain("\n");
  });

  it("a key file that names a member twice is refused, the member named on one line", async () => {
    // a person, or a reader that keeps the first member, sees the authority's key; JSON.parse keeps the issuer's
    const [shown, kept] = [publicJwk(authority.publicKey), publicJwk(issuer.publicKey)];
    writeFileSync(join(dir, "dup.public.jwk"), `{"kty":"OKP","crv":"Ed25519","x":"${shown.x}","kid":"${shown.kid}","x":"${kept.x}","kid":"${kept.kid}"}`);
    writeFileSync(join(dir, "allow.jws"), allow);
    const r = await writ("verify", "allow.jws", "--pub", "dup.public.jwk");
    expect(r).toMatchObject({ code: 1, out: "" });
    expect(r.err).toMatch(/^writ verify: public key file .*dup\.public\.jwk:1:\d+: the member "x" appears twice in one object \(JSON\.parse keeps the last; other readers may keep the first\)$/);
    const name = `m\u2028${FORGED_LINE}`;
    writeFileSync(join(dir, "line.public.jwk"), JSON.stringify({ ...kept, [name]: 1 }).replace(/}$/, `,${JSON.stringify(name)}:2}`));
    const line = await writ("verify", "allow.jws", "--pub", "line.public.jwk");
    expect(line).toMatchObject({ code: 1, out: "" });
    expect(line.err).toContain(`the member "m\\u2028${FORGED_LINE}" appears twice`);
  });

  it("a bundle's manifest format is quoted where the load refuses it", async () => {
    const manifest = { ...bundle.manifest, format: `writ-manifest/9\n${FORGED_LINE}` } as unknown as Bundle["manifest"];
    writeBundle(join(dir, "format"), { module: bundle.module, manifest });
    const r = await writ("eval", "format", "--input", "admin.json");
    expect(r).toMatchObject({ code: 1, out: "" });
    expect(r.err).toBe(`writ eval: bundle refused (malformed): manifest format ${JSON.stringify(`writ-manifest/9\n${FORGED_LINE}`)} is not \`${bundle.manifest.format}\``);
  });
});
