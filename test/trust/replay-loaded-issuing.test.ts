// A policy loaded for replay (loadPolicyForReplay, tryLoadPolicyForReplay) re-decides what was issued
// under its bundle, which may be of the earlier manifest format `writ-manifest/1`, whose module does
// not bind its cost bound or whether it was optimised, and which loadPolicy refuses. Nothing new may
// be issued under it: authorize, authorizeRead, guard and the batch authorizer refuse it before
// anything is decided, signed or recorded, saying to load the bundle with loadPolicy. Before, they
// signed and logged new decisions under a bundle the deciding load refuses. Its `decide`, and the
// replays that use it, go on as they did. A copy of such a policy (spread, a Proxy, its members
// picked by hand) hands over its `decide`, and is refused as the policy is.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { loadPolicy, loadPolicyForReplay, tryLoadPolicy, tryLoadPolicyForReplay, type LoadedPolicy } from "../../runtime/policy.js";
import { authorize, authorizeRead } from "../../runtime/trust/authorize.js";
import { createBatchAuthorizer } from "../../runtime/trust/batch.js";
import { guard, GuardError } from "../../runtime/trust/guard.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { loadPublicKeyFile } from "../../runtime/trust/key-files.js";
import { readBundle } from "../../runtime/trust/bundle-files.js";
import { readRequest, requestSchemaOf } from "../../runtime/trust/request-digest.js";
import { replayArtifact } from "../../runtime/trust/replay.js";
import { createSigner, type Signer } from "../../runtime/trust/signer.js";
import type { Bundle } from "../../runtime/manifest.js";
import type { LineageSink, Statement } from "../../runtime/trust/types.js";
import { handBundle } from "../runtime/hand-bundle.js";

const FIXTURES = fileURLToPath(new URL("./fixtures/writ-manifest-1/", import.meta.url));
const issuer = generateKeyPair();
const NOW = new Date("2025-01-01T00:00:00Z");

/** What every refusal says: what is wrong, and what to do. */
const REFUSED = /policy loaded for replay \(loadPolicyForReplay.*load the bundle with loadPolicy to issue decisions.*`writ-manifest\/1`.*compiled again.*nothing was issued/;

interface Case {
  readonly name: string;
  readonly bundle: Bundle;
  readonly options: Parameters<typeof loadPolicy>[1];
  /** a request the policy allows */
  readonly request: unknown;
}

function earlierCase(): Case {
  const key = loadPublicKeyFile(join(FIXTURES, "writ.public.jwk"));
  if (!key.ok) throw new Error(key.message);
  return {
    name: "a writ-manifest/1 bundle (the fixture)",
    bundle: readBundle(join(FIXTURES, "bundle")),
    options: { trustedKeys: [key.key] },
    request: JSON.parse(readFileSync(join(FIXTURES, "allow.json"), "utf8")) as unknown,
  };
}

const CASES: readonly Case[] = [
  { name: "a current bundle", bundle: handBundle({ allow: true }), options: { allowUnsigned: true }, request: { n: 1 } },
  earlierCase(),
];

/**
 * Both replay loaders' policies for `c`, and copies of one a host may make to wrap it (to log or
 * count its decisions), which hand over its `decide`: all must be refused alike.
 */
function replayPolicies(c: Case): LoadedPolicy[] {
  const tried = tryLoadPolicyForReplay(c.bundle, c.options);
  if (!tried.ok) throw tried.error;
  const p = loadPolicyForReplay(c.bundle, c.options);
  const picked = { name: p.name, version: p.version, manifest: p.manifest, module: p.module, digests: p.digests, decide: p.decide };
  return [p, tried.policy, { ...p }, Object.create(p) as LoadedPolicy, new Proxy(p, {}), picked as LoadedPolicy];
}

/** A signer whose signing is counted, and a sink whose every call is counted. */
function watched(): { signer: Signer; signed: () => number; sink: LineageSink & { appendMany: (e: readonly unknown[]) => void }; recorded: () => number } {
  const signer = createSigner(issuer);
  const signTyped = vi.spyOn(signer, "signTyped");
  const signJws = vi.spyOn(signer, "signJws");
  const append = vi.fn();
  const appendMany = vi.fn();
  return {
    signer,
    signed: () => signTyped.mock.calls.length + signJws.mock.calls.length,
    sink: { append, appendMany },
    recorded: () => append.mock.calls.length + appendMany.mock.calls.length,
  };
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("nothing was thrown");
}

describe.each(CASES)("a policy loaded for replay from $name", (c) => {
  it("still decides, as a replay needs", () => {
    for (const policy of replayPolicies(c)) expect(policy.decide(c.request).decision).toBe("allow");
  });

  it("is refused by authorize: a TypeError, nothing signed or recorded, the signer's head where it was", () => {
    for (const policy of replayPolicies(c)) {
      const w = watched();
      const head = w.signer.head;
      const e = thrown(() => authorize(policy, c.request, { signer: w.signer, lineage: w.sink, now: NOW }));
      expect(e).toBeInstanceOf(TypeError);
      expect((e as Error).message).toMatch(/^authorize does not issue with a policy loaded for replay/);
      expect((e as Error).message).toMatch(REFUSED);
      expect([w.signed(), w.recorded()]).toEqual([0, 0]);
      expect(w.signer.head).toBe(head);
    }
  });

  it("is refused by authorizeRead alike", () => {
    for (const policy of replayPolicies(c)) {
      const w = watched();
      const head = w.signer.head;
      const read = readRequest(c.request, w.signer.path, requestSchemaOf(policy));
      const e = thrown(() => authorizeRead(policy, read, { signer: w.signer, lineage: w.sink, now: NOW }));
      expect(e).toBeInstanceOf(TypeError);
      expect((e as Error).message).toMatch(REFUSED);
      expect([w.signed(), w.recorded()]).toEqual([0, 0]);
      expect(w.signer.head).toBe(head);
    }
  });

  it("is refused by guard: a GuardError (bad_options) it rejects with, the action not run, nothing signed or recorded", async () => {
    for (const policy of replayPolicies(c)) {
      const w = watched();
      const head = w.signer.head;
      const action = vi.fn(() => "ran");
      let outcome: unknown;
      // guard returns its refusal as a rejection: nothing is thrown at the call
      const promise = guard(policy, c.request, action, { signer: w.signer, lineage: w.sink, now: NOW });
      try {
        outcome = await promise;
      } catch (e) {
        outcome = e;
      }
      expect(outcome).toBeInstanceOf(GuardError);
      expect((outcome as GuardError).code).toBe("bad_options");
      expect((outcome as GuardError).reasons.join("; ")).toMatch(/^guard does not issue with a policy loaded for replay/);
      expect((outcome as GuardError).reasons.join("; ")).toMatch(REFUSED);
      expect((outcome as GuardError).artifact).toBeUndefined();
      expect([action.mock.calls.length, w.signed(), w.recorded()]).toEqual([0, 0, 0]);
      expect(w.signer.head).toBe(head);
    }
  });

  it("is refused by the batch authorizer's authorize: a rejected TypeError, nothing added to the batch, signed or recorded", async () => {
    for (const policy of replayPolicies(c)) {
      const w = watched();
      const batcher = createBatchAuthorizer({ signer: w.signer, lineage: w.sink, now: NOW, maxDelayMs: 0 });
      const head = batcher.head;
      const outcome = await batcher.authorize(policy, c.request).then(
        () => "issued",
        (e: unknown) => e,
      );
      expect(outcome).toBeInstanceOf(TypeError);
      expect((outcome as Error).message).toMatch(REFUSED);
      expect(batcher.pending).toBe(0);
      batcher.flush();
      expect([w.signed(), w.recorded()]).toEqual([0, 0]);
      expect(batcher.head).toEqual(head);
      expect(w.signer.head).toBe(head);
    }
  });

  it("is refused by authorizeBatch: a TypeError, the open batch left open, nothing signed or recorded", () => {
    const deciding = tryLoadPolicy(handBundle({ allow: true }), { allowUnsigned: true });
    if (!deciding.ok) throw deciding.error;
    for (const policy of replayPolicies(c)) {
      const w = watched();
      const batcher = createBatchAuthorizer({ signer: w.signer, lineage: w.sink, now: NOW, maxDelayMs: 60_000 });
      const head = batcher.head;
      // a decision of a policy loadPolicy loaded waits in the open batch
      const pending = batcher.authorize(deciding.policy, { n: 1 });
      const e = thrown(() => batcher.authorizeBatch(policy, [c.request, c.request]));
      expect(e).toBeInstanceOf(TypeError);
      expect((e as Error).message).toMatch(/^authorizeBatch does not issue with a policy loaded for replay/);
      expect((e as Error).message).toMatch(REFUSED);
      expect([batcher.pending, w.signed(), w.recorded()]).toEqual([1, 0, 0]);
      // the waiting decision is issued as it would have been, at the seq it took, and the chain goes on from it alone
      batcher.flush();
      void pending;
      expect(w.recorded()).toBe(1);
      expect((vi.mocked(w.sink.appendMany).mock.calls[0]![0] as { statement: Statement }[]).map((entry) => entry.statement.lineage.seq)).toEqual([head.seq]);
      expect(batcher.head.seq).toBe(head.seq + 1);
    }
  });
});

describe("the same current bundle loaded by loadPolicy", () => {
  const bundle = handBundle({ allow: true });
  const policy = loadPolicy(bundle, { allowUnsigned: true });
  const request = { n: 1 };

  it("issues with authorize, authorizeRead, guard and the batch authorizer, and what it issued replays with the policy loaded for replay", async () => {
    const w = watched();
    const single = authorize(policy, request, { signer: w.signer, lineage: w.sink, now: NOW });
    expect(single.decision.decision).toBe("allow");
    const read = readRequest(request, w.signer.path, requestSchemaOf(policy));
    expect(authorizeRead(policy, read, { signer: w.signer, lineage: w.sink, now: NOW }).statement.lineage.seq).toBe(1);
    await expect(guard(policy, request, () => "ran", { signer: w.signer, lineage: w.sink, now: NOW })).resolves.toBe("ran");
    expect(w.signer.head.seq).toBe(3);
    expect(w.recorded()).toBe(3);

    const b = watched();
    const batcher = createBatchAuthorizer({ signer: b.signer, lineage: b.sink, now: NOW, maxDelayMs: 0 });
    const one = batcher.authorize(policy, request);
    batcher.flush();
    expect((await one).decision.decision).toBe("allow");
    expect(batcher.authorizeBatch(policy, [request, request])).toHaveLength(2);
    expect(b.recorded()).toBe(2);

    // replay is what a policy loaded for replay is for
    const replaying = loadPolicyForReplay(bundle, { allowUnsigned: true });
    expect(replayArtifact(single.artifact, request, replaying)).toEqual({ ok: true });
  });
});

describe("the writ-manifest/1 fixture's artifacts", () => {
  it("still replay with the policy loaded for replay", () => {
    const c = earlierCase();
    for (const policy of replayPolicies(c))
      for (const r of ["allow", "forbid", "invalid"]) {
        const artifact = readFileSync(join(FIXTURES, `${r}.artifact`), "utf8");
        const request = JSON.parse(readFileSync(join(FIXTURES, `${r}.json`), "utf8")) as unknown;
        expect(replayArtifact(artifact, request, policy), r).toEqual({ ok: true });
      }
  });
});
