// End to end with a real compiled policy: compile → sign → write → read → loadPolicy (which runs
// verifyBundle) → authorize → verify (Writ and jose) → guard → replay, in-process and through the
// `writ` command line in a real process.

import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compactVerify, importJWK } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/index.js";
import { loadPolicy, tryLoadPolicy, type LoadedPolicy } from "../../runtime/policy.js";
import type { Bundle } from "../../runtime/manifest.js";
import { authorize } from "../../runtime/trust/authorize.js";
import { signBundle } from "../../runtime/trust/bundle.js";
import { readBundle, writeBundle } from "../../runtime/trust/bundle-files.js";
import { GuardError, guard } from "../../runtime/trust/guard.js";
import { canonicalize } from "../../runtime/trust/jcs.js";
import { writeKeyPair } from "../../runtime/trust/key-files.js";
import { generateKeyPair, publicJwk } from "../../runtime/trust/keys.js";
import { replayArtifact } from "../../runtime/trust/replay.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { verifyArtifact } from "../../runtime/trust/verify-artifact.js";
import { replayCommand } from "../../cli/commands/replay.js";
import type { Command } from "../../cli/io.js";
import { tempDir } from "../support/temp-dir.js";
import { runCommand } from "../support/cli.js";

const source = readFileSync(new URL("./fixtures/transfers.writ", import.meta.url), "utf8");
const SMALL = { principal: { id: "u1", roles: ["treasurer"] }, context: { amount: 10, approvals: 0 } };
const LARGE = { principal: { id: "u1", roles: ["treasurer"] }, context: { amount: 500000, approvals: 1 } };
const BAD = { principal: { id: "u1" }, context: { amount: 10, approvals: 0 } };

const authority = generateKeyPair();
const issuer = generateKeyPair();
const dir = tempDir("e2e");
let bundle: Bundle;
let rebuilt: Bundle;
let policy: LoadedPolicy;

async function compile(text: string): Promise<Bundle> {
  const result = await compilePolicy(text, { fileName: "transfers.writ" });
  if (!result.bundle) throw new Error(result.diagnostics.map((d) => d.message).join("\n"));
  return result.bundle;
}

beforeAll(async () => {
  bundle = signBundle(await compile(source), authority);
  // a different threshold: different module bytes (a version bump alone compiles to the same bytes)
  rebuilt = signBundle(await compile(source.replace('version "2.0.0"', 'version "2.0.1"').replace("100000", "200000")), authority);
  writeBundle(join(dir, "bundle"), bundle);
  writeBundle(join(dir, "rebuilt"), rebuilt);
  writeKeyPair(join(dir), authority, "authority");
  writeKeyPair(join(dir), issuer, "issuer");
  policy = loadPolicy(readBundle(join(dir, "bundle")), { trustedKeys: [authority.publicKey] });
}, 120_000);

describe("a real signed bundle", () => {
  it("loads from disk only with a trusted key, and refuses changed bytes with the bundle's code", () => {
    expect(policy.signedBy).toBe(authority.keyId);
    const read = readBundle(join(dir, "bundle"));
    expect(tryLoadPolicy(read, { trustedKeys: [issuer.publicKey] })).toMatchObject({ ok: false, error: { code: "untrusted_key" } });
    expect(tryLoadPolicy({ module: read.module, manifest: read.manifest })).toMatchObject({ ok: false, error: { code: "unsigned" } });
    expect(tryLoadPolicy({ module: read.module, manifest: read.manifest }, { allowUnsigned: true }).ok).toBe(true);
    const module = Uint8Array.from(read.module);
    module[module.length - 1]! ^= 1;
    expect(tryLoadPolicy({ ...read, module }, { trustedKeys: [authority.publicKey] })).toMatchObject({ ok: false, error: { code: "module_digest_mismatch" } });
    expect(tryLoadPolicy({ ...read, manifest: rebuilt.manifest }, { trustedKeys: [authority.publicKey] })).toMatchObject({ ok: false, error: { code: "manifest_mismatch" } });
  });
});

describe("artifacts from a real policy", () => {
  it("issue, verify (Writ and jose) and replay an allow and a deny", async () => {
    const signer = createSigner(issuer);
    const allow = authorize(policy, SMALL, { signer });
    const deny = authorize(policy, LARGE, { signer });
    expect(allow.decision).toEqual({ decision: "allow", rules: ["treasurer"], errors: [] });
    expect(deny.decision).toMatchObject({ decision: "deny", rules: ["unapproved_large"] });
    expect(deny.statement.lineage.seq).toBe(1);
    expect(allow.statement.policy).toEqual({ name: "transfers", version: "2.0.0", ...bundle.manifest.digests });

    const options = { trustedKeys: [issuer.publicKey], trustedPolicies: [bundle.manifest.digests] };
    expect(verifyArtifact(allow.artifact, { ...options, request: SMALL, requireAllow: true }).ok).toBe(true);
    expect(verifyArtifact(deny.artifact, { ...options, request: LARGE, requireAllow: true })).toMatchObject({ code: "not_allowed" });
    expect(verifyArtifact(allow.artifact, { ...options, trustedPolicies: [rebuilt.manifest.digests] })).toMatchObject({ code: "untrusted_policy" });

    const { payload } = await compactVerify(allow.artifact, await importJWK(publicJwk(issuer.publicKey), "EdDSA"));
    expect(new TextDecoder().decode(payload)).toBe(canonicalize(allow.statement));

    expect(replayArtifact(allow.artifact, SMALL, policy)).toEqual({ ok: true });
    expect(replayArtifact(deny.artifact, LARGE, policy)).toEqual({ ok: true });
    const other = loadPolicy(rebuilt, { trustedKeys: [authority.publicKey] });
    expect(replayArtifact(allow.artifact, SMALL, other)).toMatchObject({ ok: false, differences: [expect.stringMatching(/^module:/)] });
    const wrong = replayArtifact(allow.artifact, LARGE, policy);
    expect(wrong.ok === false && wrong.differences.map((d) => d.split(":")[0])).toEqual(["request", "decision", "rules"]);
  });
  it("a request the schema refuses is a deny artifact naming the field, and replays", () => {
    const { decision, artifact } = authorize(policy, BAD, { signer: createSigner(issuer) });
    expect(decision.decision).toBe("deny");
    expect(decision.errors[0]).toMatchObject({ rule: null, code: "invalid_request", path: expect.stringContaining("roles") });
    expect(replayArtifact(artifact, BAD, policy)).toEqual({ ok: true });
  });
  it("guard runs the action only for the allowed request", async () => {
    let ran = 0;
    const action = () => ++ran;
    await expect(guard(policy, SMALL, action, { signer: createSigner(issuer) })).resolves.toBe(1);
    for (const [request, code] of [[LARGE, "denied"], [BAD, "invalid_request"]] as const) {
      const error = await guard(policy, request, action, { signer: createSigner(issuer) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GuardError);
      expect((error as GuardError).code).toBe(code);
    }
    expect(ran).toBe(1);
  });
});

describe("the writ command line", () => {
  const cli = new URL("../../cli/writ.ts", import.meta.url).pathname;
  // by path: a bare `tsx` would be resolved from the working directory, a temporary one here
  const tsxLoader = new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url).href;
  // A real process costs seconds (it loads every command); two show the exit codes, the rest run in-process.
  function writ(args: string[]): { code: number; out: string; err: string } {
    try {
      const out = execFileSync(process.execPath, ["--import", tsxLoader, cli, ...args], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      return { code: 0, out, err: "" };
    } catch (e) {
      const err = e as { status: number; stdout: string; stderr: string };
      return { code: err.status, out: err.stdout, err: err.stderr };
    }
  }
  const inProcess = (command: Command, args: string[]) => runCommand(command, args, dir);

  beforeAll(() => {
    const { artifact } = authorize(policy, SMALL, { signer: createSigner(issuer) });
    writeFileSync(join(dir, "allow.jws"), artifact + "\n");
    writeFileSync(join(dir, "small.json"), JSON.stringify(SMALL));
    writeFileSync(join(dir, "large.json"), JSON.stringify(LARGE));
  });

  it("writ verify in a real process: exit 0 with the statement, exit 1 with the reason", () => {
    const verified = writ(["verify", "allow.jws", "--pub", "issuer.public.jwk", "--input", "small.json", "--bundle", "bundle", "--allow"]);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.out)).toMatchObject({ decision: "allow", policy: { name: "transfers" } });
    const mismatch = writ(["verify", "allow.jws", "--pub", "issuer.public.jwk", "--input", "large.json"]);
    expect(mismatch).toMatchObject({ code: 1, err: expect.stringMatching(/refused \(request_mismatch\)/) });
  });
  it("writ replay confirms, names a rebuilt module, and checks the bundle's signer when asked", async () => {
    expect(await inProcess(replayCommand, ["allow.jws", "--input", "small.json", "--bundle", "bundle", "--pub", "authority.public.jwk"])).toMatchObject({
      code: 0,
      out: expect.stringMatching(/replay confirmed/),
    });
    const differs = await inProcess(replayCommand, ["allow.jws", "--input", "small.json", "--bundle", "rebuilt"]);
    expect(differs).toMatchObject({ code: 1, err: expect.stringMatching(/module: the artifact was issued by module/) });
    expect(await inProcess(replayCommand, ["allow.jws", "--input", "large.json", "--bundle", "bundle"])).toMatchObject({ code: 1, err: expect.stringMatching(/request: /) });
    expect(await inProcess(replayCommand, ["allow.jws", "--input", "small.json", "--bundle", "bundle", "--pub", "issuer.public.jwk"])).toMatchObject({
      code: 1,
      err: expect.stringMatching(/untrusted_key/),
    });
    expect((await inProcess(replayCommand, ["allow.jws", "--input", "small.json"])).code).toBe(2);
    expect(await inProcess(replayCommand, ["allow.jws", "--input", "small.json", "--bundle", "nowhere"])).toMatchObject({ code: 1, err: expect.stringMatching(/does not exist/) });
  });
});
