// What a process finishing a write of a bundle removes (the old signature of an unsigned write, the
// write's record), with other processes' steps run at the instant it takes the file from its name:
// node:fs is wrapped so that a move or link of a chosen file to another name runs the other steps
// first, or just after, as a reader finishing the same write, or the next writes of the bundle,
// running beside it would. Whatever the interleaving, the bundle is left as one write wrote it,
// whole: a signature one write removed is never put back, and the record of a write under way never
// leaves its name while that write renames its files.

import { describe, expect, it, vi } from "vitest";

/** The steps made to run other steps first; set by each test, cleared after it. */
const cue: {
  /** before a rename or link of the entry at `from` to another name */
  beforeTake?: (from: string) => void;
  /** after a rename or link of the entry at `from` to another name */
  afterTake?: (from: string) => void;
  /** a link of the entry at `from` fails (EPERM, as on a file system without hard links) when this says so */
  failLink?: (from: string) => boolean;
} = {};

/** The real node:fs, for the other processes' steps. */
const real: { fs?: typeof import("node:fs") } = {};

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  real.fs = fs;
  const taking =
    <F extends (from: import("node:fs").PathLike, to: import("node:fs").PathLike) => void>(call: F, name: string) =>
    (from: import("node:fs").PathLike, to: import("node:fs").PathLike): void => {
      if (name === "link" && cue.failLink?.(String(from)))
        throw Object.assign(new Error(`EPERM: operation not permitted, link '${String(from)}' -> '${String(to)}'`), { code: "EPERM", syscall: "link" });
      cue.beforeTake?.(String(from));
      call(from, to);
      cue.afterTake?.(String(from));
    };
  const wrapped = { ...fs, renameSync: taking(fs.renameSync, "rename"), linkSync: taking(fs.linkSync, "link") };
  return { ...wrapped, default: wrapped };
});

const { readdirSync } = await import("node:fs");
const { join } = await import("node:path");
const { readBundle, readBundleResult, writeBundle } = await import("../../runtime/trust/bundle-files.js");
const { finishPendingWrite, recordPendingWrite } = await import("../../runtime/trust/bundle-pending.js");
const { verifyBundle } = await import("../../runtime/trust/bundle.js");
const { stageFile } = await import("../../runtime/file-write.js");
type Bundle = import("../../runtime/manifest.js").Bundle;

const { trustedKeys, v1, v2, v3, unsigned2, freshDirs } = await import("./bundle-versions.js");
const freshDir = freshDirs("bundle-removals");

/** Runs `body` with `set` cued, then clears every cue. */
function onCue<T>(set: typeof cue, body: () => T): T {
  Object.assign(cue, set);
  try {
    return body();
  } finally {
    cue.beforeTake = undefined;
    cue.afterTake = undefined;
    cue.failLink = undefined;
  }
}

/** A cue that runs once, for a move or link from `from`: cleared before it runs, so that what it runs is not cued in turn. */
function once(which: "beforeTake" | "afterTake", from: string, run: () => void): (path: string) => void {
  return (path) => {
    if (path !== from) return;
    cue[which] = undefined;
    run();
  };
}

/** A write of `bundle` over `dir` as writeBundle makes it, up to its record: its renames are the caller's. */
function recordedWrite(dir: string, bundle: Bundle) {
  const encoder = new TextEncoder();
  const files: [string, Uint8Array][] = [
    [join(dir, "p.wasm"), bundle.module],
    [join(dir, "p.manifest.json"), encoder.encode(JSON.stringify(bundle.manifest, null, 2) + "\n")],
  ];
  if (bundle.signature !== undefined) files.push([join(dir, "p.manifest.jws"), encoder.encode(bundle.signature + "\n")]);
  const parts = files.map(([path, bytes]) => ({ staged: stageFile(path, bytes), bytes }));
  return recordPendingWrite(dir, "p", parts, bundle.signature === undefined ? ["p.manifest.jws"] : []);
}

/** Whether `read` is `bundle` exactly: its module, its manifest and its signature (or none). */
function isExactly(read: Bundle, bundle: Bundle): boolean {
  return Buffer.from(read.module).equals(Buffer.from(bundle.module)) && JSON.stringify(read.manifest) === JSON.stringify(bundle.manifest) && read.signature === bundle.signature;
}

describe("the old signature an unsigned write removes", () => {
  it("taken from its name by the writer just as a reader finishes the same write: stays removed, not put back beside the new manifest", () => {
    const d = freshDir();
    writeBundle(d, v1);
    const write = recordedWrite(d, unsigned2);
    // the writer has put the new module and manifest in place and takes the old signature to remove
    // it; at that instant a reader finds the record, finishes the write (removing the signature, and
    // the record), and reads the new bundle
    let read: ReturnType<typeof readBundleResult> | undefined;
    const finished = onCue({ afterTake: once("afterTake", join(d, "p.manifest.jws"), () => (read = readBundleResult(d))) }, () => finishPendingWrite(write, true));
    expect(finished).toEqual({ ok: true });
    expect(read?.ok && isExactly(read.bundle, unsigned2)).toBe(true);
    expect(readdirSync(d).sort()).toEqual(["p.manifest.json", "p.wasm"]);
    const after = readBundle(d);
    expect(isExactly(after, unsigned2)).toBe(true);
    expect(verifyBundle(after, { trustedKeys, allowUnsigned: true })).toMatchObject({ ok: true });
  });

  it("where no hard link can be made (EPERM): is removed as before, by a move aside", () => {
    const d = freshDir();
    writeBundle(d, v1);
    const finished = onCue({ failLink: (from) => from === join(d, "p.manifest.jws") }, () => writeBundle(d, unsigned2));
    expect(finished).toEqual([join(d, "p.wasm"), join(d, "p.manifest.json")]);
    expect(readdirSync(d).sort()).toEqual(["p.manifest.json", "p.wasm"]);
    expect(isExactly(readBundle(d), unsigned2)).toBe(true);
  });
});

describe("the record a finished write removes", () => {
  it("when the next write has recorded itself there just before: stays in its place, and a third write finds it there", () => {
    const d = freshDir();
    writeBundle(d, v1);
    const first = recordedWrite(d, v2);
    const recordPath = first.recordPath;
    let second: ReturnType<typeof recordedWrite> | undefined;
    // the first write's files are in place, and its writer comes to remove its record; just before it
    // takes the record from its name, a reader finishes the first write (its record gone), and a
    // second write records itself and puts its module and manifest in place; just after, a third
    // write of the bundle runs whole
    const finished = onCue(
      {
        beforeTake: once("beforeTake", recordPath, () => {
          expect(readBundleResult(d).ok).toBe(true);
          second = recordedWrite(d, v3);
          for (const m of second.moves.slice(0, 2)) real.fs!.renameSync(m.temp, m.target);
          // cued only now: the reader's own removal of the record is not the one looked at
          cue.afterTake = once("afterTake", recordPath, () => writeBundle(d, v1));
        }),
      },
      () => finishPendingWrite(first, true),
    );
    expect(finished).toEqual({ ok: true });
    // the second write's writer goes on with its last rename, as its loop does (a staged file gone
    // is one a reader took: finishPendingWrite then looks at what is in place), and ends its write
    const signature = second!.moves[2]!;
    try {
      real.fs!.renameSync(signature.temp, signature.target);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    expect(finishPendingWrite(second!, true)).toEqual({ ok: true });
    const read = readBundle(d);
    expect(verifyBundle(read, { trustedKeys })).toMatchObject({ ok: true });
    expect(isExactly(read, v1) || isExactly(read, v3)).toBe(true);
    expect(readdirSync(d).sort()).toEqual(["p.manifest.json", "p.manifest.jws", "p.wasm"]);
  });

  it("where no hard link can be made (EPERM): is removed as before, by a move aside", () => {
    const d = freshDir();
    writeBundle(d, v1);
    onCue({ failLink: (from) => from === join(d, ".p.bundle-pending.json") }, () => writeBundle(d, v2));
    expect(readdirSync(d).sort()).toEqual(["p.manifest.json", "p.manifest.jws", "p.wasm"]);
    expect(isExactly(readBundle(d), v2)).toBe(true);
  });
});
