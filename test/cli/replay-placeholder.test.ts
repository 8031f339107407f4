// `writ replay` on an artifact issued for a request with no canonical JSON (a lone surrogate in a
// string), as a user runs it: plain node on a transpiled copy of the tree, a bundle `writ compile`
// wrote, keys `writ keygen` wrote, an artifact `writ authorize` printed. Such an artifact carries the
// placeholder request digest, which every such request shares, and the deny every such request
// gets: replaying it with another such request once printed "replay confirmed … decides the same for
// this request" (exit 0) although `writ verify` refuses that request (request_mismatch) and `writ
// audit` replays no record carrying the placeholder. Replay now says the artifact names no request
// and confirms nothing (exit 1).

import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeTranspiledTree } from "../support/transpiled-tree.js";
import { tempDir } from "../support/temp-dir.js";

function writ(build: string, cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [join(build, "cli/writ.js"), ...args], { cwd, env: { ...process.env, NODE_OPTIONS: "" }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr });
    });
    child.stdin?.end();
  });
}

// Two requests with no canonical JSON (JSON.stringify writes a lone surrogate as its escape), one with
const LONE_HIGH = { id: "agent-\ud800", amount: 5 };
const LONE_LOW = { id: "\udfffX", amount: 99 };
const PLAIN = { id: "agent-1", amount: 5 };

const NAMES_NO_REQUEST =
  "writ replay: not confirmed: the artifact names no request (a request with no canonical JSON is digested as the placeholder writ:unrepresentable-request, the same for every such request, and this request has none either): re-evaluating this request with p 1.0.0 gives the artifact's decision, rules and errors, but which request the artifact was issued for cannot be checked\n";

describe("writ replay of an artifact issued for a request with no canonical JSON", () => {
  let build: string;
  let cwd: string;
  const run = (...args: string[]) => writ(build, cwd, args);
  beforeAll(async () => {
    build = tempDir("replay-placeholder-build");
    writeTranspiledTree(build, ["compiler", "runtime", "cli"], { name: "writ", version: "0.0.0-test" });
    cwd = tempDir("replay-placeholder");
    writeFileSync(join(cwd, "p.writ"), 'policy "p" version "1.0.0"\ninput { id: string, amount: int }\npermit small when amount < 10\n');
    for (const [name, request] of [["high", LONE_HIGH], ["low", LONE_LOW], ["plain", PLAIN]] as const) writeFileSync(join(cwd, `${name}.json`), JSON.stringify(request));
    const compiled = await run("compile", "p.writ", "-o", "bundle", "--O0");
    expect(compiled.code, compiled.stderr).toBe(0);
    const keys = await run("keygen", "-o", "keys");
    expect(keys.code, keys.stderr).toBe(0);
    for (const name of ["high", "plain"]) {
      const issued = await run("authorize", "bundle", "--input", `${name}.json`, "--key", "keys/writ.private.jwk");
      expect(issued.code, issued.stderr).toBe(0);
      writeFileSync(join(cwd, `${name}.art`), issued.stdout);
    }
  }, 240_000);

  it("confirms nothing for another such request, exit 1, saying the artifact names no request", async () => {
    // writ verify refuses the other request: the digest it carries names none
    const verified = await run("verify", "high.art", "--pub", "keys/writ.public.jwk", "--input", "low.json");
    expect(verified.code).toBe(1);
    expect(verified.stderr).toMatch(/request_mismatch/);
    expect(await run("replay", "high.art", "--input", "low.json", "--bundle", "bundle")).toEqual({ code: 1, stdout: "", stderr: NAMES_NO_REQUEST });
  }, 120_000);

  it("nor for the very request it was issued for, which no digest can tell from the other", async () => {
    expect(await run("replay", "high.art", "--input", "high.json", "--bundle", "bundle")).toEqual({ code: 1, stdout: "", stderr: NAMES_NO_REQUEST });
  }, 120_000);

  it("lists the differences for a request with canonical JSON, and confirms an artifact that names its request", async () => {
    const other = await run("replay", "high.art", "--input", "plain.json", "--bundle", "bundle");
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/^writ replay: the artifact does not match re-evaluation:\n {2}request: /);
    expect(await run("replay", "plain.art", "--input", "plain.json", "--bundle", "bundle")).toEqual({
      code: 0,
      stdout: "replay confirmed: p 1.0.0 decides the same for this request\n",
      stderr: "",
    });
  }, 120_000);
});
