// What a command writes over (a policy reformatted in place, a bundle compiled again, a signature
// renewed) or creates (a key pair) survives a write that fails or is killed: real `writ` processes
// under a file-size limit (`ulimit -f`, which makes write(2) fail with EFBIG as a full disk fails
// with ENOSPC), and killed with SIGKILL half-way through writing a file (a preload wraps node:fs).
// The old file stays whole, and no temporary file is left beside it. A bundle, three files, killed
// between its renames is whole at the next read; a key pair killed between its two files is made
// whole by the next keygen; SIGTERM during a write leaves no temporary file, nor a lineage log's lock.

import { spawnSync } from "node:child_process";
import { chmodSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readBundle, writeBundle } from "../../runtime/trust/bundle-files.js";
import { signBundle, verifyBundle } from "../../runtime/trust/bundle.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { writeKeyPair } from "../../runtime/trust/key-files.js";
import { fakeBundle } from "../trust/fake-policy.js";
import { tempDir } from "../support/temp-dir.js";
import { compiledBundle } from "../support/compiled-bundle.js";
import { runWrit } from "../support/cli.js";
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

// Kills the process (SIGKILL) just before its $WRIT_KILL_AT-th call of fs.$WRIT_KILL_CALL (renameSync,
// linkSync, unlinkSync) whose destination (for unlinkSync, the path removed) is under $WRIT_KILL_IN: as
// \`strace -e inject=rename:signal=SIGKILL\` does.
const callKiller = join(dir, "kill-at-call.mjs");
writeFileSync(
  callKiller,
  `import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
const where = process.env.WRIT_KILL_IN;
const call = process.env.WRIT_KILL_CALL;
const at = Number(process.env.WRIT_KILL_AT);
let calls = 0;
const original = fs[call];
fs[call] = function (from, to, ...rest) {
  const destination = call === "unlinkSync" ? from : to;
  if (typeof destination === "string" && destination.startsWith(where) && ++calls === at) process.kill(process.pid, "SIGKILL");
  return original.call(this, from, to, ...rest);
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

/** Where a process is killed (SIGKILL): just before its `at`-th `call` whose destination is under `under`. */
interface KillAt {
  readonly call: "renameSync" | "linkSync" | "unlinkSync";
  readonly at: number;
  readonly under: string;
}

/**
 * `writ args` in a process of its own, with a file-size limit in KiB (`ulimit -f`), killed mid-write
 * in `killIn`, or killed at a call (`killAt`). `script`: a script of this file's to run instead of writ.
 */
function writ(args: string[], options: { limitKiB?: number; killIn?: string; killAt?: KillAt; script?: string } = {}): Run {
  const preload = options.killIn !== undefined ? ["--import", killer] : options.killAt !== undefined ? ["--import", callKiller] : [];
  const killAt = options.killAt === undefined ? {} : { WRIT_KILL_CALL: options.killAt.call, WRIT_KILL_AT: String(options.killAt.at) };
  const env = { ...process.env, NODE_OPTIONS: "", WRIT_KILL_IN: options.killIn ?? options.killAt?.under ?? "", ...killAt };
  const command = [process.execPath, "--import", tsx, ...preload, options.script ?? cli, ...args];
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

// Sends SIGTERM (or $WRIT_SIGNAL) to the process at its first write of a file under $WRIT_SIGNAL_IN,
// and writes on: the signal arrives with the new contents half-staged, as Ctrl-C or a `kill` may.
const signaller = join(dir, "signal-mid-write.mjs");
writeFileSync(
  signaller,
  `import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
const where = process.env.WRIT_SIGNAL_IN;
const files = new Set();
let sent = false;
const { openSync, writeSync } = fs;
fs.openSync = function (path, ...rest) {
  const fd = openSync.call(this, path, ...rest);
  if (typeof path === "string" && path.startsWith(where)) files.add(fd);
  return fd;
};
fs.writeSync = function (fd, ...rest) {
  if (files.has(fd) && !sent) {
    sent = true;
    process.kill(process.pid, process.env.WRIT_SIGNAL ?? "SIGTERM");
  }
  return writeSync.call(this, fd, ...rest);
};
syncBuiltinESMExports();
`,
);

// Writes the bundle described in the JSON file $1 into the directory $2, with writeBundle.
const bundleWriter = join(dir, "write-bundle.mjs");
writeFileSync(
  bundleWriter,
  `import { readFileSync } from "node:fs";
const { writeBundle } = await import(${JSON.stringify(join(root, "runtime", "trust", "bundle-files.ts"))});
const [spec, out] = process.argv.slice(2);
const b = JSON.parse(readFileSync(spec, "utf8"));
writeBundle(out, { module: Buffer.from(b.module, "base64"), manifest: b.manifest, ...(b.signature === undefined ? {} : { signature: b.signature }) });
`,
);

// Stages new contents for the file $1 as writ does, with writ's signal handling, and sends itself SIGTERM
// with the file staged. $2 \`waits\`: the write then waits on the event loop before it puts the file in
// place (so the handler runs first); otherwise it puts it in place at once, synchronously, as every
// write of writ's does. Either way it then waits, for the handler to stop it.
const signalledWrite = join(dir, "signalled-write.mjs");
writeFileSync(
  signalledWrite,
  `const { stageFile } = await import(${JSON.stringify(join(root, "runtime", "file-write.ts"))});
const { cleanUpOnSignals } = await import(${JSON.stringify(join(root, "cli", "signal-cleanup.ts"))});
const [target, how] = process.argv.slice(2);
cleanUpOnSignals();
const staged = stageFile(target, "new contents\\n");
process.kill(process.pid, "SIGTERM");
const loopTurns = () => new Promise((resolve) => setTimeout(resolve, 20_000));
if (how === "waits") await loopTurns();
staged.commit();
await loopTurns();
`,
);

const policyText = (version: string): string =>
  `policy "p" version "${version}"\ninput { principal: { role: string }, amount: int }\nforbid too_much when amount > 1000\npermit admin when principal.role == "admin"\n`;

describe("writ compile -o over a signed bundle, killed between two of its renames", () => {
  it("leaves a bundle the next command reads whole: writ verify finishes the write and verifies the new bundle", async () => {
    const d = join(dir, "compile-kill-rename");
    mkdirSync(d);
    writeKeyPair(d, generateKeyPair(), "k");
    writeFileSync(join(d, "p.writ"), policyText("1.0.0"));
    expect((await runWrit(["compile", "p.writ", "-o", "b", "--sign", "k.private.jwk", "--O0"], d)).code).toBe(0);
    writeFileSync(join(d, "p.writ"), policyText("2.0.0"));
    // renames into b, once the record of the write is linked into place: the module, then the manifest: killed before the manifest's
    const r = writ(["compile", join(d, "p.writ"), "-o", join(d, "b"), "--sign", join(d, "k.private.jwk"), "--O0"], { killAt: { call: "renameSync", at: 2, under: join(d, "b") } });
    expect(r.signal).toBe("SIGKILL");
    // as the kill left it: the new module beside the old manifest and signature
    expect(JSON.parse(readFileSync(join(d, "b", "p.manifest.json"), "utf8")).version).toBe("1.0.0");
    expect(readdirSync(join(d, "b"))).toContain(".p.bundle-pending.json");
    const verified = await runWrit(["verify", "b", "--pub", "k.public.jwk"], d);
    expect(verified.err).toBe(
      `writ verify: note: bundle "p" in ${join(d, "b")} was being replaced by a write that had not finished (under way, or stopped before it was done); its new files were whole, and it was finished (p.wasm, p.manifest.json, p.manifest.jws put in place)`,
    );
    expect(verified.code).toBe(0);
    expect(verified.out).toMatch(/^bundle p 2\.0\.0 verified: signed by /);
    expect(readdirSync(join(d, "b")).sort()).toEqual(["p.manifest.json", "p.manifest.jws", "p.wasm"]);
  }, 120_000);

  it("unsigned over signed, killed as the old signature is removed: the next command reads the new bundle, unsigned, and a later write removes what the kill left", async () => {
    const d = join(dir, "compile-kill-unsigned");
    mkdirSync(d);
    writeKeyPair(d, generateKeyPair(), "k");
    writeFileSync(join(d, "p.writ"), policyText("1.0.0"));
    expect((await runWrit(["compile", "p.writ", "-o", "b", "--sign", "k.private.jwk", "--O0"], d)).code).toBe(0);
    writeFileSync(join(d, "p.writ"), policyText("2.0.0"));
    // removals under b: the record's staged file, once linked into place, then the old signature, once
    // linked to a private name (and looked at there): killed between that link and the removal, the
    // private link stays beside it
    const r = writ(["compile", join(d, "p.writ"), "-o", join(d, "b"), "--O0"], { killAt: { call: "unlinkSync", at: 2, under: join(d, "b") } });
    expect(r.signal).toBe("SIGKILL");
    const evaluated = await runWrit(["eval", "b", "--input", "-"], d, '{"principal":{"role":"admin"},"amount":5}');
    expect(evaluated.err).toMatch(/^writ eval: note: .*it was finished \(p\.wasm, p\.manifest\.json put in place, and p\.manifest\.jws removed\)$/);
    expect(evaluated.code).toBe(0);
    expect(JSON.parse(evaluated.out)).toMatchObject({ decision: "allow" });
    const left = readdirSync(join(d, "b")).filter((f) => f.startsWith(".p.manifest.jws."));
    expect(left).toHaveLength(1);
    expect(readdirSync(join(d, "b")).sort()).toEqual([left[0], "p.manifest.json", "p.wasm"]);
    expect(readBundle(join(d, "b")).manifest.version).toBe("2.0.0");
    // a later write of the bundle removes it once it is certainly left over (bundle-leftovers.ts)
    const hoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    utimesSync(join(d, "b", left[0]!), hoursAgo, hoursAgo);
    expect((await runWrit(["compile", "p.writ", "-o", "b", "--O0"], d)).code).toBe(0);
    expect(readdirSync(join(d, "b")).sort()).toEqual(["p.manifest.json", "p.wasm"]);
  }, 120_000);
});

describe("writeBundle killed at each of its renames", () => {
  it("leaves the old bundle or the new one, whole, at the next read: never a mix", () => {
    const key = generateKeyPair();
    const old = signBundle(fakeBundle({ name: "p", version: "1.0.0", moduleText: "old module" }), key);
    const next = signBundle(fakeBundle({ name: "p", version: "2.0.0", moduleText: "the new module, longer" }), key);
    const spec = join(dir, "next-bundle.json");
    writeFileSync(spec, JSON.stringify({ module: Buffer.from(next.module).toString("base64"), manifest: next.manifest, signature: next.signature }));
    // the record's link into place, then the module's rename, the manifest's and the signature's
    const steps = [{ call: "linkSync", at: 1 }, { call: "renameSync", at: 1 }, { call: "renameSync", at: 2 }, { call: "renameSync", at: 3 }] as const;
    for (const [i, { call, at }] of steps.entries()) {
      const b = join(dir, `bundle-kill-${i}`);
      writeBundle(b, old);
      const r = writ([spec, b], { script: bundleWriter, killAt: { call, at, under: b } });
      expect(r.signal, `killed at ${call} ${at}`).toBe("SIGKILL");
      const read = readBundle(b);
      // before its record was in place the write had not begun; after, it is finished
      expect(read.manifest.version, `killed at ${call} ${at}`).toBe(i === 0 ? "1.0.0" : "2.0.0");
      expect(verifyBundle(read, { trustedKeys: [key.publicKey] }), `killed at ${call} ${at}`).toMatchObject({ ok: true });
    }
  });
});

describe("SIGTERM while writ writes a file", () => {
  it("with the file staged, the write waiting: the staged file is removed, the old file stays, and the process ends by the signal", () => {
    const d = join(dir, "sigterm-waits");
    mkdirSync(d);
    writeFileSync(join(d, "f"), "old contents\n");
    const r = writ([join(d, "f"), "waits"], { script: signalledWrite });
    expect(r.signal).toBe("SIGTERM");
    expect(readFileSync(join(d, "f"), "utf8")).toBe("old contents\n");
    expect(readdirSync(d)).toEqual(["f"]);
  });

  it("during a synchronous write (every write of writ's): the write ends first, whole, then the process ends by the signal", () => {
    const d = join(dir, "sigterm-sync");
    mkdirSync(d);
    writeFileSync(join(d, "f"), "old contents\n");
    const r = writ([join(d, "f"), "at-once"], { script: signalledWrite });
    expect(r.signal).toBe("SIGTERM");
    expect(readFileSync(join(d, "f"), "utf8")).toBe("new contents\n");
    expect(readdirSync(d)).toEqual(["f"]);
  });

  it("writ fmt --write: the file is replaced whole, no temporary file is left, and the process ends by the signal, SIGTERM, SIGINT (Ctrl-C) or SIGHUP", () => {
    for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) {
      const d = join(dir, `${signal.toLowerCase()}-fmt`);
      mkdirSync(d);
      const file = join(d, "p.writ");
      writeFileSync(file, messyPolicy(200));
      const env = { ...process.env, NODE_OPTIONS: "", WRIT_SIGNAL_IN: d, WRIT_SIGNAL: signal };
      const r = spawnSync(process.execPath, ["--import", tsx, "--import", signaller, cli, "fmt", file, "--write"], { cwd: dir, encoding: "utf8", env });
      // the signal waits for the write, whole; then, the command done, the process ends by it
      expect(r.signal, signal).toBe(signal);
      expect(readFileSync(file, "utf8"), signal).toContain('forbid r199 when a == 199 && s == "x199"');
      expect(readdirSync(d), signal).toEqual(["p.writ"]);
    }
  });
});

// Sends SIGTERM to the process just before its $WRIT_SIGNAL_AT-th file call on a path under
// $WRIT_SIGNAL_IN (open, link, unlink, rename, by its path) or on a descriptor opened there (write,
// sync, truncate, close), and goes on with the call: a `kill` that lands at that point.
const callSignaller = join(dir, "signal-at-call.mjs");
writeFileSync(
  callSignaller,
  `import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
const where = process.env.WRIT_SIGNAL_IN;
const at = Number(process.env.WRIT_SIGNAL_AT);
const fds = new Set();
let calls = 0;
const count = () => {
  if (++calls === at) process.kill(process.pid, "SIGTERM");
};
const under = (p) => typeof p === "string" && p.startsWith(where);
const byPath = { openSync: 0, unlinkSync: 0, linkSync: 1, renameSync: 1 };
for (const [name, arg] of Object.entries(byPath)) {
  const original = fs[name];
  fs[name] = function (...args) {
    if (under(args[arg])) count();
    const r = original.apply(this, args);
    if (name === "openSync" && under(args[0])) fds.add(r);
    return r;
  };
}
for (const name of ["writeSync", "fsyncSync", "fdatasyncSync", "ftruncateSync", "closeSync"]) {
  const original = fs[name];
  fs[name] = function (fd, ...rest) {
    if (fds.has(fd)) {
      count();
      if (name === "closeSync") fds.delete(fd);
    }
    return original.call(this, fd, ...rest);
  };
}
syncBuiltinESMExports();
`,
);

// Opens the log $1 with writ's signal handling and sends itself SIGTERM while it holds the lock, then
// waits on the event loop, where the handler runs, the log still open. $2 \`foreign\`: before the
// signal, the lock is made another's, as a lock removed by hand and taken by another writer is.
const signalledLog = join(dir, "signalled-log.mjs");
writeFileSync(
  signalledLog,
  `import { writeFileSync } from "node:fs";
import { hostname } from "node:os";
const { openLog } = await import(${JSON.stringify(join(root, "runtime", "trust", "lineage.ts"))});
const { cleanUpOnSignals } = await import(${JSON.stringify(join(root, "cli", "signal-cleanup.ts"))});
const [path, how] = process.argv.slice(2);
cleanUpOnSignals();
openLog(path);
if (how === "foreign") writeFileSync(path + ".lock", JSON.stringify({ pid: process.ppid, host: hostname(), at: new Date().toISOString(), id: "f".repeat(32) }) + "\\n");
process.kill(process.pid, "SIGTERM");
await new Promise((resolve) => setTimeout(resolve, 20_000));
`,
);

describe("SIGTERM while a lineage log's lock is held", () => {
  it("writ authorize --log, signalled at each file call under the log's directory: no lock (nor its temporary file) is left, the log verifies, and the process ends by the signal", async () => {
    const d = join(dir, "sigterm-log");
    const logs = join(d, "logs");
    mkdirSync(logs, { recursive: true });
    writeBundle(join(d, "b"), await compiledBundle());
    writeKeyPair(d, generateKeyPair(), "issuer");
    writeFileSync(join(d, "req.json"), JSON.stringify({ principal: { role: "admin" }, amount: 10 }));
    const args = ["authorize", join(d, "b"), "--input", join(d, "req.json"), "--key", join(d, "issuer.private.jwk"), "--log", join(logs, "lk.jsonl")];
    const env = { ...process.env, NODE_OPTIONS: "", WRIT_SIGNAL_IN: logs };
    // the first run creates the log; the next ones append to it: signalled at every call of one
    // (taking the lock, opening and reading the log, appending, syncing, closing, removing the lock)
    let signalled = 0;
    for (let at = 1; ; at++) {
      const r = spawnSync(process.execPath, ["--import", tsx, "--import", callSignaller, cli, ...args], { cwd: d, encoding: "utf8", env: { ...env, WRIT_SIGNAL_AT: String(at) } });
      const left = readdirSync(logs).filter((n) => n !== "lk.jsonl");
      expect(left, `signalled at call ${at}: ${r.stderr}`).toEqual([]);
      if (r.signal === null) {
        // fewer calls than `at`: no signal was sent, and the command did all it does
        expect(r.status, r.stderr).toBe(0);
        break;
      }
      expect(r.signal, `signalled at call ${at}`).toBe("SIGTERM");
      signalled++;
      const audited = await runWrit(["audit", "verify", join(logs, "lk.jsonl"), "--pub", join(d, "issuer.public.jwk")], d);
      // signalled before the log was first made, there is none yet
      if (audited.err.includes("does not exist")) continue;
      expect(audited.code, `signalled at call ${at}: ${audited.err}`).toBe(0);
    }
    expect(signalled).toBeGreaterThan(10);
  }, 300_000);

  it("held across a turn of the event loop, where the handler runs: the lock is removed, and the process ends by the signal", () => {
    const d = join(dir, "sigterm-open-log");
    mkdirSync(d);
    const r = writ([join(d, "lk.jsonl")], { script: signalledLog });
    expect(r.signal, r.stderr).toBe("SIGTERM");
    expect(readdirSync(d)).toEqual(["lk.jsonl"]);
  });

  it("a lock that is no longer this process's is never removed: another's stays", () => {
    const d = join(dir, "sigterm-foreign-lock");
    mkdirSync(d);
    const r = writ([join(d, "lk.jsonl"), "foreign"], { script: signalledLog });
    expect(r.signal, r.stderr).toBe("SIGTERM");
    expect(readdirSync(d).sort()).toEqual(["lk.jsonl", "lk.jsonl.lock"]);
    expect(JSON.parse(readFileSync(join(d, "lk.jsonl.lock"), "utf8")).id).toBe("f".repeat(32));
  });
});

describe("writ keygen killed between its two key files", () => {
  it("leaves the private key, whose public key the next keygen writes from it; then the pair is whole", async () => {
    const d = join(dir, "keygen-kill-link");
    mkdirSync(d);
    const r = writ(["keygen", "-o", d], { killAt: { call: "linkSync", at: 2, under: d } });
    expect(r.signal).toBe("SIGKILL");
    expect(readdirSync(d).filter((n) => n.endsWith(".jwk"))).toEqual(["writ.private.jwk"]);
    const again = writ(["keygen", "-o", d]);
    expect(again.stderr).toBe("");
    expect(again.status).toBe(0);
    const { loadPrivateKeyFile, loadPublicKeyFile } = await import("../../runtime/trust/key-files.js");
    const priv = loadPrivateKeyFile(join(d, "writ.private.jwk"));
    const pub = loadPublicKeyFile(join(d, "writ.public.jwk"));
    if (!priv.ok || !pub.ok) throw new Error("the pair does not load");
    expect(pub.key.keyId).toBe(priv.key.keyId);
    expect(again.stdout).toBe(
      [
        `key id      ${priv.key.keyId}`,
        `private key ${join(d, "writ.private.jwk")} (already there, without its public key: kept, no new key was made)`,
        `public key  ${join(d, "writ.public.jwk")} (written now, from the private key)`,
        "",
      ].join("\n"),
    );
    expect(statSync(join(d, "writ.public.jwk")).mode & 0o777).toBe(0o644);
    // whole now: a third keygen refuses, as for any pair
    const third = writ(["keygen", "-o", d]);
    expect(third.status).toBe(1);
    expect(third.stderr).toMatch(/writ\.private\.jwk already exists; refusing to overwrite a key/);
  });

  it("a lone private key that cannot be read is not guessed at: keygen says why and writes nothing", () => {
    const d = join(dir, "keygen-lone-bad");
    mkdirSync(d);
    writeFileSync(join(d, "writ.private.jwk"), "not a key", { mode: 0o600 });
    const r = writ(["keygen", "-o", d]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`writ keygen: ${join(d, "writ.private.jwk")} is there without its public key ${join(d, "writ.public.jwk")}, which cannot be written from it: private key file ${join(d, "writ.private.jwk")}: neither a JWK (JSON) nor a PEM key\n`);
    expect(readdirSync(d)).toEqual(["writ.private.jwk"]);
  });
});

describe("writ compile whose output would replace a file it read", () => {
  it("refuses, naming both, and leaves the file as it was", async () => {
    const d = join(dir, "self-overwrite");
    mkdirSync(d);
    const text = policyText("1.0.0");
    for (const source of ["p.manifest.json", "p.wasm", "p.manifest.jws"]) {
      writeFileSync(join(d, source), text);
      const r = await runWrit(["compile", source, "-o", ".", "--O0"], d);
      expect(r.code, source).toBe(1);
      expect(r.err, source).toContain(`writ compile: refusing to write the bundle: ${join(d, source)} is ${source}, the policy source, which it would replace; give another -o, or move ${source} out of the way`);
      expect(readFileSync(join(d, source), "utf8"), source).toBe(text);
      expect(readdirSync(d), source).toEqual([source]);
      rmSync(join(d, source));
    }
    // through a symbolic link: the write would land on the file the link points to
    mkdirSync(join(d, "out"));
    writeFileSync(join(d, "out", "p.manifest.json"), text);
    symlinkSync(join("out", "p.manifest.json"), join(d, "linked.writ"));
    const linked = await runWrit(["compile", "linked.writ", "-o", "out", "--O0"], d);
    expect(linked.code).toBe(1);
    expect(linked.err).toContain("is linked.writ, the policy source, which it would replace");
    expect(readFileSync(join(d, "out", "p.manifest.json"), "utf8")).toBe(text);
  }, 60_000);

  it("refuses a signing key the bundle's signature would replace", async () => {
    const d = join(dir, "key-overwrite");
    mkdirSync(d);
    writeKeyPair(d, generateKeyPair(), "k");
    writeFileSync(join(d, "p.writ"), policyText("1.0.0"));
    const keyText = readFileSync(join(d, "k.private.jwk"), "utf8");
    writeFileSync(join(d, "p.manifest.jws"), keyText, { mode: 0o600 });
    const r = await runWrit(["compile", "p.writ", "-o", ".", "--sign", "p.manifest.jws", "--O0"], d);
    expect(r.code).toBe(1);
    expect(r.err).toContain("is p.manifest.jws, the signing key, which it would replace");
    expect(readFileSync(join(d, "p.manifest.jws"), "utf8")).toBe(keyText);
  }, 60_000);

  it("writes over another hard link to its source: that name is replaced, and the source keeps its text", async () => {
    const d = join(dir, "hard-link");
    mkdirSync(d);
    const text = policyText("1.0.0");
    writeFileSync(join(d, "p.writ"), text);
    linkSync(join(d, "p.writ"), join(d, "p.manifest.json"));
    const r = await runWrit(["compile", "p.writ", "-o", ".", "--O0"], d);
    expect(r.code).toBe(0);
    expect(readFileSync(join(d, "p.writ"), "utf8")).toBe(text);
    expect(JSON.parse(readFileSync(join(d, "p.manifest.json"), "utf8")).name).toBe("p");
  }, 60_000);
});
