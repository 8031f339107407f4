// The module carries its manifest's digest, so that the module's own digest — the identity an
// artifact names and a verifier trusts — covers everything a decision depends on. A decision depends
// on the manifest as well as the module: the schema's bounds (the runtime validates requests against
// them), the input layout, the rule names and the error sites (`at`). Two policies that differ only
// there compile to the same code; without this section they would be one module, and an artifact
// issued under one would verify, and replay, against the other.
//
// The section is a WebAssembly custom section named `writ.manifest`, appended last. Its content is
// the SHA3-512 (128 lowercase hex digits, ASCII) of the RFC 8785 canonical JSON of the manifest's
// bound part: `format`, `name`, `version`, `abiVersion`, `schema`, `layout`, each rule's `name`,
// `effect` and `annotations`, `errorSites`, `memoryPages`, `costBound`, and `optimize` (the
// manifest's `compiler.optimize`). The cost bound is bound because hosts read it as the policy's
// worst case, and it follows from the decision IR and the schema's bounds alone (not from how the
// source is laid out); whether the module was optimised is bound because it is a fact about these
// very bytes. The rest is provenance (the compiler's version, the source digest and the rules'
// lines and columns), which a signature covers and the module does not, and the module's own
// digests: the same code and bound part from another compiler version, or from the same source
// reformatted without moving an error site, is the same module. The manifest's `format` is bound as
// well, so a manifest of an earlier format (whose section bound less) cannot pass for this one.
//
// A `writ-manifest/1` module's section is the digest of the same object without `costBound` and
// `optimize`: the part is read by the manifest's own format, so that a replay can check an earlier
// bundle's binding exactly as the runtime of its day did (the format being bound, a manifest whose
// format was edited to name the other states another digest, whichever way).

import { sha3_512Hex } from "./crypto/digest.js";
import { MANIFEST_FORMAT_1, type Manifest } from "./manifest.js";
import { canonicalJson } from "./trust/jcs.js";
import { describeThrown } from "./thrown.js";

export const MANIFEST_SECTION = "writ.manifest";

/** Whether the manifest is of the earlier format whose module binds neither its cost bound nor `compiler.optimize`. */
function bindsLess(manifest: { readonly format: string }): boolean {
  return manifest.format === MANIFEST_FORMAT_1;
}

/** The part of `m` its module binds, as `m`'s format defines it. Throws when `m` cannot be read. */
function boundPart(m: Omit<Manifest, "digests">): object {
  const decisionBearing = {
    format: m.format,
    name: m.name,
    version: m.version,
    abiVersion: m.abiVersion,
    schema: m.schema,
    layout: m.layout,
    rules: m.rules.map((r) => ({ name: r.name, effect: r.effect, annotations: r.annotations })),
    errorSites: m.errorSites,
    memoryPages: m.memoryPages,
  };
  return bindsLess(m) ? decisionBearing : { ...decisionBearing, costBound: m.costBound, optimize: m.compiler.optimize };
}

/** The digest a module carries of its manifest, or why the manifest has none. Never throws. */
export function manifestBinding(manifest: Omit<Manifest, "digests">): { ok: true; sha3_512: string } | { ok: false; reason: string } {
  let bound: unknown;
  try {
    bound = boundPart(manifest);
  } catch (e) {
    return { ok: false, reason: `the manifest cannot be read: ${describeThrown(e)}` };
  }
  const canonical = canonicalJson(bound);
  return canonical.ok ? { ok: true, sha3_512: sha3_512Hex(canonical.text) } : { ok: false, reason: `${canonical.reason} at \`${canonical.path}\`` };
}

function leb128(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** `wasm` with the custom section carrying `sha3_512` appended. */
export function withManifestSection(wasm: Uint8Array, sha3_512: string): Uint8Array {
  const name = new TextEncoder().encode(MANIFEST_SECTION);
  const content = new TextEncoder().encode(sha3_512);
  const payload = [...leb128(name.length), ...name, ...content];
  const section = Uint8Array.from([0, ...leb128(payload.length), ...payload]);
  const out = new Uint8Array(wasm.length + section.length);
  out.set(wasm);
  out.set(section, wasm.length);
  return out;
}

/**
 * Whether `manifest` is the one the module was compiled with, or what is wrong. `sections` are the
 * module's custom sections (runtime/wasm/profile.ts reads them while it validates the module).
 */
export function manifestBindingProblem(sections: readonly { readonly name: string; readonly content: Uint8Array }[], manifest: Manifest): string | null {
  const carried = sections.filter((s) => s.name === MANIFEST_SECTION);
  if (carried.length !== 1) return carried.length === 0 ? `the module has no \`${MANIFEST_SECTION}\` section: it does not say which manifest it was compiled with` : `the module has ${carried.length} \`${MANIFEST_SECTION}\` sections`;
  const stated = new TextDecoder().decode(carried[0]!.content);
  const binding = manifestBinding(manifest);
  if (!binding.ok) return `the manifest has no canonical JSON: ${binding.reason}`;
  if (stated !== binding.sha3_512) {
    const changed = bindsLess(manifest) ? "its format, name, version, schema, layout, rules, error sites or memory were changed" : "its name, version, schema, layout, rules, error sites, memory, cost bound or `compiler.optimize` were changed";
    return `the manifest is not the one the module was compiled with (the module's \`${MANIFEST_SECTION}\` section states another): ${changed}, or the manifest is another policy's`;
  }
  return null;
}
