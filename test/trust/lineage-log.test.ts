// The lineage log as a writer: appends chain and survive reopening, a torn final record is repaired
// (and kept aside), damage elsewhere refuses to open and leaves the file untouched, statements that
// do not continue the chain are refused, and the lock keeps a second writer out while taking over
// the lock of a writer that died.

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { openLog, tryOpenLog, LineageError } from "../../runtime/trust/lineage.js";
import { verifyLog } from "../../runtime/trust/lineage-verify.js";
import { authorize } from "../../runtime/trust/authorize.js";
import { createSigner, isLastIssuedToken } from "../../runtime/trust/signer.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { encodeRecord, withIssuedArtifact } from "../../runtime/trust/lineage-record.js";
import { ARTIFACT_TYP } from "../../runtime/trust/types.js";
import { createBatchAuthorizer } from "../../runtime/trust/batch.js";
import { canonicalize } from "../../runtime/trust/jcs.js";
import { createHash } from "node:crypto";
import { MAX_ARTIFACT_LENGTH } from "../../runtime/trust/verify-artifact.js";
import { buildLog, lostWrite, movedTo, readLines, rechain, SECTOR, writeLines } from "./lineage-fixtures.js";
import { tempDir } from "../support/temp-dir.js";
import { ADMIN_OK, TOO_MUCH, USER_DENIED, fakePolicy } from "./fake-policy.js";

const dir = tempDir("lineage");
let counter = 0;
const fresh = () => join(dir, `log-${counter++}.jsonl`);

function appendN(path: string, n: number, key = generateKeyPair()): void {
  const log = openLog(path);
  const signer = createSigner(key, { head: log.head().chain });
  for (let i = 0; i < n; i++) authorize(fakePolicy(), ADMIN_OK, { signer, lineage: log });
  log.close();
}

describe("appending", () => {
  it("refuses options it cannot use before touching the file: an fsync mode it does not know would sync nothing", () => {
    for (const fsync of [true, "Always", "yes", 1]) {
      const path = join(dir, `fsync-${String(fsync)}.jsonl`);
      expect(() => openLog(path, { fsync } as never)).toThrow(LineageError);
      expect(tryOpenLog(path, { fsync } as never)).toMatchObject({ ok: false, error: { code: "bad_options" } });
      expect(existsSync(path)).toBe(false);
    }
    expect(tryOpenLog(123 as never)).toMatchObject({ ok: false, error: { code: "bad_options" } });
    expect(tryOpenLog(join(dir, "null-options.jsonl"), null as never)).toMatchObject({ ok: false, error: { code: "bad_options" } });
    // a clock that is not one (it names a torn tail's file) is an option refused as such, not an io error later
    for (const now of ["noon", () => "noon", () => { throw new Error("clock broke"); }]) {
      const path = join(dir, "clock.jsonl");
      expect(tryOpenLog(path, { now } as never)).toMatchObject({ ok: false, error: { code: "bad_options", message: expect.stringMatching(/`now` is neither a valid Date|the clock threw: clock broke/) } });
      expect(existsSync(path)).toBe(false);
    }
    const opened = tryOpenLog(join(dir, "clock-date.jsonl"), { now: new Date() });
    expect(opened).toMatchObject({ ok: true });
    if (opened.ok) opened.log.close();
  });

  it("creates the file, chains records and reports its head", () => {
    const path = fresh();
    const key = generateKeyPair();
    const log = openLog(path);
    expect(log.head()).toEqual({ records: 0, seq: -1, digests: null, chain: { seq: 0, prev: null } });
    const signer = createSigner(key, { head: log.head().chain });
    const a = authorize(fakePolicy(), ADMIN_OK, { signer, lineage: log });
    expect(log.head()).toMatchObject({ records: 1, seq: 0, chain: signer.head });
    authorize(fakePolicy(), ADMIN_OK, { signer, lineage: log });
    log.close();
    const lines = readLines(path);
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toEqual({ seq: 0, prev: null, artifact: a.artifact });
    expect(verifyLog(path, { trustedKeys: [key.publicKey] })).toMatchObject({ ok: true, records: 2 });
  });

  it("resumes across reopen with the signer started from head().chain", () => {
    const path = fresh();
    const key = generateKeyPair();
    appendN(path, 3, key);
    appendN(path, 2, key);
    expect(verifyLog(path, { trustedKeys: [key.publicKey] })).toMatchObject({ ok: true, records: 5, firstSeq: 0, lastSeq: 4 });
  });

  it("refuses a statement that does not continue the chain, and writes nothing", () => {
    const path = fresh();
    appendN(path, 2);
    const before = readFileSync(path);
    const log = openLog(path);
    const stray = createSigner(generateKeyPair()); // starts at genesis, not at the log's head
    expect(() => authorize(fakePolicy(), ADMIN_OK, { signer: stray, lineage: log })).toThrow(LineageError);
    try {
      authorize(fakePolicy(), ADMIN_OK, { signer: stray, lineage: log });
    } catch (e) {
      expect((e as LineageError).code).toBe("chain_break");
    }
    // The signer did not advance either: nothing was issued.
    expect(stray.head).toEqual({ seq: 0, prev: null });
    log.close();
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it("refuses an artifact that does not carry the statement handed with it, and writes nothing", () => {
    const path = fresh();
    const key = generateKeyPair();
    const log = openLog(path, { fsync: "never" });
    const signer = createSigner(key, { head: log.head().chain });
    authorize(fakePolicy(), ADMIN_OK, { signer, lineage: log });
    const before = readFileSync(path);
    // the statement that continues the chain, issued without the log
    const next = authorize(fakePolicy(), USER_DENIED, { signer: createSigner(key, { head: log.head().chain }) });
    const other = authorize(fakePolicy(), TOO_MUCH, { signer: createSigner(generateKeyPair()) });
    const [batched] = createBatchAuthorizer({ signer: createSigner(key, { head: log.head().chain }) }).authorizeBatch(fakePolicy(), [TOO_MUCH]);
    for (const [name, artifact] of [["not an artifact", "not-an-artifact"], ["another chain's artifact", other.artifact], ["a batched artifact of another statement", batched!.artifact]] as const) {
      expect(() => log.append(artifact, next.statement), name).toThrow(/does not carry the statement handed with it|cannot continue a chain/);
      expect(() => log.appendMany([{ artifact, statement: next.statement }]), name).toThrow(LineageError);
    }
    expect(readFileSync(path).equals(before)).toBe(true);
    // the artifact that does carry it is recorded, though authorize did not hand it over
    log.append(next.artifact, next.statement);
    log.close();
    expect(verifyLog(path, { trustedKeys: [key.publicKey] }).ok).toBe(true);
    expect(() => openLog(path).close()).not.toThrow();
  });

  it("refuses entries that are not artifact-statement pairs as a LineageError, writing nothing (a host's null is not a TypeError)", () => {
    const path = fresh();
    const key = generateKeyPair();
    const log = openLog(path);
    const signer = createSigner(key, { head: log.head().chain });
    authorize(fakePolicy(), ADMIN_OK, { signer, lineage: log });
    const before = readFileSync(path);
    const next = authorize(fakePolicy(), USER_DENIED, { signer: createSigner(key, { head: log.head().chain }) });
    const throwing = { get artifact(): string { throw new Error("boom"); }, statement: next.statement };
    const untraversable = new Proxy([], { get() { throw new Error("trap"); } });
    const { proxy: revoked, revoke } = Proxy.revocable([], {});
    revoke();
    const bad: [string, () => void, RegExp][] = [
      ["a null artifact", () => log.append(null as never, next.statement), /entry 0 is not an \{ artifact, statement \} pair \(its artifact is null/],
      ["a null statement", () => log.append(next.artifact, null as never), /its statement is null/],
      ["no arguments", () => (log.append as () => void)(), /its artifact is undefined/],
      ["entries that are not an array", () => log.appendMany(5 as never), /takes an array of \{ artifact, statement \}, not a number/],
      ["a null entry after a good one", () => log.appendMany([{ artifact: next.artifact, statement: next.statement }, null as never]), /entry 1 is not .* \(it is null\)/],
      ["an entry whose getter throws", () => log.appendMany([throwing]), /reading it threw: boom/],
      ["a Proxy whose traps throw", () => log.appendMany(untraversable), /length cannot be read \(trap\)/],
      ["a revoked Proxy", () => log.appendMany(revoked), /cannot be read .*revoked/],
    ];
    for (const [name, append, message] of bad) {
      let thrown: unknown;
      try {
        append();
      } catch (e) {
        thrown = e;
      }
      expect(thrown, name).toBeInstanceOf(LineageError);
      expect((thrown as LineageError).code, name).toBe("chain_break");
      expect((thrown as Error).message, name).toMatch(message);
      expect((thrown as Error).message, name).toMatch(/nothing was recorded$/);
    }
    expect(readFileSync(path).equals(before)).toBe(true);
    // the log goes on from where it was
    log.append(next.artifact, next.statement);
    log.close();
    expect(verifyLog(path, { trustedKeys: [key.publicKey] }).ok).toBe(true);
  });

  it("refuses appends after close", () => {
    const log = openLog(fresh());
    log.close();
    log.close(); // idempotent
    const signer = createSigner(generateKeyPair());
    expect(() => authorize(fakePolicy(), ADMIN_OK, { signer, lineage: log })).toThrow(/closed/);
  });

  it("refuses a statement taken as issued whose seq the log's reader could not read back (2^53), writing nothing", () => {
    const path = fresh();
    const signer = createSigner(generateKeyPair());
    const { statement: issued } = authorize(fakePolicy(), ADMIN_OK, { signer });
    const h = "c".repeat(128);
    // signed as the issuer signs, over a seq past the last safe integer (as a signer without a bound issued)
    const text = canonicalize({ ...issued, lineage: { seq: 2 ** 53, prev: { sha3_512: h, blake2b_512: h } } });
    const artifact = signer.signTyped(ARTIFACT_TYP, text);
    const statement = JSON.parse(text);
    const log = openLog(path, { fsync: "never" });
    const refusal = (append: () => void): string => {
      try {
        append();
        return "appended";
      } catch (e) {
        return e instanceof LineageError ? `${e.code}: ${e.message}` : `not a LineageError: ${String(e)}`;
      }
    };
    // handed over as authorize hands its own pair (not read back), and as a host hands one (read back)
    expect(refusal(() => withIssuedArtifact(artifact, statement, () => log.append(artifact, statement)))).toMatch(/^chain_break: .*lineage\.seq 9007199254740992 is not a non-negative safe integer.*nothing was recorded$/);
    expect(refusal(() => log.append(artifact, statement))).toMatch(/^chain_break: /);
    log.close();
    expect(readFileSync(path).length).toBe(0);
    expect(() => openLog(path).close()).not.toThrow();
  });

  describe("an append or a close made by the host's code while an append reads its entries", () => {
    // two artifacts of one chain, issued without the log: seq 0 (genesis) and seq 1 after it
    const key = generateKeyPair();
    const issuer = createSigner(key);
    const first = authorize(fakePolicy(), ADMIN_OK, { signer: issuer });
    const second = authorize(fakePolicy(), USER_DENIED, { signer: issuer });

    it("is taken into account: the outer append continues what the inner one recorded, and the log reopens", () => {
      const path = fresh();
      const log = openLog(path, { fsync: "never" });
      // the entry's getter records seq 0 first; the entry itself is seq 1, continuing it
      const entry = {
        statement: second.statement,
        get artifact() {
          log.append(first.artifact, first.statement);
          return second.artifact;
        },
      };
      log.appendMany([entry]);
      expect(log.head().records).toBe(2);
      log.close();
      expect(readLines(path).map((l) => JSON.parse(l).seq)).toEqual([0, 1]);
      expect(verifyLog(path, { trustedKeys: [key.publicKey] })).toMatchObject({ ok: true, records: 2 });
      expect(() => openLog(path).close()).not.toThrow();
    });

    it("an outer entry that no longer continues the log is refused, and what the inner append recorded stays", () => {
      const path = fresh();
      const log = openLog(path, { fsync: "never" });
      // both genesis statements: whichever is recorded first, the other cannot follow it
      const other = authorize(fakePolicy(), TOO_MUCH, { signer: createSigner(key) });
      // the append from a member of the statement, read when it is compared with its artifact's
      const statement = { ...first.statement };
      Object.defineProperty(statement, "v", {
        enumerable: true,
        get() {
          if (log.head().records === 0) log.append(other.artifact, other.statement);
          return first.statement.v;
        },
      });
      let thrown: unknown;
      try {
        log.append(first.artifact, statement as never);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(LineageError);
      expect((thrown as LineageError).code).toBe("chain_break");
      expect(log.head().records).toBe(1);
      log.close();
      expect(readLines(path)).toHaveLength(1);
      expect(verifyLog(path, { trustedKeys: [key.publicKey] })).toMatchObject({ ok: true, records: 1 });
      expect(() => openLog(path).close()).not.toThrow();
    });

    it("a close is refused as `closed` (not a TypeError), with nothing written", () => {
      const path = fresh();
      const log = openLog(path, { fsync: "never" });
      let thrown: unknown;
      try {
        log.appendMany([{ statement: first.statement, get artifact() { log.close(); return first.artifact; } }]);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(LineageError);
      expect((thrown as LineageError).code).toBe("closed");
      expect(readFileSync(path).length).toBe(0);
      expect(() => openLog(path).close()).not.toThrow();
    });
  });

  it("works with fsync never", () => {
    const path = fresh();
    const key = generateKeyPair();
    const log = openLog(path, { fsync: "never" });
    const signer = createSigner(key);
    for (let i = 0; i < 20; i++) authorize(fakePolicy(), ADMIN_OK, { signer, lineage: log });
    log.close();
    expect(verifyLog(path, { trustedKeys: [key.publicKey] })).toMatchObject({ ok: true, records: 20 });
  });
});

describe("the record line", () => {
  it("is JSON.stringify of { seq, prev, artifact } byte for byte: a JWS as a string, a batched artifact as its JSON", () => {
    const text = fc.oneof(fc.string(), fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 20 }).map((u) => String.fromCharCode(...u)));
    // a record's digests are lowercase hex (hash output, or read back through the same check)
    const hex128 = fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 128, maxLength: 128 });
    const digests = fc.option(fc.record({ sha3_512: hex128, blake2b_512: hex128 }), { nil: null });
    const json = (prev: { sha3_512: string; blake2b_512: string } | null) => (prev === null ? null : { sha3_512: prev.sha3_512, blake2b_512: prev.blake2b_512 });
    fc.assert(
      fc.property(fc.nat(), digests, text.filter((t) => !t.startsWith("{")), (seq, prev, artifact) => {
        expect(encodeRecord({ seq, prev, artifact })).toBe(JSON.stringify({ seq, prev: json(prev), artifact }));
      }),
      { numRuns: 300 },
    );
    const key = generateKeyPair();
    // a compact JWS just issued is written without JSON.stringify (isLastIssuedToken): the same text
    const issuer = createSigner(key);
    for (const request of [ADMIN_OK, TOO_MUCH, USER_DENIED]) {
      const { artifact } = authorize(fakePolicy(), request, { signer: issuer });
      expect(isLastIssuedToken(artifact)).toBe(true);
      expect(encodeRecord({ seq: 3, prev: null, artifact })).toBe(JSON.stringify({ seq: 3, prev: null, artifact }));
    }
    expect(isLastIssuedToken(`${authorize(fakePolicy(), ADMIN_OK, { signer: issuer }).artifact}"`)).toBe(false);
    const batched = createBatchAuthorizer({ signer: createSigner(key), maxBatch: 4 }).authorizeBatch(fakePolicy(), [ADMIN_OK, TOO_MUCH, USER_DENIED]);
    fc.assert(
      fc.property(fc.nat(), digests, fc.constantFrom(...batched.map((b) => b.artifact)), (seq, prev, artifact) => {
        const line = encodeRecord({ seq, prev, artifact });
        expect(line).toBe(JSON.stringify({ seq, prev: json(prev), artifact: JSON.parse(artifact) }));
        // and it reads back as the very text issued
        expect(JSON.stringify(JSON.parse(line).artifact)).toBe(artifact);
      }),
      { numRuns: 50 },
    );
  });

  it("chains each record to the digests of the one before: a JWS's own digests, a batched artifact's commitment", () => {
    const path = fresh();
    const key = generateKeyPair();
    const log = openLog(path, { fsync: "never" });
    const signer = createSigner(key, { head: log.head().chain });
    const single = authorize(fakePolicy(), ADMIN_OK, { signer, lineage: log });
    const batch = createBatchAuthorizer({ signer, maxBatch: 2, lineage: log }).authorizeBatch(fakePolicy(), [ADMIN_OK, TOO_MUCH]);
    log.close();
    const records = readLines(path).map((l) => JSON.parse(l) as { prev: { sha3_512: string; blake2b_512: string } | null });
    const pair = (text: string) => ({ sha3_512: createHash("sha3-512").update(text).digest("hex"), blake2b_512: createHash("blake2b512").update(text).digest("hex") });
    expect(records[1]!.prev).toEqual(pair(single.artifact));
    // recomputed here from the artifact as issued: 0x00, its leaf hash, its index (8 bytes,
    // big-endian) and its head's digest by the same function
    const commitmentDigests = (artifact: string) => {
      const a = JSON.parse(artifact) as { statement: unknown; index: number; head: string };
      const leaf = createHash("sha256").update(Buffer.concat([Buffer.from([0]), Buffer.from(canonicalize(a.statement))])).digest();
      const index = Buffer.alloc(8);
      index.writeBigUInt64BE(BigInt(a.index));
      const bytes = (algorithm: string) => Buffer.concat([Buffer.from([0]), leaf, index, createHash(algorithm).update(a.head).digest()]);
      expect(bytes("sha3-512")).toHaveLength(105);
      return {
        sha3_512: createHash("sha3-512").update(bytes("sha3-512")).digest("hex"),
        blake2b_512: createHash("blake2b512").update(bytes("blake2b512")).digest("hex"),
      };
    };
    expect(records[2]!.prev).toEqual(commitmentDigests(batch[0]!.artifact));
    const verified = verifyLog(path, { trustedKeys: [key.publicKey] });
    expect(verified).toMatchObject({ ok: true, records: 3, head: { seq: 2, digests: commitmentDigests(batch[1]!.artifact) } });
  });
});

describe("opening after a crash", () => {
  it("repairs a final record without its newline and keeps the torn bytes", () => {
    const { path, key, lines } = buildLog(6, undefined, dir, `torn-${counter++}.jsonl`);
    // what a crash in the middle of writing record 5 leaves: its first 333 bytes, no newline
    const torn = lines[5]!.slice(0, 333);
    lines.pop();
    writeLines(path, lines);
    appendFileSync(path, torn);
    const log = openLog(path, { now: () => new Date("2026-01-02T03:04:05.678Z") });
    expect(log.repaired).toEqual({ kind: "moved", index: 5, bytes: 333, savedTo: `${path}.torn-2026-01-02T03-04-05-678Z`, records: 0, batchSize: null, torn: true });
    expect(readFileSync(movedTo(log.repaired), "utf8")).toBe(torn);
    expect(readLines(path)).toEqual(lines);
    // Appending continues on a clean line boundary.
    const signer = createSigner(key, { head: log.head().chain });
    authorize(fakePolicy(), ADMIN_OK, { signer, lineage: log });
    log.close();
    expect(verifyLog(path, { trustedKeys: [key.publicKey] })).toMatchObject({ ok: true, records: 6 });
  });

  it("saves a torn tail under another name when a symbolic link to nothing holds the first, and does not follow the link", () => {
    const { path, lines } = buildLog(3, undefined, dir, `torn-${counter++}.jsonl`);
    const torn = lines[2]!.slice(0, 300);
    writeLines(path, lines.slice(0, 2));
    appendFileSync(path, torn);
    const elsewhere = join(dir, `elsewhere-${counter++}`);
    symlinkSync(elsewhere, `${path}.torn-2026-01-02T03-04-05-678Z`);
    const log = openLog(path, { now: () => new Date("2026-01-02T03:04:05.678Z") });
    expect(log.repaired).toMatchObject({ kind: "moved", index: 2, bytes: 300, savedTo: `${path}.torn-2026-01-02T03-04-05-678Z-1` });
    log.close();
    expect(readFileSync(`${path}.torn-2026-01-02T03-04-05-678Z-1`, "utf8")).toBe(torn);
    expect(existsSync(elsewhere)).toBe(false);
  });

  it("refuses, and leaves alone, bytes after the last line that are not the start of the next record", () => {
    // a file that is no log (a request file given as --log), or a line appended by hand: not a torn write
    for (const stray of ['{"principal":{"id":"u1"}}', '{"seq":2,"prev":null,"artifact":"x"', "hello"]) {
      const { path, lines } = buildLog(2, undefined, dir, `stray-${counter++}.jsonl`);
      appendFileSync(path, stray);
      const before = readFileSync(path);
      const r = tryOpenLog(path);
      expect(r.ok, stray).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ code: "corrupt", index: 2, message: expect.stringMatching(/not the start of a record \(not a torn write\)/) });
      expect(readFileSync(path).equals(before)).toBe(true);
      expect(readdirSync(dir).some((f) => f.startsWith(`stray-${counter - 1}.jsonl.torn`))).toBe(false);
      expect(lines).toHaveLength(2);
    }
    const notALog = fresh();
    writeFileSync(notALog, '{"principal":{"id":"u1"}}');
    expect(tryOpenLog(notALog)).toMatchObject({ ok: false, error: { code: "corrupt", index: 0 } });
    expect(readFileSync(notALog, "utf8")).toBe('{"principal":{"id":"u1"}}');
  });

  // What `writ audit verify` says of the end of a log is what opening it for writing then does: a
  // tail it finds `truncated` (a crash's) is moved aside, one it finds `malformed` is refused as
  // corrupt and left as it is — the same record named either way.
  const NUL = "\0";
  it.each<[string, "truncated" | "malformed", (next: string, last: string, at: number) => string | Buffer]>([
    ["the start of the next record, without its newline (a torn write)", "truncated", (next) => next.slice(0, 333)],
    ["the start of the next record with a sector of zeros inside, without its newline", "truncated", (next) => next.slice(0, 40) + NUL.repeat(512) + next.slice(552, 700)],
    ["100 zero bytes without a newline (a torn write's lost sector)", "truncated", () => NUL.repeat(100)],
    ["the next record whole, the sector holding its start lost (a lost write)", "truncated", (next, _last, at) => lostWrite(next, at, [0])],
    ["the next record whole, a sector inside it lost (a lost write)", "truncated", (next, _last, at) => lostWrite(next, at, [1000])],
    ["the next record whole, every sector of it lost but its newline's (a lost write)", "truncated", (next, _last, at) => lostWrite(next, at, Array.from({ length: next.length }, (_, o) => o).filter((o) => Math.floor((at + o) / SECTOR) < Math.floor((at + next.length) / SECTOR)))],
    ["`garbage` without a newline", "malformed", () => "garbage"],
    ["a single space", "malformed", () => " "],
    ["the next record whole with one byte turned to zero (an edit)", "malformed", (next) => next.slice(0, 100) + NUL + next.slice(101) + "\n"],
    // zeros where no sector of the file is: written by hand, not lost
    ["the next record whole with 64 zero bytes inside (no sector)", "malformed", (next) => next.slice(0, 600) + NUL.repeat(64) + next.slice(664) + "\n"],
    ["a line of 100 zero bytes (shorter than the record due there)", "malformed", () => NUL.repeat(100) + "\n"],
    // zeros where a sector of the file is, in a line that is not the record due there
    ["a line appended by hand with a run of 64 zero bytes in it", "malformed", () => '{"note":"entry added by hand"}' + NUL.repeat(64) + "\n"],
    ["a copy of the last record, a sector inside it lost", "malformed", (_next, last, at) => lostWrite(last, at, [1000])],
    ["a record of another chain, a sector inside it lost", "malformed", (_next, _last, at) => lostWrite(buildLog(5, undefined, dir, `other-${counter++}.jsonl`).lines[4]!, at, [1000])],
    ["a line appended by hand, a sector inside it zeros", "malformed", (_next, _last, at) => lostWrite(`{"note":"${"x".repeat(1500)}"}`, at, [1000])],
    ["a line of zeros followed by a torn write (two faults, not one crash)", "malformed", (next) => NUL.repeat(100) + "\n" + next.slice(0, 50)],
    ["a line of zeros and a byte that is not UTF-8", "malformed", () => Buffer.from([...Buffer.alloc(100), 0xff, 0x0a])],
  ])("audits and opens alike a log ending in %s", (_name, kind, tail) => {
    const { path, lines } = buildLog(5, undefined, dir, `tail-${counter++}.jsonl`);
    const [next, last] = [lines.pop()!, lines[3]!];
    writeLines(path, lines);
    appendFileSync(path, tail(next, last, readFileSync(path).length));
    const before = readFileSync(path);
    const audit = verifyLog(path);
    expect(audit).toMatchObject({ ok: false, index: 4, kind });
    const opened = tryOpenLog(path, { now: () => new Date("2026-01-02T03:04:05.678Z") });
    if (kind === "truncated") {
      expect(audit).toMatchObject({ reason: expect.stringMatching(/opening the log for writing moves (it|them) aside\)$/) });
      expect(opened).toMatchObject({ ok: true, log: { repaired: { index: 4, records: 0, torn: true } } });
      if (!opened.ok) return;
      expect(readFileSync(movedTo(opened.log.repaired))).toEqual(before.subarray(Buffer.byteLength(lines.map((l) => l + "\n").join(""))));
      opened.log.close();
      expect(readLines(path)).toEqual(lines);
      expect(verifyLog(path)).toMatchObject({ ok: true, records: 4 });
    } else {
      expect(audit).toMatchObject({ reason: expect.stringMatching(/opening the log for writing refuses it as corrupt and leaves it as it is$/) });
      expect(opened).toMatchObject({ ok: false, error: { code: "corrupt", index: 4 } });
      expect(readFileSync(path).equals(before)).toBe(true);
      expect(readdirSync(dir).some((f) => f.startsWith(`tail-${counter - 1}.jsonl.torn`))).toBe(false);
    }
  });

  /** A single artifact, a batch of 8 and the first `leaves` records of a batch of 8 (the rest of its write lost). */
  function cutBatchLog(leaves: number, tail = ""): { path: string; key: ReturnType<typeof generateKeyPair>; whole: string[]; cut: string[] } {
    const path = fresh();
    const key = generateKeyPair();
    const log = openLog(path, { fsync: "never" });
    const signer = createSigner(key, { head: log.head().chain });
    authorize(fakePolicy(), ADMIN_OK, { signer, lineage: log });
    createBatchAuthorizer({ signer, maxBatch: 8, lineage: log }).authorizeBatch(fakePolicy(), Array.from({ length: 16 }, (_, i) => [ADMIN_OK, TOO_MUCH, USER_DENIED][i % 3]));
    log.close();
    const lines = readLines(path);
    writeFileSync(path, lines.slice(0, 9 + leaves).map((l) => l + "\n").join("") + tail);
    return { path, key, whole: lines.slice(0, 9), cut: lines.slice(9, 9 + leaves) };
  }

  it.each([1, 2, 5, 7])("cuts a batch of which only the first %i records reached the file, keeps them aside, and appends after the last whole batch", (leaves) => {
    const { path, key, whole, cut } = cutBatchLog(leaves);
    expect(verifyLog(path)).toMatchObject({ ok: false, index: 9 + leaves, kind: "truncated" });
    const log = openLog(path);
    expect(log.repaired).toMatchObject({ index: 9, bytes: cut.join("\n").length + 1, records: leaves, batchSize: 8, torn: false });
    expect(readFileSync(movedTo(log.repaired), "utf8")).toBe(cut.map((l) => l + "\n").join(""));
    expect(readLines(path)).toEqual(whole);
    expect(log.head()).toMatchObject({ records: 9, chain: { seq: 9 } });
    createBatchAuthorizer({ signer: createSigner(key, { head: log.head().chain }), maxBatch: 8, lineage: log }).authorizeBatch(fakePolicy(), [ADMIN_OK, TOO_MUCH]);
    authorize(fakePolicy(), ADMIN_OK, { signer: createSigner(key, { head: log.head().chain }), lineage: log });
    log.close();
    expect(verifyLog(path, { trustedKeys: [key.publicKey] })).toMatchObject({ ok: true, records: 12 });
  });

  it("cuts such a batch from its first leaf when its last record is torn as well", () => {
    const { path, whole, cut } = cutBatchLog(3, '{"seq":12,"prev":{"sha3');
    // the audit names the torn record, and the leaves opening moves aside with it
    expect(verifyLog(path)).toMatchObject({ ok: false, index: 12, kind: "truncated", reason: expect.stringMatching(/moves them aside, together with the 3 records 9\.\.11 of the batch of 8 the log ends inside\)$/) });
    const log = openLog(path);
    expect(log.repaired).toMatchObject({ index: 9, records: 3, batchSize: 8, torn: true });
    expect(readFileSync(movedTo(log.repaired), "utf8")).toBe(cut.map((l) => l + "\n").join("") + '{"seq":12,"prev":{"sha3');
    log.close();
    expect(readLines(path)).toEqual(whole);
  });

  // A whole record that lost only its final newline was not cut short: it may have been acknowledged
  // (an editor strips a final newline, a file is cut by one byte), so it is kept and the newline written.
  const tornFiles = (path: string) => readdirSync(dir).filter((f) => f.startsWith(`${path.split("/").pop()}.torn-`));

  it("keeps a whole last record that lost only its newline, writes the newline, and appends after it", () => {
    const { path, key, lines } = buildLog(5, undefined, dir, `newline-${counter++}.jsonl`);
    const whole = readFileSync(path);
    const head = verifyLog(path);
    if (!head.ok) throw new Error(head.reason);
    truncateSync(path, whole.length - 1);
    // the audit checks the record as any other (its signature too), then names the missing newline
    for (const options of [{}, { trustedKeys: [key.publicKey] }]) {
      const audit = verifyLog(path, options);
      expect(audit).toMatchObject({ ok: false, index: 4, kind: "unterminated", reason: expect.stringMatching(/^record 4 is whole, but the file ends without its final newline .*not a torn write.*keeps the record and writes its newline$/) });
      expect(audit).not.toMatchObject({ reason: expect.stringMatching(/torn:|cut short,|the start of record/) });
    }
    const log = openLog(path);
    expect(log.repaired).toEqual({ kind: "newline", index: 4 });
    expect(log.head()).toMatchObject({ records: 5, seq: 4, digests: head.head.digests });
    expect(readFileSync(path).equals(whole)).toBe(true);
    expect(tornFiles(path)).toEqual([]);
    // the next statement continues record 4 (seq 5), not a second seq 4 linking to record 3
    const next = authorize(fakePolicy(), ADMIN_OK, { signer: createSigner(key, { head: log.head().chain }), lineage: log });
    expect(next.statement.lineage.seq).toBe(5);
    log.close();
    expect(readLines(path).slice(0, 5)).toEqual(lines);
    const checkpoint = { seq: 4, sha3_512: head.head.digests!.sha3_512, blake2b_512: head.head.digests!.blake2b_512 };
    expect(verifyLog(path, { trustedKeys: [key.publicKey], expectHead: checkpoint })).toMatchObject({ ok: true, records: 6 });
  });

  it("keeps every whole record of a last batch whose final newline alone is missing", () => {
    const { path, key, whole, cut } = cutBatchLog(8);
    const bytes = readFileSync(path);
    truncateSync(path, bytes.length - 1);
    expect(verifyLog(path, { trustedKeys: [key.publicKey] })).toMatchObject({ ok: false, index: 16, kind: "unterminated" });
    const log = openLog(path);
    expect(log.repaired).toEqual({ kind: "newline", index: 16 });
    expect(log.head()).toMatchObject({ records: 17, chain: { seq: 17 } });
    authorize(fakePolicy(), ADMIN_OK, { signer: createSigner(key, { head: log.head().chain }), lineage: log });
    log.close();
    expect(tornFiles(path)).toEqual([]);
    expect(readLines(path).slice(0, 17)).toEqual([...whole, ...cut]);
    expect(verifyLog(path, { trustedKeys: [key.publicKey] })).toMatchObject({ ok: true, records: 18 });
  });

  it("moves aside the whole leaves of a batch cut short, the last of them without its newline", () => {
    // the batch's write stopped right before leaf 2's newline: leaves 3..7 are missing, so leaves
    // 0..2 are the tail of one write cut short, whole as they are (none of them was acknowledged)
    const { path, whole, cut } = cutBatchLog(3);
    truncateSync(path, readFileSync(path).length - 1);
    expect(verifyLog(path)).toMatchObject({ ok: false, index: 12, kind: "truncated", reason: expect.stringMatching(/ends at leaf 2 of a batch of 8/) });
    const log = openLog(path);
    expect(log.repaired).toMatchObject({ kind: "moved", index: 9, records: 3, batchSize: 8, torn: false });
    expect(readFileSync(movedTo(log.repaired), "utf8")).toBe(cut.join("\n"));
    log.close();
    expect(readLines(path)).toEqual(whole);
  });

  it("still moves aside a last record cut short by one byte more (its closing brace gone)", () => {
    const { path, lines } = buildLog(3, undefined, dir, `brace-${counter++}.jsonl`);
    truncateSync(path, readFileSync(path).length - 2);
    expect(verifyLog(path)).toMatchObject({ ok: false, index: 2, kind: "truncated" });
    const log = openLog(path);
    expect(log.repaired).toMatchObject({ kind: "moved", index: 2, bytes: lines[2]!.length - 1, torn: true });
    log.close();
    expect(readLines(path)).toEqual(lines.slice(0, 2));
  });

  // (the audit names the record as it names any whole record that does not belong: without a key, a
  // last record of another chain may as well be record 3 changed)
  it.each<[string, string, number, (lines: string[]) => string]>([
    ["a copy of the last record", "inserted", 4, (l) => l[3]!],
    ["the next record with its seq changed", "edited", 4, (l) => l[4]!.replace('"seq":4', '"seq":5')],
    ["the next record with a space before its closing brace", "edited", 4, (l) => l[4]!.slice(0, -1) + " }"],
    ["the next record of another chain", "edited", 3, () => buildLog(5, undefined, dir, `other-${counter++}.jsonl`).lines[4]!],
    ["a whole JSON text that is no record", "malformed", 4, () => '{"seq":4,"note":"added by hand"}'],
  ])("refuses, and leaves alone, %s without its newline: whole, and not the record due there", (_name, kind, index, tail) => {
    const { path, lines } = buildLog(5, undefined, dir, `whole-tail-${counter++}.jsonl`);
    writeLines(path, lines.slice(0, 4));
    appendFileSync(path, tail(lines));
    const before = readFileSync(path);
    expect(verifyLog(path)).toMatchObject({ ok: false, index, kind });
    const opened = tryOpenLog(path);
    expect(opened).toMatchObject({ ok: false, error: { code: "corrupt", index: 4 } });
    if (!opened.ok) expect(opened.error.message).toMatch(/not a torn write/);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(tornFiles(path)).toEqual([]);
  });

  it("repairs a final line with a sector's worth of zeros inside (a lost write)", () => {
    const { path, lines } = buildLog(4, undefined, dir, `hole-${counter++}.jsonl`);
    writeLines(path, lines.slice(0, 3));
    appendFileSync(path, lostWrite(lines[3]!, readFileSync(path).length, [800]));
    const log = openLog(path);
    expect(log.repaired).toMatchObject({ index: 3, records: 0, torn: true });
    log.close();
    expect(readLines(path)).toEqual(lines.slice(0, 3));
  });

  it("repairs a final line that is not a record (zeros from a lost write: every sector of it but its newline's)", () => {
    const { path, lines } = buildLog(3, undefined, dir, `zeros-${counter++}.jsonl`);
    const at = readFileSync(path).length;
    const zeros = 2 * SECTOR - (at % SECTOR); // up to the start of a sector, as long as a record's line
    appendFileSync(path, "\0".repeat(zeros) + "\n");
    const log = openLog(path);
    expect(log.repaired).toMatchObject({ index: 3, bytes: zeros + 1, records: 0, batchSize: null, torn: true });
    log.close();
    expect(readLines(path)).toEqual(lines);
  });

  it("refuses a final line of a record's length that holds zeros short of a sector's end (not a lost write)", () => {
    const { path } = buildLog(3, undefined, dir, `zeros-${counter++}.jsonl`);
    const at = readFileSync(path).length;
    appendFileSync(path, "\0".repeat(2 * SECTOR - (at % SECTOR) - 1) + "\n");
    expect(verifyLog(path)).toMatchObject({ ok: false, index: 3, kind: "malformed" });
    expect(tryOpenLog(path)).toMatchObject({ ok: false, error: { code: "corrupt", index: 3 } });
  });

  it("repairs an empty file's torn first record", () => {
    const path = fresh();
    writeFileSync(path, '{"seq":0,"prev":nu');
    const log = openLog(path);
    expect(log.repaired).toMatchObject({ index: 0, bytes: 18 });
    expect(log.head().records).toBe(0);
    log.close();
    expect(readFileSync(path, "utf8")).toBe("");
  });

  it.each([
    ["a damaged record in the middle", 2, (l: string[]) => (l[2] = l[2]!.slice(0, 80))],
    ["a removed record", 3, (l: string[]) => l.splice(3, 1)],
    ["a final record that parses but does not chain", 4, (l: string[]) => (l[4] = l[3]!.replace('"seq":3', '"seq":4'))],
    // the record open reads first in full (the last two are) must continue the one before it too
    ["a record removed before the last two, the record chain recomputed", 2, (l: string[]) => l.splice(0, 5, ...rechain([...l.slice(0, 2), ...l.slice(3)]))],
    // a crash writes whole lines or leaves zeros: a complete final line without a NUL that is not
    // exactly a record was written by someone, and is evidence
    ["a complete final line that is not JSON", 4, (l: string[]) => (l[4] = "garbage")],
    ["a final record with one byte turned to NUL (an edit, not a lost write)", 4, (l: string[]) => (l[4] = l[4]!.slice(0, 100) + "\0" + l[4]!.slice(101))],
    ["a final record whose artifact was garbled", 4, (l: string[]) => (l[4] = l[4]!.replace(/"artifact":"[^.]{20}/, '"artifact":"not-an-artifact-at-all'))],
    ["a final record ending in CRLF", 4, (l: string[]) => (l[4] = l[4] + "\r")],
    ["a record in the middle ending in CRLF", 1, (l: string[]) => (l[1] = l[1] + "\r")],
    ["a final record with its members reordered", 4, (l: string[]) => (l[4] = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(l[4]!) as object).reverse())))],
  ])("refuses %s, naming it, and leaves the file as it is", (_name, index, damage) => {
    const { path, lines } = buildLog(5, undefined, dir, `bad-${counter++}.jsonl`);
    damage(lines);
    writeLines(path, lines);
    const before = readFileSync(path);
    const result = tryOpenLog(path);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe("corrupt");
      expect(result.error.index).toBe(index);
      expect(result.error.message).toContain(`record ${index}`);
    }
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir).some((f) => f.startsWith(`${path.split("/").pop()}.torn-`))).toBe(false);
    // The refused open released its lock.
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it("refuses a one-record log whose line starts with a byte-order mark, and cuts nothing", () => {
    const { path, lines } = buildLog(1, undefined, dir, `bom-${counter++}.jsonl`);
    writeLines(path, ["\uFEFF" + lines[0]!]);
    const before = readFileSync(path);
    const result = tryOpenLog(path);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatchObject({ code: "corrupt", index: 0 });
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it("refuses to record an artifact longer than verifiers read, writing nothing", () => {
    const { path, key, lines } = buildLog(2, undefined, dir, `large-${counter++}.jsonl`);
    const log = openLog(path);
    const signer = createSigner(key, { head: log.head().chain });
    const { statement } = authorize(fakePolicy(), ADMIN_OK, { signer });
    const before = readFileSync(path);
    let thrown: unknown;
    try {
      log.append("e".repeat(MAX_ARTIFACT_LENGTH + 1), statement);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(LineageError);
    expect((thrown as LineageError).code).toBe("too_large");
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(log.head().records).toBe(2);
    log.close();
    expect(readLines(path)).toEqual(lines);
  });

  it("refuses a record that is not UTF-8, though it decodes to the text it held (U+FFFD)", () => {
    const path = fresh();
    const key = generateKeyPair();
    const log = openLog(path, { fsync: "never" });
    const batcher = createBatchAuthorizer({ signer: createSigner(key, { head: log.head().chain }), lineage: log });
    // a batched record holds its statement as JSON text: here with a policy version holding U+FFFD
    batcher.authorizeBatch(fakePolicy(), [ADMIN_OK]);
    batcher.authorizeBatch({ ...fakePolicy(), version: "1.0.0-\uFFFD" }, [TOO_MUCH]);
    log.close();
    const bytes = readFileSync(path);
    const replacement = Buffer.from("\uFFFD");
    const at = bytes.indexOf(replacement);
    expect(at).toBeGreaterThan(bytes.indexOf(0x0a)); // in record 1
    expect(verifyLog(path, { trustedKeys: [key.publicKey] }).ok).toBe(true);
    // EF BF BD becomes FF: not UTF-8, and a lenient decoder reads the same U+FFFD
    writeFileSync(path, Buffer.concat([bytes.subarray(0, at), Buffer.from([0xff]), bytes.subarray(at + replacement.length)]));
    expect(readFileSync(path, "utf8")).toBe(bytes.toString("utf8"));
    expect(verifyLog(path, { trustedKeys: [key.publicKey] })).toMatchObject({ ok: false, index: 1, kind: "malformed", reason: expect.stringMatching(/not UTF-8/) });
    const reopened = tryOpenLog(path);
    expect(reopened.ok).toBe(false);
    if (!reopened.ok) expect(reopened.error).toMatchObject({ code: "corrupt", index: 1, message: expect.stringMatching(/record 1 is not UTF-8 text/) });
  });

  it("refuses damage followed by a torn tail (two faults are not one crash)", () => {
    const { path, lines } = buildLog(4, undefined, dir, `two-${counter++}.jsonl`);
    lines[3] = "garbage";
    writeLines(path, lines);
    appendFileSync(path, '{"seq"');
    expect(tryOpenLog(path)).toMatchObject({ ok: false, error: { code: "corrupt", index: 3 } });
  });
});

describe("the writer lock", () => {
  it("refuses a second writer while the first holds the log", () => {
    const path = fresh();
    const first = openLog(path);
    const second = tryOpenLog(path);
    expect(second).toMatchObject({ ok: false, error: { code: "locked" } });
    if (!second.ok) expect(second.error.message).toBe(`${path}: log is locked by pid ${process.pid} (this process): another writer in this process has it open, or ${path}.lock was left by an earlier process with this pid; remove ${path}.lock if this process has no writer of this log open`);
    first.close();
    const third = openLog(path);
    third.close();
  });

  it("refuses a writer in another process", async () => {
    const path = fresh();
    const holder = spawn(process.execPath, ["--import", "tsx", "-e", `(async () => {
      const { openLog } = await import(${JSON.stringify(join(import.meta.dirname, "../../runtime/trust/lineage.ts"))});
      const log = openLog(${JSON.stringify(path)});
      process.stdout.write("held\\n");
      const release = () => { log.close(); process.exit(0); };
      setTimeout(release, 20000);
      process.stdin.on("data", release);
    })()`], { stdio: ["pipe", "pipe", "inherit"] });
    await new Promise<void>((resolve) => holder.stdout.once("data", () => resolve()));
    const result = tryOpenLog(path);
    expect(result).toMatchObject({ ok: false, error: { code: "locked" } });
    if (!result.ok) expect(result.error.message).toContain(String(holder.pid));
    holder.stdin.write("release\n");
    await new Promise((resolve) => holder.on("exit", resolve));
    openLog(path).close();
  }, 30_000);

  it("names the lock file to remove when its pid is alive but may have been given to another process, and leaves it", async () => {
    // a writer's lock whose pid now belongs to a process that is no writer (after a reboot, say)
    const path = fresh();
    const other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 20000)"], { stdio: "ignore" });
    try {
      const lock = JSON.stringify({ pid: other.pid, host: hostname(), at: "2020-01-01T00:00:00.000Z", id: "0" });
      writeFileSync(`${path}.lock`, lock);
      const result = tryOpenLog(path);
      expect(result).toMatchObject({ ok: false, error: { code: "locked" } });
      if (!result.ok)
        expect(result.error.message).toBe(
          `${path}: log is locked by pid ${other.pid}: another writer has it open, or the writer that took ${path}.lock died and its pid now belongs to another process; remove ${path}.lock if pid ${other.pid} is not a writer of this log`,
        );
      expect(readFileSync(`${path}.lock`, "utf8")).toBe(lock);
    } finally {
      other.kill();
      await new Promise((resolve) => (other.exitCode !== null || other.signalCode !== null ? resolve(null) : other.on("exit", resolve)));
    }
  });

  it("takes over the lock of a writer that died", () => {
    const path = fresh();
    // A pid that certainly belonged to a process that has exited.
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    const deadPid = Number(dead.stdout);
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: deadPid, host: hostname(), at: new Date().toISOString() }));
    const log = openLog(path);
    expect(JSON.parse(readFileSync(`${path}.lock`, "utf8")).pid).toBe(process.pid);
    log.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it("takes over the lock of a killed writer that its parent has not reaped yet (a zombie)", async () => {
    const path = fresh();
    const holder = spawn(process.execPath, ["--import", "tsx", "-e", `(async () => {
      const { openLog } = await import(${JSON.stringify(join(import.meta.dirname, "../../runtime/trust/lineage.ts"))});
      openLog(${JSON.stringify(path)});
      process.stdout.write("held\\n");
      setTimeout(() => process.exit(0), 20000);
    })()`], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve) => holder.stdout.once("data", () => resolve()));
    holder.kill("SIGKILL");
    // Stay off the event loop so the child is not reaped: it stays a zombie while we open.
    const until = Date.now() + 300;
    while (Date.now() < until && !readFileSync(`/proc/${holder.pid}/stat`, "utf8").includes(") Z")) {
      /* wait for the kill to land */
    }
    expect(readFileSync(`/proc/${holder.pid}/stat`, "utf8")).toContain(") Z");
    const log = openLog(path);
    log.close();
    await new Promise((resolve) => (holder.exitCode !== null || holder.signalCode !== null ? resolve(null) : holder.on("exit", resolve)));
  }, 30_000);

  it("refuses a lock held on another host", () => {
    const path = fresh();
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: 1, host: "elsewhere.example", at: new Date().toISOString() }));
    expect(tryOpenLog(path)).toMatchObject({ ok: false, error: { code: "locked" } });
  });

  it("locks the log itself, not the path it was named by: a symlink to a held log is refused", () => {
    const path = fresh();
    const alias = `${path}.alias`;
    const first = openLog(path);
    symlinkSync(path, alias);
    expect(tryOpenLog(alias)).toMatchObject({ ok: false, error: { code: "locked" } });
    first.close();
    openLog(alias).close();
  });

  it("a symlink to a log not created yet takes the lock of the log it will create, through a chain of links", () => {
    const path = fresh();
    const alias = `${path}.alias`;
    const aliasOfAlias = `${path}.alias2`;
    symlinkSync(path, alias);
    symlinkSync(alias.slice(alias.lastIndexOf("/") + 1), aliasOfAlias); // a relative link, to the link
    const first = openLog(aliasOfAlias); // creates `path`
    expect(existsSync(path)).toBe(true);
    expect(tryOpenLog(path)).toMatchObject({ ok: false, error: { code: "locked" } });
    expect(tryOpenLog(alias)).toMatchObject({ ok: false, error: { code: "locked" } });
    first.close();
    expect(readdirSync(dir).filter((f) => f.startsWith(path.slice(path.lastIndexOf("/") + 1)) && f.endsWith(".lock"))).toEqual([]);
    openLog(path).close();
  });

  it("a relative symlink in a symlinked directory takes the lock of the file the kernel creates", () => {
    // s/d -> deep/real; s/d/log -> ../x.log, which the kernel resolves from s/deep/real: s/deep/x.log
    const s = join(dir, `rel-${counter++}`);
    mkdirSync(join(s, "deep", "real"), { recursive: true });
    symlinkSync(join("deep", "real"), join(s, "d"));
    symlinkSync(join("..", "x.log"), join(s, "d", "log"));
    const first = openLog(join(s, "d", "log"));
    expect(existsSync(join(s, "deep", "x.log"))).toBe(true);
    expect(tryOpenLog(join(s, "deep", "x.log"))).toMatchObject({ ok: false, error: { code: "locked" } });
    first.close();
    // a link into a directory that does not exist names that directory
    symlinkSync(join("nowhere", "x.log"), join(s, "lost.log"));
    expect(tryOpenLog(join(s, "lost.log"))).toMatchObject({ ok: false, error: { code: "io", message: expect.stringMatching(/whose directory .*nowhere does not exist/) } });
  });

  it("a `..` after a symlinked directory takes the lock of the log the kernel opens, beside the link's target", () => {
    // s/link -> s/far/target: s/link/../log.jsonl is s/far/log.jsonl for the kernel, s/log.jsonl by text
    const s = join(dir, `dots-${counter++}`);
    mkdirSync(join(s, "far", "target"), { recursive: true });
    symlinkSync(join(s, "far", "target"), join(s, "link"));
    const dotted = (name: string) => `${join(s, "link")}/../${name}`; // not join(), which takes the `..` away
    const created = openLog(dotted("log.jsonl"));
    expect(existsSync(join(s, "far", "log.jsonl"))).toBe(true);
    expect(tryOpenLog(join(s, "far", "log.jsonl"))).toMatchObject({ ok: false, error: { code: "locked" } });
    created.close();
    const held = openLog(join(s, "far", "log.jsonl"));
    expect(tryOpenLog(dotted("log.jsonl"))).toMatchObject({ ok: false, error: { code: "locked" } });
    held.close();
    // nothing was made beside the link
    expect(readdirSync(s).sort()).toEqual(["far", "link"]);
  });

  it("refuses a log larger than it reads, saying so, without reading it (a sparse file here)", () => {
    const path = fresh();
    writeFileSync(path, "");
    truncateSync(path, 3 * 1024 ** 3);
    expect(tryOpenLog(path)).toMatchObject({ ok: false, error: { code: "io", message: expect.stringMatching(/is 3221225472 bytes, more than the 2 GiB a log is read up to/) } });
    rmSync(path);
  });

  it("reads a lock naming pid 0 or below as naming no owner (stale once a minute old)", () => {
    for (const pid of [0, -1]) {
      const path = fresh();
      writeFileSync(`${path}.lock`, JSON.stringify({ pid, host: hostname(), at: new Date().toISOString() }));
      const young = tryOpenLog(path);
      expect(young).toMatchObject({ ok: false, error: { code: "locked" } });
      if (!young.ok) expect(young.error.message).toContain("names no owner");
      const old = new Date(Date.now() - 120_000);
      utimesSync(`${path}.lock`, old, old);
      openLog(path).close();
    }
  });

  it("refuses to append when the file grew under it (a writer the lock did not stop), writing nothing", () => {
    const { path, key } = buildLog(2, undefined, dir, `grown-${counter++}.jsonl`);
    const log = openLog(path);
    const signer = createSigner(key, { head: log.head().chain });
    appendFileSync(path, "{}\n");
    const before = readFileSync(path);
    let thrown: unknown;
    try {
      authorize(fakePolicy(), ADMIN_OK, { signer, lineage: log });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(LineageError);
    expect((thrown as LineageError).code).toBe("locked");
    expect(readFileSync(path).equals(before)).toBe(true);
    log.close();
  });
});

describe("opening where it cannot", () => {
  it("reports a missing directory as an io error, not an exception of another kind", () => {
    const result = tryOpenLog(join(dir, "no", "such", "dir", "log.jsonl"));
    expect(result).toMatchObject({ ok: false, error: { code: "io" } });
    if (!result.ok) expect(result.error.message).toBe(`${join(dir, "no", "such", "dir", "log.jsonl")}: the directory ${join(dir, "no", "such", "dir")} does not exist`);
    expect(() => openLog(join(dir, "no", "such", "dir", "log.jsonl"))).toThrow(LineageError);
  });

  it("reports a directory that is a loop of symbolic links as one (ELOOP), not as a directory that does not exist", () => {
    const loop = join(dir, `loop-${counter++}`);
    symlinkSync(`${loop}-b`, loop);
    symlinkSync(loop, `${loop}-b`);
    expect(tryOpenLog(join(loop, "log.jsonl"))).toMatchObject({
      ok: false,
      error: { code: "io", message: `${join(loop, "log.jsonl")}: too many symbolic links encountered (ELOOP)` },
    });
    // nor one on the way through a file: there is no directory to miss
    const file = join(dir, `file-${counter++}`);
    writeFileSync(file, "");
    expect(tryOpenLog(join(file, "sub", "log.jsonl"))).toMatchObject({
      ok: false,
      error: { code: "io", message: `${join(file, "sub", "log.jsonl")}: not a directory (ENOTDIR)` },
    });
  });
});
