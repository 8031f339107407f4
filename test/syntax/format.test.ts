// The formatter: canonical layout, comments kept, idempotence (fmt(fmt(x)) == fmt(x)) and
// faithfulness (the formatted text parses to the same AST) on every policy in the repository and
// on generated files.

import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { printPolicy } from "../../compiler/ir/print.js";
import { describeDecision, runPolicyTests } from "../../compiler/testing.js";
import type * as A from "../../compiler/syntax/ast.js";
import { anchorIndex, firstAtLeast } from "../../compiler/syntax/format.js";
import { formatPolicy, MAX_NESTING, parsePolicy } from "../../compiler/syntax/index.js";
import { lex } from "../../compiler/syntax/lexer.js";
import { policyFile } from "./arbitraries.js";
import { parseOk, stripSpans } from "./helpers.js";

function fmt(text: string, name = "x.writ"): string {
  const ast = parseOk(text, name);
  return formatPolicy(ast, { name, text });
}

/** A rule's condition as fmt prints it (on one line, when it fits). */
function cond(condition: string): string {
  return fmt(`permit p when ${condition}`).trim().replace(/^permit p when /, "");
}

/** The checks every formatted file must pass. */
function assertCanonical(text: string, name: string): string {
  const ast = parseOk(text, name);
  const once = formatPolicy(ast, { name, text });
  const reparsed = parseOk(once, name);
  expect(stripSpans(reparsed), `${name}: formatting changed the AST`).toEqual(stripSpans(ast));
  expect(reparsed.comments.map((c) => c.text.trimEnd()), `${name}: comments`).toEqual(ast.comments.map((c) => c.text.trimEnd()));
  expect(formatPolicy(reparsed, { name, text: once }), `${name}: not idempotent`).toBe(once);
  return once;
}

/** A file's declarations in source order, each as [start, end) (a rule's after any bracket closing its condition). */
function declarationSpans(ast: A.PolicyFile): [number, number][] {
  const spans: [number, number][] = [];
  if (ast.header) spans.push([ast.header.span.start, ast.header.span.end]);
  if (ast.input) spans.push([ast.input.span.start, ast.input.span.end]);
  for (const l of ast.lets) spans.push([l.span.start, l.span.end]);
  for (const r of ast.rules) spans.push([r.span.start, Math.max(r.span.end, r.condition?.span.end ?? 0)]);
  for (const t of ast.tests) spans.push([t.span.start, t.span.end]);
  return spans.sort((a, b) => a[0] - b[0]);
}

/**
 * The declaration each comment of a parsed file belongs to, by its index in source order: a comment
 * after code on its line belongs to the declaration that code is in; one on its own line to the
 * declaration it is inside or, between two, to the one after it (as fmt keeps a comment with what
 * follows it); one after the last declaration to none (the count of declarations).
 */
function commentOwners(ast: A.PolicyFile, text: string): number[] {
  const spans = declarationSpans(ast);
  return ast.comments.map((c) => {
    const at = c.span.start;
    const lineStart = Math.max(text.lastIndexOf("\n", at - 1), text.lastIndexOf("\r", at - 1)) + 1;
    if (text.slice(lineStart, at).trim() !== "") return spans.reduce((owner, [start], k) => (start <= at ? k : owner), -1);
    const next = spans.findIndex(([, end]) => end > at);
    return next < 0 ? spans.length : next;
  });
}

const fixturesDir = new URL("./fixtures/", import.meta.url);
const policiesDir = new URL("../../policies/", import.meta.url);
const writFiles = (dir: URL) => {
  try {
    return readdirSync(dir).filter((f) => f.endsWith(".writ")).map((f) => new URL(f, dir));
  } catch {
    return [];
  }
};

describe("formatting real files", () => {
  it("leaves the example policy exactly as written (it is canonical)", () => {
    const text = readFileSync(new URL("agent-payments.writ", fixturesDir), "utf8");
    expect(fmt(text)).toBe(text);
  });

  it("is idempotent and faithful on every fixture and policy", () => {
    const files = [...writFiles(fixturesDir), ...writFiles(policiesDir)];
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) assertCanonical(readFileSync(f, "utf8"), f.pathname);
  });
});

describe("invisible characters in strings", () => {
  it("are written as escapes: what the formatted file shows is what it compares (Trojan Source)", () => {
    // a right-to-left override, a zero-width space, an isolate, a soft hyphen, a tag character, a line separator
    const hidden = ["\u202e", "\u200b", "\u2066", "\u00ad", "\u{e0001}", "\u2028"];
    const text = `policy "p" version "1"\ninput { a: string }\npermit ok when a == "x${hidden.join("")}y"\n`;
    const once = assertCanonical(text, "hidden.writ");
    expect(once).toContain('a == "x\\u202e\\u200b\\u2066\\xad\\U000e0001\\u2028y"');
    expect([...once].some((c) => hidden.includes(c))).toBe(false);
  });

  it("writes spaces and default-ignorable characters as escapes wherever a string is printed", () => {
    // a no-break space, a combining grapheme joiner, a variation selector, a Hangul filler, an ideographic space
    const text = [
      `policy "p\u00a0" version "1\u3000"`,
      `input { role: string }`,
      `@reason("why\u034f")`,
      `forbid a when role == "admin\u00a0" || role in ["adm\u034fin", "root\ufe0f"] || role == "\u3164"`,
      `test "t\ufe0f" { input { role: "admin\u00a0", "k\u3164": ["x\u3000"] } expect deny }`,
      ``,
    ].join("\n");
    const once = assertCanonical(text, "spaces.writ");
    expect(once).toContain(`policy "p\\xa0" version "1\\u3000"`);
    expect(once).toContain(`@reason("why\\u034f")`);
    expect(once).toContain(`forbid a when role == "admin\\xa0" || role in ["adm\\u034fin", "root\\ufe0f"] || role == "\\u3164"`);
    expect(once).toContain(`test "t\\ufe0f" {`);
    expect(once).toContain(`role: "admin\\xa0",`);
    expect(once).toContain(`"k\\u3164": ["x\\u3000"]`);
    expect([...once].filter((c) => c.codePointAt(0)! > 0x7e)).toEqual([]);
    // the values are those written: the formatted text parses to the same strings
    const values = (ast: A.PolicyFile) => [ast.header!.name.value, ast.rules[0]!.annotations[0]!.value.value, ast.tests[0]!.name.value];
    expect(values(parseOk(once))).toEqual(["p\u00a0", "why\u034f", "t\ufe0f"]);
    // written as escapes, they stay escapes
    expect(cond(`a == "admin\\u00a0" || a == "adm\\u034fin" || a == "root\\ufe0f" || a == "\\u3164"`)).toBe(
      `a == "admin\\xa0" || a == "adm\\u034fin" || a == "root\\ufe0f" || a == "\\u3164"`,
    );
  });
});

describe("invisible characters in quoted field names", () => {
  // a quoted name has no escapes: the formatter prints one holding such a character as the index it means
  const policy = (selection: string, key: string) =>
    [
      `policy "p" version "1.0.0"`,
      `input { m: map<string, int>(4) }`,
      `forbid r when ${selection} == 1`,
      `permit ok`,
      `test "hidden key" { input { m: { ${key}: 1 } } expect deny by [r] }`,
      `test "another value" { input { m: { ${key}: 2 } } expect allow by [ok] }`,
      ``,
    ].join("\n");
  // a right-to-left override and a no-break space
  const repro = policy("m.`ad\u202emin\u00a0`", `"ad\u202emin\u00a0"`);

  /** What the checker makes of a text: its errors, its rules' IR and its tests' outcomes. */
  const meaning = async (text: string) => {
    const r = await compilePolicy(text, { stopAfter: "check" });
    const errors = r.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.message}`);
    return [errors, r.ir ? printPolicy(r.ir) : undefined, r.checked ? runPolicyTests(r.checked, undefined).outcomes.map((o) => [o.test.name, o.passed, describeDecision(o.interp)]) : undefined];
  };

  it("prints the name as an escaped index, with the same meaning, idempotently", async () => {
    const once = fmt(repro);
    expect(once).toContain(`forbid r when m["ad\\u202emin\\xa0"] == 1`);
    expect(once).toContain(`m: { "ad\\u202emin\\xa0": 1 }`);
    expect([...once].filter((c) => c.codePointAt(0)! > 0x7e)).toEqual([]);
    expect(fmt(once)).toBe(once);
    const [errors, ir, outcomes] = await meaning(once);
    expect(errors).toEqual([]);
    expect(outcomes).toEqual([
      ["hidden key", true, "deny by [r]"],
      ["another value", true, "allow by [ok]"],
    ]);
    expect(await meaning(repro)).toEqual([errors, ir, outcomes]);
    // the index it is printed as is the key the data holds
    const reparsed = parseOk(once);
    const index = (reparsed.rules[0]!.condition as A.BinaryExpr).left as A.IndexExpr;
    expect(index.kind).toBe("Index");
    expect(index.index).toMatchObject({ kind: "StringLiteralExpr", value: "ad\u202emin\u00a0" });
    expect(reparsed.tests[0]!.input.entries[0]!.value).toMatchObject({ kind: "DataObject", entries: [{ key: "ad\u202emin\u00a0" }] });
  });

  it("prints every such selection so: optional, nested, after a bracketed operand, in a constant", () => {
    expect(cond("m.?`a\u200bb` == 1")).toBe(`m[?"a\\u200bb"] == 1`);
    expect(cond("m.`x\u3000`.`y` == 1")).toBe(`m["x\\u3000"].y == 1`);
    expect(cond("(a ? m : n).`\u2066k\u2069`.size() > 0")).toBe(`(a ? m : n)["\\u2066k\\u2069"].size() > 0`);
    expect(fmt(`let K = {"a": 1}.\`a\ufe0f\``)).toBe(`let K = {"a": 1}["a\\ufe0f"]\n`);
    // names a reader sees as they are stay quoted names
    expect(cond("m.`content-type` == 'x' && m.`caf\u00e9 au lait` == 'y'")).toBe(`m.\`content-type\` == "x" && m.\`caf\u00e9 au lait\` == "y"`);
  });

  it("means what the index means on records too: neither form names a field (fields are identifiers)", async () => {
    const text = `policy "p" version "1"\ninput { r: { a: int } }\npermit ok when r.\`a\u00a0\` == 1\n`;
    const once = fmt(text);
    expect(once).toContain(`permit ok when r["a\\xa0"] == 1`);
    const codes = async (t: string) => (await compilePolicy(t, { stopAfter: "check" })).diagnostics.filter((d) => d.severity === "error").map((d) => d.code);
    expect(await codes(text)).toEqual(["W0205"]);
    expect(await codes(once)).toEqual(["W0305"]);
  });
});

describe("layout", () => {
  it("normalises spacing, commas, quotes and literal forms", () => {
    const messy = `policy   'p'   version "1"
input{a:int,b?:string(8)   c : list<  map<string,int>(2) >(3),}
let   K=[ 'x' ,"y", ]
permit   p   when a>0x10&&b.startsWith('pre')||!(a<=2)
test 'one' {input{a:1,"b":'two',"c d":[ ]} expect allow   by[p,]}`;
    expect(fmt(messy)).toBe(`policy "p" version "1"

input {
  a: int
  b?: string(8)
  c: list<map<string, int>(2)>(3)
}

let K = ["x", "y"]

permit p when (a > 16 && b.startsWith("pre")) || !(a <= 2)

test "one" {
  input {
    a: 1,
    b: "two",
    "c d": []
  }
  expect allow by [p]
}
`);
  });

  it("keeps a minus written apart from its digits apart: `-5` is a literal, `- 5` a negation", async () => {
    const cases: [string, string][] = [
      ["-5", "-5"],
      ["- 5", "- 5"],
      ["-(5)", "- 5"],
      ["-- 5", "-- 5"],
      ["- -5", "--5"],
      ["-(-5)", "--5"],
      ["-(- 5)", "-- 5"],
      ["1 - - 5", "1 - - 5"],
      ["- 5 * 2", "- 5 * 2"],
      ["(- 5).size()", "(- 5).size()"],
      ["- 5.size()", "-5.size()"],
      ["-(5).size()", "-5.size()"],
      ["- 0x10", "- 16"],
      // out of range as a negation (refused), in range as a literal
      ["- 9223372036854775808", "- 9223372036854775808"],
      ["-9223372036854775808", "-9223372036854775808"],
    ];
    for (const [written, printed] of cases) {
      const text = `policy "p" version "1"\ninput { n: int }\npermit p when n == ${written}\n`;
      const once = assertCanonical(text, "minus.writ");
      expect(once, written).toBe(`policy "p" version "1"\n\ninput {\n  n: int\n}\n\npermit p when n == ${printed}\n`);
      // the same meaning: what the checker makes of it, or what it refuses, is the same
      const meaning = async (t: string) => {
        const r = await compilePolicy(t, { stopAfter: "check" });
        return [r.diagnostics.map((d) => `${d.code} ${d.message}`), r.ir ? printPolicy(r.ir) : undefined];
      };
      expect(await meaning(once), written).toEqual(await meaning(text));
    }
  });

  it("adds no bracket around a minus written apart from its digits: a file at the nesting limit stays formattable", () => {
    const deep = `${"[".repeat(MAX_NESTING)}- 5${"]".repeat(MAX_NESTING)}`;
    const text = `policy "p" version "1"\ninput { a: int }\nlet X = ${deep}\npermit r when a > 1\n`;
    const once = assertCanonical(text, "deep.writ");
    expect(once).toContain(`${"[".repeat(MAX_NESTING - 1)}- 5${"]".repeat(MAX_NESTING - 1)},`);
  });

  it("uses minimal parentheses and keeps the readable ones", () => {
    expect(cond("((a + b)) * (c - d) - (e - f)")).toBe("(a + b) * (c - d) - (e - f)");
    expect(cond("a || (b || c)")).toBe("a || (b || c)");
    expect(cond("(a || b) || c")).toBe("a || b || c");
    expect(cond("a || b && c")).toBe("a || (b && c)");
    // an else-if chain stays a chain (parentheses would count twice against the nesting limit)
    expect(cond("a ? b : (c ? d : e)")).toBe("a ? b : c ? d : e");
    expect(cond("a ? b : c ? d : e")).toBe("a ? b : c ? d : e");
    expect(cond("a ? (b ? c : d) : e")).toBe("a ? (b ? c : d) : e");
    expect(cond("(a ? b : c) ? d : e")).toBe("(a ? b : c) ? d : e");
    expect(cond("f((a ? b : c))")).toBe("f(a ? b : c)");
    // 60 chained, as long a chain as the parser takes, formats into one it still takes
    const chain = Array.from({ length: 60 }, (_, i) => `x == ${i} ? ${i} : `).join("") + "0";
    const formatted = fmt(`permit p when ${chain}`);
    expect(formatted).not.toContain("(");
    expect(formatted.replace(/\s+/g, " ")).toContain(chain);
    expect(cond("!(!a) && -(-1) == 1 && !(-x) == y")).toBe("!!a && --1 == 1 && !(-x) == y");
    expect(cond("(-a).b && (a + b).size() > 0 && (x)[0]")).toBe("(-a).b && (a + b).size() > 0 && x[0]");
    expect(cond("a == (b == c) && (a == b) == c")).toBe("a == (b == c) && a == b == c");
  });

  it("breaks a long condition before each top-level operator", () => {
    const long = `permit large_transfer when action.name == "payments.transfer" && context.amount > 1000000 && principal.roles.exists(r, r in TREASURY)`;
    expect(fmt(long)).toBe(`permit large_transfer
    when action.name == "payments.transfer"
    && context.amount > 1000000
    && principal.roles.exists(r, r in TREASURY)
`);
    const ors = `forbid off_hours when (context.hour < 6 && !("oncall" in principal.roles)) || (context.hour >= 22 && !("oncall" in principal.roles))`;
    expect(fmt(ors)).toBe(`forbid off_hours
    when (context.hour < 6 && !("oncall" in principal.roles))
    || (context.hour >= 22 && !("oncall" in principal.roles))
`);
    const single = `permit p when ${"principal.roles.exists(r, r == \"a-very-long-role-name-that-goes-on\")".repeat(1)} ? context.amount > 100000000 : false`;
    expect(fmt(single)).toBe(`permit p\n    when principal.roles.exists(r, r == "a-very-long-role-name-that-goes-on") ? context.amount > 100000000 : false\n`);
  });

  it("keeps a rule on one line when it fits in 100 columns", () => {
    const rule = `forbid r when ${"a".repeat(100 - "forbid r when  == 1".length)} == 1`;
    expect(rule.length).toBe(100);
    expect(fmt(rule)).toBe(rule + "\n");
    expect(fmt(rule + "0").split("\n")).toHaveLength(3);
  });

  it("breaks nested records and data that do not fit", () => {
    const fields = Array.from({ length: 12 }, (_, k) => `field_${k}: string(64)`).join(", ");
    const out = fmt(`input { principal: { ${fields} }, small: { a: int } }\ntest "t" { input { principal: { ${Array.from({ length: 12 }, (_, k) => `field_${k}: "value-${k}"`).join(", ")} }, small: { a: 1 } } expect deny }`);
    expect(out).toBe(`input {
  principal: {
${Array.from({ length: 12 }, (_, k) => `    field_${k}: string(64)`).join("\n")}
  }
  small: { a: int }
}

test "t" {
  input {
    principal: {
${Array.from({ length: 12 }, (_, k) => `      field_${k}: "value-${k}"`).join(",\n")}
    },
    small: { a: 1 }
  }
  expect deny
}
`);
  });

  it("groups consecutive lets as written and separates everything else by one blank line", () => {
    expect(fmt(`let A = 1\nlet B = 2\n\n\n\nlet C = 3\npermit p\nforbid f`)).toBe(`let A = 1\nlet B = 2\n\nlet C = 3\n\npermit p\n\nforbid f\n`);
  });

  it("breaks a long list constant one element per line", () => {
    const roles = Array.from({ length: 10 }, (_, k) => `"role-number-${k}"`);
    expect(fmt(`let ROLES = [${roles.join(", ")}]`)).toBe(`let ROLES = [\n${roles.map((r) => `  ${r},`).join("\n")}\n]\n`);
  });

  it("keeps the `?` of CEL's optional list elements and map entries (which the checker refuses), on one line or broken", () => {
    expect(cond(`[ ?a,1, ?b ] == [] && {?'k' :a}.size() == 1`)).toBe(`[?a, 1, ?b] == [] && {?"k": a}.size() == 1`);
    assertCanonical(`permit p when [?a, ?b] == [] && {?"k": a, "l": b}.size() == 1\n`, "optional.writ");
    const roles = Array.from({ length: 10 }, (_, k) => `"role-number-${k}"`);
    const broken = fmt(`let ROLES = [?${roles.join(", ?")}]`);
    expect(broken).toBe(`let ROLES = [\n${roles.map((r) => `  ?${r},`).join("\n")}\n]\n`);
    assertCanonical(broken, "optional.writ");
  });

  it("prints expectation clauses in canonical order", () => {
    expect(fmt(`test "t" { input {} expect deny invalid errors [b] by [a] }`)).toBe(`test "t" {\n  input {}\n  expect deny by [a] errors [b] invalid\n}\n`);
  });
});

describe("comments", () => {
  const withComments = `// file comment

// about the header
policy "p" version "1" // trailing header

input {
  // the principal
  principal: { id: string, roles: list<string> } // who
  context: {
    // hour of day, 0-23
    hour: int
  }
  // end of schema
}

let A = 1 // one
// about B
let B = 2

@reason("r") // after annotation
// between annotation and rule
permit p
    when principal.id == "x" // first
    // before second
    && context.hour > 3
    && A < B

test "t" {
  // the request
  input {
    principal: { id: "x", roles: [] }, // inline
    context: {
      hour: 4 // four
    }
  }
  expect allow by [p] // expected
  // closing
}
// end of file`;

  it("keeps every comment in place", () => {
    const out = fmt(withComments);
    expect(out).toBe(withComments + "\n");
    assertCanonical(withComments, "comments.writ");
  });

  it("keeps a comment written before a condition's closing bracket in its rule", () => {
    const out = fmt(`policy "p" version "1"\npermit a when (x == 1\n  // why a\n)\n\nforbid b when y\n`);
    // declarations are separated by a blank line: the comment is in the rule's block, not the next one's
    const blocks = out.split("\n\n");
    expect(blocks.find((b) => b.includes("permit a"))).toContain("// why a");
    expect(blocks.find((b) => b.includes("forbid b"))).not.toContain("// why a");
  });

  it("reads a lone CR as a line end, as the lexer does: own-line comments and blank lines stay so", () => {
    const cr = `policy "p" version "1"\rpermit a when x\r// about b\rforbid b when y\rlet A = 1\r\rlet B = 2\r`;
    expect(fmt(cr)).toBe(fmt(cr.replace(/\r/g, "\n")));
  });

  it("moves no comment across declarations when reflowing", () => {
    const out = fmt(`permit p when a // why a\n  && b\nforbid f // why f\n  when c`);
    expect(out).toBe(`permit p\n    when a // why a\n    && b\n\nforbid f // why f\n    when c\n`);
    expect(fmt(out)).toBe(out);
  });

  it("keeps a comment between `permit` or `forbid` and the rule's name in that rule", () => {
    const src = `policy "p" version "1"

input {
  a: int
}

forbid huge when a > 1000

permit // grants everything
  debug_all

permit // only small amounts
  small when a < 10
`;
    const out = assertCanonical(src, "effect-comment.writ");
    expect(out).toBe(`policy "p" version "1"

input {
  a: int
}

forbid huge when a > 1000

// grants everything
permit debug_all

// only small amounts
permit small when a < 10
`);
    expect(commentOwners(parseOk(out), out)).toEqual(commentOwners(parseOk(src), src));
    // with no declaration before the rule but the header, the comment stays off the header's line
    expect(fmt(`policy "p" version "1"\nforbid // why\n  f when x\n`)).toBe(`policy "p" version "1"\n\n// why\nforbid f when x\n`);
    // and a rule broken over lines keeps it too
    expect(fmt(`permit q\nforbid // why\n  f when x // first\n  && y\n`)).toBe(`permit q\n\n// why\nforbid f\n    when x // first\n    && y\n`);
  });

  it("keeps all comments, in order, on messy input", () => {
    const src = `//a\npermit p when x //b\n//c\n&& y //d\n//e\ntest "t" { //f\ninput { //g\nk: 1 //h\n} //i\nexpect allow //j\n} //k\n//l`;
    const out = assertCanonical(src, "messy.writ");
    expect(lex(out).comments.map((c) => c.image)).toEqual(["//a", "//b", "//c", "//d", "//e", "//f", "//g", "//h", "//i", "//j", "//k", "//l"]);
  });
});

describe("generated files (property)", () => {
  it("formats any AST to text that parses back to it, idempotently", () => {
    fc.assert(
      fc.property(policyFile, (ast: A.PolicyFile) => {
        const text = formatPolicy(ast, { name: "gen.writ", text: "" });
        const r = parsePolicy({ name: "gen.writ", text });
        expect(r.diagnostics, text).toEqual([]);
        expect(stripSpans(r.ast), text).toEqual(stripSpans(ast));
        expect(formatPolicy(r.ast, { name: "gen.writ", text })).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it("gives the same text whatever the whitespace between tokens", () => {
    fc.assert(
      fc.property(policyFile, fc.infiniteStream(fc.constantFrom(" ", "  ", "\n", "\t", "\n  ")), (ast, spaces) => {
        const text = formatPolicy(ast, { name: "gen.writ", text: "" });
        const tokens = lex(text).tokens;
        let messy = "";
        let last = 0;
        const it = spaces[Symbol.iterator]();
        for (const t of tokens) {
          messy += (last === 0 ? "" : (it.next().value as string)) + t.image;
          last = t.startOffset + t.image.length;
        }
        const r = parsePolicy({ name: "messy.writ", text: messy });
        // (an annotation moved onto the line where the declaration before it ends is warned of, W0703)
        expect(r.diagnostics.filter((d) => d.code !== "W0703"), messy).toEqual([]);
        expect(formatPolicy(r.ast, { name: "messy.writ", text: messy })).toBe(text);
      }),
      { numRuns: 150 },
    );
  });

  it("keeps every comment, in order and in the declaration it was written in, wherever comments are inserted", () => {
    fc.assert(
      fc.property(policyFile, fc.infiniteStream(fc.constantFrom("none", "none", "none", "own", "trailing")), (ast, choices) => {
        const text = formatPolicy(ast, { name: "gen.writ", text: "" });
        const tokens = lex(text).tokens;
        const it = choices[Symbol.iterator]();
        let withComments = "";
        let n = 0;
        for (const t of tokens) {
          const choice = it.next().value as string;
          if (choice === "own") withComments += `\n// c${n++}\n`;
          withComments += t.image + " ";
          if (choice === "trailing") withComments += `// c${n++}\n`;
        }
        const first = parsePolicy({ name: "c.writ", text: withComments });
        // (an annotation on the line where the declaration before it ends is warned of, W0703; not in fmt's text)
        expect(first.diagnostics.filter((d) => d.code !== "W0703"), withComments).toEqual([]);
        const out = formatPolicy(first.ast, { name: "c.writ", text: withComments });
        const again = parsePolicy({ name: "c.writ", text: out });
        expect(again.diagnostics, out).toEqual([]);
        expect(stripSpans(again.ast), out).toEqual(stripSpans(first.ast));
        expect(lex(out).comments.map((c) => c.image), `${withComments}\n=====\n${out}`).toEqual(Array.from({ length: n }, (_, k) => `// c${k}`));
        expect(commentOwners(again.ast, out), `${withComments}\n=====\n${out}`).toEqual(commentOwners(first.ast, withComments));
        expect(formatPolicy(again.ast, { name: "c.writ", text: out }), out).toBe(out);
      }),
      { numRuns: 200 },
    );
  });
});

describe("size", () => {
  // the searches that keep a large file's formatting linear; its work is counted in syntax-work.test.ts
  it("finds lines by anchor and comments by offset as a scan of every one would", () => {
    const offsets = fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 30 });
    fc.assert(
      fc.property(offsets, fc.integer({ min: -1, max: 42 }), (anchors, x) => {
        const index = anchorIndex(anchors);
        expect(index.lastAtOrBefore(x)).toBe(anchors.reduce((last, a, k) => (a <= x ? k : last), -1));
        expect(index.firstAfter(x)).toBe(anchors.findIndex((a) => a > x));
        const sorted = [...anchors].sort((a, b) => a - b);
        const first = sorted.findIndex((a) => a >= x);
        expect(firstAtLeast(sorted, x)).toBe(first < 0 ? sorted.length : first);
      }),
      { numRuns: 500 },
    );
  });
});
