// The manifest that travels beside a decision module (`<name>.manifest.json`). A bundle is the module
// bytes plus this manifest (plus, once signed, a signature over the manifest — see runtime/trust).
// The manifest holds the module's digests, so signing the manifest binds the module.

import type { RecordType } from "./schema.js";

export const MANIFEST_FORMAT = "writ-manifest/2";
/**
 * The format earlier compilers wrote: its module's `writ.manifest` section binds the manifest
 * without its cost bound or whether the module was optimised (manifest-binding.ts), and its
 * `compiler` is `{ name, version }`.
 */
export const MANIFEST_FORMAT_1 = "writ-manifest/1";
/**
 * The formats earlier compilers wrote. Their modules bind less than this runtime checks, so a load
 * that decides refuses them by name, with what to do, rather than as a mismatch; a load for replay
 * (loadPolicyForReplay) reads them, checking what their module binds as the runtime of their day
 * did: a decision never reads the cost bound, and the artifacts issued under them name their
 * modules' digests, which compiling again would not give back.
 */
export const EARLIER_MANIFEST_FORMATS: readonly string[] = [MANIFEST_FORMAT_1];
/** The decision-module ABI this runtime speaks (docs/abi.md). */
export const ABI_VERSION = 1;

/**
 * Whether `name` can name a policy: it names the bundle's files (`<name>.wasm`…), so letters,
 * digits, `.`, `_` and `-`, not starting with `.` or `-`, and short enough for any file system
 * once `.manifest.json` is appended.
 */
export function isPolicyName(name: unknown): boolean {
  return typeof name === "string" && name.length <= 200 && /^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(name);
}

export interface ManifestRule {
  readonly name: string;
  readonly effect: "permit" | "forbid";
  readonly annotations: Readonly<Record<string, string>>;
  /** 1-based line and column of the rule's `permit` or `forbid` keyword in its source (after its annotations), for messages */
  readonly line: number;
  readonly column: number;
}

export interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly name: string;
  readonly version: string;
  /**
   * the compiler that wrote the module, and whether it optimised it (`writ compile --O0`,
   * `optimize: false`: another module, another digest, for the same source)
   */
  readonly compiler: { readonly name: "writ"; readonly version: string; readonly optimize: boolean };
  readonly abiVersion: number;
  /** the request schema, validated by the runtime before evaluation */
  readonly schema: RecordType;
  /** where the encoder writes each field the module reads (docs/abi.md); produced by compiler/backend */
  readonly layout: unknown;
  /** rule table, in declaration order: index i is rule number i in the module's results */
  readonly rules: readonly ManifestRule[];
  /** for each IR node id that can raise an error, the source offset reported as `at` (node id → offset) */
  readonly errorSites: Readonly<Record<string, number>>;
  /** lowercase hex digests of the module bytes */
  readonly digests: { readonly sha3_512: string; readonly blake2b_512: string };
  /** worst-case evaluation cost computed from the schema's bounds (docs/language.md, "Cost") */
  readonly costBound: number;
  /** the module's fixed memory size in 64 KiB pages (min == max) */
  readonly memoryPages: number;
  /** SHA3-512 of the policy source text the module was compiled from */
  readonly sourceDigest: string;
}

/** A compiled policy: module bytes and manifest. Signed bundles add `signature` (runtime/trust). */
export interface Bundle {
  readonly module: Uint8Array;
  readonly manifest: Manifest;
  /** compact JWS over the manifest's canonical JSON, when signed */
  readonly signature?: string;
}
