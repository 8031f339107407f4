// What makes a fresh `writ compile` fast must not change what it produces. A compile started before
// its source exists (in this thread, or on a thread of its own) gives the bytes an ordinary compile gives;
// the CLI — Liftoff-only V8, asc on a thread, with or without the asc code cache — writes the module
// this process compiles; the code cache is built, used, and ignored, without a word, once it no
// longer matches the installed files or a file of its own changed, or is not a regular file (a FIFO
// made every compile wait; a symbolic link is refused with a note); a build removes Writ's stale caches and nothing else in a folder it may
// share with other tools. The CLI and the cache run from
// a transpiled copy of the tree, with plain node, as an installed package runs.

import { execFile, execFileSync } from "node:child_process";
import { cpSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repositoryRoot, writeTranspiledTree } from "../support/transpiled-tree.js";
import { compilePolicy } from "../../compiler/driver.js";
import { cancelPrestartedCompile, prestartCompile, startCompile } from "../../compiler/backend/asc.js";
import { CONST_BASE } from "../../compiler/backend/codegen-values.js";
import { tempDir } from "../support/temp-dir.js";

const policyFile = join(repositoryRoot, "bench/policies/agent-governance.writ");
const policyText = readFileSync(policyFile, "utf8");

async function moduleOf(text: string, optimize = true): Promise<Uint8Array> {
  const r = await compilePolicy(text, { optimize });
  if (!r.bundle) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return r.bundle.module;
}

let reference: Uint8Array;
beforeAll(async () => {
  reference = await moduleOf(policyText);
});

describe("a compile started ahead of its source", () => {
  it("gives the same bytes in this thread, at O3 and O0", async () => {
    for (const optimize of [true, false]) {
      const plain = optimize ? reference : await moduleOf(policyText, false);
      prestartCompile({ memoryBase: CONST_BASE, optimize }, startCompile({ memoryBase: CONST_BASE, optimize }));
      expect(Buffer.from(await moduleOf(policyText, optimize)).equals(Buffer.from(plain))).toBe(true);
    }
  });

  it("is not used by a compile with other options, and a cancelled one ends", async () => {
    const pending = startCompile({ memoryBase: CONST_BASE, optimize: false });
    prestartCompile({ memoryBase: CONST_BASE, optimize: false }, pending);
    expect(Buffer.from(await moduleOf(policyText, true)).equals(Buffer.from(reference))).toBe(true);
    cancelPrestartedCompile();
    expect(await pending.finish("export function f(): void {}", 1)).toEqual({ error: "cancelled" });
  });

});

// ------------------------------------------------------------------------------------------------

function node(args: string[], env: Record<string, string>, timeout = 120_000): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env: { ...process.env, NODE_OPTIONS: "", ...env }, timeout }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

describe("the CLI and the asc code cache", () => {
  let build: string;
  let cache: string;
  beforeAll(() => {
    build = tempDir("fresh");
    cache = tempDir("asc-cache");
    writeTranspiledTree(build, ["compiler", "runtime", "cli", "test/compiler/children"], { name: "writ", version: "0.0.0-test" });
  });

  const cli = (out: string) => node([join(build, "cli/writ.js"), "compile", policyFile, "-o", out], { WRIT_ASC_CACHE: cache });
  const written = (out: string) => readFileSync(join(out, "agent-governance.wasm"));
  const child = async (mode: "cache" | "thread") =>
    JSON.parse((await node([join(build, "test/compiler/children/asc-cache-child.js"), mode, policyFile], { WRIT_ASC_CACHE: cache })).stdout) as {
      hit?: boolean;
      usedThread?: boolean;
      module: string;
    };

  it("compiles the same bytes on a thread of its own", async () => {
    const r = await child("thread");
    expect(r.usedThread).toBe(true);
    expect(Buffer.from(r.module, "base64").equals(Buffer.from(reference))).toBe(true);
  }, 120_000);

  it("writes the module this process compiles, without and then with the cache; a stale cache is ignored", async () => {
    const without = join(build, "out-without");
    await cli(without);
    expect(written(without).equals(Buffer.from(reference))).toBe(true);
    expect((await child("cache")).hit).toBe(false);

    // a cache made for other installed files goes when a new one is built (as format 1 wrote it);
    // other folders stay, whatever their manifest.json holds: WRIT_ASC_CACHE may name a shared folder
    const old = "0123456789abcdef01234567";
    mkdirSync(join(cache, old));
    writeFileSync(join(cache, old, "manifest.json"), JSON.stringify({ format: 1, key: join(cache, old), files: oldFiles }, null, 2));
    writeFileSync(join(cache, old, "asc.js"), "");
    const others = sharedFolder(cache);
    const built = await node([join(build, "compiler/backend/asc-cache-build.js")], { WRIT_ASC_CACHE: cache }, 60_000);
    expect(built.stdout).toMatch(/asc code cache written to /);
    expect(readdirSync(cache)).not.toContain(old);
    others.check();
    const entries = readdirSync(cache);
    expect(entries).toHaveLength(1);
    expect(readdirSync(join(cache, entries[0]!)).sort()).toEqual(
      ["asc.bindings.json", "asc.js", "asc.v8cache", "assemblyscript.bindings.json", "assemblyscript.js", "assemblyscript.v8cache",
        "binaryen.bindings.json", "binaryen.js", "binaryen.v8cache", "binaryen.wasm", "manifest.json"],
    );

    const withCache = join(build, "out-with");
    await cli(withCache);
    expect(written(withCache).equals(Buffer.from(reference))).toBe(true);
    const hit = await child("cache");
    expect(hit.hit).toBe(true);
    expect(Buffer.from(hit.module, "base64").equals(Buffer.from(reference))).toBe(true);

    // the manifest no longer describes the installed binaryen: the cache is ignored, compiles still work
    const manifestFile = join(cache, entries[0]!, "manifest.json");
    const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as { files: { binaryen: { size: number } } };
    manifest.files.binaryen.size += 1;
    writeFileSync(manifestFile, JSON.stringify(manifest));
    const stale = await child("cache");
    expect(stale.hit).toBe(false);
    expect(Buffer.from(stale.module, "base64").equals(Buffer.from(reference))).toBe(true);
  }, 240_000);

  it("uses no cached file that changed since the cache was built, and says nothing of it", async () => {
    const root = tempDir("asc-cache");
    const built = await node([join(build, "compiler/backend/asc-cache-build.js")], { WRIT_ASC_CACHE: root });
    expect(built.stdout).toMatch(/asc code cache written to /);
    const [key] = readdirSync(root);
    /** a copy of the built cache, changed by `change` (given the copy's folder), read by a fresh process */
    const loadChanged = async (change: (dir: string) => void) => {
      const copy = tempDir("asc-cache");
      cpSync(join(root, key!), join(copy, key!), { recursive: true });
      change(join(copy, key!));
      const { stdout, stderr } = await node([join(build, "test/compiler/children/asc-cache-child.js"), "cache", policyFile], { WRIT_ASC_CACHE: copy });
      return { ...(JSON.parse(stdout) as { hit: boolean; module: string }), stderr };
    };
    const intact = await loadChanged(() => undefined);
    expect(intact).toMatchObject({ hit: true, stderr: "" });

    const changes: Record<string, (dir: string) => void> = {
      // flipped bits in V8's code cache: V8 does not check its payload, and ended the process (a V8 fatal error)
      "bits flipped in a code cache": (dir) => flipBits(join(dir, "assemblyscript.v8cache")),
      // memcmp edited to return 0 at once: modules compiled through it answered string comparisons wrongly
      "asc.js edited": (dir) => {
        const file = join(dir, "asc.js");
        const text = readFileSync(file, "utf8");
        const edited = text.replace(/^(export function memcmp\(vl: usize, vr: usize, n: usize\): i32 \{)$/m, "$1 return 0;");
        expect(edited).not.toBe(text);
        writeFileSync(file, edited);
      },
      // binaryen failed to instantiate it, and printed so on stderr before the fallback
      "binaryen.wasm truncated": (dir) => truncateSync(join(dir, "binaryen.wasm"), 4_000_000),
      "a file missing": (dir) => rmSync(join(dir, "binaryen.bindings.json")),
      // the folder's name carries the V8 version, but a copied or renamed folder must not bring another V8's cache
      "made by another V8": (dir) => {
        const file = join(dir, "manifest.json");
        const manifest = JSON.parse(readFileSync(file, "utf8")) as { environment: { v8: string } };
        manifest.environment.v8 += "-other";
        writeFileSync(file, JSON.stringify(manifest));
      },
    };
    for (const [what, change] of Object.entries(changes)) {
      const r = await loadChanged(change);
      expect({ what, hit: r.hit, stderr: r.stderr }).toEqual({ what, hit: false, stderr: "" });
      expect(Buffer.from(r.module, "base64").equals(Buffer.from(reference))).toBe(true);
    }

    // a cache of the same files in the format before digests is never read again: the next build removes it
    const manifest = JSON.parse(readFileSync(join(root, key!, "manifest.json"), "utf8")) as { format: number };
    const formatOne = "fedcba9876543210fedcba98";
    mkdirSync(join(root, formatOne));
    writeFileSync(join(root, formatOne, "manifest.json"), JSON.stringify({ ...manifest, format: 1, key: join(root, formatOne), digests: undefined }));
    await node([join(build, "compiler/backend/asc-cache-build.js")], { WRIT_ASC_CACHE: root });
    expect(readdirSync(root)).toEqual([key]);
  }, 240_000);

  it("falls back without waiting when a cached file is a FIFO, a folder or a device", async () => {
    const root = tempDir("asc-cache");
    const built = await node([join(build, "compiler/backend/asc-cache-build.js")], { WRIT_ASC_CACHE: root });
    expect(built.stdout).toMatch(/asc code cache written to /);
    const [key] = readdirSync(root);
    const replaced: Record<string, (file: string) => void> = {
      // readFileSync waited for a writer: every compile hung
      FIFO: (file) => execFileSync("mkfifo", [file]),
      folder: (file) => mkdirSync(file),
      // a device that never ends: readFileSync read until the process ran out of memory
      "link to /dev/zero": (file) => symlinkSync("/dev/zero", file),
    };
    for (const name of ["manifest.json", "binaryen.wasm"])
      for (const [what, put] of Object.entries(replaced)) {
        const copy = tempDir("asc-cache");
        cpSync(join(root, key!), join(copy, key!), { recursive: true });
        rmSync(join(copy, key!, name));
        put(join(copy, key!, name));
        const { stdout, stderr } = await node([join(build, "test/compiler/children/asc-cache-child.js"), "cache", policyFile], { WRIT_ASC_CACHE: copy }, 30_000);
        const r = JSON.parse(stdout) as { hit: boolean; module: string };
        // a symbolic link is no file of the cache's own: refused, and said so (asc-cache-trust.test.ts)
        const said = what.startsWith("link") ? `writ: asc code cache not used (${join(copy, key!, name)} is a symbolic link, and a cache holds only its own folders and files); compiles import asc the ordinary way\n` : "";
        expect({ name, what, hit: r.hit, stderr }).toEqual({ name, what, hit: false, stderr: said });
        expect(Buffer.from(r.module, "base64").equals(Buffer.from(reference))).toBe(true);
      }
  }, 240_000);
});

/** What the manifest of a cache made for other installed files names. */
const oldFiles = Object.fromEntries(
  ["binaryen", "long", "assemblyscript", "asc"].map((m) => [m, { path: `/nowhere/node_modules/${m}/index.js`, size: 1, mtimeMs: 0, version: "0.0.1" }]),
);

/**
 * Folders of other tools in a cache folder they share with Writ: one with a manifest.json of its own
 * (a build deleted it, data and all), one named like a cache whose manifest names another folder,
 * one whose manifest.json is a FIFO (a build waited on it for ever), and one without a manifest.
 * `check` says they are all still there, as they were.
 */
function sharedFolder(root: string): { check(): void } {
  mkdirSync(join(root, "other-tool", "data"), { recursive: true });
  writeFileSync(join(root, "other-tool", "manifest.json"), JSON.stringify({ name: "other-tool", version: "1.0.0", format: 1 }));
  writeFileSync(join(root, "other-tool", "data", "important.txt"), "precious");
  const lookalike = "aaaaaaaaaaaaaaaaaaaaaaaa";
  mkdirSync(join(root, lookalike));
  writeFileSync(join(root, lookalike, "manifest.json"), JSON.stringify({ format: 1, key: join(root, "elsewhere"), files: oldFiles }));
  mkdirSync(join(root, "fifo-tool"));
  execFileSync("mkfifo", [join(root, "fifo-tool", "manifest.json")]);
  mkdirSync(join(root, "not-a-cache"));
  return {
    check() {
      expect(readFileSync(join(root, "other-tool", "data", "important.txt"), "utf8")).toBe("precious");
      expect(readdirSync(join(root, lookalike))).toEqual(["manifest.json"]);
      expect(lstatSync(join(root, "fifo-tool", "manifest.json")).isFIFO()).toBe(true);
      for (const name of ["other-tool", lookalike, "fifo-tool", "not-a-cache"]) rmSync(join(root, name), { recursive: true });
    },
  };
}

/** Flips one bit in each of 16 bytes spread over the file (its header left as it is), keeping its length. */
function flipBits(file: string): void {
  const bytes = readFileSync(file);
  for (let i = 1; i <= 16; i++) bytes[64 + Math.floor(((bytes.length - 64) * i) / 17)]! ^= 1 << i % 8;
  writeFileSync(file, bytes);
}
