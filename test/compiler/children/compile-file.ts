// Child process for test/compiler/stack-ran-out.test.ts: compiles one policy file with compilePolicy
// and prints one JSON line: whether a bundle came back and the diagnostics' codes and messages, or
// what the compile rejected with. The test starts it with a small `node --stack-size`.
//
// usage: node compile-file.mjs <policy.writ>

import { readFileSync } from "node:fs";
import { compilePolicy } from "../../../compiler/driver.js";

const text = readFileSync(process.argv[2]!, "utf8");
let line: object;
try {
  const r = await compilePolicy(text, { fileName: "deep.writ", optimize: false });
  line = { bundle: r.bundle !== undefined, diagnostics: r.diagnostics.map((d) => ({ code: d.code, message: d.message })) };
} catch (e) {
  line = { rejected: String(e) };
}
process.stdout.write(JSON.stringify(line) + "\n");
