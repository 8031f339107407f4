// The options of writ/compiler's functions other than a compile (compiler/option-reading.ts), read as
// compilePolicy's are (test/compiler/compile-arguments.test.ts): a name the function does not have is
// refused, naming the one meant, an option of another type is refused, and what Object.prototype
// holds under an option's name is no option the host gave. The rendering of one diagnostic reads its
// optional members the same way.

import { afterEach, describe, expect, it } from "vitest";
import { checkPolicy, type CheckOptions } from "../../compiler/check/policy.js";
import { type Diagnostic, MAX_DIAGNOSTICS, renderDiagnostic, renderDiagnostics, type RenderOptions } from "../../compiler/diagnostics.js";
import { parsePolicy } from "../../compiler/syntax/index.js";

/** Object.prototype's members planted by a test, removed after it. */
const planted: string[] = [];

/** Plants `name` on Object.prototype, not enumerable (as no `for…in` sees it), as a polluting library may. */
function plant(name: string, value: unknown): void {
  Object.defineProperty(Object.prototype, name, { value, configurable: true, writable: true });
  planted.push(name);
}

afterEach(() => {
  for (const name of planted.splice(0)) delete (Object.prototype as Record<string, unknown>)[name];
});

describe("checkPolicy's options", () => {
  // a test whose input the schema refuses (W0605), unless the parse had errors
  const text = 'policy "p" version "1"\ninput { n: int }\npermit r when n > 1\ntest "t" { input { n: "x" } expect deny }\n';
  const { ast } = parsePolicy({ name: "p.writ", text });
  const codes = (options?: CheckOptions) => checkPolicy(ast, options).diagnostics.map((d) => d.code);

  it("refuse a name CheckOptions does not have, naming the one meant: `syntaxerrors: true` was ignored", () => {
    expect(codes()).toEqual(["W0605"]);
    expect(codes({ syntaxErrors: true })).toEqual([]);
    const refusals: [unknown, string][] = [
      [{ syntaxerrors: true }, "checkPolicy: unknown option syntaxerrors (did you mean syntaxErrors?)"],
      [{ syntaxError: true }, "checkPolicy: unknown option syntaxError (did you mean syntaxErrors?)"],
      [{ strict: true }, "checkPolicy: unknown option strict (the options are syntaxErrors)"],
    ];
    for (const [options, message] of refusals) expect(() => checkPolicy(ast, options as CheckOptions)).toThrow(new TypeError(message));
  });

  it("refuse options that are no object, and a syntaxErrors that is no boolean", () => {
    const refusals: [unknown, string][] = [
      [null, "checkPolicy: the options must be an object, got null"],
      [true, "checkPolicy: the options must be an object, got a boolean"],
      [{ syntaxErrors: "yes" }, 'checkPolicy: syntaxErrors must be true or false, got "yes"'],
      [{ syntaxErrors: 1 }, "checkPolicy: syntaxErrors must be true or false, got 1"],
    ];
    for (const [options, message] of refusals) expect(() => checkPolicy(ast, options as CheckOptions)).toThrow(new TypeError(message));
  });

  it("ignore a syntaxErrors planted on Object.prototype: tests' inputs are still held to the schema", () => {
    plant("syntaxErrors", true);
    expect(codes()).toEqual(["W0605"]);
    expect(codes({})).toEqual(["W0605"]);
    // and an inherited one the host's own object carries is no option it gave either
    expect(codes(Object.create({ syntaxErrors: true }) as CheckOptions)).toEqual(["W0605"]);
  });
});

describe("renderDiagnostics' options", () => {
  const text = 'policy "p" version "1"\ninput { n: int }\n' + Array.from({ length: 60 }, (_, i) => `permit r${i} when m${i} > 1\n`).join("");
  const source = { name: "many.writ", text };
  const { ast } = parsePolicy(source);
  const { diagnostics } = checkPolicy(ast);
  const lastLine = (options?: RenderOptions) => renderDiagnostics(diagnostics, source, options).split("\n").at(-1);

  it("refuse a name RenderOptions does not have, naming the one meant: `{ Max: 3 }` rendered 50", () => {
    expect(diagnostics.length).toBe(60);
    expect(lastLine({ max: 3 })).toBe("... and 57 more diagnostics: the first 3 of 60 are shown");
    const refusals: [unknown, string][] = [
      [{ Max: 3 }, "renderDiagnostics: unknown option Max (did you mean max?)"],
      [{ max: 3, morehelp: "see all" }, "renderDiagnostics: unknown option morehelp (did you mean moreHelp?)"],
      [{ max: 3, colour: true }, "renderDiagnostics: unknown option colour (the options are max, moreHelp)"],
    ];
    for (const [options, message] of refusals) expect(() => renderDiagnostics(diagnostics, source, options as RenderOptions)).toThrow(new TypeError(message));
  });

  it("refuse options that are no object, a max that is no number and a moreHelp that is no string", () => {
    const refusals: [unknown, string][] = [
      [null, "renderDiagnostics: the options must be an object, got null"],
      [5, "renderDiagnostics: the options must be an object, got a number"],
      [{ max: "5" }, 'renderDiagnostics: max must be a whole number from 1, or Infinity for all, got "5"'],
      [{ moreHelp: 1 }, "renderDiagnostics: moreHelp must be a string, got 1"],
    ];
    for (const [options, message] of refusals) expect(() => renderDiagnostics(diagnostics, source, options as RenderOptions)).toThrow(new TypeError(message));
    expect(() => renderDiagnostics(diagnostics, source, { max: 0 })).toThrow(new RangeError("renderDiagnostics: max must be a whole number from 1, or Infinity for all, got 0"));
  });

  it("ignore a max and a moreHelp planted on Object.prototype", () => {
    const normally = renderDiagnostics(diagnostics, source);
    expect(normally.split("\n").at(-1)).toBe(`... and 10 more diagnostics: the first ${MAX_DIAGNOSTICS} of 60 are shown`);
    plant("max", 1);
    plant("moreHelp", "planted");
    expect(renderDiagnostics(diagnostics, source)).toBe(normally);
    expect(renderDiagnostics(diagnostics, source, {})).toBe(normally);
    expect(renderDiagnostics(diagnostics, source, Object.create({ max: 1 }) as RenderOptions)).toBe(normally);
  });

  it("read each option once, and refuse one whose getter throws, naming it", () => {
    let reads = 0;
    const counted = Object.defineProperty({}, "max", { get: () => (reads++ === 0 ? 3 : "bogus"), enumerable: true }) as RenderOptions;
    expect(renderDiagnostics(diagnostics, source, counted).split("\n").at(-1)).toBe("... and 57 more diagnostics: the first 3 of 60 are shown");
    expect(reads).toBe(1);
    const throwing = Object.defineProperty({}, "max", { get: () => { throw new Error("no"); }, enumerable: true }) as RenderOptions;
    expect(() => renderDiagnostics(diagnostics, source, throwing)).toThrow(new TypeError("renderDiagnostics: options.max could not be read: no"));
  });
});

describe("renderDiagnostic", () => {
  it("reads a diagnostic's file and help as it holds them, not as Object.prototype does", () => {
    const source = { name: "p.writ", text: "permit r when x\n" };
    const d: Diagnostic = { code: "W0201", severity: "error", message: "unknown name `x`", span: { start: 14, end: 15 } };
    const normally = renderDiagnostic(d, source);
    expect(normally.split("\n")[0]).toBe("p.writ:1:15: error[W0201]: unknown name `x`");
    expect(normally).not.toContain("help");
    plant("help", "planted help");
    plant("file", "other.writ");
    expect(renderDiagnostic(d, source)).toBe(normally);
    // its own members are shown as before
    expect(renderDiagnostic({ ...d, file: "q.writ", help: "declare it" }, source).split("\n")).toEqual([
      "q.writ:1:15: error[W0201]: unknown name `x`",
      "  |",
      "1 | permit r when x",
      "  |               ^",
      "  = help: declare it",
    ]);
  });
});
