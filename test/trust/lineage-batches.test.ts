// Batches in the lineage log: the statements of a batch share one link (to the signed artifact before
// the batch) and the batch's signed tree head orders and commits to them. verifyLog must still name
// the first bad record of a log of batches — a changed statement, a removed, swapped or added
// record, a batch cut short at the end — with the record chain recomputed as anyone can, with and
// without the issuer's key; and the writer must refuse a statement that leaves its batch's link.

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { authorize } from "../../runtime/trust/authorize.js";
import { createBatchAuthorizer } from "../../runtime/trust/batch.js";
import { batchPlaceOf, parseBatchedArtifact, signTreeHead, verifyBatchedArtifact } from "../../runtime/trust/batch-artifact.js";
import { canonicalize } from "../../runtime/trust/jcs.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { LineageError, openLog } from "../../runtime/trust/lineage.js";
import { encodeRecord, withIssuedArtifact, withIssuedPlaces, type IssuedPlace } from "../../runtime/trust/lineage-record.js";
import { verifyLog, type LogVerification } from "../../runtime/trust/lineage-verify.js";
import { artifactDigests, createSigner } from "../../runtime/trust/signer.js";
import type { Statement } from "../../runtime/trust/types.js";
import { fakePolicy } from "./fake-policy.js";
import { applyChange, byteChange, editStatement, logChange, movedTo, readLines, readRecord, rechain, REQUESTS, writeLines } from "./lineage-fixtures.js";
import { tempDir } from "../support/temp-dir.js";

const key = generateKeyPair();
const trustedKeys = [key.publicKey];
const policy = fakePolicy();
const dir = tempDir("lineage");

/** Two single artifacts, then batches of 4, 4 and 3 (records 2–5, 6–9, 10–12). */
function buildBatchedLog(name: string): string[] {
  const path = join(dir, name);
  const log = openLog(path, { fsync: "never" });
  const signer = createSigner(key, { head: log.head().chain });
  for (let i = 0; i < 2; i++) authorize(policy, REQUESTS[i], { signer, lineage: log });
  const batcher = createBatchAuthorizer({ signer, maxBatch: 4, lineage: log });
  batcher.authorizeBatch(policy, Array.from({ length: 11 }, (_, i) => REQUESTS[i % 3]));
  log.close();
  return readLines(path);
}

const L = buildBatchedLog("batched.jsonl");
let counter = 0;
function verifyLines(lines: readonly string[], withKeys: boolean): LogVerification {
  const path = writeLines(join(dir, `case-${counter++}.jsonl`), lines);
  return verifyLog(path, withKeys ? { trustedKeys } : {});
}
function expectFault(result: LogVerification, index: number, kind: string): void {
  expect(result.ok ? "ok" : `${result.index} ${result.kind}`).toBe(`${index} ${kind}`);
}

/** The batched artifact of a line, parsed, and the line rebuilt from a changed one. */
const artifactOf = (line: string) => JSON.parse(readRecord(line).artifact);
function withArtifact(line: string, change: (a: { statement: Record<string, unknown>; index: number }) => void): string {
  const r = readRecord(line);
  const a = artifactOf(line);
  change(a);
  // the issuer's serialisation: the statement canonical, the envelope in its fixed order
  const artifact = `{"typ":"${a.typ}","statement":${canonicalize(a.statement)},"index":${a.index},"path":[${(a.path as string[]).map((h) => `"${h}"`).join(",")}],"head":"${a.head}"}`;
  return encodeRecord({ seq: r.seq, prev: r.prev, artifact });
}

describe("a log of batches", () => {
  it("verifies, with each batch sharing one link and the next batch linking to its head", () => {
    expect(verifyLines(L, true)).toMatchObject({ ok: true, records: 13, batched: 11, firstSeq: 0, lastSeq: 12 });
    expect(verifyLines(L, false)).toMatchObject({ ok: true, records: 13 });
    const links = L.slice(2).map((l) => JSON.stringify(artifactOf(l).statement.lineage.prev));
    expect(new Set(links.slice(0, 4)).size).toBe(1);
    expect(new Set(links.slice(4, 8)).size).toBe(1);
    expect(new Set(links).size).toBe(3);
  });

  describe.each([false, true])("with the record chain recomputed (trusted keys: %s)", (withKeys) => {
    it("a statement changed inside a batch: its proof no longer reaches the head's root", () => {
      const lines = [...L];
      lines[7] = withArtifact(lines[7]!, (a) => {
        a.statement.decision = a.statement.decision === "allow" ? "deny" : "allow";
      });
      expectFault(verifyLines(rechain(lines), withKeys), 7, "edited");
    });

    it("a record removed from the middle of a batch", () => {
      const lines = [...L];
      lines.splice(7, 1);
      expectFault(verifyLines(rechain(lines), withKeys), 7, "removed");
    });

    it("a whole batch removed", () => {
      const lines = [...L];
      lines.splice(6, 4);
      expectFault(verifyLines(rechain(lines), withKeys), 6, "removed");
    });

    it("two records of a batch swapped", () => {
      const lines = [...L];
      [lines[3], lines[4]] = [lines[4]!, lines[3]!];
      expectFault(verifyLines(rechain(lines), withKeys), 3, "reordered");
    });

    it("the last batch cut short: the log ends inside it", () => {
      for (const keep of [11, 12]) expectFault(verifyLines(rechain(L.slice(0, keep)), withKeys), keep, "truncated");
      // cut at a batch boundary, only a checkpoint tells (as for single artifacts)
      expect(verifyLines(rechain(L.slice(0, 10)), withKeys).ok).toBe(true);
    });

    it("a record of another batch of the same seq, from another log", () => {
      const other = buildBatchedLog(`other-${withKeys}.jsonl`);
      const lines = [...L];
      lines[8] = other[8]!;
      const result = verifyLines(rechain(lines), withKeys);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.index).toBe(8);
    });
  });

  it("the last batch re-signed by another key: keyless it holds, with keys its signer is not the statements' issuer", () => {
    // the same tree (root and size) over the same statements, its head signed by key B: every proof
    // and link still holds, and the last batch has no successor to break
    const other = generateKeyPair();
    const payload = (artifactOf(L[10]!).head as string).split(".")[1]!;
    const head = { ...JSON.parse(Buffer.from(payload, "base64url").toString("utf8")), iss: other.keyId };
    const resigned = signTreeHead(head, createSigner(other));
    const lines = rechain(L.map((line, i) => (i < 10 ? line : withArtifact(line, (a) => void ((a as unknown as { head: string }).head = resigned)))));
    expect(verifyLines(lines, false)).toMatchObject({ ok: true, records: 13 });
    const both = verifyLog(writeLines(join(dir, `case-${counter++}.jsonl`), lines), { trustedKeys: [key.publicKey, other.publicKey] });
    expect(both).toMatchObject({ ok: false, index: 10, kind: "bad_signature", reason: expect.stringMatching(/issuer_mismatch/) });
    expect(verifyLines(lines, true)).toMatchObject({ ok: false, index: 10, kind: "bad_signature", reason: expect.stringMatching(/unknown_key/) });
  });

  it("a batched artifact whose index was changed within its tree, in the batch that begins the chain, is edited: its proof fails, not its untouched lineage", () => {
    // in the batch that begins a chain, `prev` is null exactly because seq equals the leaf index: any
    // other index breaks that rule, but it is the index that was changed, and the proof shows it
    const log = join(dir, "genesis.jsonl");
    const opened = openLog(log, { fsync: "never" });
    createBatchAuthorizer({ signer: createSigner(key), maxBatch: 3, lineage: opened }).authorizeBatch(policy, [...REQUESTS, REQUESTS[0]]);
    opened.close();
    const lines = readLines(log);
    // every leaf of the first batch moved to every other leaf of its tree (the one just before its
    // own too, which the leaf it displaced seems to precede)
    for (let at = 0; at < 3; at++) {
      for (const index of [0, 1, 2].filter((i) => i !== at)) {
        const changed = [...lines];
        changed[at] = withArtifact(lines[at]!, (a) => void (a.index = index));
        expect(verifyBatchedArtifact(readRecord(changed[at]!).artifact, { trustedKeys }), `record ${at}, index ${index}`).toEqual({
          ok: false,
          code: "bad_proof",
          message: `the statement is not leaf ${index} of the signed tree of size 3`,
        });
        for (const withKeys of [false, true]) {
          const result = verifyLines(changed, withKeys);
          expect(result, `record ${at}, index ${index}, keys ${withKeys}`).toMatchObject({
            ok: false,
            index: at,
            kind: "edited",
            reason: `record ${at}'s statement is not leaf ${index} of the tree its batch head states: it was changed`,
          });
        }
      }
    }
  });
});

describe("a batched artifact moved to another leaf of its tree, in a later batch", () => {
  // records 2–5, 6–9 (batches of 4) and 10–12 (of 3): each leaf moved to each other leaf, the one just
  // before its own included, where the moved leaf seems to continue the record before the one it
  // follows, which then seems to be one added: its proof, not folding at its new index, says otherwise
  const batches = [
    { first: 2, size: 4 },
    { first: 6, size: 4 },
    { first: 10, size: 3 },
  ];
  const moves = batches.flatMap(({ first, size }) =>
    Array.from({ length: size }, (_, leaf) => Array.from({ length: size }, (_, index) => ({ at: first + leaf, index })).filter(({ index }) => index !== leaf)).flat(),
  );
  it.each([false, true])("is edited at its own index (record chain recomputed: %s)", (recompute) => {
    for (const { at, index } of moves) {
      const lines = [...L];
      lines[at] = withArtifact(lines[at]!, (a) => void (a.index = index));
      for (const withKeys of [false, true]) {
        expect(verifyLines(recompute ? rechain(lines) : lines, withKeys), `record ${at} to leaf ${index}, keys ${withKeys}`).toMatchObject({
          ok: false,
          index: at,
          kind: "edited",
          reason: `record ${at}'s statement is not leaf ${index} of the tree its batch head states: it was changed`,
        });
      }
    }
  });
});

describe("verifyLog on a log of batches names the first changed record (property)", () => {
  const N = L.length;
  it.each([false, true])("for any single change (record chain recomputed: %s)", (recompute) => {
    fc.assert(
      fc.property(logChange(N), (c) => {
        // records 0 and 1 are JWS artifacts, 2–12 batched: an edited batched statement fails its proof
        const { lines, index, kind } = applyChange(L, c, (line, at) => ({
          line: at < 2 ? editStatement(line, (st) => (st.rules = ["forged"])) : withArtifact(line, (a) => void (a.statement.rules = ["forged"])),
          kind: "edited",
        }));
        // an edited JWS statement with the record chain recomputed shows only in its signature
        fc.pre(!(recompute && c.op === "edit" && c.at < 2));
        const result = verifyLines(recompute ? rechain(lines) : lines, true);
        expect(result.ok ? "ok" : `${result.index} ${result.kind}`).toBe(`${index} ${kind}`);
      }),
      { numRuns: 150, seed: 20261129 },
    );
  });

  it("a byte changed anywhere in record k is reported at k", () => {
    const head = verifyLines(L, false);
    if (!head.ok || !head.head.digests) throw new Error("the log must verify");
    const expectHead = { seq: head.head.seq, ...head.head.digests };
    fc.assert(
      fc.property(byteChange(L), ({ k, lines }) => {
        const path = writeLines(join(dir, `byte-${counter++}.jsonl`), lines);
        const result = verifyLog(path, { trustedKeys, expectHead });
        expect(result.ok ? "ok" : result.index).toBe(k);
      }),
      { numRuns: 300, seed: 1129 },
    );
  });
});

describe("the log writer and batches", () => {
  /** the entries `count` consecutive batches of `size` would be recorded with, captured instead of recorded */
  function captureBatches(size: number, count = 1): { artifact: string; statement: Statement }[][] {
    const captured: { artifact: string; statement: Statement }[][] = [];
    const sink = { appendMany: (entries: readonly { artifact: string; statement: Statement }[]) => void captured.push([...entries]) };
    createBatchAuthorizer({ signer: createSigner(key), maxBatch: size, lineage: sink }).authorizeBatch(policy, Array.from({ length: size * count }, (_, i) => REQUESTS[i % 3]));
    return captured;
  }

  /** opening `lines` (written to a file) is refused as `corrupt` at `index`, the reason matching `why`, and the file is left as it is */
  function expectRefused(name: string, lines: readonly string[], index: number, why: RegExp): void {
    const path = writeLines(join(dir, name), lines);
    const before = readFileSync(path);
    let thrown: unknown;
    try {
      openLog(path, { fsync: "never" }).close();
    } catch (e) {
      thrown = e;
    }
    expect(thrown, name).toBeInstanceOf(LineageError);
    expect(thrown, name).toMatchObject({ code: "corrupt", index, message: expect.stringMatching(why) });
    expect(readFileSync(path).equals(before), name).toBe(true);
    expect(readdirSync(dir).filter((f) => f.startsWith(`${name}.torn-`)), name).toEqual([]);
  }

  it("refuses, and leaves as it is, a log ending in a batch whose first leaves are not there (no crash leaves that)", () => {
    // whole records 0–5, then leaves 1 and 2 of the batch of records 6–9 without its leaf 0, the
    // chain recomputed: cutting "the unfinished batch" back to its leaf 0 would take record 5, of
    // another batch, with it (and then the rest of that batch, unfinished in turn)
    expectRefused("foreign-leaves.jsonl", rechain([...L.slice(0, 6), L[7]!, L[8]!]), 6, /record 6 holds statement seq 7 after statement seq 5/);
    // the first leaves alone, as a crash leaves them: cut (and kept aside), the rest stays
    const torn = writeLines(join(dir, "first-leaves.jsonl"), L.slice(0, 8));
    const log = openLog(torn, { fsync: "never" });
    expect(log.repaired).toMatchObject({ records: 2, batchSize: 4 });
    expect(log.head().records).toBe(6);
    log.close();
  });

  it("refuses a batch cut short in the middle of the log, followed by the first leaves of the next (the record chain recomputed)", () => {
    // …, the batch of records 2–5, leaf 0 of the batch of 6–9 alone, then leaves 0 and 1 of the
    // batch of 10–12: a write that lost its end and then another, which no crash leaves; the last
    // two records are not one write cut short, and moving them (and leaf 0 before them) aside would
    // hide what was removed
    const lines = rechain([...L.slice(0, 7), L[10]!, L[11]!]);
    expectFault(verifyLines(lines, true), 7, "removed");
    expectRefused("cut-in-the-middle.jsonl", lines, 7, /record 7 holds statement seq 10 after statement seq 6/);
  });

  describe("refuses first leaves of a batch that does not continue the log, which no crash leaves", () => {
    const other = generateKeyPair();
    /** records 0–9, then the first `leaves` leaves of a batch of `size` issued by `signer`, the record chain recomputed */
    function batchAfterB(signer: ReturnType<typeof createSigner>, size: number, leaves: number): string[] {
      const captured: { artifact: string; statement: Statement }[] = [];
      const sink = { appendMany: (entries: readonly { artifact: string; statement: Statement }[]) => void captured.push(...entries) };
      createBatchAuthorizer({ signer, maxBatch: size, lineage: sink }).authorizeBatch(policy, Array.from({ length: size }, (_, i) => REQUESTS[i % 3]));
      return rechain([...L.slice(0, 10), ...captured.slice(0, leaves).map(({ artifact }) => encodeRecord({ seq: 0, prev: null, artifact }))]);
    }

    it("a batch of the same issuer that skips the batch before it (C after A, B missing)", () => {
      expectRefused("skips-b.jsonl", rechain([...L.slice(0, 6), L[10]!, L[11]!]), 6, /record 6 holds statement seq 10 after statement seq 5/);
    });

    it("another chain's batch, from its start", () => {
      expectRefused("other-chain.jsonl", batchAfterB(createSigner(other), 3, 2), 10, /record 10 holds statement seq 0 after statement seq 9/);
    });

    it.each([2, 5])("a batch whose seq continues the log but whose leaf 0 links to another artifact (%i leaves of 8)", (leaves) => {
      // signed with the log's own key: only the link tells it from the batch that followed record 9
      const elsewhere = { seq: 10, prev: readRecord(L[1]!).prev! };
      expectRefused(`other-link-${leaves}.jsonl`, batchAfterB(createSigner(key, { head: elsewhere }), 8, leaves), 10, /record 10 holds a statement that does not link to the previous artifact/);
    });

    it("while the batch that does continue it, cut short, is moved aside: exactly its leaves", () => {
      const head = { seq: 10, prev: artifactDigests(JSON.parse(readRecord(L[9]!).artifact).head as string) };
      const lines = batchAfterB(createSigner(key, { head }), 8, 5);
      const path = writeLines(join(dir, "continues.jsonl"), lines);
      const log = openLog(path, { fsync: "never" });
      expect(log.repaired).toMatchObject({ index: 10, records: 5, batchSize: 8, torn: false });
      expect(readLines(movedTo(log.repaired))).toEqual(lines.slice(10));
      expect(log.head()).toMatchObject({ records: 10, chain: { seq: 10 } });
      log.close();
      expect(readLines(path)).toEqual(L.slice(0, 10));
    });
  });

  it("starts a log only at a batch's first leaf", () => {
    const [entries] = captureBatches(4) as [{ artifact: string; statement: Statement }[]];
    const log = openLog(join(dir, "starts.jsonl"), { fsync: "never" });
    expect(() => log.appendMany(entries.slice(1))).toThrow(/a log starts at the first leaf of a batch, not at leaf 1/);
    expect(log.head().records).toBe(0);
    log.appendMany(entries);
    expect(log.head().records).toBe(4);
    log.close();
  });

  it("refuses a batch in pieces, writing nothing (open would move the first piece aside as a write cut short), and takes it whole", () => {
    const [entries, next] = captureBatches(4, 2) as [{ artifact: string; statement: Statement }[], { artifact: string; statement: Statement }[]];
    const path = join(dir, "pieces.jsonl");
    const log = openLog(path); // fsync "always": each append acknowledged on disk
    const refused = (append: () => void): string => {
      try {
        append();
        return "appended";
      } catch (e) {
        return e instanceof LineageError ? `${e.code}: ${e.message}` : `not a LineageError: ${String(e)}`;
      }
    };
    expect(refused(() => log.append(entries[0]!.artifact, entries[0]!.statement))).toMatch(/^incomplete_batch: .* the entries end at leaf 0 of a batch of 4, not at its last leaf: .*nothing was recorded$/);
    expect(refused(() => log.appendMany(entries.slice(0, 3)))).toMatch(/^incomplete_batch: .* leaf 2 of a batch of 4/);
    // a whole batch and the first leaves of the next one: the write as a whole is refused
    expect(refused(() => log.appendMany([...entries, ...next.slice(0, 2)]))).toMatch(/^incomplete_batch: .* leaf 1 of a batch of 4/);
    expect(log.head().records).toBe(0);
    expect(readFileSync(path).length).toBe(0);
    log.appendMany(entries);
    log.appendMany(next);
    expect(log.head().records).toBe(8);
    log.close();
    // everything acknowledged is still there when the log reopens
    const reopened = openLog(path);
    expect(reopened.repaired).toBeNull();
    expect(reopened.head().records).toBe(8);
    reopened.close();
    expect(verifyLog(path, { trustedKeys })).toMatchObject({ ok: true, records: 8, batched: 8 });
  });

  it("refuses a batched artifact whose statement was changed after issue (its proof no longer folds), writing nothing", () => {
    const [[issued]] = captureBatches(1) as [[{ artifact: string; statement: Statement }]];
    // a deny turned into an allow: artifact and statement agree, but the leaf is no longer the tree's
    const statement = { ...issued!.statement, decision: issued!.statement.decision === "allow" ? "deny" : "allow" } as Statement;
    const artifact = issued!.artifact.replace(/"statement":\{.*?\},"index"/, `"statement":${canonicalize(statement)},"index"`);
    expect(artifact).not.toBe(issued!.artifact);
    expect(verifyBatchedArtifact(artifact, { trustedKeys })).toMatchObject({ ok: false, code: "bad_proof" });
    const path = join(dir, "changed-leaf.jsonl");
    const log = openLog(path, { fsync: "never" });
    let thrown: unknown;
    try {
      log.append(artifact, statement);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(LineageError);
    expect((thrown as LineageError).code).toBe("chain_break");
    expect((thrown as Error).message).toMatch(/does not fold through its proof to the root its batch head states.*nothing was recorded$/);
    expect(log.head().records).toBe(0);
    log.append(issued!.artifact, issued!.statement); // the artifact as issued goes in
    log.close();
    expect(verifyLog(path, { trustedKeys })).toMatchObject({ ok: true, records: 1 });
  });

  it("refuses to open a log holding a batched statement changed after issue, with the record chain recomputed, and leaves it as it is", () => {
    const flip = (a: { statement: Record<string, unknown> }) => {
      a.statement.decision = a.statement.decision === "allow" ? "deny" : "allow";
    };
    // record 3 is read by its envelope only, record 12 (the last) in full
    for (const index of [3, 12]) {
      const lines = [...L];
      lines[index] = withArtifact(lines[index]!, flip);
      const path = writeLines(join(dir, `changed-${index}.jsonl`), rechain(lines));
      const before = readFileSync(path);
      expectFault(verifyLog(path), index, "edited");
      let thrown: unknown;
      try {
        openLog(path, { fsync: "never" }).close();
      } catch (e) {
        thrown = e;
      }
      expect(thrown, `record ${index}`).toBeInstanceOf(LineageError);
      expect(thrown, `record ${index}`).toMatchObject({ code: "corrupt", index });
      expect((thrown as Error).message).toMatch(new RegExp(`record ${index} holds a batched statement that does not fold`));
      expect(readFileSync(path).equals(before)).toBe(true);
    }
  });

  describe("refuses, writing nothing", () => {
    const [a, b, c] = captureBatches(4, 3) as [{ artifact: string; statement: Statement }[], { artifact: string; statement: Statement }[], { artifact: string; statement: Statement }[]];
    const path = join(dir, "refusals.jsonl");
    const refusal = (log: ReturnType<typeof openLog>, entries: { artifact: string; statement: Statement }[]): string => {
      try {
        log.appendMany(entries);
        return "appended";
      } catch (e) {
        return e instanceof LineageError && e.code === "chain_break" ? e.message : `not a chain_break: ${String(e)}`;
      }
    };
    // The writer reads a place from the artifact it is handed, and folds its proof as verifyLog does.
    const reindexed = (entry: { artifact: string; statement: Statement }, index: number) => ({
      artifact: entry.artifact.replace(/,"index":\d+,/, `,"index":${index},`),
      statement: entry.statement,
    });

    it("a statement whose link differs from the rest of its batch, leaves out of order, a batch left unfinished or started after its first leaf", () => {
      const log = openLog(path, { fsync: "never" });
      log.appendMany(a);
      // (a batch is appended whole: each refused entry follows the first two leaves of batch b in
      // the same appendMany, and what follows it there is never reached)
      const afterTwo = (entry: { artifact: string; statement: Statement }) => [...b.slice(0, 2), entry, ...b.slice(3)];
      const forged = { ...b[2]!, statement: JSON.parse(JSON.stringify(b[2]!.statement)) as Statement };
      (forged.statement.lineage as { prev: unknown }).prev = { sha3_512: "0".repeat(128), blake2b_512: "0".repeat(128) };
      // A statement handed with an artifact that does not carry it is refused before the chain is
      // looked at; the chain's own checks are for pairs a signer issued together, as these are taken
      // to be here (withIssuedArtifact: what authorize tells the log).
      expect(refusal(log, afterTwo(forged))).toMatch(/does not carry the statement handed with it/);
      const asIssued = (entry: { artifact: string; statement: Statement }, entries = [entry]) => withIssuedArtifact(entry.artifact, entry.statement, () => refusal(log, entries));
      expect(asIssued(forged, afterTwo(forged))).toMatch(/link differs from the rest of its batch/);
      // leaves out of order: a later leaf holds a later seq; a place the authorizer hands over is checked too
      expect(refusal(log, afterTwo(b[3]!))).toMatch(/holds seq \d+/);
      const parsed = parseBatchedArtifact(b[2]!.artifact);
      const place = parsed.ok ? batchPlaceOf(parsed) : parsed;
      if (!place.ok) throw new Error(place.reason);
      const misplaced = afterTwo(b[2]!);
      const places = [undefined, undefined, { artifact: b[2]!.artifact, handed: b[2]!.statement, statement: b[2]!.statement, place: { ...place.place, index: 3 } }] as unknown as IssuedPlace[];
      expect(withIssuedPlaces(misplaced, places, () => refusal(log, misplaced))).toMatch(/is leaf 3 of its batch, after leaf 1/);
      // moved to another place of its tree, its statement no longer folds to the root
      expect(refusal(log, afterTwo(reindexed(b[2]!, 3)))).toMatch(/does not fold through its proof to the root its batch head states/);
      // the next batch's first leaf, stated as continuing the chain here: this batch is not finished
      const early = { artifact: c[0]!.artifact, statement: { ...c[0]!.statement, lineage: { ...b[2]!.statement.lineage } } as Statement };
      expect(refusal(log, afterTwo(early))).toMatch(/does not carry the statement handed with it/);
      expect(asIssued(early, afterTwo(early))).toMatch(/follows leaf 1 of a batch of 4: the rest of that batch is missing/);
      expect(log.head().records).toBe(4);
      log.appendMany(b); // the genuine batch still goes in
      const late = { artifact: c[1]!.artifact, statement: { ...c[1]!.statement, lineage: { ...c[0]!.statement.lineage } } as Statement };
      expect(asIssued(late)).toMatch(/starts its batch at leaf 1, not 0/);
      log.appendMany(c);
      log.close();
      expect(verifyLog(path, { trustedKeys })).toMatchObject({ ok: true, records: 12, batched: 12 });
    });
  });
});
