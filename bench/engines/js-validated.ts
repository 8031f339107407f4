// The floor with the checks Writ makes: the hand-written if/else of js-ifelse.ts behind a hand-written
// check of the request against the policy's schema, as strict as Writ's own (docs/language.md,
// "Requests"): each record a plain object with every field and no other key, ints safe integers,
// strings well-formed and at most 256 UTF-8 bytes (the schema's default bound), the roles a list of
// at most 16 such strings; anything else is a deny. It is not the floor the design's "≤ 6× JS" target
// divides by (js-ifelse, which checks nothing): it shows what checking a request costs when no
// engine does it, beside what Writ's checking and deciding cost together.
//
// Written the way a careful team would write it: straight-line tests with constant property names,
// one `for…in` per record for the keys (a key count alone would take a field that is not enumerable
// and an unknown key for the fields), and the UTF-8 length measured only when the UTF-16 length leaves
// it in doubt.

import type { BenchRequest } from "../request.js";
import { isWellFormed, utf8Length } from "../../runtime/strings.js";
import { createJsIfElseEngine } from "./js-ifelse.js";
import type { Engine } from "./types.js";

/** the schema's bound on every string of the policy (`string` with no bound) */
const STRING_MAX = 256;
/** `roles: list<string>(16)` */
const ROLES_MAX = 16;

function isPlainRecord(x: unknown): x is Record<string, unknown> {
  if (typeof x !== "object" || x === null || Array.isArray(x)) return false;
  const proto: unknown = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function isString(x: unknown): x is string {
  // a UTF-16 unit is 1 to 3 UTF-8 bytes: only a string that could be over the bound is measured
  return typeof x === "string" && (x.length * 3 <= STRING_MAX || utf8Length(x) <= STRING_MAX) && isWellFormed(x);
}

function isInt(x: unknown): boolean {
  return Number.isSafeInteger(x);
}

/** Whether every enumerable key of `o` is one of the four names, and there are four. */
function onlyKeys4(o: object, a: string, b: string, c: string, d: string): boolean {
  let n = 0;
  for (const k in o) {
    if (k !== a && k !== b && k !== c && k !== d) return false;
    n++;
  }
  return n === 4;
}

function onlyKeys2(o: object, a: string, b: string): boolean {
  let n = 0;
  for (const k in o) {
    if (k !== a && k !== b) return false;
    n++;
  }
  return n === 2;
}

function isRoles(x: unknown): boolean {
  if (!Array.isArray(x) || x.length > ROLES_MAX) return false;
  for (let i = 0; i < x.length; i++) if (!Object.hasOwn(x, i) || !isString(x[i])) return false;
  return true;
}

/** Whether `r` is a request of the benchmark policy's schema, checked as Writ checks it. */
export function isAgentGovernanceRequest(r: unknown): r is BenchRequest {
  if (!isPlainRecord(r) || !onlyKeys4(r, "principal", "action", "resource", "context")) return false;
  const p = r.principal;
  if (!isPlainRecord(p) || !isString(p.id) || !isRoles(p.roles) || !isInt(p.clearance) || !isString(p.tenant) || !onlyKeys4(p, "id", "roles", "clearance", "tenant")) return false;
  const a = r.action;
  if (!isPlainRecord(a) || !isString(a.name) || !isString(a.tool) || !onlyKeys2(a, "name", "tool")) return false;
  const res = r.resource;
  if (!isPlainRecord(res) || !isString(res.id) || !isString(res.type) || !isString(res.owner) || !isInt(res.sensitivity) || !onlyKeys4(res, "id", "type", "owner", "sensitivity")) return false;
  const c = r.context;
  return isPlainRecord(c) && isInt(c.amount) && isInt(c.hour) && isInt(c.riskScore) && isInt(c.approvals) && onlyKeys4(c, "amount", "hour", "riskScore", "approvals");
}

export function createJsValidatedEngine(): Engine {
  const unchecked = createJsIfElseEngine();
  return {
    ...unchecked,
    name: "js-validated",
    label: "hand-written JS if/else, checking the request as Writ does",
    decide: (request, index) => isAgentGovernanceRequest(request) && unchecked.decide(request, index),
  };
}
