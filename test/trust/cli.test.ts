// The trust commands run in-process against real files: keygen writes usable keys (0600), sign
// signs a bundle directory, verify checks artifacts and bundle signatures with the documented exit
// codes and reasons, and none of them throws for bad input.

import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { CliIO } from "../../cli/io.js";
import { keygenCommand } from "../../cli/commands/keygen.js";
import { signCommand } from "../../cli/commands/sign.js";
import { verifyCommand } from "../../cli/commands/verify.js";
import { authorize } from "../../runtime/trust/authorize.js";
import { createBatchAuthorizer } from "../../runtime/trust/batch.js";
import { signBundle } from "../../runtime/trust/bundle.js";
import { writeBundle, readBundle } from "../../runtime/trust/bundle-files.js";
import { loadPrivateKeyFile } from "../../runtime/trust/key-files.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { ADMIN_OK, TOO_MUCH, fakeBundle, fakePolicy } from "./fake-policy.js";
import { tempDir } from "../support/temp-dir.js";
import { compiledBundle } from "../support/compiled-bundle.js";
import type { Bundle } from "../../runtime/manifest.js";

interface Run {
  code: number;
  out: string;
  err: string;
}

function makeIO(cwd: string, stdin = ""): CliIO & { outText: string[]; errText: string[] } {
  const outText: string[] = [];
  const errText: string[] = [];
  return { cwd, outText, errText, out: (t) => outText.push(t), err: (t) => errText.push(t), readStdin: async () => stdin };
}

async function run(command: { run(args: readonly string[], io: CliIO): Promise<number> }, cwd: string, args: string[], stdin?: string): Promise<Run> {
  const io = makeIO(cwd, stdin);
  const code = await command.run(args, io);
  return { code, out: io.outText.join("\n"), err: io.errText.join("\n") };
}

const cwd = tempDir("cli-trust");

describe("writ keygen", () => {
  it("writes a 0600 private JWK and a public JWK and prints the key id", async () => {
    const r = await run(keygenCommand, cwd, ["-o", "keys", "--name", "authority"]);
    expect(r.code).toBe(0);
    const priv = join(cwd, "keys", "authority.private.jwk");
    expect(statSync(priv).mode & 0o777).toBe(0o600);
    const loaded = loadPrivateKeyFile(priv);
    expect(loaded.ok).toBe(true);
    if (loaded.ok) expect(r.out).toContain(loaded.key.keyId);
    const pub = JSON.parse(readFileSync(join(cwd, "keys", "authority.public.jwk"), "utf8"));
    expect(pub).toMatchObject({ kty: "OKP", crv: "Ed25519" });
    expect(pub).not.toHaveProperty("d");
  });
  it("refuses to overwrite, and rejects bad arguments", async () => {
    await run(keygenCommand, cwd, ["-o", "keys", "--name", "twice"]);
    const again = await run(keygenCommand, cwd, ["-o", "keys", "--name", "twice"]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already exists; refusing to overwrite/);
    expect((await run(keygenCommand, cwd, ["--bogus"])).code).toBe(2);
    expect((await run(keygenCommand, cwd, ["--name", "../x"])).code).toBe(2);
  });
});

describe("writ sign and writ verify <bundle dir>", () => {
  // both load the bundle they vouch for: a real module (the artifact tests below keep the fake one)
  let compiled: Bundle;
  beforeAll(async () => {
    compiled = await compiledBundle();
  }, 120_000);

  it("signs a bundle directory so that verification against the key passes", async () => {
    await run(keygenCommand, cwd, ["-o", "keys", "--name", "signer"]);
    await run(keygenCommand, cwd, ["-o", "keys", "--name", "other"]);
    writeBundle(join(cwd, "bundle"), fakeBundle());
    writeBundle(join(cwd, "signed"), compiled);
    const before = readFileSync(join(cwd, "signed", "payments.manifest.json"));
    const signed = await run(signCommand, cwd, ["signed", "--key", "keys/signer.private.jwk"]);
    // no --source: the one line on standard error says the provenance went unchecked
    expect(signed).toMatchObject({ code: 0, err: expect.stringMatching(/^writ sign: note: the manifest's provenance \(sourceDigest, compiler\.version, the rules' lines and columns\) was not checked against a source[^\n]*$/) });
    expect(readFileSync(join(cwd, "signed", "payments.manifest.json")).equals(before)).toBe(true);
    expect(readBundle(join(cwd, "signed")).signature).toBeDefined();

    const ok = await run(verifyCommand, cwd, ["signed", "--pub", "keys/signer.public.jwk"]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/bundle payments 1\.0\.0 verified: signed by/);
    const other = await run(verifyCommand, cwd, ["signed", "--pub", "keys/other.public.jwk"]);
    expect(other).toMatchObject({ code: 1, err: expect.stringMatching(/refused \(untrusted_key\)/) });
  });
  it("verifies a bundle as every command loads it: a manifest edited and signed again is refused (manifest_mismatch)", async () => {
    const key = loadPrivateKeyFile(join(cwd, "keys", "signer.private.jwk"));
    if (!key.ok) throw new Error(key.message);
    const edited = { module: compiled.module, manifest: { ...compiled.manifest, version: "9.0.0" } };
    writeBundle(join(cwd, "edited"), signBundle(edited, key.key));
    const r = await run(verifyCommand, cwd, ["edited", "--pub", "keys/signer.public.jwk"]);
    expect(r).toMatchObject({ code: 1, out: "" });
    expect(r.err).toMatch(/^writ verify: bundle payments refused \(manifest_mismatch\): the manifest is not the one the module was compiled with/);
    // signature and digests hold for bytes that are no module: the load does not
    writeBundle(join(cwd, "no-module"), signBundle(fakeBundle(), key.key));
    const fake = await run(verifyCommand, cwd, ["no-module", "--pub", "keys/signer.public.jwk"]);
    expect(fake).toMatchObject({ code: 1, out: "", err: expect.stringMatching(/^writ verify: bundle payments refused \(profile_violation\)/) });
  });
  it("refuses to sign a bundle whose manifest is not its module's, and writes no signature", async () => {
    writeBundle(join(cwd, "edited-unsigned"), { module: compiled.module, manifest: { ...compiled.manifest, version: "9.0.0" } });
    const r = await run(signCommand, cwd, ["edited-unsigned", "--key", "keys/signer.private.jwk"]);
    expect(r).toMatchObject({ code: 1, out: "" });
    expect(r.err).toMatch(/^writ sign: refusing to sign payments \(manifest_mismatch\): the manifest is not the one the module was compiled with/);
    expect(existsSync(join(cwd, "edited-unsigned", "payments.manifest.jws"))).toBe(false);
  });
  it("refuses to sign with a key others can read, or a bundle whose module was changed", async () => {
    writeBundle(join(cwd, "b2"), fakeBundle());
    chmodSync(join(cwd, "keys", "other.private.jwk"), 0o644);
    const loose = await run(signCommand, cwd, ["b2", "--key", "keys/other.private.jwk"]);
    expect(loose).toMatchObject({ code: 1, err: expect.stringMatching(/accessible to group or others \(mode 0644\)/) });
    writeFileSync(join(cwd, "b2", "payments.wasm"), "changed");
    const changed = await run(signCommand, cwd, ["b2", "--key", "keys/signer.private.jwk"]);
    expect(changed).toMatchObject({ code: 1, err: expect.stringMatching(/module_digest_mismatch/) });
    const missing = await run(signCommand, cwd, ["nowhere", "--key", "keys/signer.private.jwk"]);
    expect(missing).toMatchObject({ code: 1, err: expect.stringMatching(/nowhere does not exist/) });
    expect((await run(signCommand, cwd, ["b2"])).code).toBe(2);
    // a directory given as a key file is said to be one (it read as a key of mode 0755, or as EISDIR)
    const asDirectory = /key file .*keys is a directory; give the key file in it/;
    expect(await run(signCommand, cwd, ["b2", "--key", "keys"])).toMatchObject({ code: 1, err: expect.stringMatching(asDirectory) });
    expect(await run(verifyCommand, cwd, ["b2", "--pub", "keys"])).toMatchObject({ code: 1, err: expect.stringMatching(asDirectory) });
  });
  it("says a public key given to sign with is one, and names the private key beside it", async () => {
    writeBundle(join(cwd, "b3"), fakeBundle());
    const r = await run(signCommand, cwd, ["b3", "--key", "keys/signer.public.jwk"]);
    expect(r).toMatchObject({ code: 1, err: expect.stringMatching(/^writ sign: key file .*signer\.public\.jwk is a public key, and a private key is needed here: give the private key of its pair, likely .*signer\.private\.jwk$/) });
    expect(r.err).not.toMatch(/chmod|member `d`/);
  });
  it("signs and verifies a bundle named by one of its files, in a directory holding several", async () => {
    writeBundle(join(cwd, "several"), compiled);
    writeBundle(join(cwd, "several"), fakeBundle({ name: "treasury" }));
    const signed = await run(signCommand, cwd, ["several/payments.wasm", "--key", "keys/signer.private.jwk"]);
    // no --source: the one line on standard error says the provenance went unchecked
    expect(signed).toMatchObject({ code: 0, err: expect.stringMatching(/^writ sign: note: the manifest's provenance \(sourceDigest, compiler\.version, the rules' lines and columns\) was not checked against a source[^\n]*$/) });
    expect(signed.out).toContain(join(cwd, "several", "payments.manifest.jws"));
    expect(readBundle(join(cwd, "several"), "payments").signature).toBeDefined();
    expect(readBundle(join(cwd, "several"), "treasury").signature).toBeUndefined();
    for (const file of ["payments.wasm", "payments.manifest.json", "payments.manifest.jws"]) {
      const ok = await run(verifyCommand, cwd, [`several/${file}`, "--pub", "keys/signer.public.jwk"]);
      expect(ok, file).toMatchObject({ code: 0, out: expect.stringMatching(/^bundle payments 1\.0\.0 verified: signed by/) });
    }
    const unsigned = await run(verifyCommand, cwd, ["several/treasury.wasm", "--pub", "keys/signer.public.jwk"]);
    expect(unsigned).toMatchObject({ code: 1, err: expect.stringMatching(/^writ verify: bundle treasury refused/) });
    // a file of one bundle with --name of another is neither
    const mixed = await run(signCommand, cwd, ["several/payments.wasm", "--name", "treasury", "--key", "keys/signer.private.jwk"]);
    expect(mixed).toMatchObject({ code: 1, err: expect.stringMatching(/is a file of bundle "payments", not of "treasury"/) });
  });
});

describe("writ verify <artifact>", () => {
  const policy = fakePolicy();
  async function issueTo(file: string, request: unknown): Promise<void> {
    const key = loadPrivateKeyFile(join(cwd, "keys", "signer.private.jwk"));
    if (!key.ok) throw new Error(key.message);
    writeFileSync(join(cwd, file), authorize(policy, request, { signer: createSigner(key.key) }).artifact + "\n");
  }

  it("prints the statement and exits 0; checks the request and the module when given", async () => {
    await issueTo("allow.jws", ADMIN_OK);
    writeFileSync(join(cwd, "request.json"), JSON.stringify(ADMIN_OK));
    writeFileSync(join(cwd, "other-request.json"), JSON.stringify(TOO_MUCH));
    const ok = await run(verifyCommand, cwd, ["allow.jws", "--pub", "keys/signer.public.jwk", "--input", "request.json", "--bundle", "bundle", "--allow"]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ decision: "allow", rules: ["admin"], policy: { name: "payments" } });

    const wrongRequest = await run(verifyCommand, cwd, ["allow.jws", "--pub", "keys/signer.public.jwk", "--input", "other-request.json"]);
    expect(wrongRequest).toMatchObject({ code: 1, err: expect.stringMatching(/refused \(request_mismatch\)/) });
    writeBundle(join(cwd, "rebuilt"), fakeBundle({ moduleText: "rebuilt" }));
    const wrongModule = await run(verifyCommand, cwd, ["allow.jws", "--pub", "keys/signer.public.jwk", "--bundle", "rebuilt"]);
    expect(wrongModule).toMatchObject({ code: 1, err: expect.stringMatching(/refused \(untrusted_policy\)/) });
    // the module the artifact names, under another bundle's manifest: that directory is not a bundle
    mkdirSync(join(cwd, "swapped"));
    for (const f of ["payments.manifest.json", "payments.wasm"]) copyFileSync(join(cwd, "rebuilt", f), join(cwd, "swapped", f));
    copyFileSync(join(cwd, "bundle", "payments.wasm"), join(cwd, "swapped", "payments.wasm"));
    const swapped = await run(verifyCommand, cwd, ["allow.jws", "--pub", "keys/signer.public.jwk", "--bundle", "swapped"]);
    expect(swapped).toMatchObject({ code: 1, err: expect.stringMatching(/--bundle swapped refused \(module_digest_mismatch\)/) });
  });
  it("reads the artifact from standard input", async () => {
    const token = readFileSync(join(cwd, "allow.jws"), "utf8");
    const r = await run(verifyCommand, cwd, ["-", "--pub", "keys/signer.public.jwk", "--input", "request.json"], token);
    expect(r.code).toBe(0);
  });
  it("gives the reason for each refusal", async () => {
    await issueTo("deny.jws", TOO_MUCH);
    expect(await run(verifyCommand, cwd, ["deny.jws", "--pub", "keys/signer.public.jwk", "--allow"])).toMatchObject({ code: 1, err: expect.stringMatching(/not_allowed/) });
    expect(await run(verifyCommand, cwd, ["deny.jws", "--pub", "keys/authority.public.jwk"])).toMatchObject({ code: 1, err: expect.stringMatching(/unknown_key/) });
    expect(await run(verifyCommand, cwd, ["deny.jws", "--pub", "keys/signer.public.jwk", "--at", "2099-01-01T00:00:00Z"])).toMatchObject({ code: 1, err: expect.stringMatching(/expired/) });
    const token = readFileSync(join(cwd, "deny.jws"), "utf8").trim();
    writeFileSync(join(cwd, "cut.jws"), token.slice(0, -4));
    expect(await run(verifyCommand, cwd, ["cut.jws", "--pub", "keys/signer.public.jwk"])).toMatchObject({ code: 1, err: expect.stringMatching(/bad_signature|malformed/) });
    expect(await run(verifyCommand, cwd, ["absent.jws", "--pub", "keys/signer.public.jwk"])).toMatchObject({ code: 1, err: expect.stringMatching(/absent\.jws: no such file/) });
    expect(await run(verifyCommand, cwd, ["deny.jws", "--pub", "keys/none.jwk"])).toMatchObject({ code: 1, err: expect.stringMatching(/does not exist/) });
    writeFileSync(join(cwd, "bad.json"), "{");
    expect(await run(verifyCommand, cwd, ["deny.jws", "--pub", "keys/signer.public.jwk", "--input", "bad.json"])).toMatchObject({ code: 1, err: expect.stringMatching(/not valid JSON/) });
    expect((await run(verifyCommand, cwd, ["deny.jws"])).code).toBe(2);
    expect((await run(verifyCommand, cwd, ["deny.jws", "--pub", "keys/signer.public.jwk", "--at", "yesterday"])).code).toBe(2);
    expect((await run(verifyCommand, cwd, ["-", "--pub", "keys/signer.public.jwk", "--input", "-"])).code).toBe(2);
  });
  it("verifies a batched artifact, its proof and its tree head, and refuses a changed one", async () => {
    const key = loadPrivateKeyFile(join(cwd, "keys", "signer.private.jwk"));
    if (!key.ok) throw new Error(key.message);
    const [allow, deny] = createBatchAuthorizer({ signer: createSigner(key.key) }).authorizeBatch(policy, [ADMIN_OK, TOO_MUCH]);
    writeFileSync(join(cwd, "allow.batched.json"), allow!.artifact + "\n");
    const ok = await run(verifyCommand, cwd, ["allow.batched.json", "--pub", "keys/signer.public.jwk", "--input", "request.json", "--bundle", "bundle", "--allow"]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toEqual(JSON.parse(JSON.stringify(allow!.statement)));
    writeFileSync(join(cwd, "deny.batched.json"), deny!.artifact);
    expect(await run(verifyCommand, cwd, ["deny.batched.json", "--pub", "keys/signer.public.jwk", "--allow"])).toMatchObject({ code: 1, err: expect.stringMatching(/refused \(not_allowed\)/) });
    expect(await run(verifyCommand, cwd, ["allow.batched.json", "--pub", "keys/signer.public.jwk", "--input", "other-request.json"])).toMatchObject({ code: 1, err: expect.stringMatching(/refused \(request_mismatch\)/) });
    // the deny's statement at its own place, but with the allow's audit path (its sibling is the deny itself)
    const swapped = { ...JSON.parse(allow!.artifact), statement: JSON.parse(deny!.artifact).statement, index: 1 };
    writeFileSync(join(cwd, "swapped.batched.json"), JSON.stringify(swapped));
    expect(await run(verifyCommand, cwd, ["swapped.batched.json", "--pub", "keys/signer.public.jwk"])).toMatchObject({ code: 1, err: expect.stringMatching(/refused \(bad_proof\)/) });
    const changed = JSON.parse(allow!.artifact);
    changed.statement.rules = [];
    writeFileSync(join(cwd, "changed.batched.json"), JSON.stringify(changed));
    expect(await run(verifyCommand, cwd, ["changed.batched.json", "--pub", "keys/signer.public.jwk"])).toMatchObject({ code: 1, err: expect.stringMatching(/refused \(bad_proof\)/) });
  });
});
