// Where the benchmark's files live. Code runs both from the source tree (tsx) and from dist/ (tsc),
// so paths are resolved from the package root (the nearest folder with a package.json named "writ"),
// never relative to the running file.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "writ") {
      root = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the writ package root above bench/");
    dir = parent;
  }
}

export const policiesDir = (): string => join(packageRoot(), "bench", "policies");
export const resultsDir = (): string => join(packageRoot(), "bench", "results");
