// Prototype pollution: an enumerable property planted on Object.prototype or Array.prototype (what a
// vulnerable deep merge does with `{"__proto__": {...}}`) would make a field missing from a request
// read as present, with the planted value, in every reader that reads `obj[name]`. While the
// prototypes carry one, every path refuses every request, naming the property; the canonical request
// writer declines, so digests stay those of the request's own members; once the property is gone,
// decisions are as before. A property planted without being enumerable (Object.defineProperty) is
// seen by no such check: there, every reader reads what an object or a list holds itself (a hole in
// a list, a member left out of an option object, a manifest, a token), never what the prototype
// holds at that index or under that name (runtime/own.ts).

import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { compilePolicy, type CompileResult } from "../../compiler/driver.js";
import { createInterpreter } from "../../compiler/ir/interp.js";
import type { Decision, RequestError } from "../../runtime/decision.js";
import type { RecordType } from "../../runtime/schema.js";
import { loadPolicy, tryLoadPolicy } from "../../runtime/policy.js";
import { compileHostRequestCheck, compilePortableRequestCheck, compileRequestCheck } from "../../runtime/request.js";
import { canonicalJson } from "../../runtime/trust/jcs.js";
import { canonicalReaderFor } from "../../runtime/trust/jcs-codegen.js";
import { requestDigest } from "../../runtime/trust/request-digest.js";
import { createWasmEvaluator } from "../../runtime/wasm/evaluator.js";
import {
  authorize,
  createBatchAuthorizer,
  createSigner,
  generateKeyPair,
  openLog,
  signBundle,
  verifyArtifact,
  verifyBatchedArtifact,
  verifyBundle,
  verifyLog,
} from "../../runtime/trust/index.js";
import { join } from "node:path";
import { createEncoder, memoryWriters } from "../../runtime/wasm/encoder.js";
import { generateIngest } from "../../runtime/wasm/ingest-codegen.js";
import { signCompact } from "../../runtime/trust/jws.js";
import { canonicalize } from "../../runtime/trust/jcs.js";
import { ARTIFACT_TYP } from "../../runtime/trust/types.js";
import { parseRecordLine } from "../../runtime/trust/lineage-record.js";
import { privateJwk, publicJwk, publicKeyFromJwk } from "../../runtime/trust/keys.js";
import { tempDir } from "../support/temp-dir.js";
import type { Manifest } from "../../runtime/manifest.js";
import type { InputLayout, StringSlot } from "../../runtime/wasm/layout.js";

const complete = () => ({
  principal: { id: "a", roles: ["admin"], clearance: 1, tenant: "acme" },
  action: { name: "db.query", tool: "x" },
  resource: { id: "r", type: "t", owner: "acme", sensitivity: 1 },
  context: { amount: 1, hour: 12, riskScore: 1, approvals: 0 },
});
const withoutTenant = () => {
  const r = complete();
  delete (r.principal as { tenant?: string }).tenant;
  return r;
};

/** Runs `body` with `name` planted, enumerable, on `proto`; always removes it. */
function polluted(proto: object, name: string, body: () => void): void {
  (proto as Record<string, unknown>)[name] = "acme";
  try {
    body();
  } finally {
    delete (proto as Record<string, unknown>)[name];
  }
}

let compiled: CompileResult;
let deciders: [string, (r: unknown) => Decision][];
beforeAll(async () => {
  compiled = await compilePolicy(readFileSync("bench/policies/agent-governance.writ", "utf8"), {});
  const bundle = compiled.bundle!;
  const module = new WebAssembly.Module(bundle.module as Uint8Array<ArrayBuffer>);
  const fast = loadPolicy(bundle, { allowUnsigned: true });
  const portable = createWasmEvaluator(module, bundle.manifest, { portable: true });
  const interpreter = createInterpreter(compiled.ir!, compiled.checked!.errorSites);
  deciders = [
    ["fast path", (r) => fast.decide(r)],
    ["portable", (r) => portable.decide(r)],
    ["interpreter", (r) => interpreter.decide(r)],
  ];
}, 60_000);

describe("prototype pollution", () => {
  it("refuses every request on every path while Object.prototype or Array.prototype carries an enumerable property", () => {
    const before = deciders.map(([, decide]) => [decide(complete()), decide(withoutTenant())]);
    expect(before[0]![0]!.decision).toBe("allow");
    expect(before[0]![1]!.errors[0]!.message).toMatch(/principal\.tenant: missing required field/);
    for (const [proto, name] of [[Object.prototype, "tenant"], [Array.prototype, "tenant"], [Object.prototype, "anything"]] as const) {
      polluted(proto, name, () => {
        for (const [path, decide] of deciders) {
          // without the guard the missing tenant reads as "acme" and the request is allowed
          for (const request of [withoutTenant(), complete()]) {
            const d = decide(request);
            expect([path, d.decision, d.rules]).toEqual([path, "deny", []]);
            expect(d.errors).toHaveLength(1);
            expect(d.errors[0]!.code).toBe("invalid_request");
            expect(d.errors[0]!.message).toContain(`\`${name}\` (prototype pollution)`);
          }
        }
      });
    }
    // gone again: decisions are what they were
    expect(deciders.map(([, decide]) => [decide(complete()), decide(withoutTenant())])).toEqual(before);
  });

  it("never reads a planted property for a missing field: not enumerable, or planted by the request's own getter", () => {
    const tenant = (): unknown => (Object.prototype as Record<string, unknown>).tenant;
    const plantedByGetter = () => {
      const r = withoutTenant() as { principal: Record<string, unknown> };
      Object.defineProperty(r.principal, "id", { enumerable: true, get: () => ((Object.prototype as Record<string, unknown>).tenant = "acme", "a") });
      return r;
    };
    try {
      // a property that is not enumerable is not seen by the pollution check; the missing field is
      // still missing on every path
      Object.defineProperty(Object.prototype, "tenant", { value: "acme", configurable: true, writable: true, enumerable: false });
      for (const [path, decide] of deciders) {
        const d = decide(withoutTenant());
        expect([path, d.decision, d.errors[0]?.message]).toEqual([path, "deny", "principal.tenant: missing required field"]);
      }
      delete (Object.prototype as Record<string, unknown>).tenant;
      // planted (enumerable) while the request is read, and still there when the read ends
      for (const [path, decide] of deciders) {
        const d = decide(plantedByGetter());
        expect([path, d.decision, d.rules]).toEqual([path, "deny", []]);
        expect(tenant()).toBe("acme");
        delete (Object.prototype as Record<string, unknown>).tenant;
      }
    } finally {
      delete (Object.prototype as Record<string, unknown>).tenant;
    }
  });

  it("never reads a property that one getter plants and a later one removes, in a record or in a list of them", async () => {
    const compiledSmall = await compilePolicy(
      // fields in the same order by name (the canonical reader's) as in the schema: `a` first, `z` last
      `policy "t" version "1"\ninput { a: string(16), items: list<{ k: string(8), admin?: bool }>(4), p: { name: string(16), admin?: bool }, z: string(16) }\npermit admins when has(p.admin) && p.admin\npermit items when items.exists(i, has(i.admin) && i.admin)\n`,
    );
    const bundle = compiledSmall.bundle!;
    const signer = createSigner(generateKeyPair());
    const paths: [string, (r: unknown) => Decision][] = [
      ["fast path", (r) => loadPolicy(bundle, { allowUnsigned: true }).decide(r)],
      // authorize decides (and signs) the copy its canonical reader made
      ["authorize", (r) => authorize(loadPolicy(bundle, { allowUnsigned: true }), r, { signer }).decision],
      ["portable", (r) => createWasmEvaluator(new WebAssembly.Module(bundle.module as Uint8Array<ArrayBuffer>), bundle.manifest, { portable: true }).decide(r)],
      ["interpreter", (r) => createInterpreter(compiledSmall.ir!, compiledSmall.checked!.errorSites).decide(r)],
    ];
    const plant = () => ((Object.prototype as Record<string, unknown>).admin = true);
    const unplant = () => delete (Object.prototype as Record<string, unknown>).admin;
    const inRecord = () => ({ get a() { plant(); return "a"; }, items: [], p: { name: "bob" }, get z() { unplant(); return "z"; } });
    const inList = () => ({ a: "a", items: [{ get k() { plant(); return "k"; } }], p: { name: "bob" }, get z() { unplant(); return "z"; } });
    try {
      for (const make of [inRecord, inList]) {
        for (const [path, decide] of paths) expect([path, decide(make()).decision]).toEqual([path, "deny"]);
      }
    } finally {
      unplant();
    }
    expect(paths.map(([, decide]) => decide({ a: "a", items: [], p: { name: "bob", admin: true }, z: "z" }).decision)).toEqual(["allow", "allow", "allow", "allow"]);
  });

  it("keeps request digests to the request's own members", () => {
    // one record, the planted name among its fields: the key count alone would not notice
    const flat: RecordType = {
      kind: "record",
      fields: [
        { name: "n", optional: false, type: { kind: "int" } },
        { name: "tenant", optional: true, type: { kind: "string", max: 16 } },
      ],
    };
    polluted(Object.prototype, "tenant", () => {
      expect(canonicalReaderFor(flat)!({ n: 1 })?.text).toBeUndefined();
      expect(canonicalJson({ n: 1 })).toEqual({ ok: true, text: '{"n":1}' });
    });
    expect(canonicalReaderFor(flat)!({ n: 1 })?.text).toBe('{"n":1}');
    const schema = compiled.ir!.schema;
    polluted(Object.prototype, "tenant", () => {
      expect(canonicalReaderFor(schema)!(withoutTenant())?.text).toBeUndefined();
      const own = canonicalJson(withoutTenant(), { bigint: "safe-number" });
      expect(own.ok && own.text.includes("tenant")).toBe(false);
      expect(requestDigest(withoutTenant(), "native", schema)).toEqual(requestDigest(withoutTenant(), "native"));
    });
  });
});

/** The path of a decision's first error, when it is a request's. */
const errorPath = (d: Decision): string | undefined => (d.errors[0] as RequestError | undefined)?.path;

/**
 * Runs `body` with `value` planted on `proto` at `key` as `Object.defineProperty` plants it: not
 * enumerable, so no pollution check sees it. Always removes it.
 */
function plantedQuietly(proto: object, key: string | number, value: unknown, body: () => void): void {
  Object.defineProperty(proto, key, { value, writable: true, configurable: true, enumerable: false });
  try {
    body();
  } finally {
    delete (proto as Record<string | number, unknown>)[key];
  }
}

describe("properties planted without being enumerable", () => {
  it("never return what Array.prototype or Object.prototype holds at a rule's index as a decision", async () => {
    const bundle = (await compilePolicy(`policy "p" version "1"\ninput { user: string(16) }\nforbid blocked when user == "mallory"\npermit everyone\n`)).bundle!;
    const module = new WebAssembly.Module(bundle.module as Uint8Array<ArrayBuffer>);
    const fake = Object.freeze({ decision: "allow", rules: ["everyone"], errors: [] });
    for (const proto of [Array.prototype, Object.prototype]) {
      for (const index of [0, 1]) {
        for (const planted of [fake, "allow"]) {
          plantedQuietly(proto, index, planted, () => {
            // a fresh evaluator each time: its caches are empty, every decision is made for the first time
            for (const evaluator of [loadPolicy(bundle, { allowUnsigned: true }).evaluator, createWasmEvaluator(module, bundle.manifest, { portable: true })]) {
              expect(evaluator.decide({ user: "mallory" })).toEqual({ decision: "deny", rules: ["blocked"], errors: [] });
              expect(evaluator.decide({ user: "bob" })).toEqual({ decision: "allow", rules: ["everyone"], errors: [] });
              const encoded = evaluator.encode({ user: "mallory" });
              expect(evaluator.evaluateEncoded(encoded)).toBe(0);
              expect(evaluator.lastDecision()).toEqual({ decision: "deny", rules: ["blocked"], errors: [] });
            }
          });
        }
      }
    }
  });

  it("never take what Object.prototype holds under an error site's number for where a rule failed", async () => {
    const policy = await compilePolicy(`policy "p" version "1"\ninput { n: int }\npermit ratio when 10 / n > 1\n`);
    const bundle = policy.bundle!;
    const sites = Object.keys(policy.checked!.errorSites);
    expect(sites.length).toBeGreaterThan(0);
    // a table without the site the rule failed at: `at` is 0, whatever the prototype holds there
    const evaluator = createWasmEvaluator(new WebAssembly.Module(bundle.module as Uint8Array<ArrayBuffer>), { ...bundle.manifest, errorSites: {} });
    const interpreter = createInterpreter(policy.ir!, {});
    for (const site of sites) {
      plantedQuietly(Object.prototype, site, 12345, () => {
        for (const decide of [(r: unknown) => evaluator.decide(r), (r: unknown) => interpreter.decide(r)]) {
          const d = decide({ n: 0 });
          expect(d.decision).toBe("deny");
          expect(d.errors).toEqual([expect.objectContaining({ rule: "ratio", code: "division_by_zero", at: 0 })]);
        }
      });
    }
  });

  /** Every reader of a list of roles: decide (fast and portable), the interpreter, and the validators. */
  async function rolesReaders() {
    const compiled = await compilePolicy(`policy "p" version "1"\ninput { roles: list<string(16)>(4), admin?: bool }\npermit admin when "admin" in roles\npermit flagged when has(admin) && admin\n`);
    const bundle = compiled.bundle!;
    const module = new WebAssembly.Module(bundle.module as Uint8Array<ArrayBuffer>);
    const policy = loadPolicy(bundle, { allowUnsigned: true });
    const portable = createWasmEvaluator(module, bundle.manifest, { portable: true });
    const interpreter = createInterpreter(compiled.ir!, compiled.checked!.errorSites);
    const schema = bundle.manifest.schema;
    const deciders: [string, (r: unknown) => Decision][] = [
      ["fast path", (r) => policy.decide(r)],
      ["portable", (r) => portable.decide(r)],
      ["interpreter", (r) => interpreter.decide(r)],
    ];
    const checks: [string, (r: unknown) => unknown][] = [
      ["compileRequestCheck (package)", compileHostRequestCheck(schema)],
      ["generated validator", compileRequestCheck(schema)],
      ["portable validator", compilePortableRequestCheck(schema)],
    ];
    return { bundle, module, deciders, checks };
  }

  it("read a hole in a request's list as a hole, whatever the prototypes hold at its index", async () => {
    const { deciders, checks } = await rolesReaders();
    const hole = "roles[2]: expected string, got undefined (a hole, or no value)";
    for (const proto of [Array.prototype, Object.prototype]) {
      plantedQuietly(proto, 2, "admin", () => {
        for (const [path, decide] of deciders) {
          // without the change the hole reads "admin", and the request is allowed
          const d = decide({ roles: ["guest", "guest", , "guest"] });
          expect([path, d.decision, d.rules, d.errors]).toEqual([path, "deny", [], [{ rule: null, code: "invalid_request", message: hole, path: "roles[2]" }]]);
          expect([path, errorPath(decide({ roles: new Array(3) }))]).toEqual([path, "roles[0]"]);
          // an element the list owns is its own, whatever the prototype holds beside it
          expect([path, decide({ roles: ["guest", "guest", "admin"] }).decision]).toEqual([path, "allow"]);
          expect([path, decide({ roles: ["guest"] }).decision]).toEqual([path, "deny"]);
        }
        for (const [path, check] of checks) {
          // the package's validator reads the request as decide does; the inner ones a copy with a hole
          expect([path, check({ roles: ["guest", "guest", , "guest"] })]).toEqual([path, { rule: null, code: "invalid_request", message: hole, path: "roles[2]" }]);
        }
      });
    }
  });

  it("never let the encoders write what the prototypes hold for a hole or an optional field left out", async () => {
    const { bundle, module } = await rolesReaders();
    const evaluators = [loadPolicy(bundle, { allowUnsigned: true }).evaluator, createWasmEvaluator(module, bundle.manifest, { portable: true })];
    // evaluate takes a request as validated: it writes a hole and a field left out as it writes them
    // when nothing is planted (both deny here), never the planted value
    const holey = () => ({ roles: ["guest", "guest", , "guest"] });
    const unflagged = () => ({ roles: ["guest"] });
    const clean = evaluators.map((e) => [e.evaluate(holey()), e.evaluate(unflagged())]);
    expect(clean.flat().map((d) => d.decision)).toEqual(["deny", "deny", "deny", "deny"]);
    plantedQuietly(Array.prototype, 2, "admin", () => {
      plantedQuietly(Object.prototype, "admin", true, () => {
        expect(evaluators.map((e) => [e.evaluate(holey()), e.evaluate(unflagged())])).toEqual(clean);
        for (const e of evaluators) {
          expect(e.evaluateEncoded(e.encode(holey()))).toBe(0);
          expect(e.evaluateEncoded(e.encode(unflagged()))).toBe(0);
        }
      });
    });
  });

  it("read a Proxy's list alike on every path: through its get trap, and its length only when it is a count", async () => {
    const { deciders, checks } = await rolesReaders();
    const hidden = () => ({ roles: new Proxy(["admin"], { getOwnPropertyDescriptor: (t, k) => (k === "0" ? undefined : Reflect.getOwnPropertyDescriptor(t, k)) }) });
    // `new Array("admin")` is ["admin"]: a length that is no count must not be taken for an element
    const oddLength = (length: unknown) => () => ({ roles: new Proxy(["admin"], { get: (t, k, r) => (k === "length" ? length : Reflect.get(t, k, r)) }) });
    for (const [path, decide] of deciders) expect([path, decide(hidden()).decision, decide(hidden()).rules]).toEqual([path, "allow", ["admin"]]);
    for (const [path, check] of checks.slice(0, 1)) expect([path, check(hidden())]).toEqual([path, undefined]);
    for (const length of ["admin", 1.5, -1, "1"]) {
      for (const [path, decide] of deciders) {
        const d = decide(oddLength(length)());
        expect([path, length, d.decision, errorPath(d)]).toEqual([path, length, "deny", "roles"]);
        expect(d.errors[0]?.message).toContain("is not a count of elements");
      }
    }
    // a hole the Proxy's get trap answers with the planted value: refused on every path
    plantedQuietly(Array.prototype, 0, "admin", () => {
      const emptied = () => ({ roles: new Proxy(["x"], { get: (t, k, r) => (k === "0" ? "admin" : Reflect.get(t, k, r)), getOwnPropertyDescriptor: (t, k) => (k === "0" ? undefined : Reflect.getOwnPropertyDescriptor(t, k)) }) });
      for (const [path, decide] of deciders) expect([path, errorPath(decide(emptied()))]).toEqual([path, "roles[0]"]);
    });
  });

  it("keep a hole a hole in what authorize reads, digests, decides and signs", async () => {
    const { bundle } = await rolesReaders();
    const policy = loadPolicy(bundle, { allowUnsigned: true });
    const signer = createSigner(generateKeyPair());
    const schema = bundle.manifest.schema;
    const holey = () => ({ roles: ["guest", "guest", , "guest"] });
    plantedQuietly(Array.prototype, 2, "admin", () => {
      // without the change the canonical reader copies "admin" for the hole: digested, decided (allow), signed
      expect(canonicalReaderFor(schema)!(holey())).toBeUndefined();
      const issued = authorize(policy, holey(), { signer });
      expect(issued.decision).toEqual({ decision: "deny", rules: [], errors: [{ rule: null, code: "invalid_request", message: "request is not JSON-representable: undefined is not JSON", path: "roles[2]" }] });
      expect(authorize(policy, { roles: ["guest", "guest", "admin"] }, { signer }).decision.decision).toBe("allow");
      // the serialiser's own reading of an array: a hole is refused, an own element equal to the planted value is the array's
      expect(canonicalJson([1, 2, , 4])).toEqual({ ok: false, reason: "array has a hole", path: "[2]" });
      expect(canonicalJson(["a", "b", "admin"])).toEqual({ ok: true, text: '["a","b","admin"]' });
    });
  });

  it("never sign a decision whose missing member or hole a prototype answers", async () => {
    const { bundle } = await rolesReaders();
    const loaded = loadPolicy(bundle, { allowUnsigned: true });
    const signer = createSigner(generateKeyPair());
    const answering = (d: unknown) => ({ name: loaded.name, version: loaded.version, manifest: loaded.manifest, module: loaded.module, digests: loaded.digests, decide: () => d as Decision });
    plantedQuietly(Object.prototype, "decision", "allow", () => {
      const issued = authorize(answering({ rules: [], errors: [] }), { roles: [] }, { signer });
      expect([issued.decision.decision, issued.decision.errors[0]?.message]).toEqual(["deny", "the policy returned something that is not a Decision"]);
    });
    plantedQuietly(Array.prototype, 0, "admin", () => {
      const issued = authorize(answering({ decision: "allow", rules: [, "x"], errors: [] }), { roles: [] }, { signer });
      expect([issued.decision.decision, issued.statement.rules]).toEqual(["deny", []]);
    });
  });

  it("never take what Object.prototype holds for a member the manifest lacks", async () => {
    // tenant and owner are compared with constants and with each other: ids after the table for the
    // others (no `intern` in their layout slots); "constants" would number every other string 0
    const bundle = (await compilePolicy(`policy "p" version "1"\ninput { tenant: string(16), owner: string(16) }\nforbid cross_tenant when tenant != owner\nforbid evil when owner == "acme" && tenant == "evil"\npermit everyone\n`)).bundle!;
    const slots = (bundle.manifest.layout as InputLayout).root.fields.map((f) => f.type as StringSlot);
    expect(slots.map((t) => t.intern)).toEqual([undefined, undefined]);
    plantedQuietly(Object.prototype, "intern", "constants", () => {
      // without the change the loaded layout reads "constants", both strings are id 0, and equal
      const policy = loadPolicy(bundle, { allowUnsigned: true });
      expect(policy.decide({ tenant: "zzz", owner: "yyy" })).toEqual({ decision: "deny", rules: ["cross_tenant"], errors: [] });
      expect(policy.evaluator.evaluate({ tenant: "zzz", owner: "yyy" }).decision).toBe("deny");
    });
    // a manifest without digests has none, whatever Object.prototype holds under the name
    const { digests, ...undigested } = bundle.manifest;
    plantedQuietly(Object.prototype, "digests", digests, () => {
      expect(verifyBundle({ module: bundle.module, manifest: undigested as Manifest }, { allowUnsigned: true })).toMatchObject({ ok: false, code: "malformed" });
    });
  });

  it("never take an option left out for what Object.prototype holds under its name", async () => {
    const { bundle } = await rolesReaders();
    const authority = generateKeyPair();
    const signed = signBundle(bundle, authority);
    // an unsigned bundle loads only when the host allows it; a signed one only under a key it trusts
    plantedQuietly(Object.prototype, "allowUnsigned", true, () => {
      expect(tryLoadPolicy(bundle, { trustedKeys: [] })).toMatchObject({ ok: false, error: { code: "unsigned" } });
      expect(verifyBundle(bundle)).toMatchObject({ ok: false, code: "unsigned" });
    });
    plantedQuietly(Object.prototype, "trustedKeys", [authority.publicKey], () => {
      expect(tryLoadPolicy(signed)).toMatchObject({ ok: false, error: { code: "untrusted_key" } });
    });
    // a bundle without a signature has none, whatever Object.prototype holds under the name
    plantedQuietly(Object.prototype, "signature", signed.signature, () => {
      expect(tryLoadPolicy(bundle, { trustedKeys: [authority.publicKey] })).toMatchObject({ ok: false, error: { code: "unsigned" } });
    });

    const policy = loadPolicy(signed, { trustedKeys: [authority.publicKey] });
    const key = generateKeyPair();
    const issuedAt = new Date(Date.UTC(2020, 0, 1));
    const old = authorize(policy, { roles: ["admin"] }, { signer: createSigner(key), now: issuedAt });
    const batched = await createBatchAuthorizer({ signer: createSigner(key), now: issuedAt, maxBatch: 1 }).authorize(policy, { roles: ["admin"] });
    const trusted = { trustedKeys: [key.publicKey] };
    for (const [name, value] of [["clockSkewSeconds", 1e12], ["now", () => issuedAt], ["ignoreExpiry", true]] as const) {
      plantedQuietly(Object.prototype, name, value, () => {
        expect([name, verifyArtifact(old.artifact, trusted)]).toMatchObject([name, { ok: false, code: "expired" }]);
        expect([name, verifyBatchedArtifact(batched.artifact, trusted)]).toMatchObject([name, { ok: false, code: "expired" }]);
      });
    }
    // a trusted key planted in a hole of the list is no trusted key
    plantedQuietly(Array.prototype, 0, key.publicKey, () => {
      expect(verifyArtifact(old.artifact, { trustedKeys: new Array(1), now: issuedAt })).toMatchObject({ ok: false, code: "bad_options" });
    });
    // an artifact's validity and a signer's chain are the host's own
    plantedQuietly(Object.prototype, "ttlSeconds", 10 ** 6, () => {
      const { statement } = authorize(policy, { roles: ["admin"] }, { signer: createSigner(key) });
      expect(statement.exp - statement.iat).toBe(300);
    });
    plantedQuietly(Object.prototype, "head", { seq: 7, prev: old.statement.lineage.prev ?? { sha3_512: "0".repeat(128), blake2b_512: "0".repeat(128) } }, () => {
      expect(createSigner(key).head).toEqual({ seq: 0, prev: null });
    });
    // a log verified without keys is said to be so, whatever keys Object.prototype holds
    const path = join(tempDir("own-options"), "log.jsonl");
    const log = openLog(path, { fsync: "never" });
    authorize(policy, { roles: ["admin"] }, { signer: createSigner(key), lineage: log });
    log.close();
    plantedQuietly(Object.prototype, "trustedKeys", [key.publicKey], () => {
      expect(verifyLog(path)).toMatchObject({ ok: true, records: 1, signatures: "not checked" });
    });
  });

  it("never take what Object.prototype holds for a member a token, a statement, a log line or a key lacks", async () => {
    const { bundle } = await rolesReaders();
    const policy = loadPolicy(bundle, { allowUnsigned: true });
    const key = generateKeyPair();
    const issued = authorize(policy, { roles: ["admin"] }, { signer: createSigner(key) });
    const trusted = { trustedKeys: [key.publicKey] };
    const encode = (text: string) => new TextEncoder().encode(text);
    const { lineage, ...unlinked } = issued.statement;
    // signed by the trusted key, but with no `alg` in its header, or no `lineage` in its statement
    const noAlg = signCompact({ kid: key.keyId, typ: ARTIFACT_TYP }, encode(canonicalize(issued.statement)), key);
    const noLineage = signCompact({ alg: "EdDSA", kid: key.keyId, typ: ARTIFACT_TYP }, encode(canonicalize(unlinked)), key);
    plantedQuietly(Object.prototype, "alg", "EdDSA", () => {
      expect(verifyArtifact(noAlg, trusted)).toMatchObject({ ok: false, code: "bad_header" });
    });
    plantedQuietly(Object.prototype, "lineage", lineage, () => {
      expect(verifyArtifact(noLineage, trusted)).toMatchObject({ ok: false, code: "malformed", message: "statement: `lineage.seq` must be a non-negative integer" });
    });
    // a header's member that is not there is not there: no `crit` to refuse
    plantedQuietly(Object.prototype, "crit", ["exp"], () => {
      expect(verifyArtifact(issued.artifact, trusted)).toMatchObject({ ok: true });
    });
    // a log line without `prev`
    const line = `{"seq":0,"artifact":${JSON.stringify(issued.artifact)}}`;
    plantedQuietly(Object.prototype, "prev", null, () => {
      expect(parseRecordLine(line)).toEqual({ ok: false, reason: "record `prev` is neither null nor a digest pair" });
    });
    // a public JWK without `key_ops` is not restricted by one Object.prototype holds; one without `d` has no `d`
    const jwk = { kty: "OKP", crv: "Ed25519", x: publicJwk(key.publicKey).x };
    plantedQuietly(Object.prototype, "key_ops", ["sign"], () => {
      expect(publicKeyFromJwk(jwk)).toEqual({ ok: true, key: key.publicKey });
    });
    plantedQuietly(Object.prototype, "d", privateJwk(generateKeyPair()).d, () => {
      expect(publicKeyFromJwk(jwk)).toEqual({ ok: true, key: key.publicKey });
    });
  });

  it("never number a string by what Array.prototype holds past a layout's table", () => {
    const schema: RecordType = { kind: "record", fields: [{ name: "s", optional: false, type: { kind: "string", max: 16 } }] };
    // a hand-made layout whose slot meets id 3, past its one-string table
    const layout: InputLayout = { abi: 1, strings: ["a"], root: { kind: "record", size: 4, fields: [{ name: "s", offset: 0, presence: -1, type: { kind: "string", rep: "id", meets: [1, 3] } }] }, inputSize: 64 };
    const at = 1024;
    const idOf = (write: (memory: WebAssembly.Memory) => void): number => {
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
      write(memory);
      return new Int32Array(memory.buffer)[at >> 2]!;
    };
    const writers: [string, (memory: WebAssembly.Memory) => void][] = [
      ["generated encoder", (m) => createEncoder(layout, schema, m, at).encode({ s: "zzz" })],
      ["portable encoder", (m) => createEncoder(layout, schema, m, at, { portable: true }).encode({ s: "zzz" })],
      ["fast path", (m) => generateIngest(schema, layout, at)!(memoryWriters(m))({ s: "zzz" })],
    ];
    plantedQuietly(Array.prototype, 2, "zzz", () => {
      // the first id after the table (2), as when nothing is planted; not 3, as if "zzz" were the table's third string
      for (const [path, write] of writers) expect([path, idOf(write)]).toEqual([path, 2]);
    });
  });
});
