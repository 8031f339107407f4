// A lineage log's lock, or a takeover marker, that is no file a writer makes: a FIFO, a symbolic link
// (to /dev/zero, say), a file larger than a lock. Each names no owner and is refused (`io`) at once,
// naming it and why, never waited on nor read without bound. And another user's stale lock in a
// sticky directory, which this process may not move aside: refused in words naming its owner, with
// no takeover marker left behind to be counted as a taker that died. And the temporary files a
// writer killed while it made its lock (or a takeover marker) left beside it: removed by the next
// open when their process is gone, and nothing else.
//
// The cases that would block or flood the process run in a child with a time limit, so that a
// regression fails the test instead of hanging the suite.

import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tryOpenLog } from "../../runtime/trust/lineage.js";
import { tempDir } from "../support/temp-dir.js";

const posix = process.platform !== "win32";
const dir = tempDir("lock-files");
// a directory other users can reach (the tests' temporary directories are under one only root can)
let sharedRoot = "";
afterAll(() => {
  if (sharedRoot !== "") rmSync(sharedRoot, { recursive: true, force: true });
});
const child = new URL("../support/try-open-child.ts", import.meta.url).pathname;
const tsx = new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url).href;

/** tryOpenLog(log) in a child, as `uid` when given; null when it had to be killed. */
function openInChild(log: string, uid?: number, ...more: string[]): { ok: boolean; closed?: boolean; code?: string; message?: string } | null {
  const r = spawnSync(process.execPath, ["--import", tsx, child, log, ...more], {
    encoding: "utf8",
    timeout: 30_000,
    maxBuffer: 1 << 20,
    // another user's child keeps its loader's cache in a directory it may write (the tests' own is root's)
    env: { ...process.env, NODE_OPTIONS: "", ...(uid === undefined ? {} : { TMPDIR: sharedRoot }) },
    ...(uid === undefined ? {} : { uid, gid: uid }),
  });
  if (r.status !== 0) {
    process.stderr.write(`child exited ${r.status} (${r.signal}): ${r.stderr}\n`);
    return null;
  }
  return JSON.parse(r.stdout);
}

const deadPid = () => spawnSync(process.execPath, ["-e", ""]).pid!;

function refusal(log: string, lock: string, why: string): string {
  return `${log}: cannot take the lock: ${lock} is ${why}, not a lock file this tool writes: it names no owner, so the log is not opened; remove ${lock} once no writer of this log is running`;
}

describe.skipIf(!posix)("a lock that is no lock file", () => {
  it("a FIFO is refused at once, naming it, and left as it is", () => {
    const log = join(dir, "fifo.jsonl");
    execFileSync("mkfifo", [`${log}.lock`]);
    expect(openInChild(log)).toEqual({ ok: false, code: "io", message: refusal(log, `${log}.lock`, "a FIFO (named pipe)") });
    expect(statSync(`${log}.lock`).isFIFO()).toBe(true);
    expect(existsSync(log)).toBe(false);
  }, 60_000);

  it("a symbolic link (to /dev/zero) is refused without being followed", () => {
    const log = join(dir, "zero.jsonl");
    symlinkSync("/dev/zero", `${log}.lock`);
    expect(openInChild(log)).toEqual({ ok: false, code: "io", message: refusal(log, `${log}.lock`, "a symbolic link") });
  }, 60_000);

  it("a file larger than a lock is refused, however old (a lock naming no owner is taken over after a minute)", () => {
    const log = join(dir, "big.jsonl");
    writeFileSync(`${log}.lock`, " ".repeat(5000));
    const old = new Date(Date.now() - 3_600_000);
    execFileSync("touch", ["-d", old.toISOString(), `${log}.lock`]);
    expect(tryOpenLog(log)).toMatchObject({ ok: false, error: { code: "io", message: refusal(log, `${log}.lock`, "5000 bytes, larger than a lock (4096 bytes at most)") } });
    expect(readFileSync(`${log}.lock`, "utf8")).toBe(" ".repeat(5000));
  });

  it("a takeover marker that is a FIFO is refused as a lock is, not waited on", () => {
    const log = join(dir, "marker.jsonl");
    const lock = `${log}.lock`;
    const text = JSON.stringify({ pid: deadPid(), host: hostname(), at: new Date().toISOString(), id: "0" });
    writeFileSync(lock, text);
    const { dev, ino } = statSync(lock);
    const marker = `${lock}.takeover-${createHash("sha256").update(`${dev}:${ino}:`).update(text).digest("hex").slice(0, 32)}-1`;
    execFileSync("mkfifo", [marker]);
    expect(openInChild(log)).toEqual({ ok: false, code: "io", message: refusal(log, marker, "a FIFO (named pipe)") });
    expect(readFileSync(lock, "utf8")).toBe(text);
  }, 60_000);
});

describe.skipIf(!posix)("closing a log whose lock was replaced by one that is no lock file", () => {
  it("a FIFO in its place is left as it is (it is no lock of this writer's), not waited on", () => {
    const log = join(dir, "close-fifo.jsonl");
    expect(openInChild(log, undefined, "fifo-before-close")).toEqual({ ok: true, closed: true });
    expect(statSync(`${log}.lock`).isFIFO()).toBe(true);
  }, 60_000);
});

// Only root can give a lock to another user and run a writer as a third; the kernel then refuses
// the takeover's rename as it would for any two users in a sticky directory.
describe.runIf(posix && process.getuid?.() === 0)("another user's stale lock in a sticky directory", () => {
  it("is refused in words naming its owner and what to do, every time, leaving no takeover marker", () => {
    sharedRoot = mkdtempSync("/tmp/writ-sticky-");
    chmodSync(sharedRoot, 0o1777);
    const shared = join(sharedRoot, "sticky");
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    const log = join(shared, "d.jsonl");
    const lock = `${log}.lock`;
    const pid = deadPid();
    const text = JSON.stringify({ pid, host: hostname(), at: new Date().toISOString(), id: "1" }) + "\n";
    writeFileSync(lock, text);
    chownSync(lock, 12345, 12345);
    const expected = {
      ok: false,
      code: "io",
      message:
        `${log}: cannot take the lock: it is stale (its writer, pid ${pid}, is no longer running), but ${lock} belongs to uid 12345, not to this process (uid 12346), ` +
        `and ${shared} is a sticky directory, where only a file's owner or root may remove it; uid 12345 or root must remove ${lock}. ` +
        "A log written by several users needs them to write it as one user, or a directory shared by their group without the sticky bit",
    };
    // more than once: a taker that was refused is not counted as one that died taking the lock over
    for (let i = 0; i < 3; i++) expect(openInChild(log, 12346)).toEqual(expected);
    expect(readdirSync(shared)).toEqual(["d.jsonl.lock"]);
    expect(readFileSync(lock, "utf8")).toBe(text);
    // its owner's uid takes it over as usual
    expect(openInChild(log, 12345)).toEqual({ ok: true });
    expect(readdirSync(shared).sort()).toEqual(["d.jsonl"]);
  }, 120_000);
});

describe.runIf(posix)("temporary files of the lock that a killed writer left", () => {
  it("are removed by the next open when their process is gone; a live process's, a recent one, a link and any other name are kept", async () => {
    const logDir = join(dir, "lock-temps");
    mkdirSync(logDir);
    const log = join(logDir, "log.jsonl");
    const dead = deadPid();
    const live = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    try {
      const ms = Date.now() - 3_600_000;
      const lock = "log.jsonl.lock";
      const marker = `${lock}.takeover-${"ab".repeat(16)}-1`;
      const removed = [`${lock}.${dead}.${ms}.0.tmp`, `${marker}.${dead}.${ms}.3.tmp`];
      const kept = [
        `${lock}.${live.pid}.${ms}.0.tmp`, // its writer may still be making its lock
        `${lock}.${dead}.tmp`, // not named as a lock's temporary file
        `${lock}.${dead}.${ms}.0.tmp.bak`,
        `other.jsonl.lock.${dead}.${ms}.0.tmp`, // another log's
      ];
      for (const name of [...removed, ...kept]) writeFileSync(join(logDir, name), "");
      // all of them written an hour ago
      const old = new Date(ms);
      for (const name of [...removed, ...kept]) utimesSync(join(logDir, name), old, old);
      // written a moment ago: another host's writer sharing the directory may be making its lock
      const recent = `${lock}.${dead}.${Date.now()}.1.tmp`;
      writeFileSync(join(logDir, recent), "");
      // a symbolic link with such a name is no file tryCreate makes
      const link = `${lock}.${dead}.${ms}.2.tmp`;
      symlinkSync(join(logDir, kept[1]!), join(logDir, link));
      const opened = tryOpenLog(log, { fsync: "never" });
      expect(opened.ok).toBe(true);
      if (opened.ok) opened.log.close();
      const left = readdirSync(logDir);
      for (const name of removed) expect(left).not.toContain(name);
      for (const name of [...kept, recent, link]) expect(left).toContain(name);
    } finally {
      live.kill();
    }
  });
});
