// Property: whatever single change is made to a log — a statement edited, records removed, a record
// duplicated somewhere, two records swapped, a record moved — verifyLog (with the issuer's key) names
// exactly the first record that changed and what happened to it. fast-check draws the change.

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { join } from "node:path";
import { verifyLog } from "../../runtime/trust/lineage-verify.js";
import { applyChange, buildLog, byteChange, editStatement, logChange, rechain, writeLines } from "./lineage-fixtures.js";

const N = 10;
const base = buildLog(N);
const trustedKeys = [base.key.publicKey];
let counter = 0;

describe("verifyLog names the first changed record (property)", () => {
  it.each([false, true])("for any single change (record chain recomputed: %s)", (recompute) => {
    fc.assert(
      fc.property(logChange(N), (c) => {
        const { lines, index, kind } = applyChange(base.lines, c, (line, at) => ({
          line: editStatement(line, (s) => (s.rules = ["forged"])),
          kind: at === N - 1 ? "bad_signature" : "edited",
        }));
        // Recomputing the record chain changes nothing an edit did to a signed statement: skip edits there
        // (their only trace is then the signature, which the example tests cover).
        fc.pre(!(recompute && c.op === "edit"));
        const path = writeLines(join(base.dir, `p-${counter++}.jsonl`), recompute ? rechain(lines) : lines);
        const result = verifyLog(path, { trustedKeys });
        expect(result.ok ? "ok" : `${result.index} ${result.kind}`).toBe(`${index} ${kind}`);
      }),
      { numRuns: 150, seed: 20261128 },
    );
  });
});

describe("verifyLog names the record where any one byte changed (property)", () => {
  it("whatever the byte and whatever it becomes", () => {
    const head = verifyLog(base.path);
    if (!head.ok || !head.head.digests) throw new Error("base log must verify");
    const expectHead = { seq: head.head.seq, ...head.head.digests };
    fc.assert(
      fc.property(byteChange(base.lines), ({ k, lines }) => {
        const path = writeLines(join(base.dir, `b-${counter++}.jsonl`), lines);
        const result = verifyLog(path, { trustedKeys, expectHead });
        expect(result.ok ? "ok" : result.index).toBe(k);
      }),
      { numRuns: 300, seed: 1128 },
    );
  });
});
