// A trusted key that is no public key is refused by every reader of trusted keys in the same words,
// and where the mistake is a usual one the refusal says what to pass: the `{ ok, key }` that
// loadPublicKeyFile returns (or its `{ ok: false, message }`) handed over whole, or a private key in
// place of its `publicKey`. verifyLog said so and the others named only the shape a key has, so a
// host that passed loadPublicKeyFile's result to verifyArtifact or loadPolicy was left to guess.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { authorize } from "../../runtime/trust/authorize.js";
import { verifyBundle } from "../../runtime/trust/bundle.js";
import { guard, GuardError } from "../../runtime/trust/guard.js";
import { loadPublicKeyFile, writeKeyPair } from "../../runtime/trust/key-files.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { verifyLog } from "../../runtime/trust/lineage-verify.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { verifyArtifact } from "../../runtime/trust/verify-artifact.js";
import { loadPolicy, PolicyLoadError } from "../../runtime/policy.js";
import { ADMIN_OK, fakeBundle, fakePolicy } from "./fake-policy.js";
import { tempDir } from "../support/temp-dir.js";

const dir = tempDir("trusted-key-mistakes");
const issuer = generateKeyPair();
writeKeyPair(dir, issuer, "issuer");
const loaded = loadPublicKeyFile(join(dir, "issuer.public.jwk"));
const missing = loadPublicKeyFile(join(dir, "nowhere.public.jwk"));

const LOAD_RESULT =
  "trustedKeys[0] is not a public key ({ keyId, bytes: 32 bytes }) but a key file's load result ({ ok, key } or { ok: false, message }): pass the `key` of loadPublicKeyFile(path) once its `ok` is true";
const PRIVATE_KEY = "trustedKeys[0] is not a public key ({ keyId, bytes: 32 bytes }) but a private key: pass its `publicKey`";
const PLAIN = "trustedKeys[0] is not a public key ({ keyId, bytes: 32 bytes })";

/** Each reader of trusted keys, given `trustedKeys`: the message it refuses them with. */
const readers: [string, (trustedKeys: unknown[]) => Promise<string | undefined>][] = [
  [
    "verifyArtifact",
    async (trustedKeys) => {
      const artifact = authorize(fakePolicy(), ADMIN_OK, { signer: createSigner(issuer) }).artifact;
      const r = verifyArtifact(artifact, { trustedKeys: trustedKeys as never });
      expect(r).toMatchObject({ ok: false, code: "bad_options" });
      return r.ok ? undefined : r.message;
    },
  ],
  [
    "loadPolicy",
    async (trustedKeys) => {
      try {
        loadPolicy(fakeBundle(), { trustedKeys: trustedKeys as never });
      } catch (e) {
        expect(e).toBeInstanceOf(PolicyLoadError);
        expect((e as PolicyLoadError).code).toBe("bad_options");
        return (e as Error).message;
      }
      return undefined;
    },
  ],
  [
    "verifyBundle",
    async (trustedKeys) => {
      const r = verifyBundle(fakeBundle(), { trustedKeys: trustedKeys as never });
      return r.ok ? undefined : r.message;
    },
  ],
  [
    "guard",
    async (trustedKeys) => {
      let ran = false;
      try {
        await guard(fakePolicy(), ADMIN_OK, () => (ran = true), { signer: createSigner(issuer), trustedKeys: trustedKeys as never });
      } catch (e) {
        expect(e).toBeInstanceOf(GuardError);
        expect(ran).toBe(false);
        return (e as GuardError).reasons.join("; ");
      }
      return undefined;
    },
  ],
  [
    "verifyLog",
    async (trustedKeys) => {
      const r = verifyLog(join(dir, "no-log.jsonl"), { trustedKeys: trustedKeys as never });
      return r.ok ? undefined : r.reason;
    },
  ],
];

describe("a trusted key that is no public key", () => {
  expect(loaded.ok && !missing.ok).toBe(true);

  it.each(readers)("%s: a key file's { ok, key } is named as such, with what to pass", async (_, refusal) => {
    expect(await refusal([loaded])).toContain(LOAD_RESULT);
    // its failure too
    expect(await refusal([missing])).toContain(LOAD_RESULT);
  });

  it.each(readers)("%s: a private key is told to give its publicKey", async (_, refusal) => {
    expect(await refusal([issuer])).toContain(PRIVATE_KEY);
  });

  it.each(readers)("%s: anything else is named by the shape a key has, and no hint", async (_, refusal) => {
    const message = await refusal([null]);
    expect(message).toContain(PLAIN);
    expect(message).not.toContain(" but ");
  });

  it("a load result whose members cannot be read is refused all the same, without the hint", async () => {
    const hostile = { ok: true, get key(): never { throw new Error("no key here"); } };
    const r = verifyArtifact("a.b.c", { trustedKeys: [hostile as never] });
    expect(r).toMatchObject({ ok: false, code: "bad_options", message: PLAIN });
  });

  it("the key itself is taken", () => {
    if (!loaded.ok) throw new Error(loaded.message);
    const artifact = authorize(fakePolicy(), ADMIN_OK, { signer: createSigner(issuer) }).artifact;
    expect(verifyArtifact(artifact, { trustedKeys: [loaded.key] }).ok).toBe(true);
  });
});
