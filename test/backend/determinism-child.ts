// Child process of determinism.test.ts: compiles two policies and prints the SHA-256 of each module.
// Runs as plain JavaScript (transpiled by the test) from whatever directory the test chose.

import { createHash } from "node:crypto";
import { generateModule } from "../../compiler/backend/index.js";
import { agentPolicy } from "./agent-policy.js";
import { expressionsPolicy } from "./expressions-policy.js";

export async function moduleDigests(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, ir, optimize] of [
    ["agent-O3", agentPolicy(0).ir, true],
    ["expressions-O0", expressionsPolicy().ir, false],
  ] as const) {
    const g = await generateModule(ir, { optimize });
    if (!g.wasm) throw new Error(g.diagnostics.map((d) => d.message).join("\n"));
    out[name] = createHash("sha256").update(g.wasm).digest("hex");
  }
  return out;
}

if (process.argv[2] === "--print") {
  moduleDigests().then(
    (d) => process.stdout.write(JSON.stringify({ cwd: process.cwd(), digests: d }) + "\n"),
    (e: unknown) => {
      process.stderr.write(String(e instanceof Error ? e.stack : e));
      process.exit(1);
    },
  );
}
