// `writ audit head` prints the checkpoint `--expect-head` takes. A log that continues a chain begun
// in another file (a rotated log) verifies with --any-start, and its head must be printable the same
// way, or a rotated log could never be checked for records cut from its end.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadPolicy } from "../../runtime/policy.js";
import { authorize } from "../../runtime/trust/authorize.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { openLog } from "../../runtime/trust/lineage.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { compiledBundle } from "../support/compiled-bundle.js";
import { runWrit } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

const dir = tempDir("audit-head");
const ADMIN = { principal: { role: "admin" }, amount: 10 };
let rotatedHead = "";

beforeAll(async () => {
  const policy = loadPolicy(await compiledBundle(), { allowUnsigned: true });
  const signer = createSigner(generateKeyPair());
  // the first file holds seq 0 and 1; the same signer goes on into a second file at seq 2
  const first = openLog(join(dir, "first.jsonl"));
  for (let i = 0; i < 2; i++) authorize(policy, ADMIN, { signer, lineage: first });
  first.close();
  const second = openLog(join(dir, "second.jsonl"));
  authorize(policy, ADMIN, { signer, lineage: second });
  const head = second.head();
  rotatedHead = `${head.seq}:${head.digests!.sha3_512}`;
  second.close();
}, 120_000);

describe("writ audit head", () => {
  it("prints a rotated log's head with --any-start, the value verify --expect-head then takes", async () => {
    const printed = await runWrit(["audit", "head", "second.jsonl", "--any-start"], dir);
    expect(printed).toMatchObject({ code: 0, err: "" });
    expect(printed.out.trim()).toBe(rotatedHead);
    // (the head names the record by its index in this file: the log's own first record is 0)
    expect(rotatedHead.startsWith("0:")).toBe(true);
    const checked = await runWrit(["audit", "verify", "second.jsonl", "--any-start", "--expect-head", printed.out.trim()], dir);
    expect(checked).toMatchObject({ code: 0, out: expect.stringMatching(/checkpoint {2}record 0 matches/) });
  });

  it("still requires the genesis without --any-start, as verify does", async () => {
    const head = await runWrit(["audit", "head", "second.jsonl"], dir);
    expect(head).toMatchObject({ code: 1, out: "", err: expect.stringMatching(/record 0 removed: .*statements 0..1 are missing/) });
    const verify = await runWrit(["audit", "verify", "second.jsonl"], dir);
    expect(verify.code).toBe(1);
    // a log that begins at the genesis gives the same head either way
    const plain = await runWrit(["audit", "head", "first.jsonl"], dir);
    const any = await runWrit(["audit", "head", "first.jsonl", "--any-start"], dir);
    expect(plain).toMatchObject({ code: 0, out: expect.stringMatching(/^1:[0-9a-f]{128}\n?$/) });
    expect(any.out).toBe(plain.out);
  });

  it("names the log in what it says of it, as verify does", async () => {
    const head = await runWrit(["audit", "head", "second.jsonl"], dir);
    const verify = await runWrit(["audit", "verify", "second.jsonl"], dir);
    expect(head.err).toMatch(/^writ audit: second\.jsonl: record 0 removed: /);
    expect(head.err).toBe(verify.err);
    writeFileSync(join(dir, "empty.jsonl"), "");
    expect(await runWrit(["audit", "head", "empty.jsonl"], dir)).toEqual({ code: 1, out: "", err: "writ audit: empty.jsonl: the log is empty: it has no head yet" });
  });

  it("takes no option of verify's but --any-start", async () => {
    const refused = await runWrit(["audit", "head", "second.jsonl", "--json"], dir);
    expect(refused).toMatchObject({ code: 2, err: expect.stringMatching(/unknown option --json/) });
  });
});
