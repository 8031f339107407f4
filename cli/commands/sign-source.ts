// `writ sign --source <file.writ>`: whether a bundle is what its policy source compiles to. Loading a
// bundle checks that its module is the manifest's and that the module binds the manifest's
// decision-bearing part, cost bound and optimisation (runtime/manifest-binding.ts); the provenance
// (the source digest, the compiler's version, the rules' lines and columns) is bound by nothing but
// the signature about to be made. Compiling the source again, with the options the manifest records,
// and comparing checks that as well: the module byte for byte, and the manifest as it is signed (its
// canonical JSON), so that a member the compiler would not have written is found too.

import type { Bundle } from "../../runtime/manifest.js";
import { canonicalJson } from "../../runtime/trust/jcs.js";
import { escapeControls } from "../../runtime/thrown.js";
import { shownJson, shownName } from "../../runtime/shown-name.js";
import type { CliIO } from "../io.js";
import { cancelPrestartedAsc, prestartAsc } from "./prestart.js";

/** How many differences a refusal names; the rest are counted. */
const NAMED_DIFFERENCES = 8;

export type SourceCheck = { ok: true } | { ok: false; message: string };

/**
 * Whether `bundle` (one that loads: its manifest's provenance is of its types) is what the policy
 * source `file` compiles to with the options its manifest records, or what differs. The source's
 * diagnostics, when it does not compile, are printed on standard error.
 */
export async function checkAgainstSource(io: CliIO, bundle: Bundle, file: string): Promise<SourceCheck> {
  const optimize = bundle.manifest.compiler.optimize;
  // asc starts now, beside the front end, as `writ compile` starts it
  prestartAsc(optimize);
  let compiled: Bundle;
  let version: string;
  try {
    const [{ readText }, driver, { MAX_COST_BUDGET }, { renderDiagnostics }] = await Promise.all([
      import("./policy-source.js"),
      import("../../compiler/driver.js"),
      import("../../compiler/ir/cost.js"),
      import("../../compiler/diagnostics.js"),
    ]);
    const read = readText(io, file);
    if (!read.ok) return { ok: false, message: `--source ${read.message}` };
    // the budget does not change what is compiled, only whether it is: the bundle may have been
    // compiled under a larger one than the default (`--max-cost`), and is compared, not budgeted
    const result = await driver.compilePolicy(read.text, { fileName: file, optimize, maxCost: MAX_COST_BUDGET });
    if (result.bundle === undefined) {
      const errors = result.diagnostics.filter((d) => d.severity === "error");
      if (errors.length > 0) io.err(renderDiagnostics(errors, result.source) + "\n");
      return { ok: false, message: `--source ${escapeControls(file)} does not compile (${errors.length} error${errors.length === 1 ? "" : "s"} above), so the bundle cannot be checked against it` };
    }
    compiled = result.bundle;
    version = driver.compilerVersion();
  } finally {
    cancelPrestartedAsc(); // the front end failed before it needed asc
  }
  const differences = bundleDifferences(bundle, compiled);
  if (differences.length === 0) return { ok: true };
  // another policy: said alone, not as the members that differ for that reason (a list of layouts,
  // rules and error sites that hides it)
  const given = bundle.manifest;
  if (given.name !== compiled.manifest.name || given.version !== compiled.manifest.version) {
    return {
      ok: false,
      message: `the bundle is of policy ${policyShown(given.name, given.version)}, and ${escapeControls(file)} compiles policy ${policyShown(compiled.manifest.name, compiled.manifest.version)}: another policy, or another version of it`,
    };
  }
  const named = differences.slice(0, NAMED_DIFFERENCES).join("; ");
  const more = differences.length > NAMED_DIFFERENCES ? `; and ${differences.length - NAMED_DIFFERENCES} more` : "";
  const otherCompiler =
    bundle.manifest.compiler.version === version ? "" : ` (this is writ ${escapeControls(version)}: a bundle is compiled again to the same bytes only by the compiler version that wrote it)`;
  return {
    ok: false,
    message: `the bundle is not what ${escapeControls(file)} compiles to (optimize: ${optimize}, as its manifest records): ${named}${more}${otherCompiler}`,
  };
}

/**
 * What differs between the bundle read and the one compiled from the source, each named by where:
 * the module, then each member of the manifest (`costBound`, `rules[0].line`) with its two values.
 * The manifest's `digests` are the module's, and are left out when the module is named already.
 */
export function bundleDifferences(given: Bundle, compiled: Bundle): string[] {
  const out: string[] = [];
  const moduleDiffers = !sameBytes(given.module, compiled.module);
  if (moduleDiffers)
    out.push(`the module (${given.module.length} bytes, sha3-512 ${shortHex(given.manifest.digests.sha3_512)}) is not the compiled one (${compiled.module.length} bytes, sha3-512 ${shortHex(compiled.manifest.digests.sha3_512)})`);
  const a = canonicalJson(given.manifest);
  const b = canonicalJson(compiled.manifest);
  // A manifest with no canonical JSON (a lone surrogate in a member loading ignores) has no form a
  // signature could cover: said as such, rather than compared as the JSON `null`. Were the compiled
  // one's to fail too, the two would otherwise compare equal, and the bundle be taken for compiled.
  if (!a.ok || !b.ok) {
    if (!a.ok) out.push(`the manifest has no canonical JSON: ${a.reason} at \`${escapeControls(a.path)}\``);
    if (!b.ok) out.push(`the compiled manifest has no canonical JSON: ${b.reason} at \`${escapeControls(b.path)}\``);
    return out;
  }
  // the manifest signed is its canonical JSON: equal texts are the same manifest, as a signature sees it
  if (a.text === b.text) return out;
  const paths: string[] = [];
  walkDifferences(JSON.parse(a.text), JSON.parse(b.text), "", paths);
  const named = paths.filter((p) => !(moduleDiffers && p.startsWith("the manifest's digests")));
  // texts that differ are manifests that differ, whether or not a member was found to name
  if (paths.length === 0) out.push("the manifest's canonical JSON is not the compiled one's");
  return [...out, ...named];
}

/** `"payments" 1.0.0`, as a manifest names a policy: on one line and cut, whatever it holds (shown-name.ts) */
function policyShown(name: unknown, version: string): string {
  return `${shownJson(name)} ${shownName(version)}`;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function shortHex(hex: unknown): string {
  return typeof hex === "string" ? `${escapeControls(hex.slice(0, 16))}…` : "(none)";
}

/** A JSON value as a difference shows it: a digest by its first 16 digits, anything long cut. */
function shown(value: unknown): string {
  if (typeof value === "string" && /^[0-9a-f]{128}$/.test(value)) return shortHex(value);
  const text = JSON.stringify(value) ?? "undefined";
  return escapeControls(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

function memberPath(path: string, key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? (path === "" ? key : `${path}.${key}`) : `${path}[${escapeControls(JSON.stringify(key))}]`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Appends to `out` each place where the parsed canonical JSON `given` (the manifest read) differs
 * from `compiled`, in canonical order: a member one side lacks, or the values where they first differ.
 */
function walkDifferences(given: unknown, compiled: unknown, path: string, out: string[]): void {
  const where = path === "" ? "the manifest" : `the manifest's ${path}`;
  if (Array.isArray(given) && Array.isArray(compiled)) {
    const common = Math.min(given.length, compiled.length);
    for (let i = 0; i < common; i++) walkDifferences(given[i], compiled[i], `${path}[${i}]`, out);
    if (given.length !== compiled.length) out.push(`${where} has ${given.length} entries, the compiled one ${compiled.length}`);
    return;
  }
  if (isRecord(given) && isRecord(compiled)) {
    const keys = [...new Set([...Object.keys(given), ...Object.keys(compiled)])].sort();
    for (const key of keys) {
      const inner = memberPath(path, key);
      if (!Object.hasOwn(compiled, key)) out.push(`the manifest's ${inner} is not in the compiled one (the compiler writes no such member)`);
      else if (!Object.hasOwn(given, key)) out.push(`the manifest has no ${inner}, the compiled one ${shown(compiled[key])}`);
      else walkDifferences(given[key], compiled[key], inner, out);
    }
    return;
  }
  if (JSON.stringify(given) !== JSON.stringify(compiled)) out.push(`${where} is ${shown(given)}, compiled ${shown(compiled)}`);
}
