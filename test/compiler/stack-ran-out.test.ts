// The compiler where the host's stack is short. Each stage walks a policy's expressions recursively,
// so a policy within the nesting limits (W0104) can still need more stack than a small
// `node --stack-size`, or a call made deep in the host's own stack, leaves it. It then gets W0905
// and no bundle: compilePolicy does not reject, `writ check` and `writ compile` exit 1 (not 70, an
// internal error), and the synchronous parsePolicy and checkPolicy answer rather than throw.
// compilePolicy begins its stages from the bottom of the stack: called deep, it compiles the module
// it compiles from the top (test/support/stack-edge.ts calls near the edge).

import { execFile } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { compilePolicy, type CompileResult } from "../../compiler/driver.js";
import { parsePolicy } from "../../compiler/syntax/index.js";
import { checkPolicy, type CheckResult } from "../../compiler/check/policy.js";
import { nearEdge, sweepUp } from "../support/stack-edge.js";
import { repositoryRoot } from "../support/transpiled-tree.js";
import { tempDir } from "../support/temp-dir.js";

const run = promisify(execFile);

/** As deep as an expression tree may be: 498 `!` and the name at its end (docs/language.md, W0104). */
const DEEP = `policy "deep" version "1.0.0"\ninput { a: int, b: bool }\npermit r when ${"!".repeat(498)}b\n`;

/** A stack far smaller than Node's default (984 KiB), on which every stage still starts. */
const SMALL_STACK = "--stack-size=200";

const tsx = new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url).href;

/** `node --stack-size=200` running `args` (a TypeScript entry first) through tsx, in `cwd`. */
async function onSmallStack(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [SMALL_STACK, "--import", tsx, ...args], { cwd, env: { ...process.env, NODE_OPTIONS: "" } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const failed = e as { code?: unknown; stdout?: string; stderr?: string };
    return { code: typeof failed.code === "number" ? failed.code : -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

const W0905 = /^the host's stack ran out while the compiler was (parsing|checking|bounding the cost of|planning the module of|generating the module of|writing the manifest of|validating the module of) this policy$/;

describe("a policy within the nesting limits, on a small stack", () => {
  const dir = tempDir("stack-ran-out");
  const file = join(dir, "deep.writ");
  writeFileSync(file, DEEP);

  it("compiles here, on Node's default stack", async () => {
    const r = await compilePolicy(DEEP, { optimize: false });
    expect(r.diagnostics).toEqual([]);
    expect(r.bundle).toBeDefined();
  });

  it("gets W0905 from compilePolicy, which resolves", async () => {
    const child = await onSmallStack(repositoryRoot, join(repositoryRoot, "test/compiler/children/compile-file.ts"), file);
    expect(child.code, child.stderr).toBe(0);
    const line = JSON.parse(child.stdout) as { bundle?: boolean; diagnostics?: { code: string; message: string }[]; rejected?: string };
    expect(line.rejected).toBeUndefined();
    expect(line.bundle).toBe(false);
    expect(line.diagnostics).toHaveLength(1);
    expect(line.diagnostics![0]!.code).toBe("W0905");
    expect(line.diagnostics![0]!.message).toMatch(W0905);
  }, 60_000);

  it("gets W0905 from writ check and writ compile, which exit 1", async () => {
    const cli = join(repositoryRoot, "cli/writ.ts");
    for (const args of [["check", "deep.writ"], ["compile", "deep.writ", "-o", "out"]]) {
      const r = await onSmallStack(dir, cli, ...args);
      expect(r.stderr, args[0]).not.toContain("internal error");
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(1);
      expect(r.stderr, args[0]).toMatch(/^deep\.writ:1:1: error\[W0905\]: the host's stack ran out while the compiler was /);
      expect(r.stderr, args[0]).toContain("help: the policy is within the language's nesting limits (W0104), and compiles with more stack");
    }
    expect(existsSync(join(dir, "out"))).toBe(false);
  }, 60_000);
});

describe("called deep in the host's stack", () => {
  it("compilePolicy compiles the module it compiles from the top: its stages begin from the bottom of the stack", async () => {
    const top = await compilePolicy(DEEP, { optimize: false });
    expect(top.bundle).toBeDefined();
    // a few thousand frames from the end of the stack down to a few hundred (of a small function
    // each): begun there, the stages ran out of stack, in the parser or later
    for (const back of [3_000, 1_000, 300]) {
      let compiling: Promise<CompileResult> | undefined;
      const { reached, thrown } = nearEdge(back, 0, () => {
        compiling = compilePolicy(DEEP, { optimize: false });
      });
      expect({ reached, thrown }, `${back} frames from the edge`).toEqual({ reached: true, thrown: undefined });
      const deep = await compiling!;
      expect(deep.diagnostics, `${back} frames from the edge`).toEqual([]);
      expect(Buffer.from(deep.bundle!.module).equals(Buffer.from(top.bundle!.module)), `${back} frames from the edge`).toBe(true);
      expect(deep.bundle!.manifest).toEqual(top.bundle!.manifest);
    }
  }, 120_000);

  it("checkPolicy answers W0905 alone where the stack runs out in it, and never throws from inside", () => {
    const { ast } = parsePolicy({ name: "deep.writ", text: DEEP });
    const whole = checkPolicy(ast);
    expect(whole.diagnostics).toEqual([]);
    const { thrownInside, results } = sweep(() => checkPolicy(ast), (r) => r.policy !== undefined);
    expect(thrownInside).toEqual([]);
    expect(results.some((r) => r.policy === undefined)).toBe(true);
    for (const r of results) {
      if (r.policy !== undefined) expect(r).toEqual(whole);
      else expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([["W0905", "the host's stack ran out while the compiler was checking this policy"]]);
    }
  }, 120_000);

  it("parsePolicy answers W0905 alone where the stack runs out in it (not W0104: the text is within the limits)", () => {
    const source = { name: "deep.writ", text: DEEP };
    const whole = parsePolicy(source);
    expect(whole.diagnostics).toEqual([]);
    const { thrownInside, results } = sweep(() => parsePolicy(source), (r) => r.diagnostics.length === 0);
    expect(thrownInside).toEqual([]);
    expect(results.some((r) => r.diagnostics.length > 0)).toBe(true);
    for (const r of results) {
      if (r.diagnostics.length === 0) expect(r).toEqual(whole);
      else expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([["W0905", "the host's stack ran out while the compiler was parsing this policy"]]);
    }
  }, 120_000);
});

/**
 * Calls `call` from each height above the edge of the stack, up to where it is done in full (`done`)
 * (sweepUp): each result it gave, and what it threw from inside the compiler. A call that cannot
 * begin at all throws from the caller's frame, as any call would, and is not counted.
 */
function sweep<R extends CheckResult | ReturnType<typeof parsePolicy>>(call: () => R, done: (r: R) => boolean): { thrownInside: unknown[]; results: R[] } {
  const thrownInside: unknown[] = [];
  const results: R[] = [];
  // a few times first, with stack to spare: a function's first call compiles it
  for (let i = 0; i < 5; i++) done(call());
  sweepUp((go) => {
    let result: { r: R } | undefined;
    const { thrown } = go(() => {
      result = { r: call() };
    });
    if (thrown !== undefined && thrownFromCompiler(thrown)) thrownInside.push(thrown);
    if (result !== undefined) results.push(result.r);
    return result !== undefined && done(result.r);
  });
  return { thrownInside, results };
}

/** Whether `e` was thrown from inside the compiler: two of the top frames of its stack are the compiler's. */
function thrownFromCompiler(e: unknown): boolean {
  const frames = String((e as Error | undefined)?.stack).split("\n").slice(1, 4);
  return frames.filter((f) => /(?<![\\/]test)[\\/](compiler|runtime)[\\/]/.test(f)).length >= 2;
}
