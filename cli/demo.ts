// `npm run demo`: the whole path on embedded defaults — compile an example policy, decide a few
// requests through both backends, generate a key, sign the bundle, load it verified, issue signed
// authorization artifacts into a lineage log, verify one, replay them all, and verify the log.
// Everything it writes goes to a fresh temporary directory, printed at the end so the files can be
// inspected with the `writ` CLI.

import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compilePolicy } from "../compiler/driver.js";
import { renderDiagnostics } from "../compiler/diagnostics.js";
import { createInterpreter } from "../compiler/ir/interp.js";
import { describeDecision, sameDecision } from "../compiler/testing.js";
import { loadPolicy } from "../runtime/policy.js";
import { generateKeyPair } from "../runtime/trust/keys.js";
import { loadPrivateKeyFile, loadPublicKeyFile, writeKeyPair } from "../runtime/trust/key-files.js";
import { signBundle } from "../runtime/trust/bundle.js";
import { readBundle, writeBundle } from "../runtime/trust/bundle-files.js";
import { createSigner } from "../runtime/trust/signer.js";
import { authorize } from "../runtime/trust/authorize.js";
import { verifyArtifact } from "../runtime/trust/verify-artifact.js";
import { replayArtifact } from "../runtime/trust/replay.js";
import { openLog } from "../runtime/trust/lineage.js";
import { verifyLog } from "../runtime/trust/lineage-verify.js";
import { requestDigest } from "../runtime/trust/request-digest.js";

const root = (() => {
  // cli/demo.ts in development, dist/cli/demo.js when built: the package root holds policies/
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++, dir = dirname(dir)) {
    try {
      readFileSync(join(dir, "policies", "payments.writ"));
      return dir;
    } catch {
      // keep walking up
    }
  }
  throw new Error("cannot find policies/payments.writ beside the package");
})();

const base = {
  principal: { id: "agent-7", tenant: "acme", roles: ["payments-agent"], clearance: 2 },
  action: { name: "payments.transfer", amount: 25_000, currency: "EUR" },
  resource: { type: "account", owner: "acme", id: "acct-1" },
  context: { approvals: 0, hour: 10, risk: 12 },
};

function line(text = ""): void {
  process.stdout.write(text + "\n");
}

async function main(): Promise<number> {
  const file = "policies/payments.writ";
  const source = readFileSync(join(root, file), "utf8");
  line(`1. compile ${file}`);
  const t0 = performance.now();
  const compiled = await compilePolicy(source, { fileName: file });
  if (!compiled.bundle || !compiled.checked) {
    line(renderDiagnostics(compiled.diagnostics, compiled.source));
    return 1;
  }
  const m = compiled.bundle.manifest;
  line(`   ${m.name} ${m.version}: ${m.rules.length} rules, ${compiled.bundle.module.length}-byte module, cost bound ${m.costBound}, ${(performance.now() - t0).toFixed(0)} ms`);
  line(`   module sha3-512    ${m.digests.sha3_512}`);
  line(`   module blake2b-512 ${m.digests.blake2b_512}`);

  // The requests come from the policy's own tests, so the demo follows the policy as it evolves.
  const requests = compiled.checked.tests.slice(0, 5).map((t) => ({ name: t.name, request: t.request }));
  if (requests.length === 0) requests.push({ name: "example", request: base });

  line("\n2. decide through both backends (interpreter | WebAssembly)");
  const interpreter = createInterpreter(compiled.checked.ir, compiled.checked.errorSites);
  const unsignedPolicy = loadPolicy(compiled.bundle, { allowUnsigned: true });
  let disagreements = 0;
  for (const { name, request } of requests) {
    const a = interpreter.decide(request);
    const b = unsignedPolicy.decide(request);
    const agree = sameDecision(a, b);
    if (!agree) disagreements++;
    line(`   ${agree ? "=" : "≠"} ${name}: ${describeDecision(b)}`);
  }

  const dir = mkdtempSync(join(tmpdir(), "writ-demo-"));
  line(`\n3. keys and a signed bundle in ${dir}`);
  const keyFiles = writeKeyPair(dir, generateKeyPair(), "authority");
  const key = loadPrivateKeyFile(keyFiles.privateKeyPath);
  const pub = loadPublicKeyFile(keyFiles.publicKeyPath);
  if (!key.ok || !pub.ok) {
    line(`   cannot read the key just written: ${!key.ok ? key.message : !pub.ok ? pub.message : ""}`);
    return 1;
  }
  line(`   key id ${key.key.keyId} (private key file mode 0600)`);
  const bundleDir = join(dir, "bundle");
  mkdirSync(bundleDir, { recursive: true });
  const written = writeBundle(bundleDir, signBundle(compiled.bundle, key.key));
  for (const p of written) line(`   wrote ${p}`);
  const policy = loadPolicy(readBundle(bundleDir), { trustedKeys: [pub.key] });
  line(`   loaded: signature by ${policy.signedBy}, digests match, profile valid`);

  line("\n4. authorize: decide, sign an artifact, append to the lineage log");
  const logPath = join(dir, "lineage.jsonl");
  const log = openLog(logPath);
  const signer = createSigner(key.key, { head: log.head().chain });
  const issued = requests.map(({ name, request }) => ({ name, request, ...authorize(policy, request, { signer, lineage: log }) }));
  log.close();
  for (const i of issued) line(`   seq ${i.statement.lineage.seq} ${i.decision.decision.padEnd(5)} ${i.name}: ${i.artifact.slice(0, 48)}…`);

  line("\n5. verify before execution");
  const first = issued[0]!;
  const ok = verifyArtifact(first.artifact, { trustedKeys: [pub.key], trustedPolicies: [policy.digests], request: first.request });
  line(`   artifact for "${first.name}": ${ok.ok ? `verified (${ok.statement.decision}, request ${ok.statement.request.sha3_512.slice(0, 16)}…)` : `refused: ${ok.code}`}`);
  const other = { ...(first.request as object), tampered: true };
  const wrong = verifyArtifact(first.artifact, { trustedKeys: [pub.key], request: other });
  line(`   same artifact for a different request: ${wrong.ok ? "verified (unexpected!)" : `refused (${wrong.code}): ${wrong.message}`}`);

  line("\n6. replay every artifact against the bundle");
  let replayFailures = 0;
  for (const i of issued) {
    const r = replayArtifact(i.artifact, i.request, policy);
    if (!r.ok) replayFailures++;
    line(`   ${r.ok ? "same decision, rules and errors" : `differs: ${r.differences.join("; ")}`} — ${i.name}`);
  }

  line("\n7. verify the lineage log");
  const byDigest = new Map(issued.map((i) => [requestDigest(i.request).sha3_512, i.request]));
  const audit = verifyLog(logPath, { trustedKeys: [pub.key], replay: policy, requests: (d) => byDigest.get(d) });
  if (audit.ok) line(`   ${audit.records} records, seq ${audit.firstSeq}..${audit.lastSeq}, ${audit.allows} allow / ${audit.denies} deny, signatures ${audit.signatures}, ${audit.replay?.replayed ?? 0} replayed`);
  else line(`   record ${audit.index} is ${audit.kind}: ${audit.reason}`);

  const artifactPath = join(dir, "artifact-0.jws");
  const requestPath = join(dir, "request-0.json");
  writeFileSync(artifactPath, first.artifact + "\n");
  writeFileSync(requestPath, JSON.stringify(first.request, null, 2) + "\n");
  // every request the log holds a decision for, as JSON Lines: what the audit re-decides them with
  const requestsPath = join(dir, "requests.jsonl");
  writeFileSync(requestsPath, issued.map((i) => JSON.stringify(i.request) + "\n").join(""));
  line(`\nFiles are in ${dir}. Try:`);
  line(`   npx writ verify ${artifactPath} --pub ${keyFiles.publicKeyPath} --input ${requestPath}`);
  line(`   npx writ replay ${artifactPath} --input ${requestPath} --bundle ${bundleDir}`);
  line(`   npx writ audit verify ${logPath} --pub ${keyFiles.publicKeyPath} --replay ${bundleDir} --requests ${requestsPath}`);
  const healthy = disagreements === 0 && ok.ok && !wrong.ok && replayFailures === 0 && audit.ok;
  line(healthy ? "\ndemo ok" : "\ndemo found a problem (see above)");
  return healthy ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (e) => {
    process.stderr.write(`demo failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
