// Standard output that cannot be written (`> /dev/full`: ENOSPC, as on a full disk) is refused in
// one line on standard error and exit status 1, never a stack trace; what the lost output was to
// show, when it is done already (an artifact issued and logged, key files, a bundle or a signature
// written), is said in that line so that it is not lost unseen.

import { spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../support/temp-dir.js";

const cli = new URL("../../cli/writ.ts", import.meta.url).pathname;
const tsx = new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url).href;
const dir = tempDir("output-streams");

/** `writ args` with standard output (or error) going to /dev/full. */
function writ(args: string[], full: "stdout" | "stderr" | "both" = "stdout"): { status: number | null; stdout: string; stderr: string } {
  const devFull = openSync("/dev/full", "w");
  try {
    const stdio = ["ignore", full === "stderr" ? "pipe" : devFull, full === "stdout" ? "pipe" : devFull] as const;
    const r = spawnSync(process.execPath, ["--import", tsx, cli, ...args], { cwd: dir, encoding: "utf8", stdio: [...stdio], env: { ...process.env, NODE_OPTIONS: "" } });
    return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  } finally {
    closeSync(devFull);
  }
}

const policy = 'policy "p" version "1.0.0"\ninput { a: int }\npermit ok when a > 0\n';

describe.skipIf(!existsSync("/dev/full"))("standard output that cannot be written", () => {
  beforeAll(() => {
    writeFileSync(join(dir, "p.writ"), policy);
    writeFileSync(join(dir, "req.json"), '{"a": 1}\n');
    const compiled = spawnSync(process.execPath, ["--import", tsx, cli, "compile", "p.writ", "-o", "build", "--O0"], { cwd: dir, encoding: "utf8" });
    expect(compiled.status, compiled.stderr).toBe(0);
    const keys = spawnSync(process.execPath, ["--import", tsx, cli, "keygen", "-o", "keys"], { cwd: dir, encoding: "utf8" });
    expect(keys.status, keys.stderr).toBe(0);
  }, 60_000);

  it("is said in one line, exit 1, without a stack trace", () => {
    const r = writ(["fmt", "p.writ"]);
    expect(r.stderr).toBe("writ fmt: cannot write standard output: no space left on device (ENOSPC)\n");
    expect(r.status).toBe(1);
  });

  it("after authorize --log has logged the artifact: the line says where it is", () => {
    const r = writ(["authorize", "build", "--input", "req.json", "--key", "keys/writ.private.jwk", "--log", "log.jsonl"]);
    expect(r.status).toBe(1);
    const records = readFileSync(join(dir, "log.jsonl"), "utf8").trim().split("\n");
    expect(records).toHaveLength(1);
    const jti = /artifact ([0-9a-f]+), sequence 0, appended to log\.jsonl/.exec(r.stderr)?.[1];
    expect(jti, r.stderr).toBeDefined();
    const lines = r.stderr.split("\n").filter((l) => l !== "" && !l.includes("warning"));
    expect(lines).toEqual([
      `writ authorize: allow by ok; artifact ${jti}, sequence 0, appended to log.jsonl`,
      `writ authorize: cannot write standard output: no space left on device (ENOSPC); the artifact ${jti} was issued and is in log.jsonl at sequence 0`,
    ]);
  });

  it("after keygen, compile and sign have written their files: the line says what was written", () => {
    const keys = writ(["keygen", "-o", "lost-keys"]);
    expect(keys.status).toBe(1);
    const keyId = JSON.parse(readFileSync(join(dir, "lost-keys", "writ.public.jwk"), "utf8")).kid;
    const keyFiles = `${join(dir, "lost-keys", "writ.private.jwk")} and ${join(dir, "lost-keys", "writ.public.jwk")}`;
    expect(keys.stderr).toBe(`writ keygen: cannot write standard output: no space left on device (ENOSPC); the key pair was written: ${keyFiles} (key id ${keyId})\n`);

    const compiled = writ(["compile", "p.writ", "-o", "lost-build", "--O0"]);
    expect(compiled.status).toBe(1);
    const bundle = `${join(dir, "lost-build", "p.wasm")}, ${join(dir, "lost-build", "p.manifest.json")}`;
    expect(compiled.stderr).toBe(`writ compile: cannot write standard output: no space left on device (ENOSPC); the bundle was written: ${bundle}\n`);
    // with --emit ir the IR is printed after the bundle is written, and said with it
    const ir = writ(["compile", "p.writ", "-o", "lost-build", "--O0", "--emit", "ir"]);
    expect(ir.stderr).toBe(`writ compile: cannot write standard output: no space left on device (ENOSPC); the bundle was written: ${bundle}\n`);

    const signed = writ(["sign", "lost-build", "--key", "keys/writ.private.jwk"]);
    expect(signed.status).toBe(1);
    const signature = join(dir, "lost-build", "p.manifest.jws");
    expect(existsSync(signature)).toBe(true);
    const signer = JSON.parse(readFileSync(join(dir, "keys", "writ.public.jwk"), "utf8")).kid;
    // (and, on standard error as ever, the note that the manifest's provenance went unchecked: no --source)
    expect(signed.stderr).toBe(
      "writ sign: note: the manifest's provenance (sourceDigest, compiler.version, the rules' lines and columns) was not checked against a source, and is signed as it stands: --source <file.writ> checks it\n" +
        `writ sign: cannot write standard output: no space left on device (ENOSPC); ${signature} was written (signed with key ${signer})\n`,
    );
    // compiled again unsigned, over the signed bundle: its old signature is removed, and said to be
    const again = writ(["compile", "p.writ", "-o", "lost-build", "--O0"]);
    expect(again.stderr).toBe(`writ compile: cannot write standard output: no space left on device (ENOSPC); the bundle was written: ${bundle}; ${signature} was removed\n`);
  }, 120_000);

  it("with standard error unwritable too, exits 1 and says nothing", () => {
    expect(writ(["fmt", "p.writ"], "both")).toMatchObject({ status: 1, stdout: "", stderr: "" });
  });

  it("standard error that cannot be written: exit 1 when something was to be said there; standard output is unaffected", () => {
    const r = writ(["check", "p.writ"], "stderr"); // check's summary goes to standard error
    expect(r).toMatchObject({ status: 1, stdout: "" });
    const fmt = writ(["fmt", "p.writ"], "stderr"); // fmt prints nothing there: done, exit 0
    expect(fmt.status).toBe(0);
    expect(fmt.stdout).toContain('policy "p" version "1.0.0"');
  });
});
