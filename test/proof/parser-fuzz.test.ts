// Parser fuzzing: random text and mutated `.writ` sources — the example policies in `policies/`, the
// benchmark policies, the syntax fixtures and generated policies, with tokens deleted, duplicated,
// swapped, random characters inserted, and the text truncated — go through parse, check and cost.
// Each must come back with diagnostics (values with a code, a message and a span inside the text),
// never an exception or a stack trace; rendering the diagnostics must not throw either.

import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { renderDiagnostics } from "../../compiler/diagnostics.js";
import { Draw, drawPolicy, policyToWrit } from "../support/arbitraries/index.js";
import { checkProperty } from "../support/arbitraries/replay.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const FILE = "test/proof/parser-fuzz.test.ts";

function writFiles(dir: string): string[] {
  if (!existsSync(join(root, dir))) return [];
  return readdirSync(join(root, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".writ"))
    .map((f) => readFileSync(join(root, dir, f), "utf8"));
}

const corpus: string[] = [
  ...writFiles("policies"),
  ...writFiles("bench/policies").filter((t) => t.length < 20_000),
  ...writFiles("test/syntax/fixtures"),
  ...Array.from({ length: 8 }, (_, i) => policyToWrit(drawPolicy(Draw.seeded(1000 + i), { maxRules: 5 }))),
];

/** Rough tokens: enough to cut text where a mutation is most likely to confuse a parser. */
const TOKEN = /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|[A-Za-z_]\w*|0x[0-9a-fA-F]+|\d+|\/\/[^\n]*|\s+|&&|\|\||[=!<>]=|./gsu;
const NOISE = ['"', "'", "{", "}", "(", ")", "[", "]", "<", ">", ",", ":", "?", "@", ".", "\\", "\n", "permit", "forbid", "when", "let", "input", "test", "expect", "policy", "has", "in", "r\"", '"""', "0x", "9223372036854775808", "\u0000", "\ud800", "😀", "/*", "//", "&&", "!", "-", "%"];

/** Malformed calls, macros and selections: what a grammar-unaware mutation rarely produces. */
const SNIPPETS = ["has()", "has(a)", "has(1)", "has(a.b, c)", "has(a[0])", "size()", "size(1, 2)", "a.size(1)", "[1].all()", "[1].all(x)", "[1].map(x)", "[1].map(1, x)", "{}.exists(x, x, x)", "a.startsWith()", "\"a\".contains(1)", "int(1)", "dyn(a)", "a.b.c()", ".a", "a.?b", "a[?0]", "x.exists_one(y, z)", "[].filter(x, 1)", "1u", "1.5", "b\"x\"", "null", "{1: 2}", "T{a: 1}"];

/** One to four mutations of `text`. */
function mutate(d: Draw, text: string): string {
  let tokens: string[] = text.match(TOKEN) ?? [];
  for (let n = d.int(1, 4); n > 0 && tokens.length > 0; n--) {
    const i = d.int(0, tokens.length - 1);
    const j = d.int(0, tokens.length - 1);
    switch (d.int(0, 6)) {
      case 0: // delete a run of tokens
        tokens.splice(i, d.int(1, 3));
        break;
      case 1: // duplicate one
        tokens.splice(i, 0, tokens[i]!);
        break;
      case 2: // swap two
        [tokens[i], tokens[j]] = [tokens[j]!, tokens[i]!];
        break;
      case 3: // insert noise or a random character
        tokens.splice(i, 0, d.chance(0.6) ? d.pick(NOISE) : d.unicode(2));
        break;
      case 4: // truncate
        tokens = tokens.slice(0, i);
        break;
      case 5: // replace a name with a malformed call, macro or selection
        tokens.splice(/^[A-Za-z_]/.test(tokens[i]!) ? i : j, 1, d.pick(SNIPPETS));
        break;
      default: // repeat a span many times (deep nesting, long chains)
        tokens.splice(i, 0, ...Array.from({ length: d.int(50, 400) }, () => d.pick(["(", "[", "!", "-", "{a:", "x.", "a && "])));
    }
  }
  return tokens.join("");
}

/**
 * A mutation inside one rule's condition only, with the rest of the file intact: so the checker
 * (not just the parser) meets malformed calls, macros and selections in an otherwise valid policy.
 */
function mutateCondition(d: Draw, text: string): string {
  const lines = text.split("\n");
  const rules = lines.map((l, i) => (/^(permit|forbid) \w+ when /.test(l) ? i : -1)).filter((i) => i >= 0);
  if (rules.length === 0) return mutate(d, text);
  const at = d.pick(rules);
  const [head, cond] = [lines[at]!.slice(0, lines[at]!.indexOf(" when ") + 6), lines[at]!.slice(lines[at]!.indexOf(" when ") + 6)];
  const tokens: string[] = cond.match(TOKEN) ?? [];
  const names = tokens.map((t, i) => (/^[A-Za-z_]/.test(t) ? i : -1)).filter((i) => i >= 0);
  if (names.length > 0 && d.chance(0.7)) tokens.splice(d.pick(names), 1, d.pick(SNIPPETS));
  else return mutate(d, text);
  lines[at] = head + tokens.join("");
  return lines.join("\n");
}

/** Compiles up to the cost stage and checks that the outcome is well-formed diagnostics. */
async function diagnosesCleanly(text: string): Promise<number> {
  let r;
  try {
    r = await compilePolicy(text, { fileName: "fuzz.writ", stopAfter: "cost" });
  } catch (e) {
    throw new Error(`compilePolicy threw on:\n${text.slice(0, 2000)}\n${e instanceof Error ? e.stack : String(e)}`);
  }
  for (const d of r.diagnostics) {
    expect(d.code).toMatch(/^W\d{4}$/);
    expect(typeof d.message).toBe("string");
    expect(d.message.length).toBeGreaterThan(0);
    // a stack trace or an internal error in a message means something threw inside and was caught
    expect(d.message).not.toMatch(/\n\s+at |TypeError|ReferenceError|RangeError|undefined is not|Cannot read prop/);
    expect(d.span.start).toBeGreaterThanOrEqual(0);
    expect(d.span.end).toBeGreaterThanOrEqual(d.span.start);
    expect(d.span.end).toBeLessThanOrEqual(text.length);
  }
  const rendered = renderDiagnostics(r.diagnostics, r.source);
  expect(typeof rendered).toBe("string");
  // no errors means the text is a policy: then the checker's output must exist
  if (!r.diagnostics.some((d) => d.severity === "error")) expect(r.ir).toBeDefined();
  return r.diagnostics.length;
}

describe("the front end diagnoses any text", () => {
  it(`has a corpus to mutate (${corpus.length} sources)`, async () => {
    expect(corpus.length).toBeGreaterThanOrEqual(10);
    for (const text of corpus) {
      const r = await compilePolicy(text, { stopAfter: "cost" });
      expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    }
  });

  it("mutated policies give diagnostics, never a crash or a hang", async () => {
    let rejected = 0;
    await checkProperty(fc.asyncProperty(fc.gen(), async (g) => {
      const d = new Draw(g);
      const source = d.pick(corpus);
      const text = d.chance(0.3) ? mutateCondition(d, source) : mutate(d, source);
      if ((await diagnosesCleanly(text)) > 0) rejected++;
    }), 1200, FILE);
    expect(rejected).toBeGreaterThan(300); // the mutations do reach the error paths
  }, 300_000);

  it("random text and random bytes give diagnostics, never a crash or a hang", async () => {
    const decoder = new TextDecoder("utf-8", { fatal: false });
    const text = fc.oneof(
      fc.string({ unit: "binary", maxLength: 300 }),
      fc.string({ unit: fc.constantFrom(...NOISE, " ", "a", "1", "x"), maxLength: 200 }),
      fc.uint8Array({ maxLength: 300 }).map((b) => decoder.decode(b)),
      fc.string({ unit: "binary", maxLength: 100 }).map((s) => `policy "p" version "1"\ninput { a: int }\npermit r when ${s}\n`),
    );
    await checkProperty(fc.asyncProperty(text, async (t) => void (await diagnosesCleanly(t))), 1000, FILE);
  }, 300_000);
});
