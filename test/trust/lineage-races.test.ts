// The lineage log against a second writer that slips in at the worst moment, made to happen on cue:
// node:fs is wrapped so that another writer acts right between two of the opener's own calls.
//   - Taking over a stale lock while other writer processes start at each of our calls on the lock's
//     files (between judging it and moving it, between moving it and making ours, …): one of us holds
//     the log, never two.
//   - Taking over a stale lock that is rewritten in place (by hand, not by a writer) between our
//     judging it and moving it aside. A file system hands a freed inode number straight back, so a
//     new lock can have the old one's inode; only the text tells them apart.
//   - Appending: two writers (each through a name of its own, a hard link, which the lock does not
//     cover) append the same next record at once, each having checked the file's size before the
//     other wrote. Both records are then in the file, and at most one append may be acknowledged.
//   - Opening: another writer (through a hard link, which the lock does not cover) appends while the
//     log is being read. The records read are then not the whole log, and continuing from them
//     would fork the chain.

import { beforeAll, describe, expect, it, vi } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { join } from "node:path";

/** What the wrapped calls do next, set by each test; beforeRename and afterEnd run once, then are cleared. */
const cue: {
  beforeRename?: (from: string) => void;
  afterEnd?: (fd: number) => void;
  /** before the next write to this descriptor (a log's append), once */
  beforeWrite?: { fd: number; act: () => void };
  /** after the next write to this descriptor, once */
  afterWrite?: { fd: number; act: () => void };
  /** before every rename, link and unlink, with its paths */
  step?: (call: "rename" | "link" | "unlink", paths: string[]) => void;
} = {};

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const wrapped = {
    ...fs,
    renameSync(from: import("node:fs").PathLike, to: import("node:fs").PathLike) {
      cue.step?.("rename", [String(from), String(to)]);
      const act = cue.beforeRename;
      if (act !== undefined && String(from).endsWith(".lock")) {
        cue.beforeRename = undefined;
        act(String(from));
      }
      return fs.renameSync(from, to);
    },
    linkSync(from: import("node:fs").PathLike, to: import("node:fs").PathLike) {
      cue.step?.("link", [String(from), String(to)]);
      return fs.linkSync(from, to);
    },
    unlinkSync(path: import("node:fs").PathLike) {
      cue.step?.("unlink", [String(path)]);
      return fs.unlinkSync(path);
    },
    writeSync(...args: Parameters<typeof fs.writeSync>) {
      const cued = cue.beforeWrite;
      if (cued !== undefined && args[0] === cued.fd) {
        cue.beforeWrite = undefined;
        cued.act();
      }
      const written = (fs.writeSync as (...a: Parameters<typeof fs.writeSync>) => number)(...args);
      const after = cue.afterWrite;
      if (after !== undefined && args[0] === after.fd) {
        cue.afterWrite = undefined;
        after.act();
      }
      return written;
    },
    readSync(...args: Parameters<typeof fs.readSync>) {
      const n = fs.readSync(...args);
      const act = cue.afterEnd;
      // at the end of the file: what is appended now is not read
      if (act !== undefined && n === 0) {
        cue.afterEnd = undefined;
        act(args[0]);
      }
      return n;
    },
  };
  return { ...wrapped, default: wrapped };
});

const fs = await import("node:fs");
const { openLog, LineageError } = await import("../../runtime/trust/lineage.js");
const { verifyLog } = await import("../../runtime/trust/lineage-verify.js");
const { buildLog } = await import("./lineage-fixtures.js");
const { tempDir } = await import("../support/temp-dir.js");
const { authorize } = await import("../../runtime/trust/authorize.js");
const { createSigner } = await import("../../runtime/trust/signer.js");
const { ADMIN_OK, fakePolicy } = await import("./fake-policy.js");
const { childCommand } = await import("../support/child-command.js");
type LineageLog = import("../../runtime/trust/lineage.js").LineageLog;

const dir = tempDir("lineage");

function deadPid(): number {
  return Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout);
}

const HOLDER = join(import.meta.dirname, "..", "support", "lock-holder-child.ts");
let holderCommand: string[] = [];
beforeAll(async () => {
  holderCommand = await childCommand(HOLDER, dir);
});

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** A writer process (lock-holder-child.ts) and the file it says whether it holds the log in. */
interface Writer {
  name: string;
  report: string;
  child: ChildProcess;
  exited: Promise<unknown>;
}

/**
 * Starts a writer on the log `path` and waits, this process stopped in the call it is in, until the
 * writer has opened the log or been refused.
 */
function startWriter(path: string, name: string, reports: string): Writer {
  const report = join(reports, `${name}.report`);
  const child = spawn(process.execPath, [...holderCommand, path, report], { stdio: ["pipe", "ignore", "inherit"] });
  child.stdin!.on("error", () => {}); // a refused writer has exited: its stdin is closed
  const exited = new Promise((resolve) => child.on("exit", resolve));
  for (const deadline = Date.now() + 30_000; !fs.existsSync(report); sleep(5))
    if (Date.now() > deadline) throw new Error(`writer ${name} said nothing within 30 s`);
  return { name, report, child, exited };
}

/** Who started at which of this process's calls on the lock's files (counted from 0), given that call. */
type Cues = (step: number, call: string, paths: string[], lockPath: string) => string[];

interface Takeover {
  /** this process ("B") and the writers that held the log at once */
  holders: string[];
  /** what each writer said */
  said: Record<string, string>;
  /** this process's refusal, if it was refused */
  refused: unknown;
  /** this process's calls on the lock's files, in order */
  calls: string[];
  /** what was left beside the log once every writer had closed it */
  left: string[];
}

/**
 * This process (B) takes over the lock of a writer that died, while writers start at the calls `cues`
 * names; then everyone closes the log.
 */
async function takeOverWith(name: string, cues: Cues): Promise<Takeover> {
  const caseDir = join(dir, name);
  const logDir = join(caseDir, "log");
  fs.mkdirSync(logDir, { recursive: true });
  const path = join(logDir, "log.jsonl");
  const lockPath = `${path}.lock`;
  fs.writeFileSync(lockPath, JSON.stringify({ pid: deadPid(), host: hostname(), at: new Date().toISOString(), id: randomBytes(16).toString("hex") }) + "\n");
  const writers: Writer[] = [];
  const calls: string[] = [];
  cue.step = (call, paths) => {
    // the calls on the lock's files, but not on this process's private temporary files
    if (!paths.some((p) => p.startsWith(lockPath) && !p.endsWith(".tmp"))) return;
    for (const writer of cues(calls.length, call, paths, lockPath)) writers.push(startWriter(path, writer, caseDir));
    calls.push(`${call} ${paths.map((p) => p.slice(logDir.length + 1)).join(" ")}`);
  };
  let mine: LineageLog | null = null;
  let refused: unknown = null;
  try {
    mine = openLog(path, { fsync: "never" });
  } catch (e) {
    refused = e;
  } finally {
    cue.step = undefined;
  }
  const said = Object.fromEntries(writers.map((w) => [w.name, fs.readFileSync(w.report, "utf8")]));
  const holders = [...(mine !== null ? ["B"] : []), ...writers.filter((w) => said[w.name] === "held").map((w) => w.name)];
  mine?.close();
  for (const w of writers) w.child.stdin!.end();
  await Promise.all(writers.map((w) => w.exited));
  return { holders, said, refused, calls, left: fs.readdirSync(logDir).filter((f) => f !== "log.jsonl") };
}

describe("taking over a stale lock while other writers start", () => {
  it("three writers: one takes the stale lock over while this one judges it, a third opens while this one puts back the lock it moved: one holds the log", async () => {
    let a = false;
    let c = false;
    const t = await takeOverWith("three", (_, call, [from, to], lockPath) => {
      // A: when this process moves the lock it judged stale aside
      if (!a && call === "rename" && from === lockPath) return (a = true), ["A"];
      // C: at this process's next link to the lock's name (the lock it moved, put back; or its own)
      if (a && !c && call === "link" && to === lockPath) return (c = true), ["C"];
      return [];
    });
    expect(Object.keys(t.said), t.calls.join("; ")).toEqual(["A", "C"]); // both came in where meant
    expect(t.holders, JSON.stringify(t.said)).toHaveLength(1);
    for (const [name, said] of Object.entries(t.said)) if (said !== "held") expect(said, name).toMatch(/^refused locked /);
    if (!t.holders.includes("B")) expect((t.refused as InstanceType<typeof LineageError>).code).toBe("locked");
    expect(t.left).toEqual([]);
  });

  it("two other writers, each starting at any of this process's calls on the lock's files: one holds the log", async () => {
    const alone = await takeOverWith("alone", () => []);
    expect(alone.holders).toEqual(["B"]);
    expect(alone.left).toEqual([]);
    const wrong: string[] = [];
    for (let i = 0; i < alone.calls.length; i++)
      for (let j = i; j < alone.calls.length; j++) {
        const t = await takeOverWith(`at-${i}-${j}`, (step) => [...(step === i ? ["A"] : []), ...(step === j ? ["C"] : [])]);
        if (t.holders.length !== 1 || t.left.length !== 0)
          wrong.push(`A at call ${i}, C at call ${j} (${t.calls.join("; ")}): held by ${t.holders.join(", ") || "no one"}, left ${t.left.join(", ") || "nothing"}`);
      }
    expect(wrong).toEqual([]);
  }, 120_000);
});

describe("a writer that failed or died taking a stale lock over", () => {
  it("keeps others out while it lives, and leaves the takeover to the next writer once it is dead", () => {
    fs.mkdirSync(join(dir, "taker"));
    const path = join(dir, "taker", "log.jsonl");
    const lockPath = `${path}.lock`;
    const stale = JSON.stringify({ pid: deadPid(), host: hostname(), at: new Date().toISOString(), id: "stale" }) + "\n";
    fs.writeFileSync(lockPath, stale);
    // moving the stale lock aside fails: this process has claimed the takeover and not finished it
    cue.step = (call, [from]) => {
      if (call === "rename" && from === lockPath) throw Object.assign(new Error("EIO: i/o error, rename"), { code: "EIO" });
    };
    let error: unknown;
    try {
      openLog(path).close();
    } catch (e) {
      error = e;
    } finally {
      cue.step = undefined;
    }
    expect(error).toMatchObject({ code: "io", message: expect.stringMatching(/cannot take the lock: EIO/) });
    expect(fs.readFileSync(lockPath, "utf8")).toBe(stale);
    const markers = fs.readdirSync(join(dir, "taker")).filter((f) => f.startsWith("log.jsonl.lock.takeover-"));
    expect(markers).toHaveLength(1);
    // while the taker lives, no one else takes the lock over (this process included)
    expect(() => openLog(path)).toThrow(new RegExp(`its writer died and pid ${process.pid} \\(this process\\) is taking its lock .* over`));
    // the taker dies: the next writer takes over from it
    const marker = join(dir, "taker", markers[0]!);
    fs.writeFileSync(marker, fs.readFileSync(marker, "utf8").replace(`"pid":${process.pid}`, `"pid":${deadPid()}`));
    const log = openLog(path);
    expect(JSON.parse(fs.readFileSync(lockPath, "utf8")).pid).toBe(process.pid);
    expect(fs.readdirSync(join(dir, "taker")).sort()).toEqual(["log.jsonl", "log.jsonl.lock"]);
    log.close();
    expect(fs.readdirSync(join(dir, "taker"))).toEqual(["log.jsonl"]);
  });
});

describe("a second writer on cue", () => {
  it("taking over a stale lock: a lock rewritten since it was judged, in the same inode, is not moved away", () => {
    const path = join(dir, "stale.jsonl");
    const lockPath = `${path}.lock`;
    fs.writeFileSync(lockPath, JSON.stringify({ pid: deadPid(), host: hostname(), at: new Date().toISOString() }) + "\n");
    // the lock rewritten in place (which is also what inode reuse amounts to), naming a live process
    // (our parent): not what a writer does (it takes a lock over only with the right to, and makes a
    // new file), but it must not be moved away either
    const theirs = JSON.stringify({ pid: process.ppid, host: hostname(), at: new Date().toISOString(), id: "theirs" }) + "\n";
    cue.beforeRename = (from) => fs.writeFileSync(from, theirs);
    let error: unknown;
    try {
      openLog(path).close();
    } catch (e) {
      error = e;
    }
    expect(cue.beforeRename).toBeUndefined(); // the cue was taken: the race happened
    expect(error).toBeInstanceOf(LineageError);
    expect((error as InstanceType<typeof LineageError>).code).toBe("locked");
    expect((error as Error).message).toMatch(new RegExp(`locked by pid ${process.ppid}: another writer took it over just now`));
    // their lock is where it was, whole
    expect(fs.readFileSync(lockPath, "utf8")).toBe(theirs);
  });

  it("opening: a log that grows while it is read is refused, and the records appended meanwhile stay", () => {
    const built = buildLog(3, undefined, join(dir));
    const alias = join(dir, "alias.jsonl");
    fs.linkSync(built.path, alias);
    // the other writer, through the hard link (its own lock): it appends one record while we read
    const other = openLog(alias, { fsync: "never" });
    const signer = createSigner(built.key, { head: other.head().chain });
    cue.afterEnd = () => authorize(fakePolicy(), ADMIN_OK, { signer, lineage: other });
    let error: unknown;
    try {
      openLog(built.path, { fsync: "never" }).close();
    } catch (e) {
      error = e;
    }
    other.close();
    expect(cue.afterEnd).toBeUndefined();
    expect(error).toBeInstanceOf(LineageError);
    expect((error as InstanceType<typeof LineageError>).code).toBe("locked");
    expect((error as Error).message).toMatch(/grew from \d+ to \d+ bytes while it was opened: another process is writing it/);
    // one chain of four records, the other writer's included
    expect(verifyLog(built.path, { trustedKeys: [built.key.publicKey] })).toMatchObject({ ok: true, records: 4 });
  });

  it("opening: a log cut short while it is read (copytruncate) is refused as shrunk, not grown", () => {
    fs.mkdirSync(join(dir, "shrink"));
    const built = buildLog(2, undefined, join(dir, "shrink"));
    cue.afterEnd = () => fs.truncateSync(built.path, 0);
    let error: unknown;
    try {
      openLog(built.path, { fsync: "never" }).close();
    } catch (e) {
      error = e;
    }
    expect(cue.afterEnd).toBeUndefined();
    expect((error as Error).message).toMatch(/the file shrank from \d+ to 0 bytes while it was opened/);
  });
});

describe("two writers appending at the same moment", () => {
  /** Two logs open on one file through two names, and an artifact each signed to continue the same record. */
  function racingWriters(name: string) {
    fs.mkdirSync(join(dir, name));
    const built = buildLog(3, undefined, join(dir, name));
    const alias = join(dir, name, "alias.jsonl");
    fs.linkSync(built.path, alias);
    const first = openLog(built.path, { fsync: "never" });
    const second = openLog(alias, { fsync: "never" });
    const issue = (log: LineageLog) => authorize(fakePolicy(), ADMIN_OK, { signer: createSigner(built.key, { head: log.head().chain }) });
    const mine = issue(first);
    const theirs = issue(second);
    // (the descriptor each log appends to: the one its append writes to once the cue is set)
    const fdOf = (log: LineageLog) => (log as unknown as { fd: number }).fd;
    return { built, first, second, mine, theirs, fdOf };
  }

  const outcome = (run: () => void): unknown => {
    try {
      run();
      return "acknowledged";
    } catch (e) {
      return e;
    }
  };

  it("the other writer's record lands between this append's size check and its write: it is acknowledged, this one is refused, nothing is cut", () => {
    const { built, first, second, mine, theirs, fdOf } = racingWriters("race-between");
    const before = fs.statSync(built.path).size;
    let theirOutcome: unknown = null;
    cue.beforeWrite = { fd: fdOf(first), act: () => (theirOutcome = outcome(() => second.appendMany([theirs]))) };
    const myOutcome = outcome(() => first.append(mine.artifact, mine.statement));
    expect(cue.beforeWrite).toBeUndefined(); // the cue was taken: the race happened
    expect(theirOutcome).toBe("acknowledged");
    expect(myOutcome).toBeInstanceOf(LineageError);
    expect((myOutcome as InstanceType<typeof LineageError>).code).toBe("locked");
    expect((myOutcome as Error).message).toMatch(/this record was written but is not acknowledged: another writer appended to it at the same moment as this append: the log now holds both records/);
    expect((myOutcome as Error).message).toMatch(/run `writ audit verify .*audit\.jsonl` to see what the log holds/);
    // both records stay in the file: the other writer's was acknowledged
    const lines = fs.readFileSync(built.path, "utf8").split("\n").filter((l) => l !== "");
    expect(lines).toHaveLength(5);
    expect(fs.statSync(built.path).size).toBeGreaterThan(before);
    // this log takes no more appends (a later one is refused, and nothing is written)
    const size = fs.statSync(built.path).size;
    const later = outcome(() => first.append(mine.artifact, mine.statement));
    expect((later as InstanceType<typeof LineageError>).code).toBe("io");
    expect((later as Error).message).toMatch(/this log takes no more appends: another writer appended to it at the same moment/);
    expect(fs.statSync(built.path).size).toBe(size);
    first.close();
    second.close();
    // the log holds two records continuing the same one: opening it refuses, saying where
    expect(() => openLog(built.path, { fsync: "never" })).toThrow(/record 4 carries seq 3/);
  });

  it("another writer's bytes land right after this append's write, before it looks at the size again: it is refused too", () => {
    const { built, first, mine, fdOf } = racingWriters("race-after");
    const theirs = '{"written":"by another writer"}\n';
    cue.afterWrite = { fd: fdOf(first), act: () => fs.appendFileSync(built.path, theirs) };
    const myOutcome = outcome(() => first.append(mine.artifact, mine.statement));
    expect(cue.afterWrite).toBeUndefined();
    expect((myOutcome as InstanceType<typeof LineageError>).code).toBe("locked");
    expect((myOutcome as Error).message).toMatch(/not acknowledged: another writer appended to it at the same moment/);
    // nothing is cut: the other writer's bytes follow this record
    expect(fs.readFileSync(built.path, "utf8").endsWith(theirs)).toBe(true);
    first.close();
  });
});
