// Staged files left behind by writes of a bundle that were killed (SIGKILL) before they recorded the
// write: the next write of that bundle removes those that are certainly left over (its user's, of a
// process that no longer runs, over an hour old, named by no record), and nothing else: not another
// user's, not a running writer's, not a recent one (a writer on another host or in another container
// sharing the directory), not one a record names, not another file's temporary file.

import { spawnSync } from "node:child_process";
import { chownSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readBundle, writeBundle } from "../../runtime/trust/bundle-files.js";
import { signBundle, verifyBundle } from "../../runtime/trust/bundle.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { fakeBundle } from "./fake-policy.js";
import { tempDir } from "../support/temp-dir.js";

const root = tempDir("bundle-leftovers");
const key = generateKeyPair();
const v1 = signBundle(fakeBundle({ name: "p", version: "1.0.0", moduleText: "the first module" }), key);
const v2 = signBundle(fakeBundle({ name: "p", version: "2.0.0", moduleText: "the second module" }), key);

let count = 0;
function freshDir(): string {
  const d = join(root, `d${count++}`);
  mkdirSync(d);
  return d;
}

/** The id of a process that has ended. */
function endedPid(): number {
  const child = spawnSync(process.execPath, ["-e", ""]);
  return child.pid!;
}

/** A file `name` in `dir` last written `hoursAgo` hours ago. */
function leftover(dir: string, name: string, hoursAgo: number): string {
  const path = join(dir, name);
  writeFileSync(path, "staged contents");
  const when = (Date.now() - hoursAgo * 3600_000) / 1000;
  utimesSync(path, when, when);
  return name;
}

describe("a write of a bundle, where killed writes of it left staged files", () => {
  it("removes those of its user's ended processes that are over an hour old, and keeps every other file", () => {
    const d = freshDir();
    writeBundle(d, v1);
    const dead = endedPid();
    const removed = [
      leftover(d, `.p.wasm.${dead}.0123456789ab.tmp`, 2),
      leftover(d, `.p.manifest.json.${dead}.0123456789ab.tmp`, 2),
      leftover(d, `.p.manifest.jws.${dead}.0123456789ab.tmp`, 30),
      // the record's own, killed before it was renamed into place
      leftover(d, `..p.bundle-pending.json.${dead}.0123456789ab.tmp`, 2),
    ];
    const kept = [
      // recent: a writer elsewhere may be about to record it
      leftover(d, `.p.wasm.${dead}.aaaaaaaaaaaa.tmp`, 0),
      // of a process that runs
      leftover(d, `.p.wasm.${process.ppid}.bbbbbbbbbbbb.tmp`, 2),
      // not a bundle file's, or another bundle's
      leftover(d, `.writ.private.jwk.${dead}.cccccccccccc.tmp`, 2),
      leftover(d, `.p.writ.${dead}.cccccccccccc.tmp`, 2),
      leftover(d, `.q.wasm.${dead}.cccccccccccc.tmp`, 2),
      // not named as stageFile names
      leftover(d, `.p.wasm.${dead}.tmp`, 2),
      leftover(d, `.p.wasm.x${dead}.dddddddddddd.tmp`, 2),
    ];
    writeBundle(d, v2);
    expect(readdirSync(d).sort()).toEqual([...kept, "p.manifest.json", "p.manifest.jws", "p.wasm"].sort());
    for (const name of removed) expect(readdirSync(d)).not.toContain(name);
    expect(verifyBundle(readBundle(d), { trustedKeys: [key.publicKey] })).toMatchObject({ ok: true });
  });

  it("keeps a staged file that a record of a pending write names, even one of an ended process", () => {
    const d = freshDir();
    writeBundle(d, v1);
    const dead = endedPid();
    // a record of bundle `q` beside `p`, whose staged module is named as p's would be were p's name
    // as long as q's first 160 characters
    const long = "q".repeat(170);
    const staged = leftover(d, `.${`${long}.wasm`.slice(0, 160)}.${dead}.0123456789ab.tmp`, 2);
    const digest = createHash("sha256").update("staged contents").digest("hex");
    const record = {
      v: "writ-bundle-pending/1",
      id: "0".repeat(32),
      name: `${long}x`,
      files: [
        { file: `${long}x.wasm`, staged, size: 15, sha256: digest },
        { file: `${long}x.manifest.json`, staged: `.${`${long}x.manifest.json`.slice(0, 160)}.${dead}.0123456789ab.tmp`, size: 15, sha256: digest },
      ],
      remove: [`${long}x.manifest.jws`],
    };
    writeFileSync(join(d, `.${long}x.bundle-pending.json`), JSON.stringify(record) + "\n");
    writeBundle(d, { ...v2, manifest: { ...v2.manifest, name: `${long}y` } });
    expect(readdirSync(d)).toContain(staged);
  });

  describe.runIf(process.getuid?.() === 0)("as root, in a directory another user writes in too", () => {
    it("keeps another user's", () => {
      const d = freshDir();
      writeBundle(d, v1);
      const name = leftover(d, `.p.wasm.${endedPid()}.0123456789ab.tmp`, 2);
      chownSync(join(d, name), 2002, 2002);
      writeBundle(d, v2);
      expect(readdirSync(d)).toContain(name);
    });
  });
});
