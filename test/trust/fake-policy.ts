// A small DecidingPolicy for trust-layer tests: `decide` is plain JavaScript with Writ's semantics
// (allow when a permit holds and no forbid does; bad requests deny naming the field), and the
// "module" is arbitrary bytes whose digests are real, so bundle and artifact checks bind to them.

import { digestPair } from "../../runtime/crypto/digest.js";
import type { Decision } from "../../runtime/decision.js";
import { ABI_VERSION, MANIFEST_FORMAT, type Bundle, type Manifest } from "../../runtime/manifest.js";
import type { DecidingPolicy } from "../../runtime/policy-types.js";

export interface FakeOptions {
  readonly name?: string;
  readonly version?: string;
  /** distinct module bytes give distinct digests */
  readonly moduleText?: string;
  readonly decide?: (request: unknown) => Decision;
}

/** permit `admin` when principal.role == "admin"; forbid `too_much` when amount > 1000 */
export function payments(request: unknown): Decision {
  const r = request as { principal?: { role?: unknown }; amount?: unknown } | null;
  if (typeof r !== "object" || r === null) return invalid("", "expected an object");
  if (typeof r.principal !== "object" || r.principal === null) return invalid("principal", "missing field");
  if (typeof r.principal.role !== "string") return invalid("principal.role", "expected string");
  const amount = typeof r.amount === "bigint" ? Number(r.amount) : r.amount;
  if (typeof amount !== "number" || !Number.isInteger(amount)) return invalid("amount", "expected int");
  if (amount > 1000) return { decision: "deny", rules: ["too_much"], errors: [] };
  if (r.principal.role === "admin") return { decision: "allow", rules: ["admin"], errors: [] };
  return { decision: "deny", rules: [], errors: [] };
}

function invalid(path: string, message: string): Decision {
  return { decision: "deny", rules: [], errors: [{ rule: null, code: "invalid_request", message: `${path}: ${message}`, path }] };
}

export function fakeManifest(name: string, version: string, module: Uint8Array): Manifest {
  return {
    format: MANIFEST_FORMAT,
    name,
    version,
    compiler: { name: "writ", version: "0.1.0", optimize: true },
    abiVersion: ABI_VERSION,
    schema: { kind: "record", fields: [{ name: "amount", type: { kind: "int" }, optional: false }] },
    layout: { fields: [] },
    rules: [
      { name: "admin", effect: "permit", annotations: {}, line: 3, column: 1 },
      { name: "too_much", effect: "forbid", annotations: { reason: "limit" }, line: 4, column: 1 },
    ],
    errorSites: {},
    digests: digestPair(module),
    costBound: 10,
    memoryPages: 1,
    sourceDigest: "00".repeat(64),
  };
}

export function fakeBundle(options: FakeOptions = {}): Bundle {
  const module = new TextEncoder().encode(options.moduleText ?? "\0asm fake module for payments");
  return { module, manifest: fakeManifest(options.name ?? "payments", options.version ?? "1.0.0", module) };
}

export function fakePolicy(options: FakeOptions = {}): DecidingPolicy {
  const bundle = fakeBundle(options);
  return {
    name: bundle.manifest.name,
    version: bundle.manifest.version,
    manifest: bundle.manifest,
    module: bundle.module,
    digests: digestPair(bundle.module),
    decide: options.decide ?? payments,
  };
}

/**
 * `real` with getters for its module and decide that answer otherwise after their first read
 * (another module's bytes, a decide that denies everything), and the count of their reads: a reader
 * that reads either twice uses a module and a decide that do not belong together.
 */
export function shiftingPolicy(real: DecidingPolicy): { policy: DecidingPolicy; reads: { module: number; decide: number } } {
  const reads = { module: 0, decide: 0 };
  const policy = {
    name: real.name,
    version: real.version,
    manifest: real.manifest,
    digests: real.digests,
    get module() {
      return reads.module++ === 0 ? real.module : new TextEncoder().encode("another module");
    },
    get decide() {
      return reads.decide++ === 0 ? real.decide : (): Decision => ({ decision: "deny", rules: [], errors: [] });
    },
  };
  return { policy, reads };
}

export const ADMIN_OK = { principal: { role: "admin" }, amount: 10 };
export const USER_DENIED = { principal: { role: "user" }, amount: 10 };
export const TOO_MUCH = { principal: { role: "admin" }, amount: 5000 };
