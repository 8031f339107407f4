// What an earlier writ issued still replays. test/trust/fixtures/writ-manifest-1 holds a bundle an
// earlier compiler wrote (`writ-manifest/1`: its module binds its manifest without the cost bound and
// `compiler.optimize`), signed, and three artifacts issued under it into a lineage log, all made by
// that writ's own CLI. Compiling the policy again gives another module, with other digests, so those
// artifacts replay against this bundle or against none: a load for replay reads it, checking its
// module's binding as the runtime of its day did, and every load that decides keeps refusing it,
// saying what to do. Real `node` processes on a transpiled copy of the tree, files in temp dirs.

import { execFile } from "node:child_process";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { writeTranspiledTree } from "../support/transpiled-tree.js";
import { tempDir } from "../support/temp-dir.js";
import { tryLoadPolicy, tryLoadPolicyForReplay } from "../../runtime/policy.js";
import { readBundle } from "../../runtime/trust/bundle-files.js";
import { replayArtifact } from "../../runtime/trust/replay.js";
import { verifyLog } from "../../runtime/trust/lineage-verify.js";
import { loadPublicKeyFile } from "../../runtime/trust/key-files.js";
import { statementOf } from "../../runtime/trust/artifact-statement.js";
import { requestDigest } from "../../runtime/trust/request-digest.js";
import { canonicalize } from "../../runtime/trust/jcs.js";
import type { Statement } from "../../runtime/trust/types.js";

const FIXTURES = fileURLToPath(new URL("../trust/fixtures/writ-manifest-1/", import.meta.url));
const REQUESTS = ["allow", "forbid", "invalid"] as const;
/** Advice to compile the policy again: no way to replay what an earlier bundle issued (another module). */
const RECOMPILE = /compile (it|the policy) again|`writ compile`/;

function writ(build: string, cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [join(build, "cli/writ.js"), ...args], { cwd, env: { ...process.env, NODE_OPTIONS: "" }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr });
    });
    child.stdin?.end();
  });
}

/** The statement an artifact file holds (its signature unchecked: replay's reading). */
function statementIn(file: string): Statement {
  const read = statementOf(readFileSync(file, "utf8").trim());
  if (!read.ok) throw new Error(read.reason);
  return read.statement;
}

type ManifestJson = { format: string; rules: { name: string }[]; schema: unknown; costBound: number; compiler: Record<string, unknown> };

describe("a writ-manifest/1 bundle and what was issued under it", () => {
  let build: string;
  let cwd: string;
  beforeAll(async () => {
    build = tempDir("manifest1-build");
    writeTranspiledTree(build, ["compiler", "runtime", "cli"], { name: "writ", version: "0.0.0-test" });
    cwd = tempDir("manifest1");
    cpSync(FIXTURES, cwd, { recursive: true });
    cpSync(fileURLToPath(new URL("../trust/fixtures/transfers.writ", import.meta.url)), join(cwd, "transfers.writ"));
    const [compiled, keys] = await Promise.all([writ(build, cwd, ["compile", "transfers.writ", "-o", "today"]), writ(build, cwd, ["keygen", "-o", "keys"])]);
    for (const r of [compiled, keys]) expect(r.code, r.stderr).toBe(0);
  }, 180_000);

  /** A copy of the earlier bundle (unsigned) in `dir`, its manifest edited by `edit`. */
  function copyEdited(from: string, dir: string, name: string, edit: (m: ManifestJson) => void): string {
    const target = join(cwd, dir);
    cpSync(join(cwd, from), target, { recursive: true, filter: (p) => !p.endsWith(".jws") });
    const path = join(target, `${name}.manifest.json`);
    const manifest = JSON.parse(readFileSync(path, "utf8")) as ManifestJson;
    edit(manifest);
    writeFileSync(path, JSON.stringify(manifest, null, 2) + "\n");
    return target;
  }

  it("is what the fixture says: an earlier format, and compiling the policy again gives another module", () => {
    const earlier = JSON.parse(readFileSync(join(cwd, "bundle/transfers.manifest.json"), "utf8")) as ManifestJson & { digests: { sha3_512: string } };
    const today = JSON.parse(readFileSync(join(cwd, "today/transfers.manifest.json"), "utf8")) as ManifestJson & { digests: { sha3_512: string } };
    expect(earlier.format).toBe("writ-manifest/1");
    expect(earlier.compiler).not.toHaveProperty("optimize");
    expect(today.format).toBe("writ-manifest/2");
    expect(today.digests.sha3_512).not.toBe(earlier.digests.sha3_512);
    for (const r of REQUESTS) expect(statementIn(join(cwd, `${r}.artifact`)).policy.sha3_512).toBe(earlier.digests.sha3_512);
  });

  it("`writ replay` confirms each artifact issued under it, its signature set aside or checked with --pub", async () => {
    for (const r of REQUESTS) {
      for (const pub of [[], ["--pub", "writ.public.jwk"]]) {
        const replayed = await writ(build, cwd, ["replay", `${r}.artifact`, "--input", `${r}.json`, "--bundle", "bundle", ...pub]);
        expect(replayed.code, `${r} ${pub.join(" ")}: ${replayed.stderr}`).toBe(0);
        expect(replayed.stdout.trim()).toBe("replay confirmed: transfers 2.0.0 decides the same for this request");
      }
    }
    // and it still finds an artifact that does not match its request
    const other = await writ(build, cwd, ["replay", "forbid.artifact", "--input", "allow.json", "--bundle", "bundle"]);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain("decision: the artifact says deny, re-evaluation gives allow");
  }, 120_000);

  it("`writ audit verify --replay` re-decides the log's records identically", async () => {
    const audited = await writ(build, cwd, ["audit", "verify", "lineage.jsonl", "--pub", "writ.public.jwk", "--replay", "bundle", "--requests", "requests.jsonl"]);
    expect(audited.code, audited.stderr).toBe(0);
    expect(audited.stdout).toContain("replay      3 decided by transfers 2.0.0, 3 re-decided identically; 0 by other modules");
  }, 60_000);

  it("loadPolicyForReplay reads it, and replayArtifact and verifyLog's replay decide each artifact as it was issued", () => {
    const bundle = readBundle(join(cwd, "bundle"));
    const key = loadPublicKeyFile(join(cwd, "writ.public.jwk"));
    if (!key.ok) throw new Error(key.message);
    const loaded = tryLoadPolicyForReplay(bundle, { trustedKeys: [key.key] });
    if (!loaded.ok) throw new Error(`${loaded.error.code}: ${loaded.error.message}`);
    expect(loaded.policy.signedBy).toBe(key.key.keyId);
    for (const r of REQUESTS) {
      const artifact = readFileSync(join(cwd, `${r}.artifact`), "utf8");
      const request = JSON.parse(readFileSync(join(cwd, `${r}.json`), "utf8")) as unknown;
      expect(replayArtifact(artifact, request, loaded.policy), r).toEqual({ ok: true });
      // the same decision, rules and errors, as the artifact states them
      const stated = statementIn(join(cwd, `${r}.artifact`));
      const decided = loaded.policy.decide(request);
      expect(canonicalize({ decision: decided.decision, rules: decided.rules, errors: decided.errors })).toBe(canonicalize({ decision: stated.decision, rules: stated.rules, errors: stated.errors }));
    }
    const requests = new Map(REQUESTS.map((r) => {
      const request = JSON.parse(readFileSync(join(cwd, `${r}.json`), "utf8")) as unknown;
      return [requestDigest(request).sha3_512, request] as const;
    }));
    const audit = verifyLog(join(cwd, "lineage.jsonl"), { trustedKeys: [key.key], replay: loaded.policy, requests: (d) => requests.get(d) });
    expect(audit.ok && audit.replay).toEqual({ samePolicy: 3, otherPolicy: 0, replayed: 3 });
  });

  it("every load that decides refuses it by its format, saying to compile again and that what it issued still replays", async () => {
    const bundle = readBundle(join(cwd, "bundle"));
    const refused = tryLoadPolicy({ module: bundle.module, manifest: bundle.manifest }, { allowUnsigned: true });
    expect(refused.ok ? "loaded" : refused.error.code).toBe("malformed");
    const advice =
      'manifest format "writ-manifest/1" is not `writ-manifest/2`: the bundle was compiled by an earlier writ, whose module does not bind its manifest\'s cost bound or whether it was optimised; to decide with the policy, compile it again (`writ compile`) and sign the new bundle (what was issued under this bundle still replays against it: `writ replay`, `writ audit verify --replay`)';
    expect(refused.ok ? "" : refused.error.message).toBe(advice);
    const pub = ["--pub", "writ.public.jwk"];
    const runs = await Promise.all([
      writ(build, cwd, ["eval", "bundle", "--input", "allow.json", ...pub]),
      writ(build, cwd, ["verify", "bundle", ...pub]),
      writ(build, cwd, ["authorize", "bundle", "--input", "allow.json", "--key", "keys/writ.private.jwk", ...pub]),
      writ(build, cwd, ["sign", copyEdited("bundle", "to-sign", "transfers", () => {}), "--key", "keys/writ.private.jwk"]),
      writ(build, cwd, ["bench", "bundle", "--requests", "allow.json", ...pub]),
    ]);
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout, r.stderr).toBe("");
      expect(r.stderr).toContain(`(malformed): ${advice}`);
      expect(r.stderr).toMatch(RECOMPILE);
    }
  }, 120_000);

  it("refuses for replay an earlier manifest edited after compiling: its module binds what the earlier runtime checked", async () => {
    const edits: [string, (m: ManifestJson) => void][] = [
      ["rule-renamed", (m) => void (m.rules[0]!.name = "renamed")],
      ["schema-edited", (m) => void (m.schema = { kind: "record", fields: [] })],
      ["format-claimed", (m) => {
        m.format = "writ-manifest/2";
        m.compiler.optimize = true;
      }],
    ];
    for (const [dir, edit] of edits) {
      const edited = copyEdited("bundle", dir, "transfers", edit);
      const r = await writ(build, cwd, ["replay", "allow.artifact", "--input", "allow.json", "--bundle", edited]);
      expect(r.code, dir).toBe(1);
      expect(r.stderr, dir).toMatch(/^writ replay: bundle transfers refused \(manifest_mismatch\): the manifest is not the one the module was compiled with /);
      expect(r.stderr, dir).not.toMatch(RECOMPILE);
    }
  }, 120_000);

  it("refuses for replay a bundle compiled today whose format was edited to the earlier one, and names the formats a replay reads", async () => {
    const claimed = copyEdited("today", "claims-earlier", "transfers", (m) => void (m.format = "writ-manifest/1"));
    const r = await writ(build, cwd, ["replay", "allow.artifact", "--input", "allow.json", "--bundle", claimed]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\(manifest_mismatch\): the manifest is not the one the module was compiled with .*its format, name, version/);
    const unknown = copyEdited("bundle", "unknown-format", "transfers", (m) => void (m.format = "writ-manifest/9"));
    const u = await writ(build, cwd, ["replay", "allow.artifact", "--input", "allow.json", "--bundle", unknown]);
    expect(u.code).toBe(1);
    expect(u.stderr.trim()).toBe(
      'writ replay: bundle transfers refused (malformed): manifest format "writ-manifest/9" is neither `writ-manifest/2` nor an earlier format a replay reads (`writ-manifest/1`)',
    );
    const audited = await writ(build, cwd, ["audit", "verify", "lineage.jsonl", "--replay", unknown, "--requests", "requests.jsonl"]);
    expect(audited.code).toBe(1);
    expect(audited.stderr).toContain("refused (malformed): manifest format \"writ-manifest/9\" is neither");
    expect(audited.stderr).not.toMatch(RECOMPILE);
  }, 120_000);
});
