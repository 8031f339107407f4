// A module's input and result regions must lie past its static data (docs/abi.md, "Before the first
// decision"): the first 16 bytes, which stay zero (a pointer of 0 reads as empty), the constant pool
// the compiler puts at 16 (its first 16 bytes zero: every empty value), and whatever its data
// segments place. The compiled code reads its request at its own heap base, past all of it: a module
// whose `writ_input_ptr` reports an address below would have the host write the request over its
// zeros and constants, where the code does not read it. loadPolicy refuses such a module as
// `instantiate_failed`, naming the region and where the static data ends.

import { beforeAll, describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/index.js";
import { digestPair } from "../../runtime/crypto/digest.js";
import type { Bundle } from "../../runtime/manifest.js";
import { tryLoadPolicy } from "../../runtime/policy.js";
import { initialData } from "../../runtime/wasm/data-extents.js";
import { readModule, type WasmModule } from "../../runtime/wasm/reader.js";
import { handBundle, type HandModule } from "./hand-bundle.js";

// a byte string the policy compares byte-wise: the constant pool holds it, in a data segment
const SOURCE = `policy "prefixed" version "1"

input {
  name: string
  amount: int
}

permit prefixed when name.startsWith("administrator-") && amount < 1000
`;

let compiled: Bundle;
beforeAll(async () => {
  const result = await compilePolicy(SOURCE, { fileName: "prefixed.writ" });
  if (!result.bundle) throw new Error(result.diagnostics.map((d) => d.message).join("; "));
  compiled = result.bundle;
});

/** `module`, read (the test's own modules are well-formed). */
function read(module: Uint8Array): WasmModule {
  const r = readModule(module);
  if (!r.ok) throw new Error(r.reason);
  return r.module;
}

/**
 * The compiled bundle with export `name` (a function whose body is one `i32.const`) returning
 * `value` instead: the constant's LEB128 rewritten in place, padded to its length (a LEB128 may carry
 * continuation bytes), so nothing else in the module moves; the digests are the new module's.
 */
function withPointer(name: "writ_input_ptr" | "writ_result_ptr", value: number): Bundle {
  const module = compiled.module.slice();
  const m = read(module);
  const index = m.exports.find((e) => e.name === name && e.kind === "func")!.index;
  const at = m.code[index]!.offset;
  // body size, no local groups, i32.const, the LEB128, end
  expect([module[at + 1], module[at + 2]]).toEqual([0, 0x41]);
  const start = at + 3;
  let end = start;
  while (module[end]! & 0x80) end++;
  const length = end - start + 1;
  expect(module[end + 1]).toBe(0x0b);
  expect(value).toBeLessThan(2 ** (7 * length - 1));
  for (let i = 0; i < length; i++) {
    const bits = Math.floor(value / 2 ** (7 * i)) & 0x7f;
    module[start + i] = i < length - 1 ? bits | 0x80 : bits;
  }
  const bundle = { module, manifest: { ...compiled.manifest, digests: digestPair(module) } };
  const instance = new WebAssembly.Instance(new WebAssembly.Module(module), {}).exports as Record<string, () => number>;
  expect(instance[name]!()).toBe(value);
  return bundle;
}

function refusal(bundle: Bundle): string {
  const r = tryLoadPolicy(bundle, { allowUnsigned: true });
  if (r.ok) return "loaded";
  expect(r.error.code).toBe("instantiate_failed");
  return r.error.message;
}

describe("a compiled module's regions lie past its static data", () => {
  it("the module as compiled loads and decides", () => {
    const m = read(compiled.module);
    // the pool's bytes past its zeroed head are in a data segment, which the input region follows
    const data = initialData(m);
    expect(data.ok && data.extents.length > 0).toBe(true);
    const r = tryLoadPolicy(compiled, { allowUnsigned: true });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.policy.decide({ name: "administrator-ann", amount: 10 }).decision).toBe("allow");
      expect(r.policy.decide({ name: "ann", amount: 10 }).decision).toBe("deny");
    }
  });

  it("it loads with its pointers rewritten to the values they had (the rewriting changes nothing else)", () => {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(compiled.module as Uint8Array<ArrayBuffer>), {}).exports as Record<string, () => number>;
    expect(refusal(withPointer("writ_input_ptr", instance.writ_input_ptr!()))).toBe("loaded");
    expect(refusal(withPointer("writ_result_ptr", instance.writ_result_ptr!()))).toBe("loaded");
  });

  const cases: [string, "writ_input_ptr" | "writ_result_ptr", number, RegExp][] = [
    ["an input pointer of 0", "writ_input_ptr", 0, /^module could not be instantiated: module input region \(272 bytes at 0\) starts below byte 50, where the module's static data ends: data segment 0 places 18 bytes at 32$/],
    ["an input pointer at the constant pool", "writ_input_ptr", 16, /input region \(272 bytes at 16\) starts below byte 50/],
    ["an input pointer inside the pool's data segment", "writ_input_ptr", 40, /input region \(272 bytes at 40\) starts below byte 50, where the module's static data ends: data segment 0 places 18 bytes at 32/],
    ["a result pointer of 0", "writ_result_ptr", 0, /result region \(28 bytes at 0\) starts below byte 50/],
    ["a result pointer inside the pool's data segment", "writ_result_ptr", 36, /result region \(28 bytes at 36\) starts below byte 50/],
  ];
  for (const [what, name, value, message] of cases)
    it(`refuses ${what} as instantiate_failed`, () => {
      expect(refusal(withPointer(name, value))).toMatch(message);
    });
});

describe("a hand-made module's regions lie past what the loader knows of its static data", () => {
  const hand = (m: HandModule): string => refusal(handBundle(m));
  const bytes = (n: number): Uint8Array => new Uint8Array(n).fill(7);

  it("loads with data below both regions, and with a constant pool at 16", () => {
    expect(hand({ data: [[16, bytes(40)]], constants: 16, input: 64 })).toBe("loaded");
    expect(hand({ data: [[16, bytes(40)]], input: 56, result: 128, inputSize: 64 })).toBe("loaded");
  });

  const refused: [string, HandModule, RegExp][] = [
    ["an input region at 0", { input: 0 }, /input region \(64 bytes at 0\) starts below byte 16, where the module's static data ends: bytes 0 to 15 stay zero \(a pointer of 0 reads as empty\)/],
    ["an input region at 8", { input: 8 }, /input region \(64 bytes at 8\) starts below byte 16/],
    ["a result region at 0", { result: 0 }, /result region \(28 bytes at 0\) starts below byte 16/],
    ["an input region at the constant pool, whose zeroed head is in no segment", { constants: 16, input: 16 }, /input region \(64 bytes at 16\) starts below byte 32, where the module's static data ends: the constant pool starts at 16 with 16 zero bytes \(every empty value\)/],
    ["a result region inside the pool's zeroed head", { constants: 16, result: 24 }, /result region \(28 bytes at 24\) starts below byte 32/],
    ["an input region over a data segment", { data: [[1024, bytes(8)]] }, /input region \(64 bytes at 1024\) starts below byte 1032, where the module's static data ends: data segment 0 places 8 bytes at 1024/],
    ["an input region below a data segment", { data: [[16, bytes(4)], [2048, bytes(8)]] }, /input region \(64 bytes at 1024\) starts below byte 2056, where the module's static data ends: data segment 1 places 8 bytes at 2048/],
    ["a result region written over a data segment", { data: [[4096, bytes(28)]], input: 8192 }, /result region \(28 bytes at 4096\) starts below byte 4124/],
  ];
  for (const [what, m, message] of refused)
    it(`refuses ${what} as instantiate_failed`, () => {
      expect(hand(m)).toMatch(message);
    });
});

describe("where data segments place their bytes", () => {
  it("is the offset of each active segment, read as unsigned; passive segments place none", () => {
    const m = read(handBundle({ data: [[16, bytes3()], [-16, new Uint8Array(0)]] }).module);
    expect(initialData(m)).toEqual({ ok: true, extents: [{ segment: 0, at: 16, end: 19 }, { segment: 1, at: 2 ** 32 - 16, end: 2 ** 32 - 16 }] });
    const passive = { ...m, data: [{ ...m.data[0]!, mode: "passive" as const }] };
    expect(initialData(passive)).toEqual({ ok: true, extents: [] });
  });

  it("is not known for an offset other than one i32.const, and the loader would refuse the module", () => {
    const m = read(handBundle({ data: [[16, bytes3()]] }).module);
    const seg = m.data[0]!;
    const byGlobal = { ...m, data: [{ ...seg, offsetExpr: [{ offset: 0, name: "global.get", code: 0x23, index: 0 }] }] };
    expect(initialData(byGlobal)).toEqual({ ok: false, reason: "data segment 0 is placed by an offset expression other than one i32.const (global.get): where its bytes land is not known before instantiation" });
  });
});

function bytes3(): Uint8Array {
  return new Uint8Array([1, 2, 3]);
}
