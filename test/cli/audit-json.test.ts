// `writ audit verify --json` prints what it found on standard output as JSON, whatever it found: the
// summary, the first bad record, a log that cannot be read (a fault of no record, index −1,
// `unreadable`), or a key, bundle or request file that cannot be used (`bad_options`, index −1), the
// exit status saying which (bad usage, exit 2, is said on standard error); warnings stay on standard error, so each stream parses or is read as
// text. `-` names no log: a log is read from its file (and appended to by `authorize --log`).

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadPolicy } from "../../runtime/policy.js";
import { authorize } from "../../runtime/trust/authorize.js";
import { writeBundle } from "../../runtime/trust/bundle-files.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { openLog } from "../../runtime/trust/lineage.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { compiledBundle } from "../support/compiled-bundle.js";
import { runWrit } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

const dir = tempDir("audit-json");
const ADMIN = { principal: { role: "admin" }, amount: 10 };
const REPLAY_WARNING = /^writ audit: warning: --replay without --requests re-decides nothing/;

beforeAll(async () => {
  const bundle = await compiledBundle();
  writeBundle(join(dir, "build"), bundle);
  const policy = loadPolicy(bundle, { allowUnsigned: true });
  const signer = createSigner(generateKeyPair());
  const log = openLog(join(dir, "good.jsonl"));
  for (let i = 0; i < 2; i++) authorize(policy, ADMIN, { signer, lineage: log });
  log.close();
  // record 1's seq changed: the log's fault
  const [first, second] = readFileSync(join(dir, "good.jsonl"), "utf8").trim().split("\n");
  writeFileSync(join(dir, "bad.jsonl"), `${first}\n${second!.replace('"seq":1', '"seq":7')}\n`);
  mkdirSync(join(dir, "adir"));
}, 120_000);

describe("writ audit verify --json", () => {
  it("prints the fault on standard output, the warning alone on standard error, exit 1", async () => {
    const r = await runWrit(["audit", "verify", "bad.jsonl", "--json", "--replay", "build"], dir);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ ok: false, index: 1, kind: expect.any(String), reason: expect.stringContaining("record 1") });
    expect(r.err).toMatch(REPLAY_WARNING);
    expect(r.err.split("\n")).toHaveLength(1);
  });

  it("prints the summary on standard output, exit 0", async () => {
    const r = await runWrit(["audit", "verify", "good.jsonl", "--json", "--replay", "build"], dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ ok: true, records: 2 });
    expect(r.err).toMatch(REPLAY_WARNING);
  });

  it("prints a log that cannot be read as a fault of no record, kind unreadable, exit 1", async () => {
    for (const [log, reason] of [
      ["missing.jsonl", "log missing.jsonl does not exist"],
      ["adir", "adir is a directory, not a lineage log"],
    ]) {
      const r = await runWrit(["audit", "verify", log!, "--json"], dir);
      expect(r, log).toEqual({ code: 1, out: expect.any(String), err: "" });
      expect(JSON.parse(r.out)).toEqual({ ok: false, index: -1, kind: "unreadable", reason });
    }
  });

  it("prints a key file, bundle or request file that cannot be used as a fault of no record, kind bad_options, exit 1", async () => {
    writeFileSync(join(dir, "broken.jsonl"), "{ not json\n");
    for (const [args, reason] of [
      [["--pub", "nokey.jwk"], /nokey\.jwk/],
      [["--replay", "nobundle"], /nobundle/],
      [["--replay", "build", "--requests", "norequests.jsonl"], /norequests\.jsonl/],
      [["--replay", "build", "--requests", "broken.jsonl"], /broken\.jsonl:1/],
    ] as const) {
      const r = await runWrit(["audit", "verify", "good.jsonl", "--json", ...args], dir);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.err, args.join(" ")).toBe("");
      expect(JSON.parse(r.out), args.join(" ")).toEqual({ ok: false, index: -1, kind: "bad_options", reason: expect.stringMatching(reason) });
      // without --json, the same reason on standard error alone
      const plain = await runWrit(["audit", "verify", "good.jsonl", ...args], dir);
      expect(plain, args.join(" ")).toEqual({ code: 1, out: "", err: `writ audit: ${JSON.parse(r.out).reason}` });
    }
  });

  it("says of an artifact given as the log that it is one, and names the command that checks it", async () => {
    const artifact = (JSON.parse(readFileSync(join(dir, "good.jsonl"), "utf8").split("\n")[0]!) as { artifact: string }).artifact;
    writeFileSync(join(dir, "one.jws"), `${artifact}\n`);
    const r = await runWrit(["audit", "verify", "one.jws", "--json"], dir);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ ok: false, index: 0, kind: "malformed", reason: expect.stringContaining("the line is a compact JWS, an artifact on its own, not a record of a lineage log holding one (`writ verify` checks an artifact)") });
  });

  it("keeps bad usage on standard error, exit 2, with --json too", async () => {
    const r = await runWrit(["audit", "verify", "good.jsonl", "--json", "--pub", "a.jwk,"], dir);
    expect(r).toEqual({ code: 2, out: "", err: expect.stringMatching(/^writ audit: --pub lists an empty key file name/) });
  });
});

describe("`-` as a log", () => {
  it("is refused by audit verify and audit head, not read as a file so named", async () => {
    writeFileSync(join(dir, "-"), readFileSync(join(dir, "good.jsonl")));
    for (const sub of ["verify", "head"]) {
      const r = await runWrit(["audit", sub, "-"], dir);
      expect(r.code).toBe(2);
      expect(r.out).toBe("");
      expect(r.err).toMatch(/^writ audit: `-` names no log: a lineage log is read from its file, not from standard input/);
    }
    // the file named `-` is still there to be read by its path
    expect((await runWrit(["audit", "verify", "./-"], dir)).code).toBe(0);
  });

  it("is refused by authorize --log, which creates no file named `-`", async () => {
    const keys = await runWrit(["keygen", "--name", "k"], dir);
    expect(keys.code).toBe(0);
    writeFileSync(join(dir, "admin.json"), JSON.stringify(ADMIN));
    const logDir = join(dir, "fresh");
    mkdirSync(logDir);
    const r = await runWrit(["authorize", join(dir, "build"), "--input", join(dir, "admin.json"), "--key", join(dir, "k.private.jwk"), "--log", "-"], logDir);
    expect(r).toEqual({ code: 2, out: "", err: expect.stringMatching(/^writ authorize: --log - names no log: a lineage log is a file/) });
    expect(() => readFileSync(join(logDir, "-"))).toThrow();
  });
});
