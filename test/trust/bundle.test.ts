// Signed bundles: every refusal has its own code (unsigned, untrusted key, bad signature, manifest
// changed, module changed, malformed), unsigned is accepted only with allowUnsigned, and bundles
// round-trip through real files with clear errors for missing or garbled ones.

import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compactVerify, importJWK } from "jose";
import { describe, expect, it } from "vitest";
import { canonicalize } from "../../runtime/trust/jcs.js";
import { generateKeyPair, publicJwk } from "../../runtime/trust/keys.js";
import { signBundle, verifyBundle } from "../../runtime/trust/bundle.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { readBundle, readBundleResult, writeBundle, BundleFileError } from "../../runtime/trust/bundle-files.js";
import type { Bundle } from "../../runtime/manifest.js";
import { fakeBundle } from "./fake-policy.js";
import { loadPrivateKeyFile, writeKeyPair } from "../../runtime/trust/key-files.js";
import type { PrivateKey } from "../../runtime/trust/types.js";
import { tempDir } from "../support/temp-dir.js";

const authority = generateKeyPair();
const stranger = generateKeyPair();
const trusted = { trustedKeys: [authority.publicKey] };

describe("verifyBundle", () => {
  const signed = signBundle(fakeBundle(), authority);

  it("accepts a bundle signed by a trusted key and names the key", () => {
    expect(verifyBundle(signed, trusted)).toEqual({ ok: true, keyId: authority.keyId });
    expect(verifyBundle(signed, { trustedKeys: [stranger.publicKey, authority.publicKey] })).toEqual({ ok: true, keyId: authority.keyId });
  });
  it("both crypto paths accept the same signature", () => {
    expect(signBundle(fakeBundle(), authority, "noble").signature).toBe(signBundle(fakeBundle(), authority, "native").signature);
    expect(verifyBundle(signed, { ...trusted, path: "noble" }).ok).toBe(true);
  });
  it("unsigned: refused unless allowUnsigned", () => {
    const unsigned = fakeBundle();
    expect(verifyBundle(unsigned, trusted)).toMatchObject({ ok: false, code: "unsigned" });
    expect(verifyBundle(unsigned, { ...trusted, allowUnsigned: true })).toEqual({ ok: true });
  });
  it("untrusted_key: signed by a key not in the trusted set (even with allowUnsigned)", () => {
    const other = signBundle(fakeBundle(), stranger);
    expect(verifyBundle(other, trusted)).toMatchObject({ ok: false, code: "untrusted_key", message: expect.stringContaining(stranger.keyId) });
    expect(verifyBundle(other, { ...trusted, allowUnsigned: true })).toMatchObject({ ok: false, code: "untrusted_key" });
    expect(verifyBundle(other, {})).toMatchObject({ ok: false, code: "untrusted_key" });
  });
  it("bad_signature: a signature byte changed, or a stranger's signature relabelled with the trusted kid", () => {
    const [h, p, s] = signed.signature!.split(".") as [string, string, string];
    const flipped = s.slice(0, 10) + (s[10] === "A" ? "B" : "A") + s.slice(11);
    expect(verifyBundle({ ...signed, signature: `${h}.${p}.${flipped}` }, trusted)).toMatchObject({ ok: false, code: "bad_signature" });
    const forged = signBundle(fakeBundle(), stranger).signature!.split(".")[2];
    expect(verifyBundle({ ...signed, signature: `${h}.${p}.${forged}` }, trusted)).toMatchObject({ ok: false, code: "bad_signature" });
  });
  it("manifest_mismatch: the manifest supplied differs from the one signed", () => {
    const changed: Bundle = { ...signed, manifest: { ...signed.manifest, version: "9.9.9" } };
    expect(verifyBundle(changed, trusted)).toMatchObject({ ok: false, code: "manifest_mismatch" });
    // even when the new manifest's digests match new module bytes
    const otherModule = fakeBundle({ moduleText: "a different module" });
    expect(verifyBundle({ ...otherModule, signature: signed.signature }, trusted)).toMatchObject({ ok: false, code: "manifest_mismatch" });
  });
  it("module_digest_mismatch: module bytes changed after signing", () => {
    const bytes = Uint8Array.from(signed.module);
    bytes[0]! ^= 0x80;
    expect(verifyBundle({ ...signed, module: bytes }, trusted)).toMatchObject({ ok: false, code: "module_digest_mismatch", message: expect.stringMatching(/SHA3-512 and BLAKE2b-512/) });
    expect(verifyBundle({ ...fakeBundle(), module: bytes }, { allowUnsigned: true })).toMatchObject({ ok: false, code: "module_digest_mismatch" });
  });
  it("malformed: no module bytes, no digests, garbage signature, wrong alg or typ", () => {
    expect(verifyBundle({ ...signed, module: "bytes" as unknown as Uint8Array }, trusted)).toMatchObject({ code: "malformed" });
    expect(verifyBundle({ ...signed, manifest: { ...signed.manifest, digests: undefined } } as unknown as Bundle, trusted)).toMatchObject({ code: "malformed" });
    expect(verifyBundle({ ...signed, signature: "not a jws" }, trusted)).toMatchObject({ code: "malformed" });
    expect(verifyBundle(null as unknown as Bundle, trusted)).toMatchObject({ code: "malformed" });
    const [, p, s] = signed.signature!.split(".");
    const none = Buffer.from(JSON.stringify({ alg: "none", kid: authority.keyId, typ: "writ-manifest+jws" })).toString("base64url");
    expect(verifyBundle({ ...signed, signature: `${none}.${p}.${s}` }, trusted)).toMatchObject({ code: "malformed", message: expect.stringMatching(/alg/) });
    const wrongTyp = Buffer.from(JSON.stringify({ alg: "EdDSA", kid: authority.keyId, typ: "writ-authz+jws" })).toString("base64url");
    expect(verifyBundle({ ...signed, signature: `${wrongTyp}.${p}.${s}` }, trusted)).toMatchObject({ code: "malformed", message: expect.stringMatching(/typ/) });
  });
  it("the signature is a standard JWS over the manifest's canonical JSON (jose verifies it)", async () => {
    const key = await importJWK(publicJwk(authority.publicKey), "EdDSA");
    const { payload, protectedHeader } = await compactVerify(signed.signature!, key);
    expect(new TextDecoder().decode(payload)).toBe(canonicalize(signed.manifest));
    expect(protectedHeader).toEqual({ alg: "EdDSA", kid: authority.keyId, typ: "writ-manifest+jws" });
  });
});

describe("signBundle", () => {
  // the `{ ok, key }` a key file loads as used to fail as the manifest's fault: "not canonicalisable JSON at `kid`"
  it("refuses what is not a private key before signing, saying what it is and what to pass", () => {
    const dir = mkdtempSync(join(tmpdir(), "writ-sign-key-"));
    try {
      writeKeyPair(dir, authority);
      const loaded = loadPrivateKeyFile(join(dir, "writ.private.jwk"));
      expect(loaded.ok).toBe(true);
      const refusal = (key: unknown) => {
        try {
          signBundle(fakeBundle(), key as PrivateKey);
        } catch (e) {
          return e;
        }
        return undefined;
      };
      for (const [key, what] of [
        [loaded, "a key file's load result ({ ok, key } or { ok: false, message })"],
        [{ ok: false, message: "no such file" }, "a key file's load result"],
        [authority.publicKey, "a public key"],
        [undefined, "undefined"],
        [{ keyId: authority.keyId, seed: authority.seed.subarray(0, 31), publicKey: authority.publicKey }, "an object"],
      ] as const) {
        const e = refusal(key);
        expect(e).toBeInstanceOf(TypeError);
        expect((e as Error).message).toMatch(/^signBundle: the key is not a private key \(\{ keyId, seed: 32 bytes, publicKey \}\) but /);
        expect((e as Error).message).toContain(what);
        expect((e as Error).message).toContain("the `key` of loadPrivateKeyFile(path) once its `ok` is true");
        expect((e as Error).message).not.toContain("canonicalisable");
      }
      const throwing = { get keyId(): string { throw new Error("no key here"); } };
      expect(refusal(throwing)).toMatchObject({ name: "TypeError", message: "signBundle: the key could not be read: no key here" });
      // createSigner alike: it took the load result, and the first authorize threw about a statement's JSON
      expect(() => createSigner(loaded as never)).toThrow(/^createSigner: the key is not a private key .* but a key file's load result/);
      expect(() => createSigner(authority.publicKey as never)).toThrow(/^createSigner: the key is not a private key .* but a public key/);
      if (loaded.ok) expect(createSigner(loaded.key).keyId).toBe(authority.keyId);
      if (loaded.ok) expect(verifyBundle(signBundle(fakeBundle(), loaded.key), trusted)).toEqual({ ok: true, keyId: authority.keyId });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("bundle files", () => {
  const root = tempDir("bundle");

  it("writes and reads back a signed bundle, and verification still passes", () => {
    const dir = join(root, "signed");
    mkdirSync(dir);
    const signed = signBundle(fakeBundle(), authority);
    const paths = writeBundle(dir, signed);
    expect(paths.map((p) => p.slice(dir.length + 1))).toEqual(["payments.wasm", "payments.manifest.json", "payments.manifest.jws"]);
    const back = readBundle(dir);
    expect(back.signature).toBe(signed.signature);
    expect(Buffer.from(back.module).equals(Buffer.from(signed.module))).toBe(true);
    expect(verifyBundle(back, trusted)).toEqual({ ok: true, keyId: authority.keyId });
    expect(readBundle(dir, "payments").manifest).toEqual(signed.manifest);
  });
  it("an edited manifest file is caught by verification, whatever its formatting", () => {
    const dir = join(root, "edited");
    mkdirSync(dir);
    writeBundle(dir, signBundle(fakeBundle(), authority));
    const manifestPath = join(dir, "payments.manifest.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
    writeFileSync(manifestPath, JSON.stringify(manifest)); // reformatted only: still verifies
    expect(verifyBundle(readBundle(dir), trusted).ok).toBe(true);
    manifest.rules[1].effect = "permit";
    writeFileSync(manifestPath, JSON.stringify(manifest));
    expect(verifyBundle(readBundle(dir), trusted)).toMatchObject({ code: "manifest_mismatch" });
  });
  it("refuses a manifest file that names a member twice, though its last reading still verifies", () => {
    const dir = join(root, "twice");
    mkdirSync(dir);
    writeBundle(dir, signBundle(fakeBundle(), authority));
    const manifestPath = join(dir, "payments.manifest.json");
    const text = readFileSync(manifestPath, "utf8");
    // JSON.parse keeps the last member: what was signed. A reader keeping the first sees a permit.
    const forbid = text.indexOf('"effect": "forbid"');
    expect(forbid).toBeGreaterThan(0);
    writeFileSync(manifestPath, `${text.slice(0, forbid)}"effect": "permit",\n      ${text.slice(forbid)}`);
    expect(verifyBundle({ ...signBundle(fakeBundle(), authority), manifest: JSON.parse(readFileSync(manifestPath, "utf8")) }, trusted).ok).toBe(true);
    expect(readBundleResult(dir)).toMatchObject({ ok: false, path: manifestPath, message: expect.stringMatching(/payments\.manifest\.json:\d+:\d+: the member "effect" appears twice in one object/) });
  });
  it("writing an unsigned bundle removes a stale signature", () => {
    const dir = join(root, "stale");
    mkdirSync(dir);
    writeBundle(dir, signBundle(fakeBundle(), authority));
    expect(writeBundle(dir, fakeBundle())).toHaveLength(2);
    expect(existsSync(join(dir, "payments.manifest.jws"))).toBe(false);
    expect(readBundle(dir).signature).toBeUndefined();
  });
  it("refuses files named for another policy than their manifest's, and a manifest that is not UTF-8", () => {
    const dir = join(root, "renamed");
    mkdirSync(dir);
    writeBundle(dir, signBundle(fakeBundle(), authority));
    for (const suffix of [".wasm", ".manifest.json", ".manifest.jws"])
      writeFileSync(join(dir, `treasury${suffix}`), readFileSync(join(dir, `payments${suffix}`)));
    for (const suffix of [".wasm", ".manifest.json", ".manifest.jws"]) rmSync(join(dir, `payments${suffix}`));
    // the signature holds (it is of the manifest, not of the file names), so only the name tells
    expect(readBundleResult(dir)).toMatchObject({ ok: false, path: join(dir, "treasury.manifest.json"), message: expect.stringMatching(/is the manifest of policy "payments", not of "treasury"/) });
    expect(() => readBundle(dir, "treasury")).toThrow(BundleFileError);

    const bad = join(root, "latin1");
    mkdirSync(bad);
    writeBundle(bad, fakeBundle());
    const manifestPath = join(bad, "payments.manifest.json");
    const text = readFileSync(manifestPath, "utf8");
    const at = text.indexOf('"payments"') + 2;
    writeFileSync(manifestPath, Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0xff]), Buffer.from(text.slice(at))]));
    expect(readBundleResult(bad)).toMatchObject({ ok: false, path: manifestPath, message: expect.stringMatching(/is not UTF-8 text/) });
  });
  it("refuses a signature file that is there but cannot be read (a link to nothing, a loop) rather than loading the bundle as unsigned", () => {
    for (const [name, link, why] of [
      ["dangling", "nowhere.jws", /payments\.manifest\.jws is a symbolic link to a file that does not exist/],
      ["looping", "payments.manifest.jws", /payments\.manifest\.jws: .*\(ELOOP\)/],
    ] as const) {
      const dir = join(root, `signature-${name}`);
      mkdirSync(dir);
      writeBundle(dir, fakeBundle());
      symlinkSync(link, join(dir, "payments.manifest.jws"));
      expect(readBundleResult(dir), name).toMatchObject({ ok: false, path: join(dir, "payments.manifest.jws"), message: expect.stringMatching(why) });
    }
    // no entry at all is an unsigned bundle, as before
    const unsigned = join(root, "signature-none");
    mkdirSync(unsigned);
    writeBundle(unsigned, fakeBundle());
    const read = readBundleResult(unsigned);
    expect(read.ok && read.bundle.signature).toBe(undefined);
    expect(read.ok).toBe(true);
  });

  it("says a bundle directory that is a loop of symbolic links, or under one, is one (ELOOP), not that a file is there", () => {
    const loop = join(root, "loop-a");
    symlinkSync("loop-b", loop);
    symlinkSync("loop-a", join(root, "loop-b"));
    for (const dir of [loop, join(loop, "sub")])
      expect(() => writeBundle(dir, fakeBundle()), dir).toThrow(`cannot create the bundle directory ${dir}: too many symbolic links encountered (ELOOP)`);
  });

  it("names the missing or garbled file", () => {
    const dir = join(root, "broken");
    mkdirSync(dir);
    writeBundle(dir, signBundle(fakeBundle(), authority));
    writeFileSync(join(dir, "payments.manifest.jws"), "garbage here\n");
    expect(readBundleResult(dir)).toMatchObject({ ok: false, path: join(dir, "payments.manifest.jws"), message: expect.stringMatching(/not a compact JWS/) });
    writeFileSync(join(dir, "payments.manifest.json"), "{ truncated");
    expect(() => readBundle(dir)).toThrow(BundleFileError);
    expect(() => readBundle(dir)).toThrow(/payments\.manifest\.json is not valid JSON/);
    rmSync(join(dir, "payments.wasm"));
    expect(() => readBundle(dir)).toThrow(/bundle module .*payments\.wasm is missing/);
    expect(() => readBundle(join(root, "nowhere"))).toThrow(/does not exist/);
    expect(() => readBundle(root)).toThrow(/no <name>\.manifest\.json/);
    expect(() => readBundle(dir, "other")).toThrow(/other\.wasm is missing/);
  });
  it("asks for a name when a directory holds several bundles", () => {
    const dir = join(root, "several");
    mkdirSync(dir);
    writeBundle(dir, fakeBundle({ name: "alpha" }));
    writeBundle(dir, fakeBundle({ name: "beta" }));
    expect(() => readBundle(dir)).toThrow(/several bundles \(`alpha`, `beta`\): name the one to read by one of its files, as .*alpha\.wasm/);
    expect(readBundle(dir, "beta").manifest.name).toBe("beta");
    // one of its files names it, wherever a bundle directory is asked for
    for (const file of ["beta.wasm", "beta.manifest.json"]) expect(readBundle(join(dir, file)).manifest.name).toBe("beta");
    expect(() => readBundle(join(dir, "gamma.wasm"))).toThrow(/gamma\.wasm is missing/);
  });
  it("passes over a `<name>.manifest.json` whose name no policy can have, as a stray `.manifest.json`", () => {
    const dir = join(root, "stray");
    mkdirSync(dir);
    writeBundle(dir, fakeBundle({ name: "payments" }));
    for (const stray of [".manifest.json", ".hidden.manifest.json", "-x.manifest.json", "a b.manifest.json"]) writeFileSync(join(dir, stray), "{}\n");
    expect(readBundle(dir).manifest.name).toBe("payments");
    // alone, they are no bundle, and the message says why
    const only = join(root, "only-stray");
    mkdirSync(only);
    writeFileSync(join(only, ".manifest.json"), "{}\n");
    expect(() => readBundle(only)).toThrow(/no <name>\.manifest\.json in .*only-stray \(`\.manifest\.json` not named as a policy can be: .*\): not a bundle directory$/);
  });
  it("refuses a policy name that is not a safe file name", () => {
    expect(() => writeBundle(root, fakeBundle({ name: "../escape" }))).toThrow(/cannot be used as a file name/);
  });
});
