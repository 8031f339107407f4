// verifyLog names the first bad record and what happened to it: edits, removals, insertions,
// reorderings, truncation (with a checkpoint), damage, bad signatures and replay mismatches — on real
// logs of signed artifacts, with and without the issuer's key.

import { describe, expect, it, vi } from "vitest";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { verifyLog, verifyLogBytes, type LogVerification } from "../../runtime/trust/lineage-verify.js";
import { LogLines } from "../../runtime/trust/lineage-lines.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { requestDigest } from "../../runtime/trust/request-digest.js";
import { buildLog, editStatement, readRecord, rechain, REQUESTS, writeLines } from "./lineage-fixtures.js";
import { encodeRecord, parseRecordEnvelope, recordOpen } from "../../runtime/trust/lineage-record.js";
import { fakePolicy, shiftingPolicy } from "./fake-policy.js";
import { replayArtifact } from "../../runtime/trust/replay.js";
import { signCompact } from "../../runtime/trust/jws.js";
import { canonicalize } from "../../runtime/trust/jcs.js";
import { openLog } from "../../runtime/trust/lineage.js";
import { authorize } from "../../runtime/trust/authorize.js";
import { artifactDigests, createSigner } from "../../runtime/trust/signer.js";

const N = 12;
const base = buildLog(N);
const other = buildLog(N, base.key, base.dir, "other.jsonl");
const trustedKeys = [base.key.publicKey];
let counter = 0;

function verifyLines(lines: readonly string[], withKeys: boolean, extra = {}): LogVerification {
  const path = writeLines(join(base.dir, `case-${counter++}.jsonl`), lines);
  return verifyLog(path, { ...(withKeys ? { trustedKeys } : {}), ...extra });
}

function expectFault(result: LogVerification, index: number, kind: string): void {
  expect(result.ok ? "ok" : `${result.index} ${result.kind}`).toBe(`${index} ${kind}`);
}

const both = [false, true];

describe("verifyLog on an intact log", () => {
  it("summarises records, sequence, times and decisions", () => {
    const result = verifyLog(base.path, { trustedKeys });
    expect(result).toMatchObject({ ok: true, records: N, firstSeq: 0, lastSeq: N - 1, allows: 4, denies: 8, signatures: "verified", batched: 0 });
    if (result.ok) {
      expect(result.issuers).toEqual([base.key.keyId]);
      expect(Date.parse(result.firstTime!)).toBeLessThanOrEqual(Date.parse(result.lastTime!));
      expect(result.head.seq).toBe(N - 1);
    }
    expect(verifyLog(base.path)).toMatchObject({ ok: true, signatures: "not checked" });
  });

  it("an empty log is valid", () => {
    expect(verifyLines([], true)).toMatchObject({ ok: true, records: 0, firstSeq: null, head: { seq: -1, digests: null } });
  });

  it("a missing file is unreadable, not an exception", () => {
    expect(verifyLog(join(base.dir, "nope.jsonl"))).toMatchObject({ ok: false, kind: "unreadable" });
  });
});

describe.each(both)("verifyLog finds the first bad record (trusted keys: %s)", (withKeys) => {
  const L = base.lines;

  it.each([0, 4, N - 2])("an edited statement at %i", (k) => {
    const lines = [...L];
    lines[k] = editStatement(lines[k]!, (s) => (s.decision = s.decision === "allow" ? "deny" : "allow"));
    expectFault(verifyLines(lines, withKeys), k, "edited");
  });

  it("an edit of the last record shows only in its signature or against a checkpoint", () => {
    const lines = [...L];
    lines[N - 1] = editStatement(lines[N - 1]!, (s) => (s.rules = ["forged"]));
    const result = verifyLines(lines, withKeys);
    if (withKeys) expectFault(result, N - 1, "bad_signature");
    else expect(result.ok).toBe(true);
    const head = verifyLog(base.path);
    if (!head.ok) throw new Error("base log must verify");
    expectFault(verifyLines(lines, withKeys, { expectHead: { seq: head.head.seq, ...head.head.digests! } }), N - 1, "edited");
    // a checkpoint in upper-case hex is the same checkpoint
    const upper = { seq: head.head.seq, sha3_512: head.head.digests!.sha3_512.toUpperCase(), blake2b_512: head.head.digests!.blake2b_512.toUpperCase() };
    expectFault(verifyLines(lines, withKeys, { expectHead: upper }), N - 1, "edited");
    expect(verifyLines([...L], withKeys, { expectHead: upper }).ok).toBe(true);
    // a checkpoint whose seq is not a whole number matched no record and was skipped: the edit verified
    for (const seq of [String(head.head.seq), -1, Number.NaN, 1.5])
      expectFault(verifyLines(lines, withKeys, { expectHead: { ...head.head.digests!, seq } }), -1, "bad_options");
  });

  it("a record whose artifact is JSON nested too deeply to be one: malformed, and the writer refuses to open it", () => {
    const lines = [...L];
    const deep = "[".repeat(200_000) + "]".repeat(200_000);
    lines[4] = `{"seq":4,"prev":null,"artifact":{"a":${deep}}}`;
    expectFault(verifyLines(lines, withKeys), 4, "malformed");
    const path = writeLines(join(base.dir, `deep-${withKeys}.jsonl`), lines);
    expect(() => openLog(path)).toThrow(expect.objectContaining({ code: "corrupt", index: 4 }));
  });

  it("a rewritten (reformatted) record", () => {
    const lines = [...L];
    lines[5] = JSON.stringify(JSON.parse(lines[5]!), null, 0).replace('{"seq"', '{ "seq"');
    expectFault(verifyLines(lines, withKeys), 5, "edited");
  });

  it("a changed `prev` field", () => {
    const lines = [...L];
    const r = JSON.parse(lines[7]!);
    r.prev.sha3_512 = "0".repeat(128);
    lines[7] = JSON.stringify(r);
    expectFault(verifyLines(lines, withKeys), 7, "edited");
  });

  it("a changed `seq` field", () => {
    const lines = [...L];
    const r = JSON.parse(lines[3]!);
    r.seq = 30;
    lines[3] = JSON.stringify(r);
    expectFault(verifyLines(lines, withKeys), 3, "edited");
  });

  it.each([
    [0, 1],
    [4, 1],
    [4, 3],
  ])("removed records at %i (%i of them)", (k, count) => {
    const lines = [...L];
    lines.splice(k, count);
    expectFault(verifyLines(lines, withKeys), k, "removed");
  });

  it("removed records with the record chain recomputed: the signed statements still tell", () => {
    const lines = [...L];
    lines.splice(6, 2);
    expectFault(verifyLines(rechain(lines), withKeys), 6, "removed");
  });

  it("removed records at the end: only a checkpoint tells", () => {
    const lines = L.slice(0, N - 3);
    expect(verifyLines(lines, withKeys).ok).toBe(true);
    const head = verifyLog(base.path);
    if (!head.ok) throw new Error("base log must verify");
    expectFault(verifyLines(lines, withKeys, { expectHead: { seq: head.head.seq, ...head.head.digests! } }), N - 3, "truncated");
  });

  it("every record removed: the checkpoint's records are missing from a log said to be empty", () => {
    const head = verifyLog(base.path);
    if (!head.ok) throw new Error("base log must verify");
    const checkpoint = { seq: head.head.seq, ...head.head.digests! };
    expect(verifyLines([], withKeys, { expectHead: checkpoint })).toEqual({
      ok: false,
      index: 0,
      kind: "truncated",
      reason: `the checkpoint names record ${N - 1}, but the log is empty: records 0..${N - 1} are missing`,
    });
    expect(verifyLines([], withKeys, { expectHead: { ...checkpoint, seq: 0 } })).toMatchObject({ reason: "the checkpoint names record 0, but the log is empty: record 0 is missing" });
    // a log with records says where it ends
    expect(verifyLines(L.slice(0, 2), withKeys, { expectHead: checkpoint })).toMatchObject({ reason: `the checkpoint names record ${N - 1}, the log ends at record 1: records 2..${N - 1} are missing` });
  });

  it("a duplicated record", () => {
    const lines = [...L];
    lines.splice(6, 0, L[2]!);
    expectFault(verifyLines(lines, withKeys), 6, "inserted");
  });

  it("a duplicate of the record before it", () => {
    const lines = [...L];
    lines.splice(4, 0, L[3]!);
    expectFault(verifyLines(lines, withKeys), 4, "inserted");
  });

  it("a record from another log with a fitting seq", () => {
    const lines = [...L];
    lines.splice(5, 0, other.lines[5]!);
    expectFault(verifyLines(lines, withKeys), 5, "inserted");
  });

  it.each([1, 3, 5, N - 2])("record %i replaced by the same place's record of another log of the same key", (k) => {
    const lines = [...L];
    lines[k] = other.lines[k]!;
    const result = verifyLines(lines, withKeys);
    expectFault(result, k, "edited");
    expect((result as { reason: string }).reason).toMatch(new RegExp(`record ${k} was replaced: it does not link to record ${k - 1}, and record ${k + 1} does not link to it`));
  });

  // from the last record on: the last record replaced, which is the same thing
  it.each([1, 3, 8, N - 1])("another log of the same key spliced in from record %i on", (k) => {
    const lines = [...L.slice(0, k), ...other.lines.slice(k)];
    const result = verifyLines(lines, withKeys);
    // With keys, record k − 1's signature rules out an edit of it: the break is at k. Without them,
    // the two cannot be told apart, and the fault says so at the earlier record.
    if (withKeys) {
      expectFault(result, k, "inserted");
      expect((result as { reason: string }).reason).toMatch(new RegExp(`the records from ${k} on do not continue record ${k - 1}, whose signature holds`));
    } else {
      expectFault(result, k - 1, "edited");
      expect((result as { reason: string }).reason).toMatch(new RegExp(`or the records from ${k} on come from another chain`));
    }
  });

  it("a record inserted before genesis", () => {
    const lines = [other.lines[0]!, ...L];
    expectFault(verifyLines(lines, withKeys), 0, "inserted");
  });

  it("an inserted record with the record chain recomputed", () => {
    const lines = [...L];
    lines.splice(8, 0, L[1]!);
    expectFault(verifyLines(rechain(lines), withKeys), 8, "inserted");
  });

  it.each([
    [3, 4],
    [2, 9],
    [0, 1],
  ])("records %i and %i swapped", (a, b) => {
    const lines = [...L];
    [lines[a], lines[b]] = [lines[b]!, lines[a]!];
    expectFault(verifyLines(lines, withKeys), a, "reordered");
  });

  it("a record moved later, with the record chain recomputed", () => {
    const lines = [...L];
    const [moved] = lines.splice(2, 1);
    lines.splice(6, 0, moved!);
    expectFault(verifyLines(rechain(lines), withKeys), 2, "reordered");
  });

  it("a damaged line in the middle", () => {
    const lines = [...L];
    lines[4] = lines[4]!.slice(0, 100);
    expectFault(verifyLines(lines, withKeys), 4, "malformed");
  });

  it("a torn final record: the start of the record that would follow the last one", () => {
    const path = writeLines(join(base.dir, `torn-${counter++}.jsonl`), L);
    const last = parseRecordEnvelope(L[N - 1]!);
    if (!last.ok) throw new Error("the base log's last record must read");
    appendFileSync(path, `${recordOpen(N, last.recordDigests)}"eyJhbGci`);
    expectFault(verifyLog(path, withKeys ? { trustedKeys } : {}), N, "truncated");
  });

  it("bytes after the last line that are not the start of the record that would follow: malformed, not torn", () => {
    const path = writeLines(join(base.dir, `stray-${counter++}.jsonl`), L);
    appendFileSync(path, L[0]!.slice(0, 50)); // the start of record 0, not of record N
    expectFault(verifyLog(path, withKeys ? { trustedKeys } : {}), N, "malformed");
  });
});

describe("verifyLog on a log longer than a string can be", () => {
  // V8 makes no string longer than 0x1fffffe8 characters (about 512 MiB), and a log may be read up
  // to 2 GiB. Writing such a log here would take half a gigabyte of disk and a minute: instead, the
  // limit is brought down to the length of the longest record, so that decoding the log as one
  // string fails as it does for a log over 512 MiB, and decoding one record at a time does not.
  const longest = Math.max(...base.lines.map((l) => Buffer.byteLength(l)));
  /** runs `run` with Buffer decoding as V8 does with its limit at `limit` characters, and failing for the bytes from `failAt` on */
  function withStringLimit<T>(limit: number, run: () => T, failAt?: number): T {
    const decode = Buffer.prototype.toString;
    const spy = vi.spyOn(Buffer.prototype, "toString").mockImplementation(function (this: Buffer, ...args: unknown[]) {
      const [encoding, start, end] = args as [BufferEncoding | undefined, number | undefined, number | undefined];
      const from = Math.max(0, start ?? 0);
      const to = Math.min(this.length, end ?? this.length);
      if (to - from > limit) throw new Error(`Cannot create a string longer than ${limit} characters`);
      if (failAt !== undefined && from === failAt) throw new Error("out of memory");
      return decode.call(this, encoding, start, end);
    });
    try {
      return run();
    } finally {
      spy.mockRestore();
    }
  }
  const bytes = Buffer.from(base.lines.map((l) => l + "\n").join(""));

  it("decodes one record at a time, never the whole file", () => {
    expect(bytes.length).toBeGreaterThan(4 * longest);
    const result = withStringLimit(longest, () => verifyLogBytes(bytes, { trustedKeys }));
    expect(result).toMatchObject({ ok: true, records: N, signatures: "verified" });
    // and a fault is still found where it is
    const broken = Buffer.from(rechain([...base.lines.slice(0, 5), ...base.lines.slice(6)]).map((l) => l + "\n").join(""));
    expect(withStringLimit(longest, () => verifyLogBytes(broken))).toMatchObject({ ok: false, index: 5, kind: "removed" });
  });

  it("blames no record for a failure of its own (it says how far it came)", () => {
    // decoding record 8 (read ahead while record 7 is checked) fails, as running out of memory there
    // would: the log is not at fault
    const at = base.lines.slice(0, 8).reduce((sum, l) => sum + Buffer.byteLength(l) + 1, 0);
    const result = withStringLimit(longest, () => verifyLogBytes(bytes), at);
    expect(result).toMatchObject({ ok: false, index: -1, kind: "unreadable" });
    expect((result as { reason: string }).reason).toMatch(/^verification could not be completed \(it failed while checking record 7, not because of a fault found in the log\): .*out of memory/);
  });

  it("finds lines over the bytes, going forward and back", () => {
    const text = Buffer.from("1\n\n[]\n{}");
    const reasons = (lines: LogLines, from: number, to: number) => Array.from({ length: to - from }, (_, k) => lines.read(from + k)).map((r) => (r === undefined ? undefined : r.ok ? "record" : r.reason));
    const lines = new LogLines(text, 6, null);
    expect(reasons(lines, 0, 4)).toEqual(["record is not a JSON object", "record is not JSON", "record is not a JSON object", undefined]);
    expect([lines.has(2), lines.has(3), lines.isLast(1), lines.isLast(2), lines.has(-1)]).toEqual([true, false, false, true, false]);
    // the last line forgotten, the first found again from the start
    lines.forgetBefore(3);
    expect(reasons(lines, 0, 1)).toEqual(["record is not a JSON object"]);
    // the bytes after the last newline, as a last line, when they are a whole record
    const unterminated = new LogLines(text, 6, null, true);
    expect(reasons(unterminated, 3, 5)).toEqual(["record `seq` is not a non-negative integer", undefined]);
    expect([unterminated.isLast(2), unterminated.isLast(3)]).toEqual([false, true]);
    expect(new LogLines(Buffer.alloc(0), 0, null).has(0)).toBe(false);
  });
});

describe("verifyLog's options", () => {
  it("are checked before the log is read, and refused as options, not as a fault of record 0", () => {
    const cases: [string, unknown, RegExp][] = [
      ["a key file's load result as a key", { trustedKeys: [{ ok: true, key: base.key.publicKey }] }, /trustedKeys\[0\] is not a public key/],
      ["keys not in a list", { trustedKeys: base.key.publicKey }, /trustedKeys must be a list/],
      ["a replay that is not a policy", { replay: {} }, /replay must be a loaded policy/],
      ["a chain start that is no head", { chainStart: { seq: 3 } }, /chainStart must be "any" or a chain head/],
      ["options that are not an object", null, /the options must be an object/],
      ["requests that are not a function", { requests: {} }, /requests must be a function/],
      ["a getter that throws", { get trustedKeys(): never { throw new Error("no keys"); } }, /reading the options threw: no keys/],
    ];
    for (const [what, options, message] of cases) {
      const result = verifyLog(base.path, options as never);
      expect(result, what).toMatchObject({ ok: false, index: -1, kind: "bad_options", reason: expect.stringMatching(message) });
    }
  });

  it("a record 0 whose seq was changed is said to chain to the log's start, not to record -1", () => {
    const lines = [...base.lines];
    lines[0] = lines[0]!.replace(/^\{"seq":0,/, '{"seq":3,');
    const result = verifyLines(lines, false);
    expect(result).toMatchObject({ ok: false, index: 0, kind: "edited", reason: expect.stringMatching(/chains to the log's start: its seq was changed/) });
  });
});

describe("verifyLog with keys", () => {
  it("refuses artifacts signed by a key that is not trusted", () => {
    expectFault(verifyLog(base.path, { trustedKeys: [generateKeyPair().publicKey] }), 0, "bad_signature");
  });

  it("with two trusted keys, a record replaced by one the other key signed is said to be either that, or the rest another chain", () => {
    // record 2 replaced by a statement the second trusted key signed in its place (same link, another decision)
    const second = generateKeyPair();
    const signer = createSigner(second, { head: { seq: 2, prev: artifactDigests(readRecord(base.lines[1]!).artifact) } });
    const forged = authorize(fakePolicy(), REQUESTS[0], { signer }).artifact;
    const lines = [...base.lines];
    lines[2] = encodeRecord({ seq: 2, prev: readRecord(lines[2]!).prev, artifact: forged });
    const keys = { trustedKeys: [base.key.publicKey, second.publicKey] };
    const rechained = verifyLines(rechain(lines), false, keys);
    expect(rechained).toMatchObject({ ok: false, index: 3, kind: "edited", reason: expect.stringMatching(/record 3's statement, whose signature holds.*record 2 was replaced by a statement another trusted key signed/) });
    const naive = verifyLines(lines, false, keys);
    expect(naive).toMatchObject({ ok: false, kind: "inserted", reason: expect.stringMatching(/or record 2 was replaced by a statement another trusted key signed/) });
    // with the second key untrusted, the forgery is named where it is
    expectFault(verifyLines(rechain(lines), true), 2, "bad_signature");
  });
});

describe("verifyLog with replay", () => {
  const byDigest = new Map(REQUESTS.map((r) => [requestDigest(r).sha3_512, r]));

  it("re-decides every record whose request is known", () => {
    const result = verifyLog(base.path, { trustedKeys, replay: fakePolicy(), requests: (d) => byDigest.get(d) });
    expect(result).toMatchObject({ ok: true, replay: { samePolicy: N, otherPolicy: 0, replayed: N } });
  });

  it("names the first record a changed policy decides differently", () => {
    // Same module bytes (same digests) but a decide that refuses everything: replay must notice.
    const denyAll = fakePolicy({ decide: () => ({ decision: "deny", rules: [], errors: [] }) });
    const result = verifyLog(base.path, { replay: denyAll, requests: (d) => byDigest.get(d) });
    expectFault(result, 0, "replay_mismatch");
  });

  it("says so when the host's request look-up throws, at the record it was looking up", () => {
    let calls = 0;
    const result = verifyLog(base.path, { replay: fakePolicy(), requests: (d) => { if (++calls === 3) throw new Error("db down"); return byDigest.get(d); } });
    expectFault(result, 2, "unreadable");
    expect((result as { reason: string }).reason).toBe("record 2: looking up its request failed, so it was not replayed: db down");
  });

  it.each([
    ["name", { name: "treasury-override" }],
    ["version", { version: "0.0.1" }],
  ])("refuses a record of the module that names another policy %s than the module does, as replayArtifact does", (_what, named) => {
    // the same module bytes (so the same digests) stated under another name or version: what a
    // statement naming another policy over this module's digests is checked against
    const policy = fakePolicy(named);
    const first = readRecord(base.lines[0]!).artifact;
    const expected = `policy: the artifact names payments 1.0.0, this module is ${policy.name} ${policy.version}`;
    expect(replayArtifact(first, REQUESTS[0], policy)).toEqual({ ok: false, differences: [expected] });
    const result = verifyLog(base.path, { trustedKeys, replay: policy, requests: (d) => byDigest.get(d) });
    expect(result).toEqual({ ok: false, index: 0, kind: "replay_mismatch", reason: `record 0: ${expected}` });
    // whether or not the record's request is known: its module's digests are all that make it this module's
    expect(verifyLog(base.path, { replay: policy, requests: () => undefined })).toEqual({ ok: false, index: 0, kind: "replay_mismatch", reason: `record 0: ${expected}` });
  });

  it("refuses a record whose statement, signed by the issuer, names another policy over the module's digests", () => {
    // the last record re-signed with the issuer's key, naming another policy: its signature and links hold
    const last = readRecord(base.lines[N - 1]!);
    const [header, payload] = last.artifact.split(".") as [string, string];
    const statement = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { policy: { name: string; version: string } };
    statement.policy.name = "treasury-override";
    statement.policy.version = "0.0.1";
    const forged = signCompact(JSON.parse(Buffer.from(header, "base64url").toString("utf8")), new TextEncoder().encode(canonicalize(statement)), base.key);
    const lines = [...base.lines.slice(0, N - 1), encodeRecord({ seq: N - 1, prev: last.prev, artifact: forged })];
    expect(verifyLines(lines, true)).toMatchObject({ ok: true, records: N });
    const policy = fakePolicy();
    expect(verifyLines(lines, true, { replay: policy, requests: (d: string) => byDigest.get(d) })).toEqual({
      ok: false,
      index: N - 1,
      kind: "replay_mismatch",
      reason: `record ${N - 1}: policy: the artifact names treasury-override 0.0.1, this module is payments 1.0.0`,
    });
  });

  it("refuses a replay policy without a name and version (a record of its module must name them)", () => {
    const { name: _name, ...unnamed } = fakePolicy();
    expect(verifyLog(base.path, { replay: unnamed as never })).toMatchObject({ ok: false, index: -1, kind: "bad_options", reason: expect.stringMatching(/replay must be a loaded policy/) });
  });

  it("reads the replay policy's members once: the module records are matched by and the decide that re-decides them come from one reading", () => {
    const { policy: shifting, reads } = shiftingPolicy(fakePolicy());
    const result = verifyLog(base.path, { replay: shifting, requests: (d) => byDigest.get(d) });
    expect(result).toMatchObject({ ok: true, replay: { samePolicy: N, otherPolicy: 0, replayed: N } });
    expect(reads).toEqual({ module: 1, decide: 1 });
  });

  it("re-decides with the policy's own decide, called on the policy, and refuses members the policy does not hold", () => {
    // a host's policy object, as authorize takes one: its decide is called on it
    const real = fakePolicy();
    const host = { ...real, calls: 0, decide(this: { calls: number }, request: unknown) { this.calls++; return real.decide(request); } };
    expect(verifyLog(base.path, { replay: host, requests: (d) => byDigest.get(d) })).toMatchObject({ ok: true, replay: { replayed: N } });
    expect(host.calls).toBe(N);
    // a member Object.prototype holds is not the policy's (own.ts)
    const { module: _module, ...moduleless } = real;
    Object.defineProperty(Object.prototype, "module", { value: real.module, configurable: true, writable: true });
    try {
      expect(verifyLog(base.path, { replay: moduleless as never })).toMatchObject({ ok: false, index: -1, kind: "bad_options", reason: expect.stringMatching(/replay must be a loaded policy/) });
    } finally {
      delete (Object.prototype as { module?: unknown }).module;
    }
  });

  it("counts records of another module without failing them", () => {
    const result = verifyLog(base.path, { replay: fakePolicy({ moduleText: "another module" }), requests: (d) => byDigest.get(d) });
    expect(result).toMatchObject({ ok: true, replay: { samePolicy: 0, otherPolicy: N, replayed: 0 } });
  });
});

describe("verifyLog and where the chain starts", () => {
  it("expects genesis at record 0 unless told where the chain continues from", () => {
    // A rotated log: its first statement continues the chain of the base log.
    const old = openLog(base.path);
    const continueFrom = old.head().chain;
    old.close();
    const path = join(base.dir, "rotated.jsonl");
    const log = openLog(path);
    const signer = createSigner(base.key, { head: continueFrom });
    for (let i = 0; i < 3; i++) authorize(fakePolicy(), REQUESTS[i], { signer, lineage: log });
    log.close();
    expectFault(verifyLog(path, { trustedKeys }), 0, "removed");
    expect(verifyLog(path, { trustedKeys, chainStart: continueFrom })).toMatchObject({ ok: true, records: 3, firstSeq: N, lastSeq: N + 2 });
    expect(verifyLog(path, { trustedKeys, chainStart: "any" })).toMatchObject({ ok: true, records: 3 });
    expectFault(verifyLog(path, { trustedKeys, chainStart: { seq: N, prev: { sha3_512: "0".repeat(128), blake2b_512: "0".repeat(128) } } }), 0, "edited");
  });
});
