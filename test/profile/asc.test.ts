// The profile validator over modules produced by the real AssemblyScript compiler: with the options
// in asconfig.json (stub runtime, abort disabled) and a fixed memory, a small non-allocating decision
// function passes; built with asc's defaults, or allocating, it is refused and the report names the
// rules it breaks. This guards the assumption the backend rests on: that asc can emit profile-clean
// modules at all.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { readModule } from "../../runtime/wasm/reader.js";
import { formatViolations, REQUIRED_EXPORTS, validateProfile, type ProfileRule } from "../../runtime/wasm/profile.js";

const asconfig = JSON.parse(readFileSync(fileURLToPath(new URL("../../asconfig.json", import.meta.url)), "utf8")) as {
  options: Record<string, unknown>;
};

// A decision function in the ABI's shape: reads an i32 from the input region, writes the result.
const PLAIN = `
export function writ_abi_version(): i32 { return 1; }
export function writ_input_ptr(): i32 { return 1024; }
export function writ_input_size(): i32 { return 64; }
export function writ_result_ptr(): i32 { return 2048; }
function over(limit: i64, amount: i64): bool { return amount > limit; }
export function writ_evaluate(): i32 {
  const amount = load<i64>(1024);
  const approvals = load<i32>(1032);
  const allow: i32 = !over(1000000, amount) || approvals >= 2 ? 1 : 0;
  store<i32>(2048, allow);
  return allow;
}
`;

// The same, but allocating (an Array): the runtime's allocator brings memory.grow and a start function.
const ALLOCATING = PLAIN.replace(
  "store<i32>(2048, allow);",
  "const seen = new Array<i32>(approvals); seen.push(allow); store<i32>(2048, seen.length);",
);

type Asc = typeof import("assemblyscript/asc");
let asc: Asc["default"];

async function compile(source: string, options: Record<string, unknown>): Promise<Uint8Array<ArrayBuffer>> {
  const r = await asc.compileString({ "policy.ts": source }, options);
  if (r.error || !r.binary) throw new Error(`asc failed: ${r.error?.message}\n${r.stderr.toString()}`);
  return new Uint8Array(r.binary);
}

function rules(bytes: Uint8Array): ProfileRule[] {
  const r = validateProfile(bytes);
  return r.ok ? [] : [...new Set(r.violations.map((v) => v.rule))].sort();
}

// compileString turns every non-boolean option into a command-line string, so asconfig.json's
// `"exportStart": false` becomes an export named "false" (the start function, exported) and
// `"sourceMap": false` a sourceMappingURL section reading "false". Options of asc's string type
// that are set to false are therefore dropped, which is what they mean.
function ascOptions(options: Record<string, unknown>): Record<string, unknown> {
  const table = asc.options as Record<string, { type?: string }>;
  return Object.fromEntries(Object.entries(options).filter(([k, v]) => !(v === false && table[k]?.type === "s")));
}
let profileOptions: Record<string, unknown>;

describe("modules built by asc", () => {
  beforeAll(async () => {
    asc = (await import("assemblyscript/asc")).default;
    profileOptions = { ...ascOptions(asconfig.options), initialMemory: 1, maximumMemory: 1 };
  });

  it("pass the profile when built with asconfig.json's options and a fixed memory", async () => {
    const bytes = await compile(PLAIN, profileOptions);
    const r = validateProfile(bytes);
    if (!r.ok) throw new Error(formatViolations(r.violations));
    expect(r.info.memoryPages).toBe(1);
    expect([...r.info.exports].sort()).toEqual([...REQUIRED_EXPORTS].sort());
    const read = readModule(bytes);
    expect(read.ok && read.module.sections.filter((s) => s.id === 0)).toEqual([]); // no custom sections

    // and the module still computes what the source says
    const { instance } = await WebAssembly.instantiate(bytes);
    const ex = instance.exports as { memory: WebAssembly.Memory; writ_evaluate(): number };
    const view = new DataView(ex.memory.buffer);
    view.setBigInt64(1024, 5_000_000n, true);
    view.setInt32(1032, 1, true);
    expect(ex.writ_evaluate()).toBe(0);
    view.setInt32(1032, 2, true);
    expect(ex.writ_evaluate()).toBe(1);
    expect(view.getInt32(2048, true)).toBe(1);
  });

  it("pass the profile with asconfig.json's options passed verbatim as well", async () => {
    const bytes = await compile(PLAIN, { ...asconfig.options, initialMemory: 1, maximumMemory: 1 });
    const r = validateProfile(bytes);
    if (!r.ok) throw new Error(formatViolations(r.violations));
    for (const name of REQUIRED_EXPORTS) expect(r.info.exports).toContain(name);
  });

  it("are refused when built with asc's defaults, naming the rules broken", async () => {
    const bytes = await compile(PLAIN, {});
    const r = validateProfile(bytes);
    expect(r.ok).toBe(false);
    // default runtime: growable memory with no maximum, and a function table
    expect(rules(bytes)).toEqual(["fixed-memory", "no-call-indirect"]);
    const text = !r.ok ? formatViolations(r.violations) : "";
    expect(text).toMatch(/memory declares no maximum/);
    expect(text).toMatch(/declares table 0/);
  });

  it("are refused when the code allocates under the default runtime", async () => {
    const bytes = await compile(ALLOCATING, {});
    expect(rules(bytes)).toEqual(["fixed-memory", "no-call-indirect", "no-imports", "no-memory-grow", "no-start"]);
    const r = validateProfile(bytes);
    expect(!r.ok && formatViolations(r.violations)).toMatch(/imports `env\.abort`/);
  });

  it("are refused when the code allocates even under the stub runtime", async () => {
    const bytes = await compile(ALLOCATING, profileOptions);
    // the stub allocator grows memory, and initialises its heap in a start function
    expect(rules(bytes)).toEqual(["no-memory-grow", "no-start"]);
  });
});
