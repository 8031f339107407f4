// The reader's opcode tables against an independent assembler: every instruction the reader knows
// is written in the text format (with the immediates it takes), assembled by wabt's wat2wasm, and
// decoded back. Names must come back in order — a wrong name or a wrong immediate length would
// desynchronise the stream — and chosen immediates must decode to the values written.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listOpcodes, readModule, type Instruction } from "../../runtime/wasm/reader.js";
import { validateProfile } from "../../runtime/wasm/profile.js";

const hasWat2wasm = spawnSync("wat2wasm", ["--version"]).status === 0;
if (!hasWat2wasm) {
  console.warn("\n*** wat2wasm NOT FOUND: the reader's opcode cross-check is SKIPPED. Install it with `apt-get install -y wabt`. ***\n");
}

// wabt 1.0.32 still spells two relaxed-SIMD instructions by their pre-standard names.
const WABT_SPELLING: Record<string, string> = {
  "i16x8.relaxed_dot_i8x16_i7x16_s": "i16x8.dot_i8x16_i7x16_s",
  "i32x4.relaxed_dot_i8x16_i7x16_add_s": "i32x4.dot_i8x16_i7x16_add_s",
};

/** Text-format lines for one instruction with valid immediates; structured ones with their end. */
function linesFor(name: string): string[] {
  if (name === "block" || name === "loop") return [name, "end"];
  if (name === "if") return ["if", "else", "nop", "end"]; // an empty else is not emitted
  if (name === "else" || name === "end" || name === "select") return []; // covered by the above / below
  // legacy exception handling: a try closed by its catches and end, or by delegate
  if (name === "try") return ["try", "catch 0", "rethrow 0", "catch_all", "end"];
  if (name === "delegate") return ["try", "delegate 0"];
  if (name === "catch" || name === "catch_all" || name === "rethrow") return []; // in the try above
  if (name === "throw") return ["throw 0"];
  if (name === "br_table") return ["br_table 0 0"];
  if (/^(br|br_if|call|return_call|ref\.func|local\.\w+|global\.\w+|table\.(get|set|grow|size|fill)|elem\.drop|data\.drop|memory\.init)$/.test(name)) {
    return [`${name} 0`];
  }
  if (name.endsWith("call_indirect")) return [`${name} (type 0)`];
  if (name === "table.copy" || name === "table.init") return [`${name} 0 0`];
  if (/^[if](32|64)\.const$/.test(name)) return [`${name} 0`];
  if (name === "v128.const") return ["v128.const i32x4 0 0 0 0"];
  if (name === "i8x16.shuffle") return ["i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15"];
  if (/_lane(_s|_u)?$/.test(name)) return [`${name} 1`];
  if (name === "ref.null") return ["ref.null func"];
  return [WABT_SPELLING[name] ?? name];
}

function assemble(wat: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "writ-wat-"));
  try {
    writeFileSync(join(dir, "m.wat"), wat);
    // --no-check: the stream of every instruction in a row is not well-typed, only well-encoded
    const r = spawnSync("wat2wasm", ["--enable-all", "--no-check", join(dir, "m.wat"), "-o", join(dir, "m.wasm")], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(r.stderr);
    return new Uint8Array(readFileSync(join(dir, "m.wasm")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const PRELUDE = `(type (func)) (memory 1 1) (tag) (table 1 funcref) (global (mut i32) (i32.const 0)) (data "x") (elem func 0)`;

function bodyOf(bytes: Uint8Array): readonly Instruction[] {
  const r = readModule(bytes);
  if (!r.ok) throw new Error(`${r.reason} at ${r.offset}`);
  return r.module.code[0]!.instructions;
}

describe.skipIf(!hasWat2wasm)("the reader agrees with wabt's assembler", () => {
  it("on every instruction it knows, in order", () => {
    const text: string[] = ["select", "select (result i32)"];
    for (const op of listOpcodes()) text.push(...linesFor(op.name));
    const bytes = assemble(`(module ${PRELUDE} (func (local i32 v128)\n${text.join("\n")}\n))`);
    const got = bodyOf(bytes).map((i) => WABT_SPELLING[i.name] ?? i.name);
    const want = [...text.map((l) => l.split(" ")[0]!), "end"];
    expect(got).toEqual(want);
    expect(listOpcodes().length).toBeGreaterThan(500);

    // and the scan path (no instruction objects) sees the same stream
    const r = readModule(bytes);
    const scanned: string[] = [];
    if (r.ok) r.module.code[0]!.forEachInstruction((op) => scanned.push(WABT_SPELLING[op.name] ?? op.name));
    expect(scanned).toEqual(want);
  });

  it("knows the natural alignment of every access: the one wabt writes is read, one more is refused", () => {
    // wat2wasm writes each access's natural alignment when the text states none. The reader takes
    // that, and refuses the same module with any one of them raised by one: a larger alignment is
    // invalid in every engine, and from 0x40 up a multi-memory engine reads a memory index after it.
    const text: string[] = [];
    for (const op of listOpcodes()) text.push(...linesFor(op.name));
    const bytes = assemble(`(module ${PRELUDE} (func (local i32 v128)\n${text.join("\n")}\n))`);
    const accesses = bodyOf(bytes).filter((i) => i.memarg !== undefined);
    expect(accesses.length).toBeGreaterThan(90); // loads, stores, atomics, SIMD loads and stores
    for (const ins of accesses) {
      const opcodeBytes = ins.prefix === undefined ? 1 : 1 + (ins.code < 0x80 ? 1 : 2);
      const at = ins.offset + opcodeBytes;
      expect(bytes[at], ins.name).toBe(ins.memarg!.align); // one byte: the natural alignment
      const raised = bytes.slice();
      raised[at] = ins.memarg!.align + 1;
      const r = readModule(raised);
      expect(r.ok ? "read" : `${r.reason} @${r.offset}`, ins.name).toBe(
        `\`${ins.name}\` states alignment 2^${ins.memarg!.align + 1}, more than its natural alignment 2^${ins.memarg!.align} @${at}`,
      );
    }
  });

  it("decodes immediates to the values written", () => {
    const bytes = assemble(`(module ${PRELUDE} (func (local i32 v128)
      i32.load offset=12 align=2
      v128.load8_lane offset=3 align=1 5
      i8x16.extract_lane_u 9
      br_table 0 0 0
      call_indirect (type 0)
      i32.const -2147483648
      i64.const -9223372036854775808
      f64.const 1.5
      memory.init 0
      local.tee 1
      i32.atomic.rmw.cmpxchg offset=8
      select (result i32)
    ))`);
    const ins = bodyOf(bytes);
    expect(ins[0]).toMatchObject({ name: "i32.load", memarg: { align: 1, offset: 12 } });
    expect(ins[1]).toMatchObject({ name: "v128.load8_lane", prefix: 0xfd, memarg: { align: 0, offset: 3 }, lane: 5 });
    expect(ins[2]).toMatchObject({ name: "i8x16.extract_lane_u", lane: 9 });
    expect(ins[3]).toMatchObject({ name: "br_table", labels: [0, 0, 0] });
    expect(ins[4]).toMatchObject({ name: "call_indirect", index: 0, index2: 0 });
    expect(ins[5]).toMatchObject({ name: "i32.const", value: -2147483648 });
    expect(ins[6]).toMatchObject({ name: "i64.const", value: -9223372036854775808n });
    expect(ins[7]).toMatchObject({ name: "f64.const", value: 0x3ff8000000000000n });
    expect(ins[8]).toMatchObject({ name: "memory.init", index: 0, index2: 0 });
    expect(ins[9]).toMatchObject({ name: "local.tee", index: 1 });
    expect(ins[10]).toMatchObject({ name: "i32.atomic.rmw.cmpxchg", prefix: 0xfe, memarg: { align: 2, offset: 8 } });
    expect(ins[11]).toMatchObject({ name: "select", types: ["i32"] });
  });

  it("reads exception tags imported, declared and exported, and refuses them by rule, not as malformed", () => {
    const bytes = assemble(`(module
      (import "env" "e" (tag $e (param i32)))
      (tag $f (export "f"))
      (memory 1 1)
      (func (result i32)
        try (result i32)
          i32.const 1
          throw $e
        catch $e
        catch_all
          i32.const 2
        end))`);
    expect(WebAssembly.validate(new Uint8Array(bytes))).toBe(true);
    const r = readModule(bytes);
    if (!r.ok) throw new Error(r.reason);
    expect(r.module.imports.map((i) => i.kind)).toEqual(["tag"]);
    expect(r.module.tags.map((t) => t.type)).toEqual([1]);
    expect(r.module.exports.map((e) => [e.name, e.kind, e.index])).toEqual([["f", "tag", 1]]);
    const p = validateProfile(bytes, ["memory"]);
    const found = !p.ok ? p.violations.map((v) => `${v.rule}: ${v.message}`) : [];
    expect(found).toEqual([
      "no-imports: imports `env.e` (tag); a decision module imports nothing",
      "no-exceptions: imports exception tag `env.e`",
      "no-exceptions: declares exception tag 1",
      "no-exceptions: exports exception tag `f`",
      "no-exceptions: function 0 uses exception handling: `try` (4 in all)",
      "required-exports: missing required export `memory`",
    ]);
  });

  it("names every rule a module of all instructions breaks", () => {
    const text: string[] = [];
    for (const op of listOpcodes()) text.push(...linesFor(op.name));
    // a memory that may grow (1 to 2 pages) for fixed-memory; the rest breaks the other rules
    const bytes = assemble(`(module ${PRELUDE.replace("(memory 1 1)", "(memory 1 2)")} (start 0) (func (local i32 v128)\n${text.join("\n")}\n))`);
    const r = validateProfile(bytes);
    const rules = new Set(!r.ok ? r.violations.map((v) => v.rule) : []);
    for (const rule of ["malformed", "no-floats", "no-simd", "no-threads", "no-memory-grow", "no-call-indirect", "acyclic-calls", "no-exceptions", "no-start", "required-exports", "fixed-memory"]) {
      expect(rules, rule).toContain(rule);
    }
  });
});
