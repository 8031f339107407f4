// The differential check shared by test/proof/differential.test.ts and the long-run fuzzer
// (test/fuzz/cli.ts): compile a batch of random policies once, decide many random requests with the
// reference interpreter and with the WASM module, and require equal decisions — same decision, same
// deciding rules in the same order, same errors (rule, code, message, `at`).
//
// A mismatch is reduced before it is reported: to the one member policy that disagreed (as a small
// policy of its own: `sel`, that member's input, constants and rules), then rule by rule while the
// backends still disagree. The report carries that policy's text and the request.

import { compilePolicy } from "../../compiler/driver.js";
import { createInterpreter, type Interpreter } from "../../compiler/ir/interp.js";
import type { Decision } from "../../runtime/decision.js";
import type { DecidingPolicy } from "../../runtime/policy-types.js";
import { policyToWrit, type Batch, type GenPolicy } from "../support/arbitraries/policies.js";

export interface CompiledPair {
  readonly text: string;
  readonly interp: Interpreter;
  readonly wasm: DecidingPolicy;
  readonly compileMs: number;
  readonly optimized: boolean;
}

/** JSON for requests and decisions, BigInts written as `"123n"` (the corpus convention). */
export function show(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v === undefined ? "<undefined>" : v));
}

/**
 * Compiles policy text for both backends; throws with the diagnostics if it does not compile.
 * `optimize` (asc -O3, what ships by default) is off unless asked: -O0 compiles faster.
 */
export async function compilePair(text: string, optimize = false): Promise<CompiledPair> {
  const t0 = performance.now();
  const r = await compilePolicy(text, { optimize });
  const compileMs = performance.now() - t0;
  if (!r.bundle || !r.checked)
    throw new Error(`generated policy did not compile:\n${r.diagnostics.map((d) => `${d.code} ${d.message} at ${d.span.start}`).join("\n")}\n${text}`);
  // Loaded lazily so that merely importing this file does not pull in the WASM runtime.
  const { loadPolicy } = await import("../../runtime/policy.js");
  return { text, interp: createInterpreter(r.checked.ir, r.checked.errorSites), wasm: loadPolicy(r.bundle, { allowUnsigned: true }), compileMs, optimized: optimize };
}

/** Why two decisions differ, or undefined when they are equal (order included). */
export function decisionDifference(interp: Decision, wasm: Decision): string | undefined {
  const a = JSON.stringify(interp);
  const b = JSON.stringify(wasm);
  return a === b ? undefined : `interpreter: ${a}\nwasm:        ${b}`;
}

/** Decides with both; never throws (a throwing backend is itself a difference). */
export function decideBoth(pair: CompiledPair, request: unknown): { interp: Decision; wasm: Decision; difference?: string } {
  const interp = pair.interp.decide(request);
  let wasm: Decision;
  try {
    wasm = pair.wasm.decide(request);
  } catch (e) {
    return { interp, wasm: { decision: "deny", rules: [], errors: [] }, difference: `wasm decide threw: ${e instanceof Error ? e.stack : String(e)}` };
  }
  const difference = decisionDifference(interp, wasm);
  return difference === undefined ? { interp, wasm } : { interp, wasm, difference };
}

/** Member `k` of a batch as a policy of its own (still reading `sel` and `pk`, so the request fits). */
export function memberPolicy(batch: Batch, k: number): GenPolicy {
  const p = batch.policy;
  return {
    ...p,
    name: `member-${k}`,
    schema: { kind: "record", fields: p.schema.fields.filter((f) => f.name === "sel" || f.name === `p${k}`) },
    constants: p.constants.filter((c) => c.name.startsWith(`K${k}_`)),
    rules: p.rules.filter((r) => r.name.startsWith(`p${k}_`)),
  };
}

/** The part of a batch request that member `k` reads. */
export function memberRequest(request: unknown, k: number): unknown {
  if (typeof request !== "object" || request === null || Array.isArray(request)) return request;
  const r = request as Record<string, unknown>;
  return { sel: r.sel, [`p${k}`]: r[`p${k}`] };
}

export interface Counterexample {
  readonly policy: string;
  readonly request: string;
  readonly difference: string;
  /** whether the module was built with -O3 */
  readonly optimized: boolean;
}

/** Still disagreeing on `request`? (compiles `policy`; undefined when they agree) */
async function disagreement(policy: GenPolicy, request: unknown, optimize: boolean): Promise<string | undefined> {
  const pair = await compilePair(policyToWrit(policy), optimize);
  return decideBoth(pair, request).difference;
}

/**
 * Reduces a disagreement on a batch to a small policy: the member that answered (`sel`), then each
 * rule dropped while the backends still disagree. Falls back to the whole batch if the member alone
 * agrees (an interaction between members would itself be a finding).
 */
export async function reduce(batch: Batch, request: unknown, difference: string, optimize = false): Promise<Counterexample> {
  const sel = (request as { sel?: unknown } | null)?.sel;
  let policy: GenPolicy = batch.policy;
  let req = request;
  let diff = difference;
  if (typeof sel === "number" && sel >= 0 && sel < batch.members) {
    const member = memberPolicy(batch, sel);
    const mreq = memberRequest(request, sel);
    const d = await disagreement(member, mreq, optimize).catch(() => undefined);
    if (d !== undefined) {
      policy = member;
      req = mreq;
      diff = d;
      for (let i = policy.rules.length - 1; i >= 0 && policy.rules.length > 1; i--) {
        const smaller = { ...policy, rules: policy.rules.filter((_, j) => j !== i) };
        const d2 = await disagreement(smaller, req, optimize).catch(() => undefined);
        if (d2 !== undefined) {
          policy = smaller;
          diff = d2;
        }
      }
    }
  }
  if (policy !== batch.policy) {
    const pruned = prune(policy, req);
    const d3 = await disagreement(pruned.policy, pruned.request, optimize).catch(() => undefined);
    if (d3 !== undefined) {
      policy = pruned.policy;
      req = pruned.request;
      diff = d3;
    }
  }
  return { policy: policyToWrit(policy), request: show(req), difference: diff, optimized: optimize };
}

/**
 * Drops what the remaining rules never mention: constants, and top-level fields of the member's
 * input record (from the schema and the request alike). Kept only if the backends still disagree.
 */
function prune(policy: GenPolicy, request: unknown): { policy: GenPolicy; request: unknown } {
  const text = policy.rules.map((r) => r.condition ?? "").join("\n");
  const mentions = (name: string) => new RegExp(`(^|[^\\w.])${name.replace(/[.]/g, "\\.")}(?![\\w])`).test(text);
  const constants = policy.constants.filter((c) => mentions(c.name) || policy.constants.some((o) => o !== c && o.text.includes(c.name) && mentions(o.name)));
  const req = { ...(request as Record<string, unknown>) };
  const fields = policy.schema.fields.map((f) => {
    if (f.type.kind !== "record" || f.name === "sel") return f;
    const kept = f.type.fields.filter((x) => mentions(`${f.name}.${x.name}`));
    const inner = req[f.name];
    if (typeof inner === "object" && inner !== null && !Array.isArray(inner))
      req[f.name] = Object.fromEntries(Object.entries(inner).filter(([k]) => kept.some((x) => x.name === k)));
    return { ...f, type: { ...f.type, fields: kept } };
  });
  return { policy: { ...policy, constants, schema: { kind: "record", fields } }, request: req };
}

export function describeCounterexample(c: Counterexample): string {
  return `the interpreter and the WASM module (${c.optimized ? "-O3" : "-O0"}) disagree\n--- policy ---\n${c.policy}--- request ---\n${c.request}\n--- decisions ---\n${c.difference}`;
}
