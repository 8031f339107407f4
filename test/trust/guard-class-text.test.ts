// guard refuses a class as the action (a class constructor cannot be called without `new`), telling it
// by its source text: `class`, then past whitespace and comments its name, `extends` or `{`. In a
// script or a CommonJS module, JavaScript reads Annex B's HTML-like comments there too: `<!--` to the
// end of its line, and `-->` to the end of its line at a line's beginning. A class written with one
// was taken for a function: its allow was signed and logged, and the host got a bare TypeError.

import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { guard, GuardError } from "../../runtime/trust/guard.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { ADMIN_OK, fakePolicy } from "./fake-policy.js";
import { tempDir } from "../support/temp-dir.js";

const key = generateKeyPair();
const policy = fakePolicy();
const CLASS_REFUSED = "the action must be a function guard can call as `action(grant)`, got a class (a class constructor cannot be called without `new`)";

/** The value of a script's expression `source` (Function bodies are scripts: HTML-like comments are read there). */
const made = (source: string): unknown => new Function(`return ${source}`)();

/** What guard did with `action`: refused it as a class, having signed and logged nothing, or called it. */
async function outcome(action: unknown): Promise<{ refused: string[]; appended: number; seq: number } | { ran: unknown }> {
  const appended: string[] = [];
  const signer = createSigner(key);
  try {
    return { ran: await guard(policy, ADMIN_OK, action as () => unknown, { signer, lineage: { append: (a: string) => void appended.push(a) } }) };
  } catch (e) {
    if (!(e instanceof GuardError)) throw e;
    return { refused: [...e.reasons], appended: appended.length, seq: signer.head.seq };
  }
}

const REFUSED = { refused: [CLASS_REFUSED], appended: 0, seq: 0 };

describe("guard's class check, with HTML-like comments", () => {
  it("refuses a class whose header holds `<!--` or `-->` comments, before anything is signed or logged", async () => {
    for (const source of [
      "class <!-- note\n Foo {}",
      "class<!--x\nFoo{}",
      "class <!-- note\n{}",
      "class <!-- note\n extends Object {}",
      "class /*\n*/--> note\n Foo {}",
      "class /*\n*/ /* a */ --> note\n Foo {}",
      "class\n--> note\n Foo {}",
      "class\n \t/* a */ /* b */ --> note\n Foo {}",
      "class\r\n--> note\r\n Foo {}",
      "class\u2028--> note\u2028Foo {}",
      "class <!-- a\n--> b\n<!-- c\n /* d\n */ --> e\n Foo {}",
    ])
      expect(await outcome(made(source)), JSON.stringify(source)).toEqual(REFUSED);
  });

  it("refuses such a class from a CommonJS module", async () => {
    const file = join(tempDir("guard-class-text"), "transfer-action.cjs");
    writeFileSync(file, "module.exports = class <!-- the transfer action\n Transfer { constructor(grant) { this.grant = grant; } };\n");
    const Transfer = createRequire(import.meta.url)(file) as unknown;
    expect(Function.prototype.toString.call(Transfer)).toMatch(/^class <!--/);
    expect(await outcome(Transfer)).toEqual(REFUSED);
  });

  it("calls a method named `class` whose header holds them, and other functions", async () => {
    for (const [source, result] of [
      ["({ class <!-- note\n () { return 1; } }).class", 1],
      ["({ class /*\n*/--> note\n () { return 2; } }).class", 2],
      ["({ class\n --> note\n () { return 3; } }).class", 3],
      ["({ class() { return '<!-- x\\n Foo {'; } }).class", "<!-- x\n Foo {"],
      ["() => 5", 5],
      ["async function () { return 6; }", 6],
      ["function* () {}", "generator"],
      ["async () => 8", 8],
      ["function classic() { return 9; }", 9],
    ] as const) {
      const action = made(source);
      const got = await outcome(action);
      expect(got, source).toEqual({ ran: result === "generator" ? expect.objectContaining({ next: expect.any(Function) }) : result });
    }
  });

  it("tells classes from methods named `class` as JavaScript does, whatever whitespace and comments follow `class`", async () => {
    // gaps made of the pieces JavaScript may skip there (and of pieces it refuses: `-->` mid-line);
    // the engine parses each, and calling what it made without `new` says what it is
    const PIECES = [" ", "\t", "\n", "\r\n", "\u2028", "\u00a0", "\ufeff", "/* a */", "/*\n*/", "/* * / */", "/**/", "// c\n", "<!-- c\n", "<!--", "-->", "--> c\n", "x"];
    let seed = 7;
    // a small seeded generator (an LCG modulo 2^32, its high bits): the same gaps at every run
    const next = (n: number): number => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0), Math.floor((seed / 2 ** 32) * n));
    let classes = 0;
    let methods = 0;
    for (let i = 0; i < 600; i++) {
      let gap = "";
      for (let k = 1 + next(5); k > 0; k--) gap += PIECES[next(PIECES.length)];
      const source = [`class${gap}Foo {}`, `class${gap}{}`, `class${gap}extends Object {}`, `({ class${gap}() { return 1; } }).class`][next(4)]!;
      let action: unknown;
      try {
        action = made(source);
      } catch {
        continue; // not JavaScript
      }
      if (typeof action !== "function") continue; // `classx`, a method of another name
      let isClass = false;
      try {
        Reflect.apply(action as () => unknown, undefined, []);
      } catch (e) {
        isClass = e instanceof TypeError && /Class constructor/.test(e.message);
      }
      expect(await outcome(action), JSON.stringify(source)).toEqual(isClass ? REFUSED : { ran: 1 });
      if (isClass) classes++;
      else methods++;
    }
    // the gaps are varied enough to make both, many times
    expect(Math.min(classes, methods)).toBeGreaterThan(50);
  });

  it("takes time in proportion to the header's length, however its text is made", async () => {
    // a method named `class` after a long gap, and texts that are neither: each part of the gap is
    // matched one way only, so a failure is not retried along every way of splitting it
    const gaps = [" ".repeat(200_000), "\n ".repeat(100_000), "\n /**/ ".repeat(30_000), "\n-->x".repeat(40_000) + "\n", "<!--x\n".repeat(40_000), "/*\n*/".repeat(40_000)];
    for (const gap of gaps) expect(await outcome(made(`({ class${gap}() { return 1; } }).class`))).toEqual({ ran: 1 });
    for (const gap of gaps) expect(await outcome(made(`class${gap}Foo {}`))).toEqual(REFUSED);
  });
});
