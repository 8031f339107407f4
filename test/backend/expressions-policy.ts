// A wide policy for differential tests: one permit per construct (every builtin, and/or/cond error
// absorption, each macro over lists and maps, optional fields, records in lists, id and byte strings,
// runtime-built lists and maps), all permits so every rule runs on every request; and a generator of
// requests that hits the edges (int64 bounds as BigInt, empty / non-ASCII / astral strings, absent
// optional fields, out-of-range indexes, missing map keys).

import type { IRPolicy } from "../../compiler/ir/ir.js";
import { mapValue } from "../../compiler/ir/values.js";
import { INT64_MAX, INT64_MIN } from "../../runtime/schema.js";
import { rng } from "./agent-policy.js";
import { IRBuilder, bool, int, listOf, mapOf, rec, str } from "./ir-builder.js";

export const exprSchema = rec({
  req: rec({
    n: int,
    m: int,
    // compared only for equality: interned ids
    s1: str(16),
    s2: str(16),
    // used with byte operations: UTF-8 bytes
    u: str(24),
    w: str(24),
    items: listOf(int, 6),
    idWords: listOf(str(8), 5),
    byteWords: listOf(str(8), 5),
    flag: bool,
  }),
  user: rec(
    {
      nick: str(16),
      age: int,
      attrs: mapOf(str(8), 5, 8),
      scores: mapOf(int, 4, 8),
      groups: listOf(rec({ name: str(8), rank: int, owner: str(8) }, ["owner"]), 4),
      matrix: listOf(listOf(int, 3), 3),
      profile: rec({ title: str(8), level: int }, ["level"]),
    },
    ["nick", "age", "profile"],
  ),
});

export function expressionsPolicy(): { ir: IRPolicy; errorSites: Record<string, number> } {
  const b = new IRBuilder(exprSchema);
  const p = (path: string) => b.path(path);
  const s = (v: string) => b.lit(v);
  const n = (v: number | bigint) => b.lit(BigInt(v));
  const c = b.call.bind(b);
  const permit = (name: string, cond: ReturnType<typeof b.lit>) => b.rule(name, "permit", cond);

  // arithmetic and int64 edges
  permit("add", c("gt", c("add", p("req.n"), p("req.m")), n(0)));
  permit("sub", c("lt", c("sub", p("req.n"), p("req.m")), n(0)));
  permit("mul", c("ge", c("mul", p("req.n"), p("req.m")), n(4)));
  permit("div", c("eq", c("div", p("req.n"), p("req.m")), n(-1)));
  permit("mod", c("eq", c("mod", p("req.n"), p("req.m")), n(1)));
  permit("neg", c("gt", c("neg", p("req.n")), n(0)));
  permit("int_order", b.and(c("le", p("req.n"), p("req.m")), c("ne", p("req.n"), n(INT64_MIN))));
  permit("int_in", c("in_list", p("req.n"), b.lit([0n, 1n, -1n, INT64_MAX])));
  // booleans
  permit("bool_order", c("lt", p("req.flag"), b.lit(true)));
  permit("bool_eq", c("eq", c("not", p("req.flag")), c("gt", p("req.n"), n(0))));
  // interned strings
  permit("id_eq", c("eq", p("req.s1"), s("ab")));
  permit("id_eq_paths", c("eq", p("req.s1"), p("req.s2")));
  permit("id_in", c("in_list", p("req.s2"), b.lit(["a", "é", "😀", ""])));
  permit("id_in_list_path", c("in_list", p("req.s1"), p("req.idWords")));
  permit("id_list_eq", c("eq", p("req.idWords"), b.lit(["a", "ab"])));
  permit("id_exists", b.comp("exists", p("req.idWords"), "w", (x) => c("eq", x.v("w"), p("req.s2"))));
  // byte strings
  permit("str_lt", c("lt", p("req.u"), p("req.w")));
  permit("str_ge_lit", c("ge", p("req.u"), s("é")));
  permit("str_size", c("eq", c("size", p("req.u")), n(2)));
  permit("starts", c("starts_with", p("req.u"), p("req.w")));
  permit("ends", c("ends_with", p("req.u"), s("b")));
  permit("contains", c("contains", p("req.w"), p("req.u")));
  permit("concat", c("eq", c("concat_string", p("req.u"), p("req.w")), s("aé")));
  permit("concat_size", c("gt", c("size", c("concat_string", p("req.w"), s("😀"))), n(3)));
  permit("bytes_in", c("in_list", p("req.u"), p("req.byteWords")));
  permit("bytes_all", b.comp("all", p("req.byteWords"), "w", (x) => c("starts_with", x.v("w"), s("a"))));
  // lists
  permit("index", c("gt", c("index_list", p("req.items"), p("req.n")), n(0)));
  permit("list_size", c("eq", c("size", p("req.items")), n(2)));
  permit("concat_list", c("eq", c("concat_list", p("req.items"), b.list(p("req.m"))), b.lit([1n, 2n])));
  permit("list_node", c("eq", c("index_list", b.list(p("req.n"), p("req.m")), n(1)), n(2)));
  permit("list_in_lists", c("in_list", p("req.items"), b.lit([[1n, 2n], [], [3n]])));
  permit("str_list_node", c("eq", b.list(p("req.u"), s("z")), b.list(p("req.w"), s("z"))));
  permit("byte_list_concat", c("in_list", s("x"), c("concat_list", p("req.byteWords"), b.list(p("req.w")))));
  // macros over lists (with errors inside)
  permit("all_div", b.comp("all", p("req.items"), "x", (x) => c("gt", c("div", n(10), x.v("x")), n(1))));
  permit("exists_div", b.comp("exists", p("req.items"), "x", (x) => c("eq", c("div", n(10), x.v("x")), n(5))));
  permit("exists_one_div", b.comp("exists_one", p("req.items"), "x", (x) => c("gt", c("div", n(10), x.v("x")), n(2))));
  permit("filter_size", c("eq", c("size", b.comp("filter", p("req.items"), "x", (x) => c("eq", c("mod", x.v("x"), n(2)), n(0)))), n(1)));
  permit("map_exists", b.comp("exists", b.comp("map", p("req.items"), "x", undefined, (x) => c("mul", x.v("x"), n(3))), "y", (x) => c("gt", x.v("y"), n(10))));
  permit(
    "map3_eq",
    c("eq", b.comp("map", p("req.items"), "x", (x) => c("gt", x.v("x"), n(0)), (x) => c("sub", x.v("x"), n(1))), b.lit([0n, 1n])),
  );
  permit(
    "filter_concat",
    b.comp("exists", b.comp("filter", p("req.byteWords"), "w", (x) => c("contains", c("concat_string", x.v("w"), s("!")), s("a!"))), "v", (x) => c("eq", x.v("v"), p("req.u"))),
  );
  permit("nested", b.comp("exists", p("user.matrix"), "row", (x) => b.comp("all", x.v("row"), "e", (y) => c("gt", y.v("e"), p("req.n")))));
  permit("nested_map", c("in_list", n(2), b.comp("map", p("user.matrix"), "row", undefined, (x) => c("size", x.v("row")))));
  // maps
  permit("in_map", c("in_map", p("req.u"), p("user.attrs")));
  permit("index_map", c("eq", c("index_map", p("user.attrs"), s("k")), p("req.w")));
  permit("map_all_keys", b.comp("all", p("user.scores"), "k", (x) => c("gt", c("index_map", p("user.scores"), x.v("k")), n(0))));
  permit("map_filter_keys", c("eq", b.comp("filter", p("user.attrs"), "k", (x) => c("starts_with", x.v("k"), s("a"))), b.lit(["a", "ab"])));
  permit("map_exists_one", b.comp("exists_one", p("user.attrs"), "k", (x) => c("eq", c("index_map", p("user.attrs"), x.v("k")), s("v"))));
  permit("map_node", c("eq", c("index_map", b.map([["y", p("req.n")], ["x", p("req.m")]]), s("x")), n(3)));
  permit("map_node_eq", c("eq", b.map([["b", p("req.u")], ["a", p("req.w")]]), b.lit(mapValue([["a", "x"], ["b", "y"]]))));
  permit("map_eq_path", c("eq", p("user.scores"), b.lit(mapValue([["a", 1n]]))));
  permit("map_size", c("eq", c("size", p("user.attrs")), n(0)));
  // records, optional fields, has
  permit("opt_eq", c("eq", p("user.nick"), s("bob")));
  permit("has_and", b.and(b.has(p("user"), "nick"), c("eq", p("user.nick"), s("bob"))));
  permit("has_cond", b.cond(b.has(p("user"), "age"), c("gt", p("user.age"), n(18)), b.lit(false)));
  permit("opt_or_true", b.or(c("gt", p("user.age"), n(1)), b.lit(true)));
  permit("opt_and_false", b.and(c("gt", p("user.age"), n(1)), c("eq", p("req.n"), n(0))));
  permit("nested_opt", c("eq", b.field(p("user.profile"), "title"), s("dr")));
  permit("nested_opt2", c("ge", b.field(p("user.profile"), "level"), n(2)));
  permit("has_nested", b.has(p("user.profile"), "level"));
  permit("groups_exists", b.comp("exists", p("user.groups"), "g", (x) => b.and(c("gt", x.field(x.v("g"), "rank"), p("req.n")), c("eq", x.field(x.v("g"), "owner"), p("req.s1")))));
  permit("groups_one", b.comp("exists_one", p("user.groups"), "g", (x) => c("eq", x.field(x.v("g"), "name"), s("x"))));
  permit("groups_filter_index", c("eq", b.field(c("index_list", b.comp("filter", p("user.groups"), "g", (x) => c("gt", x.field(x.v("g"), "rank"), n(0))), n(0)), "name"), s("a")));
  // and / or / cond error absorption
  permit("and_err_false", b.and(c("gt", c("div", n(1), p("req.n")), n(0)), c("gt", p("req.m"), n(0))));
  permit("or_err_true", b.or(c("gt", c("div", n(1), p("req.n")), n(0)), c("gt", p("req.m"), n(0))));
  permit("or_two_errs", b.or(c("gt", c("div", n(1), p("req.n")), n(0)), c("gt", c("mod", n(1), p("req.m")), n(0))));
  permit("and_two_errs", b.and(c("eq", c("index_list", p("req.items"), p("req.m")), n(1)), c("eq", c("index_map", p("user.attrs"), p("req.u")), s("v"))));
  permit("cond_err", b.cond(c("gt", c("div", n(1), p("req.n")), n(0)), c("eq", p("req.m"), n(1)), c("eq", c("div", n(1), p("req.m")), n(1))));
  permit("cond_list", c("gt", c("index_list", b.cond(p("req.flag"), p("req.items"), b.list(p("req.m"))), n(0)), n(0)));
  permit("strict_first_error", c("eq", c("add", c("div", n(1), p("req.n")), c("mod", n(1), p("req.m"))), n(1)));
  permit("not_err", c("not", c("eq", c("neg", p("req.m")), n(1))));
  return { ir: b.policy("expressions"), errorSites: b.errorSites() };
}

const STRINGS = ["", "a", "ab", "b", "é", "aé", "😀", "a😀", "\u{e000}", "x", "k", "v", "z", "bob", "ü"];
const INTS: (number | bigint)[] = [0, 1, -1, 2, 3, -2, 5, 7, 10, -10, 2 ** 31, -(2 ** 31), 2 ** 53 - 1, -(2 ** 53 - 1), INT64_MAX, INT64_MIN, 1n << 62n, -(1n << 32n), 4294967295];

export function expressionRequests(count: number, seed = 1): object[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const small = () => pick([0, 1, 2, -1, 3, 5, 10]);
  const ints = (max: number, f: () => number | bigint) => Array.from({ length: Math.floor(r() * (max + 1)) }, f);
  const strs = (max: number) => Array.from({ length: Math.floor(r() * (max + 1)) }, () => pick(STRINGS.slice(0, 10)));
  const map = <T>(max: number, f: () => T): Record<string, T> => {
    const out: Record<string, T> = {};
    for (let i = Math.floor(r() * (max + 1)); i > 0; i--) out[pick(["a", "ab", "b", "k", "é", "😀", "\u{e000}", "z"])] = f();
    return out;
  };
  const out: object[] = [];
  for (let i = 0; i < count; i++) {
    const user: Record<string, unknown> = {
      attrs: map(5, () => pick(["v", "x", "y", "", "é"])),
      scores: map(4, () => pick([1, 0, -1, 2])),
      groups: Array.from({ length: Math.floor(r() * 5) }, () => {
        const g: Record<string, unknown> = { name: pick(["a", "x", "b"]), rank: small() };
        if (r() < 0.6) g.owner = pick(["a", "ab", "x"]);
        return g;
      }),
      matrix: Array.from({ length: Math.floor(r() * 4) }, () => ints(3, small)),
    };
    if (r() < 0.5) user.nick = pick(["bob", "al", "é"]);
    if (r() < 0.5) user.age = pick([17, 18, 40, 0]);
    if (r() < 0.6) {
      const prof: Record<string, unknown> = { title: pick(["dr", "mr"]) };
      if (r() < 0.5) prof.level = small();
      user.profile = prof;
    }
    out.push({
      req: {
        n: r() < 0.5 ? small() : pick(INTS),
        m: r() < 0.5 ? small() : pick(INTS),
        s1: pick(STRINGS),
        s2: pick(STRINGS),
        u: pick(STRINGS),
        w: pick(STRINGS),
        items: ints(6, () => (r() < 0.8 ? small() : pick(INTS))),
        idWords: strs(5),
        byteWords: strs(5),
        flag: r() < 0.5,
      },
      user,
    });
  }
  return out;
}
