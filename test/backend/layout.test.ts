// The input layout (which fields are encoded, ids or bytes, the interned table, the size bound) and
// the host-side encoder's bytes (ints as two halves, UTF-8 strings, map keys in code-point order,
// presence flags, per-request ids).

import { describe, expect, it } from "vitest";
import { planLayout } from "../../compiler/backend/layout.js";
import { createEncoder } from "../../runtime/wasm/encoder.js";
import type { InputLayout, RecordLayout, SlotLayout } from "../../runtime/wasm/layout.js";
import { INT64_MAX, INT64_MIN } from "../../runtime/schema.js";
import { expressionsPolicy } from "./expressions-policy.js";
import { IRBuilder, int, listOf, mapOf, rec, str } from "./ir-builder.js";

const field = (r: RecordLayout, name: string) => r.fields.find((f) => f.name === name);
const typeAt = (layout: InputLayout, path: string): SlotLayout | undefined => {
  let t: SlotLayout | undefined = layout.root;
  for (const name of path.split(".")) t = t && t.kind === "record" ? field(t, name)?.type : undefined;
  return t;
};

describe("layout planning", () => {
  const { ir } = expressionsPolicy();
  const { layout } = planLayout(ir);

  it("sends strings compared only for equality as ids, the others as bytes", () => {
    expect(typeAt(layout, "req.s1")).toMatchObject({ kind: "string", rep: "id" });
    expect(typeAt(layout, "req.s2")).toMatchObject({ kind: "string", rep: "id" });
    expect(typeAt(layout, "req.u")).toEqual({ kind: "string", rep: "bytes" });
    expect(typeAt(layout, "req.w")).toEqual({ kind: "string", rep: "bytes" });
    expect(typeAt(layout, "req.idWords")).toMatchObject({ kind: "list", element: { kind: "string", rep: "id" } });
    expect(typeAt(layout, "req.byteWords")).toEqual({ kind: "list", element: { kind: "string", rep: "bytes" } });
    // group owners meet req.s1 (an id path) through a comprehension variable
    const groups = typeAt(layout, "user.groups");
    expect(groups?.kind === "list" && groups.element.kind === "record" && field(groups.element, "owner")?.type).toMatchObject({ kind: "string", rep: "id" });
    // the strings table holds the constants compared with id paths, and no byte-only constant
    expect(layout.strings).toEqual(expect.arrayContaining(["ab", "a", "é", "😀", ""]));
    expect(layout.strings).not.toContain("aé");
    expect(new Set(layout.strings).size).toBe(layout.strings.length);
  });

  it("unifies through equality: one byte use makes the whole class bytes", () => {
    const b = new IRBuilder(rec({ a: str(), b: str(), c: str(), d: str() }));
    b.rule("eq", "permit", b.call("eq", b.path("a"), b.path("b")));
    b.rule("eq2", "permit", b.call("eq", b.path("b"), b.path("c")));
    b.rule("bytes", "permit", b.call("starts_with", b.path("c"), b.lit("x")));
    b.rule("ids", "permit", b.call("eq", b.path("d"), b.lit("y")));
    const { layout } = planLayout(b.policy());
    for (const f of ["a", "b", "c"]) expect(typeAt(layout, f)).toEqual({ kind: "string", rep: "bytes" });
    expect(typeAt(layout, "d")).toEqual({ kind: "string", rep: "id", intern: "constants", meets: [1] });
    expect(layout.strings).toEqual(["y"]);
  });

  it("numbers id strings by how they are compared: with constants, with each other, or both", () => {
    const b = new IRBuilder(
      rec({
        tool: str(),
        tenant: str(),
        owner: str(),
        kind: str(),
        other: str(),
        roles: listOf(str()),
        groups: listOf(str()),
        left: listOf(str()),
        right: listOf(str()),
      }),
    );
    b.rule("constants", "permit", b.call("eq", b.path("tool"), b.lit("curl")));
    b.rule("values", "permit", b.call("ne", b.path("tenant"), b.path("owner")));
    b.rule("both1", "permit", b.call("eq", b.path("kind"), b.path("other")));
    b.rule("both2", "permit", b.call("eq", b.path("other"), b.lit("x")));
    b.rule("member", "permit", b.call("in_list", b.lit("admin"), b.path("roles")));
    b.rule("var", "permit", b.comp("exists", b.path("groups"), "g", (c) => c.call("eq", c.v("g"), c.path("tenant"))));
    b.rule("lists", "permit", b.call("eq", b.path("left"), b.path("right")));
    const { layout } = planLayout(b.policy());
    const id = (s: string) => layout.strings.indexOf(s) + 1;
    expect(typeAt(layout, "tool")).toEqual({ kind: "string", rep: "id", intern: "constants", meets: [id("curl")] });
    expect(typeAt(layout, "roles")).toEqual({ kind: "list", element: { kind: "string", rep: "id", intern: "constants", meets: [id("admin")] } });
    for (const f of ["tenant", "owner"]) expect(typeAt(layout, f)).toEqual({ kind: "string", rep: "id", intern: "values", meets: [] });
    // a comprehension variable compared with a field: the list's elements join that class
    expect(typeAt(layout, "groups")).toEqual({ kind: "list", element: { kind: "string", rep: "id", intern: "values", meets: [] } });
    // list equality compares the elements with each other
    expect(typeAt(layout, "left")).toEqual({ kind: "list", element: { kind: "string", rep: "id", intern: "values", meets: [] } });
    for (const f of ["kind", "other"]) expect(typeAt(layout, f)).toEqual({ kind: "string", rep: "id", meets: [id("x")] });
  });

  it("encodes only the fields the policy reads", () => {
    const b = new IRBuilder(rec({ used: int, unused: str(), inner: rec({ x: int, y: str() }), opt: int }, ["opt"]));
    b.rule("r", "permit", b.and(b.call("gt", b.path("used"), b.path("inner.x")), b.has(b.input(), "opt")));
    const { layout } = planLayout(b.policy());
    expect(layout.root.fields.map((f) => f.name)).toEqual(["used", "inner", "opt"]);
    const inner = field(layout.root, "inner")!.type as RecordLayout;
    expect(inner.fields.map((f) => f.name)).toEqual(["x"]);
    // `opt` is only tested for presence: a flag, no value slot
    expect(field(layout.root, "opt")).toMatchObject({ offset: -1 });
    expect(field(layout.root, "opt")!.presence).toBeGreaterThanOrEqual(0);
    expect(layout.root.size).toBe(8 + 8 + 4);
  });
});

describe("the encoder", () => {
  const b = new IRBuilder(
    rec(
      {
        n: int,
        s: str(40),
        id: str(8),
        id2: str(8),
        words: listOf(str(8), 4),
        m: mapOf(int, 8, 8),
        o: str(8),
      },
      ["o"],
    ),
  );
  b.rule("r", "permit", b.all(
    b.call("gt", b.path("n"), b.lit(0n)),
    b.call("starts_with", b.path("s"), b.lit("x")),
    b.call("eq", b.path("id"), b.path("id2")),
    b.call("in_list", b.lit("k"), b.path("words")),
    b.call("in_map", b.path("s"), b.path("m")),
    b.call("eq", b.path("o"), b.path("id")),
    b.call("in_list", b.path("id"), b.path("words")),
  ));
  const policy = b.policy();
  const { layout } = planLayout(policy);
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
  const base = 1024;
  const enc = createEncoder(layout, policy.schema, memory, base);
  const i32 = new Int32Array(memory.buffer);
  const u8 = new Uint8Array(memory.buffer);
  const off = (name: string) => base + field(layout.root, name)!.offset;
  const readString = (p: number) => Buffer.from(u8.subarray(p + 4, p + 4 + i32[p >> 2]!)).toString("utf8");
  const int64At = (a: number) => (BigInt(i32[(a >> 2) + 1]!) << 32n) | BigInt(i32[a >> 2]! >>> 0);

  const request = (over: Record<string, unknown>) => ({ n: 1, s: "x", id: "k", id2: "k", words: [], m: {}, ...over });

  it("writes ints as two i32 halves, numbers and BigInts alike", () => {
    for (const v of [0, 1, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 32 + 5, -(2 ** 40) - 5, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]) {
      enc.encode(request({ n: v }));
      expect(int64At(off("n"))).toBe(BigInt(v));
    }
    for (const v of [INT64_MAX, INT64_MIN, 1n << 62n, -(1n << 33n) + 7n]) {
      enc.encode(request({ n: v }));
      expect(int64At(off("n"))).toBe(v);
    }
  });

  it("writes byte strings as UTF-8: ASCII, non-ASCII, astral and empty", () => {
    for (const s of ["", "x", "héllo", "a😀b", "😀", "\u{e000}z", "日本語テキスト", "x".repeat(40)]) {
      enc.encode(request({ s }));
      const p = i32[off("s") >> 2]!;
      expect(readString(p)).toBe(s);
      expect(i32[p >> 2]).toBe(Buffer.byteLength(s));
    }
  });

  it("gives table strings their table id and other strings per-request ids, equal for equal strings", () => {
    enc.encode(request({ id: "k", id2: "zz", words: ["zz", "yy", "zz", "k"] }));
    const k = layout.strings.indexOf("k") + 1;
    expect(k).toBeGreaterThan(0);
    const words = i32[off("words") >> 2]!;
    const ids = [0, 1, 2, 3].map((i) => i32[(words >> 2) + 1 + i]);
    expect(i32[off("id") >> 2]).toBe(k);
    expect(ids[3]).toBe(k);
    expect(ids[0]).toBe(i32[off("id2") >> 2]);
    expect(ids[0]).toBe(ids[2]);
    expect(ids[1]).not.toBe(ids[0]);
    expect(ids[0]).toBeGreaterThan(layout.strings.length);
    // ids restart with every request
    enc.encode(request({ id2: "yy" }));
    expect(i32[off("id2") >> 2]).toBe(layout.strings.length + 1);
  });

  it("gives strings compared only with constants 0 outside the constants they meet, and skips the table for strings no constant meets", () => {
    const nb = new IRBuilder(rec({ tool: str(8), label: str(8), tenant: str(8), owner: str(8) }));
    nb.rule("c", "permit", nb.call("eq", nb.path("tool"), nb.lit("curl")));
    nb.rule("k", "permit", nb.call("eq", nb.path("label"), nb.lit("acme")));
    nb.rule("v", "permit", nb.call("eq", nb.path("tenant"), nb.path("owner")));
    const np = nb.policy();
    const { layout: nl } = planLayout(np);
    const e = createEncoder(nl, np.schema, memory, base);
    const at = (name: string) => i32[(base + field(nl.root, name)!.offset) >> 2];
    const first = nl.strings.length + 1;
    e.encode({ tool: "curl", label: "acme", tenant: "acme", owner: "acme" });
    expect([at("tool"), at("label")]).toEqual([nl.strings.indexOf("curl") + 1, nl.strings.indexOf("acme") + 1]);
    // "acme" is a table string, but tenant and owner never meet a constant: per-request ids
    expect([at("tenant"), at("owner")]).toEqual([first, first]);
    // "acme" is not a constant `tool` meets: 0, like any other string
    e.encode({ tool: "acme", label: "wget", tenant: "acme", owner: "hooli" });
    expect([at("tool"), at("label")]).toEqual([0, 0]);
    expect([at("tenant"), at("owner")]).toEqual([first, first + 1]);
  });

  it("writes map entries in code-point order of their keys", () => {
    const m = { "😀": 1, "\u{e000}": 2, b: 3, a: 4, "": 5, é: 6 };
    enc.encode(request({ m }));
    const p = i32[off("m") >> 2]!;
    const n = i32[p >> 2]!;
    const keys = Array.from({ length: n }, (_, i) => readString(i32[(p >> 2) + 1 + 3 * i]!));
    const values = Array.from({ length: n }, (_, i) => int64At(p + 4 + 12 * i + 4));
    expect(keys).toEqual(["", "a", "b", "é", "\u{e000}", "😀"]);
    expect(values).toEqual([5n, 4n, 3n, 6n, 2n, 1n]);
  });

  it("writes presence flags for optional fields", () => {
    const o = field(layout.root, "o")!;
    enc.encode(request({ o: "k" }));
    expect(i32[(base + o.presence) >> 2]).toBe(1);
    enc.encode(request({}));
    expect(i32[(base + o.presence) >> 2]).toBe(0);
  });

  it("stays inside the input size the layout declares for a request at every bound", () => {
    const big = request({
      s: "😀".repeat(10),
      id: "é".repeat(4),
      words: ["€€", "€€", "€€", "€€"],
      m: Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`${"é".repeat(3)}${i}`, i])),
      o: "x".repeat(8),
    });
    enc.encode(big);
    expect(enc.usedBytes()).toBeLessThanOrEqual(layout.inputSize);
    expect(enc.usedBytes()).toBeGreaterThan(layout.inputSize / 2);
  });
});
