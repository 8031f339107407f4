// What the module does for each field of the request, besides its rules, is made by functions of a
// bounded number of fields each (compiler/backend/split.ts): the checks made as the decision starts
// (a string, or a list of ints or ids, read in several rules), the resets of the flags of the checks
// made once per decision, the dispatches of indexed rules, and the checks of a record behind a
// pointer. All in writ_evaluate (or in the record's check), each added locals of its own: 3,500
// strings read twice made a writ_evaluate of 17,500 locals, 140 KB of stack unoptimised (W0903, for
// a policy writ check passed), and optimising 4,000 took binaryen 13 minutes and 3.2 GB. Checked by
// size, which does not depend on the machine: as the fields grow fourfold, no function of the module
// has more locals, the largest stays about as large, and the decisions are the interpreter's; the
// checks moved into functions of their own still trap on a bad encoding.

import { describe, expect, it } from "vitest";
import { localsOf } from "../../compiler/backend/locals.js";
import { splitStatements, SPLIT_LOCALS, STATEMENT_CHUNK, type Define } from "../../compiler/backend/split.js";
import { compilePolicy, type CompileResult } from "../../compiler/driver.js";
import { createInterpreter } from "../../compiler/ir/interp.js";
import { loadPolicy } from "../../runtime/policy.js";
import type { InputLayout, RecordLayout, SlotLayout } from "../../runtime/wasm/layout.js";
import { readModule } from "../../runtime/wasm/reader.js";
import { validateProfile } from "../../runtime/wasm/profile.js";
import { plain } from "./support.js";

/**
 * `n` fields of each kind the module does something for besides its rules, each with rules of its
 * own, and a list of records of `n` optional maps that a rule each reads.
 */
function policy(n: number): string {
  const fields: string[] = [];
  const rules: string[] = [];
  const inner: string[] = [];
  for (let k = 0; k < n; k++) {
    fields.push(`s${k}: string(8)`, `l${k}?: list<int>(4)`, `a${k}: int`, `r${k}: list<string>(4)`, `m${k}?: map<string(4), int>(2)`);
    inner.push(`m${k}?: map<string(4), int>(2)`);
    rules.push(
      // a string read twice, and a list of ints read three times behind its flag: checked as the decision starts
      `permit s${k}_ab when s${k}.startsWith("a") && s${k}.endsWith("b")`,
      `forbid l${k}_big when has(l${k}) && size(l${k}) > 2 && ${k} in l${k}`,
      // two rules on one int, and two on the elements of one list: an index each
      `permit a${k}_1 when a${k} == 1`,
      `permit a${k}_2 when a${k} == 2 && s${k} == "ax"`,
      `permit r${k}_x when "x" in r${k}`,
      `permit r${k}_y when "y" in r${k} && a${k} > 2`,
      // a map at a place: checked when first read, under a flag reset as the decision starts
      `forbid m${k}_k when has(m${k}) && "k" in m${k}`,
      // a map in a record behind a pointer: checked with the list that holds the record
      `permit x${k} when xs.exists(x, has(x.m${k}) && x.m${k}["k"] == ${k})`,
    );
  }
  fields.push(`xs: list<{ ${inner.join(", ")} }>(2)`);
  return `policy "fields" version "1"\ninput { ${fields.join(", ")} }\n${rules.join("\n")}\n`;
}

interface Sizes {
  /** the most locals of any function */
  readonly locals: number;
  /** the largest function's code, in bytes */
  readonly largest: number;
  /** writ_evaluate's locals */
  readonly evaluate: number;
  /** the stack the profile finds its calls may take */
  readonly stack: number;
}

function sizes(wasm: Uint8Array): Sizes {
  const read = readModule(wasm);
  if (!read.ok) throw new Error(read.reason);
  const { module } = read;
  const locals = module.code.map((body) => body.locals.reduce((n, l) => n + l.count, 0));
  const imported = module.imports.filter((i) => i.kind === "func").length;
  const evaluate = module.exports.find((e) => e.name === "writ_evaluate")!.index - imported;
  const profile = validateProfile(wasm);
  if (!profile.ok) throw new Error(`the module breaks the profile: ${JSON.stringify(profile)}`);
  return {
    locals: Math.max(...locals),
    largest: Math.max(...module.code.map((b) => b.codeEnd - b.codeStart)),
    evaluate: locals[evaluate]!,
    stack: profile.info.stackBytes,
  };
}

async function compiled(n: number, optimize: boolean): Promise<CompileResult> {
  const r = await compilePolicy(policy(n), { optimize });
  if (!r.bundle) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  return r;
}

/** A small deterministic generator (mulberry32), so that a failing request can be found again. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function requests(n: number, count: number): Record<string, unknown>[] {
  const next = random(n);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const map = (k: number) => pick([undefined, { k }, { k: k + 1 }, { j: 2 }, { j: 1, k }]);
  const out: Record<string, unknown>[] = [];
  for (let q = 0; q < count; q++) {
    const request: Record<string, unknown> = {};
    const records = Array.from({ length: pick([0, 1, 2]) }, () => ({}) as Record<string, unknown>);
    // a field or two that decide something, the others not, so that forbids and permits alike are reached
    const live = new Set(Array.from({ length: pick([0, 1, 1, 2]) }, () => Math.floor(next() * n)));
    for (let k = 0; k < n; k++) {
      const on = live.has(k);
      request[`s${k}`] = on ? pick(["ab", "ax", "aab"]) : pick(["", "b", "ba"]);
      const l = on ? pick([[k], [1, 2, 3], [1, 2, k]]) : pick([undefined, [1], [2, 3]]);
      if (l !== undefined) request[`l${k}`] = l;
      request[`a${k}`] = on ? pick([1, 2, 3]) : 0;
      request[`r${k}`] = on ? pick([["x"], ["y", "z"], ["z", "y", "x"]]) : pick([[], ["z"]]);
      const m = on ? pick([undefined, { k: k + 1 }, { j: 2 }, { k }]) : pick([undefined, { j: 1 }]);
      if (m !== undefined) request[`m${k}`] = m;
      for (const record of records) {
        const inner = on ? map(k) : undefined;
        if (inner !== undefined) record[`m${k}`] = inner;
      }
    }
    request.xs = records;
    out.push(request);
  }
  return out;
}

/** The module's decisions on the requests are the interpreter's, and include allows and denies. */
function agrees(r: CompileResult, n: number): void {
  const policy_ = loadPolicy(r.bundle!, { allowUnsigned: true });
  const interp = createInterpreter(r.ir!, r.bundle!.manifest.errorSites);
  const qs = requests(n, 30);
  const decisions = qs.map((q) => plain(policy_.decide(q)));
  expect(decisions).toEqual(qs.map((q) => plain(interp.decide(q))));
  const verdicts = new Set(decisions.map((d) => (d as { decision: string }).decision));
  expect([...verdicts].sort()).toEqual(["allow", "deny"]);
}

describe("what the module does for each field is split into functions of bounded size", () => {
  const N = 40;

  it("unoptimised: no function has more locals for four times the fields, nor the stack more bytes", async () => {
    const small = sizes((await compiled(N, false)).bundle!.module);
    const large = await compiled(4 * N, false);
    const big = sizes(large.bundle!.module);
    // a split function holds 32 to 63 statements, as many as divide the fields evenly
    expect(big.locals).toBeLessThan(1.25 * small.locals);
    expect(big.evaluate).toBe(small.evaluate);
    expect(big.stack).toBeLessThan(1.25 * small.stack);
    // writ_evaluate holds calls, and a few locals of its own
    expect(big.evaluate).toBeLessThan(40);
    expect(big.largest).toBeLessThan(1.25 * small.largest);
    agrees(large, 4 * N);
  }, 180_000);

  it("optimised: the largest function stays about as large for four times the fields", async () => {
    const small = sizes((await compiled(N, true)).bundle!.module);
    const large = await compiled(4 * N, true);
    const big = sizes(large.bundle!.module);
    expect(big.largest).toBeLessThan(1.25 * small.largest);
    expect(big.locals).toBeLessThanOrEqual(small.locals + 4);
    expect(big.stack).toBeLessThan(1.25 * small.stack);
    agrees(large, 4 * N);
  }, 180_000);

  it("3,500 strings read twice compile unoptimised within the profile's stack", async () => {
    const n = 3500;
    const fields = Array.from({ length: n }, (_, k) => `s${k}: string(8)`).join(", ");
    const rules = Array.from({ length: n }, (_, k) => `permit r${k} when s${k}.startsWith("a") && s${k}.endsWith("b")`).join("\n");
    const r = await compilePolicy(`policy "a" version "1"\ninput { ${fields} }\n${rules}\n`, { optimize: false });
    expect(r.diagnostics).toEqual([]);
    const s = sizes(r.bundle!.module);
    expect(s.evaluate).toBeLessThan(40);
    expect(s.stack).toBeLessThan(4096);
  }, 180_000);
});

/**
 * The module, instantiated with no imports, and a request written into its input region by hand, as
 * a host other than the JavaScript runtime may write it: every field absent or zero (a null pointer
 * reads as an empty string, list or map), but for what `write` puts in.
 */
class Region {
  private readonly exports: { memory: WebAssembly.Memory; writ_input_ptr(): number; writ_input_size(): number; writ_evaluate(): number };
  private readonly input: number;
  private heap = 0;

  constructor(
    wasm: Uint8Array,
    private readonly layout: InputLayout,
  ) {
    this.exports = new WebAssembly.Instance(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>), {}).exports as never;
    this.input = this.exports.writ_input_ptr();
  }

  private word(at: number, v: number): void {
    new DataView(this.exports.memory.buffer).setInt32(at, v, true);
  }

  private block(words: number): number {
    const p = this.heap;
    this.heap += 4 * words;
    return p;
  }

  /** a string block of `length` (its bytes left zero) */
  string(length: number): number {
    const p = this.block(1 + Math.ceil(length / 4));
    this.word(p, length);
    return p;
  }

  /** a map block of int values, its keys as written (in order or not) */
  map(keys: readonly number[]): number {
    const p = this.block(1 + 3 * keys.length);
    this.word(p, keys.length);
    keys.forEach((k, i) => this.word(p + 4 + 12 * i, k));
    return p;
  }

  /** a zeroed block of `bytes` */
  zeroed(bytes: number): number {
    return this.block(Math.ceil(bytes / 4));
  }

  /** a block of `count` words after its count (whatever its bound) */
  list(count: number): number {
    const p = this.block(1 + 2 * count);
    this.word(p, count);
    return p;
  }

  field(record: RecordLayout, name: string): { at: number; presence: number; type: SlotLayout } {
    const f = record.fields.find((x) => x.name === name);
    if (!f) throw new Error(`no field ${name} in the layout`);
    return { at: f.offset, presence: f.presence, type: f.type };
  }

  /** Clears the region, lets `write` fill it (addresses of the root's fields from `this.input`), and evaluates. */
  evaluate(write: (region: Region, root: RecordLayout, input: number, set: (at: number, v: number) => void) => void): "decided" | "trap" {
    new Uint8Array(this.exports.memory.buffer).fill(0, this.input, this.input + this.exports.writ_input_size());
    this.heap = this.input + this.layout.root.size;
    write(this, this.layout.root, this.input, (at, v) => this.word(at, v));
    try {
      this.exports.writ_evaluate();
      return "decided";
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) return "trap";
      throw e;
    }
  }
}

describe("the checks in functions of their own", () => {
  it("still refuse a bad encoding of the last field of each kind, and check a map again in the next decision", async () => {
    const n = 80;
    const r = await compiled(n, true);
    const region = new Region(r.bundle!.module, r.bundle!.manifest.layout as InputLayout);
    const last = n - 1;
    const string = (length: number) => region.evaluate((g, root, input, set) => set(input + g.field(root, `s${last}`).at, g.string(length)));
    const list = (count: number) =>
      region.evaluate((g, root, input, set) => {
        const l = g.field(root, `l${last}`);
        set(input + l.presence, 1);
        set(input + l.at, g.list(count));
      });
    const ids = (count: number) => region.evaluate((g, root, input, set) => set(input + g.field(root, `r${last}`).at, g.list(count)));
    const map = (keys: number[]) =>
      region.evaluate((g, root, input, set) => {
        const m = g.field(root, `m${last}`);
        set(input + m.presence, 1);
        set(input + m.at, g.map(keys.map((k) => g.string(k))));
      });
    const inner = (keys: number[]) =>
      region.evaluate((g, root, input, set) => {
        const xs = g.field(root, "xs");
        const record = (xs.type as Extract<SlotLayout, { kind: "list" }>).element as RecordLayout;
        const m = g.field(record, `m${last}`);
        const p = g.zeroed(record.size);
        set(p + m.presence, 1);
        set(p + m.at, g.map(keys.map((k) => g.string(k))));
        const l = g.list(1);
        set(l + 4, p);
        set(input + xs.at, l);
      });
    expect([string(8), string(9)]).toEqual(["decided", "trap"]);
    expect([list(4), list(5)]).toEqual(["decided", "trap"]);
    expect([ids(4), ids(5)]).toEqual(["decided", "trap"]);
    // keys of 1 then 2 bytes (zero bytes: "\0" < "\0\0") are in order; 2 then 1 are not
    expect([inner([1, 2]), inner([2, 1])]).toEqual(["decided", "trap"]);
    expect([map([1, 2]), map([2, 1]), map([1, 2]), map([2, 1])]).toEqual(["decided", "trap", "decided", "trap"]);
  }, 120_000);
});

describe("splitStatements", () => {
  /** statement `k`: `locals` declarations */
  const statement = (k: number, locals: number): string[] => Array.from({ length: Math.max(1, locals) }, (_, j) => (locals === 0 ? `  f(${k});` : `  const v${k}_${j} = ${k};`));

  it("makes every statement once, in order, from functions of at most SPLIT_LOCALS locals and 2 × STATEMENT_CHUNK - 1 statements", () => {
    const shapes = [
      Array.from({ length: 200 }, () => 5),
      Array.from({ length: 40 }, () => 30),
      Array.from({ length: 10 }, () => 100),
      Array.from({ length: 1000 }, (_, k) => [0, 7, 11, 120][k % 4]!),
    ];
    for (const locals of shapes) {
      const fns = new Map<string, string>();
      const define: Define = (code) => {
        const name = `part${fns.size}`;
        fns.set(name, code(name));
        return name;
      };
      const statements = locals.map((n, k) => statement(k, n));
      const lines = splitStatements(statements, STATEMENT_CHUNK, "  ", define);
      const run = (ls: readonly string[]): string[] =>
        ls.flatMap((l) => {
          const call = /^\s*(part\d+)\(\);$/.exec(l);
          return call ? run(fns.get(call[1]!)!.split("\n").slice(1, -1)) : [l];
        });
      expect(run(lines)).toEqual(statements.flat());
      expect(localsOf(lines, "")).toBeLessThanOrEqual(SPLIT_LOCALS);
      expect(fns.size).toBeGreaterThan(0);
      for (const code of fns.values()) {
        const body = code.split("\n").slice(1, -1);
        expect(localsOf(body, "")).toBeLessThanOrEqual(SPLIT_LOCALS);
        // a statement's lines name its number; a call of a function is a statement of its own
        const statementsIn = new Set(body.map((l) => /(?:v|f\()(\d+)/.exec(l)?.[1] ?? l));
        expect(statementsIn.size).toBeLessThan(2 * STATEMENT_CHUNK);
      }
    }
  });

  it("leaves fewer than STATEMENT_CHUNK statements within SPLIT_LOCALS inline", () => {
    const statements = Array.from({ length: STATEMENT_CHUNK - 1 }, (_, k) => statement(k, 2));
    expect(splitStatements(statements, STATEMENT_CHUNK, "  ", () => expect.unreachable())).toEqual(statements.flat());
  });
});
