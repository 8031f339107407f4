// Scratch measurement (not a unit test): median time of authorize (decide + canonical statement +
// Ed25519 signature), of authorize with a lineage log append, and of verifyArtifact (signature,
// statement, policy and request digests), on each crypto path. Run: npx tsx test/trust/measure.ts [--policy <bundle dir>]
// With --policy, decisions come from a real compiled bundle (loaded unsigned); else from the fake.

import { performance } from "node:perf_hooks";
import { setDefaultCryptoPath, type CryptoPath } from "../../runtime/crypto/digest.js";
import { authorize } from "../../runtime/trust/authorize.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { verifyArtifact } from "../../runtime/trust/verify-artifact.js";
import { ed25519Sign, ed25519Verify } from "../../runtime/crypto/ed25519.js";
import type { DecidingPolicy } from "../../runtime/policy-types.js";
import { ADMIN_OK, fakePolicy } from "./fake-policy.js";

function median(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(iterations: number, fn: () => void): number {
  for (let i = 0; i < Math.min(50, iterations); i++) fn(); // warm up
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    fn();
    samples.push((performance.now() - t0) * 1000);
  }
  return median(samples);
}

async function loadPolicyArg(): Promise<{ policy: DecidingPolicy; request: unknown }> {
  const i = process.argv.indexOf("--policy");
  if (i < 0) return { policy: fakePolicy(), request: ADMIN_OK };
  const { readBundle } = await import("../../runtime/trust/bundle-files.js");
  const { loadPolicy } = await import("../../runtime/policy.js");
  const bundle = readBundle(process.argv[i + 1]!);
  const request = JSON.parse((await import("node:fs")).readFileSync(process.argv[process.argv.indexOf("--input") + 1]!, "utf8"));
  return { policy: loadPolicy({ module: bundle.module, manifest: bundle.manifest }, { allowUnsigned: true }), request };
}

const { policy, request } = await loadPolicyArg();
const { openLog } = await import("../../runtime/trust/lineage.js");
const { mkdtempSync, rmSync } = await import("node:fs");
const { tmpdir } = await import("node:os");
const { join } = await import("node:path");
const logDir = mkdtempSync(join(tmpdir(), "writ-measure-"));
const key = generateKeyPair();
const rows: string[] = [];
const floors: string[] = [];
for (const path of ["native", "noble"] as CryptoPath[]) {
  setDefaultCryptoPath(path);
  const signer = createSigner(key, { path });
  const n = path === "native" ? 5000 : 300;
  const authorizeUs = time(n, () => void authorize(policy, request, { signer }));
  const { artifact } = authorize(policy, request, { signer });
  const verifyUs = time(n, () => {
    const r = verifyArtifact(artifact, { trustedKeys: [key.publicKey], trustedPolicies: [policy.digests], request, requireAllow: false, path });
    if (!r.ok) throw new Error(r.message);
  });
  // the same with the JSON Lines lineage log, flushed by the OS (fsync: never) and fsynced per record
  const appendUs: string[] = [];
  for (const fsync of ["never", "always"] as const) {
    const log = openLog(join(logDir, `${path}-${fsync}.jsonl`), { fsync });
    const chained = createSigner(key, { path, head: log.head().chain });
    appendUs.push(time(fsync === "always" ? Math.min(n, 500) : n, () => void authorize(policy, request, { signer: chained, lineage: log })).toFixed(1));
    log.close();
  }
  // the floor: one raw Ed25519 signature / verification over the same signing input
  const signingInput = new TextEncoder().encode(artifact.slice(0, artifact.lastIndexOf(".")));
  const signature = ed25519Sign(signingInput, key.seed, path);
  const rawSign = time(n, () => void ed25519Sign(signingInput, key.seed, path)).toFixed(1);
  const rawVerify = time(n, () => void ed25519Verify(signature, signingInput, key.publicKey.bytes, path)).toFixed(1);
  floors.push(`| ${path} | ${rawSign} µs | ${rawVerify} µs |`);
  rows.push(`| ${path} | ${authorizeUs.toFixed(1)} µs | ${appendUs[0]} µs | ${appendUs[1]} µs | ${verifyUs.toFixed(1)} µs | ${n} | ${artifact.length} B |`);
}
rmSync(logDir, { recursive: true, force: true });
console.log(`policy: ${policy.name} ${policy.version}, node ${process.version}`);
console.log("| path | authorize | + lineage append (no fsync) | + lineage append (fsync) | verifyArtifact | iterations | artifact size |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
for (const r of rows) console.log(r);
console.log("");
console.log("| path | raw Ed25519 sign | raw Ed25519 verify |");
console.log("| --- | --- | --- |");
for (const r of floors) console.log(r);
