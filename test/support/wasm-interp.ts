// A second, independent WebAssembly engine for tests: wabt's `wasm-interp` (Debian package `wabt`,
// 1.0.32). Its `--run-all-exports` only runs exports that take no parameters, so requests travel as
// "probes": no-argument exported functions, appended to the module by a binary rewriter, that store
// a request's bytes into memory with constant stores, call the module's entry point and return its
// result. One process runs every probe of a module.
//
// Note: wasm-interp runs the probes in export order against one instance, so memory persists from
// one probe to the next; a probe must write every byte its call reads (the whole input region).

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importCount, readModule, type SectionInfo, type WasmModule } from "../../runtime/wasm/reader.js";
import { encodeName, readU32, sleb, uleb } from "./wasm-builder.js";

/** The interpreter to run; WRIT_WASM_INTERP overrides it (another wabt build, or a path that does not exist to see the skip). */
export const WASM_INTERP = process.env.WRIT_WASM_INTERP ?? "wasm-interp";

let available: boolean | undefined;

/** True when `wasm-interp` can be run here (cached). */
export function hasWasmInterp(): boolean {
  if (available === undefined) {
    const r = spawnSync(WASM_INTERP, ["--version"], { encoding: "utf8" });
    available = r.status === 0;
  }
  return available;
}

/** Stores bytes into memory 0, then calls an exported `() -> i32` function and returns its result. */
export interface CallProbe {
  /** export name of the probe function; must not clash with the module's exports */
  readonly name: string;
  /** bytes stored into memory 0 before the call, in order */
  readonly writes: readonly { readonly address: number; readonly bytes: Uint8Array }[];
  /** name of an exported function taking no parameters and returning one i32 */
  readonly call: string;
}

/**
 * Returns the i32 at `load` in memory 0 (after optional writes). Placed after a call probe, it reads
 * what that call left in memory, since wasm-interp runs the exports in order on one instance.
 */
export interface LoadProbe {
  readonly name: string;
  readonly writes?: readonly { readonly address: number; readonly bytes: Uint8Array }[];
  readonly load: number;
}

export type Probe = CallProbe | LoadProbe;

/**
 * Returns a copy of `module` with one exported `() -> i32` function per probe appended. Existing
 * functions keep their indices (new ones go at the end of the function index space). Throws on a
 * module it cannot read or on probes that do not fit it: this is test tooling.
 */
export function addProbeExports(module: Uint8Array, probes: readonly Probe[]): Uint8Array<ArrayBuffer> {
  const read = readModule(module);
  if (!read.ok) throw new Error(`addProbeExports: unreadable module: ${read.reason} at byte ${read.offset}`);
  const m = read.module;
  if (importCount(m, "memory") + m.memories.length === 0) throw new Error("addProbeExports: the module has no memory");
  const names = new Set(m.exports.map((e) => e.name));
  const funcBase = importCount(m, "func") + m.functions.length;

  let typeIndex = m.types.findIndex((t) => t.params.length === 0 && t.results.length === 1 && t.results[0] === "i32");
  const newTypes: number[][] = [];
  if (typeIndex < 0) {
    typeIndex = m.types.length;
    newTypes.push([0x60, 0x00, 0x01, 0x7f]);
  }

  const bodies: number[][] = [];
  const exports: number[][] = [];
  probes.forEach((probe, i) => {
    if (names.has(probe.name)) throw new Error(`addProbeExports: export name \`${probe.name}\` already taken`);
    names.add(probe.name);
    const code: number[] = [0x00]; // no locals
    for (const w of probe.writes ?? []) code.push(...storeBytes(w.address, w.bytes));
    if ("call" in probe) {
      const target = m.exports.find((e) => e.name === probe.call && e.kind === "func");
      if (!target) throw new Error(`addProbeExports: no exported function \`${probe.call}\``);
      const sig = m.types[typeIndexOf(m, target.index)]!;
      if (sig.params.length !== 0 || sig.results.length !== 1 || sig.results[0] !== "i32") {
        throw new Error(`addProbeExports: \`${probe.call}\` must take no parameters and return one i32`);
      }
      code.push(0x10, ...uleb(target.index), 0x0b);
    } else {
      code.push(0x41, ...sleb(probe.load | 0), 0x28, 0x02, 0x00, 0x0b); // i32.load align=4
    }
    bodies.push([...uleb(code.length), ...code]);
    exports.push([...encodeName(probe.name), 0x00, ...uleb(funcBase + i)]);
  });

  const additions = new Map<number, number[][]>([
    [1, newTypes],
    [3, probes.map(() => uleb(typeIndex))],
    [7, exports],
    [10, bodies],
  ]);
  return spliceVectors(module, m.sections, additions);
}

function typeIndexOf(m: WasmModule, func: number): number {
  let i = 0;
  for (const imp of m.imports) {
    if (imp.kind !== "func") continue;
    if (i === func) return imp.type;
    i++;
  }
  return m.functions[func - i]!;
}

// Constant stores: 8 bytes at a time as i64.store, then i32.store, then i32.store8.
function storeBytes(address: number, bytes: Uint8Array): number[] {
  const out: number[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const addr = (k: number) => [0x41, ...sleb((address + k) | 0)];
  while (bytes.length - at >= 8) {
    out.push(...addr(at), 0x42, ...sleb(view.getBigInt64(at, true)), 0x37, 0x03, 0x00);
    at += 8;
  }
  if (bytes.length - at >= 4) {
    out.push(...addr(at), 0x41, ...sleb(view.getInt32(at, true)), 0x36, 0x02, 0x00);
    at += 4;
  }
  while (at < bytes.length) {
    out.push(...addr(at), 0x41, ...sleb(bytes[at]!), 0x3a, 0x00, 0x00);
    at += 1;
  }
  return out;
}

const SECTION_ORDER = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 10, 11];

// Appends items to vector sections (type, function, export, code): the count is rewritten and the
// new items follow the old ones. Sections that do not exist yet are created in their place.
function spliceVectors(module: Uint8Array, sections: readonly SectionInfo[], additions: Map<number, number[][]>): Uint8Array<ArrayBuffer> {
  const out: number[] = [...module.subarray(0, 8)];
  const pending = new Map([...additions].filter(([, items]) => items.length > 0));
  const emit = (id: number, payload: number[]) => out.push(id, ...uleb(payload.length), ...payload);
  const flushBefore = (id: number) => {
    const order = SECTION_ORDER.indexOf(id);
    for (const [pid, items] of [...pending].sort((a, b) => SECTION_ORDER.indexOf(a[0]) - SECTION_ORDER.indexOf(b[0]))) {
      if (SECTION_ORDER.indexOf(pid) < order) {
        emit(pid, [...uleb(items.length), ...items.flat()]);
        pending.delete(pid);
      }
    }
  };
  for (const s of sections) {
    const payload = module.subarray(s.payloadStart, s.payloadEnd);
    if (s.id === 0) {
      out.push(...module.subarray(s.start, s.payloadEnd));
      continue;
    }
    flushBefore(s.id);
    const items = pending.get(s.id);
    if (!items) {
      out.push(...module.subarray(s.start, s.payloadEnd));
      continue;
    }
    pending.delete(s.id);
    const { value: count, length } = readU32(payload, 0);
    emit(s.id, [...uleb(count + items.length), ...payload.subarray(length), ...items.flat()]);
  }
  flushBefore(Number.MAX_SAFE_INTEGER);
  for (const [pid, items] of pending) emit(pid, [...uleb(items.length), ...items.flat()]);
  return new Uint8Array(out);
}


export interface InterpRun {
  /** i32 results of the exports that returned one, as signed numbers (wasm-interp prints them unsigned) */
  readonly results: Map<string, number>;
  /** exports that trapped, with wasm-interp's message */
  readonly traps: Map<string, string>;
  readonly stdout: string;
}

/** Runs every no-parameter export of `module` in wasm-interp and returns the whole report. */
export function runWasmInterpDetailed(module: Uint8Array, timeoutMs = 60_000): InterpRun {
  const dir = mkdtempSync(join(tmpdir(), "writ-interp-"));
  try {
    const file = join(dir, "module.wasm");
    writeFileSync(file, module);
    const r = spawnSync(WASM_INTERP, ["--run-all-exports", file], {
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
      timeout: timeoutMs,
    });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`wasm-interp exited with ${r.status}: ${r.stderr || r.stdout}`);
    const results = new Map<string, number>();
    const traps = new Map<string, string>();
    for (const line of r.stdout.split("\n")) {
      const ok = /^(.*)\(\) => i32:(\d+)$/.exec(line);
      if (ok) {
        results.set(ok[1]!, Number(ok[2]) | 0);
        continue;
      }
      const err = /^(.*)\(\) => error: (.*)$/.exec(line);
      if (err) traps.set(err[1]!, err[2]!);
    }
    return { results, traps, stdout: r.stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs every no-parameter export of `module` in wasm-interp: export name → i32 result. */
export function runWasmInterp(module: Uint8Array): Map<string, number> {
  return runWasmInterpDetailed(module).results;
}
