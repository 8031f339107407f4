// Tampering: every single-byte change of a signed authorization artifact, of a signed bundle's
// manifest and of its module is refused — exhaustively over the byte positions of one artifact and
// of the manifest's JSON, and over a few hundred positions of the module with several values each.
// Every edit, deletion, insertion and reordering of lineage records is detected at the record where
// it happened.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import type { Bundle } from "../../runtime/manifest.js";
import { tryLoadPolicy, type LoadedPolicy } from "../../runtime/policy.js";
import { authorize, createSigner, privateKeyFromSeed, signBundle, verifyArtifact, verifyBundle, type PrivateKey } from "../../runtime/trust/index.js";
import { openLog } from "../../runtime/trust/lineage.js";
import { verifyLogBytes, type VerifyLogOptions } from "../../runtime/trust/lineage-verify.js";
import { canonicalize } from "../../runtime/trust/jcs.js";
import { requestDigest } from "../../runtime/trust/request-digest.js";
import fc from "fast-check";
import { Draw, drawRequest } from "../support/arbitraries/index.js";
import { checkProperty } from "../support/arbitraries/replay.js";
import { tempDir } from "../support/temp-dir.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const NOW = new Date("2026-11-28T12:00:00Z");

/** Byte values to put at a position, all different from the original. */
function replacements(original: number, count: number): number[] {
  const candidates = [original ^ 0x01, original ^ 0x20, original ^ 0x80, (original + 1) & 0xff, original ^ 0xff, 0x00, 0x2e];
  return [...new Set(candidates.filter((v) => v !== original))].slice(0, count);
}

describe("tampering is detected", () => {
  let authority: PrivateKey;
  let issuer: PrivateKey;
  let signed: Bundle;
  let policy: LoadedPolicy;
  let requests: unknown[];

  beforeAll(async () => {
    authority = privateKeyFromSeed(new Uint8Array(32).fill(7));
    issuer = privateKeyFromSeed(new Uint8Array(32).fill(9));
    const r = await compilePolicy(readFileSync(join(root, "test/syntax/fixtures/agent-payments.writ"), "utf8"), { optimize: false });
    signed = signBundle(r.bundle!, authority);
    const loaded = tryLoadPolicy(signed, { trustedKeys: [authority.publicKey] });
    if (!loaded.ok) throw loaded.error;
    policy = loaded.policy;
    // Requests whose ints fit a JSON number: others have no canonical JSON, so no request digest
    // (authorize then issues a deny for an unrepresentable request, which is not what is tested here).
    const d = Draw.seeded(8);
    requests = [];
    while (requests.length < 8) {
      const q = drawRequest(d, r.ir!.schema);
      if (requestDigest(q).ok) requests.push(q);
    }
  }, 300_000);

  it("every single-byte change of a signed artifact is refused", () => {
    const signer = createSigner(issuer);
    const { artifact } = authorize(policy, requests[0], { signer, now: () => NOW });
    const options = { trustedKeys: [issuer.publicKey], trustedPolicies: [policy.digests], request: requests[0], now: NOW };
    expect(verifyArtifact(artifact, options).ok).toBe(true);
    const bytes = Buffer.from(artifact, "latin1");
    const codes = new Map<string, number>();
    let tried = 0;
    for (let i = 0; i < bytes.length; i++)
      for (const v of replacements(bytes[i]!, 3)) {
        const copy = Buffer.from(bytes);
        copy[i] = v;
        const result = verifyArtifact(copy.toString("latin1"), options);
        if (result.ok) throw new Error(`a change of byte ${i} (${bytes[i]} → ${v}) verified`);
        codes.set(result.code, (codes.get(result.code) ?? 0) + 1);
        tried++;
      }
    expect(tried).toBeGreaterThanOrEqual(bytes.length * 3);
    expect(codes.get("bad_signature")).toBeGreaterThan(0);
    expect(codes.get("malformed")).toBeGreaterThan(0);
  });

  it("an artifact verifies only inside its validity window (with the clock skew)", async () => {
    const signer = createSigner(issuer);
    const ttl = 300;
    const skew = 30;
    const { artifact } = authorize(policy, requests[1], { signer, now: () => NOW, ttlSeconds: ttl });
    const t0 = Math.floor(NOW.getTime() / 1000);
    await checkProperty(
      fc.property(fc.oneof(fc.integer({ min: -3 * ttl, max: 3 * ttl }), fc.constantFrom(-skew - 1, -skew, ttl + skew - 1, ttl + skew)), (offset) => {
        const r = verifyArtifact(artifact, { trustedKeys: [issuer.publicKey], now: new Date((t0 + offset) * 1000), clockSkewSeconds: skew });
        const expected = offset < -skew ? "not_yet_valid" : offset >= ttl + skew ? "expired" : "ok";
        expect(r.ok ? "ok" : r.code).toBe(expected);
      }),
      500,
      "test/proof/tampering.test.ts",
    );
  });

  it("every single-byte change of a signed bundle's manifest JSON is refused", () => {
    const text = Buffer.from(canonicalize(signed.manifest), "utf8");
    let parsedChanges = 0;
    for (let i = 0; i < text.length; i++)
      for (const v of replacements(text[i]!, 2)) {
        const copy = Buffer.from(text);
        copy[i] = v;
        let manifest: unknown;
        try {
          manifest = JSON.parse(copy.toString("utf8"));
        } catch {
          continue; // no longer JSON: a host cannot even read it as a manifest
        }
        parsedChanges++;
        const result = verifyBundle({ ...signed, manifest: manifest as Bundle["manifest"] }, { trustedKeys: [authority.publicKey] });
        if (result.ok) throw new Error(`a change of manifest byte ${i} ('${String.fromCharCode(text[i]!)}' → '${String.fromCharCode(v)}') verified`);
        expect(tryLoadPolicy({ ...signed, manifest: manifest as Bundle["manifest"] }, { trustedKeys: [authority.publicKey] }).ok).toBe(false);
      }
    // most changes keep the JSON readable (letters, digits, hex): those are the interesting ones
    expect(parsedChanges).toBeGreaterThan(text.length);
  });

  it("single-byte changes of the module are refused, signed or not", () => {
    const module = signed.module;
    const d = Draw.seeded(2026);
    const positions = new Set<number>([0, 1, 4, 8, module.length - 1]);
    while (positions.size < Math.min(400, module.length)) positions.add(d.int(0, module.length - 1));
    let tried = 0;
    for (const i of positions)
      for (const v of replacements(module[i]!, 4)) {
        const copy = new Uint8Array(module);
        copy[i] = v;
        const tampered = { ...signed, module: copy };
        const signedResult = verifyBundle(tampered, { trustedKeys: [authority.publicKey] });
        expect(signedResult.ok ? "accepted" : signedResult.code).toBe("module_digest_mismatch");
        const { signature: _dropped, ...unsigned } = tampered;
        const unsignedResult = verifyBundle(unsigned, { allowUnsigned: true });
        expect(unsignedResult.ok ? "accepted" : unsignedResult.code).toBe("module_digest_mismatch");
        expect(tryLoadPolicy(tampered, { trustedKeys: [authority.publicKey] }).ok).toBe(false);
        tried++;
      }
    expect(tried).toBeGreaterThanOrEqual(1600);
  });

  describe("lineage records", () => {
    let dir: string;
    let lines: string[];
    let options: VerifyLogOptions;
    const N = 8;

    beforeAll(() => {
      dir = tempDir("tamper");
      const path = join(dir, "lineage.jsonl");
      const log = openLog(path, { fsync: "never" });
      const signer = createSigner(issuer);
      for (let i = 0; i < N; i++) authorize(policy, requests[i], { signer, lineage: log, now: () => new Date(NOW.getTime() + i * 1000) });
      const head = log.head();
      log.close();
      lines = readFileSync(path, "utf8").trimEnd().split("\n");
      options = { trustedKeys: [issuer.publicKey], expectHead: { seq: head.seq, sha3_512: head.digests!.sha3_512, blake2b_512: head.digests!.blake2b_512 } };
    });

    const verify = (ls: readonly string[]) => verifyLogBytes(Buffer.from(ls.map((l) => l + "\n").join(""), "utf8"), options);
    const faultIndex = (ls: readonly string[]) => {
      const r = verify(ls);
      return r.ok ? "accepted" : r.index;
    };
    /** Where a changed log first differs from the original: the index a verifier must name. */
    const firstDifference = (ls: readonly string[]) => {
      let k = 0;
      while (k < ls.length && k < lines.length && ls[k] === lines[k]) k++;
      return k;
    };

    it("the untouched log verifies", () => {
      expect(lines).toHaveLength(N);
      const r = verify(lines);
      expect(r.ok && r.records).toBe(N);
    });

    it("a byte changed anywhere in record i is reported at i", () => {
      const d = Draw.seeded(11);
      const wrong: string[] = [];
      for (let i = 0; i < N; i++) {
        const line = Buffer.from(lines[i]!, "utf8");
        const artifactAt = lines[i]!.indexOf('"artifact":"') + 12;
        // every position of the first two records; a spread of positions in the others
        const positions = i < 2 ? [...line.keys()] : Array.from({ length: 80 }, () => d.int(0, line.length - 1));
        for (const p of positions) {
          const copy = Buffer.from(line);
          copy[p] = replacements(line[p]!, 1)[0]!;
          const edited = [...lines];
          edited[i] = copy.toString("utf8");
          if (edited[i]!.includes("\n")) continue; // a new line splits the record: covered by insertion
          const got = faultIndex(edited);
          if (got !== i) {
            const part = p < artifactAt ? "record fields" : `artifact ${["header", "payload", "signature"][lines[i]!.slice(artifactAt, p).split(".").length - 1]}`;
            wrong.push(`record ${i}, byte ${p} (${part}): reported at ${got}: ${JSON.stringify(verify(edited))}`);
          }
        }
      }
      expect(wrong.length === 0 ? [] : [`${wrong.length} edits reported at the wrong record, e.g.`, ...wrong.slice(0, 5)]).toEqual([]);
    });

    it("a deleted record i is reported at i (the last one through the checkpoint)", () => {
      for (let i = 0; i < N; i++) expect({ i, at: faultIndex(lines.filter((_, j) => j !== i)) }).toEqual({ i, at: i });
    });

    it("a record inserted at position i is reported at i", () => {
      for (let i = 0; i <= N; i++)
        for (const j of [0, N - 1, Math.max(0, i - 1)]) {
          const inserted = [...lines.slice(0, i), lines[j]!, ...lines.slice(i)];
          // a copy next to its original could be either of the two: the first difference is the one
          expect({ i, j, at: faultIndex(inserted) }).toEqual({ i, j, at: firstDifference(inserted) });
        }
    });

    it("records reordered from position i are reported at i", () => {
      for (let i = 0; i < N - 1; i++) {
        const swapped = [...lines];
        [swapped[i], swapped[i + 1]] = [swapped[i + 1]!, swapped[i]!];
        expect({ i, at: faultIndex(swapped) }).toEqual({ i, at: i });
        // a record moved to the end
        const moved = [...lines.slice(0, i), ...lines.slice(i + 1), lines[i]!];
        expect({ i, moved: true, at: faultIndex(moved) }).toEqual({ i, moved: true, at: i });
      }
    });
  });
});
