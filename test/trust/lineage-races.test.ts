// The lineage log against a second writer that slips in at the worst moment, made to happen on cue:
// node:fs is wrapped so that another writer acts right between two of the opener's own calls.
//   - Taking over a stale lock: another process takes it over and writes its own lock between our
//     judging the stale one and moving it aside. A file system hands a freed inode number straight
//     back, so the new lock can have the old one's inode; only the text tells them apart.
//   - Opening: another writer (through a hard link, which the lock does not cover) appends while the
//     log is being read. The records read are then not the whole log, and continuing from them
//     would fork the chain.

import { describe, expect, it, vi } from "vitest";
import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { join } from "node:path";

/** What the wrapped calls do next, set by each test; run once, then cleared. */
const cue: { beforeRename?: (from: string) => void; afterEnd?: (fd: number) => void } = {};

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const wrapped = {
    ...fs,
    renameSync(from: import("node:fs").PathLike, to: import("node:fs").PathLike) {
      const act = cue.beforeRename;
      if (act !== undefined && String(from).endsWith(".lock")) {
        cue.beforeRename = undefined;
        act(String(from));
      }
      return fs.renameSync(from, to);
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

const dir = tempDir("lineage");

function deadPid(): number {
  return Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout);
}

describe("a second writer on cue", () => {
  it("taking over a stale lock: a lock another process wrote since, in the same inode, is not moved away", () => {
    const path = join(dir, "stale.jsonl");
    const lockPath = `${path}.lock`;
    fs.writeFileSync(lockPath, JSON.stringify({ pid: deadPid(), host: hostname(), at: new Date().toISOString() }) + "\n");
    // the other process: its lock has the judged one's inode (rewritten in place here, which is what
    // inode reuse amounts to) and names a live process (our parent)
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
