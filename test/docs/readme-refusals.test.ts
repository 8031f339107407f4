// The README's examples of `writ compile` refusing to write a bundle over a file it reads are run as
// written, in a directory holding what the sentence says they find: the policy `payments` saved as
// its own manifest's name, and a private key named as the bundle's signature. Each must stop at that
// refusal, naming both files, and write nothing. (The first example once named a compiled manifest,
// which stops at its parse errors before any bundle is written: it showed no refusal.)

import { cpSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeKeyPair } from "../../runtime/trust/key-files.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { runWrit } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { repositoryRoot } from "../support/transpiled-tree.js";

const readme = readFileSync(join(repositoryRoot, "README.md"), "utf8").replace(/\s+/g, " ");

describe("the README's examples of compile refusing to overwrite what it reads", () => {
  it("stop at that refusal when run as written", async () => {
    const sentence = /`compile` refuses to write a bundle over the file it compiles or signs with.*?`\)\./.exec(readme);
    expect(sentence, "README.md has the sentence on compile's refusal").not.toBeNull();
    const examples = [...sentence![0].matchAll(/`(writ compile [^`]+)`/g)].map((m) => m[1]!.split(" ").slice(1));
    expect(examples.length).toBe(2);
    // what the sentence says the directory holds
    expect(sentence![0]).toContain("the policy `payments` saved as `payments.manifest.json`");
    const dir = tempDir("readme-refusals");
    cpSync(join(repositoryRoot, "policies", "payments.writ"), join(dir, "payments.writ"));
    cpSync(join(repositoryRoot, "policies", "payments.writ"), join(dir, "payments.manifest.json"));
    writeKeyPair(dir, generateKeyPair(), "issuer");
    cpSync(join(dir, "issuer.private.jwk"), join(dir, "payments.manifest.jws"));
    const before = readdirSync(dir).sort();
    const refused = [];
    for (const argv of examples) {
      const r = await runWrit(argv, dir);
      expect(r.code, `${argv.join(" ")}: ${r.err}`).toBe(1);
      const named = /^writ compile: refusing to write the bundle: \S+ is (\S+), the (policy source|signing key), which it would replace/m.exec(r.err);
      expect(named, `${argv.join(" ")}: ${r.err}`).not.toBeNull();
      refused.push([named![1], named![2]]);
    }
    expect(refused).toEqual([
      ["payments.manifest.json", "policy source"],
      ["payments.manifest.jws", "signing key"],
    ]);
    expect(readdirSync(dir).sort()).toEqual(before);
  }, 120_000);
});
