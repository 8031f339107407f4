// The second engine's harness: probe exports appended by the binary rewriter store request bytes
// into memory and call a function that reads them. The rewritten modules are checked in V8, against
// a JS model of the function, and then in wabt's wasm-interp, which must agree with V8 on every
// probe. Also runs an asc-built module in the decision-module shape through both engines.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readModule } from "../../runtime/wasm/reader.js";
import { validateProfile } from "../../runtime/wasm/profile.js";
import { ModuleBuilder, op } from "../support/wasm-builder.js";
import { addProbeExports, hasWasmInterp, runWasmInterp, runWasmInterpDetailed, type Probe } from "../support/wasm-interp.js";

const interp = hasWasmInterp();
if (!interp) {
  console.warn(
    "\n*** wasm-interp NOT FOUND: the second-engine tests are SKIPPED. Install it with `apt-get install -y wabt`. ***\n",
  );
}

// decide() = wrap(load i64 @100) ^ load i32 @108  +  3 * load8_u @115  +  (load8_u @120 == 7)
function handMadeModule(): Uint8Array<ArrayBuffer> {
  const b = new ModuleBuilder();
  b.func({
    export: "decide",
    results: ["i32"],
    body: [
      ...op.i32Const(100), op.i64_load, ...op.mem(3), op.i32_wrap_i64,
      ...op.i32Const(108), op.i32_load, ...op.mem(2), 0x73 /* i32.xor */,
      ...op.i32Const(115), op.i32_load8_u, ...op.mem(0), ...op.i32Const(3), op.i32_mul, op.i32_add,
      ...op.i32Const(120), op.i32_load8_u, ...op.mem(0), ...op.i32Const(7), op.i32_eq, op.i32_add,
    ],
  });
  // a function taking a parameter: wasm-interp skips it, the probes must not disturb it
  b.func({ export: "twice", params: ["i32"], results: ["i32"], body: [...op.localGet(0), ...op.localGet(0), op.i32_add] });
  b.memory(1, 1).export("memory", "memory", 0);
  return b.build();
}

function model(memory: Uint8Array): number {
  const v = new DataView(memory.buffer, memory.byteOffset, memory.byteLength);
  const x = Number(BigInt.asIntN(32, v.getBigInt64(100, true))) ^ v.getInt32(108, true);
  return (x + 3 * v.getUint8(115) + (v.getUint8(120) === 7 ? 1 : 0)) | 0;
}

// Replays the probes in V8 in export order (as wasm-interp does: one instance, memory persists) and
// returns each probe's result; also checks the JS model on a shadow copy of memory.
async function runInV8(bytes: Uint8Array<ArrayBuffer>, probes: readonly Probe[]): Promise<Map<string, number>> {
  const { instance } = await WebAssembly.instantiate(bytes);
  const ex = instance.exports as Record<string, unknown> & { memory: WebAssembly.Memory };
  const shadow = new Uint8Array(65536);
  const out = new Map<string, number>();
  for (const p of probes) {
    for (const w of p.writes ?? []) shadow.set(w.bytes, w.address);
    const got = (ex[p.name] as () => number)();
    if ("call" in p) expect(got).toBe(model(shadow));
    else expect(got).toBe(new DataView(shadow.buffer).getInt32(p.load, true));
    // whole-memory equality (Buffer.compare: toEqual on 64 KiB is slow)
    expect(Buffer.compare(new Uint8Array(ex.memory.buffer), shadow)).toBe(0);
    out.set(p.name, got);
  }
  return out;
}

const fixedProbes: Probe[] = [
  { name: "p_zero", writes: [], call: "decide" },
  { name: "p_i64", writes: [{ address: 100, bytes: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) }], call: "decide" },
  // 21 bytes from 100: one i64, one i32 ... exercises every store width (8 + 8 + 4 + 1)
  { name: "p_wide", writes: [{ address: 100, bytes: Uint8Array.from({ length: 21 }, (_, i) => 250 - i * 9) }], call: "decide" },
  { name: "p_byte", writes: [{ address: 120, bytes: new Uint8Array([7]) }], call: "decide" },
  { name: "p_neg", writes: [{ address: 108, bytes: new Uint8Array([0xff, 0xff, 0xff, 0xff]) }], call: "decide" },
  { name: "p_load", load: 108 }, // reads what the earlier probes left in memory: -1
  { name: "p_load_w", writes: [{ address: 200, bytes: new Uint8Array([1, 2, 0, 0]) }], load: 200 },
  { name: "p_two", writes: [{ address: 115, bytes: new Uint8Array([200]) }, { address: 120, bytes: new Uint8Array([1, 2, 3]) }], call: "decide" },
];

describe("addProbeExports", () => {
  const original = handMadeModule();
  const probed = addProbeExports(original, fixedProbes);

  it("gives a valid module that keeps the original exports and adds one per probe", () => {
    expect(WebAssembly.validate(probed)).toBe(true);
    const read = readModule(probed);
    expect(read.ok).toBe(true);
    const names = read.ok ? read.module.exports.map((e) => e.name) : [];
    expect(names).toEqual(["decide", "twice", "memory", ...fixedProbes.map((p) => p.name)]);
  });

  it("probes store their bytes and return the call's result (V8, checked against a model)", async () => {
    const results = await runInV8(probed, fixedProbes);
    expect(new Set(results.values()).size).toBeGreaterThan(3); // the probes really differ
    expect(results.get("p_load")).toBe(-1);
    expect(results.get("p_load_w")).toBe(513);
    const { instance } = await WebAssembly.instantiate(probed);
    expect((instance.exports.twice as (x: number) => number)(21)).toBe(42);
  });

  it("creates the sections a module without functions lacks (type, function, code)", async () => {
    const b = new ModuleBuilder();
    b.memory(1, 1).export("memory", "memory", 0).data(64, [0x78, 0x56, 0x34, 0x12]);
    const bare = b.build();
    const read = readModule(bare);
    expect(read.ok && read.module.sections.map((sec) => sec.id)).toEqual([5, 7, 11]);
    const probed = addProbeExports(bare, [{ name: "word", load: 64 }, { name: "patched", writes: [{ address: 64, bytes: new Uint8Array([1]) }], load: 64 }]);
    expect(WebAssembly.validate(probed)).toBe(true);
    const after = readModule(probed);
    expect(after.ok && after.module.sections.map((sec) => sec.id)).toEqual([1, 3, 5, 7, 10, 11]);
    const { instance } = await WebAssembly.instantiate(probed);
    expect((instance.exports.word as () => number)()).toBe(0x12345678);
    expect((instance.exports.patched as () => number)()).toBe(0x12345601);
    if (interp) expect([...runWasmInterp(probed)]).toEqual([["word", 0x12345678], ["patched", 0x12345601]]);
  });

  it("refuses probes that do not fit the module", () => {
    expect(() => addProbeExports(original, [{ name: "decide", writes: [], call: "decide" }])).toThrow(/already taken/);
    expect(() => addProbeExports(original, [{ name: "p", writes: [], call: "twice" }])).toThrow(/no parameters/);
    expect(() => addProbeExports(original, [{ name: "p", writes: [], call: "nope" }])).toThrow(/no exported function/);
  });

  it("keeps a profile-clean module profile-clean (apart from the probes being exports)", () => {
    const r = validateProfile(probed, ["memory", "decide"]);
    expect(r.ok).toBe(true);
  });
});

describe.skipIf(!interp)("wasm-interp agrees with V8", () => {
  it("on the fixed probes", async () => {
    const bytes = addProbeExports(handMadeModule(), fixedProbes);
    const v8 = await runInV8(bytes, fixedProbes);
    const run = runWasmInterpDetailed(bytes);
    expect(run.traps.size).toBe(0);
    // decide() itself runs too (it takes no parameters); twice(i32) is skipped
    expect([...run.results.keys()]).toEqual(["decide", ...fixedProbes.map((p) => p.name)]);
    for (const p of fixedProbes) expect(run.results.get(p.name)).toBe(v8.get(p.name));
  });

  it("on 200 random probes in one process", async () => {
    const arb = fc.array(
      fc.record({ address: fc.integer({ min: 96, max: 124 }), bytes: fc.uint8Array({ minLength: 0, maxLength: 16 }) }),
      { maxLength: 4 },
    );
    const writes = fc.sample(arb, { numRuns: 200, seed: 20261128 });
    const probes = writes.map((w, i) => ({ name: `r${i}`, writes: w, call: "decide" }));
    const bytes = addProbeExports(handMadeModule(), probes);
    const v8 = await runInV8(bytes, probes);
    const got = runWasmInterp(bytes);
    for (const p of probes) expect(got.get(p.name), p.name).toBe(v8.get(p.name));
  });

  it("reports traps separately from results", () => {
    const b = new ModuleBuilder();
    b.func({ export: "boom", results: ["i32"], body: [op.unreachable] });
    b.func({ export: "minus_one", results: ["i32"], body: op.i32Const(-1) });
    b.memory(1, 1).export("memory", "memory", 0);
    const run = runWasmInterpDetailed(b.build());
    expect(run.traps.get("boom")).toMatch(/unreachable/);
    expect(run.results.get("minus_one")).toBe(-1); // printed unsigned, returned signed like V8
  });
});

// The asc-built decision function of test/profile/asc.test.ts, through both engines.
const SOURCE = `
export function writ_abi_version(): i32 { return 1; }
export function writ_input_ptr(): i32 { return 1024; }
export function writ_input_size(): i32 { return 16; }
export function writ_result_ptr(): i32 { return 2048; }
export function writ_evaluate(): i32 {
  const amount = load<i64>(1024);
  const approvals = load<i32>(1032);
  const risk = load<u8>(1036);
  let verdict: i32 = amount <= 1000000 || approvals >= 2 ? 1 : 0;
  if (risk >= 80) verdict = 0;
  verdict |= (<i32>(amount % 7) & 0xff) << 8;
  store<i32>(2048, verdict);
  return verdict;
}
`;

describe.skipIf(!interp)("an asc-built module in both engines", () => {
  it("agrees on 150 random inputs", async () => {
    const asc = (await import("assemblyscript/asc")).default;
    const asconfig = JSON.parse(readFileSync(fileURLToPath(new URL("../../asconfig.json", import.meta.url)), "utf8"));
    const options = Object.fromEntries(
      Object.entries(asconfig.options as Record<string, unknown>).filter(
        ([k, v]) => !(v === false && (asc.options as Record<string, { type?: string }>)[k]?.type === "s"),
      ),
    );
    const r = await asc.compileString({ "policy.ts": SOURCE }, { ...options, initialMemory: 1, maximumMemory: 1 });
    expect(r.error).toBeNull();
    const module = new Uint8Array(r.binary!);
    expect(validateProfile(module).ok).toBe(true);

    const inputs = fc.sample(fc.uint8Array({ minLength: 16, maxLength: 16 }), { numRuns: 150, seed: 7 });
    const probes = inputs.map((bytes, i) => ({ name: `req${i}`, writes: [{ address: 1024, bytes }], call: "writ_evaluate" }));
    const { instance } = await WebAssembly.instantiate(module);
    const ex = instance.exports as { memory: WebAssembly.Memory; writ_evaluate(): number };
    const expected = inputs.map((bytes) => {
      new Uint8Array(ex.memory.buffer).set(bytes, 1024);
      return ex.writ_evaluate();
    });
    const got = runWasmInterp(addProbeExports(module, probes));
    expect(new Set(expected).size).toBeGreaterThan(10);
    probes.forEach((p, i) => expect(got.get(p.name), p.name).toBe(expected[i]));
  });
});
