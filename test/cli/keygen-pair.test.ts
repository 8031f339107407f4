// `writ keygen` where other processes and users are at work in the same directory: a lone private
// key is kept, and its public key written from it, only when it is a file of the user's own; two
// keygens that overlap leave a whole pair, never a lone public key; a keygen that finds the public
// key's name taken removes the private key it linked, and no other; and the temporary files that
// killed keygens left are removed. The overlaps are made exact by a preload that runs a command
// just before or after writ links a given file: another keygen, or a shell changing the directory.

import { spawn, spawnSync } from "node:child_process";
import { chownSync, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { keygenCommand } from "../../cli/commands/keygen.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { loadPrivateKeyFile, loadPublicKeyFile, writeKeyPair } from "../../runtime/trust/key-files.js";
import { runCommand } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

const root = new URL("../../", import.meta.url).pathname;
const cli = join(root, "cli", "writ.ts");
const tsx = new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url).href;
const dir = tempDir("keygen-pair");

// Runs the command $WRIT_SEAM_RUN (a JSON argv) once, just before or just after ($WRIT_SEAM_WHEN)
// the process's first fs.linkSync to $WRIT_SEAM_TARGET, and writes what it printed and its status
// to $WRIT_SEAM_OUT: another process's step, taken at that very point of this one's.
const seam = join(dir, "seam-at-link.mjs");
writeFileSync(
  seam,
  `import fs from "node:fs";
import { spawnSync } from "node:child_process";
import { syncBuiltinESMExports } from "node:module";
const { WRIT_SEAM_TARGET: target, WRIT_SEAM_WHEN: when, WRIT_SEAM_RUN: run, WRIT_SEAM_OUT: out, ...env } = process.env;
const original = fs.linkSync;
let done = false;
const step = () => {
  done = true;
  const argv = JSON.parse(run);
  const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", env });
  fs.writeFileSync(out, JSON.stringify({ status: r.status, stdout: r.stdout, stderr: r.stderr }));
};
fs.linkSync = function (from, to, ...rest) {
  const now = !done && to === target;
  if (now && when === "before") step();
  const result = original.call(this, from, to, ...rest);
  if (now && when === "after") step();
  return result;
};
syncBuiltinESMExports();
`,
);

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The argv of `writ args` in a process of its own. */
function writArgv(args: readonly string[]): string[] {
  return [process.execPath, "--import", tsx, cli, ...args];
}

/**
 * `writ args` in a process of its own; with `at`, `at.run` is run just `at.when` writ's first link
 * to `at.target`, and what it did is `seamRun`.
 */
function writ(args: readonly string[], at?: { target: string; when: "before" | "after"; run: string[] }): Run & { seamRun?: Run } {
  const out = join(dir, `seam-${Math.random().toString(36).slice(2)}.json`);
  const env = { ...process.env, NODE_OPTIONS: "", ...(at === undefined ? {} : { WRIT_SEAM_TARGET: at.target, WRIT_SEAM_WHEN: at.when, WRIT_SEAM_RUN: JSON.stringify(at.run), WRIT_SEAM_OUT: out }) };
  const argv = writArgv(args);
  const preload = at === undefined ? [] : ["--import", seam];
  const r = spawnSync(argv[0]!, [...preload, ...argv.slice(1)], { cwd: dir, encoding: "utf8", env });
  const result: Run & { seamRun?: Run } = { status: r.status, stdout: r.stdout, stderr: r.stderr };
  // none when the command ended this process before it could be written
  if (at !== undefined && existsSync(out)) result.seamRun = JSON.parse(readFileSync(out, "utf8")) as Run;
  return result;
}

/** A new directory `name` in the test's directory. */
function freshDir(name: string): string {
  const d = join(dir, name);
  mkdirSync(d);
  return d;
}

/** The key id of the pair in `d` (`writ.private.jwk`, `writ.public.jwk`); throws when the files are not one whole pair. */
function pairKeyId(d: string): string {
  const priv = loadPrivateKeyFile(join(d, "writ.private.jwk"));
  const pub = loadPublicKeyFile(join(d, "writ.public.jwk"));
  if (!priv.ok || !pub.ok) throw new Error(`no pair in ${d}: ${readdirSync(d).join(", ")}`);
  if (priv.key.keyId !== pub.key.keyId) throw new Error(`the keys in ${d} are not one pair`);
  return pub.key.keyId;
}

/** A key pair written as keygen writes it, in a directory of its own, to copy files from. */
function spareKeyPair(name: string): { privateKeyPath: string; publicKeyPath: string; keyId: string } {
  const key = generateKeyPair();
  return { ...writeKeyPair(freshDir(name), key), keyId: key.keyId };
}

describe("two writ keygens in one directory at once", () => {
  it("the second finds the first's private key alone and writes its public key; the first finds that its own, and both leave the one pair", () => {
    const d = freshDir("overlap");
    // the second keygen runs once the first has linked its private key, before it links the public one
    const first = writ(["keygen", "-o", d], { target: join(d, "writ.private.jwk"), when: "after", run: writArgv(["keygen", "-o", d]) });
    const second = first.seamRun!;
    expect(second.stderr).toBe("");
    expect(second.status).toBe(0);
    expect(second.stdout).toContain("(already there, without its public key: kept, no new key was made)");
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(readdirSync(d).sort()).toEqual(["writ.private.jwk", "writ.public.jwk"]);
    const keyId = pairKeyId(d);
    expect(first.stdout).toContain(`key id      ${keyId}\n`);
    expect(second.stdout).toContain(`key id      ${keyId}\n`);
  });

  it("a keygen writing the public key of a lone private key that finds the public key written meanwhile refuses as for any pair, and leaves it whole", () => {
    const d = freshDir("restore-meets-pair");
    const spare = spareKeyPair("restore-meets-pair-spare");
    copyFileSync(spare.privateKeyPath, join(d, "writ.private.jwk"));
    // the keygen that linked the private key links its public key just before this one would
    const r = writ(["keygen", "-o", d], { target: join(d, "writ.public.jwk"), when: "before", run: ["cp", spare.publicKeyPath, join(d, "writ.public.jwk")] });
    expect(r.seamRun!.status).toBe(0);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`writ keygen: ${join(d, "writ.private.jwk")} already exists; refusing to overwrite a key (choose another --name or -o)\n`);
    expect(pairKeyId(d)).toBe(spare.keyId);
    expect(readdirSync(d).sort()).toEqual(["writ.private.jwk", "writ.public.jwk"]);
  });
});

describe("writ keygen finding the public key's name taken after it linked the private key", () => {
  it("by another key: removes the private key it linked, so no pair that does not belong together is left", () => {
    const d = freshDir("public-taken");
    const spare = spareKeyPair("public-taken-spare");
    const r = writ(["keygen", "-o", d], { target: join(d, "writ.private.jwk"), when: "after", run: ["cp", spare.publicKeyPath, join(d, "writ.public.jwk")] });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`writ keygen: ${join(d, "writ.public.jwk")} already exists; refusing to overwrite a key (choose another --name or -o)\n`);
    expect(readdirSync(d)).toEqual(["writ.public.jwk"]);
    expect(readFileSync(join(d, "writ.public.jwk"), "utf8")).toBe(readFileSync(spare.publicKeyPath, "utf8"));
  });

  it("with its private key replaced meanwhile by another's: leaves the file now there, which is not the one it linked", () => {
    const d = freshDir("private-replaced");
    const spare = spareKeyPair("private-replaced-spare");
    // another pair takes both names: its private key over this keygen's, then its public key
    const replace = `cp ${spare.privateKeyPath} ${d}/.other && mv ${d}/.other ${d}/writ.private.jwk && cp ${spare.publicKeyPath} ${d}/writ.public.jwk`;
    const r = writ(["keygen", "-o", d], { target: join(d, "writ.private.jwk"), when: "after", run: ["sh", "-c", replace] });
    expect(r.seamRun!.status).toBe(0);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`writ keygen: ${join(d, "writ.public.jwk")} already exists; refusing to overwrite a key (choose another --name or -o)\n`);
    expect(readdirSync(d).sort()).toEqual(["writ.private.jwk", "writ.public.jwk"]);
    expect(pairKeyId(d)).toBe(spare.keyId);
  });
});

describe("writ keygen finding a private key without its public key", () => {
  it("that is a symbolic link does not follow it: says so, and writes nothing", async () => {
    const d = freshDir("lone-link");
    const spare = spareKeyPair("lone-link-spare");
    symlinkSync(spare.privateKeyPath, join(d, "writ.private.jwk"));
    const r = await runCommand(keygenCommand, ["-o", d], dir);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `writ keygen: ${join(d, "writ.private.jwk")} is there without its public key ${join(d, "writ.public.jwk")}, which cannot be written from it: private key file ${join(d, "writ.private.jwk")} is a symbolic link, which is not followed here: give the file itself`,
    );
    expect(readdirSync(d)).toEqual(["writ.private.jwk"]);
  });

  // files of another user can be made only by root, which is then the user running keygen
  describe.runIf(process.getuid?.() === 0)("owned by another user (in a directory both may create files in)", () => {
    it("refuses it, naming its owner and what to do, and writes nothing: that user knows the key", async () => {
      const d = freshDir("lone-foreign");
      writeKeyPair(d, generateKeyPair());
      unlinkSync(join(d, "writ.public.jwk"));
      chownSync(join(d, "writ.private.jwk"), 12345, 12345);
      const r = await runCommand(keygenCommand, ["-o", d], dir);
      expect(r.code).toBe(1);
      expect(r.out).toBe("");
      expect(r.err).toBe(
        `writ keygen: ${join(d, "writ.private.jwk")} is there without its public key ${join(d, "writ.public.jwk")}, and is owned by uid 12345, not by you (root): ` +
          "keygen writes a public key only from a private key of your own, since whoever owns that file knows the key in it; no key file was written " +
          "(its owner may run `writ keygen` there to write its public key, or remove it; else choose another --name or -o)",
      );
      expect(readdirSync(d)).toEqual(["writ.private.jwk"]);
      expect(lstatSync(join(d, "writ.private.jwk")).uid).toBe(12345);
    });
  });
});

describe("writ keygen and the temporary files of keygens killed before", () => {
  it("killed before it linked the private key leaves both temporary files; the next keygen removes them and writes its pair", () => {
    const d = freshDir("killed-temps");
    // the process kills itself (SIGKILL) just before its first link: both keys are staged, neither linked
    const killed = writ(["keygen", "-o", d], { target: join(d, "writ.private.jwk"), when: "before", run: ["sh", "-c", "kill -9 $PPID"] });
    expect(killed.status).toBe(null);
    const left = readdirSync(d).sort();
    expect(left).toEqual([expect.stringMatching(/^\.writ\.private\.jwk\.\d+\.[0-9a-f]{12}\.tmp$/), expect.stringMatching(/^\.writ\.public\.jwk\.\d+\.[0-9a-f]{12}\.tmp$/)]);
    const again = writ(["keygen", "-o", d]);
    expect(again.stderr).toBe("");
    expect(again.status).toBe(0);
    expect(readdirSync(d).sort()).toEqual(["writ.private.jwk", "writ.public.jwk"]);
    pairKeyId(d);
  });

  const sleeper = spawn("sleep", ["600"], { stdio: "ignore" });
  afterAll(() => {
    sleeper.kill();
  });

  it("removes only those of its own names, of processes that are gone: not a running keygen's, nor a bundle's, nor another name's", async () => {
    const d = freshDir("temps");
    const gone = spawnSync(process.execPath, ["-e", ""]).pid!;
    const running = sleeper.pid!;
    const removed = [`.writ.private.jwk.${gone}.0123456789ab.tmp`, `.writ.public.jwk.${gone}.0123456789ab.tmp`];
    const kept = [
      `.writ.private.jwk.${running}.0123456789ab.tmp`,
      `.other.private.jwk.${gone}.0123456789ab.tmp`,
      `.writ.wasm.${gone}.0123456789ab.tmp`,
      `.writ.private.jwk.${gone}.notrandom.tmp`,
      `.writ.private.jwk.${gone}.0123456789ab.tmp.x`,
    ];
    for (const n of [...removed, ...kept]) writeFileSync(join(d, n), "{}\n", { mode: 0o600 });
    // a directory of a temporary file's name is no file keygen staged
    mkdirSync(join(d, `.writ.public.jwk.${gone}.ba9876543210.tmp`));
    kept.push(`.writ.public.jwk.${gone}.ba9876543210.tmp`);
    const r = await runCommand(keygenCommand, ["-o", d], dir);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(readdirSync(d).sort()).toEqual([...kept, "writ.private.jwk", "writ.public.jwk"].sort());
  });

  it.runIf(process.getuid?.() === 0)("leaves another user's, whose process is gone too", async () => {
    const d = freshDir("temps-foreign");
    const gone = spawnSync(process.execPath, ["-e", ""]).pid!;
    const foreign = join(d, `.writ.private.jwk.${gone}.0123456789ab.tmp`);
    writeFileSync(foreign, "{}\n", { mode: 0o600 });
    chownSync(foreign, 12345, 12345);
    const r = await runCommand(keygenCommand, ["-o", d], dir);
    expect(r.code).toBe(0);
    expect(readdirSync(d).sort()).toEqual([`.writ.private.jwk.${gone}.0123456789ab.tmp`, "writ.private.jwk", "writ.public.jwk"]);
  });
});
