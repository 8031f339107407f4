// A request validator generated as JavaScript source for one schema, the way JSON-schema validators
// such as ajv do it: straight-line code with constant property names lets V8 keep every property
// read monomorphic, which a tree of shared closures cannot (their inline caches go megamorphic).
// It must say exactly what the portable closure validator in request.ts says — same verdict, same
// path, same message — and test/runtime/request-codegen.test.ts checks that on random inputs.
//
// Safety: the only data spliced into the source are field names, through JSON.stringify (a JSON
// string is a valid JS string literal), and bounds, which must be safe integers. Hosts that forbid
// `new Function` (a content-security policy, some edge runtimes) get undefined and use the closures.

import type { RequestError } from "./decision.js";
import type { RecordType, SchemaType } from "./schema.js";
import { describe, INHERITED, intProblem, isPlainObject, keySegment, ownValue, stringProblem, unreadableRequestError } from "./request.js";
import { shownBareKey } from "./thrown.js";
import { ownElement } from "./own.js";

type Check = (request: unknown) => RequestError | undefined;

/** A path as a JS expression: a string literal, or a concatenation when it holds indexes or keys. */
type PathExpr = string;

const lit = (s: string): PathExpr => JSON.stringify(s);

function childPath(parent: PathExpr, name: string): PathExpr {
  return parent === '""' ? lit(name) : `${parent} + ${lit("." + name)}`;
}

function boundOf(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`bound ${n} is not a non-negative integer`);
  return String(n);
}

class Generator {
  private nextVar = 0;
  readonly lines: string[] = [];
  readonly knownFieldSets: ReadonlySet<string>[] = [];

  fresh(prefix: string): string {
    return `${prefix}$${this.nextVar++}`; // the `$` keeps locals apart from the parameters
  }

  emit(line: string): void {
    this.lines.push(line);
  }

  value(t: SchemaType, x: string, path: PathExpr): void {
    switch (t.kind) {
      case "bool":
        this.emit(`if (typeof ${x} !== "boolean") return E(${path}, "expected bool, got " + D(${x}));`);
        return;
      case "int":
        this.emit(`if (typeof ${x} !== "number" || !Number.isSafeInteger(${x})) { const m = I(${x}); if (m !== undefined) return E(${path}, m); }`);
        return;
      case "string": {
        const max = boundOf(t.max);
        this.emit(`if (typeof ${x} !== "string") return E(${path}, "expected string, got " + D(${x}));`);
        this.emit(`if (${x}.length * 3 > ${max} || !${x}.isWellFormed()) { const m = S(${x}, ${max}); if (m !== undefined) return E(${path}, m); }`);
        return;
      }
      case "list": {
        const max = boundOf(t.max);
        const i = this.fresh("i");
        const e = this.fresh("e");
        this.emit(`if (!Array.isArray(${x})) return E(${path}, "expected list, got " + D(${x}));`);
        this.emit(`if (${x}.length > ${max}) return E(${path}, "list has " + ${x}.length + " elements, more than the ${max} allowed");`);
        // a hole is undefined, never what a prototype holds at its index (own.ts)
        this.emit(`for (let ${i} = 0; ${i} < ${x}.length; ${i}++) { const ${e} = OE(${x}, ${i});`);
        this.value(t.element, e, `${path} + "[" + ${i} + "]"`);
        this.emit("}");
        return;
      }
      case "map": {
        const max = boundOf(t.max);
        const keyMax = boundOf(t.keyMax);
        const ks = this.fresh("ks");
        const k = this.fresh("k");
        const e = this.fresh("e");
        const keyPath = `${path} + J(${k})`;
        this.emit(`if (!P(${x})) return E(${path}, "expected map, got " + D(${x}));`);
        this.emit(`const ${ks} = Object.keys(${x});`);
        this.emit(`if (${ks}.length > ${max}) return E(${path}, "map has " + ${ks}.length + " entries, more than the ${max} allowed");`);
        this.emit(`for (const ${k} of ${ks}) {`);
        this.emit(`{ const m = S(${k}, ${keyMax}); if (m !== undefined) return E(${keyPath}, "key: " + m); }`);
        this.emit(`const ${e} = O(${x}, ${k});`);
        this.value(t.value, e, keyPath);
        this.emit("}");
        return;
      }
      case "record":
        this.record(t, x, path);
        return;
    }
  }

  record(t: RecordType, x: string, path: PathExpr): void {
    const known = this.knownFieldSets.length;
    (this.knownFieldSets as Set<string>[]).push(new Set(t.fields.map((f) => f.name)));
    this.emit(`if (!P(${x})) return E(${path}, "expected a record, got " + D(${x}));`);
    for (const f of t.fields) {
      const v = this.fresh("f");
      const fieldPath = childPath(path, f.name);
      // names that plain objects inherit (`constructor`, `__proto__`…) are read as own properties only
      this.emit(`const ${v} = ${INHERITED.has(f.name) ? `O(${x}, ${lit(f.name)})` : `${x}[${lit(f.name)}]`};`);
      this.emit(`if (${v} === undefined) {${f.optional ? "" : ` return E(${fieldPath}, "missing required field");`} } else {`);
      this.value(f.type, v, fieldPath);
      this.emit("}");
    }
    // Unknown fields are refused: every key must be a field's name. (Counting the keys would not do
    // on a host's object: a field that is not enumerable and an unknown key would cancel out.)
    const k = this.fresh("k");
    this.emit(`for (const ${k} in ${x}) if (!K[${known}].has(${k})) { const u = U(${k}); return E(${path === '""' ? "u" : `${path} + "." + u`}, "unknown field \`" + u + "\`"); }`);
  }
}

function requestError(path: string, message: string): RequestError {
  return { rule: null, code: "invalid_request", message: path ? `${path}: ${message}` : message, path };
}

/** The generated validator for `schema`, or undefined where code generation is not allowed. */
export function generateRequestCheck(schema: RecordType): Check | undefined {
  const g = new Generator();
  g.record(schema, "v", '""');
  const body = `"use strict";\nreturn function checkRequest(v) {\n${g.lines.join("\n")}\nreturn undefined;\n};`;
  let factory: (...args: unknown[]) => (v: unknown) => RequestError | undefined;
  try {
    factory = new Function("E", "D", "I", "S", "P", "O", "U", "K", "J", "OE", body) as typeof factory;
  } catch {
    return undefined; // no eval here: the caller falls back to the closure validator
  }
  const check = factory(requestError, describe, intProblem, stringProblem, isPlainObject, ownValue, shownBareKey, g.knownFieldSets, keySegment, ownElement);
  return (request) => {
    try {
      return check(request);
    } catch (e) {
      // getters or proxies in a host-built object may throw: still a deny, never an exception
      return unreadableRequestError(e);
    }
  };
}
