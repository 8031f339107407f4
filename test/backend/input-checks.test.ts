// A host other than the JavaScript runtime writes the input region itself, by docs/abi.md. The module
// must not decide on an encoding that breaks the ABI's rules: it traps, and the host denies. Each
// case here writes a request by hand into the module's memory, as such a host does (no import of the
// runtime's encoder), first as the rules say, then with one rule broken; before the module checked
// what it read, each broken encoding below was decided (an allow, but for the bool field), where the
// request it stands for is denied or invalid. The same bytes given to the JavaScript runtime's
// evaluateEncoded are a deny with an internal error.

import { beforeAll, describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { loadPolicy, type LoadedPolicy } from "../../runtime/policy.js";
import type { InputLayout, RecordLayout, SlotLayout } from "../../runtime/wasm/layout.js";

const POLICY = `policy "host" version "1"
input {
  headers: map<string(16), string(8)>(4)
  ticket?: string(16)
  flags: { dry: bool }
  stops: list<bool>(2)
  roles: list<string(8)>(2)
  name: string(4)
  items: list<{ n: int }>(2)
  note?: string(4)
  groups: list<{ tags: map<string(4), int>(3), extra?: map<string(4), int>(2) }>(2)
}
forbid override when "\\uff01override" in headers
forbid private_use when "\\ue000" in headers
forbid once when headers.exists_one(k, k == "x-once")
forbid no_ticket when !has(ticket)
forbid stop when true in stops
forbid dry when flags.dry
forbid short_name when size(name) < 2
forbid seven when items.exists(i, i.n == 7)
forbid guest when "guest" in roles
forbid blank when name == ""
forbid note_x when has(note) && note.startsWith("x")
forbid note_y when has(note) && note.endsWith("y")
forbid tagged when groups.exists(g, "t" in g.tags)
forbid extra_x when groups.exists(g, has(g.extra) && "x" in g.extra)
permit admin when "admin" in roles
`;

/** A request as this host writes it: maps as entries in the order written, bools as the word written. */
interface Request {
  headers: [string, string][];
  ticket?: string;
  flags: { dry: number };
  stops: number[];
  roles: string[];
  name: string;
  items: { n: number }[];
  note?: string;
  groups: { tags: [string, number][]; extra?: [string, number][] }[];
}

const allowed = (): Request => ({ headers: [["a", "1"]], ticket: "T-1", flags: { dry: 0 }, stops: [], roles: ["admin"], name: "ab", items: [], groups: [] });

/** The module, instantiated with no imports; requests written into its input region by the layout. */
class ForeignHost {
  private readonly exports: { memory: WebAssembly.Memory; writ_input_ptr(): number; writ_input_size(): number; writ_result_ptr(): number; writ_evaluate(): number };
  readonly input: number;
  readonly size: number;
  private heap = 0;

  constructor(
    wasm: Uint8Array,
    private readonly layout: InputLayout,
  ) {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>), {});
    this.exports = instance.exports as never;
    this.input = this.exports.writ_input_ptr();
    this.size = this.exports.writ_input_size();
  }

  private get view(): DataView {
    return new DataView(this.exports.memory.buffer);
  }
  word(at: number): number {
    return this.view.getInt32(at, true);
  }
  setWord(at: number, v: number): void {
    this.view.setInt32(at, v, true);
  }
  /** the address of a root field's value (its presence flag with `presence`) */
  field(name: string, presence = false): number {
    const f = this.layout.root.fields.find((x) => x.name === name)!;
    return this.input + (presence ? f.presence : f.offset);
  }
  /**
   * The address of field `field` (its presence flag with `presence`) of the record that is element
   * `i` of root field `name`, a list of records.
   */
  elementField(name: string, i: number, field: string, presence = false): number {
    const f = this.layout.root.fields.find((x) => x.name === name)!;
    const record = (f.type as Extract<SlotLayout, { kind: "list" }>).element as RecordLayout;
    const g = record.fields.find((x) => x.name === field)!;
    const p = this.word(this.word(this.input + f.offset) + 4 + 4 * i);
    return p + (presence ? g.presence : g.offset);
  }
  /** Writes `v` anew for root field `name`, in the heap after what is written (no rule checked). */
  rewrite(name: string, v: unknown): void {
    const f = this.layout.root.fields.find((x) => x.name === name)!;
    this.value(f.type, v, this.input + f.offset);
    if (this.heap > this.end) throw new Error("the rewrite does not fit the input region");
  }
  /** the address just past the input region (where the module keeps its own state) */
  get end(): number {
    return this.input + this.size;
  }

  private alloc(bytes: number): number {
    const p = this.heap;
    this.heap += Math.ceil(bytes / 4) * 4;
    return p;
  }

  private string(s: string): number {
    const bytes = new TextEncoder().encode(s);
    const p = this.alloc(4 + bytes.length);
    this.setWord(p, bytes.length);
    new Uint8Array(this.exports.memory.buffer).set(bytes, p + 4);
    return p;
  }

  private value(slot: SlotLayout, v: unknown, at: number): void {
    switch (slot.kind) {
      case "bool":
        return this.setWord(at, v as number);
      case "int":
        return this.view.setBigInt64(at, BigInt(v as number), true);
      case "string":
        // ids: the table's, 0 for any other string (these slots meet constants only)
        return this.setWord(at, slot.rep === "id" ? this.layout.strings.indexOf(v as string) + 1 : this.string(v as string));
      case "list": {
        const list = v as unknown[];
        const stride = slot.element.kind === "int" ? 8 : 4;
        const p = this.alloc(4 + stride * list.length);
        this.setWord(p, list.length);
        this.setWord(at, p);
        list.forEach((x, i) => this.element(slot.element, x, p + 4 + stride * i));
        return;
      }
      case "map": {
        const entries = v as [string, unknown][];
        const entry = 4 + (slot.value.kind === "int" ? 8 : 4);
        const p = this.alloc(4 + entry * entries.length);
        this.setWord(p, entries.length);
        this.setWord(at, p);
        entries.forEach(([k, x], i) => {
          this.setWord(p + 4 + entry * i, this.string(k));
          this.element(slot.value, x, p + 8 + entry * i);
        });
        return;
      }
      case "record":
        return this.record(slot, v as Record<string, unknown>, at);
    }
  }

  private element(slot: SlotLayout, v: unknown, at: number): void {
    if (slot.kind !== "record") return this.value(slot, v, at);
    const p = this.alloc(slot.size);
    this.setWord(at, p);
    this.record(slot, v as Record<string, unknown>, p);
  }

  private record(rec: RecordLayout, v: Record<string, unknown>, at: number): void {
    for (const f of rec.fields) {
      const present = v[f.name] !== undefined;
      if (f.presence >= 0) this.setWord(at + f.presence, present ? 1 : 0);
      if (present && f.offset >= 0) this.value(f.type, v[f.name], at + f.offset);
    }
  }

  /** Writes the request, then lets `breach` change what was written. */
  write(request: object, breach?: (host: ForeignHost) => void): void {
    new Uint8Array(this.exports.memory.buffer).fill(0, this.input, this.input + this.size);
    this.heap = this.input + this.layout.root.size;
    this.record(this.layout.root, request as Record<string, unknown>, this.input);
    if (this.heap > this.end) throw new Error("the request does not fit the input region");
    breach?.(this);
  }

  /** The verdict, or "trap" (the host denies with an internal error). */
  evaluate(): "allow" | "deny" | "trap" {
    try {
      return this.exports.writ_evaluate() === 1 ? "allow" : "deny";
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) return "trap";
      throw e;
    }
  }

  /** The input region as written (what a host would hand the JavaScript runtime's evaluateEncoded). */
  region(): Uint8Array {
    return new Uint8Array(this.exports.memory.buffer).slice(this.input, this.input + this.size);
  }
}

/** Each case: the request written by the rules and what it decides, and the breach that must trap. */
const cases: { name: string; request: Request; decides: "allow" | "deny"; breach: (h: ForeignHost) => void }[] = [
  {
    name: "a presence flag of 2",
    request: { ...allowed(), ticket: undefined },
    decides: "deny",
    breach: (h) => h.setWord(h.field("ticket", true), 2),
  },
  {
    name: "a presence flag of -1",
    request: { ...allowed(), ticket: undefined },
    decides: "deny",
    breach: (h) => h.setWord(h.field("ticket", true), -1),
  },
  {
    name: "a bool field written as 2",
    request: allowed(),
    decides: "allow",
    breach: (h) => h.setWord(h.field("flags"), 2),
  },
  {
    name: "a bool in a list written as 2 (not found as true)",
    request: { ...allowed(), stops: [1] },
    decides: "deny",
    breach: (h) => h.setWord(h.word(h.field("stops")) + 4, 2),
  },
  {
    name: "a list longer than its bound",
    request: { ...allowed(), roles: ["x", "y"] },
    decides: "deny",
    // "admin" third, past the two elements the schema allows
    breach: (h) => h.rewrite("roles", ["x", "y", "admin"]),
  },
  {
    name: "a list count of -1",
    request: { ...allowed(), stops: [1] },
    decides: "deny",
    breach: (h) => h.setWord(h.word(h.field("stops")), -1),
  },
  {
    name: "an optional string longer than its bound",
    request: { ...allowed(), note: "ab" },
    decides: "allow",
    breach: (h) => h.setWord(h.word(h.field("note")), 6),
  },
  {
    name: "a string longer than its bound",
    request: { ...allowed(), name: "a" },
    decides: "deny",
    breach: (h) => h.setWord(h.word(h.field("name")), 6),
  },
  {
    name: "a map with more entries than its bound",
    request: allowed(),
    decides: "allow",
    breach: (h) => h.rewrite("headers", ["a", "b", "c", "d", "e"].map((k) => [k, "1"])),
  },
  {
    name: "a map key longer than its bound",
    request: allowed(),
    decides: "allow",
    breach: (h) => h.rewrite("headers", [["x".repeat(17), "1"]]),
  },
  {
    name: "a list block outside the input region",
    request: { ...allowed(), stops: [1] },
    decides: "deny",
    // the module's own memory after the region: a count of 0 while the forbids run
    breach: (h) => h.setWord(h.field("stops"), h.end),
  },
  {
    name: "a list block running past the input region",
    request: allowed(),
    decides: "allow",
    breach: (h) => {
      h.setWord(h.end - 4, 2);
      h.setWord(h.field("stops"), h.end - 4);
    },
  },
  {
    name: "a record pointer outside the input region",
    request: { ...allowed(), items: [{ n: 7 }] },
    decides: "deny",
    breach: (h) => h.setWord(h.word(h.field("items")) + 4, h.end),
  },
  {
    name: "map keys sorted by UTF-16 (a binary search misses the forbidden key)",
    request: { ...allowed(), headers: [["a", "1"], ["\uff01override", "2"], ["😀", "3"]] },
    decides: "deny",
    // JavaScript's default sort puts the astral key (a surrogate pair, D83D) before U+FF01
    breach: (h) => swapEntries(h, 1, 2),
  },
  {
    name: "map keys U+E000 and astral in UTF-16 order",
    request: { ...allowed(), headers: [["\ue000", "1"], ["😀", "2"]] },
    decides: "deny",
    breach: (h) => swapEntries(h, 0, 1),
  },
  {
    name: "map keys out of order in a record of a list (the search misses the forbidden key)",
    request: { ...allowed(), groups: [{ tags: [["a", 1], ["s", 2], ["t", 3]] }] },
    decides: "deny",
    breach: (h) => {
      const tags = h.word(h.elementField("groups", 0, "tags"));
      swapAt(h, tags, 12, 0, 2);
      swapAt(h, tags, 12, 1, 2);
    },
  },
  {
    // checked whole with the list, though the search stops at the first record
    name: "map keys out of order in a record of a list that the rules do not reach",
    request: { ...allowed(), groups: [{ tags: [["t", 1]] }, { tags: [["a", 1], ["b", 2]] }] },
    decides: "deny",
    breach: (h) => swapAt(h, h.word(h.elementField("groups", 1, "tags")), 12, 0, 1),
  },
  {
    name: "a map key twice",
    request: { ...allowed(), headers: [["x-once", "1"]] },
    decides: "deny",
    breach: (h) => h.rewrite("headers", [["x-once", "1"], ["x-once", "1"]]),
  },
];

function swapEntries(h: ForeignHost, i: number, j: number): void {
  swapAt(h, h.word(h.field("headers")), 8, i, j);
}

/** Swaps entries `i` and `j` of the map block at `map`, whose entries are `entry` bytes. */
function swapAt(h: ForeignHost, map: number, entry: number, i: number, j: number): void {
  const [a, b] = [map + 4 + entry * i, map + 4 + entry * j];
  for (let off = 0; off < entry; off += 4) {
    const x = h.word(a + off);
    h.setWord(a + off, h.word(b + off));
    h.setWord(b + off, x);
  }
}

describe.each([true, false])("the module refuses encodings that break the ABI (optimize %s)", (optimize) => {
  let policy: LoadedPolicy;
  let host: ForeignHost;
  beforeAll(async () => {
    const compiled = await compilePolicy(POLICY, { optimize });
    if (!compiled.bundle) throw new Error(compiled.diagnostics.map((d) => d.message).join("\n"));
    policy = loadPolicy(compiled.bundle, { allowUnsigned: true });
    host = new ForeignHost(compiled.bundle.module, compiled.bundle.manifest.layout as InputLayout);
  }, 120_000);

  it("decides the requests written by the rules", () => {
    host.write(allowed());
    expect(host.evaluate()).toBe("allow");
    for (const c of cases) {
      host.write(c.request);
      expect([c.name, host.evaluate()]).toEqual([c.name, c.decides]);
    }
  });

  it("reads nothing of an absent optional field but its flag, though the policy reads it in several places", () => {
    // the fields read in several places (roles, name, note) are checked once, as the decision starts
    host.write(allowed(), (h) => h.setWord(h.field("note"), 0x7ffffff0));
    expect(host.evaluate()).toBe("allow");
  });

  it("reads nothing of an absent optional field of a record in a list but its flag, though it checks the list whole", () => {
    host.write({ ...allowed(), groups: [{ tags: [["a", 1]] }] }, (h) => h.setWord(h.elementField("groups", 0, "extra"), 0x7ffffff0));
    expect(host.evaluate()).toBe("allow");
    host.write({ ...allowed(), groups: [{ tags: [["a", 1]] }] }, (h) => h.setWord(h.elementField("groups", 0, "extra", true), 2));
    expect(host.evaluate()).toBe("trap");
  });

  it.each(cases.map((c) => [c.name, c] as const))("traps on %s", (_, c) => {
    host.write(c.request, c.breach);
    expect(host.evaluate()).toBe("trap");
    // the same bytes handed to the JavaScript runtime: a deny with an internal error
    const evaluator = policy.evaluator;
    expect(evaluator.evaluateEncoded({ bytes: host.region() })).toBe(0);
    expect(evaluator.lastDecision()).toMatchObject({ decision: "deny", errors: [{ code: "internal" }] });
  });
});

describe("docs/abi.md's map example", () => {
  it("is the map block the runtime writes, and the module refuses it in the other order", async () => {
    const compiled = await compilePolicy(`policy "m" version "1"\ninput { m: map<string(4), int>(2) }\npermit p when m["\\ue000"] == 2\n`);
    const bundle = compiled.bundle!;
    const layout = bundle.manifest.layout as InputLayout;
    const host = new ForeignHost(bundle.module, layout);
    const encoded = loadPolicy(bundle, { allowUnsigned: true }).evaluator.encode({ m: { "😀": 1, "\ue000": 2 } });
    const words = new DataView(encoded.bytes.buffer, encoded.bytes.byteOffset, encoded.bytes.byteLength);
    const at = (p: number): number => p - host.input; // absolute address → offset into the encoding
    const H = words.getInt32(at(host.field("m")), true);
    const block = (p: number, n: number): number[] => [...encoded.bytes.subarray(at(p), at(p) + n)];
    expect(block(H, 4)).toEqual([2, 0, 0, 0]);
    expect(words.getInt32(at(H + 4), true)).toBe(H + 28);
    expect(block(H + 8, 8)).toEqual([2, 0, 0, 0, 0, 0, 0, 0]);
    expect(words.getInt32(at(H + 16), true)).toBe(H + 36);
    expect(block(H + 20, 8)).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    expect(block(H + 28, 7)).toEqual([3, 0, 0, 0, 0xee, 0x80, 0x80]);
    expect(block(H + 36, 8)).toEqual([4, 0, 0, 0, 0xf0, 0x9f, 0x98, 0x80]);
    // the foreign host writes the example in the documented order, then as JavaScript's sort() has it
    host.write({ m: [["\ue000", 2], ["😀", 1]] });
    expect(host.evaluate()).toBe("allow");
    host.write({ m: [["😀", 1], ["\ue000", 2]] });
    expect(host.evaluate()).toBe("trap");
  });
});
