// How a test starts a child process written in TypeScript. Through the tsx loader a child needs about
// a second to start on this machine; bundled into one .mjs by esbuild (which tsx itself depends on)
// about 0.15 s, which matters to tests that start dozens. Without esbuild, fall back to the loader.

import { basename, join } from "node:path";

/** The arguments to give `node` to run `entry`, bundled into `dir` when esbuild is there. */
export async function childCommand(entry: string, dir: string): Promise<string[]> {
  try {
    const esbuild = await import("esbuild");
    const outfile = join(dir, basename(entry).replace(/\.ts$/, ".mjs"));
    await esbuild.build({ entryPoints: [entry], bundle: true, platform: "node", format: "esm", target: "node20", outfile, logLevel: "silent" });
    return [outfile];
  } catch {
    return ["--import", "tsx", entry];
  }
}
