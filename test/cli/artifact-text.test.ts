// What `writ verify` and `writ replay` read from an artifact file is anyone's text. It is read as the
// library reads it: only ASCII spaces and line ends around an artifact are taken away. Real files,
// the command line run in process through main (the terminal escaping included).

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadPolicy, type LoadedPolicy } from "../../runtime/policy.js";
import type { Bundle } from "../../runtime/manifest.js";
import { authorize } from "../../runtime/trust/authorize.js";
import { signBundle } from "../../runtime/trust/bundle.js";
import { writeBundle } from "../../runtime/trust/bundle-files.js";
import { writeKeyPair } from "../../runtime/trust/key-files.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { replayArtifact } from "../../runtime/trust/replay.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { compiledBundle } from "../support/compiled-bundle.js";
import { runWrit } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

const ADMIN = { principal: { role: "admin" }, amount: 10 };

const dir = tempDir("artifact-text");
const authority = generateKeyPair();
const issuer = generateKeyPair();
let bundle: Bundle;
let policy: LoadedPolicy;
let allow = "";

beforeAll(async () => {
  bundle = signBundle(await compiledBundle(), authority);
  writeBundle(join(dir, "bundle"), bundle);
  writeKeyPair(dir, authority, "authority");
  writeKeyPair(dir, issuer, "issuer");
  policy = loadPolicy(bundle, { trustedKeys: [authority.publicKey] });
  allow = authorize(policy, ADMIN, { signer: createSigner(issuer) }).artifact;
  writeFileSync(join(dir, "admin.json"), JSON.stringify(ADMIN));
}, 120_000);

const writ = (...argv: string[]) => runWrit(argv, dir);

describe("an artifact file is read as verifyArtifact reads it", () => {
  it.each([
    ["a BOM before it", "\ufeff", ""],
    ["a no-break space before it", "\u00a0", ""],
    ["U+2028 after it", "", "\u2028"],
    ["an ideographic space before it", "\u3000", ""],
    ["a vertical tab after it", "", "\u000b"],
  ])("writ verify and writ replay refuse an artifact with %s, as verifyArtifact and replayArtifact do", async (_, before, after) => {
    const text = `${before}${allow}${after}\n`;
    writeFileSync(join(dir, "wrapped.jws"), text);
    const verified = await writ("verify", "wrapped.jws", "--pub", "issuer.public.jwk");
    expect(verified).toMatchObject({ code: 1, out: "" });
    expect(verified.err).toMatch(/^writ verify: refused \(malformed\): JWS (header|signature) is not unpadded base64url$/);
    const replayed = await writ("replay", "wrapped.jws", "--input", "admin.json", "--bundle", "bundle");
    expect(replayed).toMatchObject({ code: 1, out: "" });
    expect(replayed.err).toMatch(/\n {2}malformed: artifact: JWS (header|signature) is not unpadded base64url$/);
    expect(replayArtifact(text, ADMIN, policy)).toMatchObject({ ok: false, differences: [expect.stringMatching(/^malformed: /)] });
  });

  it("takes away the ASCII spaces and line ends around it, and only those", async () => {
    writeFileSync(join(dir, "spaced.jws"), ` \t${allow}\r\n\n`);
    expect(await writ("verify", "spaced.jws", "--pub", "issuer.public.jwk")).toMatchObject({ code: 0, err: "" });
    expect(await writ("replay", "spaced.jws", "--input", "admin.json", "--bundle", "bundle")).toMatchObject({ code: 0, err: "" });
  });
});
