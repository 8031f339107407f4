// What a command writes over (a policy reformatted in place, a bundle compiled again, a signature
// renewed) or creates (a key pair) survives a write that fails or is killed: real `writ` processes
// under a file-size limit (`ulimit -f`, which makes write(2) fail with EFBIG as a full disk fails
// with ENOSPC), and killed with SIGKILL half-way through writing a file (a preload wraps node:fs).
// The old file stays whole, and no temporary file is left beside it.

import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readBundle, writeBundle } from "../../runtime/trust/bundle-files.js";
import { signBundle, verifyBundle } from "../../runtime/trust/bundle.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { writeKeyPair } from "../../runtime/trust/key-files.js";
import { fakeBundle } from "../trust/fake-policy.js";
import { tempDir } from "../support/temp-dir.js";
import { compiledBundle } from "../support/compiled-bundle.js";
import type { Bundle } from "../../runtime/manifest.js";

const root = new URL("../../", import.meta.url).pathname;
const cli = join(root, "cli", "writ.ts");
const tsx = new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url).href;
const dir = tempDir("file-writes");

// Kills the process (SIGKILL) half-way through its first write of a file under $WRIT_KILL_IN: half
// the bytes reach the file, then the process is gone, as on a power cut or the OOM killer.
const killer = join(dir, "kill-mid-write.mjs");
writeFileSync(
  killer,
  `import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
const where = process.env.WRIT_KILL_IN;
const files = new Set();
const { openSync, writeSync, writeFileSync } = fs;
const half = (data, offset = 0, length) => {
  const bytes = typeof data === "string" ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const end = length === undefined ? bytes.length : offset + length;
  return bytes.subarray(offset, offset + Math.floor((end - offset) / 2));
};
const die = () => process.kill(process.pid, "SIGKILL");
fs.openSync = function (path, ...rest) {
  const fd = openSync.call(this, path, ...rest);
  if (typeof path === "string" && path.startsWith(where)) files.add(fd);
  return fd;
};
fs.writeSync = function (fd, data, offset, length, ...rest) {
  if (!files.has(fd)) return writeSync.call(this, fd, data, offset, length, ...rest);
  writeSync.call(this, fd, typeof data === "string" ? Buffer.from(data) : half(data, offset, length));
  die();
};
fs.writeFileSync = function (path, data, ...rest) {
  if (typeof path !== "string" || !path.startsWith(where)) return writeFileSync.call(this, path, data, ...rest);
  writeFileSync.call(this, path, half(data), ...rest);
  die();
};
syncBuiltinESMExports();
`,
);

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `writ args` in a process of its own, with a file-size limit in KiB (`ulimit -f`) or killed mid-write in `killIn`. */
function writ(args: string[], options: { limitKiB?: number; killIn?: string } = {}): Run {
  const preload = options.killIn === undefined ? [] : ["--import", killer];
  const env = { ...process.env, NODE_OPTIONS: "", WRIT_KILL_IN: options.killIn ?? "" };
  const command = [process.execPath, "--import", tsx, ...preload, cli, ...args];
  const r =
    options.limitKiB === undefined
      ? spawnSync(command[0]!, command.slice(1), { cwd: dir, encoding: "utf8", env })
      : spawnSync("bash", ["-c", `ulimit -f ${options.limitKiB} && exec "$@"`, "bash", ...command], { cwd: dir, encoding: "utf8", env });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** The names in `d` that are not `expected`: a temporary file left behind shows here. */
function strays(d: string, expected: string[]): string[] {
  return readdirSync(d).filter((n) => !expected.includes(n));
}

// a policy whose canonical form (spaces around the operators) is longer than its text
function messyPolicy(rules: number): string {
  let text = 'policy "p" version "1.0.0"\ninput { a: int, s: string(8) }\n';
  for (let i = 0; i < rules; i++) text += `forbid r${i} when a==${i}&&s=="x${i}"\n`;
  return text + "permit ok when a>0\n";
}

describe("writ fmt --write", () => {
  it("on a write that fails (EFBIG) leaves the file as it was, says which and why, and leaves no temporary file", () => {
    const d = join(dir, "fmt-full");
    mkdirSync(d);
    const file = join(d, "p.writ");
    const text = messyPolicy(300); // ~12 KiB, more with its spaces
    writeFileSync(file, text);
    chmodSync(file, 0o640);
    const r = writ(["fmt", file, "--write"], { limitKiB: 8 });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`writ fmt: cannot write ${file}: file too large (EFBIG); it is left as it was\n`);
    expect(readFileSync(file, "utf8")).toBe(text);
    expect(strays(d, ["p.writ"])).toEqual([]);
    // with room, it is rewritten and keeps its mode
    expect(writ(["fmt", file, "--write"]).status).toBe(0);
    expect(readFileSync(file, "utf8")).not.toBe(text);
    expect(readFileSync(file, "utf8")).toContain("forbid r299 when a == 299 && s == \"x299\"");
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(strays(d, ["p.writ"])).toEqual([]);
  });

  it("killed half-way through writing leaves the file whole", () => {
    const d = join(dir, "fmt-kill");
    mkdirSync(d);
    const file = join(d, "p.writ");
    const text = messyPolicy(50);
    writeFileSync(file, text);
    const r = writ(["fmt", file, "--write"], { killIn: d });
    expect(r.signal).toBe("SIGKILL"); // it was killed writing, not before
    expect(readFileSync(file, "utf8")).toBe(text);
  });

  it("through a symbolic link replaces the file it points to, and the link stays", () => {
    const d = join(dir, "fmt-link");
    mkdirSync(join(d, "real"), { recursive: true });
    writeFileSync(join(d, "real", "p.writ"), messyPolicy(2));
    chmodSync(join(d, "real", "p.writ"), 0o600);
    symlinkSync(join("real", "p.writ"), join(d, "link.writ"));
    expect(writ(["fmt", join(d, "link.writ"), "--write"]).status).toBe(0);
    expect(readFileSync(join(d, "real", "p.writ"), "utf8")).toContain("a == 0");
    expect(statSync(join(d, "real", "p.writ")).mode & 0o777).toBe(0o600);
    expect(readdirSync(d).sort()).toEqual(["link.writ", "real"]);
    expect(readdirSync(join(d, "real"))).toEqual(["p.writ"]);
  });
});

describe("writ sign", () => {
  // sign loads the bundle before it signs: a real module
  let compiled: Bundle;
  beforeAll(async () => {
    compiled = await compiledBundle("p");
  }, 120_000);

  function signedBundle(d: string): { keyFile: string; signature: string } {
    mkdirSync(d);
    const key = generateKeyPair();
    const keyFile = writeKeyPair(d, key, "k").privateKeyPath;
    writeBundle(join(d, "b"), signBundle(compiled, key));
    return { keyFile, signature: readFileSync(join(d, "b", "p.manifest.jws"), "utf8") };
  }

  it("on a write that fails (EFBIG) leaves the old signature whole and names the file", () => {
    const d = join(dir, "sign-full");
    const { keyFile, signature } = signedBundle(d);
    const r = writ(["sign", join(d, "b"), "--key", keyFile], { limitKiB: 0 });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`writ sign: cannot write ${join(d, "b", "p.manifest.jws")}: file too large (EFBIG); the old signature is as it was\n`);
    expect(readFileSync(join(d, "b", "p.manifest.jws"), "utf8")).toBe(signature);
    expect(strays(join(d, "b"), ["p.wasm", "p.manifest.json", "p.manifest.jws"])).toEqual([]);
  });

  it("killed half-way through writing leaves the old signature whole", () => {
    const d = join(dir, "sign-kill");
    const { keyFile, signature } = signedBundle(d);
    const r = writ(["sign", join(d, "b"), "--key", keyFile], { killIn: join(d, "b") });
    expect(r.signal).toBe("SIGKILL");
    expect(readFileSync(join(d, "b", "p.manifest.jws"), "utf8")).toBe(signature);
  });
});

describe("writ compile -o over a bundle", () => {
  it("killed half-way through writing leaves the old bundle whole: it still loads and verifies", () => {
    const d = join(dir, "compile-kill");
    mkdirSync(d);
    const key = generateKeyPair();
    const old = signBundle(fakeBundle({ name: "p" }), key);
    writeBundle(join(d, "b"), old);
    writeFileSync(join(d, "p.writ"), 'policy "p" version "2.0.0"\ninput { a: int }\npermit ok when a > 0\n');
    const r = writ(["compile", join(d, "p.writ"), "-o", join(d, "b"), "--O0"], { killIn: join(d, "b") });
    expect(r.signal).toBe("SIGKILL");
    const read = readBundle(join(d, "b"));
    expect(read.manifest).toEqual(old.manifest);
    expect(Buffer.from(read.module).equals(Buffer.from(old.module))).toBe(true);
    expect(verifyBundle(read, { trustedKeys: [key.publicKey] })).toMatchObject({ ok: true });
  });
});

describe("writ keygen", () => {
  it("on a write that fails (EFBIG) leaves no key file, so the next keygen is not refused", () => {
    const d = join(dir, "keygen-full");
    const r = writ(["keygen", "-o", d], { limitKiB: 0 });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`writ keygen: cannot write ${join(d, "writ.private.jwk")}: file too large (EFBIG); no key file was written\n`);
    expect(readdirSync(d)).toEqual([]);
    const again = writ(["keygen", "-o", d]);
    expect(again.stderr).toBe("");
    expect(again.status).toBe(0);
    expect(readdirSync(d).sort()).toEqual(["writ.private.jwk", "writ.public.jwk"]);
    expect(statSync(join(d, "writ.private.jwk")).mode & 0o777).toBe(0o600);
  });

  it("killed half-way through writing leaves no key file", () => {
    const d = join(dir, "keygen-kill");
    mkdirSync(d);
    const r = writ(["keygen", "-o", d], { killIn: d });
    expect(r.signal).toBe("SIGKILL");
    // a temporary file may remain (the kill left no time to remove it), but no key file: keygen is not blocked
    expect(readdirSync(d).filter((n) => n.endsWith(".jwk"))).toEqual([]);
    expect(writ(["keygen", "-o", d]).status).toBe(0);
  });
});
