// AssemblyScript's crash handler prints a banner and calls process.exit(1). A host compiling in its
// own thread must get a failed compile instead of losing the process: while asc runs, an exit asked
// for from asc.js becomes an AscCrashed exception, and only then. (The CLI's own trigger, a type
// nested 300 levels deep, is now refused by the parser; this holds the mechanism itself.)

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { AscCrashed, explainBinaryenExceptions, loadAsc, trappingAscExit } from "../../compiler/backend/asc.js";
import { compilePolicy } from "../../compiler/driver.js";
import { tempDir } from "../support/temp-dir.js";

/** A module at …/assemblyscript/dist/asc.js whose `crash` exits as asc's crash handler does. */
function fakeAsc(banner = compileBanner()): string {
  const dir = join(tempDir("asc-crash"), "assemblyscript", "dist");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "asc.js");
  writeFileSync(file, `export async function crash() { await null; console.error("${banner}"); process.exit(1); }\n`);
  return pathToFileURL(file).href;
}

/** The banner as asc.js prints it (console.error, a coloured bar before every line), escaped for a string literal. */
function bannerOf(lines: string[]): string {
  return ["", ...lines.map((l) => `\\u001b[91m\\u258c \\u001b[0m${l}`)].join("\\n");
}

function compileBanner(): string {
  return bannerOf([
    "Whoops, the AssemblyScript compiler has crashed during compile :-(",
    "",
    "Here is the stack trace hinting at the problem, perhaps it's useful?",
    "",
    "RangeError: Maximum call stack size exceeded",
    "    at Compiler.compileExpression (asc.js:1:1)",
    "please let us know: https://github.com/AssemblyScript/assemblyscript/issues",
  ]);
}

/** What asc prints when what it caught has no stack: a C++ exception of binaryen's, as binaryen throws it. */
function noStackBanner(): string {
  return bannerOf([
    "Whoops, the AssemblyScript compiler has crashed during optimize :-(",
    "",
    "There is no stack trace. Perhaps a Binaryen exception above / in console?",
    "",
    "> undefined",
    "please let us know: https://github.com/AssemblyScript/assemblyscript/issues",
  ]);
}

describe("an asc crash in this thread", () => {
  it("fails the compile with AscCrashed and leaves process.exit as it was", async () => {
    const exit = process.exit;
    const { crash } = (await import(fakeAsc())) as { crash: () => Promise<void> };
    await expect(trappingAscExit(() => crash())).rejects.toBeInstanceOf(AscCrashed);
    expect(process.exit).toBe(exit);
  });

  it("keeps asc's crash banner off the host's console and names its phase and error instead", async () => {
    const error = console.error;
    const printed: unknown[][] = [];
    const host = (...args: unknown[]) => void printed.push(args); // stands for the host's console.error
    console.error = host;
    let thrown: unknown;
    try {
      const { crash } = (await import(fakeAsc())) as { crash: () => Promise<void> };
      await trappingAscExit(() => crash()).catch((e: unknown) => (thrown = e));
      // anything else printing while a compile runs is not swallowed
      await trappingAscExit(async () => console.error("host: still here"));
      expect(console.error).toBe(host); // given back when the compiles end
    } finally {
      console.error = error;
    }
    expect(thrown).toBeInstanceOf(AscCrashed);
    expect((thrown as Error).message).toBe(
      "the AssemblyScript compiler crashed during compile: RangeError: Maximum call stack size exceeded (it asked to exit with code 1)",
    );
    // the host's stack ran out in asc: the backend answers W0905 for it, not W0901
    expect((thrown as AscCrashed).ranOutOfStack).toBe(true);
    expect(printed).toEqual([["host: still here"]]);
  });

  it("restores process.exit only when the last of overlapping compiles ends", async () => {
    const exit = process.exit;
    let release!: () => void;
    const first = trappingAscExit(() => new Promise<void>((r) => (release = r)));
    const { crash } = (await import(fakeAsc())) as { crash: () => Promise<void> };
    await expect(trappingAscExit(() => crash())).rejects.toBeInstanceOf(AscCrashed);
    expect(process.exit).not.toBe(exit); // the first compile is still running
    release();
    await first;
    expect(process.exit).toBe(exit);
  });

  it("says so when what asc caught had no stack, never `undefined`", async () => {
    const { crash } = (await import(fakeAsc(noStackBanner()))) as { crash: () => Promise<void> };
    const thrown = await trappingAscExit(() => crash()).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(AscCrashed);
    expect((thrown as Error).message).toBe(
      "the AssemblyScript compiler crashed during optimize: it threw a value with neither a message nor a stack trace (it asked to exit with code 1)",
    );
    expect((thrown as AscCrashed).ranOutOfStack).toBe(false);
  });

  it("has binaryen's exceptions explained by every compile", async () => {
    // (before any other test here explains them: asc's binaryen is the one this file imports)
    const binaryen = ((await import("binaryen")) as { default: { parseText(text: string): unknown } }).default;
    const parse = (): unknown => {
      try {
        binaryen.parseText("(");
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const before = parse() as { stack?: unknown };
    expect(before).toBeDefined();
    expect(before.stack).toBeUndefined();
    const r = await compilePolicy(`policy "p" version "1"\ninput { n: int }\npermit p when n > 0\n`, { optimize: false });
    expect(r.diagnostics).toEqual([]);
    expect((parse() as { stack?: unknown }).stack).toMatch(/^std::runtime_error: Fatal: /);
  }, 60_000);

  it("names the C++ exception binaryen threw (its type and message), given binaryen's exceptions explained", async () => {
    // binaryen's fatal error for a pass it does not know: a std::runtime_error, thrown into asc as
    // an object with no stack, which asc's banner showed as `> undefined`
    const asc = await loadAsc();
    class Hooks {
      declare readonly binaryen: unknown; // set by asc on a transform class's prototype
      afterInitialize(): void {
        explainBinaryenExceptions(this.binaryen);
      }
    }
    const run = () =>
      asc.main(["m.ts", "--outFile", "m.wasm", "--runtime", "stub", "--runPasses", "no-such-pass"], {
        stdout: asc.createMemoryStream(),
        stderr: asc.createMemoryStream(),
        readFile: async (name: string) => (name === "m.ts" ? "export function f(): i32 { return 1; }" : null),
        writeFile: () => undefined,
        listFiles: () => [],
        transforms: [Hooks as unknown as import("assemblyscript/asc").Transform],
      });
    const thrown = await trappingAscExit(run).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(AscCrashed);
    expect((thrown as Error).message).toBe(
      "the AssemblyScript compiler crashed during runPasses: std::runtime_error: Fatal: Could not find pass: no-such-pass (it asked to exit with code 1)",
    );
    expect((thrown as AscCrashed).ranOutOfStack).toBe(false);
  }, 60_000);

  it("lets an exit asked for by anything else through", async () => {
    const exit = process.exit;
    const calls: unknown[] = [];
    process.exit = ((code?: number) => void calls.push(code)) as typeof process.exit; // stands for the real one
    try {
      await trappingAscExit(async () => {
        process.exit(3);
      });
    } finally {
      process.exit = exit;
    }
    expect(calls).toEqual([3]);
  });
});
