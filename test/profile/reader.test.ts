// The reader's strictness: each malformed module is refused with a reason and the offset of the
// problem, never an exception; and what it reads from a well-formed module is what was written.

import { describe, expect, it } from "vitest";
import { functionType, importCount, readModule } from "../../runtime/wasm/reader.js";
import { ModuleBuilder, encodeName, op, uleb } from "../support/wasm-builder.js";

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const section = (id: number, payload: number[]) => [id, ...uleb(payload.length), ...payload];
const TYPE_VOID = section(1, [1, 0x60, 0, 0]); // one type: () -> ()
const FUNC_ONE = section(3, [1, 0]); // one function of type 0
const code = (...bodies: number[][]) =>
  section(10, [...uleb(bodies.length), ...bodies.flatMap((b) => [...uleb(b.length + 1), 0x00, ...b])]);

function refused(bytes: number[]): { reason: string; offset: number } {
  const r = readModule(new Uint8Array(bytes));
  if (r.ok) throw new Error("expected the module to be refused");
  return r;
}

describe("the reader refuses malformed modules with a reason and an offset", () => {
  const cases: { what: string; bytes: number[]; reason: RegExp; offset?: number }[] = [
    { what: "an empty input", bytes: [], reason: /too short/, offset: 0 },
    { what: "a wrong magic", bytes: [0, 0x61, 0x73, 0x6e, 1, 0, 0, 0], reason: /magic/, offset: 3 },
    { what: "a wrong version", bytes: [0, 0x61, 0x73, 0x6d, 2, 0, 0, 0], reason: /version/, offset: 4 },
    { what: "an unknown section id", bytes: [...HEADER, 14, 0], reason: /unknown or unsupported section id 14/, offset: 8 },
    { what: "sections out of order", bytes: [...HEADER, ...FUNC_ONE, ...TYPE_VOID], reason: /type section out of order/, offset: 12 },
    { what: "a repeated section", bytes: [...HEADER, ...TYPE_VOID, ...TYPE_VOID], reason: /out of order or repeated/ },
    { what: "a section longer than the module", bytes: [...HEADER, 1, 10, 1, 0x60], reason: /type section runs past the end/, offset: 8 },
    { what: "a section size that does not match its contents", bytes: [...HEADER, 1, 5, 1, 0x60, 0, 0, 0], reason: /size mismatch/ },
    { what: "a functions/bodies count mismatch", bytes: [...HEADER, ...TYPE_VOID, ...FUNC_ONE], reason: /declares 1 functions, code section has 0/ },
    { what: "an overlong LEB128", bytes: [...HEADER, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], reason: /LEB128/, offset: 9 },
    { what: "a LEB128 with bits beyond 32", bytes: [...HEADER, 1, 0xff, 0xff, 0xff, 0xff, 0x7f], reason: /u32 LEB128 out of range/ },
    { what: "a forged huge count", bytes: [...HEADER, 1, 5, 0xff, 0xff, 0xff, 0xff, 0x0f], reason: /count \d+ exceeds the remaining bytes/ },
    { what: "a bad function type tag", bytes: [...HEADER, 1, 4, 1, 0x61, 0, 0], reason: /must start with 0x60/, offset: 11 },
    { what: "an unknown value type", bytes: [...HEADER, 1, 5, 1, 0x60, 1, 0x55, 0], reason: /unknown value type 0x55/, offset: 13 },
    { what: "an unknown opcode", bytes: [...HEADER, ...TYPE_VOID, ...FUNC_ONE, ...code([0xff, 0x0b])], reason: /unknown opcode 0xff/ },
    { what: "an unknown prefixed opcode", bytes: [...HEADER, ...TYPE_VOID, ...FUNC_ONE, ...code([0xfc, 0x30, 0x0b])], reason: /unknown opcode 0xfc 48/ },
    { what: "an else outside an if", bytes: [...HEADER, ...TYPE_VOID, ...FUNC_ONE, ...code([0x05, 0x0b])], reason: /else outside an if/ },
    { what: "a branch deeper than the nesting", bytes: [...HEADER, ...TYPE_VOID, ...FUNC_ONE, ...code([0x0c, 0x02, 0x0b])], reason: /branch depth 2/ },
    { what: "a body without its final end", bytes: [...HEADER, ...TYPE_VOID, ...FUNC_ONE, ...code([0x01])], reason: /no final end/ },
    { what: "a body with bytes after its end", bytes: [...HEADER, ...TYPE_VOID, ...FUNC_ONE, ...code([0x0b, 0x01])], reason: /does not end at its declared size/ },
    { what: "a call to a function that does not exist", bytes: [...HEADER, ...TYPE_VOID, ...FUNC_ONE, ...code([0x10, 0x05, 0x0b])], reason: /function index 5 out of range/ },
    { what: "a local that does not exist", bytes: [...HEADER, ...TYPE_VOID, ...FUNC_ONE, ...code([0x20, 0x00, 0x1a, 0x0b])], reason: /local index 0 out of range/ },
    { what: "a function whose type does not exist", bytes: [...HEADER, ...TYPE_VOID, ...section(3, [1, 4]), ...code([0x0b])], reason: /type index/ },
    { what: "an export of a function that does not exist", bytes: [...HEADER, ...section(7, [1, ...encodeName("f"), 0, 3])], reason: /func index 3 out of range/ },
    {
      what: "a duplicate export name",
      bytes: [...HEADER, ...section(5, [1, 0, 1]), ...section(7, [2, ...encodeName("m"), 2, 0, ...encodeName("m"), 2, 0])],
      reason: /duplicate export name "m"/,
    },
    { what: "a name that is not UTF-8", bytes: [...HEADER, ...section(7, [1, 1, 0xc3, 2, 0])], reason: /not valid UTF-8/ },
    { what: "limits whose maximum is below the minimum", bytes: [...HEADER, ...section(5, [1, 1, 2, 1])], reason: /maximum below minimum/ },
    { what: "a catch_all outside a try", bytes: [...HEADER, ...TYPE_VOID, ...FUNC_ONE, ...code([0x19, 0x0b])], reason: /catch_all outside a try/ },
    { what: "a delegate outside a try", bytes: [...HEADER, ...TYPE_VOID, ...FUNC_ONE, ...code([0x02, 0x40, 0x18, 0x00, 0x0b])], reason: /delegate outside a try/ },
    { what: "an exception tag whose attribute is not 0", bytes: [...HEADER, ...TYPE_VOID, ...section(13, [1, 1, 0])], reason: /tag attribute must be 0/, offset: 17 },
    { what: "an exception tag of a type that does not exist", bytes: [...HEADER, ...TYPE_VOID, ...section(13, [1, 0, 3])], reason: /type index 3 out of range/ },
    { what: "an i32.const wider than 32 bits", bytes: [...HEADER, ...TYPE_VOID, ...FUNC_ONE, ...code([0x41, 0x80, 0x80, 0x80, 0x80, 0x70, 0x1a, 0x0b])], reason: /s32 LEB128 out of range/ },
    { what: "an i64.const wider than 64 bits", bytes: [...HEADER, ...TYPE_VOID, ...FUNC_ONE, ...code([0x42, ...new Array(9).fill(0x80), 0x01, 0x1a, 0x0b])], reason: /s64 LEB128 out of range/ },
  ];

  for (const c of cases) {
    it(c.what, () => {
      const r = refused(c.bytes);
      expect(r.reason).toMatch(c.reason);
      expect(r.offset).toBeGreaterThanOrEqual(0);
      expect(r.offset).toBeLessThanOrEqual(c.bytes.length);
      if (c.offset !== undefined) expect(r.offset).toBe(c.offset);
      // the engine agrees these are not modules
      expect(WebAssembly.validate(new Uint8Array(c.bytes))).toBe(false);
    });
  }

  it("refuses a non-Uint8Array without throwing", () => {
    expect(readModule([0, 0x61] as unknown as Uint8Array).ok).toBe(false);
  });
});

describe("the reader reads back what was written", () => {
  it("imports, functions, memory, globals, exports, data, names", () => {
    const b = new ModuleBuilder();
    const imp = b.importFunction("env", "f", ["i64"], ["i32"]);
    b.importGlobal("env", "g", "i32");
    const f = b.func({ params: ["i32", "i64"], results: ["i64"], locals: ["i32", "i32", "i64"], name: "add", export: "add",
      body: [...op.localGet(1), ...op.localGet(0), 0xac /* i64.extend_i32_s */, op.i64_add] });
    b.memory(2, 2).export("memory", "memory", 0);
    b.global("i64", true, op.i64Const(-7n));
    b.data(16, [1, 2, 3]);
    const r = readModule(b.build());
    if (!r.ok) throw new Error(r.reason);
    const m = r.module;
    expect(importCount(m, "func")).toBe(1);
    expect(m.imports.map((i) => `${i.module}.${i.name}:${i.kind}`)).toEqual(["env.f:func", "env.g:global"]);
    expect(functionType(m, imp)).toEqual({ params: ["i64"], results: ["i32"] });
    expect(functionType(m, f)).toEqual({ params: ["i32", "i64"], results: ["i64"] });
    expect(m.code[0]!.locals).toEqual([{ count: 2, type: "i32" }, { count: 1, type: "i64" }]);
    expect(m.code[0]!.instructions.map((i) => i.name)).toEqual(["local.get", "local.get", "i64.extend_i32_s", "i64.add", "end"]);
    expect(m.memories).toEqual([{ min: 2, max: 2, shared: false, index64: false }]);
    expect(m.globals[0]!.type).toEqual({ type: "i64", mutable: true });
    expect(m.globals[0]!.init).toMatchObject([{ name: "i64.const", value: -7n }]);
    expect(m.exports.map((e) => [e.name, e.kind, e.index])).toEqual([["add", "func", f], ["memory", "memory", 0]]);
    expect(m.data[0]!.mode).toBe("active");
    expect([...m.data[0]!.bytes]).toEqual([1, 2, 3]);
    expect(m.data[0]!.offsetExpr).toMatchObject([{ name: "i32.const", value: 16 }]);
    expect(m.functionNames.get(f)).toBe("add");
  });
});
