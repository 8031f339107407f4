// Random well-typed expressions of Writ's CEL subset, with random bindings, for the differential test
// against an independent CEL implementation (cel-js.test.ts). Expressions are generated as a small
// tree and printed as CEL text; every construct of the subset appears: int arithmetic (with values
// near the int64 limits, so overflow happens), division and modulo by zero, string and list
// concatenation, indexing out of range, absent map keys, comparisons, `in`, `size`, the string
// methods, the five macros (nested, over lists and maps), `has()` and field selection on maps,
// `? :`, `&&`/`||`/`!` over erroring operands (CEL's error absorption), and the empty literals `[]`
// and `{}` (as operands and as macro ranges, whose bodies then never run).
//
// Shapes on which cel-js departs from the CEL specification are excluded here or detected in the
// test, each with a pointer to docs/cel-divergences.md.

import fc from "fast-check";

export type Ty = "int" | "string" | "bool" | "list_int" | "list_string" | "map_int";

export type Tree =
  | { readonly k: "lit"; readonly text: string }
  | { readonly k: "var"; readonly name: string }
  | { readonly k: "neg"; readonly e: Tree }
  | { readonly k: "not"; readonly e: Tree }
  | { readonly k: "bin"; readonly op: string; readonly a: Tree; readonly b: Tree }
  | { readonly k: "cond"; readonly c: Tree; readonly a: Tree; readonly b: Tree }
  | { readonly k: "method"; readonly fn: string; readonly target: Tree; readonly args: readonly Tree[] }
  | { readonly k: "size"; readonly e: Tree }
  | { readonly k: "index"; readonly e: Tree; readonly i: Tree }
  | { readonly k: "select"; readonly e: Tree; readonly field: string }
  | { readonly k: "has"; readonly e: Tree; readonly field: string }
  | { readonly k: "list"; readonly els: readonly Tree[] }
  | { readonly k: "map"; readonly entries: readonly { readonly key: string; readonly value: Tree }[] }
  | { readonly k: "macro"; readonly fn: string; readonly range: Tree; readonly v: string; readonly body: readonly Tree[] }
  /** an empty list or map literal, used as a list or map of `ty` */
  | { readonly k: "empty"; readonly ty: "list_int" | "list_string" | "map_int" };

/**
 * What an empty literal is printed as for cel-js, which types `[]` and `{}` as lists and maps of
 * `dyn` and then fails on some operators over their elements where the body of a macro over them
 * never runs (docs/cel-divergences.md, "Empty list literals"): an empty list or map of the type
 * the generator meant, of the same value.
 */
const CEL_EMPTY = { list_int: "[0].filter(z, false)", list_string: '[""].filter(z, false)', map_int: "(false ? m : {})" } as const;

/** How a tree is printed (print). */
export interface PrintOptions {
  /**
   * unary minus, division and modulo as calls of `probe_neg`, `probe_div` and `probe_mod`, functions
   * the test registers to detect the INT64_MIN shapes of docs/cel-divergences.md (that text is used
   * only to classify a disagreement, never as the compared result)
   */
  readonly probes?: boolean;
  /** for cel-js: an empty literal printed as an empty value of its type (CEL_EMPTY) */
  readonly forCel?: boolean;
  /**
   * "all": every operator's operands in parentheses, so the text's meaning does not rest on
   * precedence; "needed": only where the grammar's precedence and associativity need them (and around
   * a relation's operand that is a relation: docs/cel-divergences.md, "Relation chains"), so that the
   * parser's precedence is compared with cel-js's
   */
  readonly parens?: "all" | "needed";
}

/**
 * Binding strength of CEL's levels (langdef.md, "Syntax"): a conditional binds loosest, then `||`,
 * `&&`, the relations (`<` … `==` `!=` `in`, one left-associative level), `+ -`, `* / %`, the unary
 * operators, and member access, calls, indexing and primaries tightest.
 */
const COND = 0, OR = 1, AND = 2, RELATION = 3, ADD = 4, MUL = 5, UNARY = 6, MEMBER = 7;
const LEVEL: Readonly<Record<string, number>> = { "||": OR, "&&": AND, "<": RELATION, "<=": RELATION, ">": RELATION, ">=": RELATION, "==": RELATION, "!=": RELATION, in: RELATION, "+": ADD, "-": ADD, "*": MUL, "/": MUL, "%": MUL };

/** Prints a tree as CEL text (PrintOptions; by default every operand parenthesised, for Writ). */
export function print(t: Tree, options: PrintOptions = {}): string {
  const { probes = false, forCel = false, parens = "all" } = options;
  /** `t` printed where an expression of at least `level` stands without parentheses */
  const at = (x: Tree, level: number): string => {
    const [text, own] = printed(x);
    return own >= level ? text : `(${text})`;
  };
  /** the text of `x` and the level it binds at */
  const printed = (x: Tree): [string, number] => {
    const all = parens === "all";
    switch (x.k) {
      case "empty":
        return [forCel ? CEL_EMPTY[x.ty] : x.ty === "map_int" ? "{}" : "[]", MEMBER];
      case "lit":
        // negative literals are generated parenthesised: a primary
        return [x.text, MEMBER];
      case "var":
        return [x.name, MEMBER];
      case "neg":
        if (probes) return [`probe_neg(${print(x.e, options)})`, MEMBER];
        // `--x` would be read as a decrement by no CEL parser, but `- -x` is spelt out all the same
        return all ? [`-(${print(x.e, options)})`, UNARY] : [`-${x.e.k === "neg" ? " " : ""}${at(x.e, UNARY)}`, UNARY];
      case "not":
        return all ? [`!(${print(x.e, options)})`, UNARY] : [`!${at(x.e, UNARY)}`, UNARY];
      case "bin": {
        if (probes && x.op === "/") return [`probe_div(${print(x.a, options)}, ${print(x.b, options)})`, MEMBER];
        if (probes && x.op === "%") return [`probe_mod(${print(x.a, options)}, ${print(x.b, options)})`, MEMBER];
        if (all) return [`(${print(x.a, options)} ${x.op} ${print(x.b, options)})`, MEMBER];
        const level = LEVEL[x.op]!;
        // left-associative: the left operand may be of the same level, the right one binds tighter;
        // divergence: a relation whose operand is a relation is parenthesised for cel-js
        const left = level === RELATION ? RELATION + 1 : level;
        return [`${at(x.a, left)} ${x.op} ${at(x.b, level + 1)}`, level];
      }
      case "cond":
        // `c ? a : b`: the condition and `a` are ConditionalOr, `b` an Expr (right-associative)
        return all ? [`(${print(x.c, options)} ? ${print(x.a, options)} : ${print(x.b, options)})`, MEMBER] : [`${at(x.c, OR)} ? ${at(x.a, OR)} : ${at(x.b, COND)}`, COND];
      case "method":
        return [`${at(x.target, MEMBER)}.${x.fn}(${x.args.map((a) => print(a, options)).join(", ")})`, MEMBER];
      case "size":
        return [`size(${print(x.e, options)})`, MEMBER];
      case "index":
        return [`${at(x.e, MEMBER)}[${print(x.i, options)}]`, MEMBER];
      case "select":
        return [`${at(x.e, MEMBER)}.${x.field}`, MEMBER];
      case "has":
        return [`has(${at(x.e, MEMBER)}.${x.field})`, MEMBER];
      case "list":
        return [`[${x.els.map((e) => print(e, options)).join(", ")}]`, MEMBER];
      case "map":
        return [`{${x.entries.map((e) => `${JSON.stringify(e.key)}: ${print(e.value, options)}`).join(", ")}}`, MEMBER];
      case "macro":
        return [`${at(x.range, MEMBER)}.${x.fn}(${x.v}, ${x.body.map((b) => print(b, options)).join(", ")})`, MEMBER];
    }
  };
  return printed(t)[0];
}

// ---------------------------------------------------------------------------------------------
// Values

export const INT64_MAX = (1n << 63n) - 1n;
export const INT64_MIN = -(1n << 63n);

/** Ints that make overflow, sign and zero cases likely. */
const INTS = [0n, 1n, 2n, 3n, -1n, -2n, 7n, -7n, 10n, 100n, 3037000500n, -3037000500n, 1n << 62n, INT64_MAX, -INT64_MAX, INT64_MIN];

/**
 * Strings mixing ASCII, 2-byte and astral characters (so byte length, UTF-16 length and code-point
 * count all differ). No character in U+E000..U+FFFF: cel-js orders strings by UTF-16 code unit, and
 * only those characters order differently from code points against astral ones — the divergence is
 * documented in docs/cel-divergences.md ("String ordering"), so it is excluded here.
 */
const STRINGS = ["", "a", "b", "ab", "ba", "abc", "é", "aé", "🐱", "a🐱", "🐱a", "😀", "Ω", "A"];
const KEYS = ["a", "b", "c", "é"];
const IDENT_KEYS = ["a", "b", "c"];

export interface Bindings {
  readonly i1: bigint;
  readonly i2: bigint;
  readonly s1: string;
  readonly s2: string;
  readonly b1: boolean;
  readonly li: readonly bigint[];
  readonly ls: readonly string[];
  readonly m: Readonly<Record<string, bigint>>;
}

export const VARIABLES: readonly { readonly name: keyof Bindings; readonly ty: Ty; readonly writ: string; readonly cel: string }[] = [
  { name: "i1", ty: "int", writ: "int", cel: "int" },
  { name: "i2", ty: "int", writ: "int", cel: "int" },
  { name: "s1", ty: "string", writ: "string", cel: "string" },
  { name: "s2", ty: "string", writ: "string", cel: "string" },
  { name: "b1", ty: "bool", writ: "bool", cel: "bool" },
  { name: "li", ty: "list_int", writ: "list<int>", cel: "list<int>" },
  { name: "ls", ty: "list_string", writ: "list<string>", cel: "list<string>" },
  { name: "m", ty: "map_int", writ: "map<string, int>", cel: "map<string, int>" },
];

const anInt = fc.oneof(fc.constantFrom(...INTS), fc.bigInt({ min: -20n, max: 20n }));
const aString = fc.constantFrom(...STRINGS);

export const bindingsArb: fc.Arbitrary<Bindings> = fc.record({
  i1: anInt,
  i2: anInt,
  s1: aString,
  s2: aString,
  b1: fc.boolean(),
  li: fc.array(anInt, { maxLength: 4 }),
  ls: fc.array(aString, { maxLength: 4 }),
  m: fc.dictionary(fc.constantFrom(...KEYS), anInt, { maxKeys: 3 }),
});

// ---------------------------------------------------------------------------------------------
// Expressions

type Scope = readonly { readonly name: string; readonly ty: Ty }[];

interface Gen {
  /** an integer in [0, n) */
  pick(n: number): number;
}

const quote = (s: string) => JSON.stringify(s);

function intLiteral(g: Gen): Tree {
  const v = g.pick(3) === 0 ? INTS[g.pick(INTS.length)]! : BigInt(g.pick(21) - 10);
  // INT64_MIN has no literal of its own (the literal 9223372036854775808 is out of range)
  const text = v === INT64_MIN ? "(-9223372036854775807 - 1)" : v < 0n ? `(${v})` : String(v);
  return { k: "lit", text };
}

function leaf(g: Gen, ty: Ty, scope: Scope): Tree {
  const vars = scope.filter((v) => v.ty === ty);
  if (vars.length > 0 && g.pick(2) === 0) return { k: "var", name: vars[g.pick(vars.length)]!.name };
  switch (ty) {
    case "int":
      return intLiteral(g);
    case "string":
      return { k: "lit", text: quote(STRINGS[g.pick(STRINGS.length)]!) };
    case "bool":
      return { k: "lit", text: g.pick(2) === 0 ? "true" : "false" };
    case "list_int":
    case "list_string": {
      if (g.pick(5) === 0) return { k: "empty", ty };
      const n = 1 + g.pick(3);
      const el: Ty = ty === "list_int" ? "int" : "string";
      return { k: "list", els: Array.from({ length: n }, () => leaf(g, el, scope)) };
    }
    case "map_int": {
      const keys = KEYS.filter(() => g.pick(2) === 0);
      if (keys.length === 0) return g.pick(2) === 0 ? { k: "var", name: "m" } : { k: "empty", ty: "map_int" };
      return { k: "map", entries: keys.map((key) => ({ key, value: leaf(g, "int", scope) })) };
    }
  }
}

let macroCounter = 0;

function macroVar(): string {
  return `v${macroCounter++ % 4}`;
}

/** A comprehension over a list or map of the scope, its body generated with the variable in scope. */
function macro(g: Gen, result: "bool" | "list", depth: number, scope: Scope, elemOut?: Ty): Tree {
  const ranges: { ty: Ty; elem: Ty }[] = [
    { ty: "list_int", elem: "int" },
    { ty: "list_string", elem: "string" },
    { ty: "map_int", elem: "string" },
  ];
  const r = ranges[g.pick(ranges.length)]!;
  const range = expr(g, r.ty, depth - 1, scope);
  const v = macroVar();
  const inner: Scope = [...scope.filter((s) => s.name !== v), { name: v, ty: r.elem }];
  if (result === "bool") {
    const fn = ["all", "exists", "exists_one"][g.pick(3)]!;
    return { k: "macro", fn, range, v, body: [expr(g, "bool", depth - 1, inner)] };
  }
  if (elemOut === r.elem && g.pick(2) === 0) {
    return { k: "macro", fn: "filter", range, v, body: [expr(g, "bool", depth - 1, inner)] };
  }
  const out = elemOut ?? "int";
  const body = g.pick(3) === 0 ? [expr(g, "bool", depth - 1, inner), expr(g, out, depth - 1, inner)] : [expr(g, out, depth - 1, inner)];
  return { k: "macro", fn: "map", range, v, body };
}

/** A random expression of type `ty`, at most `depth` levels deep. */
export function expr(g: Gen, ty: Ty, depth: number, scope: Scope): Tree {
  if (depth <= 0 || g.pick(4) === 0) return leaf(g, ty, scope);
  const sub = (t: Ty) => expr(g, t, depth - 1, scope);
  const cond = (): Tree => ({ k: "cond", c: sub("bool"), a: sub(ty), b: sub(ty) });
  switch (ty) {
    case "int": {
      switch (g.pick(9)) {
        case 0:
        case 1:
          return { k: "bin", op: ["+", "-", "*", "/", "%"][g.pick(5)]!, a: sub("int"), b: sub("int") };
        case 2:
          return { k: "neg", e: sub("int") };
        case 3: {
          const t = (["string", "list_int", "list_string", "map_int"] as const)[g.pick(4)]!;
          return g.pick(2) === 0 ? { k: "size", e: sub(t) } : { k: "method", fn: "size", target: sub(t), args: [] };
        }
        case 4:
          return { k: "index", e: sub("list_int"), i: g.pick(2) === 0 ? { k: "lit", text: String(g.pick(4)) } : sub("int") };
        case 5:
          return { k: "index", e: sub("map_int"), i: g.pick(2) === 0 ? { k: "lit", text: quote(KEYS[g.pick(KEYS.length)]!) } : sub("string") };
        case 6:
          // field selection on a map: `m.a` is `m['a']` (only keys that are identifiers)
          return g.pick(2) === 0 ? cond() : { k: "select", e: sub("map_int"), field: IDENT_KEYS[g.pick(IDENT_KEYS.length)]! };
        default:
          return { k: "bin", op: ["+", "-", "*"][g.pick(3)]!, a: sub("int"), b: leaf(g, "int", scope) };
      }
    }
    case "string": {
      switch (g.pick(4)) {
        case 0:
          return { k: "bin", op: "+", a: sub("string"), b: sub("string") };
        case 1:
          return { k: "index", e: sub("list_string"), i: g.pick(2) === 0 ? { k: "lit", text: String(g.pick(3)) } : sub("int") };
        case 2:
          return cond();
        default:
          return leaf(g, "string", scope);
      }
    }
    case "bool": {
      switch (g.pick(13)) {
        case 0:
          return { k: "not", e: sub("bool") };
        case 1:
        case 2:
          return { k: "bin", op: g.pick(2) === 0 ? "&&" : "||", a: sub("bool"), b: sub("bool") };
        case 3: {
          const t = (["int", "string", "bool"] as const)[g.pick(3)]!;
          return { k: "bin", op: ["==", "!=", "<", "<=", ">", ">="][g.pick(6)]!, a: sub(t), b: sub(t) };
        }
        case 4: {
          const t = (["list_int", "list_string", "map_int"] as const)[g.pick(3)]!;
          return { k: "bin", op: g.pick(2) === 0 ? "==" : "!=", a: sub(t), b: sub(t) };
        }
        case 5:
          return { k: "method", fn: ["startsWith", "endsWith", "contains"][g.pick(3)]!, target: sub("string"), args: [sub("string")] };
        case 6: {
          const which = g.pick(3);
          if (which === 0) return { k: "bin", op: "in", a: sub("int"), b: sub("list_int") };
          if (which === 1) return { k: "bin", op: "in", a: sub("string"), b: sub("list_string") };
          return { k: "bin", op: "in", a: sub("string"), b: sub("map_int") };
        }
        case 7:
        case 8:
          return macro(g, "bool", depth, scope);
        case 9:
          return cond();
        case 10:
          // only on a variable: cel-js refuses `has()` on any other operand, e.g. `has({'a': 1}.a)`
          // (docs/cel-divergences.md, "has() on a computed map")
          return { k: "has", e: { k: "var", name: "m" }, field: IDENT_KEYS[g.pick(IDENT_KEYS.length)]! };
        default:
          return { k: "bin", op: ["==", "<", ">="][g.pick(3)]!, a: sub("int"), b: sub("int") };
      }
    }
    case "list_int":
    case "list_string": {
      const el: Ty = ty === "list_int" ? "int" : "string";
      switch (g.pick(4)) {
        case 0:
          return { k: "bin", op: "+", a: sub(ty), b: sub(ty) };
        case 1:
        case 2:
          return macro(g, "list", depth, scope, el);
        default:
          return cond();
      }
    }
    case "map_int":
      return g.pick(2) === 0 ? cond() : leaf(g, "map_int", scope);
  }
}

/** The top-level variables, as a scope. */
export const TOP_SCOPE: Scope = VARIABLES.map((v) => ({ name: v.name, ty: v.ty }));

/**
 * fast-check arbitrary of (type, tree) pairs. The tree is built from a fixed-length array of
 * choices drawn by fast-check, so a seed replays it and shrinking (towards zeros: leaves, first
 * alternatives) simplifies it.
 */
export function exprArb(maxDepth: number): fc.Arbitrary<{ ty: Ty; tree: Tree }> {
  return fc
    .tuple(fc.constantFrom<Ty>("bool", "int", "string", "list_int", "list_string", "map_int"), fc.array(fc.nat(), { minLength: 300, maxLength: 300 }))
    .map(([ty, choices]) => {
      let i = 0;
      // past the end of the choices every pick is 0, which ends the recursion at a leaf
      const g: Gen = { pick: (n) => (choices[i++] ?? 0) % n };
      macroCounter = 0;
      return { ty, tree: expr(g, ty, maxDepth, TOP_SCOPE) };
    });
}
