// What a decision module will be, before AssemblyScript compiles it: the input layout (layout.ts),
// the scratch arena (bounds.ts), the generated source (codegen.ts) and the fixed memory they add up
// to, refused beyond MAX_MEMORY_BYTES (W0902). None of it loads AssemblyScript, so the compile
// driver runs it as a stage of its own, and `writ check`, which stops after it, refuses the policies
// `writ compile` would refuse for their memory.

import { within } from "../ir/cost.js";
import { error, type Diagnostic } from "../diagnostics.js";
import type { IRPolicy, IRRule } from "../ir/ir.js";
import { NO_SPAN, type Span } from "../source.js";
import { WASM_ABI_VERSION, type InputLayout } from "../../runtime/wasm/layout.js";
import { arenaBytes } from "./bounds.js";
import { generateSource, type GeneratedModule } from "./codegen.js";
import { checkedOnceFields, type CheckedOnce } from "./input-checks.js";
import { planLayout, type LayoutPlan } from "./layout.js";
import { MAX_RULE_LOCALS } from "./locals.js";
import { PolicyRefused, type PolicyTooLong, type RuleRefusal } from "./refusals.js";
import { MAX_POLICY_STATEMENTS, MAX_RULE_STATEMENTS } from "./rule-size.js";
import { MAX_CALL_DEPTH } from "../../runtime/wasm/call-graph.js";
import { Codes } from "../check/codes.js";
import { OUTLINE_NODES } from "./outline.js";
import { stackRanOut } from "../stack-ran-out.js";
import { ranOutOfStack } from "../../runtime/stack-ran-out.js";

/** The most linear memory a decision module may have (constants, input region, arena, results). */
export const MAX_MEMORY_BYTES = 16 * 1024 * 1024;
const PAGE = 65536;

export interface ModulePlan {
  readonly layout: InputLayout;
  readonly memoryPages: number;
  /** W0902, W0507 and W0508 (every rule refused, and the policy), W0905 when the host's stack ran out, or W0901 when planning failed (a bug); empty when the module can be compiled */
  readonly diagnostics: Diagnostic[];
  /** the source and memory plan, present when there are no diagnostics */
  readonly generated?: GeneratedModule;
}

const EMPTY_LAYOUT: InputLayout = { abi: WASM_ABI_VERSION, strings: [], root: { kind: "record", size: 0, fields: [] }, inputSize: 0 };

/** The input layout and the checks of the request a decision makes once, each with its most work. */
export interface InputPlan {
  readonly plan: LayoutPlan;
  readonly checks: readonly CheckedOnce[];
}

/**
 * The input layout, and what checking the request the host wrote costs a decision (input-checks.ts),
 * which the cost bound counts; W0905 when the host's stack ran out, W0901 when planning failed (a bug).
 */
export function planInput(ir: IRPolicy): InputPlan | { readonly diagnostic: Diagnostic } {
  try {
    const plan = planLayout(ir);
    return { plan, checks: checkedOnceFields(plan, ir.schema) };
  } catch (e) {
    // the layout walks the rules' expressions: a host's small stack is W0905, no bug of the compiler's
    if (ranOutOfStack(e)) return { diagnostic: stackRanOut("cost") };
    return { diagnostic: backendError(e instanceof Error ? (e.stack ?? e.message) : String(e), policySpan(ir)) };
  }
}

/**
 * The module's layout, source and memory. `inputSpan` is the input block's, where W0902 points: the
 * input's bounds are most of the memory, and its help names them (without it, the first rule).
 * `input`: the layout, when the caller planned it already (the driver does, for the cost bound).
 */
export function planModule(ir: IRPolicy, inputSpan?: Span, input?: LayoutPlan): ModulePlan {
  const span = policySpan(ir);
  let layout = EMPTY_LAYOUT;
  try {
    const plan = input ?? planLayout(ir);
    layout = plan.layout;
    const generated = generateSource(ir, plan, arenaBytes(ir, plan.slots));
    const memoryPages = Math.max(1, Math.ceil(generated.memoryBytes / PAGE));
    if (!within(generated.memoryBytes, MAX_MEMORY_BYTES)) return { layout, memoryPages, diagnostics: [tooMuchMemory(generated, layout, inputSpan ?? span)] };
    return { layout, memoryPages, diagnostics: [], generated };
  } catch (e) {
    if (e instanceof PolicyRefused) return { layout, memoryPages: 0, diagnostics: [...e.rules.map(ruleRefused), ...(e.tooLong ? [policyTooLong(e.tooLong)] : [])] };
    if (ranOutOfStack(e)) return { layout, memoryPages: 0, diagnostics: [stackRanOut("plan")] };
    return { layout, memoryPages: 0, diagnostics: [backendError(e instanceof Error ? (e.stack ?? e.message) : String(e), span)] };
  }
}

/** The diagnostic of a rule the module cannot hold, at the rule. */
function ruleRefused(r: RuleRefusal): Diagnostic {
  switch (r.reason) {
    case "statements":
      return ruleTooLong(r.rule, r.statements);
    case "locals":
      return ruleTooLarge(r.rule, r.locals);
    case "calls":
      return ruleTooDeep(r.rule, r.depth, r.below);
  }
}

/**
 * W0507, at the rule whose function, with the deepest chain of the functions it calls that were
 * made of its code (outline.ts), would have more locals than the stack a module may take allows.
 */
function ruleTooLarge(rule: IRRule, locals: number): Diagnostic {
  return error(
    Codes.ruleTooLarge,
    `rule \`${rule.name}\` is too large for the module's stack: it needs ${locals.toLocaleString("en-US")} locals (about one for each value it computes or field it reads, counted along its deepest nesting), more than the ${MAX_RULE_LOCALS.toLocaleString("en-US")} a rule may have`,
    rule.span,
    "split it into rules",
  );
}

/**
 * W0507, at a rule through whose function a decision's chain of calls would be deeper than the
 * profile allows (call-depth.ts): the functions made of its code nest one in another, most often
 * one for each large operand of a long chain of `&&` or `||`, which brackets cut short.
 */
function ruleTooDeep(rule: IRRule, depth: number, below: number): Diagnostic {
  return error(
    Codes.ruleTooLarge,
    `rule \`${rule.name}\` is nested too deeply for the module's stack: a decision would make a chain of ${depth.toLocaleString("en-US")} calls through it (${below.toLocaleString("en-US")} from its function down: a function for each part of its condition of more than ${OUTLINE_NODES} operations that holds another, such as each operand of a long chain of \`&&\` or \`||\`, and those comparing the lists and maps it compares), more than the ${MAX_CALL_DEPTH} the determinism profile allows`,
    rule.span,
    "bracket a long chain of `&&` or `||` into groups, `(a && b && c) && (d && e && f)`, so that no part holds the next; or split it into rules",
  );
}

/** W0508, at a rule whose code would have more statements than one rule's may (rule-size.ts). */
function ruleTooLong(rule: IRRule, statements: number): Diagnostic {
  return error(
    Codes.ruleTooLong,
    `rule \`${rule.name}\` is too large to compile: its code in the module would be ${statements.toLocaleString("en-US")} statements (about one for each field it reads or value it computes, a dozen for each macro, twenty for each \`&&\` or \`||\` whose sides can fail), more than the ${MAX_RULE_STATEMENTS.toLocaleString("en-US")} a rule may have`,
    rule.span,
    "split it into rules",
  );
}

/** W0508, once for the policy, at its largest rule: the code of its rules together is more than a policy's may be (rule-size.ts). */
function policyTooLong(t: PolicyTooLong): Diagnostic {
  const named = t.largest.map(({ rule, statements }) => `\`${rule.name}\` (${statements.toLocaleString("en-US")})`).join(", ");
  return error(
    Codes.ruleTooLong,
    `the policy is too large to compile: the code of its rules in the module would be ${t.statements.toLocaleString("en-US")} statements in all, more than the ${MAX_POLICY_STATEMENTS.toLocaleString("en-US")} a policy may have; the largest rules: ${named}`,
    t.largest[0]!.rule.span,
    "make its largest rules smaller, or split it into policies",
  );
}

/** Where a backend diagnostic points: the policy as a whole has no span, its first rule stands for it. */
export function policySpan(ir: IRPolicy): Span {
  return ir.rules[0]?.span ?? NO_SPAN;
}

/** W0901: generated code the backend could not handle is the compiler's fault, never the policy's. */
export function backendError(detail: string, span: Span): Diagnostic {
  return error("W0901", `internal compiler error in the WebAssembly backend: ${detail}`, span, "please report this with the policy");
}

function tooMuchMemory(generated: GeneratedModule, layout: InputLayout, span: Span): Diagnostic {
  const { memoryBytes, inputPtr, arenaBytes } = generated;
  // Just over the limit, a tenth of a MiB says "16.0 MiB, more than the 16.0 MiB allowed": every
  // figure is then in bytes, exact, and the small rest (the results) is named so that they add up.
  const exact = memorySize(memoryBytes) === memorySize(MAX_MEMORY_BYTES);
  const size = exact ? exactBytes : memorySize;
  const limit = exact ? `${exactBytes(MAX_MEMORY_BYTES)} (${memorySize(MAX_MEMORY_BYTES)})` : memorySize(MAX_MEMORY_BYTES);
  const results = exact ? `, results ${exactBytes(memoryBytes - inputPtr - layout.inputSize - arenaBytes)}` : "";
  return error(
    "W0902",
    `the policy needs ${size(memoryBytes)} of fixed module memory (constants ${size(inputPtr)}, input ${size(layout.inputSize)}, scratch ${size(arenaBytes)}${results}), more than the ${limit} allowed`,
    span,
    "lower the bounds of the largest strings, lists and maps in the input block (the `64` of `string(64)`, the `16` of `list<T>(16)`), or use fewer constants",
  );
}

const UNITS = ["MiB", "GiB", "TiB"] as const;
const MiB = 1024 * 1024;
/** Sizes from here on are not written out: a policy that far over needs no figure, and a double's digits would not be one. */
const LARGEST_SHOWN = 1024 * 1024 * 1024 * MiB;

/** `n` bytes to a tenth of a MiB, GiB or TiB (the largest unit it holds one of, as rounded), or "more than 1,024 TiB". */
export function memorySize(n: number): string {
  if (!(n < LARGEST_SHOWN)) return "more than 1,024 TiB";
  let value = n / MiB;
  let unit = 0;
  while (unit < UNITS.length - 1 && Number(value.toFixed(1)) >= 1024) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** `n` bytes, with thousands separators. */
function exactBytes(n: number): string {
  return `${n.toLocaleString("en-US")} bytes`;
}
