// Three signed versions of one bundle, and an unsigned copy of the second, for the tests that run
// writes of a bundle against each other; and fresh directories to write them in. Imported after a
// test file's vi.mock of node:fs (dynamically), so that the files are written through the mock.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Bundle } from "../../runtime/manifest.js";
import { signBundle } from "../../runtime/trust/bundle.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { tempDir } from "../support/temp-dir.js";
import { fakeBundle } from "./fake-policy.js";

export const key = generateKeyPair();
export const trustedKeys = [key.publicKey];
export const v1 = signBundle(fakeBundle({ name: "p", version: "1.0.0", moduleText: "the first module" }), key);
export const v2 = signBundle(fakeBundle({ name: "p", version: "2.0.0", moduleText: "the second module, longer" }), key);
export const v3 = signBundle(fakeBundle({ name: "p", version: "3.0.0", moduleText: "a third module" }), key);
export const unsigned2: Bundle = { module: v2.module, manifest: v2.manifest };

/** A function giving a new empty directory at each call, under a temporary directory named for `name`. */
export function freshDirs(name: string): () => string {
  const root = tempDir(name);
  let count = 0;
  return () => {
    const d = join(root, `d${count++}`);
    mkdirSync(d);
    return d;
  };
}
