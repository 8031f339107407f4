// The lineage log gathers its records' bytes in one buffer, writing a batched artifact just issued
// from the pieces it was built of rather than from its text. Those bytes must be exactly the UTF-8
// of each record's line (encodeRecord) and a newline — for any text, across the buffer's growth —
// or the log would hold records its own reader calls rewritten.

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { batchedArtifactMiddle, batchedArtifactTail, batchedArtifactText, type BatchedArtifactPieces } from "../../runtime/trust/batch-artifact.js";
import { createBatchAuthorizer } from "../../runtime/trust/batch.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { openLog } from "../../runtime/trust/lineage.js";
import { encodeRecord } from "../../runtime/trust/lineage-record.js";
import { verifyLog } from "../../runtime/trust/lineage-verify.js";
import { RecordBytes, withRecordBytes } from "../../runtime/trust/record-bytes.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { fakePolicy } from "./fake-policy.js";
import { readLines, readRecord } from "./lineage-fixtures.js";
import { tempDir } from "../support/temp-dir.js";

const dir = tempDir("lineage");

// any UTF-16 text, lone surrogates included (both sides encode them as U+FFFD)
const text = fc.string({ unit: "binary", maxLength: 40 });
// long enough that a few of them outgrow the buffer's first 64 KiB
const bigText = fc.string({ unit: "binary", minLength: 1, maxLength: 8 }).map((s) => s.repeat(Math.ceil(25_000 / s.length)));
const pieces = (tail: string) =>
  fc.record({ statement: fc.oneof(text, bigText), index: fc.nat(), path: text }).map(
    ({ statement, index, path }): BatchedArtifactPieces => ({ statement, middle: batchedArtifactMiddle(index, path), tail }),
  );
const heads = ["eyJhbGciOiJFZERTQSJ9.eyJ2IjoxfQ.c2ln", "другая «голова» 🔑", "\ud800 lone"];
const record = fc.oneof(
  fc.record({ kind: fc.constant("line" as const), line: fc.oneof(text, bigText) }),
  fc.record({ kind: fc.constant("batched" as const), open: text, pieces: fc.constantFrom(...heads).chain((h) => pieces(batchedArtifactTail(h))) }),
);

describe("RecordBytes", () => {
  it("holds exactly the UTF-8 of each line and its newline, a batched record as its pieces' text (property)", () => {
    const out = new RecordBytes();
    fc.assert(
      fc.property(fc.array(record, { maxLength: 12 }), (records) => {
        out.clear();
        let expected = "";
        for (const r of records) {
          if (r.kind === "line") {
            out.addLine(r.line);
            expected += `${r.line}\n`;
          } else {
            out.addBatched(r.open, r.pieces);
            expected += `${r.open}${batchedArtifactText(r.pieces)}}\n`;
          }
        }
        const want = Buffer.from(expected, "utf8");
        expect(out.length).toBe(want.length);
        expect(out.bytes().equals(want)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("hands an append made inside another its own buffer", () => {
    const outer = withRecordBytes((a) => {
      a.addLine("outer");
      const inner = withRecordBytes((b) => {
        expect(b).not.toBe(a);
        b.addLine("inner");
        return b.bytes().toString();
      });
      return `${a.bytes().toString()}|${inner}`;
    });
    expect(outer).toBe("outer\n|inner\n");
  });
});

describe("a log of batches whose statements are not ASCII", () => {
  it("holds each record as encodeRecord writes it, and verifies", () => {
    const key = generateKeyPair();
    const policy = fakePolicy({
      name: "zahlungen-ü",
      decide: () => ({ decision: "deny", rules: [], errors: [{ rule: null, code: "invalid_request", message: "principal.rôle: ключ 🔑 \u2028", path: "principal.rôle" }] }),
    });
    const path = join(dir, "unicode.jsonl");
    const log = openLog(path, { fsync: "never" });
    const batcher = createBatchAuthorizer({ signer: createSigner(key), maxBatch: 3, lineage: log });
    batcher.authorizeBatch(policy, [{ amount: 1 }, { amount: 2 }, { amount: 3 }, { amount: 4 }]);
    log.close();
    const lines = readLines(path);
    expect(lines).toHaveLength(4);
    expect(readFileSync(path, "utf8")).toContain("ключ 🔑");
    for (const line of lines) expect(encodeRecord(readRecord(line))).toBe(line);
    expect(verifyLog(path, { trustedKeys: [key.publicKey] }).ok).toBe(true);
  });
});
