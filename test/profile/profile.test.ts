// The determinism-profile validator on hand-made modules: a valid decision-module shape passes, and
// for every rule a module that breaks exactly that rule is refused with that rule's name. V8's own
// validator (WebAssembly.validate) confirms the hand-made modules are well-formed WebAssembly, so a
// refusal is the profile speaking, not a broken test module.

import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import fc from "fast-check";
import {
  MAX_CALL_DEPTH,
  MAX_ENGINE_REASON,
  MAX_LISTED_VIOLATIONS,
  MAX_STACK_BYTES,
  PROFILE_RULES,
  REQUIRED_EXPORTS,
  formatViolations,
  validateProfile,
  type ProfileRule,
} from "../../runtime/wasm/profile.js";
import { MAX_LOCAL_GROUPS, readModule } from "../../runtime/wasm/reader.js";
import { tryLoadPolicy } from "../../runtime/policy.js";
import { op, uleb } from "../support/wasm-builder.js";
import { handBundle } from "../runtime/hand-bundle.js";
import { decisionModule, emptyF32Groups } from "./decision-module.js";
import { tempDir } from "../support/temp-dir.js";

// The builder writes no tag section (exception handling): this puts one, of one tag of type `type`
// (below 128), where the binary format wants it (after the memory section, before the global one).
function withTag(bytes: Uint8Array<ArrayBuffer>, type: number): Uint8Array<ArrayBuffer> {
  const r = readModule(bytes);
  if (!r.ok) throw new Error(r.reason);
  const next = r.module.sections.find((s) => s.id >= 6 && s.id <= 11);
  const at = next ? next.start : bytes.length;
  return new Uint8Array([...bytes.subarray(0, at), 13, 3, 1, 0x00, type, ...bytes.subarray(at)]);
}

function rulesOf(bytes: Uint8Array): ProfileRule[] {
  const r = validateProfile(bytes);
  return r.ok ? [] : [...new Set(r.violations.map((v) => v.rule))].sort();
}

describe("a valid decision module", () => {
  const bytes = decisionModule();

  it("is well-formed WebAssembly and passes the profile", () => {
    expect(WebAssembly.validate(bytes)).toBe(true);
    const r = validateProfile(bytes);
    if (!r.ok) throw new Error(formatViolations(r.violations));
    expect(r.info.memoryPages).toBe(1);
    expect(r.info.functionCount).toBe(6);
    expect([...r.info.exports].sort()).toEqual([...REQUIRED_EXPORTS].sort());
    expect(r.info.callDepth).toBe(2); // writ_evaluate → gt3
    // writ_evaluate: 64 + one local + two operands at most (8 bytes each); gt3: 64 + one parameter + two operands
    expect(r.info.stackBytes).toBe(88 + 88);
  });

  it("behaves as written in V8 (the test module is real)", async () => {
    const { instance } = await WebAssembly.instantiate(bytes);
    const ex = instance.exports as { memory: WebAssembly.Memory; writ_evaluate(): number };
    const view = new DataView(ex.memory.buffer);
    view.setInt32(1024, 7, true);
    expect(ex.writ_evaluate()).toBe(1);
    expect(view.getInt32(2048, true)).toBe(1);
    view.setInt32(1024, 2, true);
    expect(ex.writ_evaluate()).toBe(0);
  });
});

// One module per rule, each breaking exactly that rule.
const breaking: { what: string; rule: ProfileRule; bytes: () => Uint8Array<ArrayBuffer>; engineValid?: boolean }[] = [
  { what: "an imported function", rule: "no-imports", bytes: () => decisionModule({ before: (b) => b.importFunction("env", "abort") }) },
  { what: "an imported global of type i32", rule: "no-imports", bytes: () => decisionModule({ before: (b) => b.importGlobal("env", "seed", "i32") }) },
  {
    what: "an f64.add", rule: "no-floats",
    bytes: () => decisionModule({ after: (b) => b.func({ body: [...op.f64Const(1), ...op.f64Const(2), op.f64_add, op.drop] }) }),
  },
  { what: "an f32 local", rule: "no-floats", bytes: () => decisionModule({ after: (b) => b.func({ locals: ["f32"], body: [] }) }) },
  { what: "an f64 parameter", rule: "no-floats", bytes: () => decisionModule({ after: (b) => b.func({ params: ["f64"], body: [] }) }) },
  { what: "an f32 global", rule: "no-floats", bytes: () => decisionModule({ after: (b) => void b.global("f32", false, op.f32Const(1.5)) }) },
  {
    what: "a float conversion on integer data (i32.reinterpret_f32 of f32.reinterpret_i32)", rule: "no-floats",
    bytes: () => decisionModule({ after: (b) => b.func({ results: ["i32"], body: [...op.i32Const(7), 0xbe, 0xbc] }) }),
  },
  {
    what: "a block typed f64", rule: "no-floats",
    bytes: () => decisionModule({ after: (b) => b.func({ body: [op.block, 0x7c, ...op.f64Const(0), op.end, op.drop] }) }),
  },
  {
    what: "memory.grow", rule: "no-memory-grow",
    bytes: () => decisionModule({ after: (b) => b.func({ body: [...op.i32Const(1), ...op.memoryGrow, op.drop] }) }),
  },
  { what: "memory with min != max", rule: "fixed-memory", bytes: () => decisionModule({ memory: { min: 1, max: 2 } }) },
  { what: "memory with no maximum", rule: "fixed-memory", bytes: () => decisionModule({ memory: { min: 1 } }) },
  {
    // the name `memory` is taken by a global, so the required-exports list is satisfied by name
    what: "memory that is not exported (a function named `memory` instead)", rule: "required-exports",
    bytes: () => decisionModule({ exportMemory: false, after: (b) => void b.export("memory", "func", 0) }),
  },
  {
    what: "call_indirect through a table", rule: "no-call-indirect",
    bytes: () => decisionModule({
      after: (b, { helper }) => {
        const t = b.type(["i32"], ["i32"]);
        b.table(1, 1).elements(0, [helper]);
        b.func({ results: ["i32"], body: [...op.i32Const(5), ...op.i32Const(0), ...op.callIndirect(t)] });
      },
    }),
  },
  { what: "a table alone", rule: "no-call-indirect", bytes: () => decisionModule({ after: (b) => void b.table(1, 1) }) },
  {
    what: "direct recursion", rule: "acyclic-calls",
    bytes: () => decisionModule({
      after: (b) => {
        const self = b.nextFunctionIndex();
        b.func({ name: "loop_forever", body: op.call(self) });
      },
    }),
  },
  {
    what: "mutual recursion A → B → A", rule: "acyclic-calls",
    bytes: () => decisionModule({
      after: (b) => {
        const a = b.nextFunctionIndex();
        b.func({ name: "ping", body: op.call(a + 1) });
        b.func({ name: "pong", body: op.call(a) });
      },
    }),
  },
  {
    what: "a SIMD op (v128.const, i8x16.extract_lane_u)", rule: "no-simd",
    bytes: () => decisionModule({
      after: (b) => b.func({ results: ["i32"], body: [0xfd, 0x0c, ...new Array(16).fill(9), 0xfd, 0x16, 3] }),
    }),
  },
  { what: "a v128 local", rule: "no-simd", bytes: () => decisionModule({ after: (b) => b.func({ locals: ["v128"], body: [] }) }) },
  {
    what: "an atomic op (i32.atomic.load)", rule: "no-threads",
    bytes: () => decisionModule({ after: (b) => b.func({ results: ["i32"], body: [...op.i32Const(0), 0xfe, 0x10, ...op.mem(2)] }) }),
  },
  { what: "a shared memory", rule: "no-threads", bytes: () => decisionModule({ memory: { min: 1, max: 1, shared: true } }) },
  {
    what: "a function of 20,000 i64 locals (160 KB of stack)", rule: "bounded-stack",
    bytes: () => decisionModule({ after: (b) => b.func({ locals: new Array(20_000).fill("i64"), body: [] }) }),
  },
  {
    what: "a function of 20,000 operands on its stack at once", rule: "bounded-stack",
    bytes: () => decisionModule({ after: (b) => b.func({ body: [...new Array(20_000).fill(op.i32Const(0)).flat(), ...new Array(20_000).fill(op.drop)] }) }),
  },
  {
    what: "a legacy try … catch_all", rule: "no-exceptions",
    bytes: () => decisionModule({ after: (b) => b.func({ results: ["i32"], body: [0x06, 0x7f, ...op.i32Const(1), 0x19, ...op.i32Const(2), op.end] }) }),
  },
  {
    what: "an exception tag (the tag section), thrown and caught", rule: "no-exceptions",
    bytes: () => {
      const b = decisionModule({ after: (b) => b.func({ body: [0x06, 0x40, 0x08, 0x00, 0x07, 0x00, op.end] }) });
      const types = readModule(b);
      const empty = types.ok ? types.module.types.findIndex((t) => t.params.length === 0 && t.results.length === 0) : -1;
      return withTag(b, empty);
    },
  },
  {
    what: "a start function", rule: "no-start",
    bytes: () => decisionModule({ after: (b) => void b.setStart(b.func({ body: [op.nop] })) }),
  },
  { what: "a missing export (writ_result_ptr)", rule: "required-exports", bytes: () => decisionModule({ omitExport: "writ_result_ptr" }) },
  { what: "a missing export (writ_abi_version)", rule: "required-exports", bytes: () => decisionModule({ omitExport: "writ_abi_version" }) },
  { what: "truncated bytes", rule: "malformed", engineValid: false, bytes: () => decisionModule().slice(0, -3) },
  {
    what: "garbage bytes", rule: "malformed", engineValid: false,
    bytes: () => new TextEncoder().encode("this is not a WebAssembly module"),
  },
  {
    what: "a module whose header is right but whose body is garbage", rule: "malformed", engineValid: false,
    bytes: () => new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x60]),
  },
];

describe("each rule refuses a module that breaks exactly that rule", () => {
  it("covers every rule", () => {
    expect(new Set(breaking.map((c) => c.rule))).toEqual(new Set(PROFILE_RULES));
  });

  for (const c of breaking) {
    it(`${c.rule}: ${c.what}`, () => {
      const bytes = c.bytes();
      expect(WebAssembly.validate(bytes)).toBe(c.engineValid ?? true);
      expect(rulesOf(bytes)).toEqual([c.rule]);
    });
  }
});

describe("violation details", () => {
  it("points at the offending instruction's byte offset", () => {
    const bytes = breaking.find((c) => c.what === "an f64.add")!.bytes();
    const r = validateProfile(bytes);
    expect(r.ok).toBe(false);
    const v = !r.ok ? r.violations.find((x) => x.rule === "no-floats") : undefined;
    expect(v?.offset).toBeDefined();
    expect(bytes[v!.offset!]).toBe(0x44); // f64.const, the first float instruction of the body
    expect(v!.message).toContain("f64.const");
    expect(v!.message).toContain("3 in all");
  });

  it("names the functions of a call cycle", () => {
    const r = validateProfile(breaking.find((c) => c.what.startsWith("mutual"))!.bytes());
    const msgs = !r.ok ? r.violations.map((v) => v.message) : [];
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatch(/call cycle: \d+ \((ping|pong)\) → \d+ \((ping|pong)\) → \d+ \((ping|pong)\)/);
  });

  it("reports a self-call as a cycle of one function", () => {
    const r = validateProfile(breaking.find((c) => c.what === "direct recursion")!.bytes());
    expect(!r.ok && r.violations[0]!.message).toMatch(/call cycle: (\d+) \(loop_forever\) → \1 \(loop_forever\)$/);
  });

  it("reports every violation of a module that breaks several rules, not just the first", () => {
    const bytes = decisionModule({
      before: (b) => b.importFunction("env", "now", [], ["i64"]),
      memory: { min: 1 },
      omitExport: "writ_evaluate",
      after: (b) => {
        const f = b.nextFunctionIndex();
        b.func({ locals: ["f64"], body: [...op.call(f), ...op.i32Const(0), ...op.memoryGrow, op.drop] });
        b.setStart(f);
      },
    });
    expect(WebAssembly.validate(bytes)).toBe(true);
    expect(rulesOf(bytes)).toEqual(
      ["acyclic-calls", "fixed-memory", "no-floats", "no-imports", "no-memory-grow", "no-start", "required-exports"],
    );
  });

  it("takes the required exports as a parameter", () => {
    const bytes = decisionModule();
    expect(validateProfile(bytes, ["memory", "evaluate"]).ok).toBe(false);
    expect(validateProfile(bytes, ["memory", "writ_evaluate"]).ok).toBe(true);
    const r = validateProfile(bytes, [...REQUIRED_EXPORTS, "writ_cost"]);
    expect(!r.ok && r.violations.map((v) => v.message)).toEqual(["missing required export `writ_cost`"]);
  });

  it("checks the ABI's exports by kind and signature, not by name alone", () => {
    const evaluateAsGlobal = decisionModule({
      omitExport: "writ_evaluate",
      after: (b) => void b.export("writ_evaluate", "global", b.global("i32", false, op.i32Const(1))),
    });
    const g = validateProfile(evaluateAsGlobal);
    expect(!g.ok && formatViolations(g.violations)).toMatch(/^required-exports: export `writ_evaluate` is a global, not a function/);
    const evaluateWithParam = decisionModule({
      omitExport: "writ_evaluate",
      after: (b) => void b.func({ params: ["i64"], results: ["i32"], body: op.i32Const(1), export: "writ_evaluate" }),
    });
    const r = validateProfile(evaluateWithParam);
    expect(!r.ok && r.violations.map((v) => v.message)).toEqual(["export `writ_evaluate` must take no parameters and return one i32"]);
  });

  it(`refuses a call chain deeper than ${MAX_CALL_DEPTH} functions, though acyclic`, () => {
    const chain = (n: number) =>
      decisionModule({
        after: (b) => {
          // f0 → f1 → … → f(n-1), each a function of its own
          const first = b.nextFunctionIndex();
          for (let i = 0; i < n; i++) b.func({ results: ["i32"], body: i + 1 < n ? op.call(first + i + 1) : op.i32Const(1) });
        },
      });
    const ok = validateProfile(chain(MAX_CALL_DEPTH - 1));
    expect(ok.ok && ok.info.callDepth).toBe(MAX_CALL_DEPTH - 1);
    const deep = validateProfile(chain(MAX_CALL_DEPTH + 1));
    expect(!deep.ok && deep.violations.map((v) => v.message)).toEqual([
      `the longest call chain is ${MAX_CALL_DEPTH + 1} functions deep, more than the ${MAX_CALL_DEPTH} the profile allows (engines' call stacks differ; Writ's modules take one call for each level of a list or map a rule compares, at most about 100)`,
    ]);
  });

  describe(`bounds the stack a chain of calls may take (${MAX_STACK_BYTES} bytes)`, () => {
    // writ_evaluate → f1 → … → fk, each of `locals` i64 locals, one of them live across its call
    const chain = (k: number, locals: number) =>
      decisionModule({
        omitExport: "writ_evaluate",
        after: (b) => {
          const first = b.nextFunctionIndex();
          for (let i = 0; i < k; i++) {
            const call = i + 1 < k ? [...op.call(first + i + 1), op.drop] : [];
            b.func({
              name: `f${i + 1}`, results: ["i32"], locals: new Array(locals).fill("i64"),
              body: [...op.i64Const(i), ...op.localSet(locals - 1), ...call, ...op.localGet(locals - 1), op.i32_wrap_i64],
            });
          }
          b.func({ results: ["i32"], body: op.call(first), export: "writ_evaluate", name: "entry" });
        },
      });
    // a frame of n i64 locals and at most one operand: 64 + 8n + 8 bytes
    const frame = (n: number) => 64 + 8 * n + 8;
    const evaluateFrame = 64 + 8; // no locals, one operand

    it("counts each frame's parameters, locals and operands along the heaviest chain", () => {
      const r = validateProfile(chain(4, 3_900));
      if (!r.ok) throw new Error(formatViolations(r.violations));
      expect(r.info.callDepth).toBe(5);
      expect(r.info.stackBytes).toBe(evaluateFrame + 4 * frame(3_900));
      expect(r.info.stackBytes).toBeGreaterThan(0.9 * MAX_STACK_BYTES);
    });

    it("refuses a chain whose frames add up to more, naming it and its largest frame", () => {
      // three frames of 49,999 i64 locals (the most a function may have) passed the profile, and
      // then overflowed V8's stack on every decision
      const r = validateProfile(chain(3, 49_999));
      expect(!r.ok && r.violations.map((v) => `${v.rule}: ${v.message}`)).toEqual([
        `bounded-stack: the calls 9 (entry) → 6 (f1) → 7 (f2) → 8 (f3) may take ${evaluateFrame + 3 * frame(49_999)} bytes of stack, ` +
          `more than the ${MAX_STACK_BYTES} the profile allows; the largest frame, function 6 (f1), takes ${frame(49_999)} bytes (399992 for parameters and locals, 1 operand at most)`,
      ]);
      // one such frame alone is over the bound too, and so is one of 16,384 locals; 16,000 is not
      expect(rulesOf(chain(1, 49_999))).toEqual(["bounded-stack"]);
      expect(rulesOf(chain(1, 16_384))).toEqual(["bounded-stack"]);
      expect(rulesOf(chain(1, 16_000))).toEqual([]);
    });

    it("counts the operand stack through blocks, branches and calls", () => {
      // 10,000 operands pushed inside a block that a branch leaves: the height inside the block counts
      const deep = (n: number) => [op.block, op.blockEmpty, ...new Array(n).fill(op.i32Const(1)).flat(), op.br, 0, op.end];
      expect(rulesOf(decisionModule({ after: (b) => b.func({ body: deep(16_000) }) }))).toEqual([]);
      expect(rulesOf(decisionModule({ after: (b) => b.func({ body: deep(16_500) }) }))).toEqual(["bounded-stack"]);
      // the same count spread over blocks that each end is no deeper than one of them
      const spread = new Array(100).fill([op.block, op.blockEmpty, ...new Array(200).fill(op.i32Const(1)).flat(), op.br, 0, op.end]).flat();
      const r = validateProfile(decisionModule({ after: (b) => b.func({ body: spread }) }));
      expect(r.ok && r.info.stackBytes).toBe(64 + 8 * 200); // that function alone: writ_evaluate → gt3 is lighter
    });

    it("holds in V8: a module at the bound runs from a host 2,000 frames deep, one over it did not run at all", () => {
      const atBound = chain(4, 3_900);
      expect(validateProfile(atBound).ok).toBe(true);
      const over = chain(3, 49_999);
      expect(WebAssembly.validate(over)).toBe(true);
      const run = (bytes: Uint8Array<ArrayBuffer>, depth: number): number | string => {
        const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes));
        const evaluate = exports.writ_evaluate as () => number;
        const deep = (n: number): number | string => {
          if (n > 0) return deep(n - 1);
          try {
            return evaluate();
          } catch (e) {
            return String(e);
          }
        };
        return deep(depth);
      };
      expect(run(atBound, 2_000)).toBe(0); // f1 returns its local, 0
      expect(run(over, 0)).toMatch(/Maximum call stack size exceeded/);
    });
  });

  it("keeps one line per violation whatever the module names its functions", () => {
    const forged = "x\nok: the module passes\u001b[2K";
    const r = validateProfile(decisionModule({ after: (b) => { const f = b.nextFunctionIndex(); b.func({ body: op.call(f), name: forged }); } }));
    expect(r.ok).toBe(false);
    const text = formatViolations(!r.ok ? r.violations : []);
    expect(text.split("\n")).toHaveLength(1);
    expect(text).toContain("x\\u000aok: the module passes\\u001b[2K");
  });

  it("reads modules of many imports, exports and functions without quadratic time or deep recursion", () => {
    const imports = decisionModule({ before: (b) => { for (let i = 0; i < 20_000; i++) b.importFunction("env", `f${i}`); } });
    const r = validateProfile(imports);
    expect(!r.ok && [...new Set(r.violations.map((v) => v.rule))]).toEqual(["no-imports"]);
    const functions = decisionModule({ after: (b) => { for (let i = 0; i < 150_000; i++) b.func({ body: [] }); } });
    expect(validateProfile(functions).ok).toBe(true); // a spread of 150,000 arguments would overflow the stack
  });

  it("names a long call cycle by its first functions and its length, in one short line", () => {
    const n = 50_000;
    const r = validateProfile(decisionModule({
      after: (b) => {
        const first = b.nextFunctionIndex();
        for (let i = 0; i < n; i++) b.func({ body: op.call(first + ((i + 1) % n)) });
      },
    }));
    const msgs = !r.ok ? r.violations.map((v) => v.message) : [];
    expect(msgs).toHaveLength(1);
    // the whole cycle was spelled out: 50,000 functions, half a megabyte in one message
    expect(msgs[0]!.length).toBeLessThan(200);
    expect(msgs[0]).toMatch(/^call cycle: (\d+) → (\d+ → ){7}… → \1 \(50000 functions in all\)$/);
  });

  it("refuses non-byte input as malformed instead of throwing", () => {
    const r = validateProfile("not bytes" as unknown as Uint8Array);
    expect(!r.ok && r.violations[0]!.rule).toBe("malformed");
  });

  it("reports the malformed offset of a module cut inside its code section", () => {
    const bytes = decisionModule();
    const read = readModule(bytes);
    const code = read.ok ? read.module.sections.find((s) => s.id === 10) : undefined;
    expect(code).toBeDefined();
    const cut = code!.payloadStart + 6;
    const r = validateProfile(bytes.slice(0, cut));
    expect(!r.ok && r.violations).toHaveLength(1);
    const v = !r.ok ? r.violations[0]! : undefined;
    expect(v?.rule).toBe("malformed");
    expect(v?.message).toMatch(/code section runs past the end/);
    expect(v?.offset).toBe(code!.start);
  });
});

describe("the reader never throws and is never stricter than the engine", () => {
  const valid = decisionModule({
    after: (b) => b.func({ results: ["i64"], locals: ["i64"], body: [...op.i64Const(-5n), ...op.localGet(0), op.i64_add] }),
  });

  it("on every prefix of a valid module", () => {
    const read = readModule(valid);
    // Only the name section (a custom section, last) may be cut off and leave a passing module.
    const nameSection = read.ok ? read.module.sections.find((s) => s.name === "name") : undefined;
    expect(nameSection).toBeDefined();
    for (let n = 0; n < valid.length; n++) {
      const bytes = valid.slice(0, n);
      const r = validateProfile(bytes);
      expect(r.ok).toBe(n === nameSection!.start);
      if (WebAssembly.validate(bytes)) expect(readModule(bytes).ok).toBe(true);
    }
  });

  it("on random single-byte mutations of a valid module", () => {
    fc.assert(
      fc.property(fc.nat(valid.length - 1), fc.nat(255), (at, value) => {
        const bytes = valid.slice();
        bytes[at] = value;
        const read = readModule(bytes);
        // Anything V8 accepts, the reader must decode; and the validator never throws.
        if (WebAssembly.validate(bytes)) expect(read.ok).toBe(true);
        const r = validateProfile(bytes);
        if (r.ok) expect(WebAssembly.validate(bytes)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("on LEB128 encodings of block and heap types, and on exception handling", () => {
    // Block types are signed LEB128s of 33 bits, heap types too; V8 takes the empty block type and
    // the heap types func and extern padded to more bytes than they need, a type index padded, and
    // legacy exception handling. Each was refused as malformed; exception handling is now refused
    // by its own rule. The ones V8 refuses, the profile refuses too (as malformed).
    const cases: { what: string; body: number[]; v8: boolean; rules?: ProfileRule[] }[] = [
      { what: "block, empty type as c0 7f", body: [0x02, 0xc0, 0x7f, op.end], v8: true },
      { what: "block, empty type padded to five bytes", body: [0x02, 0xc0, 0xff, 0xff, 0xff, 0x7f, op.end], v8: true },
      { what: "loop, empty type as c0 7f", body: [0x03, 0xc0, 0x7f, op.end], v8: true },
      { what: "if, empty type as c0 7f", body: [...op.i32Const(1), 0x04, 0xc0, 0x7f, op.end], v8: true },
      { what: "block, type index 0 as 80 00", body: [0x02, 0x80, 0x00, ...op.i32Const(1), op.end, op.drop], v8: true },
      { what: "ref.null func as f0 7f", body: [0xd0, 0xf0, 0x7f, 0xd1, op.drop], v8: true },
      { what: "ref.null extern as ef 7f", body: [0xd0, 0xef, 0x7f, 0xd1, op.drop], v8: true },
      { what: "try … catch_all", body: [0x06, 0x40, 0x19, op.end], v8: true, rules: ["no-exceptions"] },
      { what: "try … delegate", body: [0x06, 0x40, 0x18, 0x00], v8: true, rules: ["no-exceptions"] },
      { what: "block, empty type padded to six bytes", body: [0x02, 0xc0, 0xff, 0xff, 0xff, 0xff, 0x7f, op.end], v8: false },
      { what: "block, type -65", body: [0x02, 0xbf, 0x7f, op.end], v8: false },
      { what: "block, i32 padded (ff 7f)", body: [0x02, 0xff, 0x7f, ...op.i32Const(1), op.end, op.drop], v8: false },
      { what: "ref.null any (GC)", body: [0xd0, 0x6e, 0xd1, op.drop], v8: false },
      { what: "ref.null of a type index", body: [0xd0, 0x00, 0xd1, op.drop], v8: false },
    ];
    for (const c of cases) {
      const bytes = decisionModule({ after: (b) => b.func({ body: c.body }) });
      expect(WebAssembly.validate(bytes), c.what).toBe(c.v8);
      if (c.v8) {
        expect(readModule(bytes).ok, c.what).toBe(true);
        expect(rulesOf(bytes), c.what).toEqual(c.rules ?? []);
      } else {
        expect(rulesOf(bytes), c.what).toContain("malformed");
      }
    }
  });

  it("on arbitrary bytes behind a valid header", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (tail) => {
        const bytes = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...tail]);
        const r = validateProfile(bytes);
        if (r.ok) expect(WebAssembly.validate(bytes)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("memory immediates an engine with multi-memory reads otherwise", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllGlobals();
  });

  // writ_evaluate: i32.const 0; i32.load with alignment field 0x42; then bytes that a multi-memory
  // engine (V8 12+, Node 22) reads as memory index 0, offset 65, f32.convert_i32_s,
  // i32.reinterpret_f32, memory.grow 0, drop, i32.const 7, and that a reader taking 0x42 for an
  // alignment read as offset 0, i32.const -1040846, unreachable, drop, i32.const 7: no float, no growth.
  const hidden = [...op.i32Const(0), 0x28, 0x42, 0x00, 0x41, 0xb2, 0xbc, 0x40, 0x00, op.drop, ...op.i32Const(7)];
  const module = () =>
    decisionModule({ omitExport: "writ_evaluate", after: (b) => void b.func({ results: ["i32"], body: hidden, export: "writ_evaluate" }) });
  // where the alignment field is: the body's i32.load is the first 0x28 0x42 of the module
  const alignAt = (bytes: Uint8Array) => bytes.findIndex((x, i) => x === 0x28 && bytes[i + 1] === 0x42) + 1;

  it("the reader refuses an alignment field with bit 0x40 set, at its offset", () => {
    const bytes = module();
    const r = readModule(bytes);
    expect(r.ok ? "read" : `${r.reason} @${r.offset}`).toBe(
      `\`i32.load\` has alignment field 66, with bit 0x40 or above set: under multi-memory that says a memory index follows, and a decision module has one memory @${alignAt(bytes)}`,
    );
  });

  it("validateProfile refuses it as malformed when the engine accepts it, or when there is no engine", () => {
    const bytes = module();
    expect(WebAssembly.validate(bytes)).toBe(false); // Node 20's V8 has no multi-memory
    const expected = [{ rule: "malformed", offset: alignAt(bytes), message: expect.stringMatching(/^`i32\.load` has alignment field 66/) }];
    vi.spyOn(WebAssembly, "validate").mockReturnValue(true); // an engine with multi-memory
    expect(validateProfile(bytes)).toEqual({ ok: false, violations: expected });
    vi.stubGlobal("WebAssembly", undefined); // a host with no engine: the reader alone decides
    expect(validateProfile(bytes)).toEqual({ ok: false, violations: expected });
  });

  const hasWabt = spawnSync("wasm2wat", ["--version"]).status === 0;
  it.skipIf(!hasWabt)("an engine with multi-memory reads a float and memory.grow there (wabt as the referee)", () => {
    const file = join(tempDir("multi-memory"), "m.wasm");
    writeFileSync(file, module());
    expect(spawnSync("wasm-validate", ["--enable-multi-memory", file]).status).toBe(0);
    const wat = spawnSync("wasm2wat", ["--enable-multi-memory", file], { encoding: "utf8" }).stdout;
    expect(wat).toMatch(/i32\.load offset=65\s+f32\.convert_i32_s\s+i32\.reinterpret_f32\s+memory\.grow/);
  });

  it("refuses an alignment above the access's natural one, as V8 does", () => {
    for (const [body, name] of [
      [[...op.i32Const(0), 0x28, 0x03, 0x00], "i32.load"], // 2^3 for 4 bytes
      [[...op.i32Const(0), 0x31, 0x01, 0x00], "i64.load8_u"], // 2^1 for 1 byte
      [[...op.i32Const(0), 0x28, 0x80, 0x01, 0x00], "i32.load"], // 128, bit 0x80 set
    ] as const) {
      const bytes = decisionModule({ after: (b) => void b.func({ results: name === "i32.load" ? ["i32"] : ["i64"], body: [...body] }) });
      expect(WebAssembly.validate(bytes), name).toBe(false);
      const r = readModule(bytes);
      expect(r.ok ? "read" : r.reason, name).toMatch(new RegExp(`^\`${name.replace(".", "\\.")}\` (states alignment|has alignment field)`));
    }
    // the natural alignment and below, padded or not, are read as V8 reads them
    for (const align of [[0x02], [0x00], [0x82, 0x00]]) {
      const bytes = decisionModule({ after: (b) => void b.func({ results: ["i32"], body: [...op.i32Const(0), 0x28, ...align, 0x00] }) });
      expect(WebAssembly.validate(bytes)).toBe(true);
      expect(validateProfile(bytes).ok).toBe(true);
    }
  });

  it("refuses a memory index other than the byte 0x00 after memory.size, grow, fill, copy and init", () => {
    const cases: { name: string; body: number[] }[] = [
      { name: "memory.size", body: [0x3f, 0x01, op.drop] },
      { name: "memory.size", body: [0x3f, 0x80, 0x00, op.drop] }, // 0 padded: one memory index for multi-memory, none for V8 of Node 20
      { name: "memory.grow", body: [...op.i32Const(0), 0x40, 0x01, op.drop] },
      { name: "memory.fill", body: [...op.i32Const(0), ...op.i32Const(0), ...op.i32Const(0), 0xfc, 11, 0x01] },
      { name: "memory.copy", body: [...op.i32Const(0), ...op.i32Const(0), ...op.i32Const(0), 0xfc, 10, 0x00, 0x01] },
      { name: "memory.init", body: [...op.i32Const(0), ...op.i32Const(0), ...op.i32Const(0), 0xfc, 8, 0x00, 0x01] },
    ];
    for (const c of cases) {
      const bytes = decisionModule({ after: (b) => void b.func({ body: c.body }) });
      expect(WebAssembly.validate(bytes), c.name).toBe(false);
      const r = readModule(bytes);
      expect(r.ok ? "read" : r.reason, c.name).toMatch(new RegExp(`^\`${c.name.replace(".", "\\.")}\` must name memory 0 with the byte 0x00, not 0x(01|80)`));
    }
  });
});

describe("a module that declares its locals in very many groups", () => {
  it(`refuses more than ${MAX_LOCAL_GROUPS} groups in a function, groups of no locals counted, in one violation at their count`, () => {
    // 2,000,000 groups of no locals, 4 MB that V8 accepts: every group was kept and reported as a
    // violation of its own, 2 s and a 132 MB message from loadPolicy; 3,000,000 in each of seven
    // functions ended the process, out of memory (that no group is read is counted in
    // profile-work.test.ts)
    const bytes = decisionModule({ after: (b) => void b.func({ declaredLocals: emptyF32Groups(2_000_000), body: [] }) });
    expect(WebAssembly.validate(bytes)).toBe(true);
    const r = validateProfile(bytes);
    expect(r.ok).toBe(false);
    const v = !r.ok ? r.violations : [];
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ rule: "malformed", message: `function 6 declares its locals in 2000000 groups, more than the ${MAX_LOCAL_GROUPS} a function may have` });
    expect(bytes.subarray(v[0]!.offset!, v[0]!.offset! + 3)).toEqual(new Uint8Array(uleb(2_000_000))); // the count of groups
  });

  it(`takes ${MAX_LOCAL_GROUPS} groups, and reports a function's float locals and instructions once for the rule`, () => {
    const bytes = decisionModule({
      after: (b) => void b.func({ declaredLocals: emptyF32Groups(MAX_LOCAL_GROUPS), body: [...op.f32Const(1), op.drop] }),
    });
    expect(WebAssembly.validate(bytes)).toBe(true);
    const r = validateProfile(bytes);
    expect(!r.ok && r.violations.map((v) => `${v.rule}: ${v.message}`)).toEqual([
      `no-floats: function 6 declares 0 locals of type f32 (${MAX_LOCAL_GROUPS + 1} in all)`,
    ]);
  });

  it("names a type's float parameters once, with how many there are", () => {
    const bytes = decisionModule({ after: (b) => void b.func({ params: new Array(500).fill("f64"), results: ["f32"], body: op.f32Const(0) }) });
    expect(WebAssembly.validate(bytes)).toBe(true);
    const r = validateProfile(bytes);
    expect(!r.ok && r.violations.map((v) => `${v.rule}: ${v.message}`)).toEqual([
      expect.stringMatching(/^no-floats: type \d+ parameter 0 has type f64 \(501 in all\)$/),
      expect.stringMatching(/^no-floats: function 6 uses a float instruction: `f32\.const`$/),
    ]);
  });

  it(`loadPolicy names the first ${MAX_LISTED_VIOLATIONS} violations and says how many more there are`, () => {
    const functions = 30_000;
    const bundle = handBundle({ extra: (b) => { for (let i = 0; i < functions; i++) b.func({ locals: ["f64"], body: [] }); } });
    const r = tryLoadPolicy(bundle, { allowUnsigned: true });
    expect(r.ok).toBe(false);
    const error = !r.ok ? r.error : undefined;
    expect(error?.code).toBe("profile_violation");
    const listed = error!.message.split("; ");
    expect(listed).toHaveLength(MAX_LISTED_VIOLATIONS + 1);
    expect(listed[0]).toMatch(/^module breaks the determinism profile: no-floats: function 5 declares a local of type f64 \(at byte \d+\)$/);
    expect(listed[MAX_LISTED_VIOLATIONS]).toBe(`and ${(functions - MAX_LISTED_VIOLATIONS).toLocaleString("en-US")} more violations`);
    expect(error!.message.length).toBeLessThan(3_000);
  });
});

describe("a module the engine refuses", () => {
  // writ_evaluate returns an i64 where its type says i32: the reader reads it, V8 refuses it
  const typeError = (name = "writ_evaluate") =>
    decisionModule({ omitExport: "writ_evaluate", after: (b) => void b.func({ results: ["i32"], body: op.i64Const(0), export: "writ_evaluate", name }) });

  it("is refused with the engine's reason and the byte it names", () => {
    const bytes = typeError();
    const r = validateProfile(bytes);
    expect(r.ok).toBe(false);
    const v = !r.ok ? r.violations : [];
    expect(v).toHaveLength(1);
    // the message said only "the WebAssembly engine rejects the module (validation failed)"
    expect(v[0]!.rule).toBe("malformed");
    expect(v[0]!.message).toMatch(/^the WebAssembly engine rejects the module: Compiling function #\d+:"writ_evaluate" failed: type error in fallthru\[0\] \(expected i32, got i64\)$/);
    // the offset is in writ_evaluate's body
    const read = readModule(bytes);
    const evaluate = read.ok ? read.module.exports.find((e) => e.name === "writ_evaluate")!.index : -1;
    const body = read.ok ? read.module.code[evaluate]! : undefined;
    expect(v[0]!.offset).toBeGreaterThanOrEqual(body!.codeStart);
    expect(v[0]!.offset).toBeLessThanOrEqual(body!.codeEnd);
  });

  it(`quotes at most ${MAX_ENGINE_REASON} characters of it, on one line, whatever the function is named`, () => {
    const r = validateProfile(typeError("x\n".repeat(5_000)));
    const v = !r.ok ? r.violations[0]! : undefined;
    expect(v?.message).toMatch(/^the WebAssembly engine rejects the module: Compiling function #\d+:"x\\u000ax/);
    expect(v!.message.length).toBeLessThanOrEqual("the WebAssembly engine rejects the module: ".length + MAX_ENGINE_REASON);
    expect(formatViolations([v!]).split("\n")).toHaveLength(1);
    expect(v!.offset).toBeGreaterThan(0);
  });
});

describe("violations of declarations point at them", () => {
  // the first entry of section `id`: after its count (one byte, in these modules)
  const firstEntry = (bytes: Uint8Array, id: number) => {
    const read = readModule(bytes);
    const section = read.ok ? read.module.sections.find((sec) => sec.id === id) : undefined;
    return section!.payloadStart + 1;
  };
  const found = (bytes: Uint8Array, rule: ProfileRule) => {
    const r = validateProfile(bytes);
    return (!r.ok ? r.violations : []).filter((v) => v.rule === rule).map((v) => ({ message: v.message, offset: v.offset }));
  };
  const of = (what: string) => breaking.find((c) => c.what === what)!.bytes();

  it("a type's float parameter: at the type", () => {
    const bytes = of("an f64 parameter");
    const read = readModule(bytes);
    const index = read.ok ? read.module.types.findIndex((t) => t.params[0] === "f64") : -1;
    const v = found(bytes, "no-floats").find((x) => x.message.startsWith(`type ${index} `));
    expect(v).toMatchObject({ message: `type ${index} parameter 0 has type f64`, offset: expect.any(Number) });
    expect(bytes[v!.offset!]).toBe(0x60);
    expect(bytes[v!.offset! + 2]).toBe(0x7c); // its one parameter, f64
    expect(v!.offset).toBe(read.ok ? read.module.typeOffsets[index] : -1);
  });

  it("a memory that is not fixed, or shared: at the memory", () => {
    const growable = of("memory with min != max");
    expect(found(growable, "fixed-memory")).toEqual([{ message: "memory minimum 1 differs from maximum 2 pages", offset: firstEntry(growable, 5) }]);
    const unbounded = of("memory with no maximum");
    expect(found(unbounded, "fixed-memory")).toEqual([{ message: "memory declares no maximum (minimum 1 pages)", offset: firstEntry(unbounded, 5) }]);
    const shared = of("a shared memory");
    expect(found(shared, "no-threads")).toEqual([{ message: "memory is shared", offset: firstEntry(shared, 5) }]);
    expect(shared[firstEntry(shared, 5)]).toBe(0x03); // the limits' flags: a maximum, shared
  });

  it("a second memory: at the second one", () => {
    const bytes = decisionModule({ memory: null, after: (b) => void b.memory(1, 1).memory(1, 1).export("memory", "memory", 0) });
    const at = firstEntry(bytes, 5);
    expect(found(bytes, "fixed-memory")).toEqual([{ message: "the module has 2 memories, not one", offset: at + 3 }]); // after 01 01 01
  });

  it("a table: at the table", () => {
    const bytes = of("a table alone");
    expect(found(bytes, "no-call-indirect")).toEqual([{ message: "declares table 0", offset: firstEntry(bytes, 4) }]);
    expect(bytes[firstEntry(bytes, 4)]).toBe(0x70); // funcref
  });
});
