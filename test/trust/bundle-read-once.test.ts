// loadPolicy reads the bundle's parts once and keeps its own copy: the module it verifies against the
// signed manifest is the module it checks, instantiates and exposes as `policy.module`. Read again
// after verification, a getter (or a host changing the bytes) could load a module the signature never
// covered, under the signer's name. verifyBundle reads each part once too: it must not check one
// manifest's digests against the module and another manifest's text against the signature.

import { describe, expect, it } from "vitest";
import { digestPair } from "../../runtime/crypto/digest.js";
import type { Decision } from "../../runtime/decision.js";
import type { Bundle } from "../../runtime/manifest.js";
import { loadPolicy, tryLoadPolicy } from "../../runtime/policy.js";
import { signBundle, verifyBundle } from "../../runtime/trust/bundle.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { handBundle } from "../runtime/hand-bundle.js";

const authority = generateKeyPair();
/** signed: a module that denies everything */
const signed = signBundle(handBundle(), authority);
/** unsigned: a module that allows everything, with its own (true) digests */
const other = handBundle({ allow: true });
const trusted = { trustedKeys: [authority.publicKey] };

describe("a bundle whose parts answer differently when read again", () => {
  it("loads the module that was verified, whatever `module` says later", () => {
    expect(loadPolicy(other, { allowUnsigned: true }).decide({ n: 1 }).decision).toBe("allow");
    let reads = 0;
    const bundle: Bundle = {
      get module() {
        return ++reads === 1 ? signed.module : other.module;
      },
      manifest: signed.manifest,
      signature: signed.signature!,
    };
    const policy = loadPolicy(bundle, trusted);
    expect(reads).toBe(1);
    expect(policy.signedBy).toBe(authority.publicKey.keyId);
    expect(policy.decide({ n: 1 }).decision).toBe("deny");
    expect(digestPair(policy.module)).toEqual(signed.manifest.digests);
  });

  it("keeps its own copy of the bytes: changing the host's array after the load changes nothing loaded", () => {
    const bytes = signed.module.slice();
    const policy = loadPolicy({ ...signed, module: bytes }, trusted);
    bytes.fill(0);
    expect(digestPair(policy.module)).toEqual(signed.manifest.digests);
    expect(policy.decide({ n: 1 }).decision).toBe("deny");
  });

  it("checks the manifest's digests and its signature on one reading of `manifest`", () => {
    // first read: a manifest stating the other module's digests; then the signed one
    let reads = 0;
    const bundle: Bundle = {
      module: other.module,
      get manifest() {
        return ++reads === 1 ? { ...signed.manifest, digests: other.manifest.digests } : signed.manifest;
      },
      signature: signed.signature!,
    };
    // the manifest read is not the one signed
    expect(verifyBundle(bundle, trusted)).toMatchObject({ ok: false, code: "manifest_mismatch" });
    expect(reads).toBe(1);
    reads = 0;
    expect(tryLoadPolicy(bundle, trusted)).toMatchObject({ ok: false, error: { code: "manifest_mismatch" } });
    expect(reads).toBe(1);
  });

  it("refuses a part that cannot be read or copied as malformed, after the options", () => {
    const throwing = {
      get module(): Uint8Array {
        throw new Error("no bytes today");
      },
      manifest: signed.manifest,
    };
    expect(tryLoadPolicy(throwing, trusted)).toMatchObject({ ok: false, error: { code: "malformed", message: expect.stringMatching(/could not be read: no bytes today/) } });
    expect(tryLoadPolicy(throwing, { allowUnsigned: "yes" } as never)).toMatchObject({ ok: false, error: { code: "bad_options" } });
    const proxied = { ...signed, manifest: new Proxy(signed.manifest, {}) };
    expect(tryLoadPolicy(proxied, trusted)).toMatchObject({ ok: false, error: { code: "malformed", message: expect.stringMatching(/manifest could not be copied/) } });
  });
});

describe("what a loaded policy states about itself", () => {
  it("cannot be edited: its manifest, digests and names are frozen, and its digests stay those of its module", () => {
    const policy = loadPolicy({ ...signed }, trusted);
    // test files are modules (strict mode): writing to a frozen object throws
    expect(() => {
      (policy.digests as { sha3_512: string }).sha3_512 = other.manifest.digests.sha3_512;
    }).toThrow(TypeError);
    expect(() => {
      (policy.manifest.rules as unknown[]).push(policy.manifest.rules[0]);
    }).toThrow(TypeError);
    expect(() => {
      (policy as { name: string }).name = "another";
    }).toThrow(TypeError);
    expect(policy.digests).toEqual(digestPair(policy.module));
    expect(Object.isFrozen(policy.manifest.schema)).toBe(true);
  });

  it("decides only as its module does: the evaluator's methods cannot be replaced, by a spy left in place or a plugin handed the policy", () => {
    const policy = loadPolicy({ ...signed }, trusted);
    const allowAll = (): Decision => ({ decision: "allow", rules: [], errors: [] });
    for (const method of ["decide", "evaluate", "encode", "evaluateEncoded", "lastDecision"] as const) {
      expect(() => {
        (policy.evaluator as unknown as Record<string, unknown>)[method] = allowAll;
      }).toThrow(TypeError);
    }
    expect(() => Object.defineProperty(policy.evaluator, "decide", { value: allowAll })).toThrow(TypeError);
    expect(Object.isFrozen(policy.evaluator)).toBe(true);
    // the signed module denies everything, and so does the policy after every attempt
    expect(policy.decide({ n: 1 }).decision).toBe("deny");
    expect(policy.evaluator.decide({ n: 1 }).decision).toBe("deny");
  });

  it("leaves the host's own manifest as it was given", () => {
    const manifest = structuredClone(signed.manifest);
    loadPolicy({ ...signed, manifest }, trusted);
    expect(Object.isFrozen(manifest)).toBe(false);
  });
});
