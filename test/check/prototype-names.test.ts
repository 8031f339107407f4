// Names a policy gives that JavaScript objects inherit (`constructor`, `toString`, `valueOf`,
// `hasOwnProperty`, `__proto__`): as functions and types they are unknown like any other name, with
// a message that is text; as an annotation `@__proto__` is kept, written, loaded, digested and signed
// like any other, and refused when repeated.

import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { tryLoadPolicy } from "../../runtime/policy.js";
import { canonicalJson } from "../../runtime/trust/jcs.js";
import { readBundle, writeBundle } from "../../runtime/trust/bundle-files.js";
import { signBundle } from "../../runtime/trust/bundle.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { tempDir } from "../support/temp-dir.js";

const INHERITED = ["constructor", "toString", "valueOf", "hasOwnProperty", "__proto__"];

const messages = async (text: string) =>
  (await compilePolicy(text, { stopAfter: "check" })).diagnostics.map((d) => [d.code, typeof d.message === "string" ? d.message : typeof d.message]);

describe("names objects inherit", () => {
  it.each(INHERITED)("are unknown functions, called or as methods: %s", async (name) => {
    const text = `policy "p" version "1"\ninput { a: int }\npermit r when ${name}(a) == 1 || a.${name}() == 1\n`;
    expect(await messages(text)).toEqual([
      ["W0309", `unknown function \`${name}\``],
      ["W0309", `unknown function \`${name}\``],
    ]);
  });

  it.each(INHERITED)("are unknown types: %s", async (name) => {
    const text = `policy "p" version "1"\ninput { a: int, t: ${name} }\npermit r when a == 1\n`;
    expect(await messages(text)).toEqual([["W0301", `unknown type \`${name}\``]]);
  });

  it("leave the functions and types outside the subset named as such", async () => {
    const text = `policy "p" version "1"\ninput { a: int, d: double }\npermit r when matches(a)\n`;
    expect((await messages(text)).map(([code]) => code)).toEqual(["W0401", "W0401"]);
  });
});

describe("the annotation `@__proto__`", () => {
  const policy = (value: string) => `policy "p" version "1"\ninput { a: int }\n@reason("kept")\n@__proto__("${value}")\npermit r when a == 1\n`;

  it("is kept in the manifest, as signed, written, read back and loaded", async () => {
    const { bundle, diagnostics } = await compilePolicy(policy("first"), { optimize: false });
    expect(diagnostics).toEqual([]);
    const annotations = bundle!.manifest.rules[0]!.annotations;
    expect(Object.hasOwn(annotations, "__proto__")).toBe(true);
    expect(Object.entries(annotations)).toEqual([["reason", "kept"], ["__proto__", "first"]]);
    const canonical = canonicalJson(bundle!.manifest);
    expect(canonical.ok && canonical.text).toContain('"annotations":{"__proto__":"first","reason":"kept"}');

    const dir = tempDir("proto-annotation");
    const authority = generateKeyPair();
    writeBundle(dir, signBundle(bundle!, authority));
    const loaded = tryLoadPolicy(readBundle(dir), { trustedKeys: [authority.publicKey] });
    expect(loaded.ok).toBe(true);
    const back = loaded.ok ? loaded.policy.manifest.rules[0]!.annotations : {};
    expect(Object.hasOwn(back, "__proto__")).toBe(true);
    expect(Object.entries(back)).toEqual([["reason", "kept"], ["__proto__", "first"]]);
  });

  it("is part of what the module's digest identifies: another value is another module", async () => {
    const [first, second] = await Promise.all(["first", "second"].map((v) => compilePolicy(policy(v), { optimize: false })));
    expect(first!.bundle!.manifest.digests.sha3_512).not.toBe(second!.bundle!.manifest.digests.sha3_512);
  });

  it("is refused when repeated, at the second", async () => {
    const text = policy("first").replace("@reason", '@__proto__("second")\n@reason');
    const r = await compilePolicy(text, { stopAfter: "check" });
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([["W0206", "annotation `@__proto__` appears twice on rule `r`"]]);
    expect(text.slice(r.diagnostics[0]!.span.start)).toMatch(/^__proto__\("first"\)/);
  });
});
