// The opcode tables of the WebAssembly binary reader (reader.ts): every opcode's name in the text
// format and the kind of immediate that follows it. Kept apart from the decoder so each reads in one
// sitting.

// ---- opcode tables ----
// Names follow the text format. Immediate kinds decide how many bytes follow an opcode; a wrong kind
// would desynchronise decoding, so every prefixed range is listed explicitly.

// MemIndex, TwoMemIndices and DataMemIndex are the memory indices of memory.size, memory.grow,
// memory.fill, memory.copy and memory.init: one byte that must be 0x00 (see the decoder).
export const Imm = {
  None: 0, Block: 1, Index: 2, TwoIndices: 3, BrTable: 4, SelectTypes: 5, RefType: 6, MemArg: 7,
  MemArgLane: 8, Lane: 9, I32: 10, I64: 11, F32: 12, F64: 13, Bytes16: 14, ZeroByte: 15,
  MemIndex: 16, TwoMemIndices: 17, DataMemIndex: 18,
} as const;
export type ImmKind = (typeof Imm)[keyof typeof Imm];

function table(entries: [number, string][]): Map<number, string> {
  const m = new Map<number, string>();
  for (const [start, names] of entries) {
    names.split(/\s+/).filter(Boolean).forEach((n, i) => {
      if (n !== "-") m.set(start + i, n);
    });
  }
  return m;
}
const cmpI = (t: string) => `${t}.eq ${t}.ne ${t}.lt_s ${t}.lt_u ${t}.gt_s ${t}.gt_u ${t}.le_s ${t}.le_u ${t}.ge_s ${t}.ge_u`;
const cmpF = (t: string) => `${t}.eq ${t}.ne ${t}.lt ${t}.gt ${t}.le ${t}.ge`;
const binI = (t: string) =>
  `${t}.clz ${t}.ctz ${t}.popcnt ${t}.add ${t}.sub ${t}.mul ${t}.div_s ${t}.div_u ${t}.rem_s ${t}.rem_u ` +
  `${t}.and ${t}.or ${t}.xor ${t}.shl ${t}.shr_s ${t}.shr_u ${t}.rotl ${t}.rotr`;
const binF = (t: string) =>
  `${t}.abs ${t}.neg ${t}.ceil ${t}.floor ${t}.trunc ${t}.nearest ${t}.sqrt ${t}.add ${t}.sub ${t}.mul ` +
  `${t}.div ${t}.min ${t}.max ${t}.copysign`;

const MVP = table([
  // try, catch, throw, rethrow, delegate and catch_all: the legacy exception-handling instructions
  // V8 still takes (the profile refuses them, but must read them to say so)
  [0x00, "unreachable nop block loop if else try catch throw rethrow"],
  [0x0b, "end br br_if br_table return call call_indirect return_call return_call_indirect"],
  [0x18, "delegate catch_all"],
  [0x1a, "drop select select"],
  [0x20, "local.get local.set local.tee global.get global.set table.get table.set"],
  [0x28, "i32.load i64.load f32.load f64.load i32.load8_s i32.load8_u i32.load16_s i32.load16_u " +
    "i64.load8_s i64.load8_u i64.load16_s i64.load16_u i64.load32_s i64.load32_u i32.store i64.store " +
    "f32.store f64.store i32.store8 i32.store16 i64.store8 i64.store16 i64.store32 memory.size memory.grow " +
    "i32.const i64.const f32.const f64.const"],
  [0x45, `i32.eqz ${cmpI("i32")} i64.eqz ${cmpI("i64")} ${cmpF("f32")} ${cmpF("f64")}`],
  [0x67, `${binI("i32")} ${binI("i64")} ${binF("f32")} ${binF("f64")}`],
  [0xa7, "i32.wrap_i64 i32.trunc_f32_s i32.trunc_f32_u i32.trunc_f64_s i32.trunc_f64_u i64.extend_i32_s " +
    "i64.extend_i32_u i64.trunc_f32_s i64.trunc_f32_u i64.trunc_f64_s i64.trunc_f64_u f32.convert_i32_s " +
    "f32.convert_i32_u f32.convert_i64_s f32.convert_i64_u f32.demote_f64 f64.convert_i32_s f64.convert_i32_u " +
    "f64.convert_i64_s f64.convert_i64_u f64.promote_f32 i32.reinterpret_f32 i64.reinterpret_f64 " +
    "f32.reinterpret_i32 f64.reinterpret_i64 i32.extend8_s i32.extend16_s i64.extend8_s i64.extend16_s " +
    "i64.extend32_s"],
  [0xd0, "ref.null ref.is_null ref.func"],
]);

const MISC = table([
  [0, "i32.trunc_sat_f32_s i32.trunc_sat_f32_u i32.trunc_sat_f64_s i32.trunc_sat_f64_u i64.trunc_sat_f32_s " +
    "i64.trunc_sat_f32_u i64.trunc_sat_f64_s i64.trunc_sat_f64_u memory.init data.drop memory.copy " +
    "memory.fill table.init elem.drop table.copy table.grow table.size table.fill"],
]);

const rmw = (op: string) =>
  `i32.atomic.rmw.${op} i64.atomic.rmw.${op} i32.atomic.rmw8.${op}_u i32.atomic.rmw16.${op}_u ` +
  `i64.atomic.rmw8.${op}_u i64.atomic.rmw16.${op}_u i64.atomic.rmw32.${op}_u`;
const ATOMIC = table([
  [0x00, "memory.atomic.notify memory.atomic.wait32 memory.atomic.wait64 atomic.fence"],
  [0x10, "i32.atomic.load i64.atomic.load i32.atomic.load8_u i32.atomic.load16_u i64.atomic.load8_u " +
    "i64.atomic.load16_u i64.atomic.load32_u i32.atomic.store i64.atomic.store i32.atomic.store8 " +
    "i32.atomic.store16 i64.atomic.store8 i64.atomic.store16 i64.atomic.store32"],
  [0x1e, `${rmw("add")} ${rmw("sub")} ${rmw("and")} ${rmw("or")} ${rmw("xor")} ${rmw("xchg")} ${rmw("cmpxchg")}`],
]);

const vcmpI = (t: string, signed: boolean) =>
  signed ? cmpI(t) : `${t}.eq ${t}.ne ${t}.lt_s ${t}.gt_s ${t}.le_s ${t}.ge_s`;
const SIMD = table([
  [0x00, "v128.load v128.load8x8_s v128.load8x8_u v128.load16x4_s v128.load16x4_u v128.load32x2_s " +
    "v128.load32x2_u v128.load8_splat v128.load16_splat v128.load32_splat v128.load64_splat v128.store " +
    "v128.const i8x16.shuffle i8x16.swizzle i8x16.splat i16x8.splat i32x4.splat i64x2.splat f32x4.splat " +
    "f64x2.splat i8x16.extract_lane_s i8x16.extract_lane_u i8x16.replace_lane i16x8.extract_lane_s " +
    "i16x8.extract_lane_u i16x8.replace_lane i32x4.extract_lane i32x4.replace_lane i64x2.extract_lane " +
    "i64x2.replace_lane f32x4.extract_lane f32x4.replace_lane f64x2.extract_lane f64x2.replace_lane"],
  [0x23, `${vcmpI("i8x16", true)} ${vcmpI("i16x8", true)} ${vcmpI("i32x4", true)} ${cmpF("f32x4")} ${cmpF("f64x2")}`],
  [0x4d, "v128.not v128.and v128.andnot v128.or v128.xor v128.bitselect v128.any_true v128.load8_lane " +
    "v128.load16_lane v128.load32_lane v128.load64_lane v128.store8_lane v128.store16_lane v128.store32_lane " +
    "v128.store64_lane v128.load32_zero v128.load64_zero f32x4.demote_f64x2_zero f64x2.promote_low_f32x4"],
  [0x60, "i8x16.abs i8x16.neg i8x16.popcnt i8x16.all_true i8x16.bitmask i8x16.narrow_i16x8_s " +
    "i8x16.narrow_i16x8_u f32x4.ceil f32x4.floor f32x4.trunc f32x4.nearest i8x16.shl i8x16.shr_s " +
    "i8x16.shr_u i8x16.add i8x16.add_sat_s i8x16.add_sat_u i8x16.sub i8x16.sub_sat_s i8x16.sub_sat_u " +
    "f64x2.ceil f64x2.floor i8x16.min_s i8x16.min_u i8x16.max_s i8x16.max_u f64x2.trunc i8x16.avgr_u " +
    "i16x8.extadd_pairwise_i8x16_s i16x8.extadd_pairwise_i8x16_u i32x4.extadd_pairwise_i16x8_s " +
    "i32x4.extadd_pairwise_i16x8_u"],
  [0x80, "i16x8.abs i16x8.neg i16x8.q15mulr_sat_s i16x8.all_true i16x8.bitmask i16x8.narrow_i32x4_s " +
    "i16x8.narrow_i32x4_u i16x8.extend_low_i8x16_s i16x8.extend_high_i8x16_s i16x8.extend_low_i8x16_u " +
    "i16x8.extend_high_i8x16_u i16x8.shl i16x8.shr_s i16x8.shr_u i16x8.add i16x8.add_sat_s i16x8.add_sat_u " +
    "i16x8.sub i16x8.sub_sat_s i16x8.sub_sat_u f64x2.nearest i16x8.mul i16x8.min_s i16x8.min_u i16x8.max_s " +
    "i16x8.max_u - i16x8.avgr_u i16x8.extmul_low_i8x16_s i16x8.extmul_high_i8x16_s " +
    "i16x8.extmul_low_i8x16_u i16x8.extmul_high_i8x16_u"],
  [0xa0, "i32x4.abs i32x4.neg - i32x4.all_true i32x4.bitmask - - i32x4.extend_low_i16x8_s " +
    "i32x4.extend_high_i16x8_s i32x4.extend_low_i16x8_u i32x4.extend_high_i16x8_u i32x4.shl i32x4.shr_s " +
    "i32x4.shr_u i32x4.add - - i32x4.sub - - - i32x4.mul i32x4.min_s i32x4.min_u i32x4.max_s i32x4.max_u " +
    "i32x4.dot_i16x8_s - i32x4.extmul_low_i16x8_s i32x4.extmul_high_i16x8_s i32x4.extmul_low_i16x8_u " +
    "i32x4.extmul_high_i16x8_u"],
  [0xc0, "i64x2.abs i64x2.neg - i64x2.all_true i64x2.bitmask - - i64x2.extend_low_i32x4_s " +
    "i64x2.extend_high_i32x4_s i64x2.extend_low_i32x4_u i64x2.extend_high_i32x4_u i64x2.shl i64x2.shr_s " +
    `i64x2.shr_u i64x2.add - - i64x2.sub - - - i64x2.mul ${vcmpI("i64x2", false)} i64x2.extmul_low_i32x4_s ` +
    "i64x2.extmul_high_i32x4_s i64x2.extmul_low_i32x4_u i64x2.extmul_high_i32x4_u"],
  [0xe0, "f32x4.abs f32x4.neg - f32x4.sqrt f32x4.add f32x4.sub f32x4.mul f32x4.div f32x4.min f32x4.max " +
    "f32x4.pmin f32x4.pmax f64x2.abs f64x2.neg - f64x2.sqrt f64x2.add f64x2.sub f64x2.mul f64x2.div " +
    "f64x2.min f64x2.max f64x2.pmin f64x2.pmax i32x4.trunc_sat_f32x4_s i32x4.trunc_sat_f32x4_u " +
    "f32x4.convert_i32x4_s f32x4.convert_i32x4_u i32x4.trunc_sat_f64x2_s_zero i32x4.trunc_sat_f64x2_u_zero " +
    "f64x2.convert_low_i32x4_s f64x2.convert_low_i32x4_u"],
  // relaxed SIMD
  [0x100, "i8x16.relaxed_swizzle i32x4.relaxed_trunc_f32x4_s i32x4.relaxed_trunc_f32x4_u " +
    "i32x4.relaxed_trunc_f64x2_s_zero i32x4.relaxed_trunc_f64x2_u_zero f32x4.relaxed_madd " +
    "f32x4.relaxed_nmadd f64x2.relaxed_madd f64x2.relaxed_nmadd i8x16.relaxed_laneselect " +
    "i16x8.relaxed_laneselect i32x4.relaxed_laneselect i64x2.relaxed_laneselect f32x4.relaxed_min " +
    "f32x4.relaxed_max f64x2.relaxed_min f64x2.relaxed_max i16x8.relaxed_q15mulr_s " +
    "i16x8.relaxed_dot_i8x16_i7x16_s i32x4.relaxed_dot_i8x16_i7x16_add_s"],
]);

function immediateKind(prefix: number, code: number): ImmKind {
  if (prefix === 0xfc) {
    if (code <= 7) return Imm.None;
    if (code === 8) return Imm.DataMemIndex; // memory.init: a data segment, then the memory
    if (code === 10) return Imm.TwoMemIndices; // memory.copy: destination and source memories
    if (code === 11) return Imm.MemIndex; // memory.fill
    if (code === 12 || code === 14) return Imm.TwoIndices;
    return Imm.Index;
  }
  if (prefix === 0xfe) return code === 3 ? Imm.ZeroByte : Imm.MemArg;
  if (prefix === 0xfd) {
    if (code <= 0x0b || code === 0x5c || code === 0x5d) return Imm.MemArg;
    if (code === 0x0c || code === 0x0d) return Imm.Bytes16;
    if (code >= 0x15 && code <= 0x22) return Imm.Lane;
    if (code >= 0x54 && code <= 0x5b) return Imm.MemArgLane;
    return Imm.None;
  }
  if ((code >= 0x02 && code <= 0x04) || code === 0x06) return Imm.Block;
  if (code >= 0x28 && code <= 0x3e) return Imm.MemArg;
  switch (code) {
    case 0x0c: case 0x0d: case 0x10: case 0x12: case 0xd2: return Imm.Index;
    case 0x07: case 0x08: case 0x09: case 0x18: return Imm.Index; // a tag (catch, throw) or a label
    case 0x0e: return Imm.BrTable;
    case 0x11: case 0x13: return Imm.TwoIndices;
    case 0x1c: return Imm.SelectTypes;
    case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25: case 0x26: return Imm.Index;
    case 0x3f: case 0x40: return Imm.MemIndex; // memory.size, memory.grow
    case 0x41: return Imm.I32;
    case 0x42: return Imm.I64;
    case 0x43: return Imm.F32;
    case 0x44: return Imm.F64;
    case 0xd0: return Imm.RefType;
  }
  return Imm.None;
}

/**
 * The natural alignment of a load, store or atomic access, as the exponent of its width in bytes
 * (i32.load 2, i64.load8_u 0, v128.load 4, v128.load8x8_s 3); -1 for an instruction with no memarg.
 * A memarg may not state a larger alignment (the core specification's rule, which V8 enforces), and
 * the reader refuses one that does.
 */
function naturalAlignment(name: string, imm: ImmKind): number {
  if (imm !== Imm.MemArg && imm !== Imm.MemArgLane) return -1;
  const bits = accessBits(name);
  return Math.log2(bits / 8);
}

// The width of the access in bits, read from the mnemonic: a width after load, store, rmw or wait
// (i64.load32_s, v128.load8_splat, i32.atomic.rmw16.add_u, memory.atomic.wait64), 64 for the
// extending SIMD loads (v128.load8x8_s reads 8 bytes), else the width of the type the name begins with.
function accessBits(name: string): number {
  if (/^v128\.load(8x8|16x4|32x2)_/.test(name)) return 64;
  const sized = /\.(?:load|store|rmw|wait)(8|16|32|64)(?![0-9x])/.exec(name);
  if (sized) return Number(sized[1]);
  if (name === "memory.atomic.notify") return 32;
  const type = /^(i32|i64|f32|f64|v128)\./.exec(name);
  if (!type) throw new Error(`no access width for ${name}`);
  return type[1] === "v128" ? 128 : type[1]!.endsWith("32") ? 32 : 64;
}

// The opcode registry: every instruction gets a dense id; per-prefix tables map opcodes to ids so
// that decoding looks up name and immediate kind by index rather than by hashing.
export const OPCODES: { prefix: number; code: number; name: string; imm: ImmKind; natural: number }[] = [];
const ID_TABLES = new Map<number, Int16Array>();
for (const [prefix, names] of [[0, MVP], [0xfc, MISC], [0xfd, SIMD], [0xfe, ATOMIC]] as const) {
  const ids = new Int16Array(Math.max(...names.keys()) + 1).fill(-1);
  for (const [code, name] of [...names].sort((a, b) => a[0] - b[0])) {
    ids[code] = OPCODES.length;
    const imm = immediateKind(prefix, code);
    OPCODES.push({ prefix, code, name, imm, natural: naturalAlignment(name, imm) });
  }
  ID_TABLES.set(prefix, ids);
}
const MVP_IDS = ID_TABLES.get(0)!;

export function opcodeId(prefix: number, code: number): number {
  const ids = prefix === 0 ? MVP_IDS : ID_TABLES.get(prefix)!;
  return code < ids.length ? ids[code]! : -1;
}

/** Every instruction the reader decodes, in id order: prefix (0 for none), opcode, mnemonic. */
export function listOpcodes(): { prefix: number; code: number; name: string }[] {
  return OPCODES.map(({ prefix, code, name }) => ({ prefix, code, name }));
}
