// Child process for test/proof/reproducible.test.ts: compiles each policy file named on the command
// line (in the order given) and prints one JSON line per file: the module's SHA3-512 and BLAKE2b-512
// digests, its bytes (base64) and the manifest's canonical JSON. The parent runs it in different
// directories, under different file names, time zones and locales, and compares the lines.
//
// usage: node --import tsx compile-digest.ts <policy.writ>...

import { readFileSync } from "node:fs";
import { compilePolicy } from "../../../compiler/driver.js";
import { canonicalize } from "../../../runtime/trust/jcs.js";

for (const file of process.argv.slice(2)) {
  const r = await compilePolicy(readFileSync(file, "utf8"), { fileName: file });
  if (!r.bundle) {
    process.stdout.write(JSON.stringify({ file, error: r.diagnostics.map((d) => `${d.code} ${d.message}`) }) + "\n");
    process.exitCode = 1;
    continue;
  }
  const { module, manifest } = r.bundle;
  process.stdout.write(
    JSON.stringify({ file, digests: manifest.digests, module: Buffer.from(module).toString("base64"), manifest: canonicalize(manifest) }) + "\n",
  );
}
