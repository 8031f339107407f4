// What the commands say of a file that is not what it should be: a device given as a private key
// is said to be no regular file (not to need `chmod 600`), a lineage log that does not exist or is a
// directory is said to be so (not "record 0 unreadable", nor Node's EISDIR when authorize would
// append to it), and an output directory that is a symbolic link to nothing is named with where it
// points (not a raw ENOENT from mkdir). A policy source that is no regular file (a FIFO) is refused
// by every command, not read.

import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeBundle } from "../../runtime/trust/bundle-files.js";
import { writeKeyPair } from "../../runtime/trust/key-files.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { fakeBundle } from "../trust/fake-policy.js";
import { compiledBundle } from "../support/compiled-bundle.js";
import { runWrit } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

const cwd = tempDir("file-messages");

const run = (argv: string[]) => runWrit(argv, cwd);

beforeAll(() => {
  writeBundle(join(cwd, "build"), fakeBundle({ name: "p" }));
  mkdirSync(join(cwd, "adir"));
  symlinkSync(join(cwd, "nowhere", "x"), join(cwd, "dangling"));
});

describe.skipIf(!existsSync("/dev/null"))("a device as a private key", () => {
  it("is said to be no regular file, not advised a chmod", async () => {
    const r = await run(["sign", "build", "--key", "/dev/null"]);
    expect(r).toEqual({
      code: 1,
      out: "",
      err: "writ sign: private key file /dev/null is not a regular file (a character device): give the file of a private key, as `writ keygen` writes it (<name>.private.jwk)",
    });
  });
});

describe("writ audit on a log that is not there", () => {
  for (const sub of ["verify", "head"]) {
    it(`${sub}: a log that does not exist, a directory, a link to nothing`, async () => {
      expect(await run(["audit", sub, "nonexistent.jsonl"])).toEqual({ code: 1, out: "", err: "writ audit: log nonexistent.jsonl does not exist" });
      expect(await run(["audit", sub, "adir"])).toEqual({ code: 1, out: "", err: "writ audit: adir is a directory, not a lineage log" });
      expect(await run(["audit", sub, "dangling"])).toEqual({
        code: 1,
        out: "",
        err: `writ audit: log dangling does not exist: it is a symbolic link to ${join(cwd, "nowhere", "x")}, which does not exist`,
      });
    });
  }
});

describe("writ authorize --log naming a directory", () => {
  it("is said to be one, as every command says it, not in Node's words (EISDIR)", async () => {
    writeBundle(join(cwd, "real"), await compiledBundle());
    writeKeyPair(cwd, generateKeyPair(), "issuer");
    writeFileSync(join(cwd, "admin.json"), JSON.stringify({ principal: { role: "admin" }, amount: 10 }));
    for (const log of ["adir", "."]) {
      expect(await run(["authorize", "real", "--input", "admin.json", "--key", "issuer.private.jwk", "--log", log]), log).toEqual({
        code: 1,
        out: "",
        err: `writ authorize: warning: the bundle is not signed; its artifacts still name its module digests\nwrit authorize: ${join(cwd, log)} is a directory, not a lineage log (give a file's path, or one to create)`,
      });
    }
  }, 60_000);
});

describe.skipIf(process.platform === "win32")("a policy source that is not a regular file", () => {
  // in a process of its own, with a time limit: a FIFO opened for reading blocks the whole process
  // until something writes to it, and would stop this one
  const cli = new URL("../../cli/writ.ts", import.meta.url).pathname;
  const tsx = new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url).href;
  const writ = (argv: string[]) => spawnSync(process.execPath, ["--import", tsx, cli, ...argv], { cwd, encoding: "utf8", timeout: 30_000, env: { ...process.env, NODE_OPTIONS: "" } });

  it("is refused by every command that reads one, as writ test refuses it, rather than read (a FIFO would block)", () => {
    execFileSync("mkfifo", [join(cwd, "fifo.writ")]);
    writeFileSync(join(cwd, "r.json"), "{}");
    for (const argv of [["check", "fifo.writ"], ["compile", "fifo.writ", "-o", "out"], ["eval", "fifo.writ", "--input", "r.json"], ["bench", "fifo.writ"], ["fmt", "fifo.writ"], ["test", "fifo.writ"]]) {
      const r = writ(argv);
      expect([r.status, r.stderr], argv[0]).toEqual([1, `writ ${argv[0]}: fifo.writ: not a regular file\n`]);
    }
  }, 240_000);
});

describe("an output directory that is a symbolic link to nothing", () => {
  it("is named, with where it points: compile -o and keygen -o", async () => {
    writeFileSync(join(cwd, "p.writ"), 'policy "p" version "1.0.0"\ninput { a: int }\npermit ok when a > 0\n');
    const dangling = join(cwd, "dangling");
    const compiled = await run(["compile", "p.writ", "-o", "dangling", "--O0"]);
    expect(compiled.code).toBe(1);
    expect(compiled.err).toBe(`writ compile: cannot create the output directory ${dangling}: it is a symbolic link to ${join(cwd, "nowhere", "x")}, which does not exist`);
    const keys = await run(["keygen", "-o", "dangling/keys"]);
    expect(keys).toEqual({
      code: 1,
      out: "",
      err: `writ keygen: cannot create the output directory ${join(dangling, "keys")}: ${dangling} is a symbolic link to ${join(cwd, "nowhere", "x")}, which does not exist`,
    });
  }, 60_000);

  it("through a chain of links (a -> b -> nothing) still does not exist, for compile -o, keygen -o and authorize --log: only a loop is said to be one", async () => {
    // a chain is followed to its end, where nothing is (ENOENT), where a loop is never ended (ELOOP)
    symlinkSync("chain-b", join(cwd, "chain-a"));
    symlinkSync(join("nowhere", "y"), join(cwd, "chain-b"));
    const a = join(cwd, "chain-a");
    writeFileSync(join(cwd, "chain.writ"), 'policy "p" version "1.0.0"\ninput { a: int }\npermit ok when a > 0\n');
    expect(await run(["compile", "chain.writ", "-o", "chain-a", "--O0"])).toEqual({
      code: 1,
      out: "",
      err: `writ compile: cannot create the output directory ${a}: it is a symbolic link to chain-b, which does not exist`,
    });
    expect(await run(["keygen", "-o", "chain-a/keys"])).toEqual({
      code: 1,
      out: "",
      err: `writ keygen: cannot create the output directory ${join(a, "keys")}: ${a} is a symbolic link to chain-b, which does not exist`,
    });
    writeBundle(join(cwd, "chain-bundle"), await compiledBundle());
    writeKeyPair(cwd, generateKeyPair(), "chain-issuer");
    writeFileSync(join(cwd, "chain-req.json"), JSON.stringify({ principal: { role: "admin" }, amount: 10 }));
    expect(await run(["authorize", "chain-bundle", "--input", "chain-req.json", "--key", "chain-issuer.private.jwk", "--log", "chain-a/x.jsonl"])).toEqual({
      code: 1,
      out: "",
      err: `writ authorize: warning: the bundle is not signed; its artifacts still name its module digests\nwrit authorize: ${join(a, "x.jsonl")}: the directory ${a} does not exist`,
    });
  }, 60_000);
});

describe("a policy source that is not there", () => {
  it("is named by the command that wanted it, as every other message of the command is", async () => {
    writeFileSync(join(cwd, "r.json"), "{}");
    for (const argv of [["check", "absent.writ"], ["compile", "absent.writ", "-o", "out"], ["eval", "absent.writ", "--input", "r.json"], ["bench", "absent.writ"]]) {
      expect(await run(argv), argv[0]).toEqual({ code: 1, out: "", err: `writ ${argv[0]}: absent.writ: no such file` });
    }
  });

  it("and one that is there compiles to `1 rule`, not `1 rules`", async () => {
    writeFileSync(join(cwd, "one.writ"), 'policy "one" version "1"\ninput { a: int }\npermit p when a == 1\n');
    const r = await run(["compile", "one.writ", "-o", "one-out", "--O0"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out.split("\n")[0]).toMatch(/^compiled one 1: 1 rule \(\d+ indexed\), \d+ bytes, cost bound \d+$/);
  });
});
