// The module binds its manifest's cost bound and `compiler.optimize` (runtime/manifest-binding.ts):
// hosts read the cost bound as the policy's worst case, and an edited one must not load, signed or
// not. The cost bound follows from the policy's rules and bounds, not from how its source is laid
// out, so binding it does not make a reformatted policy another module on that account. A bundle of
// the earlier format, whose module bound neither, is refused by its format, saying what to do, by
// every load but one for replay, which checks it as the earlier runtime did.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { formatPolicy, parsePolicy } from "../../compiler/syntax/index.js";
import { tryLoadPolicy, tryLoadPolicyForReplay } from "../../runtime/policy.js";
import { MANIFEST_FORMAT, type Bundle, type Manifest } from "../../runtime/manifest.js";
import { MANIFEST_SECTION, withManifestSection } from "../../runtime/manifest-binding.js";
import { digestPair, sha3_512Hex } from "../../runtime/crypto/digest.js";
import { readModule } from "../../runtime/wasm/reader.js";
import { canonicalize } from "../../runtime/trust/jcs.js";
import { signBundle } from "../../runtime/trust/bundle.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { repositoryRoot } from "../support/transpiled-tree.js";

const issuer = generateKeyPair();
const paymentsText = readFileSync(join(repositoryRoot, "policies/payments.writ"), "utf8");
let bundle: Bundle;

beforeAll(async () => {
  const compiled = await compilePolicy(paymentsText, { optimize: false });
  bundle = compiled.bundle!;
}, 60_000);

/** Loads `manifest` beside the compiled module, unsigned and signed by the issuer: the codes, or "loaded". */
function loadWith(manifest: Manifest, module = bundle.module): [string, string] {
  const outcome = (b: Bundle): string => {
    const r = tryLoadPolicy(b, { trustedKeys: [issuer.publicKey], allowUnsigned: true });
    return r.ok ? "loaded" : r.error.code;
  };
  return [outcome({ module, manifest }), outcome(signBundle({ module, manifest }, issuer))];
}

describe("the module binds its manifest's cost bound and optimisation", () => {
  it("records the optimisation the module was compiled with", () => {
    expect(bundle.manifest.compiler).toMatchObject({ name: "writ", optimize: false });
    expect(bundle.manifest.format).toBe("writ-manifest/2");
    expect(loadWith(bundle.manifest)).toEqual(["loaded", "loaded"]);
  });

  it("refuses a manifest whose cost bound was edited, lower or higher, signed or not", () => {
    for (const costBound of [1, 0, bundle.manifest.costBound - 1, bundle.manifest.costBound + 1])
      expect(loadWith({ ...bundle.manifest, costBound }), String(costBound)).toEqual(["manifest_mismatch", "manifest_mismatch"]);
  });

  it("refuses a manifest whose compiler.optimize was turned, signed or not", () => {
    expect(loadWith({ ...bundle.manifest, compiler: { ...bundle.manifest.compiler, optimize: true } })).toEqual(["manifest_mismatch", "manifest_mismatch"]);
  });

  it("says what the manifest may have had changed", () => {
    const r = tryLoadPolicy({ module: bundle.module, manifest: { ...bundle.manifest, costBound: 1 } }, { allowUnsigned: true });
    expect(r.ok ? "loaded" : r.error.message).toMatch(/the manifest is not the one the module was compiled with .*cost bound or `compiler\.optimize` were changed/);
  });

  it("still loads a manifest whose provenance alone was edited: only a signature, and `writ sign --source`, vouch for it", () => {
    const m = bundle.manifest;
    const edited: Manifest = { ...m, compiler: { ...m.compiler, version: "9.9.9" }, sourceDigest: sha3_512Hex("another text"), rules: m.rules.map((r, i) => (i === 0 ? { ...r, line: 1 } : r)) };
    expect(loadWith(edited)).toEqual(["loaded", "loaded"]);
  });

  it("the cost bound does not change when the policy is reformatted", async () => {
    const source = { name: "payments.writ", text: paymentsText };
    const formatted = formatPolicy(parsePolicy(source).ast, source);
    const respaced = `// laid out otherwise\n\n${formatted.replace(/\n/g, "\n\n").replace(/ +/g, "   ")}`;
    const bounds = await Promise.all([paymentsText, formatted, respaced].map(async (text) => (await compilePolicy(text, { stopAfter: "cost" })).costBound));
    expect(bounds[0]).toBe(bundle.manifest.costBound);
    expect(bounds).toEqual([bounds[0], bounds[0], bounds[0]]);
  });
});

describe("a bundle of the earlier format, writ-manifest/1", () => {
  /** The compiled module with its section stating the digest a writ-manifest/1 compiler bound, and that manifest. */
  function earlierBundle(): Bundle {
    const { compiler, ...rest } = bundle.manifest;
    const manifest = { ...rest, format: "writ-manifest/1", compiler: { name: compiler.name, version: compiler.version } };
    const bound = {
      format: manifest.format,
      name: manifest.name,
      version: manifest.version,
      abiVersion: manifest.abiVersion,
      schema: manifest.schema,
      layout: manifest.layout,
      rules: manifest.rules.map((r) => ({ name: r.name, effect: r.effect, annotations: r.annotations })),
      errorSites: manifest.errorSites,
      memoryPages: manifest.memoryPages,
    };
    const read = readModule(bundle.module);
    if (!read.ok) throw new Error(read.reason);
    const last = read.module.sections.at(-1)!;
    expect(last.name).toBe(MANIFEST_SECTION);
    const module = withManifestSection(bundle.module.subarray(0, last.start), sha3_512Hex(canonicalize(bound)));
    return { module, manifest: { ...manifest, digests: digestPair(module) } as unknown as Manifest };
  }

  it("is refused by its format, signed or not, naming what it lacks and what to do", () => {
    const earlier = earlierBundle();
    for (const b of [earlier, signBundle(earlier, issuer)]) {
      const r = tryLoadPolicy(b, { trustedKeys: [issuer.publicKey], allowUnsigned: true });
      expect(r.ok ? "loaded" : { code: r.error.code, message: r.error.message }).toEqual({
        code: "malformed",
        message: `manifest format "writ-manifest/1" is not \`${MANIFEST_FORMAT}\`: the bundle was compiled by an earlier writ, whose module does not bind its manifest's cost bound or whether it was optimised; to decide with the policy, compile it again (\`writ compile\`) and sign the new bundle (what was issued under this bundle still replays against it: \`writ replay\`, \`writ audit verify --replay\`)`,
      });
    }
  });

  it("is read by a load for replay, signed or not, its binding checked as the earlier runtime checked it", () => {
    const earlier = earlierBundle();
    for (const b of [earlier, signBundle(earlier, issuer)]) {
      const r = tryLoadPolicyForReplay(b, { trustedKeys: [issuer.publicKey], allowUnsigned: true });
      expect(r.ok ? r.policy.digests : r.error.message).toEqual(earlier.manifest.digests);
    }
    const replayed = (manifest: Manifest): string => {
      const r = tryLoadPolicyForReplay({ module: earlier.module, manifest }, { allowUnsigned: true });
      return r.ok ? "loaded" : `${r.error.code}: ${r.error.message}`;
    };
    const m = earlier.manifest;
    // what its module binds: an edit is refused, naming what the earlier format binds
    expect(replayed({ ...m, rules: m.rules.map((r, i) => (i === 0 ? { ...r, name: "renamed" } : r)) })).toMatch(
      /^manifest_mismatch: the manifest is not the one the module was compiled with .*: its format, name, version, schema, layout, rules, error sites or memory were changed/,
    );
    // what it did not bind, as the runtime of its day: a decision never reads the cost bound
    expect(replayed({ ...m, costBound: m.costBound + 1 })).toBe("loaded");
    // its provenance as its format has it: a compiler of { name, version }, named writ
    expect(replayed({ ...m, compiler: { name: "writ" } as unknown as Manifest["compiler"] })).toBe("malformed: the manifest's compiler is not `{ name, version }` with both strings");
    expect(replayed({ ...m, compiler: { ...m.compiler, name: "evil" as "writ" } })).toMatch(/^malformed: the manifest's compiler.name is "evil", not "writ"/);
  });

  it("cannot pass for the new format by its manifest's format alone: the module bound the old one", () => {
    const earlier = earlierBundle();
    const claimed = { ...earlier.manifest, format: MANIFEST_FORMAT, compiler: { ...earlier.manifest.compiler, optimize: false } } as Manifest;
    expect(loadWith(claimed, earlier.module)).toEqual(["manifest_mismatch", "manifest_mismatch"]);
  });
});
