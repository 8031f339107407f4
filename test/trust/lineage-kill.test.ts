// The kill test: real writer processes append to a real log file and are SIGKILLed at random
// moments, some in the middle of large writes, some right after writing half a record. After every
// kill the next writer reopens the log (taking over the dead writer's stale lock, repairing a torn
// tail); at the end the log verifies with the issuer's key and every record a writer acknowledged
// before its death is there, byte for byte the artifact it acknowledged (same jti).

import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { verifyLog } from "../../runtime/trust/lineage-verify.js";
import { openLog } from "../../runtime/trust/lineage.js";
import { statementOf } from "../../runtime/trust/artifact-statement.js";
import { privateKeyFromSeed } from "../../runtime/trust/keys.js";
import { mulberry32 } from "../../bench/prng.js";
import { childCommand } from "../support/child-command.js";

const CHILD = join(import.meta.dirname, "..", "support", "log-writer-child.ts");

let writerCommand: string[] = [];
const ROUNDS_PER_LANE = 30;
const LANES = 2;

type Mode = "fast" | "big" | "torn";

interface Round {
  mode: Mode;
  acks: Map<number, string>;
  /** records in the log when the child had opened it, and what it repaired */
  readyRecords: number;
  repaired: string;
}

// A seeded generator so a failing run can be repeated.
function rng(seed: number): () => number {
  return mulberry32(seed).next;
}

function runChild(log: string, seedHex: string, mode: Mode, killAfterMs: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...writerCommand, log, seedHex, mode, "200000"], { stdio: ["ignore", "pipe", "pipe"] });
    const round: Round = { mode, acks: new Map(), readyRecords: -1, repaired: "" };
    let buffered = "";
    let stderr = "";
    let timer: NodeJS.Timeout | undefined;
    const kill = () => child.kill("SIGKILL");
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const [word, a, b] = line.split(" ");
        if (word === "ready") {
          round.readyRecords = Number(a);
          round.repaired = b ?? "";
          // The kill lands at a random moment of the writing that follows its first acknowledged
          // record (a torn writer is killed once it has torn its record): timed from the first
          // ack, not from opening, so that a slow machine still has every round acknowledge some
          // records before its kill, and the check below that they were all kept means something.
        } else if (word === "ack") {
          if (round.acks.size === 0 && mode !== "torn") timer = setTimeout(kill, killAfterMs);
          round.acks.set(Number(a), b!);
        } else if (word === "torn") kill();
      }
    });
    child.stderr.on("data", (c) => (stderr += String(c)));
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (signal !== "SIGKILL") reject(new Error(`writer exited with ${code ?? signal} before the kill: ${stderr}`));
      else resolve(round);
    });
  });
}

async function lane(dir: string, laneNo: number, seedHex: string): Promise<{ log: string; rounds: Round[] }> {
  const log = join(dir, `lane-${laneNo}.jsonl`);
  const random = rng(0x5eed + laneNo);
  const rounds: Round[] = [];
  for (let r = 0; r < ROUNDS_PER_LANE; r++) {
    const x = random();
    // Every fifth round tears a record by hand, so repair is always exercised; the others tear
    // records only when the kill happens to land inside a large write.
    const mode: Mode = r % 5 === 2 ? "torn" : x < 0.45 ? "big" : "fast";
    rounds.push(await runChild(log, seedHex, mode, Math.floor(random() * 40)));
  }
  return { log, rounds };
}

describe("lineage log under SIGKILL", () => {
  it("keeps every acknowledged record and repairs torn tails across 50+ kills", async () => {
    const dir = mkdtempSync(join(tmpdir(), "writ-kill-"));
    try {
      writerCommand = await childCommand(CHILD, dir);
      const seed = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);
      const seedHex = Buffer.from(seed).toString("hex");
      const key = privateKeyFromSeed(seed);
      const lanes = await Promise.all(Array.from({ length: LANES }, (_, i) => lane(dir, i, seedHex)));

      let kills = 0;
      let repairs = 0;
      let acked = 0;
      let tornRounds = 0;
      for (const [laneNo, { log, rounds }] of lanes.entries()) {
        kills += rounds.length;
        tornRounds += rounds.filter((r) => r.mode === "torn").length;
        // Each writer found at least every record acknowledged before it (nothing acknowledged is lost
        // by a later repair either: checked against the final file below).
        let maxAcked = -1;
        for (const round of rounds) {
          expect(round.readyRecords).toBeGreaterThan(maxAcked);
          for (const seq of round.acks.keys()) maxAcked = Math.max(maxAcked, seq);
          if (round.repaired !== "-") repairs++;
        }
        // After every torn round, the next writer repaired it.
        for (let r = 0; r + 1 < rounds.length; r++) if (rounds[r]!.mode === "torn") expect(rounds[r + 1]!.repaired).not.toBe("-");

        // The last writer was killed too: open once more (repairs, takes the stale lock over).
        const reopened = openLog(log);
        if (reopened.repaired) repairs++;
        reopened.close();
        expect(existsSync(`${log}.lock`)).toBe(false);

        const result = verifyLog(log, { trustedKeys: [key.publicKey] });
        expect(result).toMatchObject({ ok: true, signatures: "verified" });
        if (!result.ok) continue;
        const lines = readFileSync(log, "utf8").trimEnd().split("\n");
        expect(lines.length).toBe(result.records);
        for (const round of rounds) {
          for (const [seq, jti] of round.acks) {
            const st = statementOf(JSON.parse(lines[seq]!).artifact);
            expect(st.ok && st.statement.jti).toBe(jti);
            acked++;
          }
        }
        // Torn bytes were kept aside, not silently dropped.
        const tornFiles = readdirSync(dir).filter((f) => f.startsWith(`lane-${laneNo}.jsonl.torn-`));
        expect(tornFiles.length).toBeGreaterThanOrEqual(rounds.filter((r) => r.mode === "torn").length);
      }
      expect(kills).toBeGreaterThanOrEqual(50);
      expect(repairs).toBeGreaterThanOrEqual(LANES * Math.floor(ROUNDS_PER_LANE / 5));
      // every round that was not torn by hand acknowledged at least one record before its kill
      expect(acked).toBeGreaterThanOrEqual(kills - tornRounds);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
