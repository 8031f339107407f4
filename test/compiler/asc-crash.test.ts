// AssemblyScript's crash handler prints a banner and calls process.exit(1). A host compiling in its
// own thread must get a failed compile instead of losing the process: while asc runs, an exit asked
// for from asc.js becomes an AscCrashed exception, and only then. (The CLI's own trigger, a type
// nested 300 levels deep, is now refused by the parser; this holds the mechanism itself.)

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { AscCrashed, trappingAscExit } from "../../compiler/backend/asc.js";
import { tempDir } from "../support/temp-dir.js";

/** A module at …/assemblyscript/dist/asc.js whose `crash` exits as asc's crash handler does. */
function fakeAsc(): string {
  const dir = join(tempDir("asc-crash"), "assemblyscript", "dist");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "asc.js");
  // the banner as asc.js prints it: console.error, a coloured bar before every line, then exit(1)
  const banner = [
    "",
    "\\u001b[91m\\u258c \\u001b[0mWhoops, the AssemblyScript compiler has crashed during compile :-(",
    "\\u001b[91m\\u258c \\u001b[0m",
    "\\u001b[91m\\u258c \\u001b[0mHere is the stack trace hinting at the problem, perhaps it's useful?",
    "\\u001b[91m\\u258c \\u001b[0m",
    "\\u001b[91m\\u258c \\u001b[0mRangeError: Maximum call stack size exceeded",
    "\\u001b[91m\\u258c \\u001b[0m    at Compiler.compileExpression (asc.js:1:1)",
    "\\u001b[91m\\u258c \\u001b[0mplease let us know: https://github.com/AssemblyScript/assemblyscript/issues",
  ].join("\\n");
  writeFileSync(file, `export async function crash() { await null; console.error("${banner}"); process.exit(1); }\n`);
  return pathToFileURL(file).href;
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
