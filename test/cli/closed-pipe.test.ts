// A reader that closes the pipe early (`writ check … 2>&1 | head -1`, `| true`) is not an error of
// the command's, and does not stand in for its result: the command runs to its end and exits with
// its own status, so that a CI gate under `set -o pipefail` fails on failing policies. Real
// processes: the command's standard output and error are a pipe whose read end is closed before
// the command writes anything.

import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../support/temp-dir.js";

const cli = new URL("../../cli/writ.ts", import.meta.url).pathname;
const tsx = new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url).href;
const dir = tempDir("closed-pipe");

/** `writ args` with its standard output and error piped to a reader that closed its end at once. */
function writToClosedPipe(args: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", tsx, cli, ...args], { cwd: dir, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_OPTIONS: "" } });
    // the reader goes away before the first line: every write of the command's meets EPIPE
    child.stdout.destroy();
    child.stderr.destroy();
    child.on("error", reject);
    child.on("exit", (code) => resolve(code));
  });
}

const GOOD = 'policy "good" version "1.0.0"\ninput { a: int }\npermit ok when a > 0\n';
const BROKEN = 'policy "broken" versio "1.0.0"\ninput { a: int }\n';
const FAILING_TEST = 'policy "t" version "1.0.0"\ninput { a: int }\npermit ok when a > 0\ntest "wrong" { input { a: 1 } expect deny }\n';
const PASSING_TEST = 'policy "u" version "1.0.0"\ninput { a: int }\npermit ok when a > 0\ntest "right" { input { a: 1 } expect allow }\n';

describe("a reader that closes the pipe early", () => {
  beforeAll(() => {
    writeFileSync(join(dir, "a-good.writ"), GOOD);
    writeFileSync(join(dir, "b-broken.writ"), BROKEN);
    writeFileSync(join(dir, "c-failing.writ"), FAILING_TEST);
    writeFileSync(join(dir, "d-passing.writ"), PASSING_TEST);
    writeFileSync(join(dir, "e-unformatted.writ"), 'policy "e" version "1.0.0"\ninput { a: int }\npermit ok when a>0\n');
  });

  it("leaves writ check's status its own: 1 when a file has errors, whichever comes first", async () => {
    expect(await writToClosedPipe(["check", "b-broken.writ", "a-good.writ"])).toBe(1);
    expect(await writToClosedPipe(["check", "a-good.writ", "b-broken.writ"])).toBe(1);
  }, 60_000);

  it("leaves writ test's status its own: 1 when a test fails", async () => {
    expect(await writToClosedPipe(["test", "c-failing.writ", "d-passing.writ"])).toBe(1);
    expect(await writToClosedPipe(["test", "d-passing.writ", "c-failing.writ"])).toBe(1);
  }, 60_000);

  it("leaves writ fmt --check's status its own", async () => {
    expect(await writToClosedPipe(["fmt", "--check", "e-unformatted.writ", "a-good.writ"])).toBe(1);
    expect(await writToClosedPipe(["fmt", "--check", "a-good.writ", "e-unformatted.writ"])).toBe(1);
  }, 60_000);

  it("is no failure of a command that succeeds", async () => {
    expect(await writToClosedPipe(["check", "a-good.writ", "d-passing.writ"])).toBe(0);
    expect(await writToClosedPipe(["test", "d-passing.writ"])).toBe(0);
    expect(await writToClosedPipe(["fmt", "a-good.writ"])).toBe(0);
  }, 60_000);
});
