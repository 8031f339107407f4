// An authorization with a lineage log needs the digests of the artifact it issues three times (the
// signer's next head, the log's next link, and the link check of the artifact after it) and of the
// one before it once: the digest memo (signer.ts) must serve all but the first, or each
// authorization hashes its ~1.2 KB artifact three times over (about 15 µs more with the log). The
// digest functions are wrapped here to count what they are asked to hash.

import { join } from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";

const hashed: string[] = [];
vi.mock("../../runtime/crypto/digest.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../runtime/crypto/digest.js")>();
  return {
    ...original,
    blake2b512Hex: (data: Uint8Array | string, path?: Parameters<typeof original.blake2b512Hex>[1]) => {
      if (typeof data === "string") hashed.push(data);
      return original.blake2b512Hex(data, path);
    },
  };
});

const { loadPolicy } = await import("../../runtime/policy.js");
const { authorize } = await import("../../runtime/trust/authorize.js");
const { generateKeyPair } = await import("../../runtime/trust/keys.js");
const { openLog } = await import("../../runtime/trust/lineage.js");
const { createSigner } = await import("../../runtime/trust/signer.js");
const { verifyLog } = await import("../../runtime/trust/lineage-verify.js");
const { compiledBundle } = await import("../support/compiled-bundle.js");
const { tempDir } = await import("../support/temp-dir.js");

const dir = tempDir("artifact-hashed-once");
const ADMIN = { principal: { role: "admin" }, amount: 10 };
let policy: ReturnType<typeof loadPolicy>;

beforeAll(async () => {
  policy = loadPolicy(await compiledBundle(), { allowUnsigned: true });
}, 120_000);

describe("an authorization recorded in a lineage log", () => {
  it("hashes the artifact it issues once, and the one before it not again", () => {
    const log = openLog(join(dir, "log.jsonl"), { fsync: "never" });
    const signer = createSigner(generateKeyPair());
    const artifacts: string[] = [];
    for (let i = 0; i < 5; i++) {
      hashed.length = 0;
      const { artifact } = authorize(policy, ADMIN, { signer, lineage: log });
      artifacts.push(artifact);
      expect(hashed.filter((h) => h === artifact), `authorization ${i}`).toHaveLength(1);
      if (i > 0) expect(hashed.filter((h) => h === artifacts[i - 1]), `authorization ${i}, the artifact before`).toHaveLength(0);
    }
    log.close();
    // and the chain so recorded is sound
    expect(verifyLog(join(dir, "log.jsonl"))).toMatchObject({ ok: true, records: 5 });
    expect(signer.head.seq).toBe(5);
  });

  it("hashes it once again from the next authorization on when another signer's came in between", () => {
    const log = openLog(join(dir, "shared.jsonl"), { fsync: "never" });
    const logged = createSigner(generateKeyPair());
    const other = createSigner(generateKeyPair());
    for (let i = 0; i < 6; i++) {
      // a host deciding for two chains, one of them logged
      authorize(policy, ADMIN, { signer: other });
      hashed.length = 0;
      const { artifact } = authorize(policy, ADMIN, { signer: logged, lineage: log });
      // (the memo holds two: the other chain's artifact pushed out this chain's last one)
      expect(hashed.filter((h) => h === artifact), `authorization ${i}`).toHaveLength(1);
      hashed.length = 0;
      const second = authorize(policy, ADMIN, { signer: logged, lineage: log }).artifact;
      expect(hashed, `authorization ${i}, the next one`).toEqual([second]);
    }
    log.close();
    expect(verifyLog(join(dir, "shared.jsonl"))).toMatchObject({ ok: true, records: 12 });
  });
});
