// The names the backend numbers (locals, functions) are a kind and its number joined by an
// underscore (compiler/backend/names.ts), a form no global of AssemblyScript has: a local once named
// `i64` (the 65th name a module numbered, a macro's index or a dispatch's) made the INT64_MIN
// written later in its function, `i64.MIN_VALUE`, name the local, and asc refused the module of a
// valid policy (W0901). INT64_MIN is now written as its digits.

import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { intLiteral } from "../../compiler/backend/codegen-values.js";
import { GENERATED_NAME, generatedName } from "../../compiler/backend/names.js";
import { planModule } from "../../compiler/backend/plan.js";
import { compilePolicy } from "../../compiler/driver.js";
import { createInterpreter } from "../../compiler/ir/interp.js";
import { loadPolicy } from "../../runtime/policy.js";
import { plain } from "./support.js";

const STD = new URL("../../node_modules/assemblyscript/std/assembly/", import.meta.url);
const KINDS = "(?:abstract )?(?:function|const|let|var|class|namespace|enum|type|interface)";
/** A declaration of a program's global scope: one of the declarations file, or exported by a library file (or marked global). */
const DECLARED = new RegExp(`^declare ${KINDS} ([A-Za-z_$][\\w$]*)`, "gm");
const EXPORTED = new RegExp(`^(?:export |@global[^\\n]*\\n(?:@\\w+[^\\n]*\\n)*(?:export )?)(?:declare )?${KINDS} ([A-Za-z_$][\\w$]*)`, "gm");

/** The names AssemblyScript declares for every program: its declarations file and its library's exports. */
function assemblyScriptGlobals(): Set<string> {
  const names = new Set<string>();
  for (const file of readdirSync(STD).filter((f) => f.endsWith(".ts"))) {
    const text = readFileSync(new URL(file, STD), "utf8");
    for (const m of text.matchAll(file.endsWith(".d.ts") ? DECLARED : EXPORTED)) names.add(m[1]!);
  }
  return names;
}

/** Every name the generated source declares: locals, functions, their parameters. */
function declaredNames(source: string): Set<string> {
  const names = new Set<string>();
  for (const m of source.matchAll(/\b(?:let|const|function) ([A-Za-z_$][\w$]*)/g)) names.add(m[1]!);
  for (const m of source.matchAll(/\bfunction [\w$]+\(([^)]*)\)/g)) {
    for (const p of m[1]!.split(",").filter((p) => p.trim() !== "")) names.add(p.split(":")[0]!.trim());
  }
  return names;
}

async function sourceOf(text: string): Promise<string> {
  const r = await compilePolicy(text, { stopAfter: "cost" });
  expect(r.diagnostics).toEqual([]);
  return planModule(r.ir!).generated!.source;
}

/** Compiles `text` unoptimised and checks that the module decides every request as the interpreter does. */
async function decidesAsInterpreter(text: string, requests: readonly unknown[]): Promise<unknown[]> {
  const r = await compilePolicy(text, { optimize: false });
  expect(r.diagnostics).toEqual([]);
  const policy = loadPolicy(r.bundle!, { allowUnsigned: true });
  const interp = createInterpreter(r.ir!, r.bundle!.manifest.errorSites);
  const decisions = requests.map((q) => plain(policy.decide(q)));
  expect(decisions).toEqual(requests.map((q) => plain(interp.decide(q))));
  return decisions;
}

const MIN = "-9223372036854775808";
/** The name of the index numbered 64: once `i64`. */
const INDEX_64 = generatedName("i", 64);
const header = (input: string) => `policy "p" version "1.0.0"\ninput { ${input} }\n`;
/** A rule whose condition numbers `n` temporaries, one per addition. */
const filler = (n: number) => `permit filler when i${" + 1".repeat(n)} > 0\n`;

/**
 * The policy `rules(n)` makes for the least filler `n` (tried from 40) whose module has `name`: the
 * filler's temporaries come first, so some `n` brings the count to 64 where the name is minted.
 */
async function withName(rules: (n: number) => string, name: RegExp): Promise<string> {
  for (let n = 40; n <= 80; n++) {
    const text = rules(n);
    if (name.test(await sourceOf(text))) return text;
  }
  throw new Error(`no filler length gives a module with ${name}`);
}

describe("names the backend numbers", () => {
  it("are of a form no global of AssemblyScript or of the support library has", () => {
    const globals = assemblyScriptGlobals();
    // the declarations are read: the types and namespaces named as values are among them
    for (const name of ["i64", "i32", "u8", "f64", "v128", "i32x4", "isize", "usize", "bool", "load", "memory", "__tostack"]) expect(globals).toContain(name);
    expect([...globals].filter((n) => GENERATED_NAME.test(n))).toEqual([]);
    const library = readFileSync(new URL("../../assembly/writ.ts", import.meta.url), "utf8");
    const exported = [...library.matchAll(EXPORTED)].map((m) => m[1]!);
    expect(exported).toContain("mulI64");
    expect(exported.filter((n) => GENERATED_NAME.test(n))).toEqual([]);
  });

  it("are never a global of AssemblyScript in a module of hundreds of them, and each name with a number is a numbered one", async () => {
    const rules = [
      filler(70),
      `permit m when li.map(x, x + 1).exists(y, y == ${MIN}) && [li.filter(x, x > 2)[0], i, ${MIN}] == [1, 2, 3]`,
      ...Array.from({ length: 70 }, (_, k) => `permit e${k} when ${k} in li && li.all(x, x != ${MIN} + ${k})`),
      ...Array.from({ length: 70 }, (_, k) => `permit f${k} when f${k % 4} == ${k} && s == "s${k}"`),
    ];
    const source = await sourceOf(header("i: int, li: list<int>(4), f0: int, f1: int, f2: int, f3: int, s: string(8)") + rules.join("\n") + "\n");
    const declared = [...declaredNames(source)];
    // macros' indexes and elements are numbered past every number a type's name has (v128 the last)
    const most = (kind: string) => Math.max(...declared.filter((n) => n.startsWith(`${kind}_`)).map((n) => Number(n.slice(kind.length + 1))));
    expect(most("i")).toBeGreaterThan(128);
    expect(most("v")).toBeGreaterThan(128);
    const globals = assemblyScriptGlobals();
    expect(declared.filter((n) => globals.has(n))).toEqual([]);
    expect(declared.filter((n) => /\d/.test(n) && !GENERATED_NAME.test(n))).toEqual([]);
    // no type or namespace is named as a value
    expect(source).not.toMatch(/\b(?:[iu](?:8|16|32|64)|f32|f64|[iu]size|bool|v128)\.[A-Za-z_]/);
  }, 60_000);
});

describe("INT64_MIN after the 64th numbered name of a module", () => {
  it("is written as its digits, one constant", () => {
    expect(intLiteral(-(1n << 63n))).toBe(`<i64>(${MIN})`);
    expect(intLiteral((1n << 63n) - 1n)).toBe("<i64>9223372036854775807");
  });

  it("compiles in a macro's body whose index is the 64th name, and decides as the interpreter does", async () => {
    const rules = (n: number) => header("i: int, li: list<int>(4)") + filler(n) + `permit r when li.map(x, ${MIN}) == [${MIN}]\n`;
    const text = await withName(rules, new RegExp(`for \\(let ${INDEX_64} = 0; `));
    const decisions = await decidesAsInterpreter(text, [
      { i: 0, li: [7] },
      { i: -100, li: [] },
      { i: 9223372036854775807n, li: [1, 2] },
    ]);
    expect(decisions.map((d) => (d as { rules: string[] }).rules)).toEqual([["filler", "r"], [], []]);
  }, 120_000);

  it("compiles in a list literal after an element whose macro's index is the 64th name, and decides as the interpreter does", async () => {
    const rules = (n: number) => header("i: int, li: list<int>(4)") + filler(n) + `permit r when [li.map(x, x)[0], i, ${MIN}] == [1, 2, ${MIN}]\n`;
    const text = await withName(rules, new RegExp(`\\b${INDEX_64} = 0; ${INDEX_64} < `));
    const decisions = await decidesAsInterpreter(text, [
      { i: 2, li: [1] },
      { i: 2, li: [3] },
      { i: 2, li: [] },
    ]);
    // an empty list has no element 0: r errors
    expect(decisions.map((d) => (d as { rules: string[] }).rules)).toEqual([["filler", "r"], ["filler"], ["filler"]]);
    expect(decisions.map((d) => (d as { errors: { rule: string }[] }).errors.map((e) => e.rule))).toEqual([[], [], ["r"]]);
  }, 120_000);

  it("compiles in the 65th dispatch on list elements, and decides as the interpreter does", async () => {
    // 64 indexes on int fields number their keys and indexes 0 to 63; the list's dispatch is the 65th
    const N = 64;
    const fields = Array.from({ length: N }, (_, k) => `f${k}: int`).join(", ");
    const rules: string[] = [];
    for (let k = 0; k < N; k++) rules.push(`permit a${k} when f${k} == 1`, `permit b${k} when f${k} == 2`);
    rules.push(`permit m1 when ${MIN} in l`, `permit m2 when 5 in l`);
    const text = header(`${fields}, l: list<int>(4)`) + rules.join("\n") + "\n";
    expect(await sourceOf(text)).toContain(`for (let ${INDEX_64}: i32 = 0; `);
    const request = (f: number, l: readonly (number | bigint)[]) => ({ ...Object.fromEntries(Array.from({ length: N }, (_, k) => [`f${k}`, f])), l });
    const decisions = await decidesAsInterpreter(text, [request(0, [-(1n << 63n), 5]), request(1, [5]), request(2, [-(1n << 63n) + 1n]), request(0, [])]);
    const fired = decisions.map((d) => (d as { rules: string[] }).rules.filter((r) => r.startsWith("m")));
    expect(fired).toEqual([["m1", "m2"], ["m2"], [], []]);
  }, 120_000);
});
