// Agreement before timing: every engine must return the reference's allow/deny on every request of
// the mix and on every boundary request (boundary.ts), for the policy size being measured. A
// disagreement stops the benchmark with a message naming the engine, the request and both answers:
// timing an engine that decides differently would compare different work.

import type { BenchRequest } from "./request.js";
import type { Engine, PolicySize } from "./engines/types.js";

export interface Disagreement {
  readonly engine: string;
  readonly size: PolicySize;
  /** index in the mix */
  readonly index: number;
  readonly request: BenchRequest;
  readonly expected: boolean;
  /** the engine's answer, or the message it threw */
  readonly actual: boolean | string;
}

/** which requests were checked: the timed mix, or the boundary requests (checked, never timed) */
export type RequestSet = "mix" | "boundary";

export interface AgreementReport {
  readonly engine: string;
  readonly size: PolicySize;
  readonly set: RequestSet;
  readonly checked: number;
  readonly allowed: number;
  /** the first few disagreements (empty when the engine agrees on every request) */
  readonly disagreements: readonly Disagreement[];
  readonly disagreementCount: number;
}

const KEEP = 5;

/**
 * `expected[i]` is the reference's answer for `mix[i]`; `engine` must already be prepared for `size`
 * (and bound to `mix`, if it takes one). `set` names the requests in messages.
 */
export function checkAgreement(
  engine: Engine,
  size: PolicySize,
  mix: readonly BenchRequest[],
  expected: readonly boolean[],
  set: RequestSet = "mix",
): AgreementReport {
  if (expected.length !== mix.length) {
    throw new Error(`the reference has ${expected.length} answers for ${mix.length} ${set === "mix" ? "requests of the mix" : "boundary requests"}`);
  }
  const disagreements: Disagreement[] = [];
  let count = 0;
  let allowed = 0;
  for (let i = 0; i < mix.length; i++) {
    let actual: boolean | string;
    try {
      actual = engine.decide(mix[i]!, i);
    } catch (e) {
      actual = `threw: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (actual === true) allowed++;
    if (actual !== expected[i]) {
      count++;
      if (disagreements.length < KEEP) {
        disagreements.push({ engine: engine.name, size, index: i, request: mix[i]!, expected: expected[i]!, actual });
      }
    }
  }
  return { engine: engine.name, size, set, checked: mix.length, allowed, disagreements, disagreementCount: count };
}

/** The requests an engine is checked on besides the mix, with the reference's answers for them. */
export interface BoundaryCheck {
  readonly requests: readonly BenchRequest[];
  readonly expected: readonly boolean[];
}

/**
 * The whole check of one engine prepared for `size`: the boundary requests first, then the mix, to
 * which the engine is left bound for timing (an engine that encodes its requests beforehand is bound
 * to each list in turn). Stops at the first list with a disagreement and returns the reports made.
 */
export function checkEngine(
  engine: Engine,
  size: PolicySize,
  mix: readonly BenchRequest[],
  expected: readonly boolean[],
  boundary: BoundaryCheck,
): AgreementReport[] {
  engine.bindMix?.(boundary.requests);
  const edge = checkAgreement(engine, size, boundary.requests, boundary.expected, "boundary");
  engine.bindMix?.(mix);
  if (edge.disagreementCount > 0) return [edge];
  return [edge, checkAgreement(engine, size, mix, expected, "mix")];
}

export function describeDisagreements(report: AgreementReport, referenceName: string): string {
  const kind = report.set === "boundary" ? "boundary requests" : "requests";
  const lines = [
    `${report.engine} disagrees with ${referenceName} on ${report.disagreementCount} of ${report.checked} ${kind} ` +
      `(${report.size} policy); the benchmark stops here. First ones:`,
  ];
  for (const d of report.disagreements) {
    const answer = (v: boolean | string): string => (typeof v === "boolean" ? (v ? "allow" : "deny") : v);
    lines.push(
      `  ${report.set === "boundary" ? "boundary request" : "request"} #${d.index}: ${referenceName} says ${answer(d.expected)}, ${d.engine} says ${answer(d.actual)}`,
      `    ${JSON.stringify(d.request)}`,
    );
  }
  return lines.join("\n");
}
