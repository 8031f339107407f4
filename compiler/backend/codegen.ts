// IR policy → the AssemblyScript source of its decision module (`policy.ts`, compiled together with
// the support library assembly/writ.ts). One function per rule; `writ_evaluate` runs the decision
// procedure of runtime/decision.ts: every candidate forbid, then (if none held or errored) every
// candidate permit. Results are appended as rules run (indexed rules first, in the order their
// dispatch finds them, then the rest) and put in declaration order once, at the end of each phase
// (resultOrder in assembly/writ.ts).
//
// Rule indexing: a rule whose condition has a top-level conjunct `path == c` or `path in [c, ...]`
// (an interned string or int path made only of required fields, so the conjunct never errors) cannot
// hold or error unless the path's value is one of those constants (a false conjunct makes the whole
// conjunction false, absorbing any error). Such rules are grouped by path and dispatched on the
// path's value — interned strings through a table of their ids and a jump table, ints by a binary
// search — so latency does not grow with the number of rules. Likewise a rule with
// a top-level conjunct `c in path` (a list of interned strings or ints: role-based rules such as
// `"admin" in principal.roles`) cannot hold unless some element equals c: such rules are dispatched
// the same way on each element of the list, so a decision costs the list's length in look-ups, not a
// scan of the list per rule.

import type { FieldNode, IRPolicy, IRRule, Node, Value } from "../ir/ir.js";
import { resultSize, type RecordLayout, type SlotLayout } from "../../runtime/wasm/layout.js";
import { append, largest } from "../../runtime/arrays.js";
import { Analysis } from "./analysis.js";
import { ExprEmitter } from "./codegen-expr.js";
import { CONST_BASE, ConstPool, Helpers, intLiteral } from "./codegen-values.js";
import { InputChecks, readsByPlace } from "./input-checks.js";
import { generatedName } from "./names.js";
import type { LayoutPlan } from "./layout.js";
import { MAX_CALL_DEPTH } from "../../runtime/wasm/call-graph.js";
import { callDepths } from "./call-depth.js";
import { MAX_RULE_LOCALS } from "./locals.js";
import { PolicyRefused, type PolicyTooLong, type RuleRefusal } from "./refusals.js";
import { MAX_POLICY_STATEMENTS, MAX_RULE_STATEMENTS } from "./rule-size.js";
import { callTree, splitStatements, STATEMENT_CHUNK, type Define } from "./split.js";

export interface GeneratedModule {
  /** the AssemblyScript source of `policy.ts` */
  readonly source: string;
  /** bytes of the constant pool, expected at CONST_BASE */
  readonly constants: Uint8Array;
  /** the module's input pointer (__heap_base): right after the constant pool */
  readonly inputPtr: number;
  readonly arenaBytes: number;
  /** total bytes of linear memory the module needs */
  readonly memoryBytes: number;
  /** number of rules dispatched through an index */
  readonly indexedRules: number;
  /** the longest chain of calls of the module unoptimised, in functions (call-depth.ts) */
  readonly callDepth: number;
  /** the statements of the rules' code, the functions made of it included (rule-size.ts) */
  readonly ruleStatements: number;
}

const align = (n: number, a: number): number => Math.ceil(n / a) * a;

/** What a dispatch searches: the path's value, or each element of the list at the path. */
type DispatchOn = "value" | "element";

interface IndexCandidate {
  /** the field chain from the input, e.g. `action.tool`; `∋principal.roles` for its elements */
  readonly key: string;
  readonly path: Node;
  readonly values: readonly (string | bigint)[];
  readonly on: DispatchOn;
  /** the conjunct itself: true whenever the dispatch runs the rule */
  readonly conjunct: Node;
}

function conjuncts(n: Node, out: Node[] = []): Node[] {
  if (n.op === "and") {
    conjuncts(n.left, out);
    conjuncts(n.right, out);
  } else out.push(n);
  return out;
}

/** `input.a.b` made only of required fields, as `a.b`; undefined otherwise. */
function requiredPath(n: Node): string | undefined {
  const names: string[] = [];
  let x: Node = n;
  while (x.op === "field") {
    if ((x as FieldNode).optional) return undefined;
    names.unshift(x.field);
    x = x.record;
  }
  return x.op === "input" && names.length > 0 ? names.join(".") : undefined;
}

function indexCandidates(rule: IRRule, slots: ReadonlyMap<number, SlotLayout>): IndexCandidate[] {
  const out: IndexCandidate[] = [];
  const indexableSlot = (s: SlotLayout | undefined): boolean => !!s && (s.kind === "int" || (s.kind === "string" && s.rep === "id"));
  const indexable = (p: Node): boolean => indexableSlot(slots.get(p.id));
  const indexableElements = (p: Node): boolean => {
    const s = slots.get(p.id);
    return s?.kind === "list" && indexableSlot(s.element);
  };
  const scalar = (v: Value): v is string | bigint => typeof v === "string" || typeof v === "bigint";
  for (const c of conjuncts(rule.condition)) {
    if (c.op !== "call") continue;
    const [a, b] = c.args;
    if (!a || !b) continue;
    if (c.fn === "eq") {
      for (const [p, l] of [
        [a, b],
        [b, a],
      ] as const) {
        const key = requiredPath(p);
        if (key && l.op === "lit" && scalar(l.value) && indexable(p)) {
          out.push({ key, path: p, values: [l.value], on: "value", conjunct: c });
          break;
        }
      }
    } else if (c.fn === "in_list") {
      const key = requiredPath(a);
      // `x in []` is never true: no case to file the rule under (an index of such rules alone has no cases)
      if (key && b.op === "lit" && Array.isArray(b.value) && b.value.length > 0 && b.value.every(scalar) && indexable(a)) {
        out.push({ key, path: a, values: b.value as (string | bigint)[], on: "value", conjunct: c });
      }
      const listKey = requiredPath(b);
      if (listKey && a.op === "lit" && scalar(a.value) && indexableElements(b)) {
        out.push({ key: `∋${listKey}`, path: b, values: [a.value], on: "element", conjunct: c });
      }
    }
  }
  return out;
}

interface Group {
  readonly path: Node;
  readonly on: DispatchOn;
  /** case value → rule indices */
  readonly cases: Map<string | bigint, number[]>;
}

/**
 * The list length a dispatch on elements is costed at. It searches once per element, and a search
 * costs about as much as running one rule (measured on 100 role rules over 16-element lists: ~2 ns
 * for an element no rule names, ~55 ns for one that finds a case, ~14 ns per rule that scans the list
 * itself), so it is costed at this many times one more than the rules per case of a dispatch on a value.
 */
const ASSUMED_LIST_LENGTH = 8;

interface IndexPlan {
  readonly groups: Map<string, Group>;
  /** rules run by no index */
  readonly plain: number[];
  /** rule index → the conjunct its dispatch has already found true */
  readonly found: Map<number, Node>;
}

/**
 * Chooses an index path per rule and groups the rules by it. A rule with several candidates takes the
 * one that costs the least per decision on average (its key's rules over its distinct constants; for
 * a dispatch on elements, a search per element besides); on a tie, the most shared key.
 */
function planIndex(rules: readonly IRRule[], slots: ReadonlyMap<number, SlotLayout>): IndexPlan {
  const cands = rules.map((r) => indexCandidates(r, slots));
  const counts = new Map<string, number>();
  const constants = new Map<string, Set<string | bigint>>();
  for (const cs of cands) {
    for (const k of new Set(cs.map((c) => c.key))) counts.set(k, (counts.get(k) ?? 0) + 1);
    for (const c of cs) {
      const seen = constants.get(c.key) ?? new Set();
      for (const v of c.values) seen.add(v);
      constants.set(c.key, seen);
    }
  }
  const cost = (c: IndexCandidate): number => {
    const perCase = counts.get(c.key)! / constants.get(c.key)!.size;
    return c.on === "element" ? ASSUMED_LIST_LENGTH * (1 + perCase) : perCase;
  };
  const better = (c: IndexCandidate, best: IndexCandidate): boolean => {
    const [a, b] = [cost(c), cost(best)];
    return a < b || (a === b && counts.get(c.key)! > counts.get(best.key)!);
  };
  // a key no other rule shares cannot make an index: never prefer it to one that can
  const chosen = cands.map((cs) =>
    cs.filter((c) => counts.get(c.key)! >= 2).reduce<IndexCandidate | undefined>((best, c) => (!best || better(c, best) ? c : best), undefined),
  );
  const uses = new Map<string, number>();
  for (const c of chosen) if (c) uses.set(c.key, (uses.get(c.key) ?? 0) + 1);
  const groups = new Map<string, Group>();
  const plain: number[] = [];
  const found = new Map<number, Node>();
  rules.forEach((rule, i) => {
    const c = chosen[i];
    // an index for a single rule buys nothing
    if (!c || uses.get(c.key)! < 2) {
      plain.push(rule.index);
      return;
    }
    let g = groups.get(c.key);
    if (!g) groups.set(c.key, (g = { path: c.path, on: c.on, cases: new Map() }));
    // the rule runs only in a case of its conjunct's constants: the conjunct holds there (and, over
    // required fields and literal constants, cannot error)
    found.set(rule.index, c.conjunct);
    for (const v of new Set(c.values)) {
      const list = g.cases.get(v) ?? [];
      list.push(rule.index);
      g.cases.set(v, list);
    }
  });
  return { groups, plain, found };
}

function maxRecordSize(slot: SlotLayout): number {
  switch (slot.kind) {
    case "record":
      return largest(slot.fields.map((f) => maxRecordSize(f.type)), slot.size);
    case "list":
      return maxRecordSize(slot.element);
    case "map":
      return maxRecordSize(slot.value);
    default:
      return 0;
  }
}

/** The function of the rule of index `rule`. */
const ruleFunction = (rule: number): string => generatedName("r", rule);

/** Adds functions to `fns`, each named by `prefix` and its place there. */
function definer(fns: string[], prefix: string): Define {
  return (code) => {
    const name = generatedName(prefix, fns.length);
    fns.push(code(name));
    return name;
  };
}

/**
 * The lines that call `rules` in order: the calls themselves when they are fewer than RULE_CHUNK,
 * else calls of functions (added to `fns`) that make them, in a tree (split.ts).
 */
function ruleCalls(rules: readonly number[], pad: string, fns: string[]): string[] {
  return callTree(rules.map((r) => `${ruleFunction(r)}();`), pad, definer(fns, "g"));
}

/** A constant of an index and the rules it runs; `n` is its place in ascending key order. */
type Case = { readonly key: bigint; readonly rules: readonly number[]; readonly n: number };

/** Subtrees of at most this many cases become functions of their own (see dispatchTree). */
const SUBTREE_CASES = 8;

/** What a dispatch tree compares and how its leaves run a case's rules. */
interface Dispatch {
  /** the variable holding the value searched for */
  readonly key: string;
  readonly isInt: boolean;
  /** a condition a matched case's rules run under, besides the key's value */
  readonly guard?: (c: Case) => string;
}

/**
 * A binary search over the sorted case keys: about log2(cases) comparisons whatever the number of
 * rules (a `switch` over sparse keys compiles to a chain of comparisons, linear in the number of
 * cases; dense case numbers become a jump table, which caseTable uses). In a
 * large index, subtrees become separate functions: otherwise every rule is inlined into one huge
 * `writ_evaluate`, which V8 runs in its baseline tier for seconds before optimising it.
 */
function dispatchTree(d: Dispatch, cases: readonly Case[], depth: number, fns: string[], split: boolean): string[] {
  const pad = "  ".repeat(depth);
  const { key, isInt } = d;
  if (split && cases.length <= SUBTREE_CASES) {
    const at = fns.length;
    const name = generatedName("d", at);
    fns.push(""); // reserve the name; nested trees are not split further (their rule calls may add functions)
    fns[at] = [`function ${name}(${key}: ${isInt ? "i64" : "i32"}): void {`, ...dispatchTree(d, cases, 1, fns, false), `}`].join("\n");
    return [`${pad}${name}(${key});`];
  }
  const lit = (v: bigint): string => (isInt ? intLiteral(v) : String(v));
  if (cases.length <= 4) {
    const out: string[] = [];
    cases.forEach((c, i) => {
      out.push(`${pad}${i === 0 ? "" : "else "}if (${key} == ${lit(c.key)}) {`);
      const inner = d.guard === undefined ? pad : `${pad}  `;
      if (d.guard !== undefined) out.push(`${pad}  if (${d.guard(c)}) {`);
      append(out, ruleCalls(c.rules, `${inner}  `, fns));
      if (d.guard !== undefined) out.push(`${pad}  }`);
      out.push(`${pad}}`);
    });
    return out;
  }
  const mid = cases.length >> 1;
  return [
    `${pad}if (${key} < ${lit(cases[mid]!.key)}) {`,
    ...dispatchTree(d, cases.slice(0, mid), depth + 1, fns, split),
    `${pad}} else {`,
    ...dispatchTree(d, cases.slice(mid), depth + 1, fns, split),
    `${pad}}`,
  ];
}

/** Ids a case table may span (two bytes each in the constant pool). */
const MAX_CASE_TABLE = 1 << 16;

/**
 * Cases per function of a case table's dispatch: each is one `br_table`. At 64 the 1,012-rule
 * benchmark policy's module was 39.6 KB; at 16 binaryen merges the alike functions and it is 11.8 KB
 * (10.1 KB with the binary search), at no cost measurable on this machine.
 */
const TABLE_CHUNK = 16;

/**
 * A dispatch on an interned string by a table instead of a search: ids are small dense integers, so
 * a constant table maps `id - low` to the case's number (1-based; 0: no case) and a `switch` on that
 * number, which binaryen compiles to a jump table, runs its rules. A search's comparisons mispredict
 * on every key that finds a case (about 55 ns per element in a dispatch on list elements, measured);
 * the table costs a load and one or two indirect jumps. Cases are split into functions of
 * TABLE_CHUNK, for the reason dispatchTree gives. The caller checks `low <= key <= low + span - 1`.
 */
function caseTable(
  t: { readonly key: string; readonly low: number; readonly span: number; readonly pool: ConstPool },
  cases: readonly Case[],
  fns: string[],
  depth: number,
): { readonly number: string; readonly lookup: string; readonly dispatch: string[] } {
  const numbers = new Array<number>(t.span).fill(0);
  for (const c of cases) numbers[Number(c.key) - t.low] = c.n + 1;
  const table = t.pool.u16Table(numbers);
  const number = `n${t.key}`;
  const pad = "  ".repeat(depth);
  const lookup = `${pad}const ${number} = <i32>load<u16>(${table} + (<usize>(${t.key} - ${t.low}) << 1));`;
  const arm = (c: Case, pad: string): string[] => [`${pad}case ${c.n + 1}: {`, ...ruleCalls(c.rules, `${pad}  `, fns), `${pad}  break;`, `${pad}}`];
  if (cases.length <= TABLE_CHUNK) {
    return { number, lookup, dispatch: [`${pad}switch (${number}) {`, ...cases.flatMap((c) => arm(c, `${pad}  `)), `${pad}}`] };
  }
  const dispatch = [`${pad}switch ((${number} - 1) / ${TABLE_CHUNK}) {`];
  for (let first = 0; first < cases.length; first += TABLE_CHUNK) {
    const at = fns.length;
    const name = generatedName("d", at);
    const chunk = cases.slice(first, first + TABLE_CHUNK);
    fns.push(""); // reserve the name: the arms' rule calls may add functions
    fns[at] = [`function ${name}(n: i32): void {`, `  switch (n) {`, ...chunk.flatMap((c) => arm(c, "    ")), `  }`, `}`].join("\n");
    dispatch.push(`${pad}  case ${first / TABLE_CHUNK}: ${name}(${number}); break;`);
  }
  dispatch.push(`${pad}}`);
  return { number, lookup, dispatch };
}

/**
 * Up to this many cases an index is searched even on interned strings: three levels of comparisons,
 * no slower than a table here (the 12-rule benchmark policy's 5-case action index), and its module
 * stays what it was.
 */
const SMALL_INDEX = 8;

/**
 * Whether an interned-string index takes a case table: not a short one (a few comparisons anyway),
 * and only a dense one, so that tables cost memory in proportion to the rules (16 bytes a case at
 * most): a sparse one (a few constants among tens of thousands of ids) would not.
 */
function tabled(isInt: boolean, cases: readonly Case[]): boolean {
  if (isInt || cases.length <= SMALL_INDEX) return false;
  const span = Number(cases[cases.length - 1]!.key - cases[0]!.key) + 1;
  return span <= Math.max(64, 8 * cases.length) && span <= MAX_CASE_TABLE && cases.length < 0xffff;
}

export function generateSource(ir: IRPolicy, plan: LayoutPlan, arenaBytes: number): GeneratedModule {
  // each slot once: the nodes share slots (every read of the request has the root's), and walking
  // the root's fields at every read took the fields times the reads
  let zero = maxRecordSize(plan.layout.root);
  for (const s of new Set(plan.slots.values())) zero = Math.max(zero, maxRecordSize(s));
  const pool = new ConstPool(zero, plan.ids);
  const helpers = new Helpers();
  const analysis = new Analysis();
  const inputSize = plan.layout.inputSize;
  const checks = new InputChecks(plan.layout.root, ir.schema, inputSize, readsByPlace(ir.rules, plan.slots));
  const emitter = new ExprEmitter(plan.slots, pool, helpers, analysis, checks);
  const nRules = ir.rules.length;
  const arena = `(__heap_base + ${inputSize})`;
  const result = `(__heap_base + ${inputSize + arenaBytes})`;

  const plans = {
    forbid: planIndex(ir.rules.filter((r) => r.effect === "forbid"), plan.slots),
    permit: planIndex(ir.rules.filter((r) => r.effect === "permit"), plan.slots),
  };

  const ruleFns: string[] = [];
  // every rule too large to compile is found, each for the first reason it has, and reported with
  // the others once the module is written (its call depth needs the whole module)
  const refused: RuleRefusal[] = [];
  const sizes: { rule: IRRule; statements: number }[] = [];
  let ruleStatements = 0;
  for (const rule of ir.rules) {
    // an indexed rule runs only once its dispatch has found its conjunct true: the rule does not
    // test it again (compare the value, or search the list)
    const found = plans[rule.effect].found.get(rule.index);
    const { lines, expr, statements, locals } = emitter.body(rule.condition, found && new Set([found.id]));
    sizes.push({ rule, statements });
    ruleStatements += statements;
    if (statements > MAX_RULE_STATEMENTS) refused.push({ rule, reason: "statements", statements });
    else if (locals > MAX_RULE_LOCALS) refused.push({ rule, reason: "locals", locals });
    const errs = analysis.canError(rule.condition);
    const body: string[] = [`// ${rule.effect} ${rule.name}`, `function ${ruleFunction(rule.index)}(): void {`];
    if (errs) body.push("  E = 0;");
    if (analysis.allocates(rule.condition)) body.push(`  AP = ${arena};`);
    append(body, lines);
    if (errs) {
      body.push(`  if (E != 0) {`);
      if (rule.effect === "forbid") body.push(`    resultAddRule(${result}, ${rule.index});`);
      body.push(`    resultAddError(${result}, ${nRules}, ${rule.index});`);
      body.push(`  } else if (${expr}) resultAddRule(${result}, ${rule.index});`);
    } else {
      body.push(`  if (${expr}) resultAddRule(${result}, ${rule.index});`);
    }
    body.push("}");
    ruleFns.push(body.join("\n"));
  }

  let indexedRules = 0;
  let keyCounter = 0;
  // the visited words of the dispatches on list elements, after the result region
  let visitWords = 0;
  const visitsOffset = inputSize + arenaBytes + resultSize(nRules);
  const visits = `(__heap_base + ${visitsOffset})`;
  const treeFns: string[] = [];
  const parts = definer(treeFns, "part");
  /** The statement of one index: read its path, and dispatch its rules on the value or on each element. */
  const indexed = (g: Group): string[] => {
    const { lines, expr } = emitter.body(g.path);
    const out = lines.slice();
    const n = keyCounter++;
    const key = generatedName("k", n);
    const isInt = typeof [...g.cases.keys()][0] === "bigint";
    const type = isInt ? "i64" : "i32";
    const cases = [...g.cases]
      .map(([value, rules]) => ({ key: typeof value === "bigint" ? value : BigInt(plan.ids.get(value)!), rules }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((c, n): Case => ({ ...c, n }));
    indexedRules += new Set(cases.flatMap((c) => c.rules)).size;
    const split = cases.length > 2 * SUBTREE_CASES;
    const lit = (v: bigint): string => (isInt ? intLiteral(v) : String(v));
    const [low, high] = [cases[0]!.key, cases[cases.length - 1]!.key];
    const table = tabled(isInt, cases) ? caseTable({ key, low: Number(low), span: Number(high - low) + 1, pool }, cases, treeFns, 2) : undefined;
    if (g.on === "value") {
      out.push(`  const ${key}: ${type} = ${expr};`);
      if (table === undefined) {
        append(out, dispatchTree({ key, isInt }, cases, 1, treeFns, split));
        return out;
      }
      out.push(`  if (${key} >= ${low} && ${key} <= ${high}) {`, table.lookup, `    if (${table.number} != 0) {`);
      append(out, table.dispatch.map((l) => `  ${l}`)).push(`    }`, `  }`);
      return out;
    }
    // each element in turn; a case runs once per decision however often the list repeats its value
    // (a word per case holds the number of the last decision that ran it: firstVisit in writ.ts)
    const [list, count, i] = [generatedName("l", n), generatedName("c", n), generatedName("i", n)];
    const firstWord = visitWords;
    visitWords += cases.length;
    const stride = isInt ? 8 : 4;
    out.push(`  const ${list}: usize = ${expr};`);
    out.push(`  const ${count} = load<i32>(${list});`);
    out.push(`  for (let ${i}: i32 = 0; ${i} < ${count}; ${i}++) {`);
    out.push(`    const ${key}: ${type} = load<${type}>(${list} + 4 + <usize>${i} * ${stride});`);
    // most elements match no case (a role no rule names has id 0): skip them before the search
    out.push(`    if (${key} < ${lit(low)} || ${key} > ${lit(high)}) continue;`);
    if (table !== undefined) {
      const index = firstWord === 0 ? `${table.number} - 1` : `${table.number} + ${firstWord - 1}`;
      const word = `${visits} + (<usize>(${index}) << 2)`;
      out.push(table.lookup, `    if (${table.number} == 0 || !firstVisit(${word})) continue;`);
      append(out, table.dispatch);
    } else {
      const guard = (c: Case) => `firstVisit(${visits} + ${4 * (firstWord + c.n)})`;
      append(out, dispatchTree({ key, isInt, guard }, cases, 2, treeFns, split));
    }
    out.push(`  }`);
    return out;
  };
  // Each index reads its path into locals of its own (a dispatch on elements takes 5, and its list's
  // check 6 more where it is not checked as the decision starts), so a policy of many indexed paths
  // runs its indexes from functions of a bounded number of them (split.ts): all in writ_evaluate,
  // 1,000 dispatches on lists made one function of 10,000 locals unoptimised, which binaryen took
  // 122 s and 1.4 GB to optimise.
  const dispatch = (effect: "permit" | "forbid"): string[] => {
    const { groups, plain } = plans[effect];
    const statements = [...groups.values()].map(indexed);
    return splitStatements(statements, STATEMENT_CHUNK, "  ", parts).concat(ruleCalls(plain, "  ", treeFns));
  };

  const allocates = ir.rules.some((r) => analysis.allocates(r.condition));
  const forbids = dispatch("forbid");
  const permits = dispatch("permit");
  const evaluate = [
    `export function writ_evaluate(): i32 {`,
    `  resultReset(${result});`,
    ...checks.start(parts),
    ...(allocates ? [`  arenaInit(${arena}, ${arena} + ${arenaBytes});`] : []),
    ...(visitWords > 0 ? [`  nextVisit(${visits}, ${visitWords});`] : []),
    ...forbids,
    // a forbid that errors is among the deciding rules: its errors are no more than its rules
    `  if (load<i32>(${result}, 4) != 0) {`,
    `    if (load<i32>(${result}, 4) > 1) resultOrder(${result}, ${nRules});`,
    `    return 0;`,
    `  }`,
    ...permits,
    `  if (load<i32>(${result}, 4) > 1 || load<i32>(${result}, 8) > 1) resultOrder(${result}, ${nRules});`,
    `  if (load<i32>(${result}, 4) == 0) return 0;`,
    `  store<i32>(${result}, 1);`,
    `  return 1;`,
    `}`,
  ];

  // how deep a decision's calls go through each rule's function, with what the module calls it
  // through and what it calls (call-depth.ts): the profile refuses a chain deeper than MAX_CALL_DEPTH
  const calls = callDepths([...helpers.all(), ...checks.all(), ...emitter.outlined.texts, ...ruleFns, ...treeFns, evaluate.join("\n")]);
  const refusedRules = new Set(refused.map((r) => r.rule));
  for (const rule of ir.rules) {
    if (refusedRules.has(rule)) continue;
    const name = ruleFunction(rule.index);
    const depth = calls.through(name);
    if (depth > MAX_CALL_DEPTH) refused.push({ rule, reason: "calls", depth, below: calls.below(name) });
  }
  const tooLong: PolicyTooLong | undefined =
    ruleStatements > MAX_POLICY_STATEMENTS ? { statements: ruleStatements, largest: sizes.sort((a, b) => b.statements - a.statements || a.rule.index - b.rule.index).slice(0, 3) } : undefined;
  if (refused.length > 0 || tooLong) throw new PolicyRefused(refused.sort((a, b) => a.rule.index - b.rule.index), tooLong);

  const constants = Uint8Array.from(pool.bytes);
  const inputPtr = align(CONST_BASE + constants.length, 16);
  const source = [
    `// Decision module for policy ${JSON.stringify(ir.name)} version ${JSON.stringify(ir.version)}.`,
    `// Generated by the Writ compiler; ABI 1 (docs/abi.md).`,
    `import {`,
    `  E, EN, AP, raise, alloc, arenaInit, addI64, subI64, mulI64, negI64, divI64, modI64,`,
    `  strEq, strCmp, strSize, startsWith, endsWith, contains, catStr, catList,`,
    `  listHasI32, listHasI64, listHasStr, mapIndex, resultReset, resultAddRule, resultAddError, resultOrder, nextVisit,`,
    `  firstVisit,`,
    `  flag, inString, inList, inRecord, inMap,`,
    `} from "./writ";`,
    ``,
    `// the constant pool: must be the first static data (at ${CONST_BASE})`,
    `const CONSTANTS: usize = memory.data<u8>([${[...constants].join(",")}], 16);`,
    ``,
    `export function writ_abi_version(): i32 {`,
    `  return 1;`,
    `}`,
    `export function writ_input_ptr(): i32 {`,
    `  return <i32>__heap_base;`,
    `}`,
    `export function writ_input_size(): i32 {`,
    `  return ${inputSize};`,
    `}`,
    `export function writ_result_ptr(): i32 {`,
    `  return <i32>${result};`,
    `}`,
    `export function writ_constants(): i32 {`,
    `  return <i32>CONSTANTS;`,
    `}`,
    ``,
    ...helpers.all(),
    ``,
    ...checks.all(),
    ``,
    // code moved out of the rules' functions, which call it (outline.ts)
    ...(emitter.outlined.texts.length > 0 ? [...emitter.outlined.texts, ``] : []),
    ...ruleFns,
    ``,
    ...treeFns,
    ``,
    ...evaluate,
    ``,
  ].join("\n");
  return {
    source,
    constants,
    inputPtr,
    arenaBytes,
    memoryBytes: inputPtr + visitsOffset + 4 * visitWords,
    indexedRules,
    callDepth: calls.deepest,
    ruleStatements,
  };
}

export type { RecordLayout };
