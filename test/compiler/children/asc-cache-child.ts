// Child process of fresh-compile.test.ts (run as transpiled JavaScript, as an installed package runs).
//   cache <policy>   applies the CLI's V8 flags, loads asc from the code cache if one is valid,
//                    compiles the policy through that asc and prints {hit, module (base64)}
//   thread <policy>  compiles the policy with asc on a thread of its own, started before the policy
//                    is read, and prints {usedThread, module (base64)}

import { readFileSync } from "node:fs";
import { compilePolicy } from "../../../compiler/driver.js";
import { loadAscFromCache } from "../../../compiler/backend/asc-cache.js";
import { prestartCompile, setAsc, tuneForOneShotCompile } from "../../../compiler/backend/asc.js";
import { startCompileThread } from "../../../compiler/backend/asc-thread.js";
import { CONST_BASE } from "../../../compiler/backend/codegen-values.js";

async function moduleOf(file: string): Promise<string> {
  const r = await compilePolicy(readFileSync(file, "utf8"), { fileName: file });
  if (!r.bundle) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return Buffer.from(r.bundle.module).toString("base64");
}

const [mode, file] = process.argv.slice(2) as [string, string];
if (mode === "cache") {
  tuneForOneShotCompile();
  const cached = await loadAscFromCache();
  if (cached) setAsc(cached);
  process.stdout.write(JSON.stringify({ hit: cached !== undefined, module: await moduleOf(file) }) + "\n");
} else {
  const opts = { memoryBase: CONST_BASE, optimize: true };
  const thread = startCompileThread(opts, { v8Flags: [], codeCache: false });
  prestartCompile(opts, thread);
  const module = await moduleOf(file);
  process.stdout.write(JSON.stringify({ usedThread: thread.usedThread(), module }) + "\n");
}
