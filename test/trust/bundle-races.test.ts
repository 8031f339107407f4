// A bundle read while another process writes it, the two interleaved on cue: node:fs is wrapped so
// that a chosen step of the reader (its look for the record of a write, its opening of a file, a
// rename it tries) runs the other process's steps first, as a writer running beside it, or finishing
// the write at that instant, would. Whatever the interleaving, a reader returns a whole bundle, old or
// new, read from bytes it checked, or refuses, saying why in words that are so; it never returns a mix
// its loader would refuse, nor files put under a write's names by someone else after it checked them.

import { describe, expect, it, vi } from "vitest";

/** The steps made to run other steps first; set by each test, cleared after it. */
const cue: {
  /** after the entry at `path` was looked at (lstat) */
  afterLstat?: (path: string) => void;
  /** before the file at `path` is opened */
  beforeOpen?: (path: string) => void;
  /** a rename to `to` fails (EACCES, as in a directory the reader may not write) when this says so */
  failRename?: (to: string) => boolean;
} = {};

/** The real node:fs, for the other process's steps. */
const real: { fs?: typeof import("node:fs") } = {};

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  real.fs = fs;
  const wrapped = {
    ...fs,
    lstatSync(path: import("node:fs").PathLike, ...rest: unknown[]) {
      try {
        return (fs.lstatSync as (...a: unknown[]) => import("node:fs").Stats)(path, ...rest);
      } finally {
        cue.afterLstat?.(String(path));
      }
    },
    openSync(path: import("node:fs").PathLike, ...rest: unknown[]) {
      cue.beforeOpen?.(String(path));
      return (fs.openSync as (...a: unknown[]) => number)(path, ...rest);
    },
    renameSync(from: import("node:fs").PathLike, to: import("node:fs").PathLike) {
      if (cue.failRename?.(String(to))) throw Object.assign(new Error(`EACCES: permission denied, rename '${String(from)}' -> '${String(to)}'`), { code: "EACCES", syscall: "rename" });
      return fs.renameSync(from, to);
    },
  };
  return { ...wrapped, default: wrapped };
});

const { readdirSync, writeFileSync } = await import("node:fs");
const { join } = await import("node:path");
const { readBundleResult, writeBundle } = await import("../../runtime/trust/bundle-files.js");
const { finishPendingWrite, recordPendingWrite } = await import("../../runtime/trust/bundle-pending.js");
const { verifyBundle } = await import("../../runtime/trust/bundle.js");
const { stageFile } = await import("../../runtime/file-write.js");
type Bundle = import("../../runtime/manifest.js").Bundle;

const { trustedKeys, v1, v2, v3, unsigned2, freshDirs } = await import("./bundle-versions.js");
const freshDir = freshDirs("bundle-races");

/** Runs `body` with `set` cued, then clears every cue. */
function onCue<T>(set: typeof cue, body: () => T): T {
  Object.assign(cue, set);
  try {
    return body();
  } finally {
    cue.afterLstat = undefined;
    cue.beforeOpen = undefined;
    cue.failRename = undefined;
  }
}

/** A cue that runs once: cleared before it runs, so that what it runs is not cued in turn. */
function once<A>(which: "afterLstat" | "beforeOpen", when: (path: string) => boolean, run: () => A): (path: string) => void {
  return (path) => {
    if (!when(path)) return;
    cue[which] = undefined;
    run();
  };
}

/** The bytes writeBundle writes for each file of `bundle` in `dir`. */
function filesOf(dir: string, bundle: Bundle): [string, Uint8Array][] {
  const files: [string, Uint8Array][] = [
    [join(dir, "p.wasm"), bundle.module],
    [join(dir, "p.manifest.json"), new TextEncoder().encode(JSON.stringify(bundle.manifest, null, 2) + "\n")],
  ];
  if (bundle.signature !== undefined) files.push([join(dir, "p.manifest.jws"), new TextEncoder().encode(bundle.signature + "\n")]);
  return files;
}

/** A write of `bundle` over `dir` as writeBundle makes it, up to its record: its renames are the caller's. */
function recordedWrite(dir: string, bundle: Bundle) {
  const parts = filesOf(dir, bundle).map(([path, bytes]) => ({ staged: stageFile(path, bytes), bytes }));
  return recordPendingWrite(dir, "p", parts, bundle.signature === undefined ? ["p.manifest.jws"] : []);
}

const isRecord = (d: string) => (path: string) => path === join(d, ".p.bundle-pending.json");

describe("a reader beside a write of the bundle", () => {
  it("that begins after the reader looked for its record and renames the module before the reader reads it: the bundle is read again, whole", () => {
    const d = freshDir();
    writeBundle(d, v1);
    // the writer at that instant: its record written, the new module renamed into place, and then
    // stopped (or slow): the files in place are the new module beside the old manifest and signature
    const read = onCue(
      {
        afterLstat: once("afterLstat", isRecord(d), () => {
          const write = recordedWrite(d, v2);
          real.fs!.renameSync(write.moves[0]!.temp, write.moves[0]!.target);
        }),
      },
      () => readBundleResult(d),
    );
    if (!read.ok) throw new Error(read.message);
    expect(read.bundle.manifest.version).toBe("2.0.0");
    expect(verifyBundle(read.bundle, { trustedKeys })).toMatchObject({ ok: true });
    expect(read.recovered).toMatch(/was being replaced by a write that had not finished \(under way, or stopped before it was done\); its new files were whole, and it was finished/);
    expect(readdirSync(d).sort()).toEqual(["p.manifest.json", "p.manifest.jws", "p.wasm"]);
  });

  it("whose record goes between the reader's look at it and its opening of it (the write done): no record, not an unreadable one", () => {
    const d = freshDir();
    writeBundle(d, v1);
    const write = recordedWrite(d, v2);
    const read = onCue({ afterLstat: once("afterLstat", isRecord(d), () => finishPendingWrite(write)) }, () => readBundleResult(d));
    if (!read.ok) throw new Error(read.message);
    expect(read.bundle.manifest.version).toBe("2.0.0");
    expect(verifyBundle(read.bundle, { trustedKeys })).toMatchObject({ ok: true });
    expect(read).not.toHaveProperty("recovered");
    // nor does a writer refuse on it
    const again = recordedWrite(d, v1);
    onCue({ afterLstat: once("afterLstat", isRecord(d), () => finishPendingWrite(again)) }, () => writeBundle(d, v3));
    const after = readBundleResult(d);
    expect(after.ok && after.bundle.manifest.version).toBe("3.0.0");
  });

  it("that finishes and is followed by another while the reader checks its files: nothing is said to be abandoned, and the newest bundle is read whole", () => {
    const d = freshDir();
    writeBundle(d, v1);
    const first = recordedWrite(d, v2);
    // once the reader has read the first write's record and goes to its staged module: that write
    // is finished by its writer, and the next begins, its module renamed into place
    const read = onCue(
      {
        beforeOpen: once("beforeOpen", (p) => p === first.moves[0]!.temp, () => {
          finishPendingWrite(first);
          const next = recordedWrite(d, v3);
          real.fs!.renameSync(next.moves[0]!.temp, next.moves[0]!.target);
        }),
      },
      () => readBundleResult(d),
    );
    if (!read.ok) throw new Error(read.message);
    expect(read.bundle.manifest.version).toBe("3.0.0");
    expect(verifyBundle(read.bundle, { trustedKeys })).toMatchObject({ ok: true });
    expect(read.recovered).not.toMatch(/abandoned/);
    expect(readdirSync(d).sort()).toEqual(["p.manifest.json", "p.manifest.jws", "p.wasm"]);
  });

  it("that keeps changing it while it is read is refused after a few readings, saying so (not naming a file as damaged)", () => {
    const d = freshDir();
    writeBundle(d, v1);
    // at each reading: a signed write as the manifest is opened, an unsigned one (which removes the
    // signature) between the reader's finding the signature and its opening of it
    let writes = 0;
    let busy = false;
    const write = (bundle: Bundle): void => {
      busy = true;
      try {
        writeBundle(d, bundle);
        writes++;
      } finally {
        busy = false;
      }
    };
    const read = onCue(
      {
        beforeOpen: (p) => {
          if (busy) return;
          if (p === join(d, "p.manifest.json")) write(writes % 4 === 0 ? v2 : v3);
          else if (p === join(d, "p.manifest.jws")) write(unsigned2);
        },
      },
      () => readBundleResult(d),
    );
    expect(writes).toBeGreaterThan(2);
    expect(read.ok).toBe(false);
    expect(!read.ok && read.message).toBe(`bundle "p" in ${d} kept changing while it was read: a write of it changed it each of the 5 times it was read; try again once that write is done`);
    expect(!read.ok && read.path).toBe(d);
  });
});

describe("a reader that may not finish a write (it cannot rename in the directory)", () => {
  it("reads the bundle from the bytes it checked against the record, not from files put under the staged names since", () => {
    // as the reader finds it cannot rename: the write's own process renames its files into place (and
    // removes its record, or is about to), and someone who may create files in the directory (a sticky
    // one) puts an older signed release under the staged names
    for (const recordStays of [true, false]) {
      const d = freshDir();
      writeBundle(d, v1);
      const write = recordedWrite(d, v2);
      const staged = write.moves.map((m) => m.temp);
      let planted = false;
      const read = onCue(
        {
          failRename: (to) => {
            if (!to.startsWith(d + "/p.")) return false;
            if (!planted) {
              planted = true;
              for (const m of write.moves) real.fs!.renameSync(m.temp, m.target);
              if (!recordStays) real.fs!.unlinkSync(write.recordPath);
              filesOf(d, v1).forEach(([, bytes], i) => writeFileSync(staged[i]!, bytes));
            }
            return true;
          },
        },
        () => readBundleResult(d),
      );
      if (!read.ok) throw new Error(read.message);
      expect(planted).toBe(true);
      expect(read.bundle.manifest.version, `record stays: ${recordStays}`).toBe("2.0.0");
      expect(Buffer.from(read.bundle.module).equals(Buffer.from(v2.module))).toBe(true);
      expect(read.bundle.signature).toBe(v2.signature);
      expect(verifyBundle(read.bundle, { trustedKeys })).toMatchObject({ ok: true });
      if (recordStays)
        expect(read.recovered).toMatch(
          /its new files are whole, but it cannot be finished here \(cannot write .*p\.wasm: permission denied \(EACCES\)\): read as that write leaves it, from its new files as they were read and checked against its record/,
        );
      // the record gone: the write was finished, and its files in place are read
      else expect(read).not.toHaveProperty("recovered");
    }
  });
});
