// A runnable JavaScript copy of parts of the source tree, for tests that need real `node` processes
// without tsx (Node 20 cannot load TypeScript in a worker thread, and tsx changes module loading):
// each .ts file under the given folders transpiled one by one (no type check), plus what a compile
// needs beside the code (package.json, asconfig.json, assembly/, node_modules).

import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** The repository root. */
export const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function transpileTree(dir: string, out: string): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) transpileTree(path, out);
    else if (name.endsWith(".ts") && !name.endsWith(".test.ts") && !name.endsWith(".d.ts")) {
      const js = ts.transpileModule(readFileSync(path, "utf8"), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
      }).outputText;
      const target = join(out, relative(repositoryRoot, path)).replace(/\.ts$/, ".js");
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, js);
    }
  }
}

/** Writes the transpiled `folders` (relative to the repository) and a compile's surroundings into `build`. */
export function writeTranspiledTree(build: string, folders: readonly string[], packageJson: object = {}): void {
  for (const folder of folders) transpileTree(join(repositoryRoot, folder), build);
  writeFileSync(join(build, "package.json"), JSON.stringify({ ...packageJson, type: "module" }));
  cpSync(join(repositoryRoot, "asconfig.json"), join(build, "asconfig.json"));
  cpSync(join(repositoryRoot, "assembly"), join(build, "assembly"), { recursive: true });
  symlinkSync(join(repositoryRoot, "node_modules"), join(build, "node_modules"));
}
