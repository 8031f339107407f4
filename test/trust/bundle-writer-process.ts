// A process that writes or reads one bundle on command, for tests of writers in separate processes.
// `write <bundle.json>`: for each line `<dir> <times>` read from standard input, writes the bundle
// that many times into <dir> and answers one line of JSON, the messages of the writes that threw.
// `read <key.json> <stop file>`: for each line `<dir>` read, reads and verifies the bundle there
// until the stop file is there, and answers one line of JSON: what the loader refused, with its
// messages, and how many readings returned a bundle.

import { existsSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { readBundleResult, writeBundle } from "../../runtime/trust/bundle-files.js";
import { verifyBundle } from "../../runtime/trust/bundle.js";
import type { Bundle } from "../../runtime/manifest.js";

const [mode, file, stop] = process.argv.slice(2);
const lines = createInterface({ input: process.stdin });

if (mode === "write") {
  const stored = JSON.parse(readFileSync(file!, "utf8")) as { module: string; manifest: Bundle["manifest"]; signature?: string };
  const bundle: Bundle = { ...stored, module: new Uint8Array(Buffer.from(stored.module, "base64")) };
  lines.on("line", (line) => {
    const [dir, times] = line.split(" ");
    const errors: string[] = [];
    for (let i = 0; i < Number(times); i++) {
      try {
        writeBundle(dir!, bundle);
      } catch (e) {
        errors.push(`${(e as Error).name}: ${(e as Error).message}`);
      }
    }
    process.stdout.write(JSON.stringify(errors) + "\n");
  });
} else {
  const key = JSON.parse(readFileSync(file!, "utf8")) as { keyId: string; bytes: string };
  const trustedKeys = [{ keyId: key.keyId, bytes: new Uint8Array(Buffer.from(key.bytes, "base64")) }];
  lines.on("line", (dir) => {
    const refused: string[] = [];
    let read = 0;
    while (!existsSync(stop!)) {
      const result = readBundleResult(dir);
      if (!result.ok) {
        // a bundle that kept changing while it was read is refused, saying so: no mix handed over
        if (!/kept changing while it was read/.test(result.message)) refused.push(`read: ${result.message}`);
        continue;
      }
      read++;
      const verified = verifyBundle(result.bundle, { trustedKeys, allowUnsigned: true });
      if (!verified.ok) refused.push(`${verified.code}: ${verified.message}`);
    }
    process.stdout.write(JSON.stringify({ refused, read }) + "\n");
  });
}
