// Two writes of one bundle at the same time, in separate processes: each write's record of the
// write is created only where none is, so neither replaces the other's, and their renames never
// interleave. What is left is one of the two writes, whole; a reader beside them is handed one of
// the bundles, whole, or told the bundle kept changing; no writer throws a system error. A record of
// a writer that still runs is left to that writer while another waits for its write to end, a few
// seconds at most, and is then finished as a reader finishes it (a writer stopped, or a killed
// writer's process id given to another process); a record of a writer that has ended is finished
// so at once; either way the write goes on, however many times another write records its own just
// before this one does, for ten seconds in all.

import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { BundleFileError, readBundle, writeBundle } from "../../runtime/trust/bundle-files.js";
import { writeBundleSignature } from "../../runtime/trust/bundle-signature-write.js";
import { OTHER_WRITE_WAIT_MS } from "../../runtime/trust/bundle-writers.js";
import type * as BundlePending from "../../runtime/trust/bundle-pending.js";
import { signBundle, verifyBundle } from "../../runtime/trust/bundle.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import type { Bundle } from "../../runtime/manifest.js";
import { fakeBundle } from "./fake-policy.js";
import { tempDir } from "../support/temp-dir.js";

// Another write recording its own just as a write of this process comes to record its own: before
// each of the next `armed.times` records this process makes, `armed.record` puts another's in place.
const armed = vi.hoisted(() => ({ times: 0, record: (_dir: string): void => {} }));
vi.mock("../../runtime/trust/bundle-pending.js", async (importOriginal) => {
  const real = await importOriginal<typeof BundlePending>();
  return {
    ...real,
    recordPendingWrite: (...args: Parameters<typeof real.recordPendingWrite>) => {
      if (armed.times > 0) {
        armed.times--;
        armed.record(args[0]);
      }
      return real.recordPendingWrite(...args);
    },
  };
});

const root = tempDir("bundle-writers");
const key = generateKeyPair();
const trustedKeys = [key.publicKey];
const v1 = signBundle(fakeBundle({ name: "p", version: "1.0.0", moduleText: "the first module" }), key);
// unsigned, and of another size: a write of it removes v1's signature, and a mix of the two is refused
const v2: Bundle = fakeBundle({ name: "p", version: "2.0.0", moduleText: "the second module, longer than the first" });
const v3 = signBundle(fakeBundle({ name: "p", version: "3.0.0", moduleText: "a third module" }), key);

let count = 0;
function freshDir(): string {
  const d = join(root, `d${count++}`);
  mkdirSync(d);
  return d;
}

const script = new URL("./bundle-writer-process.ts", import.meta.url).pathname;
// by path: a bare `tsx` would be resolved from the working directory
const tsxLoader = new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url).href;

/** A process of bundle-writer-process.ts, answering each line sent with one line. */
function worker(args: string[]): { ask: (line: string) => Promise<string>; child: ChildProcess } {
  const child = spawn(process.execPath, ["--import", tsxLoader, script, ...args], { stdio: ["pipe", "pipe", "inherit"] });
  const answers: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const next = waiting.shift();
    if (next !== undefined) next(line);
    else answers.push(line);
  });
  return {
    child,
    ask: (line) => {
      child.stdin!.write(line + "\n");
      return new Promise((resolve) => {
        const ready = answers.shift();
        if (ready !== undefined) resolve(ready);
        else waiting.push(resolve);
      });
    },
  };
}

function stored(bundle: Bundle, name: string): string {
  const path = join(root, name);
  writeFileSync(path, JSON.stringify({ module: Buffer.from(bundle.module).toString("base64"), manifest: bundle.manifest, signature: bundle.signature }));
  return path;
}

/** Whether `read` is `bundle` exactly: its module, its manifest and its signature (or none). */
function isExactly(read: Bundle, bundle: Bundle): boolean {
  return Buffer.from(read.module).equals(Buffer.from(bundle.module)) && JSON.stringify(read.manifest) === JSON.stringify(bundle.manifest) && read.signature === bundle.signature;
}

describe("two writers of one bundle in separate processes, started together", () => {
  const stop = join(root, "stop");
  let writers: ReturnType<typeof worker>[] = [];
  let reader: ReturnType<typeof worker>;

  beforeAll(() => {
    const keyFile = join(root, "key.json");
    writeFileSync(keyFile, JSON.stringify({ keyId: key.publicKey.keyId, bytes: Buffer.from(key.publicKey.bytes).toString("base64") }));
    writers = [worker(["write", stored(v1, "v1.json")]), worker(["write", stored(v2, "v2.json")])];
    reader = worker(["read", keyFile, stop]);
  });
  afterAll(() => {
    for (const w of [...writers, reader]) w.child.kill();
  });

  it("leave one of the two writes, whole, each time, and a reader beside them is never handed a mix", async () => {
    const rounds = 30;
    for (let round = 0; round < rounds; round++) {
      const d = freshDir();
      writeBundle(d, v3);
      const reading = reader.ask(d);
      const answers = await Promise.all(writers.map((w) => w.ask(`${d} 6`)));
      writeFileSync(stop, "");
      const seen = JSON.parse(await reading) as { refused: string[]; read: number };
      const { rmSync } = await import("node:fs");
      rmSync(stop);
      // no write threw, and none left a mix, a record or a staged file behind
      expect({ round, errors: answers.map((a) => JSON.parse(a) as string[]) }).toEqual({ round, errors: [[], []] });
      expect({ round, refused: seen.refused }).toEqual({ round, refused: [] });
      const read = readBundle(d);
      expect({ round, verified: verifyBundle(read, { trustedKeys, allowUnsigned: true }).ok }).toEqual({ round, verified: true });
      expect({ round, whole: isExactly(read, v1) || isExactly(read, v2) }).toEqual({ round, whole: true });
      expect(readdirSync(d).sort()).toEqual(isExactly(read, v1) ? ["p.manifest.json", "p.manifest.jws", "p.wasm"] : ["p.manifest.json", "p.wasm"]);
    }
  });
});

/** A file of `bytes` staged as a write by process `pid` stages it, beside `file` in `dir`: its name. */
function staged(dir: string, file: string, pid: number, bytes: Uint8Array): string {
  const name = `.${file}.${pid}.${randomBytes(6).toString("hex")}.tmp`;
  writeFileSync(join(dir, name), bytes);
  return name;
}

/** The record of a write of `bundle` by process `pid`, its files staged, as writeBundle leaves it while it renames them. */
function recordOf(dir: string, bundle: Bundle, pid: number): { record: string; files: string[] } {
  const manifest = new TextEncoder().encode(JSON.stringify(bundle.manifest, null, 2) + "\n");
  const parts: [string, Uint8Array][] = [
    ["p.wasm", bundle.module],
    ["p.manifest.json", manifest],
  ];
  if (bundle.signature !== undefined) parts.push(["p.manifest.jws", new TextEncoder().encode(bundle.signature + "\n")]);
  const files = parts.map(([file, bytes]) => ({ file, staged: staged(dir, file, pid, bytes), size: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") }));
  const record = join(dir, ".p.bundle-pending.json");
  const remove = bundle.signature === undefined ? ["p.manifest.jws"] : [];
  writeFileSync(record, JSON.stringify({ v: "writ-bundle-pending/1", id: randomBytes(16).toString("hex"), name: "p", files, remove }) + "\n");
  return { record, files: files.map((f) => f.staged) };
}

describe("a write of a bundle that finds the record of another write of it", () => {
  it("of a writer still running: waits for it, a few seconds at most, then finishes it as a reader would and writes", async () => {
    const d = freshDir();
    writeBundle(d, v1);
    // a process that runs but writes nothing: a writer stopped half-way, or a killed writer's process id given to another process
    const sleeper = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60_000)"], { stdio: "ignore" });
    const ended = new Promise((resolve) => sleeper.on("exit", resolve));
    try {
      const { record, files } = recordOf(d, v3, sleeper.pid!);
      // the record is left to its writer while the wait lasts: a reader meanwhile reads it as a write under way
      const started = Date.now();
      writeBundle(d, v2);
      expect(Date.now() - started).toBeGreaterThanOrEqual(OTHER_WRITE_WAIT_MS);
      expect(isExactly(readBundle(d), v2)).toBe(true);
      expect(existsSync(record)).toBe(false);
      expect(files.some((f) => existsSync(join(d, f)))).toBe(false);
      expect(readdirSync(d).sort()).toEqual(["p.manifest.json", "p.wasm"]);
    } finally {
      sleeper.kill();
      await ended;
    }
  });

  it("of a writer that has ended: finishes it as a reader would, then writes", async () => {
    const d = freshDir();
    writeBundle(d, v1);
    const gone = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
    await new Promise((resolve) => gone.on("exit", resolve));
    recordOf(d, v3, gone.pid!);
    writeBundle(d, v2);
    expect(isExactly(readBundle(d), v2)).toBe(true);
    expect(readdirSync(d).sort()).toEqual(["p.manifest.json", "p.wasm"]);
  });

  it("recorded again each time this one comes to record its own, many times over: finishes each and writes, where a count of tries gave up", async () => {
    const d = freshDir();
    writeBundle(d, v1);
    const gone = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
    await new Promise((resolve) => gone.on("exit", resolve));
    // twelve writes of v3 by writers that have ended, each recorded in the moment before this one records
    armed.record = (dir) => void recordOf(dir, v3, gone.pid!);
    armed.times = 12;
    try {
      writeBundle(d, v2);
    } finally {
      armed.times = 0;
    }
    expect(isExactly(readBundle(d), v2)).toBe(true);
    expect(readdirSync(d).sort()).toEqual(["p.manifest.json", "p.wasm"]);
  });
});

describe("a signature written alone (writ sign) beside another write of the bundle", () => {
  it("is refused, nothing written, when the bundle it signed was replaced since it was read: never the old manifest's signature beside the new one", () => {
    const d = freshDir();
    writeBundle(d, v2);
    const read = readBundle(d);
    // another write replaces the bundle between the reading and the writing of the signature
    writeBundle(d, v3);
    const signature = signBundle(read, key).signature!;
    expect(() => writeBundleSignature(d, "p", read, signature)).toThrow(
      new BundleFileError(`bundle "p" in ${d} was replaced by another write while it was being signed: nothing was written; sign it again`, join(d, "p.manifest.json")),
    );
    expect(isExactly(readBundle(d), v3)).toBe(true);
    expect(readdirSync(d).sort()).toEqual(["p.manifest.json", "p.manifest.jws", "p.wasm"]);
  });

  it("is put in place, the module and manifest untouched, when the bundle is still the one signed", () => {
    const d = freshDir();
    writeBundle(d, v2);
    const before = [readFileSync(join(d, "p.wasm")), readFileSync(join(d, "p.manifest.json"))];
    const read = readBundle(d);
    writeBundleSignature(d, "p", read, signBundle(read, key).signature!);
    expect(verifyBundle(readBundle(d), { trustedKeys })).toMatchObject({ ok: true });
    expect([readFileSync(join(d, "p.wasm")), readFileSync(join(d, "p.manifest.json"))]).toEqual(before);
    expect(readdirSync(d).sort()).toEqual(["p.manifest.json", "p.manifest.jws", "p.wasm"]);
  });
});
