// Child process for test/compiler/polluted-prototypes.test.ts: compiles a policy while a property is
// planted on a prototype after the compile has begun (by the host's other code, between the
// compile's awaits), for each case given, one after the other, and prints one JSON line per case:
// the diagnostics' codes and messages, whether a bundle came back, or what the compile threw. Run in
// a process of its own: the planted property stays for the whole compile, and the test runner's own
// code would read it too.
//
// usage: node planted-during-compile.mjs <policy.writ> '[["O"|"A", name, value], ...]'

import { readFileSync } from "node:fs";
import { compilePolicy } from "../../../compiler/driver.js";

const text = readFileSync(process.argv[2]!, "utf8");
const cases = JSON.parse(process.argv[3]!) as [string, string, unknown][];
for (const [holder, name, value] of cases) {
  const proto = holder === "A" ? Array.prototype : Object.prototype;
  const compiling = compilePolicy(text, { fileName: "planted.writ" });
  // the compile has passed its first look at the prototypes, and waits on its first import
  Object.defineProperty(proto, name, { value, enumerable: true, configurable: true, writable: true });
  let line: object;
  try {
    const r = await compiling;
    line = { bundle: r.bundle !== undefined, diagnostics: r.diagnostics.map((d) => ({ code: d.code, message: d.message, file: d.file })) };
  } catch (e) {
    line = { threw: String(e) };
  } finally {
    delete (proto as Record<string, unknown>)[name];
  }
  process.stdout.write(JSON.stringify({ holder, name, ...line }) + "\n");
}
