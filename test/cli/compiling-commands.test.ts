// `writ test` and `writ eval` as a user runs them: plain node on a transpiled copy of the tree, files
// on disk. `writ test` compiles and tests every file in order, reports a failing test and a policy
// that does not compile by name, counts them, and says so in its exit code; `writ eval` (which starts
// AssemblyScript on a thread before loading the rest) decides the same on the module, the
// interpreter and a compiled bundle, and refuses what it cannot read.

import { execFile } from "node:child_process";
import { createReadStream, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repositoryRoot, writeTranspiledTree } from "../support/transpiled-tree.js";
import { tempDir } from "../support/temp-dir.js";

/** Runs writ; `stdinFile`, when given, is opened as its standard input (which is otherwise empty). */
function writ(build: string, args: string[], stdinFile?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [join(build, "cli/writ.js"), ...args], { env: { ...process.env, NODE_OPTIONS: "" }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr });
    });
    if (stdinFile === undefined) child.stdin?.end();
    else createReadStream(stdinFile).pipe(child.stdin!).on("error", () => {}); // the child stops reading at its limit
  });
}

describe("writ test and writ eval in a fresh process", () => {
  let build: string;
  let policies: string;
  beforeAll(() => {
    build = tempDir("test-cli");
    writeTranspiledTree(build, ["compiler", "runtime", "cli"], { name: "writ", version: "0.0.0-test" });
    policies = join(build, "policies");
    mkdirSync(policies);
    const tools = readFileSync(join(repositoryRoot, "policies/agent-tools.writ"), "utf8");
    writeFileSync(join(policies, "a-tools.writ"), tools);
    // one expectation turned around: that test, and only it, fails
    const flipped = tools.replace("expect deny by [destructive_shell]\n", "expect allow by [shell_readonly]\n");
    expect(flipped).not.toBe(tools);
    writeFileSync(join(policies, "b-flipped.writ"), flipped);
    writeFileSync(join(policies, "c-broken.writ"), 'policy "broken" version "1"\ninput { a: int }\npermit p when a +\n');
    writeFileSync(join(policies, "d-payments.writ"), readFileSync(join(repositoryRoot, "policies/payments.writ"), "utf8"));
  }, 60_000);

  it("passes a policy whose tests hold, exit 0", async () => {
    const r = await writ(build, ["test", join(policies, "a-tools.writ")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("✓ rm is refused even for an operator");
    expect(r.stdout.trim().split("\n").at(-1)).toBe("11 passed, 0 failed");
  }, 120_000);

  it("tests every file of a folder in order, names what failed and what does not compile, exit 1", async () => {
    const r = await writ(build, ["test", policies]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split("\n");
    const headers = lines.filter((l) => !l.startsWith(" "));
    expect(headers.slice(0, -1).map((l) => l.replace(policies, "<dir>"))).toEqual([
      "<dir>/a-tools.writ (agent-tools 1.0.0)",
      "<dir>/b-flipped.writ (agent-tools 1.0.0)",
      `✗ <dir>/c-broken.writ: does not compile`,
      expect.stringMatching(/^<dir>\/d-payments\.writ \(/),
    ]);
    // named with where it is in its file
    expect(lines.filter((l) => l.startsWith("  ✗")).map((l) => l.replace(policies, "<dir>"))).toEqual([expect.stringMatching(/^ {2}✗ rm is refused even for an operator \(<dir>\/b-flipped\.writ:\d+:1\)$/)]);
    expect(r.stderr).toContain("c-broken.writ");
    const payments = lines.slice(lines.findIndex((l) => l.includes("d-payments.writ")) + 1).filter((l) => l.startsWith("  ✓")).length;
    expect(payments).toBeGreaterThan(0);
    // 11 + 10 passed in the two agent-tools copies, the payments tests; the flipped test and the broken file failed
    expect(lines.at(-1)).toBe(`${21 + payments} passed, 2 failed`);
  }, 120_000);

  it("evaluates a request on the module, on the interpreter and on a compiled bundle alike", async () => {
    const request = join(build, "request.json");
    writeFileSync(
      request,
      JSON.stringify({
        agent: { id: "agent-7", tenant: "acme", roles: ["operator"], trust: 2 },
        call: { tool: "shell", args: { program: "ls", argv: "-la" } },
        session: { tenant: "acme", risk: 10 },
      }),
    );
    const source = join(policies, "a-tools.writ");
    const bundle = join(build, "bundle");
    expect((await writ(build, ["compile", source, "-o", bundle])).code).toBe(0);
    const outputs = [];
    for (const args of [[source], [source, "--backend", "interp"], [bundle]]) {
      const r = await writ(build, ["eval", ...args, "--input", request]);
      expect(r.code, r.stderr).toBe(0);
      outputs.push(JSON.parse(r.stdout));
    }
    expect(outputs[0]).toEqual({ decision: "allow", rules: ["shell_readonly"], errors: [] });
    expect(outputs[1]).toEqual(outputs[0]);
    expect(outputs[2]).toEqual(outputs[0]);

    const missing = await writ(build, ["eval", source, "--input", join(build, "absent.json")]);
    expect([missing.code, missing.stdout]).toEqual([1, ""]);
    expect(missing.stderr).toContain("absent.json: no such file");
    const broken = await writ(build, ["eval", join(policies, "c-broken.writ"), "--input", request]);
    expect([broken.code, broken.stdout]).toEqual([1, ""]);
    expect(broken.stderr).toContain("c-broken.writ");
  }, 120_000);

  it.skipIf(!existsSync("/dev/zero"))("reads a request from a device or from standard input only up to its limit", async () => {
    const source = join(policies, "a-tools.writ");
    const device = await writ(build, ["eval", source, "--input", "/dev/zero"]);
    expect([device.code, device.stderr.trim()]).toEqual([1, "writ eval: /dev/zero holds more than the 64 MiB read for a request; it was not read further"]);
    const stdin = await writ(build, ["eval", source, "--input", "-"], "/dev/zero");
    expect([stdin.code, stdin.stderr.trim()]).toEqual([1, "writ eval: standard input holds more than the 64 MiB read for a request; it was not read further"]);
    expect((await writ(build, ["keygen", "-o", join(build, "keys")])).code).toBe(0);
    const artifact = await writ(build, ["verify", "-", "--pub", join(build, "keys/writ.public.jwk")], "/dev/zero");
    expect([artifact.code, artifact.stderr.trim()]).toEqual([1, "writ verify: standard input holds more than the 64 MiB read for an artifact; it was not read further"]);
  }, 120_000);

  it("reads a list of requests from standard input up to a list's limit, as from a file, not a request's", async () => {
    // 65 MiB of blank lines: past a request's 64 MiB, well within a list's 512 MiB; read whole, they hold no request
    const blank = join(build, "blank.jsonl");
    writeFileSync(blank, Buffer.alloc(65 * 1024 * 1024, 0x0a));
    for (const from of [["--requests", blank], ["--requests", "-"]]) {
      const r = await writ(build, ["bench", join(policies, "a-tools.writ"), ...from], from[1] === "-" ? blank : undefined);
      const name = from[1] === "-" ? "standard input" : blank;
      expect([r.code, r.stderr.trim()], from[1]).toEqual([1, `writ bench: ${name}: no requests (expected a JSON array or JSON Lines)`]);
    }
  }, 120_000);

  it("says why it cannot write where -o points, exit 1, without a stack trace", async () => {
    const inTheWay = join(build, "in-the-way");
    writeFileSync(inTheWay, "a file, not a directory");
    const r = await writ(build, ["compile", join(policies, "d-payments.writ"), "-o", inTheWay]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`writ compile: cannot create the output directory ${inTheWay}: a file is in the way`);
  }, 120_000);

  it("fails a folder without policies rather than pass having tested nothing", async () => {
    const empty = join(build, "no-policies");
    mkdirSync(empty);
    const r = await writ(build, ["test", empty]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`writ test: ${empty}: no .writ files in it`);
  }, 120_000);

  it("says where in the source an error's `at` is, for either backend, on standard error", async () => {
    const source = join(build, "ticket.writ");
    writeFileSync(source, 'policy "t" version "1"\ninput { context: { ticket?: string } }\n\nforbid ticket_check when context.ticket == ""\npermit ok\n');
    const request = join(build, "no-ticket.json");
    writeFileSync(request, '{"context": {}}');
    for (const backend of ["wasm", "interp"]) {
      const r = await writ(build, ["eval", source, "--input", request, "--backend", backend]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ decision: "deny", rules: ["ticket_check"], errors: [{ rule: "ticket_check", code: "no_such_field", at: 88 }] });
      expect(r.stderr.trim()).toBe(`writ eval: rule ticket_check: no_such_field at ${source}:4:26`);
    }
  }, 120_000);

  it("decides with one bundle of a folder holding several, named by its file", async () => {
    const out = join(build, "several");
    for (const policy of ["payments", "agent-tools"]) expect((await writ(build, ["compile", join(repositoryRoot, `policies/${policy}.writ`), "-o", out])).code).toBe(0);
    const request = join(build, "several-request.json");
    writeFileSync(request, JSON.stringify({ principal: { id: "u-cfo", tenant: "acme", roles: ["cfo"] }, payment: { amount: 100, currency: "USD", usd_rate_bp: 10000, beneficiary: "bank-2", new_beneficiary: false }, context: { approvals: [], spent_today: 0 } }));
    const both = await writ(build, ["eval", out, "--input", request]);
    expect(both).toMatchObject({ code: 1, stderr: expect.stringMatching(/holds several bundles \(`agent-tools`, `payments`\): name the one to read by one of its files/) });
    const one = await writ(build, ["eval", join(out, "payments.wasm"), "--input", request]);
    expect(one.code, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ decision: expect.stringMatching(/allow|deny/) });
  }, 120_000);

  it("walks a folder holding a dangling link and a link back up it, without a stack trace", async () => {
    const linked = join(build, "linked");
    mkdirSync(linked);
    writeFileSync(join(linked, "tools.writ"), readFileSync(join(repositoryRoot, "policies/agent-tools.writ"), "utf8"));
    symlinkSync("nowhere", join(linked, "dangling"));
    symlinkSync(".", join(linked, "self"));
    const r = await writ(build, ["test", linked]);
    expect(r.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split("\n").at(-1)).toBe("11 passed, 0 failed"); // the policy once, not once per loop
    // a dangling link named like a policy is a policy that is missing: a failure, said as such
    symlinkSync("gone.writ", join(linked, "lost.writ"));
    const lost = await writ(build, ["test", linked]);
    expect(lost.code).toBe(1);
    expect(lost.stderr).toContain(`writ test: ${join(linked, "lost.writ")}: no such file`);
  }, 120_000);
});
