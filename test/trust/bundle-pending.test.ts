// A bundle replaced by a write that was stopped between its renames, built here by hand as the stopped
// write leaves it: its new files staged and flushed, the record of the write on disk, and only some of
// the files renamed into place (the rest of writeBundle never ran, as after a SIGKILL). Whoever reads or
// writes the bundle next finds a whole bundle, old or new, never a mix the loader would refuse, and is
// told what was done; the directory is left holding the bundle's files alone.

import { chownSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, truncateSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readBundle, readBundleResult, writeBundle, BundleFileError } from "../../runtime/trust/bundle-files.js";
import { recordPendingWrite, type StagedPart } from "../../runtime/trust/bundle-pending.js";
import { signBundle, verifyBundle } from "../../runtime/trust/bundle.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { stageFile } from "../../runtime/file-write.js";
import type { Bundle } from "../../runtime/manifest.js";
import { fakeBundle } from "./fake-policy.js";
import { tempDir } from "../support/temp-dir.js";

const root = tempDir("bundle-pending");
const key = generateKeyPair();
const trustedKeys = [key.publicKey];
const oldBundle = signBundle(fakeBundle({ name: "p", version: "1.0.0", moduleText: "old module" }), key);
const newBundle = signBundle(fakeBundle({ name: "p", version: "2.0.0", moduleText: "the new module, longer" }), key);
const unsignedNew: Bundle = { module: newBundle.module, manifest: newBundle.manifest };

let count = 0;
function freshDir(): string {
  const d = join(root, `d${count++}`);
  mkdirSync(d);
  return d;
}

/**
 * `bundle` written over what `dir` holds as writeBundle writes it, stopped after `renamed` of its
 * files were renamed into place: what a SIGKILL between two renames leaves.
 */
function stoppedWrite(dir: string, bundle: Bundle, renamed: number): StagedPart[] {
  const files: [string, Uint8Array][] = [
    [join(dir, "p.wasm"), bundle.module],
    [join(dir, "p.manifest.json"), new TextEncoder().encode(JSON.stringify(bundle.manifest, null, 2) + "\n")],
  ];
  if (bundle.signature !== undefined) files.push([join(dir, "p.manifest.jws"), new TextEncoder().encode(bundle.signature + "\n")]);
  const parts = files.map(([path, bytes]) => ({ staged: stageFile(path, bytes), bytes }));
  recordPendingWrite(dir, "p", parts, bundle.signature === undefined ? ["p.manifest.jws"] : []);
  for (const { staged } of parts.slice(0, renamed)) renameSync(staged.temp, staged.target);
  return parts;
}

describe("a bundle whose replacement was stopped between two renames", () => {
  it("is finished by the next read: the new bundle, whole, and a note saying so (after each of the renames)", () => {
    for (const renamed of [0, 1, 2]) {
      const d = freshDir();
      writeBundle(d, oldBundle);
      stoppedWrite(d, newBundle, renamed);
      expect(readdirSync(d).filter((n) => n.startsWith(".")).length, `${renamed} renamed`).toBeGreaterThan(0);
      const read = readBundleResult(d);
      if (!read.ok) throw new Error(read.message);
      expect(read.recovered).toBe(
        `bundle "p" in ${d} was being replaced by a write that had not finished (under way, or stopped before it was done); its new files were whole, and it was finished (p.wasm, p.manifest.json, p.manifest.jws put in place)`,
      );
      expect(read.bundle.manifest.version).toBe("2.0.0");
      expect(verifyBundle(read.bundle, { trustedKeys })).toMatchObject({ ok: true, keyId: key.keyId });
      // finished: the bundle's files alone, and the next read has nothing to say
      expect(readdirSync(d).sort()).toEqual(["p.manifest.json", "p.manifest.jws", "p.wasm"]);
      expect(readBundleResult(d)).not.toHaveProperty("recovered");
    }
  });

  it("unsigned over signed, stopped before the old signature went: the new bundle, unsigned, the old signature removed", () => {
    const d = freshDir();
    writeBundle(d, oldBundle);
    stoppedWrite(d, unsignedNew, 2);
    // as the stop left it, the old signature beside the new manifest: refused by any loader
    expect(readFileSync(join(d, "p.manifest.jws"), "utf8")).toBe(oldBundle.signature + "\n");
    const read = readBundle(d);
    expect(read.signature).toBe(undefined);
    expect(read.manifest.version).toBe("2.0.0");
    expect(verifyBundle(read, { allowUnsigned: true })).toMatchObject({ ok: true });
    expect(readdirSync(d).sort()).toEqual(["p.manifest.json", "p.wasm"]);
  });

  it("the bundle's first write, stopped before its manifest was in place, is found in its directory and finished", () => {
    const d = freshDir();
    stoppedWrite(d, newBundle, 1);
    expect(readdirSync(d).filter((n) => !n.startsWith("."))).toEqual(["p.wasm"]);
    const read = readBundleResult(d); // by its directory alone: the record names the bundle
    expect(read.ok && read.name).toBe("p");
    expect(read.ok && verifyBundle(read.bundle, { trustedKeys })).toMatchObject({ ok: true });
  });

  it("with a staged file that is not whole is abandoned: the files in place stand, the staged files and the record go", () => {
    const d = freshDir();
    writeBundle(d, oldBundle);
    const parts = stoppedWrite(d, newBundle, 0);
    truncateSync(parts[1]!.staged.temp, 10); // no stopped write leaves this: the record comes after the flush
    const read = readBundleResult(d);
    if (!read.ok) throw new Error(read.message);
    expect(read.recovered).toBe(
      `bundle "p" in ${d} was being replaced by a write that had not finished (under way, or stopped before it was done), and its new p.manifest.json is not whole: that write was abandoned, and the bundle's files are those in place`,
    );
    expect(read.bundle.manifest.version).toBe("1.0.0");
    expect(verifyBundle(read.bundle, { trustedKeys })).toMatchObject({ ok: true });
    expect(readdirSync(d).sort()).toEqual(["p.manifest.json", "p.manifest.jws", "p.wasm"]);
  });

  it("is finished by the next write before it writes: a write that then fails leaves a whole bundle", () => {
    const d = freshDir();
    writeBundle(d, oldBundle);
    stoppedWrite(d, newBundle, 1);
    const third = signBundle(fakeBundle({ name: "p", version: "3.0.0", moduleText: "a third module" }), key);
    writeBundle(d, third);
    expect(readdirSync(d).sort()).toEqual(["p.manifest.json", "p.manifest.jws", "p.wasm"]);
    expect(readBundle(d).manifest.version).toBe("3.0.0");
    expect(verifyBundle(readBundle(d), { trustedKeys })).toMatchObject({ ok: true });
  });
});

describe("a record of a write that writ did not write", () => {
  it("that cannot be read is refused, naming it, by readers and writers alike", () => {
    const d = freshDir();
    writeBundle(d, oldBundle);
    const record = join(d, ".p.bundle-pending.json");
    writeFileSync(record, "{ not json");
    const read = readBundleResult(d);
    expect(read.ok).toBe(false);
    expect(!read.ok && read.path).toBe(record);
    expect(!read.ok && read.message).toMatch(
      new RegExp(`^bundle "p" in ${d} has a record of a write under way, ${record}, that cannot be read \\(it is not valid JSON: .*\\): no writ command wrote it as it is; remove it, and compile or sign the bundle again$`),
    );
    expect(() => writeBundle(d, newBundle)).toThrow(BundleFileError);
    expect(() => writeBundle(d, newBundle)).toThrow(/has a record of a write under way, .* that cannot be read/);
    // nothing was written: the old bundle is as it was once the record is gone
    expect(readdirSync(d).sort()).toEqual([".p.bundle-pending.json", "p.manifest.json", "p.manifest.jws", "p.wasm"]);
  });

  it("naming a file outside the bundle renames nothing there: it is read as no record of this bundle's files", () => {
    const d = freshDir();
    writeBundle(d, oldBundle);
    const outside = join(root, `victim-${count}`);
    writeFileSync(outside, "keep me");
    const record = join(d, ".p.bundle-pending.json");
    const base: { v: string; id: string; name: string; files: unknown[]; remove: string[] } = { v: "writ-bundle-pending/1", id: "0".repeat(32), name: "p", files: [], remove: ["p.manifest.jws"] };
    // a file that is not one of the bundle's: the record is no record writeBundle writes, and is refused
    base.files = [
      { file: "../" + outside.split("/").pop(), staged: ".p.wasm.1.000000000000.tmp", size: 1, sha256: "0".repeat(64) },
      { file: "p.manifest.json", staged: ".p.manifest.json.1.000000000000.tmp", size: 1, sha256: "0".repeat(64) },
    ];
    writeFileSync(record, JSON.stringify(base));
    expect(readBundleResult(d)).toMatchObject({ ok: false, path: record });
    // a staged file's name that leads out of the directory: not a name stageFile gives, so never renamed
    writeFileSync(join(root, "planted"), "planted");
    base.files = [
      { file: "p.wasm", staged: "../planted", size: 7, sha256: "0".repeat(64) },
      { file: "p.manifest.json", staged: ".p.manifest.json.1.000000000000.tmp", size: 1, sha256: "0".repeat(64) },
    ];
    writeFileSync(record, JSON.stringify(base));
    const read = readBundleResult(d);
    expect(read.ok && read.recovered).toMatch(/that write was abandoned, and the bundle's files are those in place$/);
    expect(read.ok && read.bundle.manifest.version).toBe("1.0.0");
    expect(readFileSync(outside, "utf8")).toBe("keep me");
    expect(readFileSync(join(root, "planted"), "utf8")).toBe("planted");
    expect(readdirSync(d).sort()).toEqual(["p.manifest.json", "p.manifest.jws", "p.wasm"]);
  });
});

/** The running user may give files away (root): files of other users can be made. */
const canChown = process.getuid?.() === 0;
/** The bundle's owner, and another user who may create files beside it (a sticky directory) but not replace them. */
const OWNER = 2001;
const OTHER = 2002;

/**
 * A record of a write of `bundle`, and its staged files, put beside the bundle in `dir` as another
 * user could plant them: a well-formed record naming staged files whose sizes and digests match.
 */
function plantedWrite(dir: string, bundle: Bundle): { record: string; staged: string[] } {
  const files: [string, Uint8Array][] = [
    ["p.wasm", bundle.module],
    ["p.manifest.json", new TextEncoder().encode(JSON.stringify(bundle.manifest, null, 2) + "\n")],
  ];
  if (bundle.signature !== undefined) files.push(["p.manifest.jws", new TextEncoder().encode(bundle.signature + "\n")]);
  const parts = files.map(([file, bytes]) => {
    const staged = `.${file}.1.aaaaaaaaaaaa.tmp`;
    writeFileSync(join(dir, staged), bytes);
    return { file, staged, size: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") };
  });
  const record = join(dir, ".p.bundle-pending.json");
  const remove = bundle.signature === undefined ? ["p.manifest.jws"] : [];
  writeFileSync(record, JSON.stringify({ v: "writ-bundle-pending/1", id: "0".repeat(32), name: "p", files: parts, remove }) + "\n");
  return { record, staged: parts.map((p) => join(dir, p.staged)) };
}

/** Each entry of `dir` with its owner and, for a file, its contents' digest: what a read must leave as it was. */
function snapshot(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .map((n) => `${n} ${lstatSync(join(dir, n)).uid} ${createHash("sha256").update(readFileSync(join(dir, n))).digest("hex")}`);
}

describe.runIf(canChown)("a record of a write planted by a user who does not own the bundle", () => {
  /** `oldBundle` in place, owned by OWNER, as another user's reader finds it */
  function ownedBundle(): string {
    const d = freshDir();
    writeBundle(d, oldBundle);
    for (const n of readdirSync(d)) chownSync(join(d, n), OWNER, OWNER);
    return d;
  }

  it("is ignored, and said to be: the bundle in place is read unchanged, and nothing is renamed or removed", () => {
    for (const planted of [newBundle, unsignedNew]) {
      const d = ownedBundle();
      const { record, staged } = plantedWrite(d, planted);
      for (const f of [record, ...staged]) chownSync(f, OTHER, OTHER);
      const before = snapshot(d);
      const read = readBundleResult(d);
      if (!read.ok) throw new Error(read.message);
      expect(read.bundle.manifest.version).toBe("1.0.0");
      expect(read.bundle.signature).toBe(oldBundle.signature);
      expect(verifyBundle(read.bundle, { trustedKeys })).toMatchObject({ ok: true });
      expect(read.recovered).toBe(
        `bundle "p" in ${d} has a record of a write under way, ${record}, owned by uid ${OTHER} (not by root or the bundle's owner): it was ignored, and the bundle's files are those in place`,
      );
      expect(snapshot(d)).toEqual(before);
    }
  });

  it("is ignored when it cannot even be read, rather than refusing the bundle to its owner", () => {
    for (const text of ["not json", JSON.stringify({ v: "writ-bundle-pending/1", name: "other" })]) {
      const d = ownedBundle();
      const record = join(d, ".p.bundle-pending.json");
      writeFileSync(record, text);
      chownSync(record, OTHER, OTHER);
      const before = snapshot(d);
      const read = readBundleResult(d);
      if (!read.ok) throw new Error(read.message);
      expect(read.bundle.manifest.version).toBe("1.0.0");
      expect(read.recovered).toMatch(/owned by uid \d+ \(not by root or the bundle's owner\): it was ignored/);
      expect(snapshot(d)).toEqual(before);
    }
  });

  it("naming a staged file of that user's, in a record of the bundle's owner, is ignored as well", () => {
    const d = ownedBundle();
    const { record, staged } = plantedWrite(d, newBundle);
    chownSync(record, OWNER, OWNER);
    chownSync(staged[0]!, OWNER, OWNER);
    chownSync(staged[1]!, OTHER, OTHER);
    chownSync(staged[2]!, OWNER, OWNER);
    const before = snapshot(d);
    const read = readBundleResult(d);
    expect(read.ok && read.bundle.manifest.version).toBe("1.0.0");
    expect(read.ok && read.recovered).toBe(
      `bundle "p" in ${d} has a record of a write under way, ${record}, names a staged file, ${staged[1]}, owned by uid ${OTHER} (not by root or the owner of ${join(d, "p.manifest.json")}): it was ignored, and the bundle's files are those in place`,
    );
    expect(snapshot(d)).toEqual(before);
  });

  it("is the bundle owner's own, with its staged files: finished, as that owner's write", () => {
    const d = ownedBundle();
    const { record, staged } = plantedWrite(d, newBundle);
    for (const f of [record, ...staged]) chownSync(f, OWNER, OWNER);
    const read = readBundleResult(d);
    expect(read.ok && read.recovered).toMatch(/it was finished \(p\.wasm, p\.manifest\.json, p\.manifest\.jws put in place\)$/);
    expect(read.ok && read.bundle.manifest.version).toBe("2.0.0");
    expect(readdirSync(d).sort()).toEqual(["p.manifest.json", "p.manifest.jws", "p.wasm"]);
  });

  it("cannot keep the owner's stopped write from being finished by a file under the name of a staged file already renamed into place", () => {
    for (const renamed of [1, 2]) {
      const d = ownedBundle();
      const parts = stoppedWrite(d, newBundle, renamed);
      for (const n of readdirSync(d)) chownSync(join(d, n), OWNER, OWNER);
      // the other user's file, created under the module's staged name once it was renamed
      const junk = parts[0]!.staged.temp;
      writeFileSync(junk, "not the module");
      chownSync(junk, OTHER, OTHER);
      const read = readBundleResult(d);
      if (!read.ok) throw new Error(read.message);
      expect(read.recovered, `${renamed} renamed`).toMatch(/its new files were whole, and it was finished \(p\.wasm, p\.manifest\.json, p\.manifest\.jws put in place\)$/);
      expect(read.bundle.manifest.version).toBe("2.0.0");
      expect(verifyBundle(read.bundle, { trustedKeys })).toMatchObject({ ok: true });
      // theirs, where they put it: neither renamed into place nor removed
      expect(readFileSync(junk, "utf8")).toBe("not the module");
      expect(lstatSync(junk).uid).toBe(OTHER);
      expect(readdirSync(d).sort()).toEqual([junk.slice(d.length + 1), "p.manifest.json", "p.manifest.jws", "p.wasm"].sort());
    }
  });

  it("does not stop a write by root: its own record replaces the planted one, and the staged files it names stay theirs", () => {
    const d = ownedBundle();
    const { record, staged } = plantedWrite(d, unsignedNew);
    for (const f of [record, ...staged]) chownSync(f, OTHER, OTHER);
    const third = signBundle(fakeBundle({ name: "p", version: "3.0.0", moduleText: "a third module" }), key);
    writeBundle(d, third);
    expect(readBundle(d).manifest.version).toBe("3.0.0");
    expect(verifyBundle(readBundle(d), { trustedKeys })).toMatchObject({ ok: true });
    expect(readdirSync(d).sort()).toEqual([...staged.map((s) => s.slice(d.length + 1)), "p.manifest.json", "p.manifest.jws", "p.wasm"].sort());
  });
});
