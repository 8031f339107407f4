// `writ sign` as a user runs it: plain node on a transpiled copy of the tree, bundles on disk. A
// bundle whose module binds another manifest (a cost bound or `compiler.optimize` edited after
// compiling) is refused; a manifest whose provenance alone was edited (source digest, compiler
// version, a rule's line) loads, and is signed with a note saying the provenance went unchecked,
// unless `--source` is given: then the policy is compiled again, with the optimisation the manifest
// records, and the bundle is signed only if it is what the source compiles to.

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeTranspiledTree } from "../support/transpiled-tree.js";
import { tempDir } from "../support/temp-dir.js";
import { readBundle, writeBundle } from "../../runtime/trust/bundle-files.js";
import { signBundle } from "../../runtime/trust/bundle.js";
import { loadPrivateKeyFile } from "../../runtime/trust/key-files.js";
import { bundleDifferences } from "../../cli/commands/sign-source.js";
import type { Bundle } from "../../runtime/manifest.js";

function writ(build: string, cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [join(build, "cli/writ.js"), ...args], { cwd, env: { ...process.env, NODE_OPTIONS: "" }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr });
    });
    child.stdin?.end();
  });
}

const POLICY = `policy "payments" version "1.0.0"

input {
  principal: { role: string(16) }
  amount: int
}

forbid too_much when amount > 1000

permit admin when principal.role == "admin"
`;

const NOTE = "writ sign: note: the manifest's provenance (sourceDigest, compiler.version, the rules' lines and columns) was not checked against a source";

type ManifestJson = {
  costBound: number;
  sourceDigest: string;
  compiler: { name: string; version: string; optimize: boolean };
  rules: { line: number }[];
  digests: { sha3_512: string };
};

describe("writ sign and the manifest's provenance, in a fresh process", () => {
  let build: string;
  let cwd: string;
  beforeAll(async () => {
    build = tempDir("sign-source-build");
    writeTranspiledTree(build, ["compiler", "runtime", "cli"], { name: "writ", version: "0.0.0-test" });
    cwd = tempDir("sign-source");
    writeFileSync(join(cwd, "p.writ"), POLICY);
    writeFileSync(join(cwd, "req.json"), JSON.stringify({ principal: { role: "admin" }, amount: 5 }));
    const [o3, o0, keys] = await Promise.all([
      writ(build, cwd, ["compile", "p.writ", "-o", "o3"]),
      writ(build, cwd, ["compile", "p.writ", "-o", "o0", "--O0"]),
      writ(build, cwd, ["keygen", "-o", "keys"]),
    ]);
    for (const r of [o3, o0, keys]) expect(r.code, r.stderr).toBe(0);
  }, 180_000);

  /** A copy of the compiled bundle in `dir` (unsigned), its manifest edited by `edit`. */
  function copyEdited(from: string, dir: string, edit: (m: ManifestJson) => void): string {
    cpSync(join(cwd, from), join(cwd, dir), { recursive: true });
    const path = join(cwd, dir, "payments.manifest.json");
    const manifest = JSON.parse(readFileSync(path, "utf8")) as ManifestJson;
    edit(manifest);
    writeFileSync(path, JSON.stringify(manifest, null, 2) + "\n");
    return join(cwd, dir);
  }

  const manifestOf = (dir: string): ManifestJson => JSON.parse(readFileSync(join(cwd, dir, "payments.manifest.json"), "utf8")) as ManifestJson;
  const otherDigest = createHash("sha3-512").update("another policy's text").digest("hex");
  const editProvenance = (m: ManifestJson): void => {
    m.compiler.version = "9.9.9";
    m.sourceDigest = otherDigest;
    m.rules[0]!.line = 1;
  };

  it("records whether the module was optimised, and --O0 is another module", () => {
    expect(manifestOf("o3").compiler).toEqual({ name: "writ", version: "0.0.0-test", optimize: true });
    expect(manifestOf("o0").compiler).toEqual({ name: "writ", version: "0.0.0-test", optimize: false });
    expect(manifestOf("o0").digests.sha3_512).not.toBe(manifestOf("o3").digests.sha3_512);
  });

  it("refuses a bundle whose cost bound was edited with its provenance: the module binds the cost bound", async () => {
    const dir = copyEdited("o3", "cost-edited", (m) => {
      m.costBound = 1;
      editProvenance(m);
    });
    const r = await writ(build, cwd, ["sign", dir, "--key", "keys/writ.private.jwk"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^writ sign: refusing to sign payments \(manifest_mismatch\): the manifest is not the one the module was compiled with .*cost bound/);
    expect(existsSync(join(dir, "payments.manifest.jws"))).toBe(false);
    const decided = await writ(build, cwd, ["eval", dir, "--input", "req.json"]);
    expect(decided.stderr).toMatch(/bundle refused \(manifest_mismatch\)/);
  }, 60_000);

  it("refuses a bundle whose compiler.optimize was edited", async () => {
    const dir = copyEdited("o0", "optimize-edited", (m) => {
      m.compiler.optimize = true;
    });
    const r = await writ(build, cwd, ["sign", dir, "--key", "keys/writ.private.jwk"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\(manifest_mismatch\)/);
  }, 60_000);

  it("signs edited provenance without --source, saying it was not checked; --source refuses it, naming each member", async () => {
    const dir = copyEdited("o3", "provenance-edited", editProvenance);
    const refused = await writ(build, cwd, ["sign", dir, "--key", "keys/writ.private.jwk", "--source", "p.writ"]);
    expect(refused.code).toBe(1);
    const compiled = manifestOf("o3");
    expect(refused.stderr.trim()).toBe(
      "writ sign: refusing to sign payments: the bundle is not what p.writ compiles to (optimize: true, as its manifest records): " +
        `the manifest's compiler.version is "9.9.9", compiled "0.0.0-test"; the manifest's rules[0].line is 1, compiled ${compiled.rules[0]!.line}; ` +
        `the manifest's sourceDigest is ${otherDigest.slice(0, 16)}…, compiled ${compiled.sourceDigest.slice(0, 16)}… ` +
        "(this is writ 0.0.0-test: a bundle is compiled again to the same bytes only by the compiler version that wrote it)",
    );
    expect(existsSync(join(dir, "payments.manifest.jws"))).toBe(false);

    const unchecked = await writ(build, cwd, ["sign", dir, "--key", "keys/writ.private.jwk"]);
    expect(unchecked.code, unchecked.stderr).toBe(0);
    expect(unchecked.stderr.trim().split("\n")).toEqual([expect.stringContaining(NOTE)]);
    expect(existsSync(join(dir, "payments.manifest.jws"))).toBe(true);
  }, 120_000);

  it("signs with --source a bundle that is what its source compiles to, at the optimisation its manifest records", async () => {
    for (const from of ["o3", "o0"]) {
      const dir = copyEdited(from, `${from}-clean`, () => {});
      const r = await writ(build, cwd, ["sign", dir, "--key", "keys/writ.private.jwk", "--source", "p.writ"]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe("");
      expect(r.stdout).toContain("  checked against p.writ: the module and manifest are what it compiles to");
      const verified = await writ(build, cwd, ["verify", dir, "--pub", "keys/writ.public.jwk"]);
      expect(verified.code, verified.stderr).toBe(0);
    }
  }, 180_000);

  it("refuses with --source a bundle another source compiles to, and a source that does not compile", async () => {
    writeFileSync(join(cwd, "changed.writ"), POLICY.replace("amount > 1000", "amount > 2000"));
    const dir = copyEdited("o3", "other-source", () => {});
    const r = await writ(build, cwd, ["sign", dir, "--key", "keys/writ.private.jwk", "--source", "changed.writ"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^writ sign: refusing to sign payments: the bundle is not what changed\.writ compiles to \(optimize: true, as its manifest records\): the module \(\d+ bytes, sha3-512 [0-9a-f]{16}…\) is not the compiled one .*the manifest's sourceDigest is /);
    expect(r.stderr).not.toContain("digests."); // the module is named already

    // another policy (or another version of this one) is said as such, not as its differences
    for (const [header, named] of [
      ['policy "refunds" version "1.0.0"', '"refunds" 1.0.0'],
      ['policy "payments" version "1.0.1"', '"payments" 1.0.1'],
    ]) {
      writeFileSync(join(cwd, "other.writ"), POLICY.replace(/^policy .*$/m, header!));
      const other = await writ(build, cwd, ["sign", dir, "--key", "keys/writ.private.jwk", "--source", "other.writ"]);
      expect(other.code).toBe(1);
      expect(other.stderr.trim()).toBe(`writ sign: refusing to sign payments: the bundle is of policy "payments" 1.0.0, and other.writ compiles policy ${named}: another policy, or another version of it`);
    }

    writeFileSync(join(cwd, "broken.writ"), POLICY.replace("amount > 1000", "amount >"));
    const broken = await writ(build, cwd, ["sign", dir, "--key", "keys/writ.private.jwk", "--source", "broken.writ"]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/broken\.writ:\d+:\d+: error/);
    expect(broken.stderr).toContain("writ sign: refusing to sign payments: --source broken.writ does not compile (1 error above)");

    const missing = await writ(build, cwd, ["sign", dir, "--key", "keys/writ.private.jwk", "--source", "nowhere.writ"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^writ sign: refusing to sign payments: --source nowhere\.writ: /);
    expect(existsSync(join(dir, "payments.manifest.jws"))).toBe(false);
  }, 180_000);

  it("refuses to sign a manifest with no canonical JSON, naming why, with --source and without", async () => {
    // a member the format does not name is ignored by loading, so this bundle loads; it cannot be signed
    const dir = copyEdited("o3", "no-canonical-json", (m) => void ((m as unknown as Record<string, unknown>)["x"] = "\ud800"));
    expect(readFileSync(join(dir, "payments.manifest.json"), "utf8")).toContain('"x": "\\ud800"');
    const reason = "the manifest has no canonical JSON: string contains a lone surrogate (not I-JSON) at `x`";
    const checked = await writ(build, cwd, ["sign", dir, "--key", "keys/writ.private.jwk", "--source", "p.writ"]);
    expect(checked.code).toBe(1);
    expect(checked.stderr.trim()).toBe(`writ sign: refusing to sign payments: the bundle is not what p.writ compiles to (optimize: true, as its manifest records): ${reason}`);
    const unchecked = await writ(build, cwd, ["sign", dir, "--key", "keys/writ.private.jwk"]);
    expect(unchecked.code).toBe(1);
    expect(unchecked.stderr.trim()).toBe(`writ sign: refusing to sign payments (malformed): ${reason}`);
    expect(existsSync(join(dir, "payments.manifest.jws"))).toBe(false);
  }, 120_000);

  it("refuses a manifest whose compiler.name is not writ: to sign, to verify signed, to decide with", async () => {
    const dir = copyEdited("o3", "compiler-renamed", (m) => void (m.compiler.name = "evil"));
    const reason = `the manifest's compiler.name is "evil", not "writ": writ's compiler writes its own name there, so a manifest naming another compiler is not one it wrote`;
    const signing = await writ(build, cwd, ["sign", dir, "--key", "keys/writ.private.jwk"]);
    expect(signing.code).toBe(1);
    expect(signing.stderr.trim()).toBe(`writ sign: refusing to sign payments (malformed): ${reason}`);
    // signed all the same, by a host holding the key: the signature is good, the manifest is not one writ wrote
    const key = loadPrivateKeyFile(join(cwd, "keys/writ.private.jwk"));
    if (!key.ok) throw new Error(key.message);
    writeBundle(dir, signBundle(readBundle(dir), key.key));
    const pub = ["--pub", "keys/writ.public.jwk"];
    const [verified, decided] = await Promise.all([writ(build, cwd, ["verify", dir, ...pub]), writ(build, cwd, ["eval", dir, "--input", "req.json", ...pub])]);
    expect(verified.code).toBe(1);
    expect(verified.stderr.trim()).toBe(`writ verify: bundle payments refused (malformed): ${reason}`);
    expect(decided.code).toBe(1);
    expect(decided.stderr.trim()).toBe(`writ eval: bundle refused (malformed): ${reason}`);
  }, 120_000);

  it("passes over a `.manifest.json` no policy can be named by, and quotes the names of several bundles", async () => {
    const dir = copyEdited("o3", "stray", () => {});
    writeFileSync(join(dir, ".manifest.json"), "{}\n");
    const alone = await writ(build, cwd, ["eval", dir, "--input", "req.json"]);
    expect(alone.code, alone.stderr).toBe(0);
    expect(JSON.parse(alone.stdout)).toMatchObject({ decision: "allow", rules: ["admin"] });
    cpSync(join(dir, "payments.manifest.json"), join(dir, "other.manifest.json"));
    const two = await writ(build, cwd, ["eval", dir, "--input", "req.json"]);
    expect(two.code).toBe(1);
    expect(two.stderr.trim()).toBe(`writ eval: ${dir} holds several bundles (\`other\`, \`payments\`): name the one to read by one of its files, as ${join(dir, "other.wasm")}`);
  }, 60_000);
});

describe("bundleDifferences, on manifests with no canonical JSON", () => {
  const module = Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0);
  const manifest = (extra: object) => ({ name: "p", digests: { sha3_512: "0".repeat(128), blake2b_512: "0".repeat(128) }, ...extra }) as unknown as Bundle["manifest"];

  it("names the manifest that has none, and never finds two that have none alike", () => {
    const lone = manifest({ x: "\ud800" });
    expect(bundleDifferences({ module, manifest: lone }, { module, manifest: manifest({}) })).toEqual([
      "the manifest has no canonical JSON: string contains a lone surrogate (not I-JSON) at `x`",
    ]);
    // compared as the JSON `null`, the two were found alike, and the bundle taken for the compiled one
    expect(bundleDifferences({ module, manifest: lone }, { module, manifest: manifest({ y: "\udc00" }) })).toEqual([
      "the manifest has no canonical JSON: string contains a lone surrogate (not I-JSON) at `x`",
      "the compiled manifest has no canonical JSON: string contains a lone surrogate (not I-JSON) at `y`",
    ]);
  });
});
