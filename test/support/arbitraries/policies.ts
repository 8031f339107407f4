// Random well-typed policies as Writ source text: a header, an `input` schema, `let` constants,
// permits and forbids (some unconditional, some annotated) whose conditions come from the
// type-directed expression generator. A policy is kept as data (GenPolicy) and printed by
// `policyToWrit`, so a shrunk counterexample prints as a small, readable policy.
//
// Batches: compiling a module costs 0.1–1 s, so the differential properties put several random
// policies ("members") into one compiled policy. Member k's input lives under the field `pk`, its
// constants and rules are renamed `Kk_i` / `pk_name`, and each of its conditions is guarded as
// `(sel == k) && (cond)`. Since `true && X` is exactly `X` (value or error) and `false && X` is
// `false`, a request with `sel = k` gets exactly member k's decision (with renamed rules), while the
// other members' rules stay silent — so one compile and one module serve every member.

import fc from "fast-check";
import type { RecordType, SchemaType } from "../../../runtime/schema.js";
import { Draw } from "./draw.js";
import { expr, inputEnv, literal, type Term } from "./expressions.js";
import { drawSchema, recordFieldsToWrit, typeToWrit } from "./schema.js";
import { drawMutation, drawRequest, type MutatedRequest } from "./requests.js";

export interface GenConstant {
  readonly name: string;
  readonly type: SchemaType;
  readonly text: string;
  /** an empty literal (`[]`, `{}`): of no element type to the checker, used as a list or map of `type` */
  readonly empty?: boolean;
}

export interface GenRule {
  readonly name: string;
  readonly effect: "permit" | "forbid";
  /** undefined: an unconditional rule */
  readonly condition: string | undefined;
  readonly annotations: readonly (readonly [string, string])[];
}

export interface GenPolicy {
  readonly name: string;
  readonly version: string;
  readonly schema: RecordType;
  readonly constants: readonly GenConstant[];
  readonly rules: readonly GenRule[];
}

export interface PolicyOptions {
  readonly maxRules?: number;
  readonly maxDepth?: number;
  readonly maxConstants?: number;
}

const VALUE_TYPES: readonly SchemaType[] = [
  { kind: "int" },
  { kind: "string", max: 0 },
  { kind: "bool" },
  { kind: "list", element: { kind: "int" }, max: 0 },
  { kind: "list", element: { kind: "string", max: 0 }, max: 0 },
  { kind: "map", value: { kind: "int" }, max: 0, keyMax: 0 },
];

function drawConstants(d: Draw, prefix: string, max: number): GenConstant[] {
  const out: GenConstant[] = [];
  const n = d.int(0, max);
  for (let i = 0; i < n; i++) {
    if (d.chance(0.15)) {
      // an empty literal: a macro over it has a variable of no type (expressions.ts, macroOverEmpty)
      const type = d.pick(VALUE_TYPES.filter((t) => t.kind === "list" || t.kind === "map"));
      out.push({ name: `${prefix}${i}`, type, text: type.kind === "map" ? "{}" : "[]", empty: true });
      continue;
    }
    const type = d.pick(VALUE_TYPES);
    // Constants are evaluated at compile time, where an error is a compile error: literals only,
    // or a list literal that reuses an earlier constant of the element type.
    const earlier = out.filter((c) => type.kind === "list" && c.type.kind === type.element.kind);
    const text = earlier.length && d.chance(0.5) ? `[${d.pick(earlier).name}, ${literal(d, (type as { element: SchemaType }).element)}]` : literal(d, type);
    out.push({ name: `${prefix}${i}`, type, text });
  }
  return out;
}

/** The schema, constants and rules of one policy whose input is read under `inputPrefix`. */
function drawBody(d: Draw, inputPrefix: string, namePrefix: string, constPrefix: string, options: PolicyOptions) {
  const schema = drawSchema(d);
  const constants = drawConstants(d, constPrefix, options.maxConstants ?? 2);
  const env = inputEnv(schema.fields, inputPrefix, constants.map((c): Term => ({ text: c.name, type: c.type, empty: c.empty })));
  const depth = options.maxDepth ?? 3;
  const rules: GenRule[] = [];
  const n = d.int(1, options.maxRules ?? 6);
  for (let i = 0; i < n; i++) {
    const effect = d.chance(0.35) ? "forbid" : "permit";
    const condition = d.chance(0.05) ? undefined : expr(d, env, { kind: "bool" }, d.int(1, depth));
    const annotations: [string, string][] = d.chance(0.2) ? [["reason", `rule ${i} says \"why\"`]] : [];
    rules.push({ name: `${namePrefix}r${i}`, effect, condition, annotations });
  }
  return { schema, constants, rules };
}

/** Draws one standalone policy. */
export function drawPolicy(d: Draw, options: PolicyOptions = {}): GenPolicy {
  const body = drawBody(d, "", "", "K", options);
  return { name: "generated", version: "1.0.0", ...body };
}

export interface Batch {
  readonly policy: GenPolicy;
  /** how many members; member k answers requests with `sel = k` */
  readonly members: number;
  /** each member's own schema (for drawing its part of requests) */
  readonly memberSchemas: readonly RecordType[];
}

/** Draws `members` random policies merged into one (see the header for how they stay independent). */
export function drawBatch(d: Draw, members: number, options: PolicyOptions = {}): Batch {
  const fields: RecordType["fields"][number][] = [{ name: "sel", type: { kind: "int" }, optional: false }];
  const constants: GenConstant[] = [];
  const rules: GenRule[] = [];
  const memberSchemas: RecordType[] = [];
  for (let k = 0; k < members; k++) {
    const body = drawBody(d, `p${k}`, `p${k}_`, `K${k}_`, options);
    memberSchemas.push(body.schema);
    fields.push({ name: `p${k}`, type: body.schema, optional: false });
    constants.push(...body.constants);
    for (const r of body.rules) rules.push({ ...r, condition: r.condition === undefined ? `sel == ${k}` : `(sel == ${k}) && ${r.condition}` });
  }
  return { policy: { name: "generated-batch", version: "1.0.0", schema: { kind: "record", fields }, constants, rules }, members, memberSchemas };
}

/** A request for a batch: valid for every member, answered by member `sel` (or none, sometimes). */
export function drawBatchRequest(d: Draw, batch: Batch, valid = true): unknown {
  if (!valid) return drawBatchMutation(d, batch).request;
  const request = drawRequest(d, batch.policy.schema);
  request.sel = drawSel(d, batch);
  return request;
}

/** A mutated batch request (the mutation applied after `sel` is chosen, so it may hit `sel` too). */
export function drawBatchMutation(d: Draw, batch: Batch): MutatedRequest {
  return drawMutation(d, batch.policy.schema, (r) => {
    r.sel = drawSel(d, batch);
  });
}

function drawSel(d: Draw, batch: Batch): number {
  return d.chance(0.95) ? d.int(0, batch.members - 1) : d.pick([-1, batch.members]);
}

/** The Writ source of a policy. */
export function policyToWrit(p: GenPolicy): string {
  const lines = [`// generated`, `policy "${p.name}" version "${p.version}"`, "", `input { ${recordFieldsToWrit(p.schema)} }`, ""];
  for (const c of p.constants) lines.push(`let ${c.name} = ${c.text}`);
  for (const r of p.rules) {
    for (const [k, v] of r.annotations) lines.push(`@${k}(${JSON.stringify(v)})`);
    lines.push(r.condition === undefined ? `${r.effect} ${r.name}` : `${r.effect} ${r.name} when ${r.condition}`);
  }
  return lines.join("\n") + "\n";
}

/** fast-check arbitraries over the draw functions above. */
export const policyArb = (options: PolicyOptions = {}): fc.Arbitrary<GenPolicy> => fc.gen().map((g) => drawPolicy(new Draw(g), options));

export { typeToWrit };
