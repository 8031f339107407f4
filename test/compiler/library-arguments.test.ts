// The front end's library functions refuse a first argument of the wrong shape (compiler/arguments.ts)
// with a TypeError naming the function, what it takes and what it got, before anything runs. The
// likeliest slip is a policy's text where a source file or a parsed policy belongs: it failed deep
// inside with an internal TypeError ("Cannot read properties of undefined (reading 'forEach')").

import { describe, expect, it } from "vitest";
import { checkPolicy } from "../../compiler/check/policy.js";
import { renderDiagnostics, type Diagnostic } from "../../compiler/diagnostics.js";
import type { SourceFile } from "../../compiler/source.js";
import type { PolicyFile } from "../../compiler/syntax/ast.js";
import { formatPolicy, parseExpression, parsePolicy } from "../../compiler/syntax/index.js";

const text = 'policy "p" version "1"\ninput { a: { x: int } }\npermit r when a.x > 1\n';
const source: SourceFile = { name: "p.writ", text };
const asSource = (v: unknown) => v as SourceFile;
const asAst = (v: unknown) => v as PolicyFile;

describe("the library's first arguments", () => {
  it("parsePolicy takes { name, text } and says where a policy's text goes", () => {
    expect(() => parsePolicy(asSource(text))).toThrow(
      new TypeError('parsePolicy: the source must be { name, text } with both strings, got a string (a policy\'s text goes in text: parsePolicy({ name: "policy.writ", text }))'),
    );
    expect(() => parsePolicy(asSource(null))).toThrow(new TypeError("parsePolicy: the source must be { name, text } with both strings, got null"));
    expect(() => parsePolicy(asSource({ text }))).toThrow(new TypeError("parsePolicy: the source must be { name, text } with both strings; its name is undefined"));
    expect(() => parsePolicy(asSource({ name: "p", text: Buffer.from(text) }))).toThrow(new TypeError("parsePolicy: the source must be { name, text } with both strings; its text is an object"));
    expect(parsePolicy(source).diagnostics).toEqual([]);
  });

  it("a source whose member cannot be read is refused by name, not with the getter's error", () => {
    const trap = { name: "p", get text(): string { throw new Error("no"); } };
    expect(() => parsePolicy(asSource(trap))).toThrow(/^parsePolicy: source\.text could not be read: /);
  });

  it("checkPolicy and formatPolicy take a parsed policy, and tell a text to parse it first", () => {
    for (const fn of ["checkPolicy", "formatPolicy"] as const) {
      const call = (ast: unknown) => (fn === "checkPolicy" ? checkPolicy(asAst(ast)) : formatPolicy(asAst(ast), source));
      expect(() => call(text)).toThrow(new TypeError(`${fn}: expected a parsed policy, parsePolicy(...).ast, got a string (parse the text first: parsePolicy({ name, text }).ast)`));
      expect(() => call({ kind: "PolicyFile" })).toThrow(new TypeError(`${fn}: expected a parsed policy, parsePolicy(...).ast, got an object`));
      expect(() => call([])).toThrow(new TypeError(`${fn}: expected a parsed policy, parsePolicy(...).ast, got an array`));
    }
    const ast = parsePolicy(source).ast;
    expect(checkPolicy(ast).diagnostics).toEqual([]);
    expect(formatPolicy(ast, source)).toContain("permit r when a.x > 1");
    // the call a text is told to make keeps the parsed policy before the source
    expect(() => formatPolicy(ast, asSource(text))).toThrow(
      new TypeError('formatPolicy: the source must be { name, text } with both strings, got a string (a policy\'s text goes in text: formatPolicy(ast, { name: "policy.writ", text }))'),
    );
  });

  it("renderDiagnostics takes an array of diagnostics and a source file", () => {
    expect(() => renderDiagnostics("x" as unknown as Diagnostic[], source)).toThrow(new TypeError("renderDiagnostics: expected an array of diagnostics, got a string"));
    // the call a text is told to make keeps the diagnostics before the source
    expect(() => renderDiagnostics([], asSource("y"))).toThrow(
      new TypeError('renderDiagnostics: the source must be { name, text } with both strings, got a string (a policy\'s text goes in text: renderDiagnostics(diagnostics, { name: "policy.writ", text }))'),
    );
    expect(renderDiagnostics([], source)).toBe("");
  });

  it("parseExpression takes a string", () => {
    expect(() => parseExpression(7 as unknown as string)).toThrow(new TypeError("parseExpression: the expression must be a string, got a number"));
    expect(parseExpression("1 + 2").diagnostics).toEqual([]);
  });
});
