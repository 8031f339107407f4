// The syntax phase never throws: random text, random token soup, and valid files with tokens
// deleted, duplicated or swapped all come back as an AST plus diagnostics with sane spans, and
// the formatter accepts whatever partial AST results.

import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatPolicy, parseExpression, parsePolicy } from "../../compiler/syntax/index.js";
import { lex } from "../../compiler/syntax/lexer.js";

const example = readFileSync(new URL("./fixtures/agent-payments.writ", import.meta.url), "utf8");

/** Undefined when the syntax phase behaved, else what went wrong (checked without `expect` for speed). */
function problem(text: string): string | undefined {
  const r = parsePolicy({ name: "fuzz.writ", text });
  for (const d of r.diagnostics) {
    // (W0703: an annotation on the line where the declaration before it ends, which the parser warns of)
    if (!/^W01\d\d$|^W0703$/.test(d.code)) return `unexpected code ${d.code}`;
    if (!(d.span.start >= 0 && d.span.end >= d.span.start && d.span.end <= text.length)) return `bad span ${JSON.stringify(d.span)} for ${d.message}`;
    if (!/^[a-z`(]/.test(d.message) || d.message.endsWith(".")) return `message style: ${d.message}`;
  }
  const spans: { start: number; end: number }[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x !== null && typeof x === "object" && !(x instanceof Uint8Array)) {
      for (const [k, v] of Object.entries(x)) {
        if (k.endsWith("pan") && v && typeof v === "object") spans.push(v as { start: number; end: number });
        else walk(v);
      }
    }
  };
  walk(r.ast);
  for (const s of spans) if (!(Number.isInteger(s.start) && Number.isInteger(s.end) && s.start >= 0 && s.end >= s.start && s.end <= text.length)) return `bad AST span ${JSON.stringify(s)}`;
  if (typeof formatPolicy(r.ast, { name: "fuzz.writ", text }) !== "string") return "formatter failed";
  const e = parseExpression(text);
  for (const d of e.diagnostics) if (d.span.end > text.length) return `bad expression span for ${d.message}`;
  return undefined;
}

function check(text: string): void {
  const p = problem(text);
  if (p !== undefined) expect.fail(`${p}\n--- input ---\n${text}`);
}

const SOUP = [
  "policy", "version", "input", "let", "permit", "forbid", "when", "test", "expect", "allow", "deny", "by", "errors", "invalid",
  "@", "reason", "(", ")", "[", "]", "{", "}", "[?", ".?", ".", ",", ":", "?", "=", "==", "!=", "<", "<=", ">", ">=", "&&", "||",
  "!", "-", "+", "*", "/", "%", "in", "true", "false", "null", "x", "principal", "roles", "exists", "list", "map", "<", ">",
  "int", "string", "1", "0x1F", "2u", "1.5", `"s"`, `'t'`, `"""m\n"""`, `b"\\xff"`, `r"\\d"`, `"\\q"`, `"open`, "`q`", "//c\n",
  "#", "\n", " ", "if", "as",
];

describe("robustness", () => {
  it("survives random strings", () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => check(s)), { numRuns: 150 });
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 100 }), (s) => check(s)), { numRuns: 100 });
  });

  it("survives random token soup", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...SOUP), { maxLength: 80 }), (toks) => check(toks.join(" "))),
      { numRuns: 250 },
    );
  });

  it("survives valid files with tokens deleted, duplicated or moved", () => {
    const tokens = lex(example).tokens;
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.nat(tokens.length - 1), op: fc.constantFrom("delete", "dup", "swap") }), { minLength: 1, maxLength: 5 }),
        (edits) => {
          const images = tokens.map((t) => t.image);
          for (const e of edits) {
            const at = Math.min(e.at, images.length - 1);
            if (at < 0) break;
            if (e.op === "delete") images.splice(at, 1);
            else if (e.op === "dup") images.splice(at, 0, images[at]!);
            else if (at + 1 < images.length) [images[at], images[at + 1]] = [images[at + 1]!, images[at]!];
          }
          check(images.join(" "));
        },
      ),
      { numRuns: 150 },
    );
  });

  it("still parses the declarations a single edit did not touch", () => {
    // delete one token inside the first rule: the other rules and the test survive
    const broken = example.replace("forbid cross_tenant when principal.tenant != resource.owner", "forbid cross_tenant when principal.tenant != ");
    const r = parsePolicy({ name: "x", text: broken });
    expect(r.diagnostics.length).toBeGreaterThan(0);
    expect(r.ast.rules.map((x) => x.name.name)).toEqual(["cross_tenant", "risk_ceiling", "large_transfer"]);
    expect(r.ast.tests).toHaveLength(1);
    expect(r.ast.input?.fields).toHaveLength(4);
  });

  it("handles empty and whitespace-only files", () => {
    for (const t of ["", " ", "\n\n", "// only a comment\n"]) {
      const r = parsePolicy({ name: "x", text: t });
      expect(r.diagnostics).toEqual([]);
      expect(formatPolicy(r.ast, { name: "x", text: t })).toBe(t.includes("//") ? "// only a comment\n" : "");
    }
    expect(parseExpression("").diagnostics.map((d) => d.message)).toEqual(["expected an expression, found end of input"]);
  });
});
