// Builds real lineage logs for the lineage tests: real keys, real signed artifacts from `authorize`,
// real files in a temporary directory; plus the edits an attacker (or a disk) would make to them.

import fc from "fast-check";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { authorize } from "../../runtime/trust/authorize.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { openLog, type LogRepair } from "../../runtime/trust/lineage.js";
import { encodeRecord, parseRecordEnvelope, type LineageRecord } from "../../runtime/trust/lineage-record.js";
import { createSigner } from "../../runtime/trust/signer.js";
import type { PrivateKey } from "../../runtime/trust/types.js";
import { ADMIN_OK, TOO_MUCH, USER_DENIED, fakePolicy } from "./fake-policy.js";
import { tempDir } from "../support/temp-dir.js";

export const REQUESTS = [ADMIN_OK, USER_DENIED, TOO_MUCH];

export interface BuiltLog {
  readonly dir: string;
  readonly path: string;
  readonly key: PrivateKey;
  readonly lines: string[];
}

/** A log of `n` records, request i being REQUESTS[i % 3] (allow, deny, deny). */
export function buildLog(n: number, key: PrivateKey = generateKeyPair(), dir = tempDir("lineage"), name = "audit.jsonl"): BuiltLog {
  const path = join(dir, name);
  const log = openLog(path, { fsync: "never" });
  const signer = createSigner(key, { head: log.head().chain });
  const policy = fakePolicy();
  for (let i = 0; i < n; i++) authorize(policy, REQUESTS[i % REQUESTS.length], { signer, lineage: log });
  log.close();
  return { dir, path, key, lines: readLines(path) };
}

/** A disk sector: what a lost write zeroes, at a multiple of it in the file (lineage-tail.ts). */
export const SECTOR = 512;

/**
 * `line` and its newline as a lost write leaves them at offset `at` of the file: the sectors holding
 * the line's bytes at `lost` (offsets in the line) read back as zeros, as far as they hold the line
 * (the bytes before it, in the first one, were written earlier). The sector holding the newline is
 * written: a file whose last sector was lost ends without it, a torn tail.
 */
export function lostWrite(line: string, at: number, lost: readonly number[]): Buffer {
  const bytes = Buffer.from(line + "\n");
  for (const offset of lost) {
    const start = Math.floor((at + offset) / SECTOR) * SECTOR;
    bytes.fill(0, Math.max(start - at, 0), Math.min(start + SECTOR - at, bytes.length));
  }
  if (bytes[bytes.length - 1] !== 0x0a) throw new Error("the sector holding the newline was lost: a torn tail, not a lost write");
  return bytes;
}

/** Where open saved what it moved aside; throws when it moved nothing (no repair, or a newline written). */
export function movedTo(repair: LogRepair | null): string {
  if (repair === null || repair.kind !== "moved") throw new Error(`open moved nothing aside: ${JSON.stringify(repair)}`);
  return repair.savedTo;
}

export function readLines(path: string): string[] {
  const text = readFileSync(path, "utf8");
  return text === "" ? [] : text.replace(/\n$/, "").split("\n");
}

export function writeLines(path: string, lines: readonly string[]): string {
  writeFileSync(path, lines.map((l) => l + "\n").join(""));
  return path;
}

/** The record a line holds, the artifact as text (a JWS string, or a batched artifact's JSON), unchecked. */
export function readRecord(line: string): LineageRecord {
  const r = JSON.parse(line) as { seq: number; prev: LineageRecord["prev"]; artifact: unknown };
  return { seq: r.seq, prev: r.prev, artifact: typeof r.artifact === "string" ? r.artifact : JSON.stringify(r.artifact) };
}

/** Rewrites the record chain (`seq` = position, `prev` = the previous record's digests) as anyone without a key can. */
export function rechain(lines: readonly string[]): string[] {
  const out: string[] = [];
  let prev: LineageRecord["prev"] = null;
  for (const [i, line] of lines.entries()) {
    const read = parseRecordEnvelope(line);
    if (!read.ok) throw new Error(`line ${i} is not a record: ${read.reason}`);
    out.push(encodeRecord({ seq: i, prev, artifact: read.record.artifact }));
    prev = read.recordDigests;
  }
  return out;
}

/** Changes the statement inside a JWS artifact (its signature no longer matches) and keeps it canonical JSON. */
export function editStatement(line: string, change: (statement: Record<string, unknown>) => void): string {
  const r = readRecord(line);
  const [h, p, s] = r.artifact.split(".") as [string, string, string];
  const statement = JSON.parse(Buffer.from(p, "base64url").toString("utf8"));
  change(statement);
  // Canonical form: sorted keys at every level (the values here are plain JSON).
  const canonical = JSON.stringify(sortKeys(statement));
  const artifact = `${h}.${Buffer.from(canonical).toString("base64url")}.${s}`;
  return encodeRecord({ seq: r.seq, prev: r.prev, artifact });
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  }
  return v;
}

// One change an attacker (or a disk) makes to a log, for the property tests of verifyLog.
export type LogChange =
  | { op: "edit"; at: number }
  | { op: "remove"; at: number; count: number }
  | { op: "duplicate"; from: number; at: number }
  | { op: "swap"; a: number; b: number }
  | { op: "move"; from: number; to: number };

/** Any single change to a log of `n` records (removing the last records is left out: only a checkpoint shows it). */
export function logChange(n: number): fc.Arbitrary<LogChange> {
  return fc.oneof(
    fc.record({ op: fc.constant("edit" as const), at: fc.integer({ min: 0, max: n - 1 }) }),
    fc.integer({ min: 0, max: n - 2 }).chain((at) => fc.record({ op: fc.constant("remove" as const), at: fc.constant(at), count: fc.integer({ min: 1, max: n - 1 - at }) })),
    fc.record({ op: fc.constant("duplicate" as const), from: fc.integer({ min: 0, max: n - 1 }), at: fc.integer({ min: 0, max: n }) }),
    fc.integer({ min: 0, max: n - 2 }).chain((a) => fc.record({ op: fc.constant("swap" as const), a: fc.constant(a), b: fc.integer({ min: a + 1, max: n - 1 }) })),
    fc
      .tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: n - 1 }))
      .filter(([f, t]) => Math.abs(f - t) >= 2)
      .map(([from, to]) => ({ op: "move" as const, from, to })),
  );
}

/**
 * The lines after the change and the fault verifyLog must report: the first changed record and what
 * happened to it. `edit` rewrites line `at` (its signature or proof no longer holds) and says which
 * kind an edit there is reported as.
 */
export function applyChange(
  original: readonly string[],
  c: LogChange,
  edit: (line: string, at: number) => { line: string; kind: string },
): { lines: string[]; index: number; kind: string } {
  const lines = [...original];
  switch (c.op) {
    case "edit": {
      const edited = edit(lines[c.at]!, c.at);
      lines[c.at] = edited.line;
      return { lines, index: c.at, kind: edited.kind };
    }
    case "remove":
      lines.splice(c.at, c.count);
      return { lines, index: c.at, kind: "removed" };
    case "duplicate":
      lines.splice(c.at, 0, original[c.from]!);
      // Two equal records side by side: the second one is the addition.
      return { lines, index: c.at === c.from ? c.at + 1 : c.at, kind: "inserted" };
    case "swap":
      [lines[c.a], lines[c.b]] = [lines[c.b]!, lines[c.a]!];
      return { lines, index: c.a, kind: "reordered" };
    case "move": {
      const [moved] = lines.splice(c.from, 1);
      lines.splice(c.to, 0, moved!);
      return { lines, index: Math.min(c.from, c.to), kind: "reordered" };
    }
  }
}

/** Any one byte of any record changed to another printable ASCII byte: which record, and the lines after. */
export function byteChange(original: readonly string[]): fc.Arbitrary<{ k: number; lines: string[] }> {
  return fc
    .tuple(fc.integer({ min: 0, max: original.length - 1 }), fc.nat(), fc.integer({ min: 0x20, max: 0x7e }))
    .map(([k, at, byte]) => {
      const line = Buffer.from(original[k]!, "utf8");
      const pos = at % line.length;
      const same = line[pos] === byte;
      line[pos] = byte;
      const lines = [...original];
      lines[k] = line.toString("utf8");
      return { k, lines, same };
    })
    .filter((c) => !c.same)
    .map(({ k, lines }) => ({ k, lines }));
}
