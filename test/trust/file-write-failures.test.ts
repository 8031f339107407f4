// Bundles and key pairs when the disk refuses a write half-way, made to happen on cue: node:fs is
// wrapped so that writing a chosen file fails with ENOSPC (as on a full disk), or renaming it fails.
// A bundle already on disk stays as it was and loads; a failed key pair leaves no key file (an empty
// one would make every later keygen refuse, and sign say it is neither JWK nor PEM); a writer lock
// that could not be written leaves no temporary file; what was not written is named in the error.
// A lineage log's append whose write or sync fails is cut back to the last whole record; when the
// cut fails too (made to fail here with EIO), the log takes no more appends and says why, and the
// log opened again decides from the file what it holds. A torn tail that opening cannot save aside
// is not cut, and no empty or partial copy of it is left beside the log.

import { afterAll, describe, expect, it, vi } from "vitest";
import { runWrit } from "../support/cli.js";

/** Which file's write or rename fails; set by each test, cleared after it. */
const cue: {
  failWrite?: (path: string) => boolean;
  failRename?: (to: string) => boolean;
  failCreate?: (path: string) => boolean;
  /** a write to the file writes half of what it was given */
  shortWrite?: (path: string) => boolean;
  /** fdatasync of the file fails (EIO) */
  failSync?: (path: string) => boolean;
  /** ftruncate of the file fails (EIO) */
  failTruncate?: (path: string) => boolean;
  /** called before the file is opened */
  beforeOpen?: (path: string) => void;
  /** closing the file fails (EIO) after closing it, as close(2) on Linux does: the number is free */
  failClose?: (path: string) => boolean;
  /** fstat of the file fails (EIO) */
  failStat?: (path: string) => boolean;
} = {};

/** Every closeSync of a number that was not open (through openSync) when it was called: a number closed twice. */
const strayCloses: number[] = [];

function systemError(code: string, message: string, syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}, ${syscall}`), { code, syscall, errno: -28 });
}

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const opened = new Map<number, string>();
  const wrapped = {
    ...fs,
    openSync(path: import("node:fs").PathLike, ...rest: unknown[]) {
      cue.beforeOpen?.(String(path));
      if (cue.failCreate?.(String(path))) throw systemError("EACCES", "permission denied", "open");
      const fd = (fs.openSync as (...a: unknown[]) => number)(path, ...rest);
      opened.set(fd, String(path));
      return fd;
    },
    closeSync(fd: number) {
      const path = opened.get(fd);
      if (path === undefined) strayCloses.push(fd);
      opened.delete(fd);
      fs.closeSync(fd);
      if (path !== undefined && cue.failClose?.(path)) throw systemError("EIO", "i/o error", "close");
    },
    writeSync(fd: number, ...rest: unknown[]) {
      const path = opened.get(fd);
      if (path !== undefined && cue.failWrite?.(path)) throw systemError("ENOSPC", "no space left on device", "write");
      if (path !== undefined && cue.shortWrite?.(path)) {
        const [buffer, offset, length] = rest as [Uint8Array, number, number];
        return fs.writeSync(fd, buffer, offset, Math.floor(length / 2));
      }
      return (fs.writeSync as (...a: unknown[]) => number)(fd, ...rest);
    },
    fstatSync(fd: number, ...rest: unknown[]) {
      const path = opened.get(fd);
      if (path !== undefined && cue.failStat?.(path)) throw systemError("EIO", "i/o error", "fstat");
      return (fs.fstatSync as (...a: unknown[]) => unknown)(fd, ...rest);
    },
    fdatasyncSync(fd: number) {
      const path = opened.get(fd);
      if (path !== undefined && cue.failSync?.(path)) throw systemError("EIO", "i/o error", "fdatasync");
      return fs.fdatasyncSync(fd);
    },
    ftruncateSync(fd: number, length?: number) {
      const path = opened.get(fd);
      if (path !== undefined && cue.failTruncate?.(path)) throw systemError("EIO", "i/o error", "ftruncate");
      return fs.ftruncateSync(fd, length);
    },
    writeFileSync(path: unknown, data: unknown, options?: unknown) {
      if (typeof path === "string" && cue.failWrite?.(path)) {
        // as the real one on a full disk: the file is opened (created, or truncated) and the write fails
        (fs.writeFileSync as (...a: unknown[]) => void)(path, "", options);
        throw systemError("ENOSPC", "no space left on device", "write");
      }
      return (fs.writeFileSync as (...a: unknown[]) => void)(path, data, options);
    },
    renameSync(from: import("node:fs").PathLike, to: import("node:fs").PathLike) {
      if (cue.failRename?.(String(to))) throw systemError("EIO", "i/o error", "rename");
      return fs.renameSync(from, to);
    },
  };
  return { ...wrapped, default: wrapped };
});

const fs = await import("node:fs");
const { join } = await import("node:path");
const { tmpdir } = await import("node:os");
const { readBundle, readBundleResult, writeBundle, BundleFileError } = await import("../../runtime/trust/bundle-files.js");
const { signBundle, verifyBundle } = await import("../../runtime/trust/bundle.js");
const { generateKeyPair } = await import("../../runtime/trust/keys.js");
const { writeKeyPair } = await import("../../runtime/trust/key-files.js");
const { ADMIN_OK, fakeBundle, fakePolicy } = await import("./fake-policy.js");
const { openLog, tryOpenLog, LineageError } = await import("../../runtime/trust/lineage.js");
const { verifyLog } = await import("../../runtime/trust/lineage-verify.js");
const { authorize } = await import("../../runtime/trust/authorize.js");
const { createSigner } = await import("../../runtime/trust/signer.js");
const { buildLog } = await import("./lineage-fixtures.js");

const dir = fs.mkdtempSync(join(tmpdir(), "writ-write-failures-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function snapshot(d: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of fs.readdirSync(d).sort()) files[name] = fs.readFileSync(join(d, name)).toString("base64");
  return files;
}

const run = (argv: string[]) => runWrit(argv, dir);

function onCue<T>(set: typeof cue, body: () => T): T {
  Object.assign(cue, set);
  try {
    return body();
  } finally {
    cue.failWrite = undefined;
    cue.failRename = undefined;
    cue.failCreate = undefined;
    cue.shortWrite = undefined;
    cue.failSync = undefined;
    cue.failTruncate = undefined;
    cue.beforeOpen = undefined;
    cue.failClose = undefined;
    cue.failStat = undefined;
  }
}

describe("a bundle written over another", () => {
  const key = generateKeyPair();
  const old = signBundle(fakeBundle({ name: "p", version: "1.0.0", moduleText: "old module" }), key);
  const next = signBundle(fakeBundle({ name: "p", version: "2.0.0", moduleText: "the new module, longer" }), key);
  /** the bytes writeBundle writes for `file` of `bundle` */
  const snapshotOf = (bundle: typeof next, file: string): Buffer =>
    file === "p.wasm" ? Buffer.from(bundle.module) : Buffer.from(file === "p.manifest.json" ? JSON.stringify(bundle.manifest, null, 2) + "\n" : bundle.signature + "\n");

  it("on a full disk leaves the old bundle as it was, and the error names the file and says nothing was replaced", () => {
    const d = join(dir, "full");
    writeBundle(d, old);
    const before = snapshot(d);
    for (const which of ["p.wasm", "p.manifest.json", "p.manifest.jws"]) {
      let error: unknown;
      onCue({ failWrite: (p) => p.includes(which) }, () => {
        try {
          writeBundle(d, next);
        } catch (e) {
          error = e;
        }
      });
      expect(error, which).toBeInstanceOf(BundleFileError);
      expect((error as Error).message).toBe(`cannot write ${join(d, which)}: no space left on device (ENOSPC); no file of the bundle in ${d} was replaced`);
      expect(snapshot(d), which).toEqual(before); // nothing changed, nothing left beside it
      expect(verifyBundle(readBundle(d), { trustedKeys: [key.publicKey] })).toMatchObject({ ok: true });
    }
  });

  it("unsigned over signed on a full disk keeps the old signature (the old bundle is not left unsigned)", () => {
    const d = join(dir, "full-unsigned");
    writeBundle(d, old);
    const before = snapshot(d);
    const unsigned = { module: next.module, manifest: next.manifest };
    expect(() => onCue({ failWrite: (p) => p.includes("p.manifest.json") }, () => writeBundle(d, unsigned))).toThrow(/no file of the bundle/);
    expect(snapshot(d)).toEqual(before);
  });

  it("stopped between its renames is read whole: as the write leaves it where it cannot be finished, finished where it can", () => {
    // module, then manifest, then signature: each stop leaves new files before it and old ones after
    const stops = [
      { at: "p.manifest.json", replaced: ["p.wasm"] },
      { at: "p.manifest.jws", replaced: ["p.wasm", "p.manifest.json"] },
    ];
    for (const stop of stops) {
      const d = join(dir, `stop-${stop.at}`);
      writeBundle(d, old);
      const failRename = (to: string) => to.endsWith(stop.at);
      expect(() => onCue({ failRename }, () => writeBundle(d, next))).toThrow(
        `cannot write ${join(d, stop.at)}: i/o error (EIO); the write is recorded in ${join(d, ".p.bundle-pending.json")}, and the next command to read or write the bundle finishes it (or reads it as that write leaves it)`,
      );
      // the files in place are a mix: the record is what makes the bundle whole
      for (const file of stop.replaced) expect(fs.readFileSync(join(d, file)).equals(snapshotOf(next, file)), file).toBe(true);
      // a reader that cannot rename there either reads the new bundle from the staged files, and says so
      const viewed = onCue({ failRename }, () => readBundleResult(d));
      if (!viewed.ok) throw new Error(viewed.message);
      expect(viewed.recovered).toMatch(new RegExp(`it cannot be finished here \\(cannot write .*${stop.at.replace(".", "\\.")}: i/o error \\(EIO\\)\\): read as that write leaves it, from its new files as they were read and checked against its record; a writ command that may write in .* finishes it$`));
      expect(verifyBundle(viewed.bundle, { trustedKeys: [key.publicKey] })).toMatchObject({ ok: true });
      expect(viewed.bundle.manifest.version).toBe("2.0.0");
      // a writer that cannot finish it refuses, writing nothing
      expect(() => onCue({ failRename }, () => writeBundle(d, old))).toThrow(/cannot be finished here .*; no file of the bundle in .* was written$/);
      // one that can read it finishes it
      const read = readBundleResult(d);
      if (!read.ok) throw new Error(read.message);
      expect(read.recovered).toMatch(/its new files were whole, and it was finished \(/);
      expect(verifyBundle(read.bundle, { trustedKeys: [key.publicKey] })).toMatchObject({ ok: true });
      expect(read.bundle.manifest.version).toBe("2.0.0");
      expect(fs.readdirSync(d).sort()).toEqual(["p.manifest.json", "p.manifest.jws", "p.wasm"]);
    }
  });

  it("replaced while it is read: the reader reads it again, and never returns old and new files together", () => {
    const d = join(dir, "read-during-write");
    writeBundle(d, old);
    // the whole write happens between the reader's read of the module (old) and of the manifest
    let written = false;
    const read = onCue(
      {
        beforeOpen: (p) => {
          if (!written && p === join(d, "p.manifest.json")) {
            written = true;
            writeBundle(d, next);
          }
        },
      },
      () => readBundle(d),
    );
    expect(written).toBe(true);
    expect(read.manifest.version).toBe("2.0.0");
    expect(Buffer.from(read.module).equals(Buffer.from(next.module))).toBe(true);
    expect(verifyBundle(read, { trustedKeys: [key.publicKey] })).toMatchObject({ ok: true });
  });

  it("writ compile -o on a full disk names the file it could not write, and the old bundle stays", async () => {
    const d = join(dir, "compile");
    writeBundle(d, old);
    const before = snapshot(d);
    fs.writeFileSync(join(dir, "p.writ"), 'policy "p" version "2.0.0"\ninput { a: int }\npermit ok when a > 0\n');
    Object.assign(cue, { failWrite: (p: string) => p.includes("p.manifest.json") });
    let r;
    try {
      r = await run(["compile", "p.writ", "-o", d, "--O0"]);
    } finally {
      cue.failWrite = undefined;
    }
    expect(r.code).toBe(1);
    expect(r.err).toBe(`writ compile: cannot write ${join(d, "p.manifest.json")}: no space left on device (ENOSPC); no file of the bundle in ${d} was replaced`);
    expect(snapshot(d)).toEqual(before);
  }, 60_000);
});

describe("a key pair", () => {
  for (const which of ["private", "public"]) {
    it(`whose ${which} key cannot be written leaves no key file, and keygen then works`, async () => {
      const d = join(dir, `keys-${which}`);
      fs.mkdirSync(d);
      expect(() => onCue({ failWrite: (p) => p.includes(`writ.${which}.jwk`) }, () => writeKeyPair(d, generateKeyPair()))).toThrow(
        `cannot write ${join(d, `writ.${which}.jwk`)}: no space left on device (ENOSPC)`,
      );
      expect(fs.readdirSync(d)).toEqual([]);
      Object.assign(cue, { failWrite: (p: string) => p.includes(`writ.${which}.jwk`) });
      let failed;
      try {
        failed = await run(["keygen", "-o", d]);
      } finally {
        cue.failWrite = undefined;
      }
      expect(failed.code).toBe(1);
      expect(failed.err).toBe(`writ keygen: cannot write ${join(d, `writ.${which}.jwk`)}: no space left on device (ENOSPC); no key file was written`);
      expect(fs.readdirSync(d)).toEqual([]);
      const again = await run(["keygen", "-o", d]);
      expect(again.code, again.err).toBe(0);
      expect(fs.readdirSync(d).sort()).toEqual(["writ.private.jwk", "writ.public.jwk"]);
      expect((await run(["sign", "nowhere", "--key", join(d, "writ.private.jwk")])).err).toMatch(/bundle directory .*nowhere does not exist/);
    });
  }
});

describe("a lineage log's writer lock", () => {
  it("whose file cannot be written (a full disk) leaves no temporary file behind", async () => {
    const { acquireLock, releaseLock } = await import("../../runtime/trust/lineage-lock.js");
    const d = join(dir, "lock");
    fs.mkdirSync(d);
    const log = join(d, "log.jsonl");
    for (let i = 0; i < 3; i++)
      expect(() => onCue({ failWrite: (p) => p.startsWith(`${log}.lock.`) }, () => acquireLock(log))).toThrow(/ENOSPC/);
    expect(fs.readdirSync(d)).toEqual([]);
    // with room, the lock is taken and released as before
    const taken = acquireLock(log);
    expect(taken.ok).toBe(true);
    if (taken.ok) releaseLock(taken.lockPath);
    expect(fs.readdirSync(d)).toEqual([]);
  });
});

describe("a file in a directory where no file can be created", () => {
  it("is left as it was, and the message says why the directory matters (the file itself may be writable)", async () => {
    const d = join(dir, "no-create");
    fs.mkdirSync(d);
    const text = 'policy "p" version "1.0.0"\ninput { a: int }\npermit ok when a>0\n';
    fs.writeFileSync(join(d, "p.writ"), text);
    Object.assign(cue, { failCreate: (p: string) => p.startsWith(join(d, ".p.writ.")) });
    let r;
    try {
      r = await run(["fmt", join(d, "p.writ"), "--write"]);
    } finally {
      cue.failCreate = undefined;
    }
    expect(r).toEqual({
      code: 1,
      out: "",
      err: `writ fmt: cannot write ${join(d, "p.writ")}: no file can be created in ${d}: permission denied (EACCES) (the new contents are written beside the file, then renamed over it); it is left as it was`,
    });
    expect(fs.readFileSync(join(d, "p.writ"), "utf8")).toBe(text);
  });

  it("for writ keygen, which only creates its files and never renames over one, says no more than that", async () => {
    const d = join(dir, "no-create-keys");
    fs.mkdirSync(d);
    Object.assign(cue, { failCreate: (p: string) => p.startsWith(join(d, ".writ.")) });
    let r;
    try {
      r = await run(["keygen", "-o", d]);
    } finally {
      cue.failCreate = undefined;
    }
    expect(r).toEqual({
      code: 1,
      out: "",
      err: `writ keygen: cannot write ${join(d, "writ.private.jwk")}: no file can be created in ${d}: permission denied (EACCES); no key file was written`,
    });
    expect(fs.readdirSync(d)).toEqual([]);
  });
});

describe("a lineage log's append that fails", () => {
  /** A log of two records, opened to sync every append, and a signer continuing it. */
  function twoRecords(name: string) {
    const d = join(dir, name);
    fs.mkdirSync(d);
    const built = buildLog(2, undefined, d);
    const log = openLog(built.path);
    const signer = createSigner(built.key, { head: log.head().chain });
    const append = () => authorize(fakePolicy(), ADMIN_OK, { signer, lineage: log });
    return { ...built, log, signer, append };
  }

  function refusal(body: () => unknown): InstanceType<typeof LineageError> {
    try {
      body();
    } catch (e) {
      expect(e).toBeInstanceOf(LineageError);
      return e as InstanceType<typeof LineageError>;
    }
    throw new Error("not refused");
  }

  it("whose look at the file's size fails is refused as a LineageError, with nothing written, and the log appends on", () => {
    const t = twoRecords("stat-fails");
    const before = fs.readFileSync(t.path);
    const e = onCue({ failStat: (p) => p === t.path }, () => refusal(t.append));
    expect(e.code).toBe("io");
    expect(e.message).toBe(`${t.path}: reading the file's size failed (EIO: i/o error, fstat); nothing was recorded`);
    expect(fs.readFileSync(t.path)).toEqual(before);
    t.append();
    t.log.close();
    expect(verifyLog(t.path, { trustedKeys: [t.key.publicKey] })).toMatchObject({ ok: true, records: 3 });
  });

  it("whose sync fails is cut back: nothing of the record stays, and the log appends on", () => {
    const t = twoRecords("sync-fails");
    const before = fs.readFileSync(t.path);
    const e = onCue({ failSync: (p) => p === t.path }, () => refusal(t.append));
    expect(e.code).toBe("io");
    expect(e.message).toBe(`${t.path}: append failed: EIO: i/o error, fdatasync; nothing was recorded`);
    expect(fs.readFileSync(t.path)).toEqual(before);
    t.append();
    t.log.close();
    expect(verifyLog(t.path, { trustedKeys: [t.key.publicKey] })).toMatchObject({ ok: true, records: 3 });
  });

  it("whose sync fails and cannot be cut back: the log takes no more appends and says why; opened again, it keeps the whole record it finds", () => {
    const t = twoRecords("cut-fails");
    const e = onCue({ failSync: (p) => p === t.path, failTruncate: (p) => p === t.path }, () => refusal(t.append));
    expect(e.code).toBe("io");
    expect(e.message).toMatch(/append failed: EIO: i\/o error, fdatasync; cutting the file back to its last whole record failed too \(EIO: i\/o error, ftruncate\): the record may be in the file, whole or in part, so this log takes no more appends; close it and open the log again/);
    expect(t.signer.head.seq).toBe(2); // nothing was issued
    // the record is in the file, whole; the writer does not take it for another writer's
    const after = fs.readFileSync(t.path);
    const later = refusal(t.append);
    expect(later.code).toBe("io");
    expect(later.message).toBe(
      `${t.path}: this log takes no more appends: an append failed (EIO: i/o error, fdatasync) and the file could not be cut back to its last whole record (EIO: i/o error, ftruncate), so that record may be in the file; close it and open the log again, which reads the file to decide what it holds; nothing was recorded`,
    );
    expect(fs.readFileSync(t.path)).toEqual(after);
    t.log.close();
    // opened again, the log holds what the file holds: the record that was not acknowledged, whole
    const again = openLog(t.path);
    expect(again.repaired).toBeNull();
    expect(again.head().records).toBe(3);
    const signer = createSigner(t.key, { head: again.head().chain });
    authorize(fakePolicy(), ADMIN_OK, { signer, lineage: again });
    again.close();
    expect(verifyLog(t.path, { trustedKeys: [t.key.publicKey] })).toMatchObject({ ok: true, records: 4 });
  });

  it("cut short and not cut back: the log takes no more appends; opened again, it moves the part aside as a torn record", () => {
    const t = twoRecords("short-not-cut");
    const e = onCue({ shortWrite: (p) => p === t.path, failTruncate: (p) => p === t.path }, () => refusal(t.append));
    expect(e.message).toMatch(/append failed: short write \(\d+ of \d+ bytes\); cutting the file back .* failed too/);
    expect(refusal(t.append).message).toMatch(/this log takes no more appends: an append failed \(short write/);
    t.log.close();
    const again = openLog(t.path);
    expect(again.repaired).toMatchObject({ index: 2, torn: true, records: 0 });
    expect(again.head().records).toBe(2);
    again.close();
    expect(verifyLog(t.path, { trustedKeys: [t.key.publicKey] })).toMatchObject({ ok: true, records: 2 });
  });
});

describe("a lineage log whose file fails to close (EIO, as NFS or FUSE may say)", () => {
  // close(2) frees the descriptor even when it fails: the next file the host opens is handed the
  // same number, and the log must neither close it again nor append to it.
  it("throws a LineageError (io) naming the file, removes the lock, and never closes or writes to the number the host is handed next", () => {
    const d = join(dir, "close-fails");
    fs.mkdirSync(d);
    const built = buildLog(2, undefined, d);
    const log = openLog(built.path, { fsync: "never" });
    const signer = createSigner(built.key, { head: log.head().chain });
    const logFd = (log as unknown as { fd: number }).fd;
    strayCloses.length = 0;
    let thrown: unknown = null;
    onCue({ failClose: (p) => p === built.path }, () => {
      try {
        log.close();
      } catch (e) {
        thrown = e;
      }
    });
    expect(thrown).toBeInstanceOf(LineageError);
    expect((thrown as InstanceType<typeof LineageError>).code).toBe("io");
    expect((thrown as Error).message).toBe(
      `${built.path}: closing the file failed (EIO: i/o error, close): the records appended last may not have reached the disk (the log was opened with fsync "never"); run \`writ audit verify ${built.path}\` to see what it holds. The log is closed`,
    );
    expect(fs.existsSync(`${built.path}.lock`)).toBe(false);
    // the host's file takes the freed number
    const hostPath = join(d, "host-file");
    const hostFd = fs.openSync(hostPath, "w");
    try {
      expect(hostFd).toBe(logFd);
      // closing again (as a failed close's message once said to) does nothing: the host's file stays open
      log.close();
      expect(strayCloses).toEqual([]);
      expect(fs.writeSync(hostFd, "the host's own")).toBe(14);
      // an append after the failed close is refused as after any close, and writes nothing anywhere
      const logBefore = fs.readFileSync(built.path);
      let refused: unknown = null;
      try {
        authorize(fakePolicy(), ADMIN_OK, { signer, lineage: log });
      } catch (e) {
        refused = e;
      }
      expect(refused).toBeInstanceOf(LineageError);
      expect((refused as InstanceType<typeof LineageError>).code).toBe("closed");
      expect(fs.readFileSync(hostPath, "utf8")).toBe("the host's own");
      expect(fs.readFileSync(built.path)).toEqual(logBefore);
    } finally {
      try {
        fs.closeSync(hostFd);
      } catch {
        // (closed already, by the log: what the assertions above say)
      }
    }
    // the lock is gone: the log opens again, as it was
    const again = openLog(built.path, { fsync: "never" });
    expect(again.head().records).toBe(2);
    again.close();
    expect(verifyLog(built.path, { trustedKeys: [built.key.publicKey] })).toMatchObject({ ok: true, records: 2 });
  });

  it("while an open that failed lets it go: the open's own failure is said, the lock is removed, and the number is closed once", () => {
    const d = join(dir, "close-fails-opening");
    fs.mkdirSync(d);
    const { path, lines } = buildLog(3, undefined, d);
    // a torn last record, which the open cannot save aside (a full disk): the open fails and lets the file go
    fs.writeFileSync(path, lines.slice(0, 2).map((l) => l + "\n").join("") + lines[2]!.slice(0, 100));
    strayCloses.length = 0;
    // (the close that fails is the one of the descriptor the open read and would have appended to,
    // after the save failed: not that of the open's first look at the file, before the lock)
    let saveFailed = false;
    const failSave = (p: string) => (saveFailed ||= p.startsWith(`${path}.torn-`));
    const opened = onCue({ failWrite: failSave, failClose: (p) => p === path && saveFailed }, () => tryOpenLog(path, { fsync: "never" }));
    expect(opened).toMatchObject({ ok: false, error: { code: "io" } });
    expect(!opened.ok && opened.error.message).toMatch(/before cutting them failed: no space left on device \(ENOSPC\); nothing was cut/);
    expect(strayCloses).toEqual([]);
    expect(fs.existsSync(`${path}.lock`)).toBe(false);
  });
});

describe("a lineage log's torn tail that cannot be saved aside", () => {
  it("on a full disk: the log is left as it was, no copy is left beside it, and the error names the file and says nothing was cut", () => {
    const d = join(dir, "torn-full");
    fs.mkdirSync(d);
    const { path, key, lines } = buildLog(4, undefined, d);
    // what a crash in the middle of writing record 3 leaves: its first 200 bytes, no newline
    const torn = lines[3]!.slice(0, 200);
    fs.writeFileSync(path, lines.slice(0, 3).map((l) => l + "\n").join("") + torn);
    const before = snapshot(d);
    const now = () => new Date("2026-01-02T03:04:05.678Z");
    const savedTo = `${path}.torn-2026-01-02T03-04-05-678Z`;
    for (let i = 0; i < 2; i++) {
      const opened = onCue({ failWrite: (p) => p.startsWith(`${path}.torn-`) }, () => tryOpenLog(path, { now }));
      expect(opened).toMatchObject({ ok: false, error: { code: "io" } });
      // the log, its torn tail included, and nothing beside it: opening again tries the same name
      expect(snapshot(d)).toEqual(before);
      expect(!opened.ok && opened.error.message).toBe(
        `${path}: its last 200 bytes (from record 3 on) are what a crash left, and saving them to ${savedTo} before cutting them failed: no space left on device (ENOSPC); nothing was cut, the log is as it was (opening it again repairs it, once they can be saved)`,
      );
    }
    // with room, the tail is moved aside to one file
    const log = openLog(path, { now });
    expect(log.repaired).toMatchObject({ kind: "moved", index: 3, bytes: 200, savedTo, torn: true });
    log.close();
    expect(fs.readdirSync(d).sort()).toEqual(["audit.jsonl", "audit.jsonl.torn-2026-01-02T03-04-05-678Z"]);
    expect(fs.readFileSync(savedTo, "utf8")).toBe(torn);
    expect(verifyLog(path, { trustedKeys: [key.publicKey] })).toMatchObject({ ok: true, records: 3 });
  });
});
