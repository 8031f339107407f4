// Counts the work a module does, for tests that compare work rather than time: a copy of the module
// adds one to a global of its own at the entry of every function and at the head of every loop
// iteration, and exports it as `__work`. Every function and loop body the compiler emits is straight-
// line code of bounded length between those points, so the count is the number of instructions run
// up to a constant factor, and does not depend on the machine or on what else runs on it.

import { importCount, readModule, type WasmModule } from "../../runtime/wasm/reader.js";
import { encodeName, readU32, uleb } from "./wasm-builder.js";

export const WORK_EXPORT = "__work";

/** Returns a copy of `module` that counts function entries and loop iterations in `__work` (an i32 global). */
export function countingWork(module: Uint8Array): Uint8Array<ArrayBuffer> {
  const read = readModule(module);
  if (!read.ok) throw new Error(`countingWork: unreadable module: ${read.reason} at byte ${read.offset}`);
  const m = read.module;
  const counter = importCount(m, "global") + m.globals.length;
  // global.get c; i32.const 1; i32.add; global.set c
  const tick = [0x23, ...uleb(counter), 0x41, 0x01, 0x6a, 0x24, ...uleb(counter)];
  const global = [0x7f, 0x01, 0x41, 0x00, 0x0b]; // mutable i32 = 0
  const replaced = new Map<number, number[]>([
    [6, appended(module, m, 6, global)],
    [7, appended(module, m, 7, [...encodeName(WORK_EXPORT), 0x03, ...uleb(counter)])],
    [10, countedCode(module, m, tick)],
  ]);
  if (!m.sections.some((s) => s.id === 7)) throw new Error("countingWork: the module has no export section");
  const out: number[] = [...module.subarray(0, 8)];
  for (const s of m.sections) {
    // a module without globals gets a global section, which comes right before the exports
    if (s.id === 7 && !m.sections.some((x) => x.id === 6)) out.push(6, ...uleb(global.length + 1), 1, ...global);
    const payload = replaced.get(s.id);
    if (payload === undefined || s.id === 0) out.push(...module.subarray(s.start, s.payloadEnd));
    else out.push(s.id, ...uleb(payload.length), ...payload);
  }
  return new Uint8Array(out);
}

/** The payload of vector section `id` with one more item. */
function appended(module: Uint8Array, m: WasmModule, id: number, item: number[]): number[] {
  const s = m.sections.find((x) => x.id === id);
  if (!s) return [];
  const payload = module.subarray(s.payloadStart, s.payloadEnd);
  const { value, length } = readU32(payload, 0);
  return [...uleb(value + 1), ...payload.subarray(length), ...item];
}

/** The code section with `tick` at each body's start and after each `loop`'s block type. */
function countedCode(module: Uint8Array, m: WasmModule, tick: number[]): number[] {
  const bodies: number[] = [];
  for (const body of m.code) {
    const inserts = new Set<number>([body.codeStart]);
    const ins = body.instructions;
    ins.forEach((x, i) => {
      if (x.name === "loop") inserts.add(ins[i + 1]!.offset);
    });
    const sizeLength = readU32(module, body.offset).length;
    const code: number[] = [...module.subarray(body.offset + sizeLength, body.codeStart)];
    for (let at = body.codeStart; at < body.codeEnd; at++) {
      if (inserts.has(at)) code.push(...tick);
      code.push(module[at]!);
    }
    bodies.push(...uleb(code.length), ...code);
  }
  return [...uleb(m.code.length), ...bodies];
}

