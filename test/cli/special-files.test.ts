// What the commands do with a path that is not a plain file where one is read: a bundle's file that
// is a FIFO is refused, naming it, rather than waited on; a named FIFO given as a private key is
// refused for its mode before it is read; a pipe given as a log is said to be no regular file, not
// refused by the lock it would be given; a log that is a device is no empty log; a path that runs
// through a file, or a loop of symbolic links, is said to be so in the words every command uses.

import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { signBundle } from "../../runtime/trust/bundle.js";
import { writeBundle } from "../../runtime/trust/bundle-files.js";
import { writeKeyPair } from "../../runtime/trust/key-files.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { compiledBundle } from "../support/compiled-bundle.js";
import { runWrit } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

const cwd = tempDir("special-files");
const run = (argv: string[]) => runWrit(argv, cwd);
const posix = process.platform !== "win32";

/** `writ <argv>` in a process of its own, with a time limit: a FIFO opened for reading blocks the whole process until something writes to it. */
const cli = new URL("../../cli/writ.ts", import.meta.url).pathname;
const tsx = new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url).href;
function writInChild(argv: string[], input = "") {
  const r = spawnSync(process.execPath, ["--import", tsx, cli, ...argv], { cwd, input, encoding: "utf8", timeout: 20_000, env: { ...process.env, NODE_OPTIONS: "" } });
  return { status: r.status, stderr: r.stderr };
}

const ISSUE = ["--key", "issuer.private.jwk", "--pub", "authority.public.jwk"];

beforeAll(async () => {
  const authority = generateKeyPair();
  writeBundle(join(cwd, "real"), signBundle(await compiledBundle("p"), authority));
  writeKeyPair(cwd, authority, "authority");
  writeKeyPair(cwd, generateKeyPair(), "issuer");
  writeFileSync(join(cwd, "req.json"), JSON.stringify({ principal: { role: "admin" }, amount: 10 }));
  writeFileSync(join(cwd, "reqs.json"), JSON.stringify([{ principal: { role: "admin" }, amount: 10 }]));
  const issued = await run(["authorize", "real", "--input", "req.json", ...ISSUE, "--log", "log.jsonl"]);
  if (issued.code !== 0) throw new Error(issued.err);
  writeFileSync(join(cwd, "art.jws"), issued.out);
  writeFileSync(join(cwd, "a.txt"), "hi\n");
  symlinkSync("loop2", join(cwd, "loop1"));
  symlinkSync("loop1", join(cwd, "loop2"));
}, 120_000);

describe.skipIf(!posix)("a bundle whose file is a FIFO", () => {
  /** A copy of the bundle in `real` with its `part` made a FIFO. */
  function fifoBundle(dir: string, part: string): string {
    mkdirSync(join(cwd, dir));
    for (const f of ["p.wasm", "p.manifest.json", "p.manifest.jws"]) {
      if (f === part) execFileSync("mkfifo", [join(cwd, dir, f)]);
      else copyFileSync(join(cwd, "real", f), join(cwd, dir, f));
    }
    return join(cwd, dir, part);
  }
  const refusal = (command: string, path: string, what: string) =>
    `writ ${command}: bundle ${what} ${path}: not a regular file (a FIFO); a bundle's files are regular files, as \`writ compile\` writes them\n`;

  it("is refused, naming the file, by every command that reads a bundle, rather than waited on", () => {
    const jws = fifoBundle("fjws", "p.manifest.jws");
    const commands = [
      ["eval", "fjws", "--input", "req.json", "--pub", "authority.public.jwk"],
      ["bench", "fjws", "--pub", "authority.public.jwk", "--rounds", "1"],
      ["sign", "fjws", "--key", "authority.private.jwk"],
      ["authorize", "fjws", "--input", "req.json", ...ISSUE],
      ["verify", "fjws", "--pub", "authority.public.jwk"],
      ["verify", "art.jws", "--pub", "issuer.public.jwk", "--bundle", "fjws"],
      ["replay", "art.jws", "--input", "req.json", "--bundle", "fjws"],
      ["audit", "verify", "log.jsonl", "--replay", "fjws", "--requests", "reqs.json"],
    ];
    for (const argv of commands) expect(writInChild(argv), argv.join(" ")).toEqual({ status: 1, stderr: refusal(argv[0]!, jws, "signature") });
  }, 400_000);

  it("is refused as the module or the manifest as well", () => {
    for (const [dir, part, what] of [["fwasm", "p.wasm", "module"], ["fjson", "p.manifest.json", "manifest"]] as const) {
      const path = fifoBundle(dir, part);
      expect(writInChild(["eval", dir, "--input", "req.json", "--pub", "authority.public.jwk"]), part).toEqual({ status: 1, stderr: refusal("eval", path, what) });
    }
  }, 120_000);
});

describe.skipIf(!posix)("a named FIFO given as a private key", () => {
  it("is refused for its mode, which lets others read it, before anything is read from it", () => {
    const key = join(cwd, "k644");
    execFileSync("mkfifo", ["-m", "0644", key]);
    expect(writInChild(["sign", "real", "--key", "k644"])).toEqual({
      status: 1,
      stderr: `writ sign: private key file ${key} (a FIFO) is accessible to group or others (mode 0644); refusing to use it — run \`chmod 600 ${key}\`\n`,
    });
  }, 60_000);
});

describe.skipIf(!posix || !existsSync("/dev/stdin"))("a pipe given as the lineage log", () => {
  it("is said to be no regular file, as /dev/null is, not refused by the lock it would be given", () => {
    // /dev/stdin of a process whose standard input is a pipe: what `--log <(…)` gives
    expect(writInChild(["authorize", "real", "--input", "req.json", ...ISSUE, "--log", "/dev/stdin"])).toEqual({
      status: 1,
      stderr: "writ authorize: /dev/stdin is not a regular file; a lineage log is one (give a file's path, or one to create)\n",
    });
  }, 60_000);
});

describe.skipIf(!posix)("a lineage log's lock that is no lock file", () => {
  it("a FIFO (planted by another user in a shared directory) is refused, naming it, not waited on", () => {
    // run in a child with a time limit: a FIFO opened for reading would block until something wrote to it
    const lock = join(cwd, "fifo-locked.jsonl.lock");
    execFileSync("mkfifo", [lock]);
    expect(writInChild(["authorize", "real", "--input", "req.json", ...ISSUE, "--log", "fifo-locked.jsonl"])).toEqual({
      status: 1,
      stderr: `writ authorize: ${join(cwd, "fifo-locked.jsonl")}: cannot take the lock: ${lock} is a FIFO (named pipe), not a lock file this tool writes: it names no owner, so the log is not opened; remove ${lock} once no writer of this log is running\n`,
    });
    expect(existsSync(join(cwd, "fifo-locked.jsonl"))).toBe(false);
  }, 60_000);
});

describe("--pub with a path that is not there", () => {
  it("is said to be missing, as without --pub, not to be a .writ source", async () => {
    for (const command of ["eval", "bench"]) {
      const input = command === "eval" ? ["--input", "req.json"] : [];
      expect(await run([command, "buidl", ...input, "--pub", "authority.public.jwk"]), command).toEqual({ code: 1, out: "", err: `writ ${command}: buidl: no such file` });
      expect(await run([command, "real/q.wasm", ...input, "--pub", "authority.public.jwk"]), command).toEqual({ code: 1, out: "", err: `writ ${command}: real/q.wasm: no such file` });
    }
    // a .writ source that is there is still told it has no signature: a command line that means nothing (exit 2)
    writeFileSync(join(cwd, "p.writ"), 'policy "p" version "1.0.0"\ninput { a: int }\npermit ok when a > 0\n');
    for (const command of ["eval", "bench"]) {
      const input = command === "eval" ? ["--input", "req.json"] : [];
      expect(await run([command, "p.writ", ...input, "--pub", "authority.public.jwk"]), command).toEqual({
        code: 2,
        out: "",
        err: `writ ${command}: --pub verifies a signed bundle directory; a .writ source has no signature to check`,
      });
    }
  });
});

describe.skipIf(!posix)("a bundle path that runs through a file (a.txt/x)", () => {
  it("is said to have a part that is not a directory, naming it, not to be a file", async () => {
    const refusal = (command: string) => `writ ${command}: cannot read bundle ${join(cwd, "a.txt", "x")}: a part of its path is not a directory (${join(cwd, "a.txt")})`;
    const commands = [
      ["sign", "a.txt/x", "--key", "authority.private.jwk"],
      ["authorize", "a.txt/x", "--input", "req.json", ...ISSUE],
      ["verify", "art.jws", "--pub", "issuer.public.jwk", "--bundle", "a.txt/x"],
      ["replay", "art.jws", "--input", "req.json", "--bundle", "a.txt/x"],
      ["audit", "verify", "log.jsonl", "--replay", "a.txt/x", "--requests", "reqs.json"],
    ];
    for (const argv of commands) expect(await run(argv), argv.join(" ")).toEqual({ code: 1, out: "", err: refusal(argv[0]!) });
    // a file itself is still said to be one
    expect((await run(["sign", "a.txt", "--key", "authority.private.jwk"])).err).toMatch(/^writ sign: \S+a\.txt is a file, not a bundle: /);
  });
});

describe.skipIf(!posix)("a loop of symbolic links", () => {
  it("is said to be one in the same words for every kind of file, not in Node's", async () => {
    const loop = "too many symbolic links encountered (ELOOP)";
    const abs = join(cwd, "loop1");
    const cases: [string[], string][] = [
      [["eval", "real", "--input", "loop1", "--pub", "authority.public.jwk"], `writ eval: loop1: ${loop}`],
      [["check", "loop1"], `writ check: loop1: ${loop}`],
      [["eval", "loop1", "--input", "req.json"], `writ eval: loop1: ${loop}`],
      [["sign", "real", "--key", "loop1"], `writ sign: cannot read key file ${abs}: ${loop}`],
      [["verify", "art.jws", "--pub", "loop1"], `writ verify: cannot read key file ${abs}: ${loop}`],
      [["verify", "art.jws", "--pub", "issuer.public.jwk", "--bundle", "loop1"], `writ verify: cannot list bundle directory ${abs}: ${loop}`],
      [["audit", "verify", "loop1"], `writ audit: log loop1: ${loop}`],
      [["authorize", "real", "--input", "req.json", ...ISSUE, "--log", "loop1"], `writ authorize: ${abs}: ${loop}`],
    ];
    for (const [argv, err] of cases) expect(await run(argv), argv.join(" ")).toEqual({ code: 1, out: "", err });
  });

  it("is said to be one where a file or directory is to be written, too: not a link to something that does not exist", async () => {
    const loop = "too many symbolic links encountered (ELOOP)";
    const abs = join(cwd, "loop1");
    const cases: [string[], string][] = [
      // the loop itself, and a directory under it, as the output directory
      [["compile", "real-src.writ", "-o", "loop1", "--O0"], `writ compile: cannot create the output directory ${abs}: ${loop}`],
      [["compile", "real-src.writ", "-o", "loop1/sub", "--O0"], `writ compile: cannot create the output directory ${join(abs, "sub")}: ${loop}`],
      [["keygen", "-o", "loop1"], `writ keygen: cannot create the output directory ${abs}: ${loop}`],
      [["keygen", "-o", "loop1/k"], `writ keygen: cannot create the output directory ${join(abs, "k")}: ${loop}`],
      // a log to be created in it: as the log that is the loop is said to be one (above)
      [["authorize", "real", "--input", "req.json", ...ISSUE, "--log", "loop1/x.jsonl"], `writ authorize: ${join(abs, "x.jsonl")}: ${loop}`],
    ];
    writeFileSync(join(cwd, "real-src.writ"), 'policy "p" version "1.0.0"\ninput { a: int }\npermit ok when a > 0\n');
    for (const [argv, err] of cases) expect(await run(argv), argv.join(" ")).toEqual({ code: 1, out: "", err });
  }, 60_000);
});

describe.skipIf(!posix)("writ test on a path it cannot follow", () => {
  it("says why in the words writ check uses for the same path: a loop, a path through a file, nothing there", async () => {
    const cases: [string, string][] = [
      ["loop1", "too many symbolic links encountered (ELOOP)"],
      ["a.txt/x.writ", "not a directory (ENOTDIR)"],
      ["gone.writ", "no such file"],
    ];
    for (const [path, why] of cases) {
      expect((await run(["check", path])).err, path).toBe(`writ check: ${path}: ${why}`);
      expect(await run(["test", path]), path).toEqual({ code: 1, out: "0 passed, 1 failed (1 input not tested, said on standard error)", err: `writ test: ${path}: ${why}` });
    }
  });
});

describe.skipIf(!existsSync("/dev/null"))("writ audit on a device", () => {
  it("refuses it as no regular file, as the log's writer does, rather than verify it as an empty log", async () => {
    const err = "writ audit: /dev/null is not a regular file (a character device); a lineage log is one";
    expect(await run(["audit", "verify", "/dev/null", "--pub", "issuer.public.jwk"])).toEqual({ code: 1, out: "", err });
    expect(await run(["audit", "head", "/dev/null"])).toEqual({ code: 1, out: "", err });
  });

  it("while an empty regular file is a log of no records: it verifies, and has no head", async () => {
    writeFileSync(join(cwd, "empty.jsonl"), "");
    expect(await run(["audit", "verify", "empty.jsonl", "--pub", "issuer.public.jwk"])).toEqual({
      code: 0,
      out: "empty.jsonl: ok, 0 records\n  signatures  verified with 1 trusted key",
      err: "",
    });
    expect(await run(["audit", "head", "empty.jsonl"])).toEqual({ code: 1, out: "", err: "writ audit: empty.jsonl: the log is empty: it has no head yet" });
  });
});
