// Differential test of request validation against the documented contract. `decide` (its generated
// fast path and its general path alike) and the interpreter share one validator (runtime/request.ts),
// so the tests that compare them with each other never check that validator. Here a referee written
// from the docs alone (test/support/schema-referee.ts) judges random schemas' requests at every edge
// of the contract (test/support/arbitraries/boundary.ts), and both deciders must give its verdict: a
// valid request allowed by the one rule `permit r`, an invalid one denied with one `invalid_request`
// error (rule null) at the path the referee names. Each run compiles one schema (at -O0, to stay
// quick) and decides REQUESTS requests against it.

import fc from "fast-check";
import { inspect } from "node:util";
import { assert, describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/index.js";
import { createInterpreter } from "../../compiler/ir/interp.js";
import type { Decision } from "../../runtime/decision.js";
import { loadPolicy } from "../../runtime/policy.js";
import { boundaryTypeToWrit, drawBoundaryRequest, drawBoundarySchema, manifestSchemaOf, type BoundaryRecord } from "../support/arbitraries/boundary.js";
import { Draw } from "../support/arbitraries/draw.js";
import { checkProperty } from "../support/arbitraries/replay.js";
import { refereeVerdict, type Offence, type Verdict } from "../support/schema-referee.js";

const FILE = "test/differential/schema-referee.test.ts";
const RUNS = 40; // schemas (one compile each)
const REQUESTS = 250; // requests per schema
const SEED = 20_251_130; // the default seed; WRIT_SEED replaces it

/** What a decider said of a request, in the referee's terms; `other` when it is neither. */
type Outcome = { valid: true } | { valid: false; path: string; message: string } | { other: Decision };

function outcomeOf(d: Decision): Outcome {
  if (d.decision === "allow" && d.rules.length === 1 && d.rules[0] === "r" && d.errors.length === 0) return { valid: true };
  const e = d.errors[0];
  if (d.decision === "deny" && d.rules.length === 0 && d.errors.length === 1 && e && e.rule === null && e.code === "invalid_request")
    return { valid: false, path: e.path, message: e.message };
  return { other: d };
}

/** Whether `outcome` is the referee's `verdict`: the same path, and a key's fault said to be one. */
function agrees(outcome: Outcome, verdict: Verdict | undefined): boolean {
  if ("other" in outcome) return false;
  if (verdict === undefined) return outcome.valid;
  if (outcome.valid) return false;
  // docs/abi.md: the message of a key's fault starts with `key: ` (after the path)
  const keyFault = verdict.offence === "key-ill-formed" || verdict.offence === "key-bound";
  return outcome.path === verdict.path && outcome.message.startsWith(`${verdict.path}: key: `) === keyFault;
}

function policySource(schema: BoundaryRecord): string {
  return `policy "referee" version "1"\n\ninput ${boundaryTypeToWrit(schema)}\n\npermit r\n`;
}

function shown(v: unknown): string {
  try {
    return inspect(v, { depth: 8, getters: false, showProxy: true, showHidden: true, breakLength: 160, maxArrayLength: 20, maxStringLength: 200 });
  } catch {
    return "(cannot be shown)";
  }
}

describe("request validation follows the documented contract", () => {
  it(`on ${RUNS} random schemas × ${REQUESTS} requests at the contract's edges`, async () => {
    const seen = { valid: 0, invalid: 0, offences: new Map<Offence, number>() };
    const property = fc.asyncProperty(fc.gen(), async (g) => {
      const d = new Draw(g);
      const schema = drawBoundarySchema(d);
      const rd = Draw.seeded(d.seed());
      const source = policySource(schema);
      const compiled = await compilePolicy(source, { optimize: false });
      if (!compiled.bundle || !compiled.ir) assert.fail(`the schema did not compile:\n${source}\n${compiled.diagnostics.map((x) => `${x.code} ${x.message}`).join("\n")}`);
      // the referee reads the schema as drawn: the compiler must have stated the same one
      expect(compiled.bundle.manifest.schema, source).toEqual(manifestSchemaOf(schema));
      const policy = loadPolicy(compiled.bundle, { allowUnsigned: true });
      const interpreter = createInterpreter(compiled.ir, compiled.bundle.manifest.errorSites);
      for (let i = 0; i < REQUESTS; i++) {
        const request = drawBoundaryRequest(rd, schema);
        const verdict = refereeVerdict(schema, request);
        const byDecide = outcomeOf(policy.decide(request));
        const byInterpreter = outcomeOf(interpreter.decide(request));
        if (!agrees(byDecide, verdict) || !agrees(byInterpreter, verdict))
          assert.fail(
            `request ${i} of this schema:\n${source}\nrequest: ${shown(request)}\nreferee: ${verdict ? JSON.stringify(verdict) : "valid"}\ndecide: ${shown(byDecide)}\ninterpreter: ${shown(byInterpreter)}`,
          );
        if (verdict === undefined) seen.valid++;
        else {
          seen.invalid++;
          seen.offences.set(verdict.offence, (seen.offences.get(verdict.offence) ?? 0) + 1);
        }
      }
    });
    // Shrinking would recompile a schema per step; the failure names its schema and request instead.
    await checkProperty(property, RUNS, FILE, { seed: SEED, endOnFailure: true });

    // The referee must have judged both ways, and at every kind of offence it knows but pollution.
    const total = seen.valid + seen.invalid;
    expect(seen.valid).toBeGreaterThan(total / 5);
    expect(seen.invalid).toBeGreaterThan(total / 5);
    const kinds: Offence[] = [
      "unreadable", "too-large", "over-long", "wrong-type", "missing", "unknown", "hole", "unsafe-number", "int-range",
      "ill-formed", "string-bound", "list-bound", "map-bound", "key-ill-formed", "key-bound",
    ];
    for (const k of kinds) expect(seen.offences.get(k) ?? 0, `requests refused as ${k}`).toBeGreaterThan(0);
    console.log(`schema referee: ${total} requests, ${seen.valid} valid, ${seen.invalid} invalid (${[...seen.offences].map(([k, n]) => `${k} ${n}`).join(", ")})`);
  }, 120_000);
});
