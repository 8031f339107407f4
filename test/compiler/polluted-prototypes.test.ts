// A compile in a host whose Object.prototype or Array.prototype carries a planted property (prototype
// pollution elsewhere in the host) (compiler/prototypes.ts). The compiler reads its own objects by
// name and by index, and read the planted property wherever they lacked one: a planted `optimize:
// false` compiled the O0 module, a planted `maxCost` let a policy over the budget through, `stopAfter`
// gave no bundle and no diagnostic, `value` an internal error (W0901, the stack run out), `key` and
// `0` made compilePolicy reject with a RangeError or a TypeError. compilePolicy now answers W0904
// alone, naming the property, whether it was planted before the compile or while it ran; an option
// left out is never read from Object.prototype; and a method a polyfill adds to Array.prototype is
// no pollution. (The background compiler: test/compiler/background-compiler.test.ts.)

import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { compilePolicy, type CompileResult } from "../../compiler/driver.js";
import { readCompileOptions, type CompileOptions } from "../../compiler/options.js";
import { repositoryRoot } from "../support/transpiled-tree.js";
import { childCommand } from "../support/child-command.js";
import { tempDir } from "../support/temp-dir.js";

const run = promisify(execFile);
const policyFile = join(repositoryRoot, "policies/payments.writ");
const source = readFileSync(policyFile, "utf8");
/** over the default budget of 10,000,000: a planted `maxCost` let it compile */
const overBudget = 'policy "big" version "1"\ninput { l: list<string(4096)>(64), t: string(4096) }\npermit p when l.exists(x, x.contains(t))\n';

type Holder = "Object.prototype" | "Array.prototype";
const protoOf = (holder: Holder): object => (holder === "Object.prototype" ? Object.prototype : Array.prototype);

/** The names the repro planted, each with the value that broke the compile. */
const PLANTED: [string, unknown][] = [
  ["stopAfter", "parse"],
  ["value", 1],
  ["key", "x"],
  ["0", 1],
  ["optimize", false],
  ["maxCost", 2 ** 53 - 1],
  ["fileName", "planted.writ"],
];

/**
 * Calls compilePolicy with `key` planted on `holder` and removes it at once, before the test runner
 * runs again: the compile's look at the prototypes is made within the call. The compile runs on in
 * a clean host (where it would no longer meet the property).
 */
function compileWhilePlanted(holder: Holder, key: PropertyKey, descriptor: PropertyDescriptor, text = source): Promise<CompileResult> {
  const proto = protoOf(holder);
  Object.defineProperty(proto, key, { configurable: true, ...descriptor });
  try {
    return compilePolicy(text, { fileName: "host.writ" });
  } finally {
    delete (proto as Record<PropertyKey, unknown>)[key];
  }
}

/** What a refused compile holds: W0904 alone, at the start of the text, naming what was planted. */
function expectRefused(r: CompileResult, said: string): void {
  expect(r.bundle, said).toBeUndefined();
  expect(r.diagnostics, said).toEqual([
    {
      code: "W0904",
      severity: "error",
      message: `${said} (prototype pollution): the compiler's own objects would read it where they lack a member, so nothing was compiled`,
      span: { start: 0, end: 0 },
      file: "host.writ",
      help: 'remove what was planted (a deep merge or an assignment fed `{"__proto__": …}` plants it) and compile again',
    },
  ]);
}

describe("a compile in a host whose prototypes carry a planted property", () => {
  it("answers W0904 naming an enumerable property planted on either prototype, each name that broke the compile", async () => {
    for (const holder of ["Object.prototype", "Array.prototype"] as const) {
      for (const [key, value] of PLANTED) {
        const r = await compileWhilePlanted(holder, key, { value, enumerable: true, writable: true });
        expectRefused(r, `${holder} carries the enumerable ${key === "0" ? "element" : "property"} \`${key}\``);
      }
    }
    // the over-budget policy, with `maxCost` planted: refused, not compiled past its budget
    expectRefused(await compileWhilePlanted("Object.prototype", "maxCost", { value: 2 ** 53 - 1, enumerable: true, writable: true }, overBudget), "Object.prototype carries the enumerable property `maxCost`");
  });

  it("answers W0904 for a property planted without being enumerable: any on Object.prototype, an element or a value on Array.prototype", async () => {
    for (const [key, value] of PLANTED)
      expectRefused(await compileWhilePlanted("Object.prototype", key, { value, writable: true }), `Object.prototype carries the ${key === "0" ? "element" : "property"} \`${key}\``);
    expectRefused(await compileWhilePlanted("Array.prototype", "0", { value: 1 }), "Array.prototype carries the element `0`");
    expectRefused(await compileWhilePlanted("Array.prototype", "value", { value: 1 }), "Array.prototype carries the property `value`");
    expectRefused(await compileWhilePlanted("Array.prototype", "kind", { get: () => "record" }), "Array.prototype carries the property `kind`");
    expectRefused(await compileWhilePlanted("Object.prototype", Symbol.iterator, { value: function* () {} }), "Object.prototype carries the property `Symbol(Symbol.iterator)`");
    expectRefused(await compileWhilePlanted("Array.prototype", Symbol.isConcatSpreadable, { value: false }), "Array.prototype carries the property `Symbol(Symbol.isConcatSpreadable)`");
    // a name that would break the message's line is shown escaped
    expectRefused(await compileWhilePlanted("Object.prototype", "a\nb", { value: 1 }), "Object.prototype carries the property `a\\u000ab`");
  });

  it("names the first planted property and counts the others", async () => {
    Object.defineProperty(Array.prototype, "1", { value: 1, configurable: true });
    let compiling: Promise<CompileResult>;
    try {
      compiling = compileWhilePlanted("Object.prototype", "value", { value: 1, enumerable: true, writable: true });
    } finally {
      delete (Array.prototype as unknown as Record<string, unknown>)["1"];
    }
    expectRefused(await compiling, "Object.prototype carries the enumerable property `value`, and 1 more planted property");
  });

  it("compiles as in a clean host once the property is gone, and beside a polyfill's method on Array.prototype", async () => {
    const clean = await compilePolicy(source, { fileName: "host.writ", optimize: false });
    expect(clean.diagnostics).toEqual([]);
    await compileWhilePlanted("Object.prototype", "value", { value: 1, enumerable: true, writable: true });
    const after = await compilePolicy(source, { fileName: "host.writ", optimize: false });
    expect(Buffer.from(after.bundle!.module).equals(Buffer.from(clean.bundle!.module))).toBe(true);
    // a method added the way polyfills add them (a function, not enumerable): the compiler calls none
    Object.defineProperty(Array.prototype, "writPolyfill", { value: function writPolyfill() {}, configurable: true, writable: true });
    try {
      const beside = await compilePolicy(source, { fileName: "host.writ", optimize: false });
      expect(beside.diagnostics).toEqual([]);
      expect(Buffer.from(beside.bundle!.module).equals(Buffer.from(clean.bundle!.module))).toBe(true);
    } finally {
      delete (Array.prototype as unknown as Record<string, unknown>).writPolyfill;
    }
  }, 60_000);

  it("reads each option as the options object holds it, never from Object.prototype", () => {
    for (const [key, value] of PLANTED) {
      // read while planted, looked at once it is gone (the test runner's own code would read it)
      Object.defineProperty(Object.prototype, key, { value, configurable: true, writable: true });
      let read: CompileOptions[];
      try {
        read = [readCompileOptions({}), readCompileOptions({ fileName: "p.writ" }), readCompileOptions({ maxCost: undefined, optimize: true })];
      } finally {
        delete (Object.prototype as Record<string, unknown>)[key];
      }
      expect(read.map((o) => Object.entries(o)), key).toEqual([[], [["fileName", "p.writ"]], [["optimize", true]]]);
      // and the copies have no prototype: what is planted later is not read through them either
      for (const o of read) expect(Object.getPrototypeOf(o), key).toBeNull();
    }
  });

  it("answers W0904, never a throw or a bundle, for a property planted while the compile runs", async () => {
    // in a process of its own: the property stays planted for the whole compile
    const dir = tempDir("planted");
    const command = await childCommand(join(repositoryRoot, "test/compiler/children/planted-during-compile.ts"), dir);
    const file = join(dir, "policy.writ");
    writeFileSync(file, source);
    const cases = [
      ["O", "stopAfter", "parse"],
      ["O", "value", 1],
      ["O", "key", "x"],
      ["O", "0", 1],
      ["A", "0", 1],
    ];
    const { stdout } = await run(process.execPath, [...command, file, JSON.stringify(cases)], { cwd: repositoryRoot, maxBuffer: 1 << 24 });
    const lines = stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(cases.length);
    for (const [i, [holder, name]] of cases.entries()) {
      const said = `${holder === "O" ? "Object" : "Array"}.prototype carries the enumerable ${name === "0" ? "element" : "property"} \`${String(name)}\``;
      expect(lines[i], said).toEqual({
        holder,
        name,
        bundle: false,
        diagnostics: [{ code: "W0904", message: `${said} (prototype pollution): the compiler's own objects would read it where they lack a member, so nothing was compiled`, file: "planted.writ" }],
      });
    }
  }, 120_000);
});
