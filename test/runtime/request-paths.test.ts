// A denial's path is spelled from the schema, whatever made the request invalid: a map's key is
// always `m["k"]`, an unknown key is joined with `.` as it is, and a field is named by its schema
// name, whole however long. A member whose getter throws, a value with no canonical JSON to sign, and
// a value of the wrong type are all reported at the same path, by every path that decides (decide's
// fast and general paths, the portable evaluator, the interpreter, the package's validator, authorize)
// and by replay.

import { beforeAll, describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { createInterpreter } from "../../compiler/ir/interp.js";
import { loadPolicy, type LoadedPolicy } from "../../runtime/policy.js";
import { compileHostRequestCheck } from "../../runtime/request.js";
import { createWasmEvaluator } from "../../runtime/wasm/evaluator.js";
import { authorize } from "../../runtime/trust/authorize.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { replayArtifact } from "../../runtime/trust/replay.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { openLog } from "../../runtime/trust/lineage.js";
import { verifyLog } from "../../runtime/trust/lineage-verify.js";
import { tempDir } from "../support/temp-dir.js";
import { join } from "node:path";
import type { Decision, RequestError } from "../../runtime/decision.js";

const LONG_FIELD = "f".repeat(70);
const LONG_KEY = "k".repeat(80);
const CUT_KEY = `${"k".repeat(63)}…`;

const issuer = generateKeyPair();
let policy: LoadedPolicy;
const deciders: [string, (r: unknown) => Decision | RequestError | undefined][] = [];

beforeAll(async () => {
  const source = `policy "p" version "1"
input { m: map<string(100), int>(4), r: { x: int }, l: list<{ y: int }>(2), ${LONG_FIELD}?: int }
permit ok
`;
  const compiled = await compilePolicy(source);
  if (!compiled.bundle) throw new Error(compiled.diagnostics.map((d) => d.message).join("; "));
  policy = loadPolicy(compiled.bundle, { allowUnsigned: true });
  const interpreter = createInterpreter(compiled.checked!.ir, compiled.checked!.errorSites);
  const portable = createWasmEvaluator(new WebAssembly.Module(compiled.bundle.module as Uint8Array<ArrayBuffer>), compiled.bundle.manifest, { portable: true });
  const check = compileHostRequestCheck(compiled.bundle.manifest.schema);
  deciders.push(
    ["decide", (r) => policy.decide(r)],
    ["the portable evaluator", (r) => portable.decide(r)],
    ["the interpreter", (r) => interpreter.decide(r)],
    ["compileRequestCheck", (r) => check(r)],
    ["authorize", (r) => authorize(policy, r, { signer: createSigner(issuer) }).decision],
  );
}, 60_000);

/** The path a decider reports (its denial's only error, or the validator's refusal). */
function pathOf(answer: Decision | RequestError | undefined): string | undefined {
  if (answer === undefined) return undefined;
  const error = "decision" in answer ? (answer.errors.length === 1 ? answer.errors[0]! : undefined) : answer;
  return error !== undefined && "path" in error ? error.path : undefined;
}

const valid = () => ({ m: {} as Record<string, unknown>, r: { x: 1 } as Record<string, unknown>, l: [{ y: 1 }] as Record<string, unknown>[] } as Record<string, unknown>);
const throwing = { enumerable: true, get: () => { throw new Error("boom"); } };

/** Where each request is planted: a member whose value is of the wrong type (`bad`), or whose getter throws. */
const places: [string, (r: Record<string, any>, bad?: unknown) => void, string][] = [
  ["a map's key that is a name", (r, bad) => (bad === undefined ? Object.defineProperty(r.m, "k", throwing) : (r.m.k = bad)), 'm["k"]'],
  ["a map's key that is not a name", (r, bad) => (bad === undefined ? Object.defineProperty(r.m, "a-b", throwing) : (r.m["a-b"] = bad)), 'm["a-b"]'],
  ["a map's key of 80 characters", (r, bad) => (bad === undefined ? Object.defineProperty(r.m, LONG_KEY, throwing) : (r.m[LONG_KEY] = bad)), `m[${JSON.stringify(CUT_KEY)}]`],
  ["a field of a record in a list", (r, bad) => (bad === undefined ? Object.defineProperty(r.l[0], "y", throwing) : (r.l[0].y = bad)), "l[0].y"],
  ["a field of 70 characters", (r, bad) => (bad === undefined ? Object.defineProperty(r, LONG_FIELD, throwing) : (r[LONG_FIELD] = bad)), LONG_FIELD],
];

describe("a denial's path is spelled from the schema, whatever made the request invalid", () => {
  it("a member whose getter throws is named as a wrong value there would be", () => {
    for (const [what, plant, path] of places) {
      const wrong = valid();
      plant(wrong, "s");
      const unreadable = valid();
      plant(unreadable, undefined);
      for (const [name, decide] of deciders) {
        expect(pathOf(decide(wrong)), `${name}, ${what}, a string`).toBe(path);
        expect(pathOf(decide(unreadable)), `${name}, ${what}, a getter that throws`).toBe(path);
      }
      expect(policy.decide(unreadable).errors[0]!.message).toBe(`request could not be read at ${path}: boom`);
    }
  });

  it("an unknown key whose getter throws is joined with `.` as it is, like any unknown key", () => {
    // what holds the key, the key, its path
    const unknown: [(r: Record<string, any>) => Record<string, unknown>, string, string][] = [
      [(r) => r, "a-b", "a-b"],
      [(r) => r, "r.x", "r.x"],
      [(r) => r, LONG_KEY, CUT_KEY],
      [(r) => r.r, "a-b", "r.a-b"],
    ];
    for (const [holder, key, path] of unknown) {
      const what = JSON.stringify(path);
      const known = valid();
      holder(known)[key] = 1;
      const unreadable = valid();
      Object.defineProperty(holder(unreadable), key, throwing);
      for (const [name, decide] of deciders) {
        expect(pathOf(decide(known)), `${name}, an unknown key ${what}`).toBe(path);
        expect(pathOf(decide(unreadable)), `${name}, an unknown key ${what} whose getter throws`).toBe(path);
      }
    }
  });

  it("a valid value with no canonical JSON to sign is named by authorize as decide names the place", () => {
    // an int beyond 2^53 (a BigInt) is valid, but no JSON number holds it exactly: authorize refuses to sign it
    for (const [what, plant, path] of places) {
      const request = valid();
      plant(request, 2n ** 60n);
      expect(policy.decide(request).decision, what).toBe("allow");
      const { decision } = authorize(policy, request, { signer: createSigner(issuer) });
      expect(decision.errors[0], what).toMatchObject({ code: "invalid_request", path, message: expect.stringMatching(/^request is not JSON-representable: integer 1152921504606846976 is beyond/) });
    }
  });

  it("replay and the audit's replay read the request as authorize read it: an unreadable request's denial replays", () => {
    for (const [what, plant] of places) {
      const request = valid();
      plant(request, undefined);
      const log = openLog(join(tempDir("paths"), "lineage.jsonl"));
      const { artifact, decision } = authorize(policy, request, { signer: createSigner(issuer), lineage: log });
      log.close();
      expect(decision.decision, what).toBe("deny");
      expect(replayArtifact(artifact, request, policy), what).toEqual({ ok: true });
      expect(verifyLog(log.path, { trustedKeys: [issuer.publicKey], replay: policy, requests: () => request }), what).toMatchObject({ ok: true, replay: { replayed: 1 } });
    }
  });
});
