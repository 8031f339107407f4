// The support library every generated decision module imports (compiled together with the generated
// `policy.ts` by compiler/backend/asc.ts). It holds the evaluation state (the error register, the
// scratch arena, the result region) and the operations generated code calls: checked int64
// arithmetic, byte-string operations, list membership and map lookup.
//
// Representation (docs/abi.md): a byte string is a pointer to [len i32][UTF-8 bytes]; a list is a
// pointer to [count i32][elements]; a map is a pointer to [count i32][(key pointer, value)] sorted by
// key bytes. Nothing here allocates from the AssemblyScript heap: values built at run time come from
// the arena, a fixed region reset before every rule, whose size the compiler derived from the
// schema's bounds. Running past it cannot happen for a checked module; if it did, the module traps
// and the host denies with an `internal` error.

// ---------------------------------------------------------------------------------------------
// Errors: "first error wins" (compiler/ir/ir.ts). E is the code (0 = none), EN the IR node id.

export let E: i32 = 0;
export let EN: i32 = 0;

export function raise(code: i32, node: i32): void {
  if (E == 0) {
    E = code;
    EN = node;
  }
}

// error codes (runtime/decision.ts EvalErrorCode)
export const OVERFLOW: i32 = 1;
export const DIVISION_BY_ZERO: i32 = 2;
export const MODULO_BY_ZERO: i32 = 3;
export const NO_SUCH_KEY: i32 = 4;
export const NO_SUCH_FIELD: i32 = 5;
export const INDEX_OUT_OF_RANGE: i32 = 6;

// ---------------------------------------------------------------------------------------------
// The scratch arena

export let AP: usize = 0;
let AEND: usize = 0;

export function arenaInit(base: usize, end: usize): void {
  AP = base;
  AEND = end;
}

export function alloc(bytes: usize): usize {
  const p = AP;
  const next = p + ((bytes + 3) & ~(<usize>3));
  // cannot happen when the compiler's bound holds; trapping denies with `internal`
  if (next > AEND) unreachable();
  AP = next;
  return p;
}

// ---------------------------------------------------------------------------------------------
// Checked int64 arithmetic (CEL: every out-of-range result is an overflow error)

export function addI64(a: i64, b: i64, node: i32): i64 {
  const r = a + b;
  if (((a ^ r) & (b ^ r)) < 0) {
    raise(OVERFLOW, node);
    return 0;
  }
  return r;
}

export function subI64(a: i64, b: i64, node: i32): i64 {
  const r = a - b;
  if (((a ^ b) & (a ^ r)) < 0) {
    raise(OVERFLOW, node);
    return 0;
  }
  return r;
}

export function mulI64(a: i64, b: i64, node: i32): i64 {
  if (a == 0 || b == 0) return 0;
  // the only products whose check below could itself trap (i64.div_s of MIN by -1)
  if ((a == -1 && b == i64.MIN_VALUE) || (b == -1 && a == i64.MIN_VALUE)) {
    raise(OVERFLOW, node);
    return 0;
  }
  const r = a * b;
  if (r / b != a) {
    raise(OVERFLOW, node);
    return 0;
  }
  return r;
}

export function negI64(a: i64, node: i32): i64 {
  if (a == i64.MIN_VALUE) {
    raise(OVERFLOW, node);
    return 0;
  }
  return -a;
}

export function divI64(a: i64, b: i64, node: i32): i64 {
  if (b == 0) {
    raise(DIVISION_BY_ZERO, node);
    return 0;
  }
  if (a == i64.MIN_VALUE && b == -1) {
    raise(OVERFLOW, node);
    return 0;
  }
  return a / b; // truncates toward zero
}

export function modI64(a: i64, b: i64, node: i32): i64 {
  if (b == 0) {
    raise(MODULO_BY_ZERO, node);
    return 0;
  }
  if (a == i64.MIN_VALUE && b == -1) {
    raise(OVERFLOW, node);
    return 0;
  }
  return a % b; // sign of the dividend
}

// ---------------------------------------------------------------------------------------------
// Byte strings: UTF-8 byte order is code point order, so comparisons work on bytes.

export function strEq(a: usize, b: usize): bool {
  if (a == b) return true;
  const n = load<i32>(a);
  if (n != load<i32>(b)) return false;
  return memory.compare(a + 4, b + 4, <usize>n) == 0;
}

export function strCmp(a: usize, b: usize): i32 {
  const na = load<i32>(a);
  const nb = load<i32>(b);
  const n = na < nb ? na : nb;
  for (let i = 0; i < n; i++) {
    const x = <i32>load<u8>(a + 4 + <usize>i);
    const y = <i32>load<u8>(b + 4 + <usize>i);
    if (x != y) return x - y;
  }
  return na - nb;
}

/** CEL `size` of a string: code points, i.e. bytes that are not UTF-8 continuation bytes. */
export function strSize(a: usize): i64 {
  const n = load<i32>(a);
  let count: i64 = 0;
  for (let i = 0; i < n; i++) {
    if ((<i32>load<u8>(a + 4 + <usize>i) & 0xc0) != 0x80) count++;
  }
  return count;
}

function bytesAt(a: usize, aOff: i32, b: usize, n: i32): bool {
  return memory.compare(a + 4 + <usize>aOff, b + 4, <usize>n) == 0;
}

export function startsWith(a: usize, b: usize): bool {
  const nb = load<i32>(b);
  return nb <= load<i32>(a) && bytesAt(a, 0, b, nb);
}

export function endsWith(a: usize, b: usize): bool {
  const na = load<i32>(a);
  const nb = load<i32>(b);
  return nb <= na && bytesAt(a, na - nb, b, nb);
}

/** Substring search on bytes (a match on UTF-8 bytes is a match on code points). */
export function contains(a: usize, b: usize): bool {
  const na = load<i32>(a);
  const nb = load<i32>(b);
  for (let i = 0; i + nb <= na; i++) {
    if (bytesAt(a, i, b, nb)) return true;
  }
  return false;
}

export function catStr(a: usize, b: usize): usize {
  const na = load<i32>(a);
  const nb = load<i32>(b);
  const p = alloc(4 + <usize>(na + nb));
  store<i32>(p, na + nb);
  memory.copy(p + 4, a + 4, <usize>na);
  memory.copy(p + 4 + <usize>na, b + 4, <usize>nb);
  return p;
}

// ---------------------------------------------------------------------------------------------
// Lists

export function catList(a: usize, b: usize, stride: i32): usize {
  const na = load<i32>(a);
  const nb = load<i32>(b);
  const p = alloc(4 + <usize>((na + nb) * stride));
  store<i32>(p, na + nb);
  memory.copy(p + 4, a + 4, <usize>(na * stride));
  memory.copy(p + 4 + <usize>(na * stride), b + 4, <usize>(nb * stride));
  return p;
}

export function listHasI32(list: usize, x: i32): bool {
  const n = load<i32>(list);
  for (let i = 0; i < n; i++) {
    if (load<i32>(list + 4 + (<usize>i << 2)) == x) return true;
  }
  return false;
}

export function listHasI64(list: usize, x: i64): bool {
  const n = load<i32>(list);
  for (let i = 0; i < n; i++) {
    if (load<i64>(list + 4 + (<usize>i << 3)) == x) return true;
  }
  return false;
}

export function listHasStr(list: usize, x: usize): bool {
  const n = load<i32>(list);
  for (let i = 0; i < n; i++) {
    if (strEq(load<usize>(list + 4 + (<usize>i << 2)), x)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Maps: entries of `entry` bytes (key pointer first), sorted by key bytes; binary search.

/** Index of `key` in the map, or -1. */
export function mapIndex(map: usize, key: usize, entry: i32): i32 {
  let lo = 0;
  let hi = load<i32>(map) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = strCmp(load<usize>(map + 4 + <usize>(mid * entry)), key);
    if (c == 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// The request as the host wrote it (docs/abi.md, "What the module refuses"). The module checks a
// record field's value when it reads the field (the generated code calls these on what it loads):
// a value that breaks the encoding's rules traps, which the host turns into a deny. `size` is the
// input region's size: it spans [__heap_base, __heap_base + size).

/** A presence flag or a bool: the word must be 1 or 0. */
@inline export function flag(word: u32): bool {
  if (word > 1) unreachable();
  return word != 0;
}

/**
 * A string block of at most `max` bytes, all of it inside the input region. The null pointer passes
 * (it reads as the empty string: [0, 16) stays zero): the fields of an absent optional record are
 * read from a zeroed block while an error is already raised, and must not trap.
 */
@inline export function inString(p: usize, size: usize, max: u32): usize {
  const at = p - __heap_base;
  if (at > size - 4) {
    if (p != 0) unreachable();
  } else {
    const n = load<u32>(p);
    if (n > max || <usize>n > size - 4 - at) unreachable();
  }
  return p;
}

/** A list block of at most `max` elements of `stride` bytes inside the input region (or 0, as above). */
@inline export function inList(p: usize, size: usize, max: u32, stride: u32): usize {
  const at = p - __heap_base;
  if (at > size - 4) {
    if (p != 0) unreachable();
  } else {
    const n = load<u32>(p);
    // n <= max first: max * stride is at most the region's size, so n * stride cannot wrap
    if (n > max || <usize>(n * stride) > size - 4 - at) unreachable();
  }
  return p;
}

/** A record of `bytes` bytes that a list element or map value points to, inside the input region. */
@inline export function inRecord(p: usize, size: usize, bytes: usize): usize {
  if (p - __heap_base > size - bytes) unreachable();
  return p;
}

/**
 * A map block (as a list of `entry`-byte entries) whose keys are string blocks of at most `keyMax`
 * bytes in strictly ascending byte order, which is code point order: no key out of order (a binary
 * search for it would miss it), none twice.
 */
export function inMap(p: usize, size: usize, max: u32, entry: u32, keyMax: u32): usize {
  inList(p, size, max, entry);
  const n = load<i32>(p);
  let last: usize = 0;
  for (let i = 0; i < n; i++) {
    const key = inString(load<usize>(p + 4 + <usize>(i * entry)), size, keyMax);
    if (i > 0 && strCmp(last, key) >= 0) unreachable();
    last = key;
  }
  return p;
}

// ---------------------------------------------------------------------------------------------
// Rule indexes on list elements run each case once per decision, however often the list repeats its
// value: each case has a word holding the number of the last decision that ran it, so a decision
// costs the list's length, never its square. After 2^32 decisions the numbers start again from a
// cleared table.
let VISIT: i32 = 0;

export function nextVisit(words: usize, count: i32): void {
  VISIT++;
  if (VISIT == 0) {
    for (let i = 0; i < count; i++) store<i32>(words + (<usize>i << 2), 0);
    VISIT = 1;
  }
}

export function firstVisit(word: usize): bool {
  if (load<i32>(word) == VISIT) return false;
  store<i32>(word, VISIT);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Results: rule indices and errors, reported in declaration order (docs/abi.md). Indexed rules run
// first, in the order their dispatch finds them, so a result may come after one of a later rule. It
// is appended all the same, and resultOrder sorts each list that is out of order once, at the end of
// the phase: at most k steps to find out and about 2k log2 k to sort for k results
// (compiler/ir/cost.ts counts them). Keeping the lists sorted at every append cost a move per later
// result already there: with 10,000 plain rules declared before 10,000 indexed ones, 10^8 moves,
// 60 ms a decision.

export function resultReset(r: usize): void {
  store<i32>(r, 0);
  store<i32>(r, 0, 4);
  store<i32>(r, 0, 8);
}

export function resultAddRule(r: usize, rule: i32): void {
  const n = load<i32>(r, 4);
  store<i32>(r + 12 + (<usize>n << 2), rule);
  store<i32>(r, n + 1, 4);
}

export function resultAddError(r: usize, capacity: i32, rule: i32): void {
  const n = load<i32>(r, 8);
  const at = r + 12 + (<usize>capacity << 2) + <usize>(n * 12);
  store<i32>(at, rule);
  store<i32>(at, E, 4);
  store<i32>(at, EN, 8);
  store<i32>(r, n + 1, 8);
}

/**
 * Sorts the rule indices and the errors by rule, each only if it is out of order. The generated
 * writ_evaluate calls it only when either list holds more than one result.
 */
export function resultOrder(r: usize, capacity: i32): void {
  const rules = load<i32>(r, 4);
  if (rules > 1) orderRecords(r + 12, 4, rules);
  const errors = load<i32>(r, 8);
  if (errors > 1) orderRecords(r + 12 + (<usize>capacity << 2), 12, errors);
}

/** Up to this many results are sorted by insertion: at most 28 moves, and no call to make them. */
const FEW_RECORDS: i32 = 8;

function orderRecords(base: usize, stride: i32, n: i32): void {
  if (n <= FEW_RECORDS) {
    insertionSort(base, stride, n);
    return;
  }
  for (let i = 1; i < n; i++) {
    if (load<i32>(base + <usize>((i - 1) * stride)) > load<i32>(base + <usize>(i * stride))) {
      heapSort(base, stride, n);
      return;
    }
  }
}

function insertionSort(base: usize, stride: i32, n: i32): void {
  for (let i = 1; i < n; i++) {
    const at = base + <usize>(i * stride);
    const key = load<i32>(at);
    let hole = at;
    if (load<i32>(hole - stride) <= key) continue;
    const a = stride == 12 ? load<i32>(at, 4) : 0;
    const b = stride == 12 ? load<i32>(at, 8) : 0;
    while (hole > base && load<i32>(hole - stride) > key) {
      moveRecord(hole, hole - stride, stride);
      hole -= stride;
    }
    store<i32>(hole, key);
    if (stride == 12) {
      store<i32>(hole, a, 4);
      store<i32>(hole, b, 8);
    }
  }
}

// Heapsort in place of `n` records of `stride` bytes (4: a rule index; 12: an error, whose other two
// words go along), by their first i32: no memory beside the records (the module's memory is fixed),
// and at most about 2n log2 n comparisons. Rule indices in one list are distinct, so the order is
// total and the sort's instability cannot show.

function heapSort(base: usize, stride: i32, n: i32): void {
  for (let i = (n >> 1) - 1; i >= 0; i--) {
    const at = base + <usize>(i * stride);
    siftDown(base, stride, i, n, load<i32>(at), stride == 12 ? load<i32>(at, 4) : 0, stride == 12 ? load<i32>(at, 8) : 0);
  }
  for (let end = n - 1; end > 0; end--) {
    // the largest record (the root) goes to the end; the one that was there sifts down from the root
    const last = base + <usize>(end * stride);
    const key = load<i32>(last);
    const a = stride == 12 ? load<i32>(last, 4) : 0;
    const b = stride == 12 ? load<i32>(last, 8) : 0;
    moveRecord(last, base, stride);
    siftDown(base, stride, 0, end, key, a, b);
  }
}

/**
 * Places the record (key, a, b) at `hole` of the heap of the first `end` records, moving the larger
 * child up while it is larger than the key (a hole moved down, instead of swaps).
 */
function siftDown(base: usize, stride: i32, hole: i32, end: i32, key: i32, a: i32, b: i32): void {
  for (;;) {
    let child = 2 * hole + 1;
    if (child >= end) break;
    let c = base + <usize>(child * stride);
    if (child + 1 < end && load<i32>(c + stride) > load<i32>(c)) {
      child++;
      c += stride;
    }
    if (key >= load<i32>(c)) break;
    moveRecord(base + <usize>(hole * stride), c, stride);
    hole = child;
  }
  const at = base + <usize>(hole * stride);
  store<i32>(at, key);
  if (stride == 12) {
    store<i32>(at, a, 4);
    store<i32>(at, b, 8);
  }
}

@inline function moveRecord(to: usize, from: usize, stride: i32): void {
  store<i32>(to, load<i32>(from));
  if (stride == 12) {
    store<i32>(to, load<i32>(from, 4), 4);
    store<i32>(to, load<i32>(from, 8), 8);
  }
}
