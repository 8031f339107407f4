// Standard output that cannot be written (`> /dev/full`: ENOSPC, as on a full disk) is refused in
// one line on standard error and exit status 1, never a stack trace; what the lost output was to
// show, an artifact already issued and logged, is said in that line so that it is not lost unseen.

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
