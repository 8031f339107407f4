// Agreement before timing: every engine must return the reference's allow/deny on every request of
// the mix, for the policy size being measured. A disagreement stops the benchmark with a message
// naming the engine, the request and both answers: timing an engine that decides differently
// would compare different work.

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

export interface AgreementReport {
  readonly engine: string;
  readonly size: PolicySize;
  readonly checked: number;
  readonly allowed: number;
  /** the first few disagreements (empty when the engine agrees on every request) */
  readonly disagreements: readonly Disagreement[];
  readonly disagreementCount: number;
}

const KEEP = 5;

/**
 * `expected[i]` is the reference's answer for `mix[i]`; `engine` must already be prepared for `size`
 * (and bound to `mix`, if it takes one).
 */
export function checkAgreement(
  engine: Engine,
  size: PolicySize,
  mix: readonly BenchRequest[],
  expected: readonly boolean[],
): AgreementReport {
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
  return { engine: engine.name, size, checked: mix.length, allowed, disagreements, disagreementCount: count };
}

export function describeDisagreements(report: AgreementReport, referenceName: string): string {
  const lines = [
    `${report.engine} disagrees with ${referenceName} on ${report.disagreementCount} of ${report.checked} requests ` +
      `(${report.size} policy); the benchmark stops here. First ones:`,
  ];
  for (const d of report.disagreements) {
    const answer = (v: boolean | string): string => (typeof v === "boolean" ? (v ? "allow" : "deny") : v);
    lines.push(
      `  request #${d.index}: ${referenceName} says ${answer(d.expected)}, ${d.engine} says ${answer(d.actual)}`,
      `    ${JSON.stringify(d.request)}`,
    );
  }
  return lines.join("\n");
}
