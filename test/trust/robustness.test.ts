// Bad input never throws into a host: arbitrary tokens, every single-character change of a valid
// artifact, and arbitrary bundle-shaped values come back as refusals with a code.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { authorize } from "../../runtime/trust/authorize.js";
import { signBundle, verifyBundle } from "../../runtime/trust/bundle.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { replayArtifact } from "../../runtime/trust/replay.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { verifyArtifact } from "../../runtime/trust/verify-artifact.js";
import type { Bundle } from "../../runtime/manifest.js";
import { ADMIN_OK, fakeBundle, fakePolicy } from "./fake-policy.js";

const key = generateKeyPair();
const policy = fakePolicy();
const { artifact } = authorize(policy, ADMIN_OK, { signer: createSigner(key) });
const options = { trustedKeys: [key.publicKey], request: ADMIN_OK };
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ";

describe("verifyArtifact never throws and never accepts a changed token", () => {
  it("arbitrary strings are refused", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (token) => {
        const result = verifyArtifact(token, options);
        expect(result.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
  it("any one character replaced, inserted or deleted is refused", () => {
    fc.assert(
      fc.property(fc.nat(artifact.length - 1), fc.constantFrom(...ALPHABET), fc.constantFrom("replace", "insert", "delete"), (at, ch, op) => {
        const changed =
          op === "replace" ? artifact.slice(0, at) + ch + artifact.slice(at + 1) : op === "insert" ? artifact.slice(0, at) + ch + artifact.slice(at) : artifact.slice(0, at) + artifact.slice(at + 1);
        // a space put before the token is not a change of it: verifyArtifact reads the token trimmed
        // (as it comes from a file with a newline), and the signature covers the token exactly
        fc.pre(changed.trim() !== artifact);
        const result = verifyArtifact(changed, options);
        expect(result.ok).toBe(false);
        expect(replayArtifact(changed, ADMIN_OK, policy).ok === false || verifyArtifact(changed, { trustedKeys: [key.publicKey] }).ok === false).toBe(true);
      }),
      { numRuns: 400 },
    );
  });
});

describe("verifyBundle never throws", () => {
  const signed = signBundle(fakeBundle(), key);
  it("for arbitrary values in place of a bundle or its parts", () => {
    fc.assert(
      fc.property(fc.anything(), fc.constantFrom("bundle", "module", "manifest", "signature"), (junk, part) => {
        const candidate = part === "bundle" ? junk : { ...signed, [part]: junk };
        const result = verifyBundle(candidate as Bundle, { trustedKeys: [key.publicKey] });
        expect(result.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
