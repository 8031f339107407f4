// `writ audit`: end to end with a real compiled and signed policy, real keys on disk, a real log
// written by `authorize`, and the command run in-process as the CLI runs it.

import { beforeAll, describe, expect, it, vi } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compilePolicy } from "../../compiler/index.js";
import { loadPolicy } from "../../runtime/index.js";
import { authorize } from "../../runtime/trust/authorize.js";
import { signBundle } from "../../runtime/trust/bundle.js";
import { writeBundle } from "../../runtime/trust/bundle-files.js";
import { writeKeyPair } from "../../runtime/trust/key-files.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { openLog, tryOpenLog } from "../../runtime/trust/lineage.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { auditCommand } from "../../cli/commands/audit.js";
import type { CliIO } from "../../cli/io.js";
import { readLines, writeLines } from "./lineage-fixtures.js";
import { tempDir } from "../support/temp-dir.js";

const SOURCE = `policy "transfers" version "1.0.0"

input {
  principal: { role: string }
  context: { amount: int }
}

forbid too_much when context.amount > 1000

permit treasurer when principal.role == "treasurer"
`;

const REQUESTS = [
  { principal: { role: "treasurer" }, context: { amount: 10 } },
  { principal: { role: "intern" }, context: { amount: 10 } },
  { principal: { role: "treasurer" }, context: { amount: 5000 } },
];

const dir = tempDir("lineage");
const logPath = join(dir, "audit.jsonl");
let pubPath = "";
let deciding: ReturnType<typeof loadPolicy>;
let issuerKey: ReturnType<typeof generateKeyPair>;

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIO = { cwd: dir, out: (t) => (out += t + "\n"), err: (t) => (err += t + "\n"), readStdin: async () => "" };
  const code = await auditCommand.run(args, io);
  return { code, out, err };
}

beforeAll(async () => {
  const compiled = await compilePolicy(SOURCE, { fileName: "transfers.writ" });
  if (!compiled.bundle) throw new Error(`policy did not compile: ${JSON.stringify(compiled.diagnostics)}`);
  const authority = generateKeyPair();
  const issuer = generateKeyPair();
  writeKeyPair(dir, authority, "authority");
  pubPath = writeKeyPair(dir, issuer, "issuer").publicKeyPath;
  const signed = signBundle(compiled.bundle, authority);
  writeBundle(join(dir, "bundle"), signed);
  const policy = loadPolicy(signed, { trustedKeys: [authority.publicKey] });
  deciding = policy;
  issuerKey = issuer;
  const log = openLog(logPath);
  const signer = createSigner(issuer, { head: log.head().chain });
  for (let i = 0; i < 9; i++) authorize(policy, REQUESTS[i % 3], { signer, lineage: log });
  log.close();
  writeFileSync(join(dir, "requests.jsonl"), REQUESTS.map((r) => JSON.stringify(r)).join("\n") + "\n");
}, 120_000);

describe("writ audit verify", () => {
  it("prints the summary of an intact log", async () => {
    const r = await run("verify", "audit.jsonl", "--pub", pubPath);
    expect(r.code).toBe(0);
    expect(r.out).toContain("audit.jsonl: ok, 9 records");
    expect(r.out).toContain("seq 0..8");
    expect(r.out).toContain("3 allow, 6 deny");
    expect(r.out).toContain("verified with 1 trusted key");
  });

  it("replays every record against the bundle and the requests", async () => {
    const r = await run("verify", "audit.jsonl", "--pub", pubPath, "--replay", "bundle", "--requests", "requests.jsonl");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/replay\s+9 decided by transfers 1\.0\.0, 9 re-decided identically; 0 by other modules/);
    // without the requests nothing can be re-decided, and the command says so rather than look done
    const bare = await run("verify", "audit.jsonl", "--pub", pubPath, "--replay", "bundle");
    expect(bare.code).toBe(0);
    expect(bare.err).toMatch(/--replay without --requests re-decides nothing/);
    expect(bare.out).toMatch(/0 re-decided/);
  });

  it("replays no record whose request has no canonical JSON, and names them, rather than replay another such request", async () => {
    // two requests with no canonical JSON (a lone surrogate), denied for different reasons: their
    // artifacts carry the same placeholder digest, which tells neither from the other
    const unrepresentable = [
      { principal: { role: "\ud800" }, context: { amount: 10 } },
      { principal: { role: "treasurer" }, context: { amount: 10, note: "\udc00" } },
    ];
    const path = join(dir, "placeholders.jsonl");
    const log = openLog(path);
    const signer = createSigner(issuerKey, { head: log.head().chain });
    const issued = [...unrepresentable, REQUESTS[0]].map((r) => authorize(deciding, r, { signer, lineage: log }).statement);
    log.close();
    expect(issued[0]!.request.sha3_512).toBe(issued[1]!.request.sha3_512);
    expect(issued[0]!.errors).not.toEqual(issued[1]!.errors);
    writeFileSync(join(dir, "placeholders-requests.jsonl"), [...unrepresentable, REQUESTS[0]].map((r) => JSON.stringify(r)).join("\n") + "\n");
    const r = await run("verify", "placeholders.jsonl", "--pub", pubPath, "--replay", "bundle", "--requests", "placeholders-requests.jsonl");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/replay\s+3 decided by transfers 1\.0\.0, 1 re-decided identically; 0 by other modules\n\s+not replayed \(seq 0, 1\): a request with no canonical JSON is digested as the placeholder writ:unrepresentable-request, the same for every such request, so its record names no request to replay\n/);
    const json = await run("verify", "placeholders.jsonl", "--replay", "bundle", "--requests", "placeholders-requests.jsonl", "--json");
    expect(JSON.parse(json.out).replay).toMatchObject({ samePolicy: 3, replayed: 1, notReplayable: { seqs: [0, 1], reason: expect.stringContaining("writ:unrepresentable-request") } });
    // a log with no such record says nothing of them
    expect((await run("verify", "audit.jsonl", "--replay", "bundle", "--requests", "placeholders-requests.jsonl")).out).not.toContain("not replayed");
  });

  it("names the first bad record and exits 1", async () => {
    const lines = readLines(logPath);
    lines.splice(3, 1);
    writeLines(join(dir, "cut.jsonl"), lines);
    const r = await run("verify", "cut.jsonl");
    expect(r.code).toBe(1);
    expect(r.err).toContain("record 3 removed");
  });

  it("says of bytes at the end of a log what opening it for writing does with them", async () => {
    // `garbage` after the last line is no torn write: refused on open, and the audit says so
    writeFileSync(join(dir, "garbage.jsonl"), readFileSync(logPath, "utf8") + "garbage");
    const garbage = await run("verify", "garbage.jsonl");
    expect(garbage.code).toBe(1);
    expect(garbage.err).toMatch(/record 9 malformed: the 7 bytes after the last whole line are not the start of record 9, .* opening the log for writing refuses it as corrupt and leaves it as it is\n$/);
    expect(tryOpenLog(join(dir, "garbage.jsonl"))).toMatchObject({ ok: false, error: { code: "corrupt", index: 9 } });
    // a final line of zeros up to a sector's end is what a lost write leaves: moved aside on open, and the audit says so
    const at = readFileSync(logPath).length;
    const lost = 2 * 512 - (at % 512);
    writeFileSync(join(dir, "zeros.jsonl"), readFileSync(logPath, "utf8") + "\0".repeat(lost) + "\n");
    const zeros = await run("verify", "zeros.jsonl");
    expect(zeros.code).toBe(1);
    expect(zeros.err).toMatch(/record 9 truncated: the final line \(record 9\) is not a record but what a lost write leaves .*\(opening the log for writing moves it aside\)\n$/);
    const opened = tryOpenLog(join(dir, "zeros.jsonl"));
    expect(opened).toMatchObject({ ok: true, log: { repaired: { index: 9, bytes: lost + 1, torn: true } } });
    if (opened.ok) opened.log.close();
    // a line appended by hand with zeros written into it is no lost write: refused, and the audit says so
    writeFileSync(join(dir, "by-hand.jsonl"), readFileSync(logPath, "utf8") + '{"note":"entry added by hand"}' + "\0".repeat(64) + "\n");
    const byHand = await run("verify", "by-hand.jsonl");
    expect(byHand.code).toBe(1);
    expect(byHand.err).toMatch(/record 9 malformed: record 9 is not a valid record: record is not JSON; a crash does not leave it .* opening the log for writing refuses it as corrupt and leaves it as it is\n$/);
    expect(tryOpenLog(join(dir, "by-hand.jsonl"))).toMatchObject({ ok: false, error: { code: "corrupt", index: 9 } });
  });

  it("checks a checkpoint from `writ audit head`", async () => {
    const head = await run("head", "audit.jsonl");
    expect(head.code).toBe(0);
    expect(head.out.trim()).toMatch(/^8:[0-9a-f]{128}$/);
    writeLines(join(dir, "short.jsonl"), readLines(logPath).slice(0, 7));
    const r = await run("verify", "short.jsonl", "--expect-head", head.out.trim());
    expect(r.code).toBe(1);
    expect(r.err).toContain("record 7 truncated");
    expect((await run("verify", "audit.jsonl", "--expect-head", head.out.trim())).code).toBe(0);
    // a log cut to nothing: said to be empty, not to end at record -1
    writeFileSync(join(dir, "emptied.jsonl"), "");
    const emptied = await run("verify", "emptied.jsonl", "--expect-head", head.out.trim());
    expect(emptied).toMatchObject({ code: 1, out: "" });
    expect(emptied.err).toBe("writ audit: emptied.jsonl: record 0 truncated: the checkpoint names record 8, but the log is empty: records 0..8 are missing\n");
  });

  it("takes a checkpoint's digest in either case, as verifyLog's expectHead does", async () => {
    const head = (await run("head", "audit.jsonl")).out.trim();
    const upper = head.toUpperCase();
    expect(upper).not.toBe(head);
    expect(await run("verify", "audit.jsonl", "--expect-head", upper)).toMatchObject({ code: 0, err: "" });
    // and compares it: another digest, in either case, is a record that differs from the checkpoint
    const other = head.slice(0, -1) + (head.endsWith("0") ? "1" : "0");
    for (const given of [other, other.toUpperCase()]) {
      const r = await run("verify", "audit.jsonl", "--expect-head", given);
      expect(r.code, given).toBe(1);
      expect(r.err, given).toContain("record 8 differs from the checkpoint");
    }
  });

  it("prints JSON with --json", async () => {
    const r = await run("verify", "audit.jsonl", "--json");
    expect(JSON.parse(r.out)).toMatchObject({ ok: true, records: 9, signatures: "not checked" });
  });

  it("rejects bad command lines with exit 2", async () => {
    expect((await run("verify")).code).toBe(2);
    expect((await run("frobnicate", "audit.jsonl")).code).toBe(2);
    expect((await run("verify", "audit.jsonl", "--expect-head", "nope")).code).toBe(2);
    expect((await run("verify", "audit.jsonl", "--requests", "requests.jsonl")).code).toBe(2);
  });

  it("refuses an --expect-head seq past 2^53 - 1 as bad usage (exit 2), not as a fault of the log", async () => {
    const digest = (await run("head", "audit.jsonl")).out.trim().split(":")[1]!;
    for (const seq of ["99999999999999999999", "9007199254740992"]) {
      const r = await run("verify", "audit.jsonl", "--expect-head", `${seq}:${digest}`);
      expect(r, seq).toEqual({ code: 2, out: "", err: `writ audit: --expect-head seq ${seq} is beyond 2^53 - 1, the last seq a log can hold\n` });
    }
  });

  it("audits a log longer than a string can be, record by record, and names no record for a failure of its own", async () => {
    // V8's limit on a string's length (about 512 MiB) brought down to the longest record's: the
    // log read as one string fails as a log over 512 MiB does (2 GiB is the limit a log is read to)
    const lines = readLines(logPath);
    const limit = Math.max(...lines.map((l) => Buffer.byteLength(l)));
    const decode = Buffer.prototype.toString;
    let failAt = -1;
    const spy = vi.spyOn(Buffer.prototype, "toString").mockImplementation(function (this: Buffer, ...args: unknown[]) {
      const [encoding, start, end] = args as [BufferEncoding | undefined, number | undefined, number | undefined];
      const from = Math.max(0, start ?? 0);
      if (Math.min(this.length, end ?? this.length) - from > limit) throw new Error(`Cannot create a string longer than ${limit} characters`);
      if (from === failAt) throw new Error("out of memory");
      return decode.call(this, encoding, start, end);
    });
    try {
      const verified = await run("verify", "audit.jsonl", "--pub", pubPath);
      expect(verified.err).toBe("");
      expect(verified.out).toContain("audit.jsonl: ok, 9 records");
      const head = await run("head", "audit.jsonl");
      expect(head.out).toMatch(/^8:[0-9a-f]{128}\n$/);
      // decoding record 5 fails (read ahead while record 4 is checked): no record is at fault
      failAt = lines.slice(0, 5).reduce((sum, l) => sum + Buffer.byteLength(l) + 1, 0);
      const failed = await run("verify", "audit.jsonl");
      expect(failed.code).toBe(1);
      expect(failed.err).toBe("writ audit: audit.jsonl: unreadable: verification could not be completed (it failed while checking record 4, not because of a fault found in the log): out of memory\n");
      expect((await run("head", "audit.jsonl")).err).toMatch(/^writ audit: audit\.jsonl: unreadable: verification could not be completed \(it failed while checking record 4,/);
    } finally {
      spy.mockRestore();
    }
  });

  it("reports a missing log as a failure, not a crash", async () => {
    const r = await run("verify", "missing.jsonl");
    expect(r.code).toBe(1);
    expect(r.err).toBe("writ audit: log missing.jsonl does not exist\n");
    expect(readFileSync(logPath, "utf8").length).toBeGreaterThan(0);
  });
});
