// A child process for the lineage kill test (test/trust/lineage-kill.test.ts): opens a lineage log
// (repairing whatever the previous, killed writer left), then issues signed artifacts into it as fast
// as it can and prints each acknowledged record on stdout — `ack <record seq> <jti>` — only after
// `append` returned. Stdout is a pipe, which Node writes synchronously on Linux, so every line the
// parent reads was acknowledged before the kill.
//
// usage: node --import tsx test/support/log-writer-child.ts <log> <seed hex> <mode> [padding]
//   (the test bundles it with esbuild first, when it can, to start in 0.1 s rather than 1 s)
//   mode `fast`: small records; `big`: records of about `padding` bytes, so SIGKILL can land inside a
//   write(2) and tear it; `torn`: append a few records, then write half a record by hand (as a crash
//   inside write(2) would) and wait to be killed.

import { appendFileSync } from "node:fs";
import { openLog } from "../../runtime/trust/lineage.js";
import { recordOpen } from "../../runtime/trust/lineage-record.js";
import { authorize } from "../../runtime/trust/authorize.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { privateKeyFromSeed } from "../../runtime/trust/keys.js";
import { digestPair } from "../../runtime/crypto/digest.js";
import type { DecidingPolicy } from "../../runtime/policy-types.js";
import type { Manifest } from "../../runtime/manifest.js";

const [logPath, seedHex, mode = "fast", paddingArg = "0"] = process.argv.slice(2);
if (!logPath || !seedHex) {
  process.stderr.write("usage: log-writer-child <log> <seed hex> <fast|big|torn> [padding]\n");
  process.exit(2);
}

// The policy's name carries the padding: it is copied into every statement, so it sizes the record.
const padding = mode === "big" ? Number(paddingArg) : 0;
const module = new TextEncoder().encode("\0asm kill-test module");
const policy: DecidingPolicy = {
  name: `kill-test${"-".repeat(padding)}`,
  version: "1.0.0",
  manifest: {} as Manifest,
  module,
  digests: digestPair(module),
  decide: (request) => {
    const n = (request as { n: number }).n;
    return n % 5 === 0 ? { decision: "deny", rules: ["every_fifth"], errors: [] } : { decision: "allow", rules: ["others"], errors: [] };
  },
};

const key = privateKeyFromSeed(new Uint8Array(Buffer.from(seedHex, "hex")));
const log = openLog(logPath, { fsync: "always" });
const signer = createSigner(key, { head: log.head().chain });
const repaired = log.repaired === null ? "-" : `${log.repaired.index}:${log.repaired.kind === "moved" ? log.repaired.bytes : "newline"}`;
process.stdout.write(`ready ${log.head().records} ${repaired}\n`);

// A writer whose parent died is never killed: stop on its own after a while rather than fill the disk.
const deadline = Date.now() + 20_000;
for (let n = 0; Date.now() < deadline; n++) {
  if (mode === "torn" && n === 3) {
    // What a crash inside write(2) leaves: the first part of the next record, no newline.
    const head = log.head();
    appendFileSync(logPath, `${recordOpen(head.records, head.digests)}"${"e".repeat(30)}`);
    process.stdout.write("torn\n");
    setTimeout(() => process.exit(3), 20_000); // wait for the kill
    break;
  }
  const { statement } = authorize(policy, { n }, { signer, lineage: log });
  process.stdout.write(`ack ${log.head().seq} ${statement.jti}\n`);
}
